import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import { sampleData } from '../../mock/backend';
import { renderApp } from '../../test/render';

async function openActivity() {
  const ctx = await renderApp(sampleData());
  await ctx.user.click(screen.getByTestId('nav-activity'));
  await screen.findByTestId('activity-list');
  return ctx;
}

const rows = () => screen.getAllByTestId('activity-row');

describe('activity', () => {
  it('lists activities newest first with actor, action, summary and target', async () => {
    await openActivity();
    expect(rows()).toHaveLength(12);
    const first = rows()[0]!;
    expect(first.textContent).toContain('You');
    expect(first.textContent).toContain('account.tested');
    expect(first.textContent).toContain('account:1');
    const time = first.querySelector('time')!;
    expect(time.textContent).toBe('3 min ago');
    expect(time.getAttribute('title'), 'absolute time on hover').toBeTruthy();
  });

  it('filters by actor on the Rust side', async () => {
    const { user, backend } = await openActivity();
    await user.click(screen.getByTestId('activity-actor-agent'));
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(rows()[0]!.textContent).toContain('Assistant');
    expect(backend.callsOf('activity_list').at(-1)?.args).toEqual({ filter: { actor: 'agent', action: null, limit: 500 } });
    expect(screen.getByTestId('activity-actor-agent').getAttribute('aria-pressed')).toBe('true');
    await user.click(screen.getByTestId('activity-actor-all'));
    await waitFor(() => expect(rows()).toHaveLength(12));
  });

  it('filters by action text', async () => {
    const { user } = await openActivity();
    await user.type(screen.getByTestId('activity-filter'), 'api_key');
    expect(rows()).toHaveLength(2);
    await user.clear(screen.getByTestId('activity-filter'));
    await user.type(screen.getByTestId('activity-filter'), 'no.such.action');
    expect(screen.queryByTestId('activity-list')).toBeNull();
    expect(screen.getByTestId('activity-empty').textContent).toContain('Nothing matches');
  });

  it('updates live on "activity-added"', async () => {
    const { backend } = await openActivity();
    backend.data.activities.unshift({ id: 99, at: new Date().toISOString(), actor: 'sync', action: 'mail.synced', target: 'account:1', summary: 'Synced 14 new messages', details: {}, undoable: false, undone: false });
    await emit('activity-added', { id: 99 });
    await waitFor(() => expect(rows()).toHaveLength(13));
    expect(within(rows()[0]!).getByText('Synced 14 new messages')).toBeTruthy();
  });

  it('reveals the details of a row', async () => {
    const { user } = await openActivity();
    await user.click(within(rows()[0]!).getByRole('button', { name: 'Show details' }));
    expect(rows()[0]!.textContent).toContain('imap_ms');
  });
});

describe('undo from the log', () => {
  it('an undoable entry has Undo; after it, the entry says undone and the undo is logged', async () => {
    const data = sampleData();
    data.activities.unshift({ id: 50, at: new Date().toISOString(), actor: 'agent', action: 'mail.archived', target: 'message:3', summary: 'Archived 1 message', details: { messages: [3] }, undoable: true, undone: false });
    const { user, backend } = await renderApp(data);
    await user.click(screen.getByTestId('nav-activity'));
    const row = (await screen.findAllByTestId('activity-row')).find((r) => r.textContent?.includes('Archived 1 message')) as HTMLElement;
    await user.click(within(row).getByTestId('activity-undo'));
    await waitFor(() => expect(screen.getAllByTestId('activity-undone')).toHaveLength(1));
    expect(backend.callsOf('activity_undo')[0]?.args).toEqual({ id: Number(row.dataset.id) });
    expect(screen.getByTestId('activity-list').textContent).toContain('Undid: Archived 1 message');
    const again = screen.getAllByTestId('activity-row').find((r) => r.dataset.id === row.dataset.id) as HTMLElement;
    expect(within(again).queryByTestId('activity-undo')).toBeNull();
  });
});

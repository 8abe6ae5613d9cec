import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { FakeBackend, sampleData } from '../../../mock/backend';
import { renderApp } from '../../../test/render';
import Compose from './Compose.svelte';
import type { DraftInput } from '../../types';

const rows = () => screen.queryAllByTestId('mail-row');

async function inbox() {
  const ctx = await renderApp(sampleData());
  await waitFor(() => expect(rows().length).toBeGreaterThan(5));
  return { ...ctx, user: userEvent.setup() };
}

function blank(over: Partial<DraftInput> = {}): DraftInput {
  return { id: null, account_id: 1, kind: 'new', reply_to_message: null, to: [], cc: [], bcc: [], subject: '', body: '', attachments: [], ...over };
}

describe('compose', () => {
  it('c opens a new message; typing saves a draft; Ctrl+Enter sends with an undo that brings it back', async () => {
    const { backend, user } = await inbox();
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard('c');
    const compose = await screen.findByTestId('compose');
    await user.type(screen.getByTestId('compose-to'), 'jordan@example.com');
    await user.type(screen.getByTestId('compose-subject'), 'Lunch');
    await user.type(screen.getByTestId('compose-body'), 'Noon at the usual place?');
    await waitFor(
      () => {
        const saved = [...backend.drafts.values()];
        expect(saved).toHaveLength(1);
        expect(saved[0]).toMatchObject({ to: ['jordan@example.com'], subject: 'Lunch', body: 'Noon at the usual place?' });
      },
      { timeout: 3000 },
    );
    await waitFor(() => expect(screen.getByTestId('compose-status').textContent).toBe('Draft saved'));

    await fireEvent.keyDown(compose, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(screen.queryByTestId('compose')).toBeNull());
    expect(backend.callsOf('draft_send').at(-1)?.args).toMatchObject({ delaySecs: 10 });
    expect(backend.outbox[0]?.state).toBe('queued');
    const toast = await screen.findByText('Sending “Lunch”');
    const undo = within(toast.closest('[data-testid^="toast"]') ?? document.body).getByRole('button', { name: 'Undo' });
    await user.click(undo);
    await waitFor(() => expect(backend.outbox[0]?.state).toBe('cancelled'));
    const back = await screen.findByTestId('compose');
    expect((within(back).getByTestId('compose-subject') as HTMLInputElement).value).toBe('Lunch');
    expect((within(back).getByTestId('compose-body') as HTMLTextAreaElement).value).toBe('Noon at the usual place?');
  });

  it('r, a and f start from the selected message', async () => {
    const { backend, user } = await inbox();
    await user.click(rows()[1]!);
    await waitFor(() => expect(screen.getAllByTestId('conversation-message').length).toBeGreaterThan(0));
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard('r');
    const compose = await screen.findByTestId('compose');
    const subject = (within(compose).getByTestId('compose-subject') as HTMLInputElement).value;
    expect(subject.startsWith('Re: ')).toBe(true);
    expect((within(compose).getByTestId('compose-to') as HTMLInputElement).value).not.toBe('');
    expect(backend.callsOf('mail_compose_template').at(-1)?.args).toMatchObject({ kind: 'reply' });
    await fireEvent.keyDown(compose, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('compose')).toBeNull());
    expect(backend.drafts.size, 'closing keeps the draft').toBe(1);
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard('f');
    await waitFor(() => expect(backend.callsOf('mail_compose_template').at(-1)?.args).toMatchObject({ kind: 'forward' }));
    const forward = await screen.findByTestId('compose');
    expect((within(forward).getByTestId('compose-subject') as HTMLInputElement).value.startsWith('Fwd: ')).toBe(true);
    await user.click(within(forward).getByTestId('compose-discard'));
    await waitFor(() => expect(screen.queryByTestId('compose')).toBeNull());
    expect(backend.drafts.size, 'discard deletes the draft').toBe(1);
  });

  it('suggests people from the mail as the address is typed', async () => {
    const backend = new FakeBackend(sampleData()).install();
    const user = userEvent.setup();
    render(Compose, { props: { initial: blank(), onclose: () => {}, onsent: () => {}, onerror: () => {} } });
    const sender = backend.data.mail.messages[0]!.from;
    const part = sender.replace(/[<>"]/g, '').slice(0, 4);
    await user.type(screen.getByTestId('compose-to'), part);
    const list = await screen.findByTestId('compose-suggestions');
    expect(list.textContent).toContain(sender);
    await user.keyboard('{Enter}');
    expect((screen.getByTestId('compose-to') as HTMLInputElement).value).toContain(sender);
  });

  it('warns when the attachments are too large for most servers, and will not send without a recipient', async () => {
    new FakeBackend(sampleData()).install();
    const errors: string[] = [];
    const user = userEvent.setup();
    render(Compose, {
      props: {
        initial: blank({ attachments: [{ filename: 'video.mov', mime_type: 'video/quicktime', size: 26 * 1024 * 1024, blob: 'b1' }] }),
        onclose: () => {},
        onsent: () => {},
        onerror: (title: string) => errors.push(title),
      },
    });
    expect(screen.getByTestId('compose-size-warning').textContent).toContain('many mail servers refuse');
    await user.click(screen.getByTestId('compose-send'));
    expect(errors).toContain('Add a recipient first');
  });
});

describe('outbox trouble', () => {
  it('shows a message that is waiting after a failed try, and Try now sends it', async () => {
    const backend = new FakeBackend(sampleData()).install();
    backend.outbox.push({
      id: 7, account_id: 1, message_id: 'm7@x', subject: 'Offline note', recipients: ['a@x'], state: 'queued',
      send_after: new Date().toISOString(), attempts: 1, next_attempt_at: new Date(Date.now() + 30_000).toISOString(),
      last_error: 'Connection refused', sent_copy: '', created_at: new Date().toISOString(),
    });
    const user = userEvent.setup();
    // The whole app, with this backend already installed.
    const App = (await import('../../../App.svelte')).default;
    render(App);
    const banner = await screen.findByTestId('outbox-trouble', {}, { timeout: 3000 });
    expect(banner.textContent).toContain('Offline note');
    expect(banner.textContent).toContain('Connection refused');
    await user.click(within(banner).getByTestId('outbox-retry'));
    await waitFor(() => expect(backend.callsOf('outbox_retry')).toHaveLength(1));
    await waitFor(() => expect(screen.queryByTestId('outbox-trouble')).toBeNull());
  });
});

describe('drafts and outbox on this computer', () => {
  it('lists the drafts; opening one continues it; deleting asks nothing and Undo brings it back', async () => {
    const { backend, user } = await inbox();
    const now = new Date().toISOString();
    backend.drafts.set(41, {
      id: 41, account_id: 1, kind: 'new', reply_to_message: null, to: ['Sam Lee <sam@example.com>'], cc: [], bcc: [],
      subject: 'Quarterly numbers', body: 'Here they are.', attachments: [], message_id: 'd41@x', version: 3,
      last_error: 'Recipient address rejected', created_at: now, updated_at: now,
    });
    await user.click(await screen.findByTestId('mail-local-drafts'));
    const row = await screen.findByTestId('draft-row');
    expect(row.textContent).toContain('To: Sam Lee');
    expect(row.textContent).toContain('Quarterly numbers');
    expect(within(row).getByTestId('draft-error').textContent).toContain('Recipient address rejected');
    expect(screen.getByTestId('mail-local-drafts-count').textContent).toBe('1');
    expect(screen.getByTestId('mail-list-counts').textContent).toBe('1 draft');

    await user.click(within(row).getByTitle('Continue writing'));
    const compose = await screen.findByTestId('compose');
    expect((within(compose).getByTestId('compose-subject') as HTMLInputElement).value).toBe('Quarterly numbers');
    await user.click(within(compose).getByTestId('compose-close'));

    await user.click(within(await screen.findByTestId('draft-row')).getByTestId('draft-delete'));
    await waitFor(() => expect(backend.drafts.size).toBe(0));
    expect(await screen.findByTestId('drafts-empty')).toBeTruthy();
    const toast = await screen.findByText('Draft deleted');
    await user.click(within(toast.closest('[data-testid^="toast"]') ?? document.body).getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect([...backend.drafts.values()].map((d) => d.subject)).toEqual(['Quarterly numbers']));
    expect(await screen.findByTestId('draft-row')).toBeTruthy();
  });

  it('the outbox shows a send in its undo window; Cancel makes it a draft again', async () => {
    const { backend, user } = await inbox();
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard('c');
    await user.type(await screen.findByTestId('compose-to'), 'jordan@example.com');
    await user.type(screen.getByTestId('compose-subject'), 'Later');
    await user.type(screen.getByTestId('compose-body'), 'Not yet.');
    await user.click(screen.getByTestId('compose-send'));
    await waitFor(() => expect(screen.queryByTestId('compose')).toBeNull());
    expect(backend.drafts.size).toBe(0);

    await user.click(screen.getByTestId('mail-local-outbox'));
    const row = await screen.findByTestId('outbox-row');
    expect(row.dataset.state).toBe('queued');
    expect(within(row).getByTestId('outbox-status').textContent).toMatch(/Sends in \d+ s/);
    expect(screen.getByTestId('mail-local-outbox-count').textContent).toBe('1');
    await user.click(within(row).getByTestId('outbox-cancel'));
    await waitFor(() => expect(backend.outbox[0]?.state).toBe('cancelled'));
    await waitFor(() => expect([...backend.drafts.values()].map((d) => d.subject)).toEqual(['Later']));
    expect(await screen.findByTestId('outbox-empty')).toBeTruthy();
    expect(screen.queryByTestId('mail-local-outbox-count')).toBeNull();
    await user.click(screen.getByTestId('mail-local-drafts'));
    expect((await screen.findByTestId('draft-row')).textContent).toContain('Later');
  });

  it('a refused message says why and points to the drafts; Dismiss clears it', async () => {
    const backend = new FakeBackend(sampleData()).install();
    const at = new Date().toISOString();
    backend.outbox.push({
      id: 9, account_id: 1, message_id: 'm9@x', subject: 'Bounce', recipients: ['nobody@rejected.example'], state: 'failed',
      send_after: at, attempts: 1, next_attempt_at: at, last_error: '550 Recipient address rejected', sent_copy: '', created_at: at,
    });
    const user = userEvent.setup();
    const App = (await import('../../../App.svelte')).default;
    render(App);
    const banner = await screen.findByTestId('outbox-trouble', {}, { timeout: 3000 });
    await user.click(within(banner).getByTestId('outbox-trouble-drafts'));
    expect(await screen.findByTestId('drafts-list').catch(() => screen.findByTestId('drafts-empty'))).toBeTruthy();
    await user.click(screen.getByTestId('mail-local-outbox'));
    const row = await screen.findByTestId('outbox-row');
    expect(within(row).getByTestId('outbox-status').textContent).toContain('550 Recipient address rejected');
    await user.click(within(row).getByTestId('outbox-dismiss'));
    await waitFor(() => expect(backend.outbox[0]?.state).toBe('cancelled'));
    expect(await screen.findByTestId('outbox-empty')).toBeTruthy();
  });
});

describe('sending preferences', () => {
  it('the undo time chosen in Settings is the one a send waits', async () => {
    const { backend, user } = await inbox();
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard('gs');
    const select = (await screen.findByTestId('pref-undo-send')) as HTMLSelectElement;
    await user.selectOptions(select, '30');
    await waitFor(() => expect(backend.mailPrefs.undo_send_secs).toBe(30));
    const saves = screen.getByTestId('pref-server-saves-sent-1') as HTMLInputElement;
    await user.click(saves);
    await waitFor(() => expect(backend.mailPrefs.server_saves_sent).toEqual([1]));
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard('gi');
    await waitFor(() => expect(rows().length).toBeGreaterThan(5));
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard('c');
    const compose = await screen.findByTestId('compose');
    await user.type(screen.getByTestId('compose-to'), 'jordan@example.com');
    await fireEvent.keyDown(compose, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(backend.callsOf('draft_send').at(-1)?.args).toMatchObject({ delaySecs: 30 }));
  });
});

describe('attachments', () => {
  it('a file dropped on the compose panel is attached to the draft', async () => {
    const backend = new FakeBackend(sampleData()).install();
    render(Compose, { props: { initial: blank({ to: ['a@example.com'] }), onclose: () => {}, onsent: () => {}, onerror: () => {} } });
    const panel = screen.getByTestId('compose');
    const file = new File(['hello, world'], 'notes.txt', { type: 'text/plain' });
    await fireEvent.dragOver(panel, { dataTransfer: { files: [file] } });
    await fireEvent.drop(panel, { dataTransfer: { files: [file] } });
    await waitFor(() => expect(backend.callsOf('draft_attach').at(-1)?.args).toMatchObject({ filename: 'notes.txt', mimeType: 'text/plain' }));
    const chip = await screen.findByTestId('compose-attachment');
    expect(chip.textContent).toContain('notes.txt');
    const draft = [...backend.drafts.values()][0];
    expect(draft?.attachments[0]).toMatchObject({ filename: 'notes.txt', size: 12 });
  });
});

describe('the Ctrl/Cmd+K palette', () => {
  it('goes to an area, or finds mail as you type and opens its conversation in the inbox', async () => {
    const { backend, user } = await inbox();
    await user.keyboard('{Control>}k{/Control}');
    const input = await screen.findByTestId('palette-input');
    expect(document.activeElement).toBe(input);
    await user.keyboard('cal');
    const goCalendar = (await screen.findAllByTestId('palette-item')).find((i) => i.dataset.kind === 'area');
    expect(goCalendar?.textContent).toContain('Go to Calendar');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('palette')).toBeNull());

    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('porto');
    await waitFor(() => expect(screen.getAllByTestId('palette-item')[0]?.dataset.kind).toBe('hit'));
    const items = screen.getAllByTestId('palette-item').filter((i) => i.dataset.kind === 'hit');
    expect(items.some((i) => i.textContent?.includes('Photos from Porto'))).toBe(true);
    const first = items[0]!.querySelector('.main')?.textContent ?? '';
    expect(backend.callsOf('search_mail').at(-1)?.args).toMatchObject({ query: 'porto', asYouType: true, limit: 8 });
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.queryByTestId('palette')).toBeNull());
    expect(((await screen.findByTestId('mail-search')) as HTMLInputElement).value).toBe('porto');
    const conversation = await screen.findByTestId('conversation');
    await waitFor(() => expect(conversation.textContent).toContain(first));
  });

  it('says what is wrong with a query instead of finding nothing', async () => {
    const { user } = await inbox();
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('form:sam');
    expect((await screen.findByTestId('palette-error')).textContent).toContain('no “form:” filter');
  });
});

import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import { emptyData, sampleData } from './mock/backend';
import { renderApp } from './test/render';

describe('onboarding', () => {
  it('welcomes a first start with zero accounts', async () => {
    await renderApp(emptyData());
    expect(await screen.findByTestId('onboarding')).toBeTruthy();
    expect(screen.getByTestId('onboarding-add-account').textContent).toContain('Add an account');
    expect(screen.queryByTestId('keyring-warning'), 'keyring is available').toBeNull();
  });

  it('is not shown once there is an account: the inbox is the mail view', async () => {
    await renderApp(sampleData());
    expect(await screen.findByTestId('mail-list')).toBeTruthy();
    expect(screen.getByTestId('area-inbox')).toBeTruthy();
    expect(screen.queryByTestId('onboarding')).toBeNull();
    expect(screen.queryByTestId('empty-inbox')).toBeNull();
  });

  it('warns calmly when no keyring is available', async () => {
    const data = emptyData();
    data.info.keyring = { available: false, message: 'No Secret Service provider found.' };
    await renderApp(data);
    const warning = await screen.findByTestId('keyring-warning');
    expect(warning.textContent).toContain('Passwords cannot be stored until a keyring is available');
    expect(warning.textContent).toContain('No Secret Service provider found.');
  });

  it('"Add an account" opens the account form with the e-mail field focused', async () => {
    const { user } = await renderApp(emptyData());
    await user.click(await screen.findByTestId('onboarding-add-account'));
    const email = await screen.findByTestId('account-email');
    expect(screen.getByTestId('nav-settings').getAttribute('aria-current')).toBe('page');
    await waitFor(() => expect(document.activeElement).toBe(email));
  });

  it('"Open the sample workspace" imports the bundled mailbox and goes to the inbox', async () => {
    const { user, backend } = await renderApp(emptyData());
    await user.click(await screen.findByTestId('onboarding-sample'));
    await waitFor(() => expect(backend.callsOf('mail_open_sample').length).toBe(1));
    expect(screen.getByTestId('nav-inbox').getAttribute('aria-current')).toBe('page');
  });

  it('"Skip for now" shows the honest inbox empty state', async () => {
    const { user } = await renderApp(emptyData());
    await user.click(await screen.findByTestId('onboarding-skip'));
    const empty = await screen.findByTestId('empty-inbox');
    expect(empty.textContent).toContain('No mail yet');
    expect(screen.getByTestId('empty-add-account')).toBeTruthy();
  });
});

describe('keyboard navigation', () => {
  it('g s goes to settings, g l to activity, g i back to the inbox', async () => {
    const { user } = await renderApp(sampleData());
    await user.keyboard('gs');
    expect(await screen.findByTestId('account-row-1')).toBeTruthy();
    expect(screen.getByTestId('nav-settings').getAttribute('aria-current')).toBe('page');
    await user.keyboard('gl');
    expect(await screen.findByTestId('activity-list')).toBeTruthy();
    await user.keyboard('gi');
    expect(await screen.findByTestId('mail-list')).toBeTruthy();
  });

  it('does not navigate while typing in a field', async () => {
    const { user } = await renderApp(sampleData());
    await user.keyboard('gs');
    const name = await screen.findByTestId('account-name');
    await user.click(name);
    await user.keyboard('gl');
    expect((name as HTMLInputElement).value).toBe('gl');
    expect(screen.queryByTestId('activity-list')).toBeNull();
  });

  it('? opens the shortcut sheet and Escape closes it', async () => {
    const { user } = await renderApp(sampleData());
    await user.keyboard('?');
    const sheet = await screen.findByTestId('shortcut-sheet');
    expect(sheet.textContent).toContain('Settings');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('shortcut-sheet')).toBeNull());
  });

  it('arrow keys move focus through the sidebar', async () => {
    await renderApp(sampleData());
    const inbox = screen.getByTestId('nav-inbox');
    inbox.focus();
    await fireEvent.keyDown(inbox, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(screen.getByTestId('nav-calendar'));
    await fireEvent.keyDown(document.activeElement!, { key: 'End' });
    expect(document.activeElement).toBe(screen.getByTestId('nav-settings'));
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    expect(document.activeElement, 'wraps around').toBe(inbox);
  });

  it('follows the tray menu\'s "navigate" event', async () => {
    await renderApp(sampleData());
    await emit('navigate', 'activity');
    expect(await screen.findByTestId('activity-list')).toBeTruthy();
  });
});

describe('load failure', () => {
  it('explains a database error in plain words with details one click away', async () => {
    const data = sampleData();
    const { backend } = await renderAppRejecting(data);
    expect(backend.callsOf('app_info')).toHaveLength(1);
    const panel = await screen.findByTestId('load-error');
    expect(panel.textContent).toContain('newer version of Orbit');
    await fireEvent.click(screen.getByRole('button', { name: 'Details' }));
    expect(panel.textContent).toContain('database_newer: schema version 9 > 3');
  });
});

async function renderAppRejecting(data: ReturnType<typeof sampleData>) {
  const { FakeBackend } = await import('./mock/backend');
  const { render } = await import('@testing-library/svelte');
  const App = (await import('./App.svelte')).default;
  const backend = new FakeBackend(data).install();
  backend.rejectNext('app_info', { code: 'database_newer', message: 'schema version 9 > 3' });
  render(App);
  return { backend };
}

describe('shell integration', () => {
  it('reports the first paint with ui_ready once the data is shown', async () => {
    const { backend } = await renderApp(sampleData());
    await screen.findByTestId('area-inbox');
    await waitFor(() => expect(backend.callsOf('ui_ready')).toHaveLength(1));
    const order = backend.calls.map((c) => c.cmd);
    expect(order.indexOf('ui_ready'), 'after the first load').toBeGreaterThan(order.indexOf('account_list'));
  });

  it('re-queries AI settings on "settings-changed"', async () => {
    const { backend } = await renderApp(sampleData());
    backend.data.ai.openai.has_key = true;
    await emit('settings-changed', null);
    await waitFor(() => expect(backend.callsOf('settings_get')).toHaveLength(2));
  });

  it('shows a calm status while the tray\'s "Sync now" runs', async () => {
    const { backend } = await renderApp(sampleData());
    await emit('sync-started', null);
    expect((await screen.findByTestId('sync-status')).textContent).toContain('Checking accounts');
    const before = backend.callsOf('account_list').length;
    await emit('sync-finished', null);
    await waitFor(() => expect(screen.queryByTestId('sync-status')).toBeNull());
    await waitFor(() => expect(backend.callsOf('account_list').length).toBe(before + 1));
  });
});

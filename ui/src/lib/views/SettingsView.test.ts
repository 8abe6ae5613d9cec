import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { emptyData, sampleData } from '../../mock/backend';
import { renderApp } from '../../test/render';

async function openSettings(data = sampleData(), options?: Parameters<typeof renderApp>[1]) {
  const ctx = await renderApp(data, options);
  await ctx.user.click(screen.getByTestId('nav-settings'));
  await screen.findByTestId('account-form');
  return ctx;
}

function field(id: string): HTMLInputElement {
  return screen.getByTestId(id) as HTMLInputElement;
}

describe('add-account form', () => {
  it('validates required fields before calling the Rust side', async () => {
    const { user, backend } = await openSettings(emptyData());
    await user.click(screen.getByTestId('account-save'));
    const form = screen.getByTestId('account-form');
    expect(within(form).getByText('Enter the e-mail address')).toBeTruthy();
    expect(within(form).getByText('Enter a name for this account')).toBeTruthy();
    expect(within(form).getByText('Enter the password (or an app password)')).toBeTruthy();
    expect(screen.getByTestId('account-servers-error')).toBeTruthy();
    expect(field('account-email').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement, 'focus goes to the first invalid field').toBe(field('account-email'));
    expect(backend.callsOf('account_add')).toHaveLength(0);
  });

  it('checks the port range', async () => {
    const { user, backend } = await openSettings(emptyData());
    await user.type(field('account-email'), 'jane@example.org');
    await user.type(field('account-password'), 'secret');
    await user.clear(field('imap-port'));
    await user.type(field('imap-port'), '70000');
    await user.click(screen.getByTestId('account-save'));
    expect(screen.getByText('Use a port from 1 to 65535')).toBeTruthy();
    expect(backend.callsOf('account_add')).toHaveLength(0);
  });

  it('prefills name, user name and servers from the e-mail, and ports from security', async () => {
    const { user } = await openSettings(emptyData());
    await user.type(field('account-email'), 'jane.doe@example.org');
    expect(field('account-name').value).toBe('Jane Doe');
    expect(field('account-username').value).toBe('jane.doe@example.org');
    expect(field('imap-host').value).toBe('imap.example.org');
    expect(field('smtp-host').value).toBe('smtp.example.org');
    expect(field('imap-port').value).toBe('993');
    expect(field('smtp-port').value).toBe('465');
    await user.selectOptions(screen.getByTestId('smtp-security'), 'starttls');
    expect(field('smtp-port').value).toBe('587');
    await user.selectOptions(screen.getByTestId('imap-security'), 'starttls');
    expect(field('imap-port').value).toBe('143');
  });

  it('adds the account, then tests it and shows the per-service results', async () => {
    const { user, backend } = await openSettings(emptyData(), {
      testAccount: () => [
        { service: 'imap', ok: true, kind: null, message: 'Signed in', elapsed_ms: 120 },
        { service: 'smtp', ok: false, kind: 'auth', message: '535 Authentication failed', elapsed_ms: 80 },
        { service: 'caldav', ok: true, kind: null, message: 'Found 2 calendars', elapsed_ms: 200 },
      ],
    });
    await user.type(field('account-email'), 'jane@example.org');
    await user.type(field('account-password'), 'hunter2');
    await user.type(field('caldav-url'), 'https://dav.example.org/');
    await user.click(screen.getByTestId('account-save'));

    const result = await screen.findByTestId('test-result');
    await waitFor(() => expect(result.textContent).toContain('1 of 3 checks failed'));
    expect(within(result).getByTestId('test-check-imap').textContent).toContain('IMAP');
    expect(within(result).getByTestId('test-check-smtp').textContent).toContain('Sign-in failed');
    expect(within(result).getByTestId('test-check-smtp').textContent).toContain('535 Authentication failed');
    expect(within(result).getByTestId('test-check-caldav').textContent).toContain('Found 2 calendars');

    const order = backend.calls.map((c) => c.cmd).filter((c) => c === 'account_add' || c === 'account_test');
    expect(order).toEqual(['account_add', 'account_test']);
    expect(backend.callsOf('account_add')[0]?.args).toEqual({
      input: {
        name: 'Jane',
        email: 'jane@example.org',
        username: 'jane@example.org',
        imap: { host: 'imap.example.org', port: 993, security: 'tls' },
        smtp: { host: 'smtp.example.org', port: 465, security: 'tls' },
        caldav_url: 'https://dav.example.org/',
      },
      password: 'hunter2',
    });
    expect(backend.callsOf('account_test')[0]?.args).toEqual({ id: 1 });

    // The list shows the new account with the outcome of the test.
    await waitFor(() => expect(screen.getByTestId('account-status-1').textContent).toBe('Failed'));
    expect(field('account-email').value, 'the form is cleared for the next account').toBe('');
    expect(screen.getAllByTestId('toast')[0]?.textContent).toContain('Added jane@example.org');
  });

  it("shows the server's invalid_input message", async () => {
    const { user, backend } = await openSettings(emptyData());
    backend.rejectNext('account_add', { code: 'invalid_input', message: 'imap.host: does not resolve' });
    await user.type(field('account-email'), 'jane@example.org');
    await user.type(field('account-password'), 'pw');
    await user.click(screen.getByTestId('account-save'));
    expect((await screen.findByTestId('account-server-error')).textContent).toBe('imap.host: does not resolve');
    expect(backend.callsOf('account_test')).toHaveLength(0);
  });

  it('explains other errors in a toast with the details one click away', async () => {
    const { user, backend } = await openSettings(emptyData());
    backend.rejectNext('account_add', { code: 'keyring_unavailable', message: 'org.freedesktop.secrets not provided' });
    await user.type(field('account-email'), 'jane@example.org');
    await user.type(field('account-password'), 'pw');
    await user.click(screen.getByTestId('account-save'));
    const toast = await screen.findByTestId('toast');
    expect(toast.textContent).toContain('Couldn’t add the account');
    expect(toast.textContent).toContain('no system keyring is available');
    expect(toast.textContent).not.toContain('org.freedesktop.secrets');
    await user.click(within(toast).getByRole('button', { name: 'Details' }));
    expect(within(toast).getByTestId('toast-detail').textContent).toBe('keyring_unavailable: org.freedesktop.secrets not provided');
  });

  it('edits an account and keeps the stored password when the field is left empty', async () => {
    const { user, backend } = await openSettings();
    await user.click(screen.getByTestId('account-edit-2'));
    expect(field('account-email').value).toBe('s.rivera@northwind.example');
    expect(field('smtp-port').value).toBe('587');
    await user.clear(field('smtp-port'));
    await user.type(field('smtp-port'), '465');
    await user.selectOptions(screen.getByTestId('smtp-security'), 'tls');
    await user.click(screen.getByTestId('account-save'));
    await screen.findByTestId('test-result');
    const call = backend.callsOf('account_update')[0];
    expect(call?.args.id).toBe(2);
    expect(call?.args.password).toBeNull();
    expect((call?.args.input as { smtp: unknown }).smtp).toEqual({ host: 'mail.northwind.example', port: 465, security: 'tls' });
  });
});

describe('account list', () => {
  it('shows each account with its last test as a pill', async () => {
    await openSettings();
    expect(screen.getByTestId('account-status-1').textContent).toBe('Connected');
    expect(screen.getByTestId('account-status-2').textContent).toBe('Failed');
    expect(screen.getByTestId('account-row-2').textContent).toContain('535 5.7.8');
    expect(screen.getByTestId('account-row-1').textContent).toContain('imap.fastmail.com:993');
  });

  it('says "Not tested" for a fresh account and tests it from the row', async () => {
    const data = sampleData();
    data.accounts[0]!.last_test = null;
    const { user, backend } = await openSettings(data);
    expect(screen.getByTestId('account-status-1').textContent).toBe('Not tested');
    await user.click(screen.getByTestId('account-test-1'));
    const row = screen.getByTestId('account-row-1');
    await waitFor(() => expect(within(row).getByTestId('test-result').textContent).toContain('is connected'));
    await waitFor(() => expect(screen.getByTestId('account-status-1').textContent).toBe('Connected'));
    expect(backend.callsOf('account_test')[0]?.args).toEqual({ id: 1 });
  });

  it('removes an account only after the confirm step', async () => {
    const { user, backend } = await openSettings();
    await user.click(screen.getByTestId('account-remove-2'));
    expect(screen.getByTestId('account-row-2').textContent).toContain('Remove Sam Rivera (Northwind) from Orbit?');
    expect(document.activeElement, 'Cancel is the safe default').toBe(screen.getByTestId('account-remove-cancel-2'));

    await user.click(screen.getByTestId('account-remove-cancel-2'));
    expect(screen.queryByTestId('account-remove-confirm-2')).toBeNull();
    expect(backend.callsOf('account_remove')).toHaveLength(0);

    await user.click(screen.getByTestId('account-remove-2'));
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('account-remove-confirm-2'), 'Escape backs out').toBeNull();

    await user.click(screen.getByTestId('account-remove-2'));
    await user.click(screen.getByTestId('account-remove-confirm-2'));
    await waitFor(() => expect(screen.queryByTestId('account-row-2')).toBeNull());
    expect(backend.callsOf('account_remove')[0]?.args).toEqual({ id: 2 });
    expect(screen.getByTestId('account-row-1')).toBeTruthy();
    expect((await screen.findByTestId('toast')).textContent).toContain('Removed Sam Rivera (Northwind)');
  });
});

describe('AI providers, notifications, about', () => {
  it('shows key status without the key, and stores or removes one', async () => {
    const { user, backend } = await openSettings();
    expect(screen.getByTestId('provider-anthropic-key-status').textContent).toContain('API key: stored');
    expect(screen.getByTestId('provider-openai-key-status').textContent).toContain('API key: not set');
    expect((screen.getByTestId('provider-openai-base-url') as HTMLInputElement).disabled, 'env var overrides').toBe(true);
    expect(screen.getByTestId('provider-openai').textContent).toContain('environment variable');

    await user.type(screen.getByTestId('provider-openai-key'), 'sk-abc');
    await user.click(screen.getByTestId('provider-openai-key-save'));
    await waitFor(() => expect(screen.getByTestId('provider-openai-key-status').textContent).toContain('stored'));
    expect(backend.callsOf('api_key_set')[0]?.args).toEqual({ provider: 'openai', key: 'sk-abc' });
    expect((screen.getByTestId('provider-openai-key') as HTMLInputElement).value).toBe('');

    await user.click(screen.getByTestId('provider-anthropic-key-remove'));
    await waitFor(() => expect(screen.getByTestId('provider-anthropic-key-status').textContent).toContain('not set'));
  });

  it('turns semantic search on, saying what it sends where, and changes its vector size', async () => {
    const { user, backend } = await openSettings();
    const box = await screen.findByTestId('semantic-search');
    const text = (box.textContent ?? '').replace(/\s+/g, ' ');
    expect(text).toContain('sends the text of your mail');
    expect(text).toContain('https://api.openai.com/v1');
    await user.click(screen.getByTestId('pref-semantic'));
    await waitFor(() => expect(backend.callsOf('embedding_update').at(-1)?.args).toMatchObject({ enabled: true }));
    expect((await screen.findByTestId('embed-progress')).textContent).toContain('30 messages waiting');
    await user.selectOptions(screen.getByTestId('pref-embedding-dimensions'), '1024');
    await waitFor(() => expect(backend.embedding.dimensions).toBe(1024));
  });

  it('saves base URL and model', async () => {
    const { user, backend } = await openSettings();
    const model = screen.getByTestId('provider-anthropic-model');
    await user.clear(model);
    await user.type(model, 'claude-opus-4-1');
    await user.click(screen.getByTestId('provider-anthropic-save'));
    await waitFor(() => expect(backend.callsOf('provider_update')).toHaveLength(1));
    expect(backend.callsOf('provider_update')[0]?.args).toEqual({
      provider: 'anthropic',
      baseUrl: 'https://api.anthropic.com',
      model: 'claude-opus-4-1',
    });
  });

  it('sends a test notification and shows the app info', async () => {
    const { user, backend } = await openSettings();
    await user.click(screen.getByTestId('notification-test'));
    expect((await screen.findByTestId('toast')).textContent).toContain('Test notification sent');
    expect(backend.callsOf('notification_test')).toHaveLength(1);
    expect(screen.getByTestId('about-version').textContent).toBe('0.1.0');
    expect(screen.getByTestId('about-data-dir').textContent).toBe('/home/sam/.local/share/orbit');
    expect(screen.getByTestId('about-build-kind').textContent).toBe('Development build');
  });
});

describe('assistant settings', () => {
  it('shows what the assistant spent and changes budgets, redaction and the provider', async () => {
    const { user, backend } = await openSettings();
    const card = await screen.findByTestId('assistant-settings');
    expect(within(card).getByTestId('assistant-spending').textContent).toContain('Spent today $0.01 in 6 requests of $2.00');
    const daily = within(card).getByTestId('pref-budget-daily') as HTMLInputElement;
    await user.clear(daily);
    await user.type(daily, '5{Tab}');
    await waitFor(() => expect(backend.callsOf('assistant_update').at(-1)?.args).toEqual({ update: { daily_budget_usd: 5 } }));
    await user.click(within(card).getByTestId('pref-redact'));
    await waitFor(() => expect(backend.callsOf('assistant_update').at(-1)?.args).toEqual({ update: { redact: true } }));
    // Reading new mail for tasks with the model is off until the user turns it on.
    const tasksFromMail = within(card).getByTestId('pref-tasks-from-mail') as HTMLInputElement;
    expect(tasksFromMail.checked).toBe(false);
    await user.click(tasksFromMail);
    await waitFor(() => expect(backend.callsOf('task_extraction_set').at(-1)?.args).toEqual({ on: true }));
    expect(backend.data.tasks.extractWithModel).toBe(true);
    await user.selectOptions(within(card).getByTestId('pref-assistant-provider'), 'openai');
    await waitFor(() => expect(backend.callsOf('assistant_update').at(-1)?.args).toEqual({ update: { provider: 'openai' } }));
    await user.clear(daily);
    await user.tab();
    await waitFor(() => expect(backend.callsOf('assistant_update').at(-1)?.args).toEqual({ update: { daily_budget_usd: null } }));
  });
});

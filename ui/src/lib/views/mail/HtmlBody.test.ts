import { describe, expect, it } from 'vitest';
import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { FakeBackend, sampleData } from '../../../mock/backend';
import { renderApp } from '../../../test/render';
import HtmlBody from './HtmlBody.svelte';
import LinkPrompt from './LinkPrompt.svelte';

function messageIdBySubject(backend: FakeBackend, part: string): number {
  const m = backend.data.mail.messages.find((x) => x.subject.includes(part));
  if (!m) throw new Error(`no message ${part}`);
  return m.id;
}

describe('safe HTML reading', () => {
  it('shows an HTML message in a sandboxed iframe that cannot run script, with its own CSP', async () => {
    const backend = new FakeBackend(sampleData()).install();
    const id = messageIdBySubject(backend, 'Config 2025');
    render(HtmlBody, { id, dark: false, onlink: () => {} });
    const frame = (await screen.findByTestId('message-html')) as HTMLIFrameElement;
    const sandbox = frame.getAttribute('sandbox') ?? '';
    expect(sandbox).toBe('allow-same-origin');
    expect(sandbox).not.toContain('allow-scripts');
    expect(frame.getAttribute('referrerpolicy')).toBe('no-referrer');
    expect(frame.getAttribute('srcdoc')).toContain("script-src 'none'");
    expect(screen.getByTestId('remote-blocked').textContent).toContain('2 remote images were blocked');
    expect(backend.callsOf('mail_render')).toHaveLength(1);
  });

  it('a link in plain text asks first, shows the real target, then opens it', async () => {
    const { backend } = await renderApp(sampleData());
    const user = userEvent.setup();
    const id = messageIdBySubject(backend, 'ORB-311');
    const row = await waitFor(() => {
      const r = screen.queryAllByTestId('mail-row').find((x) => Number(x.dataset.messageId) === id);
      if (!r) throw new Error('row not there');
      return r;
    });
    await user.click(row);
    const link = await screen.findByTestId('text-link');
    await user.click(link);
    const prompt = await screen.findByTestId('link-prompt');
    expect(screen.getByTestId('link-target').textContent).toBe('https://linear.app/orbit/issue/ORB-311');
    expect(screen.getByTestId('link-host').textContent).toBe('linear.app');
    expect(prompt).toBeTruthy();
    expect(backend.openedLinks).toEqual([]);
    await user.click(screen.getByTestId('link-open'));
    await waitFor(() => expect(backend.openedLinks).toEqual(['https://linear.app/orbit/issue/ORB-311']));
    await waitFor(() => expect(screen.queryByTestId('link-prompt')).toBeNull());
  });

  it('warns when a link’s text names another site than it goes to, and Cancel opens nothing', async () => {
    const backend = new FakeBackend(sampleData()).install();
    const user = userEvent.setup();
    let closed = false;
    render(LinkPrompt, { props: { target: 'https://evil.example/login', text: 'https://bank.example/', onclose: () => (closed = true) } });
    expect(screen.getByTestId('link-target').textContent).toBe('https://evil.example/login');
    expect(screen.getByTestId('link-mismatch').textContent).toContain('bank.example');
    expect(screen.getByTestId('link-mismatch').textContent).toContain('evil.example');
    await user.click(screen.getByTestId('link-cancel'));
    expect(closed).toBe(true);
    expect(backend.openedLinks).toEqual([]);
  });
});

describe('remote content', () => {
  it('stays blocked until asked; then loads for this message, or always for the sender', async () => {
    const backend = new FakeBackend(sampleData()).install();
    const user = userEvent.setup();
    const id = messageIdBySubject(backend, 'Config 2025');
    render(HtmlBody, { id, dark: false, onlink: () => {} });
    await screen.findByTestId('remote-blocked');
    expect(backend.callsOf('mail_render').at(-1)?.args).toMatchObject({ remote: false });
    await user.click(screen.getByTestId('remote-load'));
    await waitFor(() => expect(backend.callsOf('mail_render').at(-1)?.args).toMatchObject({ remote: true }));
    await waitFor(() => expect(screen.queryByTestId('remote-blocked')).toBeNull());
  });

  it('"Always for" remembers the sender', async () => {
    const backend = new FakeBackend(sampleData()).install();
    const user = userEvent.setup();
    const id = messageIdBySubject(backend, 'Config 2025');
    render(HtmlBody, { id, dark: false, onlink: () => {} });
    await user.click(await screen.findByTestId('remote-always'));
    await waitFor(() => expect(backend.remoteSenders).toEqual(['hello@figma.com']));
    await waitFor(() => expect(screen.queryByTestId('remote-blocked')).toBeNull());
  });
});

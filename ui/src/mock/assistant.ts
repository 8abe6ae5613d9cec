// A scripted stand-in for the assistant (component tests and preview screenshots): it answers
// from the fake mailbox with citations, proposes an archive when asked to tidy up, streams its
// text in pieces through the channel, and keeps sessions, proposals and "what it saw".
import type {
  AskInput,
  AskOutcome,
  AssistantEvent,
  AssistantSettings,
  ChatEntry,
  ProposalView,
  RequestView,
  SessionDetail,
  SessionView,
} from '../lib/types';
import type { FakeMessage } from './mailbox';

interface Session {
  view: SessionView;
  entries: ChatEntry[];
  requests: RequestView[];
}

export class FakeAssistant {
  settings: AssistantSettings = {
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    base_url: 'https://api.anthropic.com',
    ready: true,
    redact: false,
    daily_budget_usd: 2,
    monthly_budget_usd: null,
    requests_per_minute: 20,
    spent_today_usd: 0.0131,
    spent_month_usd: 0.4862,
    requests_today: 6,
    price_per_mtok: [3, 15],
  };
  readonly sessions = new Map<number, Session>();
  readonly proposals: ProposalView[] = [];
  /** What the next ask fails with, if anything. */
  failNext: { code: string; message: string } | null = null;
  #next = 1;
  #nextProposal = 1;
  #stop: (() => void) | null = null;

  constructor(
    private readonly stamp: () => string,
    private readonly messages: () => FakeMessage[],
    private readonly delayMs: number,
  ) {}

  #session(id: number): Session {
    const s = this.sessions.get(id);
    if (!s) throw { code: 'not_found', message: `There is no chat session ${id}` };
    return s;
  }

  list(): SessionView[] {
    return [...this.sessions.values()].map((s) => s.view).sort((a, b) => b.updated_at.localeCompare(a.updated_at) || b.id - a.id);
  }

  detail(id: number): SessionDetail {
    const s = this.#session(id);
    return { session: s.view, entries: s.entries, proposals: this.proposals.filter((p) => p.session_id === id).reverse() };
  }

  requests(id: number): RequestView[] {
    return this.#session(id).requests;
  }

  stop(): boolean {
    const stop = this.#stop;
    this.#stop = null;
    stop?.();
    return stop !== null;
  }

  async ask(input: AskInput, channel: { onmessage: (e: AssistantEvent) => void }): Promise<AskOutcome> {
    if (!this.settings.ready) throw { code: 'no_api_key', message: 'No API key is set for the assistant’s provider (Anthropic). Add one in Settings → AI providers.' };
    const now = this.stamp();
    let session: Session;
    if (input.session_id !== null) session = this.#session(input.session_id);
    else {
      const id = this.#next++;
      session = {
        view: { id, title: input.prompt.slice(0, 80), created_at: now, updated_at: now, messages: 0, usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0 } },
        entries: [],
        requests: [],
      };
      this.sessions.set(session.view.id, session);
    }
    const send = (e: AssistantEvent) => channel.onmessage(e);
    send({ type: 'session', id: session.view.id });
    session.entries.push({ kind: 'user', text: input.prompt, result: null, is_error: false, citations: [], created_at: now });
    if (this.failNext) {
      const fail = this.failNext;
      this.failNext = null;
      throw fail;
    }
    let stopped = false;
    this.#stop = () => (stopped = true);
    const wait = () => new Promise((r) => setTimeout(r, this.delayMs));
    const mail = this.messages().filter((m) => !m.folder_ids.includes(-1));
    const cited = mail[0];
    const tidy = /archive|tidy|clean/i.test(input.prompt);
    send({ type: 'tool_started', name: 'search_mail' });
    await wait();
    const summary = `Searched mail for “${input.prompt.slice(0, 30)}”: ${Math.min(mail.length, 10)} found`;
    send({ type: 'tool_done', name: 'search_mail', summary, is_error: false });
    session.entries.push({ kind: 'tool', text: `search_mail {"query":"${input.prompt.slice(0, 30)}"}`, result: '<untrusted_data …>', is_error: false, citations: [], created_at: now });
    const text = cited
      ? `${cited.from.replace(/\s*<.*>/, '')} wrote about “${cited.subject}” [m:${cited.id}].${tidy ? ' I proposed archiving it; confirm if you want that.' : ' Nothing else needs you this week.'}`
      : 'Your mailbox is empty, so there is nothing to go on yet.';
    let streamed = '';
    for (let i = 0; i < text.length; i += 12) {
      if (stopped) throw { code: 'cancelled', message: 'Stopped. What was written so far is not kept.' };
      const piece = text.slice(i, i + 12);
      streamed += piece;
      send({ type: 'text', text: piece });
      await wait();
    }
    this.#stop = null;
    const proposals: ProposalView[] = [];
    if (tidy && cited) {
      const p: ProposalView = {
        id: this.#nextProposal++,
        session_id: session.view.id,
        tool: 'archive',
        input: { messages: [cited.id] },
        summary: `Archive “${cited.subject}”`,
        warnings: [`Proposed after reading mail from ${cited.from.replace(/^.*<|>.*$/g, '')}: mail can contain instructions meant for the assistant, so check this is what you asked for`],
        status: 'pending',
        outcome: '',
        created_at: now,
        decided_at: null,
        decided_by: null,
      };
      this.proposals.push(p);
      proposals.push(p);
      send({ type: 'proposal', proposal: p });
    }
    const citations = cited ? [{ message_id: cited.id, subject: cited.subject, from: cited.from, date: cited.date }] : [];
    session.entries.push({ kind: 'assistant', text: streamed, result: null, is_error: false, citations, created_at: now });
    const usage = { input_tokens: 1840, output_tokens: 96, cost_usd: 0.00696 };
    session.requests.push({
      id: session.requests.length + 1,
      provider: 'anthropic',
      model: this.settings.model,
      body: { model: this.settings.model, max_tokens: 2048, system: 'You are Orbit’s assistant…', messages: [{ role: 'user', content: [{ type: 'text', text: input.prompt }] }], stream: true },
      usage,
      outcome: 'end_turn',
      created_at: now,
    });
    session.view = {
      ...session.view,
      updated_at: now,
      messages: session.entries.length,
      usage: {
        input_tokens: session.view.usage.input_tokens + usage.input_tokens,
        output_tokens: session.view.usage.output_tokens + usage.output_tokens,
        cost_usd: session.view.usage.cost_usd + usage.cost_usd,
      },
    };
    this.settings = { ...this.settings, spent_today_usd: this.settings.spent_today_usd + usage.cost_usd, requests_today: this.settings.requests_today + 1 };
    return { session_id: session.view.id, answer: streamed, citations, proposals, usage, requests: 1 };
  }

  decide(id: number, status: 'done' | 'rejected', outcome: string): ProposalView {
    const p = this.proposals.find((x) => x.id === id);
    if (!p) throw { code: 'not_found', message: `There is no proposal ${id}` };
    if (p.status !== 'pending') throw { code: 'invalid_input', message: `Proposal ${id} was already ${p.status}` };
    p.status = status;
    p.outcome = outcome;
    p.decided_at = this.stamp();
    p.decided_by = 'user (app)';
    return { ...p };
  }
}

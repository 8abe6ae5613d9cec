// A stateful, in-memory stand-in for the Rust side, used by the component tests and by
// preview.html (screenshots). It answers the same commands with the same DTO shapes, records
// every call, and emits the same events after changes. Not part of the production bundle.
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type {
  Account,
  AccountInput,
  Activity,
  RenderedMessage,
  Draft,
  DraftInput,
  DraftKind,
  OutboxItem,
  MailPrefs,
  ActivityFilter,
  Actor,
  AiSettings,
  AppInfo,
  Check,
  ConnectionReport,
  Folder,
  Message,
  MessageSummary,
  ProviderId,
  SyncReport,
  AskInput,
  AssistantEvent,
  AssistantUpdate,
} from '../lib/types';
import {
  bulkIndexAt,
  bulkMessage,
  bulkMessageById,
  bulkSize,
  bulkUnread,
  emptyMail,
  firstSyncMail,
  isBulkId,
  materialize,
  sampleMail,
  type FakeMail,
  type FakeMessage,
} from './mailbox';

import { FakeAssistant } from './assistant';
import { FakeCalendar, emptyCalendar, sampleCalendar, type FakeCalendarData } from './calendar';
import { FakeTasks, emptyTasks, sampleTasks, type FakeTasksData } from './tasks';

export type { FakeMail, FakeMessage, FakeFolder } from './mailbox';
export { emptyMail, sampleMail } from './mailbox';
export type { FakeCalendarData, FakeEvent } from './calendar';
export { emptyCalendar, sampleCalendar } from './calendar';
export type { FakeTasksData, FakeTask } from './tasks';
export { emptyTasks, sampleTasks } from './tasks';

/** Actions the log can take back (as the core decides). */
const UNDOABLE = new Set(['mail.archived', 'mail.moved', 'mail.deleted', 'mail.flagged', 'mail.unflagged', 'mail.read', 'mail.unread', 'mail.draft_created']);

export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

export interface FakeData {
  info: AppInfo;
  accounts: Account[];
  activities: Activity[];
  ai: AiSettings;
  mail: FakeMail;
  /** Calendars, their events, and the invitations messages carry. */
  calendar: FakeCalendarData;
  /** Task lists, their tasks, suggestions and the stats' history. */
  tasks: FakeTasksData;
}

export interface RejectWith {
  code: string;
  message: string;
}

export interface FakeOptions {
  /** Decides the outcome of account_test; the default passes every configured service. */
  testAccount?: (account: Account) => Check[];
  /** Milliseconds account_test takes, to look like the network. */
  testDelayMs?: number;
  /** The fixed clock for created/updated/at stamps. */
  now?: () => Date;
  /** Milliseconds mail_sync takes. */
  syncDelayMs?: number;
  /** Milliseconds the mail changes (flags, archive, delete, move) take before they settle. */
  changeDelayMs?: number;
  /** Per account id: the folder errors mail_sync reports. */
  syncErrors?: Record<number, string[]>;
  /** Milliseconds between the assistant's streamed pieces. */
  assistantDelayMs?: number;
  /** What the native confirmation dialog answers (the user's click there). */
  confirmDialog?: boolean;
  /** Milliseconds calendar_sync takes. */
  calendarSyncDelayMs?: number;
}

export function emptyData(): FakeData {
  return {
    info: {
      version: '0.1.0',
      data_dir: '/home/sam/.local/share/orbit',
      build_kind: 'dev',
      keyring: { available: true, message: null },
    },
    accounts: [],
    activities: [],
    ai: {
      anthropic: { base_url: 'https://api.anthropic.com', model: 'claude-sonnet-4-5', has_key: false, key_from_env: false, base_url_from_env: false },
      openai: { base_url: 'https://api.openai.com/v1', model: 'gpt-4.1-mini', has_key: false, key_from_env: false, base_url_from_env: false },
    },
    mail: emptyMail(),
    calendar: emptyCalendar(),
    tasks: emptyTasks(),
  };
}

function ago(now: Date, minutes: number): string {
  return new Date(now.getTime() - minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Two accounts (one connected, one failing), a dozen activities, one stored API key, and
 *  their mail (see mailbox.ts: conversations, and an Archive of 100,000 generated messages). */
export function sampleData(now: Date = new Date()): FakeData {
  const data = emptyData();
  data.accounts = [
    {
      id: 1,
      name: 'Sam Rivera',
      email: 'sam.rivera@fastmail.com',
      username: 'sam.rivera@fastmail.com',
      imap: { host: 'imap.fastmail.com', port: 993, security: 'tls' },
      smtp: { host: 'smtp.fastmail.com', port: 465, security: 'tls' },
      caldav_url: 'https://caldav.fastmail.com/dav/calendars/user/sam.rivera@fastmail.com/',
      created_at: ago(now, 60 * 24 * 3),
      updated_at: ago(now, 60 * 24 * 3),
      last_test: { at: ago(now, 42), ok: true, summary: 'IMAP, SMTP and CalDAV connected' },
    },
    {
      id: 2,
      name: 'Sam Rivera (Northwind)',
      email: 's.rivera@northwind.example',
      username: 'srivera',
      imap: { host: 'mail.northwind.example', port: 143, security: 'starttls' },
      smtp: { host: 'mail.northwind.example', port: 587, security: 'starttls' },
      caldav_url: null,
      created_at: ago(now, 60 * 26),
      updated_at: ago(now, 60 * 2),
      last_test: { at: ago(now, 60 * 2), ok: false, summary: 'SMTP sign-in failed: 535 5.7.8 Authentication credentials invalid' },
    },
  ];
  const rows: [number, Actor, string, string, string, Record<string, unknown>][] = [
    [3, 'user', 'account.tested', 'account:1', 'Tested sam.rivera@fastmail.com: IMAP, SMTP and CalDAV connected', { imap_ms: 182, smtp_ms: 240, caldav_ms: 311 }],
    [38, 'user', 'notification.tested', 'notifications', 'Sent a test notification', {}],
    [65, 'agent', 'settings.changed', 'provider:anthropic', 'Assistant switched the Anthropic model to claude-sonnet-4-5', { field: 'model', from: 'claude-3-5-haiku', to: 'claude-sonnet-4-5' }],
    [120, 'user', 'account.tested', 'account:2', 'Tested s.rivera@northwind.example: SMTP sign-in failed', { smtp: 'auth' }],
    [124, 'user', 'account.updated', 'account:2', 'Changed SMTP port of s.rivera@northwind.example to 587', { field: 'smtp.port', from: 465, to: 587 }],
    [180, 'sync', 'account.tested', 'account:1', 'Background check: sam.rivera@fastmail.com reachable', {}],
    [60 * 5, 'user', 'api_key.set', 'provider:anthropic', 'Stored an Anthropic API key in the keyring', {}],
    [60 * 5 + 2, 'user', 'settings.changed', 'provider:openai', 'Set the OpenAI-compatible base URL', { field: 'base_url' }],
    [60 * 26, 'user', 'account.added', 'account:2', 'Added s.rivera@northwind.example', {}],
    [60 * 30, 'user', 'api_key.removed', 'provider:openai', 'Removed the OpenAI-compatible API key', {}],
    [60 * 24 * 3, 'user', 'account.added', 'account:1', 'Added sam.rivera@fastmail.com', {}],
    [60 * 24 * 3 + 1, 'system', 'settings.changed', 'app', 'Created the Orbit data folder and database', { schema_version: 1 }],
  ];
  data.activities = rows.map(([minutes, actor, action, target, summary, details], i) => ({
    id: rows.length - i,
    at: ago(now, minutes),
    actor,
    action,
    target,
    summary,
    details,
    undoable: UNDOABLE.has(action),
    undone: false,
  }));
  data.ai.anthropic.has_key = true;
  data.ai.openai.base_url_from_env = true;
  data.ai.openai.base_url = 'http://localhost:11434/v1';
  data.ai.openai.model = 'llama3.1:8b';
  data.mail = sampleMail(now);
  const invite = data.mail.messages.find((m) => m.subject === 'Design review moved to Thursday');
  data.calendar = sampleCalendar(now, invite?.id ?? null);
  const messages = data.mail.messages;
  data.tasks = sampleTasks(now, (subject) => messages.find((m) => m.subject === subject)?.id ?? null);
  return data;
}

function defaultChecks(account: Account): Check[] {
  const checks: Check[] = [];
  if (account.imap) checks.push({ service: 'imap', ok: true, kind: null, message: `Signed in to ${account.imap.host}`, elapsed_ms: 184 });
  if (account.smtp) checks.push({ service: 'smtp', ok: true, kind: null, message: `Signed in to ${account.smtp.host}`, elapsed_ms: 231 });
  if (account.caldav_url) checks.push({ service: 'caldav', ok: true, kind: null, message: 'Found 3 calendars', elapsed_ms: 296 });
  return checks;
}

const MAIL_CHANGES = new Set(['mail_set_flags', 'mail_archive', 'mail_delete', 'mail_move']);

/** The address in "Name <address>" (lower case). */
function parseMailbox(from: string): string {
  const m = /<([^>]+)>/.exec(from);
  return (m?.[1] ?? from).trim().toLowerCase();
}

export class FakeBackend {
  readonly calls: Call[] = [];
  /** Mail preferences. */
  readonly mailPrefs: MailPrefs = { undo_send_secs: 10, server_saves_sent: [] };
  /** Senders whose remote images load without asking. */
  readonly remoteSenders: string[] = [];
  /** Links `open_link` was asked to open. */
  readonly openedLinks: string[] = [];
  /** Saved drafts, by id. */
  readonly drafts = new Map<number, Draft>();
  /** The outbox. */
  readonly outbox: OutboxItem[] = [];
  /** Semantic search settings. */
  readonly embedding = { enabled: false, model: 'text-embedding-3-small', dimensions: 512, base_url: 'https://api.openai.com/v1', has_key: false };
  /** What each outbox message was written as, to be a draft again when taken back. */
  readonly #outboxDrafts = new Map<number, Draft>();
  #nextDraft = 1;
  data: FakeData;
  /** The scripted assistant. */
  readonly assistant: FakeAssistant;
  /** The calendar and invitation commands. */
  readonly calendar: FakeCalendar;
  /** The task commands. */
  readonly tasks: FakeTasks;
  #rejections = new Map<string, RejectWith | string>();
  #gate: Promise<void> | null = null;
  #options: FakeOptions;

  constructor(data: FakeData = emptyData(), options: FakeOptions = {}) {
    this.data = structuredClone(data);
    this.#options = options;
    this.assistant = new FakeAssistant(
      () => this.#stamp(),
      () => this.data.mail.messages,
      options.assistantDelayMs ?? 0,
    );
    this.calendar = new FakeCalendar(
      () => (this.data.calendar ??= emptyCalendar()),
      () => ({ now: () => this.#now(), syncDelayMs: this.#options.calendarSyncDelayMs ?? 0, confirmDialog: this.#options.confirmDialog !== false }),
    );
    this.tasks = new FakeTasks(
      () => (this.data.tasks ??= emptyTasks()),
      () => ({
        now: () => this.#now(),
        message: (id) => {
          const m = this.data.mail.messages.find((x) => x.id === id);
          return m ? { subject: m.subject, from: m.from } : null;
        },
      }),
    );
  }

  /** Installs this backend as the Tauri IPC (events included). */
  install(): this {
    clearMocks();
    mockIPC((cmd, args) => this.handle(cmd, (args ?? {}) as Record<string, unknown>), { shouldMockEvents: true });
    return this;
  }

  /** The next call of `cmd` rejects with this value (an error object, or anything else). */
  rejectNext(cmd: string, value: RejectWith | string): void {
    this.#rejections.set(cmd, value);
  }

  /**
   * Holds every mail change's answer (success or failure) until the returned function is
   * called, so a test sees the optimistic state however slow the machine is.
   */
  hold(): () => void {
    let release = () => {};
    this.#gate = new Promise<void>((resolve) => {
      release = () => {
        this.#gate = null;
        resolve();
      };
    });
    return release;
  }

  callsOf(cmd: string): Call[] {
    return this.calls.filter((c) => c.cmd === cmd);
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #stamp(): string {
    return this.#now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  #record(actor: Actor, action: string, target: string, summary: string, details: Record<string, unknown> = {}): void {
    const id = Math.max(0, ...this.data.activities.map((a) => a.id)) + 1;
    this.data.activities.unshift({ id, at: this.#stamp(), actor, action, target, summary, details, undoable: UNDOABLE.has(action), undone: false });
    void emit('activity-added', { id });
  }

  #account(id: unknown): Account {
    const account = this.data.accounts.find((a) => a.id === id);
    if (!account) throw { code: 'not_found', message: `account ${String(id)} not found` };
    return account;
  }

  #validate(input: AccountInput): void {
    if (!input.email.includes('@')) throw { code: 'invalid_input', message: 'email: not an e-mail address' };
    if (this.data.accounts.some((a) => a.email === input.email && a.id !== (input as Partial<Account>).id)) {
      throw { code: 'invalid_input', message: `An account for ${input.email} already exists` };
    }
  }

  // ---- Mail ----------------------------------------------------------------------------

  #folders(accountId: number | null): Folder[] {
    const mail = this.data.mail;
    const accounts = accountId === null ? this.data.accounts.map((a) => a.id) : [this.#account(accountId).id];
    const out: Folder[] = [];
    for (const account of accounts) {
      const folders = mail.folders.filter((f) => f.account_id === account);
      folders.sort((a, b) => Number(b.role === 'inbox') - Number(a.role === 'inbox'));
      for (const f of folders) {
        const inside = mail.messages.filter((m) => m.folder_ids.includes(f.id));
        let total = inside.length;
        let unread = inside.filter((m) => !m.flags.includes('seen')).length;
        if (mail.bulk?.folder_id === f.id) {
          total += bulkSize(mail.bulk);
          unread += bulkUnread(mail.bulk);
        }
        out.push({ ...structuredClone(f), total, unread });
      }
    }
    return out;
  }

  /** A small stand-in for the core's search: every word (or from:, is:unread) must match the
   *  stored messages; a conversation shows once, through its newest match. */
  #search(query: string, asYouType: boolean, limit: number) {
    if ((query.match(/"/g) ?? []).length % 2 === 1) throw { code: 'invalid_input', message: 'A quote is not closed: add the closing " (at character 1)' };
    // subject:"a phrase" (how citations and task links open a conversation) matches as one.
    const phrases: string[] = [];
    const rest = query.toLowerCase().replace(/subject:"([^"]*)"/g, (_, p: string) => (phrases.push(p.replace(/\s+/g, ' ').trim()), ' '));
    const words = rest.split(/\s+/).filter(Boolean);
    const bad = words.find((w) => /^[a-z_]+:/.test(w) && !/^(from|is|subject):/.test(w));
    if (bad) throw { code: 'invalid_input', message: `There is no “${bad.split(':')[0]}:” filter (at character 1)` };
    const matches = this.data.mail.messages.filter((m) =>
      phrases.every((p) => m.subject.toLowerCase().replace(/\s+/g, ' ').includes(p)) &&
      words.every((w, i) => {
        if (w === 'is:unread') return !m.flags.includes('seen');
        if (w.startsWith('from:')) return m.from.toLowerCase().includes(w.slice(5));
        if (w.startsWith('subject:')) return m.subject.toLowerCase().includes(w.slice(8));
        const hay = `${m.subject} ${m.from} ${m.text}`.toLowerCase();
        const last = i === words.length - 1 && asYouType;
        return last ? hay.includes(w) : new RegExp(`\\b${w.replace(/[^\p{L}\p{N}]/gu, '')}\\b`, 'u').test(hay);
      }),
    );
    matches.sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
    const seen = new Map<number, number>();
    const hits = [];
    for (const m of matches) {
      const at = seen.get(m.thread_id);
      if (at !== undefined) {
        hits[at]!.more_in_thread += 1;
        continue;
      }
      seen.set(m.thread_id, hits.length);
      const snippet = m.text.replace(/\s+/g, ' ').slice(0, 160);
      const highlights: [number, number][] = [];
      const word = words.find((w) => !w.includes(':'));
      const index = word ? snippet.toLowerCase().indexOf(word) : -1;
      if (index >= 0 && word) {
        const start = new TextEncoder().encode(snippet.slice(0, index)).length;
        highlights.push([start, start + new TextEncoder().encode(snippet.slice(index, index + word.length)).length]);
      }
      hits.push({ message: this.#summary(m, m.folder_ids[0] ?? 0), snippet, highlights, more_in_thread: 0, score: 1 });
    }
    return { query, total: matches.length, hits: hits.slice(0, limit), pending: 0, took_ms: 1, mode: 'text', semantic_error: null };
  }

  #summary(m: FakeMessage, folderId: number): MessageSummary {
    const own = m.text
      .split('\n')
      .filter((l) => !/^\s*>/.test(l) && !/wrote:\s*$/.test(l))
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
    return {
      id: m.id,
      message_id: m.message_id,
      thread_id: m.thread_id,
      folder_id: folderId,
      subject: m.subject,
      from: m.from,
      date: m.date,
      snippet: own.length > 160 ? own.slice(0, 160) : own,
      flags: [...m.flags],
      has_attachments: m.attachments.some((a) => !a.inline),
    };
  }

  #list(folderId: number, limit: number, offset: number): MessageSummary[] {
    const mail = this.data.mail;
    if (!mail.folders.some((f) => f.id === folderId)) throw { code: 'not_found', message: `There is no folder ${folderId}` };
    const count = Math.min(Math.max(1, limit), 10_000);
    const stored = mail.messages.filter((m) => m.folder_ids.includes(folderId)).sort((a, b) => b.date.localeCompare(a.date));
    const page = stored.slice(offset, offset + count).map((m) => this.#summary(m, folderId));
    const bulk = mail.bulk;
    if (bulk?.folder_id === folderId && page.length < count) {
      const start = Math.max(0, offset - stored.length);
      const end = Math.min(bulkSize(bulk), start + count - page.length);
      for (let p = start; p < end; p++) page.push(this.#summary(bulkMessage(bulk, bulkIndexAt(bulk, p)), folderId));
    }
    return page;
  }

  #message(id: number): FakeMessage {
    const stored = this.data.mail.messages.find((m) => m.id === id);
    const found = stored ?? (this.data.mail.bulk ? bulkMessageById(this.data.mail.bulk, id) : null);
    if (!found) throw { code: 'not_found', message: `There is no message ${id}` };
    return found;
  }

  /** Like the core's renderer: escaped text in a document under the same CSP. */
  #render(m: FakeMessage, dark: boolean, remote = false): RenderedMessage {
    const escape = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const linked = escape(m.text).replace(/https?:\/\/[^\s<]+/g, (u) => `<a href="#orbit-link:${encodeURIComponent(u)}">${u}</a>`);
    const colours = dark ? 'color:#e6e6e6;background:#1e1f22' : 'color:#1d1d1f;background:#fff';
    const html =
      `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'none'">` +
      `<style>body{margin:0;padding:2px;${colours};font:14px/1.5 system-ui,sans-serif}a{color:#2563eb}</style></head>` +
      `<body><div style="white-space:pre-wrap">${linked}</div></body></html>`;
    const remoteCount = m.has_html ? 2 : 0;
    return { id: m.id, html, from_html: m.has_html, blocked_remote: remote ? 0 : remoteCount, remote_loaded: remote ? remoteCount : 0, remote_allowed: remote, sender: parseMailbox(m.from) };
  }

  #show(m: FakeMessage): Message {
    const names = this.data.mail.folders.filter((f) => m.folder_ids.includes(f.id)).map((f) => f.name);
    const accountId = this.data.mail.folders.find((f) => m.folder_ids.includes(f.id))?.account_id ?? 0;
    return {
      id: m.id,
      account_id: accountId,
      message_id: m.message_id,
      thread_id: m.thread_id,
      subject: m.subject,
      from: m.from,
      recipients: structuredClone(m.recipients),
      date: m.date,
      text: m.text,
      has_html: m.has_html,
      attachments: structuredClone(m.attachments),
      folders: names.sort(),
    };
  }

  #thread(threadId: number): Message[] {
    const mail = this.data.mail;
    const stored = mail.messages.filter((m) => m.thread_id === threadId).sort((a, b) => a.date.localeCompare(b.date));
    if (stored.length > 0) return stored.map((m) => this.#show(m));
    const generated = mail.bulk ? bulkMessageById(mail.bulk, threadId) : null;
    return generated ? [this.#show(generated)] : [];
  }

  #accountOf(m: FakeMessage): number {
    const folder = this.data.mail.folders.find((f) => m.folder_ids.includes(f.id));
    return folder?.account_id ?? 0;
  }

  /** A message to change. A generated one is taken out of the bulk folder when it moves;
   *  otherwise its new flags are kept as an override. */
  #editable(id: number, moving: boolean): { m: FakeMessage; commit: () => void } {
    const mail = this.data.mail;
    const stored = mail.messages.find((m) => m.id === id);
    if (stored) return { m: stored, commit: () => {} };
    const bulk = mail.bulk;
    if (bulk && isBulkId(bulk, id)) {
      if (moving) {
        const m = materialize(bulk, id);
        if (m) {
          mail.messages.push(m);
          return { m, commit: () => {} };
        }
      } else {
        const m = bulkMessageById(bulk, id);
        if (m) return { m, commit: () => (bulk.flags[id] = m.flags) };
      }
    }
    throw { code: 'not_found', message: `There is no message ${id}` };
  }

  #moveTo(m: FakeMessage, role: 'archive' | 'trash'): void {
    const account = this.#accountOf(m);
    const target = this.data.mail.folders.find((f) => f.account_id === account && f.role === role);
    if (!target) throw { code: 'not_found', message: `This account has no ${role === 'archive' ? 'Archive' : 'Trash'} folder` };
    if (m.folder_ids.length === 1 && m.folder_ids[0] === target.id) {
      if (role === 'trash') this.data.mail.messages = this.data.mail.messages.filter((x) => x.id !== m.id);
      return;
    }
    m.folder_ids = [target.id];
  }

  #change(ids: number[], moving: boolean, apply: (m: FakeMessage) => void): Promise<null> | null {
    if (!Array.isArray(ids) || ids.length === 0) throw { code: 'invalid_input', message: 'ids: must not be empty' };
    const touched = new Set<number>();
    for (const id of ids) {
      const { m, commit } = this.#editable(id, moving);
      touched.add(this.#accountOf(m));
      apply(m);
      commit();
    }
    const settle = () => {
      for (const account of touched) void emit('mail-changed', { account_id: account });
      return null;
    };
    const delay = this.#options.changeDelayMs ?? 0;
    const gate = this.#gate;
    if (gate) return gate.then(settle);
    return delay > 0 ? new Promise((resolve) => setTimeout(() => resolve(settle()), delay)) : settle();
  }

  #sync(accountId: number | null): Promise<SyncReport[]> | SyncReport[] {
    const accounts = accountId === null ? this.data.accounts.filter((a) => a.imap) : [this.#account(accountId)];
    const run = (): SyncReport[] =>
      accounts.map((account) => {
        const mail = this.data.mail;
        const before = mail.messages.length;
        const first = !mail.folders.some((f) => f.account_id === account.id);
        if (first) firstSyncMail(mail, account.id, account.email, this.#now());
        const errors = this.#options.syncErrors?.[account.id] ?? [];
        for (const f of mail.folders) if (f.account_id === account.id) f.synced_at = this.#stamp();
        const folders = mail.folders.filter((f) => f.account_id === account.id).length;
        const added = mail.messages.length - before;
        void emit('mail-changed', { account_id: account.id });
        if (added > 0) void emit('mail-arrived', { account_id: account.id, count: added });
        return { account_id: account.id, folders, new_messages: added, new_locations: 0, flag_changes: 0, removed: 0, resets: 0, inbox_new: added, errors: [...errors] };
      });
    const delay = this.#options.syncDelayMs ?? 0;
    return delay > 0 ? new Promise((resolve) => setTimeout(() => resolve(run()), delay)) : run();
  }

  handle(cmd: string, args: Record<string, unknown>): unknown {
    this.calls.push({ cmd, args: structuredClone(args) });
    const rejection = this.#rejections.get(cmd);
    if (rejection !== undefined) {
      this.#rejections.delete(cmd);
      // Mail changes fail as late as they would succeed, so optimistic updates can be seen.
      const delay = MAIL_CHANGES.has(cmd) ? (this.#options.changeDelayMs ?? 0) : 0;
      const gate = MAIL_CHANGES.has(cmd) ? this.#gate : null;
      if (gate) return gate.then(() => Promise.reject(rejection));
      if (delay > 0) return new Promise((_, reject) => setTimeout(() => reject(rejection), delay));
      throw rejection;
    }
    if (this.calendar.handles(cmd)) return this.calendar.handle(cmd, args);
    if (this.tasks.handles(cmd)) return this.tasks.handle(cmd, args);
    switch (cmd) {
      case 'ui_ready':
        return null;
      case 'app_info':
        return structuredClone(this.data.info);
      case 'account_list':
        return structuredClone(this.data.accounts);
      case 'account_add': {
        const input = args.input as AccountInput;
        if (!this.data.info.keyring.available) throw { code: 'keyring_unavailable', message: 'no Secret Service provider found' };
        if (!args.password) throw { code: 'invalid_input', message: 'password: must not be empty' };
        this.#validate(input);
        const id = Math.max(0, ...this.data.accounts.map((a) => a.id)) + 1;
        const account: Account = { ...input, id, created_at: this.#stamp(), updated_at: this.#stamp(), last_test: null };
        this.data.accounts.push(account);
        this.#record('user', 'account.added', `account:${id}`, `Added ${input.email}`);
        void emit('accounts-changed', null);
        return structuredClone(account);
      }
      case 'account_update': {
        const account = this.#account(args.id);
        const input = args.input as AccountInput;
        this.#validate({ ...input, id: account.id } as AccountInput);
        Object.assign(account, input, { updated_at: this.#stamp() });
        this.#record('user', 'account.updated', `account:${account.id}`, `Updated ${account.email}`, { password_changed: args.password !== null });
        void emit('accounts-changed', null);
        return structuredClone(account);
      }
      case 'account_remove': {
        const account = this.#account(args.id);
        this.data.accounts = this.data.accounts.filter((a) => a.id !== account.id);
        this.#record('user', 'account.removed', `account:${account.id}`, `Removed ${account.email}`);
        void emit('accounts-changed', null);
        return null;
      }
      case 'account_test': {
        const account = this.#account(args.id);
        const checks = (this.#options.testAccount ?? defaultChecks)(account);
        const ok = checks.every((c) => c.ok);
        const failed = checks.filter((c) => !c.ok);
        const summary = ok
          ? `${checks.map((c) => c.service.toUpperCase()).join(', ')} connected`
          : failed.map((c) => `${c.service.toUpperCase()}: ${c.message}`).join('; ');
        account.last_test = { at: this.#stamp(), ok, summary };
        this.#record('user', 'account.tested', `account:${account.id}`, `Tested ${account.email}: ${summary}`);
        const report: ConnectionReport = { account_id: account.id, ok, checks };
        const delay = this.#options.testDelayMs ?? 0;
        return delay > 0 ? new Promise((resolve) => setTimeout(() => resolve(report), delay)) : report;
      }
      case 'activity_list': {
        const filter = ((args.filter ?? {}) as Partial<ActivityFilter>) ?? {};
        let rows = this.data.activities;
        if (filter.actor) rows = rows.filter((a) => a.actor === filter.actor);
        if (filter.action) rows = rows.filter((a) => a.action.startsWith(filter.action as string));
        return structuredClone(rows.slice(0, filter.limit ?? 200));
      }
      case 'activity_undo': {
        const a = this.data.activities.find((x) => x.id === args.id);
        if (!a) throw { code: 'not_found', message: `There is no activity ${String(args.id)}` };
        if (!a.undoable) throw { code: 'invalid_input', message: 'This was undone already' };
        a.undoable = false;
        a.undone = true;
        const id = Math.max(0, ...this.data.activities.map((x) => x.id)) + 1;
        const entry = { id, at: this.#stamp(), actor: 'user' as Actor, action: 'activity.undone', target: `activity:${a.id}`, summary: `Undid: ${a.summary}`, details: {}, undoable: false, undone: false };
        this.data.activities.unshift(entry);
        void emit('activity-added', { id });
        return structuredClone(entry);
      }
      case 'settings_get':
        return structuredClone(this.data.ai);
      case 'provider_update': {
        const provider = this.data.ai[args.provider as ProviderId];
        if (typeof args.baseUrl === 'string') provider.base_url = args.baseUrl;
        if (typeof args.model === 'string') provider.model = args.model;
        this.#record('user', 'settings.changed', `provider:${String(args.provider)}`, `Changed ${String(args.provider)} settings`);
        return structuredClone(this.data.ai);
      }
      case 'api_key_set': {
        if (!args.key) throw { code: 'invalid_input', message: 'key: must not be empty' };
        this.data.ai[args.provider as ProviderId].has_key = true;
        this.#record('user', 'api_key.set', `provider:${String(args.provider)}`, `Stored an API key for ${String(args.provider)}`);
        return structuredClone(this.data.ai);
      }
      case 'api_key_remove': {
        this.data.ai[args.provider as ProviderId].has_key = false;
        this.#record('user', 'api_key.removed', `provider:${String(args.provider)}`, `Removed the API key for ${String(args.provider)}`);
        return structuredClone(this.data.ai);
      }
      case 'notification_test':
        this.#record('user', 'notification.tested', 'notifications', 'Sent a test notification');
        return null;
      case 'mail_folders':
        return this.#folders(args.accountId as number | null);
      case 'mail_list':
        return this.#list(args.folderId as number, args.limit as number, args.offset as number);
      case 'mail_show':
        return this.#show(this.#message(args.id as number));
      case 'mail_thread':
        return this.#thread(args.threadId as number);
      case 'mail_render':
        return this.#render(this.#message(args.id as number), args.dark as boolean, (args.remote as boolean) || this.remoteSenders.includes(parseMailbox(this.#message(args.id as number).from)));
      case 'mail_allow_remote': {
        const sender = String(args.sender).toLowerCase();
        const list = this.remoteSenders.filter((s) => s !== sender);
        if (args.allow) list.push(sender);
        this.remoteSenders.splice(0, this.remoteSenders.length, ...list);
        return [...list];
      }
      case 'open_link': {
        const url = String(args.url ?? '');
        if (!/^(https?:\/\/\S+|mailto:\S+)$/i.test(url)) throw { code: 'invalid_input', message: 'Orbit only opens web (http, https) and mail (mailto) links' };
        this.openedLinks.push(url);
        return null;
      }
      case 'mail_compose_template': {
        const m = this.#message(args.messageId as number);
        const kind = args.kind as DraftKind;
        const input: DraftInput = { id: null, account_id: args.accountId as number, kind, reply_to_message: m.id, to: [], cc: [], bcc: [], subject: '', body: '', attachments: [] };
        if (kind === 'forward') {
          input.subject = `Fwd: ${m.subject}`;
          input.body = `\n\n---------- Forwarded message ----------\nFrom: ${m.from}\n\n${m.text}`;
        } else {
          input.to = [m.from];
          input.subject = /^re:/i.test(m.subject) ? m.subject : `Re: ${m.subject}`;
          input.body = `\n\nOn ${m.date}, ${m.from} wrote:\n${m.text.split('\n').map((l) => `> ${l}`).join('\n')}\n`;
        }
        return input;
      }
      case 'draft_save': {
        const input = args.input as DraftInput;
        const id = input.id ?? this.#nextDraft++;
        const previous = this.drafts.get(id);
        const now = new Date().toISOString();
        const draft: Draft = { ...input, id, message_id: previous?.message_id ?? `draft-${id}@mock`, version: (previous?.version ?? 0) + 1, last_error: '', created_at: previous?.created_at ?? now, updated_at: now };
        this.drafts.set(id, draft);
        return structuredClone(draft);
      }
      case 'draft_list':
        return structuredClone([...this.drafts.values()].filter((d) => args.accountId === null || args.accountId === undefined || d.account_id === args.accountId).reverse());
      case 'draft_delete':
        this.drafts.delete(args.id as number);
        return null;
      case 'draft_attach': {
        const draft = this.drafts.get(args.id as number);
        if (!draft) throw { code: 'not_found', message: `There is no draft ${String(args.id)}` };
        draft.attachments.push({ filename: args.filename as string, mime_type: (args.mimeType as string) || 'application/octet-stream', size: (args.data as number[]).length, blob: `blob-${draft.attachments.length}` });
        return structuredClone(draft);
      }
      case 'draft_send': {
        const draft = this.drafts.get(args.id as number);
        if (!draft) throw { code: 'not_found', message: `There is no draft ${String(args.id)}` };
        if (draft.to.length + draft.cc.length + draft.bcc.length === 0) throw { code: 'invalid_input', message: 'The message has no recipient' };
        this.drafts.delete(draft.id);
        const now = new Date();
        const item: OutboxItem = {
          id: this.outbox.length + 1, account_id: draft.account_id, message_id: draft.message_id, subject: draft.subject, recipients: [...draft.to, ...draft.cc, ...draft.bcc],
          state: 'queued', send_after: new Date(now.getTime() + (args.delaySecs as number) * 1000).toISOString(), attempts: 0, next_attempt_at: now.toISOString(), last_error: '', sent_copy: '', created_at: now.toISOString(),
        };
        this.outbox.push(item);
        this.#outboxDrafts.set(item.id, structuredClone(draft));
        return structuredClone(item);
      }
      case 'mail_prefs':
        return structuredClone(this.mailPrefs);
      case 'mail_set_undo_send': {
        const secs = args.secs as number;
        if (secs < 0 || secs > 120) throw { code: 'invalid_input', message: 'The undo window is at most 120 seconds' };
        this.mailPrefs.undo_send_secs = secs;
        return structuredClone(this.mailPrefs);
      }
      case 'mail_set_server_saves_sent': {
        const id = args.accountId as number;
        this.mailPrefs.server_saves_sent = this.mailPrefs.server_saves_sent.filter((a) => a !== id);
        if (args.saves) this.mailPrefs.server_saves_sent.push(id);
        return structuredClone(this.mailPrefs);
      }
      case 'outbox_list':
        return structuredClone([...this.outbox].reverse());
      case 'outbox_retry': {
        const item = this.outbox.find((o) => o.id === args.id);
        if (!item) throw { code: 'not_found', message: 'There is no such message' };
        item.state = 'sent';
        item.attempts += 1;
        return structuredClone(item);
      }
      case 'outbox_cancel': {
        const item = this.outbox.find((o) => o.id === args.id);
        if (!item || (item.state !== 'queued' && item.state !== 'failed')) throw { code: 'invalid_input', message: 'It cannot be taken back' };
        const wasQueued = item.state === 'queued';
        item.state = 'cancelled';
        const written = this.#outboxDrafts.get(item.id);
        let draft: Draft | null = null;
        if (wasQueued && written) {
          draft = { ...structuredClone(written), id: this.#nextDraft++, last_error: '' };
          this.drafts.set(draft.id, draft);
        }
        return structuredClone({ item, draft });
      }
      case 'embedding_settings':
        return structuredClone(this.embedding);
      case 'embedding_update': {
        if (args.dimensions !== null && args.dimensions !== undefined && Number(args.dimensions) % 8 !== 0) throw { code: 'invalid_input', message: 'Dimensions: use a multiple of 8 from 64 to 4096' };
        if (typeof args.enabled === 'boolean') this.embedding.enabled = args.enabled;
        if (typeof args.model === 'string') this.embedding.model = args.model;
        if (typeof args.dimensions === 'number') this.embedding.dimensions = args.dimensions;
        return structuredClone(this.embedding);
      }
      case 'embed_status':
        return { enabled: this.embedding.enabled, chunks: this.embedding.enabled ? 120 : 0, pending: this.embedding.enabled ? 30 : 0, embedded_now: 0, stopped: null };
      case 'search_mail':
        return this.#search(String(args.query ?? ''), Boolean(args.asYouType), Number(args.limit ?? 50));
      case 'mail_contacts': {
        const q = String(args.query ?? '').toLowerCase();
        const people = new Set<string>();
        for (const m of this.data.mail.messages) if (m.from.toLowerCase().includes(q)) people.add(m.from);
        return [...people].slice(0, (args.limit as number) ?? 8);
      }
      case 'mail_sync':
        return this.#sync(args.accountId as number | null);
      case 'mail_open_sample':
        return { account_id: 0, read: 15, imported: 15, duplicates: 0, errors: [] };
      case 'mail_set_flags':
        return this.#change(args.ids as number[], false, (m) => {
          const flag = args.flag as string;
          if (flag !== 'seen' && flag !== 'flagged') throw { code: 'invalid_input', message: `flag: unknown flag ${flag}` };
          const has = m.flags.includes(flag);
          if (args.on && !has) m.flags = [...m.flags, flag];
          if (!args.on && has) m.flags = m.flags.filter((f) => f !== flag);
        });
      case 'mail_archive':
        return this.#change(args.ids as number[], true, (m) => this.#moveTo(m, 'archive'));
      case 'mail_delete':
        return this.#change(args.ids as number[], true, (m) => this.#moveTo(m, 'trash'));
      case 'mail_move': {
        const folder = this.data.mail.folders.find((f) => f.id === args.folderId);
        if (!folder) throw { code: 'not_found', message: `There is no folder ${String(args.folderId)}` };
        return this.#change(args.ids as number[], true, (m) => {
          if (this.#accountOf(m) !== folder.account_id) throw { code: 'invalid_input', message: 'Messages can only move within their account' };
          m.folder_ids = [folder.id];
        });
      }
      case 'assistant_ask':
        return this.assistant.ask(args.input as AskInput, args.onEvent as { onmessage: (e: AssistantEvent) => void });
      case 'assistant_stop':
        return this.assistant.stop();
      case 'assistant_painted':
        return 3.2;
      case 'assistant_settings':
        return { ...this.assistant.settings };
      case 'assistant_update': {
        const u = args.update as AssistantUpdate;
        this.assistant.settings = { ...this.assistant.settings, ...u };
        void emit('settings-changed', null);
        return { ...this.assistant.settings };
      }
      case 'chat_sessions':
        return this.assistant.list();
      case 'chat_session':
        return this.assistant.detail(args.id as number);
      case 'chat_requests':
        return this.assistant.requests(args.sessionId as number);
      case 'chat_rename': {
        const s = this.assistant.sessions.get(args.id as number);
        if (!s) throw { code: 'not_found', message: 'There is no such chat' };
        s.view = { ...s.view, title: args.title as string };
        return s.view;
      }
      case 'chat_delete':
        this.assistant.sessions.delete(args.id as number);
        return null;
      case 'proposals':
        return this.assistant.proposals.filter((p) => !args.pendingOnly || p.status === 'pending').reverse();
      case 'proposal_reject':
        return this.assistant.decide(args.id as number, 'rejected', '');
      case 'proposal_confirm': {
        const id = args.id as number;
        const p = this.assistant.proposals.find((x) => x.id === id);
        if (!p) throw { code: 'not_found', message: `There is no proposal ${id}` };
        if (this.#options.confirmDialog === false) return { ...p };
        const ids = (p.input.messages as number[] | undefined) ?? [];
        if (p.tool === 'archive') {
          const archive = this.data.mail.folders.find((f) => f.role === 'archive');
          for (const m of this.data.mail.messages) if (ids.includes(m.id) && archive) m.folder_ids = [archive.id];
        }
        return this.assistant.decide(id, 'done', `Archived ${ids.length} message(s)`);
      }
      default:
        throw { code: 'internal', message: `unknown command: ${cmd}` };
    }
  }
}

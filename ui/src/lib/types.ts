// DTOs exchanged with the Rust side. Field names are snake_case exactly as serialised by
// src-tauri; keep this file in step with its commands.

export type BuildKind = 'dev' | 'release';

export interface KeyringStatus {
  available: boolean;
  message: string | null;
}

export interface AppInfo {
  version: string;
  data_dir: string;
  build_kind: BuildKind;
  keyring: KeyringStatus;
}

export type Security = 'tls' | 'starttls' | 'none';

export interface Endpoint {
  host: string;
  port: number;
  security: Security;
}

export interface AccountInput {
  name: string;
  email: string;
  username: string;
  imap: Endpoint | null;
  smtp: Endpoint | null;
  caldav_url: string | null;
}

export interface LastTest {
  at: string;
  ok: boolean;
  summary: string;
}

export interface Account extends AccountInput {
  id: number;
  created_at: string;
  updated_at: string;
  last_test: LastTest | null;
}

export type Service = 'imap' | 'smtp' | 'caldav';

export type CheckKind = 'auth' | 'tls' | 'unreachable' | 'timeout' | 'protocol' | 'config' | 'keyring';

export interface Check {
  service: Service;
  ok: boolean;
  kind: CheckKind | null;
  message: string;
  elapsed_ms: number;
}

export interface ConnectionReport {
  account_id: number;
  ok: boolean;
  checks: Check[];
}

export type Actor = 'user' | 'agent' | 'sync' | 'system';

export interface Activity {
  id: number;
  at: string;
  actor: Actor;
  action: string;
  target: string;
  summary: string;
  details: Record<string, unknown>;
  /** It can be taken back from the log (and was not yet). */
  undoable: boolean;
  undone: boolean;
}

export interface ActivityFilter {
  actor: Actor | null;
  action: string | null;
  limit: number | null;
}

export type ProviderId = 'anthropic' | 'openai';

export interface Provider {
  base_url: string;
  model: string;
  has_key: boolean;
  key_from_env: boolean;
  base_url_from_env: boolean;
}

export interface AiSettings {
  anthropic: Provider;
  openai: Provider;
}

export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'keyring_unavailable'
  | 'keyring'
  | 'database'
  | 'database_locked'
  | 'database_newer'
  | 'database_corrupt'
  | 'network'
  | 'no_api_key'
  | 'budget_reached'
  | 'model'
  | 'cancelled'
  | 'invalid'
  | 'internal';

/** Events the Rust side emits; after each, the UI re-queries. */
export const EVENTS = {
  activityAdded: 'activity-added',
  accountsChanged: 'accounts-changed',
  settingsChanged: 'settings-changed',
  syncStarted: 'sync-started',
  syncFinished: 'sync-finished',
  navigate: 'navigate',
  mailChanged: 'mail-changed',
  mailArrived: 'mail-arrived',
  linkActivated: 'link-activated',
  outboxChanged: 'outbox-changed',
  calendarChanged: 'calendar-changed',
  tasksChanged: 'tasks-changed',
  taskSuggestionsChanged: 'task-suggestions-changed',
} as const;

export interface ActivityAddedPayload {
  id: number;
}

// ---- Mail --------------------------------------------------------------------------------

export type FolderRole = 'inbox' | 'sent' | 'drafts' | 'archive' | 'trash' | 'junk' | 'all' | 'flagged';

export interface Folder {
  id: number;
  account_id: number;
  /** The name as the server spells it ("INBOX", "[Gmail]/Sent Mail", "Receipts"). */
  name: string;
  role: FolderRole | null;
  total: number;
  unread: number;
  /** Last complete sync (RFC 3339), or null before the first. */
  synced_at: string | null;
}

/** "seen", "flagged", "answered", "draft", plus IMAP keywords. */
export type MessageFlag = 'seen' | 'flagged' | 'answered' | 'draft' | (string & {});

/** The flags the UI changes. */
export type SettableFlag = 'seen' | 'flagged';

export interface MessageSummary {
  id: number;
  message_id: string;
  thread_id: number;
  folder_id: number;
  subject: string;
  /** "Name <address>" or the address. */
  from: string;
  /** RFC 3339 UTC. */
  date: string;
  snippet: string;
  flags: MessageFlag[];
  has_attachments: boolean;
}

export interface Mailbox {
  /** Null (or missing) when the header had only an address. */
  name: string | null;
  email: string;
}

export interface Recipients {
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
  reply_to: Mailbox[];
}

export interface Attachment {
  /** Its number in the message. */
  ordinal: number;
  filename: string;
  mime_type: string;
  size: number;
  /** Shown inside the (HTML) body rather than as a file. */
  inline: boolean;
}

export interface Message {
  id: number;
  account_id: number;
  message_id: string;
  thread_id: number;
  subject: string;
  from: string;
  /** Stored JSON from the Rust side: read defensively, a list may be missing. */
  recipients: Partial<Recipients>;
  date: string;
  /** Readable plain text ("" when the message has only HTML). */
  text: string;
  has_html: boolean;
  attachments: Attachment[];
  /** Names of the folders it is in. */
  folders: string[];
}

export type DraftKind = 'new' | 'reply' | 'reply_all' | 'forward';

export interface DraftAttachment {
  filename: string;
  mime_type: string;
  size: number;
  blob: string;
}

/** What the compose view saves (`id` null creates the draft). */
export interface DraftInput {
  id: number | null;
  account_id: number;
  kind: DraftKind;
  reply_to_message: number | null;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  body: string;
  attachments: DraftAttachment[];
}

export interface Draft extends Omit<DraftInput, 'id'> {
  id: number;
  message_id: string;
  version: number;
  last_error: string;
  created_at: string;
  updated_at: string;
}

export interface MailPrefs {
  /** Seconds a sent message waits, during which Undo takes it back. */
  undo_send_secs: number;
  /** Accounts whose server files sent mail itself. */
  server_saves_sent: number[];
}

export interface OutboxItem {
  id: number;
  account_id: number;
  message_id: string;
  subject: string;
  recipients: string[];
  state: 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';
  send_after: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string;
  sent_copy: string;
  created_at: string;
}

/** A conversation that matched a search, through its best message. */
export interface SearchHit {
  message: MessageSummary;
  /** Body text around the matches ('' when only other fields matched). */
  snippet: string;
  /** Byte ranges (UTF-8) in `snippet` to highlight. */
  highlights: [number, number][];
  /** Other matching messages in the same conversation. */
  more_in_thread: number;
  score: number;
}

export interface SearchResults {
  query: string;
  /** Matching messages in all. */
  total: number;
  hits: SearchHit[];
  /** Messages not indexed yet (another Orbit process is indexing them). */
  pending: number;
  took_ms: number;
  /** How it was ranked: text, semantic or hybrid. */
  mode: 'text' | 'semantic' | 'hybrid';
  /** Why meaning was left out of a hybrid search (the provider could not be reached…). */
  semantic_error: string | null;
}

/** Semantic search settings (`embedding_settings`). */
export interface EmbeddingSettings {
  enabled: boolean;
  model: string;
  dimensions: number;
  /** The OpenAI-compatible provider's base URL requests go to. */
  base_url: string;
  has_key: boolean;
}

/** How far the embedding of the mail is. */
export interface EmbedStatus {
  enabled: boolean;
  chunks: number;
  pending: number;
  embedded_now: number;
  stopped: string | null;
}

/** A message taken back out of the outbox: the entry, and the draft it is again (none when it
 *  had failed: that draft exists already). */
export interface TakenBack {
  item: OutboxItem;
  draft: Draft | null;
}

/** A link in a message was clicked: the shell refused the navigation and hands over its target. */
export interface LinkActivatedPayload {
  target: string;
}

/** A message made safe to show (`mail_render`). */
export interface RenderedMessage {
  id: number;
  /** A complete document with its own CSP, for a sandboxed iframe's `srcdoc`. */
  html: string;
  /** Whether it came from the HTML body (else from the text). */
  from_html: boolean;
  /** Remote images, backgrounds and CSS url()s left out. */
  blocked_remote: number;
  /** Remote images fetched by the core and shown. */
  remote_loaded: number;
  /** Remote content was asked for (this once, or for the sender). */
  remote_allowed: boolean;
  /** The sender's address. */
  sender: string;
}

export interface SyncReport {
  account_id: number;
  folders: number;
  new_messages: number;
  new_locations: number;
  flag_changes: number;
  removed: number;
  resets: number;
  inbox_new: number;
  /** Folders that failed, with why (the others still synced). */
  errors: string[];
}

export interface MailChangedPayload {
  account_id: number;
}

export interface MailArrivedPayload {
  account_id: number;
  count: number;
}

/** What importing mail (or opening the sample workspace) did. */
export interface ImportReport {
  account_id: number;
  read: number;
  imported: number;
  duplicates: number;
  errors: string[];
}

// ---- Assistant ---------------------------------------------------------------------------

export interface Citation {
  message_id: number;
  subject: string;
  from: string;
  date: string;
}

export interface UsageView {
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export type ProposalStatus = 'pending' | 'done' | 'rejected' | 'failed';

export interface ProposalView {
  id: number;
  session_id: number | null;
  tool: string;
  /** Exactly what would run. */
  input: Record<string, unknown>;
  summary: string;
  warnings: string[];
  status: ProposalStatus;
  outcome: string;
  created_at: string;
  decided_at: string | null;
  decided_by: string | null;
}

export type AssistantEvent =
  | { type: 'session'; id: number }
  | { type: 'text'; text: string }
  | { type: 'tool_started'; name: string }
  | { type: 'tool_done'; name: string; summary: string; is_error: boolean }
  | { type: 'proposal'; proposal: ProposalView }
  | { type: 'retrying'; attempt: number; wait_ms: number; reason: string };

export interface AskInput {
  session_id: number | null;
  prompt: string;
  context_message: number | null;
}

export interface AskOutcome {
  session_id: number;
  answer: string;
  citations: Citation[];
  proposals: ProposalView[];
  usage: UsageView;
  requests: number;
}

export interface SessionView {
  id: number;
  title: string;
  created_at: string;
  updated_at: string;
  messages: number;
  usage: UsageView;
}

export interface ChatEntry {
  kind: 'user' | 'assistant' | 'tool';
  text: string;
  result: string | null;
  is_error: boolean;
  citations: Citation[];
  created_at: string;
}

export interface SessionDetail {
  session: SessionView;
  entries: ChatEntry[];
  proposals: ProposalView[];
}

export interface RequestView {
  id: number;
  provider: string;
  model: string;
  /** The JSON body exactly as sent. */
  body: unknown;
  usage: UsageView;
  outcome: string;
  created_at: string;
}

export interface AssistantSettings {
  provider: ProviderId;
  model: string;
  base_url: string;
  ready: boolean;
  redact: boolean;
  daily_budget_usd: number | null;
  monthly_budget_usd: number | null;
  requests_per_minute: number;
  spent_today_usd: number;
  spent_month_usd: number;
  requests_today: number;
  price_per_mtok: [number, number] | null;
}

/** Omitted fields stay as they are; a budget of null removes it. */
export interface AssistantUpdate {
  provider?: ProviderId;
  redact?: boolean;
  daily_budget_usd?: number | null;
  monthly_budget_usd?: number | null;
  requests_per_minute?: number;
}

// ---- Calendar ----------------------------------------------------------------------------
// Times are RFC 3339 UTC ("2026-11-26T09:00:00Z"), or "YYYY-MM-DD" dates when `all_day` (the end
// date is exclusive: a one-day event on the 26th ends on "2026-11-27"). All-day dates are never
// shifted through a time zone.

export interface CalendarInfo {
  id: number;
  account_id: number;
  name: string;
  /** "#RRGGBB", or "" when the server gives none (the UI picks a palette colour by id). */
  colour: string;
  items: number;
  synced_at: string;
}

export interface Occurrence {
  calendar_id: number;
  uid: string;
  summary: string;
  location: string;
  start: string;
  end: string;
  all_day: boolean;
  /** This occurrence of a recurring event was changed on its own. */
  is_override: boolean;
  recurring: boolean;
  /** Identifies this occurrence of a recurring event (passed back to move and delete); null for a single event. */
  recurrence_id: string | null;
  /** Other people are invited: moving or cancelling it asks first (the shell shows a native dialog). */
  invited: boolean;
}

/** A new event, before it is saved (same time format as Occurrence). */
export interface EventDraft {
  summary: string;
  location: string;
  start: string;
  end: string;
  all_day: boolean;
  /** Who read it from the sentence: 'model' (the assistant's model) or 'offline'; absent or '' for a drawn event. */
  read_by?: string;
}

/** Which occurrences of a recurring event a change applies to. */
export type EditScope = 'one' | 'following' | 'all';

export interface CalendarSyncReport {
  account_id: number;
  calendars: number;
  changed: number;
  removed: number;
  full_resyncs: number;
  /** Items that could not be read, with why. */
  unreadable: string[];
  pushed: number;
  conflicts: number;
}

export interface InvitationAttendee {
  email: string;
  name: string;
  /** 'accepted' | 'tentative' | 'declined' | 'needs-action' | other. */
  status: string;
}

/** The iMIP (text/calendar) part of a message. */
export interface Invitation {
  /** 'REQUEST' | 'CANCEL' | 'REPLY' (others are shown generically). */
  method: string;
  uid: string;
  summary: string;
  location: string;
  start: string;
  end: string;
  all_day: boolean;
  organizer: string;
  organizer_name: string;
  attendees: InvitationAttendee[];
  /** The user's own answer so far; null when the user is not an attendee. */
  my_status: string | null;
  /** The event is already in one of the user's calendars. */
  in_calendar: boolean;
  /** A newer version of this invitation was applied already. */
  outdated: boolean;
}

export type InvitationResponse = 'accepted' | 'tentative' | 'declined';

/** What was sent about a change to an event the user organises (nothing unless they chose
 *  to send it in the native dialog). */
export interface Told {
  sent_to: string[];
  messages: number;
}

export interface InvitationOutcome {
  status: string;
  /** False when the user cancelled the native "send reply?" dialog (the calendar is updated anyway). */
  replied: boolean;
}

// ---- Tasks -------------------------------------------------------------------------------
// Days are "YYYY-MM-DD"; times RFC 3339 UTC. Priority is iCalendar's PRIORITY: 0 none, 1 high … 9
// low. A task's `column` is one of its list's column ids; `order` sorts it within the column.

export type TaskStatus = 'needs-action' | 'in-process' | 'completed' | 'cancelled';

export interface TaskColumn {
  id: string;
  name: string;
  status: TaskStatus;
}

export interface TaskList {
  id: number;
  name: string;
  colour: string;
  /** On this computer only, no server. */
  local: boolean;
  /** In order; by default To do, Doing, Done. */
  columns: TaskColumn[];
  open: number;
  done: number;
}

export interface TaskLink {
  kind: 'mail' | 'event' | 'document' | 'person';
  /** For mail, the message id number as a string (opens the conversation). */
  id: string;
  label: string;
}

export interface Task {
  uid: string;
  list_id: number;
  title: string;
  notes: string;
  status: TaskStatus;
  /** A TaskColumn id of its list. */
  column: string;
  /** Position within its column, ascending. */
  order: number;
  /** 0 none, 1 high … 9 low. */
  priority: number;
  /** "YYYY-MM-DD" (a day) or RFC 3339 UTC. */
  due: string | null;
  start: string | null;
  estimate_minutes: number | null;
  tags: string[];
  /** Uid of the parent task. */
  parent: string | null;
  /** Rolled up from sub-tasks at any depth; null when there are none. */
  progress: { done: number; total: number } | null;
  /** 0..100. */
  percent: number;
  recurring: boolean;
  completed_at: string | null;
  created_at: string;
  links: TaskLink[];
  /** 0..100, higher = do sooner. */
  score: number;
  /** Why it scores so ("Due tomorrow", "Asked by Maya Okafor", "High priority"). */
  score_reasons: string[];
  /** The assistant's suggested priority (1 high, 5 medium, 9 low) and why, until the priority is set. */
  advice?: { priority: number; reason: string } | null;
}

/** Omitted fields stay as they are. */
export interface TaskPatch {
  title?: string;
  notes?: string;
  priority?: number;
  due?: string | null;
  start?: string | null;
  estimate_minutes?: number | null;
  tags?: string[];
  parent?: string | null;
}

export type StatsPeriod = 'day' | 'week' | 'month';

export interface TaskStats {
  period: StatsPeriod;
  buckets: { start: string; opened: number; done: number }[];
  open: number;
  overdue: number;
  done_this_period: number;
  throughput_per_week: number;
}

/** A task the core noticed in the mail; never created until accepted. */
export interface TaskSuggestion {
  id: number;
  title: string;
  due: string | null;
  /** Who asked. */
  from: string;
  message_id: number | null;
  /** The assistant conversation, for one found in what the user told the assistant. */
  chat_session?: number | null;
  /** Where it was found. */
  source?: 'mail' | 'chat';
  /** Orbit's own rules, or the assistant (when the user lets it read new mail). */
  found_by?: 'rules' | 'model';
  /** Why ("Asked: “could you send the figures by Friday?”", "You said: “…”"). */
  reason: string;
}

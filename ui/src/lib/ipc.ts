// The one module that talks to the Rust side. Every command is a typed camelCase twin of its
// Rust name; every rejection becomes an OrbitError with a machine-readable `code`.
import { Channel, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type {
  Account,
  AccountInput,
  Activity,
  ActivityFilter,
  AiSettings,
  AppInfo,
  ConnectionReport,
  ErrorCode,
  ActivityAddedPayload,
  Folder,
  MailArrivedPayload,
  MailChangedPayload,
  Message,
  MessageSummary,
  ProviderId,
  RenderedMessage,
  SettableFlag,
  SyncReport,
  ImportReport,
  LinkActivatedPayload,
  Draft,
  DraftInput,
  DraftKind,
  OutboxItem,
  TakenBack,
  SearchResults,
  EmbeddingSettings,
  EmbedStatus,
  MailPrefs,
  AskInput,
  AskOutcome,
  AssistantEvent,
  AssistantSettings,
  AssistantUpdate,
  ProposalView,
  RequestView,
  SessionDetail,
  SessionView,
  CalendarInfo,
  CalendarSyncReport,
  EditScope,
  EventDraft,
  Invitation,
  InvitationOutcome,
  Told,
  InvitationResponse,
  Occurrence,
  StatsPeriod,
  Task,
  TaskList,
  TaskPatch,
  TaskStats,
  TaskSuggestion,
} from './types';
import { EVENTS } from './types';

/** A failed command. `code` is one of the Rust side's error codes (or "internal"). */
export class OrbitError extends Error {
  readonly code: ErrorCode | (string & {});

  constructor(code: string, message: string) {
    super(message);
    this.name = 'OrbitError';
    this.code = code;
  }

  /** Builds an OrbitError from whatever `invoke` rejected with. */
  static from(raw: unknown): OrbitError {
    if (raw instanceof OrbitError) return raw;
    if (typeof raw === 'object' && raw !== null) {
      const { code, message } = raw as { code?: unknown; message?: unknown };
      if (typeof code === 'string' && code.length > 0) {
        return new OrbitError(code, typeof message === 'string' ? message : '');
      }
      if (raw instanceof Error) return new OrbitError('internal', raw.message);
      if (typeof message === 'string') return new OrbitError('internal', message);
    }
    if (typeof raw === 'string') return new OrbitError('internal', raw);
    return new OrbitError('internal', raw === undefined ? 'Unknown error' : safeString(raw));
  }
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw OrbitError.from(raw);
  }
}

/** Tells the shell the first frame is painted: the window starts hidden and is shown then. */
export async function uiReady(): Promise<void> {
  await call<null>('ui_ready');
}

export function appInfo(): Promise<AppInfo> {
  return call('app_info');
}

export function accountList(): Promise<Account[]> {
  return call('account_list');
}

export function accountAdd(input: AccountInput, password: string): Promise<Account> {
  return call('account_add', { input, password });
}

/** `password: null` keeps the stored password. */
export function accountUpdate(id: number, input: AccountInput, password: string | null): Promise<Account> {
  return call('account_update', { id, input, password });
}

export async function accountRemove(id: number): Promise<void> {
  await call<null>('account_remove', { id });
}

export function accountTest(id: number): Promise<ConnectionReport> {
  return call('account_test', { id });
}

/** Newest first. */
export function activityList(filter: Partial<ActivityFilter> = {}): Promise<Activity[]> {
  return call('activity_list', {
    filter: { actor: filter.actor ?? null, action: filter.action ?? null, limit: filter.limit ?? null },
  });
}

/** Takes back what an activity did; resolves with the new "undone" entry. */
export function activityUndo(id: number): Promise<Activity> {
  return call('activity_undo', { id });
}

export function settingsGet(): Promise<AiSettings> {
  return call('settings_get');
}

/** A null field is sent as null; the Rust side decides what that means (default or unchanged). */
export function providerUpdate(provider: ProviderId, baseUrl: string | null, model: string | null): Promise<AiSettings> {
  return call('provider_update', { provider, baseUrl, model });
}

export function apiKeySet(provider: ProviderId, key: string): Promise<AiSettings> {
  return call('api_key_set', { provider, key });
}

export function apiKeyRemove(provider: ProviderId): Promise<AiSettings> {
  return call('api_key_remove', { provider });
}

export async function notificationTest(): Promise<void> {
  await call<null>('notification_test');
}

// ---- Mail -------------------------------------------------------------------------------
// Reads come from the local store. Changes (flags, archive, delete, move) apply to the store at
// once and are queued for the server; they resolve with null and are followed by "mail-changed".

/** Folders of one account, or of every account (`null`); each account's inbox comes first. */
export function mailFolders(accountId: number | null): Promise<Folder[]> {
  return call('mail_folders', { accountId });
}

/** A page of a folder, newest first. */
export function mailList(folderId: number, limit: number, offset: number): Promise<MessageSummary[]> {
  return call('mail_list', { folderId, limit, offset });
}

export function mailShow(id: number): Promise<Message> {
  return call('mail_show', { id });
}

/** A message made safe to show in a sandboxed iframe. */
export function mailRender(id: number, dark: boolean, remote = false): Promise<RenderedMessage> {
  return call('mail_render', { id, dark, remote });
}

/** Always (or no longer) load remote images from `sender`. */
export function mailAllowRemote(sender: string, allow: boolean): Promise<string[]> {
  return call('mail_allow_remote', { sender, allow });
}

/** Opens a web or mail link in the system's browser or mail client (refused for any other scheme). */
export async function openLink(url: string): Promise<void> {
  await call('open_link', { url });
}

/** A draft started from a message (reply, reply_all or forward); not saved yet. */
export function mailComposeTemplate(accountId: number, kind: DraftKind, messageId: number): Promise<DraftInput> {
  return call('mail_compose_template', { accountId, kind, messageId });
}

/** Saves a draft (creates it when `input.id` is null). */
export function draftSave(input: DraftInput): Promise<Draft> {
  return call('draft_save', { input });
}

/** Drafts, most recently edited first (all accounts when `accountId` is null). */
export function draftList(accountId: number | null = null): Promise<Draft[]> {
  return call('draft_list', { accountId });
}

/** Discards a draft (and its copy in the server's Drafts folder at the next sync). */
export async function draftDelete(id: number): Promise<void> {
  await call('draft_delete', { id });
}

export function draftAttach(id: number, filename: string, mimeType: string, data: number[]): Promise<Draft> {
  return call('draft_attach', { id, filename, mimeType, data });
}

/** Sends a draft after `delaySecs` (the undo window). */
export function draftSend(id: number, delaySecs: number): Promise<OutboxItem> {
  return call('draft_send', { id, delaySecs });
}

export function mailPrefs(): Promise<MailPrefs> {
  return call('mail_prefs');
}

export function mailSetUndoSend(secs: number): Promise<MailPrefs> {
  return call('mail_set_undo_send', { secs });
}

export function mailSetServerSavesSent(accountId: number, saves: boolean): Promise<MailPrefs> {
  return call('mail_set_server_saves_sent', { accountId, saves });
}

/** The outbox, newest first. */
export function outboxList(): Promise<OutboxItem[]> {
  return call('outbox_list');
}

/** Sends a waiting message now instead of after its backoff. */
export function outboxRetry(id: number): Promise<OutboxItem> {
  return call('outbox_retry', { id });
}

/** The outbox changed (queued, sent, failed, taken back). */
export function onOutboxChanged(handler: () => void): Promise<Unsubscribe> {
  return subscribe(EVENTS.outboxChanged, handler);
}

/** Takes back a message that has not gone yet (it is a draft again), or dismisses a failed one. */
export function outboxCancel(id: number): Promise<TakenBack> {
  return call('outbox_cancel', { id });
}

/** Searches the mail (Gmail-style query language); `asYouType` makes the last word a prefix. */
export function searchMail(query: string, asYouType: boolean, limit = 50): Promise<SearchResults> {
  return call('search_mail', { query, asYouType, limit });
}

/** Semantic search settings. */
export function embeddingSettings(): Promise<EmbeddingSettings> {
  return call('embedding_settings');
}

/** Turns semantic search on or off, or changes its model or vector size (null: unchanged). */
export function embeddingUpdate(enabled: boolean | null, model: string | null = null, dimensions: number | null = null): Promise<EmbeddingSettings> {
  return call('embedding_update', { enabled, model, dimensions });
}

/** How far the embedding of the mail is. */
export function embedStatus(): Promise<EmbedStatus> {
  return call('embed_status');
}

/** Addresses for autocomplete, most frequent first. */
export function mailContacts(query: string, limit = 8): Promise<string[]> {
  return call('mail_contacts', { query, limit });
}

/** The messages of a conversation, oldest first. */
export function mailThread(threadId: number): Promise<Message[]> {
  return call('mail_thread', { threadId });
}

/** Syncs one account, or every account with an IMAP server (`null`), once. */
/** Opens the bundled sample workspace (offline) into the local account. */
export function mailOpenSample(): Promise<ImportReport> {
  return call('mail_open_sample');
}

export function mailSync(accountId: number | null): Promise<SyncReport[]> {
  return call('mail_sync', { accountId });
}

export async function mailSetFlags(ids: number[], flag: SettableFlag, on: boolean): Promise<void> {
  await call<null>('mail_set_flags', { ids, flag, on });
}

export async function mailArchive(ids: number[]): Promise<void> {
  await call<null>('mail_archive', { ids });
}

/** Moves to the account's Trash. */
export async function mailDelete(ids: number[]): Promise<void> {
  await call<null>('mail_delete', { ids });
}

export async function mailMove(ids: number[], folderId: number): Promise<void> {
  await call<null>('mail_move', { ids, folderId });
}

// ---- Assistant ---------------------------------------------------------------------------
// One turn at a time: events stream through a channel while the promise waits for the end.

export function assistantAsk(input: AskInput, onEvent: (event: AssistantEvent) => void): Promise<AskOutcome> {
  const channel = new Channel<AssistantEvent>();
  channel.onmessage = onEvent;
  return call('assistant_ask', { input, onEvent: channel });
}

/** Stops the turn in progress; the ask then rejects with code "cancelled". */
export function assistantStop(): Promise<boolean> {
  return call('assistant_stop');
}

/** The first text of the last answer is on screen: the shell logs how long that took. */
export function assistantPainted(): Promise<number | null> {
  return call('assistant_painted');
}

export function assistantSettings(): Promise<AssistantSettings> {
  return call('assistant_settings');
}

export function assistantUpdate(update: AssistantUpdate): Promise<AssistantSettings> {
  return call('assistant_update', { update });
}

export function chatSessions(): Promise<SessionView[]> {
  return call('chat_sessions');
}

export function chatSession(id: number): Promise<SessionDetail> {
  return call('chat_session', { id });
}

/** What the assistant saw: each request of a session exactly as sent. */
export function chatRequests(sessionId: number): Promise<RequestView[]> {
  return call('chat_requests', { sessionId });
}

export function chatRename(id: number, title: string): Promise<SessionView> {
  return call('chat_rename', { id, title });
}

export async function chatDelete(id: number): Promise<void> {
  await call<null>('chat_delete', { id });
}

export function proposals(pendingOnly: boolean): Promise<ProposalView[]> {
  return call('proposals', { pendingOnly });
}

/** Opens the shell's native confirmation dialog; runs the proposal only if the user agrees
 *  there. Resolves with the proposal afterwards (still pending when they cancelled). */
export function proposalConfirm(id: number): Promise<ProposalView> {
  return call('proposal_confirm', { id });
}

export function proposalReject(id: number): Promise<ProposalView> {
  return call('proposal_reject', { id });
}

// ---- Calendar ----------------------------------------------------------------------------
// Times are RFC 3339 UTC, or "YYYY-MM-DD" for all-day events; `tz` is the viewer's IANA zone.
// Changes apply locally at once and are queued for the server; "calendar-changed" follows.

/** The viewer's IANA time zone ("Europe/London"). */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function calendarList(): Promise<CalendarInfo[]> {
  return call('calendar_list');
}

/** Occurrences overlapping [from, to), recurring events expanded, sorted by start. */
export function calendarEvents(from: string, to: string, tz: string = localZone()): Promise<Occurrence[]> {
  return call('calendar_events', { from, to, tz });
}

/** Reads a sentence ("lunch with Ana next Tuesday 12:30 for an hour") into a draft, offline.
 *  Rejects with code "invalid" when it finds no date. */
export function calendarPreview(text: string, tz: string = localZone()): Promise<EventDraft> {
  return call('calendar_preview', { text, tz });
}

/** Saves a new event; resolves with its uid. */
export function calendarCreate(calendarId: number, draft: EventDraft, tz: string = localZone()): Promise<string> {
  return call('calendar_create', { calendarId, draft, tz });
}

/** Moves an event (or some occurrences of a recurring one). When others are invited the shell
 *  asks natively first, and — when the user organises it — whether to send them the update. */
export function calendarMove(uid: string, recurrenceId: string | null, scope: EditScope, start: string, end: string, tz: string = localZone()): Promise<Told> {
  return call('calendar_move', { uid, recurrenceId, scope, start, end, tz });
}

/** Deletes an event (or some occurrences); asks like {@link calendarMove}. */
export function calendarDelete(uid: string, recurrenceId: string | null, scope: EditScope): Promise<Told> {
  return call('calendar_delete', { uid, recurrenceId, scope });
}

/** Syncs every account's calendars once. */
export function calendarSync(): Promise<CalendarSyncReport[]> {
  return call('calendar_sync');
}

/** The invitation (iMIP text/calendar part) a message carries, if any. */
export function mailInvitation(messageId: number): Promise<Invitation | null> {
  return call('mail_invitation', { messageId });
}

/** Answers an invitation; `calendarId` null puts it in the default calendar. */
export function invitationRespond(messageId: number, response: InvitationResponse, calendarId: number | null = null): Promise<InvitationOutcome> {
  return call('invitation_respond', { messageId, response, calendarId });
}

/** Applies a CANCEL (removes the event) or a REPLY (records the attendee's answer). */
export async function invitationApply(messageId: number): Promise<void> {
  await call<null>('invitation_apply', { messageId });
}

// ---- Tasks -------------------------------------------------------------------------------
// Changes apply locally at once (queued for the server for lists that have one); "tasks-changed"
// follows.

export function taskLists(): Promise<TaskList[]> {
  return call('task_lists');
}

/** Creates a list on this computer only. */
export function taskListCreate(name: string): Promise<TaskList> {
  return call('task_list_create', { name });
}

/** The tasks of a list, or of every list (`listId` null). */
export function tasks(listId: number | null): Promise<Task[]> {
  return call('tasks', { listId });
}

/** Adds a task read from a sentence ("review budget by Friday !high #finance"). */
export function taskAdd(listId: number, text: string, parent: string | null = null): Promise<Task> {
  return call('task_add', { listId, text, parent });
}

export function taskUpdate(uid: string, patch: TaskPatch): Promise<Task> {
  return call('task_update', { uid, patch });
}

/** Moves a task to `column`, before the task `before` (or at the end when null). Moving to a
 *  "completed" column completes it. */
export async function taskMove(uid: string, column: string, before: string | null): Promise<void> {
  await call<null>('task_move', { uid, column, before });
}

export function taskDone(uid: string, done: boolean): Promise<Task> {
  return call('task_done', { uid, done });
}

export async function taskDelete(uid: string): Promise<void> {
  await call<null>('task_delete', { uid });
}

export function taskStats(period: StatsPeriod): Promise<TaskStats> {
  return call('task_stats', { period });
}

export function taskSuggestions(): Promise<TaskSuggestion[]> {
  return call('task_suggestions');
}

/** Asks the assistant to suggest priorities; the tasks it advised on. */
export function taskPrioritise(): Promise<Task[]> {
  return call('task_prioritise');
}

/** Whether the assistant may read new mail and chat for tasks. */
export function taskExtractionGet(): Promise<boolean> {
  return call('task_extraction_get');
}

export function taskExtractionSet(on: boolean): Promise<null> {
  return call('task_extraction_set', { on });
}

export function taskSuggestionAccept(id: number, listId: number): Promise<Task> {
  return call('task_suggestion_accept', { id, listId });
}

export async function taskSuggestionDismiss(id: number): Promise<void> {
  await call<null>('task_suggestion_dismiss', { id });
}

/** "Turn into task" from a conversation. */
export function taskFromMessage(messageId: number, listId: number): Promise<Task> {
  return call('task_from_message', { messageId, listId });
}

// ---- Events ------------------------------------------------------------------------------
// Coarse "something changed" signals; the caller re-queries. Each returns an unsubscribe
// function. Subscribing never throws: outside Tauri (or if the event system refuses) the
// subscription is simply absent.

export type Unsubscribe = () => void;

async function subscribe<T>(event: string, handler: (payload: T) => void): Promise<Unsubscribe> {
  try {
    const unlisten = await listen<T>(event, (e) => handler(e.payload));
    return () => {
      try {
        unlisten();
      } catch {
        // The listener is already gone (window closing, mocks cleared): nothing to undo.
      }
    };
  } catch (raw) {
    console.warn(`Orbit: cannot listen to "${event}"`, raw);
    return () => {};
  }
}

export function onActivityAdded(handler: (payload: ActivityAddedPayload) => void): Promise<Unsubscribe> {
  return subscribe(EVENTS.activityAdded, handler);
}

export function onAccountsChanged(handler: () => void): Promise<Unsubscribe> {
  return subscribe<null>(EVENTS.accountsChanged, () => handler());
}

/** AI provider settings changed (possibly from the CLI): re-query settings_get. */
export function onSettingsChanged(handler: () => void): Promise<Unsubscribe> {
  return subscribe<null>(EVENTS.settingsChanged, () => handler());
}

/** The tray's "Sync now" started or finished checking the accounts. */
export function onSyncStarted(handler: () => void): Promise<Unsubscribe> {
  return subscribe<null>(EVENTS.syncStarted, () => handler());
}

export function onSyncFinished(handler: () => void): Promise<Unsubscribe> {
  return subscribe<null>(EVENTS.syncFinished, () => handler());
}

/** The local mail store changed for an account: re-query the folders and the visible page. */
export function onMailChanged(handler: (payload: MailChangedPayload) => void): Promise<Unsubscribe> {
  return subscribe(EVENTS.mailChanged, handler);
}

/** New messages arrived in an account's inbox. */
export function onMailArrived(handler: (payload: MailArrivedPayload) => void): Promise<Unsubscribe> {
  return subscribe(EVENTS.mailArrived, handler);
}

/** A link in a message's frame was clicked (the shell refused to follow it). */
export function onLinkActivated(handler: (payload: LinkActivatedPayload) => void): Promise<Unsubscribe> {
  return subscribe(EVENTS.linkActivated, handler);
}

/** The local calendar store changed: re-query what is shown. */
export function onCalendarChanged(handler: () => void): Promise<Unsubscribe> {
  return subscribe<null>(EVENTS.calendarChanged, () => handler());
}

/** The tasks changed: re-query what is shown. */
export function onTasksChanged(handler: () => void): Promise<Unsubscribe> {
  return subscribe<null>(EVENTS.tasksChanged, () => handler());
}

/** New suggestions were found in mail or chat (the payload is how many). */
export function onTaskSuggestionsChanged(handler: () => void): Promise<Unsubscribe> {
  return subscribe<number>(EVENTS.taskSuggestionsChanged, () => handler());
}

/** The tray menu asks to show an area; the payload is an area id. */
export function onNavigate(handler: (area: string) => void): Promise<Unsubscribe> {
  return subscribe<string>(EVENTS.navigate, handler);
}

/** Subscribes now, unsubscribes when the returned function is called (even if still pending). */
export function subscription(pending: Promise<Unsubscribe>): Unsubscribe {
  let done = false;
  let stop: Unsubscribe | null = null;
  void pending.then((fn) => {
    if (done) fn();
    else stop = fn;
  });
  return () => {
    done = true;
    stop?.();
  };
}

// App-wide state shared through Svelte context: current area, app info, accounts, AI settings,
// toasts. Everything is re-queried from the Rust side after a change; nothing is cached beyond that.
import { getContext, setContext } from 'svelte';
import * as ipc from './ipc';
import { OrbitError } from './ipc';
import type { AreaId } from './areas';
import type { AreaKey } from './shortcuts';
import type { Account, AiSettings, AppInfo } from './types';
import { ToastQueue } from './toasts.svelte';

export type SettingsSection = 'accounts' | 'account-form' | 'ai' | 'notifications' | 'about';

export class OrbitState {
  area = $state<AreaId>('inbox');
  info = $state<AppInfo | null>(null);
  accounts = $state<Account[]>([]);
  ai = $state<AiSettings | null>(null);
  loaded = $state(false);
  loadError = $state<OrbitError | null>(null);
  onboardingSkipped = $state(false);
  shortcutsOpen = $state(false);
  /** The Ctrl/Cmd+K palette is open. */
  paletteOpen = $state(false);
  /** The palette asks the mail view to search for `query` (and open `messageId`'s conversation). */
  searchRequest = $state<{ query: string; messageId: number | null } | null>(null);
  /** The assistant's panel is open beside the current area (Ctrl/Cmd+J). */
  assistantPanel = $state(false);
  /** Another view asks the assistant (Summarise, Draft a reply): a new chat about a message. */
  assistantRequest = $state<{ prompt: string; contextMessage: number | null } | null>(null);
  /** The tray's "Sync now" is checking the accounts. */
  syncing = $state(false);
  /** Bumped by every `go('inbox')` (g i, the sidebar): the mail view then shows the inbox. */
  inboxRequest = $state(0);
  /** The mail view asked for a first sync already (once per run, not per visit). */
  firstSyncRequested = false;
  /** The current area's handler for its single keys (j, k, e…) and Escape; true when handled. */
  keyHandler: ((key: AreaKey | 'Escape', e: KeyboardEvent) => boolean) | null = null;
  /** A request for the calendar to show a day (the inbox's Today panel); `seq` makes repeats count. */
  calendarRequest = $state<{ day: string; seq: number } | null>(null);
  /** A request for the tasks view to show a task's details; `seq` makes repeats count. */
  taskRequest = $state<{ uid: string; seq: number } | null>(null);
  /** A request for the settings view to bring a section into view; `seq` makes repeats count. */
  focusRequest = $state<{ section: SettingsSection; seq: number } | null>(null);
  readonly toasts = new ToastQueue();

  get showOnboarding(): boolean {
    return this.loaded && this.accounts.length === 0 && !this.onboardingSkipped && this.area === 'inbox';
  }

  get hasAiKey(): boolean {
    return Boolean(this.ai && (this.ai.anthropic.has_key || this.ai.openai.has_key));
  }

  /** Opens the assistant with a question, in a new chat: in the panel beside the current
   *  area (the Assistant area itself when that is where the user is). */
  ask(prompt: string, contextMessage: number | null = null): void {
    this.assistantRequest = { prompt, contextMessage };
    if (this.area !== 'assistant') this.assistantPanel = true;
  }

  toggleAssistantPanel(): void {
    if (this.area === 'assistant') return;
    this.assistantPanel = !this.assistantPanel;
  }

  go(area: AreaId, section?: SettingsSection): void {
    this.area = area;
    if (area === 'inbox') this.inboxRequest++;
    if (section) this.focusRequest = { section, seq: (this.focusRequest?.seq ?? 0) + 1 };
  }

  /** Opens a message's conversation in the mail view, found through a search for its subject
   *  (the assistant's citations and the tasks' mail links). */
  openMessage(id: number, subject: string): void {
    const clean = subject.replace(/["\\]/g, ' ').trim();
    this.searchRequest = { query: clean ? `subject:"${clean}"` : String(id), messageId: id };
    this.go('inbox');
  }

  /** Opens the Tasks area on a task's details. */
  openTask(uid: string): void {
    this.taskRequest = { uid, seq: (this.taskRequest?.seq ?? 0) + 1 };
    this.go('tasks');
  }

  /** Opens the calendar's day view on `day` ("YYYY-MM-DD"). */
  openCalendarDay(day: string): void {
    this.calendarRequest = { day, seq: (this.calendarRequest?.seq ?? 0) + 1 };
    this.go('calendar');
  }

  async load(): Promise<void> {
    try {
      const [info, accounts, ai] = await Promise.all([ipc.appInfo(), ipc.accountList(), ipc.settingsGet()]);
      this.info = info;
      this.accounts = accounts;
      this.ai = ai;
      this.loadError = null;
      this.loaded = true;
    } catch (raw) {
      this.loadError = OrbitError.from(raw);
    }
  }

  async refreshSettings(): Promise<void> {
    try {
      this.ai = await ipc.settingsGet();
    } catch (raw) {
      this.toasts.error('Couldn’t refresh the AI provider settings', raw);
    }
  }

  async refreshAccounts(): Promise<void> {
    try {
      this.accounts = await ipc.accountList();
    } catch (raw) {
      this.toasts.error('Couldn’t refresh the account list', raw);
    }
  }
}

const KEY = Symbol('orbit');

export function provideOrbit(state: OrbitState): OrbitState {
  return setContext(KEY, state);
}

export function useOrbit(): OrbitState {
  const state = getContext<OrbitState | undefined>(KEY);
  if (!state) throw new Error('useOrbit() called outside <App>');
  return state;
}

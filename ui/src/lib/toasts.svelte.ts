// Transient messages: success toasts fade on their own, error toasts stay until dismissed and
// carry the technical detail behind a "Details" button.
import { OrbitError } from './ipc';
import { userMessage } from './messages';

export interface Toast {
  id: number;
  kind: 'success' | 'error';
  title: string;
  body: string;
  detail: { code: string; message: string } | null;
  /** A button beside the message, e.g. Undo; pressing it dismisses the toast. */
  action: ToastAction | null;
}

export interface ToastAction {
  label: string;
  run: () => void;
}

export const SUCCESS_MS = 4000;

export class ToastQueue {
  items = $state<Toast[]>([]);
  #next = 1;
  // Bookkeeping only, never rendered: a plain Map on purpose.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #timers = new Map<number, ReturnType<typeof setTimeout>>();

  /** With an `action` (Undo) the toast stays a little longer, so there is time to press it. */
  success(title: string, body = '', action: ToastAction | null = null): number {
    const id = this.#push({ kind: 'success', title, body, detail: null, action });
    this.#timers.set(
      id,
      setTimeout(() => this.dismiss(id), action ? SUCCESS_MS * 1.5 : SUCCESS_MS),
    );
    return id;
  }

  /** `title` says what failed ("Couldn’t save the account"); the body says why, in plain words. */
  error(title: string, raw: unknown): number {
    const err = OrbitError.from(raw);
    return this.#push({ kind: 'error', title, body: userMessage(err), detail: { code: err.code, message: err.message }, action: null });
  }

  dismiss(id: number): void {
    const timer = this.#timers.get(id);
    if (timer) clearTimeout(timer);
    this.#timers.delete(id);
    this.items = this.items.filter((t) => t.id !== id);
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.items = [];
  }

  #push(toast: Omit<Toast, 'id'>): number {
    const id = this.#next++;
    // Keep the stack short: the oldest toasts give way.
    this.items = [...this.items.slice(-3), { id, ...toast }];
    return id;
  }
}

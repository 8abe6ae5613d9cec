// Global keyboard shortcuts: `g <key>` sequences, `?` for the sheet, Escape to back out, and
// the single keys an area acts on (the mail keys). Pure logic over KeyboardEvent-like values so
// it can be tested without a DOM.
import { areaByKey, type AreaId } from './areas';

/** Single keys handed to the current area: Gmail's mail keys, then the calendar's (d w m a views,
 *  t today, n new event, arrows between days and events, Delete), then the tasks' (b board, l
 *  list, h/l across the board's columns; Shift+arrows reach the area as arrows with shiftKey
 *  set). The second key of a `g` sequence never reaches the area: `g l` stays Activity. */
export const AREA_KEYS = [
  'j', 'k', 'o', 'Enter', 'e', '#', 's', 'u', '/', 'c', 'r', 'a', 'f',
  'd', 'w', 'm', 't', 'n', 'ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Delete', 'Backspace',
  'b', 'l', 'h',
] as const;
export type AreaKey = (typeof AREA_KEYS)[number];

export type ShortcutAction = { type: 'go'; area: AreaId } | { type: 'help' } | { type: 'escape' } | { type: 'key'; key: AreaKey };

function isAreaKey(key: string): key is AreaKey {
  return (AREA_KEYS as readonly string[]).includes(key);
}

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target: EventTarget | null;
}

/** How long after `g` the second key still counts. */
export const SEQUENCE_MS = 1500;

export function isEditable(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).closest !== 'function') return false;
  const el = target as HTMLElement;
  if (el.isContentEditable) return true;
  return el.closest('input, textarea, select, [contenteditable="true"]') !== null;
}

/** Returns a handler that maps key presses to actions, remembering a pending `g`. */
export function createShortcutMatcher(now: () => number = () => Date.now()) {
  let gAt: number | null = null;

  return function match(e: KeyLike): ShortcutAction | null {
    if (e.key === 'Escape') {
      gAt = null;
      return { type: 'escape' };
    }
    if (e.ctrlKey || e.metaKey || e.altKey || isEditable(e.target)) {
      gAt = null;
      return null;
    }
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (gAt !== null && now() - gAt <= SEQUENCE_MS) {
      gAt = null;
      const area = areaByKey(key);
      return area ? { type: 'go', area: area.id } : null;
    }
    gAt = null;
    if (key === 'g') {
      gAt = now();
      return null;
    }
    if (e.key === '?') return { type: 'help' };
    if (isAreaKey(key)) return { type: 'key', key };
    return null;
  };
}

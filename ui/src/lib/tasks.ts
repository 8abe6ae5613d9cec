// Task logic without a DOM: the board's columns (grouped and sorted by `order`, reusing the
// arrays of columns that did not change so their keyed blocks are left alone), where a drop or a
// keyboard move lands (the `before` neighbour task_move wants), the list view's filters and
// sorts, the sub-task tree, and the labels for priority and due dates. Work per render is linear
// in the number of tasks (plus the sort inside each column). `today` is passed in.
import { addDays, dayKey, daysBetween, parseDay } from './calendar';
import type { Task, TaskColumn, TaskList, TaskStatus } from './types';

export const DEFAULT_COLUMNS: readonly TaskColumn[] = [
  { id: 'todo', name: 'To do', status: 'needs-action' },
  { id: 'doing', name: 'Doing', status: 'in-process' },
  { id: 'done', name: 'Done', status: 'completed' },
];

export function isDone(t: Pick<Task, 'status'>): boolean {
  return t.status === 'completed' || t.status === 'cancelled';
}

// ---- The board -------------------------------------------------------------------------------

/** The board's columns: one list's, or (all lists) every list's columns merged by id, in the
 *  order they first appear. */
export function boardColumns(lists: TaskList[], listId: number | null): TaskColumn[] {
  const shown = listId === null ? lists : lists.filter((l) => l.id === listId);
  const seen = new Set<string>();
  const out: TaskColumn[] = [];
  for (const l of shown) {
    for (const c of l.columns.length > 0 ? l.columns : DEFAULT_COLUMNS) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      out.push(c);
    }
  }
  return out.length > 0 ? out : [...DEFAULT_COLUMNS];
}

function byOrder(a: Task, b: Task): number {
  return a.order - b.order || a.created_at.localeCompare(b.created_at) || a.uid.localeCompare(b.uid);
}

/** Whether a task shows as a card: top-level, or its parent is not among `tasks`. */
export function topLevel(tasks: Task[]): Task[] {
  if (!tasks.some((t) => t.parent !== null)) return tasks;
  const uids = new Set(tasks.map((t) => t.uid));
  return tasks.filter((t) => t.parent === null || !uids.has(t.parent));
}

function sameItems(a: readonly Task[], b: readonly Task[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Tasks per column (same order as `columns`), sorted by `order`. A task whose column is not on
 *  the board goes to the first column with its status, else the first. When `previous` (the last
 *  result) holds a column with exactly the same task objects, that array is reused, so a move
 *  only changes the columns it touches. */
export function groupByColumn(tasks: readonly Task[], columns: readonly TaskColumn[], previous: readonly Task[][] = []): Task[][] {
  const index = new Map<string, number>();
  columns.forEach((c, i) => index.set(c.id, i));
  const byStatus = new Map<TaskStatus, number>();
  columns.forEach((c, i) => {
    if (!byStatus.has(c.status)) byStatus.set(c.status, i);
  });
  const groups: Task[][] = columns.map(() => []);
  for (const t of tasks) {
    const i = index.get(t.column) ?? byStatus.get(t.status) ?? 0;
    groups[i]?.push(t);
  }
  return groups.map((g, i) => {
    g.sort(byOrder);
    const old = previous[i];
    return old && sameItems(old, g) ? (old as Task[]) : g;
  });
}

/** Where a dragged card lands among a column's cards: the number of card middles above `y`. The
 *  dragged card itself is left out of `middles` by the caller or not; see `beforeFor`. */
export function dropIndex(middles: readonly number[], y: number): number {
  let i = 0;
  while (i < middles.length && middles[i]! < y) i++;
  return i;
}

/** The `before` neighbour for task_move when `dragged` is dropped at `index` of `column` (the
 *  column's cards as shown, which may include the dragged card): the first card from `index`
 *  on that is not the dragged one, or null for the end. */
export function beforeFor(column: readonly Task[], index: number, dragged: string): string | null {
  for (let i = Math.max(0, index); i < column.length; i++) {
    const t = column[i]!;
    if (t.uid !== dragged) return t.uid;
  }
  return null;
}

/** A drop that would leave the card where it is. */
export function isNoOp(column: readonly Task[], task: Task, columnId: string, before: string | null): boolean {
  if (task.column !== columnId) return false;
  const i = column.findIndex((t) => t.uid === task.uid);
  if (i < 0) return false;
  return (column[i + 1]?.uid ?? null) === before;
}

/** An `order` between two neighbours (either may be missing). */
export function orderBetween(prev: number | null, next: number | null): number {
  if (prev === null && next === null) return 1024;
  if (prev === null) return next! - 1024;
  if (next === null) return prev + 1024;
  return (prev + next) / 2;
}

/** The optimistic result of task_move: only the moved task becomes a new object (its column,
 *  status and an order between its new neighbours); everything else keeps its identity. */
export function applyMove(tasks: readonly Task[], groups: readonly Task[][], columns: readonly TaskColumn[], uid: string, columnId: string, before: string | null, now: string): Task[] {
  const ci = columns.findIndex((c) => c.id === columnId);
  const column = columns[ci];
  if (!column) return [...tasks];
  const target = (groups[ci] ?? []).filter((t) => t.uid !== uid);
  const at = before === null ? target.length : target.findIndex((t) => t.uid === before);
  const pos = at < 0 ? target.length : at;
  const order = orderBetween(target[pos - 1]?.order ?? null, target[pos]?.order ?? null);
  return tasks.map((t) => {
    if (t.uid !== uid) return t;
    const completed = column.status === 'completed' || column.status === 'cancelled';
    const wasDone = isDone(t);
    return {
      ...t,
      column: column.id,
      status: column.status,
      order,
      percent: completed ? 100 : t.percent === 100 ? 0 : t.percent,
      completed_at: completed ? (wasDone ? t.completed_at : now) : null,
    };
  });
}

/** The move Shift+arrow asks for: ←/→ to the neighbouring column at the same height, ↑/↓ one
 *  place within the column. Null when there is nowhere to go. */
export function keyboardMove(groups: readonly Task[][], columns: readonly TaskColumn[], uid: string, dir: 'left' | 'right' | 'up' | 'down'): { column: string; before: string | null } | null {
  const ci = groups.findIndex((g) => g.some((t) => t.uid === uid));
  if (ci < 0) return null;
  const col = groups[ci]!;
  const row = col.findIndex((t) => t.uid === uid);
  if (dir === 'left' || dir === 'right') {
    const ti = ci + (dir === 'left' ? -1 : 1);
    const target = columns[ti];
    if (!target) return null;
    return { column: target.id, before: groups[ti]?.[row]?.uid ?? null };
  }
  const id = columns[ci]!.id;
  if (dir === 'up') return row > 0 ? { column: id, before: col[row - 1]!.uid } : null;
  return row < col.length - 1 ? { column: id, before: col[row + 2]?.uid ?? null } : null;
}

// ---- Keyboard focus on the board ---------------------------------------------------------------

export interface BoardCursor {
  col: number;
  row: number;
}

/** j/k (↓/↑) within a column, h/l (←/→) across columns keeping the height where it can. */
export function moveCursor(groups: readonly Task[][], cursor: BoardCursor, key: string): BoardCursor {
  const cols = groups.length;
  if (cols === 0) return { col: 0, row: 0 };
  let col = Math.max(0, Math.min(cols - 1, cursor.col));
  let row = cursor.row;
  const len = (c: number) => groups[c]?.length ?? 0;
  if (key === 'j' || key === 'ArrowDown') row = Math.min(row + 1, Math.max(0, len(col) - 1));
  else if (key === 'k' || key === 'ArrowUp') row = Math.max(0, row - 1);
  else if (key === 'h' || key === 'ArrowLeft') col = Math.max(0, col - 1);
  else if (key === 'l' || key === 'ArrowRight') col = Math.min(cols - 1, col + 1);
  row = Math.max(0, Math.min(row, len(col) - 1));
  return { col, row };
}

/** Where a task is on the board, or null. */
export function cursorOf(groups: readonly Task[][], uid: string): BoardCursor | null {
  for (let col = 0; col < groups.length; col++) {
    const row = groups[col]!.findIndex((t) => t.uid === uid);
    if (row >= 0) return { col, row };
  }
  return null;
}

// ---- Labels -----------------------------------------------------------------------------------

export type PriorityLevel = 'high' | 'medium' | 'low';

/** iCalendar PRIORITY: 1-4 high, 5 medium, 6-9 low, 0 none. */
export function priorityLevel(p: number): PriorityLevel | null {
  if (p >= 1 && p <= 4) return 'high';
  if (p === 5) return 'medium';
  if (p >= 6 && p <= 9) return 'low';
  return null;
}

export function priorityLabel(p: number): string {
  const level = priorityLevel(p);
  return level === 'high' ? 'High' : level === 'medium' ? 'Medium' : level === 'low' ? 'Low' : 'None';
}

/** The PRIORITY value each choice saves. */
export const PRIORITY_CHOICES: readonly { value: number; label: string }[] = [
  { value: 0, label: 'None' },
  { value: 1, label: 'High' },
  { value: 5, label: 'Medium' },
  { value: 9, label: 'Low' },
];

/** The choice (of PRIORITY_CHOICES) a priority shows as. */
export function priorityChoice(p: number): number {
  const level = priorityLevel(p);
  return level === 'high' ? 1 : level === 'medium' ? 5 : level === 'low' ? 9 : 0;
}

/** Sorts before: 1 … 9, then none. */
function priorityRank(p: number): number {
  return p >= 1 && p <= 9 ? p : 10;
}

/** The local day a due value falls on ("YYYY-MM-DD"). */
export function dueDay(due: string): string {
  return due.length === 10 ? due : dayKey(Date.parse(due));
}

export function isOverdue(t: Pick<Task, 'due' | 'status'>, today: string): boolean {
  return t.due !== null && !isDone(t) && dueDay(t.due) < today;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Fri 4 Dec" (with the year when it is not this year's). */
export function shortDay(day: string, today: string): string {
  const d = parseDay(day);
  const base = `${WEEKDAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]}`;
  return day.slice(0, 4) === today.slice(0, 4) ? base : `${base} ${day.slice(0, 4)}`;
}

/** "Overdue · 2 days", "Yesterday" (done), "Today", "Tomorrow", "Fri 4 Dec". */
export function dueLabel(due: string, today: string, done = false): string {
  const day = dueDay(due);
  const diff = daysBetween(today, day);
  if (diff < 0 && !done) return `Overdue · ${-diff} ${diff === -1 ? 'day' : 'days'}`;
  if (diff === 0) return 'Today';
  if (diff === 1) return 'Tomorrow';
  if (diff === -1) return 'Yesterday';
  return shortDay(day, today);
}

export function estimateLabel(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** "Progress 2 of 5". */
export function progressLabel(p: { done: number; total: number }): string {
  return `${p.done} of ${p.total} sub-tasks done`;
}

// ---- The list view -----------------------------------------------------------------------------

export type StatusFilter = 'open' | 'done' | 'all';
export type DueFilter = 'any' | 'overdue' | 'today' | 'week' | 'none';
export type TaskSort = 'score' | 'due' | 'priority' | 'created';

export interface TaskFilter {
  text: string;
  tag: string | null;
  status: StatusFilter;
  due: DueFilter;
}

export const NO_FILTER: TaskFilter = { text: '', tag: null, status: 'open', due: 'any' };

/** Every tag in use, sorted, with how many tasks carry it. */
export function allTags(tasks: readonly Task[]): { tag: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const t of tasks) for (const tag of t.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts].map(([tag, count]) => ({ tag, count })).sort((a, b) => a.tag.localeCompare(b.tag));
}

/** Keeps the tasks that pass every filter; "this week" is today and the six days after (and
 *  overdue ones are not in it). Text matches title, notes and tags, case-insensitively. */
export function filterTasks(tasks: readonly Task[], f: TaskFilter, today: string): Task[] {
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  const weekEnd = addDays(today, 6);
  return tasks.filter((t) => {
    const done = isDone(t);
    if (f.status === 'open' && done) return false;
    if (f.status === 'done' && !done) return false;
    if (f.tag !== null && !t.tags.includes(f.tag)) return false;
    if (f.due !== 'any') {
      if (f.due === 'none') {
        if (t.due !== null) return false;
      } else {
        if (t.due === null) return false;
        const day = dueDay(t.due);
        if (f.due === 'overdue' && !(day < today && !done)) return false;
        if (f.due === 'today' && day !== today) return false;
        if (f.due === 'week' && (day < today || day > weekEnd)) return false;
      }
    }
    if (words.length > 0) {
      const hay = `${t.title} ${t.notes} ${t.tags.map((x) => `#${x}`).join(' ')}`.toLowerCase();
      if (!words.every((w) => hay.includes(w))) return false;
    }
    return true;
  });
}

/** A sorted copy. Score and created: highest/newest first; due: soonest first, undated last;
 *  priority: high first, none last. Ties keep the score order. */
export function sortTasks(tasks: readonly Task[], by: TaskSort): Task[] {
  const out = [...tasks];
  const tie = (a: Task, b: Task) => b.score - a.score || a.title.localeCompare(b.title);
  if (by === 'score') out.sort(tie);
  else if (by === 'created') out.sort((a, b) => b.created_at.localeCompare(a.created_at) || tie(a, b));
  else if (by === 'priority') out.sort((a, b) => priorityRank(a.priority) - priorityRank(b.priority) || tie(a, b));
  else {
    const key = (t: Task) => (t.due === null ? '9999-99-99' : dueDay(t.due));
    out.sort((a, b) => key(a).localeCompare(key(b)) || tie(a, b));
  }
  return out;
}

// ---- Sub-tasks ----------------------------------------------------------------------------------

/** Children of each task, sorted by order (one pass, then one sort per family). */
export function childrenOf(tasks: readonly Task[]): Map<string, Task[]> {
  const map = new Map<string, Task[]>();
  for (const t of tasks) {
    if (t.parent === null) continue;
    const list = map.get(t.parent);
    if (list) list.push(t);
    else map.set(t.parent, [t]);
  }
  for (const list of map.values()) list.sort(byOrder);
  return map;
}

export interface SubtaskRow {
  task: Task;
  /** 0 for a direct child. */
  depth: number;
}

/** The sub-tasks of `uid` at any depth, depth-first in order, as rows to indent. A cycle in bad
 *  data stops at the first repeat. */
export function subtaskRows(tasks: readonly Task[], uid: string, children: Map<string, Task[]> = childrenOf(tasks)): SubtaskRow[] {
  const rows: SubtaskRow[] = [];
  const seen = new Set<string>([uid]);
  const walk = (parent: string, depth: number) => {
    for (const t of children.get(parent) ?? []) {
      if (seen.has(t.uid)) continue;
      seen.add(t.uid);
      rows.push({ task: t, depth });
      walk(t.uid, depth + 1);
    }
  };
  walk(uid, 0);
  return rows;
}

/** The chain of parents from the top down to `uid`'s parent ("Kitchen › Order tiles"). */
export function ancestors(byUid: Map<string, Task>, uid: string): Task[] {
  const out: Task[] = [];
  const seen = new Set<string>([uid]);
  let parent = byUid.get(uid)?.parent ?? null;
  while (parent !== null && !seen.has(parent)) {
    seen.add(parent);
    const t = byUid.get(parent);
    if (!t) break;
    out.unshift(t);
    parent = t.parent;
  }
  return out;
}

// ---- Tags typed in the detail pane -----------------------------------------------------------------

/** "finance, #q4  home" → ["finance", "q4", "home"] (no repeats). */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    const tag = raw.replace(/^#+/, '').trim();
    if (tag && !out.includes(tag)) out.push(tag);
  }
  return out;
}

// ---- Stats ---------------------------------------------------------------------------------------

export interface Bar {
  x: number;
  width: number;
  opened: { y: number; height: number };
  done: { y: number; height: number };
  label: string;
}

/** Paired bars (opened, done) for each bucket in a `width` × `height` box, scaled to the largest
 *  count; a zero count keeps a 1 px stub so the baseline reads. */
export function statsBars(buckets: readonly { start: string; opened: number; done: number }[], width: number, height: number): Bar[] {
  const n = buckets.length;
  if (n === 0) return [];
  const max = Math.max(1, ...buckets.map((b) => Math.max(b.opened, b.done)));
  const slot = width / n;
  const bar = Math.max(1, Math.min(10, (slot - 2) / 2));
  const h = (v: number) => Math.max(1, (v / max) * height);
  return buckets.map((b, i) => {
    const x = i * slot + (slot - bar * 2 - 1) / 2;
    return {
      x,
      width: bar,
      opened: { y: height - h(b.opened), height: h(b.opened) },
      done: { y: height - h(b.done), height: h(b.done) },
      label: `${b.start}: ${b.opened} opened, ${b.done} done`,
    };
  });
}

/** The re-queried tasks, keeping the objects that did not change (so the board's untouched
 *  columns keep their arrays and are not laid out again). */
export function reconcile(previous: readonly Task[], next: readonly Task[]): Task[] {
  const old = new Map(previous.map((t) => [t.uid, t]));
  return next.map((t) => {
    const o = old.get(t.uid);
    return o && sameTask(o, t) ? o : t;
  });
}

/** Field-by-field equality of two tasks as the core sends them (no JSON round trip: a board of
 *  thousands is compared on every reload). */
export function sameTask(a: Task, b: Task): boolean {
  const keys = Object.keys(a) as (keyof Task)[];
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => sameValue(a[k], b[k]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.length === Object.keys(b).length && ka.every((k) => k in rb && sameValue(ra[k], rb[k]));
}

/** The uids of a task and all its sub-tasks. */
export function withDescendants(tasks: readonly Task[], uid: string): Set<string> {
  const children = childrenOf(tasks);
  const out = new Set<string>([uid]);
  const stack = [uid];
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      if (out.has(c.uid)) continue;
      out.add(c.uid);
      stack.push(c.uid);
    }
  }
  return out;
}

/** A selector for the element carrying `value` in attribute `name` (jsdom has no CSS.escape). */
export function byAttr(name: string, value: string): string {
  return `[${name}="${value.replace(/["\\]/g, '\\$&')}"]`;
}

export function todayKey(now: number = Date.now()): string {
  return dayKey(now);
}

// Calendar maths, without a DOM: the days a view shows, where each occurrence goes (lanes in a
// day column, bars in the all-day row, month cells with "+N more"), drag arithmetic snapped to a
// quarter hour, and keyboard focus movement. Days are "YYYY-MM-DD" keys in the viewer's zone;
// timed occurrences are placed by their local wall-clock time (so a DST day still has 09:00 at
// the 09:00 line); all-day dates are never shifted through a time zone. `now` is passed in.
import type { CalendarInfo, EventDraft, Occurrence } from './types';

export type CalendarViewKind = 'day' | 'week' | 'month' | 'agenda';

export const VIEWS: readonly { id: CalendarViewKind; label: string; key: string }[] = [
  { id: 'day', label: 'Day', key: 'd' },
  { id: 'week', label: 'Week', key: 'w' },
  { id: 'month', label: 'Month', key: 'm' },
  { id: 'agenda', label: 'Agenda', key: 'a' },
];

export const DAY_MINUTES = 24 * 60;
/** Drags snap to this many minutes. */
export const SNAP_MINUTES = 15;
/** The agenda shows this many days from its first. */
export const AGENDA_DAYS = 30;
const DAY_MS = 86_400_000;

// ---- Day keys ------------------------------------------------------------------------------

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function parts(key: string): [number, number, number] {
  return [Number(key.slice(0, 4)), Number(key.slice(5, 7)), Number(key.slice(8, 10))];
}

function utcDay(key: string): number {
  const [y, m, d] = parts(key);
  return Date.UTC(y, m - 1, d);
}

function keyOfUtc(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** The local day of a moment. */
export function dayKey(d: Date | number): string {
  const date = typeof d === 'number' ? new Date(d) : d;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Local midnight of a day. */
export function parseDay(key: string): Date {
  const [y, m, d] = parts(key);
  return new Date(y, m - 1, d);
}

export function addDays(key: string, n: number): string {
  return keyOfUtc(utcDay(key) + n * DAY_MS);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((utcDay(to) - utcDay(from)) / DAY_MS);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(key: string): number {
  return new Date(utcDay(key)).getUTCDay();
}

/** The first day of `key`'s week; weeks start on `weekStart` (1 = Monday). */
export function startOfWeek(key: string, weekStart = 1): string {
  return addDays(key, -((weekday(key) - weekStart + 7) % 7));
}

/** The same day `n` months on, clamped to the month's last day. */
export function addMonths(key: string, n: number): string {
  const [y, m, d] = parts(key);
  const first = new Date(Date.UTC(y, m - 1 + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return `${first.getUTCFullYear()}-${pad(first.getUTCMonth() + 1)}-${pad(Math.min(d, last))}`;
}

/** The days a view shows around `anchor`: a day, a week, a 6×7 month grid, or the agenda's 30 days. */
export function viewDays(view: CalendarViewKind, anchor: string, weekStart = 1): string[] {
  let first = anchor;
  let count = 1;
  if (view === 'week') {
    first = startOfWeek(anchor, weekStart);
    count = 7;
  } else if (view === 'month') {
    first = startOfWeek(`${anchor.slice(0, 7)}-01`, weekStart);
    count = 42;
  } else if (view === 'agenda') {
    count = AGENDA_DAYS;
  }
  return Array.from({ length: count }, (_, i) => addDays(first, i));
}

/** RFC 3339 UTC without milliseconds, as the Rust side writes it. */
export function utcStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The query for `days`: from the first one's local midnight to the midnight after the last. */
export function daysRange(days: readonly string[]): { from: string; to: string } {
  const first = days[0] ?? dayKey(new Date());
  const last = days[days.length - 1] ?? first;
  return { from: utcStamp(parseDay(first).getTime()), to: utcStamp(parseDay(addDays(last, 1)).getTime()) };
}

/** The anchor of the previous (`-1`) or next (`1`) period. */
export function stepAnchor(view: CalendarViewKind, anchor: string, dir: number): string {
  if (view === 'day') return addDays(anchor, dir);
  if (view === 'week') return addDays(anchor, 7 * dir);
  if (view === 'month') return addMonths(anchor, dir);
  return addDays(anchor, AGENDA_DAYS * dir);
}

/** The toolbar's title: "Thursday, 26 November 2026", "23 – 29 Nov 2026", "November 2026". */
export function periodTitle(view: CalendarViewKind, anchor: string, days: readonly string[], locale?: string): string {
  if (view === 'day') return parseDay(anchor).toLocaleDateString(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  if (view === 'month') return parseDay(anchor).toLocaleDateString(locale, { month: 'long', year: 'numeric' });
  const first = parseDay(days[0] ?? anchor);
  const last = parseDay(days[days.length - 1] ?? anchor);
  const format = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric' });
  return typeof format.formatRange === 'function' ? format.formatRange(first, last) : `${format.format(first)} – ${format.format(last)}`;
}

// ---- Where occurrences go --------------------------------------------------------------------

/** Minutes since local midnight on the wall clock. */
export function wallMinutes(ms: number): number {
  const d = new Date(ms);
  return d.getHours() * 60 + d.getMinutes();
}

/** The local moment `minutes` after a day's midnight on the wall clock. */
export function atMinutes(day: string, minutes: number): number {
  const [y, m, d] = parts(day);
  return new Date(y, m - 1, d, 0, minutes).getTime();
}

/** An all-day occurrence's first day and its exclusive end day (at least one day long). */
export function allDaySpan(o: Occurrence): { first: string; end: string } {
  const first = o.start.slice(0, 10);
  const end = o.end.slice(0, 10);
  return { first, end: end > first ? end : addDays(first, 1) };
}

/** Start and end in epoch ms of a timed occurrence (end never before start); null if unreadable. */
function timedBounds(o: Occurrence): [number, number] | null {
  const s = Date.parse(o.start);
  const e = Date.parse(o.end);
  if (Number.isNaN(s)) return null;
  return [s, Number.isNaN(e) || e < s ? s : e];
}

/** The local midnights of `days` and the one after the last. */
function midnights(days: readonly string[]): number[] {
  const out = days.map((d) => parseDay(d).getTime());
  if (days.length > 0) out.push(parseDay(addDays(days[days.length - 1]!, 1)).getTime());
  return out;
}

/** Index of the last midnight at or before `ms` (0 when before them all). */
function dayAt(edges: readonly number[], ms: number): number {
  let lo = 0;
  let hi = edges.length - 2;
  if (hi < 0 || ms < edges[0]!) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid]! <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Calls `visit(dayIndex)` for each shown day a timed occurrence touches. */
function eachTimedDay(bounds: [number, number], edges: readonly number[], visit: (i: number) => void): void {
  const [s, e] = bounds;
  const n = edges.length - 1;
  for (let i = dayAt(edges, s); i < n; i++) {
    const start = edges[i]!;
    const end = edges[i + 1]!;
    if (s >= end) continue;
    if (e > start || (e === s && s >= start)) visit(i);
    else break;
  }
}

/** One piece of a timed occurrence in one day column: minutes from local midnight, and its lane. */
export interface TimedSlot {
  occ: Occurrence;
  /** Its index in the list laid out. */
  index: number;
  /** Index of the day column. */
  day: number;
  top: number;
  bottom: number;
  lane: number;
  /** Lanes in its group of overlapping occurrences (it takes 1/lanes of the width). */
  lanes: number;
  /** It started on an earlier day / goes on after this one. */
  startsBefore: boolean;
  endsAfter: boolean;
}

/** Lays timed occurrences out in day columns: split at midnight, overlapping ones side by side.
 *  An occurrence shorter than `minMinutes` still takes that much room (so it stays readable). */
export function layoutTimed(occs: readonly Occurrence[], days: readonly string[], minMinutes = SNAP_MINUTES): TimedSlot[][] {
  const columns: TimedSlot[][] = days.map(() => []);
  const edges = midnights(days);
  occs.forEach((occ, index) => {
    if (occ.all_day) return;
    const bounds = timedBounds(occ);
    if (!bounds) return;
    const [s, e] = bounds;
    eachTimedDay(bounds, edges, (i) => {
      const start = edges[i]!;
      const end = edges[i + 1]!;
      const top = s <= start ? 0 : wallMinutes(s);
      const bottom = e >= end ? DAY_MINUTES : Math.max(top, wallMinutes(e));
      columns[i]!.push({ occ, index, day: i, top, bottom, lane: 0, lanes: 1, startsBefore: s < start, endsAfter: e > end });
    });
  });
  for (const column of columns) assignLanes(column, minMinutes);
  return columns;
}

function assignLanes(slots: TimedSlot[], minMinutes: number): void {
  slots.sort((a, b) => a.top - b.top || b.bottom - a.bottom || a.index - b.index);
  const laneEnds: number[] = [];
  let group: TimedSlot[] = [];
  let groupEnd = -1;
  const close = () => {
    for (const s of group) s.lanes = laneEnds.length;
    group = [];
    laneEnds.length = 0;
  };
  for (const slot of slots) {
    const end = Math.max(slot.bottom, slot.top + minMinutes);
    if (group.length > 0 && slot.top >= groupEnd) close();
    let lane = laneEnds.findIndex((e) => e <= slot.top);
    if (lane < 0) {
      lane = laneEnds.length;
      laneEnds.push(end);
    } else {
      laneEnds[lane] = end;
    }
    slot.lane = lane;
    group.push(slot);
    groupEnd = Math.max(groupEnd, end);
  }
  close();
}

/** An all-day occurrence in the all-day row: columns [col, col + span), and its row. */
export interface AllDayBar {
  occ: Occurrence;
  index: number;
  col: number;
  span: number;
  row: number;
  startsBefore: boolean;
  endsAfter: boolean;
}

/** Packs all-day occurrences into rows of bars over `days` (end dates are exclusive). */
export function layoutAllDay(occs: readonly Occurrence[], days: readonly string[]): { bars: AllDayBar[]; rows: number } {
  const first = days[0];
  if (!first) return { bars: [], rows: 0 };
  const n = days.length;
  const bars: AllDayBar[] = [];
  occs.forEach((occ, index) => {
    if (!occ.all_day) return;
    const span = allDaySpan(occ);
    const from = daysBetween(first, span.first);
    const to = daysBetween(first, span.end);
    if (to <= 0 || from >= n) return;
    const col = Math.max(0, from);
    bars.push({ occ, index, col, span: Math.min(n, to) - col, row: 0, startsBefore: from < 0, endsAfter: to > n });
  });
  bars.sort((a, b) => a.col - b.col || b.span - a.span || a.index - b.index);
  const rowEnds: number[] = [];
  for (const bar of bars) {
    let row = rowEnds.findIndex((end) => end <= bar.col);
    if (row < 0) row = rowEnds.push(0) - 1;
    rowEnds[row] = bar.col + bar.span;
    bar.row = row;
  }
  return { bars, rows: rowEnds.length };
}

/** For each day, the indexes of the occurrences on it: all-day ones first, then timed by start. */
export function bucketByDay(occs: readonly Occurrence[], days: readonly string[]): number[][] {
  const first = days[0];
  const allDay: number[][] = days.map(() => []);
  const timed: number[][] = days.map(() => []);
  if (!first) return [];
  const edges = midnights(days);
  const n = days.length;
  occs.forEach((occ, index) => {
    if (occ.all_day) {
      const span = allDaySpan(occ);
      const to = Math.min(n, daysBetween(first, span.end));
      for (let i = Math.max(0, daysBetween(first, span.first)); i < to; i++) allDay[i]!.push(index);
      return;
    }
    const bounds = timedBounds(occ);
    if (bounds) eachTimedDay(bounds, edges, (i) => timed[i]!.push(index));
  });
  const startOf = (i: number) => Date.parse(occs[i]!.start);
  return days.map((_, i) => [...allDay[i]!, ...timed[i]!.sort((a, b) => startOf(a) - startOf(b) || a - b)]);
}

export interface MonthCell {
  day: string;
  /** What fits (indexes into the occurrences). */
  shown: number[];
  /** How many more there are ("+N more"). */
  more: number;
}

/** Month cells holding at most `capacity` lines each: when more occurrences fall on a day, the
 *  last line says "+N more" instead. */
export function layoutMonth(occs: readonly Occurrence[], days: readonly string[], capacity: number): MonthCell[] {
  const buckets = bucketByDay(occs, days);
  const lines = Math.max(1, capacity);
  return days.map((day, i) => {
    const all = buckets[i] ?? [];
    if (all.length <= lines) return { day, shown: all, more: 0 };
    const shown = all.slice(0, lines - 1);
    return { day, shown, more: all.length - shown.length };
  });
}

/** The agenda: days that have occurrences, each with its occurrences in order. */
export function agendaGroups(occs: readonly Occurrence[], days: readonly string[]): { day: string; items: number[] }[] {
  const buckets = bucketByDay(occs, days);
  return days.map((day, i) => ({ day, items: buckets[i] ?? [] })).filter((g) => g.items.length > 0);
}

// ---- Dragging ------------------------------------------------------------------------------

/** Rounds minutes to the snap step, within the day. */
export function snapMinutes(minutes: number, step = SNAP_MINUTES): number {
  return Math.min(DAY_MINUTES, Math.max(0, Math.round(minutes / step) * step));
}

/** A pointer's y in a day column (0 = midnight) as snapped minutes. */
export function yToMinutes(y: number, pxPerHour: number, step = SNAP_MINUTES): number {
  return snapMinutes((y / pxPerHour) * 60, step);
}

/** Where an occurrence goes when dragged `dayDelta` columns and `minuteDelta` minutes: its start
 *  snaps to the step and its duration is kept. All-day occurrences move by whole days. */
export function moveBy(occ: Occurrence, dayDelta: number, minuteDelta: number, step = SNAP_MINUTES): { start: string; end: string } {
  if (occ.all_day) {
    const span = allDaySpan(occ);
    return { start: addDays(span.first, dayDelta), end: addDays(span.end, dayDelta) };
  }
  const bounds = timedBounds(occ);
  if (!bounds) return { start: occ.start, end: occ.end };
  const [s, e] = bounds;
  const day = addDays(dayKey(s), dayDelta);
  const minutes = Math.min(DAY_MINUTES - step, Math.max(0, Math.round((wallMinutes(s) + minuteDelta) / step) * step));
  const start = atMinutes(day, minutes);
  return { start: utcStamp(start), end: utcStamp(start + (e - s)) };
}

/** The new event a drag from `a` to `b` minutes on `day` makes (either direction); a click
 *  without a drag makes an hour. */
export function createRange(day: string, a: number, b: number, step = SNAP_MINUTES): { start: string; end: string } {
  let lo = snapMinutes(Math.min(a, b), step);
  let hi = snapMinutes(Math.max(a, b), step);
  if (hi - lo < step) hi = lo + 60;
  if (hi > DAY_MINUTES) {
    hi = DAY_MINUTES;
    lo = Math.min(lo, hi - step);
  }
  return { start: utcStamp(atMinutes(day, lo)), end: utcStamp(atMinutes(day, hi)) };
}

export function draftFromRange(day: string, a: number, b: number): EventDraft {
  return { summary: '', location: '', ...createRange(day, a, b), all_day: false };
}

export function allDayDraft(day: string): EventDraft {
  return { summary: '', location: '', start: day, end: addDays(day, 1), all_day: true };
}

// ---- Keyboard focus ------------------------------------------------------------------------

/** The focused day, and the focused occurrence in it (its place in the day's order), or none. */
export interface CalendarFocus {
  day: string;
  item: number | null;
}

export type NavKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown';

export function isNavKey(key: string): key is NavKey {
  return key === 'ArrowLeft' || key === 'ArrowRight' || key === 'ArrowUp' || key === 'ArrowDown';
}

/** Moves focus. Day/week: ←/→ change day (keeping the place in the day's list), ↑/↓ move through
 *  the day's occurrences (above the first is the day itself). Month: ←/→ a day, ↑/↓ a week.
 *  Agenda: ↑/↓ through every listed occurrence, ←/→ to the previous/next listed day. The day may
 *  land outside `days`: the view then moves there. */
export function moveFocus(focus: CalendarFocus, key: NavKey, view: CalendarViewKind, days: readonly string[], count: (day: string) => number): CalendarFocus {
  if (view === 'month') {
    const step = key === 'ArrowLeft' ? -1 : key === 'ArrowRight' ? 1 : key === 'ArrowUp' ? -7 : 7;
    return { day: addDays(focus.day, step), item: null };
  }
  if (view === 'agenda') {
    const listed = days.filter((d) => count(d) > 0);
    const at = listed.indexOf(focus.day);
    const item = focus.item ?? -1;
    if (key === 'ArrowDown' && at >= 0 && item + 1 < count(focus.day)) return { day: focus.day, item: item + 1 };
    if (key === 'ArrowUp' && at >= 0 && item > 0) return { day: focus.day, item: item - 1 };
    const forward = key === 'ArrowDown' || key === 'ArrowRight';
    const next = at < 0 ? (forward ? listed.find((d) => d > focus.day) : [...listed].reverse().find((d) => d < focus.day)) : listed[at + (forward ? 1 : -1)];
    if (!next) return focus;
    return { day: next, item: key === 'ArrowUp' ? count(next) - 1 : 0 };
  }
  if (key === 'ArrowLeft' || key === 'ArrowRight') {
    const day = addDays(focus.day, key === 'ArrowLeft' ? -1 : 1);
    const n = count(day);
    return { day, item: focus.item === null || n === 0 ? null : Math.min(focus.item, n - 1) };
  }
  const n = count(focus.day);
  if (key === 'ArrowDown') return { day: focus.day, item: n === 0 ? null : Math.min((focus.item ?? -1) + 1, n - 1) };
  return { day: focus.day, item: focus.item === null || focus.item === 0 ? null : focus.item - 1 };
}

// ---- Colours and labels ------------------------------------------------------------------

/** Calendar colours when the server names none: distinct, readable as a tint in both themes. */
export const PALETTE = ['#3f7dd9', '#2e9d6a', '#d9822b', '#c4487f', '#7b5fd0', '#1e9bb3', '#b58a1c', '#6b7686'] as const;

export function calendarColour(cal: Pick<CalendarInfo, 'id' | 'colour'>): string {
  if (/^#[0-9a-f]{6}$/i.test(cal.colour)) return cal.colour;
  return PALETTE[Math.abs(cal.id) % PALETTE.length]!;
}

/** Local clock time: "09:30" or "9:30 AM", as the locale writes it. */
export function clock(ms: number, locale?: string): string {
  return new Date(ms).toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' });
}

/** "All day", "09:00 – 10:00", "All day, 24 – 26 Nov", "Tue 09:00 – Wed 10:00". */
export function whenLabel(o: Pick<Occurrence, 'start' | 'end' | 'all_day'>, locale?: string): string {
  if (o.all_day) {
    const span = allDaySpan(o as Occurrence);
    const last = addDays(span.end, -1);
    if (last === span.first) return 'All day';
    const format = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' });
    return `All day, ${format.format(parseDay(span.first))} – ${format.format(parseDay(last))}`;
  }
  const s = Date.parse(o.start);
  const e = Date.parse(o.end);
  if (Number.isNaN(s)) return o.start;
  if (Number.isNaN(e) || e <= s) return clock(s, locale);
  if (dayKey(s) === dayKey(e) || (e - s <= DAY_MS && wallMinutes(e) === 0 && dayKey(e - 1) === dayKey(s))) return `${clock(s, locale)} – ${clock(e, locale)}`;
  const day = (ms: number) => new Date(ms).toLocaleDateString(locale, { weekday: 'short', day: 'numeric', month: 'short' });
  return `${day(s)} ${clock(s, locale)} – ${day(e)} ${clock(e, locale)}`;
}

/** "Thursday 26 November" (with the year when not `now`'s). */
export function dayLabel(day: string, now: number, locale?: string): string {
  const sameYear = day.slice(0, 4) === dayKey(now).slice(0, 4);
  return parseDay(day).toLocaleDateString(locale, { weekday: 'long', day: 'numeric', month: 'long', ...(sameYear ? {} : { year: 'numeric' }) });
}

/** A draft's day and time for the preview: "Tue 2 Dec · 12:30 – 13:30". */
export function draftWhen(d: EventDraft, locale?: string): { day: string; time: string } {
  const first = d.all_day ? d.start.slice(0, 10) : dayKey(Date.parse(d.start));
  const day = parseDay(first).toLocaleDateString(locale, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
  return { day, time: whenLabel(d, locale) };
}

// ---- Hidden calendars (remembered on this computer) -------------------------------------------

export const HIDDEN_KEY = 'orbit.calendar.hidden';

export function loadHidden(storage: Pick<Storage, 'getItem'> | null): number[] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(HIDDEN_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((x): x is number => typeof x === 'number') : [];
  } catch {
    return [];
  }
}

export function saveHidden(storage: Pick<Storage, 'setItem'> | null, hidden: readonly number[]): void {
  try {
    storage?.setItem(HIDDEN_KEY, JSON.stringify([...hidden].sort((a, b) => a - b)));
  } catch {
    // Storage full or refused: the choice lasts for this run only.
  }
}

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  addMonths,
  agendaGroups,
  bucketByDay,
  calendarColour,
  createRange,
  daysRange,
  layoutAllDay,
  layoutMonth,
  layoutTimed,
  loadHidden,
  moveBy,
  moveFocus,
  PALETTE,
  saveHidden,
  startOfWeek,
  stepAnchor,
  viewDays,
  whenLabel,
  yToMinutes,
  type CalendarFocus,
} from './calendar';
import type { Occurrence } from './types';

// Placement depends on the viewer's zone: these tests run in London, where the clocks change.
beforeAll(() => {
  vi.stubEnv('TZ', 'Europe/London');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

let uid = 0;
function occ(start: string, end: string, extra: Partial<Occurrence> = {}): Occurrence {
  return {
    calendar_id: 1,
    uid: `e${++uid}`,
    summary: 'Event',
    location: '',
    start,
    end,
    all_day: start.length === 10,
    is_override: false,
    recurring: false,
    recurrence_id: null,
    invited: false,
    ...extra,
  };
}

const WEEK = viewDays('week', '2026-11-26');

describe('calendar: ranges', () => {
  it('gives a Monday-started week, or a Sunday-started one when asked', () => {
    expect(WEEK).toEqual(['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29']);
    expect(viewDays('week', '2026-11-26', 0)[0]).toBe('2026-11-22');
    expect(startOfWeek('2026-11-23'), 'a Monday is its own week start').toBe('2026-11-23');
    expect(viewDays('day', '2026-11-26')).toEqual(['2026-11-26']);
  });

  it('gives a 6×7 month grid starting on the week of the 1st, and 30 agenda days', () => {
    const month = viewDays('month', '2026-11-26');
    expect(month).toHaveLength(42);
    expect(month[0], '1 November 2026 is a Sunday: its week starts on 26 October').toBe('2026-10-26');
    expect(month[41]).toBe('2026-12-06');
    const agenda = viewDays('agenda', '2026-11-26');
    expect(agenda).toHaveLength(30);
    expect(agenda[29]).toBe('2026-12-25');
  });

  it('queries from local midnight to the midnight after the last day, across a clock change', () => {
    expect(daysRange(viewDays('week', '2026-03-25'))).toEqual({ from: '2026-03-23T00:00:00Z', to: '2026-03-29T23:00:00Z' });
    expect(daysRange(['2026-07-01'])).toEqual({ from: '2026-06-30T23:00:00Z', to: '2026-07-01T23:00:00Z' });
  });

  it('steps by a day, a week, a month (clamped) or the agenda’s 30 days', () => {
    expect(stepAnchor('day', '2026-12-31', 1)).toBe('2027-01-01');
    expect(stepAnchor('week', '2026-11-26', -1)).toBe('2026-11-19');
    expect(stepAnchor('month', '2026-01-31', 1), 'no 31 February').toBe('2026-02-28');
    expect(addMonths('2026-12-15', 1)).toBe('2027-01-15');
    expect(stepAnchor('agenda', '2026-11-26', 1)).toBe('2026-12-26');
  });
});

describe('calendar: timed layout', () => {
  it('puts overlapping occurrences side by side and reuses a lane once it is free', () => {
    const a = occ('2026-11-26T09:00:00Z', '2026-11-26T10:00:00Z');
    const b = occ('2026-11-26T09:30:00Z', '2026-11-26T10:30:00Z');
    const c = occ('2026-11-26T10:00:00Z', '2026-11-26T11:00:00Z');
    const d = occ('2026-11-26T13:00:00Z', '2026-11-26T14:00:00Z');
    const [col] = layoutTimed([a, b, c, d], ['2026-11-26']);
    const by = (o: Occurrence) => col!.find((s) => s.occ === o)!;
    expect([by(a).top, by(a).bottom]).toEqual([540, 600]);
    expect([by(a).lane, by(b).lane, by(c).lane], 'c starts when a ends: a’s lane').toEqual([0, 1, 0]);
    expect([by(a).lanes, by(b).lanes, by(c).lanes]).toEqual([2, 2, 2]);
    expect([by(d).lane, by(d).lanes], 'alone in the afternoon: full width').toEqual([0, 1]);
  });

  it('splits an occurrence that crosses midnight into one piece per day', () => {
    const late = occ('2026-11-26T22:00:00Z', '2026-11-27T02:00:00Z');
    const cols = layoutTimed([late], WEEK);
    expect(cols[3]).toEqual([expect.objectContaining({ top: 1320, bottom: 1440, startsBefore: false, endsAfter: true })]);
    expect(cols[4]).toEqual([expect.objectContaining({ top: 0, bottom: 120, startsBefore: true, endsAfter: false })]);
    expect(cols.flat()).toHaveLength(2);
    const edge = occ('2026-11-26T23:00:00Z', '2026-11-27T00:00:00Z');
    expect(layoutTimed([edge], WEEK).flat(), 'ending at midnight stays on its day').toHaveLength(1);
  });

  it('places by the local wall clock on the days the clocks change', () => {
    // 29 March 2026: 01:00 GMT becomes 02:00 BST. 09:00 BST is 08:00 UTC.
    const spring = occ('2026-03-29T08:00:00Z', '2026-03-29T09:00:00Z');
    expect(layoutTimed([spring], ['2026-03-29'])[0]).toEqual([expect.objectContaining({ top: 540, bottom: 600 })]);
    // 25 October 2026: 02:00 BST becomes 01:00 GMT. 09:00 GMT is 09:00 UTC.
    const autumn = occ('2026-10-25T09:00:00Z', '2026-10-25T10:00:00Z');
    expect(layoutTimed([autumn], ['2026-10-25'])[0]).toEqual([expect.objectContaining({ top: 540, bottom: 600 })]);
    const summer = occ('2026-07-01T08:00:00Z', '2026-07-01T08:30:00Z');
    expect(layoutTimed([summer], ['2026-07-01'])[0]![0]).toMatchObject({ top: 540, bottom: 570 });
  });

  it('lays out 2,000 occurrences in a week without overlaps inside a lane', () => {
    const occs: Occurrence[] = [];
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const start = Date.UTC(2026, 10, 23) + Math.floor(rand() * 7 * 96) * 15 * 60_000;
      const length = (1 + Math.floor(rand() * 12)) * 15 * 60_000;
      occs.push(occ(new Date(start).toISOString(), new Date(start + length).toISOString()));
    }
    const cols = layoutTimed(occs, WEEK);
    const pieces = cols.flat();
    expect(pieces.length).toBeGreaterThanOrEqual(2000);
    expect(new Set(pieces.map((p) => p.index)).size, 'every occurrence placed').toBe(2000);
    for (const col of cols) {
      for (const s of col) {
        expect(s.lane).toBeLessThan(s.lanes);
        expect(s.top).toBeGreaterThanOrEqual(0);
        expect(s.bottom).toBeLessThanOrEqual(1440);
      }
      for (let i = 0; i < col.length; i++) {
        for (let j = i + 1; j < col.length; j++) {
          const x = col[i]!;
          const y = col[j]!;
          const overlap = x.top < Math.max(y.bottom, y.top + 15) && y.top < Math.max(x.bottom, x.top + 15);
          if (overlap) {
            expect(x.lane === y.lane, `overlapping ${x.index} and ${y.index} share lane ${x.lane}`).toBe(false);
            expect(x.lanes, 'one group, one width').toBe(y.lanes);
          }
        }
      }
    }
  });
});

describe('calendar: all-day row and month', () => {
  it('treats the end date as exclusive and packs bars into rows', () => {
    const one = occ('2026-11-26', '2026-11-27', { summary: 'one day' });
    const trip = occ('2026-11-25', '2026-11-28', { summary: 'trip' });
    const before = occ('2026-11-20', '2026-11-25', { summary: 'before' });
    const gone = occ('2026-11-20', '2026-11-23', { summary: 'ended Sunday' });
    const timed = occ('2026-11-26T09:00:00Z', '2026-11-26T10:00:00Z');
    const { bars, rows } = layoutAllDay([one, trip, before, gone, timed], WEEK);
    const by = (o: Occurrence) => bars.find((b) => b.occ === o);
    expect(by(gone), 'ends (exclusively) on the week’s first day').toBeUndefined();
    expect(by(timed)).toBeUndefined();
    expect(by(one)).toMatchObject({ col: 3, span: 1 });
    expect(by(trip)).toMatchObject({ col: 2, span: 3, startsBefore: false, endsAfter: false });
    expect(by(before)).toMatchObject({ col: 0, span: 2, startsBefore: true, row: 0 });
    expect(by(trip)!.row, 'trip starts the day "before" ends: same row').toBe(0);
    expect(by(one)!.row).toBe(1);
    expect(rows).toBe(2);
    const bad = occ('2026-11-26', '2026-11-26');
    expect(layoutAllDay([bad], WEEK).bars[0], 'an end not after the start means one day').toMatchObject({ col: 3, span: 1 });
  });

  it('fills month cells all-day first and says "+N more" when a day overflows', () => {
    const days = viewDays('month', '2026-11-26');
    const at = days.indexOf('2026-11-26');
    const timed = [9, 10, 11, 12].map((h) => occ(`2026-11-26T${String(h).padStart(2, '0')}:00:00Z`, `2026-11-26T${String(h).padStart(2, '0')}:30:00Z`));
    const allDay = occ('2026-11-25', '2026-11-27');
    const occs = [...timed, allDay];
    const cells = layoutMonth(occs, days, 3);
    expect(cells[at]!.shown.map((i) => occs[i])).toEqual([allDay, timed[0]]);
    expect(cells[at]!.more).toBe(3);
    expect(cells[at - 1]).toMatchObject({ shown: [4], more: 0 });
    expect(cells[at + 1]!.shown, 'the exclusive end day is free').toEqual([]);
    expect(layoutMonth(occs, days, 5)[at]).toMatchObject({ more: 0 });
  });

  it('groups the agenda by day, skipping empty days', () => {
    const occs = [occ('2026-11-26T09:00:00Z', '2026-11-26T10:00:00Z'), occ('2026-11-28', '2026-11-29')];
    expect(agendaGroups(occs, viewDays('agenda', '2026-11-26'))).toEqual([
      { day: '2026-11-26', items: [0] },
      { day: '2026-11-28', items: [1] },
    ]);
    expect(bucketByDay(occs, ['2026-11-27'])).toEqual([[]]);
  });
});

describe('calendar: dragging', () => {
  it('turns a pointer position into minutes snapped to a quarter hour', () => {
    expect(yToMinutes(100, 48)).toBe(120);
    expect(yToMinutes(-20, 48)).toBe(0);
    expect(yToMinutes(5000, 48)).toBe(1440);
  });

  it('moves keeping the duration, snapping the start, across a clock change', () => {
    const e = occ('2026-11-26T09:00:00Z', '2026-11-26T09:45:00Z');
    expect(moveBy(e, 1, 37)).toEqual({ start: '2026-11-27T09:30:00Z', end: '2026-11-27T10:15:00Z' });
    expect(moveBy(e, 0, -600), 'not before midnight').toEqual({ start: '2026-11-26T00:00:00Z', end: '2026-11-26T00:45:00Z' });
    const saturday = occ('2026-03-28T09:00:00Z', '2026-03-28T10:00:00Z');
    expect(moveBy(saturday, 1, 0), '09:00 GMT on Saturday → 09:00 BST on Sunday').toEqual({ start: '2026-03-29T08:00:00Z', end: '2026-03-29T09:00:00Z' });
    const trip = occ('2026-11-25', '2026-11-28');
    expect(moveBy(trip, 2, 0)).toEqual({ start: '2026-11-27', end: '2026-11-30' });
  });

  it('creates from a dragged range in either direction; a click makes an hour', () => {
    expect(createRange('2026-11-26', 600, 553)).toEqual({ start: '2026-11-26T09:15:00Z', end: '2026-11-26T10:00:00Z' });
    expect(createRange('2026-11-26', 600, 604)).toEqual({ start: '2026-11-26T10:00:00Z', end: '2026-11-26T11:00:00Z' });
    expect(createRange('2026-07-01', 1430, 1430), 'summer time; not past midnight').toEqual({ start: '2026-07-01T22:45:00Z', end: '2026-07-01T23:00:00Z' });
  });
});

describe('calendar: keyboard focus', () => {
  const counts: Record<string, number> = { '2026-11-24': 2, '2026-11-26': 3, '2026-11-27': 1 };
  const count = (d: string) => counts[d] ?? 0;

  it('walks a day’s occurrences with ↑/↓ and keeps the place across days with ←/→', () => {
    let f: CalendarFocus = { day: '2026-11-26', item: null };
    f = moveFocus(f, 'ArrowDown', 'week', WEEK, count);
    expect(f).toEqual({ day: '2026-11-26', item: 0 });
    f = moveFocus(moveFocus(moveFocus(f, 'ArrowDown', 'week', WEEK, count), 'ArrowDown', 'week', WEEK, count), 'ArrowDown', 'week', WEEK, count);
    expect(f, 'stops at the last').toEqual({ day: '2026-11-26', item: 2 });
    expect(moveFocus(f, 'ArrowRight', 'week', WEEK, count)).toEqual({ day: '2026-11-27', item: 0 });
    expect(moveFocus(f, 'ArrowLeft', 'week', WEEK, count), 'an empty day: the day itself').toEqual({ day: '2026-11-25', item: null });
    expect(moveFocus({ day: '2026-11-26', item: 0 }, 'ArrowUp', 'week', WEEK, count)).toEqual({ day: '2026-11-26', item: null });
    expect(moveFocus({ day: '2026-11-29', item: null }, 'ArrowRight', 'week', WEEK, count).day, 'into next week').toBe('2026-11-30');
  });

  it('moves by days and weeks in a month, and through listed occurrences in the agenda', () => {
    expect(moveFocus({ day: '2026-11-26', item: null }, 'ArrowDown', 'month', [], count)).toEqual({ day: '2026-12-03', item: null });
    expect(moveFocus({ day: '2026-11-26', item: null }, 'ArrowLeft', 'month', [], count)).toEqual({ day: '2026-11-25', item: null });
    const days = viewDays('agenda', '2026-11-24');
    expect(moveFocus({ day: '2026-11-24', item: 1 }, 'ArrowDown', 'agenda', days, count)).toEqual({ day: '2026-11-26', item: 0 });
    expect(moveFocus({ day: '2026-11-26', item: 0 }, 'ArrowUp', 'agenda', days, count)).toEqual({ day: '2026-11-24', item: 1 });
    expect(moveFocus({ day: '2026-11-27', item: 0 }, 'ArrowDown', 'agenda', days, count), 'the end').toEqual({ day: '2026-11-27', item: 0 });
  });
});

describe('calendar: colours, labels, hidden calendars', () => {
  it('keeps a server colour and picks a stable palette colour otherwise', () => {
    expect(calendarColour({ id: 3, colour: '#AA3300' })).toBe('#AA3300');
    expect(calendarColour({ id: 3, colour: '' })).toBe(PALETTE[3]);
    expect(calendarColour({ id: 3, colour: 'red' })).toBe(calendarColour({ id: 3, colour: '' }));
  });

  it('labels one-day and multi-day all-day occurrences', () => {
    expect(whenLabel(occ('2026-11-26', '2026-11-27'), 'en-GB')).toBe('All day');
    expect(whenLabel(occ('2026-11-25', '2026-11-28'), 'en-GB')).toBe('All day, 25 Nov – 27 Nov');
    expect(whenLabel(occ('2026-11-26T09:00:00Z', '2026-11-26T09:30:00Z'), 'en-GB')).toBe('9:00 – 9:30');
  });

  it('remembers hidden calendars and survives bad stored values', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    saveHidden(storage, [3, 1]);
    expect(loadHidden(storage)).toEqual([1, 3]);
    store.set('orbit.calendar.hidden', '{nope');
    expect(loadHidden(storage)).toEqual([]);
    expect(loadHidden(null)).toEqual([]);
  });
});

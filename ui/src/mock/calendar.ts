// A fake calendar set for the mock backend: three calendars and a realistic week around "today"
// (all-day and multi-day events, overlaps, a weekday stand-up with one moved occurrence, an
// event past midnight), invitations carried by mail, and a tiny sentence parser standing in for
// the core's. Recurring events repeat on local weekdays at the same wall-clock time.
import { emit } from '@tauri-apps/api/event';
import { addDays, atMinutes, dayKey, parseDay, startOfWeek, utcStamp, wallMinutes, weekday } from '../lib/calendar';
import type { CalendarInfo, CalendarSyncReport, EditScope, EventDraft, Invitation, InvitationOutcome, Occurrence, Told } from '../lib/types';

export interface FakeEvent {
  uid: string;
  calendar_id: number;
  summary: string;
  location: string;
  /** RFC 3339 UTC, or "YYYY-MM-DD" (exclusive end) when all-day. */
  start: string;
  end: string;
  all_day: boolean;
  /** Repeats on these weekdays (0 = Sunday), until (before) `until` when set. */
  repeat: { weekdays: number[]; until: string | null } | null;
  /** Recurrence ids of occurrences taken out. */
  exdates: string[];
  /** Occurrences changed on their own, by recurrence id. */
  overrides: Record<string, { start: string; end: string }>;
  invited: boolean;
  /** The user organises it and, in the native dialog, chose to send changes to these people. */
  tell?: string[];
}

export interface FakeCalendarData {
  calendars: CalendarInfo[];
  events: FakeEvent[];
  /** Invitations carried by messages, by message id. */
  invitations: Record<number, Invitation>;
}

export function emptyCalendar(): FakeCalendarData {
  return { calendars: [], events: [], invitations: {} };
}

function told(e: FakeEvent): Told {
  const sentTo = e.tell ?? [];
  return { sent_to: sentTo, messages: sentTo.length > 0 ? 1 : 0 };
}

function event(uid: string, calendar_id: number, summary: string, start: string, end: string, extra: Partial<FakeEvent> = {}): FakeEvent {
  return { uid, calendar_id, summary, location: '', start, end, all_day: start.length === 10, repeat: null, exdates: [], overrides: {}, invited: false, ...extra };
}

/** Three calendars and the weeks around `now` (in the viewer's zone). `inviteMessageId` is the
 *  message that carries the design review's invitation. */
export function sampleCalendar(now: Date, inviteMessageId: number | null = null): FakeCalendarData {
  const today = dayKey(now);
  const mon = startOfWeek(today, 1);
  const at = (offset: number, h: number, m = 0) => utcStamp(atMinutes(addDays(mon, offset), h * 60 + m));
  const synced = utcStamp(now.getTime() - 4 * 60_000);
  const calendars: CalendarInfo[] = [
    { id: 1, account_id: 1, name: 'Work', colour: '#3f7dd9', items: 0, synced_at: synced },
    { id: 2, account_id: 1, name: 'Personal', colour: '#2e9d6a', items: 0, synced_at: synced },
    { id: 3, account_id: 1, name: 'Family', colour: '', items: 0, synced_at: synced },
  ];
  const standup = event('standup@lumen.studio', 1, 'Stand-up', at(-28, 9, 30), at(-28, 9, 45), {
    location: 'Video call',
    repeat: { weekdays: [1, 2, 3, 4, 5], until: null },
    invited: true,
  });
  // This Thursday's stand-up moved half an hour later.
  standup.overrides[at(3, 9, 30)] = { start: at(3, 10), end: at(3, 10, 15) };
  const events: FakeEvent[] = [
    standup,
    event('yoga@orbit', 2, 'Yoga', at(-14, 18, 30), at(-14, 19, 30), { location: 'Studio Flow', repeat: { weekdays: [2], until: null } }),
    event('one-on-one@lumen.studio', 1, '1:1 with Priya', at(1, 11), at(1, 11, 30), { invited: true }),
    event('birthday@orbit', 3, 'Mum’s birthday', addDays(mon, 1), addDays(mon, 2)),
    event('lunch@orbit', 2, 'Lunch with Maya', at(2, 12, 30), at(2, 13, 30), { location: 'Corner Café' }),
    event('planning@lumen.studio', 1, 'Sprint planning', at(2, 13), at(2, 14, 30), { location: 'Room 4.2', invited: true }),
    event('workshop@lumen.studio', 1, 'Roadmap workshop', at(2, 13, 30), at(2, 15), { location: 'Room 2.1' }),
    event('design-review@lumen.studio', 1, 'Design review', at(3, 14), at(3, 15), { location: 'Room 4.2', invited: true }),
    event('config@orbit', 1, 'Config London', addDays(mon, 3), addDays(mon, 6), { location: 'ExCeL London' }),
    event('dentist@orbit', 2, 'Dentist', at(4, 16), at(4, 16, 45), { location: 'Smile Dental, 12 High St' }),
    event('night-train@orbit', 3, 'Night train to Edinburgh', at(4, 22, 30), at(5, 6, 45), { location: 'London Euston' }),
    event('pickup@orbit', 3, 'Pick up the kids', utcStamp(atMinutes(today, 17 * 60 + 30)), utcStamp(atMinutes(today, 18 * 60))),
    event('gym@orbit', 2, 'Gym', utcStamp(atMinutes(today, 7 * 60 + 30)), utcStamp(atMinutes(today, 8 * 60 + 30))),
    event('focus@lumen.studio', 1, 'Focus time', utcStamp(atMinutes(today, 15 * 60)), utcStamp(atMinutes(today, 16 * 60 + 30))),
    event('review@lumen.studio', 1, 'Quarterly review', at(7, 10), at(7, 12), { location: 'Board room', invited: true }),
    event('holiday@orbit', 3, 'Half-term', addDays(mon, 9), addDays(mon, 12)),
    event('retro@lumen.studio', 1, 'Retro', at(-3, 15), at(-3, 16)),
  ];
  const invitations: Record<number, Invitation> = {};
  if (inviteMessageId !== null) {
    invitations[inviteMessageId] = {
      method: 'REQUEST',
      uid: 'design-review@lumen.studio',
      summary: 'Design review',
      location: 'Room 4.2',
      start: at(3, 14),
      end: at(3, 15),
      all_day: false,
      organizer: 'jordan.lee@lumen.studio',
      organizer_name: 'Jordan Lee',
      attendees: [
        { email: 'jordan.lee@lumen.studio', name: 'Jordan Lee', status: 'accepted' },
        { email: 'priya@lumen.studio', name: 'Priya Shah', status: 'accepted' },
        { email: 'alex.chen@lumen.studio', name: 'Alex Chen', status: 'tentative' },
        { email: 'sam.rivera@fastmail.com', name: 'Sam Rivera', status: 'needs-action' },
      ],
      my_status: 'needs-action',
      in_calendar: true,
      outdated: false,
    };
  }
  return { calendars, events, invitations };
}

// ---- Expanding events ------------------------------------------------------------------------

function bounds(o: { start: string; end: string; all_day: boolean }): [number, number] {
  if (o.all_day) return [parseDay(o.start).getTime(), parseDay(o.end).getTime()];
  return [Date.parse(o.start), Date.parse(o.end)];
}

function occurrence(e: FakeEvent, start: string, end: string, recurrenceId: string | null, override: boolean): Occurrence {
  return {
    calendar_id: e.calendar_id,
    uid: e.uid,
    summary: e.summary,
    location: e.location,
    start,
    end,
    all_day: e.all_day,
    is_override: override,
    recurring: e.repeat !== null,
    recurrence_id: recurrenceId,
    invited: e.invited,
  };
}

/** Every occurrence of `e` overlapping [from, to) (epoch ms). */
export function expand(e: FakeEvent, from: number, to: number): Occurrence[] {
  const overlaps = (o: { start: string; end: string; all_day: boolean }) => {
    const [s, x] = bounds(o);
    return s < to && (x > from || (x === s && s >= from));
  };
  if (!e.repeat) {
    const o = occurrence(e, e.start, e.end, null, false);
    return overlaps(o) ? [o] : [];
  }
  const out: Occurrence[] = [];
  const s = Date.parse(e.start);
  const length = Date.parse(e.end) - s;
  const minutes = wallMinutes(s);
  const first = dayKey(s);
  const until = e.repeat.until ? Date.parse(e.repeat.until) : Infinity;
  // A week early, so an occurrence moved into the range is found.
  for (let day = addDays(dayKey(from), -7); parseDay(day).getTime() < to + 7 * 86_400_000; day = addDays(day, 1)) {
    if (day < first || !e.repeat.weekdays.includes(weekday(day))) continue;
    const start = atMinutes(day, minutes);
    if (start >= until) break;
    const id = utcStamp(start);
    if (e.exdates.includes(id)) continue;
    const moved = e.overrides[id];
    const o = moved ? occurrence(e, moved.start, moved.end, id, true) : occurrence(e, id, utcStamp(start + length), id, false);
    if (overlaps(o)) out.push(o);
  }
  return out;
}

function sortKey(o: Occurrence): number {
  return o.all_day ? parseDay(o.start).getTime() : Date.parse(o.start);
}

// ---- The sentence parser --------------------------------------------------------------------

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** A small stand-in for the core's parser: "lunch with the design team next Tuesday 12:30 at
 *  the corner café for an hour". */
export function parseSentence(text: string, now: Date): EventDraft {
  let rest = ` ${text.trim()} `;
  const take = (re: RegExp): RegExpExecArray | null => {
    const m = re.exec(rest);
    if (m) rest = rest.slice(0, m.index) + ' ' + rest.slice(m.index + m[0].length);
    return m;
  };
  const today = dayKey(now);
  let day: string | null = null;
  if (take(/\s(today|tonight)\b/i)) day = today;
  else if (take(/\stomorrow\b/i)) day = addDays(today, 1);
  else {
    const wd = take(/\s(?:(next|this|on)\s+)?(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday)?\b/i);
    if (wd) {
      const target = WEEKDAYS.indexOf(wd[2]!.slice(0, 3).toLowerCase());
      // "Tuesday" and "next Tuesday" both mean the coming one (never today).
      day = addDays(today, (target - weekday(today) + 7) % 7 || 7);
    } else {
      const date = take(/\s(?:on\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/i);
      if (date) {
        const month = MONTHS.indexOf(date[2]!.toLowerCase()) + 1;
        let candidate = `${today.slice(0, 4)}-${String(month).padStart(2, '0')}-${date[1]!.padStart(2, '0')}`;
        if (candidate < today) candidate = `${Number(today.slice(0, 4)) + 1}${candidate.slice(4)}`;
        day = candidate;
      }
    }
  }
  const time = take(/\s(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b/i) ?? take(/\s(?:at\s+)?(\d{1,2}):(\d{2})\b()/i);
  let minutes: number | null = null;
  if (time) {
    let h = Number(time[1]) % 24;
    if (time[3]?.toLowerCase() === 'pm' && h < 12) h += 12;
    if (time[3]?.toLowerCase() === 'am' && h === 12) h = 0;
    minutes = h * 60 + Number(time[2] ?? 0);
  }
  if (day === null && minutes === null) throw { code: 'invalid', message: `No date in “${text.trim()}”: say when, like “tomorrow 10:00” or “next Tuesday”.` };
  let duration = 60;
  const length = take(/\sfor\s+(an?|one|half an|\d+(?:\.\d+)?)\s*(hours?|h|minutes?|mins?|m)\b/i);
  if (length) {
    const n = /^half/i.test(length[1]!) ? 0.5 : /^(an?|one)$/i.test(length[1]!) ? 1 : Number(length[1]);
    duration = /^h/i.test(length[2]!) ? n * 60 : n;
  }
  const place = take(/\s(?:at|in)\s+(?!\d)(.+?)\s*$/i);
  const summary = rest.replace(/\s+/g, ' ').trim();
  const title = summary ? summary[0]!.toUpperCase() + summary.slice(1) : 'New event';
  const on = day ?? today;
  if (minutes === null) return { summary: title, location: place?.[1]?.trim() ?? '', start: on, end: addDays(on, 1), all_day: true };
  const start = atMinutes(on, minutes);
  return { summary: title, location: place?.[1]?.trim() ?? '', start: utcStamp(start), end: utcStamp(start + duration * 60_000), all_day: false };
}

// ---- The commands ----------------------------------------------------------------------------

export interface FakeCalendarOptions {
  now: () => Date;
  syncDelayMs: number;
  /** What the native "send reply?" dialog answers. */
  confirmDialog: boolean;
}

/** Answers the calendar and invitation commands over `data()` (the backend's current data). */
export class FakeCalendar {
  #next = 1;

  constructor(
    private readonly data: () => FakeCalendarData,
    private readonly options: () => FakeCalendarOptions,
  ) {}

  handles(cmd: string): boolean {
    return cmd.startsWith('calendar_') || cmd.startsWith('invitation_') || cmd === 'mail_invitation';
  }

  #changed(): void {
    void emit('calendar-changed', null);
  }

  #event(uid: unknown): FakeEvent {
    const e = this.data().events.find((x) => x.uid === uid);
    if (!e) throw { code: 'not_found', message: `There is no event ${String(uid)}` };
    return e;
  }

  #occurrences(from: number, to: number): Occurrence[] {
    const out = this.data().events.flatMap((e) => expand(e, from, to));
    return out.sort((a, b) => sortKey(a) - sortKey(b) || Number(b.all_day) - Number(a.all_day));
  }

  handle(cmd: string, args: Record<string, unknown>): unknown {
    const data = this.data();
    switch (cmd) {
      case 'calendar_list':
        return data.calendars.map((c) => ({ ...c, items: data.events.filter((e) => e.calendar_id === c.id).length }));
      case 'calendar_events': {
        const from = Date.parse(String(args.from));
        const to = Date.parse(String(args.to));
        if (Number.isNaN(from) || Number.isNaN(to)) throw { code: 'invalid_input', message: 'from/to: not RFC 3339' };
        return this.#occurrences(from, to);
      }
      case 'calendar_preview':
        return { ...parseSentence(String(args.text ?? ''), this.options().now()), read_by: 'offline' };
      case 'calendar_create': {
        const draft = args.draft as EventDraft;
        if (!data.calendars.some((c) => c.id === args.calendarId)) throw { code: 'not_found', message: `There is no calendar ${String(args.calendarId)}` };
        if (!draft.summary.trim()) throw { code: 'invalid_input', message: 'The event needs a title' };
        const uid = `new-${this.#next++}@orbit`;
        data.events.push(event(uid, args.calendarId as number, draft.summary, draft.start, draft.end, { location: draft.location, all_day: draft.all_day }));
        this.#changed();
        return uid;
      }
      case 'calendar_move': {
        const e = this.#event(args.uid);
        const start = String(args.start);
        const end = String(args.end);
        const id = (args.recurrenceId as string | null) ?? null;
        const scope = args.scope as EditScope;
        if (!e.repeat || id === null) {
          e.start = start;
          e.end = end;
        } else if (scope === 'one') {
          e.overrides[id] = { start, end };
        } else {
          const shift = Date.parse(start) - Date.parse(id);
          if (scope === 'following') {
            const copy = structuredClone(e);
            e.repeat.until = id;
            copy.uid = `${e.uid}-${this.#next++}`;
            copy.start = start;
            copy.end = end;
            copy.overrides = {};
            data.events.push(copy);
          } else {
            e.start = utcStamp(Date.parse(e.start) + shift);
            e.end = utcStamp(Date.parse(e.end) + shift);
            e.overrides = {};
          }
        }
        this.#changed();
        return told(e);
      }
      case 'calendar_delete': {
        const e = this.#event(args.uid);
        const id = (args.recurrenceId as string | null) ?? null;
        const scope = args.scope as EditScope;
        if (!e.repeat || id === null || scope === 'all') data.events.splice(data.events.indexOf(e), 1);
        else if (scope === 'one') e.exdates.push(id);
        else e.repeat.until = id;
        this.#changed();
        return told(e);
      }
      case 'calendar_sync': {
        const accounts = [...new Set(data.calendars.map((c) => c.account_id))];
        const stamp = utcStamp(this.options().now().getTime());
        const run = (): CalendarSyncReport[] => {
          for (const c of data.calendars) c.synced_at = stamp;
          this.#changed();
          return accounts.map((id) => ({ account_id: id, calendars: data.calendars.filter((c) => c.account_id === id).length, changed: 0, removed: 0, full_resyncs: 0, unreadable: [], pushed: 0, conflicts: 0 }));
        };
        const delay = this.options().syncDelayMs;
        return delay > 0 ? new Promise((resolve) => setTimeout(() => resolve(run()), delay)) : run();
      }
      case 'mail_invitation':
        return structuredClone(data.invitations[args.messageId as number] ?? null);
      case 'invitation_respond': {
        const inv = data.invitations[args.messageId as number];
        if (!inv) throw { code: 'not_found', message: 'This message has no invitation' };
        if (inv.outdated) throw { code: 'invalid_input', message: 'A newer version of this invitation was applied already' };
        const response = String(args.response);
        inv.my_status = response;
        for (const a of inv.attendees) if (a.email === 'sam.rivera@fastmail.com') a.status = response;
        if (response !== 'declined' && !data.events.some((e) => e.uid === inv.uid)) {
          const calendar = (args.calendarId as number | null) ?? data.calendars[0]?.id ?? 1;
          data.events.push(event(inv.uid, calendar, inv.summary, inv.start, inv.end, { location: inv.location, all_day: inv.all_day, invited: true }));
        }
        if (response === 'declined') data.events = data.events.filter((e) => e.uid !== inv.uid);
        inv.in_calendar = response !== 'declined';
        this.#changed();
        const outcome: InvitationOutcome = { status: response, replied: this.options().confirmDialog };
        return outcome;
      }
      case 'invitation_apply': {
        const inv = data.invitations[args.messageId as number];
        if (!inv) throw { code: 'not_found', message: 'This message has no invitation' };
        if (inv.method === 'CANCEL') {
          data.events = data.events.filter((e) => e.uid !== inv.uid);
          inv.in_calendar = false;
        }
        this.#changed();
        return null;
      }
      default:
        throw { code: 'internal', message: `unknown command: ${cmd}` };
    }
  }
}

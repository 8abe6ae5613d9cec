import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import { emptyCalendar, sampleData, type FakeData, type FakeOptions } from '../../mock/backend';
import { renderApp } from '../../test/render';
import { addDays, atMinutes, dayKey, startOfWeek, utcStamp } from '../calendar';

// Thursday 26 November 2026, noon, in the zone the tests run in: "today" for the fake calendar.
const NOON = new Date(2026, 10, 26, 12, 0);
const TODAY = dayKey(NOON);
const MONDAY = startOfWeek(TODAY);
const at = (offset: number, h: number, m = 0) => utcStamp(atMinutes(addDays(MONDAY, offset), h * 60 + m));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOON);
  localStorage.clear();
});

afterEach(() => {
  vi.useRealTimers();
});

async function openCalendar(data: FakeData = sampleData(), options: FakeOptions = {}) {
  const ctx = await renderApp(data, options);
  await ctx.user.keyboard('gc');
  await screen.findByTestId('area-calendar');
  await waitFor(() => expect(events().length).toBeGreaterThan(3));
  return ctx;
}

const events = () => screen.queryAllByTestId('calendar-event');
const event = (name: string, n = 0) => events().filter((e) => e.textContent?.includes(name))[n];
const view = () => screen.getByTestId('area-calendar').dataset.view;

describe('calendar: views and keys', () => {
  it('shows the week with today marked, and switches views with d, w, m and a', async () => {
    const { user } = await openCalendar();
    expect(view()).toBe('week');
    expect(screen.getAllByTestId('calendar-column').map((c) => c.dataset.day)).toEqual(Array.from({ length: 7 }, (_, i) => addDays(MONDAY, i)));
    expect(screen.getByTestId('calendar-now')).toBeTruthy();
    expect(within(screen.getByTestId('calendar-allday')).getByText('Config London')).toBeTruthy();
    await user.keyboard('m');
    expect(view()).toBe('month');
    expect(screen.getAllByTestId('calendar-month-cell')).toHaveLength(42);
    await user.keyboard('a');
    expect(view()).toBe('agenda');
    expect(screen.getByTestId('calendar-agenda').textContent).toContain('Design review');
    await user.keyboard('d');
    expect(view()).toBe('day');
    expect(screen.getAllByTestId('calendar-column')).toHaveLength(1);
    await user.keyboard('w');
    expect(view()).toBe('week');
    expect(localStorage.getItem('orbit.calendar.view'), 'remembered').toBe('week');
  });

  it('pages with j/k and the arrows, comes back with t, and leaves g sequences alone', async () => {
    const { user, backend } = await openCalendar();
    const title = () => screen.getByTestId('calendar-title').textContent;
    const first = title();
    await user.keyboard('j');
    await waitFor(() => expect(backend.callsOf('calendar_events').at(-1)?.args.from).toBe(utcStamp(atMinutes(addDays(MONDAY, 7), 0))));
    expect(title()).not.toBe(first);
    await user.keyboard('{ArrowLeft}{ArrowLeft}');
    expect(backend.callsOf('calendar_events').at(-1)?.args.from).toBe(utcStamp(atMinutes(addDays(MONDAY, -7), 0)));
    await user.keyboard('t');
    expect(title()).toBe(first);
    await user.keyboard('gd');
    expect(await screen.findByTestId('empty-documents'), 'g d goes to Documents, not the day view').toBeTruthy();
  });

  it('does not take the keys typed into the quick-add field', async () => {
    const { user } = await openCalendar();
    await user.keyboard('n');
    const input = screen.getByTestId('calendar-quick-add');
    expect(document.activeElement).toBe(input);
    await user.keyboard('dam');
    expect((input as HTMLInputElement).value).toBe('dam');
    expect(view()).toBe('week');
  });

  it('moves focus between events with the arrows and opens one with Enter', async () => {
    const { user } = await openCalendar();
    screen.getAllByTestId('calendar-day-head')[3]!.focus();
    await user.keyboard('{ArrowDown}');
    expect(document.activeElement?.textContent, 'all-day first').toContain('Config London');
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(document.activeElement?.textContent).toContain('Stand-up');
    await user.keyboard('{ArrowRight}');
    expect(document.activeElement?.getAttribute('data-focus')?.startsWith(addDays(MONDAY, 4))).toBe(true);
    await user.keyboard('{Enter}');
    expect(await screen.findByTestId('calendar-popover')).toBeTruthy();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('calendar-popover')).toBeNull());
  });
});

describe('calendar: quick add', () => {
  it('previews the sentence and creates the previewed draft on Enter', async () => {
    const { user, backend } = await openCalendar();
    await user.click(screen.getByTestId('calendar-quick-add'));
    await user.keyboard('Lunch with the design team tomorrow 12:30 at the corner café for an hour');
    const title = (await screen.findByTestId('calendar-draft-title')) as HTMLInputElement;
    await waitFor(() => expect(title.value).toBe('Lunch with the design team'));
    expect(screen.getByTestId('calendar-draft-when').textContent).toMatch(/12:30/);
    expect((screen.getByTestId('calendar-draft-place') as HTMLInputElement).value).toBe('the corner café');
    expect(screen.getByTestId('calendar-draft-read-by').textContent).toContain('Read offline');
    await user.click(screen.getByTestId('calendar-quick-add'));
    await user.keyboard('{Enter}');
    await waitFor(() => expect(backend.callsOf('calendar_create')).toHaveLength(1));
    const tomorrow = addDays(TODAY, 1);
    expect(backend.callsOf('calendar_create')[0]!.args).toEqual({
      calendarId: 1,
      draft: { summary: 'Lunch with the design team', location: 'the corner café', start: utcStamp(atMinutes(tomorrow, 12 * 60 + 30)), end: utcStamp(atMinutes(tomorrow, 13 * 60 + 30)), all_day: false, read_by: 'offline' },
      tz: expect.any(String),
    });
    expect((await screen.findByTestId('toast')).textContent).toContain('Added “Lunch with the design team”');
    await waitFor(() => expect(event('Lunch with the design team')).toBeTruthy());
    expect(screen.queryByTestId('calendar-draft')).toBeNull();
  });

  it('says when it finds no date, and Escape drops the preview', async () => {
    const { user, backend } = await openCalendar();
    await user.click(screen.getByTestId('calendar-quick-add'));
    await user.keyboard('call the plumber');
    expect((await screen.findByTestId('calendar-draft-error')).textContent).toContain('No date');
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('calendar-draft')).toBeNull();
    expect((screen.getByTestId('calendar-quick-add') as HTMLInputElement).value).toBe('');
    expect(backend.callsOf('calendar_create')).toHaveLength(0);
  });

  it('drag on empty time opens the same preview, prefilled with the range', async () => {
    const { user, backend } = await openCalendar();
    const friday = screen.getAllByTestId('calendar-column')[4]!;
    // jsdom lays nothing out: y is minutes × 0.8 px from the top of the hours.
    await fireEvent.pointerDown(friday, { button: 0, clientX: 10, clientY: 9 * 48 });
    await fireEvent.pointerMove(window, { clientX: 10, clientY: 10.5 * 48 });
    await fireEvent.pointerUp(window, { clientX: 10, clientY: 10.5 * 48 });
    const title = await screen.findByTestId('calendar-draft-title');
    await waitFor(() => expect(document.activeElement).toBe(title));
    await user.keyboard('Budget check');
    await user.click(screen.getByTestId('calendar-draft-save'));
    await waitFor(() => expect(backend.callsOf('calendar_create')).toHaveLength(1));
    expect(backend.callsOf('calendar_create')[0]!.args.draft).toEqual({ summary: 'Budget check', location: '', start: at(4, 9), end: at(4, 10, 30), all_day: false });
  });
});

describe('calendar: moving and deleting', () => {
  async function drag(el: HTMLElement, dy: number) {
    await fireEvent.pointerDown(el, { button: 0, clientX: 50, clientY: 200 });
    await fireEvent.pointerMove(window, { clientX: 50, clientY: 200 + dy / 2 });
    await fireEvent.pointerMove(window, { clientX: 50, clientY: 200 + dy });
    await fireEvent.pointerUp(window, { clientX: 50, clientY: 200 + dy });
  }

  it('drags an event to a snapped time, keeping its length', async () => {
    const { backend } = await openCalendar();
    // 58 px is 72.5 minutes: 16:00 + 72.5 min snaps to 17:15.
    await drag(event('Dentist')!, 58);
    await waitFor(() => expect(backend.callsOf('calendar_move')).toHaveLength(1));
    expect(backend.callsOf('calendar_move')[0]!.args).toEqual({ uid: 'dentist@orbit', recurrenceId: null, scope: 'one', start: at(4, 17, 15), end: at(4, 18), tz: expect.any(String) });
    expect((await screen.findByTestId('toast')).textContent).toContain('Moved “Dentist”');
    expect(screen.getByTestId('toast-action').textContent).toBe('Undo');
  });

  it('says when the update went to the people invited (the user chose so in the native dialog)', async () => {
    const data = sampleData();
    const planning = data.calendar.events.find((e) => e.uid === 'planning@lumen.studio')!;
    planning.tell = ['priya@lumen.studio', 'tom@lumen.studio'];
    const { backend } = await openCalendar(data);
    await drag(event('Sprint planning')!, 48);
    await waitFor(() => expect(backend.callsOf('calendar_move')).toHaveLength(1));
    expect((await screen.findByTestId('toast')).textContent).toContain('The update to priya@lumen.studio, tom@lumen.studio is in the outbox.');
  });

  it('says nothing of an update when none was sent', async () => {
    const { backend } = await openCalendar();
    await drag(event('Sprint planning')!, 48);
    await waitFor(() => expect(backend.callsOf('calendar_move')).toHaveLength(1));
    expect((await screen.findByTestId('toast')).textContent).not.toContain('outbox');
  });

  it('asks which occurrences move when the event repeats', async () => {
    const { user, backend } = await openCalendar();
    const monday = event('Stand-up')!;
    await drag(monday, 24);
    const dialog = await screen.findByTestId('calendar-move-scope');
    expect(dialog.textContent).toContain('This and following');
    expect(backend.callsOf('calendar_move'), 'nothing moves before the answer').toHaveLength(0);
    await user.click(within(dialog).getByTestId('calendar-scope-following'));
    await waitFor(() => expect(backend.callsOf('calendar_move')).toHaveLength(1));
    expect(backend.callsOf('calendar_move')[0]!.args).toMatchObject({ uid: 'standup@lumen.studio', recurrenceId: at(0, 9, 30), scope: 'following', start: at(0, 10), end: at(0, 10, 15) });
  });

  it('cancelling the scope question moves nothing', async () => {
    const { user, backend } = await openCalendar();
    await drag(event('Stand-up')!, 24);
    await screen.findByTestId('calendar-move-scope');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('calendar-move-scope')).toBeNull());
    expect(backend.callsOf('calendar_move')).toHaveLength(0);
  });

  it('opens details on click and deletes after confirmation', async () => {
    const { user, backend } = await openCalendar();
    await user.click(event('Dentist')!);
    const popover = await screen.findByTestId('calendar-popover');
    expect(popover.textContent).toContain('Smile Dental, 12 High St');
    expect(popover.textContent).toContain('Personal');
    await user.click(within(popover).getByTestId('calendar-delete'));
    await user.click(within(popover).getByTestId('calendar-delete-one'));
    await waitFor(() => expect(backend.callsOf('calendar_delete')).toHaveLength(1));
    expect(backend.callsOf('calendar_delete')[0]!.args).toEqual({ uid: 'dentist@orbit', recurrenceId: null, scope: 'one' });
    await waitFor(() => expect(event('Dentist')).toBeUndefined());
  });

  it('Delete on a focused repeating event asks for the scope, marks included', async () => {
    const { user, backend } = await openCalendar();
    const overridden = event('Stand-up', 3)!;
    await user.click(overridden);
    const marks = await screen.findByTestId('calendar-popover');
    expect(within(marks).getByTestId('calendar-mark-recurring')).toBeTruthy();
    expect(within(marks).getByTestId('calendar-mark-override'), 'Thursday’s stand-up was moved').toBeTruthy();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('calendar-popover')).toBeNull());
    overridden.focus();
    await user.keyboard('{Delete}');
    const confirm = await screen.findByTestId('calendar-delete-confirm');
    await user.click(within(confirm).getByTestId('calendar-delete-all'));
    await waitFor(() => expect(backend.callsOf('calendar_delete')[0]?.args).toEqual({ uid: 'standup@lumen.studio', recurrenceId: at(3, 9, 30), scope: 'all' }));
    await waitFor(() => expect(event('Stand-up')).toBeUndefined());
  });
});

describe('calendar: calendars and changes', () => {
  it('hides a calendar from its checkbox and remembers it', async () => {
    const { user, unmount } = await openCalendar();
    expect(event('Dentist')).toBeTruthy();
    await user.click(screen.getByTestId('calendar-toggle-2'));
    expect(event('Dentist')).toBeUndefined();
    expect(event('Design review')).toBeTruthy();
    expect(JSON.parse(localStorage.getItem('orbit.calendar.hidden') ?? '[]')).toEqual([2]);
    unmount();
    await openCalendar();
    expect((screen.getByTestId('calendar-toggle-2') as HTMLInputElement).checked).toBe(false);
    expect(event('Dentist')).toBeUndefined();
  });

  it('re-queries on "calendar-changed"', async () => {
    const { backend } = await openCalendar();
    backend.data.calendar.events.push({ uid: 'x@orbit', calendar_id: 2, summary: 'Haircut', location: '', start: at(2, 9), end: at(2, 9, 45), all_day: false, repeat: null, exdates: [], overrides: {}, invited: false });
    await emit('calendar-changed', null);
    await waitFor(() => expect(event('Haircut')).toBeTruthy());
  });

  it('keeps the empty state while there is no calendar', async () => {
    const data = sampleData();
    data.calendar = emptyCalendar();
    const { user } = await renderApp(data);
    await user.keyboard('gc');
    expect(await screen.findByTestId('empty-calendar')).toBeTruthy();
    expect(screen.queryByTestId('calendar-legend')).toBeNull();
  });

  it('syncs and says what changed', async () => {
    const { user, backend } = await openCalendar();
    await user.click(screen.getByTestId('calendar-sync'));
    await waitFor(() => expect(backend.callsOf('calendar_sync')).toHaveLength(1));
    expect((await screen.findByTestId('toast')).textContent).toContain('Calendars synced');
  });
});

describe('inbox: Today panel', () => {
  it('lists today all-day first, highlights the next event, and opens the day', async () => {
    const { user } = await renderApp(sampleData());
    const panel = await screen.findByTestId('today-panel');
    await waitFor(() => expect(within(panel).getAllByTestId('today-item').length).toBeGreaterThan(3));
    const items = within(panel).getAllByTestId('today-item').map((i) => i.textContent ?? '');
    expect(items[0]).toContain('Config London');
    expect(items[1]).toContain('Gym');
    expect(within(panel).getByTestId('today-next').closest('button')?.textContent, 'at noon, the design review is next').toContain('Design review');
    await user.click(within(panel).getAllByTestId('today-item')[2]!);
    await screen.findByTestId('area-calendar');
    expect(view()).toBe('day');
    expect(screen.getAllByTestId('calendar-column').map((c) => c.dataset.day)).toEqual([TODAY]);
  });

  it('collapses, and stays away without calendars', async () => {
    const { user, unmount } = await renderApp(sampleData());
    const toggle = await screen.findByTestId('today-toggle');
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    await user.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryAllByTestId('today-item')).toHaveLength(0);
    unmount();
    const data = sampleData();
    data.calendar = emptyCalendar();
    await renderApp(data);
    await screen.findAllByTestId('mail-row');
    expect(screen.queryByTestId('today-panel')).toBeNull();
  });
});

describe('conversation: invitation card', () => {
  const SUBJECT = 'Design review moved to Thursday';

  async function openInvite(data = sampleData(), options: FakeOptions = {}) {
    const ctx = await renderApp(data, options);
    const rows = await screen.findAllByTestId('mail-row');
    await ctx.user.click(rows.find((r) => r.textContent?.includes(SUBJECT))!);
    const card = await screen.findByTestId('invitation-card');
    const id = data.mail.messages.find((m) => m.subject === SUBJECT)!.id;
    return { ...ctx, card, id };
  }

  it('shows what, when, where, who, and answers with Accept', async () => {
    const { user, backend, card, id } = await openInvite();
    expect(card.textContent).toContain('Design review');
    expect(card.textContent).toContain('Room 4.2');
    expect(card.textContent).toContain('Jordan Lee');
    expect(within(card).getByTestId('invitation-attendees').textContent).toMatch(/Alex Chen\s*Maybe/);
    expect(within(card).getByTestId('invitation-accepted').getAttribute('aria-pressed')).toBe('false');
    await user.click(within(card).getByTestId('invitation-accepted'));
    await waitFor(() => expect(backend.callsOf('invitation_respond')).toHaveLength(1));
    expect(backend.callsOf('invitation_respond')[0]!.args).toEqual({ messageId: id, response: 'accepted', calendarId: null });
    expect((await screen.findByTestId('toast')).textContent).toContain('Reply sent to Jordan Lee');
    await waitFor(() => expect(within(screen.getByTestId('invitation-card')).getByTestId('invitation-accepted').getAttribute('aria-pressed')).toBe('true'));
  });

  it('says so when the user did not send the reply', async () => {
    const { user, card } = await openInvite(sampleData(), { confirmDialog: false });
    await user.click(within(card).getByTestId('invitation-declined'));
    expect((await screen.findByTestId('toast')).textContent).toContain('Answer saved, no reply sent');
  });

  it('removes a cancelled event with invitation_apply', async () => {
    const data = sampleData();
    const id = data.mail.messages.find((m) => m.subject === SUBJECT)!.id;
    data.calendar.invitations[id] = { ...data.calendar.invitations[id]!, method: 'CANCEL' };
    const { user, backend, card } = await openInvite(data);
    expect(card.dataset.method).toBe('CANCEL');
    expect(within(card).queryByTestId('invitation-accepted')).toBeNull();
    await user.click(within(card).getByTestId('invitation-remove'));
    await waitFor(() => expect(backend.callsOf('invitation_apply')[0]?.args).toEqual({ messageId: id }));
    expect(backend.data.calendar.events.some((e) => e.uid === 'design-review@lumen.studio')).toBe(false);
    await waitFor(() => expect((within(screen.getByTestId('invitation-card')).getByTestId('invitation-remove') as HTMLButtonElement).disabled).toBe(true));
  });

  it('records a reply, and an outdated invitation offers nothing', async () => {
    const data = sampleData();
    const id = data.mail.messages.find((m) => m.subject === SUBJECT)!.id;
    data.calendar.invitations[id] = { ...data.calendar.invitations[id]!, method: 'REPLY' };
    const { user, backend, card, unmount } = await openInvite(data);
    await user.click(within(card).getByTestId('invitation-record'));
    await waitFor(() => expect(backend.callsOf('invitation_apply')).toHaveLength(1));
    unmount();

    const old = sampleData();
    old.calendar.invitations[id] = { ...old.calendar.invitations[id]!, outdated: true };
    const second = await openInvite(old);
    expect(within(second.card).getByTestId('invitation-outdated')).toBeTruthy();
    for (const b of ['accepted', 'tentative', 'declined']) expect((within(second.card).getByTestId(`invitation-${b}`) as HTMLButtonElement).disabled).toBe(true);
  });
});

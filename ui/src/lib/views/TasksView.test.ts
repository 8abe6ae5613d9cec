import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import { emptyTasks, sampleData, type FakeData, type FakeOptions } from '../../mock/backend';
import { renderApp } from '../../test/render';

// Thursday 26 November 2026, noon: "today" for the fake tasks.
const NOON = new Date(2026, 10, 26, 12, 0);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOON);
  localStorage.clear();
});

afterEach(() => {
  vi.useRealTimers();
});

async function openTasks(data: FakeData = sampleData(NOON), options: FakeOptions = {}) {
  const ctx = await renderApp(data, { now: () => NOON, ...options });
  await ctx.user.keyboard('gt');
  await screen.findByTestId('area-tasks');
  await waitFor(() => expect(cards().length).toBeGreaterThan(5));
  const uid = (title: string) => ctx.backend.data.tasks.tasks.find((t) => t.title === title)!.uid;
  return { ...ctx, uid };
}

const cards = () => screen.queryAllByTestId('task-card');
const card = (title: string) => cards().find((c) => c.textContent?.includes(title));
const column = (id: string) => screen.getAllByTestId('task-column').find((c) => c.dataset.column === id)!;
const titlesIn = (id: string) => within(column(id)).queryAllByTestId('task-card').map((c) => c.querySelector('.title')?.textContent?.trim());

/** jsdom lays nothing out: columns are 280 px wide side by side, cards 70 px tall every 80 px. */
function layOut() {
  vi.spyOn(Element.prototype, 'getBoundingClientRect').mockImplementation(function (this: Element) {
    const el = this as HTMLElement;
    const rect = (left: number, top: number, width: number, height: number) => ({ left, top, width, height, right: left + width, bottom: top + height, x: left, y: top, toJSON: () => ({}) }) as DOMRect;
    if (el.dataset.testid === 'task-column') {
      const i = screen.getAllByTestId('task-column').indexOf(el);
      return rect(i * 300, 0, 280, 800);
    }
    if (el.dataset.testid === 'task-card') {
      const col = el.closest<HTMLElement>('[data-testid="task-column"]');
      const j = col ? [...col.querySelectorAll('[data-testid="task-card"]')].indexOf(el) : 0;
      return rect(0, 100 + j * 80, 280, 70);
    }
    return rect(0, 0, 0, 0);
  });
}

async function drag(el: HTMLElement, x: number, y: number) {
  await fireEvent.pointerDown(el, { button: 0, clientX: 20, clientY: 110 });
  await fireEvent.pointerMove(window, { clientX: 40, clientY: 130 });
  await fireEvent.pointerMove(window, { clientX: x, clientY: y });
  return () => fireEvent.pointerUp(window, { clientX: x, clientY: y });
}

describe('tasks: board', () => {
  it('shows every list’s columns in order with counts, cards by order, and the marks', async () => {
    await openTasks();
    expect(screen.getAllByTestId('task-column').map((c) => c.dataset.column)).toEqual(['todo', 'doing', 'review', 'done']);
    expect(within(column('doing')).getByTestId('task-column-count').textContent).toBe('3');
    expect(titlesIn('doing')).toEqual(['Prepare the Q4 budget review', 'Fix IMAP IDLE reconnect (#1482)', 'Sort the Porto photos']);
    expect(titlesIn('todo'), 'sub-tasks are not cards').not.toContain('Draft the summary slides');
    const budget = card('Prepare the Q4 budget review')!;
    expect(within(budget).getByTestId('task-progress').textContent).toContain('2/5');
    expect(within(budget).getByTestId('task-due').textContent).toBe('Tomorrow');
    expect(within(budget).getByTestId('task-priority').textContent).toContain('High');
    expect(within(budget).getByTestId('task-score').getAttribute('title')).toBe('Score 85: Due tomorrow · High priority · Asked by Maya Okafor · In progress');
    const late = within(card('Reply to Priya')!).getByTestId('task-due');
    expect(late.textContent).toBe('Overdue · 2 days');
    expect(late.classList.contains('overdue')).toBe(true);
  });

  it('drags a card to another column, with a drop line, and sends the before neighbour', async () => {
    const { backend, uid } = await openTasks();
    layOut();
    // Over Doing (x 300–580), between its first and second card (middles at 135 and 215).
    const drop = await drag(within(card('Reply to Priya')!).getByTestId('task-open'), 400, 190);
    expect(within(column('doing')).getByTestId('task-drop-line')).toBeTruthy();
    expect(screen.getByTestId('task-drag-ghost').textContent).toContain('Reply to Priya');
    await drop();
    await waitFor(() => expect(backend.callsOf('task_move')).toHaveLength(1));
    expect(backend.callsOf('task_move')[0]!.args).toEqual({ uid: uid('Reply to Priya about the beta feedback'), column: 'doing', before: uid('Fix IMAP IDLE reconnect (#1482)') });
    await waitFor(() => expect(titlesIn('doing')).toEqual(['Prepare the Q4 budget review', 'Reply to Priya about the beta feedback', 'Fix IMAP IDLE reconnect (#1482)', 'Sort the Porto photos']));
    expect(screen.queryByTestId('task-drop-line')).toBeNull();
  });

  it('drags within a column to the end, and Escape cancels a drag', async () => {
    const { backend, uid } = await openTasks();
    layOut();
    const drop = await drag(within(card('Prepare the Q4 budget review')!).getByTestId('task-open'), 400, 700);
    expect(within(column('doing')).getByTestId('task-drop-line')).toBeTruthy();
    await drop();
    await waitFor(() => expect(backend.callsOf('task_move')[0]?.args).toEqual({ uid: uid('Prepare the Q4 budget review'), column: 'doing', before: null }));

    await drag(within(card('Sort the Porto photos')!).getByTestId('task-open'), 10, 150);
    await fireEvent.keyDown(window, { key: 'Escape' });
    await fireEvent.pointerUp(window, { clientX: 10, clientY: 150 });
    expect(screen.queryByTestId('task-drag-ghost')).toBeNull();
    expect(backend.callsOf('task_move'), 'cancelled: nothing moved').toHaveLength(1);
  });

  it('moving a card lays out only the columns it touched', async () => {
    const { user, backend } = await openTasks();
    await waitFor(() => expect(column('done').dataset.renders).toBeDefined());
    const before = Object.fromEntries(screen.getAllByTestId('task-column').map((c) => [c.dataset.column, Number(c.dataset.renders)]));
    const doneCards = within(column('done')).getAllByTestId('task-card');
    within(card('Benchmark search')!).getByTestId('task-open').focus();
    await user.keyboard('{Shift>}{ArrowLeft}{/Shift}');
    await waitFor(() => expect(backend.callsOf('task_move')).toHaveLength(1));
    await waitFor(() => expect(titlesIn('doing')).toContain('Benchmark search on 100k messages'));
    // The move's tasks-changed reload re-queries everything; unchanged tasks keep their objects.
    await new Promise((r) => setTimeout(r, 20));
    const after = Object.fromEntries(screen.getAllByTestId('task-column').map((c) => [c.dataset.column, Number(c.dataset.renders)]));
    expect(after.done, 'Done was not touched').toBe(before.done);
    expect(after.todo).toBe(before.todo);
    expect(after.doing).toBeGreaterThan(before.doing!);
    expect(after.review).toBeGreaterThan(before.review!);
    expect(within(column('done')).getAllByTestId('task-card'), 'the same DOM nodes').toEqual(doneCards);
  });

  it('moves the focused card with Shift+arrows and the focus with j/k/h/l', async () => {
    const { user, backend, uid } = await openTasks();
    await user.keyboard('j');
    expect(document.activeElement?.getAttribute('data-focus'), 'the first key focuses the first card').toBe(uid('Review kitchen drawings, revision C'));
    await user.keyboard('jl');
    expect(document.activeElement?.getAttribute('data-focus')).toBe(uid('Fix IMAP IDLE reconnect (#1482)'));
    await user.keyboard('h');
    expect(document.activeElement?.getAttribute('data-focus')).toBe(uid('Reply to Priya about the beta feedback'));
    await user.keyboard('{Shift>}{ArrowRight}{/Shift}');
    await waitFor(() => expect(backend.callsOf('task_move')).toHaveLength(1));
    expect(backend.callsOf('task_move')[0]!.args).toEqual({ uid: uid('Reply to Priya about the beta feedback'), column: 'doing', before: uid('Fix IMAP IDLE reconnect (#1482)') });
    await waitFor(() => expect(document.activeElement?.getAttribute('data-focus'), 'the focus follows the card').toBe(uid('Reply to Priya about the beta feedback')));
    await user.keyboard('{Shift>}{ArrowUp}{/Shift}');
    await waitFor(() => expect(backend.callsOf('task_move')[1]?.args).toEqual({ uid: uid('Reply to Priya about the beta feedback'), column: 'doing', before: uid('Prepare the Q4 budget review') }));
    await user.keyboard('{Enter}');
    expect((await screen.findByTestId('task-detail')).dataset.uid).toBe(uid('Reply to Priya about the beta feedback'));
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('task-detail')).toBeNull());
  });

  it('a long column renders only the cards around the view and follows the focus down', async () => {
    const data = sampleData(NOON);
    for (let n = 0; n < 300; n++) {
      data.tasks.tasks.push({
        uid: `long-${n}@orbit`, list_id: 2, title: `Long task ${n}`, notes: '', status: 'needs-action', column: 'todo',
        order: 50_000_000 + n * 1024, priority: 0, due: null, start: null, estimate_minutes: null, tags: [],
        parent: null, percent: 0, recurring: false, completed_at: null, created_at: '2026-11-01T10:00:00Z', links: [],
      });
    }
    const { user, backend } = await openTasks(data);
    const todo = column('todo');
    const count = Number(within(todo).getByTestId('task-column-count').textContent);
    expect(count).toBeGreaterThan(300);
    expect(within(todo).getByTestId('task-column-cards').dataset.virtual).toBe('true');
    expect(titlesIn('todo').length, 'only a window of the column is rendered').toBeLessThan(40);
    expect(titlesIn('done').length, 'short columns render every card').toBe(Number(within(column('done')).getByTestId('task-column-count').textContent));
    await user.keyboard('j');
    await user.keyboard('j'.repeat(120));
    const focused = document.activeElement?.getAttribute('data-focus');
    expect(focused, 'the focused card is rendered far down the column').toMatch(/^long-\d+@orbit$/);
    expect(titlesIn('todo')).not.toContain('Long task 0');
    const posinset = Number(document.activeElement?.closest('li')?.getAttribute('aria-posinset'));
    expect(posinset).toBe(121);
    expect(document.activeElement?.closest('li')?.getAttribute('aria-setsize')).toBe(String(count));
    // Scrolled far away, the focused card stays in the page with the keyboard focus on it.
    const list = within(todo).getByTestId('task-column-cards');
    list.scrollTop = 20_000;
    await fireEvent.scroll(list);
    const focusedTitle = backend.data.tasks.tasks.find((t) => t.uid === focused)!.title;
    expect(titlesIn('todo').some((t) => /^Long task 2\d\d$/.test(t ?? '')), 'the window moved down').toBe(true);
    expect(titlesIn('todo')).toContain(focusedTitle);
    expect(document.activeElement?.getAttribute('data-focus'), 'the focus survives the scroll').toBe(focused);
    await user.keyboard('{Shift>}{ArrowRight}{/Shift}');
    await waitFor(() => expect(backend.callsOf('task_move')[0]?.args).toMatchObject({ uid: focused, column: 'doing' }));
    await waitFor(() => expect(titlesIn('doing')).toContain(backend.data.tasks.tasks.find((t) => t.uid === focused)!.title));
    await waitFor(() => expect(document.activeElement?.getAttribute('data-focus'), 'the focus follows the moved card').toBe(focused));
  });

  it('rolls a move back when the core refuses it', async () => {
    const { user, backend } = await openTasks();
    backend.rejectNext('task_move', { code: 'database_locked', message: 'database is locked' });
    within(card('Sort the Porto photos')!).getByTestId('task-open').focus();
    await user.keyboard('{Shift>}{ArrowLeft}{/Shift}');
    expect((await screen.findByTestId('toast')).textContent).toContain('Couldn’t move “Sort the Porto photos”');
    await waitFor(() => expect(titlesIn('doing')).toContain('Sort the Porto photos'));
    expect(titlesIn('todo')).not.toContain('Sort the Porto photos');
  });

  it('ticks a card done, with Undo', async () => {
    const { user, backend, uid } = await openTasks();
    await user.click(within(card('Call the plumber')!).getByTestId('task-tick'));
    await waitFor(() => expect(backend.callsOf('task_done')[0]?.args).toEqual({ uid: uid('Call the plumber'), done: true }));
    await waitFor(() => expect(titlesIn('done')).toContain('Call the plumber'));
    await user.click(await screen.findByTestId('toast-action'));
    await waitFor(() => expect(backend.callsOf('task_done')[1]?.args).toEqual({ uid: uid('Call the plumber'), done: false }));
    await waitFor(() => expect(titlesIn('todo')).toContain('Call the plumber'));
  });

  it('re-queries on "tasks-changed"', async () => {
    const { backend } = await openTasks();
    const t = structuredClone(backend.data.tasks.tasks[0]!);
    backend.data.tasks.tasks.push({ ...t, uid: 'new@orbit', title: 'Water the garden', parent: null, column: 'todo', status: 'needs-action' });
    await emit('tasks-changed', null);
    await waitFor(() => expect(card('Water the garden')).toBeTruthy());
  });

  it('shows one list, and remembers it', async () => {
    const { user, backend, unmount } = await openTasks();
    await user.selectOptions(screen.getByTestId('tasks-list-picker'), '2');
    await waitFor(() => expect(backend.callsOf('tasks').at(-1)?.args).toEqual({ listId: 2 }));
    await waitFor(() => expect(screen.getAllByTestId('task-column').map((c) => c.dataset.column)).toEqual(['todo', 'doing', 'done']));
    expect(card('Fix IMAP IDLE')).toBeUndefined();
    unmount();
    await openTasks();
    expect((screen.getByTestId('tasks-list-picker') as HTMLSelectElement).value).toBe('2');
  });
});

describe('tasks: adding', () => {
  it('quick add reads the sentence into the first list', async () => {
    const { user, backend } = await openTasks();
    await user.keyboard('n');
    expect(document.activeElement).toBe(screen.getByTestId('tasks-quick-add'));
    await user.keyboard('review budget by Friday !high #finance{Enter}');
    await waitFor(() => expect(backend.callsOf('task_add')).toHaveLength(1));
    expect(backend.callsOf('task_add')[0]!.args).toEqual({ listId: 1, text: 'review budget by Friday !high #finance', parent: null });
    expect((await screen.findByTestId('toast')).textContent).toContain('Added “Review budget”');
    await waitFor(() => expect(titlesIn('todo')[0]).toBe('Review budget'));
    const added = card('Review budget')!;
    expect(within(added).getByTestId('task-due').textContent).toBe('Tomorrow');
    expect(added.textContent).toContain('#finance');
    expect((screen.getByTestId('tasks-quick-add') as HTMLInputElement).value).toBe('');
  });

  it('says what is wrong when the sentence has nothing to do', async () => {
    const { user, backend } = await openTasks();
    await user.click(screen.getByTestId('tasks-quick-add'));
    await user.keyboard('#finance !high{Enter}');
    expect((await screen.findByTestId('tasks-quick-error')).textContent).toContain('Say what to do');
    expect(backend.data.tasks.tasks.some((t) => t.tags.includes('finance') && t.title === '')).toBe(false);
    await user.keyboard('x');
    expect(screen.queryByTestId('tasks-quick-error'), 'typing clears it').toBeNull();
  });

  it('creates a local list', async () => {
    const { user, backend } = await openTasks();
    await user.click(screen.getByTestId('tasks-new-list'));
    await user.keyboard('Garden{Enter}');
    await waitFor(() => expect(backend.callsOf('task_list_create')[0]?.args).toEqual({ name: 'Garden' }));
    await waitFor(() => expect((screen.getByTestId('tasks-list-picker') as HTMLSelectElement).value).toBe('3'));
    expect(screen.queryByTestId('tasks-new-list-dialog')).toBeNull();
  });

  it('offers to create a list when there is none', async () => {
    const data = sampleData(NOON);
    data.tasks = emptyTasks();
    const { user, backend } = await renderApp(data, { now: () => NOON });
    await user.keyboard('gt');
    await user.click(await screen.findByTestId('tasks-create-first'));
    await user.keyboard('Errands{Enter}');
    await waitFor(() => expect(backend.callsOf('task_list_create')).toHaveLength(1));
    expect(await screen.findByTestId('task-board')).toBeTruthy();
  });
});

describe('tasks: details', () => {
  async function openDetail(title: string) {
    const ctx = await openTasks();
    await ctx.user.click(within(card(title)!).getByTestId('task-open'));
    const pane = await screen.findByTestId('task-detail');
    return { ...ctx, pane };
  }

  it('edits the title, priority, due date, estimate and tags with task_update', async () => {
    const { user, backend, uid, pane } = await openDetail('Call the plumber');
    const me = uid('Call the plumber');
    const title = within(pane).getByTestId('task-detail-title');
    await user.clear(title);
    await user.type(title, 'Call the plumber about the leak{Enter}');
    await waitFor(() => expect(backend.callsOf('task_update')[0]?.args).toEqual({ uid: me, patch: { title: 'Call the plumber about the leak' } }));
    await waitFor(() => expect(card('Call the plumber about the leak')).toBeTruthy());
    await user.selectOptions(within(pane).getByTestId('task-detail-priority'), '1');
    await waitFor(() => expect(backend.callsOf('task_update')[1]?.args).toEqual({ uid: me, patch: { priority: 1 } }));
    await fireEvent.change(within(pane).getByTestId('task-detail-due'), { target: { value: '2026-12-04' } });
    await waitFor(() => expect(backend.callsOf('task_update')[2]?.args).toEqual({ uid: me, patch: { due: '2026-12-04' } }));
    await waitFor(() => expect(within(card('Call the plumber')!).getByTestId('task-due').textContent).toBe('Fri 4 Dec'));
    await user.type(within(pane).getByTestId('task-detail-estimate'), '45{Enter}');
    await waitFor(() => expect(backend.callsOf('task_update')[3]?.args).toEqual({ uid: me, patch: { estimate_minutes: 45 } }));
    const tags = within(pane).getByTestId('task-detail-tags');
    await user.clear(tags);
    await user.type(tags, 'house, #urgent{Enter}');
    await waitFor(() => expect(backend.callsOf('task_update')[4]?.args).toEqual({ uid: me, patch: { tags: ['house', 'urgent'] } }));
    await user.type(within(pane).getByTestId('task-detail-notes'), 'Leak under the sink');
    await user.click(within(pane).getByTestId('task-detail-title'));
    await waitFor(() => expect(backend.callsOf('task_update')[5]?.args).toEqual({ uid: me, patch: { notes: 'Leak under the sink' } }));
  });

  it('shows sub-tasks at any depth, adds one, ticks one and opens one', async () => {
    const { user, backend, uid, pane } = await openDetail('Prepare the Q4 budget review');
    const rows = within(pane).getAllByTestId('task-subtask');
    expect(rows.map((r) => [r.textContent?.trim(), r.dataset.depth])).toEqual([
      ['Draft the summary slides', '0'],
      ['Charts for travel spend', '1'],
      ['Headcount slide', '1'],
      ['Collect department spend', '0'],
      ['Send to Maya for review', '0'],
    ]);
    await user.type(within(pane).getByTestId('task-subtask-add'), 'Book a room for the review{Enter}');
    await waitFor(() => expect(backend.callsOf('task_add')[0]?.args).toEqual({ listId: 1, text: 'Book a room for the review', parent: uid('Prepare the Q4 budget review') }));
    await waitFor(() => expect(within(pane).getAllByTestId('task-subtask')).toHaveLength(6));
    await user.click(within(rows[2]!).getByTestId('task-subtask-tick'));
    await waitFor(() => expect(backend.callsOf('task_done')[0]?.args).toEqual({ uid: uid('Headcount slide'), done: true }));
    await user.click(within(screen.getByTestId('task-detail')).getAllByTestId('task-subtask-open')[0]!);
    await waitFor(() => expect(screen.getByTestId('task-detail').dataset.uid).toBe(uid('Draft the summary slides')));
    expect(within(screen.getByTestId('task-detail')).getByTestId('task-detail-parent').textContent).toBe('Prepare the Q4 budget review');
  });

  it('shows the score’s reasons and opens a linked mail’s conversation', async () => {
    const { user, pane } = await openDetail('Reply to Priya');
    expect(within(pane).getByTestId('task-detail-score').textContent).toContain('Overdue by 2 days');
    expect(within(pane).getByTestId('task-detail-score').textContent).toContain('Asked by Priya Shah');
    await user.click(within(pane).getByTestId('task-link-mail'));
    const conversation = await screen.findByTestId('conversation');
    await waitFor(() => expect(conversation.textContent).toContain('Orbit beta: feedback from the first week'));
  });

  it('deletes after a confirmation, sub-tasks included', async () => {
    const { user, backend, uid, pane } = await openDetail('Review kitchen drawings');
    const me = uid('Review kitchen drawings, revision C');
    await user.click(within(pane).getByTestId('task-delete'));
    const confirm = within(pane).getByTestId('task-delete-confirm');
    expect(confirm.textContent).toContain('and its 4 sub-tasks');
    expect(backend.callsOf('task_delete')).toHaveLength(0);
    await user.click(within(confirm).getByTestId('task-delete-yes'));
    await waitFor(() => expect(backend.callsOf('task_delete')[0]?.args).toEqual({ uid: me }));
    expect(card('Review kitchen drawings')).toBeUndefined();
    expect(screen.queryByTestId('task-detail')).toBeNull();
  });
});

describe('tasks: suggestions, stats, list view', () => {
  it('accepts a suggestion into the current list and dismisses another; nothing before', async () => {
    const { user, backend } = await openTasks();
    const strip = screen.getByTestId('task-suggestions');
    const items = within(strip).getAllByTestId('task-suggestion');
    expect(items).toHaveLength(3);
    expect(strip.textContent).toContain('Found in your mail and chat');
    expect(within(items[0]!).queryByTestId('task-suggestion-by-model'), 'the assistant’s find says so').not.toBeNull();
    expect(within(items[1]!).queryByTestId('task-suggestion-by-model'), 'the rules’ does not').toBeNull();
    expect(items[2]!.textContent).toContain('From your chat');
    expect(items[2]!.textContent).toContain('You said: “remind me to book the dentist”');
    expect(backend.callsOf('task_suggestion_accept'), 'never created silently').toHaveLength(0);
    await user.selectOptions(screen.getByTestId('tasks-list-picker'), '2');
    await user.click(within(strip).getAllByTestId('task-suggestion-accept')[0]!);
    await waitFor(() => expect(backend.callsOf('task_suggestion_accept')[0]?.args).toEqual({ id: 1, listId: 2 }));
    await waitFor(() => expect(card('Send Maya the Q3 figures')).toBeTruthy());
    await user.click(within(screen.getByTestId('task-suggestions')).getAllByTestId('task-suggestion-dismiss')[0]!);
    await waitFor(() => expect(backend.callsOf('task_suggestion_dismiss')[0]?.args).toEqual({ id: 2 }));
    await user.click(within(screen.getByTestId('task-suggestions')).getByTestId('task-suggestion-dismiss'));
    await waitFor(() => expect(backend.callsOf('task_suggestion_dismiss')[1]?.args).toEqual({ id: 3 }));
    await waitFor(() => expect(screen.queryByTestId('task-suggestions')).toBeNull());
  });

  it('the assistant’s priority advice shows beside the score and applies only when asked', async () => {
    const { user, backend } = await openTasks();
    await user.click(screen.getByTestId('tasks-prioritise'));
    await waitFor(() => expect(backend.callsOf('task_prioritise')).toHaveLength(1));
    const toast = await screen.findByTestId('toast');
    expect(toast.textContent).toContain('Suggested priorities for 1 task');
    const advised = backend.data.tasks.tasks.find((t) => backend.data.tasks.advice?.[t.uid])!;
    expect(advised.priority, 'nothing changed yet').toBe(0);
    expect(backend.callsOf('task_update')).toHaveLength(0);
    await user.click(within(toast).getByTestId('toast-action'));
    const detail = await screen.findByTestId('task-detail');
    const advice = within(detail).getByTestId('task-advice');
    expect(advice.textContent).toContain('The assistant suggests high priority');
    expect(advice.textContent).toContain('Someone is waiting on it');
    await user.click(within(advice).getByTestId('task-advice-apply'));
    await waitFor(() => expect(backend.callsOf('task_update')[0]?.args).toEqual({ uid: advised.uid, patch: { priority: 1 } }));
    await waitFor(() => expect(within(screen.getByTestId('task-detail')).queryByTestId('task-advice')).toBeNull());
  });

  it('shows the stats with a bar chart, per week then per day', async () => {
    const { user, backend } = await openTasks();
    expect(screen.queryByTestId('task-stats')).toBeNull();
    await user.click(screen.getByTestId('tasks-stats-toggle'));
    await waitFor(() => expect(backend.callsOf('task_stats')[0]?.args).toEqual({ period: 'week' }));
    const stats = await screen.findByTestId('task-stats');
    await waitFor(() => expect(within(stats).getByTestId('task-stats-open').textContent).toBe('22'));
    expect(within(stats).getByTestId('task-stats-overdue').textContent).toBe('3');
    expect(stats.textContent).toContain('Done this week');
    expect(within(stats).getByTestId('task-stats-chart').querySelectorAll('rect')).toHaveLength(16);
    await user.click(within(stats).getByTestId('task-stats-day'));
    await waitFor(() => expect(backend.callsOf('task_stats').at(-1)?.args).toEqual({ period: 'day' }));
    await waitFor(() => expect(within(stats).getByTestId('task-stats-chart').querySelectorAll('rect')).toHaveLength(28));
    expect(stats.textContent).toContain('Done today');
  });

  it('the list view filters by words, status, due date and tag, and sorts', async () => {
    const { user } = await openTasks();
    await user.keyboard('l');
    expect(screen.getByTestId('area-tasks').dataset.view).toBe('list');
    const titles = () => screen.queryAllByTestId('task-row').map((r) => (r.querySelector('.title')?.textContent ?? '').replace(/\s+/g, ' ').trim());
    expect(titles()[0], 'by score: the most urgent first').toBe('Approve the expense report');
    expect(titles()).toContain('Draft the summary slides in Prepare the Q4 budget review');
    await user.selectOptions(screen.getByTestId('tasks-filter-due'), 'overdue');
    expect(titles()).toEqual(['Approve the expense report', 'Buy a present for Mum', 'Reply to Priya about the beta feedback']);
    await user.selectOptions(screen.getByTestId('tasks-sort'), 'due');
    expect(titles()).toEqual(['Buy a present for Mum', 'Reply to Priya about the beta feedback', 'Approve the expense report']);
    await user.selectOptions(screen.getByTestId('tasks-filter-due'), 'any');
    await user.selectOptions(screen.getByTestId('tasks-filter-tag'), 'house');
    expect(titles()).toEqual(['Call the plumber', 'Review kitchen drawings, revision C']);
    await user.click(screen.getByTestId('tasks-filter-status-done'));
    expect(screen.getByTestId('tasks-list-empty')).toBeTruthy();
    await user.click(screen.getByTestId('tasks-filter-status-all'));
    await user.selectOptions(screen.getByTestId('tasks-filter-tag'), 'Any tag');
    (document.activeElement as HTMLElement).blur();
    await user.keyboard('/');
    await user.keyboard('renew');
    expect(titles()).toEqual(['Renew passport', 'Renew the TLS certificate']);
    await user.keyboard('{Escape}');
    (screen.getAllByTestId('task-row')[0]!.querySelector('[data-focus]') as HTMLElement).focus();
    await user.keyboard('j{Enter}');
    expect((screen.getByTestId('task-detail-title') as HTMLInputElement).value).toBe('Renew the TLS certificate');
    await user.keyboard('{Escape}b');
    expect(screen.getByTestId('area-tasks').dataset.view).toBe('board');
  });
});

describe('conversation: turn into task', () => {
  it('makes a task of the message in the first list, and the toast opens it', async () => {
    const data = sampleData(NOON);
    const { user, backend } = await renderApp(data, { now: () => NOON });
    const rows = await screen.findAllByTestId('mail-row');
    await user.click(rows.find((r) => r.textContent?.includes('Kitchen drawings, revision C'))!);
    await user.click(await screen.findByTestId('mail-to-task'));
    const id = data.mail.messages.find((m) => m.subject === 'Kitchen drawings, revision C')!.id;
    await waitFor(() => expect(backend.callsOf('task_from_message')[0]?.args).toEqual({ messageId: id, listId: 1 }));
    const toast = await screen.findByTestId('toast');
    expect(toast.textContent).toContain('Added “Follow up: Kitchen drawings, revision C”');
    await user.click(within(toast).getByTestId('toast-action'));
    const detail = await screen.findByTestId('task-detail');
    expect((within(detail).getByTestId('task-detail-title') as HTMLInputElement).value).toBe('Follow up: Kitchen drawings, revision C');
  });
});

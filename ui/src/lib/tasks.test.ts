import { describe, expect, it } from 'vitest';
import {
  DEFAULT_COLUMNS,
  allTags,
  ancestors,
  applyMove,
  beforeFor,
  boardColumns,
  childrenOf,
  cursorOf,
  dropIndex,
  dueLabel,
  filterTasks,
  groupByColumn,
  isNoOp,
  isOverdue,
  keyboardMove,
  moveCursor,
  NO_FILTER,
  parseTags,
  priorityChoice,
  priorityLabel,
  priorityLevel,
  reconcile,
  sortTasks,
  statsBars,
  subtaskRows,
  topLevel,
  withDescendants,
} from './tasks';
import type { Task, TaskList } from './types';

const TODAY = '2026-11-26'; // a Thursday

let seq = 0;
function task(extra: Partial<Task> = {}): Task {
  seq++;
  return {
    uid: `t${seq}`,
    list_id: 1,
    title: `Task ${seq}`,
    notes: '',
    status: 'needs-action',
    column: 'todo',
    order: seq,
    priority: 0,
    due: null,
    start: null,
    estimate_minutes: null,
    tags: [],
    parent: null,
    progress: null,
    percent: 0,
    recurring: false,
    completed_at: null,
    created_at: `2026-11-${String(10 + (seq % 15)).padStart(2, '0')}T09:00:00Z`,
    links: [],
    score: 0,
    score_reasons: [],
    ...extra,
  };
}

const cols = [...DEFAULT_COLUMNS];
const uids = (ts: Task[]) => ts.map((t) => t.uid);

describe('board columns and grouping', () => {
  it('merges the lists’ columns by id in first-seen order', () => {
    const lists: TaskList[] = [
      { id: 1, name: 'Work', colour: '', local: false, open: 0, done: 0, columns: [cols[0]!, cols[1]!, { id: 'review', name: 'In review', status: 'in-process' }, cols[2]!] },
      { id: 2, name: 'Home', colour: '', local: true, open: 0, done: 0, columns: [...cols] },
    ];
    expect(boardColumns(lists, null).map((c) => c.id)).toEqual(['todo', 'doing', 'review', 'done']);
    expect(boardColumns(lists, 2).map((c) => c.id)).toEqual(['todo', 'doing', 'done']);
    expect(boardColumns([], null), 'no list: the default columns').toEqual(cols);
  });

  it('groups by column, sorted by order; unknown columns go by status', () => {
    const a = task({ order: 3 });
    const b = task({ order: 1 });
    const c = task({ column: 'doing', status: 'in-process' });
    const d = task({ column: 'gone', status: 'completed' });
    const e = task({ column: 'gone', status: 'in-process' });
    expect(groupByColumn([a, b, c, d, e], cols).map(uids)).toEqual([[b.uid, a.uid], [c.uid, e.uid], [d.uid]]);
  });

  it('groups 2,000 tasks correctly', () => {
    const many: Task[] = [];
    for (let i = 0; i < 2000; i++) {
      const col = cols[i % 3]!;
      many.push(task({ uid: `m${i}`, column: col.id, status: col.status, order: 2000 - i }));
    }
    const groups = groupByColumn(many, cols);
    expect(groups.map((g) => g.length)).toEqual([667, 667, 666]);
    for (const [i, g] of groups.entries()) {
      expect(g.every((t) => t.column === cols[i]!.id)).toBe(true);
      for (let k = 1; k < g.length; k++) expect(g[k - 1]!.order).toBeLessThan(g[k]!.order);
    }
    expect(groups[0]![0]!.uid, 'the lowest order first').toBe('m1998');
  });

  it('reuses the arrays of columns a move did not touch', () => {
    const tasks = [task(), task(), task({ column: 'doing', status: 'in-process' }), task({ column: 'done', status: 'completed' })];
    const first = groupByColumn(tasks, cols);
    const moved = applyMove(tasks, first, cols, tasks[0]!.uid, 'doing', null, '2026-11-26T12:00:00Z');
    const second = groupByColumn(moved, cols, first);
    expect(second[2], 'Done was not touched').toBe(first[2]);
    expect(second[0]).not.toBe(first[0]);
    expect(second[1]).not.toBe(first[1]);
    expect(uids(second[1]!)).toEqual([tasks[2]!.uid, tasks[0]!.uid]);
    expect(moved.filter((t, i) => t !== tasks[i]), 'only the moved task is a new object').toHaveLength(1);
  });

  it('top level: tasks whose parent is not shown', () => {
    const p = task();
    const c = task({ parent: p.uid });
    const orphan = task({ parent: 'elsewhere' });
    expect(uids(topLevel([p, c, orphan]))).toEqual([p.uid, orphan.uid]);
  });
});

describe('dropping and keyboard moves', () => {
  const [a, b, c] = [task({ uid: 'a' }), task({ uid: 'b' }), task({ uid: 'c' })];
  const column = [a, b, c];

  it('finds the drop index from the card middles', () => {
    expect(dropIndex([10, 50, 90], 0)).toBe(0);
    expect(dropIndex([10, 50, 90], 60)).toBe(2);
    expect(dropIndex([10, 50, 90], 200)).toBe(3);
    expect(dropIndex([], 5)).toBe(0);
  });

  it('gives the before neighbour, skipping the dragged card', () => {
    expect(beforeFor(column, 0, 'c')).toBe('a');
    expect(beforeFor(column, 1, 'b'), 'dropping b on itself: before c').toBe('c');
    expect(beforeFor(column, 3, 'a')).toBeNull();
    expect(beforeFor(column, 2, 'c'), 'after the last other card').toBeNull();
  });

  it('knows a drop that changes nothing', () => {
    expect(isNoOp(column, a, 'todo', 'b')).toBe(true);
    expect(isNoOp(column, c, 'todo', null)).toBe(true);
    expect(isNoOp(column, a, 'todo', 'c')).toBe(false);
    expect(isNoOp(column, a, 'doing', 'b')).toBe(false);
  });

  it('applies a move into a completed column optimistically', () => {
    const t = task();
    const done = task({ column: 'done', status: 'completed', order: 10 });
    const groups = groupByColumn([t, done], cols);
    const [moved] = applyMove([t, done], groups, cols, t.uid, 'done', done.uid, '2026-11-26T12:00:00Z');
    expect(moved).toMatchObject({ column: 'done', status: 'completed', percent: 100, completed_at: '2026-11-26T12:00:00Z' });
    expect(moved!.order).toBeLessThan(done.order);
  });

  it('moves with Shift+arrows: across columns at the same height, or one place up/down', () => {
    const d = task({ uid: 'd', column: 'doing', status: 'in-process' });
    const groups = groupByColumn([a, b, c, d], cols);
    expect(keyboardMove(groups, cols, 'b', 'right')).toEqual({ column: 'doing', before: null });
    expect(keyboardMove(groups, cols, 'a', 'right')).toEqual({ column: 'doing', before: 'd' });
    expect(keyboardMove(groups, cols, 'a', 'left')).toBeNull();
    expect(keyboardMove(groups, cols, 'b', 'up')).toEqual({ column: 'todo', before: 'a' });
    expect(keyboardMove(groups, cols, 'a', 'down')).toEqual({ column: 'todo', before: 'c' });
    expect(keyboardMove(groups, cols, 'b', 'down')).toEqual({ column: 'todo', before: null });
    expect(keyboardMove(groups, cols, 'c', 'down')).toBeNull();
  });

  it('moves the focus with j/k in a column and h/l across', () => {
    const d = task({ uid: 'd', column: 'doing', status: 'in-process' });
    const groups = groupByColumn([a, b, c, d], cols);
    expect(moveCursor(groups, { col: 0, row: 0 }, 'j')).toEqual({ col: 0, row: 1 });
    expect(moveCursor(groups, { col: 0, row: 2 }, 'j')).toEqual({ col: 0, row: 2 });
    expect(moveCursor(groups, { col: 0, row: 0 }, 'k')).toEqual({ col: 0, row: 0 });
    expect(moveCursor(groups, { col: 0, row: 2 }, 'l'), 'clamped to the shorter column').toEqual({ col: 1, row: 0 });
    expect(moveCursor(groups, { col: 1, row: 0 }, 'ArrowRight')).toEqual({ col: 2, row: 0 });
    expect(moveCursor(groups, { col: 2, row: 0 }, 'l')).toEqual({ col: 2, row: 0 });
    expect(moveCursor(groups, { col: 1, row: 0 }, 'h')).toEqual({ col: 0, row: 0 });
    expect(cursorOf(groups, 'c')).toEqual({ col: 0, row: 2 });
    expect(cursorOf(groups, 'zz')).toBeNull();
  });
});

describe('labels', () => {
  it('priority: 1-4 high, 5 medium, 6-9 low', () => {
    expect([0, 1, 4, 5, 6, 9].map(priorityLevel)).toEqual([null, 'high', 'high', 'medium', 'low', 'low']);
    expect(priorityLabel(3)).toBe('High');
    expect(priorityLabel(0)).toBe('None');
    expect(priorityChoice(2)).toBe(1);
    expect(priorityChoice(7)).toBe(9);
  });

  it('due dates', () => {
    expect(dueLabel('2026-11-24', TODAY)).toBe('Overdue · 2 days');
    expect(dueLabel('2026-11-25', TODAY)).toBe('Overdue · 1 day');
    expect(dueLabel('2026-11-25', TODAY, true), 'a done task is not overdue').toBe('Yesterday');
    expect(dueLabel('2026-11-26', TODAY)).toBe('Today');
    expect(dueLabel('2026-11-27', TODAY)).toBe('Tomorrow');
    expect(dueLabel('2026-12-04', TODAY)).toBe('Fri 4 Dec');
    expect(dueLabel('2027-01-08', TODAY)).toBe('Fri 8 Jan 2027');
    expect(isOverdue(task({ due: '2026-11-25' }), TODAY)).toBe(true);
    expect(isOverdue(task({ due: '2026-11-25', status: 'completed' }), TODAY)).toBe(false);
  });

  it('tags typed in a field', () => {
    expect(parseTags('finance, #q4  home,finance')).toEqual(['finance', 'q4', 'home']);
    expect(parseTags('  ')).toEqual([]);
  });
});

describe('the list view', () => {
  const rows = [
    task({ uid: 'late', title: 'Approve expenses', due: '2026-11-24', tags: ['finance'], priority: 3, score: 90 }),
    task({ uid: 'today', title: 'Call the plumber', due: TODAY, tags: ['house'], score: 40 }),
    task({ uid: 'week', title: 'Release notes', due: '2026-12-01', priority: 9, score: 20, notes: 'mention the budget' }),
    task({ uid: 'later', title: 'Renew passport', due: '2026-12-20', priority: 5, score: 10 }),
    task({ uid: 'none', title: 'Onboarding docs', tags: ['docs'], score: 5 }),
    task({ uid: 'done', title: 'Book dentist', status: 'completed', column: 'done', due: '2026-11-20', tags: ['house'] }),
  ];
  const f = (extra: Partial<typeof NO_FILTER>) => uids(filterTasks(rows, { ...NO_FILTER, ...extra }, TODAY));

  it('filters by status, due, tag and words', () => {
    expect(f({})).toEqual(['late', 'today', 'week', 'later', 'none']);
    expect(f({ status: 'done' })).toEqual(['done']);
    expect(f({ status: 'all' })).toHaveLength(6);
    expect(f({ due: 'overdue', status: 'all' }), 'a done task is never overdue').toEqual(['late']);
    expect(f({ due: 'today' })).toEqual(['today']);
    expect(f({ due: 'week' })).toEqual(['today', 'week']);
    expect(f({ due: 'none' })).toEqual(['none']);
    expect(f({ tag: 'house', status: 'all' })).toEqual(['today', 'done']);
    expect(f({ text: 'BUDGET' }), 'notes match too').toEqual(['week']);
    expect(f({ text: '#docs' })).toEqual(['none']);
  });

  it('sorts by score, due, priority and creation', () => {
    expect(uids(sortTasks(rows.slice(0, 5), 'score'))).toEqual(['late', 'today', 'week', 'later', 'none']);
    expect(uids(sortTasks(rows.slice(0, 5), 'due'))).toEqual(['late', 'today', 'week', 'later', 'none']);
    expect(uids(sortTasks(rows.slice(0, 5), 'priority'))).toEqual(['late', 'later', 'week', 'today', 'none']);
    const created = sortTasks(rows, 'created').map((t) => t.created_at);
    expect([...created].sort().reverse()).toEqual(created);
  });

  it('counts the tags', () => {
    expect(allTags(rows)).toEqual([
      { tag: 'docs', count: 1 },
      { tag: 'finance', count: 1 },
      { tag: 'house', count: 2 },
    ]);
  });
});

describe('sub-tasks', () => {
  const root = task({ uid: 'root' });
  const a = task({ uid: 'a', parent: 'root', order: 2 });
  const b = task({ uid: 'b', parent: 'root', order: 1 });
  const a1 = task({ uid: 'a1', parent: 'a' });
  const a1x = task({ uid: 'a1x', parent: 'a1' });
  const all = [root, a, b, a1, a1x];

  it('lists them depth-first in order, at any depth', () => {
    expect(subtaskRows(all, 'root').map((r) => [r.task.uid, r.depth])).toEqual([
      ['b', 0],
      ['a', 0],
      ['a1', 1],
      ['a1x', 2],
    ]);
    expect(subtaskRows(all, 'b')).toEqual([]);
  });

  it('survives a cycle in bad data', () => {
    const x = task({ uid: 'x', parent: 'y' });
    const y = task({ uid: 'y', parent: 'x' });
    expect(subtaskRows([x, y], 'x').map((r) => r.task.uid)).toEqual(['y']);
    expect(ancestors(new Map([x, y].map((t) => [t.uid, t])), 'x').map((t) => t.uid)).toEqual(['y']);
  });

  it('finds the parents and every descendant', () => {
    const byUid = new Map(all.map((t) => [t.uid, t]));
    expect(ancestors(byUid, 'a1x').map((t) => t.uid)).toEqual(['root', 'a', 'a1']);
    expect([...withDescendants(all, 'a')].sort()).toEqual(['a', 'a1', 'a1x']);
    expect(childrenOf(all).get('root')?.map((t) => t.uid)).toEqual(['b', 'a']);
  });
});

describe('re-queried tasks and stats', () => {
  it('keeps the objects that did not change', () => {
    const a = task();
    const b = task();
    const next = reconcile([a, b], [structuredClone(a), { ...structuredClone(b), title: 'Changed' }]);
    expect(next[0]).toBe(a);
    expect(next[1]).not.toBe(b);
    // Nested values count: a tag, a link's label, the progress, the score's reasons.
    const c = task({ tags: ['x'], links: [{ kind: 'mail', id: '1', label: 'Re: plan' }], progress: { done: 1, total: 2 }, score_reasons: ['Due tomorrow'] });
    const same = reconcile([c], [structuredClone(c)]);
    expect(same[0]).toBe(c);
    for (const changed of [{ tags: ['y'] }, { links: [{ kind: 'mail', id: '1', label: 'Re: plans' }] }, { progress: { done: 2, total: 2 } }, { progress: null }, { score_reasons: [] }]) {
      expect(reconcile([c], [{ ...structuredClone(c), ...changed } as typeof c])[0], JSON.stringify(changed)).not.toBe(c);
    }
  });

  it('scales the bars to the largest count', () => {
    const bars = statsBars(
      [
        { start: '2026-11-16', opened: 4, done: 2 },
        { start: '2026-11-23', opened: 0, done: 8 },
      ],
      100,
      40,
    );
    expect(bars).toHaveLength(2);
    expect(bars[1]!.done.height).toBe(40);
    expect(bars[0]!.opened.height).toBe(20);
    expect(bars[1]!.opened.height, 'a stub for zero').toBe(1);
    expect(bars[1]!.x).toBeGreaterThan(bars[0]!.x);
    expect(statsBars([], 100, 40)).toEqual([]);
  });
});

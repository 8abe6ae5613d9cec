// Fake task lists for the mock backend: "Work" (from the CalDAV server, with an "In review"
// column) and "Home" (on this computer only), about thirty tasks around "today" (overdue ones,
// sub-tasks two levels deep, tags, a recurring "Pay rent", links to the sample mail), two
// suggestions read from the mail, eight weeks of history for the stats, and a small sentence
// reader standing in for the core's ("pay rent every 1st", "review budget by Friday !high #finance").
import { emit } from '@tauri-apps/api/event';
import { addDays, dayKey, daysBetween, parseDay, startOfWeek, utcStamp, weekday } from '../lib/calendar';
import { DEFAULT_COLUMNS, dueDay, isDone, priorityLevel } from '../lib/tasks';
import type { StatsPeriod, Task, TaskColumn, TaskLink, TaskList, TaskPatch, TaskStats, TaskSuggestion } from '../lib/types';

/** A stored task: the DTO without what the core works out on reading. */
export type FakeTask = Omit<Task, 'progress' | 'score' | 'score_reasons'> & {
  /** Who asked for it (a score reason). */
  asked_by?: string;
};

export interface FakeTasksData {
  lists: Omit<TaskList, 'open' | 'done'>[];
  tasks: FakeTask[];
  suggestions: TaskSuggestion[];
  /** Tasks created and finished before the ones kept (for the stats' history). */
  history: { opened: string; done: string | null }[];
  /** Whether the assistant reads new mail and chat for tasks. */
  extractWithModel?: boolean;
  /** The assistant's priority advice by uid. */
  advice?: Record<string, { priority: number; reason: string }>;
}

export function emptyTasks(): FakeTasksData {
  return { lists: [], tasks: [], suggestions: [], history: [] };
}

const WORK_COLUMNS: TaskColumn[] = [
  { id: 'todo', name: 'To do', status: 'needs-action' },
  { id: 'doing', name: 'Doing', status: 'in-process' },
  { id: 'review', name: 'In review', status: 'in-process' },
  { id: 'done', name: 'Done', status: 'completed' },
];

function stamp(ms: number): string {
  return utcStamp(ms);
}

/** The sample lists. `messageId` finds a sample message by subject (null when there is none). */
export function sampleTasks(now: Date, messageId: (subject: string) => number | null = () => null): FakeTasksData {
  const today = dayKey(now);
  const t = now.getTime();
  const day = (n: number) => addDays(today, n);
  const ago = (days: number, hours = 0) => stamp(t - (days * 24 + hours) * 3_600_000);
  const mon = startOfWeek(today, 1);
  const friday = addDays(mon, 4) >= today ? addDays(mon, 4) : addDays(mon, 11);
  const firstOfNext = today.endsWith('-01') ? today : nextFirst(today);
  const mail = (subject: string, label = subject): TaskLink[] => {
    const id = messageId(subject);
    return id === null ? [] : [{ kind: 'mail', id: String(id), label }];
  };
  let n = 0;
  const task = (list_id: number, title: string, column: string, extra: Partial<FakeTask> = {}): FakeTask => {
    n++;
    const columns = list_id === 1 ? WORK_COLUMNS : DEFAULT_COLUMNS;
    const status = columns.find((c) => c.id === column)?.status ?? 'needs-action';
    return {
      uid: `task-${n}@orbit`,
      list_id,
      title,
      notes: '',
      status,
      column,
      order: n * 1024,
      priority: 0,
      due: null,
      start: null,
      estimate_minutes: null,
      tags: [],
      parent: null,
      percent: status === 'completed' ? 100 : 0,
      recurring: false,
      completed_at: status === 'completed' || status === 'cancelled' ? ago(1, n % 5) : null,
      created_at: ago(14 - (n % 12), n),
      links: [],
      ...extra,
    };
  };

  const budget = task(1, 'Prepare the Q4 budget review', 'doing', {
    priority: 1,
    due: day(1),
    estimate_minutes: 90,
    tags: ['finance'],
    notes: 'Maya wants the numbers by department, with travel split out. Keep it to five slides.',
    asked_by: 'Maya Okafor',
    links: [...mail('Expense report needs your approval', 'Expense report needs your approval'), { kind: 'person', id: 'maya@lumen.studio', label: 'Maya Okafor' }],
  });
  const slides = task(1, 'Draft the summary slides', 'todo', { parent: budget.uid, estimate_minutes: 45 });
  const kitchen = task(2, 'Review kitchen drawings, revision C', 'todo', {
    due: day(3),
    priority: 5,
    tags: ['house'],
    notes: 'Check against the measurements from the site visit.',
    links: mail('Kitchen drawings, revision C'),
  });
  const tiles = task(2, 'Order tile samples', 'todo', { parent: kitchen.uid });
  const tasks: FakeTask[] = [
    budget,
    task(1, 'Collect department spend', 'done', { parent: budget.uid, completed_at: ago(2) }),
    slides,
    task(1, 'Charts for travel spend', 'done', { parent: slides.uid, completed_at: ago(1, 3) }),
    task(1, 'Headcount slide', 'todo', { parent: slides.uid }),
    task(1, 'Send to Maya for review', 'todo', { parent: budget.uid }),
    task(1, 'Reply to Priya about the beta feedback', 'todo', {
      due: day(-2),
      priority: 5,
      tags: ['orbit'],
      asked_by: 'Priya Shah',
      links: mail('Orbit beta: feedback from the first week'),
    }),
    task(1, 'Fix IMAP IDLE reconnect (#1482)', 'doing', {
      priority: 1,
      tags: ['orbit', 'bug'],
      estimate_minutes: 120,
      links: mail('[orbit-app/orbit] IMAP IDLE reconnect drops the first EXISTS (#1482)', 'IMAP IDLE reconnect drops the first EXISTS'),
    }),
    task(1, 'Approve the expense report', 'todo', {
      due: day(-1),
      priority: 3,
      tags: ['finance'],
      asked_by: 'Dana Whitfield',
      links: [...mail('Expense report needs your approval'), { kind: 'person', id: 'dana@northwind.example', label: 'Dana Whitfield' }],
    }),
    task(1, 'Write the release notes for 0.5', 'todo', { due: friday, tags: ['orbit', 'docs'], estimate_minutes: 60 }),
    task(1, 'Plan the design review agenda', 'todo', {
      due: addDays(mon, 3) >= today ? addDays(mon, 3) : day(2),
      tags: ['design'],
      links: [{ kind: 'event', id: 'design-review@lumen.studio', label: 'Design review' }],
    }),
    task(1, 'Update the onboarding docs', 'todo', { priority: 9, tags: ['docs'], links: [{ kind: 'document', id: 'onboarding.md', label: 'Onboarding guide' }] }),
    task(1, 'Quarterly review slides', 'todo', { due: day(7), priority: 5, tags: ['finance'] }),
    task(1, 'Benchmark search on 100k messages', 'review', { tags: ['orbit', 'perf'], estimate_minutes: 120, percent: 80 }),
    task(1, 'Conversation view: fold quoted text', 'review', { tags: ['orbit'], links: mail('ORB-311 Conversation view: fold quoted text was moved to In Progress', 'ORB-311') }),
    task(1, 'Renew the TLS certificate', 'done', { tags: ['ops'], completed_at: ago(2, 4) }),
    task(1, 'Interview: frontend candidate', 'done', { completed_at: ago(3) }),
    task(1, 'Cancel the old CI runners', 'done', { status: 'cancelled', tags: ['ops'], completed_at: ago(4) }),

    task(2, 'Pay rent', 'todo', { recurring: true, due: firstOfNext, priority: 1, tags: ['money'], notes: 'Every 1st of the month. Standing order is not set up yet.' }),
    kitchen,
    task(2, 'Check the worktop height', 'done', { parent: kitchen.uid, completed_at: ago(1) }),
    task(2, 'Ask about the extractor', 'todo', { parent: kitchen.uid }),
    tiles,
    task(2, 'Compare grout colours', 'todo', { parent: tiles.uid }),
    task(2, 'Call the plumber', 'todo', { due: day(1), tags: ['house'] }),
    task(2, 'Buy a present for Mum', 'todo', { due: day(-3), priority: 3, tags: ['family'] }),
    task(2, 'Sort the Porto photos', 'doing', { links: mail('Photos from Porto'), estimate_minutes: 30 }),
    task(2, 'Renew passport', 'todo', { due: day(30), priority: 5 }),
    task(2, 'Book a dentist check-up', 'done', { completed_at: ago(2) }),
    task(2, 'Water the plants', 'done', { recurring: true, completed_at: ago(0, 5) }),
  ];

  // Eight weeks of earlier work, a little more done than opened most weeks.
  const history: FakeTasksData['history'] = [];
  for (let i = 0; i < 64; i++) {
    const opened = t - (56 - (i * 7) % 56) * 86_400_000 + (i % 9) * 3_600_000;
    const done = i % 6 === 5 ? null : opened + ((i * 13) % 5) * 86_400_000;
    history.push({ opened: stamp(opened), done: done === null || done > t ? null : stamp(done) });
  }

  const suggestions: TaskSuggestion[] = [
    {
      id: 1,
      title: 'Send Maya the Q3 figures',
      due: friday,
      from: 'Maya Okafor',
      message_id: messageId('Expense report needs your approval'),
      source: 'mail',
      found_by: 'model',
      reason: 'Asked: “could you send the figures by Friday?”',
    },
    {
      id: 2,
      title: 'Confirm dinner on Saturday',
      due: null,
      from: 'Maya Okafor',
      message_id: messageId('Dinner on Saturday?'),
      source: 'mail',
      found_by: 'rules',
      reason: 'Asked: “let me know if Saturday works for you both”',
    },
    {
      id: 3,
      title: 'Book the dentist',
      due: null,
      from: 'You, in chat',
      message_id: null,
      chat_session: 1,
      source: 'chat',
      found_by: 'rules',
      reason: 'You said: “remind me to book the dentist”',
    },
  ];

  return {
    lists: [
      { id: 1, name: 'Work', colour: '#3f7dd9', local: false, columns: WORK_COLUMNS },
      { id: 2, name: 'Home', colour: '#2e9d6a', local: true, columns: [...DEFAULT_COLUMNS] },
    ],
    tasks,
    suggestions,
    history,
  };
}

function nextFirst(today: string): string {
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(5, 7));
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** The next `dom`th of a month on or after `today`. */
function nextDayOfMonth(today: string, dom: number): string {
  const here = `${today.slice(0, 7)}-${String(dom).padStart(2, '0')}`;
  if (here >= today) return here;
  const first = nextFirst(today);
  return `${first.slice(0, 7)}-${String(dom).padStart(2, '0')}`;
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Reads "review budget by Friday !high #finance" into the fields it sets. */
export function readTask(text: string, today: string): { title: string; due: string | null; priority: number; tags: string[]; recurring: boolean } {
  let rest = ` ${text.trim()} `;
  const take = (re: RegExp) => {
    const m = re.exec(rest);
    if (m) rest = rest.replace(m[0], ' ');
    return m;
  };
  const tags: string[] = [];
  for (let m = take(/\s#([\p{L}\p{N}_-]+)/u); m; m = take(/\s#([\p{L}\p{N}_-]+)/u)) tags.push(m[1]!);
  let priority = 0;
  const p = take(/\s!(high|medium|low|[1-9])\b/i);
  if (p) {
    const v = p[1]!.toLowerCase();
    priority = v === 'high' ? 1 : v === 'medium' ? 5 : v === 'low' ? 9 : Number(v);
  }
  let due: string | null = null;
  let recurring = false;
  const every = take(/\severy\s+(\d{1,2})(?:st|nd|rd|th)?\b/i);
  if (every) {
    recurring = true;
    due = nextDayOfMonth(today, Math.min(28, Number(every[1])));
  } else if (take(/\severy\s+(day|week|month)\b/i)) {
    recurring = true;
    due = today;
  }
  if (!due) {
    if (take(/\s(?:due\s+|by\s+)?today\b/i)) due = today;
    else if (take(/\s(?:due\s+|by\s+)?tomorrow\b/i)) due = addDays(today, 1);
    else {
      const inDays = take(/\sin\s+(\d{1,3})\s+days?\b/i);
      if (inDays) due = addDays(today, Number(inDays[1]));
      else {
        const wd = take(/\s(?:(?:by|on|due|next|this)\s+)?(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday)?\b/i);
        if (wd) {
          const target = WEEKDAYS.indexOf(wd[1]!.slice(0, 3).toLowerCase());
          due = addDays(today, (target - weekday(today) + 7) % 7 || 7);
        }
      }
    }
  }
  const title = rest.replace(/\s+/g, ' ').trim();
  if (!title) throw { code: 'invalid_input', message: 'Say what to do, like “call the plumber tomorrow”.' };
  return { title: title[0]!.toUpperCase() + title.slice(1), due, priority, tags, recurring };
}

// ---- The commands ----------------------------------------------------------------------------

export interface FakeTasksOptions {
  now: () => Date;
  /** A sample message's subject and sender, by id (for task_from_message). */
  message: (id: number) => { subject: string; from: string } | null;
}

/** Answers the task commands over `data()` (the backend's current data). */
export class FakeTasks {
  #next = 1000;

  constructor(
    private readonly data: () => FakeTasksData,
    private readonly options: () => FakeTasksOptions,
  ) {}

  handles(cmd: string): boolean {
    return cmd === 'tasks' || cmd.startsWith('task_');
  }

  #today(): string {
    return dayKey(this.options().now());
  }

  #changed(): void {
    void emit('tasks-changed', null);
  }

  #list(id: unknown): FakeTasksData['lists'][number] {
    const list = this.data().lists.find((l) => l.id === id);
    if (!list) throw { code: 'not_found', message: `There is no task list ${String(id)}` };
    return list;
  }

  #task(uid: unknown): FakeTask {
    const task = this.data().tasks.find((t) => t.uid === uid);
    if (!task) throw { code: 'not_found', message: 'This task was deleted' };
    return task;
  }

  /** The DTO: progress rolled up from sub-tasks at any depth, and the score with its reasons. */
  /** Sub-tasks by parent uid (one pass, so a listing of thousands stays linear). */
  #childIndex(): Map<string, FakeTask[]> {
    const index = new Map<string, FakeTask[]>();
    for (const c of this.data().tasks) {
      if (c.parent === null) continue;
      const siblings = index.get(c.parent);
      if (siblings) siblings.push(c);
      else index.set(c.parent, [c]);
    }
    return index;
  }

  #view(t: FakeTask, index: Map<string, FakeTask[]> = this.#childIndex()): Task {
    let done = 0;
    let total = 0;
    const stack = [t.uid];
    const seen = new Set(stack);
    while (stack.length > 0) {
      const parent = stack.pop()!;
      for (const c of index.get(parent) ?? []) {
        if (seen.has(c.uid)) continue;
        seen.add(c.uid);
        total++;
        if (isDone(c)) done++;
        stack.push(c.uid);
      }
    }
    const { asked_by, ...rest } = t;
    const { score, reasons } = this.#score(t, asked_by);
    const advice = this.data().advice?.[t.uid] ?? null;
    return structuredClone({ ...rest, progress: total > 0 ? { done, total } : null, score, score_reasons: reasons, advice });
  }

  #score(t: FakeTask, askedBy: string | undefined): { score: number; reasons: string[] } {
    if (isDone(t)) return { score: 0, reasons: [] };
    const today = this.#today();
    let score = 5;
    const reasons: string[] = [];
    if (t.due) {
      const diff = daysBetween(today, dueDay(t.due));
      if (diff < 0) {
        score += 40 + Math.min(20, -diff * 5);
        reasons.push(`Overdue by ${-diff} ${diff === -1 ? 'day' : 'days'}`);
      } else if (diff === 0) {
        score += 40;
        reasons.push('Due today');
      } else if (diff === 1) {
        score += 30;
        reasons.push('Due tomorrow');
      } else if (diff <= 7) {
        score += 15;
        reasons.push(`Due in ${diff} days`);
      }
    }
    const level = priorityLevel(t.priority);
    if (level === 'high') {
      score += 25;
      reasons.push('High priority');
    } else if (level === 'medium') {
      score += 10;
      reasons.push('Medium priority');
    }
    if (askedBy) {
      score += 20;
      reasons.push(`Asked by ${askedBy}`);
    }
    if (t.status === 'in-process') {
      score += 5;
      reasons.push('In progress');
    }
    return { score: Math.min(100, score), reasons };
  }

  #columns(listId: number): TaskColumn[] {
    const list = this.#list(listId);
    return list.columns.length > 0 ? list.columns : [...DEFAULT_COLUMNS];
  }

  #create(listId: number, fields: Partial<FakeTask> & { title: string }, parent: string | null): FakeTask {
    const columns = this.#columns(listId);
    const first = columns[0]!;
    // A new task goes to the top of the first column; a new sub-task after its siblings.
    const siblings = this.data().tasks.filter((t) => (parent === null ? t.list_id === listId && t.column === first.id : t.parent === parent));
    const orders = siblings.map((t) => t.order);
    const order = siblings.length === 0 ? 1024 : parent === null ? Math.min(...orders) - 1024 : Math.max(...orders) + 1024;
    const task: FakeTask = {
      uid: `task-${this.#next++}@orbit`,
      list_id: listId,
      notes: '',
      status: first.status,
      column: first.id,
      order,
      priority: 0,
      due: null,
      start: null,
      estimate_minutes: null,
      tags: [],
      parent,
      percent: 0,
      recurring: false,
      completed_at: null,
      created_at: utcStamp(this.options().now().getTime()),
      links: [],
      ...fields,
    };
    this.data().tasks.push(task);
    return task;
  }

  #setColumn(t: FakeTask, column: TaskColumn): void {
    const done = column.status === 'completed' || column.status === 'cancelled';
    if (done && !isDone(t)) t.completed_at = utcStamp(this.options().now().getTime());
    if (!done) t.completed_at = null;
    t.column = column.id;
    t.status = column.status;
    t.percent = done ? 100 : t.percent === 100 ? 0 : t.percent;
  }

  #stats(period: StatsPeriod): TaskStats {
    const now = this.options().now();
    const today = dayKey(now);
    const data = this.data();
    const starts: string[] = [];
    if (period === 'day') for (let i = 13; i >= 0; i--) starts.push(addDays(today, -i));
    else if (period === 'week') for (let i = 7; i >= 0; i--) starts.push(addDays(startOfWeek(today, 1), -7 * i));
    else {
      let m = `${today.slice(0, 7)}-01`;
      const months = [m];
      for (let i = 0; i < 5; i++) {
        const d = parseDay(m);
        d.setMonth(d.getMonth() - 1);
        m = dayKey(d).slice(0, 8) + '01';
        months.unshift(m);
      }
      starts.push(...months);
    }
    const bucketOf = (iso: string): number => {
      const d = dayKey(Date.parse(iso));
      let i = -1;
      for (let k = 0; k < starts.length; k++) if (starts[k]! <= d) i = k;
      return i;
    };
    const buckets = starts.map((start) => ({ start, opened: 0, done: 0 }));
    const events = [...data.history, ...data.tasks.map((t) => ({ opened: t.created_at, done: t.completed_at }))];
    let doneMonth = 0;
    const fourWeeksAgo = now.getTime() - 28 * 86_400_000;
    for (const e of events) {
      const o = bucketOf(e.opened);
      if (o >= 0) buckets[o]!.opened++;
      if (e.done) {
        const d = bucketOf(e.done);
        if (d >= 0) buckets[d]!.done++;
        if (Date.parse(e.done) >= fourWeeksAgo) doneMonth++;
      }
    }
    const open = data.tasks.filter((t) => !isDone(t));
    return {
      period,
      buckets,
      open: open.length,
      overdue: open.filter((t) => t.due !== null && dueDay(t.due) < today).length,
      done_this_period: buckets[buckets.length - 1]?.done ?? 0,
      throughput_per_week: Math.round((doneMonth / 4) * 10) / 10,
    };
  }

  handle(cmd: string, args: Record<string, unknown>): unknown {
    const data = this.data();
    switch (cmd) {
      case 'task_lists':
        return data.lists.map((l): TaskList => {
          const mine = data.tasks.filter((t) => t.list_id === l.id);
          return structuredClone({ ...l, open: mine.filter((t) => !isDone(t)).length, done: mine.filter(isDone).length });
        });
      case 'task_list_create': {
        const name = String(args.name ?? '').trim();
        if (!name) throw { code: 'invalid_input', message: 'name: must not be empty' };
        if (data.lists.some((l) => l.name.toLowerCase() === name.toLowerCase())) throw { code: 'invalid_input', message: `There is a list called “${name}” already` };
        const id = Math.max(0, ...data.lists.map((l) => l.id)) + 1;
        const list = { id, name, colour: ['#d9822b', '#c4487f', '#7b5fd0', '#1e9bb3'][id % 4]!, local: true, columns: [...DEFAULT_COLUMNS] };
        data.lists.push(list);
        this.#changed();
        return structuredClone({ ...list, open: 0, done: 0 });
      }
      case 'tasks': {
        const listId = (args.listId as number | null | undefined) ?? null;
        const index = this.#childIndex();
        return data.tasks.filter((t) => listId === null || t.list_id === listId).map((t) => this.#view(t, index));
      }
      case 'task_add': {
        const listId = args.listId as number;
        this.#list(listId);
        const parent = (args.parent as string | null | undefined) ?? null;
        if (parent !== null) this.#task(parent);
        const read = readTask(String(args.text ?? ''), this.#today());
        const task = this.#create(listId, read, parent);
        this.#changed();
        return this.#view(task);
      }
      case 'task_update': {
        const task = this.#task(args.uid);
        const patch = (args.patch ?? {}) as TaskPatch;
        if (patch.title !== undefined && !patch.title.trim()) throw { code: 'invalid_input', message: 'title: must not be empty' };
        if (patch.priority !== undefined && (patch.priority < 0 || patch.priority > 9)) throw { code: 'invalid_input', message: 'priority: 0 to 9' };
        Object.assign(task, patch);
        if (patch.priority !== undefined && data.advice) delete data.advice[task.uid];
        this.#changed();
        return this.#view(task);
      }
      case 'task_move': {
        const task = this.#task(args.uid);
        const column = this.#columns(task.list_id).find((c) => c.id === args.column);
        if (!column) throw { code: 'invalid_input', message: `The list has no column “${String(args.column)}”` };
        const before = (args.before as string | null | undefined) ?? null;
        const siblings = data.tasks.filter((t) => t.list_id === task.list_id && t.column === column.id && t.uid !== task.uid && t.parent === task.parent).sort((a, b) => a.order - b.order);
        const at = before === null ? siblings.length : siblings.findIndex((t) => t.uid === before);
        siblings.splice(at < 0 ? siblings.length : at, 0, task);
        siblings.forEach((t, i) => (t.order = (i + 1) * 1024));
        this.#setColumn(task, column);
        this.#changed();
        return null;
      }
      case 'task_done': {
        const task = this.#task(args.uid);
        const columns = this.#columns(task.list_id);
        if (args.done && task.recurring && task.due) {
          // The next occurrence: a month on, still open.
          const d = parseDay(dueDay(task.due));
          d.setMonth(d.getMonth() + 1);
          task.due = dayKey(d);
          data.history.push({ opened: task.created_at, done: utcStamp(this.options().now().getTime()) });
        } else {
          const column = args.done ? columns.find((c) => c.status === 'completed') : columns.find((c) => c.status === 'needs-action');
          if (column) this.#setColumn(task, column);
        }
        this.#changed();
        return this.#view(task);
      }
      case 'task_delete': {
        const gone = new Set([this.#task(args.uid).uid]);
        let grew = true;
        while (grew) {
          grew = false;
          for (const t of data.tasks) {
            if (t.parent !== null && gone.has(t.parent) && !gone.has(t.uid)) {
              gone.add(t.uid);
              grew = true;
            }
          }
        }
        data.tasks = data.tasks.filter((t) => !gone.has(t.uid));
        this.#changed();
        return null;
      }
      case 'task_stats':
        return this.#stats((args.period as StatsPeriod) ?? 'week');
      case 'task_suggestions':
        return structuredClone(data.suggestions);
      case 'task_extraction_get':
        return data.extractWithModel === true;
      case 'task_extraction_set':
        data.extractWithModel = args.on === true;
        return null;
      case 'task_prioritise': {
        // The scripted advice: the open task with the highest score that has no priority yet.
        const open = data.tasks.filter((t) => !isDone(t) && t.parent === null && t.priority === 0);
        const views = open.map((t) => this.#view(t)).sort((a, b) => b.score - a.score);
        const first = views[0];
        if (!first) return [];
        data.advice = { ...(data.advice ?? {}), [first.uid]: { priority: 1, reason: 'Someone is waiting on it and it is due soon.' } };
        return [this.#view(open.find((t) => t.uid === first.uid)!)];
      }
      case 'task_suggestion_accept': {
        const s = data.suggestions.find((x) => x.id === args.id);
        if (!s) throw { code: 'not_found', message: 'This suggestion was dealt with already' };
        const listId = args.listId as number;
        this.#list(listId);
        const links: TaskLink[] = s.message_id === null ? [] : [{ kind: 'mail', id: String(s.message_id), label: this.options().message(s.message_id)?.subject ?? s.title }];
        const task = this.#create(listId, { title: s.title, due: s.due, links, asked_by: s.from }, null);
        data.suggestions = data.suggestions.filter((x) => x.id !== s.id);
        this.#changed();
        return this.#view(task);
      }
      case 'task_suggestion_dismiss':
        data.suggestions = data.suggestions.filter((x) => x.id !== args.id);
        this.#changed();
        return null;
      case 'task_from_message': {
        const id = args.messageId as number;
        const m = this.options().message(id);
        if (!m) throw { code: 'not_found', message: `There is no message ${id}` };
        const listId = args.listId as number;
        this.#list(listId);
        const title = m.subject.replace(/^((re|fwd?|aw):\s*)+/i, '').trim() || '(no subject)';
        const sender = (/^\s*"?([^"<]+?)"?\s*</.exec(m.from)?.[1] ?? m.from).trim();
        const task = this.#create(listId, { title: `Follow up: ${title}`, links: [{ kind: 'mail', id: String(id), label: m.subject }], asked_by: sender }, null);
        this.#changed();
        return this.#view(task);
      }
      default:
        throw { code: 'internal', message: `unknown command: ${cmd}` };
    }
  }
}

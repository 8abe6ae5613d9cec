// Screenshots of every screen, light and dark, at 1280×800 (and a few at the 720×520 minimum), against mocked IPC (preview.html).
// Starts Vite through its API (its printed port has colour codes), drives Debian's chromium with
// playwright-core, and writes PNGs to ui/shots/. Fails on page errors, console errors or
// horizontal overflow, so a broken screen cannot slip through unnoticed.
//
//   node scripts/preview-shots.mjs            # all screens
//   node scripts/preview-shots.mjs settings   # only shots whose name contains "settings"
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'shots');
const only = process.argv[2] ?? '';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** @typedef {import('playwright-core').Page} Page */

/** @param {Page} page @param {string} key */
async function go(page, key) {
  const size = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.locator('body').click({ position: { x: size.width - 10, y: size.height - 10 } });
  await page.keyboard.press('g');
  await page.keyboard.press(key);
}

/** Waits for the mail list, then types mail keys (j, k, e, /…) outside any field.
 *  @param {Page} page @param {string} keys */
async function mailKeys(page, keys) {
  await page.getByTestId('mail-row').first().waitFor();
  for (const key of keys) await page.keyboard.press(key);
}

/** Opens the calendar and switches to a view with its key (d, w, m, a).
 *  @param {Page} page @param {string} key */
async function calendarView(page, key) {
  await go(page, 'c');
  await page.getByTestId('area-calendar').waitFor();
  await page.keyboard.press(key);
  await page.locator(`[data-view="${{ d: 'day', w: 'week', m: 'month', a: 'agenda' }[key]}"]`).waitFor();
  await page.getByTestId('calendar-event').first().waitFor();
}

/** Opens Tasks afresh (remembered view, list and stats forgotten) in the board or list view.
 *  @param {Page} page @param {'b' | 'l'} key */
async function tasksView(page, key = 'b') {
  await page.evaluate(() => localStorage.clear());
  await go(page, 't');
  await page.getByTestId('area-tasks').waitFor();
  await page.keyboard.press(key);
  await page.locator(`[data-view="${key === 'b' ? 'board' : 'list'}"]`).waitFor();
  await page.locator(key === 'b' ? '[data-testid="task-card"]' : '[data-testid="task-row"]').first().waitFor();
}

/** @param {Page} page @param {string} id */
async function scrollTo(page, id) {
  await page.evaluate((sel) => document.querySelector(sel)?.scrollIntoView({ block: 'start' }), `#${id}`);
}

/** @type {{ name: string, query?: string, run?: (page: Page) => Promise<void> }[]} */
const SHOTS = [
  { name: 'onboarding', query: 'data=empty', run: (p) => p.getByTestId('onboarding').waitFor() },
  { name: 'onboarding-no-keyring', query: 'data=empty&keyring=off', run: (p) => p.getByTestId('keyring-warning').waitFor() },
  {
    name: 'inbox-skipped',
    query: 'data=empty',
    run: async (p) => {
      await p.getByTestId('onboarding-skip').click();
      await p.getByTestId('empty-inbox').waitFor();
    },
  },
  // Mail: the list with a conversation beside it, and every state around it.
  { name: 'inbox', run: async (p) => (await mailKeys(p, 'jj'), p.getByTestId('conversation-message').nth(2).waitFor()) },
  { name: 'inbox-nothing-selected', run: (p) => p.getByTestId('mail-row').first().waitFor() },
  {
    name: 'inbox-quoted-open',
    run: async (p) => {
      await mailKeys(p, 'jj');
      await p.keyboard.press('Enter');
      const last = p.getByTestId('conversation-message').nth(2);
      await last.getByTestId('quoted-toggle').click();
      await last.scrollIntoViewIfNeeded();
      await p.getByTestId('conversation').evaluate((el) => el.scrollBy(0, 220));
    },
  },
  {
    name: 'inbox-archive-100k',
    run: async (p) => {
      await p.getByTestId('mail-folder-role-archive').click();
      await p.getByTestId('mail-list').evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
      await p.locator('[data-testid="mail-row"][data-message-id="1050001"]').waitFor();
      await mailKeys(p, 'jjj');
      await p.getByTestId('conversation-message').waitFor({ state: 'attached' });
    },
  },
  {
    name: 'inbox-html-only',
    run: async (p) => {
      await p.getByTestId('mail-row').filter({ hasText: 'Config 2025' }).click();
      // An HTML-only message now shows in its sandboxed frame (HtmlBody), not as a note.
      await p.getByTestId('message-html').waitFor();
    },
  },
  {
    name: 'inbox-archived-undo',
    run: async (p) => {
      await mailKeys(p, 'je');
      await p.getByTestId('toast-action').waitFor();
    },
  },
  {
    name: 'inbox-search',
    run: async (p) => {
      await mailKeys(p, '/');
      await p.keyboard.type('invoice from march');
      await p.getByTestId('mail-search-soon').waitFor();
    },
  },
  {
    name: 'inbox-syncing',
    query: 'syncdelay=600000',
    run: async (p) => {
      await p.getByTestId('mail-sync-now').click();
      await p.getByTestId('mail-sync-status').getByText('Syncing…').waitFor();
    },
  },
  {
    name: 'inbox-sync-error',
    query: 'syncerror=1&syncdelay=50',
    run: async (p) => {
      await p.getByTestId('mail-sync-now').click();
      await p.getByTestId('mail-sync-retry').waitFor();
    },
  },
  {
    name: 'inbox-empty-folder',
    run: async (p) => {
      await p.getByTestId('mail-folder-13').getByRole('button').click();
      await p.getByTestId('mail-empty-folder').waitFor();
    },
  },
  { name: 'inbox-first-sync', query: 'data=nomail&syncdelay=600000', run: (p) => p.getByTestId('mail-first-sync').waitFor() },
  { name: 'calendar-empty', query: 'calendars=none', run: async (p) => (await go(p, 'c'), p.getByTestId('empty-calendar').waitFor()) },
  // Calendar: each view, the quick-add preview, an event's details, a recurring move.
  { name: 'calendar-week', run: (p) => calendarView(p, 'w') },
  { name: 'calendar-day', run: (p) => calendarView(p, 'd') },
  { name: 'calendar-month', run: (p) => calendarView(p, 'm') },
  { name: 'calendar-agenda', run: (p) => calendarView(p, 'a') },
  {
    name: 'calendar-quick-add',
    run: async (p) => {
      await calendarView(p, 'w');
      await p.keyboard.press('n');
      await p.keyboard.type('Lunch with the design team next Tuesday 12:30 at the Corner Café for an hour');
      await p.getByTestId('calendar-draft-title').waitFor();
    },
  },
  {
    name: 'calendar-event-details',
    run: async (p) => {
      await calendarView(p, 'w');
      await p.getByTestId('calendar-event').filter({ hasText: 'Stand-up' }).nth(3).click();
      await p.getByTestId('calendar-popover').waitFor();
    },
  },
  {
    name: 'calendar-delete-recurring',
    run: async (p) => {
      await calendarView(p, 'w');
      await p.getByTestId('calendar-event').filter({ hasText: 'Stand-up' }).first().click();
      await p.getByTestId('calendar-delete').click();
      await p.getByTestId('calendar-delete-confirm').waitFor();
    },
  },
  {
    name: 'invitation-card',
    run: async (p) => {
      await p.getByTestId('mail-row').filter({ hasText: 'Design review moved to Thursday' }).click();
      await p.getByTestId('invitation-card').waitFor();
    },
  },
  { name: 'inbox-today-panel', run: async (p) => (await p.getByTestId('today-item').first().waitFor(), p.getByTestId('mail-row').first().waitFor()) },
  // Tasks: the board (with the suggestions from the mail), the list, a task's details, the stats, a drag.
  { name: 'tasks-empty', query: 'tasks=none', run: async (p) => (await go(p, 't'), p.getByTestId('empty-tasks').waitFor()) },
  { name: 'tasks-board', run: (p) => tasksView(p, 'b') },
  {
    name: 'tasks-list',
    run: async (p) => {
      await tasksView(p, 'l');
      await p.getByTestId('tasks-filter-status-all').click();
    },
  },
  {
    name: 'tasks-list-filtered',
    run: async (p) => {
      await tasksView(p, 'l');
      await p.getByTestId('tasks-filter-due').selectOption('overdue');
      await p.getByTestId('tasks-sort').selectOption('due');
    },
  },
  {
    name: 'tasks-detail',
    run: async (p) => {
      await tasksView(p, 'b');
      await p.getByTestId('task-card').filter({ hasText: 'Prepare the Q4 budget review' }).getByTestId('task-open').click();
      await p.getByTestId('task-detail').waitFor();
    },
  },
  {
    name: 'tasks-stats',
    run: async (p) => {
      await tasksView(p, 'b');
      await p.getByTestId('tasks-stats-toggle').click();
      await p.getByTestId('task-stats-chart').locator('rect').first().waitFor();
    },
  },
  {
    name: 'tasks-suggestions-one-list',
    run: async (p) => {
      await tasksView(p, 'b');
      await p.getByTestId('tasks-list-picker').selectOption({ label: 'Work · 13' });
      await p.getByTestId('task-suggestions').waitFor();
    },
  },
  {
    name: 'tasks-dragging',
    run: async (p) => {
      await tasksView(p, 'b');
      const card = p.getByTestId('task-card').filter({ hasText: 'Reply to Priya' }).getByTestId('task-open');
      const box = await card.boundingBox();
      const target = await p.locator('[data-testid="task-column"][data-column="doing"]').boundingBox();
      if (!box || !target) throw new Error('no card or column to drag');
      await p.mouse.move(box.x + 20, box.y + 10);
      await p.mouse.down();
      await p.mouse.move(box.x + 40, box.y + 30, { steps: 3 });
      await p.mouse.move(target.x + target.width / 2, target.y + 120, { steps: 6 });
      await p.getByTestId('task-drop-line').waitFor();
    },
  },
  {
    name: 'tasks-advice',
    run: async (p) => {
      await tasksView(p, 'b');
      await p.getByTestId('tasks-prioritise').click();
      await p.getByTestId('toast-action').click();
      await p.getByTestId('task-advice').waitFor();
    },
  },
  {
    name: 'tasks-board-big-scrolled',
    query: 'tasks=big',
    run: async (p) => {
      await tasksView(p, 'b');
      await p.getByTestId('tasks-list-picker').selectOption('2');
      const cards = p.locator('[data-testid="task-column"][data-column="todo"] [data-testid="task-column-cards"]');
      await cards.evaluate((el) => el.scrollTo({ top: 60_000 }));
      await p.getByTestId('task-card').filter({ hasText: /Board task 8\d\d/ }).first().waitFor();
      // Drag the first card in view of Doing down to the To do column's middle.
      const card = p.locator('[data-testid="task-column"][data-column="doing"] [data-testid="task-open"]').first();
      const box = await card.boundingBox();
      const target = await p.locator('[data-testid="task-column"][data-column="todo"]').boundingBox();
      if (!box || !target) throw new Error('no card or column to drag');
      await p.mouse.move(box.x + 20, box.y + 10);
      await p.mouse.down();
      await p.mouse.move(box.x + 40, box.y + 30, { steps: 3 });
      await p.mouse.move(target.x + target.width / 2, target.y + 300, { steps: 6 });
      await p.getByTestId('task-drop-line').waitFor();
    },
  },
  { name: 'documents', run: async (p) => (await go(p, 'd'), p.getByTestId('empty-documents').waitFor()) },
  { name: 'assistant', run: async (p) => (await go(p, 'a'), p.getByTestId('empty-assistant').waitFor()) },
  { name: 'activity', run: async (p) => (await go(p, 'l'), p.getByTestId('activity-list').waitFor()) },
  {
    name: 'activity-filtered',
    run: async (p) => {
      await go(p, 'l');
      await p.getByTestId('activity-actor-user').click();
      await p.getByTestId('activity-filter').fill('account');
      await p.getByTestId('activity-row').first().getByRole('button').click();
    },
  },
  {
    name: 'settings-assistant',
    run: async (p) => {
      await go(p, 's');
      await p.getByTestId('assistant-settings').waitFor();
      await p.getByTestId('assistant-settings').scrollIntoViewIfNeeded();
    },
  },
  { name: 'settings-accounts', run: async (p) => (await go(p, 's'), p.getByTestId('account-row-1').waitFor()) },
  {
    name: 'settings-row-test-failed',
    run: async (p) => {
      await go(p, 's');
      await p.getByTestId('account-test-2').click();
      await p.getByTestId('account-row-2').getByTestId('test-result').getByTestId('test-check-smtp').waitFor();
    },
  },
  {
    name: 'settings-remove-confirm',
    run: async (p) => {
      await go(p, 's');
      await p.getByTestId('account-remove-1').click();
      await p.getByTestId('account-remove-confirm-1').waitFor();
    },
  },
  {
    name: 'settings-form-errors',
    run: async (p) => {
      await go(p, 's');
      await p.getByTestId('account-save').click();
      await scrollTo(p, 'settings-account-form');
    },
  },
  {
    name: 'settings-form-prefilled',
    run: async (p) => {
      await go(p, 's');
      await scrollTo(p, 'settings-account-form');
      await p.getByTestId('account-email').pressSequentially('jane.doe@example.org');
      await p.getByTestId('smtp-security').selectOption('starttls');
      await p.getByTestId('account-password').fill('correct horse battery staple');
    },
  },
  {
    name: 'settings-add-test-result',
    run: async (p) => {
      await go(p, 's');
      await p.getByTestId('account-email').fill('jane.doe@example.org');
      await p.getByTestId('account-name').fill('Jane Doe');
      await p.getByTestId('account-username').fill('jane.doe@example.org');
      await p.getByTestId('account-password').fill('secret');
      await p.getByTestId('imap-host').fill('imap.example.org');
      await p.getByTestId('smtp-host').fill('smtp.example.org');
      await p.getByTestId('caldav-url').fill('https://dav.example.org/');
      await p.getByTestId('account-save').click();
      await p.locator('#form-test-result [data-testid="test-check-caldav"]').waitFor();
      await p.waitForTimeout(200);
    },
  },
  {
    name: 'settings-ai',
    run: async (p) => {
      await go(p, 's');
      await scrollTo(p, 'settings-ai');
    },
  },
  {
    name: 'settings-about',
    run: async (p) => {
      await go(p, 's');
      await scrollTo(p, 'settings-about');
    },
  },
  {
    name: 'error-toast',
    run: async (p) => {
      await go(p, 's');
      await p.evaluate(() =>
        /** @type {any} */ (window).__orbitBackend.rejectNext('notification_test', { code: 'database_locked', message: 'database is locked (SQLITE_BUSY) after 5000 ms' }),
      );
      await scrollTo(p, 'settings-notifications');
      await p.getByTestId('notification-test').click();
      await p.getByTestId('toast').getByRole('button', { name: 'Details' }).click();
    },
  },
  {
    name: 'shortcuts',
    run: async (p) => {
      await p.getByTestId('mail-row').first().waitFor();
      await p.keyboard.press('?');
      await p.getByTestId('shortcut-sheet').waitFor();
    },
  },
  {
    name: 'sync-running',
    run: async (p) => {
      await p.getByTestId('mail-row').first().waitFor();
      await p.evaluate(() =>
        /** @type {any} */ (window).__TAURI_INTERNALS__.invoke('plugin:event|emit', { event: 'sync-started', payload: null }),
      );
      await p.getByTestId('sync-status').waitFor();
    },
  },
  {
    name: 'focus-ring-sidebar',
    run: async (p) => {
      await p.getByTestId('mail-row').first().waitFor();
      await p.getByTestId('nav-inbox').focus();
      await p.keyboard.press('ArrowDown');
      await p.keyboard.press('ArrowDown');
    },
  },
];

const server = await createServer({
  root,
  configFile: path.join(root, 'vite.config.ts'),
  logLevel: 'error',
  server: { port: 5197, strictPort: false, host: '127.0.0.1' },
});
await server.listen();
const base = server.resolvedUrls?.local[0];
if (!base) throw new Error('Vite did not report a URL');

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
});

// A full run starts from an empty folder; a filtered run only replaces its own shots.
if (!only) await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });

// The window's minimum size (tauri.conf.json minWidth/minHeight): a few dense screens must still fit.
const NARROW = new Set(['tasks-board', 'tasks-list', 'tasks-detail', 'onboarding-no-keyring', 'activity', 'settings-accounts', 'settings-row-test-failed', 'settings-form-prefilled', 'settings-ai', 'calendar-week', 'calendar-month', 'calendar-agenda']);
// The mail reader changes layout there (folder rail; list or conversation), so both themes.
const NARROW_MAIL = new Set(['inbox-nothing-selected', 'inbox-quoted-open', 'inbox-archive-100k', 'inbox-sync-error', 'inbox-first-sync', 'shortcuts']);
const RUNS = [
  { suffix: 'light', colorScheme: 'light', viewport: { width: 1280, height: 800 }, shots: SHOTS },
  { suffix: 'dark', colorScheme: 'dark', viewport: { width: 1280, height: 800 }, shots: SHOTS },
  { suffix: 'narrow', colorScheme: 'light', viewport: { width: 720, height: 520 }, shots: SHOTS.filter((s) => NARROW.has(s.name) || NARROW_MAIL.has(s.name)) },
  { suffix: 'narrow-dark', colorScheme: 'dark', viewport: { width: 720, height: 520 }, shots: SHOTS.filter((s) => NARROW_MAIL.has(s.name) || s.name === 'tasks-board') },
];

const problems = [];
let count = 0;
const started = Date.now();
try {
  for (const run of RUNS) {
    const context = await browser.newContext({
      viewport: run.viewport,
      colorScheme: /** @type {'light' | 'dark'} */ (run.colorScheme),
      reducedMotion: 'reduce',
    });
    for (const shot of run.shots) {
      if (only && !shot.name.includes(only)) continue;
      const page = await context.newPage();
      const label = `${shot.name}-${run.suffix}`;
      page.on('pageerror', (e) => problems.push(`${label}: page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${label}: console ${m.type()}: ${m.text()}`);
      });
      await page.goto(`${base}preview.html${shot.query ? `?${shot.query}` : ''}`);
      await page.getByTestId('nav-inbox').waitFor();
      await page.waitForFunction(() => document.querySelector('main')?.children.length);
      await shot.run?.(page);
      await page.waitForTimeout(150);
      const overflow = await page.evaluate(() => {
        const main = document.querySelector('main');
        const wide = [...document.querySelectorAll('main *')].filter((el) => {
          const r = el.getBoundingClientRect();
          return r.width > 0 && r.right > window.innerWidth + 1;
        });
        return {
          page: document.documentElement.scrollWidth > window.innerWidth,
          main: main ? main.scrollWidth > main.clientWidth : false,
          offenders: wide.slice(0, 3).map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`),
        };
      });
      if (overflow.page || overflow.main || overflow.offenders.length) problems.push(`${label}: horizontal overflow ${JSON.stringify(overflow)}`);
      await page.screenshot({ path: path.join(outDir, `${label}.png`) });
      count++;
      await page.close();
    }
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}

console.log(`preview-shots: ${count} screenshots in ${path.relative(process.cwd(), outDir) || '.'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
if (problems.length) {
  console.error(problems.join('\n'));
  process.exitCode = 1;
}

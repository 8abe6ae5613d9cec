// preview.html's entry: a mocked IPC with realistic fake data, then the real app.
// Query string: ?data=empty (first start), ?data=nomail (accounts, no mail synced yet),
// ?keyring=off (no keyring), ?delay=ms (account_test latency), ?syncerror=1 (mail_sync reports a
// folder error for the first account), ?syncdelay=ms (mail_sync latency), ?calendars=none (no
// calendar yet), ?tasks=none (no task list yet).
import { FakeBackend, emptyCalendar, emptyData, emptyMail, emptyTasks, sampleData } from '../mock/backend';
import type { Check } from '../lib/types';

const params = new URLSearchParams(location.search);
const data = params.get('data') === 'empty' ? emptyData() : sampleData();
if (params.get('data') === 'nomail') data.mail = emptyMail();
if (params.get('calendars') === 'none') data.calendar = emptyCalendar();
if (params.get('tasks') === 'none') data.tasks = emptyTasks();
if (params.get('tasks') === 'big') {
  // A 2,000-card To do column in the Home list, for measuring a move on a big board.
  for (let n = 0; n < 2000; n++) {
    data.tasks.tasks.push({
      uid: `big-${n}@orbit`, list_id: 2, title: `Board task ${n}`, notes: '', status: 'needs-action', column: 'todo',
      order: 10_000_000 + n * 1024, priority: 1 + (n % 9), due: null, start: null, estimate_minutes: null, tags: [`tag${n % 7}`],
      parent: null, percent: 0, recurring: false, completed_at: null, created_at: '2026-11-01T10:00:00Z', links: [],
    });
  }
}
if (params.get('keyring') === 'off') {
  data.info.keyring = { available: false, message: 'No Secret Service provider is running on the session bus (org.freedesktop.secrets).' };
}

// Northwind's SMTP keeps failing so the failure rendering can be seen; everything else passes.
function testAccount(account: { imap: unknown; smtp: { host: string } | null; caldav_url: string | null }): Check[] {
  const checks: Check[] = [];
  if (account.imap) checks.push({ service: 'imap', ok: true, kind: null, message: 'Signed in, 2 folders', elapsed_ms: 212 });
  if (account.smtp) {
    const bad = account.smtp.host.includes('northwind');
    checks.push(
      bad
        ? { service: 'smtp', ok: false, kind: 'auth', message: '535 5.7.8 Authentication credentials invalid', elapsed_ms: 388 }
        : { service: 'smtp', ok: true, kind: null, message: 'Signed in', elapsed_ms: 247 },
    );
  }
  if (account.caldav_url) checks.push({ service: 'caldav', ok: true, kind: null, message: 'Found 3 calendars', elapsed_ms: 301 });
  return checks;
}

const backend = new FakeBackend(data, {
  testAccount,
  testDelayMs: Number(params.get('delay') ?? 250),
  syncDelayMs: Number(params.get('syncdelay') ?? 1200),
  changeDelayMs: 40,
  calendarSyncDelayMs: 800,
  syncErrors: params.get('syncerror') ? { 1: ['Spam: SELECT failed: NO [UNAVAILABLE] Mailbox is temporarily unavailable'] } : {},
}).install();
(window as unknown as { __orbitBackend: FakeBackend }).__orbitBackend = backend;

// Like the real app (tauri.conf.json "freezePrototype": true), so code that writes to
// Object.prototype fails here first.
Object.freeze(Object.prototype);

await import('../main');

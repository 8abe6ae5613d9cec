// Times moving a card on a 2,000-task board in Chromium against the preview's mocked IPC
// (preview.html?tasks=big): key press to the second frame after the card shows in its new
// column. The real-window figure is measured by the end-to-end run (WebKitGTK); this one is
// for iterating quickly.
//
//   node scripts/measure-board.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, createServer, preview } from 'vite';
import { tmpdir } from 'node:os';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// PROD=1 measures a production build (no Svelte dev checks), as the app ships.
const outDir = path.join(tmpdir(), 'orbit-measure-board');
if (process.env.PROD) await build({ root, logLevel: 'error', build: { outDir, emptyOutDir: true, rolldownOptions: { input: 'preview.html' } } });
const server = process.env.PROD
  ? await preview({ root, logLevel: 'error', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } })
  : await createServer({ root, logLevel: 'error', server: { port: 0, host: '127.0.0.1' } });
if ('listen' in server) await server.listen();
const address = server.httpServer?.address();
const port = typeof address === 'object' && address ? address.port : 0;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`http://127.0.0.1:${port}/preview.html?tasks=big`);
  await page.locator('body').click({ position: { x: 1270, y: 790 } });
  await page.keyboard.press('g');
  await page.keyboard.press('t');
  await page.getByTestId('tasks-list-picker').selectOption('2');
  await page.locator('[data-testid="task-card"]').first().waitFor();
  // In the app the core answers from another thread; the mock answers on this one, at once. Its
  // answers come 50 ms later here so the measured frames hold the webview's own work only.
  await page.evaluate((delay) => {
    const internals = /** @type {any} */ (window).__TAURI_INTERNALS__;
    const invoke = internals.invoke;
    internals.invoke = (/** @type {unknown[]} */ ...args) => new Promise((resolve) => setTimeout(resolve, delay)).then(() => invoke(...args));
  }, Number(process.env.IPC_DELAY ?? 50));
  await page.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : undefined));
  await page.keyboard.press('j');
  const rendered = await page.evaluate(() => document.querySelectorAll('[data-testid="task-card"]').length);
  const cdp = process.env.PROFILE ? await page.context().newCDPSession(page) : null;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
  }
  const times = [];
  for (let i = 0; i < 7; i++) {
    const r = await page.evaluate(
      () =>
        new Promise((done) => {
          const card = document.activeElement?.closest('[data-testid="task-card"]');
          if (!card) return done({ error: 'no focused card' });
          const uid = card.getAttribute('data-uid');
          const from = card.getAttribute('data-column');
          const key = from === 'todo' ? 'ArrowRight' : 'ArrowLeft';
          const board = document.querySelector('[data-testid="task-board"]');
          if (!board) return done({ error: 'no board' });
          // Work = the key's script up to the changed DOM, plus the next frame's style, layout
          // and paint (rAF to a task queued in it, which runs after the paint); the idle wait for
          // the frame is not work. Latency = key to painted.
          let t1 = 0;
          const observer = new MutationObserver(() => {
            const now = document.querySelector(`[data-testid="task-card"][data-uid="${CSS.escape(uid ?? '')}"]`);
            if (t1 || !now || now.getAttribute('data-column') === from) return;
            t1 = performance.now();
            observer.disconnect();
            requestAnimationFrame(() => {
              const t2 = performance.now();
              setTimeout(() => {
                const t3 = performance.now();
                done({ work: t1 - t0 + (t3 - t2), latency: t3 - t0, script: t1 - t0, frame: t3 - t2 });
              }, 0);
            });
          });
          observer.observe(board, { subtree: true, childList: true, attributes: true });
          setTimeout(() => (t1 ? undefined : (observer.disconnect(), done({ error: 'did not move' }))), 5000);
          const t0 = performance.now();
          document.activeElement?.dispatchEvent(new KeyboardEvent('keydown', { key, shiftKey: true, bubbles: true, cancelable: true }));
        }),
    );
    if (r.error) throw new Error(r.error);
    times.push(r);
    await page.waitForTimeout(300);
    await page.evaluate(() => {
      const card = document.querySelector('[data-testid="task-card"] [tabindex="0"]');
      if (card instanceof HTMLElement) card.focus();
    });
  }
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map();
    const dt = new Map();
    (profile.samples ?? []).forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0)));
    for (const n of profile.nodes) {
      const f = n.callFrame;
      const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/').split('?')[0]}:${f.lineNumber}`;
      self.set(key, (self.get(key) ?? 0) + (dt.get(n.id) ?? 0));
    }
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(v / 1000).toFixed(1).padStart(8)} ms  ${k}`);
    // Inclusive time per function (each sample counted once per function on its stack).
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const incl = new Map();
    for (const n of profile.nodes) {
      const t = dt.get(n.id) ?? 0;
      if (!t) continue;
      const seen = new Set();
      for (let id = n.id; id !== undefined; id = parent.get(id)) {
        const f = byId.get(id)?.callFrame;
        if (!f) break;
        const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/').split('?')[0]}:${f.lineNumber}`;
        if (seen.has(key)) continue;
        seen.add(key);
        incl.set(key, (incl.get(key) ?? 0) + t);
      }
    }
    console.log('--- inclusive');
    for (const [k, v] of [...incl].filter(([k]) => !/\(root\)|\(idle\)|\(program\)/.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(`${(v / 1000).toFixed(1).padStart(8)} ms  ${k}`);
  }
  const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const work = times.map((t) => t.work);
  const latency = times.map((t) => t.latency);
  console.log(`script ${times.map((t) => t.script.toFixed(1)).join(", ")}; frame ${times.map((t) => t.frame.toFixed(1)).join(", ")}`);
  console.log(`cards rendered: ${rendered}; a move on a 2,000-task board (Chromium, mocked IPC): work median ${median(work).toFixed(1)} ms (${work.map((t) => t.toFixed(1)).join(', ')}); key to painted median ${median(latency).toFixed(1)} ms`);
  await page.screenshot({ path: path.join(root, 'shots', 'tasks-board-big-measured.png') });
} finally {
  await browser.close();
  await server.close();
}

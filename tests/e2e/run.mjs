// WebDriver tests of the real Orbit app: tauri-driver drives the Tauri window through
// WebKitWebDriver. Run inside Xvfb and a D-Bus session with an unlocked keyring, with the
// test servers' env.sh loaded (scripts/test does all of that).
//
// Each step below counts as one test; the run ends with "N passed, N failed".

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { remote } from 'webdriverio';
import { startModel } from './model.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const shots = process.env.ORBIT_SHOTS_DIR ?? join(here, 'shots');
mkdirSync(shots, { recursive: true });

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through scripts/test`);
  return value;
};
const app = need('ORBIT_APP_BIN');
const driverBin = need('TAURI_DRIVER');
const env = {
  imapPort: need('ORBIT_TEST_IMAP_PORT'),
  user: need('ORBIT_TEST_USER'),
  password: need('ORBIT_TEST_PASSWORD'),
  imaps: need('ORBIT_TEST_IMAPS_PORT'),
  smtps: need('ORBIT_TEST_SMTPS_PORT'),
  caldav: need('ORBIT_TEST_CALDAV_URL'),
  ca: need('ORBIT_TEST_CA'),
};

const results = [];
// ORBIT_E2E_ONLY=regex runs only the steps whose names match (while working on one screen).
const only = process.env.ORBIT_E2E_ONLY ? new RegExp(process.env.ORBIT_E2E_ONLY) : null;
async function step(name, body) {
  if (only && !only.test(name)) return;
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`test ${name} ... ok (${Date.now() - started} ms)`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`test ${name} ... FAILED (${Date.now() - started} ms)\n${err?.stack ?? err}`);
    // What the window showed, for a failure on a machine whose screenshots are gone.
    const text = await browser
      ?.execute(() => document.body?.innerText ?? '')
      .catch((e) => `(page text unavailable: ${e})`);
    if (text !== undefined) console.log(`--- window text at failure ---\n${String(text).slice(0, 2000)}\n---`);
    throw err;
  }
}

function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.end(); resolve(); });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`port ${port} never opened`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

// A canary HTTP server: any request it receives is a leak from the webview.
const canaryHits = [];
const canary = createServer((req, res) => { canaryHits.push(req.url); res.end('x'); });
await new Promise((resolve) => canary.listen(0, '127.0.0.1', resolve));
const canaryUrl = `http://127.0.0.1:${canary.address().port}`;

const dataDir = mkdtempSync(join(tmpdir(), 'orbit-e2e-'));
// The assistant's model: a scripted local server in Anthropic's wire format.
const model = await startModel();

// A desktop tray (StatusNotifier host) on the session bus, started before the app so the app
// sees it and closes to the tray. tray.py and xwin.py play the desktop's part.
const python = '/usr/bin/python3';
const trayFile = join(dataDir, 'tray-items');
const trayHost = spawn(python, [join(here, 'tray.py'), 'watch', trayFile], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  trayHost.stdout.on('data', (chunk) => { if (String(chunk).includes('tray host ready')) resolve(); });
  trayHost.once('exit', (code) => reject(new Error(`the tray host exited (${code})`)));
  setTimeout(() => reject(new Error('the tray host did not start')), 10000);
});
const tray = (...args) => execFileSync(python, [join(here, 'tray.py'), args[0], trayFile, ...args.slice(1)], { encoding: 'utf8' });
// Every desktop notification the app sends, as the notification daemon would receive it.
const notifications = [];
const monitor = spawn('dbus-monitor', ["interface='org.freedesktop.Notifications',member='Notify'"], { stdio: ['ignore', 'pipe', 'ignore'] });
monitor.stdout.on('data', (chunk) => notifications.push(String(chunk)));
const notified = (needle) => notifications.join('').split('member=Notify').filter((call) => call.includes(needle)).length;
const mailbox = (...args) => execFileSync(python, [join(here, 'mailbox.py'), args[0], env.imapPort, env.user, env.password, ...args.slice(1)], { encoding: 'utf8' }).trim();
mailbox('seed');
const a11y = (...args) => execFileSync(python, [join(here, 'a11y.py'), ...args], { encoding: 'utf8' }).trim();
const xwin = (...args) => execFileSync(python, [join(here, 'xwin.py'), ...args], { encoding: 'utf8' }).trim();
const caldav = (...args) => execFileSync(python, [join(here, 'caldav.py'), ...args], { encoding: 'utf8' }).trim();
const onServer = (needle) => {
  try {
    caldav('find', env.caldav, env.user, env.password, needle);
    return true;
  } catch {
    return false;
  }
};
const putAlarmEvent = (uid, summary, seconds) =>
  caldav('put', env.caldav, env.user, env.password, 'calendar', uid, caldav('alarm-event', uid, summary, String(seconds)));
function startDriver(extraEnv = {}, data = dataDir) {
  return spawn(driverBin, ['--port', '4444', '--native-port', '4445', '--native-driver', '/usr/bin/WebKitWebDriver'], {
    env: {
      ...process.env,
      ORBIT_DATA_DIR: data,
      ORBIT_EXTRA_CA_CERTS: env.ca,
      ORBIT_NET_TIMEOUT_MS: '8000',
      ANTHROPIC_BASE_URL: model.url,
      ANTHROPIC_API_KEY: 'sk-ant-e2e-not-a-real-key',
      ...extraEnv,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
async function openSession() {
  await waitForPort(4444, 20000);
  // A driver that was just stopped can still hold the native driver's port for a moment, and
  // the first session request then fails at the socket: try again a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await remote({
        hostname: '127.0.0.1',
        port: 4444,
        logLevel: 'warn',
        capabilities: { 'tauri:options': { application: app }, 'wdio:enforceWebDriverClassic': true },
      });
    } catch (err) {
      if (attempt >= 4) throw err;
      console.log(`WARN starting a WebDriver session failed (${err?.message ?? err}); trying again`);
      await new Promise((r) => setTimeout(r, 1500));
    }
  }
}
/** Resolves once nothing listens on `port` any more (the old native driver is gone). */
function waitForPortFree(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        if (Date.now() > deadline) resolve();
        else setTimeout(attempt, 100);
      });
      socket.once('error', () => {
        socket.destroy();
        resolve();
      });
    };
    attempt();
  });
}
const stopDriver = async (d) => {
  await new Promise((resolve) => {
    if (d.exitCode !== null) return resolve();
    d.once('exit', resolve);
    d.kill('SIGTERM'); // not SIGKILL: that orphans WebKitWebDriver
  });
  await waitForPortFree(4445, 10000);
};
const appRunning = () => {
  try {
    return execFileSync('pgrep', ['-f', app], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
};
let driver = startDriver();

let browser;
let failed = false;
const byTestId = (id) => browser.$(`[data-testid="${id}"]`);
const textOf = (id) => browser.execute((tid) => document.querySelector(`[data-testid="${tid}"]`)?.textContent ?? '', id);
const shot = async (name) => {
  await browser.pause(400); // let the last frame land before the capture
  await browser.saveScreenshot(join(shots, `${name}.png`));
};

try {
  await step('the window opens on the onboarding screen', async () => {
    browser = await openSession();
    await (await byTestId('onboarding')).waitForDisplayed({ timeout: 30000 });
    const title = await browser.getTitle();
    if (title !== 'Orbit') throw new Error(`window title is ${title}`);
    await shot('onboarding');
  });

  await step('no Tauri global is exposed and the CSP blocks remote loads', async () => {
    const globals = await browser.execute(() => [typeof window.__TAURI__, typeof window.__TAURI_INTERNALS__]);
    if (globals[0] !== 'undefined') throw new Error('withGlobalTauri must be off');
    await browser.execute((url) => {
      const img = document.createElement('img');
      img.src = `${url}/img`;
      document.body.appendChild(img);
      fetch(`${url}/fetch`).catch(() => {});
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = `${url}/css`;
      document.head.appendChild(link);
    }, canaryUrl);
    await browser.pause(1500);
    if (canaryHits.length) throw new Error(`the webview reached the network: ${canaryHits.join(', ')}`);
  });

  await step('an account is added against the local servers and passes its connection test', async () => {
    await (await byTestId('onboarding-add-account')).click();
    const fill = async (id, value) => {
      const field = await byTestId(id);
      await field.waitForDisplayed({ timeout: 10000 });
      await field.clearValue();
      await field.setValue(value);
    };
    await fill('account-email', 'alice@example.com');
    await fill('account-name', 'Work');
    await fill('account-username', env.user);
    await fill('account-password', env.password);
    await (await byTestId('imap-security')).selectByAttribute('value', 'tls');
    await fill('imap-host', 'localhost');
    await fill('imap-port', env.imaps);
    await (await byTestId('smtp-security')).selectByAttribute('value', 'tls');
    await fill('smtp-host', 'localhost');
    await fill('smtp-port', env.smtps);
    await fill('caldav-url', env.caldav);
    await shot('account-form');
    await (await byTestId('account-save')).click();
    const result = await byTestId('test-result');
    await result.waitForDisplayed({ timeout: 30000 });
    await browser.waitUntil(async () => /CalDAV/.test(await result.getText()), { timeout: 30000, timeoutMsg: 'no test result' });
    const status = await browser.$('[data-testid^="account-status-"]');
    await status.waitForDisplayed({ timeout: 30000 });
    await browser.waitUntil(async () => (await status.getText()).includes('Connected'), {
      timeout: 30000,
      timeoutMsg: `status stayed ${await status.getText()}; result: ${await result.getText()}`,
    });
    const text = await browser.execute((el) => el.textContent, result);
    for (const service of ['IMAP', 'SMTP', 'CalDAV']) {
      if (!text.includes(service)) throw new Error(`the result does not mention ${service}: ${text}`);
    }
    await shot('settings-account-connected');
  });

  await step('the password never reaches the webview', async () => {
    const html = await browser.execute(() => document.documentElement.outerHTML);
    if (html.includes(env.password)) throw new Error('the password is in the page');
  });

  await step('the activity screen lists what happened', async () => {
    await (await byTestId('nav-activity')).click();
    const list = await byTestId('activity-list');
    await list.waitForDisplayed({ timeout: 10000 });
    await browser.waitUntil(async () => (await browser.$$('[data-testid="activity-row"]')).length >= 3, {
      timeout: 10000,
      timeoutMsg: 'fewer than 3 activity rows',
    });
    // textContent, not getText: WebDriver's getText leaves out text it deems not rendered.
    const text = await browser.execute((el) => el.textContent, list);
    for (const expected of ['Added account Work', 'Tested account Work']) {
      if (!text.includes(expected)) throw new Error(`activity lacks "${expected}": ${text}`);
    }
    await shot('activity');
  });

  await step('the inbox shows the synced mail and opens a conversation', async () => {
    await browser.keys(['g', 'i']);
    await browser.waitUntil(async () => (await browser.$$('[data-testid="mail-row"]')).length === 3, {
      timeout: 30000,
      timeoutMsg: 'the three messages did not arrive in the inbox',
    });
    await shot('inbox');
    const rows = await browser.$$('[data-testid="mail-row"]');
    let target = rows[0];
    for (const row of rows) {
      if (/checklist/i.test(await browser.execute((el) => el.textContent, row))) target = row;
    }
    await target.click();
    const conversation = await byTestId('conversation');
    await conversation.waitForDisplayed({ timeout: 10000 });
    await browser.waitUntil(async () => /checklist/i.test(await browser.execute((el) => el.textContent, conversation)), {
      timeout: 10000,
      timeoutMsg: 'the conversation did not show the message',
    });
    await shot('conversation');
  });

  await step('flagging with s reaches the server', async () => {
    const selected = await browser.$('[data-testid="mail-row-selected"]');
    const messageId = await selected.getAttribute('data-message-id');
    if (!messageId) throw new Error('no selected message');
    await browser.execute(() => document.activeElement && document.activeElement.blur && document.activeElement.blur());
    await browser.keys(['s']);
    await browser.waitUntil(async () => {
      const flags = ['e2e-1@example.com', 'e2e-2@example.com', 'e2e-3@example.com'].map((id) => mailbox('flags', id)).join(' ');
      return flags.includes('Flagged');
    }, { timeout: 20000, timeoutMsg: 'the flag did not reach the server' });
  });

  await step('search finds mail as the word is typed, marks it, and opens the conversation; so does Ctrl+K', async () => {
    await browser.execute(() => document.activeElement && document.activeElement.blur && document.activeElement.blur());
    await browser.keys(['/']);
    await (await byTestId('mail-search')).waitForDisplayed({ timeout: 5000 });
    await browser.keys([...'checkl']);
    await browser.waitUntil(async () => (await browser.$$('[data-testid="search-hit"]')).length === 1, {
      timeout: 10000,
      timeoutMsg: 'no result while the word was being typed',
    });
    await browser.keys([...'ist ']);
    await browser.waitUntil(
      async () => (await browser.execute(() => document.querySelector('[data-testid="search-snippet"] mark')?.textContent ?? '')).toLowerCase() === 'checklist',
      { timeout: 10000, timeoutMsg: 'the matched word is not marked in the snippet' },
    );
    await shot('search');
    await browser.keys(['ArrowDown']);
    const conversation = await byTestId('conversation');
    await conversation.waitForDisplayed({ timeout: 10000 });
    await browser.waitUntil(async () => /checklist/i.test(await browser.execute((el) => el.textContent, conversation)), {
      timeout: 10000,
      timeoutMsg: 'the result did not open its conversation',
    });
    await (await byTestId('search-results')).click();
    await browser.keys(['Escape']);
    await browser.waitUntil(async () => (await browser.$$('[data-testid="mail-row"]')).length === 3, {
      timeout: 10000,
      timeoutMsg: 'Esc did not go back to the inbox',
    });
    // Ctrl+K from anywhere: the palette finds the same mail and opens it in the inbox.
    await browser.keys(['g', 'l']);
    await (await byTestId('activity-list')).waitForDisplayed({ timeout: 5000 });
    await browser.keys(['Control', 'k']);
    await (await byTestId('palette-input')).waitForDisplayed({ timeout: 5000 });
    await browser.keys([...'checklist']);
    await browser.waitUntil(
      async () => (await browser.execute(() => document.querySelector('[data-testid="palette-item"]')?.getAttribute('data-kind'))) === 'hit',
      { timeout: 10000, timeoutMsg: 'the palette found no mail' },
    );
    await shot('palette');
    await browser.keys(['Enter']);
    const opened = await byTestId('conversation');
    await opened.waitForDisplayed({ timeout: 10000 });
    await browser.waitUntil(async () => /checklist/i.test(await browser.execute((el) => el.textContent, opened)), {
      timeout: 10000,
      timeoutMsg: 'the palette did not open the conversation in the inbox',
    });
    await (await byTestId('search-results')).click();
    await browser.keys(['Escape']);
    await browser.waitUntil(async () => (await browser.$$('[data-testid="mail-row"]')).length === 3, {
      timeout: 10000,
      timeoutMsg: 'Esc did not go back to the inbox after the palette',
    });
  });

  await step('new inbox mail is announced once, and a burst is not announced again at once', async () => {
    mailbox('append', 'e2e-new-1@example.com');
    await browser.waitUntil(async () => notified('new message') >= 1, {
      timeout: 20000,
      timeoutMsg: 'no new-mail notification reached the notification service',
    });
    for (const n of [2, 3, 4]) mailbox('append', `e2e-new-${n}@example.com`);
    await browser.waitUntil(async () => (await browser.$$('[data-testid="mail-row"]')).length === 7, {
      timeout: 20000,
      timeoutMsg: 'the burst did not arrive',
    });
    await browser.pause(1000);
    const count = notified('new message');
    if (count !== 1) throw new Error(`expected one notification within the minute, saw ${count}`);
  });

  await step('hostile HTML mail renders inert: no script, no request, no navigation', async () => {
    const hostileDir = join(here, '..', 'hostile');
    const count = Number(mailbox('hostile', hostileDir, `${canaryUrl}/hostile`));
    if (count < 40) throw new Error(`the hostile corpus has ${count} payloads`);
    const total = 7 + count;
    await browser.waitUntil(async () => (await browser.execute(() => document.querySelector('[data-testid="mail-list-counts"]')?.textContent ?? '')).includes(`${total} messages`), {
      timeout: 30000,
      timeoutMsg: 'the hostile mail did not arrive',
    });
    const titleBefore = await browser.getTitle();
    // The list is virtualised: walk it with j from the top, reading each conversation.
    await (await browser.$$('[data-testid="mail-row"]'))[0].click();
    const seen = new Set();
    let checked = 0;
    for (let i = 0; i < total; i++) {
      if (i > 0) {
        await browser.execute(() => document.activeElement && document.activeElement.blur && document.activeElement.blur());
        await browser.keys(['j']);
      }
      const subject = await browser.waitUntil(async () => {
        const now = await browser.execute(() => {
          const id = document.querySelector('[data-testid="mail-row-selected"]')?.getAttribute('data-message-id');
          const open = document.querySelector('[data-testid="conversation-message"].current')?.getAttribute('data-message-id');
          const text = document.querySelector('[data-testid="conversation"] .subject')?.textContent ?? '';
          return id && id === open ? { id, text } : null;
        });
        return now && !seen.has(now.id) ? now : false;
      }, { timeout: 10000, timeoutMsg: `message ${i + 1} did not open` });
      seen.add(subject.id);
      const match = /^hostile (\d\d-[a-z0-9-]+)/.exec(subject.text);
      if (!match) continue;
      const name = match[1];
      const frame = await browser.$('[data-testid="message-html"]');
      await frame.waitForExist({ timeout: 10000, timeoutMsg: `${name}: no safe viewer` });
      await browser.waitUntil(
        async () => browser.execute((el) => el.dataset.ready === 'true' && el.contentDocument?.readyState === 'complete', frame),
        { timeout: 10000, timeoutMsg: `${name}: the viewer did not load` },
      ).catch(async (e) => {
        const info = await browser.execute((el) => ({ href: el.contentWindow?.location.href, ready: el.contentDocument?.readyState, body: el.contentDocument?.body?.innerHTML?.slice(0, 200), srcdoc: el.srcdoc.length }), frame);
        throw new Error(`${e.message}: ${JSON.stringify(info)}`);
      });
      await browser.pause(150);
      const state = await browser.execute((el) => {
        const doc = el.contentDocument;
        return {
          sandbox: el.getAttribute('sandbox'),
          location: el.contentWindow?.location.href,
          scripts: doc ? doc.querySelectorAll('script, iframe, object, embed, form, meta[http-equiv="Refresh" i], body base, base:not([href="about:srcdoc"])').length : -1,
          handlers: doc ? [...doc.querySelectorAll('*')].filter((n) => [...n.attributes].some((a) => a.name.startsWith('on'))).length : -1,
          pwned: Boolean(window.__pwned || el.contentWindow?.__pwned) || document.title === 'pwned' || (doc?.title ?? '') === 'pwned',
        };
      }, frame);
      if (state.sandbox !== 'allow-same-origin') throw new Error(`${name}: sandbox is ${state.sandbox}`);
      if (state.location !== 'about:srcdoc') throw new Error(`${name}: the viewer navigated to ${state.location}`);
      if (state.scripts !== 0 || state.handlers !== 0) throw new Error(`${name}: ${state.scripts} active elements, ${state.handlers} handlers`);
      if (state.pwned) throw new Error(`${name}: a script ran`);
      if (canaryHits.length) throw new Error(`${name}: the viewer reached the network: ${canaryHits.join(', ')}`);
      if (name === '28-css-url') await shot('hostile-css');
      checked += 1;
      if (name === '39-phishing-link') {
        // A link inside the viewer asks first and shows where it really goes; nothing navigates.
        await browser.switchToFrame(frame);
        await (await browser.$('a')).click();
        await browser.switchToParentFrame();
        const target = await byTestId('link-target');
        await target.waitForDisplayed({ timeout: 5000 });
        if ((await target.getText()) !== 'https://evil.example/login') throw new Error(`the prompt shows ${await target.getText()}`);
        await (await byTestId('link-mismatch')).waitForDisplayed({ timeout: 2000 });
        await shot('link-prompt');
        await (await byTestId('link-cancel')).click();
        const location = await browser.execute((el) => el.contentWindow?.location.href, frame);
        if (location !== 'about:srcdoc') throw new Error(`the viewer navigated to ${location}`);
        // Give the keyboard back to the app (the click put focus inside the frame).
        await (await browser.$('[data-testid="conversation"] .subject')).click();
      }
    }
    if (checked !== count) throw new Error(`checked ${checked} of ${count} hostile messages`);
    if ((await browser.getTitle()) !== titleBefore) throw new Error('the window title changed');
    if (canaryHits.length) throw new Error(`the network was reached: ${canaryHits.join(', ')}`);
  });

  await step('a 200 KB newsletter goes from the store to a painted safe viewer (figure)', async () => {
    const bytes = Number(mailbox('newsletter', 'e2e-newsletter@example.com'));
    await browser.waitUntil(async () => (await browser.execute(() => document.querySelector('[data-testid="mail-list-counts"]')?.textContent ?? '')).includes('48 messages'), {
      timeout: 30000,
      timeoutMsg: 'the newsletter did not arrive',
    });
    const times = [];
    for (let round = 0; round < 5; round++) {
      // Back to the top of the list, and another message first, so each round renders anew.
      await browser.execute(() => {
        const list = document.querySelector('[data-testid="mail-list"]');
        if (list) list.scrollTop = 0;
      });
      await browser.pause(300);
      const find = async (re) => {
        for (const r of await browser.$$('[data-testid="mail-row"]')) {
          if (re.test(await browser.execute((el) => el.textContent, r))) return r;
        }
        throw new Error(`no row matching ${re}`);
      };
      await (await find(/e2e-new-4/)).click();
      await browser.pause(200);
      await (await find(/weekly newsletter/i)).click();
      const ms = await browser.waitUntil(
        async () => {
          const v = await browser.execute(() => document.querySelector('[data-testid="message-html"]')?.getAttribute('data-render-ms') ?? '');
          return v !== '' ? Number(v) : false;
        },
        { timeout: 10000, timeoutMsg: 'the newsletter did not render' },
      ).catch(async (e) => {
        const info = await browser.execute(() => {
          const f = document.querySelector('[data-testid="message-html"]');
          return { url: f?.contentDocument?.URL, state: f?.contentDocument?.readyState, loc: f?.contentWindow?.location.href, found: Boolean(f), attrs: f ? [...f.attributes].map((a) => `${a.name}=${a.value.slice(0, 40)}`) : [], subject: document.querySelector('[data-testid="conversation"] .subject')?.textContent, body: document.querySelector('[data-testid="message-body"]')?.textContent?.slice(0, 200) };
        });
        throw new Error(`${e.message}: round ${round}: ${JSON.stringify(info)}`);
      });
      times.push(ms);
    }
    times.sort((a, b) => a - b);
    console.log(`FIGURE newsletter ${Math.round(bytes / 1024)} KB, store to painted iframe: median ${times[2]} ms (${times.join(', ')})`);
    await shot('newsletter');
    if (canaryHits.length) throw new Error(`the network was reached: ${canaryHits.join(', ')}`);
  });

  await step('c writes a message; Undo takes the send back; sent again it reaches the SMTP server', async () => {
    const received = (subject) => {
      const dir = join(process.env.ORBIT_TEST_STATE_DIR ?? '', 'smtp', 'maildir', 'new');
      return readdirSync(dir).filter((f) => readFileSync(join(dir, f), 'utf8').includes(`Subject: ${subject}`)).length;
    };
    const subject = `E2E hello ${Date.now()}`;
    await browser.execute(() => document.activeElement && document.activeElement.blur && document.activeElement.blur());
    await browser.keys(['c']);
    const compose = await byTestId('compose');
    await compose.waitForDisplayed({ timeout: 5000 });
    await (await byTestId('compose-to')).setValue('bob@example.com');
    await (await byTestId('compose-subject')).setValue(subject);
    await (await byTestId('compose-body')).setValue('Sent from the real window.\nSecond line.');
    await browser.waitUntil(async () => (await (await byTestId('compose-status')).getText()) === 'Draft saved', { timeout: 5000, timeoutMsg: 'the draft was not saved' });
    await shot('compose');
    await browser.keys(['Control', 'Enter']);
    await compose.waitForDisplayed({ reverse: true, timeout: 5000 });
    const undo = await browser.$('button=Undo');
    await undo.waitForDisplayed({ timeout: 5000 });
    await shot('send-undo');
    await undo.click();
    const again = await byTestId('compose');
    await again.waitForDisplayed({ timeout: 5000 });
    if ((await (await byTestId('compose-subject')).getValue()) !== subject) throw new Error('Undo did not bring the message back');
    // Taken back, it is a draft again: closed, it waits under Drafts, and opens to go on writing.
    await (await byTestId('compose-close')).click();
    await again.waitForDisplayed({ reverse: true, timeout: 5000 });
    await (await byTestId('mail-local-drafts')).click();
    const draftRow = async () =>
      browser.execute((s) => [...document.querySelectorAll('[data-testid="draft-row"]')].findIndex((r) => r.textContent.includes(s)), subject);
    await browser.waitUntil(async () => (await draftRow()) >= 0, { timeout: 5000, timeoutMsg: 'the message taken back is not in Drafts' });
    await shot('drafts');
    const rowsNow = await browser.$$('[data-testid="draft-row"] button.open');
    await rowsNow[await draftRow()].click();
    const reopened = await byTestId('compose');
    await reopened.waitForDisplayed({ timeout: 5000 });
    if ((await (await byTestId('compose-subject')).getValue()) !== subject) throw new Error('the draft did not open');
    await browser.pause(11000);
    if (received(subject) !== 0) throw new Error('the message went although the send was taken back');
    await (await byTestId('compose-send')).click();
    await reopened.waitForDisplayed({ reverse: true, timeout: 5000 });
    // The outbox shows it through its undo window until it has gone.
    await (await byTestId('mail-local-outbox')).click();
    await (await byTestId('outbox-row')).waitForDisplayed({ timeout: 5000 });
    await shot('outbox');
    await browser.waitUntil(async () => received(subject) === 1, { timeout: 30000, timeoutMsg: 'the message did not reach the SMTP server' });
    await browser.waitUntil(async () => (await (await byTestId('outbox-row')).getAttribute('data-state')) === 'sent', {
      timeout: 10000,
      timeoutMsg: 'the outbox does not show the message as sent',
    });
    await (await byTestId('mail-folder-role-inbox')).click();
  });

  await step('the assistant streams an answer citing the mail it read; a citation opens it', async () => {
    await browser.keys(['Escape']);
    await browser.keys(['g', 'a']);
    const input = await byTestId('chat-input');
    await input.waitForDisplayed({ timeout: 5000 });
    await input.setValue('What is the checklist about?');
    await browser.keys(['Enter']);
    await (await byTestId('chat-streaming')).waitForExist({ timeout: 10000 });
    const answer = await byTestId('chat-answer');
    await answer.waitForDisplayed({ timeout: 20000 });
    const cite = await byTestId('citation');
    await cite.waitForDisplayed({ timeout: 5000 });
    if (!/checklist/i.test(await cite.getText())) throw new Error(`the citation does not name the message: ${await cite.getText()}`);
    const asked = model.requests.filter((r) => r.url === '/v1/messages');
    if (asked.length !== 2) throw new Error(`expected 2 model requests, saw ${asked.length}`);
    if (asked[0].headers['x-api-key'] !== 'sk-ant-e2e-not-a-real-key') throw new Error('the key did not go in x-api-key');
    const results = JSON.stringify(asked[1].body.messages);
    if (!results.includes('untrusted_data boundary')) throw new Error('mail reached the model outside its envelope');
    await shot('assistant');
    // The first streamed token: from the shell receiving it to its frame painted (figure).
    const firstToken = await browser.execute(() => document.querySelector('[data-testid="chat-log"]')?.getAttribute('data-first-token-ms'));
    if (!firstToken) throw new Error('the first token was not reported painted');
    console.log(`FIGURE first streamed token painted ${Number(firstToken).toFixed(1)} ms after the shell received it`);
    await (await byTestId('chat-saw')).click();
    await (await byTestId('chat-saw-dialog')).waitForDisplayed({ timeout: 5000 });
    await shot('assistant-saw');
    await browser.keys(['Escape']);
    await cite.click();
    const conversation = await byTestId('conversation');
    await conversation.waitForDisplayed({ timeout: 10000 });
    await browser.waitUntil(async () => /checklist/i.test(await browser.execute((el) => el.textContent, conversation)), {
      timeout: 10000,
      timeoutMsg: 'the citation did not open its message',
    });
    // Ctrl+J: the assistant beside the open conversation.
    await browser.keys(['Control', 'j']);
    await (await byTestId('assistant-panel')).waitForDisplayed({ timeout: 5000 });
    await shot('assistant-panel');
    await browser.keys(['Control', 'j']);
    await browser.waitUntil(async () => (await browser.$$('[data-testid="assistant-panel"]')).length === 0, {
      timeout: 5000,
      timeoutMsg: 'Ctrl+J did not close the panel',
    });
  });

  await step('a proposal runs only after the user confirms it in the native dialog', async () => {
    await browser.keys(['Escape']);
    await browser.keys(['g', 'a']);
    await (await byTestId('chat-new')).click();
    const input = await byTestId('chat-input');
    await input.setValue('Archive the checklist');
    await browser.keys(['Enter']);
    const card = await byTestId('proposal');
    await card.waitForDisplayed({ timeout: 20000 });
    await browser.waitUntil(async () => (await browser.$$('[data-testid="chat-streaming"]')).length === 0, { timeout: 20000, timeoutMsg: 'the answer never finished' });
    await shot('assistant-proposal');
    const status = async () => browser.execute(() => document.querySelector('[data-testid="proposal"]')?.getAttribute('data-status'));
    // Cancel in the dialog: nothing happens.
    await (await byTestId('proposal-confirm')).click();
    let text;
    try {
      text = a11y('text', 'Orbit: confirm');
    } catch (err) {
      console.log(`--- accessibility bus ---\n${a11y('dump')}\n--- X windows ---\n${xwin('list')}`);
      throw err;
    }
    if (!/Archive/.test(text)) throw new Error(`the dialog does not say what will happen: ${text}`);
    a11y('click', 'Orbit: confirm', 'Cancel');
    await new Promise((r) => setTimeout(r, 500));
    if ((await status()) !== 'pending') throw new Error('cancelling the dialog ran the proposal');
    // Confirm in the dialog: it runs, once, and the log says the user confirmed it.
    await (await byTestId('proposal-confirm')).click();
    a11y('click', 'Orbit: confirm', 'Do it');
    await browser.waitUntil(async () => (await status()) === 'done', { timeout: 10000, timeoutMsg: 'the confirmed proposal did not run' });
    await browser.keys(['g', 'l']);
    const list = await byTestId('activity-list');
    await list.waitForDisplayed({ timeout: 5000 });
    await browser.waitUntil(async () => /Confirmed: Archive/.test(await browser.execute((el) => el.textContent, list)), {
      timeout: 10000,
      timeoutMsg: 'the confirmation is not in the activity log',
    });
  });

  await step('keyboard navigation reaches every area', async () => {
    for (const [keys, area] of [[['g', 'i'], 'inbox'], [['g', 's'], 'settings'], [['g', 'c'], 'calendar']]) {
      await browser.keys(keys);
      await browser.waitUntil(async () => (await (await byTestId(`nav-${area}`)).getAttribute('aria-current')) === 'page', {
        timeout: 5000,
        timeoutMsg: `g ${keys[1]} did not open ${area}`,
      });
    }
    await shot('calendar-area');
  });

  await step('the calendar shows the CalDAV calendars; a sentence becomes an event after its preview and reaches the server', async () => {
    await browser.keys(['g', 'c']);
    await (await byTestId('calendar-legend')).waitForDisplayed({ timeout: 30000 });
    const quick = await byTestId('calendar-quick-add');
    await quick.click();
    // The preview follows the words as they are typed; Enter saves what it shows.
    await quick.setValue('E2E planning tomorrow 10am for an hour at room 7');
    const draft = await byTestId('calendar-draft');
    await draft.waitForDisplayed({ timeout: 10000 });
    const whenField = await byTestId('calendar-draft-when');
    await whenField.waitForDisplayed({ timeout: 10000 });
    await browser.waitUntil(async () => /10/.test(await textOf('calendar-draft-when')), { timeout: 10000, timeoutMsg: 'the preview does not show 10 o\'clock' });
    await shot('calendar-quick-add-preview');
    if (onServer('E2E planning')) throw new Error('the event reached the server before it was saved');
    await browser.keys(['Enter']);
    await draft.waitForDisplayed({ reverse: true, timeout: 10000 });
    await (await byTestId('calendar-view-agenda')).click();
    await (await byTestId('calendar-agenda')).waitForDisplayed({ timeout: 5000 });
    await browser.waitUntil(async () => /E2E planning/.test(await textOf('calendar-agenda')), {
      timeout: 10000,
      timeoutMsg: 'the new event is not in the agenda',
    });
    await shot('calendar-agenda-real');
    await (await byTestId('calendar-sync')).click();
    await browser.waitUntil(async () => onServer('E2E planning'), { timeout: 30000, interval: 1000, timeoutMsg: 'the event did not reach the CalDAV server' });
    for (const [key, id] of [['w', 'calendar-timegrid'], ['m', 'calendar-month'], ['d', 'calendar-timegrid']]) {
      await browser.keys([key]);
      await (await byTestId(id)).waitForDisplayed({ timeout: 5000 });
    }
    await browser.keys(['w']);
    await shot('calendar-week-real');
  });

  await step('deleting a meeting the user organises asks natively whether to tell the guest; the cancellation reaches them', async () => {
    const smtpNew = join(process.env.ORBIT_TEST_STATE_DIR ?? '', 'smtp', 'maildir', 'new');
    const cancellations = () =>
      readdirSync(smtpNew)
        .map((f) => readFileSync(join(smtpNew, f), 'utf8'))
        .filter((m) => m.includes('Subject: Cancelled: E2E meeting'));
    const uid = `e2e-meeting-${Date.now()}`;
    caldav('put', env.caldav, env.user, env.password, 'calendar', uid, caldav('meeting-event', uid, 'E2E meeting', 'alice@example.com', 'carol@example.net'));
    await browser.keys(['g', 'c']);
    await (await byTestId('calendar-legend')).waitForDisplayed({ timeout: 30000 });
    await (await byTestId('calendar-sync')).click();
    await browser.keys(['a']);
    await browser.waitUntil(async () => /E2E meeting/.test(await textOf('calendar-agenda')), {
      timeout: 20000,
      timeoutMsg: 'the meeting did not sync',
    });
    const entry = await browser.$('//*[@data-testid="calendar-event"][contains(., "E2E meeting")]');
    await entry.click();
    await (await byTestId('calendar-popover')).waitForDisplayed({ timeout: 5000 });
    await (await byTestId('calendar-delete')).click();
    await (await byTestId('calendar-delete-one')).click();
    let text;
    try {
      text = a11y('text', 'Orbit: Delete');
    } catch (err) {
      console.log(`--- accessibility bus ---\n${a11y('dump')}\n--- X windows ---\n${xwin('list')}`);
      throw err;
    }
    if (!/You organise this event/.test(text) || !/carol@example\.net/.test(text)) throw new Error(`the dialog does not say who would be told: ${text}`);
    xwin('shot', join(shots, 'calendar-tell-dialog.png'));
    a11y('click', 'Orbit: Delete', 'Delete and send');
    const toasts = () => browser.execute(() => [...document.querySelectorAll('[data-testid="toast"]')].map((t) => t.textContent).join(' | '));
    await browser.waitUntil(async () => /cancellation to carol@example\.net is in the outbox/.test(await toasts()), {
      timeout: 10000,
      timeoutMsg: 'no toast says the cancellation is on its way',
    });
    await shot('calendar-cancellation-sent');
    await browser.waitUntil(async () => cancellations().length === 1, {
      timeout: 30000,
      interval: 500,
      timeoutMsg: 'the cancellation did not reach the SMTP server',
    });
    const [mail] = cancellations();
    if (!/method=CANCEL/.test(mail) || !/STATUS:CANCELLED/.test(mail) || !/carol@example\.net/.test(mail)) throw new Error(`not an iTIP cancellation to the guest:\n${mail}`);
    await browser.waitUntil(async () => !/E2E meeting/.test(await textOf('calendar-agenda')), { timeout: 5000, timeoutMsg: 'the meeting is still in the agenda' });
    // Opening tomorrow's meeting moved the agenda to tomorrow: back to today.
    await browser.keys(['t']);
  });

  await step('a reminder rises as a native notification with the window closed', async () => {
    putAlarmEvent('e2e-reminder', 'E2E reminder', 25);
    await (await byTestId('calendar-sync')).click();
    await browser.keys(['a']);
    await browser.waitUntil(async () => /E2E reminder/.test(await textOf('calendar-agenda')), {
      timeout: 20000,
      timeoutMsg: 'the event with the alarm did not sync',
    });
    xwin('close', 'Orbit');
    await browser.waitUntil(async () => xwin('state', 'Orbit') === 'hidden', { timeout: 10000, interval: 200 }).catch(() => {
      xwin('close', 'Orbit');
    });
    await browser.waitUntil(async () => notified('E2E reminder') >= 1, {
      timeout: 90000,
      interval: 1000,
      timeoutMsg: 'no reminder notification reached the notification service',
    });
    if (notified('E2E reminder') !== 1) throw new Error('the reminder was shown more than once');
    tray('click', 'Open Orbit');
    await browser.waitUntil(async () => xwin('state', 'Orbit') === 'shown', { timeout: 5000, timeoutMsg: 'Open Orbit did not show the window' });
  });

  const shiftArrow = (key) =>
    browser.execute((k) => {
      document.activeElement?.dispatchEvent(new KeyboardEvent('keydown', { key: k, shiftKey: true, bubbles: true, cancelable: true }));
    }, key);

  await step('tasks: a 2,000-task board; a card moved with the keyboard is stored in its new column (figure)', async () => {
    const db = join(dataDir, 'orbit.sqlite3');
    const boardList = execFileSync(python, [join(here, 'tasks.py'), 'seed', db, '2000', 'E2E board'], { encoding: 'utf8' }).trim();
    await browser.keys(['g', 't']);
    const picker = await byTestId('tasks-list-picker');
    await picker.waitForDisplayed({ timeout: 20000 });
    await browser.waitUntil(async () => /E2E board/.test(await textOf('tasks-list-picker')), { timeout: 20000, timeoutMsg: 'the seeded list is not offered' });
    await picker.selectByAttribute('value', boardList);
    // The columns count 2,000 cards; the long one renders only those in view.
    await browser.waitUntil(
      async () =>
        (await browser.execute(() => [...document.querySelectorAll('[data-testid="task-column-count"]')].reduce((n, el) => n + Number(el.textContent), 0))) >= 2000,
      { timeout: 30000, timeoutMsg: 'the 2,000 tasks did not show' },
    );
    const rendered = await browser.execute(() => document.querySelectorAll('[data-testid="task-card"]').length);
    if (rendered > 200) throw new Error(`the board rendered ${rendered} cards: the long column is not windowed`);
    await shot('tasks-board-2000');
    // Keyboard focus on the board, then Shift+→ moves the focused card to Doing: timed from
    // the key to the frame after the card shows in its new column.
    // The list picker keeps the focus after choosing; the board takes it with j.
    await browser.execute(() => document.activeElement?.blur());
    await browser.keys(['j']);
    await browser.waitUntil(async () => browser.execute(() => !!document.activeElement?.closest('[data-testid="task-card"]')), {
      timeout: 5000,
      timeoutMsg: 'j did not put the focus on a card',
    });
    const times = [];
    let moved = '';
    // The first moves run cold (WebKit's JIT compiles the board's code over the first few): they
    // are reported apart; the figure is the median of the eleven after them.
    const WARM_UP = 4;
    for (let i = 0; i < WARM_UP + 11; i++) {
      if (moved) {
        // The board reloads after each stored move; the focus goes back to the card.
        await browser.execute((uid) => document.querySelector(`[data-focus="${CSS.escape(uid)}"]`)?.focus(), moved);
      }
      const result = await browser.executeAsync((done) => {
        const card = document.activeElement?.closest('[data-testid="task-card"]');
        if (!card) return done({ error: 'no focused card' });
        const uid = card.getAttribute('data-uid');
        const board = document.querySelector('[data-testid="task-board"]');
        // Work = the key's script up to the changed DOM, plus the next frame: from the start of
        // its animation-frame callbacks (this one is queued first) to a task queued there, which
        // runs after the paint. The idle wait for that frame is not work. Latency = key to painted.
        let t1 = 0;
        let t2 = 0;
        let t3 = 0;
        const finish = () => {
          if (t1 && t3) done({ uid, work: t1 - t0 + (t3 - t2), script: t1 - t0, frame: t3 - t2, latency: t3 - t0 });
        };
        requestAnimationFrame(() => {
          t2 = performance.now();
          setTimeout(() => {
            t3 = performance.now();
            finish();
          }, 0);
        });
        const observer = new MutationObserver(() => {
          const now = document.querySelector(`[data-testid="task-card"][data-uid="${CSS.escape(uid)}"]`);
          if (t1 || !now || now.getAttribute('data-column') !== 'doing') return;
          t1 = performance.now();
          observer.disconnect();
          finish();
        });
        observer.observe(board, { subtree: true, childList: true, attributes: true });
        setTimeout(() => (t1 ? undefined : (observer.disconnect(), done({ error: `card ${uid} did not move` }))), 5000);
        const t0 = performance.now();
        document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', shiftKey: true, bubbles: true, cancelable: true }));
      });
      if (result.error) throw new Error(result.error);
      times.push(result);
      moved = result.uid;
      // Back to the To do column for the next run, once the board has settled.
      await new Promise((r) => setTimeout(r, 800));
      await browser.execute((uid) => document.querySelector(`[data-focus="${CSS.escape(uid)}"]`)?.focus(), moved);
      await shiftArrow('ArrowLeft');
      await new Promise((r) => setTimeout(r, 800));
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const cold = times.splice(0, WARM_UP);
    const work = times.map((t) => t.work);
    const latency = times.map((t) => t.latency);
    console.log(`board move: script ${times.map((t) => t.script.toFixed(1)).join(', ')}; frame ${times.map((t) => t.frame.toFixed(1)).join(', ')}`);
    console.log(
      `FIGURE moving a card on a 2,000-task board (${rendered} cards rendered): work median ${median(work).toFixed(1)} ms (${work.map((t) => t.toFixed(1)).join(', ')}; the first ${WARM_UP}, cold: ${cold.map((t) => t.work.toFixed(1)).join(', ')}); key to painted frame median ${median(latency).toFixed(1)} ms (${latency.map((t) => t.toFixed(1)).join(', ')})`,
    );
    await shot('tasks-board-moved');
    // The last move went back to To do: move it to Doing once more and check the store.
    await browser.execute((uid) => document.querySelector(`[data-focus="${CSS.escape(uid)}"]`)?.focus(), moved);
    await shiftArrow('ArrowRight');
    await browser.waitUntil(
      async () => execFileSync(python, [join(here, 'tasks.py'), 'column', db, moved], { encoding: 'utf8' }).trim() === 'doing',
      { timeout: 10000, interval: 300, timeoutMsg: `the move of ${moved} was not stored` },
    );
  });

  await step('tasks: a request in synced mail is suggested, not created; Add makes it a task', async () => {
    // "Please review item 3." in Maya's mail, read by Orbit's own rules (the assistant reads
    // mail for tasks only when allowed in Settings).
    const strip = await byTestId('task-suggestions');
    await strip.waitForDisplayed({ timeout: 20000 });
    await browser.waitUntil(async () => /Review item 3/.test(await textOf('task-suggestions')), { timeout: 20000, timeoutMsg: 'the request was not suggested' });
    const text = await textOf('task-suggestions');
    if (!/Maya Chen/.test(text)) throw new Error(`the suggestion does not say who asked: ${text}`);
    await shot('tasks-suggestion');
    const clicked = await browser.execute(() => {
      const item = [...document.querySelectorAll('[data-testid="task-suggestion"]')].find((el) => el.textContent?.includes('Review item 3'));
      const add = item?.querySelector('[data-testid="task-suggestion-accept"]');
      if (add instanceof HTMLElement) add.click();
      return !!add;
    });
    if (!clicked) throw new Error('no Add button on the suggestion');
    await browser.waitUntil(async () => /Added “Review item 3”/.test(await browser.execute(() => document.body.innerText)), {
      timeout: 10000,
      timeoutMsg: 'accepting did not add the task',
    });
  });

  await step('a test notification can be sent without a notification daemon', async () => {
    await browser.keys(['g', 's']);
    const button = await byTestId('notification-test');
    await button.waitForDisplayed({ timeout: 5000 });
    await button.click();
    // The app carries on (no daemon runs here) and the attempt is in the activity log.
    await browser.keys(['g', 'l']);
    const list = await byTestId('activity-list');
    await list.waitForDisplayed({ timeout: 5000 });
    await browser.waitUntil(async () => /test notification/i.test(await browser.execute((el) => el.textContent, list)), {
      timeout: 10000,
      timeoutMsg: 'the test notification is not in the activity log',
    });
  });

  await step('the tray icon offers Open Orbit, Sync now and Quit', async () => {
    const labels = tray('labels').split('\n').filter(Boolean);
    for (const label of ['Open Orbit', 'Sync now', 'Quit Orbit']) {
      if (!labels.includes(label)) throw new Error(`tray menu lacks ${label}: ${labels.join(', ')}`);
    }
  });

  await step('Sync now in the tray checks every account and logs it as sync', async () => {
    tray('click', 'Sync now');
    const list = await byTestId('activity-list');
    await browser.waitUntil(async () => {
      const text = await browser.execute((el) => el.textContent, list);
      return (text.match(/Tested account Work/g) ?? []).length >= 2;
    }, { timeout: 20000, timeoutMsg: 'no sync test in the activity log' });
    const actors = await browser.execute((el) => el.textContent, list);
    if (!/Sync/.test(actors)) throw new Error('the sync run is not attributed to sync');
    await shot('activity-after-sync');
  });

  await step('closing the window hides it to the tray and Open Orbit brings it back', async () => {
    const hidden = async (ms) => {
      try {
        await browser.waitUntil(async () => xwin('state', 'Orbit') === 'hidden', { timeout: ms, interval: 200 });
        return true;
      } catch {
        return false;
      }
    };
    xwin('close', 'Orbit');
    // Without a window manager a close request can be lost (it once was, on a loaded CI
    // machine); a person clicks again. The app's log says whether it saw either click.
    if (!(await hidden(4000))) {
      console.log('WARN the first close request went unanswered; sending it again');
      xwin('close', 'Orbit');
      if (!(await hidden(6000))) throw new Error('the window did not hide');
    }
    if (!appRunning()) throw new Error('closing the window quit the app although a tray host is there');
    tray('click', 'Open Orbit');
    await browser.waitUntil(async () => xwin('state', 'Orbit') === 'shown', { timeout: 5000, timeoutMsg: 'Open Orbit did not show the window' });
  });

  await step('Quit in the tray ends the app', async () => {
    if (!appRunning()) throw new Error('the app is not running before Quit');
    tray('click', 'Quit Orbit');
    const deadline = Date.now() + 10000;
    while (appRunning() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (appRunning()) throw new Error('the app is still running after Quit');
    browser = undefined; // the session ended with the app
  });

  // Second start: a dark desktop theme and no tray host at all. While Orbit is closed, an
  // event whose reminder falls due now is added elsewhere.
  trayHost.kill('SIGTERM');
  await stopDriver(driver);
  putAlarmEvent('e2e-missed', 'E2E missed reminder', 1);
  await new Promise((r) => setTimeout(r, 2000));
  driver = startDriver({ GTK_THEME: 'Adwaita:dark' });

  await step('the app follows a dark OS theme and keeps its data across restarts', async () => {
    browser = await openSession();
    const account = await browser.$('[data-testid^="account-status-"]');
    await browser.keys(['g', 's']);
    await account.waitForDisplayed({ timeout: 20000 });
    const dark = await browser.execute(() => window.matchMedia('(prefers-color-scheme: dark)').matches);
    if (!dark) throw new Error('prefers-color-scheme is not dark under a dark GTK theme');
    if (!(await account.getText()).includes('Connected')) throw new Error('the account did not survive the restart');
    await shot('settings-dark');
    await browser.execute(() => document.querySelector('[data-testid="semantic-search"]')?.scrollIntoView({ block: 'center' }));
    await (await byTestId('pref-semantic')).waitForExist({ timeout: 5000 });
    await shot('settings-semantic-dark');
    await browser.execute(() => document.querySelector('[data-testid="assistant-settings"]')?.scrollIntoView({ block: 'center' }));
    await shot('settings-assistant-dark');
    await browser.execute(() => document.getElementById('settings-mail')?.scrollIntoView());
    await (await byTestId('pref-undo-send')).waitForDisplayed({ timeout: 5000 });
    await shot('settings-sending-dark');
    await browser.keys(['g', 'l']);
    await (await byTestId('activity-list')).waitForDisplayed({ timeout: 5000 });
    await shot('activity-dark');
    await browser.execute(() => document.querySelector('[data-testid="assistant-settings"]')?.scrollIntoView({ block: 'center' }));
    await browser.keys(['g', 'a']);
    await (await byTestId('chat-session')).waitForDisplayed({ timeout: 5000 });
    await (await byTestId('chat-session')).click();
    await (await byTestId('chat-answer')).waitForDisplayed({ timeout: 5000 });
    await shot('assistant-dark');
    await browser.keys(['g', 'i']);
    await shot('inbox-dark');
  });

  await step('a reminder that fell due while Orbit was closed is shown once at the next start', async () => {
    await browser.waitUntil(async () => notified('E2E missed reminder') >= 1, {
      timeout: 60000,
      interval: 1000,
      timeoutMsg: 'the reminder due while Orbit was closed was not shown',
    });
    // The next check (30 s later) does not show it again.
    await new Promise((r) => setTimeout(r, 32000));
    if (notified('E2E missed reminder') !== 1) throw new Error('the missed reminder was shown again');
  });

  await step('without a tray host, closing the window quits', async () => {
    xwin('close', 'Orbit');
    const deadline = Date.now() + 10000;
    while (appRunning() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (appRunning()) throw new Error('the app kept running with no tray to bring it back');
    browser = undefined;
  });

  // Third start: a brand-new profile opens the bundled sample workspace from onboarding.
  await stopDriver(driver);
  driver = startDriver({}, mkdtempSync(join(tmpdir(), 'orbit-e2e-sample-')));

  await step('a new user opens the sample workspace offline from onboarding', async () => {
    browser = await openSession();
    await (await byTestId('onboarding-sample')).waitForDisplayed({ timeout: 30000 });
    // The click is taken once onboarding gives way (to the inbox, or to an error toast).
    await (await byTestId('onboarding-sample')).click();
    await browser.waitUntil(async () => !(await (await byTestId('onboarding')).isExisting()), {
      timeout: 20000,
      timeoutMsg: 'onboarding stayed after clicking “Open the sample workspace”',
    });
    await browser.waitUntil(async () => (await browser.$$('[data-testid="mail-row"]')).length >= 10, {
      timeout: 20000,
      timeoutMsg: 'the sample mailbox did not appear in the inbox',
    });
    const rows = await browser.$$('[data-testid="mail-row"]');
    await rows[rows.length - 1].click();
    await (await byTestId('conversation')).waitForDisplayed({ timeout: 10000 });
    await shot('sample-workspace');
  });
} catch {
  failed = true;
  if (browser) await shot('failure').catch(() => {});
} finally {
  if (browser) await browser.deleteSession().catch(() => {});
  await stopDriver(driver);
  trayHost.kill('SIGTERM');
  monitor.kill('SIGTERM');
  canary.close();
  model.close();
}

const passed = results.filter((r) => r.ok).length;
console.log(`\nscreenshots in ${shots}`);
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(failed ? 1 : 0);

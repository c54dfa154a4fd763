// Shared pieces of the browser tests: Debian's Chromium through playwright-core, TOTP codes
// computed here (RFC 6238), the sidecar's file outbox, the site's policy set through PHP.
import { createHmac } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '..', '..');
// A test run keeps its pictures in the stack's folder, so it leaves the work tree as it was;
// `make screenshots` points TWOFA_SCREENSHOT_DIR at docs/screenshots to refresh the committed ones.
export const screenshotsDir =
  process.env.TWOFA_SCREENSHOT_DIR ||
  join(process.env.TWOFA_STACK_DIR || join(repo, '.stack'), 'screenshots');

/** The stack's environment (tests/stack/stack.sh writes it to .stack/env). */
export function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: start the stack (tests/stack/stack.sh up) and export .stack/env`);
  }
  return value;
}

export const siteUrl = () => env('TWOFA_WP_URL').replace(/\/+$/, '');

// --------------------------------------------------------------------------------------------
// The browser

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.TWOFA_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/** A fresh browser profile (no cookies) with the screenshots' viewport. */
export async function newPage(browser, { javaScript = true } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    javaScriptEnabled: javaScript,
  });
  context.setDefaultTimeout(20000);
  const page = await context.newPage();
  // A PHP fatal or notice printed into the page is a failure of the screen under test.
  page.on('pageerror', (err) => console.log(`# page script error: ${err.message}`));
  return page;
}

/** Saves docs/screenshots/NAME.png (the viewport only, which keeps the files small). */
export async function shot(page, name) {
  mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path: join(screenshotsDir, `${name}.png`) });
}

/**
 * After a failure: a screenshot of every open tab to TWOFA_STACK_DIR/browser-failures/ and a
 * line with its address and any error shown, so a failed run can be understood afterwards.
 */
export async function failureShots(browser, label) {
  if (!browser) return;
  const dir = join(process.env.TWOFA_STACK_DIR || repo, 'browser-failures');
  mkdirSync(dir, { recursive: true });
  const safe = label.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60);
  let i = 0;
  for (const context of browser.contexts()) {
    for (const page of context.pages()) {
      i += 1;
      const file = join(dir, `${safe}-${i}.png`);
      try {
        await page.screenshot({ path: file, fullPage: true });
        const alert = await page.locator('[role=alert]').allInnerTexts();
        console.log(`# failure tab ${i}: ${page.url()} ${alert.join(' | ')} (screenshot ${file})`);
      } catch (err) {
        console.log(`# failure tab ${i}: no screenshot (${err.message})`);
      }
    }
  }
}

/** Fills the WordPress login form (of the stack's site, or of `base`) and submits it. */
export async function submitPassword(page, login, password, base = siteUrl()) {
  await page.goto(`${base}/wp-login.php`);
  const user = page.getByLabel('Username or Email Address');
  const pass = page.getByLabel('Password', { exact: true });
  // wp-login.php focuses and selects the username field 200 ms after it loads: on a busy machine
  // that can land between the two fills and send the password as the username. Fill until both
  // fields hold what was typed.
  for (let i = 0; i < 5; i++) {
    await user.fill(login);
    await pass.fill(password);
    await new Promise((r) => setTimeout(r, 250));
    if ((await user.inputValue()) === login && (await pass.inputValue()) === password) break;
  }
  await page.getByRole('button', { name: 'Log In' }).click();
  await page.waitForLoadState('domcontentloaded');
}

/** Whether the page's browser context holds a WordPress logged-in cookie. */
export async function loggedIn(page) {
  const cookies = await page.context().cookies();
  return cookies.some((c) => c.name.startsWith('wordpress_logged_in_'));
}

/** Logs out through the admin bar and checks that no logged-in cookie is left. */
export async function logOut(page) {
  // The admin bar's "Log Out" sits in a hover menu; following its link is the same request
  // and does not depend on the menu's hover timing.
  const logout = page.locator('#wp-admin-bar-logout').getByRole('link', { name: 'Log Out', includeHidden: true });
  await page.goto(await logout.getAttribute('href'));
  await page.getByText('You are now logged out.').waitFor();
  if (await loggedIn(page)) throw new Error('still logged in after Log Out');
}

/** Users → Configure 2FA, from the profile screen (where the Profile menu is open). */
export async function openConfigure(page, base = siteUrl()) {
  await page.goto(`${base}/wp-admin/profile.php`);
  await page.getByRole('link', { name: 'Configure 2FA', exact: true }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Configure 2FA' }).waitFor();
}

// --------------------------------------------------------------------------------------------
// TOTP (RFC 6238, HMAC-SHA1, 30 s steps, 6 digits), as an authenticator app computes it

export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new Error(`not base32: ${JSON.stringify(ch)}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function totpAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return String(bin).padStart(6, '0');
}

export const currentStep = () => Math.floor(Date.now() / 1000 / 30);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A code the server accepts now and has not seen: its step must be above the user's last
 * accepted one (replay protection) and within one step of the server's clock. Waits for the
 * next 30 s step when both allowed steps are used up.
 */
export async function freshTotp(secret, lastStep) {
  for (;;) {
    const now = currentStep();
    const step = Math.max(lastStep + 1, now);
    if (step <= now + 1) {
      // A code of the current step with under 2 s left could reach the server one step late:
      // the server still takes it then (one step either side), so no wait is needed.
      return { code: totpAt(secret, step), step };
    }
    const nextBoundary = (now + 1) * 30 * 1000;
    await sleep(nextBoundary - Date.now() + 200);
  }
}

/** RFC 6238's SHA-1 vectors, so a broken TOTP here fails loudly rather than as a wrong code. */
export function selfTestTotp() {
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
  const cases = [
    [59, '287082'],
    [1111111109, '081804'],
    [1234567890, '005924'],
    [2000000000, '279037'],
  ];
  for (const [t, want] of cases) {
    const got = totpAt(secret, Math.floor(t / 30));
    if (got !== want) throw new Error(`TOTP self-test failed at T=${t}: ${got} != ${want}`);
  }
}

// --------------------------------------------------------------------------------------------
// The sidecar's file outbox

/** Splits a MIME entity into lower-cased headers and body. */
function splitEntity(raw) {
  const text = raw.replace(/\r\n/g, '\n');
  const at = text.indexOf('\n\n');
  const head = (at < 0 ? text : text.slice(0, at)).replace(/\n[ \t]+/g, ' ');
  const body = at < 0 ? '' : text.slice(at + 2);
  const headers = {};
  for (const line of head.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!(name in headers)) headers[name] = line.slice(colon + 1).trim();
    }
  }
  return { headers, body };
}

/** The text/plain part of a message, decoded. */
export function textPart(raw, depth = 0) {
  const { headers, body } = splitEntity(raw);
  const type = (headers['content-type'] || 'text/plain').toLowerCase();
  if (type.startsWith('multipart/')) {
    const m = /boundary="?([^";]+)"?/i.exec(headers['content-type']);
    if (!m || depth > 5) return '';
    for (const chunk of body.split(`--${m[1]}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const text = textPart(chunk.replace(/^\r?\n/, ''), depth + 1);
      if (text) return text;
    }
    return '';
  }
  if (!type.startsWith('text/plain')) return '';
  const enc = (headers['content-transfer-encoding'] || '7bit').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** Messages of the outbox as { file, mtimeMs, to, subject, text }. */
export function outbox() {
  const dir = env('TWOFA_OUTBOX');
  let names = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.eml'));
  } catch {
    return [];
  }
  return names.map((name) => {
    const file = join(dir, name);
    const raw = readFileSync(file, 'utf8');
    const { headers } = splitEntity(raw);
    return { file, mtimeMs: statSync(file).mtimeMs, to: headers.to || '', subject: headers.subject || '', text: textPart(raw) };
  });
}

/**
 * Waits for a message to `email` written after `sinceMs` whose text carries a 6-digit code,
 * and returns { code, mail }.
 */
export async function waitForMailedCode(email, sinceMs, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = outbox()
      .filter((m) => m.mtimeMs >= sinceMs - 1000 && m.to.includes(email))
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const mail of mails) {
      const m = /\b(\d{6})\b/.exec(mail.text);
      if (m) return { code: m[1], mail };
    }
    if (Date.now() > deadline) throw new Error(`no email with a code reached ${email} within ${timeoutMs} ms`);
    await sleep(250);
  }
}

// --------------------------------------------------------------------------------------------
// The site, through PHP (tests/browser/site.php)

export function site(...args) {
  const php = env('TWOFA_PHP').split(/\s+/).filter(Boolean);
  const out = execFileSync(php[0], [...php.slice(1), join(here, 'site.php'), ...args], {
    encoding: 'utf8',
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.trim().split('\n').pop());
}

// --------------------------------------------------------------------------------------------
// Passkeys: the site as http://localhost:PORT, extra PHP servers, the virtual authenticator

/** A free TCP port on loopback (the kernel's pick; closed again before use). */
export function freePort() {
  return new Promise((resolveIt, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolveIt(port));
    });
  });
}

/**
 * The stack's site as http://localhost:PORT. WebAuthn refuses an IP address as relying party
 * id, and the stack serves http://127.0.0.1:PORT: this is a plain HTTP forwarder on a loopback
 * port of its own that passes every request, with its Host header (localhost:PORT) untouched,
 * to a PHP server of the stack (the stack's wp-config.php then gives WordPress that name as
 * home and site URL, with the same files and database). `pick(req)` chooses the PHP server of
 * each request (default: the stack's), as a load balancer in front of several would.
 */
export async function localhostSite() {
  const port = await freePort();
  const stack = new URL(siteUrl());
  const site = {
    url: `http://localhost:${port}`,
    backends: { stack: { host: '127.0.0.1', port: Number(stack.port), served: [] } },
    pick: () => 'stack',
  };
  const server = createServer((req, res) => {
    const name = site.pick(req);
    const backend = site.backends[name];
    backend.served.push(`${req.method} ${req.url}`);
    const upstream = httpRequest(
      { host: backend.host, port: backend.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`no PHP server (${name}): ${err.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  site.close = () => new Promise((r) => server.close(r));
  return site;
}

/**
 * Another `php -S` on the stack's WordPress copy: the same files, database and key, with the
 * stack's PHP and extension, a process of its own (no memory or temporary files shared with
 * the stack's server). Returns { host, port, served, stop() } to add to localhostSite().backends.
 */
export async function phpServer() {
  const port = await freePort();
  const php = env('TWOFA_PHP').split(/\s+/).filter(Boolean);
  const tmp = mkdtempSync(join(tmpdir(), 'twofa-php-'));
  const child = spawn(
    php[0],
    [
      ...php.slice(1),
      '-d', 'display_errors=stderr', '-d', 'log_errors=1', '-d', 'variables_order=EGPCS',
      '-d', `sys_temp_dir=${tmp}`, '-d', `session.save_path=${tmp}`,
      '-S', `127.0.0.1:${port}`, '-t', env('TWOFA_WP_DIR'), join(repo, 'tests', 'stack', 'router.php'),
    ],
    // A process group of its own: stop() ends the server and its workers together.
    { env: { ...process.env, PHP_CLI_SERVER_WORKERS: '2' }, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let log = '';
  child.stderr.on('data', (d) => {
    log = (log + d).slice(-4000);
  });
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/wp-includes/version.php`);
      if (r.status < 500) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`php -S on ${port} did not start: ${log}`);
    await sleep(100);
  }
  return {
    host: '127.0.0.1',
    port,
    served: [],
    pid: child.pid,
    stop: () =>
      new Promise((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => {
          child.stderr.destroy();
          rmSync(tmp, { recursive: true, force: true });
          r();
        });
        process.kill(-child.pid, 'SIGTERM');
      }),
  };
}

/**
 * A DevTools virtual authenticator on the page's tab: CTAP2, internal transport (a platform
 * authenticator), resident keys, user verification that always succeeds. Real WebAuthn: the
 * browser signs with the authenticator's keys and the extension verifies.
 */
export async function virtualAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    cdp,
    id: authenticatorId,
    /** The credentials the authenticator holds (id base64, rpId, userHandle, signCount…). */
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    /** Whether the authenticator verifies the user (false: the "fingerprint" fails). */
    setUserVerified: (isUserVerified) => cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified }),
  };
}

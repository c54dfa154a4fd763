// The seed's flows, as a person would follow them in the browser, by the visible labels:
// first login with the authenticator app, OTP over Email on Configure 2FA, logging in with
// another method, reconfiguring the authenticator, and wrong codes until the account locks.
// The steps share one user and run in order; each saves screenshots to docs/screenshots/.
// Then the other first-login method and Configure 2FA again, with JavaScript off.
import { after, before, describe, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  currentStep,
  failureShots,
  freshTotp,
  launch,
  loggedIn,
  logOut,
  newPage,
  outbox,
  selfTestTotp,
  shot,
  site,
  submitPassword,
  totpAt,
  waitForMailedCode,
} from './lib.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every browser open in this file, for the failure screenshots.
const browsers = new Set();

// node:test's test(), plus screenshots of every open tab when the test fails.
function test(name, fn) {
  return nodeTest(name, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      for (const b of browsers) await failureShots(b, name);
      throw err;
    }
  });
}

// Clicks a submit button and waits for the answer page, so what is read next is the new page's
// (the wrong-code alert looks the same before and after).
async function submitAndWait(p, button) {
  await Promise.all([p.waitForEvent('load'), button.click()]);
}

describe('the seed, end to end in Chromium', { concurrency: false }, () => {
  let browser;
  let savedPolicy;
  const user = {
    login: `sam${randomBytes(3).toString('hex')}`,
    password: `pw-${randomBytes(9).toString('hex')}`,
  };
  user.email = `${user.login}@example.test`;
  // What the person has in their authenticator app, and the last time step the site accepted
  // (it refuses any code of that step or an earlier one: replay protection).
  let oldKey = '';
  let newKey = '';
  let lastStep = -1;
  let page; // the person's browser tab, logged in between steps

  before(async () => {
    selfTestTotp();
    savedPolicy = site('policy', '{}');
    // The seed's site: subscribers must use 2FA; both methods on; a short lockout series so
    // the last flow stays short (back-off from the 3rd wrong code, locked at the 5th).
    site(
      'policy',
      JSON.stringify({
        methods: ['totp', 'email'],
        required_roles: ['subscriber'],
        grace_days: 0,
        resend_cooldown: 5,
        backoff_after: 3,
        lockout_after: 5,
        lockout_minutes: 15,
      }),
    );
    site('user', user.login, 'subscriber', user.password, user.email, 'Sam Subscriber');
    browser = await launch();
    browsers.add(browser);
  });

  after(async () => {
    if (browser) await browser.close();
    if (savedPolicy) site('policy', JSON.stringify(savedPolicy));
  });

  // The card of one method on Configure 2FA, found by its heading.
  const card = (p, name) => p.locator('.card').filter({ has: p.getByRole('heading', { name, exact: true }) });

  async function openConfigurePage(p) {
    await p.getByRole('link', { name: 'Configure 2FA', exact: true }).first().click();
    await p.getByRole('heading', { level: 1, name: 'Configure 2FA' }).waitFor();
  }

  test('1. first login: a subscriber sets up the authenticator app and arrives logged in', async () => {
    page = await newPage(browser);
    await submitPassword(page, user.login, user.password);

    await page.getByText('Your account must use two-factor authentication.').waitFor();
    assert.equal(await loggedIn(page), false, 'no session before the second step');
    await shot(page, '01-first-login-choose-method');

    await page.getByRole('button', { name: 'Google Authenticator' }).click();
    await page.getByRole('heading', { name: 'Google Authenticator' }).waitFor();
    assert.ok(await page.getByRole('img', { name: /QR code/ }).first().isVisible(), 'the QR code is shown');
    await page.getByText("Can't scan it? Enter this key in the app:").waitFor();
    // The key as the person would type it into the app, spaces and all.
    oldKey = (await page.locator('p:has-text("Can\'t scan it?") + p code').innerText()).trim();
    assert.match(oldKey.replace(/\s/g, ''), /^[A-Z2-7]{32}$/, 'a 160-bit base32 key is shown');
    await shot(page, '02-first-login-authenticator');

    // A wrong code first: the setup says so and nothing is activated.
    await page.getByLabel('Authentication code').fill(wrongCode(oldKey));
    await page.getByRole('button', { name: 'Verify and Save' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(await loggedIn(page), false, 'a wrong setup code gives no session');
    assert.deepEqual(site('state', user.login).configured, [], 'nothing configured after a wrong code');

    const { code, step } = await freshTotp(oldKey, lastStep);
    await page.getByLabel('Authentication code').fill(code);
    await page.getByRole('button', { name: 'Verify and Save' }).click();
    await page.waitForURL(/\/wp-admin\/profile\.php/);
    lastStep = step;
    assert.equal(await loggedIn(page), true, 'logged in after the setup');
    const state = site('state', user.login);
    assert.deepEqual(state.configured, ['totp']);
    assert.equal(state.primary, 'totp');
    assert.equal(state.last_step, step, 'the setup code\'s step is recorded against replay');
    await shot(page, '03-logged-in-profile');
  });

  test('2. Configure 2FA: OTP over Email → Configure → confirm → Send OTP → code → saved', async () => {
    assert.ok(page, 'step 1 left a logged-in tab');
    await openConfigurePage(page);
    const email = card(page, 'OTP over Email');
    const totp = card(page, 'Google Authenticator');
    await assert.doesNotReject(totp.getByRole('button', { name: 'Reconfigure' }).waitFor(), 'the authenticator card reads Reconfigure');
    await shot(page, '04-configure-2fa');

    await email.getByRole('link', { name: 'Configure', exact: true }).click();
    await email.getByText(user.email).waitFor(); // the account's address is shown to confirm
    await shot(page, '05-email-confirm-address');

    // Send OTP without ticking the box is stopped by the browser (required) — tick it.
    await email.getByLabel('This is my email address').check();
    const since = Date.now();
    await email.getByRole('button', { name: 'Send OTP' }).click();
    await page.getByText('We sent a 6-digit code to your email address.').waitFor();
    const { code, mail } = await waitForMailedCode(user.email, since);
    assert.ok(!mail.text.includes(user.password), 'the email carries no password');
    await shot(page, '06-email-enter-otp');

    await card(page, 'OTP over Email').getByLabel('Enter the 6-digit code from the email:').fill(code);
    await card(page, 'OTP over Email').getByRole('button', { name: 'Verify and Save' }).click();
    await page.getByText('OTP over Email is configured and active.').waitFor();
    await card(page, 'OTP over Email').getByRole('link', { name: 'Reconfigure' }).waitFor();
    assert.deepEqual(site('state', user.login).configured.sort(), ['email', 'totp']);
    await shot(page, '07-email-configured');
  });

  test('3. log out, log in, use another method → OTP over Email → in', async () => {
    await logOut(page);
    await submitPassword(page, user.login, user.password);
    // The challenge opens on the primary method and offers the other one.
    await page.getByRole('heading', { name: 'Google Authenticator' }).waitFor();
    await page.getByText('Use another method:').waitFor();
    assert.equal(await loggedIn(page), false, 'no session before the second step');
    await shot(page, '08-challenge-authenticator');

    await page.getByRole('button', { name: 'OTP over Email' }).click();
    await page.getByRole('heading', { name: 'OTP over Email' }).waitFor();
    const since = Date.now();
    await page.getByRole('button', { name: 'Send OTP' }).click();
    await page.getByText(/We emailed a 6-digit code to/).waitFor();
    assert.ok(!(await page.content()).includes(user.email), 'the challenge shows the address masked only');
    await shot(page, '09-challenge-email-sent');
    const { code } = await waitForMailedCode(user.email, since);

    await page.getByLabel('Authentication code').fill(code);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.waitForURL(/\/wp-admin\/profile\.php/);
    assert.equal(await loggedIn(page), true, 'logged in with the emailed code');
  });

  test('4. Reconfigure the authenticator: the old key works until the new one is verified, then only the new one', async () => {
    await openConfigurePage(page);
    await card(page, 'Google Authenticator').getByRole('button', { name: 'Reconfigure' }).click();
    await page.getByText("Can't scan the QR code?").click(); // opens the key
    newKey = (await page.locator('#twofa-secret').innerText()).trim();
    assert.match(newKey.replace(/\s/g, ''), /^[A-Z2-7]{32}$/);
    assert.notEqual(newKey, oldKey, 'a new key');
    await page.getByText('Your current authenticator keeps working until the new one is verified.').waitFor();
    // The QR code, the key and the code field in one picture.
    await page.getByLabel('Enter the 6-digit code the app shows:').scrollIntoViewIfNeeded();
    await shot(page, '10-reconfigure-authenticator');

    // Meanwhile, on another device, the old key still logs in.
    {
      const other = await newPage(browser);
      await submitPassword(other, user.login, user.password);
      const { code, step } = await freshTotp(oldKey, lastStep);
      await other.getByLabel('Authentication code').fill(code);
      await other.getByRole('button', { name: 'Verify', exact: true }).click();
      await other.waitForURL(/\/wp-admin\//);
      lastStep = step;
      assert.equal(await loggedIn(other), true, 'the old key works while the new one is pending');
      await other.context().close();
    }

    const { code, step } = await freshTotp(newKey, lastStep);
    await page.getByLabel('Enter the 6-digit code the app shows:').fill(code);
    // Replacing a configured method asks who is there, as Remove does.
    await page.getByLabel('To confirm it is you, enter your current password:').fill(user.password);
    await page.getByRole('button', { name: 'Verify and Save' }).click();
    await page.getByText('Google Authenticator is configured and active.').waitFor();
    lastStep = step;
    await shot(page, '11-authenticator-reconfigured');
    await logOut(page);

    // Now the old key's code of a fresh step is refused, and the new key's code of the very
    // same step is taken: the refusal is the old key's, not replay protection's.
    const p = await newPage(browser);
    await submitPassword(p, user.login, user.password);
    const fresh = await freshTotp(newKey, lastStep);
    const oldCode = totpAt(oldKey, fresh.step);
    assert.notEqual(oldCode, fresh.code);
    await p.getByLabel('Authentication code').fill(oldCode);
    await p.getByRole('button', { name: 'Verify', exact: true }).click();
    await p.getByText('That code is not right.').waitFor();
    assert.equal(await loggedIn(p), false, 'the old key no longer logs in');
    await shot(p, '12-old-key-refused');

    await p.getByLabel('Authentication code').fill(fresh.code);
    await p.getByRole('button', { name: 'Verify', exact: true }).click();
    await p.waitForURL(/\/wp-admin\//);
    lastStep = fresh.step;
    assert.equal(await loggedIn(p), true, 'the new key logs in');
    await p.context().close();
  });

  test('5. wrong codes until lockout: the message says what happened and for how long', async () => {
    const p = await newPage(browser);
    await submitPassword(p, user.login, user.password);
    const since = Date.now();
    let sawBackoff = false;
    let locked = '';
    for (let attempt = 0; attempt < 12 && !locked; attempt++) {
      await p.getByLabel('Authentication code').fill(wrongCode(newKey));
      await submitAndWait(p, p.getByRole('button', { name: 'Verify', exact: true }));
      const message = (await p.getByRole('alert').innerText()).trim();
      if (/locked/i.test(message)) {
        locked = message;
      } else if (/Wait (\d+) seconds?/.test(message)) {
        // Back-off before the lockout: the code was not even checked; wait as told.
        if (!sawBackoff) await shot(p, '13-backoff');
        sawBackoff = true;
        await sleep((Number(/Wait (\d+) seconds?/.exec(message)[1]) + 0.5) * 1000);
      } else {
        assert.match(message, /That code is not right\./);
      }
    }
    assert.ok(sawBackoff, 'wrong codes are slowed down before the lockout');
    assert.match(locked, /Too many wrong codes were entered for this account, so it is locked\./);
    assert.match(locked, /Try again in 15 minutes\./);
    await shot(p, '14-locked');
    const state = site('state', user.login);
    assert.ok(state.locked_until > Date.now() / 1000 + 14 * 60, 'locked for the configured 15 minutes');

    // Even the right code is refused while locked, and no session is made.
    const { code } = await freshTotp(newKey, lastStep);
    await p.getByLabel('Authentication code').fill(code);
    await submitAndWait(p, p.getByRole('button', { name: 'Verify', exact: true }));
    assert.match(await p.getByRole('alert').innerText(), /locked/i);
    assert.equal(await loggedIn(p), false, 'no session while locked');

    // The account's owner is told by email.
    const deadline = Date.now() + 15000;
    let notice;
    while (!notice && Date.now() < deadline) {
      notice = outbox().find((m) => m.mtimeMs >= since - 1000 && m.to.includes(user.email) && /lock/i.test(`${m.subject} ${m.text}`));
      if (!notice) await sleep(250);
    }
    assert.ok(notice, 'a lockout notice reached the account\'s address');
    assert.ok(!/\b\d{6}\b/.test(notice.text), 'the notice carries no code');
    await p.context().close();
  });
});

describe('with JavaScript off', { concurrency: false }, () => {
  let browser;
  let savedPolicy;
  const user = {
    login: `kim${randomBytes(3).toString('hex')}`,
    password: `pw-${randomBytes(9).toString('hex')}`,
  };
  user.email = `${user.login}@example.test`;

  before(async () => {
    savedPolicy = site('policy', '{}');
    site('policy', JSON.stringify({ methods: ['totp', 'email'], required_roles: ['subscriber'], grace_days: 0 }));
    site('user', user.login, 'subscriber', user.password, user.email, 'Kim NoScript');
    browser = await launch();
    browsers.add(browser);
  });

  after(async () => {
    if (browser) await browser.close();
    if (savedPolicy) site('policy', JSON.stringify(savedPolicy));
  });

  test('6. first login with OTP over Email, then the authenticator on Configure 2FA: plain form posts', async () => {
    const page = await newPage(browser, { javaScript: false });
    await submitPassword(page, user.login, user.password);
    await page.getByText('Your account must use two-factor authentication.').waitFor();
    await page.getByRole('button', { name: 'OTP over Email' }).click();
    await page.getByRole('heading', { name: 'OTP over Email' }).waitFor();
    const since = Date.now();
    await page.getByRole('button', { name: 'Send OTP' }).click();
    await page.getByText(/We emailed a 6-digit code to/).waitFor();
    const { code } = await waitForMailedCode(user.email, since);
    await page.getByLabel('Authentication code').fill(code);
    await page.getByRole('button', { name: 'Verify and Save' }).click();
    await page.waitForURL(/\/wp-admin\/profile\.php/);
    assert.equal(await loggedIn(page), true, 'logged in after setting up OTP over Email');
    assert.equal(site('state', user.login).primary, 'email', 'the first method is the primary one');

    await page.getByRole('link', { name: 'Configure 2FA', exact: true }).first().click();
    const totp = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'Google Authenticator', exact: true }) });
    await totp.getByRole('button', { name: 'Configure', exact: true }).click();
    await page.getByText("Can't scan the QR code?").click(); // <details> opens without script
    const key = (await page.locator('#twofa-secret').innerText()).trim();
    const fresh = await freshTotp(key, -1);
    await page.getByLabel('Enter the 6-digit code the app shows:').fill(fresh.code);
    await page.getByRole('button', { name: 'Verify and Save' }).click();
    await page.getByText('Google Authenticator is configured and active.').waitFor();
    await totp.getByRole('button', { name: 'Reconfigure' }).waitFor();
    assert.deepEqual(site('state', user.login).configured.sort(), ['email', 'totp']);
    await page.context().close();
  });
});

// A 6-digit code that is not the key's code for any step the site would accept now.
function wrongCode(key) {
  const now = currentStep();
  const valid = new Set([-1, 0, 1, 2].map((d) => totpAt(key, now + d)));
  for (;;) {
    const candidate = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}


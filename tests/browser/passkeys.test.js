// Passkeys in Chromium with real WebAuthn: the DevTools virtual authenticator (CTAP2, internal
// transport, resident keys, user verification) signs, the extension verifies; nothing is faked.
// WebAuthn refuses an IP address as relying party id, so the site is served as
// http://localhost:PORT (lib.js, localhostSite()): the stack's files and database under that
// name. Flows, one user, steps in order: add a passkey on Configure 2FA, log out and log in with
// it (the passkey step), a second passkey, removing one (with the password), passwordless login
// when the site turns it on and refused when it is off, "use another method" at the passkey
// step, and begin on one PHP server with the finish on another. One browser for all of it.
import { after, before, describe, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  failureShots,
  freshTotp,
  launch,
  localhostSite,
  loggedIn,
  logOut,
  newPage,
  openConfigure,
  phpServer,
  shot,
  site,
  submitPassword,
  virtualAuthenticator,
} from './lib.js';

let browser;

function test(name, fn) {
  return nodeTest(name, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      await failureShots(browser, name);
      throw err;
    }
  });
}

describe('passkeys in Chromium (virtual authenticator)', { concurrency: false }, () => {
  let savedPolicy;
  let local;
  let other;
  let page;
  let authenticator;
  let key = '';
  let lastStep = -1;
  const user = {
    login: `pia${randomBytes(3).toString('hex')}`,
    password: `pw-${randomBytes(9).toString('hex')}`,
  };
  user.email = `${user.login}@example.test`;

  const base = () => local.url;
  const card = (p) => p.locator('#twofa-card-passkey');
  const passkeys = () => site('passkeys', user.login);

  before(async () => {
    savedPolicy = site('policy', '{}');
    site(
      'policy',
      JSON.stringify({
        methods: ['totp', 'email', 'backup_codes', 'passkey'],
        required_roles: [],
        backoff_after: 100,
        lockout_after: 50,
        remember_devices: false,
        passwordless: false,
      }),
    );
    site('user', user.login, 'editor', user.password, user.email, 'Pia Passkey');
    key = site('give-totp', user.login).secret;
    local = await localhostSite();
    browser = await launch();
  });

  after(async () => {
    if (browser) await browser.close();
    if (local) await local.close();
    if (other) await other.stop();
    if (savedPolicy) site('policy', JSON.stringify(savedPolicy));
  });

  async function authenticatorStep(p) {
    await p.getByRole('heading', { name: 'Google Authenticator' }).waitFor();
    const { code, step } = await freshTotp(key, lastStep);
    await p.getByLabel('Authentication code').fill(code);
    await p.getByRole('button', { name: 'Verify', exact: true }).click();
    await p.waitForURL(/\/wp-admin\//);
    lastStep = step;
  }

  async function addPasskey(p, name, button) {
    await openConfigure(p, base());
    await card(p).getByLabel('Name of the new passkey (e.g. "Work laptop"):').fill(name);
    await card(p).getByRole('button', { name: button }).click();
    await card(p).locator('.twofa-passkey-name', { hasText: name }).waitFor();
  }

  test('1. add a passkey on Configure 2FA (the browser creates it, the site lists it)', async () => {
    page = await newPage(browser);
    authenticator = await virtualAuthenticator(page);
    await submitPassword(page, user.login, user.password, base());
    await authenticatorStep(page);
    await addPasskey(page, 'Laptop', 'Add a passkey');
    const held = await authenticator.credentials();
    assert.equal(held.length, 1, 'the authenticator holds one credential');
    assert.equal(held[0].rpId, 'localhost');
    assert.equal(held[0].isResidentCredential, true, 'a discoverable credential');
    const listed = passkeys().passkeys;
    assert.deepEqual(listed.map((k) => k.name), ['Laptop']);
    assert.equal(listed[0].last_used_at, 0);
    await shot(page, '20-passkey-added');
  });

  test('2. log out, log in: the passkey step comes first and passes', async () => {
    await logOut(page);
    await submitPassword(page, user.login, user.password, base());
    // The challenge opens on the passkey, whose script asks the authenticator at once.
    await page.waitForURL(/\/wp-admin\//);
    assert.equal(await loggedIn(page), true);
    const state = passkeys();
    assert.equal(state.logins[0], 'passkey', 'the passkey step passed (not passwordless)');
    assert.ok(state.passkeys[0].last_used_at > 0, 'last used is recorded');
  });

  test('3. a second passkey (another device) is listed beside the first', async () => {
    // The same authenticator would be excluded (one authenticator, one passkey): the "phone" is
    // the same virtual authenticator emptied, with the laptop's credential kept aside.
    const laptop = (await authenticator.credentials())[0];
    await authenticator.cdp.send('WebAuthn.clearCredentials', { authenticatorId: authenticator.id });
    await addPasskey(page, 'Phone', 'Add another passkey');
    assert.deepEqual(passkeys().passkeys.map((k) => k.name), ['Laptop', 'Phone']);
    assert.equal((await authenticator.credentials()).length, 1, 'the phone holds its own credential');
    assert.notEqual((await authenticator.credentials())[0].credentialId, laptop.credentialId);
  });

  test('4. removing one asks for the password; the other still logs in', async () => {
    await openConfigure(page, base());
    const row = card(page).locator('tr.twofa-passkey', { hasText: 'Laptop' });
    await row.getByRole('link', { name: 'Remove' }).click();
    await card(page).getByLabel('Yes, remove the passkey "Laptop" from my account.').check();
    await card(page).getByRole('button', { name: 'Remove' }).click();
    // Without the password nothing is removed.
    await page.getByText('To confirm it is you, enter your password or a current code from your authenticator app.').waitFor();
    assert.equal(passkeys().passkeys.length, 2);
    await card(page).getByLabel('Yes, remove the passkey "Laptop" from my account.').check();
    await card(page).getByLabel('To confirm it is you, enter your current password:').fill(user.password);
    await card(page).getByRole('button', { name: 'Remove' }).click();
    await card(page).locator('.twofa-passkey-name', { hasText: 'Phone' }).waitFor();
    assert.deepEqual(passkeys().passkeys.map((k) => k.name), ['Phone']);

    await logOut(page);
    await submitPassword(page, user.login, user.password, base());
    await page.waitForURL(/\/wp-admin\//);
    assert.equal(await loggedIn(page), true, 'the phone logs in');
  });

  test('5. passwordless: "Log in with a passkey" gives a full session without the password', async () => {
    site('policy', JSON.stringify({ passwordless: true }));
    await logOut(page);
    const to = `${base()}/wp-admin/profile.php?from=passkey`;
    await page.goto(`${base()}/wp-login.php?redirect_to=${encodeURIComponent(to)}`);
    await page.getByLabel('Remember Me').check();
    await shot(page, '21-passwordless-login');
    await page.getByRole('button', { name: 'Log in with a passkey' }).click();
    await page.waitForURL(/\/wp-admin\/profile\.php\?from=passkey/);
    assert.equal(await loggedIn(page), true);
    const cookie = (await page.context().cookies()).find((c) => c.name.startsWith('wordpress_logged_in_'));
    assert.ok(cookie.expires > Date.now() / 1000 + 86400, 'remember me: a lasting cookie');
    const state = passkeys();
    assert.equal(state.logins[0], 'passkey passwordless=yes');
    assert.equal(state.failures, 0);
  });

  test('6. passwordless off: no button, and the endpoint refuses', async () => {
    site('policy', JSON.stringify({ passwordless: false }));
    await logOut(page);
    await page.goto(`${base()}/wp-login.php`);
    await page.getByLabel('Username or Email Address').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Log in with a passkey' }).count(), 0);
    const status = await page.evaluate(async (url) => {
      const body = new URLSearchParams({ twofa_do: 'begin' });
      return (await fetch(url, { method: 'POST', body })).status;
    }, `${base()}/wp-login.php?action=twofa_passwordless`);
    assert.equal(status, 403);
    assert.equal(await loggedIn(page), false);
  });

  test('7. "use another method" at the passkey step', async () => {
    // The user ignores the browser's passkey dialog (no touch) and picks the authenticator app.
    await authenticator.cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: authenticator.id, enabled: false });
    try {
      await submitPassword(page, user.login, user.password, base());
      await page.getByRole('heading', { name: 'Passkeys' }).waitFor();
      await page.getByText('Use another method:').waitFor();
      await page.getByRole('button', { name: 'Google Authenticator' }).click();
      await authenticatorStep(page);
      assert.equal(await loggedIn(page), true);
      assert.equal(passkeys().logins[0], 'totp');
    } finally {
      await authenticator.cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: authenticator.id, enabled: true });
    }
  });

  test('8. begin on one PHP server, finish on another', async () => {
    // Two PHP servers (separate php -S processes, each with its own temporary folder) on the
    // same files and database, behind the one address the browser knows, as behind a load
    // balancer: the request that begins a ceremony goes to the stack's server, the one that
    // finishes it to the other. Only the database can carry the state from one to the other.
    other = await phpServer();
    local.backends.other = other;
    const stack = local.backends.stack;
    try {
      // The passkey step: the password step's response carries the begin (stack); the
      // challenge's post carries the finish (other).
      await logOut(page);
      stack.served.length = 0;
      local.pick = (req) => (req.method === 'POST' && /action=twofa_challenge/.test(req.url) ? 'other' : 'stack');
      await submitPassword(page, user.login, user.password, base());
      await page.waitForURL(/\/wp-admin\//);
      assert.equal(await loggedIn(page), true, 'logged in across servers');
      assert.ok(stack.served.some((r) => r === 'POST /wp-login.php'), 'the stack began');
      assert.ok(other.served.some((r) => r.startsWith('POST /wp-login.php?action=twofa_challenge')), 'the other server finished');
      assert.ok(!stack.served.some((r) => r.includes('action=twofa_challenge')), 'the stack did not');

      // Passwordless: begin (fetch) on the stack, the finish's form post on the other.
      site('policy', JSON.stringify({ passwordless: true }));
      await logOut(page);
      stack.served.length = 0;
      other.served.length = 0;
      let began = false;
      local.pick = (req) => {
        if (req.method !== 'POST' || !/action=twofa_passwordless/.test(req.url)) return 'stack';
        const first = !began;
        began = true;
        return first ? 'stack' : 'other';
      };
      await page.goto(`${base()}/wp-login.php`);
      await page.getByRole('button', { name: 'Log in with a passkey' }).click();
      await page.waitForURL(/\/wp-admin\//);
      assert.equal(await loggedIn(page), true, 'passwordless across servers');
      const passwordless = (list) => list.filter((r) => r.startsWith('POST /wp-login.php?action=twofa_passwordless')).length;
      assert.equal(passwordless(other.served), 1, 'the other server finished');
      assert.equal(passwordless(stack.served), 1, 'the stack began');
      assert.equal(passkeys().logins[0], 'passkey passwordless=yes');
    } finally {
      local.pick = () => 'stack';
      site('policy', JSON.stringify({ passwordless: false }));
    }
  });
});

// Backup codes and remembered devices in Chromium, by their visible labels: Generate on the
// Backup codes card (Copy, Download (.txt), Print), logging in with a code under "Use another
// method", the same code refused afterwards, Regenerate with the password making the old set
// useless, "Remember this device" skipping the challenge until the device is forgotten, and wrong
// backup codes locking the account. One user, steps in order.
import { after, before, describe, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { failureShots, freshTotp, launch, loggedIn, logOut, newPage, openConfigure, shot, site, submitPassword } from './lib.js';

const browsers = new Set();

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

describe('backup codes and remembered devices in Chromium', { concurrency: false }, () => {
  let browser;
  let savedPolicy;
  const user = {
    login: `bea${randomBytes(3).toString('hex')}`,
    password: `pw-${randomBytes(9).toString('hex')}`,
  };
  user.email = `${user.login}@example.test`;
  let key = '';
  let lastStep = -1;
  let codes = [];
  let page;

  const card = (p, name) => p.locator('.card').filter({ has: p.getByRole('heading', { name, exact: true }) });

  before(async () => {
    savedPolicy = site('policy', '{}');
    site(
      'policy',
      JSON.stringify({
        methods: ['totp', 'email', 'backup_codes'],
        required_roles: [],
        backoff_after: 100,
        lockout_after: 3,
        lockout_minutes: 15,
        remember_devices: true,
        remember_days: 30,
      }),
    );
    site('user', user.login, 'editor', user.password, user.email, 'Bea Backup');
    key = site('give-totp', user.login).secret;
    browser = await launch();
    browsers.add(browser);
  });

  after(async () => {
    if (browser) await browser.close();
    if (savedPolicy) site('policy', JSON.stringify(savedPolicy));
  });

  async function authenticatorStep(p, { remember = false } = {}) {
    await p.getByRole('heading', { name: 'Google Authenticator' }).waitFor();
    const { code, step } = await freshTotp(key, lastStep);
    await p.getByLabel('Authentication code').fill(code);
    if (remember) await p.getByLabel('Remember this device for 30 days').check();
    await p.getByRole('button', { name: 'Verify', exact: true }).click();
    await p.waitForURL(/\/wp-admin\//);
    lastStep = step;
  }


  async function backupChallenge(p) {
    await submitPassword(p, user.login, user.password);
    await p.getByText('Use another method:').waitFor();
    await p.getByRole('button', { name: 'Backup codes' }).click();
    await p.getByLabel('Backup code').waitFor();
  }

  test('1. Generate shows ten codes once, with Copy, Download (.txt) and Print', async () => {
    page = await newPage(browser);
    await submitPassword(page, user.login, user.password);
    await authenticatorStep(page);
    await openConfigure(page);
    const backup = card(page, 'Backup codes');
    await backup.getByRole('button', { name: 'Generate' }).click();
    await page.getByText('Save these codes now: they are shown only this once.').waitFor();
    codes = await page.locator('#twofa-backup-list code').allInnerTexts();
    assert.equal(codes.length, 10);
    for (const c of codes) assert.match(c, /^[2-9A-HJKMNP-TV-Z]{4}(-[2-9A-HJKMNP-TV-Z]{4}){3}$/);
    assert.ok(await page.getByRole('button', { name: 'Copy' }).isVisible(), 'Copy (with JavaScript)');
    assert.ok(await page.getByRole('button', { name: 'Print' }).isVisible(), 'Print (with JavaScript)');
    await shot(page, '16-backup-codes-generated');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download (.txt)' }).click()]);
    assert.match(download.suggestedFilename(), /^backup-codes-.*\.txt$/);
    const text = readFileSync(await download.path(), 'utf8');
    for (const c of codes) assert.ok(text.includes(c), `the file has ${c}`);

    await page.getByRole('link', { name: 'I have saved my backup codes' }).click();
    await card(page, 'Backup codes').getByText('10 unused backup codes left.').waitFor();
    assert.equal(await page.locator('#twofa-backup-list').count(), 0, 'the codes are not shown again');
    assert.equal(site('extras', user.login).backup_codes_left, 10);
  });

  test('2. a backup code logs in once; the same code is refused afterwards', async () => {
    await logOut(page);
    await backupChallenge(page);
    await shot(page, '17-challenge-backup-code');
    await page.getByLabel('Backup code').fill(codes[0].toLowerCase().replace(/-/g, ' '));
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.waitForURL(/\/wp-admin\//);
    assert.equal(await loggedIn(page), true, 'logged in with a backup code');
    assert.equal(site('extras', user.login).backup_codes_left, 9);

    await logOut(page);
    await backupChallenge(page);
    await page.getByLabel('Backup code').fill(codes[0]);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'already been used' }).waitFor();
    assert.equal(await loggedIn(page), false, 'no session for a used code');
    assert.equal(site('extras', user.login).backup_codes_left, 9);
  });

  test('3. Remember this device: the next login skips the challenge until the device is forgotten', async () => {
    await submitPassword(page, user.login, user.password);
    await authenticatorStep(page, { remember: true });
    assert.deepEqual(site('extras', user.login).devices, ['Chrome on Linux']);
    await logOut(page);

    await submitPassword(page, user.login, user.password);
    await page.waitForURL(/\/wp-admin\//);
    assert.equal(await loggedIn(page), true, 'the password alone on a remembered device');

    await openConfigure(page);
    const devices = card(page, 'Remembered devices');
    await devices.getByRole('cell', { name: 'Chrome on Linux (this device)' }).waitFor();
    await shot(page, '18-remembered-devices');
    await devices.getByRole('button', { name: /^Forget/ }).first().click();
    await page.getByText('The device was forgotten.').waitFor();
    await card(page, 'Remembered devices').getByText('No devices are remembered.').waitFor();

    await logOut(page);
    await submitPassword(page, user.login, user.password);
    await page.getByRole('heading', { name: 'Google Authenticator' }).waitFor();
    assert.equal(await loggedIn(page), false, 'a forgotten device gets the challenge again');
    await authenticatorStep(page);
  });

  test('4. Regenerate asks for the password and makes the old codes useless', async () => {
    await openConfigure(page);
    await card(page, 'Backup codes').getByRole('link', { name: 'Regenerate' }).click();
    const backup = card(page, 'Backup codes');
    await backup.getByLabel('Replace my backup codes: the old ones stop working.').check();
    await backup.getByLabel('To confirm it is you, enter your current password:').fill(user.password);
    await backup.getByRole('button', { name: 'Regenerate' }).click();
    await page.getByText('New backup codes were generated. Your old backup codes no longer work.').waitFor();
    const fresh = await page.locator('#twofa-backup-list code').allInnerTexts();
    assert.equal(fresh.length, 10);
    assert.equal(fresh.filter((c) => codes.includes(c)).length, 0, 'a whole new set');

    await logOut(page);
    await backupChallenge(page);
    await page.getByLabel('Backup code').fill(codes[1]);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(await loggedIn(page), false, 'an old code no longer works');
    codes = fresh;
  });

  test('5. wrong backup codes lock the account, then even a right code is refused', async () => {
    // One wrong code already counted in step 4; two more reach the lockout of 3.
    const verify = async (code) => {
      await page.getByLabel('Backup code').fill(code);
      await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Verify', exact: true }).click()]);
    };
    await verify('2222-3333-4444-5555');
    await verify('2222-3333-4444-6666');
    await page.getByRole('alert').filter({ hasText: 'locked' }).waitFor();
    await verify(codes[0]);
    await page.getByRole('alert').filter({ hasText: 'locked' }).waitFor();
    assert.equal(await loggedIn(page), false, 'locked: no session');
    assert.equal(site('extras', user.login).backup_codes_left, 10, 'nothing spent while locked');
    await shot(page, '19-locked-after-backup-codes');
  });
});

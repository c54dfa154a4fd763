// The demo site's mailbox page in the browser, as a person trying the demo meets it: from the
// login screen's link, without being logged in, showing the OTP email's code. Run by
// tests/suites/92-demo.sh against a scratch demo (DEMO_URL) after it sent one OTP email.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, shot } from '../lib.js';

const url = (process.env.DEMO_URL || '').replace(/\/+$/, '');
const email = process.env.DEMO_EMAIL || 'subscriber@example.test';
let browser;

before(async () => {
  assert.ok(url, 'DEMO_URL names the demo site');
  browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
});

test('the login screen links to the demo mailbox, which shows the OTP email without a login', async () => {
  const page = await newPage(browser);
  await page.goto(`${url}/wp-login.php`);
  const [mailbox] = await Promise.all([
    page.context().waitForEvent('page'),
    page.getByRole('link', { name: 'Demo mailbox: read the OTP emails' }).click(),
  ]);
  await mailbox.waitForLoadState('domcontentloaded');
  await mailbox.getByText(/^\d+ emails?\.$/).waitFor();
  const message = mailbox.locator('.twofa-demo-message').first();
  assert.match(await message.innerText(), new RegExp(email.replace(/[.]/g, '\\.')));
  assert.match(await message.locator('pre').innerText(), /^\s*\d{6}\s*$/m, 'the code stands on its own line');
  const cookies = await page.context().cookies();
  assert.ok(!cookies.some((c) => c.name.startsWith('wordpress_logged_in_')), 'no login was needed');
  await shot(mailbox, '15-demo-mailbox');
});

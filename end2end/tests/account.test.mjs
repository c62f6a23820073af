// The account page: a shopper registers, edits their profile, changes their
// password, then deletes their account (which signs them out and frees the
// address).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, strictPage, hydrated, mailbox, readable, until } from './support.mjs';

/** The link to choose a new password e-mailed to `email` (quoted-printable undone), once it has come. */
function resetLink(email) {
  return until('the e-mailed link', () => mailbox()
    .map(readable)
    .filter((m) => m.includes(email))
    .map((m) => m.match(/https?:\/\/[^\s"<>]*\/account\/reset-password\?token=[\w.-]+/)?.[0])
    .find(Boolean), 15_000);
}

/** Fills and sends the account page's profile form with `name`; the form. */
async function saveProfile(page, name) {
  const profile = page.getByRole('form', { name: 'Profile' });
  await profile.getByLabel('Name').fill(name);
  await profile.getByRole('button', { name: 'Save profile' }).click();
  return profile;
}

/** Fills and sends the account page's password form; the form. */
async function changePassword(page, current, next) {
  const password = page.getByRole('form', { name: 'Change password' });
  await password.getByLabel('Current password').fill(current);
  await password.getByLabel('New password (10 characters or more)').fill(next);
  await password.getByRole('button', { name: 'Change password' }).click();
  return password;
}

/** An account for `email`, made through the API (password: long enough pw). */
async function register(email, name) {
  const registered = await fetch(`${BASE}/api/account/register`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, name, password: 'long enough pw' }),
  });
  assert.equal(registered.status, 201);
}

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a shopper edits their profile, changes their password and deletes their account', async () => {
  const { page, problems } = await strictPage(browser);
  const email = `erin-${crypto.randomUUID()}@example.com`;
  await page.goto(`${BASE}/account/register`);
  await hydrated(page);
  await page.getByLabel('Name').fill('Erin');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password (10 characters or more)').fill('long enough pw');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${BASE}/account`);

  await saveProfile(page, 'Erin Example');
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await page.locator('dl.account dd').filter({ hasText: 'Erin Example' }).waitFor();
  await page.getByTestId('account-link').filter({ hasText: 'Erin Example' }).waitFor();

  const password = await changePassword(page, 'not my password', 'a brand new pw');
  await password.getByRole('alert').filter({ hasText: 'The current password is wrong' }).waitFor();
  const emptied = async () => [
    await password.getByLabel('Current password').inputValue(),
    await password.getByLabel('New password (10 characters or more)').inputValue(),
  ].join('') === '';
  await until('the passwords to leave the screen', emptied);
  await changePassword(page, 'long enough pw', 'a brand new pw');
  await password.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
  await until('the passwords to leave the screen', emptied);
  const withNew = await fetch(`${BASE}/api/account/sign-in`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'a brand new pw' }),
  });
  assert.equal(withNew.status, 200, 'the new password signs in');

  const deletion = page.getByRole('form', { name: 'Delete account' });
  await deletion.getByLabel('Type DELETE to confirm').fill('delete it');
  await deletion.getByRole('button', { name: 'Delete my account' }).click();
  await deletion.getByRole('alert').filter({ hasText: 'Type DELETE to confirm' }).waitFor();
  await deletion.getByLabel('Type DELETE to confirm').fill('DELETE');
  await deletion.getByRole('button', { name: 'Delete my account' }).click();
  await page.waitForURL(`${BASE}/account?done=deleted`);
  await page.getByRole('status').filter({ hasText: 'Your account is deleted' }).waitFor();
  await page.getByTestId('account-link').filter({ hasText: 'Sign in' }).waitFor();

  const signIn = await fetch(`${BASE}/api/account/sign-in`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'long enough pw' }),
  });
  assert.equal(signIn.status, 401, 'the account is gone');
  // The expected failures: the wrong current password and the mistyped
  // confirmation, each refused with 400 (not a 500).
  assert.deepEqual(problems.filter((p) => !/status of 400 .*\/rpc\/account\/(password|delete)/.test(p)), []);
  assert.equal(problems.length, 2, problems.join('\n'));
});

test('a refusal by the store’s edge reads in its words, not as “could not reach the store”', async () => {
  // Without the service worker: once it controls the page (it claims it as
  // soon as the build is stored) it sends the sign-in itself, where the
  // route below cannot change it.
  const { page, problems } = await strictPage(browser, { serviceWorkers: 'block' });
  await page.goto(`${BASE}/account/sign-in`);
  await hydrated(page);
  // The store's edge itself answers this sign-in: sent as from another site,
  // the real cross-site guard refuses it with the REST API's JSON error (as
  // the rate limit and the timeout answer theirs).
  let refusal;
  await page.route('**/rpc/account/sign-in', async (route) => {
    const response = await route.fetch({ headers: { ...route.request().headers(), origin: 'https://elsewhere.example' } });
    refusal = { status: response.status(), body: await response.json() };
    await route.fulfill({ response });
  });
  await page.getByLabel('E-mail').fill('nobody@example.com');
  await page.getByLabel('Password').fill('long enough pw');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Requests from other sites may not change anything here' });
  await alert.waitFor();
  assert.deepEqual([refusal.status, refusal.body.error.code], [403, 'cross_site_request'], 'the edge answered');
  assert.doesNotMatch(await page.locator('main').innerText(), /could not reach/i);
  assert.deepEqual(problems.filter((p) => !p.includes('403')), []);
});

test('without JavaScript a refused sign-in shows why on the sign-in page', async () => {
  const { page, context } = await strictPage(browser, { javaScriptEnabled: false });
  await page.goto(`${BASE}/account/sign-in`);
  await page.getByLabel('E-mail').fill(`nobody-${crypto.randomUUID()}@example.com`);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/account/sign-in' && url.searchParams.has('__err'));
  await page.getByRole('alert').filter({ hasText: /wrong e-mail or password/i }).waitFor();
  assert.doesNotMatch(await page.locator('body').innerText(), /ServerError\|/);
  await context.close();
});

test('a shopper who forgot their password chooses a new one through the e-mailed link, once', async () => {
  const { page, problems } = await strictPage(browser);
  const email = `gus-${crypto.randomUUID()}@example.com`;
  await register(email, 'Gus');
  await page.goto(`${BASE}/account/sign-in`);
  await hydrated(page);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.waitForURL(`${BASE}/account/reset-password`);
  const ask = page.getByRole('form', { name: 'E-mail me a link' });
  await ask.getByLabel('E-mail').fill(email);
  await ask.getByRole('button', { name: 'E-mail me a link' }).click();
  await ask.getByRole('status').filter({ hasText: 'a link to choose a new password is on its way' }).waitFor();

  const link = await resetLink(email);
  const choose = async () => {
    await page.goto(link);
    await hydrated(page);
    const form = page.getByRole('form', { name: 'Choose a new password' });
    await form.getByLabel('New password (10 characters or more)').fill('a brand new pw');
    await form.getByRole('button', { name: 'Set the password' }).click();
    return form;
  };
  await choose();
  await page.waitForURL(`${BASE}/account`);
  await page.getByTestId('account-link').filter({ hasText: 'Gus' }).waitFor();

  const again = await choose();
  await again.getByRole('alert').filter({ hasText: 'expired or was already used' }).waitFor();
  // The one expected failure: the used link, refused with 400.
  assert.deepEqual(problems.filter((p) => !/status of 400 .*\/rpc\/account\/password-reset\/complete/.test(p)), []);
});

test('without JavaScript a forgotten password is reset too', async () => {
  const { page, context } = await strictPage(browser, { javaScriptEnabled: false });
  const email = `hal-${crypto.randomUUID()}@example.com`;
  await register(email, 'Hal');
  await page.goto(`${BASE}/account/reset-password`);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'E-mail me a link' }).click();
  await page.getByRole('status').filter({ hasText: 'a link to choose a new password is on its way' }).waitFor();

  const link = await resetLink(email);
  await page.goto(link);
  await page.getByLabel('New password (10 characters or more)').fill('a brand new pw');
  await page.getByRole('button', { name: 'Set the password' }).click();
  await page.waitForURL(`${BASE}/account`);
  await page.locator('dl.account dd').filter({ hasText: email }).waitFor();
  await context.close();
});

test('signing in goes on to the page `next` names only when it is on this site, however it is spelled', async () => {
  const email = `jo-${crypto.randomUUID()}@example.com`;
  await register(email, 'Jo');
  // Read by the browser's own URL parser in the page's code (the server's reads it without JavaScript).
  for (const [next, lands] of [['/search?q=mug#top', '/search?q=mug#top'], ['/\\evil.example/', '/account'], ['/\t/evil.example/', '/account']]) {
    const { page, context, problems } = await strictPage(browser);
    await page.goto(`${BASE}/account/sign-in?next=${encodeURIComponent(next)}`);
    await hydrated(page);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('long enough pw');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${BASE}${lands}`);
    assert.deepEqual(problems, [], next);
    await context.close();
  }
});

test('without JavaScript signing in goes on to the page asked for, and the account page says what was saved and that they signed out', async () => {
  const { page, context } = await strictPage(browser, { javaScriptEnabled: false });
  const email = `ida-${crypto.randomUUID()}@example.com`;
  await register(email, 'Ida');
  await page.goto(`${BASE}/account/sign-in?next=${encodeURIComponent('/orders')}`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill('long enough pw');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${BASE}/orders`);

  await page.goto(`${BASE}/account`);
  const profile = await saveProfile(page, 'Ida B');
  await page.waitForURL(`${BASE}/account?done=profile`);
  await profile.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await page.locator('dl.account dd').filter({ hasText: 'Ida B' }).waitFor();

  const password = await changePassword(page, 'long enough pw', 'a brand new pw');
  await page.waitForURL(`${BASE}/account?done=password`);
  await password.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor();
  assert.equal(await profile.getByRole('status').count(), 0, 'only the form that was saved says so');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${BASE}/account?done=signed-out`);
  await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
  await page.getByTestId('account-link').filter({ hasText: 'Sign in' }).waitFor();
  await context.close();
});

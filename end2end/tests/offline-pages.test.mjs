// Offline-first pages: what a person has seen opens again with the connection
// cut — pages reached by clicking as well as by address, an order with its
// timeline, the administrator's report — saying how old it is; an order's
// timeline catches up on reconnecting; the store installs as an app; private
// copies go when the account signs out. The connection really goes: the
// browser talks to the store through a proxy the test closes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE, launch, launchProfile, strictPage, hydrated, proxy, confirmedOrder, eventually } from './support.mjs';

const ADMIN = { email: process.env.TBS_E2E_ADMIN_EMAIL, password: process.env.TBS_E2E_ADMIN_PASSWORD };
const AS_OF = /as of \d+ \w+ \d{4}, \d\d:\d\d UTC/;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function controlled(page) {
  await page.waitForFunction(() => navigator.serviceWorker?.controller, null, { timeout: 20_000 });
}

/** Waits until the service worker has saved `path` (a navigation's copy). */
async function saved(page, path) {
  await eventually(page, (p) => caches.match(p, { ignoreVary: true }).then(Boolean), path);
}

async function offline(page, link) {
  await link.close();
  await page.getByTestId('connection').filter({ hasText: 'Offline' }).waitFor({ timeout: 3_000 });
}

test('pages reached by clicking, from the very first visit, open offline like pages loaded by address', async () => {
  const link = await proxy();
  const { page } = await strictPage(browser);
  await page.goto(`${link.url}/`); // the first page loads before any service worker exists
  await hydrated(page);
  await controlled(page);
  await page.locator('a[href^="/search?category="]').first().click();
  await page.waitForURL(/\/search\?category=/);
  const category = new URL(page.url()).search;
  await page.locator('a[href^="/products/"]').first().click();
  await page.waitForURL(/\/products\//);
  const product = new URL(page.url()).pathname;
  const name = await page.locator('h1').textContent();
  for (const path of ['/', `/search${category}`, product]) await saved(page, path);

  await offline(page, link);
  // In the open tab, clicking back through the app still works.
  await page.goBack();
  await page.waitForURL(/\/search\?category=/);
  await page.locator(`a[href="${product}"]`).first().waitFor();
  for (const path of ['/', `/search${category}`, product]) {
    await page.goto(`${link.url}${path}`);
    await hydrated(page);
    await page.getByTestId('saved-copy').filter({ hasText: AS_OF }).waitFor();
    assert.notEqual(await page.getByTestId('offline-page').count(), 1, path);
  }
  await page.getByRole('heading', { name }).waitFor();
  // Never seen: a plain message, not the browser's error or a technical one.
  await page.goto(`${link.url}/products/STA-002`);
  await page.getByTestId('offline-page').waitFor();
});

test('a page the store cannot serve just now (a gateway\'s 502 or 504, its 503) opens from this device with its age', async () => {
  // The connection works, but what answers is a gateway that cannot reach
  // the store, or the store too busy to serve: for every request while `failing`.
  let failing = 0;
  const answer = () => (failing ? { status: failing, body: { error: { code: 'unavailable', message: 'Bad gateway' } } } : undefined);
  const link = await proxy(0, { answer });
  const { page } = await strictPage(browser);
  const path = '/products/KIT-003';
  await page.goto(`${link.url}${path}`);
  await hydrated(page);
  await controlled(page);
  await saved(page, path);
  const name = await page.locator('h1').textContent();
  for (const status of [502, 503, 504]) {
    failing = status;
    await page.goto(`${link.url}${path}`);
    await hydrated(page);
    await page.getByTestId('saved-copy').filter({ hasText: AS_OF }).waitFor();
    await page.getByRole('heading', { name }).waitFor();
    await page.getByTestId('connection').filter({ hasText: 'Offline' }).waitFor({ timeout: 3_000 });
  }
  failing = 0;
  await page.getByTestId('connection').filter({ hasText: 'Online' }).waitFor({ timeout: 3_000 });
});

test('My orders and an order seen before open offline with their age, and its timeline catches up on reconnecting', async () => {
  let link = await proxy();
  const { page, context } = await strictPage(browser);
  const email = `trainrider+${Date.now()}@example.com`;
  const registered = await context.request.post(`${BASE}/api/account/register`, {
    data: { email, name: 'Tara Train', password: 'long enough pw' },
  });
  assert.equal(registered.status(), 201);
  const order = await confirmedOrder(context.request, email, ['KIT-003']);
  // My orders, then the order by clicking it.
  await page.goto(`${link.url}/orders`);
  await hydrated(page);
  await controlled(page);
  await page.getByRole('link', { name: order.number }).click();
  await page.getByTestId('order-status').filter({ hasText: 'Confirmed' }).waitFor();
  await saved(page, `/orders/${order.id}`);
  await saved(page, '/orders');

  await offline(page, link);
  await page.goto(`${link.url}/orders`);
  await hydrated(page);
  await page.getByRole('link', { name: order.number }).waitFor();
  await page.getByTestId('saved-copy').filter({ hasText: AS_OF }).waitFor();
  await page.goto(`${link.url}/orders/${order.id}`);
  await hydrated(page);
  await page.getByRole('heading', { name: `Order ${order.number}` }).waitFor();
  await page.getByTestId('saved-copy').filter({ hasText: AS_OF }).waitFor();

  // While the shopper is offline, dispatch sends the parcel.
  const staff = await browser.newContext();
  assert.equal((await staff.request.post(`${BASE}/api/account/sign-in`, { data: ADMIN })).status(), 200);
  const so = await (await staff.request.get(`${BASE}/api/fulfilment/shipping-orders/so-${order.id}`)).json();
  const processed = await staff.request.post(`${BASE}/api/fulfilment/shipping-orders/so-${order.id}/process`, {
    data: { lines: ['KIT-003'], carrier: 'UPS', tracking_number: '1ZTRAIN', expected_version: so.version },
  });
  assert.equal(processed.status(), 200, await processed.text());
  await staff.close();

  // Back online: the stream reopens and the page catches up without a reload.
  link = await proxy(link.port);
  await page.locator('.timeline__entry[data-kind="item_processed"]').filter({ hasText: '1ZTRAIN' }).waitFor({ timeout: 15_000 });
  await page.getByTestId('saved-copy').waitFor({ state: 'detached' });
});

test('the report opens offline for the administrator, with its age; signing out forgets it', async () => {
  let link = await proxy();
  const { page } = await strictPage(browser);
  await page.goto(`${link.url}/account/sign-in`);
  await hydrated(page);
  await controlled(page);
  await page.getByLabel('E-mail').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${link.url}/account`);
  await page.getByRole('link', { name: 'Reports' }).click();
  await page.getByRole('heading', { name: /Completed orders/i }).waitFor();
  await saved(page, '/reports/completed-orders');

  await offline(page, link);
  await page.reload();
  await hydrated(page);
  await page.getByRole('heading', { name: /Completed orders/i }).waitFor();
  await page.getByTestId('saved-copy').filter({ hasText: AS_OF }).waitFor();

  // Signing out forgets what the account saw on this device.
  link = await proxy(link.port);
  await page.getByTestId('connection').filter({ hasText: 'Online' }).waitFor({ timeout: 3_000 });
  assert.equal(await page.evaluate(async () => (await fetch('/api/account/sign-out', { method: 'POST' })).status), 204);
  await eventually(page, () => caches.match('/reports/completed-orders', { ignoreVary: true }).then((s) => !s));
  await link.close();
  await page.goto(`${link.url}/reports/completed-orders`);
  await page.getByTestId('offline-page').waitFor();
});

test('the store is installable and starts offline from its start URL', async (t) => {
  const link = await proxy();
  const profile = mkdtempSync(join(tmpdir(), 'tbs-profile-'));
  const context = await launchProfile(profile);
  t.after(async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); });
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(`${link.url}/`);
  await hydrated(page);
  await controlled(page);
  await saved(page, '/');
  const cdp = await context.newCDPSession(page);
  // chromium checks installability in the background: ask until it has an answer with no errors.
  let errors;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    ({ installabilityErrors: errors } = await cdp.send('Page.getInstallabilityErrors'));
    if (errors.length === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(errors, []);
  const manifest = await (await page.request.get(`${link.url}/manifest.webmanifest`)).json();
  await link.close();
  await page.goto(new URL(manifest.start_url, link.url).href);
  await hydrated(page);
  await page.getByTestId('connection').filter({ hasText: 'Offline' }).waitFor({ timeout: 3_000 });
  await page.locator('a[href^="/products/"]').first().waitFor();
});

test('a dispatcher works offline: the order opens, marking lines is queued, and a conflict is shown, not lost', async () => {
  let link = await proxy();
  const guest = await browser.newContext();
  const order = await confirmedOrder(guest.request, `parcel+${Date.now()}@example.com`, ['KIT-001', 'KIT-002']);
  await guest.close();
  const { page } = await strictPage(browser);
  assert.equal((await page.request.post(`${link.url}/api/account/sign-in`, { data: ADMIN })).status(), 200);
  await page.goto(`${link.url}/dispatch`);
  await hydrated(page);
  await controlled(page);
  await page.goto(`${link.url}/dispatch/so-${order.id}`);
  await hydrated(page);
  await saved(page, `/dispatch/so-${order.id}`);

  await offline(page, link);
  await page.reload();
  await hydrated(page);
  await page.getByRole('heading', { name: `Order ${order.number}` }).waitFor();
  await page.getByTestId('saved-copy').filter({ hasText: AS_OF }).waitFor();
  await page.getByLabel(/Enamel Camp Mug/).check();
  await page.getByLabel('Carrier').fill('UPS');
  await page.getByLabel('Tracking number').fill('1ZOFFLINE');
  await page.getByRole('button', { name: 'Mark processed' }).click();
  await page.getByTestId('dispatch-waiting').waitFor();
  await page.getByTestId('waiting').filter({ hasText: '1 change waiting' }).waitFor();

  // Meanwhile another dispatcher, online, sends the other line: the queued change is now stale.
  const other = await browser.newContext();
  assert.equal((await other.request.post(`${BASE}/api/account/sign-in`, { data: ADMIN })).status(), 200);
  const so = await (await other.request.get(`${BASE}/api/fulfilment/shipping-orders/so-${order.id}`)).json();
  const sent = await other.request.post(`${BASE}/api/fulfilment/shipping-orders/so-${order.id}/process`, {
    data: { lines: ['KIT-002'], carrier: 'DHL', tracking_number: 'JD01', expected_version: so.version },
  });
  assert.equal(sent.status(), 200);
  await other.close();

  // Back online: the conflict is shown with the order as it is now; done again, it is saved.
  link = await proxy(link.port);
  await page.getByRole('alert').filter({ hasText: 'changed since you opened it' }).waitFor({ timeout: 10_000 });
  await page.locator('.dispatch-line', { hasText: 'Cast Iron Skillet' }).filter({ hasText: 'JD01' }).waitFor();
  await page.getByLabel(/Enamel Camp Mug/).check();
  await page.getByLabel('Carrier').fill('UPS');
  await page.getByLabel('Tracking number').fill('1ZOFFLINE');
  await page.getByRole('button', { name: 'Mark processed' }).click();
  await page.getByRole('status').filter({ hasText: 'the shipping order is processed' }).waitFor();
});

test('a new release offers "reload" to a page open during the update instead of mixing versions', async (t) => {
  const worker = join(process.env.TBS_E2E_SITE, 'sw.js');
  const original = readFileSync(worker, 'utf8');
  t.after(() => writeFileSync(worker, original));
  const link = await proxy();
  const { page } = await strictPage(browser);
  await page.goto(`${link.url}/`);
  await hydrated(page);
  await controlled(page);
  const build = original.match(/const BUILD = '([^']+)'/)[1];
  assert.deepEqual(await page.evaluate(() => caches.keys().then((k) => k.filter((n) => n.startsWith('tbs-shell-')))), [`tbs-shell-${build}`]);

  // The release: a worker with another build hash. The open page keeps running on the old one…
  writeFileSync(worker, original.replace(`const BUILD = '${build}'`, `const BUILD = '${build}-next'`));
  await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
  await page.getByTestId('update-ready').filter({ hasText: 'A new version is ready' }).waitFor({ timeout: 15_000 });
  // …until the shopper says so: then the page reloads on the new release, whose cache replaced the old.
  // Listening before the click: the new page may finish loading before the click's promise settles.
  const reloaded = page.waitForEvent('load');
  await page.getByTestId('update-ready').getByRole('button', { name: 'reload' }).click();
  await reloaded;
  await hydrated(page);
  await eventually(page, (b) => caches.keys().then((k) => k.includes(`tbs-shell-${b}-next`) && !k.includes(`tbs-shell-${b}`)), build);
  assert.equal(await page.getByTestId('update-ready').count(), 0);
});

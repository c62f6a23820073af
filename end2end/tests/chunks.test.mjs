// Micro-apps as lazily loaded WASM chunks: the shop's first page downloads the
// shop's code only; a micro-app's chunk comes when one of its pages is first
// visited (also by client-side navigation); and once the service worker is
// installed every micro-app opens offline, its chunk from this device.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, strictPage, hydrated, proxy, until } from './support.mjs';

const ADMIN = { email: process.env.TBS_E2E_ADMIN_EMAIL, password: process.env.TBS_E2E_ADMIN_PASSWORD };
const MICRO_APPS = ['cart_app', 'orders_app', 'sign_in_app', 'account_app', 'dispatch_app', 'reports_app'];

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The WASM files the page asked for (`tbs_bg`, `split_cart_app_…`, `chunk_12`), in order. */
function wasmLog(page) {
  const log = [];
  page.on('request', (r) => {
    const file = new URL(r.url()).pathname.match(/^\/pkg\/[0-9a-f]{16}\/(.+)\.wasm$/);
    if (file) log.push(file[1]);
  });
  return log;
}

const splitsIn = (log) => MICRO_APPS.filter((app) => log.some((f) => f.startsWith(`split_${app}_`)));

test('the first page loads the shop only; the cart’s chunk comes with the cart', async () => {
  const { page } = await strictPage(browser);
  const log = wasmLog(page);
  await page.goto(`${BASE}/`);
  await hydrated(page);
  assert.deepEqual(log, ['tbs_bg'], 'the shop page needs the first download only');

  await page.goto(`${BASE}/products/KIT-001`);
  await hydrated(page);
  log.length = 0;
  await page.getByRole('link', { name: /Cart/ }).first().click();
  await page.getByRole('heading', { name: 'Your cart' }).waitFor();
  assert.equal(page.url().endsWith('/cart'), true);
  assert.deepEqual(splitsIn(log), ['cart_app'], `navigating to the cart loads its chunk and no other app's: ${log}`);
  // The code micro-apps share comes as one file, not one per set of micro-apps sharing it (20).
  assert.equal(log.length, 2, `the cart's own chunk and the micro-apps' shared one: ${log}`);

  // A page of a micro-app loaded by address brings its chunks with it (preloaded, then hydrated).
  const fresh = await strictPage(browser);
  const direct = wasmLog(fresh.page);
  await fresh.page.goto(`${BASE}/account/sign-in`);
  await hydrated(fresh.page);
  assert.deepEqual(splitsIn(direct), ['sign_in_app'], 'signing in, not the account page');
  assert.equal(direct[0], 'tbs_bg');
  assert.equal(direct.length, 3, `the first download, the micro-apps' shared chunk and signing in's own: ${direct}`);
});

test('the outbox’s reader comes once something is queued, and a page lives on without it', async () => {
  const { page, context, problems } = await strictPage(browser);
  const log = wasmLog(page);
  // As offline before the service worker kept it: the reader cannot be fetched.
  await page.route(/\/split_outbox\.wasm$/, (route) => route.abort());
  await page.goto(`${BASE}/products/KIT-005`);
  await hydrated(page);
  assert.deepEqual(log, ['tbs_bg'], 'nothing queued on this device: no outbox reader');
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await until('the outbox reader to be asked for', () => log.includes('split_outbox'));
  // Without the reader the header still counts what was added (the page knows what it queued).
  await until('the header to count the addition', async () => (await page.getByTestId('cart-count').innerText()).trim() === '1');
  // The WASM still runs (a chunk that failed to load must not stop it).
  await page.getByRole('button', { name: 'Increase quantity' }).click();
  assert.equal(await page.locator('.stepper__value').innerText(), '2');
  assert.deepEqual(problems.filter((p) => p.startsWith('exception')), [], 'no exception');

  // Once it can be fetched it is, and the queued edit shows as the cart's.
  await page.unroute(/\/split_outbox\.wasm$/);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('status').filter({ hasText: 'Added' }).waitFor();
  let shown = '';
  const count = async () => (shown = (await page.getByTestId('cart-count').innerText()).trim()) === '3';
  // Should this ever time out, say what the page showed and met meanwhile.
  await until('the cart to hold both edits', count).catch((e) => {
    throw new Error(`${e.message}: the count showed ${shown}; chunks ${log}; the page met ${problems.join('; ')}`);
  });
  await context.close();
});

test('offline before the outbox’s reader was kept, an addition shows in the header and reaches the store once back', async () => {
  const { page, context } = await strictPage(browser);
  const log = wasmLog(page);
  const count = page.getByTestId('cart-count');
  const waiting = page.getByTestId('waiting');
  await page.route(/\/split_outbox\.wasm$/, (route) => route.abort());
  await page.goto(`${BASE}/products/HOM-004`);
  await hydrated(page);
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Increase quantity' }).click();
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('status').filter({ hasText: "You're offline" }).waitFor();
  await until('the outbox reader to be asked for', () => log.includes('split_outbox'));
  await count.filter({ hasText: /^2$/ }).waitFor();
  await waiting.filter({ hasText: '1 change waiting' }).waitFor();

  // Back online, still without the reader: the edit is sent, and the header shows the store's cart.
  await context.setOffline(false);
  await waiting.filter({ hasText: 'waiting' }).waitFor({ state: 'detached', timeout: 15_000 });
  assert.equal((await count.innerText()).trim(), '2', 'the store’s answer: the edit neither counted twice nor forgotten');
  const stored = await (await page.request.get(`${BASE}/api/cart`)).json();
  assert.equal(stored.item_count, 2, 'the store has the edit, once');
  await context.close();
});

test('a page is painted before it asks for its code, and a micro-app’s page before its chunks', async () => {
  for (const path of ['/', '/cart']) {
    const { page } = await strictPage(browser);
    await page.goto(`${BASE}${path}`);
    await hydrated(page);
    const { paint, code } = await page.evaluate(() => ({
      paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
      code: performance.getEntriesByType('resource')
        .filter((r) => /\/pkg\/[0-9a-f]{16}\/.+\.(wasm|js)$/.test(new URL(r.name).pathname))
        .map((r) => ({ file: new URL(r.name).pathname.split('/').pop(), at: r.startTime })),
    }));
    assert.ok(paint > 0 && code.length > 0, `${path}: painted at ${paint}, code ${JSON.stringify(code)}`);
    const early = code.filter((c) => c.at < paint);
    assert.deepEqual(early, [], `${path}: painted at ${paint.toFixed(0)} ms; asked for before that: ${JSON.stringify(early)}`);
  }
});

test('after visiting each micro-app once online, every one of them opens offline', async () => {
  let link = await proxy();
  const { page, context } = await strictPage(browser);
  await page.goto(`${link.url}/account/sign-in`);
  await hydrated(page);
  await page.waitForFunction(() => navigator.serviceWorker?.controller, null, { timeout: 20_000 });
  await page.getByLabel('E-mail').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${link.url}/account`);
  const pages = {
    '/cart': 'Your cart',
    '/orders': 'My orders',
    '/account': 'Your account',
    '/dispatch': 'Dispatch',
    '/reports/completed-orders': 'Completed orders',
  };
  for (const path of Object.keys(pages)) {
    await page.goto(`${link.url}${path}`);
    await hydrated(page);
  }
  // Every chunk of the build is on this device, not only those visited.
  const precached = await page.evaluate(async () => {
    const names = await caches.keys();
    const shell = await caches.open(names.find((n) => n.startsWith('tbs-shell-')));
    return (await shell.keys()).map((r) => new URL(r.url).pathname).filter((p) => p.endsWith('.wasm'));
  });
  for (const app of MICRO_APPS) assert.ok(precached.some((p) => p.includes(`/split_${app}_`)), `${app} is precached`);

  await link.close();
  await context.setOffline(true);
  for (const [path, heading] of Object.entries(pages)) {
    const log = wasmLog(page);
    await page.goto(`${link.url}${path}`);
    await hydrated(page);
    await page.getByRole('heading', { name: heading }).first().waitFor();
    assert.ok(log.length > 0, `${path} loaded its code offline`);
  }
  link = await proxy(link.port);
  await context.setOffline(false);
});

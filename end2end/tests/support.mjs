// Shared set-up for the browser tests: one headless Debian chromium per file.
import { chromium } from 'playwright-core';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';

export const BASE = process.env.TBS_BASE_URL ?? 'http://127.0.0.1:3000';

// Flags that keep chromium off the (closed) network and quiet.
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ARGS });
}

/** A browser with a profile on disk (`dir`), as a person's is: what an installed app needs. */
export async function launchProfile(dir) {
  return chromium.launchPersistentContext(dir, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ARGS });
}

/** A page that fails the test on any console error or uncaught exception. */
export async function strictPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()} @ ${m.location().url}`); });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  seen.set(page, problems);
  return { page, context, problems };
}

/**
 * Waits until `predicate(arg)`, run in the page, resolves truthy. Unlike
 * `page.waitForFunction`, which takes a returned promise as truthy at once,
 * this awaits an async predicate (the Cache API, IndexedDB).
 */
export function eventually(page, predicate, arg, timeout = 10_000) {
  return until(`${predicate}`, () => page.evaluate(predicate, arg), timeout);
}

/** Resolves to `check()`'s first truthy value, asked every `every` ms; fails naming `what` after `timeout` ms. */
export async function until(what, check, timeout = 10_000, every = 50) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** What each strict page reported, for the failure message of `hydrated`. */
const seen = new WeakMap();

/** Waits until the WASM has hydrated the page (the app marks <body>); says what the page reported if it never does. */
export async function hydrated(page) {
  try {
    await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20_000 });
  } catch (failure) {
    const html = await page.evaluate(async () => ({
      caches: await Promise.all((await caches.keys()).map(async (name) => `${name}: ${(await (await caches.open(name)).keys()).map((r) => r.url).join(' ')}`)),
      html: document.documentElement.outerHTML.slice(0, 600),
      controlled: Boolean(navigator.serviceWorker?.controller),
      resources: performance.getEntriesByType('resource').map((r) => `${r.name} ${r.responseStatus} ${Math.round(r.duration)}ms`),
    })).catch((e) => `${e}`);
    throw new Error(`${page.url()} never hydrated; the page reported ${JSON.stringify(seen.get(page) ?? 'nothing (not a strict page)')}; it begins ${JSON.stringify(html)}`, { cause: failure });
  }
}

/** Every message the SMTP sink received (raw RFC 5322 text). */
export function mailbox() {
  const dir = process.env.TBS_E2E_MAILBOX;
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
}

/** A mail's text with quoted-printable's soft line breaks and `=3D` undone, so its links read whole. */
export function readable(mail) {
  return mail.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
}

/**
 * Signs `page` in on the sign-in page as `{ email, password }`, once it is
 * hydrated; `{ script: false }` for a page without JavaScript.
 */
export async function signIn(page, { email, password }, { script = true } = {}) {
  await page.goto(`${BASE}/account/sign-in`);
  if (script) await hydrated(page);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/account/sign-in'));
}

/** A link to order `orderId`'s page (plus `suffix`: `/invoice`) in its receipt, quoted-printable undone. */
export async function receiptLink(orderId, suffix = '') {
  for (let i = 0; i < 150; i++) {
    const mail = mailbox().map(readable).find((m) => m.includes(orderId));
    const link = mail?.match(new RegExp(`https?://[^\\s"<>]*/orders/${orderId}${suffix}\\?token=[0-9a-f]+`));
    if (link) return link[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no receipt with a link to /orders/${orderId}${suffix}`);
}

/** The order's details once its invoice is issued, read by `request` (its cookies may read the order). */
export async function invoiced(request, orderId) {
  for (let i = 0; i < 150; i++) {
    const details = await (await request.get(`${BASE}/api/orders/${orderId}/details`)).json();
    if (details.invoice) return details;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`order ${orderId} never got its invoice`);
}

/** A paid, confirmed order of one of each SKU, placed through the public API by `request` (with its cookies). */
export async function confirmedOrder(request, email, skus) {
  for (const sku of skus) {
    const added = await request.put(`${BASE}/api/cart/items/${sku}`, { data: { quantity: 1 } });
    if (added.status() !== 200) throw new Error(`add ${sku}: ${added.status()} ${await added.text()}`);
  }
  const id = crypto.randomUUID();
  const placed = await request.put(`${BASE}/api/orders/${id}`, {
    data: { email, shipping_address: { name: 'Pat Shopper', line1: '9 Elm Road', city: 'Bath', postal_code: 'BA1 1AA', country: 'GB' } },
  });
  if (placed.status() !== 201) throw new Error(`place: ${placed.status()} ${await placed.text()}`);
  const until = async (done) => {
    for (let i = 0; i < 300; i++) {
      const order = await (await request.get(`${BASE}/api/orders/${id}`)).json();
      if (done(order)) return order;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the order never got there');
  };
  await until((o) => o.stock_reserved);
  const paid = await request.post(`${BASE}/api/orders/${id}/payment`, {
    data: { card: { number: '4242424242424242', expiry: '12/34', cvc: '123' } },
  });
  if (paid.status() !== 202) throw new Error(`pay: ${paid.status()} ${await paid.text()}`);
  return until((o) => o.status !== 'pending_payment' && o.shipping_status);
}

/**
 * A plain HTTP proxy to the store on `port` (0: any); `close()` drops every
 * connection. `answer(req)` may return `{ status, body }` to answer a request
 * itself instead of passing it on, as the store would when it is struggling,
 * or `{ stall: true }` to take it and never answer, as a stalled connection
 * does (a phone in a tunnel).
 * Without `keepAlive` every answer closes its connection, so each request
 * comes on a new one (Chromium sends a request again by itself when a reused
 * connection answers 408, taking it for an idle connection's timeout).
 */
export function proxy(port = 0, { answer = () => undefined, keepAlive = true } = {}) {
  const target = new URL(BASE);
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    if (!keepAlive) res.shouldKeepAlive = false;
    const own = answer(req);
    if (own?.stall) {
      req.resume();
      return;
    }
    if (own) {
      req.resume();
      res.writeHead(own.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(own.body ?? {}));
      return;
    }
    const upstream = http.request(
      // No keep-alive agent: its idle sockets would keep the test process alive.
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent: false },
      (answer) => { res.writeHead(answer.statusCode, answer.headers); answer.pipe(res); },
    );
    upstream.on('error', () => res.destroy());
    // A live stream (SSE) never ends by itself: it goes when its browser side does.
    upstream.on('socket', (s) => s.unref());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  // Never what keeps the test process alive: a test may end with its proxy open.
  server.on('connection', (s) => { s.unref(); sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.unref();
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    port: server.address().port,
    close: () => new Promise((done) => { for (const s of sockets) s.destroy(); server.close(done); }),
  })));
}

/** Staff (`request` signed in as a dispatcher) send lines `skus` of order `orderId` through the fulfilment API. */
export async function sendLines(request, orderId, skus) {
  const so = `${BASE}/api/fulfilment/shipping-orders/so-${orderId}`;
  const { version } = await (await request.get(so)).json();
  const sent = await request.post(`${so}/process`, {
    data: { lines: skus, carrier: 'UPS', tracking_number: `1Z${Date.now()}`, expected_version: version },
  });
  if (sent.status() !== 200) throw new Error(`process ${skus}: ${sent.status()} ${await sent.text()}`);
}

/** The completed-orders report's current month in USD, read by an administrator's `request`: `{ net, count }`. */
export async function thisMonth(request) {
  const report = await (await request.get(`${BASE}/api/reports/completed-orders?months=1`)).json();
  const usd = report.months[0]?.totals.find((t) => t.currency === 'USD');
  return { net: usd?.net_total_minor ?? 0, count: usd?.order_count ?? 0 };
}

/** Waits until the returns service has heard that a line of order `orderId` was sent (its return page offers it). */
export async function returnable(request, orderId, token = '') {
  const form = `${BASE}/rpc/returns/form?order_id=${orderId}&token=${token}`;
  await until(`a line of ${orderId} to be returnable`, async () => {
    const answer = await request.get(form);
    return answer.ok() && (await answer.json()).lines.some((l) => l.left > 0);
  });
}

/** Adds `sku` to the cart from its product page, `times` of it. */
export async function addToCart(page, sku, times = 1) {
  await page.goto(`${BASE}/products/${sku}`);
  await hydrated(page);
  for (let i = 1; i < times; i++) await page.getByRole('button', { name: 'Increase quantity' }).click();
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('status').filter({ hasText: 'Added' }).waitFor();
}

/** Fills the checkout form as Ann at `email`; the order id of the payment page it leads to. */
export async function fillCheckout(page, email) {
  await page.goto(`${BASE}/checkout`);
  await hydrated(page);
  await sendAddress(page, email);
  await page.waitForURL(/\/checkout\/[0-9a-f-]{36}\/pay$/);
  await page.getByLabel('Card number').waitFor({ timeout: 10_000 });
  return page.url().match(/checkout\/([0-9a-f-]{36})\/pay/)[1];
}

/** Fills the checkout page's form as Ann Shopper of 1 Main Street at `email`, and sends it. */
export async function sendAddress(page, email) {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Full name').fill('Ann Shopper');
  await page.getByLabel('Street address').fill('1 Main Street');
  await page.getByLabel('Town or city').fill('Springfield');
  await page.getByLabel('Postal code').fill('12345');
  await page.getByLabel('Country code').fill('US');
  await page.getByRole('button', { name: 'Continue to payment' }).click();
}

/** Pays on the payment page with card `number`. */
export async function payWith(page, number) {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry (MM/YY)').fill('12/34');
  await page.getByLabel('Security code (CVC)').fill('123');
  await page.getByRole('button', { name: /^Pay / }).click();
}

// A stalled connection ("lie-fi": a phone in a tunnel keeps its connection,
// but nothing comes back) must not hold the shopper up any more than no
// connection does: a page seen before opens from this device within seconds,
// saying how old it is, and an edit sent into the stall is given up and sent
// again once the line moves, reaching the store exactly once. The stall is
// real: the browser talks to the store through a proxy that takes requests
// and, while stalled, never answers them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, strictPage, hydrated, proxy, until, eventually } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A proxy to the store that, while `line.stalled`, holds every request unanswered (and lists them in `line.held`). */
async function stallingLine() {
  const line = { stalled: false, held: [] };
  line.link = await proxy(0, {
    answer: (req) => {
      if (!line.stalled) return undefined;
      line.held.push(`${req.method} ${req.url}`);
      return { stall: true };
    },
  });
  return line;
}

/** The page at `path`, hydrated, under the service worker's control and saved by it. */
async function seen(page, line, path) {
  await page.goto(`${line.link.url}${path}`);
  await hydrated(page);
  await page.waitForFunction(() => navigator.serviceWorker?.controller, null, { timeout: 20_000 });
  await page.goto(`${line.link.url}${path}`);
  await hydrated(page);
  await eventually(page, (p) => caches.match(p, { ignoreVary: true }).then(Boolean), path);
}

test('on a stalled line a page seen before opens from this device, saying how old it is', async () => {
  const line = await stallingLine();
  const { page } = await strictPage(browser);
  await seen(page, line, '/products/KIT-001');

  line.stalled = true;
  // Without patience the navigation waits on the stall for minutes.
  await page.goto(`${line.link.url}/products/KIT-001`, { timeout: 15_000 });
  await page.getByRole('heading', { name: 'Enamel Camp Mug' }).waitFor();
  await hydrated(page);
  await page.getByTestId('connection').filter({ hasText: 'Offline' }).waitFor();
  await page.getByTestId('saved-copy').filter({ hasText: /as of / }).waitFor();
  assert.ok(line.held.some((r) => r.startsWith('GET /products/KIT-001')), `the page was asked for: ${line.held}`);
  await line.link.close();
});

test('an edit sent into a stall is sent again once the line moves, and reaches the store once', async () => {
  const line = await stallingLine();
  const { page } = await strictPage(browser);
  const waiting = page.getByTestId('waiting');
  await seen(page, line, '/products/KIT-002');

  line.stalled = true;
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await waiting.filter({ hasText: '1 change waiting' }).waitFor();
  const stalledEdit = () => line.held.some((r) => r.startsWith('POST /api/cart/items/KIT-002'));
  await until('the edit to go into the stall', stalledEdit).catch((e) => { throw new Error(`${e.message}; held: ${line.held}`); });

  // The line moves again. The edit in the stall is given up (the store
  // answers any request within its 15 s request timeout, so the outbox waits
  // 20 s for an answer to begin) and sent again.
  line.stalled = false;
  const cart = await until('the edit to reach the store', async () => {
    const reply = await page.request.get(`${line.link.url}/api/cart`);
    const body = await reply.json();
    return body.item_count > 0 && body;
  }, 40_000, 250);
  assert.deepEqual(cart.lines.map((l) => [l.sku, l.quantity]), [['KIT-002', 1]]);
  await page.getByTestId('connection').filter({ hasText: 'Online', hasNotText: 'waiting' }).waitFor();
  await line.link.close();
});

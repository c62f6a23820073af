// Live updates as a shopper sees them: the time from a dispatcher processing a
// line (ShipmentItemProcessed) to that line's timeline entry appearing in the
// shopper's open order page, p50/p99 over 100 events. Beside it, the page's own
// fetch round trip to the server (the baseline, measured in the same run).
// Run by `cargo xtask bench` against a release `tbs serve`; needs
// TBS_BASE_URL, TBS_E2E_ADMIN_EMAIL and TBS_E2E_ADMIN_PASSWORD (a dispatcher).
import { BASE, launch, hydrated, confirmedOrder } from '../tests/support.mjs';

const EVENTS = 100;
const LINES_PER_ORDER = 20;

const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
};

async function ok(response, what) {
  if (!response.ok()) throw new Error(`${what}: ${response.status()} ${await response.text()}`);
  return response.json();
}

const browser = await launch();
try {
  const staff = (await browser.newContext()).request;
  await ok(await staff.post(`${BASE}/api/account/sign-in`, {
    data: { email: process.env.TBS_E2E_ADMIN_EMAIL, password: process.env.TBS_E2E_ADMIN_PASSWORD },
  }), 'staff sign-in');

  // A signed-in shopper: the order page follows the shopper's order live.
  const shopper = await browser.newContext();
  const email = `bench+${Date.now()}@example.com`;
  await ok(await shopper.request.post(`${BASE}/api/account/register`, {
    data: { email, name: 'Bench Shopper', password: 'long enough pw' },
  }), 'register');
  const catalog = await ok(await shopper.request.get(`${BASE}/api/catalog/products?limit=100`), 'catalog');
  const skus = catalog.items
    .filter((p) => p.fulfilment === 'physical' && p.stock >= EVENTS / LINES_PER_ORDER)
    .map((p) => p.sku)
    .slice(0, LINES_PER_ORDER);
  if (skus.length < LINES_PER_ORDER) throw new Error(`only ${skus.length} physical products in stock`);

  const page = await shopper.newPage();
  const roundTrips = [];
  const updates = [];
  const afterResponse = [];
  for (let done = 0; done < EVENTS; done += LINES_PER_ORDER) {
    const order = await confirmedOrder(shopper.request, email, skus);
    await page.goto(`${BASE}/orders/${order.id}`);
    await hydrated(page);
    // Every time the count of processed-item entries grows, note when (this machine's clock).
    await page.evaluate(() => {
      window.__arrivals = [];
      const count = () => document.querySelectorAll('.timeline__entry[data-kind="item_processed"]').length;
      let seen = count();
      new MutationObserver(() => {
        const now = count();
        for (; seen < now; seen++) window.__arrivals.push(Date.now());
      }).observe(document.body, { childList: true, subtree: true });
    });
    for (let i = 0; i < 5; i++) {
      roundTrips.push(await page.evaluate(async () => {
        const started = performance.now();
        await (await fetch('/health/live')).text();
        return performance.now() - started;
      }));
    }
    const path = `${BASE}/api/fulfilment/shipping-orders/so-${order.id}`;
    let { version } = await ok(await staff.get(path), 'shipping order');
    for (const [n, sku] of skus.entries()) {
      const sent = Date.now();
      const processed = await ok(await staff.post(`${path}/process`, {
        data: { lines: [sku], carrier: 'UPS', tracking_number: `1Z${sent}`, expected_version: version },
      }), 'process');
      const answered = Date.now();
      version = processed.version;
      await page.waitForFunction((k) => window.__arrivals.length > k, n, { timeout: 10_000, polling: 10 });
      const arrived = await page.evaluate((k) => window.__arrivals[k], n);
      updates.push(arrived - sent);
      afterResponse.push(arrived - answered);
    }
  }
  const row = (label, xs) =>
    console.log(`${label.padEnd(62)} ${percentile(xs, 0.5).toFixed(1).padStart(8)} ${percentile(xs, 0.99).toFixed(1).padStart(8)}`);
  console.log(`live updates in an open browser page (${updates.length} events)${' '.repeat(15)}p50 ms   p99 ms`);
  row('baseline: the page fetches /health/live', roundTrips);
  row('line processed (request sent) -> its entry on the page', updates);
  row('line processed (response received) -> its entry on the page', afterResponse);
  console.log(`  p50 = ${(percentile(updates, 0.5) / percentile(roundTrips, 0.5)).toFixed(1)}x the baseline's`);
} finally {
  await browser.close();
}

// Scenario 3 — "Given I am a user with Administrator permissions, when I select
// Reports / Completed Orders, then a list of the monthly sum of order net totals
// is listed for the last 12 months." Shoppers and anonymous visitors are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, strictPage, hydrated } from './support.mjs';

const ADMIN = { email: process.env.TBS_E2E_ADMIN_EMAIL, password: process.env.TBS_E2E_ADMIN_PASSWORD };

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Places and pays an order through the public API; resolves to its net total once confirmed. */
async function completedOrder() {
  const added = await fetch(`${BASE}/api/cart/items/HOM-001`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ quantity: 1 }),
  });
  assert.equal(added.status, 200);
  const cookie = added.headers.get('set-cookie').split(';')[0];
  const id = crypto.randomUUID();
  const placed = await fetch(`${BASE}/api/orders/${id}`, {
    method: 'PUT', headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ email: 'report@example.com', shipping_address: { name: 'R', line1: '1 St', city: 'C', postal_code: '1', country: 'US' } }),
  });
  assert.equal(placed.status, 201);
  const until = async (done) => {
    for (let i = 0; i < 200; i++) {
      const order = await (await fetch(`${BASE}/api/orders/${id}`, { headers: { cookie } })).json();
      if (done(order)) return order;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('order never got there');
  };
  await until((o) => o.stock_reserved);
  const paid = await fetch(`${BASE}/api/orders/${id}/payment`, {
    method: 'POST', headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ card: { number: '4242424242424242', expiry: '12/34', cvc: '123' } }),
  });
  assert.equal(paid.status, 202);
  return (await until((o) => o.status === 'confirmed')).totals.net_minor;
}

test('an administrator selects Reports / Completed Orders and sees 12 months of net totals', async () => {
  const net = await completedOrder();
  const { page, context, problems } = await strictPage(browser);
  await page.goto(`${BASE}/account/sign-in`);
  await hydrated(page);
  await page.getByLabel('E-mail').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${BASE}/account`);
  assert.match(await page.getByTestId('roles').innerText(), /admin/);

  await page.getByRole('link', { name: 'Reports' }).click();
  await page.getByRole('heading', { name: 'Completed orders' }).waitFor();
  const rows = page.locator('.report-table tbody tr');
  await rows.first().waitFor(); // the heading shows before the report's data arrives
  assert.equal(await rows.count(), 12, 'one row per month');
  assert.equal(await page.locator('svg.chart [role="listitem"]').count(), 12, 'one bar per month');
  const now = new Date();
  const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const current = await rows.last().locator('td').allInnerTexts();
  assert.equal(await rows.last().locator('time').getAttribute('datetime'), month, 'the last row is this month');
  assert.match(current[0], /^[A-Z][a-z]{2} \d{4}$/, 'as people write a month');
  assert.ok(Number(current[3]) >= 1, `this month counts the order just placed: ${current}`);
  const shown = Number(current[2].replace(/[^0-9.]/g, ''));
  assert.ok(shown * 100 >= net, `this month's net total (${current[2]}) includes the order's ${net}`);
  assert.match(await page.getByTestId('as-of').getAttribute('datetime'), /^\d{4}-\d{2}-\d{2}T/);
  assert.match(await page.getByTestId('as-of').innerText(), /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC$/, 'as people read a time');
  assert.equal(await page.getByRole('link', { name: 'Download CSV' }).getAttribute('download'), 'completed-orders.csv');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a shopper and an anonymous visitor are refused the report', async () => {
  const { page, context } = await strictPage(browser);
  const anonymous = await page.goto(`${BASE}/reports/completed-orders`);
  assert.equal(anonymous.status(), 401);
  await page.getByTestId('refused').filter({ hasText: 'Sign in first' }).waitFor();

  await page.goto(`${BASE}/account/register`);
  await hydrated(page);
  await page.getByLabel('Name').fill('Sam Shopper');
  await page.getByLabel('E-mail').fill(`sam+${Date.now()}@example.com`);
  await page.getByLabel('Password (10 characters or more)').fill('shopper password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${BASE}/account`);
  assert.equal(await page.getByRole('link', { name: 'Reports' }).count(), 0, 'no Reports link for shoppers');
  const refused = await page.goto(`${BASE}/reports/completed-orders`);
  assert.equal(refused.status(), 403);
  await page.getByTestId('refused').filter({ hasText: 'This needs the admin role' }).waitFor();
  const api = await page.request.get(`${BASE}/api/reports/completed-orders`);
  assert.equal(api.status(), 403);
  await context.close();
});

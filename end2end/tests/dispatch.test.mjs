// Scenario 2 — "Given I have been presented with a pending shipping order
// following a purchase of products, when one or more contained products are to
// be fulfilled physically, then the products are sent to the dispatch team for
// packaging and courier, the product status in the order is marked Processed,
// and the order is marked Processed if there are no more pending items,
// otherwise it remains Pending." A dispatcher processes one of two physical
// lines, then the other, while the shopper's order page (opened from the
// receipt's link, as a guest) updates live.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, strictPage, hydrated, confirmedOrder, receiptLink, sendLines, signIn } from './support.mjs';

const STAFF = { email: process.env.TBS_E2E_ADMIN_EMAIL, password: process.env.TBS_E2E_ADMIN_PASSWORD };

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function processLine(page, name) {
  await page.getByLabel(new RegExp(name)).check();
  await page.getByLabel('Carrier').fill('UPS');
  await page.getByLabel('Tracking number').fill(`1Z${Date.now()}`);
  await page.getByRole('button', { name: 'Mark processed' }).click();
}

test('a dispatcher processes one physical line, then the other, while the shopper watches live', async () => {
  // A guest buys two physical products and opens the link in the receipt.
  const guest = await browser.newContext();
  const order = await confirmedOrder(guest.request, `pat+${Date.now()}@example.com`, ['KIT-001', 'KIT-002']);
  const link = await receiptLink(order.id);
  const { page: shopper, problems } = await strictPage(browser);
  await shopper.goto(link);
  await hydrated(shopper);
  await shopper.getByTestId('order-status').filter({ hasText: 'Confirmed' }).waitFor();
  await shopper.getByTestId('shipment-status').filter({ hasText: 'Pending' }).waitFor();

  // The dispatcher finds the pending shipping order in the queue.
  const { page: staff } = await strictPage(browser);
  await signIn(staff, STAFF);
  await staff.getByRole('link', { name: 'Dispatch' }).click();
  await staff.getByRole('heading', { name: 'Dispatch' }).waitFor();
  await hydrated(staff);
  await staff.getByLabel('Order number or name').fill(order.number);
  await staff.getByRole('button', { name: 'Filter' }).click();
  await staff.getByRole('link', { name: order.number }).click();
  await staff.getByRole('heading', { name: `Order ${order.number}` }).waitFor();
  // The ticks and fields only work once the page is hydrated (the filter may have loaded a fresh page).
  await hydrated(staff);

  // One of two lines: that product is Processed, the order stays Pending — on the shopper's open page too.
  const started = Date.now();
  await processLine(staff, 'Enamel Camp Mug');
  await staff.getByRole('status').filter({ hasText: 'the shipping order is pending' }).waitFor();
  assert.equal(await staff.getByLabel('Carrier').inputValue(), '', 'the form is ready for the next line');
  assert.equal(await staff.getByLabel('Tracking number').inputValue(), '');
  await shopper.locator('[data-testid="shipment-line"]', { hasText: 'Enamel Camp Mug' }).filter({ hasText: 'Processed' }).waitFor({ timeout: 5_000 });
  const firstUpdateMs = Date.now() - started;
  await shopper.locator('.timeline__entry[data-kind="item_processed"]').first().waitFor();
  assert.match(await shopper.getByTestId('shipment-status').innerText(), /Pending/);
  assert.match(await shopper.getByTestId('order-status').innerText(), /Confirmed/);

  // The other line: the shipping order and the order are Processed.
  await staff.getByTestId('shipping-status').filter({ hasText: 'Pending' }).waitFor();
  await processLine(staff, 'Cast Iron Skillet');
  await staff.getByRole('status').filter({ hasText: 'the shipping order is processed' }).waitFor();
  await shopper.getByTestId('shipment-status').filter({ hasText: 'Processed' }).waitFor({ timeout: 5_000 });
  await shopper.getByTestId('order-status').filter({ hasText: 'Processed' }).waitFor({ timeout: 5_000 });
  await shopper.locator('.timeline__entry[data-kind="order_processed"]').waitFor();
  console.log(`live update reached the open page ${firstUpdateMs} ms after the dispatcher clicked`);

  // The packing slip prints the lines and the address.
  await staff.getByRole('link', { name: 'Packing slip' }).click();
  await staff.getByRole('heading', { name: 'Packing slip' }).waitFor();
  assert.match(await staff.locator('.slip').innerText(), /Pat Shopper[\s\S]*Enamel Camp Mug/);
  // Print works under the store's Content Security Policy (no inline handlers).
  await staff.evaluate(() => { window.printed = 0; window.print = () => { window.printed += 1; }; });
  await staff.getByRole('button', { name: 'Print' }).click();
  assert.equal(await staff.evaluate(() => window.printed), 1, 'Print prints the slip');
  assert.deepEqual(problems, []);
  await guest.close();
});

test('a guest follows the order live in the browser that placed it, without the receipt’s link', async () => {
  const { page, context, problems } = await strictPage(browser);
  const order = await confirmedOrder(context.request, `gil+${Date.now()}@example.com`, ['KIT-001', 'KIT-002']);
  await page.goto(`${BASE}/orders/${order.id}`);
  await hydrated(page);
  await page.getByTestId('shipment-status').filter({ hasText: 'Pending' }).waitFor();

  const { page: staff } = await strictPage(browser);
  await signIn(staff, STAFF);
  await sendLines(staff.request, order.id, ['KIT-001']);
  // The open page hears of it: no reload, no link token.
  await page.locator('[data-testid="shipment-line"]', { hasText: 'Enamel Camp Mug' }).filter({ hasText: 'Processed' }).waitFor({ timeout: 5_000 });
  await page.locator('.timeline__entry[data-kind="item_processed"]').first().waitFor();
  assert.deepEqual(problems, [], 'the live stream was let in');
  await context.close();
});

test('a digital-only order is processed on intake', async () => {
  const guest = await browser.newContext();
  const order = await confirmedOrder(guest.request, `dee+${Date.now()}@example.com`, ['DIG-001']);
  const link = await receiptLink(order.id);
  const { page } = await strictPage(browser);
  await page.goto(link);
  await page.getByTestId('order-status').filter({ hasText: 'Processed' }).waitFor({ timeout: 10_000 });
  assert.match(await page.locator('[data-testid="shipment-line"]').innerText(), /Processed[\s\S]*Digital delivery/);
  await guest.close();
});

test("a shopper cannot open the dispatch app or another shopper's order", async () => {
  const owner = await browser.newContext();
  const ownerEmail = `own+${Date.now()}@example.com`;
  assert.equal((await owner.request.post(`${BASE}/api/account/register`, { data: { email: ownerEmail, name: 'Owner', password: 'long enough pw' } })).status(), 201);
  const order = await confirmedOrder(owner.request, ownerEmail, ['KIT-004']);

  const { page: other } = await strictPage(browser);
  const email = `other+${Date.now()}@example.com`;
  assert.equal((await other.context().request.post(`${BASE}/api/account/register`, { data: { email, name: 'Other', password: 'long enough pw' } })).status(), 201);
  const dispatch = await other.goto(`${BASE}/dispatch`);
  assert.equal(dispatch.status(), 403);
  await other.getByTestId('refused').waitFor();
  const theirs = await other.goto(`${BASE}/orders/${order.id}`);
  assert.equal(theirs.status(), 403);
  assert.match(await other.getByTestId('refused').innerText(), /not your order/);

  // The owner sees it under My orders.
  const { page: mine } = await strictPage(browser, { storageState: await owner.storageState() });
  await mine.goto(`${BASE}/orders`);
  await mine.getByRole('link', { name: order.number }).click();
  await mine.getByRole('heading', { name: `Order ${order.number}` }).waitFor();
  await owner.close();
});

test('without JavaScript a dispatcher processes a line', async () => {
  const guest = await browser.newContext();
  const order = await confirmedOrder(guest.request, `quin+${Date.now()}@example.com`, ['KIT-001']);
  const { page, context } = await strictPage(browser, { javaScriptEnabled: false });
  await page.goto(`${BASE}/account/sign-in?next=${encodeURIComponent(`/dispatch?q=${order.number}`)}`);
  await page.getByLabel('E-mail').fill(STAFF.email);
  await page.getByLabel('Password').fill(STAFF.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: order.number }).click();
  await page.getByRole('heading', { name: `Order ${order.number}` }).waitFor();

  await page.getByLabel(/Enamel Camp Mug/).check();
  await page.getByLabel('Carrier').fill('UPS');
  await page.getByLabel('Tracking number').fill('1ZNOJS');
  await page.getByRole('button', { name: 'Mark processed' }).click();
  await page.locator('.dispatch-line', { hasText: 'Enamel Camp Mug' }).filter({ hasText: 'Processed' }).waitFor();
  await page.getByTestId('shipping-status').filter({ hasText: 'Processed' }).waitFor();
  assert.equal(new URL(page.url()).search, '', 'nothing typed went in the URL');

  await guest.close();
  await context.close();
});

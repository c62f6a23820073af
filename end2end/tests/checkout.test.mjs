// Scenario 1 — OrderPurchased, in the specification's words, in a real browser:
// "When I submit valid card details, and payment is approved, then my order
// details with cart details are stored in the order repository, an electronic
// receipt is e-mailed to me, a shipping order is sent for fulfilment, and I am
// directed to a purchase-confirmation screen."
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, strictPage, hydrated, mailbox, addToCart, fillCheckout, payWith, sendAddress, until } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('OrderPurchased: approved payment stores the order, e-mails a receipt, sends a shipping order, shows the confirmation', async () => {
  const { page, context, problems } = await strictPage(browser);
  const email = `ann+${Date.now()}@example.com`;
  // Given a cart with products in it (the header badge counts them)
  await addToCart(page, 'KIT-001', 2);
  await addToCart(page, 'GAR-001');
  // The badge refreshes after the add completes: wait for it rather than read it at once.
  await page.getByTestId('cart-count').filter({ hasText: /^3$/ }).waitFor();
  await page.goto(`${BASE}/cart`);
  await hydrated(page);
  assert.equal(await page.locator('.cart-line').count(), 2);

  // When I submit valid card details, and payment is approved
  const orderId = await fillCheckout(page, email);
  await payWith(page, '4242 4242 4242 4242');

  // Then I am directed to a purchase-confirmation screen (the status moves on without a reload)
  await page.waitForURL(`${BASE}/orders/${orderId}/confirmation`);
  await page.getByTestId('order-status').filter({ hasText: 'Confirmed' }).waitFor({ timeout: 15_000 });
  await page.getByRole('heading', { name: 'Thank you for your order!' }).waitFor();
  const number = await page.getByTestId('order-number').innerText();
  assert.match(number, /^\d{4,}$/, 'a short sequential order number');

  // and my order details with cart details are stored in the order repository
  // (read as this browser: the id alone opens nothing)
  const stored = await (await page.request.get(`${BASE}/api/orders/${orderId}`)).json();
  assert.equal(stored.status, 'confirmed');
  assert.deepEqual(stored.lines.map((l) => [l.sku, l.quantity]), [['KIT-001', 2], ['GAR-001', 1]]);
  assert.equal(stored.email, email);
  assert.equal(stored.totals.net_minor, stored.lines.reduce((sum, l) => sum + l.line_total_minor, 0));

  // and an electronic receipt is e-mailed to me (received by the SMTP sink)
  await page.getByTestId('receipt-sent').waitFor({ timeout: 15_000 });
  const receipts = mailbox().filter((m) => m.includes(email));
  assert.equal(receipts.length, 1, 'exactly one receipt');
  assert.match(receipts[0], new RegExp(`Your receipt for order ${number}`));
  assert.match(receipts[0], /text\/html/);
  assert.match(receipts[0], /Enamel Camp Mug/);

  // and a shipping order is sent for fulfilment, every line pending
  await page.getByTestId('shipping-status').filter({ hasText: 'pending' }).waitFor({ timeout: 15_000 });
  assert.equal(stored.shipping_status ?? 'pending', 'pending');

  // The cart became the order.
  await page.getByTestId('cart-count').filter({ hasText: /^0$/ }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('a declined card returns to payment with the reason, and a good card then completes the order', async () => {
  const { page, context, problems } = await strictPage(browser);
  await addToCart(page, 'KIT-003');
  const orderId = await fillCheckout(page, 'declined@example.com');
  await payWith(page, '4000 0000 0000 0002');
  await page.getByTestId('payment-error').waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('payment-error').innerText(), /Your card was declined/);
  assert.match(page.url(), new RegExp(`/checkout/${orderId}/pay$`));
  await payWith(page, '4242424242424242');
  await page.getByTestId('order-status').filter({ hasText: 'Confirmed' }).waitFor({ timeout: 15_000 });
  assert.deepEqual(problems, []);
  await context.close();
});

test('checkout and card forms name each field that needs fixing', async () => {
  const { page, context } = await strictPage(browser);
  await addToCart(page, 'KIT-004');
  await page.goto(`${BASE}/checkout`);
  await hydrated(page);
  await page.getByLabel('E-mail').fill('not-an-email');
  await page.getByRole('button', { name: 'Continue to payment' }).click();
  await page.getByText('Enter an e-mail address like name@example.com').waitFor();
  await page.getByText("Enter the recipient's name").waitFor();
  assert.equal(await page.getByLabel('E-mail').getAttribute('aria-invalid'), 'true');
  await fillCheckout(page, 'fields@example.com');
  await page.getByLabel('Card number').fill('4242 4242 4242 4241');
  await page.getByLabel('Expiry (MM/YY)').fill('01/20');
  await page.getByRole('button', { name: /^Pay / }).click();
  await page.getByText('Your card number is incorrect').waitFor();
  await page.getByText('Your card has expired').waitFor();
  await page.getByText('Enter the 3 or 4 digit security code').waitFor();
  await context.close();
});

test('stock that ran out between cart and checkout is refused with what is left', async () => {
  const ann = await strictPage(browser);
  const bob = await strictPage(browser);
  // Both want the daypack (7 in stock); Bob checks out first.
  await addToCart(ann.page, 'OUT-003', 6);
  await addToCart(bob.page, 'OUT-003', 3);
  await fillCheckout(bob.page, 'bob@example.com');
  await ann.page.goto(`${BASE}/cart`);
  await hydrated(ann.page);
  await ann.page.getByText('Only 4 left').waitFor({ timeout: 10_000 });
  await ann.page.goto(`${BASE}/checkout`);
  await hydrated(ann.page);
  await ann.page.getByLabel('E-mail').fill('ann@example.com');
  await ann.page.getByLabel('Full name').fill('Ann');
  await ann.page.getByLabel('Street address').fill('1 Main Street');
  await ann.page.getByLabel('Town or city').fill('Springfield');
  await ann.page.getByLabel('Postal code').fill('12345');
  await ann.page.getByRole('button', { name: 'Continue to payment' }).click();
  await ann.page.getByText('Only 4 of Waxed Canvas Daypack left').waitFor();
  await ann.context.close();
  await bob.context.close();
});

test('without JavaScript a shopper checks out and pays, and no detail they typed is ever in a URL', async () => {
  const { page, context } = await strictPage(browser, { javaScriptEnabled: false });
  const requested = [];
  page.on('request', (r) => requested.push(r.url()));
  const email = `noor+${Date.now()}@example.com`;
  await page.goto(`${BASE}/products/KIT-001`);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.waitForLoadState();
  await page.goto(`${BASE}/checkout`);
  await sendAddress(page, email);
  await page.waitForURL(/\/checkout\/[0-9a-f-]{36}\/pay$/);
  const orderId = page.url().match(/checkout\/([0-9a-f-]{36})\/pay/)[1];
  assert.equal(orderId[14], '7', 'the page chose a time-ordered id (UUIDv7)');
  // Without JavaScript the page does not update itself: look again until the stock is set aside.
  await until('the card form', async () => {
    await page.reload();
    return (await page.getByLabel('Card number').count()) > 0;
  }, 15_000, 200);

  await page.getByLabel('Card number').fill('4242 4242 4242 4241');
  await page.getByLabel('Expiry (MM/YY)').fill('12/34');
  await page.getByLabel('Security code (CVC)').fill('1');
  await page.getByRole('button', { name: /^Pay / }).click();
  await page.getByRole('alert').filter({ hasText: 'Your card number is incorrect. Enter the 3 or 4 digit security code.' }).waitFor();

  await payWith(page, '4242 4242 4242 4242');
  await page.waitForURL(`${BASE}/orders/${orderId}/confirmation`);
  await until('the payment to be confirmed', async () => {
    if (await page.getByRole('heading', { name: 'Thank you for your order!' }).count()) return true;
    await page.getByRole('heading', { name: 'Thank you! We are confirming your payment' }).waitFor();
    await page.reload();
    return false;
  }, 15_000, 200);
  const leaked = requested.filter((url) => /4242|noor|Ann|Main|Springfield|12%2F34|card|email/i.test(new URL(url).search));
  assert.deepEqual(leaked, [], 'what the shopper typed went in request bodies only');
  await context.close();
});

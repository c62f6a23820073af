// Returns: a guest returns one of two sent items from the order's page
// (reached from the receipt's link), is e-mailed how to send it back; a
// dispatcher receives it in the dispatch app; the refund is issued once,
// the shopper sees it on the order's timeline and by e-mail, downloads its
// credit note, and the report's month drops by the returned item's price.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { extractText, getDocumentProxy } from 'unpdf';
import {
  BASE, launch, strictPage, hydrated, confirmedOrder, receiptLink, signIn, sendLines, thisMonth, mailbox, readable, until,
  returnable,
} from './support.mjs';

const STAFF = { email: process.env.TBS_E2E_ADMIN_EMAIL, password: process.env.TBS_E2E_ADMIN_PASSWORD };
const MUG_MINOR = 1450;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The mails whose subject starts with `subject`, quoted-printable undone. */
function mailsAbout(subject) {
  return mailbox().map(readable).filter((m) => m.includes(`Subject: ${subject}`));
}

test('a guest returns one of two sent items, a dispatcher receives it, and the refund is issued once', async () => {
  const { page: staff, problems: staffProblems } = await strictPage(browser);
  await signIn(staff, STAFF);
  const before = await thisMonth(staff.request);
  const guest = await browser.newContext();
  const order = await confirmedOrder(guest.request, `rita+${Date.now()}@example.com`, ['KIT-001', 'KIT-002']);
  // The report has taken the order in before the return is measured against it.
  const sold = await until('the report to count the order', async () => {
    const now = await thisMonth(staff.request);
    return now.count === before.count + 1 && now;
  });
  await sendLines(staff.request, order.id, ['KIT-001', 'KIT-002']);

  // The shopper opens the order from the receipt and asks to return the mug.
  const { page: shopper, problems } = await strictPage(browser);
  const link = await receiptLink(order.id);
  await returnable(guest.request, order.id, new URL(link).searchParams.get('token'));
  await shopper.goto(link);
  await hydrated(shopper);
  await shopper.getByTestId('shipment-status').filter({ hasText: 'Processed' }).waitFor();
  await shopper.getByRole('link', { name: 'Return items' }).click();
  await shopper.getByRole('heading', { name: 'Return items' }).waitFor();
  await hydrated(shopper);
  await shopper.getByLabel(/Enamel Camp Mug/).selectOption('1');
  await shopper.getByLabel('Why are you returning it?').fill('It is smaller than it looked');
  await shopper.getByRole('button', { name: 'Ask for the return' }).click();
  const accepted = await shopper.getByTestId('return-accepted').innerText();
  assert.match(accepted, /Return accepted/);
  await shopper.getByTestId('return').filter({ hasText: '1 × Enamel Camp Mug' }).filter({ hasText: 'Waiting for the items' }).waitFor();
  const instructions = await until('the return e-mail', () => mailsAbout(`Your return for order ${order.number}`)[0]);
  assert.match(instructions, /Put a note with order number/);

  // The dispatcher receives it, fit to sell again.
  await staff.goto(`${BASE}/dispatch`);
  await staff.getByRole('link', { name: 'Returns waiting for their items' }).click();
  const open = staff.locator(`[data-testid="open-return"][data-order="${order.number}"]`);
  await open.waitFor();
  await hydrated(staff);
  await open.getByLabel(/Enamel Camp Mug/).selectOption('resellable');
  await open.getByRole('button', { name: 'Mark received' }).click();
  await staff.getByTestId('return-received').filter({ hasText: order.number }).waitFor();
  await open.waitFor({ state: 'detached' }); // no longer waiting (the list is read again after the answer)

  // The refund: on the shopper's timeline once, by e-mail once, out of the report's month.
  await shopper.goto(link);
  const refunded = shopper.locator('.timeline__entry[data-kind="refund_issued"]');
  await until('the refund on the timeline', async () => {
    await shopper.reload();
    return (await refunded.count()) > 0;
  }, 20_000, 500);
  const refundMail = await until('the refund e-mail', () => mailsAbout('Your refund of')
    .find((m) => m.includes(order.number)), 20_000);
  const amount = refundMail.match(/Your refund of (\$[\d.]+)/)[1];
  assert.match(await refunded.innerText(), new RegExp(amount.replace(/[$.]/g, '\\$&')));
  const note = await until('the credit note on the order page', async () => {
    await shopper.reload();
    return (await shopper.getByTestId('credit-note').count()) > 0 && shopper.getByTestId('credit-note');
  }, 20_000, 500);
  const [download] = await Promise.all([
    shopper.waitForEvent('download'),
    note.getByRole('link', { name: 'Download credit note' }).click(),
  ]);
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(await readFile(await download.path()))), { mergePages: true });
  const invoiceNumber = (await shopper.getByTestId('invoice').locator('strong').innerText()).trim();
  for (const needle of ['Credit note', download.suggestedFilename().replace('.pdf', ''), invoiceNumber, 'Enamel Camp Mug', amount]) {
    assert.ok(text.includes(needle), `the credit note lacks ${needle}:\n${text}`);
  }
  await until('the report to take the refund out', async () => (await thisMonth(staff.request)).net === sold.net - MUG_MINOR, 20_000);
  assert.equal((await thisMonth(staff.request)).count, sold.count, 'the order still counts: it was sold');
  assert.equal(await refunded.count(), 1, 'refunded once');
  assert.equal(mailsAbout('Your refund of').filter((m) => m.includes(order.number)).length, 1, 'one refund e-mail');
  assert.deepEqual([...problems, ...staffProblems], []);
  await guest.close();
});

test('without JavaScript a guest asks for a return and a dispatcher receives it, each told what was done (and only that)', async () => {
  const { page: staff, context: staffContext } = await strictPage(browser, { javaScriptEnabled: false });
  await signIn(staff, STAFF, { script: false });
  const guest = await browser.newContext();
  const order = await confirmedOrder(guest.request, `sam+${Date.now()}@example.com`, ['KIT-001']);
  await sendLines(staff.request, order.id, ['KIT-001']);
  const link = await receiptLink(order.id);
  await returnable(guest.request, order.id, new URL(link).searchParams.get('token'));

  const { page: shopper, context } = await strictPage(browser, { javaScriptEnabled: false });
  await shopper.goto(link);
  await shopper.getByRole('link', { name: 'Return items' }).click();
  await shopper.getByLabel(/Enamel Camp Mug/).selectOption('1');
  await shopper.getByLabel('Why are you returning it?').fill('A gift I already had');
  await shopper.getByRole('button', { name: 'Ask for the return' }).click();
  await shopper.waitForURL((url) => url.pathname === `/orders/${order.id}/return` && url.searchParams.has('done'));
  await shopper.getByTestId('return-accepted').filter({ hasText: 'Return accepted' }).filter({ hasText: '$' }).waitFor();
  await shopper.getByTestId('return').filter({ hasText: '1 × Enamel Camp Mug' }).waitFor();

  await staff.goto(`${BASE}/dispatch/returns`);
  const open = staff.locator(`[data-testid="open-return"][data-order="${order.number}"]`);
  await open.getByLabel(/Enamel Camp Mug/).selectOption('resellable');
  await open.getByRole('button', { name: 'Mark received' }).click();
  await staff.waitForURL((url) => url.pathname === '/dispatch/returns' && url.searchParams.has('done'));
  await staff.getByTestId('return-received').filter({ hasText: `Received the return of order ${order.number}: the refund of $` }).waitFor();
  assert.equal(await open.count(), 0, 'no longer waiting');

  // On that page, its code loaded, the next return received is the only one it tells of.
  const second = await confirmedOrder(guest.request, `sam+${Date.now()}@example.com`, ['KIT-001']);
  await sendLines(staff.request, second.id, ['KIT-001']);
  const token = new URL(await receiptLink(second.id)).searchParams.get('token');
  await returnable(guest.request, second.id, token);
  const asked = await guest.request.put(`${BASE}/api/returns/${crypto.randomUUID()}?token=${token}`, {
    data: { order_id: second.id, lines: [{ sku: 'KIT-001', quantity: 1 }], reason: 'One was enough' },
  });
  assert.equal(asked.status(), 201, await asked.text());
  const { page: scripted, problems } = await strictPage(browser);
  await signIn(scripted, STAFF);
  await scripted.goto(staff.url());
  await hydrated(scripted);
  const received = scripted.getByTestId('return-received');
  await received.filter({ hasText: order.number }).waitFor();
  const next = scripted.locator(`[data-testid="open-return"][data-order="${second.number}"]`);
  await next.getByLabel(/Enamel Camp Mug/).selectOption('resellable');
  await next.getByRole('button', { name: 'Mark received' }).click();
  await received.filter({ hasText: second.number }).waitFor();
  assert.deepEqual(await received.allInnerTexts(), [await received.filter({ hasText: second.number }).innerText()]);
  assert.deepEqual(problems, []);
  await Promise.all([context.close(), staffContext.close(), guest.close()]);
});

// Invoices: a guest opens a paid order's invoice from the link in the receipt
// (a browser that never saw the order: the link's token is all it has),
// prints it, downloads it as a PDF that reads back with the right number,
// lines and total, and finds it on the order's page too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { extractText, getDocumentProxy } from 'unpdf';
import { launch, strictPage, hydrated, confirmedOrder, receiptLink } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The text a PDF text extractor reads in `bytes`. */
async function pdfText(bytes) {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
  return text;
}

test('a guest opens the invoice from the receipt, downloads its PDF and finds it on the order page', async () => {
  const buying = await browser.newContext();
  const order = await confirmedOrder(buying.request, `ivy+${Date.now()}@example.com`, ['KIT-001', 'KIT-002']);
  const total = `$${(order.totals.gross_minor / 100).toFixed(2)}`;
  const { page, problems } = await strictPage(browser);
  await page.goto(await receiptLink(order.id, '/invoice'));
  const number = (await page.getByTestId('invoice-number').innerText()).trim();
  assert.match(number, /^INV-\d{4}-\d{6}$/);
  const shown = await page.getByTestId('invoice-page').innerText();
  for (const needle of [order.number, 'Pat Shopper', 'Enamel Camp Mug', 'Cast Iron Skillet', total]) {
    assert.ok(shown.includes(needle), `the invoice page lacks ${needle}:\n${shown}`);
  }

  await hydrated(page);
  // Print works under the store's Content Security Policy (no inline handlers).
  await page.evaluate(() => { window.printed = 0; window.print = () => { window.printed += 1; }; });
  await page.getByRole('button', { name: 'Print' }).click();
  assert.equal(await page.evaluate(() => window.printed), 1, 'Print prints');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download PDF' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `${number}.pdf`);
  const text = await pdfText(await readFile(await download.path()));
  for (const needle of [number, order.number, 'Pat Shopper', 'Enamel Camp Mug (KIT-001)', 'Cast Iron Skillet', total]) {
    assert.ok(text.includes(needle), `the PDF lacks ${needle}:\n${text}`);
  }

  await page.getByRole('link', { name: 'Back to the order' }).click();
  await page.getByTestId('invoice').filter({ hasText: number }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'View invoice' }).count(), 1);
  assert.deepEqual(problems, []);
  await buying.close();
});

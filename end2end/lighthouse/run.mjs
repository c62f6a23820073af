// Lighthouse (mobile and desktop, two runs each) on the shop's pages and the
// cart, headless in Debian's chromium against a release `tbs serve`: the
// category scores and the timings behind performance (LCP, TBT, CLS).
// Run by `cargo xtask bench` (TBS_BASE_URL, CHROMIUM_PATH).
import lighthouse from 'lighthouse';
import desktop from 'lighthouse/core/config/desktop-config.js';
import { launch } from 'chrome-launcher';

const BASE = process.env.TBS_BASE_URL ?? 'http://127.0.0.1:3000';
const PAGES = ['/', '/search?q=mug', '/products/KIT-001', '/cart'];
const RUNS = 2;
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];

const chrome = await launch({
  chromePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu'],
});
try {
  console.log(`${'lighthouse'.padEnd(28)} ${'form'.padEnd(8)} perf a11y best   LCP ms  TBT ms    CLS`);
  for (const path of PAGES) {
    for (const [form, config] of [['mobile', undefined], ['desktop', desktop]]) {
      for (let run = 0; run < RUNS; run += 1) {
        const { lhr } = await lighthouse(`${BASE}${path}`, { port: chrome.port, onlyCategories: CATEGORIES, logLevel: 'error' }, config);
        const score = (c) => String(lhr.categories[c].score === null ? '—' : Math.round(lhr.categories[c].score * 100)).padStart(4);
        const value = (audit) => lhr.audits[audit]?.numericValue;
        const ms = (audit) => String(value(audit) === undefined ? '—' : Math.round(value(audit))).padStart(8);
        const cls = (value('cumulative-layout-shift')?.toFixed(3) ?? '—').padStart(6);
        const failed = CATEGORIES.flatMap((c) => lhr.categories[c].auditRefs)
          .filter((ref) => ref.weight > 0 && lhr.audits[ref.id].score !== null && lhr.audits[ref.id].score < 0.9)
          .map((ref) => ref.id);
        const notes = [lhr.runtimeError?.code, ...new Set(failed)].filter(Boolean).join(' ');
        console.log(`${path.padEnd(28)} ${form.padEnd(8)} ${score('performance')} ${score('accessibility')} ${score('best-practices')} ${ms('largest-contentful-paint')}${ms('total-blocking-time')} ${cls}  ${notes}`);
      }
    }
  }
} finally {
  await chrome.kill();
}

// notify.mjs: the e-mail settings page and the unsubscribe link in chromium (playwright-core) at phone and desktop size, both languages, axe-core; the form's checks over raw HTTP; prints TAP.
import { chromium } from 'playwright-core';
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const BASE = process.env.HP_BASE;
const CGI = `${BASE}/hallpass.cgi`;
const OUT = process.env.HP_OUT;
const CONF = process.env.HP_CONF;
const PW = 'another correct horse battery';
const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };
const LANGS = { en: 'en-US', es: 'es-ES' };
let n = 0, failed = 0;

function ok(cond, what, detail) {
  n++;
  if (cond) console.log(`ok ${n} - ${what}`);
  else {
    failed++;
    console.log(`not ok ${n} - ${what}`);
    if (detail !== undefined) console.log(`#   ${String(detail).slice(0, 400).replace(/\n/g, '\n#   ')}`);
  }
}

function req(method, path, { cookie = '', body = null } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(`${CGI}${path}`);
    const h = {};
    if (cookie) h.Cookie = cookie;
    if (body !== null) {
      h['Content-Type'] = 'application/x-www-form-urlencoded';
      h['Content-Length'] = Buffer.byteLength(body);
    }
    const r = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: h }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('error', reject);
    if (body !== null) r.write(body);
    r.end();
  });
}

async function axeCheck(page, what) {
  await page.evaluate(AXE);
  const res = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), WCAG_AA);
  const lines = res.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((nd) => nd.target.join(' ')).slice(0, 5).join(', ')}`);
  ok(res.violations.length === 0, `axe WCAG 2.1 AA, 0 violations: ${what}`, lines.join('\n'));
}

async function fits(page, what) {
  const r = await page.evaluate(() => {
    const cut = [];
    for (const el of document.querySelectorAll('body *')) {
      const b = el.getBoundingClientRect();
      if (b.width > 0 && b.right > window.innerWidth + 0.5) cut.push(`${el.tagName.toLowerCase()}#${el.id} right ${Math.round(b.right)}`);
    }
    return { scroll: document.documentElement.scrollWidth, inner: window.innerWidth, cut, contact: !!document.querySelector('footer #contact') };
  });
  ok(r.scroll <= r.inner && r.cut.length === 0 && r.contact, `layout: ${what}: nothing wider than the screen, the contact in the footer`, JSON.stringify(r).slice(0, 300));
}

const hp = (...args) => execFileSync(process.env.HALLPASS, ['-c', CONF, ...args], { env: { ...process.env, HALLPASS_LANG: new URL('../../dashboard-cgi/lang', import.meta.url).pathname } }).toString();

async function main() {
  // The unsubscribe links need mail_key and dashboard_url; the CGI reads hallpass.yaml on every request.
  // letters.mjs (run before) set a dashboard_url of its own: a key given twice is an error, so this one replaces it.
  const conf = readFileSync(`${CONF}/hallpass.yaml`, 'utf8').replace(/^dashboard_url:.*\n?/m, '');
  writeFileSync(`${CONF}/hallpass.yaml`, `${conf}\nmail_key: ${CONF}/../mail.key\nmail_from: families@district.example\ndashboard_url: ${CGI}\n`);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox'] });
  try {
    // Luis (g3) enrols once; each context logs in.
    const code = hp('guardian', 'invite', 'g3').match(/^code (\S+)/m)[1];
    {
      const ctx = await browser.newContext({ locale: 'en-US' });
      const page = await ctx.newPage();
      await page.goto(`${CGI}/enrol`);
      await page.getByLabel('Enrolment code').fill(code);
      await page.getByLabel('New password', { exact: true }).fill(PW);
      await page.getByLabel('New password again').fill(PW);
      await page.getByRole('button', { name: 'Create my account' }).click();
      await page.getByRole('link', { name: 'E-mail' }).click();
      ok(page.url().endsWith('/notify') && await page.locator('#digest-weekly').isChecked() && await page.locator('#threshold').inputValue() === '0',
        'the header links the e-mail page; without a choice: weekly, no alerts', page.url());
      await page.getByLabel('Every day (the day before)').check();
      await page.getByLabel(/Blocked attempts in one day/).fill('3');
      await page.getByRole('button', { name: 'Save' }).click();
      ok(page.url().endsWith('/notify?saved=1') && await page.locator('#saved').isVisible(), 'saving confirms', page.url());
      await page.reload();
      ok(await page.locator('#digest-daily').isChecked() && await page.locator('#threshold').inputValue() === '3', 'the choice is kept: daily, alerts from 3');
      ok((await page.locator('#notify-to').innerText()).includes('luis.ramirez@example.org'), 'the page says where the mail goes');

      // Raw HTTP with this session: a bad number is a 400 with the form again; no CSRF token, 403.
      const cookies = await ctx.cookies();
      const cookie = `hp_session=${cookies.find((c) => c.name === 'hp_session').value}`;
      const csrf = (await page.content()).match(/name="csrf" value="([0-9a-f]{64})"/)[1];
      const bad = await req('POST', '/notify', { cookie, body: new URLSearchParams({ csrf, digest: 'weekly', threshold: '5000' }).toString() });
      ok(bad.status === 400 && bad.body.includes('role="alert"'), 'a threshold over 1000 is refused with the form (400)', bad.status);
      const bad2 = await req('POST', '/notify', { cookie, body: new URLSearchParams({ csrf, digest: 'hourly', threshold: '1' }).toString() });
      ok(bad2.status === 400, 'an unknown frequency is refused (400)', bad2.status);
      const nocsrf = await req('POST', '/notify', { cookie, body: 'digest=none&threshold=0' });
      ok(nocsrf.status === 403, 'a POST without the session\'s CSRF token is refused (403)', nocsrf.status);
      const anon = await req('POST', '/notify', { body: 'digest=none&threshold=0' });
      ok(anon.status === 403, 'a POST without a session is refused (403)', anon.status);
      await ctx.close();
    }
    for (const [size, viewport] of Object.entries(SIZES)) {
      for (const [lang, locale] of Object.entries(LANGS)) {
        const ctx = await browser.newContext({ locale, viewport, bypassCSP: true });
        const page = await ctx.newPage();
        await page.goto(`${CGI}/login`);
        await page.locator('#user').fill('luis.ramirez@example.org');
        await page.locator('#password').fill(PW);
        await page.locator('form[action$="/login"] button[type="submit"]').click();
        // The guardian's stored language beats the browser's: say on this device which one is wanted.
        await page.goto(`${CGI}/lang?set=${lang}`);
        await page.goto(`${CGI}/notify`);
        const what = `notify (${lang}, ${size} ${viewport.width}x${viewport.height}, logged in)`;
        ok((await page.locator('h1').innerText()) === (lang === 'es' ? 'Correo del distrito' : 'E-mail from the district'), `the page in ${lang}`);
        await page.screenshot({ path: `${OUT}/${size}-${lang}-in-notify.png`, fullPage: true });
        await fits(page, what);
        await axeCheck(page, what);
        await ctx.close();
      }
    }

    // The unsubscribe link from a real message (dry run), opened without logging in.
    const msg = hp('digest', '--dry-run', '--guardian', 'g3', '--now', '2026-11-30T15:00:00Z');
    const link = (msg.match(/^List-Unsubscribe: <([^>]+)>/m) || [])[1] || '';
    ok(link.startsWith(`${CGI}/unsubscribe?t=`), 'a message carries the unsubscribe link', link);
    for (const [size, viewport] of Object.entries(SIZES)) {
      const ctx = await browser.newContext({ locale: 'es-ES', viewport, bypassCSP: true });
      const page = await ctx.newPage();
      const forged = await page.goto(`${CGI}/unsubscribe?t=ZzM.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
      ok(forged.status() === 403, `a forged link is refused (403, ${size})`, forged.status());
      await axeCheck(page, `unsubscribe refused (es, ${size}, logged out)`);
      await page.goto(link);
      await page.screenshot({ path: `${OUT}/${size}-es-out-unsubscribe.png`, fullPage: true });
      await fits(page, `unsubscribe (es, ${size}, logged out)`);
      await axeCheck(page, `unsubscribe (es, ${size}, logged out)`);
      if (size === 'desktop') {
        await page.getByRole('button', { name: 'Dejar de recibir los correos' }).click();
        ok(await page.locator('#unsubscribed').isVisible(), 'the button unsubscribes without logging in');
        await axeCheck(page, 'unsubscribed (es, desktop, logged out)');
        const after = hp('digest', '--dry-run', '--guardian', 'g3', '--now', '2026-11-30T15:00:00Z');
        ok(/skip g3: wants none summaries/.test(after), 'no summary after unsubscribing', after.slice(0, 200));
      }
      await ctx.close();
    }
  } finally {
    await browser.close();
  }
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.log(`not ok ${n + 1} - notify.mjs crashed: ${String(e.stack || e).split('\n').slice(0, 4).join(' | ')}`); console.log(`1..${n + 1}`); process.exit(1); });

// staff.mjs: the staff console through lighttpd in Debian's chromium (playwright-core): school scope, the audit of every view, the engagement numbers of the seeded database, its CSV, sessions apart from the parents', axe-core at phone and desktop size; prints TAP.
import { chromium } from 'playwright-core';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const BASE = process.env.HP_BASE;
const CGI = `${BASE}/hallpass.cgi`;
const OUT = process.env.HP_OUT;
const PW = process.env.HP_STAFF_PW;          // it-admin's and lin1's password (staff.sh)
const SETUP = process.env.HP_SETUP_WASH1;     // wash1's one-time setup code
const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };
const LOCALES = { en: 'en-US', es: 'es-ES' };
let n = 0, failed = 0;

function ok(cond, what, detail) {
  n++;
  if (cond) console.log(`ok ${n} - ${what}`);
  else {
    failed++;
    console.log(`not ok ${n} - ${what}`);
    if (detail !== undefined) console.log(`#   ${String(detail).slice(0, 600).replace(/\n/g, '\n#   ')}`);
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

function cookieFrom(res, name) {
  for (const c of res.headers['set-cookie'] || []) {
    const m = c.match(new RegExp(`^${name}=([^;]*)`));
    if (m) return m[1];
  }
  return null;
}
const form = (o) => new URLSearchParams(o).toString();

// A staff session over raw HTTP: the cookie and the CSRF token of its pages.
async function rawStaff(user, password) {
  const g = await req('GET', '/staff/login');
  const pre = cookieFrom(g, 'hp_pre');
  const p = await req('POST', '/staff/login', { cookie: `hp_pre=${pre}`, body: form({ csrf: pre, user, password }) });
  const tok = cookieFrom(p, 'hp_staff');
  const cookie = `hp_staff=${tok}`;
  const h = await req('GET', '/staff', { cookie });
  const csrf = (h.body.match(/name="csrf" value="([0-9a-f]{64})"/) || [])[1];
  return { cookie, csrf, status: p.status, tok };
}

// The audit as the district admin exports it: CSV rows after the header.
async function auditRows(admin) {
  const r = await req('GET', '/staff/audit?format=csv', { cookie: admin.cookie });
  return r.body.split('\r\n').slice(1).filter((l) => l.length > 0);
}

// The numbers of a table row whose header cell is text.
async function rowNumbers(page, table, text) {
  return page.evaluate(([t, x]) => {
    for (const tr of document.querySelectorAll(`#${t} tr`)) {
      const th = tr.querySelector('th');
      if (th && th.innerText.trim() === x) return [...tr.querySelectorAll('td')].map((td) => td.innerText.trim()).filter((s) => /^[0-9.,]+$/.test(s)).join(' ');
    }
    return null;
  }, [table, text]);
}

async function login(page, user, password) {
  await page.goto(`${CGI}/staff/login`);
  await page.fill('#user', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
}

async function axeCheck(page, what) {
  await page.evaluate(AXE);
  const res = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), WCAG_AA);
  const lines = res.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((nd) => nd.target.join(' ')).slice(0, 5).join(', ')}`);
  ok(res.violations.length === 0, `axe WCAG 2.1 AA, 0 violations: ${what}`, lines.join('\n'));
}

async function layoutCheck(page, what, width) {
  const r = await page.evaluate(() => {
    const out = { scroll: document.documentElement.scrollWidth, inner: window.innerWidth, cut: [] };
    for (const el of document.querySelectorAll('body *')) {
      const b = el.getBoundingClientRect();
      if (b.width > 0 && b.right > window.innerWidth + 0.5) out.cut.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} right ${Math.round(b.right)}`);
    }
    return out;
  });
  ok(r.scroll <= r.inner && r.cut.length === 0, `layout: ${what}: fits ${width} px`, `scrollWidth ${r.scroll}; ${r.cut.slice(0, 5).join('; ')}`);
}

async function journeys(browser) {
  const admin = await rawStaff('it-admin', PW);
  ok(admin.status === 303 && admin.csrf, 'a district admin logs in (303, a staff session)', admin.status);
  const before = (await auditRows(admin)).length;

  // School staff in the browser: their school only.
  const ctx = await browser.newContext({ locale: 'en-US', viewport: SIZES.desktop });
  const page = await ctx.newPage();
  await login(page, 'lin1', PW);
  ok(page.url().endsWith('/hallpass.cgi/staff'), 'school staff land on the console after logging in', page.url());
  const schools = await page.locator('#schools').innerText();
  ok(schools.includes('Lincoln Elementary') && !schools.includes('Washington Middle'), 'school staff see their school and not another', schools);
  ok(!(await page.locator('header').innerText()).includes('Audit trail'), 'no audit link for school staff');
  let r = await page.goto(`${CGI}/staff/students?school=sch-wash`);
  ok(r.status() === 404, "another school's student list: 404", r.status());
  r = await page.goto(`${CGI}/staff/student?id=stu-103`);
  ok(r.status() === 404 && !(await page.content()).includes('Dan Ng'), "another school's student: 404, nothing about them", r.status());
  r = await page.goto(`${CGI}/staff/student?id=no-such`);
  ok(r.status() === 404, 'a student who does not exist: the same 404', r.status());
  r = await page.goto(`${CGI}/staff/audit`);
  ok(r.status() === 403 && !(await page.content()).includes('stu-'), 'school staff cannot read the audit trail (403)', r.status());
  r = await page.goto(`${CGI}/staff/audit?format=csv`);
  ok(r.status() === 403, 'nor export it (403)', r.status());
  r = await page.goto(`${CGI}/staff/families?school=sch-wash&group=secondary`);
  ok(r.status() === 404 && !(await page.content()).includes('Olu Roe'), "another school's families to reach: 404", r.status());

  // A view of a student's activity: the reason first, then the page, and one audit row.
  await page.goto(`${CGI}/staff/students?school=sch-lin`);
  await Promise.all([page.waitForNavigation(), page.click('text=Ana Garcia')]);
  ok(page.url().includes('/staff/student?id=stu-100') && !(await page.content()).includes('id="sites"'), 'a student page shows no activity before a reason is given');
  await page.fill('#reason', 'Ticket 4411: parent asked about blocked sites');
  r = await Promise.all([page.waitForNavigation(), page.click('#view')]).then(([resp]) => resp);
  ok(r.status() === 200 && (await page.locator('h1').innerText()).includes('Ana Garcia') && (await page.locator('#sites').count()) === 1,
    "after the reason, the student's activity page", r.status());
  let rows = await auditRows(admin);
  ok(rows.length === before + 1 && /,"lin1","school_staff","stu-100","sch-lin","Ticket 4411: parent asked about blocked sites","view day /.test(rows[0]),
    'the view landed in the audit: who, when, which student, the reason', rows.slice(0, 2).join('\n'));

  const lin = await rawStaff('lin1', PW);
  r = await req('POST', '/staff/view', { cookie: lin.cookie, body: form({ csrf: lin.csrf, id: 'stu-101', reason: '' }) });
  ok(r.status === 400 && !r.body.includes('id="sites"'), 'no reason: 400 and no activity', r.status);
  r = await req('POST', '/staff/view', { cookie: lin.cookie, body: form({ csrf: lin.csrf, id: 'stu-103', reason: 'curious about it' }) });
  ok(r.status === 404 && !r.body.includes('Dan Ng'), "another school's student's activity: 404 even with a reason", r.status);
  r = await req('POST', '/staff/view', { cookie: lin.cookie, body: form({ csrf: lin.csrf, id: 'stu-101', reason: 'ticket 10 in the future', day: '2999-01-01' }) });
  ok(r.status === 400, 'a day in the future: 400', r.status);
  r = await req('POST', '/staff/view', { cookie: lin.cookie, body: form({ csrf: lin.csrf, id: 'stu-101', reason: 'ticket 11 odd range', range: 'year' }) });
  ok(r.status === 400, 'an unknown range: 400', r.status);
  r = await req('POST', '/staff/view', { cookie: lin.cookie, body: form({ id: 'stu-101', reason: 'ticket 9 without a token' }) });
  ok(r.status === 403, 'a view without the CSRF token: 403', r.status);
  r = await req('POST', '/staff/view', { cookie: lin.cookie, body: form({ csrf: lin.csrf, id: 'stu-101', reason: 'Ticket 4412 weekly check', range: 'week' }) });
  ok(r.status === 200 && r.body.includes('Ben Lee'), 'a week view over raw HTTP', r.status);
  rows = await auditRows(admin);
  ok(rows.length === before + 2 && rows[0].includes('"stu-101"') && rows[0].includes('view week'),
    'refused views left no audit row; the allowed one did', rows.slice(0, 3).join('\n'));
  r = await req('POST', '/staff/view', { cookie: admin.cookie, body: form({ csrf: admin.csrf, id: 'stu-103', reason: '=HYPERLINK("http://x.example")' }) });
  ok(r.status === 200 && r.body.includes('Dan Ng'), 'a district admin sees any school', r.status);
  rows = await auditRows(admin);
  ok(rows.length === before + 3 && rows[0].includes(`"'=HYPERLINK(""http://x.example"")"`), "every view is in the audit; a formula in a reason is defused in the CSV", rows[0]);

  // Engagement: the seeded database's numbers (tests/web/hp_seed.c --engagement, docs/staff.md).
  await page.goto(`${CGI}/staff/engagement`);
  const linRow = await rowNumbers(page, 'engagement', 'Lincoln Elementary');
  ok(linRow === '3 4 1 2 1 1 2', 'engagement (school staff): Lincoln Elementary: 3 students, 4 families, 1 invited, 2 enrolled, 1 acknowledged, 1 active, 2 never reached', linRow);
  ok(!(await page.locator('#engagement').innerText()).includes('Washington'), "school staff's report has no other school");
  await Promise.all([page.waitForNavigation(), page.click('#engagement tbody a')]);
  const fam = await page.locator('#families').innerText();
  ok(/José Diaz\s+parent\s+es\s+\+1 555 010 0202\s+Cara Diaz\s+Yes/.test(fam) && fam.includes('Rosa Diaz') && !fam.includes('María Garcia') && !fam.includes('Kim Lee'),
    'drill-down: the families to reach with their language and phone, an invite out or not', fam);
  const ap = await browser.newPage({ viewport: SIZES.desktop, locale: 'en-US' });
  await ap.context().addCookies([{ name: 'hp_staff', value: admin.tok, url: BASE }]);
  await ap.goto(`${CGI}/staff/engagement`);
  const a1 = await rowNumbers(ap, 'engagement', 'Lincoln Elementary');
  const a2 = await rowNumbers(ap, 'engagement', 'Washington Middle');
  const tot = await ap.evaluate(() => [...document.querySelectorAll('#engagement tfoot td')].map((td) => td.innerText.trim()).join(' '));
  ok(a1 === '3 4 1 2 1 1 2' && a2 === '4 2 0 1 1 1 1' && tot === '13 9 1 3 2 2 6', 'engagement (district admin): every school and the total match the seeded database', `${a1} | ${a2} | ${tot}`);
  await ap.close();
  r = await req('GET', '/staff/engagement?format=csv', { cookie: lin.cookie });
  ok(r.status === 200 && /^text\/csv/.test(r.headers['content-type']) && /attachment/.test(r.headers['content-disposition'] || '') &&
    r.body.includes('"sch-lin","Lincoln Elementary","elementary",3,4,1,2,1,1,2\r\n') && !r.body.includes('sch-wash'),
    'the engagement CSV, in the staff member\'s scope', r.body.slice(0, 300));
  r = await req('GET', '/staff/families?school=sch-lin&group=elementary&format=csv', { cookie: lin.cookie });
  ok(r.status === 200 && r.body.includes('"par-202","José Diaz","parent","es","+1 555 010 0202"'), 'the families-to-reach CSV', r.body.slice(0, 300));

  // Sessions apart from the parents'.
  const code = execFileSync(process.env.HALLPASS, ['-c', process.env.HP_CONF, 'guardian', 'invite', 'g1']).toString().match(/^code (\S+)/m)[1];
  const g = await req('GET', '/enrol');
  const pre = cookieFrom(g, 'hp_pre');
  const pp = await req('POST', '/enrol', { cookie: `hp_pre=${pre}`, body: form({ csrf: pre, code, password: 'a parent password 1', password2: 'a parent password 1' }) });
  const ptok = cookieFrom(pp, 'hp_session');
  r = await req('GET', '/staff', { cookie: `hp_session=${ptok}` });
  ok(pp.status === 303 && r.status === 303 && /staff\/login$/.test(r.headers.location || ''), "a parent's session opens nothing in the console", `${pp.status} ${r.status} ${r.headers.location}`);
  r = await req('GET', '/staff', { cookie: `hp_staff=${ptok}` });
  ok(r.status === 303, "a parent's token as the staff cookie: not a staff session", r.status);
  r = await req('GET', '/', { cookie: `hp_session=${admin.tok}` });
  ok(r.status === 303 && /\/login$/.test(r.headers.location || ''), "a staff token as the parents' cookie: not a parent session", r.headers.location);
  r = await req('POST', '/staff/logout', { cookie: lin.cookie, body: form({ csrf: lin.csrf }) });
  const after = await req('GET', '/staff', { cookie: lin.cookie });
  ok(r.status === 303 && after.status === 303, 'logout ends the staff session on the server', `${r.status} ${after.status}`);

  // A setup code, once.
  const sp = await browser.newPage({ viewport: SIZES.phone, locale: 'en-US' });
  await sp.goto(`${CGI}/staff/setup`);
  await sp.fill('#code', SETUP.toLowerCase());
  await sp.fill('#password', 'wash one password');
  await sp.fill('#password2', 'wash one password');
  await Promise.all([sp.waitForNavigation(), sp.click('main button[type=submit]')]);
  ok(sp.url().endsWith('/staff') && (await sp.locator('#schools').innerText()).includes('Washington Middle'), 'a setup code sets the password and logs in', sp.url());
  await sp.close();
  const again = await rawStaff('wash1', 'wash one password');
  ok(again.status === 303, 'the new password works', again.status);
  const g2 = await req('GET', '/staff/setup');
  const pre2 = cookieFrom(g2, 'hp_pre');
  r = await req('POST', '/staff/setup', { cookie: `hp_pre=${pre2}`, body: form({ csrf: pre2, code: SETUP, password: 'another password 2', password2: 'another password 2' }) });
  ok(r.status === 403, 'the setup code works once (403 the second time)', r.status);
  r = await req('POST', '/staff/login', { cookie: `hp_pre=${pre2}`, body: form({ csrf: pre2, user: 'lin1', password: 'wrong password!' }) });
  ok(r.status === 403 && !cookieFrom(r, 'hp_staff'), 'a wrong password: 403, no session', r.status);
  await ctx.close();
  return admin;
}

// Every console page at phone and desktop size, in English and Spanish, with axe-core.
async function everyPage(browser) {
  for (const [size, viewport] of Object.entries(SIZES)) {
    for (const [lang, locale] of Object.entries(LOCALES)) {
      const ctx = await browser.newContext({ locale, viewport, bypassCSP: true });
      const page = await ctx.newPage();
      const visit = async (name, go) => {
        const resp = await go();
        const what = `staff ${name} (${lang}, ${size} ${viewport.width}x${viewport.height})`;
        await page.screenshot({ path: `${OUT}/staff-${size}-${lang}-${name}.png`, fullPage: true });
        ok(resp === null || resp.status() < 400, `${what}: served`, resp && resp.status());
        await layoutCheck(page, what, viewport.width);
        await axeCheck(page, what);
      };
      await visit('login', () => page.goto(`${CGI}/staff/login`));
      await visit('setup', () => page.goto(`${CGI}/staff/setup`));
      await login(page, 'it-admin', PW);
      await visit('home', () => page.goto(`${CGI}/staff`));
      await visit('students', () => page.goto(`${CGI}/staff/students?school=sch-lin`));
      await visit('student', () => page.goto(`${CGI}/staff/student?id=stu-100`));
      await visit('view', async () => {
        await page.fill('#reason', `Accessibility check ${size} ${lang}`);
        return Promise.all([page.waitForNavigation(), page.click('#view')]).then(([resp]) => resp);
      });
      await visit('engagement', () => page.goto(`${CGI}/staff/engagement`));
      await visit('families', () => page.goto(`${CGI}/staff/families?school=sch-lin&group=elementary`));
      await visit('audit', () => page.goto(`${CGI}/staff/audit`));
      await ctx.close();
    }
  }
}

try {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox'] });
  try {
    await journeys(browser);
    await everyPage(browser);
  } finally {
    await browser.close();
  }
} catch (e) {
  ok(false, 'the staff console tests ran to the end', e.stack);
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);

// e2e.mjs: the dashboard through lighttpd — a parent's journey in Debian's chromium (playwright-core), every page at phone and desktop size in both languages with axe-core, then security checks over raw HTTP; prints TAP.
import { chromium } from 'playwright-core';
import http from 'node:http';
import { mkdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const BASE = process.env.HP_BASE;           // http://127.0.0.1:PORT
const CGI = `${BASE}/hallpass.cgi`;
const OUT = process.env.HP_OUT;             // screenshots go here
const PW = 'correct horse battery staple';
const G1_EMAIL = 'maria.garcia@example.org';
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

// One raw request: no cookie jar, no redirects followed, every header visible.
// from: a loopback source address (127.0.0.N), so one test can act as several client networks.
function req(method, path, { cookie = '', body = null, headers = {}, from } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(path.startsWith('http') ? path : `${CGI}${path}`);
    const h = { ...headers };
    if (cookie) h.Cookie = cookie;
    if (body !== null) {
      h['Content-Type'] ??= 'application/x-www-form-urlencoded';
      h['Content-Length'] = Buffer.byteLength(body);
    }
    const r = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: h, localAddress: from, agent: false }, (res) => {
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

// A session for a guardian over raw HTTP: enrol with a fresh code, return its cookie and CSRF token.
async function rawEnrol(gid) {
  const code = execFileSync(process.env.HALLPASS, ['-c', process.env.HP_CONF, 'guardian', 'invite', gid])
    .toString().match(/^code (\S+)/m)[1];
  const g = await req('GET', '/enrol');
  const pre = cookieFrom(g, 'hp_pre');
  const p = await req('POST', '/enrol', { cookie: `hp_pre=${pre}`, body: form({ csrf: pre, code, password: PW, password2: PW }) });
  const tok = cookieFrom(p, 'hp_session');
  const cookie = `hp_session=${tok}`;
  const t = await req('GET', '/terms', { cookie });
  const csrf = (t.body.match(/name="csrf" value="([0-9a-f]{64})"/) || [])[1];
  return { cookie, csrf, pre, status: p.status };
}

async function browserJourney() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox'],
  });
  try {
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    let dialogs = 0;
    page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });
    const shot = (name) => page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });

    await page.goto(`${BASE}/`);
    ok(page.url().endsWith('/hallpass.cgi/login'), 'the start page sends a visitor to log in', page.url());
    ok(await page.locator('h1').innerText() === 'Log in', 'login page in English from Accept-Language');
    await shot('01-login');

    // Enrol with the code IT printed.
    await page.getByRole('link', { name: /Set up your account/ }).click();
    await page.getByLabel('Enrolment code').fill(process.env.HP_CODE_G1.toLowerCase());
    await page.getByLabel('New password', { exact: true }).fill(PW);
    await page.getByLabel('New password again').fill(PW);
    await shot('02-enrol');
    await page.getByRole('button', { name: 'Create my account' }).click();
    ok(/Hello, María G\./.test(await page.locator('h1').innerText()), 'enrolment logs the parent in', await page.locator('h1').innerText());
    const cookies = await ctx.cookies();
    const sess = cookies.find((c) => c.name === 'hp_session');
    ok(sess && sess.httpOnly && sess.secure && sess.sameSite === 'Strict',
      'session cookie is HttpOnly, Secure, SameSite=Strict (and kept on http://127.0.0.1)', JSON.stringify(sess));
    ok(await page.locator('#terms-notice').isVisible(), 'home asks for the terms to be accepted');
    const kids = await page.locator('main h3').allInnerTexts();
    ok(kids.join('|') === 'Ana G.|Mateo G.', "home lists exactly this guardian's children", kids.join('|'));
    await shot('03-home');

    // Log out and back in with the e-mail address.
    await page.getByRole('button', { name: 'Log out' }).click();
    ok(page.url().endsWith('/login'), 'log out returns to the login page', page.url());
    await page.getByLabel('E-mail address').fill(G1_EMAIL);
    await page.getByLabel('Password').fill(PW);
    await page.getByRole('button', { name: 'Log in' }).click();
    ok(/Hello/.test(await page.locator('h1').innerText()), 'log in with e-mail and password');

    // The child's day.
    await page.locator('section', { hasText: 'Ana G.' }).getByRole('link', { name: "Today's activity" }).click();
    const sites = await page.locator('#sites').innerText();
    ok(sites.includes('www.khanacademy.org') && sites.includes('scratch.mit.edu') && sites.includes('bet365.com'),
      'top sites show the seeded hosts', sites);
    ok(sites.includes("<script>alert('xss')</script>.example") && dialogs === 0,
      'a hostile host name is shown as text and runs nothing', `dialogs=${dialogs}`);
    const blocked = await page.locator('#blocked').innerText();
    ok(blocked.includes('Blocked: Gambling, district policy') && blocked.includes('not allowed at this time of day') &&
      blocked.includes('Blocked: Video streaming, not allowed during Bedtime'),
      'blocked attempts say what and why in plain words', blocked);
    ok(await page.locator('svg[role="img"]').count() === 1 && (await page.locator('#chart-desc').innerText()).startsWith('Busiest hour'),
      'time online by hour: an SVG chart with a text alternative');
    ok(await page.locator('#categories').innerText().then((t) => t.includes('Gambling')), 'categories are listed');
    const sched = await page.locator('section', { hasText: 'During school hours' }).innerText();
    ok(/School hours .*online/.test(sched) && /Bedtime .*online/.test(sched), 'school-hours and bedtime activity', sched);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    ok(overflow <= 0, 'no sideways scrolling on a 390 px phone', `overflow ${overflow}px`);
    await shot('04-child-day');

    // The last 7 days through the form.
    await page.getByLabel('Show', { exact: true }).selectOption('week');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    ok(await page.getByRole('heading', { name: 'Day by day' }).isVisible() && /range=week/.test(page.url()),
      'the last 7 days, chosen with the form');
    ok(/previous 7 days/.test(await page.locator('.stats').innerText()), 'change against the previous week is shown');
    await shot('05-child-week');

    // Terms: read and accept.
    await page.getByRole('link', { name: 'Terms of use' }).click();
    await page.getByRole('button', { name: 'I have read and accept these terms' }).click();
    ok(await page.locator('#acked').isVisible() && /accepted version 1/.test(await page.locator('#acked').innerText()),
      'accepting the terms is recorded and shown');
    await shot('06-terms');
    await page.goto(`${CGI}/`);
    ok(await page.locator('#terms-notice').count() === 0, 'once accepted, home stops asking');

    // Spanish, remembered.
    await page.getByRole('link', { name: 'Español' }).click();
    ok(await page.locator('html').getAttribute('lang') === 'es' && /Hola, María G\./.test(await page.locator('h1').innerText()),
      'switch to Spanish', await page.locator('h1').innerText());
    await page.locator('section', { hasText: 'Ana G.' }).getByRole('link', { name: 'Actividad de hoy' }).click();
    const es = await page.locator('main').innerText();
    ok(es.includes('Tiempo en línea por hora') && es.includes('Bloqueado: Apuestas, norma del distrito') && /\b(lunes|martes|miércoles|jueves|viernes|sábado|domingo)\b/.test(es),
      'the activity page in Spanish: strings, reasons and dates', es.slice(0, 300));
    await shot('07-child-es');
    await page.reload();
    ok(await page.locator('html').getAttribute('lang') === 'es', 'the language choice is remembered');

    // Log out (in Spanish).
    await page.getByRole('button', { name: 'Cerrar sesión' }).click();
    ok(await page.locator('h1').innerText() === 'Iniciar sesión', 'log out, back to the login page in Spanish');
    await page.goto(`${CGI}/child?id=s1001`);
    ok(page.url().endsWith('/login'), 'after logout the activity page needs a login again', page.url());
    await shot('08-logged-out');

    // Without JavaScript everything still works.
    const nojs = await browser.newContext({ javaScriptEnabled: false, locale: 'es-MX' });
    const p2 = await nojs.newPage();
    await p2.goto(`${CGI}/login`);
    ok(await p2.locator('h1').innerText() === 'Iniciar sesión', 'Accept-Language es-MX gives Spanish');
    await p2.getByLabel('Correo electrónico').fill(G1_EMAIL);
    await p2.getByLabel('Contraseña').fill(PW);
    await p2.getByRole('button', { name: 'Entrar' }).click();
    await p2.goto(`${CGI}/child?id=s1002`);
    ok((await p2.locator('#sites').innerText()).includes('www.wikipedia.org'), 'works with JavaScript turned off');
    await p2.screenshot({ path: `${OUT}/09-nojs.png`, fullPage: true });
    await nojs.close();
  } finally {
    await browser.close();
  }
}


// What every page must show in each language: the district's contact (rules/aup.yaml) and a few words.
const LANGS = {
  en: { locale: 'en-US', contact: 'District help desk', time: 'Time', times: 'www.instagram.com, 3 times, 6:15–6:17 AM' },
  es: { locale: 'es-ES', contact: 'Servicio de ayuda del distrito', time: 'Tiempo', times: 'www.instagram.com, 3 veces, 06:15–06:17' },
};
const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };

// axe-core in the page: WCAG 2.1 A and AA rules only; one TAP line, each violation with its failing selectors.
async function axeCheck(page, what) {
  await page.evaluate(AXE);
  const res = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), WCAG_AA);
  const lines = res.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((nd) => nd.target.join(' ')).slice(0, 5).join(', ')}`);
  ok(res.violations.length === 0, `axe WCAG 2.1 AA, 0 violations: ${what}`, lines.join('\n'));
}

// Nothing wider than the screen, no table cut inside its scroller, the contact in the footer.
async function layoutCheck(page, what, lang, width) {
  const r = await page.evaluate(() => {
    const out = { scroll: document.documentElement.scrollWidth, inner: window.innerWidth, cut: [] };
    for (const el of document.querySelectorAll('body *')) {
      const b = el.getBoundingClientRect();
      if (b.width > 0 && b.right > window.innerWidth + 0.5) out.cut.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} right ${Math.round(b.right)}`);
    }
    for (const tw of document.querySelectorAll('.tw')) {
      if (tw.scrollWidth > tw.clientWidth + 1) out.cut.push(`table scrolls sideways: ${tw.firstElementChild?.id || tw.firstElementChild?.tagName} ${tw.scrollWidth} > ${tw.clientWidth}`);
    }
    const c = document.querySelector('footer #contact');
    out.contact = c ? c.innerText : '';
    return out;
  });
  ok(r.scroll <= r.inner && r.cut.length === 0 && r.contact.includes(LANGS[lang].contact) && /tel:|mailto:/.test(await page.locator('#contact').innerHTML()),
    `layout: ${what}: fits ${width} px, the district's contact in the footer`,
    `scrollWidth ${r.scroll} innerWidth ${r.inner}; ${r.cut.slice(0, 5).join('; ')}; contact "${r.contact.slice(0, 80)}"`);
}

// Every page in both languages, logged out and in, at phone and desktop size: screenshots, layout, axe.
async function everyPage(browser) {
  // The check itself can fail: the login page with its lang and a label taken away must show both violations.
  const bad = await browser.newContext({ bypassCSP: true, viewport: SIZES.phone });
  const bp = await bad.newPage();
  await bp.goto(`${CGI}/login`);
  await bp.evaluate(() => { document.documentElement.removeAttribute('lang'); document.querySelector('label[for="user"]').remove(); });
  await bp.evaluate(AXE);
  const ids = (await bp.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), WCAG_AA)).violations.map((v) => v.id);
  ok(ids.includes('html-has-lang') && ids.includes('label'), 'axe-core reports a page broken on purpose (no lang, a field without a label)', ids.join(' '));
  // Keyboard: the first Tab lands on the skip link, on screen, with a focus ring.
  await bp.goto(`${CGI}/login`);
  await bp.keyboard.press('Tab');
  const f = await bp.evaluate(() => {
    const e = document.activeElement, cs = getComputedStyle(e), b = e.getBoundingClientRect();
    return { cls: e.className, outline: cs.outlineStyle, w: parseFloat(cs.outlineWidth), left: b.left, top: b.top };
  });
  ok(f.cls === 'skip' && f.outline !== 'none' && f.w >= 2 && f.left >= 0 && f.top >= 0,
    'keyboard: the first Tab shows the skip link with a visible focus ring', JSON.stringify(f));
  await bad.close();
  for (const [size, viewport] of Object.entries(SIZES)) {
    for (const [lang, L] of Object.entries(LANGS)) {
      // bypassCSP only lets the test inject axe-core; the pages themselves run no script.
      const ctx = await browser.newContext({ locale: L.locale, viewport, bypassCSP: true });
      const page = await ctx.newPage();
      // This device's choice: g1 chose a language in the journey above, and a guardian's own language beats Accept-Language.
      await page.goto(`${CGI}/lang?set=${lang}`);
      const visit = async (name, url, authed, extra) => {
        await page.goto(`${CGI}${url}`);
        // Open the "show as a table" parts so they are checked too.
        await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
        const what = `${name} (${lang}, ${size} ${viewport.width}x${viewport.height}, ${authed ? 'logged in' : 'logged out'})`;
        await page.screenshot({ path: `${OUT}/${size}-${lang}-${authed ? 'in' : 'out'}-${name}.png`, fullPage: true });
        await layoutCheck(page, what, lang, viewport.width);
        if (extra) await extra(what);
        await axeCheck(page, what);
      };
      await visit('login', '/login', false);
      await visit('enrol', '/enrol', false);
      await visit('terms', '/terms', false);
      await visit('error', '/no-such-page', false);
      await page.goto(`${CGI}/login`);
      await page.locator('#user').fill(G1_EMAIL);
      await page.locator('#password').fill(PW);
      await page.locator('form[action$="/login"] button[type="submit"]').click();
      ok(await page.locator('#contact').count() === 1 && /\/hallpass\.cgi\/$/.test(page.url()), `logged in (${lang}, ${size})`, page.url());
      await visit('home', '/', true);
      await visit('child-day', '/child?id=s1001', true, async (what) => {
        // The Time column of the sites table: every cell on screen, none cut by its scroller.
        const t = await page.evaluate((name) => {
          const tbl = document.querySelector('#sites');
          const i = [...tbl.tHead.rows[0].cells].findIndex((th) => th.textContent.trim() === name);
          const box = tbl.parentElement.getBoundingClientRect();
          const cells = [...tbl.rows].map((r) => r.cells[i]);
          return { i, n: cells.length, bad: cells.filter((c) => { const b = c.getBoundingClientRect(); return !(b.width > 0 && b.left >= box.left - 0.5 && b.right <= Math.min(box.right, window.innerWidth) + 0.5 && c.innerText.trim() !== ''); }).length };
        }, L.time);
        ok(t.i >= 0 && t.n > 2 && t.bad === 0, `the sites table's ${L.time} column is visible whole: ${what}`, JSON.stringify(t));
        const lines = await page.locator('#blocked li').allInnerTexts();
        const grouped = lines.filter((l) => l.startsWith(L.times));
        ok(grouped.length === 1 && lines.filter((l) => l.startsWith('www.instagram.com')).length === 1,
          `three blocks of one site minutes apart are one line "${L.times}": ${what}`, lines.join(' | '));
        const hours = await page.locator('.chart svg text.hour').evaluateAll((ts) => ts.filter((t) => t.getBBox().width > 0).map((t) => [t.textContent, parseFloat(getComputedStyle(t).fontSize)]));
        ok(hours.length === (size === 'phone' ? 4 : 8) && hours.every(([, f]) => f >= 13),
          `the chart's hour labels: ${size === 'phone' ? 4 : 8} of them, 13 px or more: ${what}`, JSON.stringify(hours));
      });
      await visit('child-week', '/child?id=s1001&range=week', true);
      await visit('terms', '/terms', true);
      await visit('error', '/child?id=s1004', true);
      await ctx.close();
    }
  }
}

async function security() {
  const a = await rawEnrol('g1');
  const b = await rawEnrol('g2');
  ok(a.status === 303 && b.status === 303 && a.csrf && b.csrf, 'two guardians enrolled over HTTP');

  // Another family's child.
  for (const [who, other, secret] of [[a, 's1004', 'secret-child-of-g2'], [b, 's1001', 'khanacademy']]) {
    for (const q of [`id=${other}`, `id=${other}&range=week`, `id=${other}&day=2026-01-01`]) {
      const r = await req('GET', `/child?${q}`, { cookie: who.cookie });
      ok((r.status === 403 || r.status === 404) && !r.body.includes(secret) && !r.body.includes(other === 's1004' ? 'Diego' : 'Ana G.'),
        `another guardian's child (${q}) gives ${r.status} and no data`, r.body.slice(0, 200));
    }
  }
  const own = await req('GET', '/child?id=s1004', { cookie: b.cookie });
  ok(own.status === 200 && own.body.includes('secret-child-of-g2'), "a guardian does see their own child");

  // Injection in every parameter.
  const payloads = ["' OR '1'='1", "s1001'; DROP TABLE events;--", '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>', 's1001\u0000', 'x'.repeat(5000), '../../etc/passwd', '%252e%252e'];
  const leak = (body) => body.includes('<script>alert(1)</script>') || body.includes('<img src=x onerror=alert(1)>');
  let bad = [];
  for (const p of payloads) {
    const tries = [
      ['GET', `/child?${form({ id: p })}`], ['GET', `/child?${form({ id: 's1001', day: p })}`],
      ['GET', `/child?${form({ id: 's1001', range: p })}`], ['GET', `/lang?${form({ set: p })}`],
      ['GET', `/lang?${form({ set: 'en', back: p })}`], ['GET', `/lang?${form({ set: 'en', back: 'child', id: p })}`],
      ['GET', `/terms?${form({ acked: p })}`],
      ['POST', '/terms', form({ csrf: a.csrf, version: p })], ['POST', '/logout', form({ csrf: p })],
      ['POST', '/login', form({ csrf: a.pre, user: p, password: p })],
      ['POST', '/enrol', form({ csrf: a.pre, code: p, password: p, password2: p })],
    ];
    for (const [m, path, body] of tries) {
      const r = await req(m, path, { cookie: `${a.cookie}; hp_pre=${a.pre}`, body: body ?? null });
      const loc = r.headers.location || '';
      if (r.status >= 500 || leak(r.body) || (loc && !loc.startsWith('/hallpass.cgi/')) || (r.status === 200 && m === 'GET' && path.startsWith('/child') && r.body.includes('Diego')))
        bad.push(`${m} ${path.slice(0, 60)} -> ${r.status} ${loc}`);
    }
  }
  ok(bad.length === 0, 'SQL and script injection in every parameter: refused or escaped, never a 5xx or a foreign redirect', bad.join('\n'));
  const cookieInj = await req('GET', '/', { cookie: "hp_session=' OR 1=1 --; hp_lang=<script>" });
  ok(cookieInj.status === 303 && !leak(cookieInj.body), 'injection in cookies is just no session');
  const after = await req('GET', '/child?id=s1001', { cookie: a.cookie });
  ok(after.status === 200 && after.body.includes('www.khanacademy.org'), 'the database is intact after the injection attempts');
  ok(after.body.includes('&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;.example') && !after.body.includes("<script>alert('xss')") &&
    after.body.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.example') && !after.body.includes('<img src=x'),
  'host names stored by the proxy are escaped on the page');
  ok(/script-src|default-src 'none'/.test(after.headers['content-security-policy'] || ''), 'a Content-Security-Policy forbids scripts');

  // CSRF.
  let r = await req('POST', '/terms', { cookie: a.cookie, body: form({ version: '1' }) });
  ok(r.status === 403, 'POST without a CSRF token is rejected', r.status);
  r = await req('POST', '/terms', { cookie: a.cookie, body: form({ version: '1', csrf: b.csrf }) });
  ok(r.status === 403, "another session's CSRF token is rejected", r.status);
  r = await req('POST', '/logout', { cookie: a.cookie, body: form({ csrf: '0'.repeat(64) }) });
  const still = await req('GET', '/', { cookie: a.cookie });
  ok(r.status === 403 && still.status === 200, 'logout with a wrong token is rejected and the session lives', `${r.status} ${still.status}`);
  r = await req('POST', '/terms', { cookie: a.cookie, body: form({ version: '1', csrf: a.csrf }), headers: { Origin: 'https://evil.example' } });
  ok(r.status === 403, 'a cross-site POST is rejected even with the right token', r.status);
  r = await req('POST', '/login', { body: form({ user: G1_EMAIL, password: PW }) });
  ok(r.status === 403 && !cookieFrom(r, 'hp_session'), 'login without its pre-session token is rejected', r.status);

  // Forged and expired sessions.
  r = await req('GET', '/child?id=s1001', { cookie: `hp_session=${'a1'.repeat(32)}` });
  ok(r.status === 303 && !r.body.includes('khanacademy'), 'a forged session token is rejected', r.status);
  execFileSync(process.env.HP_SEED, [process.env.HP_CONF, '--expire-sessions', 'g2']);
  r = await req('GET', '/child?id=s1004', { cookie: b.cookie });
  ok(r.status === 303 && (r.headers.location || '').endsWith('/login') && !r.body.includes('secret-child'), 'an expired session is rejected', r.status);

  // Oversized and malformed requests.
  r = await req('POST', '/login', { body: 'a='.padEnd(70000, 'x') });
  ok(r.status === 413, 'a body over 64 KiB gets 413', r.status);
  r = await req('GET', '/child?id=s1001&id=s1004', { cookie: a.cookie });
  ok(r.status === 400 && !r.body.includes('secret-child'), 'a repeated parameter gets 400', r.status);
  r = await req('GET', '/child?id=s1001&day=2026-02-30', { cookie: a.cookie });
  ok(r.status === 400, 'an impossible day gets 400', r.status);

  await throttle();
}

// The CGI's log lines (its stderr: server.breakagelog, cgi.log) that match re; lighttpd copies
// them asynchronously, so wait (briefly) until at least `atLeast` are there.
async function logLines(re, atLeast = 0) {
  let lines = [];
  for (let i = 0; i < 30; i++) {
    lines = readFileSync(process.env.HP_ERRLOG, 'utf8').split('\n').filter((l) => re.test(l));
    if (lines.length >= atLeast) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  return lines;
}

// Sign-in throttling, each part from its own source address (its own client "network").
async function throttle() {
  const g = await req('GET', '/login');
  const pre = cookieFrom(g, 'hp_pre');
  const login = (user, password, from) => req('POST', '/login', { cookie: `hp_pre=${pre}`, body: form({ csrf: pre, user, password }), from });
  const checks = (addr) => new RegExp(`sign-in from ${addr.replace(/\./g, '\\.')}: password checked`);

  // A guesser at 127.0.0.21: five free attempts, each one password check; then a delay that
  // holds even for the right password and says how long.
  const codes = [];
  for (let i = 0; i < 5; i++) codes.push((await login('g1', `wrong${i}`, '127.0.0.21')).status);
  let r = await login(G1_EMAIL, PW, '127.0.0.21');
  const retry = Number(r.headers['retry-after']);
  ok(codes.every((c) => c === 403) && r.status === 429 && retry >= 1 && !cookieFrom(r, 'hp_session'),
    'after 5 wrong passwords even the right one is delayed from that network (429, Retry-After)', `${codes} then ${r.status} ${retry}`);
  let lines = await logLines(checks('127.0.0.21'), 5);
  ok(lines.length === 5, 'the delayed attempt was refused before any password check (5 checks logged)', lines.join('\n'));

  // The parent at home (another network) is not locked out by someone who knows the address.
  r = await login(G1_EMAIL, PW, '127.0.0.22');
  ok(r.status === 303 && cookieFrom(r, 'hp_session'), "a guesser elsewhere does not lock the parent out: the right password works from the parent's network", r.status);

  // 32 wrong passwords for one account at once: each attempt is counted before its password is
  // checked, so at most the 5 free ones reach argon2; the rest are told when to retry.
  const burst = await Promise.all(Array.from({ length: 32 }, (_, i) => login('g2', `guess${i}`, '127.0.0.23')));
  const checked = burst.filter((x) => x.status === 403).length;
  const waited = burst.filter((x) => x.status === 429 && Number(x.headers['retry-after']) >= 1).length;
  lines = await logLines(checks('127.0.0.23'), checked);
  ok(checked >= 1 && checked <= 5 && checked + waited === 32 && lines.length === checked,
    '32 parallel wrong passwords: at most 5 password checks (counted in the log), the other requests 429 with Retry-After',
    `${checked} answered 403, ${waited} told to wait, ${lines.length} password checks logged`);

  // Spraying: 32 different names at once from one network.  The network's attempts are
  // counted before any password is checked too, so at most its 20 free ones reach argon2.
  const spray = await Promise.all(Array.from({ length: 32 }, (_, i) => login(`spray${i}@example.org`, 'x', '127.0.0.26')));
  const sprayChecked = spray.filter((x) => x.status === 403).length;
  lines = await logLines(checks('127.0.0.26'), sprayChecked);
  ok(sprayChecked <= 20 && sprayChecked + spray.filter((x) => x.status === 429).length === 32 && lines.length === sprayChecked,
    '32 parallel guesses at 32 names from one network: at most 20 password checks, the rest 429',
    `${sprayChecked} answered 403, ${lines.length} password checks logged`);

  // An unknown account: the same answer as a wrong password, after the same argon2 work.
  const known = await login('g2', 'not-the-password', '127.0.0.24');
  const unknown = await login('nobody@example.org', 'not-the-password', '127.0.0.24');
  lines = await logLines(checks('127.0.0.24'), 2);
  const msg = (x) => (x.body.match(/<p class="error"[^>]*>([^<]*)</) || x.body.match(/not correct[^<]*/) || [''])[0];
  ok(known.status === 403 && unknown.status === 403 && msg(known) === msg(unknown) && msg(known) !== '' && lines.length === 2,
    'an unknown account gets the same answer as a wrong password, after a password check of its own',
    `${known.status} ${unknown.status} "${msg(known)}" "${msg(unknown)}" ${lines.length} checks`);
  // And about the same time: argon2 (64 MiB) dominates; without the dummy check an unknown
  // name would answer several times faster.  Medians of interleaved pairs, loose bounds.
  const tk = [], tu = [];
  for (let i = 0; i < 3; i++) {
    let t0 = performance.now();
    await login('g2', `wrong${i}`, '127.0.0.25');
    tk.push(performance.now() - t0);
    t0 = performance.now();
    await login(`nobody${i}@example.org`, `wrong${i}`, '127.0.0.25');
    tu.push(performance.now() - t0);
  }
  const med = (a) => a.sort((x, y) => x - y)[1];
  ok(med(tu) > 0.5 * med(tk) && med(tk) > 0.5 * med(tu),
    'response time does not tell whether an account exists (medians within a factor of 2)',
    `known ${tk.map(Math.round)} ms, unknown ${tu.map(Math.round)} ms`);
}

mkdirSync(OUT, { recursive: true });
try {
  await browserJourney();
} catch (e) {
  ok(false, 'browser journey ran to the end', e.stack);
}
try {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox'],
  });
  try {
    await everyPage(browser);
  } finally {
    await browser.close();
  }
} catch (e) {
  ok(false, 'every page, both languages, both sizes, ran to the end', e.stack);
}
try {
  await security();
} catch (e) {
  ok(false, 'security checks ran to the end', e.stack);
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);

// letters.mjs: families without e-mail in chromium — a letter's code and address (hallpass letters) enrol one guardian with a phone number and one with a username, each signs in with it, the language is theirs on a new device, a taken name is refused; axe-core on the enrolment page; prints TAP.
import { chromium } from 'playwright-core';
import http from 'node:http';
import { appendFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const BASE = process.env.HP_BASE;
const CGI = `${BASE}/hallpass.cgi`;
const OUT = process.env.HP_OUT;
const CONF = process.env.HP_CONF;
const PW = 'a long walk to the library';
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
const form = (o) => new URLSearchParams(o).toString();
function cookieFrom(res, name) {
  for (const c of res.headers['set-cookie'] || []) {
    const m = c.match(new RegExp(`^${name}=([^;]*)`));
    if (m) return m[1];
  }
  return null;
}

async function axeCheck(page, what) {
  await page.evaluate(AXE);
  const res = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), WCAG_AA);
  const lines = res.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((nd) => nd.target.join(' ')).slice(0, 5).join(', ')}`);
  ok(res.violations.length === 0, `axe WCAG 2.1 AA, 0 violations: ${what}`, lines.join('\n'));
}

// Two families the school has no e-mail for; the dashboard's public address for the letters.
appendFileSync(`${CONF}/policy.yaml`, `
  g-phone:
    name: Ana Phone
    students: [s1002]
  g-user:
    name: Luis User
    language: es
    students: [s1004]
`);
appendFileSync(`${CONF}/hallpass.yaml`, `\ndashboard_url: ${CGI}/\n`);

const tmp = mkdtempSync(join(tmpdir(), 'hallpass-letters-web.'));
let letters = '';
try {
  const o = execFileSync(process.env.HALLPASS, ['-c', CONF, 'letters', '--not-enrolled', '-o', `${tmp}/l.html`],
    { env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  letters = readFileSync(`${tmp}/l.html`, 'utf8');
  ok(/letters \(/.test(o), 'hallpass letters --not-enrolled writes the batch', o);
} catch (e) {
  ok(false, 'hallpass letters --not-enrolled writes the batch', `${e.message} ${e.stderr}`);
}
rmSync(tmp, { recursive: true, force: true });
const codeOf = (gid) => {
  const i = letters.indexOf(`id="letter-${gid}"`);
  return i < 0 ? null : (letters.slice(i).match(/<p class="code">([A-Z2-9-]+)<\/p>/) || [])[1];
};
const address = (letters.match(/<span class="url">([^<]+)<\/span>/) || [])[1];
ok(address === `${CGI}/enrol` && codeOf('g-phone') && codeOf('g-user'), 'each family has a letter with a code and the enrolment address', address);
ok(/<article class="letter" lang="es" id="letter-g-user"/.test(letters), "g-user's letter is in the roster's language (es)");

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox'] });
try {
  const newPage = async (locale) => {
    // bypassCSP only lets the test inject axe-core; the pages themselves run no script.
    const ctx = await browser.newContext({ locale, viewport: { width: 390, height: 844 }, bypassCSP: true });
    return { ctx, page: await ctx.newPage() };
  };

  // g-phone: scans the QR code (the letter's address), chooses Spanish and a phone number.
  {
    const { ctx, page } = await newPage('en-US');
    await page.goto(address);
    ok(await page.locator('h1').innerText() === 'Set up your account', 'the letter\'s address opens the enrolment page');
    ok(await page.getByLabel('Sign-in name').count() === 1 && await page.getByLabel('Language for the dashboard').count() === 1,
      'the form asks for a sign-in name (username or phone) and a language');
    await axeCheck(page, 'enrolment page (en, 390 px)');
    await page.getByLabel('Enrolment code').fill(codeOf('g-phone').toLowerCase().replace(/-/g, ' '));
    await page.getByLabel('New password', { exact: true }).fill(PW);
    await page.getByLabel('New password again').fill(PW);
    await page.getByRole('button', { name: 'Create my account' }).click();
    const alert = await page.locator('[role=alert]').innerText().catch(() => '');
    ok(/no e-mail address for you/.test(alert), 'without e-mail and without a sign-in name: asked for one, not enrolled', alert);
    await axeCheck(page, 'enrolment page with its error (en)');
    await page.screenshot({ path: `${OUT}/letters-01-needname.png`, fullPage: true });
    // The same code still works: it was not spent.
    await page.getByLabel('Enrolment code').fill(codeOf('g-phone'));
    await page.getByLabel('Sign-in name').fill('+1 (555) 010-0199');
    await page.getByLabel('Language for the dashboard').selectOption('es');
    await page.getByLabel('New password', { exact: true }).fill(PW);
    await page.getByLabel('New password again').fill(PW);
    await page.getByRole('button', { name: 'Create my account' }).click();
    const h1 = await page.locator('h1').innerText();
    ok(h1 === 'Hola, Ana Phone', 'enrolled with a phone number, in the language chosen on the form', h1);
    await page.screenshot({ path: `${OUT}/letters-02-enrolled-phone.png`, fullPage: true });
    await ctx.close();
  }

  // g-phone on another device (English browser): signs in with the number written another way.
  {
    const { ctx, page } = await newPage('en-US');
    await page.goto(`${CGI}/login`);
    await page.getByLabel('E-mail address, username or phone number').fill('1-555-010-0199');
    await page.getByLabel('Password').fill(PW);
    await page.getByRole('button', { name: 'Log in' }).click();
    const h1 = await page.locator('h1').innerText();
    ok(h1 === 'Hola, Ana Phone', 'signs in with the phone number (other punctuation); the pages are in the language they chose', h1);
    ok(await page.locator('html').getAttribute('lang') === 'es', 'html lang="es"');
    await ctx.close();
  }

  // g-user: a username, the form left in English; the roster says Spanish.
  {
    const { ctx, page } = await newPage('en-US');
    await page.goto(address);
    await page.getByLabel('Enrolment code').fill(codeOf('g-user'));
    await page.getByLabel('Sign-in name').fill('Luis.Ruiz');
    await page.getByLabel('New password', { exact: true }).fill(PW);
    await page.getByLabel('New password again').fill(PW);
    await page.getByRole('button', { name: 'Create my account' }).click();
    const h1 = await page.locator('h1').innerText();
    ok(h1 === 'Hello, Luis User', 'enrolled with a username; this device keeps the language chosen on the form', h1);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('E-mail address, username or phone number').fill('luis.ruiz');
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    ok(/not correct/.test(await page.locator('[role=alert]').innerText()), 'a wrong password with the username is refused');
    await ctx.close();
  }
  {
    const { ctx, page } = await newPage('en-US');
    await page.goto(`${CGI}/login`);
    await page.getByLabel('E-mail address, username or phone number').fill('LUIS.RUIZ');
    await page.getByLabel('Password').fill(PW);
    await page.getByRole('button', { name: 'Log in' }).click();
    const h1 = await page.locator('h1').innerText();
    ok(h1 === 'Hola, Luis User', "signs in with the username (any case) on a new device, in the roster's language", h1);
    await axeCheck(page, 'home page after a username sign-in (es)');
    await page.goto(`${CGI}/enrol`);
    await ctx.close();
  }
  {
    const { ctx, page } = await newPage('es-ES');
    await page.goto(`${CGI}/enrol`);
    ok(await page.getByLabel('Nombre para entrar').count() === 1, 'the enrolment page in Spanish');
    await axeCheck(page, 'enrolment page (es, 390 px)');
    await ctx.close();
  }
} catch (e) {
  ok(false, 'browser: no exception', e.stack);
} finally {
  await browser.close();
}

// Over HTTP: a name another guardian has is refused, and the code survives for a second try.
{
  const code = execFileSync(process.env.HALLPASS, ['-c', CONF, 'guardian', 'invite', 'g3']).toString().match(/^code (\S+)/m)[1];
  const g = await req('GET', '/enrol');
  const pre = cookieFrom(g, 'hp_pre');
  const taken = await req('POST', '/enrol', { cookie: `hp_pre=${pre}`, body: form({ csrf: pre, code, login: 'luis.ruiz', lang: 'en', password: PW, password2: PW }) });
  ok(taken.status === 409 && /already used by someone else/.test(taken.body), 'a sign-in name another guardian chose: 409', taken.status);
  const id = await req('POST', '/enrol', { cookie: `hp_pre=${pre}`, body: form({ csrf: pre, code, login: 'g-user', lang: 'en', password: PW, password2: PW }) });
  ok(id.status === 409, "another guardian's id as a sign-in name: 409", id.status);
  const bad = await req('POST', '/enrol', { cookie: `hp_pre=${pre}`, body: form({ csrf: pre, code, login: 'x!', lang: 'en', password: PW, password2: PW }) });
  ok(bad.status === 400, 'a sign-in name that is neither a username nor a phone number: 400', bad.status);
  const lang = await req('POST', '/enrol', { cookie: `hp_pre=${pre}`, body: form({ csrf: pre, code, login: '', lang: 'xx', password: PW, password2: PW }) });
  ok(lang.status === 400, 'an unknown language: 400', lang.status);
  const fine = await req('POST', '/enrol', { cookie: `hp_pre=${pre}`, body: form({ csrf: pre, code, login: '', lang: 'en', password: PW, password2: PW }) });
  ok(fine.status === 303 && cookieFrom(fine, 'hp_session'), 'the same code, no sign-in name (g3 has an e-mail): enrolled', fine.status);
}

console.log(`1..${n}`);
process.exit(failed ? 1 : 0);

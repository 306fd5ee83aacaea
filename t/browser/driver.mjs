// t/browser/driver.mjs: the browser side of t/browser.t.
//
//   node driver.mjs ENGINE PLAN.json RESULT.json
//
// Starts one headless browser (ENGINE: chromium or firefox, Debian's
// /usr/bin/chromium or /usr/bin/firefox-esr, never a downloaded build) with
// a fresh profile, runs the plan's cases in order and writes what the
// browser let the page's script see to RESULT.json. It judges nothing: the
// expectations live in t/browser.t. Exit status 0 when every case ran (even
// if the browser refused calls), non-zero when the browser could not be
// started or driven; RESULT.json then says why.
//
// PLAN.json: {hosts: [names to resolve to 127.0.0.1],
//             cases: [{id, page: URL of page.html, sandbox: bool,
//                      after: {case: id, ms: N},   // optional: wait until N ms
//                                                  // after that case ended
//                      steps: [{name, api, url, method, headers, body,
//                               credentials}]}],
//             insecure_certs: bool,   // optional: accept any TLS certificate
//             ca_file: path}          // optional: trust this CA (PEM)
// A step is run by the page's window.corsCall(step) (or corsCallInSandbox),
// whose answer is the step's result; except api "form" (t/browser_protect.t):
// the driver opens the page in a tab of its own, calls the page's
// window.submitForm(step), which submits a form (a navigation), waits for
// the navigation and reports {navigated, status, url, text} (status: that
// of the navigation's response as the browser got it, null if unknown;
// text: the new document's text, cut to 2000 characters), then closes it.
// insecure_certs (t/browser_protect.t, whose https virtual host has a
// self-signed certificate): puppeteer's acceptInsecureCerts, both engines.
// ca_file (t/browser_http2.t): the suite's test CA is trusted for real, as
// an admin would install a private CA, so that certificate errors play no
// part (Chromium does not cache responses with certificate errors): a
// certificate database (NSS, certutil from libnss3-tools) with that CA is
// made in the profile; Firefox reads it there, Chromium from
// $HOME/.pki/nssdb, HOME being a folder of the profile.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const [engine, planFile, resultFile] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(planFile, 'utf8'));

// Every browser step has a bound, so a hang fails the test instead of
// blocking CI. The whole run has one too, in case something ignores these.
const LAUNCH_TIMEOUT_MS = 30000;
const STEP_TIMEOUT_MS = 15000;
const RUN_TIMEOUT_MS = 120000;

const result = { engine, version: null, error: null, cases: {} };
function save() {
    fs.writeFileSync(resultFile, JSON.stringify(result, null, 1));
}

function withTimeout(promise, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// With plan.ca_file: an NSS certificate database in dir that trusts it
// as a CA for TLS servers.
function trustCa(dir) {
    fs.mkdirSync(dir, { recursive: true });
    const db = `sql:${dir}`;
    execFileSync('certutil', ['-N', '-d', db, '--empty-password'], { stdio: 'pipe' });
    execFileSync('certutil', ['-A', '-d', db, '-n', 'mod_cors test CA', '-t', 'C,,',
                              '-i', plan.ca_file], { stdio: 'pipe' });
}

function launchOptions(profile) {
    if (engine === 'chromium') {
        return {
            executablePath: '/usr/bin/chromium',
            ...(plan.ca_file ? { env: { ...process.env, HOME: path.join(profile, 'home') } } : {}),
            headless: true,
            userDataDir: profile,
            timeout: LAUNCH_TIMEOUT_MS,
            protocolTimeout: STEP_TIMEOUT_MS,
            acceptInsecureCerts: !!plan.insecure_certs,
            args: [
                // The machine notes' flags for Chromium as root on a closed
                // network (puppeteer adds --headless and --user-data-dir).
                '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-quic',
                '--disable-background-networking', '--disable-component-update',
                '--disable-sync',
                // The page and API host names, all on the test server
                // (*.other.test: t/browser_protect.t's other site).
                '--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP *.other.test 127.0.0.1',
                // Plain http to our names, never an upgrade attempt to https.
                '--disable-features=HttpsUpgrades',
            ],
        };
    }
    if (engine === 'firefox') {
        return {
            browser: 'firefox',
            protocol: 'webDriverBiDi',
            executablePath: '/usr/bin/firefox-esr',
            headless: true,
            userDataDir: profile,
            timeout: LAUNCH_TIMEOUT_MS,
            protocolTimeout: STEP_TIMEOUT_MS,
            acceptInsecureCerts: !!plan.insecure_certs,
            extraPrefsFirefox: {
                // The page and API host names, all on 127.0.0.1.
                'network.dns.localDomains': plan.hosts.join(','),
                // Plain http to our names, never an upgrade attempt to https.
                'dom.security.https_first': false,
                'dom.security.https_first_schemeless': false,
                'dom.security.https_only_mode': false,
                'network.proxy.type': 0,
            },
        };
    }
    throw new Error(`unknown engine '${engine}' (chromium or firefox)`);
}

async function run() {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), `mod_cors-${engine}-`));
    let browser;
    try {
        let t0 = Date.now();
        if (plan.ca_file) {
            trustCa(engine === 'chromium'
                ? path.join(profile, 'home', '.pki', 'nssdb') : profile);
        }
        browser = await puppeteer.launch(launchOptions(profile));
        result.version = await withTimeout(browser.version(), STEP_TIMEOUT_MS, 'version');
        result.launchMs = Date.now() - t0;

        // One tab per page origin, loaded once and reused by every case on
        // that origin: the HTTP cache and preflight cache are the browser's,
        // shared by all tabs.
        const pages = new Map();
        async function pageFor(url) {
            if (!pages.has(url)) {
                const page = await withTimeout(browser.newPage(), STEP_TIMEOUT_MS, 'new tab');
                page.setDefaultTimeout(STEP_TIMEOUT_MS);
                await page.goto(url, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
                pages.set(url, page);
            }
            return pages.get(url);
        }

        // A form submission navigates its tab away from the page: a tab of
        // its own, closed afterwards.
        async function formStep(url, step) {
            const tab = await withTimeout(browser.newPage(), STEP_TIMEOUT_MS, 'new tab');
            try {
                tab.setDefaultTimeout(STEP_TIMEOUT_MS);
                await tab.goto(url, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
                const [res] = await Promise.all([
                    tab.waitForNavigation({ waitUntil: 'load', timeout: STEP_TIMEOUT_MS }),
                    tab.evaluate(s => window.submitForm(s), step),
                ]);
                const text = await tab.evaluate(
                    () => (document.body ? document.body.innerText : '').slice(0, 2000));
                return { navigated: true, status: res ? res.status() : null, url: tab.url(), text };
            } finally {
                await withTimeout(tab.close(), STEP_TIMEOUT_MS, 'close tab').catch(() => {});
            }
        }

        const ended = {};
        for (const c of plan.cases) {
            const cr = (result.cases[c.id] = { steps: {}, error: null });
            const caseStart = Date.now();
            try {
                if (c.after) {
                    const wait = ended[c.after.case] + c.after.ms - Date.now();
                    if (wait > 0) await new Promise(r => setTimeout(r, wait));
                    cr.waitedMs = Date.now() - ended[c.after.case];
                }
                const page = c.steps.some(s => s.api !== 'form') ? await pageFor(c.page) : null;
                for (const step of c.steps) {
                    if (step.api === 'form') {
                        cr.steps[step.name] = await withTimeout(
                            formStep(c.page, step), 2 * STEP_TIMEOUT_MS, `${c.id}/${step.name}`);
                        continue;
                    }
                    cr.steps[step.name] = await withTimeout(
                        page.evaluate(
                            (s, sandbox) => (sandbox ? window.corsCallInSandbox(s) : window.corsCall(s)),
                            step, !!c.sandbox),
                        STEP_TIMEOUT_MS, `${c.id}/${step.name}`);
                }
            } catch (e) {
                cr.error = String(e && e.message || e);
            }
            ended[c.id] = Date.now();
            cr.ms = ended[c.id] - caseStart;
            save();
        }
    } finally {
        if (browser) {
            const t0 = Date.now();
            await withTimeout(browser.close(), STEP_TIMEOUT_MS, 'close').catch(() => {});
            result.closeMs = Date.now() - t0;
        }
        fs.rmSync(profile, { recursive: true, force: true });
    }
}

const watchdog = setTimeout(() => {
    result.error = `whole run took more than ${RUN_TIMEOUT_MS} ms`;
    save();
    process.exit(3);
}, RUN_TIMEOUT_MS);

try {
    await run();
    save();
    clearTimeout(watchdog);
} catch (e) {
    result.error = `${engine}: ${e && e.stack || e}`;
    save();
    process.exit(2);
}

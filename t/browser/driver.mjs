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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { STEP_TIMEOUT_MS, withTimeout, launchOptions, main } from './launch.mjs';

const [engine, planFile, resultFile] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(planFile, 'utf8'));

const RUN_TIMEOUT_MS = 120000;

const result = { engine, version: null, error: null, cases: {} };

async function run(save) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), `mod_cors-${engine}-`));
    let browser;
    try {
        let t0 = Date.now();
        browser = await puppeteer.launch(launchOptions(engine, plan, profile));
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

await main(engine, result, resultFile, RUN_TIMEOUT_MS, run);

// t/browser/console_driver.mjs: the browser side of t/browser_console.t.
//
//   node console_driver.mjs ENGINE PLAN.json RESULT.json
//
// Starts one headless browser (ENGINE: chromium or firefox, Debian's
// /usr/bin/chromium or /usr/bin/firefox-esr) with a fresh profile, runs the
// plan's calls and records, besides what each call let the page's script
// see, every message the browser put on its developer console while doing
// so. It judges nothing: t/browser_console.t compares the messages with
// docs/console-messages.md.
//
// Where the messages come from:
//   chromium: puppeteer's page 'console' event, which carries the CDP
//     Log.entryAdded entries (the "Access to fetch at ... has been blocked
//     by CORS policy" errors and the network's "Failed to load resource")
//     as well as console.* calls; and 'pageerror' (uncaught exceptions).
//   firefox: the WebDriver BiDi event log.entryAdded, on the browser's
//     BiDi connection: Firefox reports its "Cross-Origin Request Blocked"
//     console messages there as entries of type "javascript". (Firefox's
//     stdout with devtools.console.stdout.content does not carry them.)
//
// PLAN.json: {hosts: [names to resolve to 127.0.0.1],
//             cases: [{id, page: URL of page.html,
//                      steps: [{name, api, url, method, headers, credentials}]}]}
// RESULT.json: {engine, version, error,
//               cases: {id: {steps: {name: result}, error}},
//               messages: [{channel, level, text, url, case}]}
// A message's `case` is the case that was running when it arrived (it may
// arrive after its call ended: the .t attributes messages by their URL).
// Exit status 0 when every case ran, non-zero when the browser could not
// be started or driven.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { STEP_TIMEOUT_MS, withTimeout, launchOptions, main } from './launch.mjs';

const [engine, planFile, resultFile] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(planFile, 'utf8'));

const RUN_TIMEOUT_MS = 60000;
// Console messages may arrive after the call that caused them has ended:
// at the end, wait until none has come for QUIET_MS (at most SETTLE_MS).
const QUIET_MS = 1000;
const SETTLE_MS = 5000;

const result = { engine, version: null, error: null, cases: {}, messages: [] };

let currentCase = null;
let lastMessageAt = 0;
function record(m) {
    result.messages.push({ ...m, case: currentCase });
    lastMessageAt = Date.now();
}

async function run(save) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), `mod_cors-console-${engine}-`));
    let browser;
    try {
        browser = await puppeteer.launch(launchOptions(engine, plan, profile));
        result.version = await withTimeout(browser.version(), STEP_TIMEOUT_MS, 'version');

        if (engine === 'firefox') {
            browser.connection.on('log.entryAdded', e => record({
                channel: `bidi log.entryAdded ${e.type}`,
                level: e.level,
                text: e.text,
                url: null,
            }));
        }

        const pages = new Map();
        async function pageFor(url) {
            if (!pages.has(url)) {
                const page = await withTimeout(browser.newPage(), STEP_TIMEOUT_MS, 'new tab');
                page.setDefaultTimeout(STEP_TIMEOUT_MS);
                if (engine === 'chromium') {
                    page.on('console', m => record({
                        channel: 'console',
                        level: m.type(),
                        text: m.text(),
                        url: (m.location() || {}).url || null,
                    }));
                    page.on('pageerror', e => record({
                        channel: 'pageerror',
                        level: 'error',
                        text: String(e && e.message || e),
                        url: null,
                    }));
                }
                await page.goto(url, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
                pages.set(url, page);
            }
            return pages.get(url);
        }

        for (const c of plan.cases) {
            const cr = (result.cases[c.id] = { steps: {}, error: null });
            currentCase = c.id;
            try {
                const page = await pageFor(c.page);
                for (const step of c.steps) {
                    cr.steps[step.name] = await withTimeout(
                        page.evaluate(s => window.consoleCall(s), step),
                        STEP_TIMEOUT_MS, `${c.id}/${step.name}`);
                }
            } catch (e) {
                cr.error = String(e && e.message || e);
            }
            save();
        }
        currentCase = null;

        const settleStart = Date.now();
        while (Date.now() - settleStart < SETTLE_MS
               && Date.now() - Math.max(lastMessageAt, settleStart) < QUIET_MS) {
            await new Promise(r => setTimeout(r, 100));
        }
        result.settleMs = Date.now() - settleStart;
    } finally {
        if (browser) {
            await withTimeout(browser.close(), STEP_TIMEOUT_MS, 'close').catch(() => {});
        }
        fs.rmSync(profile, { recursive: true, force: true });
    }
}

await main(engine, result, resultFile, RUN_TIMEOUT_MS, run);

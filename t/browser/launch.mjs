// t/browser/launch.mjs: what the browser drivers (driver.mjs,
// console_driver.mjs) share: how a browser is started, how long any step
// may take, and the run's watchdog and result file.
//
// Every browser step has a bound, so a hang fails the test instead of
// blocking CI. The whole run has one too, in case something ignores these.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const LAUNCH_TIMEOUT_MS = 30000;
export const STEP_TIMEOUT_MS = 15000;

export function withTimeout(promise, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// With plan.ca_file: an NSS certificate database in dir that trusts it
// as a CA for TLS servers.
function trustCa(caFile, dir) {
    fs.mkdirSync(dir, { recursive: true });
    const db = `sql:${dir}`;
    execFileSync('certutil', ['-N', '-d', db, '--empty-password'], { stdio: 'pipe' });
    execFileSync('certutil', ['-A', '-d', db, '-n', 'mod_cors test CA', '-t', 'C,,',
                              '-i', caFile], { stdio: 'pipe' });
}

// puppeteer.launch() options for ENGINE with a fresh profile folder.
// plan: {hosts, insecure_certs, ca_file} (see driver.mjs).
export function launchOptions(engine, plan, profile) {
    if (plan.ca_file) {
        trustCa(plan.ca_file, engine === 'chromium'
            ? path.join(profile, 'home', '.pki', 'nssdb') : profile);
    }
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

// Runs run() under a watchdog of runTimeoutMs, saving result to
// resultFile at the end, on an error (exit 2) and on the watchdog (exit 3).
export async function main(engine, result, resultFile, runTimeoutMs, run) {
    const save = () => fs.writeFileSync(resultFile, JSON.stringify(result, null, 1));
    const watchdog = setTimeout(() => {
        result.error = `whole run took more than ${runTimeoutMs} ms`;
        save();
        process.exit(3);
    }, runTimeoutMs);
    try {
        await run(save);
        save();
        clearTimeout(watchdog);
    } catch (e) {
        result.error = `${engine}: ${e && e.stack || e}`;
        save();
        process.exit(2);
    }
}

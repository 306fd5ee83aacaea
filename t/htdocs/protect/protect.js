// browser_protect area (t/browser_protect.t): what a web page's script does
// against an API guarded by CorsProtect, and what the browser let it see.
// t/browser/driver.mjs calls window.corsCall(step) and, for steps with
// api "form", window.submitForm(step) (then waits for the navigation).
//
// step.api:
//   fetch   fetch(url, {method, headers, body}) in cors mode
//           -> {saw: true, type, status, body} or {saw: false, errorName, error}
//   nocors  the same with mode: "no-cors" -> an opaque response
//           {saw: true, type: "opaque", status: 0} whatever the server said
//   ws      new WebSocket(url), send step.message once open
//           -> {opened, echoed, closeCode, events: [open|message|error|close]}
//   timing  fetch(url) (cors mode, no cache), then its PerformanceResourceTiming
//           -> {saw, status, entry: {requestStart, responseStart, ...} or null}
'use strict';

// Longer than any answer of the test server, shorter than the driver's own
// per-step timeout, so a hang is reported as such.
const CALL_TIMEOUT_MS = 8000;

async function doFetch(step, mode) {
    const init = {
        method: step.method || 'GET',
        mode,
        headers: step.headers || {},
        cache: 'no-store',
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    };
    if (step.body !== undefined && step.body !== null) init.body = step.body;
    let res;
    try {
        res = await fetch(step.url, init);
    } catch (e) {
        return { saw: false, errorName: e.name, error: String(e) };
    }
    return { saw: true, type: res.type, status: res.status, body: await res.text() };
}

function webSocket(step) {
    return new Promise(resolve => {
        const r = { opened: false, echoed: null, closeCode: null, events: [] };
        let ws;
        const done = () => { clearTimeout(timer); resolve(r); };
        const timer = setTimeout(() => {
            r.events.push('timeout');
            try { ws.close(); } catch (e) { /* nothing */ }
            done();
        }, CALL_TIMEOUT_MS);
        try {
            ws = new WebSocket(step.url);
        } catch (e) {
            r.events.push('throw: ' + e.name);
            done();
            return;
        }
        ws.onopen = () => {
            r.opened = true;
            r.events.push('open');
            ws.send(step.message);
        };
        ws.onmessage = e => {
            r.events.push('message');
            r.echoed = String(e.data);
            ws.close(1000, 'done');
        };
        ws.onerror = () => r.events.push('error');
        ws.onclose = e => {
            r.events.push('close');
            r.closeCode = e.code;
            done();
        };
    });
}

// The fields Resource Timing zeroes (or empties) for a cross-origin
// response without a Timing-Allow-Origin that names the page's origin.
const TIMING_FIELDS = [
    'fetchStart', 'domainLookupStart', 'domainLookupEnd', 'connectStart',
    'connectEnd', 'requestStart', 'responseStart', 'responseEnd',
    'transferSize', 'encodedBodySize', 'nextHopProtocol',
];

async function timing(step) {
    const r = await doFetch(step, 'cors');
    if (!r.saw) return r;
    // The entry is queued once the body is read, not always synchronously.
    let entry = null;
    for (let i = 0; i < 100 && !entry; i++) {
        entry = performance.getEntriesByName(step.url, 'resource').pop() || null;
        if (!entry) await new Promise(ok => setTimeout(ok, 20));
    }
    r.entry = entry && Object.fromEntries(TIMING_FIELDS.map(f => [f, entry[f]]));
    return r;
}

window.corsCall = step => {
    switch (step.api) {
        case 'fetch':  return doFetch(step, 'cors');
        case 'nocors': return doFetch(step, 'no-cors');
        case 'ws':     return webSocket(step);
        case 'timing': return timing(step);
    }
    return Promise.resolve({ saw: false, errorName: 'BadStep', error: `unknown api ${step.api}` });
};

// A form submission: a navigation of this tab, no CORS at all. The driver
// waits for the navigation and reports its status and text.
window.submitForm = step => {
    const form = document.createElement('form');
    form.method = step.method || 'POST';
    form.action = step.url;
    for (const [name, value] of Object.entries(step.fields || {})) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.appendChild(input);
    }
    document.body.appendChild(form);
    // After evaluate() has returned, so that the navigation does not
    // destroy the context it runs in.
    setTimeout(() => form.submit(), 0);
    return true;
};

// browser area (t/browser.t): makes one cross-origin call the way a web
// page's script would and reports what the browser let the script see.
// Loaded by page.html (a normal origin) and frame.html (a sandboxed iframe,
// origin "null"). t/browser/driver.mjs calls window.corsCall(step).
//
// step: {api: "fetch"|"xhr", url, method, headers: {name: value}, body,
//        credentials: "omit"|"same-origin"|"include"}
// result: {saw: true, status, body, headers: [readable names, lower case],
//          exposed: value of X-Exposed, hidden: value of X-Hidden}
//      or {saw: false, errorName, error}  (the browser refused the call)
'use strict';

// Longer than any answer of the test server, shorter than the driver's own
// per-step timeout, so a hang is reported as such and not as a refusal.
const CALL_TIMEOUT_MS = 8000;

async function corsFetch(step) {
    const init = {
        method: step.method || 'GET',
        headers: step.headers || {},
        credentials: step.credentials || 'same-origin',
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    };
    if (step.body !== undefined && step.body !== null) init.body = step.body;
    let res;
    try {
        res = await fetch(step.url, init);
    } catch (e) {
        return { saw: false, errorName: e.name, error: String(e) };
    }
    return {
        saw: true,
        type: res.type,
        status: res.status,
        body: await res.text(),
        headers: [...res.headers.keys()].sort(),
        exposed: res.headers.get('x-exposed'),
        hidden: res.headers.get('x-hidden'),
    };
}

function corsXhr(step) {
    return new Promise(resolve => {
        const xhr = new XMLHttpRequest();
        xhr.open(step.method || 'GET', step.url);
        xhr.timeout = CALL_TIMEOUT_MS;
        xhr.withCredentials = step.credentials === 'include';
        for (const [name, value] of Object.entries(step.headers || {})) {
            xhr.setRequestHeader(name, value);
        }
        xhr.onload = () => resolve({
            saw: true,
            status: xhr.status,
            body: xhr.responseText,
            headers: xhr.getAllResponseHeaders().trim().split(/\r?\n/)
                .filter(line => line !== '')
                .map(line => line.slice(0, line.indexOf(':')).trim().toLowerCase())
                .sort(),
            exposed: xhr.getResponseHeader('x-exposed'),
            hidden: xhr.getResponseHeader('x-hidden'),
        });
        // A CORS refusal is a network error: status 0, "error" event.
        xhr.onerror = () => resolve({ saw: false, errorName: 'error', error: 'xhr error event' });
        xhr.ontimeout = () => resolve({ saw: false, errorName: 'TimeoutError', error: 'xhr timeout' });
        xhr.send(step.body === undefined ? null : step.body);
    });
}

window.corsCall = step => (step.api === 'xhr' ? corsXhr(step) : corsFetch(step));

// In the sandboxed frame: take steps from the parent page by postMessage and
// answer the same way. Messages come from the parent only; the frame's
// origin is opaque, so both sides use "*" as target origin.
if (window.parent !== window) {
    window.addEventListener('message', async event => {
        if (event.source !== window.parent) return;
        const { id, step } = event.data;
        const result = await window.corsCall(step);
        window.parent.postMessage({ id, result }, '*');
    });
    window.parent.postMessage({ ready: true }, '*');
}

// In the top page: corsCallInSandbox(step) runs the step in frame.html,
// loaded once into <iframe sandbox="allow-scripts"> (origin "null").
let sandbox = null;
window.corsCallInSandbox = async step => {
    if (!sandbox) {
        sandbox = new Promise((resolve, reject) => {
            const frame = document.createElement('iframe');
            frame.setAttribute('sandbox', 'allow-scripts');
            frame.src = 'frame.html';
            const onReady = event => {
                if (event.source === frame.contentWindow && event.data && event.data.ready) {
                    window.removeEventListener('message', onReady);
                    resolve(frame);
                }
            };
            window.addEventListener('message', onReady);
            setTimeout(() => reject(new Error('sandboxed frame did not load')), CALL_TIMEOUT_MS);
            document.body.appendChild(frame);
        });
    }
    const frame = await sandbox;
    const id = Math.random().toString(36).slice(2);
    return new Promise((resolve, reject) => {
        const onResult = event => {
            if (event.source === frame.contentWindow && event.data && event.data.id === id) {
                window.removeEventListener('message', onResult);
                resolve(event.data.result);
            }
        };
        window.addEventListener('message', onResult);
        setTimeout(() => reject(new Error('no answer from the sandboxed frame')), CALL_TIMEOUT_MS + 2000);
        frame.contentWindow.postMessage({ id, step }, '*');
    });
};

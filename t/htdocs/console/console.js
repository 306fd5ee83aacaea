// browser_console area (t/browser_console.t): one cross-origin call the way
// a page's script makes it, with fetch() or XMLHttpRequest; reports what
// the script saw. What the browser says about it goes to the console, where
// t/browser/console_driver.mjs reads it.
//
// step: {api: "fetch"|"xhr", url, method, headers: {name: value},
//        credentials: "omit"|"same-origin"|"include"}
// result: {saw: true, status}
//      or {saw: false, errorName, error}: fetch(): the error's name and
//         String(error); XMLHttpRequest: "error" and the status (0).
'use strict';

const CALL_TIMEOUT_MS = 8000;

async function consoleFetch(step) {
    try {
        const res = await fetch(step.url, {
            method: step.method || 'GET',
            headers: step.headers || {},
            credentials: step.credentials || 'same-origin',
            signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
        });
        return { saw: true, status: res.status };
    } catch (e) {
        return { saw: false, errorName: e.name, error: String(e) };
    }
}

function consoleXhr(step) {
    return new Promise(resolve => {
        const xhr = new XMLHttpRequest();
        xhr.open(step.method || 'GET', step.url);
        xhr.timeout = CALL_TIMEOUT_MS;
        xhr.withCredentials = step.credentials === 'include';
        for (const [name, value] of Object.entries(step.headers || {})) {
            xhr.setRequestHeader(name, value);
        }
        xhr.onload = () => resolve({ saw: true, status: xhr.status });
        xhr.onerror = () => resolve({
            saw: false, errorName: 'error', error: `error event, status ${xhr.status}`,
        });
        xhr.ontimeout = () => resolve({ saw: false, errorName: 'TimeoutError', error: 'xhr timeout' });
        xhr.send();
    });
}

window.consoleCall = step => (step.api === 'xhr' ? consoleXhr(step) : consoleFetch(step));

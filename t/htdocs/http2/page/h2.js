// http2 area (t/browser_http2.t): one cross-origin fetch() as a page's
// script makes it, and what the browser let the script see, with the
// protocol the browser used (Resource Timing's nextHopProtocol: "h2" or
// "http/1.1"; the API sends Timing-Allow-Origin to allowed origins).
//
// step: {url, method, headers: {name: value}, body, credentials}
// result: {saw: true, status, body, exposed, hidden, protocol,
//          transferSize, page}   (page: the protocol of this page itself)
//      or {saw: false, errorName, error, page}   (the browser refused)
'use strict';

const CALL_TIMEOUT_MS = 8000;

// The newest Resource Timing entry of url, or null.
function entryOf(url) {
    const entries = performance.getEntriesByName(new URL(url, location.href).href, 'resource');
    return entries.length ? entries[entries.length - 1] : null;
}

window.corsCall = async step => {
    const page = performance.getEntriesByType('navigation')[0].nextHopProtocol;
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
        return { saw: false, errorName: e.name, error: String(e), page };
    }
    const body = await res.text();
    // The entry is added when the response ends: wait for it a little.
    let entry = entryOf(step.url);
    for (let i = 0; !entry && i < 20; i++) {
        await new Promise(r => setTimeout(r, 25));
        entry = entryOf(step.url);
    }
    return {
        saw: true,
        status: res.status,
        body,
        exposed: res.headers.get('x-exposed'),
        hidden: res.headers.get('x-hidden'),
        protocol: entry ? entry.nextHopProtocol : null,
        transferSize: entry ? entry.transferSize : null,
        page,
    };
};

// mod_cors demo: call the API on the other port and show what the browser
// allowed. "@API_PORT@" is filled in by demo/run.sh.
'use strict';

const API = location.protocol + '//' + location.hostname + ':@API_PORT@';

// Each call: what it does, what the browser should do, and why.
const calls = [
  {
    name: 'GET /api/public/hello.json',
    expect: 'allowed',
    why: 'public location: Access-Control-Allow-Origin: *',
    run: () => fetch(API + '/api/public/hello.json'),
  },
  {
    name: 'GET /api/public/hello.json with credentials',
    expect: 'blocked',
    why: 'browsers never accept "*" for a call with credentials',
    run: () => fetch(API + '/api/public/hello.json', { credentials: 'include' }),
  },
  {
    name: 'GET /api/hello.json',
    expect: 'allowed',
    why: 'origin listed; X-Demo-Request-Id exposed (CorsExposeHeaders)',
    run: () => fetch(API + '/api/hello.json'),
    show: (res) => 'X-Demo-Request-Id: ' + res.headers.get('X-Demo-Request-Id'),
  },
  {
    name: 'GET /api/whoami.json without credentials',
    expect: 'allowed',
    why: 'no cookie: 403, and the 403 carries CORS headers, so the script reads it',
    run: () => fetch(API + '/api/whoami.json'),
  },
  {
    name: 'GET /api/login.json with credentials',
    expect: 'allowed',
    why: 'sets the demo_session cookie (CorsSupportsCredentials On)',
    run: () => fetch(API + '/api/login.json', { credentials: 'include' }),
  },
  {
    name: 'GET /api/whoami.json with credentials',
    expect: 'allowed',
    why: 'the browser sends the cookie it just got: 200',
    run: () => fetch(API + '/api/whoami.json', { credentials: 'include' }),
  },
  {
    name: 'GET /api/hello.json with header X-Demo-Token',
    expect: 'allowed',
    why: 'preflight; x-demo-token is in CorsAllowHeaders',
    run: () => fetch(API + '/api/hello.json', { headers: { 'X-Demo-Token': 'abc123' } }),
  },
  {
    name: 'PUT /api/item.cgi (JSON body, credentials)',
    expect: 'allowed',
    why: 'preflight for PUT and content-type; the CGI\'s own "*" is replaced',
    run: () => fetch(API + '/api/item.cgi', {
      method: 'PUT',
      credentials: 'include',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'demo item' }),
    }),
  },
  {
    name: 'GET /api/admin.json with Authorization (Basic demo:demo)',
    expect: 'allowed',
    why: 'preflight answered before authentication; Authorization listed by name',
    run: () => fetch(API + '/api/admin.json', {
      headers: { 'Authorization': 'Basic ' + btoa('demo:demo') },
    }),
  },
  {
    name: 'GET /api/hello.json with header X-Not-Allowed',
    expect: 'blocked',
    why: 'preflight refused: x-not-allowed is not in CorsAllowHeaders',
    run: () => fetch(API + '/api/hello.json', { headers: { 'X-Not-Allowed': '1' } }),
  },
  {
    name: 'DELETE /api/item.cgi',
    expect: 'blocked',
    why: 'preflight refused: DELETE is not in CorsMethods',
    run: () => fetch(API + '/api/item.cgi', { method: 'DELETE' }),
  },
];

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

async function runAll() {
  const tbody = document.getElementById('calls');
  const summary = document.getElementById('summary');
  const button = document.getElementById('rerun');
  button.disabled = true;
  summary.textContent = 'Running…';
  tbody.textContent = '';
  let good = 0;

  for (let i = 0; i < calls.length; i++) {
    const c = calls[i];
    const row = document.createElement('tr');
    cell(row, String(i + 1));
    const name = cell(row, c.name);
    const why = document.createElement('div');
    why.className = 'why';
    why.textContent = c.why;
    name.appendChild(why);
    cell(row, c.expect);
    const got = cell(row, 'running…', 'pending');
    const details = cell(row, '');
    const ok = cell(row, '');
    tbody.appendChild(row);

    let outcome, text;
    try {
      const res = await c.run();
      const body = (await res.text()).trim();
      outcome = 'allowed';
      // Error pages are HTML: their status line says enough.
      const summary = c.show ? c.show(res)
        : body.startsWith('<') ? (res.statusText || 'error page') + ' (the script can read it)'
        : body.slice(0, 90);
      text = 'HTTP ' + res.status + ' ' + summary;
    } catch (e) {
      outcome = 'blocked';
      text = e.name + ': ' + e.message;
    }
    got.textContent = outcome;
    got.className = outcome;
    details.textContent = text;
    const match = outcome === c.expect;
    ok.textContent = match ? 'yes' : 'NO';
    ok.className = match ? 'yes' : 'no';
    if (match) good++;
  }
  summary.textContent = good + ' of ' + calls.length +
    ' calls behaved as expected' + (good === calls.length ? '.' : ': see the rows marked NO.');
  summary.dataset.done = 'true';
  button.disabled = false;
}

document.getElementById('page-origin').textContent = location.origin;
document.getElementById('api-origin').textContent = API;
document.getElementById('rerun').addEventListener('click', runAll);
runAll();

-- wrk script for `make soak`: rotates through a table of prebuilt raw
-- requests (allowed and refused origins, preflights, adversarial headers,
-- 401/404/405/500 paths, .htaccess policy, a public '*' endpoint, httpd's
-- own 400) and checks EVERY response: its status and its exact set of
-- Access-Control-* headers for that kind of request, and Vary: Origin
-- where the answer depends on the Origin. The kind comes back in the
-- X-Kind header (soak/httpd.conf.in); a 400 from httpd's parser has none.
-- Limitation: wrk gives one value per header name, so two lines of the
-- same header show as one (t/ checks duplicates).

local APP = "https://app.example.com"
local PRE = { ["access-control-allow-origin"] = APP,
              ["access-control-allow-credentials"] = "true",
              ["access-control-allow-methods"] = "GET, POST, PUT, DELETE",
              ["access-control-allow-headers"] = "content-type, x-requested-with",
              ["access-control-max-age"] = "600" }

local function cred(origin)
   return { ["access-control-allow-origin"] = origin,
            ["access-control-allow-credentials"] = "true",
            ["access-control-expose-headers"] = "X-Total" }
end

local function copy(t, changes)
   local c = {}
   for k, v in pairs(t) do c[k] = v end
   for k, v in pairs(changes or {}) do c[k] = v or nil end
   return c
end

local function rep(s, n, sep)
   local t = {}
   for i = 1, n do t[i] = s end
   return table.concat(t, sep)
end

local long_acrh = rep("Content-Type,X-Requested-With", 100, ",")
local long_acah = rep("content-type, x-requested-with", 100, ", ")
local pre_long = copy(PRE, { ["access-control-allow-headers"] = long_acah })
local pre_empty = copy(PRE)
pre_empty["access-control-allow-headers"] = nil

-- name, method, path, header lines, weight, status, CORS headers, Vary: Origin
kinds = {
   { "get_ok",       "GET", "/api/data.txt", { "Origin: " .. APP }, 8, 200, cred(APP), true },
   { "get_evil",     "GET", "/api/data.txt", { "Origin: https://evil.example" }, 3, 200, {}, true },
   { "get_sub",      "GET", "/api/data.txt", { "Origin: https://a.b.example.org" }, 2, 200,
     cred("https://a.b.example.org"), true },
   { "get_regex",    "GET", "/api/data.txt", { "Origin: https://pr-42.preview.example.net" }, 2, 200,
     cred("https://pr-42.preview.example.net"), true },
   { "get_noorigin", "GET", "/api/data.txt", {}, 2, 200, {}, true },
   { "post_ok",      "POST", "/api/data.txt", { "Origin: " .. APP, "Content-Type: text/plain",
                                                "Content-Length: 11" }, 1, 200, cred(APP), true,
     "hello world" },
   { "pre_ok",       "OPTIONS", "/api/data.txt", { "Origin: " .. APP,
       "Access-Control-Request-Method: PUT",
       "Access-Control-Request-Headers: Content-Type, X-Requested-With" }, 6, 204, PRE, true },
   { "pre_evil",     "OPTIONS", "/api/data.txt", { "Origin: https://app.example.com.evil.net",
       "Access-Control-Request-Method: PUT" }, 2, 204, {}, true },
   { "pre_badhdr",   "OPTIONS", "/api/data.txt", { "Origin: " .. APP,
       "Access-Control-Request-Method: PUT",
       "Access-Control-Request-Headers: content-type, x-evil" }, 2, 204, {}, true },
   { "pre_badmeth",  "OPTIONS", "/api/data.txt", { "Origin: " .. APP,
       "Access-Control-Request-Method: PATCH" }, 1, 204, {}, true },
   { "pre_long",     "OPTIONS", "/api/data.txt", { "Origin: " .. APP,
       "Access-Control-Request-Method: PUT",
       "Access-Control-Request-Headers: " .. long_acrh }, 1, 204, pre_long, true },
   { "pre_commas",   "OPTIONS", "/api/data.txt", { "Origin: " .. APP,
       "Access-Control-Request-Method: PUT",
       "Access-Control-Request-Headers: " .. string.rep(",", 6000) }, 1, 204, pre_empty, true },
   { "pre_8k_evil",  "OPTIONS", "/api/data.txt", { "Origin: https://evil.example",
       "Access-Control-Request-Method: PUT",
       "Access-Control-Request-Headers: " .. string.rep("x-a,", 2000) }, 1, 204, {}, true },
   -- 64 KiB reaches mod_cors (LimitRequestFieldSize 70000), which refuses
   -- lists over 8192 bytes whatever the origin.
   { "pre_64k",      "OPTIONS", "/api/data.txt", { "Origin: " .. APP,
       "Access-Control-Request-Method: PUT",
       "Access-Control-Request-Headers: " .. rep("content-type", 5041, ",") }, 1, 204, {}, true },
   { "notfound",     "GET", "/api/missing.txt", { "Origin: " .. APP }, 2, 404, cred(APP), true },
   { "unauth",       "GET", "/api/private/data.txt", { "Origin: " .. APP }, 2, 401, cred(APP), true },
   { "pre_private",  "OPTIONS", "/api/private/data.txt", { "Origin: " .. APP,
       "Access-Control-Request-Method: DELETE",
       "Access-Control-Request-Headers: x-requested-with" }, 2,
     204, copy(PRE, { ["access-control-allow-headers"] = "x-requested-with" }), true },
   { "boom",         "GET", "/api/boom", { "Origin: " .. APP }, 2, 500, cred(APP), true },
   { "pub",          "GET", "/pub/data.txt", { "Origin: https://evil.example" }, 2, 200,
     { ["access-control-allow-origin"] = "*" }, false },
   { "ht_ok",        "GET", "/ht/data.txt", { "Origin: https://ht.example.com" }, 3, 200,
     { ["access-control-allow-origin"] = "https://ht.example.com",
       ["access-control-expose-headers"] = "X-Ht" }, true },
   { "ht_evil",      "GET", "/ht/data.txt", { "Origin: https://ht.example.com.evil.net" }, 2, 200, {}, true },
   { "dup_origin",   "GET", "/api/data.txt", { "Origin: " .. APP, "Origin: https://evil.example" },
     1, 200, {}, true },
   { "comma_origin", "GET", "/api/data.txt", { "Origin: " .. APP .. ", https://evil.example" },
     1, 200, {}, true },
   { "userinfo",     "GET", "/api/data.txt", { "Origin: https://app.example.com@evil.example" },
     1, 200, {}, true },
   { "postdomain",   "GET", "/api/data.txt", { "Origin: https://app.example.com.evil.example" },
     1, 200, {}, true },
   { "predomain",    "GET", "/api/data.txt", { "Origin: https://evilexample.org" }, 1, 200, {}, true },
   { "long_origin",  "GET", "/api/data.txt", { "Origin: https://" .. string.rep("a.", 2500) .. "example.org" },
     1, 200, {}, true },
   -- httpd's parser answers 400 (control byte, Strict) before any module:
   -- no X-Kind, no CORS headers, no Vary.
   { "badreq",       "GET", "/api/data.txt", { "Origin: " .. APP .. "\1" }, 1, 400, {}, false },
}

local bykind = {}
for _, k in ipairs(kinds) do bykind[k[1]] = k end

local threads = {}
function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

function init(args)
   local host = wrk.headers["Host"] or (wrk.host .. ":" .. wrk.port)
   reqs = {}
   for _, k in ipairs(kinds) do
      local lines = { k[2] .. " " .. k[3] .. "?k=" .. k[1] .. " HTTP/1.1", "Host: " .. host }
      for _, h in ipairs(k[4]) do lines[#lines + 1] = h end
      local raw = table.concat(lines, "\r\n") .. "\r\n\r\n" .. (k[9] or "")
      for i = 1, k[5] do reqs[#reqs + 1] = raw end
   end
   -- Each thread starts at another point of the rotation.
   idx = ((id or 1) * 7) % #reqs
   counts, bad_status, bad_headers, bad_kind, responses = {}, 0, 0, 0, 0
   samples = ""
end

function request()
   idx = idx % #reqs + 1
   return reqs[idx]
end

local seen = {}
local function note(msg)
   if not seen[msg] and #samples < 2000 then
      seen[msg] = true
      samples = samples .. msg .. "\n"
   end
end

function response(status, headers, body)
   responses = responses + 1
   local kind, cors, vary = nil, {}, ""
   for name, value in pairs(headers) do
      local n = string.lower(name)
      if n == "x-kind" then kind = string.match(value, "^k=(.*)$")
      elseif string.sub(n, 1, 15) == "access-control-" then cors[n] = value
      elseif n == "vary" then vary = value end
   end
   local k = bykind[kind or "badreq"]
   if not k or (kind == nil and status ~= 400) then
      bad_kind = bad_kind + 1
      note("unknown kind " .. tostring(kind) .. " status " .. status)
      return
   end
   counts[k[1]] = (counts[k[1]] or 0) + 1
   if status ~= k[6] then
      bad_status = bad_status + 1
      note(k[1] .. ": status " .. status .. ", expected " .. k[6])
   end
   local ok = true
   for n, v in pairs(cors) do
      if k[7][n] ~= v then ok = false end
   end
   for n, v in pairs(k[7]) do
      if cors[n] ~= v then ok = false end
   end
   local has_vary = string.find(string.lower(vary), "origin", 1, true) ~= nil
   if has_vary ~= k[8] then ok = false end
   if not ok then
      bad_headers = bad_headers + 1
      local got = {}
      for n, v in pairs(cors) do got[#got + 1] = n .. "=" .. string.sub(v, 1, 60) end
      note(k[1] .. ": CORS headers {" .. table.concat(got, " ") .. "} vary '" .. vary .. "'")
   end
end

function done(summary, latency, requests)
   local total = { responses = 0, bad_status = 0, bad_headers = 0, bad_kind = 0 }
   local per = {}
   local all_samples = ""
   for _, t in ipairs(threads) do
      for _, f in ipairs({ "responses", "bad_status", "bad_headers", "bad_kind" }) do
         total[f] = total[f] + (t:get(f) or 0)
      end
      for name, n in pairs(t:get("counts") or {}) do per[name] = (per[name] or 0) + n end
      all_samples = all_samples .. (t:get("samples") or "")
   end
   local e = summary.errors
   io.write(string.format("SOAK responses=%d bad_status=%d bad_headers=%d bad_kind=%d " ..
                          "requests=%d connect_errors=%d read_errors=%d write_errors=%d " ..
                          "timeouts=%d duration_us=%d\n",
                          total.responses, total.bad_status, total.bad_headers, total.bad_kind,
                          summary.requests, e.connect, e.read, e.write, e.timeout,
                          summary.duration))
   for _, k in ipairs(kinds) do
      io.write(string.format("SOAK_KIND %s %d\n", k[1], per[k[1]] or 0))
   end
   if all_samples ~= "" then io.write("SOAK_FAILURES\n" .. all_samples) end
end

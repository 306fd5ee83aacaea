/* Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/*
 * cors_engine.c: what runs per request: recording the requested URL's
 * section, reading the CORS request headers, answering preflights,
 * the output filter that writes the answer, the notes, report-only.
 */

#include "cors_private.h"

/* apr_table_do callback: count the lines of a header, keep the first,
 * join them all with ", " as the browser does. */
typedef struct {
    apr_pool_t *p;
    int lines;
    const char *first;
    const char *joined;
} cors_collect;

static int cors_collect_line(void *rec, const char *key, const char *value)
{
    cors_collect *c = rec;

    (void)key;
    if (!c->lines++) {
        c->first = c->joined = value;
    }
    else {
        c->joined = apr_pstrcat(c->p, c->joined, ", ", value, NULL);
    }
    return 1;
}

static const char *cors_collect_header(request_rec *r, const char *name,
                                       int *lines, int join)
{
    cors_collect c = { r->pool, 0, NULL, NULL };

    apr_table_do(cors_collect_line, &c, r->headers_out, name, NULL);
    apr_table_do(cors_collect_line, &c, r->err_headers_out, name, NULL);
    if (lines) {
        *lines = c.lines;
    }
    return join ? c.joined : c.first;
}

/*
 * Cors ReportOnly, once the response's headers are known: compare the
 * browser's verdict on them with its verdict on what Cors On would send,
 * and say so in the note "cors-report", the counters and the debug log.
 * The server cannot see whether the script asked for credentials: a
 * request with Cookie or Authorization is judged as credentialed.
 */
static void cors_report(request_rec *r, const cors_dir_conf *conf,
                        const cors_request *req, const cors_verdict *v)
{
    const cors_srv_conf *sc = ap_get_module_config(r->server->module_config,
                                                   &cors_module);
    int cred = apr_table_get(r->headers_in, "Cookie")
               || apr_table_get(r->headers_in, "Authorization");
    cors_answer theirs, ours;
    const char *their_why, *our_why;

    if (!req->origin) {
        apr_table_setn(r->notes, "cors-report", "same");
        return;
    }
    theirs.status = r->status;
    theirs.acao = cors_collect_header(r, CORS_ACAO, &theirs.acao_lines, 0);
    theirs.acac = cors_collect_header(r, CORS_ACAC, NULL, 0);
    theirs.acam = cors_collect_header(r, CORS_ACAM, NULL, 1);
    theirs.acah = cors_collect_header(r, CORS_ACAH, NULL, 1);
    theirs.acapn = cors_collect_header(r, CORS_ACAPN, NULL, 0);
    /* Cors On answers a preflight itself only with CorsAutomaticOptions
     * On; Off, the handler (or a 401 of authentication) answers it there
     * too, with the status this response has. */
    ours.status = v->preflight && CORS_FLAG(conf->automatic_options, 1)
                  ? (conf->preflight_status ? conf->preflight_status
                                            : HTTP_NO_CONTENT)
                  : r->status;
    ours.acao_lines = v->allow_origin != NULL;
    ours.acao = v->allow_origin;
    ours.acac = v->credentials ? "true" : NULL;
    ours.acam = v->allow_methods;
    ours.acah = v->allow_headers;
    ours.acapn = v->private_network ? "true" : NULL;
    /* CorsPreserveBackendHeaders On: where the response already has an
     * Access-Control-Allow-Origin, Cors On would send it as it is (see
     * cors_apply()), unless it answers the preflight itself. */
    if (theirs.acao_lines && CORS_FLAG(conf->preserve, 0)
        && (!v->preflight || !CORS_FLAG(conf->automatic_options, 1))) {
        ours = theirs;
    }
    their_why = cors_policy_browser_refuses(req, cred, v->preflight, &theirs);
    our_why = cors_policy_browser_refuses(req, cred, v->preflight, &ours);
    if (!their_why == !our_why) {
        apr_table_setn(r->notes, "cors-report", "same");
        return;
    }
    apr_table_setn(r->notes, "cors-report", "differs");
    if (sc->slot) {
        __atomic_fetch_add(&sc->slot->report_differs, 1, __ATOMIC_RELAXED);
    }
    if (APLOG_R_IS_LEVEL(r, APLOG_DEBUG)) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "report-only: for "
                      "origin %s (%s), this response %s%s%s; Cors On would "
                      "%s%s%s (%s)",
                      ap_escape_logitem(r->pool, req->origin),
                      cred ? "judged credentialed: the request has Cookie "
                             "or Authorization"
                           : "judged without credentials",
                      their_why ? "fails the browser's check: " : "lets it ",
                      their_why ? their_why : "",
                      their_why ? "" : (v->preflight ? "send the request"
                                                     : "read it"),
                      our_why ? "not: " : "",
                      our_why ? our_why : "",
                      our_why ? "" : (v->preflight ? "let it send the request"
                                                   : "let it read it"),
                      cors_decision_names[v->decision]);
    }
}


/* -------------------------------------------------------------------- */
/* Hooks and filter: gather the request, apply the verdict               */

ap_filter_rec_t *cors_engine_filter_handle;


static const cors_req_state *cors_state(const request_rec *r)
{
    return ap_get_module_config(r->request_config, &cors_module);
}

/* The request's record, made (zeroed, for conf) where none is yet: a
 * request outside every Cors section has none until a hook needs one. */
static cors_req_state *cors_state_make(request_rec *r,
                                       const cors_dir_conf *conf)
{
    cors_req_state *st = ap_get_module_config(r->request_config,
                                              &cors_module);

    if (!st) {
        st = apr_pcalloc(r->pool, sizeof(*st));
        st->conf = conf;
        ap_set_module_config(r->request_config, &cors_module, st);
    }
    return st;
}

/*
 * The config that decides a response, and the request headers it was
 * judged on.  After an internal redirect (an ErrorDocument, a rewrite, a
 * handler's local Location) the URL the browser asked for decides, since
 * that is what the browser checks; only where CORS is not configured
 * there at all does the target's section.  So: the oldest request in the
 * redirect chain whose section says Cors On or Off, each request as
 * recorded before any fast redirect replaced its per_dir_config.
 * *req is NULL where nothing was recorded (the caller reads headers_in).
 */
static const cors_dir_conf *cors_response_conf(request_rec *r,
                                               const cors_request **req)
{
    const cors_dir_conf *found = NULL;

    *req = NULL;
    for (; r; r = r->prev) {
        const cors_req_state *st = cors_state(r);
        const cors_dir_conf *conf = st ? st->conf
            : ap_get_module_config(r->per_dir_config, &cors_module);

        if (conf && conf->enabled != CORS_UNSET) {
            found = conf;
            *req = st ? &st->req : NULL;
        }
    }
    return (found && found->enabled) ? found : NULL;
}

/* Does a header name start like Access-Control-, case-insensitively?
 * Five bytes tell it from Accept, Accept-Ranges and the like; each byte
 * is tested only if the ones before matched, so the NUL of a shorter
 * name ends the test. */
static APR_INLINE int cors_acce_s(const char *k)
{
    return (k[0] | 0x20) == 'a' && (k[1] | 0x20) == 'c'
           && (k[2] | 0x20) == 'c' && (k[3] | 0x20) == 'e'
           && (k[4] | 0x20) == 's';
}

/* Did the client send OPTIONS?  An internal redirect made by a CGI
 * script's local Location or by an ErrorDocument runs as a GET (mod_cgi
 * and ap_die() rewrite r->method, of the original request too), but
 * whether the browser sent a preflight decides the answer it needs: the
 * request line, which every request of the chain shares, still says. */
static int cors_client_sent_options(const request_rec *r)
{
    if (!r->prev) {
        return r->method_number == M_OPTIONS;
    }
    return r->the_request && !strncmp(r->the_request, "OPTIONS ", 8);
}

/* Is a header name "Origin", in any case?  Each byte is tested only if
 * the ones before matched, so a shorter name's NUL ends the test; '|'
 * 0x20 maps only the two cases of a letter onto its lower case. */
static APR_INLINE int cors_is_origin(const char *k)
{
    return (k[0] | 0x20) == 'o' && (k[1] | 0x20) == 'r'
           && (k[2] | 0x20) == 'i' && (k[3] | 0x20) == 'g'
           && (k[4] | 0x20) == 'i' && (k[5] | 0x20) == 'n' && !k[6];
}

/* The request headers mod_cors reads, in one pass over headers_in
 * instead of an apr_table_get() each (which costs more than the pass):
 * names are told apart by their first bytes before any string
 * comparison (Accept-* and Access-Control-* part at the fourth), and
 * only an OPTIONS request looks for the Access-Control-Request-* of a
 * preflight.  httpd has merged repeated request lines; where a module
 * added one more, the first one wins, as with apr_table_get(). */
static void cors_gather(request_rec *r, cors_request *req)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    const apr_table_entry_t *last = e + arr->nelts;
    int options = cors_client_sent_options(r);

    req->method = options ? "OPTIONS" : r->method;
    req->origin = req->acrm = req->acrh = req->acrpn = NULL;
    req->body = 0;
    for (; e < last; e++) {
        const char *k = e->key;

        if (!k || !e->val) {
            continue;
        }
        if (cors_is_origin(k)) {
            if (!req->origin) {
                req->origin = e->val;
                if (!options) {
                    return;
                }
            }
        }
        else if (!options) {
            continue;
        }
        else if ((*k == 'A' || *k == 'a') && cors_acce_s(k)
                 && !strncasecmp(k, "Access-Control-Request-", 23)) {
            k += 23;
            if (!strcasecmp(k, "Method")) {
                req->acrm = req->acrm ? req->acrm : e->val;
            }
            else if (!strcasecmp(k, "Headers")) {
                req->acrh = req->acrh ? req->acrh : e->val;
            }
            else if (!strcasecmp(k, "Private-Network")) {
                req->acrpn = req->acrpn ? req->acrpn : e->val;
            }
        }
        /* A body announced: the preflight answer reads it first. */
        else if (((*k | 0x20) == 'c' && !strcasecmp(k, "Content-Length"))
                 || ((*k | 0x20) == 't'
                     && !strcasecmp(k, "Transfer-Encoding"))) {
            req->body = 1;
        }
    }
}

/* A preflight this module answers itself (CorsAutomaticOptions On)?  The
 * section that decides is the one that decides the response: the
 * requested URL's, through any internal redirect (a Cors Off there is
 * never overruled by the target's Cors On).  Returns it, and the headers
 * to judge in *req. */
static APR_INLINE const cors_dir_conf *cors_own_preflight(
    request_rec *r, const cors_request **req)
{
    const cors_dir_conf *conf;

    if (r->main || r->method_number != M_OPTIONS || cors_stats_is_metrics(r)
        || !(conf = cors_response_conf(r, req)) || conf->enabled != 1
        || !CORS_FLAG(conf->automatic_options, 1)
        || !*req || !(*req)->origin || !(*req)->acrm) {
        return NULL;
    }
    return conf;
}

static void cors_log_verdict(request_rec *r, const cors_dir_conf *conf,
                             const cors_request *req, const cors_verdict *v)
{
    const char *what = v->preflight ? "preflight" : "request";
    const char *origin;

    /* Nothing to do for most requests: escape only what gets logged. */
    if (!v->misconfigured && !APLOG_R_IS_LEVEL(r, APLOG_DEBUG)) {
        return;
    }
    origin = req->origin ? ap_escape_logitem(r->pool, req->origin)
                         : "(none)";
    if (v->misconfigured) {
        /* Loud for CORS requests, quiet for the rest of the traffic. */
        ap_log_rerror(APLOG_MARK, req->origin ? APLOG_ERR : APLOG_DEBUG, 0,
                      r, "CORS disabled for %s "
                      "(Cors On in %s): CorsSupportsCredentials On (%s) with "
                      "an origin policy that allows any origin or null (%s, "
                      "in %s); list the allowed origins in CorsOrigins",
                      ap_escape_logitem(r->pool, r->uri),
                      conf->location ? conf->location : "server config",
                      conf->credentials_where ? conf->credentials_where
                                              : "inherited",
                      cors_policy_open_entry(cors_policy_origins(conf)),
                      cors_policy_origins(conf)->where);
        return;
    }
    if (!APLOG_R_IS_LEVEL(r, APLOG_DEBUG)) {
        return;
    }
    if (v->allow_origin) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "%s from origin %s "
                      "allowed by '%s' in %s", what, origin,
                      v->matched ? v->matched : "*", v->where);
        /* The values come from the config, or were checked to be tokens,
         * except the echoed origin. */
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, "answer: origin %s, "
                      "credentials %s, methods '%s', headers '%s', "
                      "expose '%s', max-age %s, private network %s",
                      strcmp(v->allow_origin, "*") ? origin : "*",
                      v->credentials ? "true" : "-",
                      v->allow_methods ? v->allow_methods : "",
                      v->allow_headers ? v->allow_headers : "",
                      v->expose ? v->expose : "",
                      v->max_age ? v->max_age : "-",
                      v->private_network ? "true" : "-");
    }
    else {
        /* The offending value, cut short: it may be 8 KiB of junk. */
        const char *culprit = v->culprit
            ? ap_escape_logitem(r->pool, apr_pstrmemdup(
                  r->pool, v->culprit,
                  v->culprit_len > 256 ? 256 : v->culprit_len))
            : NULL;

        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "%s from origin %s "
                      "refused in %s: %s%s%s%s", what, origin, v->where,
                      v->reason ? v->reason : "not allowed",
                      culprit ? " ('" : "", culprit ? culprit : "",
                      culprit ? "')" : "");
    }
}

/* apr_table_do callback: does this Vary line already cover Origin?  Any
 * byte that ends a token moves the scan on, so it always terminates. */
static int cors_vary_lacks_origin(void *rec, const char *key,
                                  const char *value)
{
    const char *s = value;

    (void)rec;
    (void)key;
    while (*s) {
        const char *tok;

        while (*s == ',' || *s == ' ' || *s == '\t') {
            s++;
        }
        for (tok = s; *s && *s != ',' && *s != ' ' && *s != '\t'; s++) {
            /* scan the token */
        }
        if ((s - tok == 6 && !strncasecmp(tok, "Origin", 6))
            || (s - tok == 1 && *tok == '*')) {
            return 0;
        }
    }
    return 1;
}

/* Merge the token "Origin" into Vary unless one is there already. */
static void cors_merge_vary(request_rec *r)
{
    if (apr_table_do(cors_vary_lacks_origin, NULL, r->headers_out, "Vary",
                     NULL)
        && apr_table_do(cors_vary_lacks_origin, NULL, r->err_headers_out,
                        "Vary", NULL)) {
        apr_table_mergen(r->headers_out, "Vary", "Origin");
    }
}

/* Set a CORS header in headers_out, or drop it, and drop any copy in
 * err_headers_out: exactly one line, whoever set it before.  Inline:
 * cors_apply() calls it seven times a response, mostly with nothing to
 * add. */
static APR_INLINE void cors_put(request_rec *r, int clean, const char *name,
                                const char *value)
{
    /* Neither table has an Access-Control-* line (the usual response):
     * add, without the searches that setting or removing implies. */
    if (clean) {
        if (value) {
            apr_table_addn(r->headers_out, name, value);
        }
        return;
    }
    apr_table_unset(r->err_headers_out, name);
    if (value) {
        apr_table_setn(r->headers_out, name, value);
    }
    else {
        apr_table_unset(r->headers_out, name);
    }
}

/* What a response's header table holds that cors_apply() cares about. */
#define CORS_HAS_VARY 1        /* a Vary line */
#define CORS_HAS_AC   2        /* an Access-Control-* line */

static int cors_scan_out(const apr_table_t *t)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    const apr_table_entry_t *last = e + arr->nelts;
    int found = 0;

    for (; e < last; e++) {
        const char *k = e->key;

        if (!k) {
            continue;
        }
        if ((*k == 'V' || *k == 'v') && !strcasecmp(k, "Vary")) {
            found |= CORS_HAS_VARY;
        }
        else if ((*k == 'A' || *k == 'a') && cors_acce_s(k)
                 && !strncasecmp(k, "Access-Control-", 15)) {
            found |= CORS_HAS_AC;
        }
    }
    return found;
}

/* A request value for the CORS-Decision header: the first 40 bytes, any
 * byte that is not a token character shown as '?'. */
static const char *cors_debug_value(apr_pool_t *p, const char *s,
                                    apr_size_t len)
{
    char *out;
    apr_size_t i;

    if (len > 40) {
        len = 40;
    }
    out = apr_pstrmemdup(p, s, len);
    for (i = 0; i < len; i++) {
        if (!cors_policy_tchar((unsigned char)out[i])) {
            out[i] = '?';
        }
    }
    return out;
}

/* CorsDebugHeader On: "CORS-Decision: refused-headers (header x-foo)".
 * Only the decision and the request value that was refused, never a
 * path, a section or a regex of the configuration. */
static void cors_debug_header(request_rec *r, const cors_verdict *v)
{
    const char *value = cors_decision_names[v->decision];

    if (v->culprit && (v->decision == CORS_D_REFUSED_METHOD
                       || v->decision == CORS_D_REFUSED_HEADERS)) {
        value = apr_pstrcat(r->pool, value,
                            v->decision == CORS_D_REFUSED_METHOD
                            ? " (method " : " (header ",
                            cors_debug_value(r->pool, v->culprit,
                                             v->culprit_len), ")", NULL);
    }
    else if (v->decision == CORS_D_MALFORMED) {
        value = v->reason && !strncmp(v->reason, "Access-Control", 14)
                ? "malformed (Access-Control-Request-Headers)"
                : "malformed (Origin)";
    }
    else if (v->misconfigured) {
        value = "refused-origin (CORS disabled by a configuration error)";
    }
    apr_table_unset(r->err_headers_out, CORS_DEBUG_HEADER);
    apr_table_setn(r->headers_out, CORS_DEBUG_HEADER, value);
}

static void cors_apply(request_rec *r, const cors_dir_conf *conf,
                       const cors_verdict *v)
{
    int granted = v->allow_origin != NULL;
    int found = cors_scan_out(r->headers_out)
                | cors_scan_out(r->err_headers_out);
    int clean = !(found & CORS_HAS_AC);
    int debug = CORS_FLAG(conf->debug_header, 0);

    if (debug) {
        cors_debug_header(r, v);
    }
    /* The debug header differs with and without Origin even where the
     * answer does not (static "*"). */
    if (v->vary || (debug && CORS_FLAG(conf->vary, 1))) {
        if (found & CORS_HAS_VARY) {
            cors_merge_vary(r);
        }
        else {
            apr_table_addn(r->headers_out, "Vary", "Origin");
        }
    }
    if (!clean && CORS_FLAG(conf->preserve, 0)
        && (apr_table_get(r->headers_out, CORS_ACAO)
            || apr_table_get(r->err_headers_out, CORS_ACAO))) {
        return;
    }
    cors_put(r, clean, CORS_ACAO, v->allow_origin);
    cors_put(r, clean, CORS_ACAC, granted && v->credentials ? "true" : NULL);
    cors_put(r, clean, CORS_ACEH, granted ? v->expose : NULL);
    cors_put(r, clean, CORS_ACAM, granted ? v->allow_methods : NULL);
    cors_put(r, clean, CORS_ACAH, granted ? v->allow_headers : NULL);
    cors_put(r, clean, CORS_ACMA, granted ? v->max_age : NULL);
    cors_put(r, clean, CORS_ACAPN,
             granted && v->private_network ? "true" : NULL);
    /* CorsTimingAllowOrigin: Resource Timing's details for the origin
     * that may read the response, on actual responses only; like
     * Access-Control-Allow-Origin, whoever set one before. */
    if (CORS_FLAG(conf->timing, 0) == 1) {
        apr_table_unset(r->err_headers_out, CORS_TAO);
        if (granted && !v->preflight) {
            apr_table_setn(r->headers_out, CORS_TAO, v->allow_origin);
        }
        else {
            apr_table_unset(r->headers_out, CORS_TAO);
        }
    }
}

/* The notes of a decision, on the request whose response it decided. */
static void cors_note(request_rec *r, cors_decision d, const char *origin)
{
    /* Added, not set: nothing else writes these notes, and a request
     * gets them once (a search of the table costs more than the rest of
     * the accounting). */
    apr_table_addn(r->notes, "cors", cors_decision_names[d]);
    if (origin) {
        apr_size_t n = strlen(origin);

        apr_table_addn(r->notes, "cors-origin", n <= CORS_MAX_NOTE_ORIGIN
                       ? origin
                       : apr_pstrmemdup(r->pool, origin,
                                        CORS_MAX_NOTE_ORIGIN));
    }
}

/*
 * The decision of a client request, once: the note "cors" (and
 * "cors-origin", the Origin judged, cut short) on the request whose
 * response it decided, the last of an internal redirect chain, which is
 * the one mod_log_config's %{cors}n reads; and one count for its
 * virtual host.  Where an earlier request of the chain decided already
 * (CorsProtect refused it, then an ErrorDocument ran), the last request
 * gets that decision's notes and nothing is counted again.  A filter
 * added twice (our hook and SetOutputFilter CORS) decides twice but
 * counts once.  Returns the decision that stands for the response, so
 * that CORS-Decision says what the note says.
 */
static cors_decision cors_account(request_rec *r, const cors_dir_conf *conf,
                                  cors_decision d, const char *origin)
{
    cors_req_state *st = cors_state_make(r, conf);
    const request_rec *first;

    if (st->accounted) {
        return st->decision;
    }
    st->accounted = 1;
    for (first = r->prev; first; first = first->prev) {
        const cors_req_state *fst = cors_state(first);

        if (fst && fst->accounted) {
            st->decision = fst->decision;
            st->origin = fst->origin;
            cors_note(r, fst->decision, fst->origin);
            return fst->decision;
        }
    }
    st->decision = d;
    st->origin = origin;
    cors_note(r, d, origin);
    cors_stats_count(r, d);
    return d;
}

/* A WebSocket handshake: a GET whose Upgrade lists "websocket".  httpd
 * gives HEAD the method number of GET too (with header_only set): a HEAD
 * is no handshake, and passes as GET does. */
static int cors_is_websocket(request_rec *r)
{
    const char *up;

    return r->method_number == M_GET && !r->header_only
           && (up = apr_table_get(r->headers_in, "Upgrade")) != NULL
           && ap_find_token(r->pool, up, "websocket");
}

/*
 * header_parser: CorsProtect.  This phase knows the per-directory
 * configuration and comes before every access, authentication and
 * authorization hook, so a refused write never reaches them, nor the
 * handler, a CGI or PHP script or a proxied backend.  Only the request
 * the client sent is judged (header_parser never runs for subrequests;
 * internal redirects are skipped).  A GET that is not a WebSocket
 * handshake, the bulk of the traffic, costs one table lookup.
 */
int cors_engine_protect(request_rec *r)
{
    const cors_req_state *st;
    cors_write_request w;
    const char *why = NULL;
    int d;

    if (!(st = cors_state(r)) || st->conf->protect != 1 || r->prev
        || !st->conf->enabled) {
        return DECLINED;
    }
    w.websocket = cors_is_websocket(r);
    if (!w.websocket && r->method_number == M_GET) {
        return DECLINED;
    }
    w.method = r->method;
    w.origin = st->req.origin;
    w.fetch_site = apr_table_get(r->headers_in, "Sec-Fetch-Site");
    w.host = apr_table_get(r->headers_in, "Host");
    d = cors_policy_protect(r->pool, st->conf, &w, &why);
    if (!d) {
        return DECLINED;
    }
    if (APLOG_R_IS_LEVEL(r, APLOG_DEBUG)) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "CorsProtect%s: %s "
                      "%s from origin %s (Sec-Fetch-Site %s, Host %s) "
                      "refused: %s (origin policy in %s)",
                      st->conf->enabled == CORS_REPORT_ONLY
                      ? " (report only, let through)" : "",
                      w.websocket ? "WebSocket handshake"
                                  : ap_escape_logitem(r->pool, r->method),
                      ap_escape_logitem(r->pool, r->uri),
                      w.origin ? ap_escape_logitem(r->pool, w.origin)
                               : "(none)",
                      w.fetch_site ? ap_escape_logitem(r->pool, w.fetch_site)
                                   : "(none)",
                      w.host ? ap_escape_logitem(r->pool, w.host) : "(none)",
                      why, cors_policy_origins(st->conf)->where);
    }
    cors_account(r, st->conf, d, w.origin);
    if (st->conf->enabled == CORS_REPORT_ONLY) {
        return DECLINED;
    }
    /* Nothing may read the refused request's body: an ErrorDocument runs
     * as an internal redirect on the same input, and a proxied or CGI
     * error page would be handed it.  Without Content-Length and
     * Transfer-Encoding httpd's input filter sees no body; the
     * connection closes after the 403, so that the unread bytes are
     * never taken for a next request.  An HTTP/2 stream's connection is
     * its own (mod_http2 marks every one closing already): the client's
     * connection and its other streams go on, and mod_http2 ends the
     * refused stream's unread body with RST_STREAM NO_ERROR. */
    apr_table_unset(r->headers_in, "Content-Length");
    apr_table_unset(r->headers_in, "Transfer-Encoding");
    r->connection->keepalive = AP_CONN_CLOSE;
    return HTTP_FORBIDDEN;
}

/*
 * post_perdir_config: record the section of the URL as requested, and
 * its CORS request headers, before anything can change either: a fast
 * internal redirect replaces r->per_dir_config, and RequestHeader
 * (mod_headers' fixups) may edit headers_in, after which the preflight
 * (answered in fixups) and the actual response (the filter) would be
 * judged on different values.  Nothing is kept, and nothing allocated,
 * for a request outside every section with a Cors directive.
 */
int cors_engine_record(request_rec *r)
{
    const cors_dir_conf *conf;
    cors_req_state *st;

    if (r->main
        || !(conf = ap_get_module_config(r->per_dir_config, &cors_module))
        || conf->enabled == CORS_UNSET) {
        return OK;
    }
    st = cors_state_make(r, conf);
    if (conf->enabled) {
        cors_gather(r, &st->req);
    }
    return OK;
}

/* Let preflights through authentication: browsers never send credentials
 * with them, and the fixups hook answers them without the handler. */
int cors_engine_preflight_access(request_rec *r)
{
    const cors_request *req;

    return cors_own_preflight(r, &req) ? OK : DECLINED;
}

/* The answer to a preflight, without the handler: returning DONE makes
 * httpd send the status and headers set here.  It comes from the section
 * recorded for the requested URL, the one that let the preflight past
 * authentication, even where a later hook (MultiViews) swapped
 * r->per_dir_config. */
int cors_engine_preflight_fixups(request_rec *r)
{
    const cors_request *req;
    const cors_dir_conf *conf = cors_own_preflight(r, &req);
    cors_verdict v;
    int rc;

    if (!conf) {
        return DECLINED;
    }
    cors_policy_decide(r->pool, conf, req, &v);
    cors_log_verdict(r, conf, req, &v);
    cors_account(r, conf, v.decision, req->origin);
    cors_apply(r, conf, &v);
    /* Preflights have no body, but read whatever came before r->status
     * says 204: httpd's page for a malformed body would otherwise report
     * the 204 as an earlier error.  Most have none: the pass over the
     * headers saw whether Content-Length or Transfer-Encoding announce
     * one, which spares even ap_request_has_body()'s lookups. */
    if (req->body && ap_request_has_body(r)
        && (rc = ap_discard_request_body(r)) != OK) {
        return rc;
    }
    r->status = conf->preflight_status ? conf->preflight_status
                                       : HTTP_NO_CONTENT;
    return DONE;
}

apr_status_t cors_engine_out_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    const cors_req_state *st = f->ctx;
    const cors_dir_conf *conf;
    const cors_request *req;
    cors_request local;
    cors_verdict v;
    cors_decision d;

    ap_remove_output_filter(f);
    /* 101 Switching Protocols: the client got that interim answer before
     * this filter saw anything, and the request's real response goes out
     * on the new protocol: after an h2c Upgrade it is HTTP/2 stream 1, a
     * request of its own that this filter judges, notes and counts.  This
     * request's headers never reach the client; judging it too would
     * count one request twice. */
    if (r->status == HTTP_SWITCHING_PROTOCOLS) {
        return ap_pass_brigade(f->next, bb);
    }
    if (st) {
        conf = st->resp_conf;
        req = st->resp_req;
    }
    /* Added by name (SetOutputFilter CORS) rather than by our hooks. */
    else if (r->main || !(conf = cors_response_conf(r, &req))) {
        return ap_pass_brigade(f->next, bb);
    }
    if (!req) {
        cors_gather(r, &local);
        req = &local;
    }
    cors_policy_decide(r->pool, conf, req, &v);
    cors_log_verdict(r, conf, req, &v);
    d = cors_account(r, conf, v.decision, req->origin);
    if (d != v.decision) {
        /* Decided earlier in the chain (CorsProtect refused it). */
        v.decision = d;
        v.culprit = NULL;
    }
    if (conf->enabled == CORS_REPORT_ONLY) {
        cors_report(r, conf, req, &v);
    }
    else {
        cors_apply(r, conf, &v);
    }
    return ap_pass_brigade(f->next, bb);
}

/* The filter gets, as its context, the request's record with the
 * section that decides and the headers to judge, found here once. */
void cors_engine_insert_filter(request_rec *r)
{
    const cors_request *req;
    const cors_dir_conf *conf;
    cors_req_state *st;

    if (r->main || cors_stats_is_metrics(r)
        || !(conf = cors_response_conf(r, &req))) {
        return;
    }
    st = cors_state_make(r, conf);
    st->resp_conf = conf;
    st->resp_req = req;
    ap_add_output_filter_handle(cors_engine_filter_handle, st, r,
                                r->connection);
}

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
 * fuzz_decide: the whole verdict for one request under one configuration,
 * as the output filter makes it: gather the request headers, decide, log,
 * apply to the response headers.
 *
 * Input:
 *     config lines (see harness.h)
 *     ===
 *     OPTIONS                        the method
 *     Origin: https://a.example      request headers, "Name: value"; a
 *     Access-Control-Request-Method: PUT     repeated name is merged with
 *     ...                            ", " as httpd does
 *     ===                            optional: headers the handler or a
 *     Access-Control-Allow-Origin: x backend set; "!Name: value" puts one
 *                                    in err_headers_out
 *
 * Checked, with the reference matcher of reference.h (regexes run by
 * PCRE2 on the reference's key):
 *   - credentials with an any-origin policy refuses everything, unless
 *     CorsUnsafeAllowAnyOriginWithCredentials On;
 *   - Access-Control-Allow-Origin is "*" only for CorsSendWildcard on an
 *     any-origin policy without credentials (or CorsAlwaysSend without
 *     Origin), otherwise the request's Origin, byte for byte, and only if
 *     the reference allows it; an origin the reference allows is refused
 *     only by a preflight whose method or headers are not allowed;
 *   - credentials never with "*"; preflight answers only on preflights,
 *     Access-Control-Expose-Headers never on them, private network
 *     access only when asked for and configured;
 *     the method is one the config allows; the headers answer is at most
 *     1.5 times the request's list;
 *   - the response ends up with at most one line of each CORS header, all
 *     in headers_out, none when nothing was granted, no CR/LF in any, and
 *     Vary covers Origin whenever the verdict says so;
 *   - no error log line can be broken by request bytes (harness.h).
 */

#include "harness.h"
#include "reference.h"

static const char *const fz_cors_headers[] = {
    CORS_ACAO, CORS_ACAC, CORS_ACEH, CORS_ACAM, CORS_ACAH, CORS_ACMA,
    CORS_ACAPN, NULL
};

/* "Name: value" lines into a table. */
static void fz_headers(apr_pool_t *p, apr_table_t *t, apr_table_t *err,
                       const char *s, const char *end)
{
    while (s < end) {
        const char *nl = memchr(s, '\n', end - s);
        const char *eol = nl ? nl : end;
        const char *colon = memchr(s, ':', eol - s);
        apr_table_t *to = t;

        if (err && s < eol && *s == '!') {
            to = err;
            s++;
        }
        if (colon && colon > s) {
            const char *v = colon + 1;

            while (v < eol && *v == ' ') {
                v++;
            }
            apr_table_add(to, fz_cstr(p, s, colon - s),
                          fz_cstr(p, v, eol - v));
        }
        s = nl ? nl + 1 : end;
    }
}

typedef struct {
    int count;
    const char *value;
} fz_count_ctx;

static int fz_count(void *rec, const char *key, const char *value)
{
    fz_count_ctx *c = rec;

    (void)key;
    c->count++;
    c->value = value;
    FZ_CHECK(!strpbrk(value, "\r\n"), "line break in %s: '%s'", key, value);
    return 1;
}

static int fz_vary_has_origin(void *rec, const char *key, const char *value)
{
    int *found = rec;
    char *copy = strdup(value);
    char *last;
    char *tok;

    (void)key;
    for (tok = apr_strtok(copy, ", \t", &last); tok;
         tok = apr_strtok(NULL, ", \t", &last)) {
        if (!strcasecmp(tok, "Origin") || !strcmp(tok, "*")) {
            *found = 1;
        }
    }
    free(copy);
    return 1;
}

/* The origin policy the directives described, as reference.h sees it,
 * with the CorsOriginsMatch regexes compiled as docs/directives.md says. */
typedef struct {
    ref_policy rp;
    apr_array_header_t *regexes;   /* ap_regex_t * */
    int match_all;
} fz_ref;

static void fz_ref_make(apr_pool_t *p, const fz_config *fc, fz_ref *fr)
{
    static const char *const probes[] = {
        "https://mod-cors-probe.invalid", "http://198.51.100.7:4242", NULL
    };
    int i, j;

    ref_policy_init(p, &fr->rp);
    fr->regexes = apr_array_make(p, 4, sizeof(ap_regex_t *));
    fr->rp.set = fc->policy.origins_set;
    for (i = 0; i < fc->policy.origins->nelts; i++) {
        FZ_CHECK(ref_add(p, &fr->rp, APR_ARRAY_IDX(fc->policy.origins, i,
                                                   char *)),
                 "the module accepted '%s', the reference does not",
                 APR_ARRAY_IDX(fc->policy.origins, i, char *));
    }
    fr->match_all = fr->rp.any || !fr->rp.set;
    for (i = 0; i < fc->policy.regexes->nelts; i++) {
        const char *re = APR_ARRAY_IDX(fc->policy.regexes, i, char *);
        ap_regex_t *rx = ap_pregcomp(p, apr_pstrcat(p, "^(?:", re, ")$",
                                                    NULL), AP_REG_ICASE);

        FZ_CHECK(rx != NULL, "regex '%s' does not compile", re);
        APR_ARRAY_PUSH(fr->regexes, ap_regex_t *) = rx;
        for (j = 0; probes[j]; j++) {
            if (!ap_regexec(rx, probes[j], 0, NULL, 0)) {
                fr->match_all = 1;
            }
        }
    }
}

static int fz_ref_allows(apr_pool_t *p, const fz_ref *fr, const char *origin)
{
    const char *key;
    int i;

    if (ref_allows(p, &fr->rp, origin, &key)) {
        return 1;
    }
    for (i = 0; key && i < fr->regexes->nelts; i++) {
        if (!ap_regexec(APR_ARRAY_IDX(fr->regexes, i, ap_regex_t *), key, 0,
                        NULL, 0)) {
            return 1;
        }
    }
    return 0;
}

static int fz_ref_method(const cors_dir_conf *conf, const char *m)
{
    static const char *const dflt[] = {
        "GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE", NULL
    };
    int i;

    /* CORS-safelisted: never refused, whatever CorsMethods lists. */
    if (!strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "POST")) {
        return 1;
    }
    if (!conf->methods) {
        for (i = 0; dflt[i]; i++) {
            if (!strcmp(m, dflt[i])) {
                return 1;
            }
        }
        return 0;
    }
    for (i = 0; i < conf->methods->items->nelts; i++) {
        const char *item = APR_ARRAY_IDX(conf->methods->items, i,
                                         const char *);

        if (!strcmp(item, m)) {
            return 1;
        }
        if (!strcmp(item, "*") && *m && strcasecmp(m, "CONNECT")
            && strcasecmp(m, "TRACE") && strcasecmp(m, "TRACK")) {
            const char *c;

            for (c = m; *c && ref_tchar(*c); c++) {
                /* a token */
            }
            if (!*c) {
                return 1;
            }
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *s = (const char *)data;
    const char *end = s + size;
    const char *req_s, *req_end, *resp_s, *nl;
    fz_config fc;
    fz_ref fr;
    const cors_dir_conf *conf;
    request_rec r;
    struct ap_logconf log;
    cors_request req;
    cors_verdict v;
    int credentials, misconfigured, wildcard, preserved, i;

    if (size > 16384) {
        return -1;
    }
    p = fz_pool();
    req_end = fz_split(s, end, &req_s);
    fz_build_config(&fc, p, s, req_end);
    req_end = fz_split(req_s, end, &resp_s);
    conf = fc.conf;

    memset(&r, 0, sizeof(r));
    memset(&log, 0, sizeof(log));
    log.level = APLOG_TRACE8;
    r.pool = p;
    r.log = &log;
    r.server = &fc.server;
    r.uri = "/fuzz";
    r.headers_in = apr_table_make(p, 8);
    r.headers_out = apr_table_make(p, 8);
    r.err_headers_out = apr_table_make(p, 8);
    nl = memchr(req_s, '\n', req_end - req_s);
    r.method = fz_cstr(p, req_s, (nl ? nl : req_end) - req_s);
    r.method_number = strcmp(r.method, "OPTIONS") ? M_GET : M_OPTIONS;
    if (nl) {
        fz_headers(p, r.headers_in, NULL, nl + 1, req_end);
    }
    /* httpd merges repeated request header lines with ", ". */
    apr_table_compress(r.headers_in, APR_OVERLAP_TABLES_MERGE);
    fz_headers(p, r.headers_out, r.err_headers_out, resp_s, end);
    preserved = CORS_FLAG(conf->preserve, 0)
                && (apr_table_get(r.headers_out, CORS_ACAO)
                    || apr_table_get(r.err_headers_out, CORS_ACAO));

    cors_gather(&r, &req);
    cors_policy_decide(p, conf, &req, &v);
    cors_log_verdict(&r, conf, &req, &v);
    cors_apply(&r, conf, &v);

    fz_ref_make(p, &fc, &fr);
    credentials = CORS_FLAG(conf->credentials, 0);
    misconfigured = credentials && (fr.match_all || fr.rp.null)
                    && CORS_FLAG(conf->unsafe_any, 0) != 1;
    wildcard = (fr.rp.any || !fr.rp.set)
               && CORS_FLAG(conf->send_wildcard, 0) && !credentials;
    FZ_CHECK(v.misconfigured == misconfigured, "misconfigured %d, "
             "reference %d", v.misconfigured, misconfigured);
    FZ_CHECK(v.preflight == (req.origin && req.acrm
                             && !strcmp(req.method, "OPTIONS")),
             "preflight flag");

    if (v.allow_origin) {
        FZ_CHECK(!misconfigured, "a grant under a refused config");
        FZ_CHECK(!v.credentials || credentials, "credentials not enabled");
        FZ_CHECK(!v.credentials || strcmp(v.allow_origin, "*"),
                 "credentials with '*'");
        if (!strcmp(v.allow_origin, "*")) {
            FZ_CHECK(req.origin ? wildcard
                     : (fr.rp.any || !fr.rp.set) && !credentials,
                     "'*' sent where the config does not say so");
        }
        else if (req.origin) {
            FZ_CHECK(v.allow_origin == req.origin, "not an echo");
            FZ_CHECK(fz_ref_allows(p, &fr, req.origin),
                     "granted '%s', which the reference refuses",
                     req.origin);
        }
        else {
            FZ_CHECK(CORS_FLAG(conf->always_send, 1), "CorsAlwaysSend Off");
            FZ_CHECK(fz_ref_allows(p, &fr, v.allow_origin),
                     "sent '%s' without Origin, which the policy does not "
                     "allow", v.allow_origin);
        }
        if (v.preflight) {
            FZ_CHECK(v.allow_methods != NULL, "preflight without methods");
            FZ_CHECK(fz_ref_method(conf, req.acrm), "method '%s' granted",
                     req.acrm);
            FZ_CHECK(!req.acrh || ref_header_list(p, req.acrh),
                     "headers '%s' granted", req.acrh);
            FZ_CHECK(!v.allow_headers
                     || 2 * strlen(v.allow_headers) <= 3 * strlen(req.acrh),
                     "headers answer too long");
            FZ_CHECK(!v.expose, "expose headers on a preflight");
            FZ_CHECK(!v.private_network
                     || (CORS_FLAG(conf->private_network, 0) && req.acrpn
                         && !strcasecmp(req.acrpn, "true")),
                     "private network allowed without being asked and "
                     "configured");
        }
        else {
            FZ_CHECK(!v.allow_methods && !v.allow_headers && !v.max_age
                     && !v.private_network, "preflight answer on a request");
        }
    }
    else if (req.origin && !misconfigured
             && (wildcard || fz_ref_allows(p, &fr, req.origin))) {
        FZ_CHECK(v.preflight && v.reason
                 && (strstr(v.reason, "method")
                     || strstr(v.reason, "Request-Headers")
                     || strstr(v.reason, "header")),
                 "refused '%s', which the reference allows (%s)",
                 req.origin, v.reason ? v.reason : "no reason");
    }

    /* The response headers. */
    if (!preserved) {
        for (i = 0; fz_cors_headers[i]; i++) {
            fz_count_ctx out = { 0, NULL }, err = { 0, NULL };

            apr_table_do(fz_count, &out, r.headers_out, fz_cors_headers[i],
                         NULL);
            apr_table_do(fz_count, &err, r.err_headers_out,
                         fz_cors_headers[i], NULL);
            FZ_CHECK(out.count <= 1 && err.count == 0, "%s: %d + %d lines",
                     fz_cors_headers[i], out.count, err.count);
            FZ_CHECK(v.allow_origin || out.count == 0, "%s without a grant",
                     fz_cors_headers[i]);
        }
        if (v.allow_origin) {
            FZ_CHECK(!strcmp(apr_table_get(r.headers_out, CORS_ACAO),
                             v.allow_origin), "ACAO differs from verdict");
        }
    }
    if (v.vary) {
        int found = 0;

        apr_table_do(fz_vary_has_origin, &found, r.headers_out, "Vary",
                     NULL);
        apr_table_do(fz_vary_has_origin, &found, r.err_headers_out, "Vary",
                     NULL);
        FZ_CHECK(found, "Vary lacks Origin");
    }
    fz_done(p);
    return 0;
}

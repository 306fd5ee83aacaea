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
 * fuzz_diff: mod_cors's origin matcher against the reference matcher of
 * reference.h, which must agree on every input.
 *
 * Input, one item per line:
 *     #cwu            optional first line: flags (c: CorsSupportsCredentials
 *                     On, w: CorsSendWildcard On, u: CorsUnsafeAllow...)
 *     https://a.example        CorsOrigins arguments, one per line (the
 *     https://*.b.example      whole line is one argument, blanks and all)
 *     https://x.b.example      the last line: the request's Origin
 *
 * Checked: the module accepts exactly the CorsOrigins arguments the
 * reference accepts; cors_match_origin allows exactly the origins the
 * reference allows; the verdict of a GET and of a preflight sends
 * Access-Control-Allow-Origin exactly when the reference says so, with
 * the request's Origin byte for byte or "*", never "*" with credentials.
 */

#include "harness.h"
#include "reference.h"

#define FZ_MAX_ENTRIES 16

static const char *fz_call(cors_dir_conf *conf, apr_pool_t *p,
                           const char *name, const char *arg)
{
    static server_rec server;
    static ap_directive_t dir;
    const command_rec *c = fz_find_cmd(name);
    cmd_parms cmd;

    memset(&cmd, 0, sizeof(cmd));
    cmd.info = c->cmd_data;
    cmd.pool = p;
    apr_pool_create(&cmd.temp_pool, p);
    cmd.server = &server;
    cmd.cmd = c;
    cmd.limited = -1;
    dir.directive = c->name;
    dir.filename = "fuzz_diff.conf";
    dir.line_num = 1;
    cmd.directive = &dir;
    return c->AP_TAKE1(&cmd, conf, arg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fz_pool();
    const char *s = (const char *)data;
    const char *end = s + size;
    cors_dir_conf *conf = cors_config_create_dir(p, NULL);
    ref_policy rp;
    apr_array_header_t *lines = apr_array_make(p, 8, sizeof(char *));
    int credentials = 0, wildcard = 0, unsafe = 0;
    const char *origin;
    const char *mkey;
    const char *rkey;
    const char *why;
    const char *expect;
    int mod_ok, ref_ok;
    int i;

    ref_policy_init(p, &rp);
    for (;;) {
        const char *nl = memchr(s, '\n', end - s);
        const char *eol = nl ? nl : end;

        APR_ARRAY_PUSH(lines, char *) = fz_cstr(p, s, eol - s);
        if (!nl) {
            break;
        }
        s = nl + 1;
    }
    i = 0;
    if (lines->nelts > 1 && APR_ARRAY_IDX(lines, 0, char *)[0] == '#') {
        const char *f = APR_ARRAY_IDX(lines, 0, char *);

        credentials = strchr(f, 'c') != NULL;
        wildcard = strchr(f, 'w') != NULL;
        unsafe = strchr(f, 'u') != NULL;
        i = 1;
    }
    if (lines->nelts - i > FZ_MAX_ENTRIES + 1) {
        fz_done(p);
        return -1;
    }
    for (; i < lines->nelts - 1; i++) {
        const char *arg = APR_ARRAY_IDX(lines, i, char *);
        const char *err = fz_call(conf, p, "CorsOrigins", arg);
        int ok = ref_add(p, &rp, arg);

        FZ_CHECK((err == NULL) == ok, "CorsOrigins '%s': module says %s, "
                 "reference says %s", arg, err ? err : "valid",
                 ok ? "valid" : "invalid");
    }
    fz_call(conf, p, "CorsSupportsCredentials", credentials ? "On" : "Off");
    fz_call(conf, p, "CorsSendWildcard", wildcard ? "on" : "off");
    fz_call(conf, p, "CorsUnsafeAllowAnyOriginWithCredentials",
            unsafe ? "On" : "Off");
    origin = APR_ARRAY_IDX(lines, lines->nelts - 1, char *);

    /* The matcher alone. */
    mkey = cors_match_origin(p, cors_policy_origins(conf), origin, &why);
    ref_ok = ref_allows(p, &rp, origin, &rkey);
    mod_ok = mkey != NULL;
    FZ_CHECK(mod_ok == ref_ok, "origin '%s': module %s it (%s), reference "
             "%s it", origin, mod_ok ? "allows" : "refuses",
             mod_ok ? mkey : why, ref_ok ? "allows" : "refuses");
    if (!mod_ok) {
        FZ_CHECK(why && *why, "a refusal without a reason");
    }

    /* The verdict, for a GET and for a preflight of a GET. */
    if (credentials && (rp.any || !rp.set || rp.null) && !unsafe) {
        expect = NULL;                       /* misconfigured */
    }
    else if ((rp.any || !rp.set) && wildcard && !credentials) {
        expect = "*";
    }
    else {
        expect = ref_ok ? origin : NULL;
    }
    for (i = 0; i < 2; i++) {
        cors_request req;
        cors_verdict v;

        memset(&req, 0, sizeof(req));
        req.method = i ? "OPTIONS" : "GET";
        req.origin = origin;
        req.acrm = i ? "GET" : NULL;
        cors_policy_decide(p, conf, &req, &v);
        FZ_CHECK(v.preflight == i, "preflight flag");
        FZ_CHECK((v.allow_origin == NULL) == (expect == NULL)
                 && (!expect || !strcmp(v.allow_origin, expect)),
                 "%s from '%s': module answers %s, reference %s",
                 req.method, origin,
                 v.allow_origin ? v.allow_origin : "nothing",
                 expect ? expect : "nothing");
        if (v.allow_origin && strcmp(v.allow_origin, "*")) {
            FZ_CHECK(v.allow_origin == origin, "the echo is not the "
                     "request's own string");
        }
        FZ_CHECK(v.credentials == (v.allow_origin && credentials
                                   && strcmp(v.allow_origin, "*")),
                 "credentials %d with answer %s", v.credentials,
                 v.allow_origin ? v.allow_origin : "nothing");
        if (i && v.allow_origin) {
            FZ_CHECK(v.allow_methods && !strcmp(v.allow_methods,
                     "GET, HEAD, POST, OPTIONS, PUT, PATCH, DELETE"),
                     "preflight methods");
        }
    }
    fz_done(p);
    return 0;
}

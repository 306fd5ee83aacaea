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
 * fuzz_origin: the origin parser and key, on raw bytes, and the same bytes
 * as a CorsOrigins argument.
 *
 * The whole input is one origin (NUL bytes included: cors_policy_parse_origin
 * takes a length).  Checked:
 *   - a parse stays inside the input, and an accepted origin has a
 *     scheme of [a-z0-9+.-] starting with a letter, "://", a host, an
 *     optional port of digits without leading zero, and nothing else;
 *   - the key is lower case, as long as it says, free of controls and
 *     blanks, parses again to itself (idempotent), and equals the key of
 *     the upper-cased input;
 *   - as a CorsOrigins argument (cut at the first NUL): an accepted exact
 *     origin allows itself, its key and its upper-cased form, and
 *     nothing the parser refuses; an accepted wildcard
 *     scheme://X.domain[:port] allows one label and two labels in place
 *     of the star, never the domain itself, a label glued to the domain
 *     ("evil" + domain) or the domain followed by another label.
 */

#include "harness.h"

static void fz_key_checks(apr_pool_t *p, const char *s, apr_size_t len)
{
    cors_origin_parts o, o2;
    const char *why;
    char *key, *key2, *upper;
    apr_size_t klen, klen2, i;

    why = cors_policy_parse_origin(s, len, &o);
    if (why) {
        FZ_CHECK(*why, "empty reason");
        return;
    }
    FZ_CHECK(o.scheme == s && o.scheme_len > 0, "scheme");
    FZ_CHECK(o.host == s + o.scheme_len + 3 && o.host_len > 0
             && o.host + o.host_len <= s + len, "host bounds");
    FZ_CHECK(!memcmp(s + o.scheme_len, "://", 3), "scheme separator");
    FZ_CHECK(apr_isalpha(s[0]), "scheme starts with a letter");
    if (o.port) {
        FZ_CHECK(o.port > o.host && o.port + o.port_len <= s + len
                 && o.port_len >= 1 && o.port_len <= 5
                 && o.port[0] != '0' && o.port[-1] == ':', "port");
        for (i = 0; i < o.port_len; i++) {
            FZ_CHECK(apr_isdigit(o.port[i]), "port digit");
        }
        FZ_CHECK(o.port + o.port_len == s + len, "bytes after the port");
    }
    else {
        /* Nothing after the host but an elided default port. */
        const char *rest = o.host + o.host_len;

        FZ_CHECK(rest == s + len || (*rest == ':'
                 && (s + len - rest == 3 || s + len - rest == 4)),
                 "bytes after the host");
    }
    key = cors_policy_origin_key(p, &o, &klen);
    FZ_CHECK(strlen(key) == klen, "key length");
    for (i = 0; i < klen; i++) {
        unsigned char c = key[i];

        FZ_CHECK(c > ' ' && c < 0x7f && !apr_isupper(c),
                 "key byte 0x%02x in '%s'", c, key);
    }
    why = cors_policy_parse_origin(key, klen, &o2);
    FZ_CHECK(!why, "the key '%s' does not parse: %s", key, why);
    key2 = cors_policy_origin_key(p, &o2, &klen2);
    FZ_CHECK(klen2 == klen && !strcmp(key, key2), "key not idempotent: "
             "'%s' -> '%s'", key, key2);

    upper = apr_pstrmemdup(p, s, len);
    for (i = 0; i < len; i++) {
        upper[i] = apr_toupper(upper[i]);
    }
    why = cors_policy_parse_origin(upper, len, &o2);
    FZ_CHECK(!why, "upper-cased origin refused: %s", why);
    key2 = cors_policy_origin_key(p, &o2, &klen2);
    FZ_CHECK(!strcmp(key, key2), "case changes the key: '%s' vs '%s'",
             key, key2);
}

static const char *fz_add(cors_dir_conf *conf, apr_pool_t *p,
                          const char *arg)
{
    static server_rec server;
    static ap_directive_t dir;
    cmd_parms cmd;

    memset(&cmd, 0, sizeof(cmd));
    cmd.pool = p;
    apr_pool_create(&cmd.temp_pool, p);
    cmd.server = &server;
    cmd.cmd = fz_find_cmd("CorsOrigins");
    cmd.limited = -1;
    dir.filename = "fuzz_origin.conf";
    cmd.directive = &dir;
    return cors_cmd_CorsOrigins(&cmd, conf, arg);
}

static int fz_allows(apr_pool_t *p, cors_dir_conf *conf, const char *o)
{
    const char *why;

    return cors_match_origin(p, cors_policy_origins(conf), o, &why) != NULL;
}

static void fz_config_checks(apr_pool_t *p, const char *arg)
{
    cors_dir_conf *conf = cors_config_create_dir(p, NULL);
    const char *err = fz_add(conf, p, arg);
    const char *star;
    cors_origin_parts o;

    if (err) {
        FZ_CHECK(strstr(err, "CorsOrigins") != NULL,
                 "error message");
        return;
    }
    if (!strcmp(arg, "*") || !strcasecmp(arg, "null")) {
        return;
    }
    star = strstr(arg, "://*.");
    if (!star) {
        apr_size_t klen, i;
        char *upper = apr_pstrdup(p, arg);

        FZ_CHECK(!cors_policy_parse_origin(arg, strlen(arg), &o),
                 "an accepted origin does not parse");
        FZ_CHECK(fz_allows(p, conf, arg), "'%s' does not allow itself",
                 arg);
        FZ_CHECK(fz_allows(p, conf, cors_policy_origin_key(p, &o, &klen)),
                 "'%s' does not allow its key", arg);
        for (i = 0; upper[i]; i++) {
            upper[i] = apr_toupper(upper[i]);
        }
        FZ_CHECK(fz_allows(p, conf, upper), "'%s' does not allow '%s'",
                 arg, upper);
        return;
    }
    {
        const char *scheme = apr_pstrmemdup(p, arg, star + 3 - arg);
        const char *domain = star + 5;
        const char *one = apr_pstrcat(p, scheme, "a.", domain, NULL);
        const char *two = apr_pstrcat(p, scheme, "a-1.b_2.", domain, NULL);
        const char *bare = apr_pstrcat(p, scheme, domain, NULL);
        const char *glued = apr_pstrcat(p, scheme, "evil", domain, NULL);
        const char *colon = strchr(domain, ':');
        const char *dpart = colon ? apr_pstrmemdup(p, domain, colon - domain)
                                  : domain;
        /* A label after the domain, ending in another byte than the
         * domain, so the host cannot end with the domain. */
        const char *extra = apr_tolower(dpart[strlen(dpart) - 1]) == 'z'
                            ? ".y" : ".z";
        const char *after = apr_pstrcat(p, scheme, "a.", dpart, extra,
                                        colon ? colon : "", NULL);

        FZ_CHECK(fz_allows(p, conf, one), "'%s' refuses '%s'", arg, one);
        FZ_CHECK(fz_allows(p, conf, two), "'%s' refuses '%s'", arg, two);
        FZ_CHECK(!fz_allows(p, conf, bare), "'%s' allows '%s'", arg, bare);
        FZ_CHECK(!fz_allows(p, conf, glued), "'%s' allows '%s'", arg,
                 glued);
        FZ_CHECK(!fz_allows(p, conf, after), "'%s' allows '%s'", arg,
                 after);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;

    if (size > CORS_MAX_ORIGIN + 16) {
        return -1;
    }
    p = fz_pool();
    /* A copy of exactly size bytes, so that ASan sees any read beyond. */
    {
        char *s = malloc(size ? size : 1);

        memcpy(s, data, size);
        fz_key_checks(p, s, size);
        free(s);
    }
    fz_config_checks(p, fz_cstr(p, (const char *)data, size));
    fz_done(p);
    return 0;
}

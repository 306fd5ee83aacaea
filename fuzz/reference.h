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
 * fuzz/reference.h: a deliberately simple origin matcher, written from
 * docs/directives.md (CorsOrigins) and not from mod_cors.c, for the
 * differential harnesses.  Slow and obvious on purpose: it splits
 * strings, lower-cases copies and compares whole labels.  It uses none
 * of the module's functions, only libc and a pool.
 *
 * The rules, as docs/directives.md states them:
 *   origin   = scheme "://" host [ ":" port ], nothing else, <= 4096 bytes
 *   scheme   = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
 *   host     = label *( "." label ), label = 1*( ALNUM / "-" / "_" )
 *              or "[" 1*( HEXDIG / ":" / "." ) "]"
 *   port     = 1-65535 in decimal, no leading zero
 *   Two origins are the same when their keys are equal: scheme and host
 *   lower-cased, port 443 dropped for https and 80 for http.
 *   "*" allows every origin but "null"; "null" (any case in the config,
 *   exactly "null" in a request) allows the null origin; an exact origin
 *   allows the origins with its key; scheme://*.domain[:port] allows the
 *   origins of that scheme and port whose host is one or more whole
 *   labels followed by the labels of domain; the domain is never an IP
 *   literal.
 */

#ifndef CORS_FUZZ_REFERENCE_H
#define CORS_FUZZ_REFERENCE_H

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "apr_pools.h"
#include "apr_strings.h"
#include "apr_tables.h"

typedef struct {
    char *scheme;              /* lower case */
    char *host;                /* lower case */
    char *port;                /* NULL when absent or the default */
    char *key;                 /* scheme://host[:port] */
} ref_origin;

static int ref_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int ref_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int ref_is_hex(char c)
{
    return ref_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char *ref_lower(apr_pool_t *p, const char *s, size_t n)
{
    char *out = apr_pstrmemdup(p, s, n);
    size_t i;

    for (i = 0; i < n; i++) {
        if (out[i] >= 'A' && out[i] <= 'Z') {
            out[i] = out[i] - 'A' + 'a';
        }
    }
    return out;
}

/* Every label non-empty and made of letters, digits, '-' and '_'. */
static int ref_labels_ok(const char *host)
{
    size_t run = 0;

    if (!*host) {
        return 0;
    }
    for (; *host; host++) {
        if (*host == '.') {
            if (run == 0) {
                return 0;
            }
            run = 0;
        }
        else if (ref_is_alpha(*host) || ref_is_digit(*host) || *host == '-'
                 || *host == '_') {
            run++;
        }
        else {
            return 0;
        }
    }
    return run > 0;
}

/* An IPv6 literal, brackets included, as the WHATWG URL standard writes
 * it: eight groups in lower-case hex, the first longest run of two or
 * more zero groups as "::"; NULL when inet_pton() refuses it. */
static char *ref_ipv6(apr_pool_t *p, const char *lit, size_t len)
{
    unsigned char a[16];
    unsigned int g[8];
    char buf[64];
    char *out;
    int i, start = -1, best = -1, best_len = 0;

    if (len > 60) {
        return NULL;
    }
    memcpy(buf, lit, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET6, buf, a) != 1) {
        return NULL;
    }
    for (i = 0; i < 8; i++) {
        g[i] = a[2 * i] * 256u + a[2 * i + 1];
    }
    for (i = 0; i <= 8; i++) {
        if (i < 8 && g[i] == 0) {
            if (start < 0) {
                start = i;
            }
        }
        else if (start >= 0) {
            if (i - start >= 2 && i - start > best_len) {
                best = start;
                best_len = i - start;
            }
            start = -1;
        }
    }
    out = apr_pstrdup(p, "[");
    for (i = 0; i < 8; i++) {
        if (i == best) {
            out = apr_pstrcat(p, out, "::", NULL);
            i += best_len - 1;
            continue;
        }
        out = apr_psprintf(p, "%s%s%x", out,
                           (i > 0 && i != best + best_len) ? ":" : "", g[i]);
    }
    return apr_pstrcat(p, out, "]", NULL);
}

/* Parse one serialised origin; 0 when it is not one. */
static int ref_parse(apr_pool_t *p, const char *s, ref_origin *o)
{
    const char *sep = strstr(s, "://");
    const char *rest;
    const char *host_end;
    const char *port = NULL;
    size_t i;

    if (strlen(s) > 4096 || !sep || sep == s || !ref_is_alpha(s[0])) {
        return 0;
    }
    for (i = 0; s + i < sep; i++) {
        char c = s[i];

        if (!ref_is_alpha(c) && !ref_is_digit(c) && c != '+' && c != '-'
            && c != '.') {
            return 0;
        }
    }
    rest = sep + 3;
    if (*rest == '[') {
        host_end = strchr(rest, ']');
        if (!host_end || host_end == rest + 1) {
            return 0;
        }
        for (i = 1; rest + i < host_end; i++) {
            if (!ref_is_hex(rest[i]) && rest[i] != ':' && rest[i] != '.') {
                return 0;
            }
        }
        if (!ref_ipv6(p, rest + 1, host_end - rest - 1)) {
            return 0;
        }
        host_end++;
        if (*host_end == ':') {
            port = host_end + 1;
        }
        else if (*host_end) {
            return 0;
        }
    }
    else {
        const char *colon = strchr(rest, ':');

        host_end = colon ? colon : rest + strlen(rest);
        if (!ref_labels_ok(apr_pstrmemdup(p, rest, host_end - rest))) {
            return 0;
        }
        if (colon) {
            port = colon + 1;
        }
    }
    if (port) {
        long v = 0;

        if (!*port || *port == '0' || strlen(port) > 5) {
            return 0;
        }
        for (i = 0; port[i]; i++) {
            if (!ref_is_digit(port[i])) {
                return 0;
            }
            v = v * 10 + (port[i] - '0');
        }
        if (v > 65535) {
            return 0;
        }
    }
    o->scheme = ref_lower(p, s, sep - s);
    o->host = *rest == '[' ? ref_ipv6(p, rest + 1, host_end - rest - 2)
                           : ref_lower(p, rest, host_end - rest);
    o->port = port ? apr_pstrdup(p, port) : NULL;
    if (o->port && ((!strcmp(o->scheme, "https") && !strcmp(o->port, "443"))
                    || (!strcmp(o->scheme, "http")
                        && !strcmp(o->port, "80")))) {
        o->port = NULL;
    }
    o->key = apr_pstrcat(p, o->scheme, "://", o->host,
                         o->port ? ":" : "", o->port ? o->port : "", NULL);
    return 1;
}

/* The origin policy of one section. */
typedef struct {
    int set;                   /* some CorsOrigins entry was given */
    int any;
    int null;
    apr_array_header_t *exact; /* char *: keys */
    apr_array_header_t *pat;   /* ref_origin: host = the domain */
} ref_policy;

static void ref_policy_init(apr_pool_t *p, ref_policy *rp)
{
    memset(rp, 0, sizeof(*rp));
    rp->exact = apr_array_make(p, 4, sizeof(char *));
    rp->pat = apr_array_make(p, 4, sizeof(ref_origin));
}

/* Add a CorsOrigins argument; 0 if docs/directives.md says it is a startup
 * error. */
static int ref_add(apr_pool_t *p, ref_policy *rp, const char *arg)
{
    ref_origin o;

    rp->set = 1;
    if (!strcmp(arg, "*")) {
        rp->any = 1;
        return 1;
    }
    if (!strcasecmp(arg, "null")) {
        rp->null = 1;
        return 1;
    }
    if (strchr(arg, '*')) {
        /* scheme://*.domain[:port]: the star is the whole first label. */
        const char *sep = strstr(arg, "://");

        if (!sep || strncmp(sep + 3, "*.", 2) || strchr(sep + 5, '*')) {
            return 0;
        }
        if (!ref_parse(p, apr_pstrcat(p, apr_pstrmemdup(p, arg, sep - arg),
                                      "://x.", sep + 5, NULL), &o)) {
            return 0;
        }
        if (sep[5] == '[') {
            return 0;
        }
        o.host += 2;           /* drop "x." */
        APR_ARRAY_PUSH(rp->pat, ref_origin) = o;
        return 1;
    }
    if (!ref_parse(p, arg, &o)) {
        return 0;
    }
    APR_ARRAY_PUSH(rp->exact, char *) = o.key;
    return 1;
}

/* Does host end with the whole labels of domain, after at least one? */
static int ref_under(apr_pool_t *p, const char *host, const char *domain)
{
    apr_array_header_t *h = apr_array_make(p, 8, sizeof(char *));
    apr_array_header_t *d = apr_array_make(p, 8, sizeof(char *));
    char *last;
    char *tok;
    int i;

    for (tok = apr_strtok(apr_pstrdup(p, host), ".", &last); tok;
         tok = apr_strtok(NULL, ".", &last)) {
        APR_ARRAY_PUSH(h, char *) = tok;
    }
    for (tok = apr_strtok(apr_pstrdup(p, domain), ".", &last); tok;
         tok = apr_strtok(NULL, ".", &last)) {
        APR_ARRAY_PUSH(d, char *) = tok;
    }
    if (h->nelts <= d->nelts) {
        return 0;
    }
    for (i = 1; i <= d->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(h, h->nelts - i, char *),
                   APR_ARRAY_IDX(d, d->nelts - i, char *))) {
            return 0;
        }
    }
    return 1;
}

/* Is the request's Origin value allowed by the policy (CorsOrigins part;
 * regexes are the caller's)?  *key gets the origin's key, or NULL. */
static int ref_allows(apr_pool_t *p, const ref_policy *rp,
                      const char *origin, const char **key)
{
    ref_origin o;
    int i;

    *key = NULL;
    if (!rp->set) {
        /* No CorsOrigins at all: the default "*". */
        return strcmp(origin, "null") && ref_parse(p, origin, &o);
    }
    if (!strcmp(origin, "null")) {
        return rp->null;
    }
    if (!ref_parse(p, origin, &o)) {
        return 0;
    }
    *key = o.key;
    if (rp->any) {
        return 1;
    }
    for (i = 0; i < rp->exact->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(rp->exact, i, char *), o.key)) {
            return 1;
        }
    }
    for (i = 0; i < rp->pat->nelts; i++) {
        const ref_origin *pt = &APR_ARRAY_IDX(rp->pat, i, ref_origin);

        if (!strcmp(pt->scheme, o.scheme)
            && ((!pt->port && !o.port)
                || (pt->port && o.port && !strcmp(pt->port, o.port)))
            && o.host[0] != '[' && ref_under(p, o.host, pt->host)) {
            return 1;
        }
    }
    return 0;
}

/* RFC 9110 tchar, spelled out. */
static int ref_tchar(char c)
{
    return ref_is_alpha(c) || ref_is_digit(c)
           || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * Access-Control-Request-Headers as docs/directives.md describes it: a
 * comma-separated list of header names with optional blanks; empty
 * elements are ignored.  Returns the lower-cased names, or NULL when the
 * value is not such a list (or is longer than 8192 bytes).
 */
static apr_array_header_t *ref_header_list(apr_pool_t *p, const char *v)
{
    apr_array_header_t *names = apr_array_make(p, 8, sizeof(char *));
    const char *s = v;

    if (strlen(v) > 8192) {
        return NULL;
    }
    for (;;) {
        const char *comma = strchr(s, ',');
        const char *e = comma ? comma : s + strlen(s);
        const char *b = s;
        const char *q;

        while (b < e && (*b == ' ' || *b == '\t')) {
            b++;
        }
        while (e > b && (e[-1] == ' ' || e[-1] == '\t')) {
            e--;
        }
        for (q = b; q < e; q++) {
            if (!ref_tchar(*q)) {
                return NULL;
            }
        }
        if (e > b) {
            APR_ARRAY_PUSH(names, char *) = ref_lower(p, b, e - b);
        }
        if (!comma) {
            break;
        }
        s = comma + 1;
    }
    return names;
}

#endif /* CORS_FUZZ_REFERENCE_H */

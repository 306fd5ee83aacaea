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
 * cors_policy.c: the CORS decisions as pure functions of strings and the
 * configuration, never a request_rec: origin parsing and matching, the
 * header-list parser, the verdict of a request, and the browser's own
 * check that Cors ReportOnly compares with.  The fuzzers compile it
 * directly.
 */

#include "cors_private.h"

const char cors_default_methods_joined[] =
    "GET, HEAD, POST, OPTIONS, PUT, PATCH, DELETE";

const char *const cors_decision_names[CORS_NDECISIONS] = {
    "no-origin", "allowed", "preflight-allowed", "refused-origin",
    "refused-method", "refused-headers", "refused-private-network",
    "malformed", "refused-cross-origin", "refused-websocket"
};

/* The policy that applies when CorsOrigins/CorsAllowHeaders are unset. */
const cors_origins cors_any_origin = {
    .any = 1, .match_all = 1, .where = "the default policy"
};
static const cors_headers cors_any_header = {
    .any = 1, .where = "the default policy"
};

/* The hash of the exact-origin table: 64-bit words mixed by a multiply
 * and a shift, the tail byte by byte.  Keys come from the configuration
 * only, so a crafted Origin costs one probe sequence, never a flood. */
static apr_uint32_t cors_exact_hash(const char *s, apr_size_t n)
{
    apr_uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    apr_uint64_t w;

    if (n >= 8) {
        /* The last word overlaps the one before: every byte counts,
         * without a loop over the tail. */
        const char *last = s + n - 8;

        for (; s < last; s += 8) {
            memcpy(&w, s, 8);
            h = (h ^ w) * 0xff51afd7ed558ccdULL;
            h ^= h >> 32;
        }
        memcpy(&w, last, 8);
    }
    else {
        for (w = 0; n; n--) {
            w = (w << 8) | (unsigned char)s[n - 1];
        }
    }
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    return (apr_uint32_t)(h ^ (h >> 32));
}

static const char *cors_exact_get(const cors_exact *t, const char *key,
                                  apr_size_t len)
{
    apr_uint32_t i = cors_exact_hash(key, len) & t->mask;

    for (;; i = (i + 1) & t->mask) {
        const cors_exact_slot *sl = &t->slots[i];

        if (!sl->key) {
            return NULL;
        }
        if (sl->len == len && !memcmp(sl->key, key, len)) {
            return sl->entry;
        }
    }
}

void cors_policy_exact_put(apr_pool_t *p, cors_exact *t, const char *key,
                           apr_size_t len, const char *entry)
{
    apr_uint32_t i;

    if (!t->slots || 2 * (t->count + 1) > t->mask + 1) {
        cors_exact_slot *old = t->slots;
        apr_uint32_t n = old ? t->mask + 1 : 0;
        apr_uint32_t j;

        t->mask = n ? 2 * n - 1 : 7;
        t->slots = apr_pcalloc(p, (t->mask + 1) * sizeof(*t->slots));
        t->count = 0;
        for (j = 0; j < n; j++) {
            if (old[j].key) {
                cors_policy_exact_put(p, t, old[j].key, old[j].len,
                                      old[j].entry);
            }
        }
    }
    for (i = cors_exact_hash(key, len) & t->mask; t->slots[i].key;
         i = (i + 1) & t->mask) {
        if (t->slots[i].len == len && !memcmp(t->slots[i].key, key, len)) {
            t->slots[i].entry = entry;
            return;
        }
    }
    t->slots[i].key = key;
    t->slots[i].len = len;
    t->slots[i].entry = entry;
    t->count++;
}

/* Fetch's forbidden methods: no script can send them. */
int cors_policy_forbidden_method(const char *m)
{
    return !strcasecmp(m, "CONNECT") || !strcasecmp(m, "TRACE")
           || !strcasecmp(m, "TRACK");
}

/* -------------------------------------------------------------------- */
/* Character classes and parsers shared by config and request time       */

/* RFC 9110 tchar. */
int cors_policy_tchar(unsigned char c)
{
    if (apr_isalnum(c)) {
        return 1;
    }
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'':
    case '*': case '+': case '-': case '.': case '^': case '_':
    case '`': case '|': case '~':
        return 1;
    default:
        return 0;
    }
}

int cors_policy_token(const char *s)
{
    if (!*s) {
        return 0;
    }
    for (; *s; s++) {
        if (!cors_policy_tchar((unsigned char)*s)) {
            return 0;
        }
    }
    return 1;
}

/* What a byte may be in a serialised origin, one lookup per byte:
 * CORS_C_SCHEME letters, digits, '+', '-' and '.'; CORS_C_HOST letters,
 * digits, '-' and '_' (a label's bytes; dots are handled apart). */
#define CORS_C_SCHEME 1
#define CORS_C_HOST   2
static const unsigned char cors_origin_class[256] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x00 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x08 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x10 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x18 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x20 */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x01, 0x00,  /* 0x28 */
    0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,  /* 0x30 */
    0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x38 */
    0x00, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,  /* 0x40 */
    0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,  /* 0x48 */
    0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,  /* 0x50 */
    0x03, 0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x02,  /* 0x58 */
    0x00, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,  /* 0x60 */
    0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,  /* 0x68 */
    0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,  /* 0x70 */
    0x03, 0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x78 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x80 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x88 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x90 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x98 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xa0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xa8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xb0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xb8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xc0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xc8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xd0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xd8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xe0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xe8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xf0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xf8 */
};


/* What each byte of Access-Control-Request-Headers is, in one lookup:
 * a tchar (RFC 9110) maps to itself lower-cased (all of them are above
 * CORS_ACRH_OWS), the separators to CORS_ACRH_COMMA and CORS_ACRH_OWS,
 * anything else (NUL included) to CORS_ACRH_BAD.  A constant table, so
 * that the parser needs no initialisation (the fuzzers call it without
 * the hooks); cors_policy_tchar() and apr_tolower() say the same.  The
 * bytes of a parsed origin's scheme and host are all tchars, so
 * cors_policy_origin_key() lower-cases them with it too. */
#define CORS_ACRH_BAD   0
#define CORS_ACRH_COMMA 1
#define CORS_ACRH_OWS   2
static const unsigned char cors_acrh_map[256] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x00 */
    0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x08 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x10 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x18 */
    0x02, 0x21, 0x00, 0x23, 0x24, 0x25, 0x26, 0x27,  /* 0x20 */
    0x00, 0x00, 0x2a, 0x2b, 0x01, 0x2d, 0x2e, 0x00,  /* 0x28 */
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,  /* 0x30 */
    0x38, 0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x38 */
    0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,  /* 0x40 */
    0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,  /* 0x48 */
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,  /* 0x50 */
    0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x5e, 0x5f,  /* 0x58 */
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,  /* 0x60 */
    0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,  /* 0x68 */
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,  /* 0x70 */
    0x78, 0x79, 0x7a, 0x00, 0x7c, 0x00, 0x7e, 0x00,  /* 0x78 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x80 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x88 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x90 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x98 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xa0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xa8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xb0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xb8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xc0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xc8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xd0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xd8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xe0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xe8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xf0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0xf8 */
};

/* The longest IPv6 literal inet_pton() reads, "[" and "]" excluded:
 * eight groups of four digits and seven colons, or six groups and an
 * IPv4 address. */
#define CORS_MAX_IPV6 45

/* A host: DNS-like labels of letters, digits, '-' and '_' (no empty
 * label, so no leading, trailing or double dot), or an IPv6 literal,
 * whose address goes to o->addr. */
static const char *cors_parse_host(const char *s, const char *end,
                                   const char **stop, cors_origin_parts *o)
{
    const char *start = s;
    const char *label = s;

    if (s < end && *s == '[') {
        char buf[CORS_MAX_IPV6 + 1];

        for (s++; s < end && (apr_isxdigit(*s) || *s == ':' || *s == '.');
             s++) {
            /* scan the literal */
        }
        *stop = s + 1;
        if (s >= end || *s != ']' || s == start + 1
            || s - start - 1 > CORS_MAX_IPV6) {
            *stop = s;
            return "has a malformed IPv6 address";
        }
        memcpy(buf, start + 1, s - start - 1);
        buf[s - start - 1] = '\0';
        if (inet_pton(AF_INET6, buf, o->addr) != 1) {
            return "has a malformed IPv6 address";
        }
        o->ipv6 = 1;
        return NULL;
    }
    for (; s < end; s++) {
        if (*s == '.') {
            if (s == label) {
                *stop = s;
                return "has an empty host label (a leading or double dot)";
            }
            label = s + 1;
        }
        else if (!(cors_origin_class[(unsigned char)*s] & CORS_C_HOST)) {
            break;
        }
    }
    *stop = s;
    if (s == label) {
        return s == start ? "has no host" : "has a trailing dot in the host";
    }
    return NULL;
}

/* An IPv6 address as browsers serialise it (WHATWG URL, not inet_ntop:
 * no dotted IPv4 tail): lower-case hex groups without leading zeros, the
 * first longest run of two or more zero groups written "::".  Writes at
 * most 41 bytes with the brackets; returns the length. */
static apr_size_t cors_ipv6_serialise(const unsigned char *a, char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned int g[8];
    int best = -1, best_len = 1, run = 0;
    char *o = out;
    int i;

    for (i = 0; i < 8; i++) {
        g[i] = (a[2 * i] << 8) | a[2 * i + 1];
        run = g[i] ? 0 : run + 1;
        if (run > best_len) {
            best_len = run;
            best = i - run + 1;
        }
    }
    *o++ = '[';
    for (i = 0; i < 8; i++) {
        if (i == best) {
            *o++ = ':';
            if (i == 0) {
                *o++ = ':';
            }
            i += best_len - 1;
            continue;
        }
        if (g[i] >= 0x1000) {
            *o++ = hex[g[i] >> 12];
        }
        if (g[i] >= 0x100) {
            *o++ = hex[(g[i] >> 8) & 15];
        }
        if (g[i] >= 0x10) {
            *o++ = hex[(g[i] >> 4) & 15];
        }
        *o++ = hex[g[i] & 15];
        if (i < 7) {
            *o++ = ':';
        }
    }
    *o++ = ']';
    return o - out;
}

/*
 * Split a serialised origin, scheme "://" host [ ":" port ], as browsers
 * send it.  Returns NULL on success or a reason the string is not one
 * origin.  The default port of http and https is dropped so that
 * https://a.example and https://a.example:443 compare equal.
 */
const char *cors_policy_parse_origin(const char *s, apr_size_t len,
                                     cors_origin_parts *o)
{
    const char *end = s + len;
    const char *p = s;
    const char *why;

    memset(o, 0, sizeof(*o));
    if (len > CORS_MAX_ORIGIN) {
        return "is longer than 4096 bytes";
    }
    if (!len || !apr_isalpha(*p)) {
        return "has no scheme (write scheme://host[:port])";
    }
    while (p < end
           && (cors_origin_class[(unsigned char)*p] & CORS_C_SCHEME)) {
        p++;
    }
    if (end - p < 3 || memcmp(p, "://", 3) != 0) {
        return "has no scheme (write scheme://host[:port])";
    }
    o->scheme = s;
    o->scheme_len = p - s;
    p += 3;
    o->host = p;
    why = cors_parse_host(p, end, &p, o);
    if (why) {
        return why;
    }
    o->host_len = p - o->host;
    if (p < end && *p == ':') {
        const char *digits = ++p;
        apr_int64_t port = 0;

        while (p < end && apr_isdigit(*p) && p - digits < 6) {
            port = port * 10 + (*p++ - '0');
        }
        if (p == digits || *digits == '0' || port > 65535
            || (p < end && apr_isalnum(*p))) {
            return "has a bad port (1-65535, no leading zero)";
        }
        o->port = digits;
        o->port_len = p - digits;
    }
    if (p < end) {
        switch (*p) {
        case '/':
            return "has a path or a trailing slash";
        case '?':
            return "has a query";
        case '#':
            return "has a fragment";
        case '@':
            return "has userinfo (user@host)";
        case ',':
            return "holds more than one origin (comma-joined list)";
        case ' ':
        case '\t':
            return "contains white space";
        default:
            if ((unsigned char)*p >= 0x80) {
                return "has a non-ASCII character: write an "
                       "internationalised domain name in its punycode "
                       "form (xn--...), as browsers send it";
            }
            return apr_iscntrl(*p) ? "contains a control character"
                                   : "has a character not allowed in a host";
        }
    }
    if (o->port
        && ((o->scheme_len == 5 && !strncasecmp(s, "https", 5)
             && o->port_len == 3 && !memcmp(o->port, "443", 3))
            || (o->scheme_len == 4 && !strncasecmp(s, "http", 4)
                && o->port_len == 2 && !memcmp(o->port, "80", 2)))) {
        o->port = NULL;
        o->port_len = 0;
    }
    return NULL;
}

/* The comparison key of an origin: lower case, default port dropped. */
char *cors_policy_origin_key(apr_pool_t *p, const cors_origin_parts *o,
                             apr_size_t *klen)
{
    /* An IPv6 host is written anew, in at most 41 bytes. */
    apr_size_t host_len = o->ipv6 && o->host_len < 41 ? 41 : o->host_len;
    char *key = apr_palloc(p, o->scheme_len + 3 + host_len
                              + (o->port ? o->port_len + 1 : 0) + 1);
    char *k = key;
    apr_size_t i;

    /* Locals, so that the stores through k cannot make the compiler
     * read o->... again for every byte. */
    const unsigned char *src = (const unsigned char *)o->scheme;
    apr_size_t n = o->scheme_len;

    for (i = 0; i < n; i++) {
        k[i] = cors_acrh_map[src[i]];
    }
    k += n;
    memcpy(k, "://", 3);
    k += 3;
    if (o->ipv6) {
        k += cors_ipv6_serialise(o->addr, k);
    }
    else {
        src = (const unsigned char *)o->host;
        n = o->host_len;
        for (i = 0; i < n; i++) {
            k[i] = cors_acrh_map[src[i]];
        }
        k += n;
    }
    if (o->port) {
        *k++ = ':';
        memcpy(k, o->port, o->port_len);
        k += o->port_len;
    }
    *k = '\0';
    *klen = k - key;
    return key;
}


/* -------------------------------------------------------------------- */
/* Decisions: pure functions of request strings and the config           */


/* What makes a policy open, for messages. */
const char *cors_policy_open_entry(const cors_origins *o)
{
    return o->any ? "'*'" : o->match_all ? "a match-all CorsOriginsMatch"
                  : "'null'";
}

/* An origin policy that any web site can satisfy: "*", a match-all
 * regex, or "null". */
int cors_policy_open(const cors_origins *o)
{
    return o->match_all || o->allow_null;
}

#ifdef CORS_HAVE_PCRE2
/* PCRE2 allocates match data through these, so that a match takes its
 * memory from the request pool like everything else the module does at
 * request time; the pool frees it. */
static void *cors_pcre2_palloc(PCRE2_SIZE size, void *pool)
{
    return apr_palloc(pool, size);
}

static void cors_pcre2_pfree(void *block, void *pool)
{
    (void)block;
    (void)pool;
}

static pcre2_match_data *cors_pcre2_match_data(apr_pool_t *p)
{
    pcre2_general_context *gc = pcre2_general_context_create(
                                    cors_pcre2_palloc, cors_pcre2_pfree, p);

    return gc ? pcre2_match_data_create(1, gc) : NULL;
}
#endif

static int cors_regex_list_match(apr_pool_t *p, const apr_array_header_t *list,
                                 const char *subject, const char **entry)
{
#ifdef CORS_HAVE_PCRE2
    pcre2_match_data *md = NULL;
    apr_size_t len = 0;
#endif
    int found = 0;
    int i;

#ifndef CORS_HAVE_PCRE2
    (void)p;
#endif
    for (i = 0; list && i < list->nelts && !found; i++) {
        const cors_regex *rx = &APR_ARRAY_IDX(list, i, cors_regex);
#ifdef CORS_HAVE_PCRE2
        int rc = PCRE2_ERROR_JIT_BADOPTION;

        if (rx->jit && (md || (md = cors_pcre2_match_data(p)))) {
            if (!len) {
                len = strlen(subject);
            }
            rc = pcre2_jit_match(rx->jit, (PCRE2_SPTR)subject, len, 0, 0,
                                 md, NULL);
        }
        /* 0 is a match too (with no room for the captures). */
        if (rc >= 0) {
            found = 1;
        }
        else if (rc == PCRE2_ERROR_JIT_BADOPTION
                 || rc == PCRE2_ERROR_JIT_STACKLIMIT
                 || rc == PCRE2_ERROR_NOMEMORY) {
            /* No JIT code, or it ran out of stack: the interpreter
             * decides.  Any other error (a match limit hit by a
             * backtracking regex) is no match, and is not paid twice. */
            found = !ap_regexec(rx->re, subject, 0, NULL, 0);
        }
#else
        found = !ap_regexec(rx->re, subject, 0, NULL, 0);
#endif
        if (found) {
            *entry = rx->entry;
        }
    }
    return found;
}

/* A wildcard against an origin's parts and its key (lower case, like
 * the pattern, so bytes compare as they are).  No IP literal matches. */
static int cors_pattern_match(const cors_pattern *pat,
                              const cors_origin_parts *o, const char *key)
{
    const char *host = key + o->scheme_len + 3;

    return !o->ipv6
           && o->scheme_len == pat->scheme_len
           && !memcmp(key, pat->scheme, o->scheme_len)
           && o->port_len == pat->port_len
           && (!o->port_len || !memcmp(o->port, pat->port, o->port_len))
           && o->host_len > pat->suffix_len
           && !memcmp(host + o->host_len - pat->suffix_len, pat->suffix,
                      pat->suffix_len);
}

/* The reasons cors_match_origin() gives for a well-formed origin it
 * refuses; any other is why the value is not an origin at all. */
static const char cors_why_null[] =
    "the null origin is allowed only where CorsOrigins lists it";
static const char cors_why_nomatch[] =
    "it matches no CorsOrigins or CorsOriginsMatch entry";

/*
 * Is this request Origin allowed?  Returns the config entry that allowed
 * it, or NULL with *why saying why not.  Work is bounded by the length
 * of the origin (at most CORS_MAX_ORIGIN) plus one hash lookup, a scan
 * of the subdomain patterns and one run of each regex.
 */
static const char *cors_match_origin(apr_pool_t *p, const cors_origins *o,
                                     const char *origin, const char **why)
{
    cors_origin_parts parts;
    const char *entry;
    apr_size_t klen;
    char *key;
    int i;

    if (origin[0] == 'n' && !strcmp(origin, "null")) {
        *why = cors_why_null;
        return o->allow_null ? "null" : NULL;
    }
    /* Browsers send origins exactly in the form of our keys (lower case,
     * no default port), and a key is a valid origin: one hash lookup of
     * the header as it came decides the usual request, unparsed. */
    if (o->exact && !o->any
        && (entry = cors_exact_get(o->exact, origin, strlen(origin)))
           != NULL) {
        return entry;
    }
    *why = cors_policy_parse_origin(origin, strlen(origin), &parts);
    if (*why) {
        return NULL;
    }
    if (o->any) {
        return "*";
    }
    key = cors_policy_origin_key(p, &parts, &klen);
    if (o->exact && (entry = cors_exact_get(o->exact, key, klen)) != NULL) {
        return entry;
    }
    for (i = 0; o->patterns && i < o->patterns->nelts; i++) {
        const cors_pattern *pat = &APR_ARRAY_IDX(o->patterns, i,
                                                 cors_pattern);

        if (cors_pattern_match(pat, &parts, key)) {
            return pat->entry;
        }
    }
    if (cors_regex_list_match(p, o->regexes, key, &entry)) {
        return entry;
    }
    *why = cors_why_nomatch;
    return NULL;
}

/* Fetch's CORS-safelisted methods, byte for byte: a preflight for one of
 * them (sent for its headers) needs no Access-Control-Allow-Methods. */
static int cors_is_safelisted_method(const char *m)
{
    /* Byte by byte, the first byte deciding most: three strcmp() calls
     * cost a preflight more than the rest of its method check. */
    switch (m[0]) {
    case 'G':
        return m[1] == 'E' && m[2] == 'T' && !m[3];
    case 'H':
        return m[1] == 'E' && m[2] == 'A' && m[3] == 'D' && !m[4];
    case 'P':
        return m[1] == 'O' && m[2] == 'S' && m[3] == 'T' && !m[4];
    default:
        return 0;
    }
}

/* Does the policy let a script send this method?  GET, HEAD and POST
 * always pass: the browser's CORS-preflight check accepts them whatever
 * the answer lists, so refusing the preflight would refuse the headers
 * that caused it, not the method. */
static int cors_method_allowed(const cors_dir_conf *conf, const char *m)
{
    int i;

    if (cors_is_safelisted_method(m)) {
        return 1;
    }
    if (!conf->methods) {
        /* The default list (cors_default_methods_joined), by first byte;
         * the safelisted three are in already. */
        switch (m[0]) {
        case 'O':
            return !strcmp(m, "OPTIONS");
        case 'P':
            return !strcmp(m, "PUT") || !strcmp(m, "PATCH");
        case 'D':
            return !strcmp(m, "DELETE");
        default:
            return 0;
        }
    }
    if (conf->methods->any) {
        return cors_policy_token(m) && !cors_policy_forbidden_method(m);
    }
    for (i = 0; i < conf->methods->items->nelts; i++) {
        if (!strcmp(m, APR_ARRAY_IDX(conf->methods->items, i,
                                     const char *))) {
            return 1;
        }
    }
    return 0;
}

/* One lower-cased, NUL-terminated header name against the policy.  The
 * "*" of Fetch never covers Authorization, and neither does ours. */
static int cors_header_allowed(apr_pool_t *p, const cors_headers *h,
                               const char *name, apr_size_t len)
{
    const char *entry;

    if (h->names && apr_hash_get(h->names, name, len)) {
        return 1;
    }
    if (h->any && !(len == 13 && !memcmp(name, "authorization", 13))) {
        return 1;
    }
    return cors_regex_list_match(p, h->regexes, name, &entry);
}


/* The refusal of a value that is not a list of tokens, naming the rest
 * of it from the first byte that does not fit. */
static const char *cors_acrh_not_a_list(cors_verdict *v,
                                        const unsigned char *s,
                                        const char *end)
{
    v->decision = CORS_D_MALFORMED;
    v->reason = "Access-Control-Request-Headers is not a list of header "
                "names";
    v->culprit = (const char *)s;
    v->culprit_len = end - (const char *)s;
    return NULL;
}

/*
 * Check Access-Control-Request-Headers in one pass and build the
 * Access-Control-Allow-Headers answer: the names, lower-cased, joined by
 * ", ".  Returns NULL and sets v->reason/culprit when a name is refused
 * or the value is not a comma-separated list of tokens.  Each byte costs
 * one table lookup and one store; the only allocation is the answer,
 * sized len + len / 2 + 1, which the worst case fills exactly (one-byte
 * names: "a,a" becomes "a, a"): the loop must never write past what it
 * has read.
 */
static const char *cors_check_request_headers(apr_pool_t *p,
                                              const cors_headers *h,
                                              const char *acrh,
                                              cors_verdict *v)
{
    const unsigned char *s = (const unsigned char *)acrh;
    apr_size_t len = strlen(acrh);
    const char *end = acrh + len;
    /* The default policy, "*" alone, needs no lookup per name. */
    int star_only = h->any && !h->names && !h->regexes;
    unsigned char c;
    char *out;
    char *o;

    if (len > CORS_MAX_HEADER_LIST) {
        v->decision = CORS_D_MALFORMED;
        v->reason = "Access-Control-Request-Headers is longer than 8192 "
                    "bytes";
        return NULL;
    }
    o = out = apr_palloc(p, len + len / 2 + 1);
    c = cors_acrh_map[*s];
    for (;;) {
        const unsigned char *name;
        char *lower;
        apr_size_t n;

        /* Separators and empty items; the value ends at its NUL. */
        while (c == CORS_ACRH_COMMA || c == CORS_ACRH_OWS) {
            c = cors_acrh_map[*++s];
        }
        if (c == CORS_ACRH_BAD) {
            if ((const char *)s == end) {
                break;
            }
            return cors_acrh_not_a_list(v, s, end);
        }
        if (o > out) {
            *o++ = ',';
            *o++ = ' ';
        }
        name = s;
        lower = o;
        /* Four bytes a round: the name bytes are the bulk of the work. */
        for (;;) {
            o[0] = (char)c;
            if ((c = cors_acrh_map[s[1]]) <= CORS_ACRH_OWS) {
                o += 1;
                s += 1;
                break;
            }
            o[1] = (char)c;
            if ((c = cors_acrh_map[s[2]]) <= CORS_ACRH_OWS) {
                o += 2;
                s += 2;
                break;
            }
            o[2] = (char)c;
            if ((c = cors_acrh_map[s[3]]) <= CORS_ACRH_OWS) {
                o += 3;
                s += 3;
                break;
            }
            o[3] = (char)c;
            o += 4;
            s += 4;
            if ((c = cors_acrh_map[*s]) <= CORS_ACRH_OWS) {
                break;
            }
        }
        n = o - lower;
        *o = '\0';
        /* A name ends at a comma, at the end, or at white space that a
         * comma or the end must follow.  The syntax is judged before the
         * policy, so that the log names what is really wrong. */
        while (c == CORS_ACRH_OWS) {
            c = cors_acrh_map[*++s];
        }
        if (c != CORS_ACRH_COMMA && (const char *)s != end) {
            return cors_acrh_not_a_list(v, s, end);
        }
        if (star_only ? (n == 13 && !memcmp(lower, "authorization", 13))
                      : !cors_header_allowed(p, h, lower, n)) {
            v->reason = (n == 13 && !memcmp(lower, "authorization", 13))
                        ? "header not allowed (CorsAllowHeaders * never "
                          "covers Authorization: list it by name)"
                        : "header not allowed by CorsAllowHeaders or "
                          "CorsAllowHeadersMatch";
            v->decision = CORS_D_REFUSED_HEADERS;
            v->culprit = (const char *)name;
            v->culprit_len = n;
            return NULL;
        }
    }
    *o = '\0';
    return out;
}

/* CorsSendWildcard: "*" instead of the echo, for any Origin at all. */
static int cors_sends_wildcard(const cors_dir_conf *conf)
{
    return cors_policy_origins(conf)->any
           && CORS_FLAG(conf->send_wildcard, 0)
           && !CORS_FLAG(conf->credentials, 0);
}

/* Does the answer depend on the Origin header?  Only a "*" sent to every
 * request, with or without Origin, does not; caches need Vary otherwise. */
static int cors_depends_on_origin(const cors_dir_conf *conf)
{
    return !(cors_sends_wildcard(conf) && CORS_FLAG(conf->always_send, 1));
}

/* CorsAlwaysSend for a request without Origin: "*", or the one origin of
 * a policy that has exactly one, or nothing. */
static const char *cors_origin_without_request(const cors_dir_conf *conf,
                                               cors_verdict *v)
{
    const cors_origins *o = cors_policy_origins(conf);

    if (!CORS_FLAG(conf->always_send, 1)) {
        v->reason = "the request has no Origin and CorsAlwaysSend is Off";
        return NULL;
    }
    if (o->any) {
        if (CORS_FLAG(conf->credentials, 0)) {
            v->reason = "the request has no Origin, and '*' cannot be sent "
                        "with credentials";
            return NULL;
        }
        return "*";
    }
    if (o->exact && o->exact->count == 1 && !o->allow_null
        && !o->patterns && !o->regexes) {
        return o->first_exact;
    }
    v->reason = "the request has no Origin and the policy is not a single "
                "exact origin";
    return NULL;
}

/* The preflight part of the verdict: method, headers, max age. */
static void cors_decide_preflight(apr_pool_t *p, const cors_dir_conf *conf,
                                  const cors_request *req, cors_verdict *v)
{
    const cors_headers *h = conf->allow_headers ? conf->allow_headers
                                                : &cors_any_header;

    if (!cors_method_allowed(conf, req->acrm)) {
        v->allow_origin = NULL;
        v->credentials = 0;
        v->where = conf->methods ? conf->methods->where
                                 : "the default policy";
        v->decision = CORS_D_REFUSED_METHOD;
        v->reason = "method not allowed by CorsMethods";
        v->culprit = req->acrm;
        v->culprit_len = strlen(req->acrm);
        return;
    }
    if (req->acrh) {
        v->allow_headers = cors_check_request_headers(p, h, req->acrh, v);
        if (!v->allow_headers) {
            v->where = h->where;
            v->allow_origin = NULL;
            v->credentials = 0;
            return;
        }
        if (!*v->allow_headers) {
            v->allow_headers = NULL;
        }
    }
    v->allow_methods = (conf->methods && conf->methods->any) ? req->acrm
                       : conf->methods ? conf->methods->joined
                       : cors_default_methods_joined;
    v->max_age = conf->max_age;
    v->decision = CORS_D_PREFLIGHT_ALLOWED;
    if (req->acrpn && !strcasecmp(req->acrpn, "true")) {
        /* Granted otherwise: the browser refuses it for want of
         * Access-Control-Allow-Private-Network. */
        v->private_network = CORS_FLAG(conf->private_network, 0);
        if (!v->private_network) {
            v->decision = CORS_D_REFUSED_PN;
            v->reason = "private network access asked for, and "
                        "CorsAllowPrivateNetwork is Off";
        }
    }
}

/*
 * The whole CORS verdict for one request under one (merged) config.
 * Allocates only from p, and only in proportion to the request values.
 */
void cors_policy_decide(apr_pool_t *p, const cors_dir_conf *conf,
                        const cors_request *req, cors_verdict *v)
{
    const cors_origins *o = cors_policy_origins(conf);
    int credentials = CORS_FLAG(conf->credentials, 0);

    memset(v, 0, sizeof(*v));
    v->where = o->where;
    v->preflight = req->origin && req->acrm && !strcmp(req->method,
                                                       "OPTIONS");
    v->vary = CORS_FLAG(conf->vary, 1) && cors_depends_on_origin(conf);
    /* "null" is as good as any origin: every site can send it from a
     * sandboxed iframe.  Refused here too, for .htaccess files, which the
     * startup check never sees. */
    if (credentials && cors_policy_open(o)
        && CORS_FLAG(conf->unsafe_any, 0) != 1) {
        v->misconfigured = 1;
        v->decision = req->origin ? CORS_D_REFUSED_ORIGIN : CORS_D_NO_ORIGIN;
        v->reason = "CorsSupportsCredentials On with an origin policy that "
                    "allows any origin or null";
        return;
    }
    if (!req->origin) {
        v->decision = CORS_D_NO_ORIGIN;
        v->allow_origin = cors_origin_without_request(conf, v);
        v->matched = v->allow_origin;
    }
    else if (cors_sends_wildcard(conf)) {
        /* Static "*": the Origin is never parsed, so never malformed. */
        v->allow_origin = v->matched = "*";
    }
    else {
        v->matched = cors_match_origin(p, o, req->origin, &v->reason);
        v->allow_origin = v->matched ? req->origin : NULL;
        if (!v->matched) {
            v->decision = (v->reason == cors_why_nomatch
                           || v->reason == cors_why_null)
                          ? CORS_D_REFUSED_ORIGIN : CORS_D_MALFORMED;
        }
    }
    if (!v->allow_origin) {
        return;
    }
    v->credentials = credentials && strcmp(v->allow_origin, "*");
    if (v->preflight) {
        cors_decide_preflight(p, conf, req, v);
        return;
    }
    if (req->origin) {
        v->decision = CORS_D_ALLOWED;
    }
    if (conf->expose) {
        v->expose = conf->expose->joined;
    }
}


/* -------------------------------------------------------------------- */
/* Cors ReportOnly: the browser's verdict on a response, ours beside it  */


/* Is tok (len bytes) one of the comma-separated items of list? */
static int cors_listed(const char *list, const char *tok, apr_size_t len,
                       int icase)
{
    const char *s = list;

    while (s && *s) {
        const char *b, *e;

        while (*s == ',' || *s == ' ' || *s == '\t') {
            s++;
        }
        for (b = s; *s && *s != ','; s++) {
            /* the item */
        }
        for (e = s; e > b && (e[-1] == ' ' || e[-1] == '\t'); e--) {
            /* trailing white space */
        }
        if ((apr_size_t)(e - b) == len
            && (icase ? !strncasecmp(b, tok, len) : !memcmp(b, tok, len))) {
            return 1;
        }
    }
    return 0;
}

/*
 * The Fetch standard's CORS check, and for a preflight its CORS-preflight
 * check, on one answer: does the browser let the script read the response
 * (or send the actual request)?  NULL when it does, else why not.
 */
const char *cors_policy_browser_refuses(const cors_request *req, int cred,
                                        int preflight, const cors_answer *a)
{
    const char *s;

    if (preflight && (a->status < 200 || a->status > 299)) {
        return "the preflight's status is not 2xx";
    }
    if (!a->acao_lines) {
        return "there is no Access-Control-Allow-Origin";
    }
    if (a->acao_lines > 1) {
        return "there are several Access-Control-Allow-Origin lines";
    }
    if (!strcmp(a->acao, "*") ? cred : strcmp(a->acao, req->origin) != 0) {
        return cred && !strcmp(a->acao, "*")
               ? "Access-Control-Allow-Origin is '*' for a credentialed "
                 "request"
               : "Access-Control-Allow-Origin names another origin";
    }
    if (cred && (!a->acac || strcmp(a->acac, "true"))) {
        return "Access-Control-Allow-Credentials is not 'true'";
    }
    if (!preflight) {
        return NULL;
    }
    if (!cors_is_safelisted_method(req->acrm)
        && !cors_listed(a->acam, req->acrm, strlen(req->acrm), 0)
        && (cred || !cors_listed(a->acam, "*", 1, 0))) {
        return "the method is not in Access-Control-Allow-Methods";
    }
    for (s = req->acrh; s && *s; ) {
        const char *b, *e;

        while (*s == ',' || *s == ' ' || *s == '\t') {
            s++;
        }
        for (b = s; *s && *s != ','; s++) {
            /* a header name */
        }
        for (e = s; e > b && (e[-1] == ' ' || e[-1] == '\t'); e--) {
            /* trailing white space */
        }
        if (e > b && !cors_listed(a->acah, b, e - b, 1)
            && (cred || !cors_listed(a->acah, "*", 1, 0)
                || (e - b == 13 && !strncasecmp(b, "authorization", 13)))) {
            return "a requested header is not in "
                   "Access-Control-Allow-Headers";
        }
    }
    if (req->acrpn && !strcasecmp(req->acrpn, "true")
        && (!a->acapn || strcmp(a->acapn, "true"))) {
        return "Access-Control-Allow-Private-Network is not 'true'";
    }
    return NULL;
}

/* -------------------------------------------------------------------- */
/* CorsProtect: refuse cross-origin writes and WebSocket handshakes      */

/* Is the Origin one the policy trusts?  As for CORS, except that "null"
 * never is: every site can send it. */
static int cors_protect_trusted(apr_pool_t *p, const cors_dir_conf *conf,
                                const char *origin)
{
    const cors_origins *o = cors_policy_origins(conf);
    const char *why;

    /* A policy that allows any origin (only an .htaccess file or a merge
     * made per request can give one to a protected section: the startup
     * check refuses it elsewhere) trusts none here, rather than letting
     * every site's writes through. */
    return !o->match_all && strcmp(origin, "null")
           && cors_match_origin(p, o, origin, &why);
}

/*
 * The rule of Go's http.CrossOriginProtection, with the section's origin
 * policy as the trusted origins.  Returns 0 to let the request through,
 * else CORS_D_REFUSED_CROSS_ORIGIN or CORS_D_REFUSED_WEBSOCKET with *why
 * saying which rule refused it.
 *  1. GET, HEAD and OPTIONS pass (they must not change state), except a
 *     WebSocket handshake, which is judged like a write.
 *  2. Sec-Fetch-Site same-origin or none passes; any other value passes
 *     only for a trusted Origin.
 *  3. Without Sec-Fetch-Site (older browsers, other clients): no Origin
 *     passes; an Origin whose host[:port] is the Host header, compared
 *     as strings, passes; any other only when trusted.
 */
int cors_policy_protect(apr_pool_t *p, const cors_dir_conf *conf,
                        const cors_write_request *w, const char **why)
{
    int refused = w->websocket ? CORS_D_REFUSED_WEBSOCKET
                               : CORS_D_REFUSED_CROSS_ORIGIN;
    const char *hostport;

    if (!w->websocket
        && (!strcmp(w->method, "GET") || !strcmp(w->method, "HEAD")
            || !strcmp(w->method, "OPTIONS"))) {
        return 0;
    }
    /* An empty Sec-Fetch-Site is none at all, as for Go's Header.Get(). */
    if (w->fetch_site && *w->fetch_site) {
        if (!strcmp(w->fetch_site, "same-origin")
            || !strcmp(w->fetch_site, "none")) {
            return 0;
        }
        if (w->origin && cors_protect_trusted(p, conf, w->origin)) {
            return 0;
        }
        *why = w->origin ? "Sec-Fetch-Site is not same-origin, and the "
                           "Origin is not one the policy allows"
                         : "Sec-Fetch-Site is not same-origin, and there "
                           "is no Origin";
        return refused;
    }
    if (!w->origin) {
        return 0;
    }
    /* "://host" has no scheme: not an origin, never the Host's. */
    hostport = strstr(w->origin, "://");
    if (hostport && hostport > w->origin && w->host
        && !strcmp(hostport + 3, w->host)) {
        return 0;
    }
    if (cors_protect_trusted(p, conf, w->origin)) {
        return 0;
    }
    *why = "no Sec-Fetch-Site, and the Origin is neither the Host header "
           "nor one the policy allows";
    return refused;
}

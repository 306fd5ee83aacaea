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
 * mod_cors.c: Cross-Origin Resource Sharing (WHATWG Fetch) for httpd 2.4
 *
 * Right after the location walk (post_perdir_config) mod_cors records
 * the section of the URL as requested and the CORS headers the client
 * sent, before a fast internal redirect can swap the section or
 * RequestHeader edit the headers.  Preflights (OPTIONS + Origin +
 * Access-Control-Request-Method) are let through authentication by an
 * access_checker_ex hook and answered by a fixups hook that runs after
 * mod_rewrite's, so they never reach the handler or a proxied backend.
 * Every other response in scope, error pages included, gets its
 * Access-Control-* headers from an output filter that runs after the
 * handler has produced its own headers, so the answer replaces whatever
 * a backend, a CGI script or a Header directive set.  The oldest request
 * of an internal redirect chain whose section has a Cors directive
 * decides.
 *
 * Directives (all merge per section; a child changes only what it sets):
 *
 *   Cors                       On|Off|ReportOnly
 *   CorsOrigins                origin|*|null|wildcard-origin ...
 *   CorsOriginsMatch           regex ...
 *   CorsMethods                method|* ...
 *   CorsAllowHeaders           header|* ...
 *   CorsAllowHeadersMatch      regex ...
 *   CorsExposeHeaders          header|* ...
 *   CorsSupportsCredentials    On|Off
 *   CorsMaxAge                 seconds
 *   CorsSendWildcard           On|Off
 *   CorsAlwaysSend             On|Off
 *   CorsAutomaticOptions       On|Off
 *   CorsVaryHeader             On|Off
 *   CorsAllowPrivateNetwork    On|Off
 *   CorsPreflightStatus        200|204
 *   CorsPreserveBackendHeaders On|Off
 *   CorsDebugHeader            On|Off
 *   CorsUnsafeAllowAnyOriginWithCredentials On|Off   (not in .htaccess)
 *
 * The decisions (origin parsing and matching, header-list parsing, the
 * verdict for a request) are pure functions of strings and the config,
 * so unit tests and fuzzers can call them without a request_rec.
 */

#include <arpa/inet.h>

#include "apr_hash.h"
#include "apr_lib.h"
#include "apr_shm.h"
#include "apr_strings.h"

#include "ap_config.h"
#include "ap_regex.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_listen.h"
#include "scoreboard.h"
#include "util_filter.h"

#include "mod_status.h"

/* Origin and header regexes run through PCRE2's JIT when httpd itself
 * uses PCRE2 (the Makefile then defines CORS_HAVE_PCRE2 and links
 * libpcre2-8): interpreted, each match costs more than the rest of the
 * module's work for a request.  ap_regex stays for validation and as
 * the fallback, in the same dialect. */
#ifdef CORS_HAVE_PCRE2
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif

module AP_MODULE_DECLARE_DATA cors_module;

#define CORS_UNSET (-1)

/* Cors ReportOnly: decide, note, count and log, change nothing. */
#define CORS_REPORT_ONLY 2

/* Longest Origin we look at; real ones are a few dozen bytes. */
#define CORS_MAX_ORIGIN 4096

/* Longest Access-Control-Request-Headers we parse (httpd's default
 * LimitRequestFieldSize is 8190, so this only bites when it is raised). */
#define CORS_MAX_HEADER_LIST 8192

/* The handler that serves the counters to Prometheus. */
#define CORS_METRICS_HANDLER "cors-metrics"

/* Longest Origin kept in the note "cors-origin". */
#define CORS_MAX_NOTE_ORIGIN 256

/* Chromium caps Access-Control-Max-Age at two hours. */
#define CORS_MAX_AGE_CHROMIUM 7200

/* Origins that no sane allow-list contains: a regex matching one of them
 * is treated as matching any origin. */
static const char *const cors_probe_origins[] = {
    "https://mod-cors-probe.invalid",
    "http://198.51.100.7:4242",
    NULL
};

static const char *const cors_default_methods[] = {
    "GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE", NULL
};
static const char cors_default_methods_joined[] =
    "GET, HEAD, POST, OPTIONS, PUT, PATCH, DELETE";

/* The response headers mod_cors owns; see cors_apply(). */
#define CORS_ACAO "Access-Control-Allow-Origin"
#define CORS_ACAC "Access-Control-Allow-Credentials"
#define CORS_ACEH "Access-Control-Expose-Headers"
#define CORS_ACAM "Access-Control-Allow-Methods"
#define CORS_ACAH "Access-Control-Allow-Headers"
#define CORS_ACMA "Access-Control-Max-Age"
#define CORS_ACAPN "Access-Control-Allow-Private-Network"
#define CORS_DEBUG_HEADER "CORS-Decision"

/* What mod_cors decided for a request, as the note "cors" names it, the
 * counters count it and the debug header shows it.  Log pipelines and
 * monitoring rely on these names: never rename one.  Where several
 * apply, the first failing check in the order the browser checks
 * decides: origin, then method, then headers. */
typedef enum {
    CORS_D_NO_ORIGIN,          /* no Origin header */
    CORS_D_ALLOWED,            /* an actual request granted */
    CORS_D_PREFLIGHT_ALLOWED,  /* a preflight granted */
    CORS_D_REFUSED_ORIGIN,     /* the origin is not allowed */
    CORS_D_REFUSED_METHOD,     /* a preflight's method is not allowed */
    CORS_D_REFUSED_HEADERS,    /* a preflight's header is not allowed */
    CORS_D_REFUSED_PN,         /* private network access asked, Off */
    CORS_D_MALFORMED,          /* Origin or the header list unparseable */
    CORS_D_REFUSED_CROSS_ORIGIN, /* CorsProtect: a cross-origin write */
    CORS_D_REFUSED_WEBSOCKET,  /* CorsProtect: a cross-origin WebSocket */
    CORS_NDECISIONS
} cors_decision;

static const char *const cors_decision_names[CORS_NDECISIONS] = {
    "no-origin", "allowed", "preflight-allowed", "refused-origin",
    "refused-method", "refused-headers", "refused-private-network",
    "malformed", "refused-cross-origin", "refused-websocket"
};

/* A wildcard origin: scheme, a first label of '*', a domain. */
typedef struct {
    const char *scheme;        /* lower case */
    const char *suffix;        /* ".example.com", lower case */
    apr_size_t suffix_len;     /* strlen(suffix) */
    apr_size_t scheme_len;     /* strlen(scheme) */
    const char *port;          /* digits, or NULL for the scheme default */
    apr_size_t port_len;       /* strlen(port), 0 without */
    const char *entry;         /* as written, for logs */
} cors_pattern;

/* A compiled regex and what the admin wrote. */
typedef struct {
    ap_regex_t *re;            /* anchored, case-insensitive */
    const char *entry;         /* as written, for logs */
#ifdef CORS_HAVE_PCRE2
    pcre2_code *jit;           /* the same, JIT-compiled, or NULL */
#endif
} cors_regex;

/* The exact origins of a policy: an open-addressing table, at most half
 * full, keyed by the normalised origin.  A lookup hashes the request's
 * Origin eight bytes at a time and compares one or two keys: constant
 * time, whatever the number of origins, and cheaper than apr_hash's
 * byte-at-a-time function on the request path. */
typedef struct {
    const char *key;           /* normalised origin, NULL: empty slot */
    apr_size_t len;            /* strlen(key) */
    const char *entry;         /* as written, for logs */
} cors_exact_slot;

typedef struct cors_exact {
    cors_exact_slot *slots;    /* mask + 1 of them */
    apr_uint32_t mask;         /* size - 1, the size a power of two */
    apr_uint32_t count;        /* slots in use */
} cors_exact;

/* The origin policy of one section (CorsOrigins + CorsOriginsMatch). */
typedef struct {
    int any;                   /* "*" listed */
    int allow_null;            /* "null" listed */
    int match_all;             /* "*" or a regex that matches any origin */
    struct cors_exact *exact;  /* normalised origin -> entry as written */
    const char *first_exact;   /* first exact origin, serialised as browsers
                                * do, for CorsAlwaysSend */
    const char *first_http;    /* first http:// entry, for the warning */
    apr_array_header_t *patterns; /* cors_pattern */
    apr_array_header_t *regexes;  /* cors_regex */
    const char *where;         /* the section that set it, for messages */
    apr_array_header_t *written;  /* CorsOrigins arguments as written */
} cors_origins;

/* Allowed request headers (CorsAllowHeaders + CorsAllowHeadersMatch). */
typedef struct {
    int any;                   /* "*": any header except Authorization */
    apr_hash_t *names;         /* lower-case name -> name as written */
    apr_array_header_t *regexes;  /* cors_regex */
    const char *where;         /* the section that set it, for messages */
    apr_array_header_t *written;  /* CorsAllowHeaders arguments as written */
} cors_headers;

/* A list of tokens sent back as one header (methods, exposed headers). */
typedef struct {
    int any;                   /* "*" listed */
    apr_array_header_t *items; /* const char *, as written */
    char *joined;              /* items joined by ", " */
    apr_size_t len;            /* strlen(joined) */
    apr_size_t size;           /* bytes allocated for joined */
    const char *where;         /* the section that set it, for messages */
} cors_list;

typedef struct {
    const char *location;      /* section of Cors On|Off, for logs */
    int set;                   /* some directive set something here */
    int enabled;               /* Cors: 0 Off, 1 On, CORS_REPORT_ONLY */
    cors_origins *origins;     /* NULL: unset, meaning "*" */
    cors_list *methods;        /* NULL: unset, cors_default_methods */
    cors_headers *allow_headers; /* NULL: unset, meaning "*" */
    cors_list *expose;         /* NULL: unset, meaning none */
    int credentials;           /* CorsSupportsCredentials */
    const char *credentials_where; /* "file:line" of CorsSupportsCredentials */
    const char *credentials_in; /* its section, for messages */
    const char *max_age;       /* CorsMaxAge as sent, NULL when unset */
    int send_wildcard;         /* CorsSendWildcard */
    int always_send;           /* CorsAlwaysSend */
    int automatic_options;     /* CorsAutomaticOptions */
    int vary;                  /* CorsVaryHeader */
    int private_network;       /* CorsAllowPrivateNetwork */
    int preflight_status;      /* CorsPreflightStatus, 0 when unset */
    int preserve;              /* CorsPreserveBackendHeaders */
    int unsafe_any;            /* CorsUnsafeAllowAnyOriginWithCredentials */
    int debug_header;          /* CorsDebugHeader */
    const char *section;       /* where its first directive is, for the
                                * dump (never merged) */
    unsigned int seq;          /* order of that directive in the config */
} cors_dir_conf;

/* The policy that applies when CorsOrigins/CorsAllowHeaders are unset. */
static const cors_origins cors_any_origin = {
    .any = 1, .match_all = 1, .where = "the default policy"
};
static const cors_headers cors_any_header = {
    .any = 1, .where = "the default policy"
};

#define CORS_FLAG(v, dflt) ((v) == CORS_UNSET ? (dflt) : (v))

/* What the module needs to know about a request. */
typedef struct {
    const char *method;        /* request method */
    const char *origin;        /* Origin, or NULL */
    const char *acrm;          /* Access-Control-Request-Method, or NULL */
    const char *acrh;          /* Access-Control-Request-Headers, or NULL */
    const char *acrpn;         /* Access-Control-Request-Private-Network */
} cors_request;

/* The answer, and why, for the debug log. */
typedef struct {
    int preflight;             /* the request is a preflight */
    int vary;                  /* merge "Vary: Origin" */
    int misconfigured;         /* credentials with any origin, refused */
    const char *allow_origin;  /* ACAO, or NULL: no CORS headers at all */
    const char *allow_methods; /* ACAM (preflight) */
    const char *allow_headers; /* ACAH (preflight), or NULL */
    const char *expose;        /* ACEH (actual request), or NULL */
    const char *max_age;       /* Access-Control-Max-Age, or NULL */
    int credentials;           /* Access-Control-Allow-Credentials: true */
    int private_network;       /* Access-Control-Allow-Private-Network */
    const char *matched;       /* entry that granted the origin */
    const char *where;         /* section whose directive decided */
    const char *reason;        /* why nothing (more) was granted */
    cors_decision decision;    /* what the note and the counters say */
    const char *culprit;       /* offending request value, not escaped */
    apr_size_t culprit_len;    /* its length */
} cors_verdict;

/* What mod_cors keeps of a request that entered a section with a Cors
 * directive (r->request_config), recorded right after the location walk.
 * The section of the URL the browser asked for decides the answer, and
 * that is what r->per_dir_config holds then: a fast internal redirect
 * (mod_dir's DirectoryIndex and FallbackResource, mod_negotiation's
 * MultiViews) later swaps in the target's record without setting
 * r->prev, but leaves r->request_config alone. */
typedef struct {
    const cors_dir_conf *conf; /* the requested URL's section */
    cors_request req;          /* its CORS headers as the client sent
                                * them, read once (Cors On only) */
    int accounted;             /* the decision is noted and counted */
    const cors_dir_conf *resp_conf; /* what decides the response, found
                                * by the insert_filter hook for the filter */
    const cors_request *resp_req; /* the headers it is judged on, or NULL */
} cors_req_state;

/* One origin split into its parts; pointers into the parsed string. */
typedef struct {
    const char *scheme;
    apr_size_t scheme_len;
    const char *host;
    apr_size_t host_len;
    const char *port;          /* NULL: none, or the scheme's default */
    apr_size_t port_len;
    int ipv6;                  /* the host is an IPv6 literal ... */
    unsigned char addr[16];    /* ... with this address */
} cors_origin_parts;

/* -------------------------------------------------------------------- */
/* Configuration records                                                 */

static void *cors_create_dir_config(apr_pool_t *p, char *dir)
{
    cors_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->location = dir;
    conf->enabled = CORS_UNSET;
    conf->credentials = CORS_UNSET;
    conf->send_wildcard = CORS_UNSET;
    conf->always_send = CORS_UNSET;
    conf->automatic_options = CORS_UNSET;
    conf->vary = CORS_UNSET;
    conf->private_network = CORS_UNSET;
    conf->preserve = CORS_UNSET;
    conf->unsafe_any = CORS_UNSET;
    conf->debug_header = CORS_UNSET;
    return conf;
}

#define CORS_MERGE(field, unset) \
    conf->field = (add->field != (unset)) ? add->field : base->field

static void *cors_merge_dir_config(apr_pool_t *p, void *basev, void *addv)
{
    cors_dir_conf *base = basev;
    cors_dir_conf *add = addv;
    cors_dir_conf *conf;

    /* httpd merges on every request, once per section that applies, and
     * most sections say nothing about CORS: where one side set nothing,
     * the merge is the other side as it is (records are read-only at
     * request time), so no copy is made. */
    if (!add->set) {
        return base;
    }
    if (!base->set && add->enabled != CORS_UNSET) {
        return add;
    }
    conf = apr_palloc(p, sizeof(*conf));
    conf->set = 1;
    conf->section = NULL;
    conf->seq = 0;
    /* Messages name the section that switched CORS on or off. */
    conf->location = add->enabled != CORS_UNSET ? add->location
                                                : base->location;
    CORS_MERGE(enabled, CORS_UNSET);
    CORS_MERGE(origins, NULL);
    CORS_MERGE(methods, NULL);
    CORS_MERGE(allow_headers, NULL);
    CORS_MERGE(expose, NULL);
    CORS_MERGE(credentials, CORS_UNSET);
    CORS_MERGE(credentials_where, NULL);
    CORS_MERGE(credentials_in, NULL);
    CORS_MERGE(max_age, NULL);
    CORS_MERGE(send_wildcard, CORS_UNSET);
    CORS_MERGE(always_send, CORS_UNSET);
    CORS_MERGE(automatic_options, CORS_UNSET);
    CORS_MERGE(vary, CORS_UNSET);
    CORS_MERGE(private_network, CORS_UNSET);
    CORS_MERGE(preflight_status, 0);
    CORS_MERGE(preserve, CORS_UNSET);
    CORS_MERGE(unsafe_any, CORS_UNSET);
    CORS_MERGE(debug_header, CORS_UNSET);
    return conf;
}

/* -------------------------------------------------------------------- */
/* Character classes and parsers shared by config and request time       */

/* RFC 9110 tchar. */
static int cors_is_tchar(unsigned char c)
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

static int cors_is_token(const char *s)
{
    if (!*s) {
        return 0;
    }
    for (; *s; s++) {
        if (!cors_is_tchar((unsigned char)*s)) {
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

/* ASCII lower case of a byte, one lookup (apr_tolower() is locale-aware
 * and a call away). */
static const unsigned char cors_lower[256] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,  /* 0x00 */
    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,  /* 0x08 */
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,  /* 0x10 */
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,  /* 0x18 */
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,  /* 0x20 */
    0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,  /* 0x28 */
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,  /* 0x30 */
    0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,  /* 0x38 */
    0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,  /* 0x40 */
    0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,  /* 0x48 */
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,  /* 0x50 */
    0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,  /* 0x58 */
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,  /* 0x60 */
    0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,  /* 0x68 */
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,  /* 0x70 */
    0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,  /* 0x78 */
    0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,  /* 0x80 */
    0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,  /* 0x88 */
    0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,  /* 0x90 */
    0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,  /* 0x98 */
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,  /* 0xa0 */
    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,  /* 0xa8 */
    0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,  /* 0xb0 */
    0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,  /* 0xb8 */
    0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,  /* 0xc0 */
    0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,  /* 0xc8 */
    0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,  /* 0xd0 */
    0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,  /* 0xd8 */
    0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,  /* 0xe0 */
    0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,  /* 0xe8 */
    0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,  /* 0xf0 */
    0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,  /* 0xf8 */
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
static const char *cors_parse_origin(const char *s, apr_size_t len,
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
static char *cors_origin_key(apr_pool_t *p, const cors_origin_parts *o,
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
        k[i] = cors_lower[src[i]];
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
            k[i] = cors_lower[src[i]];
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
/* Directive handlers                                                    */

/* True when the directive is being read from an .htaccess file. */
static int cors_in_htaccess(cmd_parms *cmd)
{
    return ap_check_cmd_context(cmd, NOT_IN_HTACCESS) != NULL;
}

/* httpd reads its configuration twice at start (and once per restart),
 * and each time every directive handler and check_config hook runs
 * again.  Startup messages are said on the first read, which is also
 * the only one of `apachectl -t`, and on the reads of later restarts,
 * but not on the second read of a start: the console gets each one once.
 * The flag lives in the process pool, which outlives the reloads of the
 * module; the post_config hook of the second read sets it. */
#define CORS_STARTED_KEY "mod_cors-started"

static int cors_startup_say_now(server_rec *s)
{
    void *started = NULL;

    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_CONFIG
        || !s || !s->process) {
        return 1;
    }
    apr_pool_userdata_get(&started, CORS_STARTED_KEY, s->process->pool);
    return started != NULL;
}

/*
 * A startup message in one format, "mod_cors: warning: FILE:LINE: text",
 * written to standard error by mod_cors itself rather than through
 * ap_log_error(): httpd's log escapes every backslash, which would show
 * a regex as "https://a\\.example".  Before httpd opens its logs
 * standard error is the console; on a restart it is the error log.
 * Bytes below 0x20 (none come from a sane config) are shown as '?'.
 */
#ifndef CORS_STARTUP_WRITE
/* The fuzz harnesses, which run the directive handlers, route these
 * lines into their log shim instead. */
#define CORS_STARTUP_WRITE cors_startup_write
static void cors_startup_write(apr_pool_t *p, const char *line)
{
    apr_file_t *err;

    if (apr_file_open_stderr(&err, p) == APR_SUCCESS) {
        apr_file_printf(err, "%s\n", line);
        apr_file_flush(err);
    }
}
#endif

static void cors_startup_say(server_rec *s, apr_pool_t *p, const char *kind,
                             const char *where, const char *msg)
{
    char *text;
    char *c;

    if (!cors_startup_say_now(s)) {
        return;
    }
    text = apr_psprintf(p, "mod_cors: %s: %s: %s", kind,
                        where ? where : "(unknown place)", msg);
    for (c = text; *c; c++) {
        if ((unsigned char)*c < 0x20) {
            *c = '?';
        }
    }
    CORS_STARTUP_WRITE(p, text);
}

/* "FILE:LINE" of the directive being read. */
static const char *cors_file_line(cmd_parms *cmd)
{
    return apr_psprintf(cmd->temp_pool, "%s:%d", cmd->directive->filename,
                        cmd->directive->line_num);
}

/* Startup warnings go to the console; in .htaccess, which is read on
 * every request, they would flood the error log, so they stay quiet. */
static void cors_warn(cmd_parms *cmd, const char *msg)
{
    if (!cors_in_htaccess(cmd)) {
        cors_startup_say(cmd->server, cmd->temp_pool, "warning",
                         cors_file_line(cmd), msg);
    }
}

/* A directive error.  httpd prints what a handler returns through its
 * log, which doubles each backslash: a message that shows a regex is
 * printed here as written, and httpd gets a short one that points to
 * it.  In .htaccess the message goes to the error log as it is. */
static const char *cors_cmd_error(cmd_parms *cmd, const char *msg)
{
    if (!strchr(msg, '\\') || cors_in_htaccess(cmd)) {
        return msg;
    }
    cors_startup_say(NULL, cmd->temp_pool, "error", cors_file_line(cmd), msg);
    return apr_pstrcat(cmd->pool, cmd->cmd->name, ": invalid value: see "
                       "the mod_cors error above (httpd's log would show "
                       "its backslashes doubled)", NULL);
}

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

static void cors_exact_put(apr_pool_t *p, cors_exact *t, const char *key,
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
                cors_exact_put(p, t, old[j].key, old[j].len, old[j].entry);
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

#ifdef CORS_HAVE_PCRE2
static apr_status_t cors_pcre2_free(void *code)
{
    pcre2_code_free(code);
    return APR_SUCCESS;
}
#endif

/* Compile a user regex so that it must match the whole subject. */
static const char *cors_compile_regex(cmd_parms *cmd, const char *arg,
                                      apr_array_header_t **list)
{
    cors_regex *rx;
    const char *anchored = apr_pstrcat(cmd->pool, "^(?:", arg, ")$", NULL);
    ap_regex_t *re = ap_pregcomp(cmd->pool, anchored, AP_REG_ICASE);

    if (!re) {
        return cors_cmd_error(cmd, apr_psprintf(
            cmd->pool, "%s: '%s' is not a valid regular expression; write "
            "a PCRE pattern for the whole value, e.g. "
            "\"https://[a-z0-9-]+\\.example\\.com\" (it is anchored at "
            "both ends and case-insensitive)", cmd->cmd->name, arg));
    }
    if (!*list) {
        *list = apr_array_make(cmd->pool, 2, sizeof(cors_regex));
    }
    rx = apr_array_push(*list);
    rx->re = re;
    rx->entry = arg;
#ifdef CORS_HAVE_PCRE2
    rx->jit = NULL;
    /* Not in .htaccess, which is read on every request: compiling costs
     * more there than the JIT saves. */
    if (ap_check_cmd_context(cmd, NOT_IN_HTACCESS) == NULL) {
        int err;
        PCRE2_SIZE off;
        /* The options ap_regcomp() turns AP_REG_ICASE into, with the
         * server's RegexDefaultOptions, so that both copies are one
         * regex. */
        int cflags = AP_REG_ICASE | ap_regcomp_get_default_cflags();
        pcre2_code *code = pcre2_compile(
            (PCRE2_SPTR)anchored, PCRE2_ZERO_TERMINATED,
            PCRE2_CASELESS | PCRE2_DUPNAMES
            | ((cflags & AP_REG_NEWLINE) ? PCRE2_MULTILINE : 0)
            | ((cflags & AP_REG_DOTALL) ? PCRE2_DOTALL : 0)
            | ((cflags & AP_REG_DOLLAR_ENDONLY) ? PCRE2_DOLLAR_ENDONLY : 0),
            &err, &off, NULL);

        if (code && pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0) {
            rx->jit = code;
            apr_pool_cleanup_register(cmd->pool, code, cors_pcre2_free,
                                      apr_pool_cleanup_null);
        }
        else if (code) {
            pcre2_code_free(code);
        }
    }
#endif
    return NULL;
}

/* Containers that only decide whether their content is read (<IfModule>,
 * <IfDefine>, ...) or whom it applies to (<Limit>): the directives in
 * them belong to the section around them.  <If> and <Else...> are
 * sections of their own. */
static int cors_is_wrapper(const char *name)
{
    return (!strncasecmp(name, "<If", 3) && apr_isalpha(name[3]))
           || !strncasecmp(name, "<Limit", 6)
           || !strcasecmp(name, "<Macro");
}

/* The section a directive is in, as the admin wrote it ("<Location
 * /api/>", "<VirtualHost *:443>", "server config", or the .htaccess
 * file). */
static const char *cors_section(cmd_parms *cmd)
{
    const ap_directive_t *sec = cmd->directive->parent;
    const char *args;
    apr_size_t n;

    if (cors_in_htaccess(cmd)) {
        return cmd->directive->filename;
    }
    while (sec && cors_is_wrapper(sec->directive)) {
        sec = sec->parent;
    }
    if (!sec) {
        return "server config";
    }
    /* The parser keeps the closing '>' of "<Location /api/>" in args. */
    args = sec->args ? sec->args : "";
    n = strlen(args);
    if (n && args[n - 1] == '>') {
        n--;
    }
    return apr_psprintf(cmd->pool, "%s%s%.*s>", sec->directive,
                        n ? " " : "", (int)n, args);
}

/* The section and the file and line of the directive: messages and the
 * debug log name the section whose directive decided, not just the one
 * that said Cors On. */
static const char *cors_where(cmd_parms *cmd)
{
    if (cors_in_htaccess(cmd)) {
        return apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                            cmd->directive->line_num);
    }
    return apr_psprintf(cmd->pool, "%s at %s:%d", cors_section(cmd),
                        cmd->directive->filename, cmd->directive->line_num);
}

/* Configuration order of the records, for the dump: directive handlers
 * run in the order of the configuration files. */
static unsigned int cors_seq;

/* A directive sets something in this record. */
static void cors_touch(cmd_parms *cmd, cors_dir_conf *conf)
{
    conf->set = 1;
    if (!conf->section) {
        conf->section = cors_where(cmd);
        conf->seq = ++cors_seq;
    }
}

/* On/Off for an int field at the offset in cmd->info.  AP_INIT_FLAG would
 * do, but its message does not name the bad value. */
static const char *cors_set_onoff(cmd_parms *cmd, void *dconf,
                                  const char *arg)
{
    int *field = (int *)((char *)dconf + (apr_size_t)cmd->info);

    cors_touch(cmd, dconf);
    if (!strcasecmp(arg, "on")) {
        *field = 1;
    }
    else if (!strcasecmp(arg, "off")) {
        *field = 0;
    }
    else {
        return apr_psprintf(cmd->pool, "%s: '%s' is not On or Off",
                            cmd->cmd->name, arg);
    }
    return NULL;
}

/* Cors On|Off|ReportOnly. */
static const char *cors_set_cors(cmd_parms *cmd, void *dconf,
                                 const char *arg)
{
    cors_dir_conf *conf = dconf;

    if (!strcasecmp(arg, "ReportOnly")) {
        cors_touch(cmd, conf);
        conf->enabled = CORS_REPORT_ONLY;
        return NULL;
    }
    if (!strcasecmp(arg, "on") || !strcasecmp(arg, "off")) {
        return cors_set_onoff(cmd, dconf, arg);
    }
    return apr_psprintf(cmd->pool, "Cors: '%s' is not On, Off or "
                        "ReportOnly", arg);
}

static const char *cors_set_credentials(cmd_parms *cmd, void *dconf,
                                        const char *arg)
{
    cors_dir_conf *conf = dconf;

    cors_touch(cmd, conf);
    conf->credentials_where = apr_psprintf(cmd->pool, "%s:%d",
                                           cmd->directive->filename,
                                           cmd->directive->line_num);
    conf->credentials_in = cors_section(cmd);
    return cors_set_onoff(cmd, dconf, arg);
}

static const char *cors_set_unsafe(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_HTACCESS);

    if (err) {
        return err;
    }
    return cors_set_onoff(cmd, dconf, arg);
}

static cors_origins *cors_origins_of(cmd_parms *cmd, cors_dir_conf *conf)
{
    cors_touch(cmd, conf);
    if (!conf->origins) {
        conf->origins = apr_pcalloc(cmd->pool, sizeof(cors_origins));
        conf->origins->where = cors_where(cmd);
    }
    return conf->origins;
}

/* A wildcard origin, scheme and '*.' then a domain: one or more
 * labels before the domain, never the domain itself. */
static const char *cors_add_pattern(cmd_parms *cmd, cors_origins *o,
                                    const char *arg)
{
    const char *star = strstr(arg, "://*.");
    const char *probe;
    cors_origin_parts parts;
    cors_pattern *pat;
    const char *why;
    apr_size_t klen;
    char *key;

    if (!star || strchr(star + 4, '*')) {
        return cors_cmd_error(cmd, apr_psprintf(
            cmd->pool, "CorsOrigins: '%s' is not a valid wildcard; only a "
            "whole first label is supported, as in https://*.example.com "
            "(use CorsOriginsMatch for anything else)", arg));
    }
    /* Validate the rest by putting a real label where the star is. */
    probe = apr_pstrcat(cmd->pool, apr_pstrmemdup(cmd->pool, arg,
                                                  star + 3 - arg),
                        "x", star + 4, NULL);
    why = cors_parse_origin(probe, strlen(probe), &parts);
    if (why) {
        return cors_cmd_error(cmd, apr_psprintf(
            cmd->pool, "CorsOrigins: '%s' is not an origin pattern: it %s; "
            "write scheme://*.domain[:port], e.g. https://*.example.com",
            arg, why));
    }
    if (parts.host[0] == '[') {
        return apr_psprintf(cmd->pool, "CorsOrigins: '%s': a wildcard "
                            "cannot stand in an IP address", arg);
    }
    key = cors_origin_key(cmd->pool, &parts, &klen);
    if (!o->patterns) {
        o->patterns = apr_array_make(cmd->pool, 2, sizeof(cors_pattern));
    }
    pat = apr_array_push(o->patterns);
    pat->scheme = apr_pstrmemdup(cmd->pool, key, parts.scheme_len);
    pat->scheme_len = parts.scheme_len;
    pat->suffix = apr_pstrmemdup(cmd->pool, key + parts.scheme_len + 4,
                                 parts.host_len - 1);
    pat->suffix_len = parts.host_len - 1;
    pat->port = parts.port ? apr_pstrmemdup(cmd->pool, parts.port,
                                            parts.port_len) : NULL;
    pat->port_len = parts.port_len;
    pat->entry = arg;
    if (!strchr(pat->suffix + 1, '.')) {
        cors_warn(cmd, apr_psprintf(cmd->pool, "CorsOrigins: '%s' allows "
                                    "every site under a top-level domain",
                                    arg));
    }
    return NULL;
}

static const char *cors_add_origin_entry(cmd_parms *cmd, cors_origins *o,
                                         const char *arg)
{
    cors_origin_parts parts;
    const char *why;
    apr_size_t klen;
    char *key;

    if (!strcmp(arg, "*")) {
        o->any = o->match_all = 1;
        return NULL;
    }
    if (!strcasecmp(arg, "null")) {
        cors_warn(cmd, "CorsOrigins: 'null' is the origin of sandboxed "
                  "iframes, data: URLs and local files: any site can "
                  "produce it, so allowing it is close to allowing '*'");
        o->allow_null = 1;
        return NULL;
    }
    if (strchr(arg, '*')) {
        return cors_add_pattern(cmd, o, arg);
    }
    why = cors_parse_origin(arg, strlen(arg), &parts);
    if (why) {
        return cors_cmd_error(cmd, apr_psprintf(
            cmd->pool, "CorsOrigins: '%s' is not an origin: it %s; write "
            "scheme://host[:port], one origin per argument, e.g. "
            "https://app.example.com", arg, why));
    }
    key = cors_origin_key(cmd->pool, &parts, &klen);
    if (!o->exact) {
        o->exact = apr_pcalloc(cmd->pool, sizeof(cors_exact));
        o->first_exact = key;
    }
    cors_exact_put(cmd->pool, o->exact, key, klen, arg);
    if (!o->first_http && parts.scheme_len == 4
        && !strncasecmp(parts.scheme, "http", 4)) {
        o->first_http = arg;
    }
    return NULL;
}

static const char *cors_add_origin(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    cors_origins *o = cors_origins_of(cmd, dconf);

    if (!o->written) {
        o->written = apr_array_make(cmd->pool, 4, sizeof(const char *));
    }
    APR_ARRAY_PUSH(o->written, const char *) = arg;
    return cors_add_origin_entry(cmd, o, arg);
}

/* Where a regex has a bare '.' right before a letter or digit, as in
 * "https://app.example.com", return it: it matches any character, so
 * "https://appXexample.com" is allowed too, which is rarely meant.  A
 * '.' before a quantifier (".*", ".+") is a wildcard on purpose; escaped
 * dots and dots inside [...] are left alone. */
static const char *cors_bare_dot(const char *re)
{
    const char *s;
    int in_class = 0;

    for (s = re; *s; s++) {
        if (*s == '\\') {
            if (!s[1]) {
                break;
            }
            s++;
        }
        else if (in_class) {
            in_class = *s != ']';
        }
        else if (*s == '[') {
            in_class = 1;
            /* A ']' right after '[' or '[^' is a member, not the end. */
            if (s[1] == '^') {
                s++;
            }
            if (s[1] == ']') {
                s++;
            }
        }
        else if (*s == '.' && apr_isalnum(s[1])) {
            return s;
        }
    }
    return NULL;
}

static const char *cors_add_origin_regex(cmd_parms *cmd, void *dconf,
                                         const char *arg)
{
    cors_origins *o = cors_origins_of(cmd, dconf);
    const char *err = cors_compile_regex(cmd, arg, &o->regexes);
    const cors_regex *rx;
    int i;

    if (err) {
        return err;
    }
    rx = &APR_ARRAY_IDX(o->regexes, o->regexes->nelts - 1, cors_regex);
    if (cors_bare_dot(arg)) {
        cors_warn(cmd, apr_psprintf(cmd->pool, "CorsOriginsMatch: the '.' "
                                    "in '%s' matches any character, not "
                                    "just a dot; write '\\.' for a dot",
                                    arg));
    }
    for (i = 0; cors_probe_origins[i]; i++) {
        if (!ap_regexec(rx->re, cors_probe_origins[i], 0, NULL, 0)) {
            o->match_all = 1;
        }
    }
    return NULL;
}

/* Append a token to a cors_list, keeping the joined header value.  The
 * buffer doubles as it fills, so a long list costs linear time even in
 * an .htaccess file, which is read on every request. */
static void cors_list_add(cmd_parms *cmd, cors_list **listp,
                          const char *arg)
{
    apr_pool_t *p = cmd->pool;
    cors_list *list = *listp;
    apr_size_t n = strlen(arg);
    apr_size_t need;

    if (!list) {
        list = *listp = apr_pcalloc(p, sizeof(*list));
        list->items = apr_array_make(p, 8, sizeof(const char *));
        list->where = cors_where(cmd);
    }
    if (!strcmp(arg, "*")) {
        list->any = 1;
    }
    APR_ARRAY_PUSH(list->items, const char *) = arg;
    need = list->len + 2 + n + 1;
    if (need > list->size) {
        char *grown = apr_palloc(p, 2 * need);

        if (list->len) {
            memcpy(grown, list->joined, list->len);
        }
        list->joined = grown;
        list->size = 2 * need;
    }
    if (list->len) {
        memcpy(list->joined + list->len, ", ", 2);
        list->len += 2;
    }
    memcpy(list->joined + list->len, arg, n + 1);
    list->len += n;
}

/* Fetch's forbidden methods: no script can send them. */
static int cors_is_forbidden_method(const char *m)
{
    return !strcasecmp(m, "CONNECT") || !strcasecmp(m, "TRACE")
           || !strcasecmp(m, "TRACK");
}

/*
 * Methods are compared byte for byte, as browsers compare them, and
 * browsers upper-case exactly these six whatever a script wrote: "get"
 * here could never match, so it is taken as "GET" (Flask-CORS upper-cases
 * every method), with a warning.  Any other method is kept as written,
 * since fetch() sends "patch" as "patch"; one with lower-case letters
 * gets a warning that says so.
 */
static const char *cors_method_case(cmd_parms *cmd, const char *arg)
{
    static const char *const normalised[] = {
        "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", NULL
    };
    const char *c;
    char *upper;
    char *u;
    int i;

    for (c = arg; *c && !apr_islower(*c); c++) {
        /* look for a lower-case letter */
    }
    if (!*c) {
        return arg;
    }
    for (i = 0; normalised[i]; i++) {
        if (!strcasecmp(arg, normalised[i])) {
            cors_warn(cmd, apr_psprintf(cmd->pool, "CorsMethods: '%s' is "
                                        "taken as '%s': browsers send it in "
                                        "upper case, and methods compare "
                                        "byte for byte", arg,
                                        normalised[i]));
            return normalised[i];
        }
    }
    upper = apr_pstrdup(cmd->temp_pool, arg);
    for (u = upper; *u; u++) {
        *u = apr_toupper(*u);
    }
    cors_warn(cmd, apr_psprintf(cmd->pool, "CorsMethods: '%s' is kept as "
                                "written and compared byte for byte: it "
                                "allows fetch(url, {method: '%s'}), not "
                                "'%s'; browsers upper-case only DELETE, GET, "
                                "HEAD, OPTIONS, POST and PUT", arg, arg,
                                upper));
    return arg;
}

static const char *cors_add_method(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    cors_dir_conf *conf = dconf;

    if (strcmp(arg, "*") && !cors_is_token(arg)) {
        return apr_psprintf(cmd->pool, "CorsMethods: '%s' is not a method "
                            "name (an HTTP token such as PUT)", arg);
    }
    if (cors_is_forbidden_method(arg)) {
        return apr_psprintf(cmd->pool, "CorsMethods: '%s' is a forbidden "
                            "method that browsers never send; remove it",
                            arg);
    }
    cors_touch(cmd, conf);
    cors_list_add(cmd, &conf->methods, cors_method_case(cmd, arg));
    return NULL;
}

/* Request headers that scripts can never set (Fetch "forbidden request
 * header"): listing one is always a mistake. */
static int cors_is_forbidden_header(const char *name)
{
    static const char *const forbidden[] = {
        "accept-charset", "accept-encoding", "access-control-request-headers",
        "access-control-request-method", "connection", "content-length",
        "cookie", "cookie2", "date", "dnt", "expect", "host", "keep-alive",
        "origin", "referer", "set-cookie", "te", "trailer",
        "transfer-encoding", "upgrade", "via", NULL
    };
    int i;

    if (!strncasecmp(name, "proxy-", 6) || !strncasecmp(name, "sec-", 4)) {
        return 1;
    }
    for (i = 0; forbidden[i]; i++) {
        if (!strcasecmp(name, forbidden[i])) {
            return 1;
        }
    }
    return 0;
}

static cors_headers *cors_headers_of(cmd_parms *cmd, cors_dir_conf *conf)
{
    cors_touch(cmd, conf);
    if (!conf->allow_headers) {
        conf->allow_headers = apr_pcalloc(cmd->pool, sizeof(cors_headers));
        conf->allow_headers->where = cors_where(cmd);
    }
    return conf->allow_headers;
}

static const char *cors_add_allow_header(cmd_parms *cmd, void *dconf,
                                         const char *arg)
{
    cors_headers *h = cors_headers_of(cmd, dconf);
    char *lower;

    if (!h->written) {
        h->written = apr_array_make(cmd->pool, 4, sizeof(const char *));
    }
    APR_ARRAY_PUSH(h->written, const char *) = arg;

    if (!strcmp(arg, "*")) {
        h->any = 1;
        return NULL;
    }
    if (!cors_is_token(arg)) {
        return apr_psprintf(cmd->pool, "CorsAllowHeaders: '%s' is not a "
                            "header name (an HTTP token such as "
                            "X-Requested-With)", arg);
    }
    if (cors_is_forbidden_header(arg)) {
        return apr_psprintf(cmd->pool, "CorsAllowHeaders: '%s' is a "
                            "forbidden request header that scripts can "
                            "never set; remove it", arg);
    }
    if (!h->names) {
        h->names = apr_hash_make(cmd->pool);
    }
    lower = apr_pstrdup(cmd->pool, arg);
    ap_str_tolower(lower);
    apr_hash_set(h->names, lower, APR_HASH_KEY_STRING, arg);
    return NULL;
}

static const char *cors_add_allow_header_regex(cmd_parms *cmd, void *dconf,
                                               const char *arg)
{
    cors_headers *h = cors_headers_of(cmd, dconf);

    return cors_compile_regex(cmd, arg, &h->regexes);
}

static const char *cors_add_expose_header(cmd_parms *cmd, void *dconf,
                                          const char *arg)
{
    cors_dir_conf *conf = dconf;

    if (strcmp(arg, "*") && !cors_is_token(arg)) {
        return apr_psprintf(cmd->pool, "CorsExposeHeaders: '%s' is not a "
                            "header name (an HTTP token such as X-Total)",
                            arg);
    }
    if (!strcasecmp(arg, "Set-Cookie") || !strcasecmp(arg, "Set-Cookie2")) {
        cors_warn(cmd, apr_psprintf(cmd->pool, "CorsExposeHeaders: "
                                    "browsers never expose '%s' to scripts",
                                    arg));
    }
    cors_touch(cmd, conf);
    cors_list_add(cmd, &conf->expose, arg);
    return NULL;
}

static const char *cors_set_max_age(cmd_parms *cmd, void *dconf,
                                    const char *arg)
{
    cors_dir_conf *conf = dconf;
    const char *p;
    int seconds;

    for (p = arg; apr_isdigit(*p); p++) {
        /* digits only: no sign, no unit */
    }
    if (p == arg || *p || p - arg > 9) {
        return apr_psprintf(cmd->pool, "CorsMaxAge: '%s' is not a number "
                            "of seconds (0 to 999999999)", arg);
    }
    /* Sent as a number, without the leading zeros of "0600". */
    cors_touch(cmd, conf);
    seconds = atoi(arg);
    conf->max_age = apr_itoa(cmd->pool, seconds);
    if (seconds > CORS_MAX_AGE_CHROMIUM) {
        cors_warn(cmd, apr_psprintf(cmd->pool, "CorsMaxAge: Chromium caches "
                                    "preflights for at most %d seconds, not "
                                    "%s", CORS_MAX_AGE_CHROMIUM, arg));
    }
    return NULL;
}

static const char *cors_set_preflight_status(cmd_parms *cmd, void *dconf,
                                             const char *arg)
{
    cors_dir_conf *conf = dconf;

    if (strcmp(arg, "200") && strcmp(arg, "204")) {
        return apr_psprintf(cmd->pool, "CorsPreflightStatus: '%s' is not "
                            "200 or 204", arg);
    }
    cors_touch(cmd, conf);
    conf->preflight_status = atoi(arg);
    return NULL;
}

/* -------------------------------------------------------------------- */
/* Decisions: pure functions of request strings and the config           */

static const cors_origins *cors_origin_policy(const cors_dir_conf *conf)
{
    return conf->origins ? conf->origins : &cors_any_origin;
}

/* What makes a policy open, for messages. */
static const char *cors_policy_open_entry(const cors_origins *o)
{
    return o->any ? "'*'" : o->match_all ? "a match-all CorsOriginsMatch"
                  : "'null'";
}

/* An origin policy that any web site can satisfy: "*", a match-all
 * regex, or "null". */
static int cors_policy_open(const cors_origins *o)
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

static int cors_regex_list_match(apr_pool_t *p,
                                 const apr_array_header_t *list,
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
    *why = cors_parse_origin(origin, strlen(origin), &parts);
    if (*why) {
        return NULL;
    }
    if (o->any) {
        return "*";
    }
    key = cors_origin_key(p, &parts, &klen);
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
    return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "POST");
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
        for (i = 0; cors_default_methods[i]; i++) {
            if (!strcmp(m, cors_default_methods[i])) {
                return 1;
            }
        }
        return 0;
    }
    if (conf->methods->any) {
        return cors_is_token(m) && !cors_is_forbidden_method(m);
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

/* What each byte of Access-Control-Request-Headers is, in one lookup:
 * a tchar (RFC 9110) maps to itself lower-cased (all of them are above
 * CORS_ACRH_OWS), the separators to CORS_ACRH_COMMA and CORS_ACRH_OWS,
 * anything else (NUL included) to CORS_ACRH_BAD.  A constant table, so
 * that the parser needs no initialisation (the fuzzers call it without
 * the hooks); cors_is_tchar() and apr_tolower() say the same. */
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
    return cors_origin_policy(conf)->any
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
    const cors_origins *o = cors_origin_policy(conf);

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
static void cors_decide(apr_pool_t *p, const cors_dir_conf *conf,
                        const cors_request *req, cors_verdict *v)
{
    const cors_origins *o = cors_origin_policy(conf);
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
/* Counters in shared memory, mod_status and the cors-metrics handler    */

/* The key of the decisions in mod_status's machine-readable page. */
static const char *const cors_decision_keys[CORS_NDECISIONS] = {
    "CorsNoOrigin", "CorsAllowed", "CorsPreflightAllowed",
    "CorsRefusedOrigin", "CorsRefusedMethod", "CorsRefusedHeaders",
    "CorsRefusedPrivateNetwork", "CorsMalformed", "CorsRefusedCrossOrigin",
    "CorsRefusedWebsocket"
};

/* Longest server label kept, with its NUL. */
#define CORS_LABEL_MAX 128

/* The counters of one virtual host.  Written by every thread of every
 * child with relaxed atomic increments, read the same way: no lock on
 * the request path, and a reader sees each counter whole. */
typedef struct {
    char label[CORS_LABEL_MAX];        /* "ServerName:port[:N]", "" free */
    apr_uint64_t count[CORS_NDECISIONS];
    apr_uint64_t report_differs;       /* Cors ReportOnly: answers that
                                        * differ from the response's */
} cors_slot;

/* The shared memory segment: made once per start in the parent's process
 * pool, so that it outlives graceful restarts and old-generation
 * children finish their requests into it; cleared at a full restart.
 * Slot 0 counts the virtual hosts that a reload added past the room the
 * first start left (twice the virtual hosts it had, plus 16). */
typedef struct {
    apr_uint32_t nslots;
    cors_slot slot[1];
} cors_stats;

#define CORS_SHM_KEY "mod_cors-counters"
#define CORS_OVERFLOW_LABEL "(overflow)"

/* This generation's view of the segment; children inherit it. */
static cors_stats *cors_shm;

/* Per-server record: where its counters are (an index into shared
 * memory, not counters: server records are shared by all threads). */
typedef struct {
    cors_slot *slot;                   /* NULL: no counters (apachectl -t) */
} cors_srv_conf;

static void *cors_create_srv_config(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return apr_pcalloc(p, sizeof(cors_srv_conf));
}

static APR_INLINE void cors_count(const request_rec *r, cors_decision d)
{
    const cors_srv_conf *sc = ap_get_module_config(r->server->module_config,
                                                   &cors_module);

    if (sc->slot) {
        __atomic_fetch_add(&sc->slot->count[d], 1, __ATOMIC_RELAXED);
    }
}

static apr_uint64_t cors_read(const apr_uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* "ServerName:port", the label of a server in the counters. */
static const char *cors_server_label(apr_pool_t *p, const server_rec *s)
{
    apr_port_t port = s->port;

    if (!port && s->is_virtual && s->addrs) {
        port = s->addrs->host_port;
    }
    /* A main server whose ServerName has no port: the first Listen. */
    if (!port && !s->is_virtual && ap_listeners && ap_listeners->bind_addr) {
        port = ap_listeners->bind_addr->port;
    }
    return apr_psprintf(p, "%s:%u", s->server_hostname ? s->server_hostname
                                                       : "localhost",
                        port ? (unsigned)port : 80u);
}

/* The slot labelled so, or a free one, or the overflow slot. */
static cors_slot *cors_slot_for(const char *label)
{
    cors_slot *free_slot = NULL;
    apr_uint32_t i;

    for (i = 1; i < cors_shm->nslots; i++) {
        cors_slot *sl = &cors_shm->slot[i];

        if (!strcmp(sl->label, label)) {
            return sl;
        }
        if (!free_slot && !sl->label[0]) {
            free_slot = sl;
        }
    }
    if (!free_slot) {
        return &cors_shm->slot[0];
    }
    apr_cpystrn(free_slot->label, label, CORS_LABEL_MAX);
    return free_slot;
}

/*
 * post_config: find or make the shared segment and give every server its
 * slot.  Two servers with the same "name:port" are told apart by a ":2",
 * ":3" ... suffix, in configuration order.  Nothing under `apachectl -t`
 * or on the first of the two reads of a start.
 */
static int cors_stats_init(apr_pool_t *ptemp, server_rec *s)
{
    apr_pool_t *pp = s->process->pool;
    apr_hash_t *seen = apr_hash_make(ptemp);
    apr_shm_t *shm = NULL;
    apr_status_t rv;
    server_rec *v;

    if (ap_state_query(AP_SQ_RUN_MODE) != AP_SQ_RM_NORMAL
        || ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    apr_pool_userdata_get((void **)&shm, CORS_SHM_KEY, pp);
    if (!shm) {
        apr_uint32_t n = 17;
        apr_size_t size;

        for (v = s; v; v = v->next) {
            n += 2;
        }
        size = APR_OFFSETOF(cors_stats, slot) + n * sizeof(cors_slot);
        rv = apr_shm_create(&shm, size, NULL, pp);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "mod_cors: cannot "
                         "make %" APR_SIZE_T_FMT " bytes of shared memory "
                         "for its counters; counting nothing", size);
            return OK;
        }
        memset(apr_shm_baseaddr_get(shm), 0, size);
        ((cors_stats *)apr_shm_baseaddr_get(shm))->nslots = n;
        apr_cpystrn(((cors_stats *)apr_shm_baseaddr_get(shm))->slot[0].label,
                    CORS_OVERFLOW_LABEL, CORS_LABEL_MAX);
        apr_pool_userdata_set(shm, CORS_SHM_KEY, apr_pool_cleanup_null, pp);
    }
    cors_shm = apr_shm_baseaddr_get(shm);
    for (v = s; v; v = v->next) {
        cors_srv_conf *sc = ap_get_module_config(v->module_config,
                                                 &cors_module);
        const char *label = cors_server_label(ptemp, v);
        int *dup = apr_hash_get(seen, label, APR_HASH_KEY_STRING);

        if (dup) {
            ++*dup;
            label = apr_psprintf(ptemp, "%s:%d", label, *dup);
        }
        else {
            dup = apr_pcalloc(ptemp, sizeof(*dup));
            *dup = 1;
            apr_hash_set(seen, label, APR_HASH_KEY_STRING, dup);
        }
        sc->slot = cors_slot_for(label);
    }
    return OK;
}

/* pre_mpm runs at a start and at a full restart, never at a graceful
 * one: that is when the counters start again from zero. */
static int cors_stats_clear(apr_pool_t *p, ap_scoreboard_e sb_type)
{
    apr_uint32_t i;

    (void)p;
    (void)sb_type;
    for (i = 0; cors_shm && i < cors_shm->nslots; i++) {
        cors_slot *sl = &cors_shm->slot[i];
        int d;

        for (d = 0; d < CORS_NDECISIONS; d++) {
            __atomic_store_n(&sl->count[d], 0, __ATOMIC_RELAXED);
        }
        __atomic_store_n(&sl->report_differs, 0, __ATOMIC_RELAXED);
    }
    return OK;
}

/* Has anything been counted in this slot?  The overflow slot is shown
 * only then. */
static int cors_slot_used(const cors_slot *sl)
{
    int d;

    for (d = 0; d < CORS_NDECISIONS; d++) {
        if (cors_read(&sl->count[d])) {
            return 1;
        }
    }
    return cors_read(&sl->report_differs) != 0;
}

/* mod_status: a table of servers by decisions, or for ?auto one line per
 * decision summed over all servers, zeros included. */
static int cors_status_hook(request_rec *r, int flags)
{
    apr_uint64_t sum[CORS_NDECISIONS + 1] = { 0 };
    apr_uint32_t i;
    int d;

    if (!cors_shm) {
        return OK;
    }
    if (!(flags & AP_STATUS_SHORT)) {
        ap_rputs("<hr />\n<h2>CORS decisions (mod_cors)</h2>\n"
                 "<table border=\"0\"><tr><th>Server</th>", r);
        for (d = 0; d < CORS_NDECISIONS; d++) {
            ap_rprintf(r, "<th>%s</th>", cors_decision_names[d]);
        }
        ap_rputs("<th>report-differs</th></tr>\n", r);
    }
    for (i = 0; i < cors_shm->nslots; i++) {
        const cors_slot *sl = &cors_shm->slot[i];
        apr_uint64_t row[CORS_NDECISIONS + 1];
        apr_uint64_t any = 0;

        for (d = 0; d <= CORS_NDECISIONS; d++) {
            row[d] = cors_read(d < CORS_NDECISIONS ? &sl->count[d]
                                                   : &sl->report_differs);
            sum[d] += row[d];
            any |= row[d];
        }
        if ((flags & AP_STATUS_SHORT) || !sl->label[0]
            || (i == 0 && !any)) {
            continue;
        }
        ap_rprintf(r, "<tr><td>%s</td>", ap_escape_html(r->pool, sl->label));
        for (d = 0; d <= CORS_NDECISIONS; d++) {
            ap_rprintf(r, "<td>%" APR_UINT64_T_FMT "</td>", row[d]);
        }
        ap_rputs("</tr>\n", r);
    }
    if (!(flags & AP_STATUS_SHORT)) {
        ap_rputs("</table>\n", r);
        return OK;
    }
    for (d = 0; d < CORS_NDECISIONS; d++) {
        ap_rprintf(r, "%s: %" APR_UINT64_T_FMT "\n", cors_decision_keys[d],
                   sum[d]);
    }
    ap_rprintf(r, "CorsReportDiffers: %" APR_UINT64_T_FMT "\n",
               sum[CORS_NDECISIONS]);
    return OK;
}

/* A label value in the Prometheus text format: backslash, quote and
 * line feed escaped.  Labels come from ServerName, never a request. */
static const char *cors_prom_label(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, 2 * strlen(s) + 1);
    char *o = out;

    for (; *s; s++) {
        if (*s == '\\' || *s == '"') {
            *o++ = '\\';
            *o++ = *s;
        }
        else if (*s == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        }
        else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

/* Was an .htaccess file read for this request?  Its SetHandler or
 * AddHandler could then have made it a cors-metrics request, and a
 * tenant must not read the other hosts' traffic. */
static int cors_htaccess_applied(const request_rec *r)
{
    const struct htaccess_result *h;

    for (h = r->htaccess; h; h = h->next) {
        if (h->htaccess) {
            return 1;
        }
    }
    return 0;
}

/* SetHandler cors-metrics: every server's counters in the Prometheus
 * text exposition format, version 0.0.4. */
static int cors_metrics_handler(request_rec *r)
{
    apr_uint32_t i;
    int d;

    /* Called for every request of the server: the first byte decides
     * nearly all. */
    if (!r->handler || r->handler[0] != 'c'
        || strcmp(r->handler, CORS_METRICS_HANDLER)) {
        return DECLINED;
    }
    r->allowed |= (AP_METHOD_BIT << M_GET);
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (cors_htaccess_applied(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mod_cors: the "
                      "cors-metrics handler does not answer where an "
                      ".htaccess file applies (%s): it could have set the "
                      "handler; serve it from a section of the server "
                      "configuration where none does",
                      ap_escape_logitem(r->pool, r->uri));
        return HTTP_FORBIDDEN;
    }
    ap_set_content_type(r, "text/plain; version=0.0.4");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (r->header_only) {
        return OK;
    }
    ap_rputs("# HELP mod_cors_decisions_total CORS decisions of mod_cors, "
             "by virtual host and decision.\n"
             "# TYPE mod_cors_decisions_total counter\n", r);
    for (i = 0; cors_shm && i < cors_shm->nslots; i++) {
        const cors_slot *sl = &cors_shm->slot[i];
        const char *label;

        if (!sl->label[0] || (i == 0 && !cors_slot_used(sl))) {
            continue;
        }
        label = cors_prom_label(r->pool, sl->label);
        for (d = 0; d < CORS_NDECISIONS; d++) {
            ap_rprintf(r, "mod_cors_decisions_total{server=\"%s\","
                       "decision=\"%s\"} %" APR_UINT64_T_FMT "\n", label,
                       cors_decision_names[d], cors_read(&sl->count[d]));
        }
    }
    ap_rputs("# HELP mod_cors_report_differs_total Responses in Cors "
             "ReportOnly sections whose CORS headers give another browser "
             "verdict than mod_cors would.\n"
             "# TYPE mod_cors_report_differs_total counter\n", r);
    for (i = 0; cors_shm && i < cors_shm->nslots; i++) {
        const cors_slot *sl = &cors_shm->slot[i];

        if (sl->label[0] && (i || cors_slot_used(sl))) {
            ap_rprintf(r, "mod_cors_report_differs_total{server=\"%s\"} %"
                       APR_UINT64_T_FMT "\n",
                       cors_prom_label(r->pool, sl->label),
                       cors_read(&sl->report_differs));
        }
    }
    return OK;
}

/* -------------------------------------------------------------------- */
/* Cors ReportOnly: the browser's verdict on a response, ours beside it  */

/* The CORS headers of a response, as the browser reads them. */
typedef struct {
    int status;                /* the response status */
    int acao_lines;            /* Access-Control-Allow-Origin lines */
    const char *acao;          /* the first of them */
    const char *acac;          /* Access-Control-Allow-Credentials */
    const char *acam;          /* Access-Control-Allow-Methods, all lines */
    const char *acah;          /* Access-Control-Allow-Headers, all lines */
    const char *acapn;         /* Access-Control-Allow-Private-Network */
} cors_answer;

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
static const char *cors_browser_refuses(const cors_request *req, int cred,
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
    ours.status = v->preflight ? (conf->preflight_status
                                  ? conf->preflight_status : HTTP_NO_CONTENT)
                               : r->status;
    ours.acao_lines = v->allow_origin != NULL;
    ours.acao = v->allow_origin;
    ours.acac = v->credentials ? "true" : NULL;
    ours.acam = v->allow_methods;
    ours.acah = v->allow_headers;
    ours.acapn = v->private_network ? "true" : NULL;
    their_why = cors_browser_refuses(req, cred, v->preflight, &theirs);
    our_why = cors_browser_refuses(req, cred, v->preflight, &ours);
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

static ap_filter_rec_t *cors_filter_handle;

/* The counters' page is never a CORS resource. */
static int cors_is_metrics(const request_rec *r)
{
    return r->handler && r->handler[0] == 'c'
           && !strcmp(r->handler, CORS_METRICS_HANDLER);
}

static const cors_req_state *cors_state(const request_rec *r)
{
    return ap_get_module_config(r->request_config, &cors_module);
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
    }
}

/* A preflight this module answers itself (CorsAutomaticOptions On)? */
static APR_INLINE const cors_req_state *cors_own_preflight(
    const request_rec *r)
{
    const cors_req_state *st;

    if (r->main || r->method_number != M_OPTIONS || cors_is_metrics(r)
        || !(st = cors_state(r)) || st->conf->enabled != 1
        || !CORS_FLAG(st->conf->automatic_options, 1)
        || !st->req.origin || !st->req.acrm) {
        return NULL;
    }
    return st;
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
                      cors_policy_open_entry(cors_origin_policy(conf)),
                      cors_origin_policy(conf)->where);
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
static APR_INLINE void cors_put(request_rec *r, int clean,
                                const char *name, const char *value)
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
        if (!cors_is_tchar((unsigned char)out[i])) {
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
}

/*
 * The decision of a client request, once: the note "cors" (and
 * "cors-origin", the Origin judged, cut short) on the request whose
 * response it decided, the last of an internal redirect chain, which is
 * the one mod_log_config's %{cors}n reads; and one count for its
 * virtual host.  A filter added twice (our hook and SetOutputFilter
 * CORS) decides twice but counts once.
 */
static void cors_account(request_rec *r, const cors_dir_conf *conf,
                         const cors_request *req, const cors_verdict *v)
{
    cors_req_state *st = ap_get_module_config(r->request_config,
                                              &cors_module);
    const char *origin = req->origin;

    if (!st) {
        st = apr_pcalloc(r->pool, sizeof(*st));
        st->conf = conf;
        ap_set_module_config(r->request_config, &cors_module, st);
    }
    else if (st->accounted) {
        return;
    }
    st->accounted = 1;
    /* Added, not set: nothing else writes these notes, and each request
     * is accounted once (a search of the table costs more than the rest
     * of the accounting). */
    apr_table_addn(r->notes, "cors", cors_decision_names[v->decision]);
    if (origin) {
        apr_size_t n = strlen(origin);

        apr_table_addn(r->notes, "cors-origin", n <= CORS_MAX_NOTE_ORIGIN
                       ? origin
                       : apr_pstrmemdup(r->pool, origin,
                                        CORS_MAX_NOTE_ORIGIN));
    }
    cors_count(r, v->decision);
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
static int cors_record(request_rec *r)
{
    const cors_dir_conf *conf;
    cors_req_state *st;

    if (r->main
        || !(conf = ap_get_module_config(r->per_dir_config, &cors_module))
        || conf->enabled == CORS_UNSET) {
        return OK;
    }
    st = apr_palloc(r->pool, sizeof(*st));
    st->conf = conf;
    st->accounted = 0;
    if (conf->enabled) {
        cors_gather(r, &st->req);
    }
    else {
        memset(&st->req, 0, sizeof(st->req));
    }
    ap_set_module_config(r->request_config, &cors_module, st);
    return OK;
}

/* Let preflights through authentication: browsers never send credentials
 * with them, and the fixups hook answers them without the handler. */
static int cors_preflight_access(request_rec *r)
{
    return cors_own_preflight(r) ? OK : DECLINED;
}

/* The answer to a preflight, without the handler: returning DONE makes
 * httpd send the status and headers set here.  It comes from the section
 * recorded for the requested URL, the one that let the preflight past
 * authentication, even where a later hook (MultiViews) swapped
 * r->per_dir_config. */
static int cors_preflight_fixups(request_rec *r)
{
    const cors_req_state *st = cors_own_preflight(r);
    cors_verdict v;
    int rc;

    if (!st) {
        return DECLINED;
    }
    cors_decide(r->pool, st->conf, &st->req, &v);
    cors_log_verdict(r, st->conf, &st->req, &v);
    cors_account(r, st->conf, &st->req, &v);
    cors_apply(r, st->conf, &v);
    /* Preflights have no body, but read whatever came before r->status
     * says 204: httpd's page for a malformed body would otherwise report
     * the 204 as an earlier error.  Most have none, and the check is far
     * cheaper than a read that finds nothing. */
    if (ap_request_has_body(r) && (rc = ap_discard_request_body(r)) != OK) {
        return rc;
    }
    r->status = st->conf->preflight_status ? st->conf->preflight_status
                                           : HTTP_NO_CONTENT;
    return DONE;
}

static apr_status_t cors_out_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    const cors_req_state *st = f->ctx;
    const cors_dir_conf *conf;
    const cors_request *req;
    cors_request local;
    cors_verdict v;

    ap_remove_output_filter(f);
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
    cors_decide(r->pool, conf, req, &v);
    cors_log_verdict(r, conf, req, &v);
    cors_account(r, conf, req, &v);
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
static void cors_insert_filter(request_rec *r)
{
    const cors_request *req;
    const cors_dir_conf *conf;
    cors_req_state *st;

    if (r->main || cors_is_metrics(r)
        || !(conf = cors_response_conf(r, &req))) {
        return;
    }
    st = ap_get_module_config(r->request_config, &cors_module);
    if (!st) {
        st = apr_pcalloc(r->pool, sizeof(*st));
        st->conf = conf;
        ap_set_module_config(r->request_config, &cors_module, st);
    }
    st->resp_conf = conf;
    st->resp_req = req;
    ap_add_output_filter_handle(cors_filter_handle, st, r, r->connection);
}

/* -------------------------------------------------------------------- */
/* Startup checks that need a whole section, whatever the directive order */

/* What the checks of one server need to know. */
typedef struct {
    server_rec *s;             /* the server being checked */
    apr_pool_t *p;             /* ptemp, for the static merges */
    int sets_origins;          /* some section of the server sets origins */
    int enables;               /* some section or its top level: Cors On */
    apr_hash_t *said;          /* warnings said: a virtual host repeats the
                                * main server's sections */
} cors_check_ctx;

/* Called with a section's own record and the record merged over the
 * sections that enclose it; returns non-zero to stop the walk. */
typedef int (*cors_section_fn)(cors_check_ctx *ctx, const cors_dir_conf *own,
                               const cors_dir_conf *merged);

/*
 * Call fn on every section in secs and on the <Files> and <If> sections
 * nested in them, each merged over parent, until fn says stop.  This is
 * the chain httpd merges statically (server, virtual host, enclosing
 * sections); what it merges per request (a <Location> over a
 * <Directory>, .htaccess files) is checked at request time.
 */
static int cors_walk_sections(cors_check_ctx *ctx, apr_array_header_t *secs,
                              const cors_dir_conf *parent, cors_section_fn fn)
{
    int i;

    for (i = 0; secs && i < secs->nelts; i++) {
        ap_conf_vector_t *v = APR_ARRAY_IDX(secs, i, ap_conf_vector_t *);
        const cors_dir_conf *own = ap_get_module_config(v, &cors_module);
        core_dir_config *core = ap_get_core_module_config(v);
        /* Sections read before LoadModule cors_module have no record. */
        const cors_dir_conf *merged = !own ? parent
            : cors_merge_dir_config(ctx->p, (void *)parent, (void *)own);

        if ((own && fn(ctx, own, merged))
            || (core
                && (cors_walk_sections(ctx, core->sec_file, merged, fn)
                    || cors_walk_sections(ctx, core->sec_if, merged, fn)))) {
            return 1;
        }
    }
    return 0;
}

/* The top level of ctx->s and every section of it: <Directory>,
 * <Location>, the top-level <Files> and <If>. */
static int cors_walk_server(cors_check_ctx *ctx, cors_section_fn fn)
{
    server_rec *s = ctx->s;
    core_server_config *core = ap_get_core_module_config(s->module_config);
    core_dir_config *top = ap_get_core_module_config(s->lookup_defaults);
    const cors_dir_conf *conf = ap_get_module_config(s->lookup_defaults,
                                                     &cors_module);

    if (!conf) {
        conf = cors_create_dir_config(ctx->p, NULL);
    }
    return fn(ctx, conf, conf)
           || cors_walk_sections(ctx, core->sec_dir, conf, fn)
           || cors_walk_sections(ctx, core->sec_url, conf, fn)
           || cors_walk_sections(ctx, top->sec_file, conf, fn)
           || cors_walk_sections(ctx, top->sec_if, conf, fn);
}

static int cors_scan_section(cors_check_ctx *ctx, const cors_dir_conf *own,
                             const cors_dir_conf *merged)
{
    (void)merged;
    ctx->sets_origins |= own->origins != NULL;
    ctx->enables |= own->enabled == 1 || own->enabled == CORS_REPORT_ONLY;
    return 0;
}

static void cors_credentials_error(cors_check_ctx *ctx,
                                   const cors_dir_conf *conf,
                                   const char *problem)
{
    cors_startup_say(NULL, ctx->p, "error", conf->credentials_where,
                     apr_psprintf(ctx->p, "CorsSupportsCredentials On in %s "
                                  "%s: "
                                  "every web site could read your users' "
                                  "data. List the allowed origins in "
                                  "CorsOrigins (or, knowing the risk, set "
                                  "CorsUnsafeAllowAnyOriginWithCredentials "
                                  "On)", conf->credentials_in, problem));
}

/* A warning once per server start, however many virtual hosts repeat
 * the section it is about. */
static void cors_check_warn(cors_check_ctx *ctx, const char *where,
                            const char *msg)
{
    const char *key = apr_pstrcat(ctx->p, where, msg, NULL);

    if (!apr_hash_get(ctx->said, key, APR_HASH_KEY_STRING)) {
        apr_hash_set(ctx->said, key, APR_HASH_KEY_STRING, key);
        cors_startup_say(ctx->s, ctx->p, "warning", where, msg);
    }
}

/* Credentials with an origin policy any site satisfies ("*", a match-all
 * regex, "null"), in the section or through the ones it is merged with,
 * or for want of any CorsOrigins in a server that switches Cors on;
 * warnings for weaker set-ups.  Judged where the section itself sets
 * something these depend on. */
static int cors_check_section(cors_check_ctx *ctx, const cors_dir_conf *own,
                              const cors_dir_conf *merged)
{
    const cors_origins *o = merged->origins;

    if ((own->credentials == CORS_UNSET && !own->origins
         && own->unsafe_any == CORS_UNSET)
        || merged->credentials != 1 || merged->unsafe_any == 1) {
        return 0;
    }
    if (o && cors_policy_open(o)) {
        cors_credentials_error(ctx, merged, apr_psprintf(
            ctx->p, "with an origin policy that allows %s (CorsOrigins in "
            "%s)%s", o->match_all ? "any origin" : "the origin 'null'",
            o->where, o->match_all ? "" : "; any web site can send 'null' "
            "from a sandboxed iframe"));
        return 1;
    }
    if (!o && !ctx->sets_origins && ctx->enables) {
        cors_credentials_error(ctx, merged, "without any CorsOrigins or "
                               "CorsOriginsMatch in this server, so with the "
                               "default origin policy '*'");
        return 1;
    }
    if (o && o->first_http) {
        cors_check_warn(ctx, merged->credentials_where, apr_psprintf(
            ctx->p, "CorsSupportsCredentials On with the unencrypted "
            "origin %s (CorsOrigins in %s): anyone on the network path can "
            "act as it", o->first_http, o->where));
    }
    if (merged->expose && merged->expose->any) {
        cors_check_warn(ctx, merged->credentials_where,
                        "CorsSupportsCredentials On with CorsExposeHeaders "
                        "*: for credentialed requests browsers read '*' as "
                        "a header name, not as a wildcard; list the "
                        "headers");
    }
    return 0;
}

static int cors_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    cors_check_ctx ctx;

    (void)pconf;
    (void)plog;
    ctx.p = ptemp;
    ctx.said = apr_hash_make(ptemp);
    for (; s; s = s->next) {
        ctx.s = s;
        ctx.sets_origins = ctx.enables = 0;
        cors_walk_server(&ctx, cors_scan_section);
        if (cors_walk_server(&ctx, cors_check_section)) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

/* -------------------------------------------------------------------- */
/* apachectl -t -D DUMP_CORS: the policy of every section, and whence    */

/* The fields of a record, in the order the dump shows them. */
typedef enum {
    CORS_F_CORS, CORS_F_ORIGINS, CORS_F_METHODS, CORS_F_ALLOW_HEADERS,
    CORS_F_EXPOSE, CORS_F_CREDENTIALS, CORS_F_UNSAFE, CORS_F_MAX_AGE,
    CORS_F_SEND_WILDCARD, CORS_F_ALWAYS_SEND, CORS_F_AUTO_OPTIONS,
    CORS_F_VARY, CORS_F_PRIVATE_NETWORK, CORS_F_PREFLIGHT_STATUS,
    CORS_F_PRESERVE, CORS_F_DEBUG_HEADER, CORS_NFIELDS
} cors_field;

static const char *const cors_field_names[CORS_NFIELDS] = {
    "Cors", "CorsOrigins", "CorsMethods", "CorsAllowHeaders",
    "CorsExposeHeaders", "CorsSupportsCredentials",
    "CorsUnsafeAllowAnyOriginWithCredentials", "CorsMaxAge",
    "CorsSendWildcard", "CorsAlwaysSend", "CorsAutomaticOptions",
    "CorsVaryHeader", "CorsAllowPrivateNetwork", "CorsPreflightStatus",
    "CorsPreserveBackendHeaders", "CorsDebugHeader"
};

/* The flag behind a field, or NULL for the fields that are not flags. */
static const int *cors_flag_of(const cors_dir_conf *c, cors_field f)
{
    switch (f) {
    case CORS_F_CREDENTIALS:     return &c->credentials;
    case CORS_F_UNSAFE:          return &c->unsafe_any;
    case CORS_F_SEND_WILDCARD:   return &c->send_wildcard;
    case CORS_F_ALWAYS_SEND:     return &c->always_send;
    case CORS_F_AUTO_OPTIONS:    return &c->automatic_options;
    case CORS_F_VARY:            return &c->vary;
    case CORS_F_PRIVATE_NETWORK: return &c->private_network;
    case CORS_F_PRESERVE:        return &c->preserve;
    case CORS_F_DEBUG_HEADER:    return &c->debug_header;
    default:                     return NULL;
    }
}

/* The value of a field in a record, as a comparable pointer: equal
 * pointers, equal values (flags compare by value below). */
static const void *cors_field_ptr(const cors_dir_conf *c, cors_field f)
{
    switch (f) {
    case CORS_F_ORIGINS:       return c->origins;
    case CORS_F_METHODS:       return c->methods;
    case CORS_F_ALLOW_HEADERS: return c->allow_headers;
    case CORS_F_EXPOSE:        return c->expose;
    case CORS_F_MAX_AGE:       return c->max_age;
    default:                   return NULL;
    }
}

static int cors_field_set(const cors_dir_conf *c, cors_field f)
{
    const int *flag = cors_flag_of(c, f);

    if (flag) {
        return *flag != CORS_UNSET;
    }
    if (f == CORS_F_CORS) {
        return c->enabled != CORS_UNSET;
    }
    if (f == CORS_F_PREFLIGHT_STATUS) {
        return c->preflight_status != 0;
    }
    return cors_field_ptr(c, f) != NULL;
}

static int cors_field_same(const cors_dir_conf *a, const cors_dir_conf *b,
                           cors_field f)
{
    const int *fa = cors_flag_of(a, f);

    if (fa) {
        return *fa == *cors_flag_of(b, f);
    }
    if (f == CORS_F_CORS) {
        return a->enabled == b->enabled;
    }
    if (f == CORS_F_PREFLIGHT_STATUS) {
        return a->preflight_status == b->preflight_status;
    }
    return cors_field_ptr(a, f) == cors_field_ptr(b, f);
}

/* Strings as written, joined by a blank; regexes quoted. */
static const char *cors_dump_join(apr_pool_t *p, const apr_array_header_t *a,
                                  const char *sep)
{
    return a ? apr_array_pstrcat(p, a, ' ') : sep;
}

static const char *cors_dump_regexes(apr_pool_t *p,
                                     const apr_array_header_t *list)
{
    const char *out = "";
    int i;

    for (i = 0; list && i < list->nelts; i++) {
        out = apr_pstrcat(p, out, i ? " \"" : "\"",
                          APR_ARRAY_IDX(list, i, cors_regex).entry, "\"",
                          NULL);
    }
    return out;
}

/* The value of a field of the merged record, as the admin would write
 * it; "(default)" where nothing in the chain sets it. */
static const char *cors_dump_value(apr_pool_t *p, const cors_dir_conf *c,
                                   cors_field f)
{
    const int *flag = cors_flag_of(c, f);

    if (flag) {
        return *flag == CORS_UNSET ? NULL : *flag ? "On" : "Off";
    }
    switch (f) {
    case CORS_F_CORS:
        return c->enabled == CORS_UNSET ? NULL
               : c->enabled == CORS_REPORT_ONLY ? "ReportOnly"
               : c->enabled ? "On" : "Off";
    case CORS_F_ORIGINS:
        if (!c->origins) {
            return NULL;
        }
        return apr_pstrcat(p, c->origins->written
                              ? cors_dump_join(p, c->origins->written, "")
                              : "(none)",
                           c->origins->regexes ? "; CorsOriginsMatch " : "",
                           cors_dump_regexes(p, c->origins->regexes), NULL);
    case CORS_F_METHODS:
        return c->methods ? c->methods->joined : NULL;
    case CORS_F_ALLOW_HEADERS:
        if (!c->allow_headers) {
            return NULL;
        }
        return apr_pstrcat(p, c->allow_headers->written
                              ? cors_dump_join(p, c->allow_headers->written,
                                               "")
                              : "(none)",
                           c->allow_headers->regexes
                           ? "; CorsAllowHeadersMatch " : "",
                           cors_dump_regexes(p, c->allow_headers->regexes),
                           NULL);
    case CORS_F_EXPOSE:
        return c->expose ? c->expose->joined : NULL;
    case CORS_F_MAX_AGE:
        return c->max_age;
    case CORS_F_PREFLIGHT_STATUS:
        return c->preflight_status ? apr_itoa(p, c->preflight_status) : NULL;
    default:
        return NULL;
    }
}

/* What applies where nothing sets a field. */
static const char *const cors_field_defaults[CORS_NFIELDS] = {
    "Off", "* (any origin but null)", cors_default_methods_joined,
    "* (any header but Authorization)", "(none)", "Off", "Off", "(none: "
    "5 seconds)", "Off", "On", "On", "On", "Off", "204", "Off", "Off"
};

/* One link of the chain httpd merges statically. */
typedef struct {
    const cors_dir_conf *own;  /* the record as its section set it */
    const char *label;         /* the section, for "from ..." */
} cors_link;

/* One section's block of text, and its place in the configuration. */
typedef struct {
    unsigned int seq;
    const char *text;
} cors_dump_item;

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *chain;   /* cors_link, outermost first */
    apr_array_header_t *items;   /* cors_dump_item */
} cors_dump_ctx;

/* The lines of one section: each field, its value, and where it is set.
 * merged is the record of the chain merged down to the last link. */
static const char *cors_dump_block(cors_dump_ctx *ctx, const char *title,
                                   const cors_dir_conf *merged,
                                   const char *note)
{
    const cors_link *chain = (const cors_link *)ctx->chain->elts;
    int n = ctx->chain->nelts;
    const char *text = apr_pstrcat(ctx->p, "  ", title, "\n",
                                   note ? note : "", NULL);
    int f, i;

    for (f = 0; f < CORS_NFIELDS; f++) {
        const char *value = cors_dump_value(ctx->p, merged, f);
        const char *whence = "default";

        if (value) {
            /* The innermost link that sets the field to this value. */
            for (i = n - 1; i >= 0; i--) {
                if (cors_field_set(chain[i].own, f)
                    && cors_field_same(chain[i].own, merged, f)) {
                    whence = i == n - 1 ? "set here"
                             : apr_pstrcat(ctx->p, "from ", chain[i].label,
                                           NULL);
                    break;
                }
            }
        }
        text = apr_psprintf(ctx->p, "%s    %-40s %s  [%s]\n", text,
                            cors_field_names[f],
                            value ? value : cors_field_defaults[f], whence);
    }
    return text;
}

static void cors_dump_sections(cors_dump_ctx *ctx, apr_array_header_t *secs,
                               const cors_dir_conf *parent,
                               const char *note)
{
    int i;

    for (i = 0; secs && i < secs->nelts; i++) {
        ap_conf_vector_t *v = APR_ARRAY_IDX(secs, i, ap_conf_vector_t *);
        const cors_dir_conf *own = ap_get_module_config(v, &cors_module);
        core_dir_config *core = ap_get_core_module_config(v);
        const cors_dir_conf *merged = parent;
        cors_link *link;

        if (own && own->set) {
            cors_dump_item *item = apr_array_push(ctx->items);

            merged = cors_merge_dir_config(ctx->p, (void *)parent,
                                           (void *)own);
            link = apr_array_push(ctx->chain);
            link->own = own;
            link->label = own->section;
            item->seq = own->seq;
            item->text = cors_dump_block(ctx, own->section, merged, note);
        }
        if (core) {
            /* Nested <Files> and <If> merge over this section. */
            cors_dump_sections(ctx, core->sec_file, merged, NULL);
            cors_dump_sections(ctx, core->sec_if, merged, NULL);
        }
        if (own && own->set) {
            apr_array_pop(ctx->chain);
        }
    }
}

static int cors_dump_cmp(const void *a, const void *b)
{
    unsigned int x = ((const cors_dump_item *)a)->seq;
    unsigned int y = ((const cors_dump_item *)b)->seq;

    return x < y ? -1 : x > y;
}

/* The <Directory> sections that let .htaccess files change the policy
 * (AllowOverride FileInfo); httpd merges those per request. */
static const char *cors_dump_htaccess(apr_pool_t *p, server_rec *s)
{
    core_server_config *core = ap_get_core_module_config(s->module_config);
    const char *out = "";
    int i;

    for (i = 0; core->sec_dir && i < core->sec_dir->nelts; i++) {
        ap_conf_vector_t *v = APR_ARRAY_IDX(core->sec_dir, i,
                                            ap_conf_vector_t *);
        core_dir_config *d = ap_get_core_module_config(v);

        if (d && d->d && (d->override & OR_FILEINFO)) {
            out = apr_pstrcat(p, out, "  .htaccess files under ", d->d,
                              " (AllowOverride FileInfo) may change the "
                              "policy there, per request\n", NULL);
        }
    }
    return out;
}

/* What a virtual host's own level sets: httpd has merged it over the
 * main server's, so a field the main server sets to the same value is
 * taken as inherited. */
static cors_dir_conf *cors_dump_vhost_own(apr_pool_t *p,
                                          const cors_dir_conf *merged,
                                          const cors_dir_conf *main_conf)
{
    cors_dir_conf *own = apr_pmemdup(p, merged, sizeof(*own));
    int f;

    for (f = 0; f < CORS_NFIELDS; f++) {
        int *flag = (int *)cors_flag_of(own, f);

        if (!cors_field_set(main_conf, f)
            || !cors_field_same(main_conf, merged, f)) {
            continue;
        }
        if (flag) {
            *flag = CORS_UNSET;
        }
        switch (f) {
        case CORS_F_CORS:             own->enabled = CORS_UNSET; break;
        case CORS_F_ORIGINS:          own->origins = NULL; break;
        case CORS_F_METHODS:          own->methods = NULL; break;
        case CORS_F_ALLOW_HEADERS:    own->allow_headers = NULL; break;
        case CORS_F_EXPOSE:           own->expose = NULL; break;
        case CORS_F_MAX_AGE:          own->max_age = NULL; break;
        case CORS_F_PREFLIGHT_STATUS: own->preflight_status = 0; break;
        default:                      break;
        }
    }
    return own;
}

/* One server: its top level, then its sections in configuration order. */
static void cors_dump_server(apr_file_t *out, apr_pool_t *p, server_rec *s,
                             const cors_dir_conf *main_conf)
{
    cors_dump_ctx ctx;
    core_server_config *core = ap_get_core_module_config(s->module_config);
    core_dir_config *top = ap_get_core_module_config(s->lookup_defaults);
    const cors_dir_conf *conf = ap_get_module_config(s->lookup_defaults,
                                                     &cors_module);
    const char *top_note = "    (merged per request over the <Directory> "
                           "and <Location> sections that match; shown over "
                           "the server level)\n";
    cors_link *link;
    int i;

    ctx.p = p;
    ctx.chain = apr_array_make(p, 4, sizeof(cors_link));
    ctx.items = apr_array_make(p, 8, sizeof(cors_dump_item));
    if (!conf) {
        conf = cors_create_dir_config(p, NULL);
    }
    apr_file_printf(out, "%s %s%s%s%s\n",
                    s->is_virtual ? "VirtualHost" : "Main server",
                    cors_server_label(p, s),
                    s->defn_name ? " (" : "",
                    s->defn_name ? apr_psprintf(p, "%s:%u", s->defn_name,
                                                s->defn_line_number) : "",
                    s->defn_name ? ")" : "");
    link = apr_array_push(ctx.chain);
    link->own = main_conf;
    link->label = main_conf->section ? main_conf->section : "server config";
    if (s->is_virtual && conf != main_conf) {
        link = apr_array_push(ctx.chain);
        link->own = cors_dump_vhost_own(p, conf, main_conf);
        link->label = "this <VirtualHost>";
    }
    if (s->is_virtual ? conf != main_conf : main_conf->set) {
        apr_file_puts(cors_dump_block(&ctx, s->is_virtual
                                      ? "<VirtualHost> (its own level)"
                                      : link->label, conf, NULL), out);
    }
    cors_dump_sections(&ctx, core->sec_dir, conf, NULL);
    cors_dump_sections(&ctx, core->sec_url, conf, NULL);
    cors_dump_sections(&ctx, top->sec_file, conf, top_note);
    cors_dump_sections(&ctx, top->sec_if, conf, top_note);
    qsort(ctx.items->elts, ctx.items->nelts, sizeof(cors_dump_item),
          cors_dump_cmp);
    for (i = 0; i < ctx.items->nelts; i++) {
        apr_file_puts(APR_ARRAY_IDX(ctx.items, i, cors_dump_item).text, out);
    }
    apr_file_puts(cors_dump_htaccess(p, s), out);
}

/* test_config runs under `apachectl -t` only, after the checks. */
static void cors_dump(apr_pool_t *pconf, server_rec *s)
{
    const cors_dir_conf *main_conf;
    apr_file_t *out;

    if (!ap_exists_config_define("DUMP_CORS")
        || apr_file_open_stdout(&out, pconf) != APR_SUCCESS) {
        return;
    }
    main_conf = ap_get_module_config(s->lookup_defaults, &cors_module);
    if (!main_conf) {
        main_conf = cors_create_dir_config(pconf, NULL);
    }
    apr_file_puts("mod_cors policy, section by section (set here, from the "
                  "section named, or the default)\n", out);
    for (; s; s = s->next) {
        cors_dump_server(out, pconf, s, main_conf);
    }
    apr_file_flush(out);
}

/* mod_status's optional hook, registered here as its users do: harmless
 * where mod_status is not loaded. */
static int cors_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    APR_OPTIONAL_HOOK(ap, status_hook, cors_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
    return OK;
}

/* After the second read of a start, startup messages are said again on
 * the reads of restarts (see cors_startup_say_now). */
static int cors_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_CONFIG) {
        apr_pool_userdata_set((void *)1, CORS_STARTED_KEY, NULL,
                              s->process->pool);
    }
    return cors_stats_init(ptemp, s);
}

/* -------------------------------------------------------------------- */

#define CORS_FLAG_CMD(name, field, help) \
    AP_INIT_TAKE1(name, cors_set_onoff, \
                  (void *)APR_OFFSETOF(cors_dir_conf, field), OR_FILEINFO, \
                  help)

static const command_rec cors_cmds[] = {
    AP_INIT_TAKE1("Cors", cors_set_cors,
                  (void *)APR_OFFSETOF(cors_dir_conf, enabled), OR_FILEINFO,
                  "On to answer CORS requests here, Off to stop, ReportOnly "
                  "to decide and log without changing any response"),
    AP_INIT_ITERATE("CorsOrigins", cors_add_origin, NULL, OR_FILEINFO,
                    "Allowed origins: scheme://host[:port], *, null, or "
                    "scheme://*.domain[:port]"),
    AP_INIT_ITERATE("CorsOriginsMatch", cors_add_origin_regex, NULL,
                    OR_FILEINFO, "Regexes matched against the whole origin"),
    AP_INIT_ITERATE("CorsMethods", cors_add_method, NULL, OR_FILEINFO,
                    "Methods allowed in preflights, or *"),
    AP_INIT_ITERATE("CorsAllowHeaders", cors_add_allow_header, NULL,
                    OR_FILEINFO, "Request headers allowed in preflights, "
                    "or * for any but Authorization"),
    AP_INIT_ITERATE("CorsAllowHeadersMatch", cors_add_allow_header_regex,
                    NULL, OR_FILEINFO,
                    "Regexes matched against requested header names"),
    AP_INIT_ITERATE("CorsExposeHeaders", cors_add_expose_header, NULL,
                    OR_FILEINFO, "Response headers scripts may read"),
    AP_INIT_TAKE1("CorsSupportsCredentials", cors_set_credentials,
                  (void *)APR_OFFSETOF(cors_dir_conf, credentials),
                  OR_FILEINFO, "On to allow cookies and HTTP auth"),
    AP_INIT_TAKE1("CorsMaxAge", cors_set_max_age, NULL, OR_FILEINFO,
                  "Seconds browsers may cache a preflight answer"),
    CORS_FLAG_CMD("CorsSendWildcard", send_wildcard,
                  "On to send * instead of echoing the origin"),
    CORS_FLAG_CMD("CorsAlwaysSend", always_send,
                  "On to send headers to requests without Origin"),
    CORS_FLAG_CMD("CorsAutomaticOptions", automatic_options,
                  "On to answer preflights in the module"),
    CORS_FLAG_CMD("CorsVaryHeader", vary,
                  "On to add Vary: Origin where the answer depends on it"),
    CORS_FLAG_CMD("CorsAllowPrivateNetwork", private_network,
                  "On to allow Private Network Access preflights"),
    AP_INIT_TAKE1("CorsPreflightStatus", cors_set_preflight_status, NULL,
                  OR_FILEINFO, "Status of answered preflights: 200 or 204"),
    CORS_FLAG_CMD("CorsDebugHeader", debug_header,
                  "On to explain each decision in a CORS-Decision header"),
    CORS_FLAG_CMD("CorsPreserveBackendHeaders", preserve,
                  "On to keep CORS headers a backend already set"),
    AP_INIT_TAKE1("CorsUnsafeAllowAnyOriginWithCredentials", cors_set_unsafe,
                  (void *)APR_OFFSETOF(cors_dir_conf, unsafe_any),
                  OR_FILEINFO, "On to let every web site make credentialed "
                  "requests (dangerous)"),
    { NULL }
};

static void cors_register_hooks(apr_pool_t *p)
{
    static const char *const after_headers[] = { "mod_headers.c", NULL };
    /* Both register their fixups APR_HOOK_FIRST too; without these lists
     * the LoadModule order would decide.  mod_rewrite's per-directory
     * rules are the admin's explicit intent, as its server-level ones,
     * which act earlier anyway.  mod_proxy's fixups only check the URL
     * it would forward to, and a preflight is answered, not forwarded. */
    static const char *const after_rewrite[] = { "mod_rewrite.c", NULL };
    static const char *const before_proxy[] = { "mod_proxy.c", NULL };

    (void)p;
    ap_hook_pre_config(cors_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(cors_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(cors_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_test_config(cors_dump, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_pre_mpm(cors_stats_clear, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(cors_metrics_handler, NULL, NULL, APR_HOOK_MIDDLE);
    /* No module changes r->per_dir_config in this phase: the record is
     * what the location walk left, whatever the order. */
    ap_hook_post_perdir_config(cors_record, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_access_ex(cors_preflight_access, NULL, NULL,
                            APR_HOOK_FIRST, AP_AUTH_INTERNAL_PER_CONF);
    /* After mod_rewrite, before mod_proxy: t/order_rewrite.t pins it. */
    ap_hook_fixups(cors_preflight_fixups, after_rewrite, before_proxy,
                   APR_HOOK_FIRST);
    ap_hook_insert_filter(cors_insert_filter, after_headers, NULL,
                          APR_HOOK_LAST);
    ap_hook_insert_error_filter(cors_insert_filter, after_headers, NULL,
                                APR_HOOK_LAST);
    cors_filter_handle = ap_register_output_filter("CORS", cors_out_filter,
                                                   NULL,
                                                   AP_FTYPE_CONTENT_SET);
}

AP_DECLARE_MODULE(cors) = {
    STANDARD20_MODULE_STUFF,
    cors_create_dir_config,     /* dir config creator */
    cors_merge_dir_config,      /* dir merger */
    cors_create_srv_config,     /* server config creator */
    NULL,                       /* server merger */
    cors_cmds,                  /* command table */
    cors_register_hooks,        /* register hooks */
    AP_MODULE_FLAG_NONE         /* flags */
};

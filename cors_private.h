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
 * cors_private.h: what the files of mod_cors share: the configuration
 * and request types, the limits and names, and each file's functions
 * that another file calls.  mod_cors.c is the module's glue (command
 * table, hooks, module record); see its comment for the design.
 */

#ifndef CORS_PRIVATE_H
#define CORS_PRIVATE_H

#include <arpa/inet.h>
#include <stddef.h>

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
#include "http_main.h"
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

APLOG_USE_MODULE(cors);

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



/* The response headers mod_cors owns; see cors_apply(). */
#define CORS_ACAO "Access-Control-Allow-Origin"
#define CORS_ACAC "Access-Control-Allow-Credentials"
#define CORS_ACEH "Access-Control-Expose-Headers"
#define CORS_ACAM "Access-Control-Allow-Methods"
#define CORS_ACAH "Access-Control-Allow-Headers"
#define CORS_ACMA "Access-Control-Max-Age"
#define CORS_ACAPN "Access-Control-Allow-Private-Network"
#define CORS_DEBUG_HEADER "CORS-Decision"
#define CORS_TAO "Timing-Allow-Origin"

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
    int protect;               /* CorsProtect */
    const char *protect_where; /* "file:line" of CorsProtect On */
    int timing;                /* CorsTimingAllowOrigin */
    const char *section;       /* where its first directive is, for the
                                * dump (never merged) */
    unsigned int seq;          /* order of that directive in the config */
} cors_dir_conf;


#define CORS_FLAG(v, dflt) ((v) == CORS_UNSET ? (dflt) : (v))

/* What the module needs to know about a request. */
typedef struct {
    const char *method;        /* request method */
    const char *origin;        /* Origin, or NULL */
    const char *acrm;          /* Access-Control-Request-Method, or NULL */
    const char *acrh;          /* Access-Control-Request-Headers, or NULL */
    const char *acrpn;         /* Access-Control-Request-Private-Network */
    int body;                  /* Content-Length or Transfer-Encoding
                                * (OPTIONS only) */
} cors_request;

/* What CorsProtect judges of the request the client sent. */
typedef struct {
    const char *method;        /* request method, as sent */
    const char *origin;        /* Origin, or NULL */
    const char *fetch_site;    /* Sec-Fetch-Site, or NULL */
    const char *host;          /* Host, or NULL */
    int websocket;             /* a WebSocket handshake (Upgrade) */
} cors_write_request;

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
    cors_decision decision;    /* ... this one */
    const char *origin;        /* ... for this Origin */
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

/* Longest server label kept, with its NUL: a DNS name has at most 253
 * bytes, then ":65535" and a ":N" suffix. */
#define CORS_LABEL_MAX 272

/* The counters of one virtual host.  Written by every thread of every
 * child with relaxed atomic increments, read the same way: no lock on
 * the request path, and a reader sees each counter whole. */
typedef struct {
    char label[CORS_LABEL_MAX];        /* "ServerName:port[:N]", "" free */
    apr_uint64_t count[CORS_NDECISIONS];
    apr_uint64_t report_differs;       /* Cors ReportOnly: answers that
                                        * differ from the response's */
} cors_slot;

/* Per-server record: where its counters are (an index into shared
 * memory, not counters: server records are shared by all threads). */
typedef struct {
    cors_slot *slot;                   /* NULL: no counters (apachectl -t) */
} cors_srv_conf;

/* The release, logged at startup.  Its one source is debian/changelog:
 * the Makefile passes the upstream part of its version as a string
 * (-DCORS_VERSION="1.1.0").  Builds that do not pass it, such as the
 * fuzz harnesses, which include the sources, say so. */
#ifndef CORS_VERSION
#define CORS_VERSION "unknown"
#endif

/* The process-pool key of the flag that says the start's second read
 * of the configuration is over (cors_config.c, mod_cors.c). */
#define CORS_STARTED_KEY "mod_cors-started"

/* The tables the decisions share with the dump and the counters. */
extern const char cors_default_methods_joined[];
extern const char *const cors_decision_names[CORS_NDECISIONS];
extern ap_filter_rec_t *cors_engine_filter_handle;

/* cors_config.c: configuration records, directive handlers, startup
 * messages and checks */
void *cors_config_create_dir(apr_pool_t *p, char *dir);
void *cors_config_merge_dir(apr_pool_t *p, void *basev, void *addv);
const char *cors_cmd_flag(cmd_parms *cmd, void *dconf, const char *arg);
const char *cors_cmd_Cors(cmd_parms *cmd, void *dconf, const char *arg);
const char *cors_cmd_CorsProtect(cmd_parms *cmd, void *dconf,
                                 const char *arg);
const char *cors_cmd_CorsSupportsCredentials(cmd_parms *cmd, void *dconf,
                                             const char *arg);
const char *cors_cmd_CorsUnsafeAllowAnyOriginWithCredentials(cmd_parms *cmd,
                                                             void *dconf,
                                                             const char *arg);
const char *cors_cmd_CorsOrigins(cmd_parms *cmd, void *dconf, const char *arg);
const char *cors_cmd_CorsOriginsMatch(cmd_parms *cmd, void *dconf,
                                      const char *arg);
const char *cors_cmd_CorsMethods(cmd_parms *cmd, void *dconf, const char *arg);
const char *cors_cmd_CorsAllowHeaders(cmd_parms *cmd, void *dconf,
                                      const char *arg);
const char *cors_cmd_CorsAllowHeadersMatch(cmd_parms *cmd, void *dconf,
                                           const char *arg);
const char *cors_cmd_CorsExposeHeaders(cmd_parms *cmd, void *dconf,
                                       const char *arg);
const char *cors_cmd_CorsMaxAge(cmd_parms *cmd, void *dconf, const char *arg);
const char *cors_cmd_CorsPreflightStatus(cmd_parms *cmd, void *dconf,
                                         const char *arg);
int cors_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                      server_rec *s);

/* cors_policy.c: the decisions, pure functions of strings and the config */
void cors_policy_exact_put(apr_pool_t *p, cors_exact *t, const char *key,
                           apr_size_t len, const char *entry);
int cors_policy_forbidden_method(const char *m);
int cors_policy_tchar(unsigned char c);
int cors_policy_token(const char *s);
const char *cors_policy_parse_origin(const char *s, apr_size_t len,
                                     cors_origin_parts *o);
char *cors_policy_origin_key(apr_pool_t *p, const cors_origin_parts *o,
                             apr_size_t *klen);
const char *cors_policy_open_entry(const cors_origins *o);
int cors_policy_open(const cors_origins *o);
void cors_policy_decide(apr_pool_t *p, const cors_dir_conf *conf,
                        const cors_request *req, cors_verdict *v);
int cors_policy_protect(apr_pool_t *p, const cors_dir_conf *conf,
                        const cors_write_request *w, const char **why);
const char *cors_policy_browser_refuses(const cors_request *req, int cred,
                                        int preflight, const cors_answer *a);

/* cors_stats.c: counters in shared memory, mod_status, cors-metrics */
void *cors_stats_create_srv(apr_pool_t *p, server_rec *s);
void *cors_stats_merge_srv(apr_pool_t *p, void *basev, void *addv);
int cors_stats_is_metrics(const request_rec *r);
const char *cors_stats_label(apr_pool_t *p, const server_rec *s);
int cors_stats_init(apr_pool_t *ptemp, server_rec *s);
int cors_stats_clear(apr_pool_t *p, ap_scoreboard_e sb_type);
int cors_stats_status_hook(request_rec *r, int flags);
int cors_stats_metrics_handler(request_rec *r);

/* cors_engine.c: request-time hooks and the output filter */
int cors_engine_record(request_rec *r);
int cors_engine_protect(request_rec *r);
int cors_engine_preflight_access(request_rec *r);
int cors_engine_preflight_fixups(request_rec *r);
apr_status_t cors_engine_out_filter(ap_filter_t *f, apr_bucket_brigade *bb);
void cors_engine_insert_filter(request_rec *r);

/* cors_dump.c: apachectl -t -D DUMP_CORS */
void cors_dump(apr_pool_t *pconf, server_rec *s);

/* The origin policy of a record: what CorsOrigins/CorsOriginsMatch set,
 * or the default "*" (cors_policy.c).  Inline: every decision asks. */
extern const cors_origins cors_any_origin;

static APR_INLINE const cors_origins *cors_policy_origins(
    const cors_dir_conf *conf)
{
    return conf->origins ? conf->origins : &cors_any_origin;
}

/* One more of a decision for the request's virtual host. */
static APR_INLINE void cors_stats_count(const request_rec *r, cors_decision d)
{
    const cors_srv_conf *sc = ap_get_module_config(r->server->module_config,
                                                   &cors_module);

    if (sc->slot) {
        __atomic_fetch_add(&sc->slot->count[d], 1, __ATOMIC_RELAXED);
    }
}

#endif /* CORS_PRIVATE_H */

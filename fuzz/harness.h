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
 * fuzz/harness.h: what every libFuzzer harness of mod_cors shares.
 *
 * The module's sources are included here (the decisions and many of
 * their helpers are static), and each harness is one translation unit
 * with them.  The
 * few httpd functions the module calls that live in the httpd binary are
 * shimmed below: the regex functions the way server/util_pcre.c and
 * server/util.c implement them with PCRE2 (same compile options, same
 * default flags), so fuzzing sees the regex semantics httpd has; the log
 * functions format the message (so a bad format argument is found) and
 * check that no request byte can inject a line break into the error log;
 * the hook and filter registrations are never called by the harnesses.
 *
 * Configurations are built by the real directive handlers, from a text
 * that looks like httpd.conf:
 *
 *     CorsOrigins https://a.example https://*.b.example
 *     CorsSupportsCredentials On
 *     <                       a child section, merged over the one above
 *     CorsMethods GET PUT
 *     <htaccess               a child section read from .htaccess
 *     CorsUnsafeAllowAnyOriginWithCredentials On   (refused there)
 *
 * A line (ended by LF or CR) is a directive and its arguments, split on
 * blanks ("..." keeps blanks in one argument); unknown directives are
 * skipped.  A directive that returns an error is reported nowhere (httpd
 * would refuse to start) and the next line goes on from the record as the
 * handler left it.  At most FZ_MAX_REGEXES regex arguments of at most
 * FZ_MAX_REGEX_LEN bytes reach the handlers.
 *
 * While an input runs, apr_palloc is one malloc per call (see "Pools").
 */

#ifndef CORS_FUZZ_HARNESS_H
#define CORS_FUZZ_HARNESS_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <dlfcn.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Startup messages of the directive handlers go to the log shim. */
struct apr_pool_t;
static void fz_startup_write(struct apr_pool_t *p, const char *line);
#define CORS_STARTUP_WRITE fz_startup_write

/* The whole module, one translation unit with the harness. */
#include "../cors_policy.c"
#include "../cors_config.c"
#include "../cors_stats.c"
#include "../cors_engine.c"
#include "../cors_dump.c"
#include "../mod_cors.c"

#include "apr_tables.h"

/* Abort with a message: libFuzzer reports the input that got here. */
#define FZ_CHECK(cond, ...) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "\n*** invariant failed at %s:%d: %s\n", \
                    __FILE__, __LINE__, #cond); \
            fprintf(stderr, "*** " __VA_ARGS__); \
            fprintf(stderr, "\n"); \
            abort(); \
        } \
    } while (0)

/* -------------------------------------------------------------------- */
/* httpd shims                                                           */

/* server/util_pcre.c: the default compile flags of httpd 2.4. */
static int fz_default_cflags = AP_REG_DEFAULT;

AP_DECLARE(int) ap_regcomp_get_default_cflags(void)
{
    return fz_default_cflags;
}

AP_DECLARE(int) ap_regcomp(ap_regex_t *preg, const char *pattern, int cflags)
{
    uint32_t capcount;
    PCRE2_SIZE erroffset;
    int errcode = 0;
    int options = PCRE2_DUPNAMES;

    if ((cflags & AP_REG_NO_DEFAULT) == 0) {
        cflags |= fz_default_cflags;
    }
    if ((cflags & AP_REG_ICASE) != 0) {
        options |= PCRE2_CASELESS;
    }
    if ((cflags & AP_REG_NEWLINE) != 0) {
        options |= PCRE2_MULTILINE;
    }
    if ((cflags & AP_REG_DOTALL) != 0) {
        options |= PCRE2_DOTALL;
    }
    if ((cflags & AP_REG_DOLLAR_ENDONLY) != 0) {
        options |= PCRE2_DOLLAR_ENDONLY;
    }
    preg->re_pcre = pcre2_compile((const unsigned char *)pattern,
                                  PCRE2_ZERO_TERMINATED, options, &errcode,
                                  &erroffset, NULL);
    preg->re_erroffset = erroffset;
    if (preg->re_pcre == NULL) {
        return errcode == 21 ? AP_REG_ESPACE : AP_REG_INVARG;
    }
    pcre2_pattern_info((const pcre2_code *)preg->re_pcre,
                       PCRE2_INFO_CAPTURECOUNT, &capcount);
    preg->re_nsub = capcount;
    return 0;
}

AP_DECLARE(void) ap_regfree(ap_regex_t *preg)
{
    pcre2_code_free((pcre2_code *)preg->re_pcre);
    preg->re_pcre = NULL;
}

static apr_status_t fz_regex_cleanup(void *preg)
{
    ap_regfree(preg);
    return APR_SUCCESS;
}

/* server/util.c */
AP_DECLARE(ap_regex_t *) ap_pregcomp(apr_pool_t *p, const char *pattern,
                                     int cflags)
{
    ap_regex_t *preg = apr_palloc(p, sizeof(*preg));

    if (ap_regcomp(preg, pattern, cflags)) {
        return NULL;
    }
    apr_pool_cleanup_register(p, preg, fz_regex_cleanup,
                              apr_pool_cleanup_null);
    return preg;
}

/* server/util_pcre.c: ap_regexec -> ap_regexec_ex with the whole string. */
AP_DECLARE(int) ap_regexec(const ap_regex_t *preg, const char *string,
                           apr_size_t nmatch, ap_regmatch_t *pmatch,
                           int eflags)
{
    pcre2_match_data *md;
    int options = 0;
    int rc;
    apr_size_t i;

    md = pcre2_match_data_create((uint32_t)preg->re_nsub + 1, NULL);
    if (!md) {
        return AP_REG_ESPACE;
    }
    if ((eflags & AP_REG_NOTBOL) != 0) {
        options |= PCRE2_NOTBOL;
    }
    if ((eflags & AP_REG_NOTEOL) != 0) {
        options |= PCRE2_NOTEOL;
    }
    rc = pcre2_match((const pcre2_code *)preg->re_pcre,
                     (const unsigned char *)string, strlen(string), 0,
                     options, md, NULL);
    if (rc >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        apr_size_t n = rc;

        if (n == 0 || n > nmatch) {
            n = nmatch;
        }
        for (i = 0; i < n; i++) {
            pmatch[i].rm_so = ov[i * 2];
            pmatch[i].rm_eo = ov[i * 2 + 1];
        }
        for (; i < nmatch; i++) {
            pmatch[i].rm_so = pmatch[i].rm_eo = -1;
        }
        pcre2_match_data_free(md);
        return 0;
    }
    pcre2_match_data_free(md);
    if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21) {
        return AP_REG_INVARG;
    }
    switch (rc) {
    case PCRE2_ERROR_NOMATCH:
        return AP_REG_NOMATCH;
    case PCRE2_ERROR_NULL:
    case PCRE2_ERROR_BADOPTION:
    case PCRE2_ERROR_BADMAGIC:
        return AP_REG_INVARG;
    case PCRE2_ERROR_NOMEMORY:
    case PCRE2_ERROR_MATCHLIMIT:
        return AP_REG_ESPACE;
    default:
        return AP_REG_ASSERT;
    }
}

/* server/core.c, the NOT_IN_HTACCESS test: .htaccess files are read with
 * cmd->pool == cmd->temp_pool. */
AP_DECLARE(const char *) ap_check_cmd_context(cmd_parms *cmd,
                                              unsigned forbidden)
{
    if ((forbidden & NOT_IN_HTACCESS) && cmd->pool == cmd->temp_pool) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name,
                           " cannot occur within htaccess files", NULL);
    }
    return NULL;
}

AP_DECLARE(void) ap_str_tolower(char *s)
{
    for (; *s; s++) {
        *s = apr_tolower(*s);
    }
}

/* server/util.c + gen_test_char.c (T_ESCAPE_LOGITEM). */
AP_DECLARE(char *) ap_escape_logitem(apr_pool_t *p, const char *str)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s;
    apr_size_t n = 0;
    char *ret;
    char *d;

    if (!str) {
        return NULL;
    }
    for (s = (const unsigned char *)str; *s; s++) {
        n++;
    }
    d = ret = apr_palloc(p, 4 * n + 1);
    for (s = (const unsigned char *)str; *s; s++) {
        if (!apr_isprint(*s) || *s == '"' || *s == '\\'
            || apr_iscntrl(*s)) {
            *d++ = '\\';
            switch (*s) {
            case '\b': *d++ = 'b'; break;
            case '\n': *d++ = 'n'; break;
            case '\r': *d++ = 'r'; break;
            case '\t': *d++ = 't'; break;
            case '\v': *d++ = 'v'; break;
            case '\\': case '"': *d++ = *s; break;
            default:
                *d++ = 'x';
                *d++ = hex[*s >> 4];
                *d++ = hex[*s & 15];
            }
        }
        else {
            *d++ = *s;
        }
    }
    *d = '\0';
    return ret;
}

/* The error log: one line per message, whatever a request sent. */
static int fz_log_count;

static void fz_log(const char *fmt, va_list ap)
{
    va_list aq;
    char *msg;
    int n;

    va_copy(aq, ap);
    n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    FZ_CHECK(n >= 0, "log message does not format");
    msg = malloc((size_t)n + 1);
    FZ_CHECK(msg != NULL, "out of memory");
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    FZ_CHECK(!strchr(msg, '\n') && !strchr(msg, '\r'),
             "line break in an error log message: %s", msg);
    fz_log_count++;
    if (getenv("CORS_FUZZ_LOG")) {
        fprintf(stderr, "log: %s\n", msg);
    }
    free(msg);
}

AP_DECLARE(void) ap_log_error_(const char *file, int line, int module_index,
                               int level, apr_status_t status,
                               const server_rec *s, const char *fmt, ...)
{
    va_list ap;

    (void)file; (void)line; (void)module_index; (void)level;
    (void)status; (void)s;
    va_start(ap, fmt);
    fz_log(fmt, ap);
    va_end(ap);
}

AP_DECLARE(void) ap_log_rerror_(const char *file, int line, int module_index,
                                int level, apr_status_t status,
                                const request_rec *r, const char *fmt, ...)
{
    va_list ap;

    (void)file; (void)line; (void)module_index; (void)level;
    (void)status; (void)r;
    va_start(ap, fmt);
    fz_log(fmt, ap);
    va_end(ap);
}

static void fz_startup_write(struct apr_pool_t *p, const char *line)
{
    (void)p;
    FZ_CHECK(!strchr(line, '\n') && !strchr(line, '\r'),
             "line break in a startup message: %s", line);
    fz_log_count++;
    if (getenv("CORS_FUZZ_LOG")) {
        fprintf(stderr, "startup: %s\n", line);
    }
}

/* server/core.c: the harnesses read their configuration once, as
 * `apachectl -t` does. */
AP_DECLARE(int) ap_state_query(int query_code)
{
    return query_code == AP_SQ_MAIN_STATE ? AP_SQ_MS_CREATE_PRE_CONFIG : 0;
}

/* Registration and filter plumbing: the harnesses never get there. */
static void fz_unreachable(const char *what)
{
    fprintf(stderr, "harness: %s called\n", what);
    abort();
}

/* Request and startup plumbing of the other parts of the module (the
 * counters, the metrics handler, the dump): the harnesses never get
 * there. */
AP_DECLARE_DATA ap_listen_rec *ap_listeners = NULL;
AP_DECLARE_DATA server_rec *ap_server_conf = NULL;

AP_DECLARE_NONSTD(int) ap_rprintf(request_rec *r, const char *fmt, ...)
{
    (void)r; (void)fmt;
    fz_unreachable("ap_rprintf");
    return -1;
}

AP_DECLARE(char *) ap_escape_html2(apr_pool_t *p, const char *s, int toasc)
{
    (void)p; (void)s; (void)toasc;
    fz_unreachable("ap_escape_html2");
    return NULL;
}

AP_DECLARE(int) ap_rwrite(const void *buf, int nbyte, request_rec *r)
{
    (void)buf; (void)nbyte; (void)r;
    fz_unreachable("ap_rwrite");
    return -1;
}

AP_DECLARE(void) ap_set_content_type(request_rec *r, const char *ct)
{
    (void)r; (void)ct;
    fz_unreachable("ap_set_content_type");
}

AP_DECLARE(int) ap_request_has_body(request_rec *r)
{
    (void)r;
    fz_unreachable("ap_request_has_body");
    return 0;
}

AP_DECLARE(void) ap_allow_standard_methods(request_rec *r, int reset, ...)
{
    (void)r; (void)reset;
    fz_unreachable("ap_allow_standard_methods");
}

AP_DECLARE(int) ap_find_token(apr_pool_t *p, const char *line,
                              const char *tok)
{
    (void)p; (void)line; (void)tok;
    fz_unreachable("ap_find_token");
    return 0;
}

AP_DECLARE(int) ap_exists_config_define(const char *name)
{
    (void)name;
    fz_unreachable("ap_exists_config_define");
    return 0;
}


AP_DECLARE(void) ap_hook_pre_config(ap_HOOK_pre_config_t *pf,
                                    const char *const *pre,
                                    const char *const *succ, int order)
{
    (void)pf; (void)pre; (void)succ; (void)order;
    fz_unreachable("ap_hook_pre_config");
}

APU_DECLARE(void) apr_optional_hook_add(const char *szName, void (*pfn)(void),
                                        const char *const *aszPre,
                                        const char *const *aszSucc,
                                        int nOrder)
{
    (void)szName; (void)pfn; (void)aszPre; (void)aszSucc; (void)nOrder;
    fz_unreachable("apr_optional_hook_add");
}

AP_DECLARE(void) ap_hook_check_config(ap_HOOK_check_config_t *pf,
                                      const char *const *pre,
                                      const char *const *succ, int order)
{
    (void)pf; (void)pre; (void)succ; (void)order;
    fz_unreachable("ap_hook_check_config");
}

AP_DECLARE(void) ap_hook_check_access_ex(ap_HOOK_access_checker_ex_t *pf,
                                         const char *const *pre,
                                         const char *const *succ,
                                         int order, int type)
{
    (void)pf; (void)pre; (void)succ; (void)order; (void)type;
    fz_unreachable("ap_hook_check_access_ex");
}

AP_DECLARE(void) ap_hook_fixups(ap_HOOK_fixups_t *pf,
                                const char *const *pre,
                                const char *const *succ, int order)
{
    (void)pf; (void)pre; (void)succ; (void)order;
    fz_unreachable("ap_hook_fixups");
}

AP_DECLARE(void) ap_hook_insert_filter(ap_HOOK_insert_filter_t *pf,
                                       const char *const *pre,
                                       const char *const *succ, int order)
{
    (void)pf; (void)pre; (void)succ; (void)order;
    fz_unreachable("ap_hook_insert_filter");
}

AP_DECLARE(void) ap_hook_insert_error_filter(
    ap_HOOK_insert_error_filter_t *pf, const char *const *pre,
    const char *const *succ, int order)
{
    (void)pf; (void)pre; (void)succ; (void)order;
    fz_unreachable("ap_hook_insert_error_filter");
}

AP_DECLARE(ap_filter_rec_t *) ap_register_output_filter(
    const char *name, ap_out_filter_func filter_func,
    ap_init_filter_func filter_init, ap_filter_type ftype)
{
    (void)name; (void)filter_func; (void)filter_init; (void)ftype;
    fz_unreachable("ap_register_output_filter");
    return NULL;
}

AP_DECLARE(ap_filter_t *) ap_add_output_filter_handle(ap_filter_rec_t *f,
                                                      void *ctx,
                                                      request_rec *r,
                                                      conn_rec *c)
{
    (void)f; (void)ctx; (void)r; (void)c;
    fz_unreachable("ap_add_output_filter_handle");
    return NULL;
}

AP_DECLARE(void) ap_remove_output_filter(ap_filter_t *f)
{
    (void)f;
    fz_unreachable("ap_remove_output_filter");
}

AP_DECLARE(apr_status_t) ap_pass_brigade(ap_filter_t *f,
                                         apr_bucket_brigade *bb)
{
    (void)f; (void)bb;
    fz_unreachable("ap_pass_brigade");
    return APR_EGENERAL;
}

AP_DECLARE(int) ap_discard_request_body(request_rec *r)
{
    (void)r;
    fz_unreachable("ap_discard_request_body");
    return OK;
}

/* -------------------------------------------------------------------- */
/* Pools                                                                  */

/*
 * A pool hands out pieces of 8 KiB blocks, so AddressSanitizer would not
 * see a read or write past the end of one allocation that stays inside
 * its block.  While an input runs, apr_palloc (which apr_pcalloc,
 * apr_pstrdup, arrays, tables and hashes all call, through the PLT of
 * libapr) is replaced by one malloc per allocation, each with its own
 * red zones; all of them are freed when the input's pool is gone.
 */
static int fz_exact;
static void **fz_allocs;
static apr_size_t fz_nallocs;
static apr_size_t fz_cap;

APR_DECLARE(void *) apr_palloc(apr_pool_t *p, apr_size_t size)
{
    static void *(*real)(apr_pool_t *, apr_size_t);
    void *m;

    if (!fz_exact) {
        if (!real) {
            *(void **)&real = dlsym(RTLD_NEXT, "apr_palloc");
            if (!real) {
                abort();
            }
        }
        return real(p, size);
    }
    if (fz_nallocs == fz_cap) {
        fz_cap = fz_cap ? 2 * fz_cap : 1024;
        fz_allocs = realloc(fz_allocs, fz_cap * sizeof(*fz_allocs));
        if (!fz_allocs) {
            abort();
        }
    }
    m = malloc(size ? size : 1);
    if (!m) {
        abort();
    }
    fz_allocs[fz_nallocs++] = m;
    return m;
}

static apr_pool_t *fz_root;

/* A pool for one input; fz_done() destroys it, so LeakSanitizer sees
 * whatever the module keeps outside pools. */
static apr_pool_t *fz_pool(void)
{
    apr_pool_t *p;

    if (!fz_root) {
        apr_initialize();
        apr_pool_create(&fz_root, NULL);
    }
    apr_pool_create(&p, fz_root);
    fz_exact = 1;
    return p;
}

static void fz_done(apr_pool_t *p)
{
    apr_size_t i;

    apr_pool_destroy(p);
    for (i = 0; i < fz_nallocs; i++) {
        free(fz_allocs[i]);
    }
    fz_nallocs = 0;
    fz_exact = 0;
}

/* -------------------------------------------------------------------- */
/* Configuration from text                                                */

/* What the harness remembers of a successful directive, for the
 * reference checks: the arguments that shaped the origin policy. */
#define FZ_MAX_REGEXES 4
#define FZ_MAX_REGEX_LEN 64

typedef struct {
    apr_array_header_t *origins;   /* const char *: CorsOrigins args */
    apr_array_header_t *regexes;   /* const char *: CorsOriginsMatch args */
    int origins_set;               /* the section set an origin policy */
} fz_policy;

typedef struct {
    apr_pool_t *pool;
    cors_dir_conf *conf;           /* merged record */
    fz_policy policy;              /* of the last section that set one */
    int errors;                    /* directives the handlers refused */
    int regexes;                   /* regex arguments passed on */
    int directives;                /* directives accepted */
    server_rec server;
    ap_directive_t directive;
} fz_config;

static const command_rec *fz_find_cmd(const char *name)
{
    const command_rec *c;

    for (c = cors_cmds; c->name; c++) {
        if (!strcasecmp(c->name, name)) {
            return c;
        }
    }
    return NULL;
}

/* Next word of a config line, as ap_getword_conf roughly does it. */
static char *fz_word(apr_pool_t *p, const char **line, const char *end)
{
    const char *s = *line;
    const char *w;
    char *out;

    while (s < end && (*s == ' ' || *s == '\t')) {
        s++;
    }
    if (s >= end) {
        *line = s;
        return NULL;
    }
    if (*s == '"') {
        for (w = ++s; s < end && *s != '"'; s++) {
            /* quoted */
        }
        out = apr_pstrmemdup(p, w, s - w);
        if (s < end) {
            s++;
        }
    }
    else {
        for (w = s; s < end && *s != ' ' && *s != '\t'; s++) {
            /* bare word */
        }
        out = apr_pstrmemdup(p, w, s - w);
    }
    *line = s;
    return out;
}

/* Run one directive line through its handler. */
static void fz_directive(fz_config *fc, cors_dir_conf *dconf, int htaccess,
                         int line_num, const char *s, const char *end,
                         fz_policy *section)
{
    apr_pool_t *p = fc->pool;
    char *name = fz_word(p, &s, end);
    const command_rec *c;
    cmd_parms cmd;
    const char *err = NULL;
    apr_array_header_t *args;
    apr_array_header_t *to = NULL;
    char *w;
    int i;

    if (!name || !(c = fz_find_cmd(name))) {
        return;
    }
    args = apr_array_make(p, 4, sizeof(char *));
    while ((w = fz_word(p, &s, end)) != NULL) {
        APR_ARRAY_PUSH(args, char *) = w;
    }
    memset(&cmd, 0, sizeof(cmd));
    cmd.info = c->cmd_data;
    cmd.override = OR_ALL;
    cmd.limited = -1;
    cmd.pool = p;
    /* .htaccess files are read with the request pool as both pools. */
    if (!htaccess) {
        apr_pool_create(&cmd.temp_pool, p);
    }
    else {
        cmd.temp_pool = p;
    }
    cmd.server = &fc->server;
    cmd.path = "/fuzz";
    cmd.cmd = c;
    fc->directive.directive = c->name;
    fc->directive.filename = htaccess ? "/fuzz/.htaccess" : "fuzz.conf";
    fc->directive.line_num = line_num;
    cmd.directive = &fc->directive;

    if (args->nelts && (!strcasecmp(c->name, "CorsOrigins")
                        || !strcasecmp(c->name, "CorsOriginsMatch"))) {
        to = strcasecmp(c->name, "CorsOrigins") ? section->regexes
                                                 : section->origins;
    }
    if (c->args_how == ITERATE) {
        if (!args->nelts) {
            err = "requires at least one argument";
        }
        for (i = 0; !err && i < args->nelts; i++) {
            w = APR_ARRAY_IDX(args, i, char *);
            /* A few short regexes: PCRE's backtracking on a pathological
             * one is the admin's regex, not mod_cors, and would only turn
             * into fuzzer timeouts. */
            if (strlen(c->name) > 5
                && !strcasecmp(c->name + strlen(c->name) - 5, "Match")
                && (strlen(w) > FZ_MAX_REGEX_LEN
                    || ++fc->regexes > FZ_MAX_REGEXES)) {
                continue;
            }
            /* The handler makes the section's policy before it checks the
             * argument. */
            if (to) {
                section->origins_set = 1;
            }
            err = c->AP_TAKE1(&cmd, dconf, w);
            if (!err && to) {
                APR_ARRAY_PUSH(to, char *) = w;
            }
        }
    }
    else if (c->args_how == TAKE1) {
        err = args->nelts == 1
              ? c->AP_TAKE1(&cmd, dconf, APR_ARRAY_IDX(args, 0, char *))
              : "takes one argument";
    }
    else {
        fz_unreachable("a directive of an unknown kind");
    }
    if (err) {
        FZ_CHECK(*err, "empty error message from %s", c->name);
        FZ_CHECK(!strchr(err, '\n'), "line break in an error message");
        fc->errors++;
        return;
    }
    fc->directives++;
}

/*
 * Build the merged record from the config text [s, end).  Sections start
 * at "<" lines; each is created, filled and merged over the ones above,
 * as httpd merges <Location> sections.
 */
static void fz_build_config(fz_config *fc, apr_pool_t *p, const char *s,
                            const char *end)
{
    cors_dir_conf *section;
    fz_policy sp;
    int htaccess = 0;
    int line_num = 0;

    memset(fc, 0, sizeof(*fc));
    fc->pool = p;
    fc->server.log.level = APLOG_TRACE8;
    fc->server.is_virtual = 0;
    fc->conf = cors_config_create_dir(p, NULL);
    section = fc->conf;
    fc->policy.origins = apr_array_make(p, 4, sizeof(char *));
    fc->policy.regexes = apr_array_make(p, 4, sizeof(char *));
    sp.origins = apr_array_make(p, 4, sizeof(char *));
    sp.regexes = apr_array_make(p, 4, sizeof(char *));
    sp.origins_set = 0;

    for (;;) {
        const char *nl = s;
        const char *eol;

        /* A config line never holds a CR or LF (httpd's reader ends a line
         * there, and white space separates arguments): the error log
         * check below is about request bytes, not what the admin wrote. */
        while (nl < end && *nl != '\n' && *nl != '\r') {
            nl++;
        }
        eol = nl;
        nl = nl < end ? nl : NULL;
        line_num++;
        if (eol > s && *s == '<') {
            /* Close the section: merge it, keep its origin policy if it
             * set one (a section that sets one replaces the inherited). */
            if (section != fc->conf) {
                fc->conf = cors_config_merge_dir(p, fc->conf, section);
            }
            if (sp.origins_set) {
                fc->policy = sp;
            }
            sp.origins = apr_array_make(p, 4, sizeof(char *));
            sp.regexes = apr_array_make(p, 4, sizeof(char *));
            sp.origins_set = 0;
            htaccess = eol - s >= 9 && !memcmp(s, "<htaccess", 9);
            section = cors_config_create_dir(p, apr_psprintf(p, "/section%d",
                                                             line_num));
        }
        else if (eol > s) {
            fz_directive(fc, section, htaccess, line_num, s, eol, &sp);
        }
        if (!nl) {
            break;
        }
        s = nl + 1;
    }
    if (section != fc->conf) {
        fc->conf = cors_config_merge_dir(p, fc->conf, section);
    }
    if (sp.origins_set) {
        fc->policy = sp;
    }
}

/* Split data at the first line that is exactly "===". */
static const char *fz_split(const char *s, const char *end,
                            const char **rest)
{
    const char *p = s;

    for (;;) {
        if (end - p >= 3 && !memcmp(p, "===", 3)
            && (end - p == 3 || p[3] == '\n')) {
            *rest = end - p == 3 ? end : p + 4;
            return p;
        }
        p = memchr(p, '\n', end - p);
        if (!p) {
            *rest = end;
            return end;
        }
        p++;
    }
}

/* A NUL-terminated copy of bytes, cut at the first NUL as a header value
 * would be. */
static char *fz_cstr(apr_pool_t *p, const char *s, apr_size_t n)
{
    const char *nul = memchr(s, '\0', n);

    return apr_pstrmemdup(p, s, nul ? (apr_size_t)(nul - s) : n);
}

#endif /* CORS_FUZZ_HARNESS_H */

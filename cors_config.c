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
 * cors_config.c: the per-directory records (create, merge), the directive
 * handlers with their startup messages, and the checks that need the
 * whole configuration (credentials with any origin).
 */

#include "cors_private.h"

/* Origins that no sane allow-list contains: a regex matching one of them
 * is treated as matching any origin. */
static const char *const cors_probe_origins[] = {
    "https://mod-cors-probe.invalid",
    "http://198.51.100.7:4242",
    NULL
};

/* -------------------------------------------------------------------- */
/* Configuration records                                                 */

void *cors_config_create_dir(apr_pool_t *p, char *dir)
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
    conf->protect = CORS_UNSET;
    conf->timing = CORS_UNSET;
    return conf;
}

#define CORS_MERGE(field, unset) \
    conf->field = (add->field != (unset)) ? add->field : base->field

void *cors_config_merge_dir(apr_pool_t *p, void *basev, void *addv)
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
    CORS_MERGE(protect, CORS_UNSET);
    CORS_MERGE(protect_where, NULL);
    CORS_MERGE(timing, CORS_UNSET);
    return conf;
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
    apr_hash_t *said = NULL;
    char *text;
    char *c;

    if (!cors_startup_say_now(s)) {
        return;
    }
    text = apr_psprintf(p, "mod_cors: %s: %s: %s", kind,
                        where ? where : "(unknown place)", msg);
    /* Once per read: a file Included in several virtual hosts is read
     * once for each, with the same file, line and message.  p is the
     * read's temporary pool. */
    apr_pool_userdata_get((void **)&said, "mod_cors-said", p);
    if (!said) {
        said = apr_hash_make(p);
        apr_pool_userdata_setn(said, "mod_cors-said", NULL, p);
    }
    if (apr_hash_get(said, text, APR_HASH_KEY_STRING)) {
        return;
    }
    apr_hash_set(said, text, APR_HASH_KEY_STRING, text);
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
        /* The example fits the directive: an origin pattern means nothing
         * to CorsAllowHeadersMatch, which sees header names. */
        int origins = !strcmp(cmd->cmd->name, "CorsOriginsMatch");

        return cors_cmd_error(cmd, apr_psprintf(
            cmd->pool, "%s: '%s' is not a valid regular expression; write "
            "a PCRE pattern for the whole value, e.g. \"%s\" (it is "
            "anchored at both ends and case-insensitive)", cmd->cmd->name,
            arg, origins ? "https://[a-z0-9-]+\\.example\\.com"
                         : "x-myapp-[a-z-]+"));
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
const char *cors_cmd_flag(cmd_parms *cmd, void *dconf, const char *arg)
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
const char *cors_cmd_Cors(cmd_parms *cmd, void *dconf, const char *arg)
{
    cors_dir_conf *conf = dconf;

    if (!strcasecmp(arg, "ReportOnly")) {
        cors_touch(cmd, conf);
        conf->enabled = CORS_REPORT_ONLY;
        return NULL;
    }
    if (!strcasecmp(arg, "on") || !strcasecmp(arg, "off")) {
        return cors_cmd_flag(cmd, dconf, arg);
    }
    return apr_psprintf(cmd->pool, "Cors: '%s' is not On, Off or "
                        "ReportOnly", arg);
}

/* CorsProtect On|Off: an .htaccess file may raise the protection, never
 * lower it (a tenant must not switch off what the server turned on). */
const char *cors_cmd_CorsProtect(cmd_parms *cmd, void *dconf,
                                 const char *arg)
{
    cors_dir_conf *conf = dconf;

    if (cors_in_htaccess(cmd) && !strcasecmp(arg, "off")) {
        return apr_psprintf(cmd->pool, "CorsProtect: '%s' is not allowed "
                            "in .htaccess files: they may turn the "
                            "protection on, never off", arg);
    }
    conf->protect_where = apr_psprintf(cmd->pool, "%s:%d",
                                       cmd->directive->filename,
                                       cmd->directive->line_num);
    return cors_cmd_flag(cmd, dconf, arg);
}

const char *cors_cmd_CorsSupportsCredentials(cmd_parms *cmd, void *dconf,
                                             const char *arg)
{
    cors_dir_conf *conf = dconf;

    cors_touch(cmd, conf);
    conf->credentials_where = apr_psprintf(cmd->pool, "%s:%d",
                                           cmd->directive->filename,
                                           cmd->directive->line_num);
    conf->credentials_in = cors_section(cmd);
    return cors_cmd_flag(cmd, dconf, arg);
}

const char *cors_cmd_CorsUnsafeAllowAnyOriginWithCredentials(cmd_parms *cmd,
                                                             void *dconf,
                                                             const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_HTACCESS);

    if (err) {
        return err;
    }
    return cors_cmd_flag(cmd, dconf, arg);
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
    why = cors_policy_parse_origin(probe, strlen(probe), &parts);
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
    key = cors_policy_origin_key(cmd->pool, &parts, &klen);
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
    why = cors_policy_parse_origin(arg, strlen(arg), &parts);
    if (why) {
        return cors_cmd_error(cmd, apr_psprintf(
            cmd->pool, "CorsOrigins: '%s' is not an origin: it %s; write "
            "scheme://host[:port], one origin per argument, e.g. "
            "https://app.example.com", arg, why));
    }
    key = cors_policy_origin_key(cmd->pool, &parts, &klen);
    if (!o->exact) {
        o->exact = apr_pcalloc(cmd->pool, sizeof(cors_exact));
        o->first_exact = key;
    }
    cors_policy_exact_put(cmd->pool, o->exact, key, klen, arg);
    if (!o->first_http && parts.scheme_len == 4
        && !strncasecmp(parts.scheme, "http", 4)) {
        o->first_http = arg;
    }
    return NULL;
}

const char *cors_cmd_CorsOrigins(cmd_parms *cmd, void *dconf, const char *arg)
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

const char *cors_cmd_CorsOriginsMatch(cmd_parms *cmd, void *dconf,
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
static void cors_list_add(cmd_parms *cmd, cors_list **listp, const char *arg)
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

const char *cors_cmd_CorsMethods(cmd_parms *cmd, void *dconf, const char *arg)
{
    cors_dir_conf *conf = dconf;

    if (strcmp(arg, "*") && !cors_policy_token(arg)) {
        return apr_psprintf(cmd->pool, "CorsMethods: '%s' is not a method "
                            "name (an HTTP token such as PUT)", arg);
    }
    if (cors_policy_forbidden_method(arg)) {
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

const char *cors_cmd_CorsAllowHeaders(cmd_parms *cmd, void *dconf,
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
    if (!cors_policy_token(arg)) {
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

const char *cors_cmd_CorsAllowHeadersMatch(cmd_parms *cmd, void *dconf,
                                           const char *arg)
{
    cors_headers *h = cors_headers_of(cmd, dconf);

    return cors_compile_regex(cmd, arg, &h->regexes);
}

const char *cors_cmd_CorsExposeHeaders(cmd_parms *cmd, void *dconf,
                                       const char *arg)
{
    cors_dir_conf *conf = dconf;

    if (strcmp(arg, "*") && !cors_policy_token(arg)) {
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

const char *cors_cmd_CorsMaxAge(cmd_parms *cmd, void *dconf, const char *arg)
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

const char *cors_cmd_CorsPreflightStatus(cmd_parms *cmd, void *dconf,
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
/* Startup checks that need a whole section, whatever the directive order */

/* What the checks of one server need to know. */
typedef struct {
    server_rec *s;             /* the server being checked */
    apr_pool_t *p;             /* ptemp, for the static merges */
    int sets_origins;          /* some section of the server sets origins */
    int enables;               /* some section or its top level: Cors On */
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
            : cors_config_merge_dir(ctx->p, (void *)parent, (void *)own);

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
        conf = cors_config_create_dir(ctx->p, NULL);
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

/* A warning about a section: cors_startup_say() says each once per
 * read, however many virtual hosts repeat the section. */
static void cors_check_warn(cors_check_ctx *ctx, const char *where,
                            const char *msg)
{
    cors_startup_say(ctx->s, ctx->p, "warning", where, msg);
}

/* Credentials with an origin policy any site satisfies ("*", a match-all
 * regex, "null"), in the section or through the ones it is merged with,
 * or for want of any CorsOrigins in a server that switches Cors on;
 * warnings for weaker set-ups.  Judged where the section itself sets
 * something these depend on. */
/* CorsProtect On trusts the origins the policy allows: with one that
 * allows any origin it refuses nothing.  Judged, as the credentials,
 * only in a server that switches Cors on somewhere: CorsProtect On at
 * server level with the origins listed in each virtual host is safe. */
static int cors_check_protect(cors_check_ctx *ctx, const cors_dir_conf *own,
                              const cors_dir_conf *merged)
{
    const cors_origins *o = merged->origins;

    if ((own->protect == CORS_UNSET && !own->origins)
        || merged->protect != 1 || !ctx->enables
        || (o ? !o->match_all : ctx->sets_origins)) {
        return 0;
    }
    cors_startup_say(NULL, ctx->p, "error", merged->protect_where,
                     apr_psprintf(ctx->p, "CorsProtect On with an origin "
                                  "policy that allows any origin (%s) "
                                  "protects nothing: every site's writes "
                                  "would be let through. List the trusted "
                                  "origins in CorsOrigins or "
                                  "CorsOriginsMatch",
                                  o ? o->where : "the default '*'"));
    return 1;
}

static int cors_check_section(cors_check_ctx *ctx, const cors_dir_conf *own,
                              const cors_dir_conf *merged)
{
    const cors_origins *o = merged->origins;

    if (cors_check_protect(ctx, own, merged)) {
        return 1;
    }

    if ((own->credentials == CORS_UNSET && !own->origins
         && own->unsafe_any == CORS_UNSET)
        || merged->credentials != 1 || merged->unsafe_any == 1) {
        return 0;
    }
    if (o && cors_policy_open(o)) {
        /* Name the directive that opened it: '*' and 'null' come from
         * CorsOrigins, a match-all regex from CorsOriginsMatch. */
        const char *by = (o->match_all && !o->any) ? "CorsOriginsMatch"
                                                   : "CorsOrigins";

        cors_credentials_error(ctx, merged, apr_psprintf(
            ctx->p, "with an origin policy that allows %s (%s in %s)%s",
            o->match_all ? "any origin" : "the origin 'null'", by,
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

int cors_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                      server_rec *s)
{
    cors_check_ctx ctx;

    (void)pconf;
    (void)plog;
    ctx.p = ptemp;
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

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
 *   CorsProtect                On|Off   (.htaccess: On only)
 *   CorsTimingAllowOrigin      On|Off
 *   CorsUnsafeAllowAnyOriginWithCredentials On|Off   (not in .htaccess)
 *
 * The decisions (origin parsing and matching, header-list parsing, the
 * verdict for a request) are pure functions of strings and the config,
 * so unit tests and fuzzers can call them without a request_rec.
 *
 * Files: mod_cors.c (this one) is the glue: the command table, the hook
 * registrations and the module record.  cors_config.c holds the records,
 * the directive handlers and the startup checks; cors_policy.c the
 * decisions; cors_engine.c the request-time hooks and the filter;
 * cors_stats.c the counters, mod_status and the cors-metrics handler;
 * cors_dump.c `apachectl -t -D DUMP_CORS`.  cors_private.h is what they
 * share.
 */

#include "cors_private.h"

/* mod_status's optional hook, registered here as its users do: harmless
 * where mod_status is not loaded. */
static int cors_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    APR_OPTIONAL_HOOK(ap, status_hook, cors_stats_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
    return OK;
}

/* After the second read of a start, startup messages are said again on
 * the reads of restarts (see cors_startup_say_now).
 * The version line is said once per start, restart or graceful restart:
 * post_config runs once per read of the configuration with the main
 * server (never per virtual host); the first read of a start, which
 * ends in CREATE_PRE_CONFIG, and `apachectl -t` are left out.  It tells
 * an admin which build the server loaded (the package's version). */
static int cors_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_CONFIG) {
        apr_pool_userdata_set((void *)1, CORS_STARTED_KEY, NULL,
                              s->process->pool);
        if (ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_NORMAL) {
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                         "mod_cors/%s loaded", CORS_VERSION);
        }
    }
    return cors_stats_init(ptemp, s);
}


/* -------------------------------------------------------------------- */

#define CORS_FLAG_CMD(name, field, help) \
    AP_INIT_TAKE1(name, cors_cmd_flag, \
                  (void *)APR_OFFSETOF(cors_dir_conf, field), OR_FILEINFO, \
                  help)

static const command_rec cors_cmds[] = {
    AP_INIT_TAKE1("Cors", cors_cmd_Cors,
                  (void *)APR_OFFSETOF(cors_dir_conf, enabled), OR_FILEINFO,
                  "On to answer CORS requests here, Off to stop, ReportOnly "
                  "to decide and log without changing any response"),
    AP_INIT_ITERATE("CorsOrigins", cors_cmd_CorsOrigins, NULL, OR_FILEINFO,
                    "Allowed origins: scheme://host[:port], *, null, or "
                    "scheme://*.domain[:port]"),
    AP_INIT_ITERATE("CorsOriginsMatch", cors_cmd_CorsOriginsMatch, NULL,
                    OR_FILEINFO, "Regexes matched against the whole origin"),
    AP_INIT_ITERATE("CorsMethods", cors_cmd_CorsMethods, NULL, OR_FILEINFO,
                    "Methods allowed in preflights, or *"),
    AP_INIT_ITERATE("CorsAllowHeaders", cors_cmd_CorsAllowHeaders, NULL,
                    OR_FILEINFO, "Request headers allowed in preflights, "
                    "or * for any but Authorization"),
    AP_INIT_ITERATE("CorsAllowHeadersMatch", cors_cmd_CorsAllowHeadersMatch,
                    NULL, OR_FILEINFO,
                    "Regexes matched against requested header names"),
    AP_INIT_ITERATE("CorsExposeHeaders", cors_cmd_CorsExposeHeaders, NULL,
                    OR_FILEINFO, "Response headers scripts may read"),
    AP_INIT_TAKE1("CorsSupportsCredentials", cors_cmd_CorsSupportsCredentials,
                  (void *)APR_OFFSETOF(cors_dir_conf, credentials),
                  OR_FILEINFO, "On to allow cookies and HTTP auth"),
    AP_INIT_TAKE1("CorsMaxAge", cors_cmd_CorsMaxAge, NULL, OR_FILEINFO,
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
                  "On to allow Private Network Access preflights (legacy)"),
    AP_INIT_TAKE1("CorsPreflightStatus", cors_cmd_CorsPreflightStatus, NULL,
                  OR_FILEINFO, "Status of answered preflights: 200 or 204"),
    AP_INIT_TAKE1("CorsProtect", cors_cmd_CorsProtect,
                  (void *)APR_OFFSETOF(cors_dir_conf, protect), OR_FILEINFO,
                  "On to refuse cross-origin writes and WebSocket "
                  "handshakes from origins the policy does not allow"),
    CORS_FLAG_CMD("CorsTimingAllowOrigin", timing,
                  "On to send Timing-Allow-Origin to allowed origins"),
    CORS_FLAG_CMD("CorsDebugHeader", debug_header,
                  "On to explain each decision in a CORS-Decision header"),
    CORS_FLAG_CMD("CorsPreserveBackendHeaders", preserve,
                  "On to keep CORS headers a backend already set"),
    AP_INIT_TAKE1("CorsUnsafeAllowAnyOriginWithCredentials",
                  cors_cmd_CorsUnsafeAllowAnyOriginWithCredentials,
                  (void *)APR_OFFSETOF(cors_dir_conf, unsafe_any),
                  OR_FILEINFO, "On to let every web site make credentialed "
                  "requests (dangerous)"),
    { NULL }
};

static void cors_register_hooks(apr_pool_t *p)
{
    static const char *const after_headers[] = { "mod_headers.c", NULL };
    /* mod_rewrite and mod_proxy register their fixups APR_HOOK_FIRST too;
     * without these lists the LoadModule order would decide.
     * mod_rewrite's per-directory rules and mod_alias's per-directory
     * Redirect (its fixups, MIDDLE) are the admin's explicit intent, as
     * their server-level forms, which act earlier anyway.  mod_proxy's
     * fixups only check the URL it would forward to, and a preflight is
     * answered, not forwarded. */
    static const char *const after_rewrite[] = { "mod_rewrite.c",
                                                 "mod_alias.c", NULL };
    static const char *const before_proxy[] = { "mod_proxy.c", NULL };

    (void)p;
    ap_hook_pre_config(cors_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(cors_config_check, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(cors_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_test_config(cors_dump, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_pre_mpm(cors_stats_clear, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(cors_stats_metrics_handler, NULL, NULL, APR_HOOK_MIDDLE);
    /* No module changes r->per_dir_config in this phase: the record is
     * what the location walk left, whatever the order. */
    ap_hook_post_perdir_config(cors_engine_record, NULL, NULL,
                               APR_HOOK_MIDDLE);
    /* CorsProtect: after the location walk, before every access and
     * auth hook whatever the load order (they run in later phases). */
    ap_hook_header_parser(cors_engine_protect, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_access_ex(cors_engine_preflight_access, NULL, NULL,
                            APR_HOOK_FIRST, AP_AUTH_INTERNAL_PER_CONF);
    /* After mod_rewrite and mod_alias, before mod_proxy:
     * t/order_rewrite.t and t/review.t pin it. */
    ap_hook_fixups(cors_engine_preflight_fixups, after_rewrite, before_proxy,
                   APR_HOOK_FIRST);
    /* After mod_headers' insert hook, so that our filter runs after its
     * and the answer replaces what a Header directive set
     * (t/resp_backend.t); before mod_cache's CACHE_SAVE filter by type,
     * so that what is cached carries it (t/cache.t). */
    ap_hook_insert_filter(cors_engine_insert_filter, after_headers, NULL,
                          APR_HOOK_LAST);
    ap_hook_insert_error_filter(cors_engine_insert_filter, after_headers, NULL,
                                APR_HOOK_LAST);
    cors_engine_filter_handle = ap_register_output_filter(
        "CORS", cors_engine_out_filter, NULL, AP_FTYPE_CONTENT_SET);
}

module AP_MODULE_DECLARE_DATA cors_module = {
    STANDARD20_MODULE_STUFF,
    cors_config_create_dir,     /* dir config creator */
    cors_config_merge_dir,      /* dir merger */
    cors_stats_create_srv,     /* server config creator */
    cors_stats_merge_srv,       /* server merger */
    cors_cmds,                  /* command table */
    cors_register_hooks,        /* register hooks */
    AP_MODULE_FLAG_ALWAYS_MERGE /* flags: every vhost its counters */
};

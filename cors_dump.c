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
 * cors_dump.c: apachectl -t -D DUMP_CORS, the policy of every section
 * and where each value comes from.
 */

#include "cors_private.h"

/* -------------------------------------------------------------------- */
/* apachectl -t -D DUMP_CORS: the policy of every section, and whence    */

/* The fields of a record, in the order the dump shows them. */
typedef enum {
    CORS_F_CORS, CORS_F_ORIGINS, CORS_F_METHODS, CORS_F_ALLOW_HEADERS,
    CORS_F_EXPOSE, CORS_F_CREDENTIALS, CORS_F_UNSAFE, CORS_F_MAX_AGE,
    CORS_F_SEND_WILDCARD, CORS_F_ALWAYS_SEND, CORS_F_AUTO_OPTIONS,
    CORS_F_VARY, CORS_F_PRIVATE_NETWORK, CORS_F_PREFLIGHT_STATUS,
    CORS_F_PRESERVE, CORS_F_DEBUG_HEADER, CORS_F_PROTECT, CORS_F_TIMING,
    CORS_NFIELDS
} cors_field;

static const char *const cors_field_names[CORS_NFIELDS] = {
    "Cors", "CorsOrigins", "CorsMethods", "CorsAllowHeaders",
    "CorsExposeHeaders", "CorsSupportsCredentials",
    "CorsUnsafeAllowAnyOriginWithCredentials", "CorsMaxAge",
    "CorsSendWildcard", "CorsAlwaysSend", "CorsAutomaticOptions",
    "CorsVaryHeader", "CorsAllowPrivateNetwork", "CorsPreflightStatus",
    "CorsPreserveBackendHeaders", "CorsDebugHeader", "CorsProtect",
    "CorsTimingAllowOrigin"
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
    case CORS_F_PROTECT:         return &c->protect;
    case CORS_F_TIMING:          return &c->timing;
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
    "5 seconds)", "Off", "On", "On", "On", "Off", "204", "Off", "Off", "Off",
    "Off"
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
                               const cors_dir_conf *parent, const char *note)
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

            merged = cors_config_merge_dir(ctx->p, (void *)parent,
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
        conf = cors_config_create_dir(p, NULL);
    }
    apr_file_printf(out, "%s %s%s%s%s\n",
                    s->is_virtual ? "VirtualHost" : "Main server",
                    cors_stats_label(p, s),
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
void cors_dump(apr_pool_t *pconf, server_rec *s)
{
    const cors_dir_conf *main_conf;
    apr_file_t *out;

    if (!ap_exists_config_define("DUMP_CORS")
        || apr_file_open_stdout(&out, pconf) != APR_SUCCESS) {
        return;
    }
    main_conf = ap_get_module_config(s->lookup_defaults, &cors_module);
    if (!main_conf) {
        main_conf = cors_config_create_dir(pconf, NULL);
    }
    apr_file_puts("mod_cors policy, section by section (set here, from the "
                  "section named, or the default)\n", out);
    for (; s; s = s->next) {
        cors_dump_server(out, pconf, s, main_conf);
    }
    apr_file_flush(out);
}

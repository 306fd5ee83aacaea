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
 * cors_stats.c: the decision counters in shared memory, the mod_status
 * lines and table, and the cors-metrics handler for Prometheus.
 */

#include "cors_private.h"

/* -------------------------------------------------------------------- */
/* Counters in shared memory, mod_status and the cors-metrics handler    */

/* The key of the decisions in mod_status's machine-readable page. */
static const char *const cors_decision_keys[CORS_NDECISIONS] = {
    "CorsNoOrigin", "CorsAllowed", "CorsPreflightAllowed",
    "CorsRefusedOrigin", "CorsRefusedMethod", "CorsRefusedHeaders",
    "CorsRefusedPrivateNetwork", "CorsMalformed", "CorsRefusedCrossOrigin",
    "CorsRefusedWebsocket"
};


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

void *cors_stats_create_srv(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return apr_pcalloc(p, sizeof(cors_srv_conf));
}

/* A fresh record for every virtual host: without a merge function (and
 * AP_MODULE_FLAG_ALWAYS_MERGE, see the module record) httpd lets a
 * virtual host with no mod_cors directive share the main server's
 * record, and every server sharing it would count into the one slot
 * given last. */
void *cors_stats_merge_srv(apr_pool_t *p, void *basev, void *addv)
{
    (void)basev;
    (void)addv;
    return apr_pcalloc(p, sizeof(cors_srv_conf));
}

static apr_uint64_t cors_read(const apr_uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* The counters' page is never a CORS resource. */
int cors_stats_is_metrics(const request_rec *r)
{
    return r->handler && r->handler[0] == 'c'
           && !strcmp(r->handler, CORS_METRICS_HANDLER);
}

/* "ServerName:port", the label of a server in the counters. */
const char *cors_stats_label(apr_pool_t *p, const server_rec *s)
{
    apr_port_t port = s->port;

    if (!port && s->is_virtual && s->addrs) {
        port = s->addrs->host_port;
    }
    /* A main server whose ServerName has no port: the first Listen,
     * which httpd keeps at the end of ap_listeners (each Listen is put
     * in front of those read before it). */
    if (!port && !s->is_virtual) {
        const ap_listen_rec *lr;

        for (lr = ap_listeners; lr; lr = lr->next) {
            if (lr->bind_addr) {
                port = lr->bind_addr->port;
            }
        }
    }
    return apr_psprintf(p, "%s:%u", s->server_hostname ? s->server_hostname
                                                       : "localhost",
                        port ? (unsigned)port : 80u);
}

/* The slot labelled so, or a free one, or the overflow slot.  Labels fit
 * the slot (see cors_stats_init), so a label finds its slot again after
 * a graceful restart. */
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

/* A new zeroed segment for the servers of s, in the process pool: room
 * for twice their number plus 16, and the overflow slot. */
static apr_shm_t *cors_stats_make(server_rec *s)
{
    apr_pool_t *pp = s->process->pool;
    apr_uint32_t n = 17;
    apr_shm_t *shm = NULL;
    apr_size_t size;
    apr_status_t rv;
    cors_stats *st;
    server_rec *v;

    for (v = s; v; v = v->next) {
        n += 2;
    }
    size = offsetof(cors_stats, slot) + n * sizeof(cors_slot);
    rv = apr_shm_create(&shm, size, NULL, pp);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "mod_cors: cannot make "
                     "%" APR_SIZE_T_FMT " bytes of shared memory for its "
                     "counters; counting nothing", size);
        return NULL;
    }
    st = apr_shm_baseaddr_get(shm);
    memset(st, 0, size);
    st->nslots = n;
    apr_cpystrn(st->slot[0].label, CORS_OVERFLOW_LABEL, CORS_LABEL_MAX);
    apr_pool_userdata_set(shm, CORS_SHM_KEY, apr_pool_cleanup_null, pp);
    return shm;
}

/* Give every server of s its slot in cors_shm, by label.  Two servers
 * with the same "name:port" are told apart by a ":2", ":3" ... suffix,
 * in configuration order. */
static void cors_stats_assign(apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *seen = apr_hash_make(ptemp);
    apr_array_header_t *order = apr_array_make(ptemp, 8,
                                               sizeof(server_rec *));
    server_rec *v;
    int i;

    /* httpd links the virtual hosts after the main server newest first:
     * walk them in configuration order, so that the suffixes (and the
     * slots) of those already there stay when a reload adds one. */
    for (v = s->next; v; v = v->next) {
        APR_ARRAY_PUSH(order, server_rec *) = v;
    }
    for (i = -1; i < order->nelts; i++) {
        cors_srv_conf *sc;
        const char *label;
        int *dup;

        v = i < 0 ? s : APR_ARRAY_IDX(order, order->nelts - 1 - i,
                                      server_rec *);
        sc = ap_get_module_config(v->module_config, &cors_module);
        label = cors_stats_label(ptemp, v);
        /* Cut to fit the slot with room for a ":N" suffix: the slot is
         * found by the whole label. */
        if (strlen(label) > CORS_LABEL_MAX - 9) {
            label = apr_pstrmemdup(ptemp, label, CORS_LABEL_MAX - 9);
        }
        dup = apr_hash_get(seen, label, APR_HASH_KEY_STRING);
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
}

/*
 * post_config: find the shared segment (made at the start, kept in the
 * process pool across graceful restarts, whose old children still count
 * into it) or make it, and give every server its slot.  Nothing under
 * `apachectl -t` or on the first of the two reads of a start.
 */
int cors_stats_init(apr_pool_t *ptemp, server_rec *s)
{
    apr_shm_t *shm = NULL;

    if (ap_state_query(AP_SQ_RUN_MODE) != AP_SQ_RM_NORMAL
        || ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    apr_pool_userdata_get((void **)&shm, CORS_SHM_KEY, s->process->pool);
    if (!shm && !(shm = cors_stats_make(s))) {
        return OK;
    }
    cors_shm = apr_shm_baseaddr_get(shm);
    cors_stats_assign(ptemp, s);
    return OK;
}

/*
 * pre_mpm runs at a start and at a full restart, never at a graceful
 * one, and before any child exists: the counters start again from zero
 * in a new segment sized for the servers of this configuration, without
 * the labels of servers it no longer has.
 */
int cors_stats_clear(apr_pool_t *p, ap_scoreboard_e sb_type)
{
    server_rec *s = ap_server_conf;
    apr_shm_t *old = NULL;
    apr_shm_t *shm;
    apr_pool_t *ptemp;

    (void)sb_type;
    if (!cors_shm || !s) {
        return OK;
    }
    apr_pool_userdata_get((void **)&old, CORS_SHM_KEY, s->process->pool);
    if (!(shm = cors_stats_make(s))) {
        cors_shm = NULL;
        return OK;
    }
    cors_shm = apr_shm_baseaddr_get(shm);
    apr_pool_create(&ptemp, p);
    cors_stats_assign(ptemp, s);
    apr_pool_destroy(ptemp);
    if (old) {
        apr_shm_destroy(old);
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
int cors_stats_status_hook(request_rec *r, int flags)
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
int cors_stats_metrics_handler(request_rec *r)
{
    apr_uint32_t i;
    int d;

    /* Called for every request of the server: the first byte decides
     * nearly all. */
    if (!r->handler || r->handler[0] != 'c'
        || strcmp(r->handler, CORS_METRICS_HANDLER)) {
        return DECLINED;
    }
    /* Allow lists what a 405 says is allowed (r->allowed is not read). */
    ap_allow_standard_methods(r, MERGE_ALLOW, M_GET, -1);
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

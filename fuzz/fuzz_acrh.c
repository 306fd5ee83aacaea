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
 * fuzz_acrh: the Access-Control-Request-Headers parser against a
 * CorsAllowHeaders / CorsAllowHeadersMatch policy.
 *
 * Input: config lines (see harness.h), a line "===", then the header
 * value (the rest of the input, cut at the first NUL).  Checked against
 * ref_header_list() of reference.h, an independent split-trim-check
 * parser: the module accepts exactly when the value is a list of tokens
 * whose every name the policy allows, and then answers exactly the names,
 * lower-cased, joined by ", ", at most 1.5 times as long as the value; a
 * refusal has a reason and a culprit inside the value.
 */

#include "harness.h"
#include "reference.h"

/* The policy, read from the config records (their building is the
 * directive handlers' job, checked elsewhere). */
static int fz_allowed(const cors_headers *h, const char *name)
{
    int i;

    if (h->names && apr_hash_get(h->names, name, APR_HASH_KEY_STRING)) {
        return 1;
    }
    if (h->any && strcmp(name, "authorization")) {
        return 1;
    }
    for (i = 0; h->regexes && i < h->regexes->nelts; i++) {
        if (!ap_regexec(APR_ARRAY_IDX(h->regexes, i, cors_regex).re, name,
                        0, NULL, 0)) {
            return 1;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *s = (const char *)data;
    const char *end = s + size;
    const char *rest;
    const char *cfg_end;
    fz_config fc;
    const cors_headers *h;
    const char *acrh;
    const char *out;
    apr_array_header_t *names;
    cors_verdict v;
    int ok, i;

    if (size > 3 * CORS_MAX_HEADER_LIST) {
        return -1;
    }
    p = fz_pool();
    cfg_end = fz_split(s, end, &rest);
    fz_build_config(&fc, p, s, cfg_end);
    h = fc.conf->allow_headers ? fc.conf->allow_headers : &cors_any_header;
    acrh = fz_cstr(p, rest, end - rest);

    memset(&v, 0, sizeof(v));
    out = cors_check_request_headers(p, h, acrh, &v);

    names = ref_header_list(p, acrh);
    ok = names != NULL;
    for (i = 0; ok && i < names->nelts; i++) {
        ok = fz_allowed(h, APR_ARRAY_IDX(names, i, char *));
    }
    FZ_CHECK((out != NULL) == ok, "'%s': module %s, reference %s", acrh,
             out ? "accepts" : "refuses", ok ? "accepts" : "refuses");
    if (out) {
        char *expect = apr_pstrdup(p, "");

        for (i = 0; i < names->nelts; i++) {
            expect = apr_pstrcat(p, expect, i ? ", " : "",
                                 APR_ARRAY_IDX(names, i, char *), NULL);
        }
        FZ_CHECK(!strcmp(out, expect), "answer '%s', expected '%s'", out,
                 expect);
        FZ_CHECK(2 * strlen(out) <= 3 * strlen(acrh), "answer too long");
        FZ_CHECK(!strpbrk(out, "\r\n"), "line break in the answer");
    }
    else {
        apr_size_t len = strlen(acrh);

        FZ_CHECK(v.reason && *v.reason, "a refusal without a reason");
        if (v.culprit) {
            FZ_CHECK(v.culprit >= acrh && v.culprit + v.culprit_len
                     <= acrh + len && v.culprit_len > 0,
                     "culprit outside the value");
        }
    }
    fz_done(p);
    return 0;
}

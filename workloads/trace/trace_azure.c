/* trace_azure.c — requests from the Azure LLM inference trace CSV (Splitwise, ISCA 2024). */
#include "htx_trace_gen.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PS_PER_S 1000000000000LL

/* Days since 1970-01-01 of a proleptic Gregorian date (civil-from-days inverse). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD hh:mm:ss[.fraction]" -> seconds since the epoch and picoseconds of the fraction. */
static int parse_time(const char *s, size_t len, int64_t *sec, int64_t *frac_ps)
{
    int y, mo, d, h, mi, se, n = 0;
    if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 || n != 19 ||
        mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 || h < 0 || mi < 0 || se < 0)
        return 0;
    *sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    *frac_ps = 0;
    if ((size_t)n == len)
        return 1;
    if (s[n] != '.' || (size_t)n + 1 == len)
        return 0;
    int64_t scale = PS_PER_S;
    for (size_t i = (size_t)n + 1; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        scale /= 10; /* digits past picoseconds are dropped */
        *frac_ps += (s[i] - '0') * scale;
    }
    return 1;
}

static int parse_count(const char *s, int32_t *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || x < 1 || x > INT32_MAX)
        return 0;
    *v = (int32_t)x;
    return 1;
}

htx_status htx_trace_read_azure_csv(const char *path, int64_t max_requests, htx_trace *out, htx_err *err)
{
    htx_status st = HTX_OK;
    FILE *f = NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0;
    int64_t sec0 = 0, frac0 = 0, prev_ps = 0;
    htx_trace_init(out);
    if (!(f = fopen(path, "r"))) {
        st = htx_err_set(err, HTX_E_IO, path, 0, NULL, "cannot open: %s", strerror(errno));
        goto out;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (lineno == 1) {
            if (strcmp(line, "TIMESTAMP,ContextTokens,GeneratedTokens") != 0) {
                st = htx_err_set(err, HTX_E_FORMAT, path, 1, "header",
                                 "expected \"TIMESTAMP,ContextTokens,GeneratedTokens\", got \"%.80s\"", line);
                goto out;
            }
            continue;
        }
        if (len == 0)
            continue;
        if (max_requests > 0 && out->n_requests >= max_requests)
            break;
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        int64_t sec, frac, t_ps;
        int32_t prompt, output;
        if (!c1 || !c2 || strchr(c2 + 1, ',')) {
            st = htx_err_set(err, HTX_E_FORMAT, path, lineno, NULL, "expected 3 comma-separated fields");
            goto out;
        }
        *c1 = *c2 = '\0';
        if (!parse_time(line, (size_t)(c1 - line), &sec, &frac)) {
            st = htx_err_set(err, HTX_E_FORMAT, path, lineno, "TIMESTAMP",
                             "expected YYYY-MM-DD hh:mm:ss[.fraction], got \"%.60s\"", line);
            goto out;
        }
        if (!parse_count(c1 + 1, &prompt)) {
            st = htx_err_set(err, HTX_E_FORMAT, path, lineno, "ContextTokens",
                             "expected an integer >= 1, got \"%.40s\"", c1 + 1);
            goto out;
        }
        if (!parse_count(c2 + 1, &output)) {
            st = htx_err_set(err, HTX_E_FORMAT, path, lineno, "GeneratedTokens",
                             "expected an integer >= 1, got \"%.40s\"", c2 + 1);
            goto out;
        }
        if (out->n_requests == 0) {
            sec0 = sec;
            frac0 = frac;
        }
        if (sec < sec0) { /* before the first row: also keeps (sec - sec0) * PS_PER_S from overflowing */
            st = htx_err_set(err, HTX_E_FORMAT, path, lineno, "TIMESTAMP",
                             "arrival goes backwards (rows must be in time order)");
            goto out;
        }
        if (sec - sec0 > INT64_MAX / PS_PER_S - 1) {
            st = htx_err_set(err, HTX_E_FORMAT, path, lineno, "TIMESTAMP", "too far after the first row");
            goto out;
        }
        t_ps = (sec - sec0) * PS_PER_S + (frac - frac0);
        if (t_ps < prev_ps) {
            st = htx_err_set(err, HTX_E_FORMAT, path, lineno, "TIMESTAMP",
                             "arrival goes backwards (rows must be in time order)");
            goto out;
        }
        prev_ps = t_ps;
        if ((st = htx_trace_add_request(out, t_ps, prompt, output, NULL, err)) != HTX_OK)
            goto out;
    }
    if (lineno == 0) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 1, "header", "empty file");
        goto out;
    }
out:
    free(line);
    if (f)
        fclose(f);
    if (st != HTX_OK)
        htx_trace_free(out);
    return st;
}

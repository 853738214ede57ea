/* htx_stats.c — the statistics registry.
 *
 * Statistics live in individually allocated htx_stat objects (so the handles
 * modules keep never move), listed in declaration order in `items`.  Lookup
 * by path goes through an open-addressing hash table of indices into `items`
 * (FNV-1a, linear probing, load factor <= 1/2), so declaring and finding are
 * O(1) on average even for ~10^4 statistics.
 */
#include "htx_stats.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_EMPTY SIZE_MAX

struct htx_stats {
    htx_stat **items; /* declaration order                    */
    size_t n, cap;
    size_t *slots;    /* hash table of indices into items    */
    size_t n_slots;   /* power of two, or 0 before first use */
};

static uint64_t hash_path(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a 64-bit offset basis */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull; /* FNV-1a 64-bit prime */
    }
    return h;
}

htx_stats *htx_stats_new(void)
{
    return calloc(1, sizeof(htx_stats));
}

static void stat_free(htx_stat *st)
{
    if (!st) return;
    free(st->path);
    free(st->unit);
    free(st->desc);
    free(st->vec);
    free(st);
}

void htx_stats_free(htx_stats *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) stat_free(s->items[i]);
    free(s->items);
    free(s->slots);
    free(s);
}

/* Slot holding `path`, or the empty slot where it would go. Table must be non-empty. */
static size_t slot_of(const htx_stats *s, const char *path)
{
    size_t mask = s->n_slots - 1;
    size_t i = (size_t)hash_path(path) & mask;
    while (s->slots[i] != SLOT_EMPTY && strcmp(s->items[s->slots[i]]->path, path) != 0)
        i = (i + 1) & mask;
    return i;
}

/* Grow the hash table to hold at least `want` entries at load <= 1/2. 0 on OOM. */
static int table_reserve(htx_stats *s, size_t want)
{
    if (s->n_slots && want * 2 <= s->n_slots) return 1;
    size_t n_slots = s->n_slots ? s->n_slots : 64;
    while (want * 2 > n_slots) n_slots *= 2;
    size_t *slots = malloc(n_slots * sizeof *slots);
    if (!slots) return 0;
    for (size_t i = 0; i < n_slots; i++) slots[i] = SLOT_EMPTY;
    free(s->slots);
    s->slots = slots;
    s->n_slots = n_slots;
    for (size_t k = 0; k < s->n; k++) s->slots[slot_of(s, s->items[k]->path)] = k;
    return 1;
}

static char *dup_str(const char *src)
{
    size_t n = strlen(src) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, src, n);
    return d;
}

/* A well-formed path: non-empty dot-separated components, none empty, no '/'. */
static int path_ok(const char *p)
{
    if (!p || !*p || *p == '.') return 0;
    char prev = 0;
    for (const char *c = p; *c; c++) {
        if (*c == '/' || (*c == '.' && prev == '.')) return 0;
        prev = *c;
    }
    return prev != '.';
}

static htx_stat *declare(htx_stats *s, const char *path, const char *unit, const char *desc,
                         htx_stat_kind kind)
{
    HTX_ASSERT(s != NULL);
    HTX_ASSERT(path_ok(path));
    HTX_ASSERT(unit != NULL && desc != NULL);
    /* Checks first, allocations after: a throwing assert handler leaks nothing. */
    HTX_ASSERT(htx_stats_find(s, path) == NULL); /* each path is declared once */

    htx_stat *st = NULL;
    if (!table_reserve(s, s->n + 1)) return NULL;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        htx_stat **items = realloc(s->items, cap * sizeof *items);
        if (!items) return NULL;
        s->items = items;
        s->cap = cap;
    }
    st = calloc(1, sizeof *st);
    if (!st) return NULL;
    st->path = dup_str(path);
    st->unit = dup_str(unit);
    st->desc = dup_str(desc);
    if (!st->path || !st->unit || !st->desc) {
        stat_free(st);
        return NULL;
    }
    st->kind = kind;
    s->slots[slot_of(s, path)] = s->n;
    s->items[s->n++] = st;
    return st;
}

htx_stat *htx_stats_counter(htx_stats *s, const char *path, const char *unit, const char *desc)
{
    return declare(s, path, unit, desc, HTX_STAT_COUNTER);
}

htx_stat *htx_stats_value(htx_stats *s, const char *path, const char *unit, const char *desc)
{
    return declare(s, path, unit, desc, HTX_STAT_VALUE);
}

htx_stat *htx_stats_vector(htx_stats *s, const char *path, const char *unit, const char *desc)
{
    return declare(s, path, unit, desc, HTX_STAT_VECTOR);
}

htx_status htx_stat_push(htx_stat *st, double v)
{
    HTX_ASSERT(st != NULL && st->kind == HTX_STAT_VECTOR);
    if (st->vec_len == st->vec_cap) {
        size_t cap = st->vec_cap ? st->vec_cap * 2 : 16;
        double *vec = realloc(st->vec, cap * sizeof *vec);
        if (!vec) return HTX_E_NOMEM;
        st->vec = vec;
        st->vec_cap = cap;
    }
    st->vec[st->vec_len++] = v;
    return HTX_OK;
}

size_t htx_stats_count(const htx_stats *s)
{
    return s ? s->n : 0;
}

htx_stat *htx_stats_at(const htx_stats *s, size_t i)
{
    HTX_ASSERT(s != NULL && i < s->n);
    return s->items[i];
}

htx_stat *htx_stats_find(const htx_stats *s, const char *path)
{
    if (!s || !path || s->n_slots == 0) return NULL;
    size_t i = slot_of(s, path);
    return s->slots[i] == SLOT_EMPTY ? NULL : s->items[s->slots[i]];
}

const char *htx_stat_kind_name(htx_stat_kind k)
{
    static const char *const names[] = {
        [HTX_STAT_COUNTER] = "counter",
        [HTX_STAT_VALUE] = "value",
        [HTX_STAT_VECTOR] = "vector",
    };
    _Static_assert(sizeof names / sizeof names[0] == HTX_STAT_KIND_COUNT,
                   "names must list every htx_stat_kind");
    return (unsigned)k < HTX_STAT_KIND_COUNT ? names[k] : "unknown";
}

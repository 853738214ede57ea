/* htx_stats.h — one registry of named statistics (gem5 style).
 *
 * Every statistic is declared once with a path ("chip3.mem.ch5.bytes_read"),
 * a unit ("bytes", "ps", "J", "1") and a description, and lives in the
 * registry the HDF5 writer walks.  Modules keep the returned handle and bump
 * it on their hot path (a plain add, no lookup).
 *
 * Kinds: scalar counter (uint64), scalar value (double), and a vector of
 * doubles (e.g. per-bin series, histograms) the owner appends to.
 */
#ifndef HTX_STATS_H
#define HTX_STATS_H

#include <stdint.h>
#include <stddef.h>
#include "htx_err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { HTX_STAT_COUNTER = 0, HTX_STAT_VALUE, HTX_STAT_VECTOR, HTX_STAT_KIND_COUNT } htx_stat_kind;

typedef struct htx_stat {
    char *path;         /* dotted path: "chip0.mem.bytes_read"            */
    char *unit;
    char *desc;
    htx_stat_kind kind;
    uint64_t count;     /* HTX_STAT_COUNTER                                */
    double value;       /* HTX_STAT_VALUE                                  */
    double *vec;        /* HTX_STAT_VECTOR: vec_len elements                */
    size_t vec_len, vec_cap;
} htx_stat;

typedef struct htx_stats htx_stats; /* opaque registry */

htx_stats *htx_stats_new(void);
void htx_stats_free(htx_stats *s);

/* Declare a statistic. Paths are unique; re-declaring one is a bug
 * (HTX_ASSERT), as is a malformed path: it must be non-empty, made of
 * '.'-separated non-empty components, without '/'.  unit and desc must be
 * non-NULL.  Returned pointers stay valid until htx_stats_free; NULL is
 * returned only when memory runs out.  Declaration and lookup are O(1) on
 * average (hash table). */
htx_stat *htx_stats_counter(htx_stats *s, const char *path, const char *unit, const char *desc);
htx_stat *htx_stats_value(htx_stats *s, const char *path, const char *unit, const char *desc);
htx_stat *htx_stats_vector(htx_stats *s, const char *path, const char *unit, const char *desc);

static inline void htx_stat_add(htx_stat *st, uint64_t n) { st->count += n; }
static inline void htx_stat_set(htx_stat *st, double v) { st->value = v; }
/* Append to a vector statistic (amortised O(1)); returns HTX_E_NOMEM on
 * allocation failure, leaving the vector unchanged. */
htx_status htx_stat_push(htx_stat *st, double v);

size_t htx_stats_count(const htx_stats *s);
htx_stat *htx_stats_at(const htx_stats *s, size_t i);     /* declaration order */
htx_stat *htx_stats_find(const htx_stats *s, const char *path); /* NULL if absent */
/* "counter", "value", "vector" ("unknown" outside the enum). */
const char *htx_stat_kind_name(htx_stat_kind k);

#ifdef __cplusplus
}
#endif
#endif

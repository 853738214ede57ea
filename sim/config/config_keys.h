/* config_keys.h — the key tables of the run configuration (one per group)
 * and the cross-field consistency checks that ranges alone cannot express.
 * Internal to sim/config. */
#ifndef HTX_CONFIG_KEYS_H
#define HTX_CONFIG_KEYS_H

#include "config_schema.h"
#include "htx_config.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const htx_cfg_schema htx_card_schema;     /* group "card",     binds htx_card_cfg     */
extern const htx_cfg_schema htx_model_schema;    /* group "model",    binds htx_model        */
extern const htx_cfg_schema htx_workload_schema; /* group "workload", binds htx_workload_cfg */
extern const htx_cfg_schema htx_sim_schema;      /* group "sim",      binds htx_sim_cfg      */

/* All four, in the order they appear in a run file. */
extern const htx_cfg_schema *const htx_run_schemas[4];
/* Top-level keys of a run file that are not groups of a schema: "name", "model". */
extern const char *const htx_run_top_keys[];

/* Name tables of the enums (index = enum value). */
extern const char *const htx_topology_names[HTX_TOPO_COUNT];
extern const char *const htx_collective_alg_names[HTX_CALG_COUNT];
extern const char *const htx_sim_mode_names[HTX_MODE_COUNT];

/* Consistency checks after binding; `g` is the bound group (for locations,
 * may be NULL).  They also fill derived defaults (model: n_kv_heads 0 =
 * n_heads, head_dim 0 = dim / n_heads). */
htx_status htx_card_check(htx_card_cfg *c, const config_setting_t *g, const htx_cfg_files *files,
                          htx_err *err);
htx_status htx_model_check(htx_model *m, const config_setting_t *g, const htx_cfg_files *files,
                           htx_err *err);
htx_status htx_workload_check(const htx_workload_cfg *w, const htx_model *m, const config_setting_t *g,
                              const htx_cfg_files *files, htx_err *err);
/* Cross-group checks of the sim group (functional mode needs a checkpoint). */
htx_status htx_sim_check(const htx_sim_cfg *s, const htx_workload_cfg *w, const config_setting_t *g,
                         const config_setting_t *workload, const htx_cfg_files *files, htx_err *err);

#ifdef __cplusplus
}
#endif
#endif

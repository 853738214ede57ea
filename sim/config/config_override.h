/* config_override.h — "--set key.path=value" overrides of a run configuration.
 *
 * The value is libconfig syntax (8, 8L, 0x10, 0x10L, 1.5, true, "text",
 * { a = 1; }; a leading 0 is decimal, never octal, as in config files) except
 * that a bare word is taken as a string (model=deepseek-v3,
 * workload.weight_format=int8).  Applied settings carry the argument text as
 * their libconfig hook, so later validation errors name the --set argument.
 * Internal to sim/config.
 */
#ifndef HTX_CONFIG_OVERRIDE_H
#define HTX_CONFIG_OVERRIDE_H

#include <libconfig.h>
#include "htx_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HTX_OVERRIDE_KEY_MAX 256

typedef struct {
    char *label;                      /* "--set <argument>" (error location)     */
    char key[HTX_OVERRIDE_KEY_MAX];   /* dotted key                              */
    config_t value;                   /* root holds one setting "v": the value   */
    int value_ready;                  /* value was initialised                   */
} htx_cfg_override;

/* Parse one argument.  Errors (HTX_E_INVAL): no '=', bad key, unparsable
 * value.  On error *o holds nothing to free. */
htx_status htx_cfg_override_parse(const char *arg, htx_cfg_override *o, htx_err *err);
void htx_cfg_override_free(htx_cfg_override *o);

/* Set o->key in `c` to o->value, creating missing groups and replacing an
 * existing setting.  HTX_E_INVAL when a path component is not a group. */
htx_status htx_cfg_override_apply(config_t *c, const htx_cfg_override *o, htx_err *err);

#ifdef __cplusplus
}
#endif
#endif

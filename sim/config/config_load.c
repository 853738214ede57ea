/* config_load.c — htx_run_cfg_load / htx_model_load: read, resolve, override, validate. */
#include "htx_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libconfig.h>
#include "config_files.h"
#include "config_keys.h"
#include "config_override.h"
#include "config_resolve.h"
#include "config_schema.h"

static const char *const top_groups[] = {"name", "model", "card", "workload", "sim", NULL};

/* Top-level settings of a run file must be one of top_groups. */
static htx_status check_top_level(const config_setting_t *root, const htx_cfg_files *files, htx_err *err)
{
    htx_status st = HTX_OK;
    int n = config_setting_length(root);
    for (int i = 0; i < n; i++) {
        const config_setting_t *c = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(c);
        bool known = false;
        for (int k = 0; top_groups[k]; k++) known = known || strcmp(name, top_groups[k]) == 0;
        if (known) continue;
        char sugg[256];
        htx_cfg_suggest(name, htx_run_schemas, 4, top_groups, sugg, sizeof sugg);
        if (sugg[0]) {
            st = htx_cfg_error_at(err, files, c, name, "unknown key; did you mean '%s'?", sugg);
        } else {
            st = htx_cfg_error_at(err, files, c, name,
                                  "unknown top-level key (expected name, model, card, workload or sim)");
        }
        goto out;
    }
out:
    return st;
}

/* Is `key` something an override may set: a schema key, a group of one, or a top-level key? */
static bool override_key_known(const char *key)
{
    if (strcmp(key, "name") == 0 || strcmp(key, "model") == 0) return true;
    const char *dot = strchr(key, '.');
    size_t glen = dot ? (size_t)(dot - key) : strlen(key);
    for (int i = 0; i < 4; i++) {
        const htx_cfg_schema *s = htx_run_schemas[i];
        if (strlen(s->group) != glen || strncmp(s->group, key, glen) != 0) continue;
        if (!dot) return true;
        return htx_cfg_schema_find(s, dot + 1) || htx_cfg_schema_is_group(s, dot + 1);
    }
    return false;
}

/* Read a model file into `mcfg` (initialised) and return its `model` group. */
static htx_status read_model_file(const char *mpath, config_t *mcfg, htx_cfg_files *files,
                                  config_setting_t **group, htx_err *err)
{
    htx_status st = htx_cfg_read(mcfg, mpath, files, err);
    if (st != HTX_OK) goto out;
    const config_setting_t *root = config_root_setting(mcfg);
    int n = config_setting_length(root);
    for (int i = 0; i < n; i++) {
        const config_setting_t *c = config_setting_get_elem(root, (unsigned)i);
        if (strcmp(config_setting_name(c), "model") != 0) {
            st = htx_cfg_error_at(err, files, c, config_setting_name(c),
                                  "unknown top-level key; a model file holds one group: model = { ... }");
            goto out;
        }
    }
    *group = config_setting_get_member(root, "model");
    if (!*group || !config_setting_is_group(*group)) {
        st = htx_err_set(err, HTX_E_CONFIG, mpath, *group ? (int)config_setting_source_line(*group) : 0,
                         "model", "a model file must hold one group: model = { ... }");
        goto out;
    }
out:
    return st;
}

/* Replace a top-level `model = "<name or path>"` by the group of that file. */
static htx_status inline_model(config_t *c, config_t *mcfg, bool *mcfg_ready, const char *base_dir,
                               htx_cfg_files *files, htx_err *err)
{
    htx_status st = HTX_OK;
    config_setting_t *root = config_root_setting(c);
    config_setting_t *m = config_setting_get_member(root, "model");
    if (!m) {
        st = htx_cfg_error_at(err, files, root, "model",
                              "required key missing (expected a model name, a path to a model file, "
                              "or a group { ... })");
        goto out;
    }
    if (config_setting_is_group(m)) goto out;
    if (config_setting_type(m) != CONFIG_TYPE_STRING) {
        char got[300];
        htx_cfg_describe_value(m, got, sizeof got);
        st = htx_cfg_error_at(err, files, m, "model",
                              "expected a model name, a path to a model file, or a group { ... }, got %s", got);
        goto out;
    }
    char mpath[HTX_CFG_FILE_PATH_MAX];
    st = htx_cfg_resolve_ref(config_setting_get_string(m), "models", base_dir, m, "model", "model file",
                             files, mpath, sizeof mpath, err);
    if (st != HTX_OK) goto out;
    config_init(mcfg);
    *mcfg_ready = true;
    config_setting_t *group = NULL;
    st = read_model_file(mpath, mcfg, files, &group, err);
    if (st != HTX_OK) goto out;
    config_setting_remove(root, "model");
    if (!htx_cfg_copy_setting(root, "model", group, true)) {
        st = htx_err_set(err, HTX_E_INTERNAL, mpath, 0, "model", "cannot inline the model group");
        goto out;
    }
out:
    return st;
}

static htx_status require_group(const config_setting_t *root, const char *name, const char *hint,
                                const htx_cfg_files *files, config_setting_t **g, htx_err *err)
{
    *g = config_setting_get_member(root, name);
    if (*g) return HTX_OK;
    return htx_cfg_error_at(err, files, root, name, "required group missing (expected %s = { ... }%s)", name, hint);
}

static htx_status run_name(const config_setting_t *root, const char *path, const htx_cfg_files *files,
                           char *name, size_t size, htx_err *err)
{
    const config_setting_t *ns = config_setting_get_member(root, "name");
    if (ns) {
        const char *v = config_setting_type(ns) == CONFIG_TYPE_STRING ? config_setting_get_string(ns) : NULL;
        bool ok = v && v[0] && strlen(v) < size && strspn(v,
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") == strlen(v);
        if (!ok) {
            char got[300];
            htx_cfg_describe_value(ns, got, sizeof got);
            return htx_cfg_error_at(err, files, ns, "name",
                                    "expected a string of 1 to %zu characters from [A-Za-z0-9._+-], got %s",
                                    size - 1, got);
        }
        snprintf(name, size, "%s", v);
        return HTX_OK;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".cfg") == 0) n -= 4;
    if (n >= size) n = size - 1;
    snprintf(name, size, "%.*s", (int)n, base);
    return HTX_OK;
}

static htx_status tree_to_text(const config_t *c, char **text, htx_err *err)
{
    size_t len = 0;
    FILE *f = open_memstream(text, &len);
    if (!f) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "cannot open a memory stream");
    config_write(c, f);
    fclose(f);
    return HTX_OK;
}

static htx_status join_overrides(const char *const *ov, int n, char **text, htx_err *err)
{
    size_t total = 1;
    for (int i = 0; i < n; i++) total += strlen(ov[i]) + 1;
    *text = malloc(total);
    if (!*text) return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
    size_t used = 0;
    (*text)[0] = '\0';
    for (int i = 0; i < n; i++) used += (size_t)snprintf(*text + used, total - used, "%s\n", ov[i]);
    return HTX_OK;
}

/* Parse every --set argument and check its key, before any file is read. */
static htx_status parse_overrides(const char *const *args, int n, htx_cfg_override *ov, htx_err *err)
{
    htx_status st = HTX_OK;
    for (int i = 0; i < n; i++) {
        st = htx_cfg_override_parse(args[i], &ov[i], err);
        if (st != HTX_OK) goto out;
        if (override_key_known(ov[i].key)) continue;
        char sugg[256];
        htx_cfg_suggest(ov[i].key, htx_run_schemas, 4, top_groups, sugg, sizeof sugg);
        if (sugg[0]) {
            st = htx_err_set(err, HTX_E_INVAL, ov[i].label, 0, ov[i].key, "unknown key; did you mean '%s'?", sugg);
        } else {
            st = htx_err_set(err, HTX_E_INVAL, ov[i].label, 0, ov[i].key,
                             "unknown key (htxsim config-keys lists every key)");
        }
        goto out;
    }
out:
    return st;
}

/* Apply the overrides whose key is (model_only) or is not (!model_only) "model". */
static htx_status apply_overrides(config_t *c, const htx_cfg_override *ov, int n, bool model_only, htx_err *err)
{
    for (int i = 0; i < n; i++) {
        if ((strcmp(ov[i].key, "model") == 0) != model_only) continue;
        htx_status st = htx_cfg_override_apply(c, &ov[i], err);
        if (st != HTX_OK) return st;
    }
    return HTX_OK;
}

/* Bind and check card, model, workload and sim of the resolved tree. */
static htx_status bind_groups(config_setting_t *root, const char *base_dir, const htx_cfg_files *files,
                              htx_run_cfg *out, htx_err *err)
{
    htx_status st;
    config_setting_t *card, *model, *workload, *sim;

    st = require_group(root, "card", " or @include \"../cards/<card>.cfg\"", files, &card, err);
    if (st == HTX_OK) st = htx_cfg_bind(card, root, &htx_card_schema, &out->card, files, err);
    if (st == HTX_OK) st = htx_card_check(&out->card, card, files, err);
    if (st == HTX_OK) {
        st = htx_cfg_resolve_ref(out->card.memory.spec, "memory", base_dir,
                                 config_setting_lookup(card, "memory.spec"), "card.memory.spec", "memory spec",
                                 files, out->card.memory.spec_path, sizeof out->card.memory.spec_path, err);
    }
    if (st == HTX_OK) {
        st = htx_cfg_resolve_ref(out->card.power.spec, "power", base_dir,
                                 config_setting_lookup(card, "power.spec"), "card.power.spec", "power spec",
                                 files, out->card.power.spec_path, sizeof out->card.power.spec_path, err);
    }
    if (st != HTX_OK) return st;

    model = config_setting_get_member(root, "model"); /* present: inline_model checked it */
    st = htx_cfg_bind(model, root, &htx_model_schema, &out->model, files, err);
    if (st == HTX_OK) st = htx_model_check(&out->model, model, files, err);
    if (st != HTX_OK) return st;

    st = require_group(root, "workload", "", files, &workload, err);
    if (st == HTX_OK) st = htx_cfg_bind(workload, root, &htx_workload_schema, &out->workload, files, err);
    if (st == HTX_OK) st = htx_workload_check(&out->workload, &out->model, workload, files, err);
    if (st != HTX_OK) return st;

    sim = config_setting_get_member(root, "sim"); /* optional: all keys have defaults */
    st = htx_cfg_bind(sim, root, &htx_sim_schema, &out->sim, files, err);
    if (st == HTX_OK) st = htx_sim_check(&out->sim, &out->workload, sim, workload, files, err);
    return st;
}

htx_status htx_run_cfg_load(const char *path, const char *const *overrides, int n_overrides,
                            htx_run_cfg *out, htx_err *err)
{
    htx_status st = HTX_OK;
    config_t c, mcfg;
    bool c_ready = false, mcfg_ready = false;
    htx_cfg_override *ov = NULL;
    htx_cfg_files *files = NULL;
    char base_dir[HTX_CFG_FILE_PATH_MAX];

    memset(out, 0, sizeof *out);
    if (!path || n_overrides < 0 || (n_overrides > 0 && !overrides)) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "htx_run_cfg_load: bad arguments");
        goto out;
    }
    files = calloc(1, sizeof *files);
    ov = calloc((size_t)n_overrides + 1, sizeof *ov);
    if (!files || !ov) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
        goto out;
    }
    files->fallback = path;
    htx_cfg_dirname(path, base_dir, sizeof base_dir);
    st = parse_overrides(overrides, n_overrides, ov, err);
    if (st != HTX_OK) goto out;

    config_init(&c);
    c_ready = true;
    st = htx_cfg_read(&c, path, files, err);
    if (st != HTX_OK) goto out;
    config_setting_t *root = config_root_setting(&c);
    st = check_top_level(root, files, err);
    if (st == HTX_OK) st = apply_overrides(&c, ov, n_overrides, true, err);
    if (st == HTX_OK) st = inline_model(&c, &mcfg, &mcfg_ready, base_dir, files, err);
    if (st == HTX_OK) st = apply_overrides(&c, ov, n_overrides, false, err);
    if (st == HTX_OK) st = check_top_level(root, files, err);
    if (st == HTX_OK) st = bind_groups(root, base_dir, files, out, err);
    if (st == HTX_OK) st = run_name(root, path, files, out->name, sizeof out->name, err);
    if (st != HTX_OK) goto out;

    snprintf(out->path, sizeof out->path, "%s", path);
    if (!config_setting_get_member(root, "name")) { /* so that the resolved text names the run */
        config_setting_t *ns = config_setting_add(root, "name", CONFIG_TYPE_STRING);
        if (ns) config_setting_set_string(ns, out->name);
    }
    st = tree_to_text(&c, &out->resolved_text, err);
    if (st == HTX_OK) st = join_overrides(overrides, n_overrides, &out->overrides_text, err);

out:
    if (c_ready) config_destroy(&c);
    if (mcfg_ready) config_destroy(&mcfg);
    for (int i = 0; ov && i < n_overrides; i++) htx_cfg_override_free(&ov[i]);
    free(ov);
    free(files);
    if (st != HTX_OK) htx_run_cfg_free(out);
    return st;
}

void htx_run_cfg_free(htx_run_cfg *cfg)
{
    if (!cfg) return;
    free(cfg->resolved_text);
    free(cfg->overrides_text);
    memset(cfg, 0, sizeof *cfg);
}

htx_status htx_model_load(const char *name_or_path, htx_model *out, htx_err *err)
{
    htx_status st = HTX_OK;
    config_t c;
    bool c_ready = false;
    htx_cfg_files *files = NULL;
    char mpath[HTX_CFG_FILE_PATH_MAX];

    memset(out, 0, sizeof *out);
    if (!name_or_path) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "htx_model_load: no model name");
        goto out;
    }
    files = calloc(1, sizeof *files);
    if (!files) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "out of memory");
        goto out;
    }
    st = htx_cfg_resolve_ref(name_or_path, "models", ".", NULL, "model", "model file", files, mpath,
                             sizeof mpath, err);
    if (st != HTX_OK) goto out;
    files->fallback = mpath;
    config_init(&c);
    c_ready = true;
    config_setting_t *g = NULL;
    st = read_model_file(mpath, &c, files, &g, err);
    if (st == HTX_OK) st = htx_cfg_bind(g, config_root_setting(&c), &htx_model_schema, out, files, err);
    if (st == HTX_OK) st = htx_model_check(out, g, files, err);
out:
    if (c_ready) config_destroy(&c);
    free(files);
    if (st != HTX_OK) memset(out, 0, sizeof *out);
    return st;
}

void htx_config_print_keys(FILE *f)
{
    fprintf(f, "Run configuration keys (libconfig; sizes above 2147483647 need the L suffix).\n"
               "Columns: key, type, unit, default or \"required\"; accepted values; description.\n\n");
    fprintf(f, "%-36s %-6s %-6s %s\n    %s\n", "name", "string", "-",
            "default: the run file's base name without .cfg; [A-Za-z0-9._+-]", "run name (names the result file)");
    fprintf(f, "%-36s %-6s %-6s %s\n    %s\n", "model", "string", "-", "required; or an inline group { ... }",
            "model name in configs/models/, or a path to a model file (relative to the run file)");
    for (int i = 0; i < 4; i++) {
        fprintf(f, "\n");
        htx_cfg_print_schema(f, htx_run_schemas[i]);
    }
}

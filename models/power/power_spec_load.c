/* power_spec_load.c — read and validate a power spec file (libconfig C API).
 *
 * One field table describes every key: its path under `power_spec`, where it
 * goes in htx_power_spec and its range.  The loader reads each key from the
 * table, then walks the file and rejects any key the table does not know.
 */
#include "htx_power_spec.h"
#include "htx_cfg_includes.h"

#include <libconfig.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define ROOT "power_spec"
#define PATH_MAX_LEN 128

typedef enum { RANGE_NONNEG, RANGE_EFFICIENCY, RANGE_NODE, RANGE_TEMP, RANGE_DOUBLING } range_kind;

typedef struct {
    char path[PATH_MAX_LEN]; /* below power_spec, e.g. "chip.vector_op_pj" */
    size_t offset;           /* of a double in htx_power_spec             */
    range_kind range;
    const char *unit;
} field;

typedef struct {
    const char *path;
    size_t offset;
    range_kind range;
    const char *unit;
} fixed_field;

static const fixed_field fixed_fields[] = {
    {"process_nm", offsetof(htx_power_spec, process_nm), RANGE_NODE, "nm"},
    {"temperature_c", offsetof(htx_power_spec, temperature_c), RANGE_TEMP, "degrees C"},
    {"chip.vector_op_pj", offsetof(htx_power_spec, vector_op_pj), RANGE_NONNEG, "pJ"},
    {"chip.sram_read_pj_per_byte", offsetof(htx_power_spec, sram_read_pj_per_byte), RANGE_NONNEG, "pJ/byte"},
    {"chip.sram_write_pj_per_byte", offsetof(htx_power_spec, sram_write_pj_per_byte), RANGE_NONNEG, "pJ/byte"},
    {"chip.dma_pj_per_byte", offsetof(htx_power_spec, dma_pj_per_byte), RANGE_NONNEG, "pJ/byte"},
    {"chip.static_w", offsetof(htx_power_spec, chip_static_w), RANGE_NONNEG, "W"},
    {"chip.sram_leak_w_per_mib", offsetof(htx_power_spec, sram_leak_w_per_mib), RANGE_NONNEG, "W/MiB"},
    {"chip.leak_doubling_c", offsetof(htx_power_spec, leak_doubling_c), RANGE_DOUBLING, "degrees C"},
    {"dram.read_core_pj_per_bit", offsetof(htx_power_spec, dram_read_core_pj_per_bit), RANGE_NONNEG, "pJ/bit"},
    {"dram.read_io_pj_per_bit", offsetof(htx_power_spec, dram_read_io_pj_per_bit), RANGE_NONNEG, "pJ/bit"},
    {"dram.write_core_pj_per_bit", offsetof(htx_power_spec, dram_write_core_pj_per_bit), RANGE_NONNEG, "pJ/bit"},
    {"dram.write_io_pj_per_bit", offsetof(htx_power_spec, dram_write_io_pj_per_bit), RANGE_NONNEG, "pJ/bit"},
    {"link.pj_per_bit", offsetof(htx_power_spec, link_pj_per_bit), RANGE_NONNEG, "pJ/bit"},
    {"link.static_w_per_port", offsetof(htx_power_spec, link_static_w_per_port), RANGE_NONNEG, "W"},
    {"pcie.pj_per_bit", offsetof(htx_power_spec, pcie_pj_per_bit), RANGE_NONNEG, "pJ/bit"},
    {"pcie.static_w", offsetof(htx_power_spec, pcie_static_w), RANGE_NONNEG, "W"},
    {"board.vrm_efficiency", offsetof(htx_power_spec, vrm_efficiency), RANGE_EFFICIENCY, "fraction"},
    {"board.mgmt_w", offsetof(htx_power_spec, board_mgmt_w), RANGE_NONNEG, "W"},
    {"board.fan_w", offsetof(htx_power_spec, fan_w), RANGE_NONNEG, "W"},
};
#define N_FIXED ((int)(sizeof fixed_fields / sizeof fixed_fields[0]))
#define N_FIELDS (N_FIXED + HTX_FMT_COUNT + HTX_DRAM_STATE_COUNT)
#define NAME_KEY "name"

static const char *const dram_state_names[] = {
    [HTX_DRAM_ACTIVE_STANDBY] = "active_standby",
    [HTX_DRAM_POWER_DOWN] = "power_down",
    [HTX_DRAM_SELF_REFRESH] = "self_refresh",
};
_Static_assert(sizeof dram_state_names / sizeof dram_state_names[0] == HTX_DRAM_STATE_COUNT,
               "dram_state_names must list every htx_dram_state");

const char *htx_dram_state_name(htx_dram_state s)
{
    return (unsigned)s < HTX_DRAM_STATE_COUNT ? dram_state_names[s] : "unknown";
}

/* The full field list: fixed fields, one MAC energy per format, one
 * background figure per DRAM state. */
static void build_fields(field *f)
{
    int n = 0;
    for (int i = 0; i < N_FIXED; i++, n++) {
        snprintf(f[n].path, sizeof f[n].path, "%s", fixed_fields[i].path);
        f[n].offset = fixed_fields[i].offset;
        f[n].range = fixed_fields[i].range;
        f[n].unit = fixed_fields[i].unit;
    }
    for (int i = 0; i < HTX_FMT_COUNT; i++, n++) {
        snprintf(f[n].path, sizeof f[n].path, "chip.mac_pj.%s", htx_format_name((htx_format)i));
        f[n].offset = offsetof(htx_power_spec, mac_pj) + (size_t)i * sizeof(double);
        f[n].range = RANGE_NONNEG;
        f[n].unit = "pJ";
    }
    for (int i = 0; i < HTX_DRAM_STATE_COUNT; i++, n++) {
        snprintf(f[n].path, sizeof f[n].path, "dram.background_mw_per_gib.%s", dram_state_names[i]);
        f[n].offset = offsetof(htx_power_spec, dram_background_mw_per_gib) + (size_t)i * sizeof(double);
        f[n].range = RANGE_NONNEG;
        f[n].unit = "mW/GiB";
    }
}

static int in_range(range_kind r, double v, const char **expected)
{
    switch (r) {
    case RANGE_NONNEG:
        *expected = "a finite number >= 0";
        return isfinite(v) && v >= 0.0;
    case RANGE_EFFICIENCY:
        *expected = "a number in (0, 1]";
        return v > 0.0 && v <= 1.0;
    case RANGE_NODE:
        *expected = "a process node in [7, 130]";
        return v >= 7.0 && v <= 130.0;
    case RANGE_TEMP:
        *expected = "a junction temperature in [-40, 150]";
        return v >= -40.0 && v <= 150.0;
    case RANGE_DOUBLING:
        *expected = "a number in (0, 1000]";
        return v > 0.0 && v <= 1000.0;
    }
    *expected = "a number";
    return 0;
}

htx_status htx_power_spec_validate(const htx_power_spec *s, htx_err *err)
{
    field fields[N_FIELDS];
    build_fields(fields);
    char key[PATH_MAX_LEN + 16];
    if (s->name[0] == '\0')
        return htx_err_set(err, HTX_E_CONFIG, NULL, 0, ROOT "." NAME_KEY, "expected a non-empty string");
    for (int i = 0; i < N_FIELDS; i++) {
        double v;
        memcpy(&v, (const char *)s + fields[i].offset, sizeof v);
        const char *expected;
        if (!in_range(fields[i].range, v, &expected)) {
            snprintf(key, sizeof key, ROOT ".%.*s", PATH_MAX_LEN - 1, fields[i].path);
            return htx_err_set(err, HTX_E_CONFIG, NULL, 0, key, "expected %s (%s), got %g", expected,
                               fields[i].unit, v);
        }
    }
    return HTX_OK;
}

/* ---- unknown-key walk ---- */

static int is_leaf(const field *f, const char *path)
{
    if (strcmp(path, NAME_KEY) == 0) return 1;
    for (int i = 0; i < N_FIELDS; i++)
        if (strcmp(f[i].path, path) == 0) return 1;
    return 0;
}

static int is_group(const field *f, const char *path)
{
    size_t n = strlen(path);
    for (int i = 0; i < N_FIELDS; i++)
        if (strncmp(f[i].path, path, n) == 0 && f[i].path[n] == '.') return 1;
    return 0;
}

/* The distinct child names of `parent` ("" = root), comma-separated. */
static void list_children(const field *f, const char *parent, char *buf, size_t n)
{
    size_t plen = strlen(parent), used = 0;
    buf[0] = '\0';
    if (plen == 0) used += (size_t)snprintf(buf, n, "%s", NAME_KEY);
    for (int i = 0; i < N_FIELDS; i++) {
        const char *p = f[i].path;
        if (plen && !(strncmp(p, parent, plen) == 0 && p[plen] == '.')) continue;
        const char *c = plen ? p + plen + 1 : p;
        size_t clen = strcspn(c, ".");
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) {
            const char *q = f[j].path;
            if (plen && !(strncmp(q, parent, plen) == 0 && q[plen] == '.')) continue;
            const char *d = plen ? q + plen + 1 : q;
            seen = strcspn(d, ".") == clen && strncmp(c, d, clen) == 0;
        }
        if (seen || used >= n) continue;
        int w = snprintf(buf + used, n - used, "%s%.*s", used ? ", " : "", (int)clen, c);
        if (w > 0) used += (size_t)w;
    }
}

static const char *src_file(const config_setting_t *s, const char *fallback)
{
    const char *f = config_setting_source_file(s);
    return f ? f : fallback;
}

static htx_status walk(const field *f, const config_setting_t *grp, const char *prefix,
                       const char *path, htx_err *err)
{
    int n = config_setting_length(grp);
    for (int i = 0; i < n; i++) {
        const config_setting_t *c = config_setting_get_elem(grp, (unsigned)i);
        const char *name = config_setting_name(c);
        char sub[PATH_MAX_LEN * 2], key[PATH_MAX_LEN * 2 + 16], known[1024];
        snprintf(sub, sizeof sub, "%s%s%s", prefix, prefix[0] ? "." : "", name ? name : "?");
        snprintf(key, sizeof key, ROOT ".%s", sub);
        if (is_group(f, sub)) {
            if (!config_setting_is_group(c))
                return htx_err_set(err, HTX_E_CONFIG, src_file(c, path), config_setting_source_line(c), key,
                                   "expected a group { ... }");
            htx_status st = walk(f, c, sub, path, err);
            if (st != HTX_OK) return st;
        } else if (!is_leaf(f, sub)) {
            list_children(f, prefix, known, sizeof known);
            return htx_err_set(err, HTX_E_CONFIG, src_file(c, path), config_setting_source_line(c), key,
                               "unknown key; expected one of: %s", known);
        }
    }
    return HTX_OK;
}

/* Line of the deepest existing group on the way to `rel` (for missing keys). */
static const config_setting_t *deepest_parent(const config_setting_t *root, const char *rel)
{
    const config_setting_t *cur = root;
    char buf[PATH_MAX_LEN];
    snprintf(buf, sizeof buf, "%.*s", PATH_MAX_LEN - 1, rel);
    for (char *tok = strtok(buf, "."); tok; tok = strtok(NULL, ".")) {
        const config_setting_t *next = config_setting_get_member(cur, tok);
        if (!next || !config_setting_is_group(next)) break;
        cur = next;
    }
    return cur;
}

static htx_status read_number(const config_setting_t *root, const field *fd, const char *path,
                              double *out, htx_err *err)
{
    char key[PATH_MAX_LEN + 16];
    snprintf(key, sizeof key, ROOT ".%.*s", PATH_MAX_LEN - 1, fd->path);
    const config_setting_t *s = config_setting_lookup((config_setting_t *)root, fd->path);
    if (!s) {
        const config_setting_t *p = deepest_parent(root, fd->path);
        return htx_err_set(err, HTX_E_CONFIG, src_file(p, path), config_setting_source_line(p), key,
                           "missing required key (a number, %s)", fd->unit);
    }
    double v;
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT: v = (double)config_setting_get_int(s); break;
    case CONFIG_TYPE_INT64: v = (double)config_setting_get_int64(s); break;
    case CONFIG_TYPE_FLOAT: v = config_setting_get_float(s); break;
    default:
        return htx_err_set(err, HTX_E_CONFIG, src_file(s, path), config_setting_source_line(s), key,
                           "expected a number (%s)", fd->unit);
    }
    const char *expected;
    if (!in_range(fd->range, v, &expected))
        return htx_err_set(err, HTX_E_CONFIG, src_file(s, path), config_setting_source_line(s), key,
                           "expected %s (%s), got %g", expected, fd->unit, v);
    *out = v;
    return HTX_OK;
}

htx_status htx_power_spec_load(const char *path, htx_power_spec *out, htx_err *err)
{
    htx_status st = HTX_OK;
    config_t cfg;
    config_init(&cfg);
    field fields[N_FIELDS];
    build_fields(fields);
    htx_power_spec s;
    memset(&s, 0, sizeof s);

    if (!path || !path[0]) {
        st = htx_err_set(err, HTX_E_INVAL, NULL, 0, NULL, "power spec path is empty");
        goto out;
    }
    if ((st = htx_check_regular_file(path, "power spec file", err)) != HTX_OK) goto out;
    if ((st = htx_check_config_includes(path, NULL, err)) != HTX_OK) goto out; /* libconfig exits on some */
    if (!config_read_file(&cfg, path)) {
        st = htx_err_set(err, HTX_E_CONFIG, config_error_file(&cfg) ? config_error_file(&cfg) : path,
                         config_error_line(&cfg), NULL, "syntax error: %s", config_error_text(&cfg));
        goto out;
    }
    const config_setting_t *top = config_root_setting(&cfg);
    for (int i = 0; i < config_setting_length(top); i++) {
        const config_setting_t *c = config_setting_get_elem(top, (unsigned)i);
        if (strcmp(config_setting_name(c), ROOT) != 0) {
            st = htx_err_set(err, HTX_E_CONFIG, src_file(c, path), config_setting_source_line(c),
                             config_setting_name(c), "unknown top-level key; expected only '" ROOT "'");
            goto out;
        }
    }
    const config_setting_t *root = config_lookup(&cfg, ROOT);
    if (!root || !config_setting_is_group(root)) {
        st = htx_err_set(err, HTX_E_CONFIG, path, root ? config_setting_source_line(root) : 0, ROOT,
                         "expected a top-level group " ROOT " = { ... }");
        goto out;
    }
    st = walk(fields, root, "", path, err);
    if (st != HTX_OK) goto out;

    const config_setting_t *nm = config_setting_get_member(root, NAME_KEY);
    if (!nm) {
        st = htx_err_set(err, HTX_E_CONFIG, path, config_setting_source_line(root), ROOT "." NAME_KEY,
                         "missing required key (a string)");
        goto out;
    }
    const char *name = config_setting_get_string(nm);
    if (!name || !name[0] || strlen(name) >= sizeof s.name) {
        st = htx_err_set(err, HTX_E_CONFIG, src_file(nm, path), config_setting_source_line(nm),
                         ROOT "." NAME_KEY, "expected a non-empty string of at most %d characters",
                         (int)sizeof s.name - 1);
        goto out;
    }
    snprintf(s.name, sizeof s.name, "%s", name);

    for (int i = 0; i < N_FIELDS; i++) {
        double v = 0.0;
        st = read_number(root, &fields[i], path, &v, err);
        if (st != HTX_OK) goto out;
        memcpy((char *)&s + fields[i].offset, &v, sizeof v);
    }
    *out = s;
out:
    config_destroy(&cfg);
    return st;
}

// sweep_spec.h — design-space sweep specification (configs/sweeps/*.cfg):
// a base run config plus axes over config keys, expanded into an ordered list
// of points. Format and examples: docs/sweeps.md.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "htx_err.h"
}

namespace htx {
namespace sweep {

// One value of a swept key, as written in the spec.
struct Value {
    enum Kind { kInt, kFloat, kBool, kString } kind = kInt;
    int64_t i = 0;       // kInt, kBool (0/1)
    double f = 0;        // kFloat
    std::string s;       // kString
    int line = 0;        // line of the spec that gave it
    double number() const { return kind == kFloat ? f : static_cast<double>(i); }
    std::string set_text() const;  // libconfig syntax for `--set key=<text>`
    std::string label() const;     // short human form ("8", "8533.5", "lpddr5x-8533")
};

// One swept key with its list of values. A key starting with '@' is a label:
// a column of the table (named without the '@'), not applied to the config —
// e.g. a memory spec's data rate zipped with the spec name, for derived values.
struct Param {
    std::string key;
    std::vector<Value> values;
    int line = 0;
    bool label() const { return !key.empty() && key[0] == '@'; }
    std::string column() const;    // table column name
    bool numeric() const;          // every value an int, float or bool
    bool integral() const;         // every value an int or bool
};

// An axis: one or more parameters zipped together (equal lengths, index i of
// each taken together). Axes combine as a grid, the last axis varying fastest.
struct Axis {
    std::vector<Param> params;
    int line = 0;
    size_t size() const { return params.empty() ? 0 : params[0].values.size(); }
};

// A derived value: scale * product of swept numeric parameters, stored as a
// column of the merged table and, when `key` is set, also applied as an override.
struct Derived {
    std::string name, units, description, key;
    std::vector<std::string> product;
    double scale = 1.0;
    int line = 0;
};

struct Point {
    size_t index = 0;
    std::string name;                                   // "p0007": deterministic, sortable
    std::vector<std::pair<std::string, Value>> params;  // key -> value, axis order
    std::vector<double> derived;                        // aligned with Spec::derived
    std::vector<std::string> sets;                      // all overrides: fixed, then swept, then derived keys
};

struct Spec {
    std::string path;      // spec file as given
    std::string name;      // sweep.name, default the file's base name
    std::string base;      // absolute path of the base run config
    std::string text;      // the spec file's text
    std::vector<std::string> sets;  // fixed overrides for every point
    std::vector<Axis> axes;
    std::vector<Derived> derived;
    std::vector<Point> points;      // the expanded grid, in order
};

// Parse and expand a spec. Errors (HTX_E_CONFIG / HTX_E_IO) name spec file,
// line and key with what was expected.
htx_status spec_load(const char *path, Spec *out, htx_err *err);

// Load the base config with every point's overrides (no simulation), so that a
// bad key or value fails before anything runs. The error names the spec line
// of the offending axis value and carries the config loader's message.
htx_status spec_check_points(const Spec &s, htx_err *err);

// Every parameter of the spec, in axis order (for table columns).
std::vector<const Param *> spec_params(const Spec &s);

}  // namespace sweep
}  // namespace htx

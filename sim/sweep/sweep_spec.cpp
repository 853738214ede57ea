// sweep_spec.cpp — parse a sweep spec (libconfig) and expand its grid.
#include "sweep_spec.h"

#include <libconfig.h>
#include <limits.h>
#include <stdlib.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

extern "C" {
#include "htx_cfg_includes.h"
#include "htx_config.h"
}

namespace htx {
namespace sweep {

namespace {

const char *kind_name(int type)
{
    switch (type) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a float";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_ARRAY: return "an array [...]";
    case CONFIG_TYPE_LIST: return "a list (...)";
    case CONFIG_TYPE_GROUP: return "a group {...}";
    default: return "nothing";
    }
}

struct Ctx {
    const char *file;
    htx_err *err;
    htx_status fail(const config_setting_t *s, const std::string &key, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)))
    {
        char msg[HTX_ERR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        return htx_err_set(err, HTX_E_CONFIG, file, s ? static_cast<int>(config_setting_source_line(s)) : 0,
                           key.c_str(), "%s", msg);
    }
};

// Reject members other than `allowed` (a NULL-terminated list).
htx_status check_members(Ctx &c, const config_setting_t *g, const std::string &where, const char *const *allowed)
{
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *m = config_setting_get_elem(g, static_cast<unsigned>(i));
        const char *n = config_setting_name(m);
        bool ok = false;
        std::string list;
        for (const char *const *a = allowed; *a; a++) {
            if (n && !std::strcmp(n, *a)) ok = true;
            list += list.empty() ? "" : ", ";
            list += *a;
        }
        if (!ok) return c.fail(m, where + "." + (n ? n : "?"), "unknown setting (expected one of: %s)", list.c_str());
    }
    return HTX_OK;
}

htx_status get_string(Ctx &c, const config_setting_t *g, const char *name, const std::string &where, bool required,
                      std::string *out)
{
    const config_setting_t *s = config_setting_get_member(g, name);
    if (!s) {
        if (required) return c.fail(g, where + "." + name, "missing (expected a string)");
        return HTX_OK;
    }
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return c.fail(s, where + "." + name, "expected a string, got %s", kind_name(config_setting_type(s)));
    *out = config_setting_get_string(s);
    return HTX_OK;
}

htx_status scalar_value(Ctx &c, const config_setting_t *s, const std::string &where, Value *v)
{
    v->line = static_cast<int>(config_setting_source_line(s));
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        v->kind = Value::kInt;
        v->i = config_setting_get_int64(s);
        return HTX_OK;
    case CONFIG_TYPE_FLOAT:
        v->kind = Value::kFloat;
        v->f = config_setting_get_float(s);
        return HTX_OK;
    case CONFIG_TYPE_BOOL:
        v->kind = Value::kBool;
        v->i = config_setting_get_bool(s) ? 1 : 0;
        return HTX_OK;
    case CONFIG_TYPE_STRING:
        v->kind = Value::kString;
        v->s = config_setting_get_string(s);
        return HTX_OK;
    default:
        return c.fail(s, where, "expected an integer, float, boolean or string value, got %s",
                      kind_name(config_setting_type(s)));
    }
}

// `from`/`to`/`step` range, inclusive of `to` (within 1e-9 of a step for floats).
htx_status range_values(Ctx &c, const config_setting_t *g, const std::string &where, Param *p)
{
    const char *names[3] = {"from", "to", "step"};
    Value v[3];
    for (int k = 0; k < 3; k++) {
        const config_setting_t *s = config_setting_get_member(g, names[k]);
        if (!s) return c.fail(g, where + "." + names[k], "missing (a range needs from, to and step numbers)");
        htx_status st = scalar_value(c, s, where + "." + names[k], &v[k]);
        if (st != HTX_OK) return st;
        if (v[k].kind != Value::kInt && v[k].kind != Value::kFloat)
            return c.fail(s, where + "." + names[k], "expected a number");
    }
    const bool ints = v[0].kind == Value::kInt && v[1].kind == Value::kInt && v[2].kind == Value::kInt;
    const double a = v[0].number(), b = v[1].number(), d = v[2].number();
    if (!(d > 0)) return c.fail(config_setting_get_member(g, "step"), where + ".step", "expected a number > 0, got %g", d);
    if (b < a) return c.fail(config_setting_get_member(g, "to"), where + ".to", "expected to >= from (%g), got %g", a, b);
    const double n = std::floor((b - a) / d + 1e-9) + 1;
    if (n > 100000) return c.fail(g, where, "range gives %.0f values (at most 100000)", n);
    for (int k = 0; k < static_cast<int>(n); k++) {
        Value x;
        x.line = v[0].line;
        if (ints) {
            x.kind = Value::kInt;
            x.i = v[0].i + static_cast<int64_t>(k) * v[2].i;
        } else {
            x.kind = Value::kFloat;
            x.f = a + k * d;
        }
        p->values.push_back(x);
    }
    return HTX_OK;
}

htx_status parse_param(Ctx &c, const config_setting_t *g, const std::string &where, Param *p)
{
    static const char *const allowed[] = {"key", "values", "from", "to", "step", nullptr};
    htx_status st = check_members(c, g, where, allowed);
    if (st == HTX_OK) st = get_string(c, g, "key", where, true, &p->key);
    if (st != HTX_OK) return st;
    p->line = static_cast<int>(config_setting_source_line(g));
    if (p->key.empty() || p->key == "@" || p->key.find_first_of(" =\t/") != std::string::npos)
        return c.fail(config_setting_get_member(g, "key"), where + ".key",
                      "expected a config key path such as \"card.chips\" or a label \"@name\", got \"%s\"",
                      p->key.c_str());
    const config_setting_t *vals = config_setting_get_member(g, "values");
    const bool range = config_setting_get_member(g, "from") || config_setting_get_member(g, "to") ||
                       config_setting_get_member(g, "step");
    if (vals && range) return c.fail(g, where, "give either values = [...] or from/to/step, not both");
    if (range) {
        st = range_values(c, g, where, p);
    } else {
        if (!vals) return c.fail(g, where + ".values", "missing (expected values = [...] or from/to/step)");
        const int t = config_setting_type(vals);
        if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
            return c.fail(vals, where + ".values", "expected an array [...] or list (...) of values, got %s",
                          kind_name(t));
        for (int i = 0; i < config_setting_length(vals) && st == HTX_OK; i++) {
            Value v;
            st = scalar_value(c, config_setting_get_elem(vals, static_cast<unsigned>(i)),
                              where + ".values[" + std::to_string(i) + "]", &v);
            p->values.push_back(v);
        }
    }
    if (st != HTX_OK) return st;
    if (p->values.empty()) return c.fail(g, where + ".values", "expected at least one value");
    const bool str = p->values[0].kind == Value::kString;
    for (const Value &v : p->values)
        if ((v.kind == Value::kString) != str)
            return c.fail(vals ? vals : g, where + ".values", "mixes strings and numbers (one kind per key)");
    return HTX_OK;
}

htx_status parse_axis(Ctx &c, const config_setting_t *g, const std::string &where, Axis *a)
{
    a->line = static_cast<int>(config_setting_source_line(g));
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return c.fail(g, where, "expected a group { key = ...; values = [...]; } or { zip = (...); }, got %s",
                      kind_name(config_setting_type(g)));
    const config_setting_t *zip = config_setting_get_member(g, "zip");
    if (!zip) {
        Param p;
        htx_status st = parse_param(c, g, where, &p);
        if (st == HTX_OK) a->params.push_back(p);
        return st;
    }
    static const char *const allowed[] = {"zip", nullptr};
    htx_status st = check_members(c, g, where, allowed);
    if (st != HTX_OK) return st;
    if (config_setting_type(zip) != CONFIG_TYPE_LIST || config_setting_length(zip) < 1)
        return c.fail(zip, where + ".zip", "expected a list ( {key=...; values=[...];}, ... ) of parameters");
    for (int i = 0; i < config_setting_length(zip); i++) {
        const config_setting_t *e = config_setting_get_elem(zip, static_cast<unsigned>(i));
        const std::string w = where + ".zip[" + std::to_string(i) + "]";
        if (config_setting_type(e) != CONFIG_TYPE_GROUP)
            return c.fail(e, w, "expected a group { key = ...; values = [...]; }");
        Param p;
        st = parse_param(c, e, w, &p);
        if (st != HTX_OK) return st;
        if (!a->params.empty() && p.values.size() != a->params[0].values.size())
            return c.fail(e, w + ".values", "zipped parameters need equal lengths: %s has %zu values, %s has %zu",
                          a->params[0].key.c_str(), a->params[0].values.size(), p.key.c_str(), p.values.size());
        a->params.push_back(p);
    }
    return HTX_OK;
}

htx_status parse_derived(Ctx &c, const config_setting_t *g, const std::string &where, Spec *s, Derived *d)
{
    static const char *const allowed[] = {"name", "product", "scale", "units", "description", "key", nullptr};
    d->line = static_cast<int>(config_setting_source_line(g));
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return c.fail(g, where, "expected a group { name = ...; product = [...]; }");
    htx_status st = check_members(c, g, where, allowed);
    if (st == HTX_OK) st = get_string(c, g, "name", where, true, &d->name);
    if (st == HTX_OK) st = get_string(c, g, "units", where, false, &d->units);
    if (st == HTX_OK) st = get_string(c, g, "description", where, false, &d->description);
    if (st == HTX_OK) st = get_string(c, g, "key", where, false, &d->key);
    if (st != HTX_OK) return st;
    if (d->units.empty()) d->units = "1";
    if (d->name.empty() || d->name.find_first_of("/ ") != std::string::npos)
        return c.fail(g, where + ".name", "expected a column name without '/' or spaces");
    if (const config_setting_t *sc = config_setting_get_member(g, "scale")) {
        const int t = config_setting_type(sc);
        if (t != CONFIG_TYPE_FLOAT && t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
            return c.fail(sc, where + ".scale", "expected a number, got %s", kind_name(t));
        d->scale = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(sc)
                                          : static_cast<double>(config_setting_get_int64(sc));
    }
    const config_setting_t *pr = config_setting_get_member(g, "product");
    if (!pr || (config_setting_type(pr) != CONFIG_TYPE_ARRAY && config_setting_type(pr) != CONFIG_TYPE_LIST) ||
        config_setting_length(pr) < 1)
        return c.fail(pr ? pr : g, where + ".product", "expected a non-empty array of swept keys [\"a.b\", ...]");
    for (int i = 0; i < config_setting_length(pr); i++) {
        const config_setting_t *e = config_setting_get_elem(pr, static_cast<unsigned>(i));
        if (config_setting_type(e) != CONFIG_TYPE_STRING)
            return c.fail(e, where + ".product", "expected key names (strings)");
        const std::string k = config_setting_get_string(e);
        const Param *found = nullptr;
        for (const Param *p : spec_params(*s))
            if (p->key == k) found = p;
        if (!found) return c.fail(e, where + ".product", "\"%s\" is not a swept key of this spec", k.c_str());
        if (!found->numeric())
            return c.fail(e, where + ".product", "\"%s\" has string values; a product needs numbers", k.c_str());
        d->product.push_back(k);
    }
    return HTX_OK;
}

std::string dir_of(const std::string &p)
{
    const size_t k = p.find_last_of('/');
    return k == std::string::npos ? "." : (k == 0 ? "/" : p.substr(0, k));
}

void expand(Spec *s)
{
    size_t n = 1;
    for (const Axis &a : s->axes) n *= a.size();
    size_t width = 4;
    for (size_t m = n; m >= 10000; m /= 10) width++;
    for (size_t idx = 0; idx < n; idx++) {
        Point p;
        p.index = idx;
        char name[32];
        std::snprintf(name, sizeof name, "p%0*zu", static_cast<int>(width), idx);
        p.name = name;
        p.sets = s->sets;
        // last axis fastest: decompose idx in mixed radix
        std::vector<size_t> pos(s->axes.size());
        size_t r = idx;
        for (size_t k = s->axes.size(); k-- > 0;) {
            pos[k] = r % s->axes[k].size();
            r /= s->axes[k].size();
        }
        for (size_t k = 0; k < s->axes.size(); k++)
            for (const Param &q : s->axes[k].params) {
                p.params.emplace_back(q.key, q.values[pos[k]]);
                if (!q.label()) p.sets.push_back(q.key + "=" + q.values[pos[k]].set_text());
            }
        for (const Derived &d : s->derived) {
            double v = d.scale;
            for (const std::string &k : d.product)
                for (const auto &kv : p.params)
                    if (kv.first == k) v *= kv.second.number();
            p.derived.push_back(v);
            if (!d.key.empty()) {
                Value x;
                x.kind = (v == std::floor(v) && std::fabs(v) < 9e15) ? Value::kInt : Value::kFloat;
                x.i = static_cast<int64_t>(v);
                x.f = v;
                p.sets.push_back(d.key + "=" + x.set_text());
            }
        }
        s->points.push_back(p);
    }
}

}  // namespace

std::string Value::set_text() const
{
    char buf[64];
    switch (kind) {
    case kInt: return std::to_string(i);
    case kBool: return i ? "true" : "false";
    case kFloat:
        std::snprintf(buf, sizeof buf, "%.17g", f);
        if (!std::strpbrk(buf, ".eEn")) std::strcat(buf, ".0");
        return buf;
    case kString: {
        std::string q = "\"";
        for (char ch : s) {
            if (ch == '"' || ch == '\\') q += '\\';
            q += ch;
        }
        return q + "\"";
    }
    }
    return "";
}

std::string Value::label() const
{
    char buf[64];
    switch (kind) {
    case kInt: return std::to_string(i);
    case kBool: return i ? "true" : "false";
    case kFloat: std::snprintf(buf, sizeof buf, "%.15g", f); return buf;
    case kString: return s;
    }
    return "";
}

std::string Param::column() const { return label() ? key.substr(1) : key; }

bool Param::numeric() const
{
    for (const Value &v : values)
        if (v.kind == Value::kString) return false;
    return true;
}

bool Param::integral() const
{
    for (const Value &v : values)
        if (v.kind == Value::kString || v.kind == Value::kFloat) return false;
    return true;
}

std::vector<const Param *> spec_params(const Spec &s)
{
    std::vector<const Param *> v;
    for (const Axis &a : s.axes)
        for (const Param &p : a.params) v.push_back(&p);
    return v;
}

htx_status spec_load(const char *path, Spec *out, htx_err *err)
{
    htx_err_clear(err);
    *out = Spec();
    out->path = path;
    config_t cfg;
    config_init(&cfg);
    Ctx c{path, err};
    htx_status st = HTX_OK;
    const config_setting_t *g = nullptr, *axes = nullptr;
    // libconfig exits the process on an @include of a directory: check first
    if ((st = htx_check_regular_file(path, "sweep spec", err)) != HTX_OK ||
        (st = htx_check_config_includes(path, dir_of(path).c_str(), err)) != HTX_OK)
        goto out;
    {
        std::ifstream in(path);
        if (!in) {
            st = htx_err_set(err, HTX_E_IO, path, 0, nullptr, "cannot read the sweep spec: %s", std::strerror(errno));
            goto out;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        out->text = ss.str();
    }
    config_set_include_dir(&cfg, dir_of(path).c_str());
    if (!config_read_string(&cfg, out->text.c_str())) {
        st = htx_err_set(err, HTX_E_CONFIG, path, config_error_line(&cfg), nullptr, "syntax error: %s",
                         config_error_text(&cfg));
        goto out;
    }
    {
        config_setting_t *root = config_root_setting(&cfg);
        static const char *const top[] = {"sweep", nullptr};
        st = check_members(c, root, "", top);
        if (st != HTX_OK) {
            // a leading "." from the empty prefix reads oddly: drop it
            if (err && err->key[0] == '.') std::memmove(err->key, err->key + 1, std::strlen(err->key));
            goto out;
        }
        g = config_setting_get_member(root, "sweep");
        if (!g || config_setting_type(g) != CONFIG_TYPE_GROUP) {
            st = c.fail(g, "sweep", "expected a top-level group sweep = { base = \"...\"; axes = (...); };");
            goto out;
        }
    }
    {
        static const char *const allowed[] = {"name", "base", "set", "axes", "derived", nullptr};
        st = check_members(c, g, "sweep", allowed);
        if (st != HTX_OK) goto out;
        std::string base;
        st = get_string(c, g, "name", "sweep", false, &out->name);
        if (st == HTX_OK) st = get_string(c, g, "base", "sweep", true, &base);
        if (st != HTX_OK) goto out;
        if (out->name.empty()) {
            std::string b = path;
            b = b.substr(b.find_last_of('/') == std::string::npos ? 0 : b.find_last_of('/') + 1);
            out->name = b.size() > 4 && b.compare(b.size() - 4, 4, ".cfg") == 0 ? b.substr(0, b.size() - 4) : b;
        }
        for (char ch : out->name)
            if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.')) {
                st = c.fail(config_setting_get_member(g, "name"), "sweep.name",
                            "expected letters, digits, '-', '_' or '.', got \"%s\"", out->name.c_str());
                goto out;
            }
        const std::string rel = base[0] == '/' ? base : dir_of(path) + "/" + base;
        char abs[PATH_MAX];
        if (!realpath(rel.c_str(), abs)) {
            st = c.fail(config_setting_get_member(g, "base"), "sweep.base",
                        "cannot find the base run config \"%s\" (tried %s: %s)", base.c_str(), rel.c_str(),
                        std::strerror(errno));
            goto out;
        }
        out->base = abs;
    }
    if (const config_setting_t *set = config_setting_get_member(g, "set")) {
        const int t = config_setting_type(set);
        if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) {
            st = c.fail(set, "sweep.set", "expected an array of \"key=value\" strings, got %s", kind_name(t));
            goto out;
        }
        for (int i = 0; i < config_setting_length(set); i++) {
            const config_setting_t *e = config_setting_get_elem(set, static_cast<unsigned>(i));
            const char *v = config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e) : nullptr;
            if (!v || !std::strchr(v, '=') || v[0] == '=') {
                st = c.fail(e, "sweep.set[" + std::to_string(i) + "]", "expected a \"key=value\" string");
                goto out;
            }
            out->sets.push_back(v);
        }
    }
    axes = config_setting_get_member(g, "axes");
    if (!axes || config_setting_type(axes) != CONFIG_TYPE_LIST || config_setting_length(axes) < 1) {
        st = c.fail(axes ? axes : g, "sweep.axes",
                    "expected a non-empty list ( { key = \"card.chips\"; values = [4, 6, 8]; }, ... )");
        goto out;
    }
    for (int i = 0; i < config_setting_length(axes); i++) {
        Axis a;
        st = parse_axis(c, config_setting_get_elem(axes, static_cast<unsigned>(i)),
                        "sweep.axes[" + std::to_string(i) + "]", &a);
        if (st != HTX_OK) goto out;
        for (const Param &p : a.params)
            for (const Param *q : spec_params(*out))
                if (q->key == p.key) {
                    st = c.fail(config_setting_get_elem(axes, static_cast<unsigned>(i)), "sweep.axes[" + std::to_string(i) + "]",
                                "key %s is swept twice (zip the two lists or merge them)", p.key.c_str());
                    goto out;
                }
        out->axes.push_back(a);
    }
    {
        size_t n = 1;
        for (const Axis &a : out->axes) {
            n *= a.size();
            if (n > 1000000) {
                st = c.fail(axes, "sweep.axes", "the grid has more than 1000000 points");
                goto out;
            }
        }
    }
    if (const config_setting_t *der = config_setting_get_member(g, "derived")) {
        if (config_setting_type(der) != CONFIG_TYPE_LIST) {
            st = c.fail(der, "sweep.derived", "expected a list ( { name = ...; product = [...]; }, ... )");
            goto out;
        }
        for (int i = 0; i < config_setting_length(der); i++) {
            Derived d;
            st = parse_derived(c, config_setting_get_elem(der, static_cast<unsigned>(i)), "sweep.derived[" + std::to_string(i) + "]", out, &d);
            if (st != HTX_OK) goto out;
            out->derived.push_back(d);
        }
    }
    expand(out);
out:
    config_destroy(&cfg);
    return st;
}

htx_status spec_check_points(const Spec &s, htx_err *err)
{
    htx_err_clear(err);
    for (const Point &p : s.points) {
        std::vector<const char *> sets;
        for (const std::string &x : p.sets) sets.push_back(x.c_str());
        htx_run_cfg cfg;
        std::memset(&cfg, 0, sizeof cfg);
        htx_err e;
        htx_err_clear(&e);
        if (htx_run_cfg_load(s.base.c_str(), sets.data(), static_cast<int>(sets.size()), &cfg, &e) == HTX_OK) {
            htx_run_cfg_free(&cfg);
            continue;
        }
        // blame the spec line of the override the loader names, else the point
        int line = 0;
        std::string key = "sweep";
        for (const auto &kv : p.params)
            if (std::strstr(e.file, ("--set " + kv.first + "=").c_str()) || kv.first == e.key) {
                line = kv.second.line;
                key = kv.first;
            }
        char buf[HTX_ERR_MSG_MAX + 2 * HTX_ERR_FILE_MAX];
        htx_err_format(&e, buf, sizeof buf);
        std::string where;
        for (const auto &kv : p.params) where += (where.empty() ? "" : ", ") + kv.first + "=" + kv.second.label();
        return htx_err_set(err, e.status == HTX_E_IO ? HTX_E_IO : HTX_E_CONFIG, s.path.c_str(), line, key.c_str(),
                           "point %s (%s) is not a valid run of %s: %s", p.name.c_str(), where.c_str(),
                           s.base.c_str(), buf);
    }
    return HTX_OK;
}

}  // namespace sweep
}  // namespace htx

// sweep_merge.cpp — point files -> one HDF5 sweep table (HDF5 C API).
#include "sweep_merge.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include <hdf5.h>

#include "sweep_runner.h"

namespace htx {
namespace sweep {

namespace {

struct Metric {
    std::string name, units, description;
    std::vector<double> v;
};

bool exists(const std::string &p)
{
    struct stat st;
    return stat(p.c_str(), &st) == 0;
}

std::string read_attr_str(hid_t obj, const char *name)
{
    std::string s;
    if (H5Aexists(obj, name) <= 0) return s;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    if (H5Tget_class(t) == H5T_STRING) {
        if (H5Tis_variable_str(t) > 0) {
            char *p = nullptr;
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            H5Tset_cset(mt, H5Tget_cset(t));
            if (H5Aread(a, mt, &p) >= 0 && p) {
                s = p;
                H5free_memory(p);
            }
            H5Tclose(mt);
        } else {
            std::vector<char> buf(H5Tget_size(t) + 1, '\0');
            if (H5Aread(a, t, buf.data()) >= 0) s = buf.data();
        }
    }
    H5Tclose(t);
    H5Aclose(a);
    return s;
}

struct SummaryWalk {
    std::vector<Metric> *metrics;
    size_t row, rows;
};

herr_t read_metric(hid_t g, const char *name, const H5L_info_t *, void *op)
{
    auto *w = static_cast<SummaryWalk *>(op);
    H5O_info_t info;
    if (H5Oget_info_by_name(g, name, &info, H5P_DEFAULT) < 0 || info.type != H5O_TYPE_DATASET) return 0;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0) return 0;
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    const H5T_class_t cls = H5Tget_class(t);
    double v = NAN;
    if ((cls == H5T_FLOAT || cls == H5T_INTEGER) && H5Sget_simple_extent_npoints(sp) == 1)
        H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
    else {
        H5Sclose(sp);
        H5Tclose(t);
        H5Dclose(d);
        return 0;
    }
    Metric *m = nullptr;
    for (Metric &x : *w->metrics)
        if (x.name == name) m = &x;
    if (!m) {
        w->metrics->push_back(Metric{name, read_attr_str(d, "units"), read_attr_str(d, "description"),
                                     std::vector<double>(w->rows, NAN)});
        m = &w->metrics->back();
    }
    m->v[w->row] = v;
    H5Sclose(sp);
    H5Tclose(t);
    H5Dclose(d);
    return 0;
}

// Read /summary of one point file into row `row` of `metrics`.
bool read_summary(const std::string &path, std::vector<Metric> *metrics, size_t row, size_t rows, std::string *why)
{
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        *why = "cannot open " + path + " as HDF5";
        return false;
    }
    bool ok = false;
    if (H5Lexists(f, "/summary", H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(f, "/summary", H5P_DEFAULT);
        if (g >= 0) {
            SummaryWalk w{metrics, row, rows};
            hsize_t idx = 0;
            // creation order when tracked (the writer tracks it), so columns follow the schema
            if (H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, read_metric, &w) < 0) {
                idx = 0;
                H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, read_metric, &w);
            }
            H5Gclose(g);
            ok = true;
        }
    }
    if (!ok) *why = path + " has no /summary group";
    H5Fclose(f);
    return ok;
}

struct Writer {
    hid_t file = -1, points = -1;
    bool ok = true;
    std::vector<std::string> columns;

    void attr(hid_t obj, const char *name, const std::string &value)
    {
        if (!ok) return;
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        hid_t sp = H5Screate(H5S_SCALAR);
        hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
        const char *p = value.c_str();
        ok = a >= 0 && H5Awrite(a, t, &p) >= 0;
        if (a >= 0) H5Aclose(a);
        H5Sclose(sp);
        H5Tclose(t);
    }
    void attr_i64(hid_t obj, const char *name, int64_t v)
    {
        if (!ok) return;
        hid_t sp = H5Screate(H5S_SCALAR);
        hid_t a = H5Acreate2(obj, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        ok = a >= 0 && H5Awrite(a, H5T_NATIVE_INT64, &v) >= 0;
        if (a >= 0) H5Aclose(a);
        H5Sclose(sp);
    }
    hid_t create(hid_t parent, const std::string &name, hid_t ftype, size_t n)
    {
        hsize_t dim = n;
        hid_t sp = H5Screate_simple(1, &dim, nullptr);
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_obj_track_times(dcpl, 0);  // deterministic bytes
        hid_t d = H5Dcreate2(parent, name.c_str(), ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        H5Pclose(dcpl);
        H5Sclose(sp);
        return d;
    }
    void finish_column(hid_t d, const std::string &name, const std::string &units, const std::string &desc,
                       const char *kind)
    {
        attr(d, "units", units);
        attr(d, "description", desc);
        attr(d, "kind", kind);
        H5Dclose(d);
        columns.push_back(name);
    }
    void col_str(hid_t parent, const std::string &name, const std::vector<std::string> &v, const std::string &units,
                 const std::string &desc, const char *kind, bool is_column = true)
    {
        if (!ok) return;
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        hid_t d = create(parent, name, t, v.size());
        std::vector<const char *> p;
        for (const std::string &s : v) p.push_back(s.c_str());
        ok = d >= 0 && (v.empty() || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()) >= 0);
        H5Tclose(t);
        if (d < 0) return;
        if (is_column) finish_column(d, name, units, desc, kind);
        else {
            attr(d, "units", units);
            attr(d, "description", desc);
            H5Dclose(d);
        }
    }
    void col_f64(const std::string &name, const std::vector<double> &v, const std::string &units,
                 const std::string &desc, const char *kind)
    {
        if (!ok) return;
        hid_t d = create(points, name, H5T_IEEE_F64LE, v.size());
        ok = d >= 0 && (v.empty() || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
        if (d >= 0) finish_column(d, name, units, desc, kind);
    }
    void col_i64(const std::string &name, const std::vector<int64_t> &v, const std::string &units,
                 const std::string &desc, const char *kind)
    {
        if (!ok) return;
        hid_t d = create(points, name, H5T_STD_I64LE, v.size());
        ok = d >= 0 && (v.empty() || H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
        if (d >= 0) finish_column(d, name, units, desc, kind);
    }
};

std::string dir_of(const std::string &p)
{
    const size_t k = p.find_last_of('/');
    return k == std::string::npos ? "." : p.substr(0, k);
}

// `target` relative to directory `from` when `target` lies below it, else absolute.
std::string relative_to(const std::string &target, const std::string &from)
{
    char a[4096], b[4096];
    if (!realpath(target.c_str(), a) || !realpath(from.c_str(), b)) return target;
    std::string t = a, f = std::string(b) + "/";
    return t.compare(0, f.size(), f) == 0 ? t.substr(f.size()) : t;
}

}  // namespace

htx_status merge_points(const Spec &s, const std::string &dir, const std::string &file, MergeTally *tally,
                        htx_err *err)
{
    htx_err_clear(err);
    *tally = MergeTally();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const size_t n = s.points.size();
    const std::string partial = file + ".partial";
    const std::string fdir = dir_of(file);
    std::vector<std::string> name(n), status(n), error(n), path(n);
    std::vector<Metric> metrics;
    htx_status st = HTX_OK;
    Writer w;
    hid_t sweep = -1, runs = -1, fcpl = -1, gcpl = -1;

    for (size_t i = 0; i < n; i++) {
        const Point &p = s.points[i];
        name[i] = p.name;
        const std::string h5 = point_h5(dir, p), e = point_err(dir, p);
        std::string why;
        if (exists(h5) && read_summary(h5, &metrics, i, n, &why)) {
            status[i] = "ok";
            path[i] = relative_to(h5, fdir);
            tally->ok++;
        } else if (exists(h5)) {
            status[i] = "failed";
            error[i] = why;
            tally->failed++;
        } else if (exists(e)) {
            status[i] = "failed";
            std::ifstream in(e);
            error[i].assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            tally->failed++;
        } else {
            status[i] = "missing";
            tally->missing++;
        }
    }

    fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    gcpl = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    H5Pset_obj_track_times(gcpl, 0);
    w.file = H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    if (w.file < 0) {
        st = htx_err_set(err, HTX_E_IO, partial.c_str(), 0, nullptr, "cannot create the sweep file");
        goto out;
    }
    sweep = H5Gcreate2(w.file, "sweep", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    w.points = sweep >= 0 ? H5Gcreate2(sweep, "points", H5P_DEFAULT, gcpl, H5P_DEFAULT) : -1;
    runs = sweep >= 0 ? H5Gcreate2(sweep, "runs", H5P_DEFAULT, gcpl, H5P_DEFAULT) : -1;
    w.ok = sweep >= 0 && w.points >= 0 && runs >= 0;
    w.attr(sweep, "name", s.name);
    w.attr(sweep, "base", s.base);
    w.attr(sweep, "spec_path", s.path);
    w.attr_i64(sweep, "points", static_cast<int64_t>(n));
    w.attr_i64(sweep, "ok", static_cast<int64_t>(tally->ok));
    w.attr_i64(sweep, "failed", static_cast<int64_t>(tally->failed));
    w.attr_i64(sweep, "missing", static_cast<int64_t>(tally->missing));

    w.col_str(w.points, "point", name, "text", "point name (index in the expanded grid)", "point");
    w.col_str(w.points, "status", status, "text", "ok: result file read; failed: see error; missing: not run yet", "point");
    w.col_str(w.points, "error", error, "text", "exit status, command line and stderr of a failed point", "point");
    w.col_str(w.points, "file", path, "text", "point result file, relative to this file's directory", "point");
    for (const Param *p : spec_params(s)) {
        std::vector<std::string> sv;
        std::vector<double> fv;
        std::vector<int64_t> iv;
        for (const Point &pt : s.points)
            for (const auto &kv : pt.params)
                if (kv.first == p->key) {
                    sv.push_back(kv.second.label());
                    fv.push_back(kv.second.number());
                    iv.push_back(kv.second.i);
                }
        const std::string desc = p->label() ? "sweep label " + p->column() + " (not a config key)"
                                            : "swept config key " + p->key + " (units: see htxsim config-keys)";
        const std::string units = p->numeric() ? "1" : "text";
        if (!p->numeric()) w.col_str(w.points, p->column(), sv, units, desc, "parameter");
        else if (p->integral()) w.col_i64(p->column(), iv, units, desc, "parameter");
        else w.col_f64(p->column(), fv, units, desc, "parameter");
    }
    for (size_t k = 0; k < s.derived.size(); k++) {
        const Derived &d = s.derived[k];
        std::vector<double> v;
        for (const Point &pt : s.points) v.push_back(pt.derived[k]);
        std::string prod;
        for (const std::string &x : d.product) prod += (prod.empty() ? "" : " * ") + x;
        w.col_f64(d.name, v, d.units, d.description.empty() ? "derived: scale * " + prod : d.description, "derived");
    }
    for (const Metric &m : metrics) w.col_f64(m.name, m.v, m.units.empty() ? "1" : m.units, m.description, "metric");
    if (w.ok) {
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        std::vector<const char *> p;
        for (const std::string &c : w.columns) p.push_back(c.c_str());
        hid_t d = w.create(sweep, "columns", t, p.size());
        w.ok = d >= 0 && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()) >= 0;
        if (d >= 0) {
            w.attr(d, "units", "text");
            w.attr(d, "description", "column names of /sweep/points in table order");
            H5Dclose(d);
        }
        H5Tclose(t);
    }
    w.col_str(sweep, "spec_text", {s.text}, "text", "the sweep spec file", "spec", false);
    for (size_t i = 0; i < n && w.ok; i++)
        if (status[i] == "ok")
            w.ok = H5Lcreate_external(path[i].c_str(), "/", runs, name[i].c_str(), H5P_DEFAULT, H5P_DEFAULT) >= 0;
    if (!w.ok) {
        st = htx_err_set(err, HTX_E_HDF5, partial.c_str(), 0, nullptr, "writing the sweep table failed");
        goto out;
    }
out:
    if (runs >= 0) H5Gclose(runs);
    if (w.points >= 0) H5Gclose(w.points);
    if (sweep >= 0) H5Gclose(sweep);
    if (gcpl >= 0) H5Pclose(gcpl);
    if (fcpl >= 0) H5Pclose(fcpl);
    if (w.file >= 0 && H5Fclose(w.file) < 0 && st == HTX_OK)
        st = htx_err_set(err, HTX_E_HDF5, partial.c_str(), 0, nullptr, "closing the sweep file failed");
    if (st == HTX_OK && std::rename(partial.c_str(), file.c_str()) != 0)
        st = htx_err_set(err, HTX_E_IO, file.c_str(), 0, nullptr, "cannot rename %s: %s", partial.c_str(),
                         std::strerror(errno));
    if (st != HTX_OK) std::remove(partial.c_str());
    return st;
}

}  // namespace sweep
}  // namespace htx

// h5_read.h — minimal HDF5 readers for tests (independent of the writer).
#pragma once

#include <hdf5.h>

#include <map>
#include <string>
#include <vector>

namespace h5test {

struct File {
    hid_t id = -1;
    explicit File(const std::string &path)
    {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    }
    ~File()
    {
        if (id >= 0) H5Fclose(id);
    }
    bool ok() const { return id >= 0; }
    bool exists(const std::string &path) const
    {
        // check every prefix so that missing parents do not raise errors
        size_t pos = 0;
        while ((pos = path.find('/', pos + 1)) != std::string::npos)
            if (H5Lexists(id, path.substr(0, pos).c_str(), H5P_DEFAULT) <= 0) return false;
        return H5Lexists(id, path.c_str(), H5P_DEFAULT) > 0;
    }
    double scalar(const std::string &path) const
    {
        double v = -1e300;
        hid_t d = H5Dopen2(id, path.c_str(), H5P_DEFAULT);
        if (d < 0) return v;
        H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
        H5Dclose(d);
        return v;
    }
    std::vector<double> array(const std::string &path) const
    {
        std::vector<double> v;
        hid_t d = H5Dopen2(id, path.c_str(), H5P_DEFAULT);
        if (d < 0) return v;
        hid_t s = H5Dget_space(d);
        hssize_t n = H5Sget_simple_extent_npoints(s);
        v.resize(static_cast<size_t>(n));
        if (n > 0) H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
        H5Sclose(s);
        H5Dclose(d);
        return v;
    }
    std::string attr_str(const std::string &obj, const std::string &name) const
    {
        std::string out;
        if (H5Aexists_by_name(id, obj.c_str(), name.c_str(), H5P_DEFAULT) <= 0) return out;
        hid_t a = H5Aopen_by_name(id, obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
        hid_t t = H5Aget_type(a);
        if (H5Tis_variable_str(t) > 0) {
            char *s = nullptr;
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            H5Tset_cset(mt, H5Tget_cset(t));
            if (H5Aread(a, mt, &s) >= 0 && s) out = s;
            if (s) H5free_memory(s);
            H5Tclose(mt);
        } else {
            size_t n = H5Tget_size(t);
            std::vector<char> buf(n + 1, '\0');
            H5Aread(a, t, buf.data());
            out = buf.data();
        }
        H5Tclose(t);
        H5Aclose(a);
        return out;
    }
    std::string text(const std::string &path) const
    {
        std::string out;
        hid_t d = H5Dopen2(id, path.c_str(), H5P_DEFAULT);
        if (d < 0) return out;
        hid_t t = H5Dget_type(d);
        if (H5Tis_variable_str(t) > 0) {
            char *s = nullptr;
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            H5Tset_cset(mt, H5Tget_cset(t));
            if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s) >= 0 && s) out = s;
            if (s) H5free_memory(s);
            H5Tclose(mt);
        }
        H5Tclose(t);
        H5Dclose(d);
        return out;
    }
    // Every dataset path -> raw bytes in its file type (for determinism checks).
    std::map<std::string, std::string> all_datasets() const
    {
        std::map<std::string, std::string> out;
        H5Ovisit(id, H5_INDEX_NAME, H5_ITER_NATIVE, visit, &out);
        return out;
    }

private:
    static herr_t visit(hid_t obj, const char *name, const H5O_info_t *info, void *op)
    {
        if (info->type != H5O_TYPE_DATASET) return 0;
        auto *out = static_cast<std::map<std::string, std::string> *>(op);
        hid_t d = H5Dopen2(obj, name, H5P_DEFAULT);
        hid_t t = H5Dget_type(d);
        hid_t s = H5Dget_space(d);
        std::string bytes;
        if (H5Tis_variable_str(t) > 0) {
            hssize_t n = H5Sget_simple_extent_npoints(s);
            std::vector<char *> strs(static_cast<size_t>(n), nullptr);
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, strs.data());
            for (char *c : strs) {
                bytes += c ? c : "";
                bytes += '\0';
            }
            H5Dvlen_reclaim(mt, s, H5P_DEFAULT, strs.data());
            H5Tclose(mt);
        } else {
            size_t n = static_cast<size_t>(H5Sget_simple_extent_npoints(s)) * H5Tget_size(t);
            bytes.resize(n);
            if (n) H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &bytes[0]);
        }
        (*out)[name] = bytes;
        H5Sclose(s);
        H5Tclose(t);
        H5Dclose(d);
        return 0;
    }
};

}  // namespace h5test

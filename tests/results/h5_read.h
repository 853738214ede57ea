// h5_read.h — small HDF5 C API readers for the result-writer tests
// (independent of the writer's code).  Failures become gtest failures.
#pragma once

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace h5r {

inline std::string read_str_attr(hid_t file, const std::string &obj, const std::string &name)
{
    std::string out;
    hid_t a = H5Aopen_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
    EXPECT_GE(a, 0) << obj << "@" << name;
    if (a < 0) return out;
    hid_t t = H5Aget_type(a);
    EXPECT_EQ(H5Tget_class(t), H5T_STRING);
    EXPECT_TRUE(H5Tis_variable_str(t) > 0) << obj << "@" << name;
    EXPECT_EQ(H5Tget_cset(t), H5T_CSET_UTF8) << obj << "@" << name;
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5T_CSET_UTF8);
    char *s = nullptr;
    EXPECT_GE(H5Aread(a, mt, &s), 0);
    if (s) out = s;
    H5free_memory(s);
    H5Tclose(mt);
    H5Tclose(t);
    H5Aclose(a);
    return out;
}

inline double read_f64_attr(hid_t file, const std::string &obj, const std::string &name)
{
    double v = -1;
    hid_t a = H5Aopen_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
    EXPECT_GE(a, 0) << obj << "@" << name;
    if (a < 0) return v;
    EXPECT_GE(H5Aread(a, H5T_NATIVE_DOUBLE, &v), 0);
    H5Aclose(a);
    return v;
}

inline int64_t read_i64_attr(hid_t file, const std::string &obj, const std::string &name)
{
    int64_t v = -1;
    hid_t a = H5Aopen_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
    EXPECT_GE(a, 0) << obj << "@" << name;
    if (a < 0) return v;
    hid_t t = H5Aget_type(a);
    EXPECT_EQ(H5Tget_class(t), H5T_INTEGER);
    H5Tclose(t);
    EXPECT_GE(H5Aread(a, H5T_NATIVE_INT64, &v), 0);
    H5Aclose(a);
    return v;
}

// Rank (-1 on error), number of elements and type class of a dataset.
struct Shape {
    int rank = -1;
    hsize_t n = 0;
    H5T_class_t cls = H5T_NO_CLASS;
};

inline Shape shape(hid_t file, const std::string &path)
{
    Shape s;
    hid_t d = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
    EXPECT_GE(d, 0) << path;
    if (d < 0) return s;
    hid_t sp = H5Dget_space(d), t = H5Dget_type(d);
    s.rank = H5Sget_simple_extent_ndims(sp);
    s.n = (hsize_t)H5Sget_simple_extent_npoints(sp);
    s.cls = H5Tget_class(t);
    H5Tclose(t);
    H5Sclose(sp);
    H5Dclose(d);
    return s;
}

template <typename T>
std::vector<T> read_vec(hid_t file, const std::string &path, hid_t mem_type)
{
    std::vector<T> v(shape(file, path).n);
    hid_t d = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
    if (d < 0) return v;
    if (!v.empty()) {
        EXPECT_GE(H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), 0) << path;
    }
    H5Dclose(d);
    return v;
}

inline std::vector<std::string> read_strings(hid_t file, const std::string &path)
{
    std::vector<std::string> out;
    size_t n = shape(file, path).n;
    hid_t d = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
    if (d < 0) return out;
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5T_CSET_UTF8);
    std::vector<char *> p(n ? n : 1, nullptr);
    if (n) {
        EXPECT_GE(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()), 0) << path;
        for (size_t i = 0; i < n; i++) {
            out.push_back(p[i] ? p[i] : "");
            H5free_memory(p[i]);
        }
    }
    H5Tclose(mt);
    H5Dclose(d);
    return out;
}

inline bool exists(hid_t file, const std::string &path)
{
    // Walk components: H5Lexists fails when a parent is missing.
    size_t pos = 1;
    while (true) {
        size_t next = path.find('/', pos);
        std::string prefix = path.substr(0, next);
        if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
        if (next == std::string::npos) return true;
        pos = next + 1;
    }
}

// A fresh empty directory under the system temp dir, removed on destruction.
class TempDir {
public:
    TempDir()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "htx_results_XXXXXX").string();
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        const char *d = mkdtemp(buf.data());
        EXPECT_NE(d, nullptr);
        path_ = d ? d : "";
    }
    ~TempDir()
    {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    std::string operator/(const std::string &rel) const { return path_ + "/" + rel; }
    const std::string &path() const { return path_; }

private:
    std::string path_;
};

}  // namespace h5r

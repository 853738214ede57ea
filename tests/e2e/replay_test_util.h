// replay_test_util.h — small file helpers for the replay tests.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace replay_test {

struct Row {
    std::string time;  // hh:mm:ss.fffffff on 2023-11-16
    int prompt, output;
};

// An Azure-layout request CSV; returns the path.
inline std::string write_csv(const std::string &path, const std::vector<Row> &rows)
{
    std::ofstream f(path);
    f << "TIMESTAMP,ContextTokens,GeneratedTokens\n";
    for (const Row &r : rows) f << "2023-11-16 " << r.time << "," << r.prompt << "," << r.output << "\n";
    return path;
}

// Copy the first `fraction` of file `from` to `to` (1.0: all of it).
inline void copy_prefix(const std::string &from, const std::string &to, double fraction)
{
    std::ifstream in(from, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t n = static_cast<size_t>(static_cast<double>(bytes.size()) * fraction);
    std::ofstream out(to, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(n));
}

// Overwrite an int64 root attribute of an HDF5 file.
inline bool set_root_int(const std::string &path, const char *name, int64_t v)
{
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) return false;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    bool ok = a >= 0 && H5Awrite(a, H5T_NATIVE_INT64, &v) >= 0;
    if (a >= 0) H5Aclose(a);
    H5Fclose(f);
    return ok;
}

}  // namespace replay_test

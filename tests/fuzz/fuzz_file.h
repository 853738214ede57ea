/* fuzz_file.h — helpers shared by the libFuzzer harnesses: the parsers under
 * test read files, so each input is written to a per-process scratch file.
 *
 * The scratch directory mirrors configs/: "<tmp>/runs/", "<tmp>/models/" ...
 * hold the input, and "<tmp>/cards", "<tmp>/memory", "<tmp>/power" are
 * symbolic links to the shipped configs/ folders, so a seed such as
 * configs/runs/default.cfg with `@include "../cards/htx301.cfg"` parses as
 * shipped and the fuzzer starts from inputs that reach deep code. */
#ifndef HTX_FUZZ_FILE_H
#define HTX_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Write `size` bytes to "<scratch>/<sub>/input<suffix>" and return that path
 * (static storage, valid until the next call).  `sub` is one of the configs/
 * folder names or "" for the scratch root.  Aborts the fuzzer on an I/O error
 * of the host (not an input problem: nothing to fuzz without a file). */
const char *htx_fuzz_write(const uint8_t *data, size_t size, const char *sub, const char *suffix);

/* 0 when the libconfig text has an `@include "PATH"` whose PATH (relative to
 * "<scratch>/<sub>/") is not a regular file, else 1.  libconfig 1.5's scanner
 * calls exit() when it reads a directory (known bug, reported with the
 * regression test tests/reliability/test_config_include.cpp); harnesses skip
 * such inputs so that fuzzing can go on past it. */
int htx_fuzz_includes_regular(const uint8_t *data, size_t size, const char *sub);

#ifdef __cplusplus
}
#endif
#endif

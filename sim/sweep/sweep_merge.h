// sweep_merge.h — merge the point result files of a sweep into one table.
//
// FILE (default DIR/sweep.h5), written as FILE.partial and renamed:
//   /sweep/points/<column>   1-d datasets, one row per point, in point order:
//       point, status ("ok" | "failed" | "missing"), error, file (point file,
//       relative to FILE's directory); one column per swept key (named by the
//       key, e.g. "card.chips"); one per derived value; one per /summary
//       metric of the point files (float64, NaN where a point has no result).
//       Attributes: units, description, kind (point|parameter|derived|metric).
//   /sweep/columns           the column names in table order
//   /sweep/runs/<point>      external link to the root of each finished point file
//   /sweep attributes        name, base, spec_path, points, ok, failed, missing;
//   /sweep/spec_text         the spec file's text
#pragma once

#include <string>

#include "sweep_spec.h"

namespace htx {
namespace sweep {

struct MergeTally {
    size_t ok = 0, failed = 0, missing = 0;
};

htx_status merge_points(const Spec &s, const std::string &dir, const std::string &file, MergeTally *tally,
                        htx_err *err);

}  // namespace sweep
}  // namespace htx

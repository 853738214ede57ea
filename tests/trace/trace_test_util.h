// Helpers shared by the trace tests: temporary paths and a small sample trace.
#pragma once
#include <string>
#include "htx_trace.h"

namespace trace_test {

// Fresh path under the test's temporary directory (unique per call).
std::string tmp_path(const std::string &stem);

// 3 requests, 3 timed steps, token ids, and (if routing) 2 MoE layers top-2 of 8.
void sample_trace(htx_trace *t, bool routing);

// Two requests: r0 arrives at 0 (prompt 10, output 3), r1 at 5000 ps (prompt 20, output 2).
void two_requests(htx_trace *t);

// Message of err as "file: key: msg".
std::string err_text(const htx_err &e);

}  // namespace trace_test

// plan_guards.h — RAII owners of a mapper plan and a step program for tests.
#pragma once

extern "C" {
#include "htx_plan.h"
}

struct PlanGuard {
    htx_plan *p = nullptr;
    ~PlanGuard() { htx_plan_free(p); }
};
struct ProgGuard {
    htx_program prog{};
    ~ProgGuard() { htx_program_free(&prog); }
};

// Dependencies derived from the decoder's data flow (workloads/mapper/plan_deps.c).
#include <gtest/gtest.h>

#include <vector>

extern "C" {
#include "htx_plan.h"
}

namespace {
struct Prog {
    std::vector<htx_op> ops;
    void add(htx_op_kind kind, const char *tag, int seq = -1)
    {
        htx_op op{};
        op.kind = kind;
        op.tag = tag;
        op.seq = seq;
        ops.push_back(op);
    }
    std::vector<int> deps(size_t i) const { return {ops[i].deps, ops[i].deps + ops[i].n_deps}; }
};
using V = std::vector<int>;
}  // namespace

TEST(PlanDeps, DenseLayerByHand)
{
    Prog p;
    p.add(HTX_OP_EMBED, "embedding");          // 0
    p.add(HTX_OP_NORM, "attn_norm");           // 1
    p.add(HTX_OP_GEMV, "wqkv");                // 2
    p.add(HTX_OP_ROPE, "rope");                // 3
    p.add(HTX_OP_KV_APPEND, "kv", 0);          // 4
    p.add(HTX_OP_KV_APPEND, "kv", 1);          // 5
    p.add(HTX_OP_ATTENTION, "attention", 0);   // 6
    p.add(HTX_OP_ATTENTION, "attention", 1);   // 7
    p.add(HTX_OP_GEMV, "wo");                  // 8
    p.add(HTX_OP_ALLREDUCE, "attn_allreduce"); // 9
    p.add(HTX_OP_RESIDUAL, "attn_residual");   // 10
    p.add(HTX_OP_NORM, "ffn_norm");            // 11
    p.add(HTX_OP_GEMV, "ffn_up");              // 12
    p.add(HTX_OP_ACTIVATION, "ffn_act");       // 13
    p.add(HTX_OP_GEMV, "ffn_down");            // 14
    p.add(HTX_OP_ALLREDUCE, "ffn_allreduce");  // 15
    p.add(HTX_OP_RESIDUAL, "ffn_residual");    // 16
    p.add(HTX_OP_NORM, "attn_norm");           // 17
    p.add(HTX_OP_GEMV, "wqkv");                // 18
    htx_program prog{p.ops.data(), p.ops.size(), p.ops.size()};
    htx_plan_deps(&prog);
    for (const htx_op &op : p.ops) EXPECT_EQ(op.has_deps, 1);
    EXPECT_EQ(p.deps(0), V{});
    EXPECT_EQ(p.deps(1), V{0});
    EXPECT_EQ(p.deps(2), V{1});
    EXPECT_EQ(p.deps(3), V{2});
    EXPECT_EQ(p.deps(4), V{3});       // the KV write needs the rotated k
    EXPECT_EQ(p.deps(5), V{3});
    EXPECT_EQ(p.deps(6), V{3});       // attention uses this step's entry on chip, not the DRAM write
    EXPECT_EQ(p.deps(7), (V{3, 6}));  // one ATT buffer: after the previous sequence's attention
    EXPECT_EQ(p.deps(8), V{7});       // the last attention implies the earlier ones (one matrix unit)
    EXPECT_EQ(p.deps(9), V{8});
    EXPECT_EQ(p.deps(10), (V{1, 9}));   // x (WAR against the norm that read it) and the reduced sum
    EXPECT_EQ(p.deps(11), (V{2, 10}));  // xb is rewritten: after wqkv read it
    EXPECT_EQ(p.deps(12), V{11});
    EXPECT_EQ(p.deps(13), V{12});
    EXPECT_EQ(p.deps(14), (V{9, 13}));  // partial sums rewritten after the all-reduce and its reader
    EXPECT_EQ(p.deps(15), V{14});
    EXPECT_EQ(p.deps(16), (V{11, 15}));
    EXPECT_EQ(p.deps(17), (V{12, 16}));
    // q|k|v rewritten: after the KV writes (DMA), the attentions (matrix) and the norm it reads
    EXPECT_EQ(p.deps(18), (V{5, 7, 17}));
}

TEST(PlanDeps, ExpertsAlternateHiddenBuffers)
{
    Prog p;
    p.add(HTX_OP_NORM, "ffn_norm");       // 0
    p.add(HTX_OP_ROUTER, "router");       // 1
    p.add(HTX_OP_GEMV, "expert_up");      // 2  -> HE0
    p.add(HTX_OP_ACTIVATION, "expert_act");
    p.add(HTX_OP_GEMV, "expert_down");    // 4
    p.add(HTX_OP_GEMV, "expert_up");      // 5  -> HE1
    p.add(HTX_OP_ACTIVATION, "expert_act");
    p.add(HTX_OP_GEMV, "expert_down");    // 7
    p.add(HTX_OP_GEMV, "expert_up");      // 8  -> HE0 again
    htx_program prog{p.ops.data(), p.ops.size(), p.ops.size()};
    htx_plan_deps(&prog);
    EXPECT_EQ(p.deps(1), V{0});
    EXPECT_EQ(p.deps(2), V{1});  // xb (norm, implied by the router) and the routing
    EXPECT_EQ(p.deps(3), V{2});
    EXPECT_EQ(p.deps(4), V{3});
    EXPECT_EQ(p.deps(5), V{1});  // independent of expert 0's activation: they may overlap
    EXPECT_EQ(p.deps(6), V{5});
    EXPECT_EQ(p.deps(7), (V{4, 6}));
    // HE0 reused: after expert 0's activation wrote it (vector; implies the router) and its
    // down-projection read it (matrix)
    EXPECT_EQ(p.deps(8), (V{3, 4}));
}

TEST(PlanDeps, UnknownOpIsABarrier)
{
    Prog p;
    p.add(HTX_OP_NORM, "attn_norm");                   // 0
    p.add(HTX_OP_GEMV, "wqkv");                        // 1
    p.add(HTX_OP_GEMV, "some_new_projection");         // 2: unknown tag
    p.add(HTX_OP_ROPE, "rope");                        // 3
    htx_program prog{p.ops.data(), p.ops.size(), p.ops.size()};
    htx_plan_deps(&prog);
    EXPECT_EQ(p.deps(2), (V{0, 1}));
    EXPECT_EQ(p.deps(3), V{2});
}

// The synthetic model: dim 2048, 4 layers, GQA 16/4, vocab 32000 (label long).
#include <gtest/gtest.h>

#include "h5_read.h"
#include "run_process.h"
#include "synthetic_model.h"

TEST(SyntheticModelLong, Dim2048On6Chips)
{
    e2e::TempDir tmp;
    const synth::Shape s{2048, 5632, 4, 16, 4, 32000, 64};
    ASSERT_TRUE(synth::write_checkpoint(tmp.file("model.bin"), s, 2048));
    ASSERT_TRUE(synth::write_tokenizer(tmp.file("tok.bin"), s.vocab));
    ASSERT_TRUE(synth::write_run(tmp.file("run.cfg"), std::string(HTX_SOURCE_DIR) + "/configs/cards/htx301.cfg", s, 4));
    // tolerances ~2x the relative errors of the kernels' own synthetic test at this shape
    for (auto f : {std::make_pair("fp32", 1e-5), std::make_pair("int8", 2e-2), std::make_pair("int4", 0.33)}) {
        const std::string out = tmp.file(std::string(f.first) + ".h5");
        auto r = e2e::run({"run", tmp.file("run.cfg"), "--out", out, "--quiet", "--set",
                           std::string("workload.weight_format=") + f.first});
        ASSERT_EQ(r.exit_code, 0) << r.out;
        h5test::File h(out);
        const double rel = h.scalar("/functional/mean_abs_logit_error") / h.scalar("/functional/reference_logit_rms");
        EXPECT_LT(rel, f.second) << f.first;
        std::printf("synthetic dim 2048, %-5s relative mean logit error %.3g\n", f.first, rel);
    }
}

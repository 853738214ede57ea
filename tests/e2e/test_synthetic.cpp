// Seeded synthetic Llama-shaped models through the simulated card in
// functional mode, against the independent reference, per weight format.
#include <gtest/gtest.h>

#include "h5_read.h"
#include "run_process.h"
#include "synthetic_model.h"

namespace {

struct FormatTolerance {
    const char *format;
    double max_rel_mean_err;  // mean |card - reference| logit / RMS of the reference logits
};

// Tolerances: about twice what each format measured on this model (weight-only
// quantization, fp32 activations and KV cache): fp32 7.9e-7, bf16 3.2e-3, int8 7.1e-3,
// fp8_e4m3 5.4e-2, int4-g32 0.126, mxfp4 0.201 (dim 512, 6 chips, 8 steps).
const FormatTolerance kFormats[] = {
    {"fp32", 1e-5}, {"bf16", 7e-3}, {"int8", 1.5e-2}, {"fp8_e4m3", 0.11}, {"int4", 0.25}, {"mxfp4", 0.4},
};

void check_model(const synth::Shape &shape, int steps, int chips, const std::vector<FormatTolerance> &formats)
{
    e2e::TempDir tmp;
    ASSERT_TRUE(synth::write_checkpoint(tmp.file("model.bin"), shape, 1234));
    ASSERT_TRUE(synth::write_tokenizer(tmp.file("tok.bin"), shape.vocab));
    ASSERT_TRUE(synth::write_run(tmp.file("run.cfg"), std::string(HTX_SOURCE_DIR) + "/configs/cards/htx301.cfg",
                                 shape, steps));
    for (const auto &f : formats) {
        const std::string out = tmp.file(std::string(f.format) + ".h5");
        auto r = e2e::run({"run", tmp.file("run.cfg"), "--out", out, "--quiet", "--set",
                           "card.chips=" + std::to_string(chips), "--set",
                           std::string("workload.weight_format=") + f.format});
        ASSERT_EQ(r.exit_code, 0) << f.format << ": " << r.out;
        h5test::File h(out);
        const double rms = h.scalar("/functional/reference_logit_rms");
        ASSERT_GT(rms, 0.0);
        const double rel = h.scalar("/functional/mean_abs_logit_error") / rms;
        EXPECT_LT(rel, f.max_rel_mean_err) << f.format;
        std::printf("synthetic dim %d, %d chips, %-9s relative mean logit error %.3g, top-1 %.3f\n", shape.dim,
                    chips, f.format, rel, h.scalar("/functional/top1_agreement"));
    }
}

// dim 512 with 8 heads / 2 KV heads on 6 chips (uneven), 3 x 64 x 64 tiles per matrix
TEST(SyntheticModel, MatchesTheReferenceOnTheCardPerFormat)
{
    check_model({512, 1376, 2, 8, 2, 2048, 64}, 8, 6, std::vector<FormatTolerance>(std::begin(kFormats), std::end(kFormats)));
}

}  // namespace

#include "chip_functional.h"

#include <cstring>
#include <stdexcept>

extern "C" {
#include "htx_attention.h"
#include "htx_gemm.h"
#include "htx_quant.h"
#include "htx_vector.h"
}

namespace htx {

namespace {
size_t elem_bytes(htx_format f) { return htx_format_element_bits(f) / 8; }

void check(htx_status st, const htx_err &err, const char *what)
{
    if (st == HTX_OK) return;
    char buf[HTX_ERR_MSG_MAX + 64];
    throw std::runtime_error(std::string(what) + ": " + htx_err_format(&err, buf, sizeof buf));
}
}  // namespace

FunctionalChip::FunctionalChip(const htx_run_cfg &cfg, const htx_plan *plan, int chip)
    : cfg_(cfg),
      m_(cfg.model),
      chip_(chip),
      chips_(htx_plan_chip_stage(plan, chip).chips),
      rank_(htx_plan_chip_stage(plan, chip).rank),
      batch_(cfg.workload.batch),
      shard_(htx_plan_chip_shard(plan, chip)),
      hd_(cfg.model.head_dim)
{
    const size_t B = static_cast<size_t>(batch_), dim = static_cast<size_t>(m_.dim);
    embed_row_bytes_ = elem_bytes(cfg.workload.act_format) * dim;
    tokens_.assign(B, 0);
    x_.assign(B * dim, 0.0f);
    xb_.assign(B * dim, 0.0f);
    qkv_.assign(B * static_cast<size_t>((shard_.nq + 2 * shard_.nkv) * hd_), 0.0f);
    att_.assign(B * static_cast<size_t>(shard_.nq * hd_), 0.0f);
    part_.assign(B * dim, 0.0f);
    h_.assign(B * 2 * static_cast<size_t>(shard_.nf), 0.0f);
    logits_.assign(B * static_cast<size_t>(shard_.nv), 0.0f);
    pairs_.assign(static_cast<size_t>(chips_) * B * 2, 0.0f);
    const size_t max_pos = static_cast<size_t>(cfg.workload.context + cfg.workload.steps);
    scores_.assign(max_pos, 0.0f);
    const size_t row = static_cast<size_t>(shard_.nkv * hd_) * elem_bytes(cfg.workload.kv_format);
    kbuf_.reserve(max_pos * row);
    entry_.assign(2 * row, 0);
}

void FunctionalChip::begin_step(const std::vector<int> &tokens, int pos)
{
    tokens_ = tokens;
    pos_ = pos;
}

std::vector<float> FunctionalChip::weights_f32(const uint8_t *data, size_t n) const
{
    std::vector<float> w(n);
    for (size_t i = 0; i < n; i++) w[i] = htx_quant_element(cfg_.workload.act_format, data, i);
    return w;
}

void FunctionalChip::gemv(const htx_op &op, const uint8_t *data, const float *x, size_t x_stride, float *y)
{
    htx_err err;
    htx_err_clear(&err);
    // the kernel takes a dense (batch, cols) input; gather when x is strided
    std::vector<float> xin;
    const float *xp = x;
    if (x_stride != op.cols) {
        xin.resize(static_cast<size_t>(op.batch) * op.cols);
        for (size_t b = 0; b < op.batch; b++) std::memcpy(&xin[b * op.cols], x + b * x_stride, op.cols * sizeof(float));
        xp = xin.data();
    }
    check(htx_gemm(op.format, cfg_.workload.weight_group, data, op.read_bytes, op.rows, op.cols, xp, op.batch, y,
                   &err),
          err, op.tag);
}

void FunctionalChip::compute(const htx_op &op, const uint8_t *data, const uint8_t *embed_rows)
{
    const size_t B = static_cast<size_t>(batch_), dim = static_cast<size_t>(m_.dim);
    const size_t nq = static_cast<size_t>(shard_.nq), nkv = static_cast<size_t>(shard_.nkv);
    const size_t hd = static_cast<size_t>(hd_), nf = static_cast<size_t>(shard_.nf);
    const size_t qkv_w = (nq + 2 * nkv) * hd;
    const float eps = static_cast<float>(m_.norm_eps);
    const std::string tag = op.tag;
    htx_err err;
    htx_err_clear(&err);

    switch (op.kind) {
    case HTX_OP_EMBED:
        for (size_t b = 0; b < B; b++)
            for (size_t i = 0; i < dim; i++)
                x_[b * dim + i] = htx_quant_element(cfg_.workload.act_format, embed_rows + b * embed_row_bytes_, i);
        return;
    case HTX_OP_NORM: {
        const std::vector<float> w = weights_f32(data, dim);
        for (size_t b = 0; b < B; b++) htx_rmsnorm(&xb_[b * dim], &x_[b * dim], w.data(), dim, eps);
        return;
    }
    case HTX_OP_GEMV:
        if (tag == "wqkv") gemv(op, data, xb_.data(), dim, qkv_.data());
        else if (tag == "wo") gemv(op, data, att_.data(), nq * hd, part_.data());
        else if (tag == "ffn_up") gemv(op, data, xb_.data(), dim, h_.data());
        else if (tag == "ffn_down") {
            // gate (first nf of each 2nf row) holds silu(gate) * up after the activation
            gemv(op, data, h_.data(), 2 * nf, part_.data());
        } else if (tag == "classifier") gemv(op, data, xb_.data(), dim, logits_.data());
        else throw std::runtime_error("functional mode has no semantics for GEMV '" + tag + "'");
        return;
    case HTX_OP_ROPE:
        for (size_t b = 0; b < B; b++) {
            float *q = &qkv_[b * qkv_w];
            htx_rope(q, nq * hd, hd, pos_, static_cast<float>(m_.rope_theta));
            htx_rope(q + nq * hd, nkv * hd, hd, pos_, static_cast<float>(m_.rope_theta));
        }
        return;
    case HTX_OP_ATTENTION: {
        const size_t b = static_cast<size_t>(op.seq);
        const size_t row = nkv * hd * elem_bytes(cfg_.workload.kv_format);
        const size_t n_old = op.read_bytes / (2 * row);  // earlier positions, streamed from memory
        const size_t n_pos = n_old + 1;                   // + this step's entry, still on chip
        kbuf_.resize(n_pos * row);
        vbuf_.resize(n_pos * row);
        for (size_t p = 0; p < n_old; p++) {  // entries are K row | V row
            std::memcpy(kbuf_.data() + p * row, data + p * 2 * row, row);
            std::memcpy(vbuf_.data() + p * row, data + p * 2 * row + row, row);
        }
        const uint8_t *entry = kv_entry(op);  // the same bytes the KV append wrote
        std::memcpy(kbuf_.data() + n_old * row, entry, row);
        std::memcpy(vbuf_.data() + n_old * row, entry + row, row);
        htx_attn_shape s{hd_, m_.n_heads / m_.n_kv_heads, shard_.q0, shard_.nq, shard_.kv0, shard_.nkv,
                         cfg_.workload.kv_format};
        check(htx_attention(&s, &qkv_[b * qkv_w], kbuf_.data(), vbuf_.data(), static_cast<int>(n_pos),
                            scores_.data(), &att_[b * nq * hd], &err),
              err, "attention");
        return;
    }
    case HTX_OP_ACTIVATION:
        for (size_t b = 0; b < B; b++) {
            float *gate = &h_[b * 2 * nf];
            if (m_.activation == HTX_ACT_GELU) {
                htx_gelu(gate, nf);
                for (size_t i = 0; i < nf; i++) gate[i] *= gate[nf + i];
            } else {
                htx_swiglu(gate, gate + nf, nf);
            }
        }
        return;
    case HTX_OP_RESIDUAL:
        htx_add(x_.data(), part_.data(), B * dim);
        return;
    case HTX_OP_ARGMAX:
        for (size_t b = 0; b < B; b++) {
            const size_t i = htx_argmax(&logits_[b * static_cast<size_t>(shard_.nv)], static_cast<size_t>(shard_.nv));
            float *pair = &pairs_[(static_cast<size_t>(rank_) * B + b) * 2];
            pair[0] = logits_[b * static_cast<size_t>(shard_.nv) + i];
            pair[1] = static_cast<float>(shard_.v0 + static_cast<int>(i));
        }
        return;
    case HTX_OP_KV_APPEND:
    case HTX_OP_ALLREDUCE:
    case HTX_OP_ALLGATHER:
        return;  // handled by kv_entry() and the collectives
    default:
        throw std::runtime_error(std::string("functional mode has no semantics for op '") +
                                 htx_op_kind_name(op.kind) + "'");
    }
}

const uint8_t *FunctionalChip::kv_entry(const htx_op &op)
{
    const size_t b = static_cast<size_t>(op.seq);
    const size_t nq = static_cast<size_t>(shard_.nq), nkv = static_cast<size_t>(shard_.nkv);
    const size_t hd = static_cast<size_t>(hd_), qkv_w = (nq + 2 * nkv) * hd;
    const size_t row = nkv * hd * elem_bytes(cfg_.workload.kv_format);
    htx_err err;
    htx_err_clear(&err);
    const float *k = &qkv_[b * qkv_w + nq * hd];
    check(htx_quant_vector(cfg_.workload.kv_format, k, nkv * hd, entry_.data(), &err), err, "kv append");
    check(htx_quant_vector(cfg_.workload.kv_format, k + nkv * hd, nkv * hd, entry_.data() + row, &err), err,
          "kv append");
    return entry_.data();
}

void FunctionalChip::set_chosen_tokens(const std::vector<float> &ids)
{
    const size_t B = static_cast<size_t>(batch_);
    if (ids.size() != B) throw std::runtime_error("pipeline: token message of the wrong size");
    for (size_t c = 0; c < static_cast<size_t>(chips_); c++)
        for (size_t b = 0; b < B; b++) {
            pairs_[(c * B + b) * 2] = 0.0f;
            pairs_[(c * B + b) * 2 + 1] = ids[b];
        }
}

std::vector<int> FunctionalChip::chosen_tokens() const
{
    const size_t B = static_cast<size_t>(batch_);
    std::vector<int> out(B);
    for (size_t b = 0; b < B; b++) {
        // the largest value wins; ties go to the lowest vocabulary index (as htx_argmax)
        float best = pairs_[b * 2];
        int best_idx = static_cast<int>(pairs_[b * 2 + 1]);
        for (int c = 1; c < chips_; c++) {
            const float *pair = &pairs_[(static_cast<size_t>(c) * B + b) * 2];
            if (pair[0] > best || (pair[0] == best && static_cast<int>(pair[1]) < best_idx)) {
                best = pair[0];
                best_idx = static_cast<int>(pair[1]);
            }
        }
        out[b] = best_idx;
    }
    return out;
}

}  // namespace htx

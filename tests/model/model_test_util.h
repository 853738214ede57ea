// Helpers shared by the model tests: paths, HF import with gtest failures,
// a direct libconfig reader of configs/models/*.cfg, field-by-field comparison.
#pragma once

#include <string>
#include <vector>

extern "C" {
#include "hf_import.h"
#include "htx_model.h"
}

namespace htxtest {

const std::string kSourceDir = HTX_SOURCE_DIR;
const std::string kSharedData = HTX_SHARED_DATA_DIR;

std::string hf_path(const std::string &model);   // tests/data/hf/<model>.json
std::string cfg_path(const std::string &model);  // configs/models/<model>.cfg
std::string err_text(const htx_err &e);

// The models with a Hugging Face config.json under tests/data/hf/.
const std::vector<std::string> &hf_models();

// Import tests/data/hf/<model>.json; adds a gtest failure and returns false on error.
bool import_hf(const std::string &model, htx_model *out);

// Read a model file with libconfig directly (independent of sim/config): every
// htx_model field by its own name; absent keys are 0 / false / "" except
// moe_layer_freq (1), n_kv_heads (n_heads) and head_dim (dim / n_heads) for
// GQA, the schema's documented defaults.  Returns "" or an error text.
std::string read_cfg(const std::string &path, htx_model *out);

// Field-by-field differences ("n_layers: 61 vs 60"), `source` excluded; "" if equal.
std::string model_diff(const htx_model &a, const htx_model &b);

}  // namespace htxtest

// config_test_util.h — temp-dir fixture and text helpers for the config tests.
#pragma once

#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "htx_config.h"

namespace htxtest {

std::string read_text(const std::string &path);
void write_text(const std::string &path, const std::string &text);
// Replace the first occurrence of `from` (which must exist) by `to`.
std::string replace_once(const std::string &text, const std::string &from, const std::string &to);
// 1-based line of the first occurrence of `needle` (which must exist).
int line_of(const std::string &text, const std::string &needle);
std::string format_err(const htx_err &e);

// A fresh mkdtemp directory with cards/, runs/, models/ holding a copy of the
// shipped htx301 card (cards/card.cfg) and a small valid run (runs/run.cfg)
// that includes it and decodes stories260k.
class ConfigDir : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;
    std::string dir;
    std::string card_text;   // shipped htx301.cfg text
    std::string run_text;    // runs/run.cfg text
    std::string card_path() const { return dir + "/cards/card.cfg"; }
    std::string run_path() const { return dir + "/runs/run.cfg"; }
    // Load `path` expecting failure; returns the error.
    htx_err load_fail(const std::string &path, const std::vector<std::string> &ov = {});
    htx_status load(const std::string &path, const std::vector<std::string> &ov, htx_run_cfg *cfg, htx_err *err);
};

}  // namespace htxtest

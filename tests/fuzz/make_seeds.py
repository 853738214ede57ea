#!/usr/bin/env python3
"""make_seeds.py SOURCE_DIR SHARED_DATA_DIR OUT_DIR — seed corpora for the
libFuzzer harnesses, one folder per target under OUT_DIR, made from the shipped
configs, tests/data and the shared reference data (read in place, copied only
into the build tree).  Folders are recreated on every run."""
import glob
import os
import shutil
import struct
import sys


def put(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def copy_glob(out, target, pattern):
    for p in sorted(glob.glob(pattern)):
        with open(p, "rb") as f:
            put(out, target, os.path.basename(p), f.read())


def tiny_checkpoint(vocab_sign):
    # llama2.c version-0 layout (see workloads/checkpoint/htx_checkpoint.h)
    dim, hidden, layers, heads, kv_heads, vocab, seq = 8, 16, 1, 2, 2, 8, 4
    head = dim // heads
    kv_dim = head * kv_heads
    n = (vocab * dim + layers * dim + layers * dim * dim + 2 * layers * kv_dim * dim + layers * dim * dim
         + layers * dim + 3 * layers * hidden * dim + dim + 2 * seq * head // 2)
    if vocab_sign < 0:
        n += vocab * dim
    hdr = struct.pack("<7i", dim, hidden, layers, heads, kv_heads, vocab_sign * vocab, seq)
    return hdr + b"".join(struct.pack("<f", ((i * 37) % 19 - 9) / 16.0) for i in range(n))


def main():
    src, shared, out = sys.argv[1:4]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    cfg = os.path.join(src, "configs")
    copy_glob(out, "fuzz_run_cfg", os.path.join(cfg, "runs", "*.cfg"))
    copy_glob(out, "fuzz_model_cfg", os.path.join(cfg, "models", "*.cfg"))
    copy_glob(out, "fuzz_dram_spec", os.path.join(cfg, "memory", "*.cfg"))
    copy_glob(out, "fuzz_power_spec", os.path.join(cfg, "power", "*.cfg"))
    copy_glob(out, "fuzz_hf_config", os.path.join(src, "tests", "data", "hf", "*.json"))
    overrides = [
        "card.chips=8", "model=llama-3.1-8b\nworkload.weight_format=int8", "workload.batch=16",
        "workload.context=131072\nworkload.steps=2", "sim.mode=\"functional\"", "card.memory.channels=4",
        "workload.kv_format=fp8", "model=deepseek-v3\nworkload.steps=1", "sim.seed=12345678901",
    ]
    for i, o in enumerate(overrides):
        put(out, "fuzz_overrides", "set%02d" % i, o.encode())
    traces = {
        "dramsim3": "# DRAMSim3\n0x1f40 READ 0\n0x2f40 WRITE 12\n0x1f80 READ 40\n",
        "ramulator": "LD 0x1f40\nST 0x12345680\nLD 8192\n",
        "htxsim": "0 R 0x0 64\n1000 W 0x40000 128\n2000 R 0x7fffffc0 64\n",
    }
    for name, text in traces.items():
        put(out, "fuzz_mem_trace", name, text.encode())
    put(out, "fuzz_checkpoint", "tiny_shared.bin", tiny_checkpoint(1))
    put(out, "fuzz_checkpoint", "tiny_untied.bin", tiny_checkpoint(-1))
    tok = os.path.join(shared, "stories260K", "tok512.bin")
    if os.path.exists(tok):
        with open(tok, "rb") as f:
            put(out, "fuzz_tokenizer", "tok512", struct.pack("<H", 512) + f.read())
    # two-token vocabulary: max_len 2, "a" (score 0.5), "<0x41>" (score -1)
    small = struct.pack("<i", 6) + struct.pack("<fi", 0.5, 1) + b"a" + struct.pack("<fi", -1.0, 6) + b"<0x41>"
    put(out, "fuzz_tokenizer", "two", struct.pack("<H", 2) + small)
    sweep_seeds(out, src)
    trace_csv_seeds(out, shared)


# Sweep specs: the shipped ones, plus each spec feature on its own (base
# "../runs/default.cfg" resolves in the harness's scratch folder).
SWEEPS = {
    "range_and_list": 'sweep = { name = "r"; base = "../runs/default.cfg"; set = ["workload.steps=1"];\n'
                      '  axes = ( { key = "card.memory.channels"; from = 8; to = 32; step = 8; },\n'
                      '           { key = "card.chips"; values = [4, 6, 8]; } ); };\n',
    "zip_label_derived": 'sweep = { base = "../runs/default.cfg";\n'
                         '  axes = ( { zip = ( { key = "card.memory.spec"; values = ["lpddr5x-8533", "lpddr5x-10667"]; },\n'
                         '                     { key = "@data_rate_mtps"; values = [8533, 10667]; } ); },\n'
                         '           { key = "card.chips"; values = [6, 8]; } );\n'
                         '  derived = ( { name = "peak_bw_gb_s"; product = ["@data_rate_mtps", "card.chips"];\n'
                         '                scale = 0.002; units = "GB/s"; description = "MT/s x 2 bytes x chips"; },\n'
                         '              { name = "x"; product = ["card.chips"]; scale = 2.0; key = "workload.batch"; } ); };\n',
    "strings_bools_floats": 'sweep = { base = "../runs/default.cfg";\n'
                            '  axes = ( { key = "workload.weight_format"; values = ["int4", "int8"]; },\n'
                            '           { key = "workload.teacher_forcing"; values = [true, false]; },\n'
                            '           { key = "card.chip.clock_mhz"; values = [800.0, 1000.5]; },\n'
                            '           { key = "sim.seed"; values = [1L, 9000000000L]; } ); };\n',
    "model_axis": 'sweep = { name = "models"; base = "../runs/default.cfg"; set = ["workload.steps=1", "card.chips=8"];\n'
                  '  axes = ( { key = "model"; values = ["llama-3.1-8b", "llama-3.1-70b"]; } ); };\n',
    "float_range": 'sweep = { base = "../runs/default.cfg";\n'
                   '  axes = ( { key = "card.link.lane_gbps"; from = 8.0; to = 32.0; step = 8.0; } ); };\n',
}


def sweep_seeds(out, src):
    copy_glob(out, "fuzz_sweep_spec", os.path.join(src, "configs", "sweeps", "*.cfg"))
    for name, text in SWEEPS.items():
        put(out, "fuzz_sweep_spec", name + ".cfg", text.encode())


# Azure LLM inference trace CSVs: the first rows of the shared 2023 traces,
# plus small hand-written ones (fractions, equal timestamps, CRLF).  The HDF5
# trace seeds are written by fuzz_trace_seeds (the real writer).
def trace_csv_seeds(out, shared):
    for name in ("AzureLLMInferenceTrace_code.csv", "AzureLLMInferenceTrace_conv.csv"):
        p = os.path.join(shared, "azure-llm-2023", name)
        if os.path.exists(p):
            with open(p, "rb") as f:
                put(out, "fuzz_trace", name[:-4] + "_head.csv", b"".join(f.readlines()[:40]))
    put(out, "fuzz_trace", "small.csv",
        b"TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9799600,4808,10\n"
        b"2023-11-16 18:17:03.9799600,12,1\n2023-11-16 18:17:05,300,44\n")
    for name, data in structured_traces().items():
        put(out, "fuzz_trace", name, data)
    put(out, "fuzz_trace", "crlf.csv",
        b"TIMESTAMP,ContextTokens,GeneratedTokens\r\n2024-02-29 23:59:59.5,1,1\r\n2024-03-01 00:00:00,2,3\r\n")


# 'T' inputs of fuzz_trace: a trace spelled out field by field (layout in
# fuzz_trace.c), valid so that fuzzing starts from traces that round-trip.
def structured_trace(requests, steps, times=None, routing=None):
    b = b"T" + struct.pack("<B", len(requests))
    for arrival, prompt, output, admit, first in requests:
        b += struct.pack("<qiiqq", arrival, prompt, output, admit, first)
    b += struct.pack("<BB", len(steps), (1 if times else 0) | (2 if routing else 0))
    for s, entries in enumerate(steps):
        b += struct.pack("<B", len(entries))
        for seq, ctx, tok in entries:
            b += struct.pack("<iii", seq, ctx, tok)
        if times:
            b += struct.pack("<qq", *times[s])
    if routing:
        layers, top_k, n_exp, experts = routing
        b += struct.pack("<BBi", layers, top_k, n_exp)
        b += b"".join(struct.pack("<i", x) for x in experts)
    return b


def structured_traces():
    timed = structured_trace([(0, 4, 3, 0, 1500000), (1000000, 2, 2, -1, -1)],
                             [[(0, 4, 17)], [(0, 5, 5), (1, 2, 9)]],
                             times=[(2000000, 500000), (2500000, 600000)])
    fixed = structured_trace([(0, 8, 3, -1, -1)] * 2, [[(0, 8, -1), (1, 8, -1)], [(0, 9, -1), (1, 9, -1)]])
    # 3 entries x 2 layers x top-2 of 8 experts, distinct within a row
    routed = structured_trace([(0, 16, 2, -1, -1)] * 3, [[(0, 16, -1), (1, 16, -1), (2, 16, -1)]],
                              routing=(2, 2, 8, [0, 1, 2, 3, 4, 5, 6, 7, 1, 0, 3, 2]))
    requests_only = structured_trace([(0, 100, 10, -1, -1), (250000000, 37, 1, -1, -1)], [])
    return {"timed.T": timed, "fixed.T": fixed, "routed.T": routed, "requests.T": requests_only}


if __name__ == "__main__":
    main()

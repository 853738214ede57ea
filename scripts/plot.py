#!/usr/bin/python3
"""plot.py — review plots of one htxsim result file (schema: docs/results-schema.md).

Usage: plot.py RESULT.h5 [-o OUTDIR]

Writes PNGs next to RESULT.h5 (or into OUTDIR) and prints their paths, one a
line.  Panels whose data is absent from the file are skipped:
  <stem>_latency.png  per-token latency over decode steps (/tokens, /summary)
  <stem>_memory.png   memory bytes per chip, weights + KV stacked (/plan)
  <stem>_power.png    power over simulated time (/power)
  <stem>_mem_bw.png   per-chip memory bandwidth utilisation
                      (/stats/chip<N>/mem/{bytes_read,bytes_written,ch<M>/busy_ps})
Exit status: 0 on success, 2 when the file is missing or not a readable
result file.
"""
import argparse
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import numpy as np  # noqa: E402

try:
    import h5py  # noqa: E402
except ImportError:  # pragma: no cover - environment problem
    sys.stderr.write("plot.py: the h5py module is required (apt install python3-h5py)\n")
    sys.exit(2)

PS_PER_MS = 1e9
GIB = float(1 << 30)


class ResultError(Exception):
    """The result file cannot be used; the message says why."""


def text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == ():
        return text(v[()])
    return str(v)


def meta_attr(f, name, default="?"):
    meta = f.get("meta")
    if meta is None or name not in meta.attrs:
        return default
    return text(meta.attrs[name])


def title_suffix(f):
    run = meta_attr(f, "run_name")
    model = meta_attr(f, "model")
    card = meta_attr(f, "card")
    return f"{run} — {model} on {card}"


def dataset(f, path):
    """The array at path, or None when absent or not a dataset."""
    obj = f.get(path)
    if obj is None or not isinstance(obj, h5py.Dataset):
        return None
    return obj[()]


def scalar(f, path):
    v = dataset(f, path)
    if v is None:
        return None
    return float(np.asarray(v).reshape(-1)[0]) if np.asarray(v).size else None


def save(fig, out_dir, stem, name):
    path = os.path.join(out_dir, f"{stem}_{name}.png")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_latency(f, out_dir, stem):
    step = dataset(f, "tokens/step")
    lat = dataset(f, "tokens/latency_ps")
    if step is None or lat is None or len(lat) == 0 or len(step) != len(lat):
        return None
    seq = dataset(f, "tokens/sequence")
    lat_ms = np.asarray(lat, dtype=float) / PS_PER_MS
    mean_ms = float(lat_ms.mean())
    tps = scalar(f, "summary/tokens_per_s")
    if tps is None:
        sim_ps = scalar(f, "summary/simulated_time_ps")
        tps = len(lat) / (sim_ps * 1e-12) if sim_ps else float("nan")
    fig, ax = plt.subplots(figsize=(9, 4.5))
    step = np.asarray(step)
    steps = np.unique(step)
    n_seq = len(np.unique(seq)) if seq is not None and len(seq) == len(lat) else 1
    if n_seq > 1:
        # Batched decode: per-step mean over the sequences, min-max band.
        lo = np.array([lat_ms[step == s].min() for s in steps])
        hi = np.array([lat_ms[step == s].max() for s in steps])
        mid = np.array([lat_ms[step == s].mean() for s in steps])
        ax.fill_between(steps, lo, hi, step="mid", alpha=0.25, color="tab:blue",
                        label=f"min-max over {n_seq} sequences")
        ax.plot(steps, mid, marker=".", linewidth=0.8, color="tab:blue", label="mean over sequences")
    else:
        ax.plot(step, lat_ms, marker=".", linewidth=0.8, color="tab:blue", label="token")
    ax.axhline(mean_ms, color="black", linestyle="--", linewidth=1, label=f"mean {mean_ms:.3f} ms")
    p99 = scalar(f, "summary/ms_per_token_p99")
    if p99 is not None:
        ax.axhline(p99, color="tab:red", linestyle=":", linewidth=1, label=f"p99 {p99:.3f} ms")
    ax.legend(fontsize="small")
    ax.set_xlabel("decode step")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("token latency [ms]")
    top = max(float(lat_ms.max()), p99 if p99 is not None else 0.0)
    ax.set_ylim(0, 1.12 * top if top > 0 else 1.0)
    ax.grid(True, alpha=0.3)
    ax.set_title(f"Per-token latency: mean {mean_ms:.3f} ms, {tps:.2f} tokens/s\n{title_suffix(f)}")
    return save(fig, out_dir, stem, "latency")


def plot_memory(f, out_dir, stem):
    w = dataset(f, "plan/weight_bytes")
    kv = dataset(f, "plan/kv_bytes")
    if w is None and kv is None:
        return None
    n = len(w) if w is not None else len(kv)
    if n == 0:
        return None
    w = np.zeros(n) if w is None else np.asarray(w, dtype=float)
    kv = np.zeros(n) if kv is None else np.asarray(kv, dtype=float)
    cap = dataset(f, "plan/capacity_bytes")
    chips = np.arange(n)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.bar(chips, w / GIB, label="weights", color="tab:blue")
    ax.bar(chips, kv / GIB, bottom=w / GIB, label="KV cache", color="tab:orange")
    if cap is not None and len(cap) == n:
        cap = np.asarray(cap, dtype=float)
        ax.scatter(chips, cap / GIB, marker="_", s=900, color="black", linewidths=2, label="capacity", zorder=3)
        for c in chips:
            ax.annotate(f"{100.0 * (w[c] + kv[c]) / cap[c]:.0f}%", (c, (w[c] + kv[c]) / GIB),
                        ha="center", va="bottom", fontsize="small")
    ax.set_xticks(chips)
    ax.set_xticklabels([f"chip {c}" for c in chips])
    ax.set_ylabel("memory [GiB]")
    ax.set_ylim(bottom=0)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    total = (w.sum() + kv.sum()) / GIB
    ax.set_title(f"Memory placed per chip ({total:.1f} GiB in all)\n{title_suffix(f)}")
    return save(fig, out_dir, stem, "memory")


def plot_power(f, out_dir, stem):
    grp = f.get("power")
    if grp is None or not isinstance(grp, h5py.Group) or "time_ps" not in grp:
        return None
    t = np.asarray(grp["time_ps"][()], dtype=float)
    cols = [k for k in grp.keys() if k != "time_ps" and isinstance(grp[k], h5py.Dataset)
            and grp[k].shape == t.shape]
    if len(t) == 0 or not cols:
        return None
    fig, ax = plt.subplots(figsize=(9, 4.5))
    t_ms = t / PS_PER_MS

    def order(k):  # card totals last, chips in numeric order
        m = re.search(r"(\d+)", k)
        return (k.startswith("total"), int(m.group(1)) if m else -1, k)

    for k in sorted(cols, key=order):
        units = text(grp[k].attrs.get("units", "W"))
        y = np.asarray(grp[k][()], dtype=float)
        if units == "mW":
            y = y / 1e3
        bold = k.startswith("total") or k.startswith("card")
        ax.step(t_ms, y, where="post", linewidth=2.0 if bold else 1.0, label=k,
                alpha=0.35 if bold and len(t) > 1 else 1.0)
        if bold and len(t) > 1:
            # the bins (10 us) swing with each op's DRAM traffic; the 1 ms mean is
            # what a regulator and the 1 ms peak figure see
            bin_ms = (t_ms[-1] - t_ms[0]) / (len(t) - 1)
            w = max(1, int(round(1.0 / bin_ms))) if bin_ms > 0 else 1
            if 1 < w < len(y):
                mean = np.convolve(y, np.ones(w) / w, mode="valid")
                ax.plot(t_ms[w - 1:], mean, color="black", linewidth=1.5, label=f"{k}, 1 ms mean")
    ax.set_xlabel("simulated time [ms]")
    ax.set_ylabel("power [W]")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", ncol=2)
    avg = scalar(f, "summary/avg_power_w")
    peak = scalar(f, "summary/peak_power_w")
    extra = ""
    if avg is not None and peak is not None:
        extra = f": average {avg:.1f} W, peak {peak:.1f} W"
    ax.set_title(f"Power over time{extra}\n{title_suffix(f)}")
    return save(fig, out_dir, stem, "power")


def chip_memory_stats(f):
    """[(chip, bytes, busy_ps_per_channel list)] from /stats/chip<N>/mem."""
    stats = f.get("stats")
    if stats is None or not isinstance(stats, h5py.Group):
        return []
    rows = []
    for name in stats.keys():
        m = re.fullmatch(r"chip(\d+)", name)
        if not m or "mem" not in stats[name]:
            continue
        mem = stats[name]["mem"]
        if not isinstance(mem, h5py.Group):
            continue
        nbytes = 0.0
        have_bytes = False
        for k in ("bytes_read", "bytes_written"):
            if k in mem and isinstance(mem[k], h5py.Dataset):
                nbytes += float(mem[k][()])
                have_bytes = True
        busy = []
        for ch in mem.keys():
            if re.fullmatch(r"ch\d+", ch) and isinstance(mem[ch], h5py.Group) and "busy_ps" in mem[ch]:
                busy.append(float(mem[ch]["busy_ps"][()]))
        if have_bytes and busy:
            rows.append((int(m.group(1)), nbytes, busy))
    return sorted(rows)


def plot_mem_bw(f, out_dir, stem):
    rows = chip_memory_stats(f)
    sim_ps = scalar(f, "summary/simulated_time_ps")
    if not rows or not sim_ps:
        return None
    chips = np.array([r[0] for r in rows])
    util = np.array([sum(r[2]) / (len(r[2]) * sim_ps) for r in rows])
    gbps = np.array([r[1] / (sim_ps * 1e-12) / 1e9 for r in rows])
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.bar(chips, 100.0 * util, color="tab:green")
    for c, u, g in zip(chips, util, gbps):
        ax.annotate(f"{100 * u:.1f}%\n{g:.1f} GB/s", (c, 100 * u), ha="center", va="bottom", fontsize="small")
    ax.set_xticks(chips)
    ax.set_xticklabels([f"chip {c}" for c in chips])
    ax.set_ylabel("memory data-bus busy [% of simulated time]")
    ax.set_ylim(0, 115)
    ax.grid(True, axis="y", alpha=0.3)
    # busy time is counted at the channel rate of the memory model in use: with the
    # calibrated model that is the sustained rate, so 100% = the calibrated ceiling
    fidelity = str(f["fidelity"].attrs.get("memory", "")) if "fidelity" in f else ""
    basis = fidelity.split(":")[0].strip() or "memory model"
    rate = {"calibrated": "calibrated sustained channel rate", "first-order": "spec peak channel rate",
            "exact": "spec data rate of every issued DRAM burst"}.get(
        basis, f"{basis} channel timing")
    ax.set_title("Memory bandwidth utilisation per chip (mean over channels; label: achieved GB/s)\n"
                 f"busy time at the {rate} — {title_suffix(f)}", fontsize="medium")
    return save(fig, out_dir, stem, "mem_bw")


PANELS = (plot_latency, plot_memory, plot_power, plot_mem_bw)


def main(argv):
    ap = argparse.ArgumentParser(description="Plot one htxsim result file.")
    ap.add_argument("result", help="result file (HDF5) written by htxsim")
    ap.add_argument("-o", "--outdir", help="directory for the PNGs (default: next to the file)")
    args = ap.parse_args(argv)

    if not os.path.isfile(args.result):
        sys.stderr.write(f"plot.py: {args.result}: no such file\n")
        return 2
    out_dir = args.outdir or os.path.dirname(os.path.abspath(args.result))
    stem = os.path.splitext(os.path.basename(args.result))[0]
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        sys.stderr.write(f"plot.py: cannot create output directory {out_dir}: {e.strerror}\n")
        return 2
    try:
        f = h5py.File(args.result, "r")
    except OSError as e:
        sys.stderr.write(f"plot.py: {args.result}: not a readable HDF5 result file ({e})\n")
        return 2
    written = []
    with f:
        for panel in PANELS:
            try:
                path = panel(f, out_dir, stem)
            except (KeyError, ValueError, TypeError, IndexError, OSError) as e:
                sys.stderr.write(f"plot.py: {args.result}: malformed data for {panel.__name__[5:]}: {e}\n")
                return 2
            if path:
                written.append(path)
    if not written:
        sys.stderr.write(f"plot.py: {args.result}: no plottable data (/tokens, /plan, /power, /stats)\n")
    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

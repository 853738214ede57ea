#!/usr/bin/python3
"""Figures of an htxsim design-space sweep (the file `htxsim sweep` merges).

Usage as a program:  scripts/sweep_plots.py SWEEP.h5 [-o OUTDIR]   (one PNG per figure)
Used as a module by scripts/report.  Dependencies: h5py, numpy, matplotlib only.

The sweep file (docs/sweeps.md): /sweep/points/<column> one row per point,
/sweep/columns the column order; each point's own result file is named by the
`file` column (relative to the sweep file) for per-point data (power trace,
token latencies, power components).
"""
import argparse
import os
import sys

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BUDGET_W = 240.0  # htx301 product description: ~240 W card


class Sweep:
    """The merged table as numpy columns, plus access to the point files."""

    def __init__(self, path):
        self.path = path
        self.dir = os.path.dirname(os.path.abspath(path))
        with h5py.File(path, "r") as f:
            g = f["sweep/points"]
            self.name = f["sweep"].attrs["name"]
            self.columns = [c.decode() if isinstance(c, bytes) else c for c in f["sweep/columns"][:]]
            self.col = {}
            self.units = {}
            self.kind = {}
            for c in self.columns:
                d = g[c]
                v = d[:]
                if v.dtype.kind in "OS":
                    v = np.array([x.decode() if isinstance(x, bytes) else str(x) for x in v], dtype=object)
                self.col[c] = v
                self.units[c] = d.attrs.get("units", "")
                self.kind[c] = d.attrs.get("kind", "")
        self.n = len(self.col["point"])
        self.ok = self.col["status"] == "ok"
        self.params = [c for c in self.columns if self.kind[c] == "parameter"]

    def has(self, c):
        return c in self.col and (self.col[c].dtype.kind != "f" or np.any(np.isfinite(self.col[c][self.ok])))

    def numeric(self, c):
        return c in self.col and self.col[c].dtype.kind in "if"

    def point_file(self, i):
        return os.path.join(self.dir, self.col["file"][i])

    def label(self, i, skip=()):
        """Short description of point i by its swept parameters."""
        parts = []
        for p in self.params:
            if p in skip:
                continue
            v = self.col[p][i]
            parts.append(f"{short(p)}={v}")
        return ", ".join(parts)


def short(key):
    """card.memory.channels -> channels; keeps labels readable."""
    names = {"card.chips": "chips", "card.memory.channels": "ch/chip", "card.memory.spec": "memory",
             "workload.weight_format": "weights", "card.chip.clock_mhz": "clock MHz", "workload.batch": "batch",
             "data_rate_mtps": "MT/s", "model": "model"}
    return names.get(key, key.split(".")[-1])


def axis_label(key, units=""):
    pretty = {"card.chips": "chips per card", "card.memory.channels": "memory channels per chip",
              "card.memory.spec": "memory spec", "card.chip.clock_mhz": "chip clock [MHz]",
              "data_rate_mtps": "memory data rate [MT/s]", "workload.batch": "batch (sequences)"}
    if key in pretty:
        return pretty[key]
    return f"{key} [{units}]" if units and units not in ("1", "text") else key


def group_key(s, exclude):
    """The parameter that best separates series: most distinct values among the rest (<= 8)."""
    best, nbest = None, 1
    for p in s.params:
        if p in exclude:
            continue
        k = len(set(s.col[p][s.ok]))
        if 1 < k <= 8 and k > nbest:
            best, nbest = p, k
    return best


def sorted_values(v):
    vals = list(set(v))
    try:
        return sorted(vals, key=float)
    except (TypeError, ValueError):
        return sorted(vals, key=str)

MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def scatter_groups(ax, s, x, y, ms=6):
    """Scatter finished points: color by the parameter that best separates
    series, marker shape by the next one; legend entries for each."""
    ok = s.ok
    g = group_key(s, ())
    g2 = group_key(s, (g,)) if g else None
    gv = sorted_values(s.col[g][ok]) if g else [None]
    g2v = sorted_values(s.col[g2][ok]) if g2 else [None]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for a, va in enumerate(gv):
        for b, vb in enumerate(g2v):
            m = ok.copy()
            if g:
                m &= s.col[g] == va
            if g2:
                m &= s.col[g2] == vb
            if np.any(m):
                ax.plot(x[m], y[m], MARKERS[b % len(MARKERS)], color=colors[a % len(colors)], ms=ms, alpha=0.85,
                        ls="none")
    for a, va in enumerate(gv):
        ax.plot([], [], "o", color=colors[a % len(colors)], label=f"{short(g)} = {va}" if g else "points")
    if g2:
        for b, vb in enumerate(g2v):
            ax.plot([], [], MARKERS[b % len(MARKERS)], color="0.4", ls="none", label=f"{short(g2)} = {vb}")


def per_step(s, c):
    steps = s.col["steps"] if s.has("steps") else np.ones(s.n)
    return s.col[c] / steps


# ----------------------------------------------------------------------------- figures
# Each returns a matplotlib Figure, or None with a reason when the sweep lacks the data.

def fig_tps_vs_bandwidth(s):
    if not (s.has("mem_bw_peak_bytes_per_s") and s.has("tokens_per_s")):
        return None, "needs mem_bw_peak_bytes_per_s and tokens_per_s"
    ok = s.ok
    bw = s.col["mem_bw_peak_bytes_per_s"] / 1e9
    tps = s.col["tokens_per_s"]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    scatter_groups(ax, s, bw, tps)
    # bandwidth-bound roofline: every decode step moves its bytes through memory
    # at peak bandwidth, tokens/s <= B * tokens_per_step / bytes_per_step.
    if s.has("mem_bytes") and s.has("tokens"):
        bytes_step = per_step(s, "mem_bytes")
        tok_step = per_step(s, "tokens")
        gb_tok = bytes_step[ok] / tok_step[ok] / 1e9  # GB moved per generated token
        # one roofline per cluster of bytes/token within 5% (drawn at the cluster's
        # smallest bytes/token: an upper bound for every point of the cluster)
        clusters = []
        for v in np.sort(gb_tok):
            if clusters and v <= clusters[-1][0] * 1.05:
                continue
            clusters.append((v,))
        x = np.linspace(0, np.nanmax(bw[ok]) * 1.1, 200)
        styles = ["--", ":", "-.", (0, (5, 1))]
        for k, (v,) in enumerate(clusters[:4]):
            ax.plot(x, x / v, color="0.3", ls=styles[k % 4], lw=1.2,
                    label=f"bandwidth roofline: {v:.1f} GB moved per token")
        if len(clusters) > 4:
            ax.text(0.01, 0.01, f"{len(clusters)} bytes/token clusters: 4 rooflines drawn", transform=ax.transAxes)
    ax.set_xlim(0, np.nanmax(bw[ok]) * 1.1)
    ax.set_ylim(0, np.nanmax(tps[ok]) * 1.25)
    ax.set_xlabel("card peak memory bandwidth [GB/s]")
    ax.set_ylabel("decode throughput [tokens/s]")
    ax.set_title("Tokens/s vs memory bandwidth, with the bandwidth-bound roofline")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return fig, None


def fig_tps_vs_chips(s):
    if "card.chips" not in s.col or not s.has("tokens_per_s"):
        return None, "the sweep does not vary card.chips"
    ok = s.ok
    fig, ax = plt.subplots(figsize=(8, 5.5))
    g = group_key(s, ("card.chips",))
    others = [p for p in s.params if p not in ("card.chips", g)]
    groups = sorted_values(s.col[g][ok]) if g else [None]
    for gv in groups:
        m = ok & ((s.col[g] == gv) if g else True)
        chips = sorted_values(s.col["card.chips"][m])
        # several points per chip count when other axes vary: show the best and the spread
        best = [np.nanmax(s.col["tokens_per_s"][m & (s.col["card.chips"] == c)]) for c in chips]
        worst = [np.nanmin(s.col["tokens_per_s"][m & (s.col["card.chips"] == c)]) for c in chips]
        line, = ax.plot(chips, best, "o-", label=f"{short(g)} = {gv}" if g else "points")
        if others and any(b != w for b, w in zip(best, worst)):
            ax.fill_between(chips, worst, best, color=line.get_color(), alpha=0.12)
    ax.set_xlabel("chips per card")
    ax.set_ylabel("decode throughput [tokens/s]")
    title = "Tokens/s vs chip count"
    if others:
        title += f"\n(line: best over {', '.join(short(o) for o in others)}; band: range)"
    ax.set_title(title)
    ax.set_ylim(0, np.nanmax(s.col["tokens_per_s"][ok]) * 1.15)
    ax.set_xticks(sorted_values(s.col["card.chips"][ok]))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig, None


def fig_tokens_per_joule(s):
    if not s.has("tokens_per_j"):
        return None, "no tokens_per_j (power model off)"
    ok = s.ok
    x = "mem_bw_peak_bytes_per_s" if s.has("mem_bw_peak_bytes_per_s") else None
    fig, ax = plt.subplots(figsize=(8, 5.5))
    xs = s.col[x] / 1e9 if x else np.arange(s.n, dtype=float)
    scatter_groups(ax, s, xs, s.col["tokens_per_j"])
    ax.set_xlim(0, np.nanmax(xs[ok]) * 1.08)
    ax.set_xlabel("card peak memory bandwidth [GB/s]" if x else "point index")
    ax.set_ylabel("energy efficiency [tokens/J]")
    ax.set_ylim(0, np.nanmax(s.col["tokens_per_j"][ok]) * 1.15)
    ax.set_title("Tokens per joule")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig, None


def read_breakdown(path):
    """Mean W per component kind (summed over chips) of one point file."""
    out = {}
    with h5py.File(path, "r") as f:
        if "power/components" not in f or "power/time_ps" not in f:
            return out
        t = f["power/time_ps"][:].astype(float)
        if len(t) == 0:
            return out
        dt = np.diff(t, append=t[-1] + (t[-1] - t[-2] if len(t) > 1 else 1.0))
        for name, d in f["power/components"].items():
            kind = name.split(".", 1)[1] if name.startswith("chip") and "." in name else name
            w = float(np.sum(d[:] * dt) / np.sum(dt))
            out[kind] = out.get(kind, 0.0) + w
    return out


def fig_power_breakdown(s, max_points=40):
    idx = [i for i in range(s.n) if s.ok[i]]
    if not idx:
        return None, "no finished points"
    if len(idx) > max_points:  # keep bars legible: evenly spaced subset, stated in the title
        idx = [idx[k] for k in np.linspace(0, len(idx) - 1, max_points).astype(int)]
    rows = [read_breakdown(s.point_file(i)) for i in idx]
    kinds = []
    for r in rows:
        for k in r:
            if k not in kinds:
                kinds.append(k)
    if not kinds:
        return None, "point files have no /power/components"
    kinds.sort(key=lambda k: -np.mean([r.get(k, 0) for r in rows]))
    fig, ax = plt.subplots(figsize=(max(8, 0.32 * len(idx) + 3), 6))
    bottom = np.zeros(len(idx))
    cmap = plt.get_cmap("tab20")
    for k, kind in enumerate(kinds):
        v = np.array([r.get(kind, 0.0) for r in rows])
        ax.bar(range(len(idx)), v, bottom=bottom, color=cmap(k % 20), label=kind, width=0.8)
        bottom += v
    if s.has("avg_power_w"):
        ax.plot(range(len(idx)), s.col["avg_power_w"][idx], "k_", ms=12, mew=2, label="avg_power_w (summary)")
    ax.axhline(BUDGET_W, color="red", lw=1, ls="--", label=f"{BUDGET_W:.0f} W budget")
    ax.set_xticks(range(len(idx)))
    ax.set_xticklabels([s.col["point"][i] + "  " + "/".join(str(s.col[p][i]) for p in s.params) for i in idx],
                       rotation=90, fontsize=7)
    ax.set_xlabel("sweep point  " + "/".join(short(p) for p in s.params))
    ax.set_ylabel("mean card power [W]")
    ax.set_ylim(0, max(np.max(bottom), BUDGET_W) * 1.12)
    ttl = "Power breakdown by component (mean over the run, summed over chips)"
    if len(idx) < int(np.sum(s.ok)):
        ttl += f"\n{len(idx)} of {int(np.sum(s.ok))} points, evenly spaced"
    ax.set_title(ttl)
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig, None


def representative(s):
    """Up to four points worth a closer look: fastest, most efficient, lowest power, median power."""
    ok = np.nonzero(s.ok)[0]
    if len(ok) == 0:
        return []
    picks = []

    def add(i, why):
        if i not in [p for p, _ in picks]:
            picks.append((int(i), why))

    if s.has("tokens_per_s"):
        add(ok[np.nanargmax(s.col["tokens_per_s"][ok])], "fastest")
    if s.has("tokens_per_j"):
        add(ok[np.nanargmax(s.col["tokens_per_j"][ok])], "most tokens/J")
    if s.has("avg_power_w"):
        w = s.col["avg_power_w"][ok]
        add(ok[np.nanargmin(w)], "lowest power")
        add(ok[np.argsort(w)[len(w) // 2]], "median power")
    return picks


def fig_power_over_time(s):
    picks = representative(s)
    if not picks:
        return None, "no finished points"
    fig, ax = plt.subplots(figsize=(8, 5.5))
    drawn = 0
    for i, why in picks:
        with h5py.File(s.point_file(i), "r") as f:
            if "power/total_w" not in f:
                continue
            t = f["power/time_ps"][:] / 1e9
            w = f["power/total_w"][:]
        ax.step(t, w, where="post", label=f"{s.col['point'][i]} ({why}): {s.label(i)}")
        drawn += 1
    if not drawn:
        plt.close(fig)
        return None, "point files have no /power/total_w"
    ax.axhline(BUDGET_W, color="red", lw=1, ls="--", label=f"{BUDGET_W:.0f} W budget")
    ax.set_xlabel("simulated time [ms]")
    ax.set_ylabel("card power [W]")
    ax.set_ylim(0, None)
    ax.set_ylim(0, max(BUDGET_W, ax.get_ylim()[1]) * 1.25)
    ax.set_title("Card power over time (power-trace bins)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper right")
    return fig, None


def fig_latency_cdf(s):
    picks = representative(s)
    if not picks:
        return None, "no finished points"
    fig, ax = plt.subplots(figsize=(8, 5.5))
    drawn = 0
    for i, why in picks:
        with h5py.File(s.point_file(i), "r") as f:
            if "tokens/latency_ps" not in f:
                continue
            lat = np.sort(f["tokens/latency_ps"][:] / 1e9)
        if len(lat) == 0:
            continue
        y = np.arange(1, len(lat) + 1) / len(lat)
        ax.step(np.concatenate([[lat[0]], lat]), np.concatenate([[0], y]), where="post",
                label=f"{s.col['point'][i]} ({why}, {len(lat)} tokens)")
        drawn += 1
    if not drawn:
        plt.close(fig)
        return None, "point files have no /tokens/latency_ps"
    ax.set_xlabel("per-token latency [ms]")
    ax.set_ylabel("fraction of tokens ≤ latency")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, None)
    ax.set_title("Token latency CDF (empirical; one step per generated token)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return fig, None


def pareto_front(x, y):
    """Indices of points not dominated (lower x and higher y are better), sorted by x."""
    order = np.lexsort((-y, x))
    front, best = [], -np.inf
    for i in order:
        if y[i] > best:
            front.append(i)
            best = y[i]
    return front


def fig_pareto(s):
    if not (s.has("avg_power_w") and s.has("tokens_per_s")):
        return None, "needs avg_power_w (power model) and tokens_per_s"
    ok = np.nonzero(s.ok)[0]
    w = s.col["avg_power_w"][ok]
    t = s.col["tokens_per_s"][ok]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    scatter_groups(ax, s, s.col["avg_power_w"], s.col["tokens_per_s"])
    front = pareto_front(w, t)
    ax.plot(w[front], t[front], "k-", lw=1.5, label="Pareto front")
    for k in front:
        ax.annotate(s.col["point"][ok[k]], (w[k], t[k]), textcoords="offset points", xytext=(4, 4), fontsize=7)
    if s.has("peak_power_1ms_w"):
        pk = s.col["peak_power_1ms_w"][ok]
        ax.plot(pk, t, "x", color="0.5", ms=4, label="same points at 1 ms peak power")
    ax.axvline(BUDGET_W, color="red", ls="--", lw=1.2, label=f"{BUDGET_W:.0f} W card budget")
    xmax = max(np.nanmax(w), BUDGET_W, np.nanmax(s.col["peak_power_1ms_w"][ok]) if s.has("peak_power_1ms_w") else 0)
    ax.set_xlim(0, xmax * 1.1)
    ax.set_ylim(0, np.nanmax(t) * 1.15)
    ax.set_xlabel("average card power [W]")
    ax.set_ylabel("decode throughput [tokens/s]")
    ax.set_title("Tokens/s vs watts: Pareto front and the 240 W line")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    return fig, None


def fig_heatmap(s, metric="tokens_per_s"):
    if not s.has(metric):
        return None, f"no {metric}"
    cand = [p for p in s.params if len(set(s.col[p][s.ok])) > 1]
    if len(cand) < 2:
        return None, "needs two swept parameters"
    # numeric axes first (they read as a grid), then the ones with more values
    cand.sort(key=lambda p: (not s.numeric(p), -len(set(s.col[p][s.ok]))))
    a, b = cand[0], cand[1]
    rest = [p for p in cand[2:]]
    facets = [()]
    if rest:
        combos = sorted({tuple(s.col[p][i] for p in rest) for i in np.nonzero(s.ok)[0]},
                        key=lambda t: tuple((0, float(x), "") if isinstance(x, (int, float, np.number))
                                            else (1, 0.0, str(x)) for x in t))
        facets = combos if len(combos) <= 4 else [None]
    ncol = len(facets)
    fig, axes = plt.subplots(1, ncol, figsize=(5.2 * ncol + 1.5, 5), squeeze=False, sharey=True)
    xs, ys = sorted_values(s.col[a][s.ok]), sorted_values(s.col[b][s.ok])
    vmax = np.nanmax(s.col[metric][s.ok])
    im = None
    for k, fc in enumerate(facets):
        ax = axes[0][k]
        z = np.full((len(ys), len(xs)), np.nan)
        for i in np.nonzero(s.ok)[0]:
            if fc not in ((), None) and tuple(s.col[p][i] for p in rest) != fc:
                continue
            r, c = ys.index(s.col[b][i]), xs.index(s.col[a][i])
            v = s.col[metric][i]
            z[r, c] = v if np.isnan(z[r, c]) else max(z[r, c], v)
        im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=vmax)
        for r in range(len(ys)):
            for c in range(len(xs)):
                if np.isfinite(z[r, c]):
                    ax.text(c, r, f"{z[r, c]:.3g}", ha="center", va="center", fontsize=8,
                            color="white" if z[r, c] < 0.6 * vmax else "black")
        ax.set_xticks(range(len(xs)))
        ax.set_xticklabels([str(x) for x in xs])
        ax.set_yticks(range(len(ys)))
        if k == 0:
            ax.set_yticklabels([str(y) for y in ys])
        ax.set_xlabel(axis_label(a, s.units.get(a, "")))
        if k == 0:
            ax.set_ylabel(axis_label(b, s.units.get(b, "")))
        if fc is None:
            ax.set_title(f"best over {', '.join(short(p) for p in rest)}", fontsize=9)
        elif fc:
            ax.set_title(", ".join(f"{short(p)}={v}" for p, v in zip(rest, fc)), fontsize=9)
    cb = fig.colorbar(im, ax=axes[0].tolist())
    cb.set_label(f"{metric} [{s.units.get(metric, '')}]")
    fig.suptitle(f"{metric} over {short(a)} x {short(b)} (color scale from 0)")
    return fig, None


FIGURES = [
    ("tps_vs_bandwidth", "Tokens/s vs memory bandwidth", fig_tps_vs_bandwidth),
    ("tps_vs_chips", "Tokens/s vs chip count", fig_tps_vs_chips),
    ("tokens_per_joule", "Tokens per joule", fig_tokens_per_joule),
    ("power_breakdown", "Power breakdown", fig_power_breakdown),
    ("power_over_time", "Power over time", fig_power_over_time),
    ("latency_cdf", "Latency CDF", fig_latency_cdf),
    ("pareto_240w", "Tokens/s vs watts, Pareto front", fig_pareto),
    ("heatmap", "Heat map over two axes", fig_heatmap),
]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep", help="merged sweep file (DIR/sweep.h5 of htxsim sweep)")
    ap.add_argument("-o", "--outdir", default=None, help="directory for the PNGs (default: next to the sweep file)")
    a = ap.parse_args(argv)
    s = Sweep(a.sweep)
    out = a.outdir or os.path.join(s.dir, "plots")
    os.makedirs(out, exist_ok=True)
    for key, _, fn in FIGURES:
        fig, why = fn(s)
        if fig is None:
            print(f"{key}: skipped ({why})")
            continue
        p = os.path.join(out, key + ".png")
        fig.savefig(p, dpi=110, bbox_inches="tight")
        plt.close(fig)
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())

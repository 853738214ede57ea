"""Helpers shared by the sweep end-to-end tests (local runner and Slurm)."""
import os
import subprocess

import h5py
import numpy as np


def write_spec(path, base, axes, sets=("workload.steps=1",)):
    """A small sweep spec: `axes` is a list of (key, [values])."""
    def lit(v):
        return f'"{v}"' if isinstance(v, str) else str(v)
    lines = ["sweep = {", f'  base = "{base}";',
             "  set = [" + ", ".join(f'"{s}"' for s in sets) + "];", "  axes = ("]
    lines.append(",\n".join(f'    {{ key = "{k}"; values = [{", ".join(lit(v) for v in vs)}]; }}' for k, vs in axes))
    lines += ["  );", "};", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path


def read_table(path):
    """/sweep/points as {column: list}, in /sweep/columns order, with units."""
    with h5py.File(path, "r") as f:
        cols = [c.decode() if isinstance(c, bytes) else c for c in f["sweep/columns"][:]]
        table, units = {}, {}
        for c in cols:
            v = f["sweep/points"][c][:]
            if v.dtype.kind in "OS":
                v = [x.decode() if isinstance(x, bytes) else x for x in v]
            else:
                v = v.tolist()
            table[c] = v
            units[c] = f["sweep/points"][c].attrs["units"]
    return cols, table, units


def same_table(a, b, skip=("error",)):
    """Compare two read_table() results exactly (NaN == NaN); returns a list of differences."""
    diffs = []
    if a[0] != b[0]:
        diffs.append(f"columns differ: {a[0]} vs {b[0]}")
    for c in a[0]:
        if c in skip or c not in b[1]:
            continue
        x, y = a[1][c], b[1][c]
        if len(x) != len(y):
            diffs.append(f"{c}: {len(x)} vs {len(y)} rows")
            continue
        for i, (u, v) in enumerate(zip(x, y)):
            if isinstance(u, float) and isinstance(v, float) and np.isnan(u) and np.isnan(v):
                continue
            if u != v:
                diffs.append(f"{c}[{i}]: {u!r} vs {v!r}")
    return diffs


def run(cmd, env=None, check=True, **kw):
    e = dict(os.environ)
    if env:
        e.update(env)
    r = subprocess.run(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} -> {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r

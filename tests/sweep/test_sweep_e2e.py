#!/usr/bin/python3
"""End-to-end tests of `htxsim sweep` (local runner, merge, resume) and scripts/report.

usage: test_sweep_e2e.py --sweep-bin PATH --htxsim PATH --source DIR --work DIR [unittest args]
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep_testlib import read_table, run, same_table, write_spec  # noqa: E402

ARGS = None
AXES = [("card.chips", [4, 6, 8]), ("card.memory.channels", [8, 16])]  # 6 points


def sweep_cmd(spec, out, *extra):
    return [ARGS.sweep_bin, "sweep", spec, "--out", out] + list(extra)


class SweepE2E(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = os.path.join(ARGS.work, "e2e")
        shutil.rmtree(cls.work, ignore_errors=True)
        os.makedirs(cls.work)
        cls.env = {"HTXSIM_BIN": ARGS.htxsim}
        cls.spec = write_spec(os.path.join(cls.work, "small.cfg"),
                              os.path.join(ARGS.source, "configs/runs/default.cfg"), AXES)
        # the uninterrupted reference run, shared by the tests
        cls.ref_dir = os.path.join(cls.work, "ref")
        cls.ref = run(sweep_cmd(cls.spec, cls.ref_dir, "-j", "2"), env=cls.env)

    def test_small_sweep_merged_table(self):
        self.assertIn("merged 6 ok, 0 failed, 0 missing", self.ref.stdout)
        self.assertEqual(self.ref.stderr, "", "quiet when stderr is not a terminal")
        cols, t, units = read_table(os.path.join(self.ref_dir, "sweep.h5"))
        self.assertEqual(cols[:6], ["point", "status", "error", "file", "card.chips", "card.memory.channels"])
        self.assertEqual(t["point"], [f"p{i:04d}" for i in range(6)])
        self.assertEqual(t["status"], ["ok"] * 6)
        # grid order: last axis fastest
        self.assertEqual(t["card.chips"], [4, 4, 6, 6, 8, 8])
        self.assertEqual(t["card.memory.channels"], [8, 16] * 3)
        for m, u in [("tokens_per_s", "tokens/s"), ("avg_power_w", "W"), ("mem_bw_peak_bytes_per_s", "bytes/s"),
                     ("ms_per_token_p99", "ms"), ("tokens_per_j", "tokens/J")]:
            self.assertIn(m, t)
            self.assertEqual(units[m], u)
            self.assertTrue(all(v > 0 for v in t[m]), m)
        # more channels -> more bandwidth -> more tokens/s at every chip count
        for i in range(0, 6, 2):
            self.assertGreater(t["tokens_per_s"][i + 1], t["tokens_per_s"][i])
        # values equal the point files', reachable through the external links
        with h5py.File(os.path.join(self.ref_dir, "sweep.h5"), "r") as f:
            for i, p in enumerate(t["point"]):
                self.assertEqual(f[f"sweep/runs/{p}/summary/tokens_per_s"][()], t["tokens_per_s"][i])
                self.assertEqual(t["file"][i], f"points/{p}.h5")

    def test_existing_dir_needs_resume_and_resume_runs_nothing(self):
        r = run(sweep_cmd(self.spec, self.ref_dir, "-j", "2"), env=self.env, check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--resume", r.stderr)
        r = run(sweep_cmd(self.spec, self.ref_dir, "-j", "2", "--resume"), env=self.env)
        self.assertIn("6 done before, 0 ran ok, 0 failed", r.stdout)

    def test_kill_and_resume(self):
        out = os.path.join(self.work, "killed")
        shutil.rmtree(out, ignore_errors=True)
        pts = os.path.join(out, "points")
        e = dict(os.environ, **self.env)
        p = subprocess.Popen(sweep_cmd(self.spec, out, "-j", "2"), env=e, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline:
            done = [f for f in os.listdir(pts) if f.endswith(".h5")] if os.path.isdir(pts) else []
            if len(done) >= 2:
                break
            time.sleep(0.02)
        p.send_signal(signal.SIGKILL)
        p.wait()
        time.sleep(1.0)  # children die with the runner: nothing may appear after this
        before = {f: os.stat(os.path.join(pts, f)).st_ino for f in os.listdir(pts) if f.endswith(".h5")}
        self.assertGreaterEqual(len(before), 2)
        self.assertLess(len(before), 6, "the kill came too late to test resuming")
        time.sleep(1.0)
        after_wait = sorted(f for f in os.listdir(pts) if f.endswith(".h5"))
        self.assertEqual(sorted(before), after_wait, "a point finished after its sweep was killed")
        # merging a half-done sweep lists the rest as missing
        r = run(sweep_cmd(self.spec, out, "--merge-only"), env=self.env, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"merged {len(before)} ok, 0 failed, {6 - len(before)} missing", r.stdout)
        _, t, _ = read_table(os.path.join(out, "sweep.h5"))
        self.assertEqual(sorted(p for p, s in zip(t["point"], t["status"]) if s == "ok"),
                         sorted(f[:-3] for f in before))
        r = run(sweep_cmd(self.spec, out, "-j", "2", "--resume"), env=self.env)
        self.assertIn(f"{len(before)} done before, {6 - len(before)} ran ok, 0 failed", r.stdout)
        # points finished before the kill were not run again (same files)
        for f, ino in before.items():
            self.assertEqual(os.stat(os.path.join(pts, f)).st_ino, ino, f)
        names = sorted(os.listdir(pts))
        self.assertEqual([n for n in names if n.endswith(".h5")], [f"p{i:04d}.h5" for i in range(6)])
        self.assertEqual([n for n in names if n.endswith(".err")], [])
        a = read_table(os.path.join(self.ref_dir, "sweep.h5"))
        b = read_table(os.path.join(out, "sweep.h5"))
        self.assertEqual(same_table(a, b, skip=()), [])

    def test_failed_point_recorded_sweep_continues(self):
        # a wrapper htxsim that fails the 6-chip points with a message on stderr
        fake = os.path.join(self.work, "flaky-htxsim")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\ncase \"$*\" in *card.chips=6*) echo 'injected failure: six chips' >&2; exit 3;; esac\n"
                    f"exec '{ARGS.htxsim}' \"$@\"\n")
        os.chmod(fake, 0o755)
        out = os.path.join(self.work, "flaky")
        shutil.rmtree(out, ignore_errors=True)
        r = run(sweep_cmd(self.spec, out, "-j", "2"), env={"HTXSIM_BIN": fake}, check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("4 ran ok, 2 failed", r.stdout)
        cols, t, _ = read_table(os.path.join(out, "sweep.h5"))
        self.assertEqual(t["status"], ["ok", "ok", "failed", "failed", "ok", "ok"])
        self.assertIn("exit status 3", t["error"][2])
        self.assertIn("injected failure: six chips", t["error"][2])
        self.assertTrue(t["tokens_per_s"][2] != t["tokens_per_s"][2])  # NaN
        # resume keeps the recorded failures; --retry-failed runs them again
        r = run(sweep_cmd(self.spec, out, "--resume"), env=self.env, check=False)
        self.assertIn("4 done before, 0 ran ok, 2 failed", r.stdout)
        r = run(sweep_cmd(self.spec, out, "--resume", "--retry-failed"), env=self.env)
        self.assertIn("4 done before, 2 ran ok, 0 failed", r.stdout)
        self.assertEqual(same_table(read_table(os.path.join(self.ref_dir, "sweep.h5")),
                                    read_table(os.path.join(out, "sweep.h5"))), [])

    def test_interrupted_point_is_not_a_failure(self):
        # a point killed by SIGTERM (Ctrl-C, scancel) stops the sweep without recording a failure
        fake = os.path.join(self.work, "term-htxsim")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\ncase \"$*\" in *card.chips=6*) kill -TERM $$;; esac\n"
                    f"exec '{ARGS.htxsim}' \"$@\"\n")
        os.chmod(fake, 0o755)
        out = os.path.join(self.work, "term")
        shutil.rmtree(out, ignore_errors=True)
        r = run(sweep_cmd(self.spec, out, "-j", "2"), env={"HTXSIM_BIN": fake}, check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("interrupted; run again with --resume", r.stderr)
        names = os.listdir(os.path.join(out, "points"))
        self.assertEqual([n for n in names if n.endswith(".err")], [])
        self.assertNotIn("p0004.h5", names, "no point starts after the interruption")
        run(sweep_cmd(self.spec, out, "-j", "2", "--resume"), env=self.env)
        self.assertEqual(same_table(read_table(os.path.join(self.ref_dir, "sweep.h5")),
                                    read_table(os.path.join(out, "sweep.h5")), skip=()), [])

    def test_bad_spec_runs_nothing(self):
        spec = write_spec(os.path.join(self.work, "bad.cfg"), os.path.join(ARGS.source, "configs/runs/default.cfg"),
                          [("card.chips", [4, 0])])
        out = os.path.join(self.work, "bad")
        r = run(sweep_cmd(spec, out), env=self.env, check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn(f"{spec}:5: card.chips: point p0001", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "points")))

    def test_slurm_scripts_written(self):
        out = os.path.join(self.work, "slurm-scripts")
        shutil.rmtree(out, ignore_errors=True)
        r = run(sweep_cmd(self.spec, out, "--slurm", "--no-submit", "--array-max", "4", "--partition", "debug"),
                env=self.env)
        with open(os.path.join(out, "slurm", "array.sbatch")) as f:
            a = f.read()
        self.assertIn("#SBATCH --array=0-2\n", a)  # 6 points, at most 4 tasks -> chunks of 2 -> 3 tasks
        self.assertIn("#SBATCH --partition=debug\n", a)
        self.assertIn("--points \"$first-$last\"", a)
        self.assertIn("first=$((SLURM_ARRAY_TASK_ID * 2))", a)
        with open(os.path.join(out, "slurm", "merge.sbatch")) as f:
            self.assertIn("--merge-only", f.read())
        self.assertIn("not submitted", r.stdout)

    def test_report_html_and_pdf(self):
        sweep = os.path.join(self.ref_dir, "sweep.h5")
        html = os.path.join(self.work, "review.html")
        run(["/usr/bin/python3", os.path.join(ARGS.source, "scripts/report"), sweep, "-o", html])
        with open(html) as f:
            text = f.read()
        self.assertEqual(text.count("src='data:image/png;base64,"), 8, "eight embedded figures")
        self.assertNotIn("not drawn", text)
        self.assertIn("Fastest points within 240 W", text)
        self.assertIn("<td>p0005</td>", text)
        pdf = os.path.join(self.work, "review.pdf")
        run(["/usr/bin/python3", os.path.join(ARGS.source, "scripts/report"), sweep, "-o", pdf])
        with open(pdf, "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"%PDF"))
        self.assertGreaterEqual(data.count(b"/Type /Page\n") + data.count(b"/Type /Page "), 10)
        r = run(["/usr/bin/python3", os.path.join(ARGS.source, "scripts/report"), sweep, "-o", "x.txt"], check=False)
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sweep-bin", required=True)
    ap.add_argument("--htxsim", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)

#!/usr/bin/python3
"""The Slurm backend for real: a single-node Slurm cluster (munge, slurmctld,
slurmd from Debian's slurm-wlm; ProctrackType=proctrack/linuxproc,
TaskPlugin=task/none, no cgroups) runs an 8-point sweep through sbatch (job
array + dependent merge job); the merged table must equal the local runner's.

Exits 77 (ctest: skipped) with a message when the daemons are not installed
(`apt-get install slurm-wlm munge`) or the test is not run as root.

usage: test_sweep_slurm.py --sweep-bin PATH --htxsim PATH --source DIR --work DIR
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep_testlib import read_table, run, same_table, write_spec  # noqa: E402

SKIP = 77
PORT_CTLD, PORT_SLURMD = 16817, 16818  # away from the default 6817/6818 of a real cluster


def skip(msg):
    print(f"SKIPPED: {msg}")
    sys.exit(SKIP)


def which(*names):
    for n in names:
        for d in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] + os.environ.get("PATH", "").split(":"):
            p = os.path.join(d, n)
            if os.access(p, os.X_OK):
                yield n, p
                break
        else:
            yield n, None


def wait_for(pred, timeout, what):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if pred():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sweep-bin", required=True)
    ap.add_argument("--htxsim", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()

    tools = dict(which("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scontrol"))
    missing = [n for n, p in tools.items() if not p]
    if missing:
        skip(f"Slurm/munge not installed ({', '.join(missing)} missing; apt-get install slurm-wlm munge)")
    if os.geteuid() != 0:
        skip("the single-node Slurm cluster needs root (slurmd runs jobs as their owner)")
    if not os.path.exists("/etc/munge/munge.key"):
        skip("no /etc/munge/munge.key (the munge package creates it)")

    w = os.path.abspath(a.work)
    shutil.rmtree(w, ignore_errors=True)
    for d in ("state", "spool", "log", "munge"):
        os.makedirs(os.path.join(w, d))
    os.chmod(os.path.join(w, "munge"), 0o700)
    host = socket.gethostname().split(".")[0]
    sock = os.path.join(w, "munge", "munge.sock")
    conf = os.path.join(w, "slurm.conf")
    with open(conf, "w") as f:
        f.write(f"""ClusterName=htxtest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={PORT_CTLD}
SlurmdPort={PORT_SLURMD}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={sock}
CredType=cred/munge
StateSaveLocation={w}/state
SlurmdSpoolDir={w}/spool
SlurmctldPidFile={w}/slurmctld.pid
SlurmdPidFile={w}/slurmd.pid
SlurmctldLogFile={w}/log/slurmctld.log
SlurmdLogFile={w}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
NodeName=htxnode NodeHostname={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} State=UNKNOWN
PartitionName=debug Nodes=htxnode Default=YES MaxTime=INFINITE State=UP
""")
    env = dict(os.environ, SLURM_CONF=conf, HTXSIM_BIN=a.htxsim)
    procs = []
    t0 = time.time()
    try:
        procs.append(subprocess.Popen(
            [tools["munged"], "-F", "--force", f"--socket={sock}", "--key-file=/etc/munge/munge.key",
             f"--pid-file={w}/munge/munged.pid", f"--log-file={w}/log/munged.log", f"--seed-file={w}/munge/seed"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        wait_for(lambda: os.path.exists(sock), 30, "munged's socket")
        procs.append(subprocess.Popen([tools["slurmctld"], "-D", "-i", "-f", conf], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        procs.append(subprocess.Popen([tools["slurmd"], "-D", "-N", "htxnode", "-f", conf], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))

        def node_up():
            r = run([tools["sinfo"], "-h", "-o", "%T"], env=env, check=False)
            return r.returncode == 0 and r.stdout.strip() in ("idle", "mixed", "allocated")
        wait_for(node_up, 60, "the node to come up (see log/slurmctld.log, log/slurmd.log)")
        print(f"single-node Slurm up in {time.time() - t0:.1f} s")

        spec = write_spec(os.path.join(w, "slurm8.cfg"), os.path.join(a.source, "configs/runs/default.cfg"),
                          [("card.chips", [4, 6]), ("card.memory.channels", [8, 12, 16, 24])])
        out = os.path.join(w, "sweep")
        r = run([a.sweep_bin, "sweep", spec, "--out", out, "--slurm", "--partition", "debug", "--array-max", "4"],
                env=env)
        print(r.stdout.strip())
        merge_id = r.stdout.split("merge job ")[1].split()[0]
        t1 = time.time()

        def merged():
            r = run([tools["squeue"], "-h", "-j", merge_id], env=env, check=False)
            return merge_id not in r.stdout and os.path.exists(os.path.join(out, "sweep.h5"))
        wait_for(merged, 300, f"merge job {merge_id} (see {out}/slurm/*.out)")
        print(f"8 points ran and merged through Slurm in {time.time() - t1:.1f} s")
        tasks = sorted(f for f in os.listdir(os.path.join(out, "slurm")) if f.startswith("task-"))
        assert tasks == [f"task-{i}.out" for i in range(4)], tasks

        local = os.path.join(w, "local")
        run([a.sweep_bin, "sweep", spec, "--out", local, "-j", "2"], env=env)
        s, l = read_table(os.path.join(out, "sweep.h5")), read_table(os.path.join(local, "sweep.h5"))
        assert s[1]["status"] == ["ok"] * 8, s[1]["status"]
        diffs = same_table(s, l, skip=())
        assert not diffs, diffs
        print("Slurm table == local table (8 points)")
        return 0
    finally:
        run([tools["scontrol"], "shutdown"], env=env, check=False)
        for p in reversed(procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


if __name__ == "__main__":
    sys.exit(main())

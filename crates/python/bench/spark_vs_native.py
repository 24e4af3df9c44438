"""Figures of the corpus job on Spark against the native `unspun cluster` (#11). Prints; asserts
only that the work happened (never a time).

    # Spark local[2] against `unspun index` + `unspun cluster` on the same inputs:
    python crates/python/bench/spark_vs_native.py local NAME INPUT...
    # a loopback standalone cluster of 1, then 2 one-core workers (a master from spark-class),
    # with the CPU seconds of each worker's processes and of the driver, per stage:
    python crates/python/bench/spark_vs_native.py standalone NAME INPUT... [--workers 1 2] \
        [--uri] [--pin]

`--pin` runs every process of an n-worker run (master, workers, their executors and Python
workers, the driver) on CPUs 0..n-1 (`taskset`): n workers then have n cores, where without it
a 1-worker run's driver and JVM overheads use the machine's other cores for free.

Run it with the Python of a venv holding the wheel and pyspark (`.ci/run` makes
target/python-venv). `--unspun` is the CLI (target/release/unspun). Each figure is one JSON
line with the machine's load (`/proc/loadavg`, 1 minute) at its start and end: the machine
is shared, and its load moves the figures. Outputs go to `--work` (a temporary folder,
removed unless `--keep`).
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
#: Files that differ by design (inputs instead of an index generation; timings).
DIFFERENT_BY_DESIGN = {"run.json", "summary.json"}


def load():
    return float(Path("/proc/loadavg").read_text().split()[0])


def timed(args, **kwargs):
    """Runs `args`; returns (seconds, stdout). Fails loudly on a non-zero exit."""
    started = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)
    secs = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"{args[:4]}...: exit {proc.returncode}\n{proc.stderr[-4000:]}")
    return secs, proc.stdout


def compare(native, spark):
    """Names of the files whose bytes differ (or exist on one side only), by-design ones out."""
    names = {p.name for p in native.iterdir()} | {p.name for p in spark.iterdir()}
    differ = []
    for name in sorted(names - DIFFERENT_BY_DESIGN):
        a, b = native / name, spark / name
        if not (a.is_file() and b.is_file() and a.read_bytes() == b.read_bytes()):
            differ.append(name)
    return differ


def spark_cluster(inputs, out, master, extra=()):
    args = [sys.executable, "-m", "unspun.spark", "cluster", "--master", master,
            "--input", *map(str, inputs), "--out", str(out), *extra]
    secs, stdout = timed(args, env=dict(os.environ, PYSPARK_PYTHON=sys.executable))
    return secs, json.loads(stdout.strip().splitlines()[-1])


def native_cluster(unspun, inputs, work):
    index, out = work / "index", work / "native"
    load_before = load()
    secs_index, _ = timed([unspun, "index", "--index", index, *inputs, "--quiet"])
    secs_cluster, stdout = timed([unspun, "cluster", "--index", index, "--out", out, "--json"])
    summary = json.loads(stdout)
    assert summary["n_docs"] > 0 and (out / "links.jsonl").is_file()
    return {
        "native_index_secs": round(secs_index, 1),
        "native_cluster_secs": round(secs_cluster, 1),
        "native_stages": {s["stage"]: round(s["secs"], 1) for s in summary["stages"]},
        "native_load": [load_before, load()],
        "n_docs": summary["n_docs"],
        "n_links": summary["n_links"],
    }, out


def local(args, work):
    figure = {"figure": "local", "name": args.name}
    native, native_out = native_cluster(args.unspun, args.inputs, work)
    figure.update(native)
    load_before = load()
    secs, printed = spark_cluster(
        args.inputs, work / "spark", "local[2]", ["--driver-memory", args.driver_memory]
    )
    figure.update(
        spark_local2_secs=round(secs, 1),
        driver_memory=args.driver_memory,
        spark_start_secs=printed["secs_spark_start"],
        spark_stages={s["stage"]: round(s["secs"], 1) for s in printed["stages"]},
        spark_load=[load_before, load()],
        n_bad_records=printed["n_bad_records"],
    )
    assert printed["n_docs"] == figure["n_docs"]
    native_total = figure["native_index_secs"] + figure["native_cluster_secs"]
    figure["overhead_vs_cluster"] = round(secs / figure["native_cluster_secs"], 2)
    figure["overhead_vs_index_and_cluster"] = round(secs / native_total, 2)
    figure["files_differing"] = compare(native_out, work / "spark")
    print(json.dumps(figure), flush=True)


#: Clock ticks a second of /proc/PID/stat's CPU times.
TICKS = os.sysconf("SC_CLK_TCK")


def process_tree_cpu(root):
    """CPU seconds (user + system, with those of reaped children) of `root` and every live
    process below it, from /proc: `{"jvm": …, "python": …}` (by the process's name; anything
    else counts as `python`, the driver's and the workers' interpreters)."""
    parents, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                head, tail = f.read().rsplit(")", 1)
            fields = tail.split()
        except OSError:
            continue
        kind = "jvm" if head.split("(", 1)[-1] == "java" else "python"
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (kind, sum(int(x) for x in fields[11:15]) / TICKS)
    total, frontier = {"jvm": 0.0, "python": 0.0}, [root]
    while frontier:
        pid = frontier.pop()
        if pid in cpu:
            kind, secs = cpu[pid]
            total[kind] += secs
        frontier += [p for p, parent in parents.items() if parent == pid]
    return total


class CpuSampler(threading.Thread):
    """Samples, every `period` s, the CPU seconds of each lane (a process tree: each worker
    daemon with its executor and Python workers, the driver) and the 1-minute load."""

    def __init__(self, lanes, period=0.5):
        super().__init__(daemon=True)
        self.lanes, self.period, self.samples = lanes, period, []
        self.done = threading.Event()

    def sample(self):
        self.samples.append(
            (time.monotonic(), {name: process_tree_cpu(pid) for name, pid in self.lanes.items()},
             load())
        )

    def run(self):
        while not self.done.is_set():
            self.sample()
            self.done.wait(self.period)

    def stop(self):
        self.done.set()
        self.join()
        self.sample()

    def at(self, when):
        """Each lane's CPU seconds by the last sample not after `when`: the most any sample
        up to then saw (an executor that exits at the end leaves the tree unreaped, and its
        seconds would drop out)."""
        before = [s for s in self.samples if s[0] <= when] or self.samples[:1]
        return {
            (lane, kind): max(s[1][lane][kind] for s in before)
            for lane in before[-1][1]
            for kind in ("jvm", "python")
        }

    def per_stage(self, windows):
        """`{stage: {lane: cpu seconds}}` and `{stage: {lane: {"jvm": …, "python": …}}}` over
        `[(stage, start, end)]`, and the mean load."""
        out, by_kind = {}, {}
        for stage, start, end in windows:
            a, b = self.at(start), self.at(end)
            kinds = {}
            for (lane, kind), secs in b.items():
                kinds.setdefault(lane, {})[kind] = round(secs - a[(lane, kind)], 1)
            by_kind[stage] = kinds
            out[stage] = {lane: round(sum(k.values()), 1) for lane, k in kinds.items()}
        loads = [s[2] for s in self.samples]
        return out, by_kind, round(sum(loads) / max(1, len(loads)), 1)


def spark_cluster_sampled(inputs, out, master, extra, worker_pids, prefix=()):
    """`spark_cluster`, sampling the CPU of each worker's process tree and of the driver;
    returns (seconds, printed summary, per-stage CPU by lane, mean load)."""
    args = [*prefix, sys.executable, "-m", "unspun.spark", "cluster", "--master", master,
            "--input", *map(str, inputs), "--out", str(out), *extra]
    started = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYSPARK_PYTHON=sys.executable))
    lanes = {f"worker{i}": pid for i, pid in enumerate(worker_pids)}
    lanes["driver"] = proc.pid
    sampler = CpuSampler(lanes)
    sampler.start()
    stdout, stderr = proc.communicate()
    ended = time.monotonic()
    sampler.stop()
    if proc.returncode != 0:
        sys.exit(f"spark cluster: exit {proc.returncode}\n{stderr[-4000:]}")
    printed = json.loads(stdout.strip().splitlines()[-1])
    # The stages run one after the other, from the job's start (the printed `secs` count from
    # the SparkContext's creation, after the imports; its start is `secs_spark_start` later).
    at = ended - printed["secs"] + printed["secs_spark_start"]
    windows = []
    for stage in printed["stages"]:
        windows.append((stage["stage"], at, at + stage["secs"]))
        at += stage["secs"]
    cpu, by_kind, mean_load = sampler.per_stage(windows)
    return ended - started, printed, cpu, by_kind, mean_load


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Standalone:
    """A loopback master and `n_workers` one-core workers (the pip package has no sbin
    scripts: `spark-class` runs the daemons)."""

    def __init__(self, n_workers, work, prefix=()):
        from pyspark.find_spark_home import _find_spark_home

        home = _find_spark_home()
        self.spark_class = str(Path(home) / "bin" / "spark-class")
        self.env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", SPARK_HOME=home)
        self.port, self.ui = free_port(), free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.procs, self.work, self.n_workers = [], work, n_workers
        self.prefix = list(prefix)

    def start(self, name, *args):
        log = open(self.work / f"{name}.log", "w")
        self.procs.append(subprocess.Popen([*self.prefix, self.spark_class, *args], env=self.env,
                                           stdout=log,
                                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))

    def __enter__(self):
        self.start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                   "--port", str(self.port), "--webui-port", str(self.ui))
        for i in range(self.n_workers):
            self.start(f"worker{i}", "org.apache.spark.deploy.worker.Worker", self.url,
                       "--host", "127.0.0.1", "--cores", "1", "--memory", "2g",
                       "--webui-port", "0", "--work-dir", str(self.work / f"work{i}"))
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.ui}/json/", timeout=5) as r:
                    state = json.load(r)
                if sum(w["state"] == "ALIVE" for w in state["workers"]) == self.n_workers:
                    return self
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                sys.exit("the standalone cluster did not come up")
            time.sleep(0.5)

    def __exit__(self, *exc):
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def standalone(args, work):
    if args.reuse_native and (work / "native" / "summary.json").is_file():
        native_out = work / "native"  # an earlier run's, in --work
    else:
        native, native_out = native_cluster(args.unspun, args.inputs, work)
        print(json.dumps({"figure": "native", "name": args.name, **native}), flush=True)
    walls, busiest_sums = {}, {}
    for n_workers in args.workers:
        run = work / f"w{n_workers}"
        shutil.rmtree(run, ignore_errors=True)
        run.mkdir()
        # `taskset` is inherited: executors and Python workers started by a worker stay on its CPUs.
        prefix = ["taskset", "-c", f"0-{n_workers - 1}"] if args.pin else []
        with Standalone(n_workers, run, prefix) as cluster:
            load_before = load()
            inputs = [p.as_uri() for p in args.inputs] if args.uri else args.inputs
            secs, printed, cpu, by_kind, mean_load = spark_cluster_sampled(
                inputs, run / "out", cluster.url,
                # The job starts once every worker's executor is up (standalone's default
                # starts on the first: the read's tasks then crowd on one worker).
                ["--partitions", str(max(4, 2 * n_workers)),
                 "--conf", f"spark.cores.max={n_workers}",
                 "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                 *(arg for setting in args.conf for arg in ("--conf", setting))],
                [p.pid for p in cluster.procs[1:]],
                prefix,
            )
        walls[n_workers] = secs
        # The stage's wall on idle cores is bounded by its busiest lane (a worker or the
        # driver): a figure the other engineers' load moves less than the wall.
        busiest = {stage: max(lanes.values()) for stage, lanes in cpu.items()}
        busiest_sums[n_workers] = busiest
        figure = {
            "figure": "standalone",
            "name": args.name,
            "workers": n_workers,
            "inputs_as": "file:// URIs" if args.uri else "local paths",
            "cpus": f"0-{n_workers - 1}" if args.pin else "all",
            "secs": round(secs, 1),
            "spark_start_secs": printed["secs_spark_start"],
            "stages": {s["stage"]: round(s["secs"], 1) for s in printed["stages"]},
            "load": [load_before, load()],
            "mean_load": mean_load,
            "cpu_secs_by_stage_and_lane": cpu,
            "cpu_secs_by_stage_lane_and_process": by_kind,
            "cpu_secs": round(sum(sum(lanes.values()) for lanes in cpu.values()), 1),
            "busiest_lane_cpu_secs_by_stage": busiest,
            "n_read_tasks": printed.get("n_read_tasks"),
            "n_docs": printed["n_docs"],
            "files_differing": compare(native_out, run / "out"),
        }
        print(json.dumps(figure), flush=True)
    if 1 in walls and 2 in walls:
        one, two = busiest_sums[1], busiest_sums[2]
        print(json.dumps({
            "figure": "scaling", "name": args.name,
            "ratio_1_to_2_workers": round(walls[1] / walls[2], 2),
            "ratio_by_busiest_lane_cpu": round(sum(one.values()) / sum(two.values()), 2),
            "ratio_by_busiest_lane_cpu_by_stage": {
                stage: round(one[stage] / two[stage], 2) if two.get(stage) else None
                for stage in one
            },
        }), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["local", "standalone"])
    parser.add_argument("name")
    parser.add_argument("inputs", nargs="+", type=Path)
    parser.add_argument("--unspun", default=str(REPO / "target" / "release" / "unspun"))
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--uri", action="store_true",
                        help="standalone: give Spark the inputs as file:// URIs (read through "
                        "Hadoop's filesystem layer) instead of local paths")
    parser.add_argument("--pin", action="store_true",
                        help="standalone: run every process of an n-worker run on CPUs 0..n-1 "
                        "(taskset), so that n workers have n cores")
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                        help="standalone: a Spark setting for the job (repeatable)")
    parser.add_argument("--driver-memory", default="4g",
                        help="local[2]: the JVM holding driver and executors (4g)")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse-native", action="store_true",
                        help="standalone: compare with the native output an earlier run left "
                        "in --work instead of running it again")
    args = parser.parse_args()
    args.inputs = [p.resolve() for p in args.inputs]
    work = args.work or Path(tempfile.mkdtemp(prefix="spark-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        {"local": local, "standalone": standalone}[args.command](args, work)
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

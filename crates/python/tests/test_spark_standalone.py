"""A loopback Spark standalone cluster (a master and two one-core workers on 127.0.0.1, started
with `spark-class` from the pip package): one worker and its executor killed with SIGKILL
while `unspun.spark`'s cluster job runs; Spark re-runs the lost tasks and every output file
keeps the bytes of the native `unspun cluster`."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import run_cli


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid):
    """Process ids whose parent chain reaches `pid` (from /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        frontier += kids
    return found


def kill_tree(proc):
    for pid in [*descendants(proc.pid), proc.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=30)


@pytest.fixture
def standalone(tmp_path):
    from pyspark.find_spark_home import _find_spark_home

    spark_class = Path(_find_spark_home()) / "bin" / "spark-class"
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", SPARK_HOME=_find_spark_home())
    port, ui = free_port(), free_port()
    procs = []

    def start(name, *args):
        log = open(tmp_path / f"{name}.log", "w")
        procs.append(subprocess.Popen([str(spark_class), *args], env=env, stdout=log,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))
        return procs[-1]

    url = f"spark://127.0.0.1:{port}"
    try:
        start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
              "--port", str(port), "--webui-port", str(ui))
        workers = [
            start(f"worker{i}", "org.apache.spark.deploy.worker.Worker", url, "--host",
                  "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port", "0",
                  "--work-dir", str(tmp_path / f"work{i}"))
            for i in range(2)
        ]
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json/", timeout=5) as r:
                    state = json.load(r)
                if sum(w["state"] == "ALIVE" for w in state["workers"]) == 2:
                    break
            except (OSError, ValueError):  # not listening yet, or a page still loading
                pass
            assert time.monotonic() < deadline, "the standalone cluster did not come up"
            time.sleep(0.5)
        yield {"url": url, "workers": workers}
    finally:
        for proc in reversed(procs):
            kill_tree(proc)


def test_killed_worker_does_not_change_the_cluster_output(standalone, toy, reuters, tmp_path):
    inputs = [toy["corpus"], reuters["corpus"]]
    index, native = tmp_path / "index", tmp_path / "native"
    run_cli("index", "--index", index, *inputs, "--quiet")
    run_cli("cluster", "--index", index, "--out", native, "--quiet")

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # the driver too: loopback only
    from pyspark import SparkConf, SparkContext

    from unspun.spark import run_cluster

    conf = (
        SparkConf()
        .setMaster(standalone["url"])
        .setAppName("unspun killed worker")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        .set("spark.cores.max", "2")
        # A lost executor's shuffle files are given up on quickly (defaults: 3 retries, 5 s).
        .set("spark.shuffle.io.maxRetries", "1")
        .set("spark.shuffle.io.retryWait", "1s")
    )
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    out = tmp_path / "spark"
    try:
        deadline = time.monotonic() + 120
        # Both executors registered (the driver counts as one more).
        while sc._jsc.sc().getExecutorMemoryStatus().size() < 3:
            assert time.monotonic() < deadline, "executors did not register"
            time.sleep(0.2)
        result, failure = [], []

        def job():
            try:
                # spread_above=0: the documents spread over the partitions whatever the
                # chunks, so that this run covers the spread too.
                result.append(run_cluster(sc, [str(p) for p in inputs], str(out), partitions=4,
                                          spread_above=0))
            except BaseException as e:  # reported by the test thread
                failure.append(e)

        thread = threading.Thread(target=job)
        thread.start()
        tracker = sc.statusTracker()
        # Kill a worker (and its executor) in the middle of the pairs stages: after the job
        # that reads, caches and numbers the documents (job 0), once a task of the reduce by
        # fingerprint's job is done (its shuffle output and the cached records then live on
        # the workers).
        while thread.is_alive():
            stages = [tracker.getStageInfo(s) for s in tracker.getActiveStageIds()]
            started_jobs = len(tracker.getJobIdsForGroup())
            if started_jobs >= 2 and any(s and s.numCompletedTasks >= 1 for s in stages):
                break
            time.sleep(0.05)
        killed_mid_job = thread.is_alive()
        killed_at = time.monotonic()
        kill_tree(standalone["workers"][0])
        thread.join(timeout=600)
        # What Spark re-ran (shown with pytest -s).
        print(f"job finished {time.monotonic() - killed_at:.1f} s after the kill; stages:")
        for job_id in tracker.getJobIdsForGroup():
            info = tracker.getJobInfo(job_id)
            for stage_id in info.stageIds if info else []:
                stage = tracker.getStageInfo(stage_id)
                if stage:
                    print(f"  job {job_id} stage {stage_id} attempt {stage.currentAttemptId}: "
                          f"{stage.numCompletedTasks}/{stage.numTasks} tasks, "
                          f"{stage.numFailedTasks} failed")
        assert not thread.is_alive(), "the job did not finish after the kill"
        assert not failure, failure
    finally:
        sc.stop()
    assert killed_mid_job
    names = sorted(p.name for p in native.iterdir())
    assert sorted(p.name for p in out.iterdir()) == names
    assert "links.jsonl" in names and len(result[0]["publishers"]) > 10
    # The documents were spread over the 4 partitions by DocId ranges (`spread_ranges`)
    # before the pairs stages.
    assert result[0]["n_doc_partitions"] == 4
    # run.json and summary.json differ by design (inputs instead of an index; timings).
    for name in set(names) - {"run.json", "summary.json"}:
        assert (out / name).read_bytes() == (native / name).read_bytes(), name

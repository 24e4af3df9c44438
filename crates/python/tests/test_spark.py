"""`python -m unspun.spark cluster` on Spark local[2] against the native `unspun cluster`."""

import gzip
import itertools
import json
import subprocess
import sys

import unspun

from conftest import SHARED, read_jsonl, run_cli

#: Files whose bytes differ by design: run.json names the inputs instead of the index
#: generation; summary.json has the run's timings, the Spark run's counts of bad records, and
#: `n_pair_records` counts what Spark shuffled (docs/cluster-output.md).
DIFFERENT_BY_DESIGN = {"run.json", "summary.json"}


def spark_cluster(inputs, out, *more):
    return subprocess.run(
        [sys.executable, "-m", "unspun.spark", "cluster", "--master", "local[2]",
         "--input", *map(str, inputs), "--out", str(out), *more],
        capture_output=True, text=True, check=False,
    )


def test_spark_cluster_writes_every_native_file(toy, reuters, footers, tmp_path):
    # Three corpora (one with boilerplate of both scopes, one with 19 bad records) and a fourth
    # repeating three ids of the first: the index skips those, and numbers the documents after
    # the bad Reuters records without them. Spark reads the first from its local path (in byte
    # ranges) and the rest through Hadoop's filesystem layer, given as file:// URIs: the
    # Reuters wires as text lines split by Spark, the footers gzipped in a folder and the
    # repeated ids as Parquet, both brought whole by binaryFiles. A fifth, 222 more Reuters
    # wires in a Parquet file of 12 row groups with a bad row, is read from its local path in
    # two runs of row groups.
    first = read_jsonl(toy["corpus"])[:3]
    dups = [dict(r, text=r["text"][::-1]) for r in first]
    dups.append({"id": "new-1", "text": first[0]["text"], "date": "2021-01-01"})
    for record in dups:
        record.setdefault("title", None)
        record.setdefault("source", None)
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = tmp_path / "dups.parquet"
    pq.write_table(pa.Table.from_pylist([{k: r.get(k) for k in ("id", "title", "text", "date",
                                                                "source")} for r in dups]),
                   parquet)
    folder = tmp_path / "footers"
    folder.mkdir()
    with gzip.open(folder / "footers.jsonl.gz", "wb") as f:
        f.write(footers["corpus"].read_bytes())
    (folder / ".hidden.jsonl").write_text("{}\n")
    wires = tmp_path / "wires.jsonl"
    with gzip.open(SHARED / "data" / "reuters21578" / "articles.jsonl.gz", "rt") as src:
        wires.write_text("".join(itertools.islice(src, 400, 640)))
    rows = [{"id": d["id"], "title": d["title"], "text": d["text"], "date": d["date"],
             "source": d["outlet"]} for d in unspun.read_corpus([wires])["documents"]]
    rows[199]["text"] = None  # in the second run of row groups
    row_groups = tmp_path / "wires.parquet"
    pq.write_table(
        pa.Table.from_pylist(rows, schema=pa.schema([
            ("id", pa.string()), ("title", pa.string()), ("text", pa.string()),
            ("date", pa.timestamp("s")), ("source", pa.string())])),
        row_groups, row_group_size=20, compression="none",
    )
    assert pq.ParquetFile(row_groups).metadata.num_row_groups == 12
    assert unspun.parquet_splits(row_groups, 1 << 17) == [(0, 8), (8, 12)]
    inputs = [toy["corpus"], reuters["corpus"], folder, parquet, row_groups]
    uris = [toy["corpus"]] + ["file://" + str(p) for p in inputs[1:4]] + [row_groups]
    index = tmp_path / "index"
    run_cli("index", "--index", index, *inputs, "--quiet")
    native = tmp_path / "native"
    run_cli("cluster", "--index", index, "--out", native, "--quiet")
    out = tmp_path / "spark"
    # Ranges of 128 KiB: the JSON Lines files are read by several tasks each.
    proc = spark_cluster(uris, out, "--split-mb", "0.125")
    assert proc.returncode == 0, proc.stderr[-3000:]
    printed = json.loads(proc.stdout.strip().splitlines()[-1])
    # toy: 2 ranges, Reuters: 4 splits of Spark's text source, the wires' row groups in 2 runs,
    # one task per other file.
    assert printed["n_read_tasks"] >= 8, printed
    # The driver's and executors' JVM options, unless this environment sets its own.
    from unspun.spark import jvm_tuning

    assert printed["jvm_tuning"] == dict(jvm_tuning([]))

    names = sorted(p.name for p in native.iterdir())
    assert sorted(p.name for p in out.iterdir()) == names
    # Every file, the trace shards (over 1,000 documents: two shards), links and clusters
    # included.
    assert {"links.jsonl", "doc_clusters.jsonl", "trace-00001.jsonl", "reuse.done"} <= set(names)
    for name in names:
        if name not in DIFFERENT_BY_DESIGN:
            assert (out / name).read_bytes() == (native / name).read_bytes(), name
    # Not a vacuous equality: links of every kind, boilerplate of both scopes, passages.
    links = read_jsonl(native / "links.jsonl")
    assert len(links) > 50 and sum(link["strong"] for link in links) > 20
    scopes = {b["scope"] for b in read_jsonl(native / "boilerplate.jsonl")}
    assert scopes == {"outlet", "corpus"}
    assert all(c["text"] for c in read_jsonl(native / "passage_clusters.jsonl"))

    summary = json.loads((out / "summary.json").read_text())
    expected = json.loads((native / "summary.json").read_text())
    for key in ("out_dir", "stages", "files", "n_pair_records"):
        del expected[key]
    assert {k: summary[k] for k in expected} == expected
    # The bad Reuters records, counted once each and named at the lines of the whole file, and
    # the wires' bad row at its row in the whole file.
    assert summary["n_bad_records"] == 20
    read = unspun.read_corpus([reuters["corpus"]])
    assert [(b["path"], b["line"]) for b in summary["bad_records"]] == [
        (uris[1], b["line"]) for b in read["bad_records"]
    ] + [(str(row_groups), 200)]
    assert [s["stage"] for s in summary["stages"]] == [
        "prints", "boilerplate", "pairs", "trace", "reuse"
    ]
    assert {f["name"] for f in summary["files"]} == set(names) - {"summary.json"}
    assert printed["n_links"] == len(links)
    run = json.loads((out / "run.json").read_text())
    assert [i["path"] for i in run["inputs"]] == [str(p) for p in uris]
    assert [i["bytes"] is None for i in run["inputs"]] == [False, True, True, True, False]

    # A second run with other parameters is refused before Spark starts, and changes nothing.
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = spark_cluster(uris[:1], out)
    assert proc.returncode == 2
    assert "other parameters" in proc.stderr and "--fresh" in proc.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # So is a directory with outputs and no run.json.
    (out / "run.json").unlink()
    proc = spark_cluster(uris, out)
    assert proc.returncode == 2 and "run.json: missing" in proc.stderr


def test_a_uri_too_large_to_read_whole_is_refused_by_name(toy, tmp_path):
    # A gzipped corpus given as a URI comes to one task whole: over --max-whole-file-mb it is
    # refused before any job, naming the file and the bound, and nothing but the run's own
    # run.json is written.
    packed = tmp_path / "toy.jsonl.gz"
    with gzip.open(packed, "wb") as f:
        f.write(toy["corpus"].read_bytes())
    uri = "file://" + str(packed)
    out = tmp_path / "spark"
    proc = spark_cluster([uri], out, "--max-whole-file-mb", "0.001")
    assert proc.returncode == 2, proc.stderr[-3000:]
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith(f"unspun.spark: {uri}: "), message
    assert "more than the 1048 that one task reads whole (--max-whole-file-mb)" in message
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["LOCK", "run.json"]


def test_jvm_tuning_leaves_java_options_set_elsewhere_alone(tmp_path):
    """`python -m unspun.spark` gives the driver and the executors its JVM options only where
    neither `--conf`, the installation's spark-defaults.conf nor PYSPARK_SUBMIT_ARGS sets that
    side's Java options (two collectors named would stop the JVM)."""
    from unspun.spark import JVM_TUNING, jvm_tuning

    env = {"SPARK_CONF_DIR": str(tmp_path)}
    both = [("spark.driver.extraJavaOptions", JVM_TUNING),
            ("spark.executor.extraJavaOptions", JVM_TUNING)]
    assert jvm_tuning([], env) == both
    assert jvm_tuning([("spark.executor.extraJavaOptions", "-Dx=1")], env) == both[:1]
    assert jvm_tuning([("spark.driver.defaultJavaOptions", "-Dx=1")], env) == both[1:]
    (tmp_path / "spark-defaults.conf").write_text(
        "# an installation's defaults\nspark.driver.defaultJavaOptions -XX:+UseG1GC\n"
        "spark.master=local[2]\n"
    )
    assert jvm_tuning([], env) == both[1:]
    submit = "--conf spark.executor.extraJavaOptions=-Xss4m pyspark-shell"
    assert jvm_tuning([], dict(env, PYSPARK_SUBMIT_ARGS=submit)) == []
    submit = "--driver-java-options -Dx=1 pyspark-shell"
    assert jvm_tuning([], {"SPARK_CONF_DIR": str(tmp_path / "none"),
                           "PYSPARK_SUBMIT_ARGS": submit}) == both[1:]
    # spark-submit's own lookup: $SPARK_HOME/conf without SPARK_CONF_DIR.
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "spark-defaults.conf").write_text(
        "spark.executor.extraJavaOptions=-Dy=2\n"
    )
    assert jvm_tuning([], {"SPARK_HOME": str(tmp_path)}) == both[:1]

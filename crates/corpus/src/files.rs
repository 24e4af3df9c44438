//! The files of a run in `--out`: names, which ones a run owns, atomic writes and reads.

use std::io::{BufRead, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use unspun_index::{Error, FsStorage, LOCK_FILE, Result, Storage, TMP_SUFFIX};

use rayon::prelude::*;

use crate::spill::{MAX_FAN_IN, Merged, Record, Source, boot_id, merge_files, write_scratch};

use crate::job::*;

pub(crate) const RUN_FILE: &str = "run.json";
pub(crate) const SUMMARY_FILE: &str = "summary.json";
/// The boot ([`boot_id`]) in which the run wrote scratch files without syncing them; absent
/// once a finished run has synced them all.
pub(crate) const SCRATCH_BOOT_FILE: &str = "scratch.boot";
pub(crate) const BOILERPLATE_FILE: &str = "boilerplate.jsonl";
pub(crate) const PAIRS_FILE: &str = "pairs.bin";
pub(crate) const PAIR_STATS_FILE: &str = "pairs.json";
/// The pairs stage's [`crate::docprints::FreqTable`], kept for a resumed trace stage.
pub(crate) const FREQS_FILE: &str = "freqs.bin";
/// The boilerplate stage's common sentences, kept for a resumed trace stage.
pub(crate) const COMMON_SENTENCES_FILE: &str = "common-sentences.bin";
pub(crate) const SPILL_DIR: &str = "spill";
pub(crate) const DEFAULT_SHARD_DOCS: usize = 1000;
pub(crate) const DEFAULT_SPILL_BUDGET: usize = 256 << 20;
/// Documents per shard of the prints stage, by default.
pub const PRINT_SHARD_DOCS: usize = 4096;
pub(crate) const EXCERPT_CHARS: usize = 300;
/// Decompressed document blocks kept by the trace and reuse stages
/// ([`unspun_index::Index::set_block_cache`]).
pub(crate) const TRACE_BLOCK_CACHE_BYTES: usize = 128 << 20;
/// Analysed candidates kept by the trace stage (a few hundred MB at most).
pub(crate) const CANDIDATE_CACHE_DOCS: usize = 4096;
/// Files of the reuse stage.
pub(crate) const REUSE_FILES: [&str; 10] = [
    "documents.jsonl",
    "spins.jsonl",
    "boilerplate_passages.jsonl",
    "links.jsonl",
    "doc_clusters.jsonl",
    "passage_clusters.jsonl",
    "outlet_edges.jsonl",
    "outlets.graphml",
    "outlets.dot",
    "publishers.json",
];

pub(crate) fn done_file(stage: Stage) -> String {
    format!("{}.done", stage.name())
}

pub(crate) fn shard_file(shard: usize) -> String {
    format!("trace-{shard:05}.jsonl")
}

pub(crate) fn prints_file(shard: usize) -> String {
    format!("prints-{shard:05}.bin")
}

pub(crate) fn sentences_file(shard: usize) -> String {
    format!("sentences-{shard:05}.bin")
}

/// Removes the files of a run (their exact names, [`owned_file`]) from `storage`, but the
/// `LOCK` that the caller holds.
pub(crate) fn remove_run_outputs(storage: &FsStorage) -> Result<()> {
    for name in storage.list()? {
        if owned_file(&name) && name != LOCK_FILE {
            storage.remove(&name)?;
        }
    }
    Ok(())
}

/// Whether `name` is `prefix` + 5 digits + `suffix`.
pub(crate) fn numbered(name: &str, prefix: &str, suffix: &str) -> bool {
    name.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .is_some_and(|digits| digits.len() == 5 && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// The exact names of the files a run writes (and their `.tmp` while written).
pub(crate) fn owned_file(name: &str) -> bool {
    let name = name.strip_suffix(TMP_SUFFIX).unwrap_or(name);
    const STAGES: [Stage; 5] =
        [Stage::Prints, Stage::Boilerplate, Stage::Pairs, Stage::Trace, Stage::Reuse];
    name == RUN_FILE
        || name == SUMMARY_FILE
        || name == SCRATCH_BOOT_FILE
        || name == BOILERPLATE_FILE
        || name == PAIRS_FILE
        || name == PAIR_STATS_FILE
        || name == FREQS_FILE
        || name == COMMON_SENTENCES_FILE
        || name == LOCK_FILE
        || REUSE_FILES.contains(&name)
        || STAGES.iter().any(|stage| name == done_file(*stage))
        || numbered(name, "trace-", ".jsonl")
        || numbered(name, "prints-", ".bin")
        || numbered(name, "sentences-", ".bin")
        || numbered(name, "docprints-", ".bin")
        || numbered(name, "profiles-", ".bin")
}

pub(crate) fn write_json_lines<T: Serialize>(
    storage: &FsStorage,
    name: &str,
    items: &[T],
) -> Result<()> {
    let path = storage.path_of(name);
    storage.write_atomic(name, &mut |out: &mut dyn Write| {
        for item in items {
            serde_json::to_writer(&mut *out, item)
                .map_err(|e| Error::io(&path, std::io::Error::other(e)))?;
            out.write_all(b"\n").map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    })
}

pub(crate) fn write_bytes(storage: &FsStorage, name: &str, bytes: &[u8]) -> Result<()> {
    let path = storage.path_of(name);
    storage.write_atomic(name, &mut |out: &mut dyn Write| {
        out.write_all(bytes).map_err(|e| Error::io(&path, e))
    })
}

/// [`write_json_lines`] of a scratch file ([`write_scratch`]).
pub(crate) fn write_scratch_json_lines<T: Serialize>(
    storage: &FsStorage,
    name: &str,
    items: &[T],
) -> Result<()> {
    write_scratch(&storage.path_of(name), &mut |out: &mut dyn Write| {
        for item in items {
            serde_json::to_writer(&mut *out, item).map_err(std::io::Error::other)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// [`write_bytes`] of a scratch file ([`write_scratch`]).
pub(crate) fn write_scratch_bytes(storage: &FsStorage, name: &str, bytes: &[u8]) -> Result<()> {
    write_scratch(&storage.path_of(name), &mut |out: &mut dyn Write| out.write_all(bytes))
}

/// Removes the files of a run whose scratch files were written without fsync in another boot
/// ([`SCRATCH_BOOT_FILE`]): a crash or a power cut since may have torn any of them, so the run
/// starts over. Returns whether it did.
pub(crate) fn discard_scratch_of_other_boot(storage: &FsStorage) -> Result<bool> {
    if !storage.exists(SCRATCH_BOOT_FILE)? {
        return Ok(false);
    }
    let written = storage.read(SCRATCH_BOOT_FILE)?;
    if boot_id().map(str::as_bytes) == Some(&*written) {
        return Ok(false);
    }
    // `run.json` and `scratch.boot` last (the caller writes both again): a removal cut short
    // leaves a run that is still recognised, and still discarded.
    for name in storage.list()? {
        if owned_file(&name) && ![LOCK_FILE, RUN_FILE, SCRATCH_BOOT_FILE].contains(&name.as_str()) {
            storage.remove(&name)?;
        }
    }
    storage.sync_dir()?;
    Ok(true)
}

/// Records (synced) the boot in which the run writes scratch files without syncing them, before
/// any stage writes one; nothing where the boot cannot be told (they are synced then).
pub(crate) fn record_scratch_boot(storage: &FsStorage) -> Result<()> {
    match boot_id() {
        Some(boot) => write_bytes(storage, SCRATCH_BOOT_FILE, boot.as_bytes()),
        None => Ok(()),
    }
}

/// Syncs every file of the finished run to disk, then removes [`SCRATCH_BOOT_FILE`]: from then
/// on the run is whole in any boot.
pub(crate) fn close_scratch(storage: &FsStorage) -> Result<()> {
    if !storage.exists(SCRATCH_BOOT_FILE)? {
        return Ok(());
    }
    let names: Vec<String> = storage
        .list()?
        .into_iter()
        .filter(|name| {
            owned_file(name)
                && !name.ends_with(TMP_SUFFIX)
                && name != LOCK_FILE
                && name != SCRATCH_BOOT_FILE
        })
        .collect();
    let synced = names
        .par_iter()
        .try_for_each(|name| {
            let path = storage.path_of(name);
            std::fs::File::open(&path)
                .and_then(|file| file.sync_all())
                .map_err(|e| Error::io(&path, e))
        })
        .and_then(|()| storage.sync_dir());
    if let Err(error) = synced {
        // A write that failed unseen (the kernel reports it once, to this fsync): a rerun, in
        // this boot too, must not trust the files.
        let _ = write_bytes(storage, SCRATCH_BOOT_FILE, b"unsynced");
        return Err(error);
    }
    storage.remove(SCRATCH_BOOT_FILE)?;
    storage.sync_dir()
}

pub(crate) fn to_json<T: Serialize>(value: &T, path: &Path) -> Result<Vec<u8>> {
    let mut bytes =
        serde_json::to_vec_pretty(value).map_err(|e| Error::io(path, std::io::Error::other(e)))?;
    bytes.push(b'\n');
    Ok(bytes)
}

pub(crate) fn read_json_lines<T: for<'de> Deserialize<'de>>(
    storage: &FsStorage,
    name: &str,
) -> Result<Vec<T>> {
    let path = storage.path_of(name);
    let bytes = storage.read(name)?;
    let mut out = Vec::new();
    for (line_idx, line) in bytes.lines().enumerate() {
        let line = line.map_err(|e| Error::io(&path, e))?;
        if line.is_empty() {
            continue;
        }
        let item = serde_json::from_str(&line).map_err(|e| {
            Error::corrupt(&path, format!("line {}: {e} (rerun with --fresh)", line_idx + 1))
        })?;
        out.push(item);
    }
    Ok(out)
}

pub(crate) fn char_excerpt(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take((end.saturating_sub(start)).min(EXCERPT_CHARS)).collect()
}

/// Reads a whole file of records.
pub(crate) fn read_records<R: Record>(path: &Path) -> Result<Vec<R>> {
    let mut out = Vec::new();
    each_record(path, &mut |record| out.push(record))?;
    Ok(out)
}

/// Calls `each` on the records of a file written by [`crate::spill::write_records`], in
/// order, without holding them.
pub(crate) fn each_record<R: Record>(path: &Path, each: &mut dyn FnMut(R)) -> Result<()> {
    let mut merged = Merged::new(vec![Source::<R>::file(path)?], Vec::new())?;
    while let Some(record) = merged.next_record()? {
        each(record);
    }
    Ok(())
}

/// A merge of one kind of shard file of the prints stage.
pub(crate) fn merge_shards<R: Record>(
    storage: &FsStorage,
    n_shards: usize,
    name: fn(usize) -> String,
) -> Result<Merged<R>> {
    let files: Vec<_> = (0..n_shards).map(|shard| storage.path_of(&name(shard))).collect();
    let spill_dir = storage.path_of(SPILL_DIR);
    merge_files(&files, &spill_dir, "shards", None, MAX_FAN_IN)
}

pub(crate) fn list_outputs(storage: &FsStorage) -> Result<Vec<OutputFile>> {
    let mut files = Vec::new();
    let mut names = storage.list()?;
    names.sort();
    for name in names {
        if owned_file(&name) && !name.ends_with(TMP_SUFFIX) && name != SUMMARY_FILE {
            let path = storage.path_of(&name);
            let bytes = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?.len();
            files.push(OutputFile { name, bytes });
        }
    }
    Ok(files)
}

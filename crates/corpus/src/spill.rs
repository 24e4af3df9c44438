//! External sorting of fixed-size records: memory stays under a budget whatever the corpus.
//!
//! [`Sorter`] buffers records; when the buffer reaches its budget it is sorted, optionally
//! combined (equal keys folded into one record, e.g. counts summed) and written to a run file
//! in the spill directory. [`Sorter::finish`] returns a k-way merge of the runs and of what is
//! still in memory, in order. Run files are created and removed by the sorter only; a killed
//! run leaves `*.run` files that the next run of the stage removes
//! ([`remove_spill_dir`]). Run files hold each record after the one before it
//! ([`Record::encode_after`]), so a record type can write a compact form of a sorted run
//! (the pair counts of the pairs stage take about 5 bytes instead of 13); the files given to a
//! merge ([`merge_files`], [`write_records`]) keep the fixed layout.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use unspun_index::{Error, Result};

/// A fixed-size record that can be written to and read from a run file.
pub trait Record: Copy + Ord + Send + Sync {
    /// Encoded size in bytes.
    const SIZE: usize;
    /// Writes the record into `out` (exactly [`Record::SIZE`] bytes, little-endian).
    fn encode(&self, out: &mut [u8]);
    /// Reads a record written by [`Record::encode`].
    fn decode(bytes: &[u8]) -> Self;
    /// Appends the record to a run file after `prev`, the record before it in the same sorted
    /// run (`None` for the first). By default the fixed layout of [`Record::encode`]; a type
    /// may write a compact form (differences from `prev`), read back by
    /// [`Record::decode_after`].
    fn encode_after(&self, prev: Option<&Self>, out: &mut Vec<u8>) {
        let _ = prev;
        let at = out.len();
        out.resize(at + Self::SIZE, 0);
        self.encode(&mut out[at..]);
    }
    /// Reads a record written by [`Record::encode_after`] after `prev`.
    fn decode_after(prev: Option<&Self>, run: &mut RunReader) -> std::io::Result<Self> {
        let _ = prev;
        let mut bytes = [0u8; 64];
        run.bytes(&mut bytes[..Self::SIZE])?;
        Ok(Self::decode(&bytes[..Self::SIZE]))
    }
}

/// Appends `value` as a LEB128 varint (7 bits a byte, low first).
pub fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a run file written with [`Record::encode_after`].
pub struct RunReader {
    reader: BufReader<File>,
}

impl RunReader {
    /// One byte (an error at the end of the file).
    pub fn byte(&mut self) -> std::io::Result<u8> {
        let buf = self.reader.fill_buf()?;
        let Some(&byte) = buf.first() else {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        };
        self.reader.consume(1);
        Ok(byte)
    }

    /// A varint written by [`put_varint`].
    pub fn varint(&mut self) -> std::io::Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "varint longer than 64 bits"))
    }

    /// Fills `out`.
    pub fn bytes(&mut self, out: &mut [u8]) -> std::io::Result<()> {
        self.reader.read_exact(out)
    }

    fn at_end(&mut self) -> std::io::Result<bool> {
        Ok(self.reader.fill_buf()?.is_empty())
    }
}

/// Writes sorted `records` to a run file (the form of [`Record::encode_after`]); returns the
/// bytes written.
pub(crate) fn write_run<'a, R: Record + 'a>(
    path: &Path,
    records: impl IntoIterator<Item = &'a R>,
) -> Result<u64> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut out = BufWriter::with_capacity(1 << 16, file);
    let mut bytes = Vec::with_capacity(64);
    let mut prev: Option<&R> = None;
    let mut n_bytes = 0u64;
    for record in records {
        bytes.clear();
        record.encode_after(prev, &mut bytes);
        out.write_all(&bytes).map_err(|e| Error::io(path, e))?;
        n_bytes += bytes.len() as u64;
        prev = Some(record);
    }
    out.flush().map_err(|e| Error::io(path, e))?;
    Ok(n_bytes)
}

/// Folds records that compare equal (same key) into one; `None` keeps them all.
pub type Combine<R> = fn(&mut R, &R);

/// Most files one merge reads at once (each holds a 64 KiB read buffer and a descriptor).
pub const MAX_FAN_IN: usize = 256;

/// Buffers records under a memory budget, spilling sorted runs to disk.
pub struct Sorter<R: Record> {
    buf: Vec<R>,
    max_records: usize,
    dir: PathBuf,
    prefix: String,
    runs: Vec<PathBuf>,
    combine: Option<Combine<R>>,
    n_spilled_bytes: u64,
    fan_in: usize,
}

impl<R: Record> Sorter<R> {
    /// A sorter keeping at most `budget_bytes` of records in memory before it spills run files
    /// named `<prefix>-NNNNN.run` into `dir` (created when the first run is written).
    pub fn new(dir: &Path, prefix: &str, budget_bytes: usize, combine: Option<Combine<R>>) -> Self {
        let max_records = (budget_bytes / size_of::<R>().max(1)).max(1024);
        Sorter {
            // Reserved once (pages are touched only as it fills): doubling would overshoot the
            // budget by up to twice.
            buf: Vec::with_capacity(max_records),
            max_records,
            dir: dir.to_path_buf(),
            prefix: prefix.to_owned(),
            runs: Vec::new(),
            combine,
            n_spilled_bytes: 0,
            fan_in: MAX_FAN_IN,
        }
    }

    /// Merges at most `fan_in` (at least 2) files at once instead of [`MAX_FAN_IN`] (tests).
    pub fn with_fan_in(mut self, fan_in: usize) -> Self {
        self.fan_in = fan_in.max(2);
        self
    }

    /// Adds a record.
    pub fn push(&mut self, record: R) -> Result<()> {
        self.buf.push(record);
        if self.buf.len() >= self.max_records {
            self.spill()?;
        }
        Ok(())
    }

    /// Bytes written to run files so far.
    pub fn n_spilled_bytes(&self) -> u64 {
        self.n_spilled_bytes
    }

    fn sort_buffer(&mut self) {
        // On both cores; records equal by their order are combined (or equal), so the order
        // among them does not matter.
        self.buf.par_sort_unstable();
        if let Some(combine) = self.combine {
            combine_sorted(&mut self.buf, combine);
        }
    }

    fn spill(&mut self) -> Result<()> {
        self.sort_buffer();
        // Combining may have shrunk the buffer a lot: spill only when it is still large.
        if self.buf.len() < self.max_records / 2 {
            return Ok(());
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        let path = self.dir.join(format!("{}-{:05}.run", self.prefix, self.runs.len()));
        self.n_spilled_bytes += write_run(&path, &self.buf)?;
        self.runs.push(path);
        self.buf.clear();
        Ok(())
    }

    /// Every record pushed, in order (equal records combined within each run only: the
    /// consumer folds equal neighbours across runs).
    pub fn finish(mut self) -> Result<Merged<R>> {
        self.sort_buffer();
        let runs = std::mem::take(&mut self.runs);
        let memory = std::mem::take(&mut self.buf);
        merge_runs(runs, vec![memory], &self.dir, &self.prefix, self.combine, self.fan_in)
    }
}

/// A k-way merge of run files (written by [`write_run`]; removed once read, or when the merge
/// is dropped) and of sorted vectors, reading at most `fan_in` (at least 2 more than the
/// vectors) at once: with more, groups of runs are first merged into intermediate runs
/// `<prefix>-pPP-NNNNN.run` in `dir`, combined with `combine`.
pub(crate) fn merge_runs<R: Record>(
    runs: Vec<PathBuf>,
    memory: Vec<Vec<R>>,
    dir: &Path,
    prefix: &str,
    combine: Option<Combine<R>>,
    fan_in: usize,
) -> Result<Merged<R>> {
    // The vectors in memory take slots of their own.
    let fan_in = fan_in.saturating_sub(memory.len()).max(2);
    let runs = runs.into_iter().map(|path| (path, true)).collect();
    merge(runs, memory, MergePlan { dir, prefix, combine }, fan_in)
}

/// A k-way merge of sorted record files, reading at most `fan_in` (at least 2) at once: with
/// more, groups are first merged into intermediate runs `<prefix>-pPP-NNNNN.run` in `dir`,
/// combined with `combine` as they are written. The intermediate runs are removed once read
/// (or when the merge is dropped); the given files are left as they are.
pub fn merge_files<R: Record>(
    files: &[PathBuf],
    dir: &Path,
    prefix: &str,
    combine: Option<Combine<R>>,
    fan_in: usize,
) -> Result<Merged<R>> {
    let files = files.iter().map(|path| (path.clone(), false)).collect();
    merge(files, Vec::new(), MergePlan { dir, prefix, combine }, fan_in)
}

/// The merge of `files` (each with whether it is removed once read) and `memory`, the files
/// first reduced to `fan_in` by `plan`.
fn merge<R: Record>(
    files: Vec<(PathBuf, bool)>,
    memory: Vec<Vec<R>>,
    plan: MergePlan<'_, R>,
    fan_in: usize,
) -> Result<Merged<R>> {
    let files = plan.reduce(files, fan_in)?;
    let mut sources = Vec::with_capacity(files.len() + memory.len());
    let mut owned = Vec::new();
    for (path, remove) in files {
        sources.push(Source::open(&path, remove)?);
        if remove {
            owned.push(path);
        }
    }
    sources.extend(memory.into_iter().map(|records| Source::Memory(records.into_iter())));
    Merged::new(sources, owned)
}

/// Where and how intermediate runs of a capped merge are written.
struct MergePlan<'a, R: Record> {
    dir: &'a Path,
    prefix: &'a str,
    combine: Option<Combine<R>>,
}

impl<R: Record> MergePlan<'_, R> {
    /// Merges groups of `files` (path, whether this merge owns and removes it: a run file,
    /// not a file of the fixed layout) until at most `fan_in` are left.
    fn reduce(
        &self,
        mut files: Vec<(PathBuf, bool)>,
        fan_in: usize,
    ) -> Result<Vec<(PathBuf, bool)>> {
        let fan_in = fan_in.max(2);
        let mut pass = 0usize;
        while files.len() > fan_in {
            pass += 1;
            let mut next = Vec::with_capacity(files.len().div_ceil(fan_in));
            for group in files.chunks(fan_in) {
                let path =
                    self.dir.join(format!("{}-p{pass:02}-{:05}.run", self.prefix, next.len()));
                self.merge_group(group, &path)?;
                next.push((path, true));
            }
            files = next;
        }
        Ok(files)
    }

    /// Writes the merge of `group` to `path`, then removes the group's owned files.
    fn merge_group(&self, group: &[(PathBuf, bool)], path: &Path) -> Result<()> {
        std::fs::create_dir_all(self.dir).map_err(|e| Error::io(self.dir, e))?;
        let sources =
            group.iter().map(|(p, remove)| Source::open(p, *remove)).collect::<Result<Vec<_>>>()?;
        let owned = group.iter().filter(|(_, remove)| *remove).map(|(p, _)| p.clone()).collect();
        let mut merged = Merged::new(sources, owned)?;
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        let mut bytes = Vec::with_capacity(64);
        let mut written: Option<R> = None;
        let mut pending: Option<R> = None;
        let mut write = |record: R, out: &mut BufWriter<File>| {
            bytes.clear();
            record.encode_after(written.as_ref(), &mut bytes);
            written = Some(record);
            out.write_all(&bytes).map_err(|e| Error::io(path, e))
        };
        while let Some(record) = merged.next_record()? {
            match (&mut pending, self.combine) {
                (Some(last), Some(combine)) if *last == record => combine(last, &record),
                (Some(last), _) => {
                    write(*last, &mut out)?;
                    pending = Some(record);
                }
                (None, _) => pending = Some(record),
            }
        }
        if let Some(last) = pending {
            write(last, &mut out)?;
        }
        out.flush().map_err(|e| Error::io(path, e))?;
        Ok(())
    }
}

/// Folds equal neighbours of a sorted vector.
pub fn combine_sorted<R: Record>(buf: &mut Vec<R>, combine: Combine<R>) {
    let mut kept = 0usize;
    for i in 0..buf.len() {
        if kept > 0 && buf[kept - 1] == buf[i] {
            let next = buf[i];
            combine(&mut buf[kept - 1], &next);
        } else {
            buf[kept] = buf[i];
            kept += 1;
        }
    }
    buf.truncate(kept);
}

/// Where records come from in a merge.
pub enum Source<R: Record> {
    /// Records in memory, sorted.
    Memory(std::vec::IntoIter<R>),
    /// A file of sorted records.
    File {
        /// Its path (for errors).
        path: PathBuf,
        /// Buffered reader.
        reader: BufReader<File>,
        /// Records left.
        left: u64,
    },
    /// A run file of sorted records ([`Record::encode_after`]).
    Run {
        /// Its path (for errors).
        path: PathBuf,
        /// Buffered reader.
        run: RunReader,
        /// The record read last.
        prev: Option<R>,
    },
}

impl<R: Record> Source<R> {
    /// A run file written by a [`Sorter`] or a capped merge ([`Record::encode_after`]).
    pub fn run(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        Ok(Source::Run {
            path: path.to_path_buf(),
            run: RunReader { reader: BufReader::with_capacity(1 << 16, file) },
            prev: None,
        })
    }

    /// A run file when `run`, else a file of the fixed layout.
    fn open(path: &Path, run: bool) -> Result<Self> {
        if run { Source::run(path) } else { Source::file(path) }
    }

    /// A file of sorted records of the fixed layout, as written by [`write_records`].
    pub fn file(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if len % R::SIZE as u64 != 0 {
            return Err(Error::corrupt(
                path,
                format!("{len} bytes is not a whole number of {}-byte records", R::SIZE),
            ));
        }
        Ok(Source::File {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(1 << 16, file),
            left: len / R::SIZE as u64,
        })
    }

    fn next_record(&mut self) -> Result<Option<R>> {
        match self {
            Source::Memory(iter) => Ok(iter.next()),
            Source::File { path, reader, left } => {
                if *left == 0 {
                    return Ok(None);
                }
                let mut bytes = [0u8; 64];
                let bytes = &mut bytes[..R::SIZE];
                reader.read_exact(bytes).map_err(|e| Error::io(&*path, e))?;
                *left -= 1;
                Ok(Some(R::decode(bytes)))
            }
            Source::Run { path, run, prev } => {
                if run.at_end().map_err(|e| Error::io(&*path, e))? {
                    return Ok(None);
                }
                let record = R::decode_after(prev.as_ref(), run).map_err(|e| {
                    Error::corrupt(&*path, format!("a record cut short or damaged: {e}"))
                })?;
                *prev = Some(record);
                Ok(Some(record))
            }
        }
    }
}

/// A k-way merge of sorted sources.
pub struct Merged<R: Record> {
    sources: Vec<Source<R>>,
    heap: BinaryHeap<Reverse<(R, usize)>>,
    /// Run files to remove when the merge is dropped.
    runs: Vec<PathBuf>,
}

impl<R: Record> Merged<R> {
    /// Merges `sources`; `runs` are removed when the merge is dropped.
    pub fn new(mut sources: Vec<Source<R>>, runs: Vec<PathBuf>) -> Result<Self> {
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (idx, source) in sources.iter_mut().enumerate() {
            if let Some(record) = source.next_record()? {
                heap.push(Reverse((record, idx)));
            }
        }
        Ok(Merged { sources, heap, runs })
    }

    /// The next record in order, or `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<R>> {
        let Some(Reverse((record, idx))) = self.heap.pop() else { return Ok(None) };
        if let Some(next) = self.sources[idx].next_record()? {
            self.heap.push(Reverse((next, idx)));
        }
        Ok(Some(record))
    }
}

impl<R: Record> Drop for Merged<R> {
    fn drop(&mut self) {
        for path in &self.runs {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Sorts `records` whose order starts with `key`, a uniform 64-bit hash (a fingerprint): one
/// pass distributes them into buckets by the key's top bits, then the buckets are sorted on
/// their own, on every core. The same order as `sort_unstable` when no two records are equal
/// (the prints stage's are distinct). With it (and shingle hashes without a heap buffer),
/// the prints stage of the synthetic 100k took 2.5 s instead of 2.7-3.0 s.
pub(crate) fn sort_by_hash<R: Copy + Ord + Send>(records: &mut Vec<R>, key: impl Fn(&R) -> u64) {
    // About 64 records a bucket, at most 2^16 buckets (2^10 made no difference here).
    *records = unspun_index::sort_by_top_bits(records, key, 64, 16);
}

/// Writes sorted `records` to `path` as a scratch file of the run ([`write_scratch`]).
pub fn write_records<R: Record>(path: &Path, records: &[R]) -> Result<()> {
    write_records_from(path, records.iter().copied())
}

/// [`write_records`] of records made as they are written, so that a table kept in another
/// form is written without a copy.
pub fn write_records_from<R: Record>(
    path: &Path,
    mut records: impl Iterator<Item = R>,
) -> Result<()> {
    write_scratch(path, &mut |out| {
        let mut bytes = vec![0u8; R::SIZE];
        for record in records.by_ref() {
            record.encode(&mut bytes);
            out.write_all(&bytes)?;
        }
        Ok(())
    })
}

/// Writes a scratch file of a run (any file a stage writes for a later stage or a resumed
/// run, as opposed to the final outputs): `write` fills `NAME.tmp`, which is renamed to
/// `NAME`, so a killed process leaves either no `NAME` or the whole of it. The file is not
/// synced to disk where the kernel's boot can be told ([`boot_id`]): a run records the boot
/// its unsynced files were written in, and a run in another boot (after a crash or a power
/// cut, which can tear unsynced files) starts over instead of reading them. Elsewhere it is
/// synced, then its directory (`NAME.tmp` → fsync → rename → fsync of the directory).
pub fn write_scratch(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(unspun_index::TMP_SUFFIX);
    let tmp = PathBuf::from(tmp);
    let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let mut out = BufWriter::with_capacity(1 << 16, file);
    write(&mut out).map_err(|e| Error::io(&tmp, e))?;
    let file = out.into_inner().map_err(|e| Error::io(&tmp, e.into_error()))?;
    let sync = boot_id().is_none();
    if sync {
        file.sync_all().map_err(|e| Error::io(&tmp, e))?;
    }
    drop(file);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    if let Some(dir) = path.parent().filter(|d| sync && !d.as_os_str().is_empty()) {
        File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

/// The id of the running kernel's boot (`/proc/sys/kernel/random/boot_id` on Linux), `None`
/// where there is none. Files written without fsync are whole for as long as the kernel that
/// holds them in its page cache runs, whatever happens to the process that wrote them.
pub fn boot_id() -> Option<&'static str> {
    static BOOT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    BOOT.get_or_init(|| {
        let id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
        let id = id.trim();
        (!id.is_empty()).then(|| id.to_owned())
    })
    .as_deref()
}

/// Removes the spill directory of an interrupted run: only `*.run` files, then the directory
/// if it is empty.
pub fn remove_spill_dir(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "run") {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    let _ = std::fs::remove_dir(dir);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    struct Counted {
        key: u64,
        n: u32,
    }

    // Ordering and equality must ignore the count for combining: compare on the key only.
    #[derive(Debug, Clone, Copy)]
    struct ByKey(Counted);
    impl PartialEq for ByKey {
        fn eq(&self, other: &Self) -> bool {
            self.0.key == other.0.key
        }
    }
    impl Eq for ByKey {}
    impl PartialOrd for ByKey {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for ByKey {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            self.0.key.cmp(&other.0.key)
        }
    }
    impl Record for ByKey {
        const SIZE: usize = 12;
        fn encode(&self, out: &mut [u8]) {
            out[..8].copy_from_slice(&self.0.key.to_le_bytes());
            out[8..12].copy_from_slice(&self.0.n.to_le_bytes());
        }
        fn decode(b: &[u8]) -> Self {
            ByKey(Counted {
                key: u64::from_le_bytes(b[..8].try_into().unwrap_or_default()),
                n: u32::from_le_bytes(b[8..12].try_into().unwrap_or_default()),
            })
        }
    }

    fn count_with_budget(keys: &[u64], budget: usize) -> Vec<(u64, u32)> {
        count_with(keys, budget, MAX_FAN_IN)
    }

    fn count_with(keys: &[u64], budget: usize, fan_in: usize) -> Vec<(u64, u32)> {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let spill = dir.path().join("spill");
        let mut sorter: Sorter<ByKey> =
            Sorter::new(&spill, "t", budget, Some(|a: &mut ByKey, b: &ByKey| a.0.n += b.0.n))
                .with_fan_in(fan_in);
        for &key in keys {
            sorter.push(ByKey(Counted { key, n: 1 })).unwrap_or_else(|e| panic!("{e}"));
        }
        let mut merged = sorter.finish().unwrap_or_else(|e| panic!("{e}"));
        let mut out: Vec<(u64, u32)> = Vec::new();
        while let Some(ByKey(c)) = merged.next_record().unwrap_or_else(|e| panic!("{e}")) {
            match out.last_mut() {
                Some((k, n)) if *k == c.key => *n += c.n,
                _ => out.push((c.key, c.n)),
            }
        }
        drop(merged);
        // The run files are gone once the merge is dropped.
        let left = std::fs::read_dir(&spill).map(|d| d.count()).unwrap_or(0);
        assert_eq!(left, 0);
        out
    }

    #[test]
    fn tiny_budget_spills_and_gives_the_same_counts() {
        let keys: Vec<u64> = (0..50_000u64).map(|i| (i * 7919) % 3001).collect();
        let in_memory = count_with_budget(&keys, 1 << 30);
        let spilled = count_with_budget(&keys, 1);
        assert_eq!(in_memory, spilled);
        assert_eq!(in_memory.len(), 3001);
        assert_eq!(in_memory.iter().map(|(_, n)| u64::from(*n)).sum::<u64>(), 50_000);
    }

    #[test]
    fn a_capped_fan_in_merges_in_passes_and_gives_the_same_counts() {
        // 200,000 records at 1,024 a run: 196 runs, merged 3 at a time (5 passes).
        let keys: Vec<u64> = (0..200_000u64).map(|i| (i * 7919) % 30_011).collect();
        let in_memory = count_with(&keys, 1 << 30, MAX_FAN_IN);
        assert_eq!(count_with(&keys, 1, 3), in_memory);
        assert_eq!(count_with(&keys, 1, 2), in_memory);
        assert_eq!(in_memory.len(), 30_011);
    }

    #[test]
    fn merge_files_reads_few_at_once_and_leaves_its_inputs() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut files = Vec::new();
        let mut all = Vec::new();
        for shard in 0..10u64 {
            let mut records: Vec<ByKey> =
                (0..100u64).map(|i| ByKey(Counted { key: i * 10 + shard, n: 1 })).collect();
            records.sort();
            let path = dir.path().join(format!("shard-{shard}.bin"));
            write_records(&path, &records).unwrap_or_else(|e| panic!("{e}"));
            all.extend(records.iter().map(|r| r.0.key));
            files.push(path);
        }
        all.sort_unstable();
        let spill = dir.path().join("spill");
        let mut merged =
            merge_files::<ByKey>(&files, &spill, "m", None, 3).unwrap_or_else(|e| panic!("{e}"));
        let mut got = Vec::new();
        while let Some(r) = merged.next_record().unwrap_or_else(|e| panic!("{e}")) {
            got.push(r.0.key);
        }
        drop(merged);
        assert_eq!(got, all);
        assert!(files.iter().all(|f| f.exists()), "the inputs stay");
        let left = std::fs::read_dir(&spill).map(|d| d.count()).unwrap_or(0);
        assert_eq!(left, 0, "the intermediate runs are gone");
    }

    #[test]
    fn a_truncated_run_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("x.bin");
        std::fs::write(&path, [0u8; 13]).unwrap_or_else(|e| panic!("{e}"));
        let err = Source::<ByKey>::file(&path).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("x.bin") && err.contains("12-byte records"), "{err}");
    }
}

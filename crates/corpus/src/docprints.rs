//! What the trace stage knows of the corpus without asking the index's postings: every
//! document's own fingerprints ([`DocPrints`], written by the prints stage, one file per
//! shard) and the frequency of every fingerprint held by two or more documents
//! ([`FreqTable`], counted by the pairs stage while it merges the fingerprint runs).
//!
//! With both, [`crate::align::PartnerCandidates`] answers a trace's frequency and postings
//! questions from memory and a few reads of its partners' fingerprints, instead of one lookup
//! in every segment of the index per fingerprint (at a million documents, three quarters of
//! the trace stage). The answers are the index's own: a document's fingerprints are what the
//! index stored for it (the same analysis and scheme), and the counts are over the live
//! documents of the run, which are all of the index's live documents when the run has no
//! filter (with a filter the table is not used).

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use unspun_core::DocId;
use unspun_index::{Error, FsStorage, Result, Storage};

use crate::files::{each_record, write_scratch_bytes};
use crate::prints::u32_at;
use crate::spill::{Record, write_records, write_records_from};

/// The fingerprints held by two or more documents of the run, with their number of
/// documents: a sorted array behind a directory on the top bits of the fingerprint (they are
/// uniform hashes), so a lookup is one directory read and a short binary search.
#[derive(Debug, Default)]
pub struct FreqTable {
    keys: Vec<u64>,
    freqs: Vec<u32>,
    /// `dir[b]..dir[b + 1]` indexes the keys whose top `64 - shift` bits are `b` (set by
    /// [`FreqTable::finish`]; empty while the table is built).
    dir: Vec<u32>,
    shift: u32,
    /// While the table is built: its full chunks of [`FREQ_CHUNK`] keys and counts, joined by
    /// [`FreqTable::finish`]. A vector that grows by doubling would hold its old and new
    /// buffers at once (an allocator without `mremap` copies): at a million documents,
    /// 35.8 M keys, that was 0.8 GB at the peak of the pairs stage for a 0.43 GB table.
    full: Vec<(Vec<u64>, Vec<u32>)>,
}

/// Keys of one chunk of a [`FreqTable`] being built (12 MiB with their counts).
const FREQ_CHUNK: usize = 1 << 20;

impl FreqTable {
    /// Adds `fingerprint`, held by `n_docs` documents. Fingerprints come in ascending order.
    pub fn push(&mut self, fingerprint: u64, n_docs: u32) {
        debug_assert!(self.keys.last().is_none_or(|last| *last < fingerprint));
        if self.keys.len() == FREQ_CHUNK {
            let keys = std::mem::replace(&mut self.keys, Vec::with_capacity(FREQ_CHUNK));
            let freqs = std::mem::replace(&mut self.freqs, Vec::with_capacity(FREQ_CHUNK));
            self.full.push((keys, freqs));
        } else if self.keys.capacity() == 0 {
            self.keys.reserve_exact(FREQ_CHUNK);
            self.freqs.reserve_exact(FREQ_CHUNK);
        }
        self.keys.push(fingerprint);
        self.freqs.push(n_docs);
    }

    /// Builds the directory; the table can be read from then on.
    pub fn finish(mut self) -> FreqTable {
        // The chunks joined into vectors of the exact size, each chunk freed once copied.
        let total = self.full.iter().map(|(keys, _)| keys.len()).sum::<usize>() + self.keys.len();
        let mut keys = Vec::with_capacity(total);
        let mut freqs = Vec::with_capacity(total);
        for (chunk_keys, chunk_freqs) in std::mem::take(&mut self.full) {
            keys.extend_from_slice(&chunk_keys);
            freqs.extend_from_slice(&chunk_freqs);
        }
        keys.extend_from_slice(&self.keys);
        freqs.extend_from_slice(&self.freqs);
        self.keys = keys;
        self.freqs = freqs;
        // About four keys per directory entry; at least two entries, so that the shift stays
        // below 64.
        let bits = (self.keys.len() / 4).max(1).ilog2().clamp(1, 28);
        self.shift = 64 - bits;
        let n_buckets = 1usize << bits;
        let mut dir = Vec::with_capacity(n_buckets + 1);
        let mut at = 0usize;
        for bucket in 0..n_buckets {
            while at < self.keys.len() && ((self.keys[at] >> self.shift) as usize) < bucket {
                at += 1;
            }
            dir.push(at as u32);
        }
        dir.push(self.keys.len() as u32);
        self.dir = dir;
        self
    }

    /// The number of documents holding `fingerprint`, when two or more do.
    pub fn get(&self, fingerprint: u64) -> Option<u32> {
        let bucket = (fingerprint >> self.shift) as usize;
        let (Some(&start), Some(&end)) = (self.dir.get(bucket), self.dir.get(bucket + 1)) else {
            return None;
        };
        let keys = &self.keys[start as usize..end as usize];
        keys.binary_search(&fingerprint).ok().map(|at| self.freqs[start as usize + at])
    }

    /// Fingerprints in the table.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// A fingerprint or sentence hash and its number of documents: a record of
/// [`crate::files::FREQS_FILE`] and [`crate::files::COMMON_SENTENCES_FILE`], which keep the [`FreqTable`] and the common sentences of a
/// run for its trace stage when the run is resumed after the stages that counted them
/// (without them, a resumed trace asks every segment of the index, a third slower on the
/// real corpora).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct CountRec {
    key: u64,
    n: u32,
}

impl Record for CountRec {
    const SIZE: usize = 12;
    fn encode(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.key.to_le_bytes());
        out[8..12].copy_from_slice(&self.n.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        CountRec { key: u64::from_le_bytes(b[..8].try_into().expect("8 bytes")), n: u32_at(b, 8) }
    }
}

impl FreqTable {
    /// Writes the table to `name` in `storage` (atomically).
    pub(crate) fn save(&self, storage: &FsStorage, name: &str) -> Result<()> {
        let records = self.keys.iter().zip(&self.freqs).map(|(&key, &n)| CountRec { key, n });
        write_records_from(&storage.path_of(name), records)
    }

    /// The table [`FreqTable::save`] wrote to `name`; `None` when there is no such file (a
    /// run of an older version).
    pub(crate) fn load(storage: &FsStorage, name: &str) -> Result<Option<FreqTable>> {
        if !storage.exists(name)? {
            return Ok(None);
        }
        let mut table = FreqTable::default();
        let (mut sorted, mut last) = (true, None);
        each_record(&storage.path_of(name), &mut |rec: CountRec| {
            sorted &= last.is_none_or(|last| last < rec.key);
            last = Some(rec.key);
            if sorted {
                table.push(rec.key, rec.n);
            }
        })?;
        if !sorted {
            return Err(Error::corrupt(
                storage.path_of(name),
                "fingerprints out of order (rerun with --fresh)",
            ));
        }
        Ok(Some(table.finish()))
    }
}

/// Writes the common sentences (hash → documents) to `name` in `storage`, sorted by hash.
pub(crate) fn save_counts(
    storage: &FsStorage,
    name: &str,
    counts: &std::collections::HashMap<u64, u32>,
) -> Result<()> {
    let mut records: Vec<CountRec> = counts.iter().map(|(&key, &n)| CountRec { key, n }).collect();
    records.sort_unstable();
    write_records(&storage.path_of(name), &records)
}

/// What [`save_counts`] wrote to `name`; `None` when there is no such file.
pub(crate) fn load_counts(
    storage: &FsStorage,
    name: &str,
) -> Result<Option<std::collections::HashMap<u64, u32>>> {
    if !storage.exists(name)? {
        return Ok(None);
    }
    let mut counts = std::collections::HashMap::new();
    each_record(&storage.path_of(name), &mut |rec: CountRec| {
        counts.insert(rec.key, rec.n);
    })?;
    Ok(Some(counts))
}

/// The file of one prints shard holding its documents' own fingerprints, document by document.
pub(crate) fn docprints_file(shard: usize) -> String {
    format!("docprints-{shard:05}.bin")
}

/// Opens the per-shard files `name(0..n_shards)` of a document-by-document layout: `magic`
/// (8 bytes), the number of documents (u32), a directory of `entry_len` bytes a document, then
/// the documents' data. `entry(file, bytes, offset)` is called for each directory entry in
/// order, `offset` at the data of that document, to be moved past it. `None` when a file is
/// missing (a run resumed from a directory whose files are gone or were written by an older
/// version); an error naming the file when it is not of its kind (`kind`) or is cut short.
pub(crate) fn open_shard_files(
    storage: &FsStorage,
    n_shards: usize,
    name: &dyn Fn(usize) -> String,
    (magic, kind): (&[u8; 8], &str),
    entry_len: usize,
    entry: &mut dyn FnMut(u32, &[u8], &mut u64),
) -> Result<Option<Vec<(PathBuf, File)>>> {
    let mut files = Vec::with_capacity(n_shards);
    for shard in 0..n_shards {
        let name = name(shard);
        if !storage.exists(&name)? {
            return Ok(None);
        }
        let path = storage.path_of(&name);
        let mut file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        let mut head = [0u8; 12];
        file.read_exact(&mut head).map_err(|e| Error::io(&path, e))?;
        if head[..8] != magic[..] {
            return Err(Error::corrupt(&path, format!("not a {kind} file (rerun with --fresh)")));
        }
        let n_docs = u32_at(&head, 8) as usize;
        let mut dir = vec![0u8; n_docs * entry_len];
        file.read_exact(&mut dir).map_err(|e| Error::io(&path, e))?;
        let mut offset = 12 + dir.len() as u64;
        for bytes in dir.chunks_exact(entry_len) {
            entry(files.len() as u32, bytes, &mut offset);
        }
        files.push((path, file));
    }
    Ok(Some(files))
}

/// Layout of a docprints file: `MAGIC`, the number of documents (u32), then per document its
/// DocId and number of fingerprints (two u32), then every document's fingerprints (u64,
/// ascending within a document) in the same order. Little-endian.
const MAGIC: &[u8; 8] = b"UNSPDPR1";

/// Writes the docprints file of one shard: `docs` are (DocId, its distinct fingerprints,
/// ascending).
pub(crate) fn write_docprints(
    storage: &FsStorage,
    name: &str,
    docs: &[(u32, Vec<u64>)],
) -> Result<()> {
    let n_prints: usize = docs.iter().map(|(_, prints)| prints.len()).sum();
    let mut bytes = Vec::with_capacity(12 + docs.len() * 8 + n_prints * 8);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(docs.len() as u32).to_le_bytes());
    for (doc, prints) in docs {
        bytes.extend_from_slice(&doc.to_le_bytes());
        bytes.extend_from_slice(&(prints.len() as u32).to_le_bytes());
    }
    for (_, prints) in docs {
        for fingerprint in prints {
            bytes.extend_from_slice(&fingerprint.to_le_bytes());
        }
    }
    write_scratch_bytes(storage, name, &bytes)
}

/// Where one document's fingerprints are.
#[derive(Debug, Clone, Copy)]
struct Place {
    /// Index in [`DocPrints::files`]; `u32::MAX` when the document has none.
    file: u32,
    n: u32,
    offset: u64,
}

/// Every document's own fingerprints, read from the prints stage's docprints files: their
/// directories are held (16 bytes a document), the fingerprints read on demand.
#[derive(Debug)]
pub struct DocPrints {
    files: Vec<(PathBuf, File)>,
    places: Vec<Place>,
}

impl DocPrints {
    /// Opens the docprints files of `n_shards` shards; `None` when one is missing (a run
    /// resumed from a directory whose files are gone or were written by an older version).
    pub(crate) fn open(storage: &FsStorage, n_shards: usize) -> Result<Option<DocPrints>> {
        let mut places: Vec<Place> = Vec::new();
        let files = open_shard_files(
            storage,
            n_shards,
            &docprints_file,
            (MAGIC, "docprints"),
            8,
            &mut |file, entry, offset| {
                let doc = u32_at(entry, 0) as usize;
                let n = u32_at(entry, 4);
                if doc >= places.len() {
                    places.resize(doc + 1, Place { file: u32::MAX, n: 0, offset: 0 });
                }
                places[doc] = Place { file, n, offset: *offset };
                *offset += u64::from(n) * 8;
            },
        )?;
        Ok(files.map(|files| DocPrints { files, places }))
    }

    /// Replaces `out` with the fingerprints of `doc` (ascending). `false` when the prints
    /// stage wrote none for it.
    pub fn read(&self, doc: DocId, out: &mut Vec<u64>) -> Result<bool> {
        out.clear();
        let Some(place) = self.places.get(doc.0 as usize).filter(|p| p.file != u32::MAX) else {
            return Ok(false);
        };
        let (path, file) = &self.files[place.file as usize];
        let mut bytes = vec![0u8; place.n as usize * 8];
        file.read_exact_at(&mut bytes, place.offset).map_err(|e| Error::io(path, e))?;
        out.extend(
            bytes.chunks_exact(8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes"))),
        );
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::{COMMON_SENTENCES_FILE, FREQS_FILE};

    #[test]
    fn freq_table_finds_what_was_pushed_and_nothing_else() {
        for n in [0usize, 1, 3, 17, 5_000, FREQ_CHUNK, 2 * FREQ_CHUNK + 7] {
            let mut table = FreqTable::default();
            let mut keys: Vec<u64> =
                (0..n as u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1).collect();
            keys.sort_unstable();
            keys.dedup();
            for (i, key) in keys.iter().enumerate() {
                table.push(*key, 2 + i as u32);
            }
            let table = table.finish();
            assert_eq!(table.len(), keys.len());
            for (i, key) in keys.iter().enumerate() {
                assert_eq!(table.get(*key), Some(2 + i as u32));
                assert_eq!(table.get(key - 1), None); // even numbers were never pushed
            }
            assert_eq!(table.get(0), None);
            assert_eq!(table.get(u64::MAX - 1), None);
        }
    }

    #[test]
    fn freq_table_and_counts_survive_a_round_trip_through_their_files() {
        let dir = std::env::temp_dir().join(format!("unspun-freqs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let storage = FsStorage::new(&dir);
        assert!(FreqTable::load(&storage, FREQS_FILE).expect("load").is_none());
        let mut table = FreqTable::default();
        let keys: Vec<u64> = (0..3_000u64).map(|k| k.wrapping_mul(0x9E37_79B9_7F4A_7C15)).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        for (at, key) in sorted.iter().enumerate() {
            table.push(*key, 2 + at as u32 % 7);
        }
        let table = table.finish();
        table.save(&storage, FREQS_FILE).expect("save");
        let back = FreqTable::load(&storage, FREQS_FILE).expect("load").expect("written");
        assert_eq!(back.len(), table.len());
        for key in &keys {
            assert_eq!(back.get(*key), table.get(*key));
            assert!(back.get(*key).is_some());
            assert_eq!(back.get(key ^ 1), table.get(key ^ 1));
        }
        let counts: std::collections::HashMap<u64, u32> =
            keys.iter().take(500).map(|k| (*k, (*k % 13) as u32)).collect();
        save_counts(&storage, COMMON_SENTENCES_FILE, &counts).expect("save");
        assert_eq!(load_counts(&storage, COMMON_SENTENCES_FILE).expect("load"), Some(counts));
        // A file cut short is an error naming it, not a smaller table.
        let path = storage.path_of(FREQS_FILE);
        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&path, &bytes[..bytes.len() - 5]).expect("write");
        let err = FreqTable::load(&storage, FREQS_FILE).expect_err("truncated");
        assert!(err.to_string().contains("freqs.bin"), "{err}");
        std::fs::remove_dir_all(&dir).expect("clean");
    }

    #[test]
    fn docprints_round_trip() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let storage = FsStorage::new(dir.path());
        write_docprints(&storage, &docprints_file(0), &[(0, vec![1, 5, 9]), (2, vec![])])
            .unwrap_or_else(|e| panic!("{e}"));
        write_docprints(&storage, &docprints_file(1), &[(7, vec![u64::MAX])])
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(DocPrints::open(&storage, 3).unwrap_or_else(|e| panic!("{e}")).is_none());
        let prints = DocPrints::open(&storage, 2)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("both files exist"));
        let mut out = vec![42];
        let read = |doc: u32, out: &mut Vec<u64>| {
            prints.read(DocId(doc), out).unwrap_or_else(|e| panic!("{e}"))
        };
        assert!(read(0, &mut out));
        assert_eq!(out, [1, 5, 9]);
        assert!(read(2, &mut out));
        assert!(out.is_empty());
        assert!(read(7, &mut out));
        assert_eq!(out, [u64::MAX]);
        assert!(!read(1, &mut out));
        assert!(!read(99, &mut out));
    }
}

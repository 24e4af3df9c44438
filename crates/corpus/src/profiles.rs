//! What the trace stage needs of a document without partners, written by the prints stage
//! from the analysis it makes anyway ([`Profiles`], one file per shard): its
//! [`UnsourcedProfile`], so that the trace stage turns it into its `TracedDoc` without
//! analysing its text a second time (`unspun_core::cluster::unsourced_from_profile`). Most
//! documents of a corpus have no partner: on the synthetic 20k corpus, two thirds of them.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use unspun_core::DocId;
use unspun_core::cluster::{ProfiledSentence, UnsourcedProfile};
use unspun_index::{Error, FsStorage, Result, Storage};

use crate::docprints::open_shard_files;
use crate::files::write_scratch_bytes;
use crate::prints::{u32_at, u64_at};

/// The file of one prints shard holding its documents' [`UnsourcedProfile`]s.
pub(crate) fn profiles_file(shard: usize) -> String {
    format!("profiles-{shard:05}.bin")
}

/// Layout of a profiles file: `MAGIC`, the number of documents (u32), then per document its
/// DocId (u32), its number of profiled sentences (u32; [`MUST_TRACE`] when it has no profile)
/// and its number of characters (u64), then every document's sentences in the same order,
/// 16 bytes each: the sentence hash (u64), the sentence's characters (u32) and flags (u32:
/// [`HAS_HASH`], [`TITLE`]). Little-endian.
const MAGIC: &[u8; 8] = b"UNSPPRF1";
const DIR_ENTRY: usize = 16;
const SENTENCE: usize = 16;
/// The number of sentences of a document without a profile (a sentence too long: trace it).
const MUST_TRACE: u32 = u32::MAX;
const HAS_HASH: u32 = 1;
const TITLE: u32 = 2;

/// Writes the profiles file of one shard: `docs` are (DocId, its profile or `None`).
pub(crate) fn write_profiles(
    storage: &FsStorage,
    name: &str,
    docs: &[(u32, Option<UnsourcedProfile>)],
) -> Result<()> {
    let path = storage.path_of(name);
    let n_sentences: usize =
        docs.iter().filter_map(|(_, p)| p.as_ref()).map(|p| p.sentences.len()).sum();
    let mut bytes = Vec::with_capacity(12 + docs.len() * DIR_ENTRY + n_sentences * SENTENCE);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(docs.len() as u32).to_le_bytes());
    let too_big = || Error::corrupt(&path, "a document too large for a profile");
    for (doc, profile) in docs {
        bytes.extend_from_slice(&doc.to_le_bytes());
        let (n, n_chars) = match profile {
            Some(p) => {
                let n = u32::try_from(p.sentences.len()).ok().filter(|&n| n != MUST_TRACE);
                (n.ok_or_else(too_big)?, p.n_chars as u64)
            }
            None => (MUST_TRACE, 0),
        };
        bytes.extend_from_slice(&n.to_le_bytes());
        bytes.extend_from_slice(&n_chars.to_le_bytes());
    }
    for profile in docs.iter().filter_map(|(_, p)| p.as_ref()) {
        for sentence in &profile.sentences {
            let flags = if sentence.hash.is_some() { HAS_HASH } else { 0 }
                | if sentence.title { TITLE } else { 0 };
            let n_chars = u32::try_from(sentence.n_chars).map_err(|_| too_big())?;
            bytes.extend_from_slice(&sentence.hash.unwrap_or(0).to_le_bytes());
            bytes.extend_from_slice(&n_chars.to_le_bytes());
            bytes.extend_from_slice(&flags.to_le_bytes());
        }
    }
    write_scratch_bytes(storage, name, &bytes)
}

/// Where one document's profile is.
#[derive(Debug, Clone, Copy)]
struct Place {
    /// Index in [`Profiles::files`]; `u32::MAX` when the document has no entry.
    file: u32,
    /// Its number of sentences, [`MUST_TRACE`] when it has no profile.
    n: u32,
    n_chars: u64,
    offset: u64,
}

/// Every document's [`UnsourcedProfile`], read from the prints stage's profiles files: their
/// directories are held (24 bytes a document), the sentences read on demand.
#[derive(Debug)]
pub struct Profiles {
    files: Vec<(PathBuf, File)>,
    places: Vec<Place>,
}

/// What [`Profiles::read`] found of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profiled {
    /// Its profile.
    Profile(UnsourcedProfile),
    /// It has none: a sentence is too long (the trace stage traces it).
    MustTrace,
    /// The prints stage wrote nothing for it.
    Missing,
}

impl Profiles {
    /// Opens the profiles files of `n_shards` shards; `None` when one is missing (a run
    /// resumed from a directory whose files are gone or were written by an older version).
    pub(crate) fn open(storage: &FsStorage, n_shards: usize) -> Result<Option<Profiles>> {
        let mut places: Vec<Place> = Vec::new();
        let files = open_shard_files(
            storage,
            n_shards,
            &profiles_file,
            (MAGIC, "profiles"),
            DIR_ENTRY,
            &mut |file, entry, offset| {
                let doc = u32_at(entry, 0) as usize;
                let n = u32_at(entry, 4);
                if doc >= places.len() {
                    places.resize(doc + 1, Place { file: u32::MAX, n: 0, n_chars: 0, offset: 0 });
                }
                places[doc] = Place { file, n, n_chars: u64_at(entry, 8), offset: *offset };
                if n != MUST_TRACE {
                    *offset += u64::from(n) * SENTENCE as u64;
                }
            },
        )?;
        Ok(files.map(|files| Profiles { files, places }))
    }

    /// The profile of `doc`.
    pub fn read(&self, doc: DocId) -> Result<Profiled> {
        let Some(place) = self.places.get(doc.0 as usize).filter(|p| p.file != u32::MAX) else {
            return Ok(Profiled::Missing);
        };
        if place.n == MUST_TRACE {
            return Ok(Profiled::MustTrace);
        }
        let (path, file) = &self.files[place.file as usize];
        let mut bytes = vec![0u8; place.n as usize * SENTENCE];
        file.read_exact_at(&mut bytes, place.offset).map_err(|e| Error::io(path, e))?;
        let sentences = bytes
            .chunks_exact(SENTENCE)
            .map(|b| {
                let flags = u32_at(b, 12);
                ProfiledSentence {
                    hash: (flags & HAS_HASH != 0).then(|| u64_at(b, 0)),
                    n_chars: u32_at(b, 8) as usize,
                    title: flags & TITLE != 0,
                }
            })
            .collect();
        Ok(Profiled::Profile(UnsourcedProfile { n_chars: place.n_chars as usize, sentences }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence(hash: Option<u64>, n_chars: usize, title: bool) -> ProfiledSentence {
        ProfiledSentence { hash, n_chars, title }
    }

    #[test]
    fn profiles_round_trip_and_tell_missing_from_must_trace() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let storage = FsStorage::new(dir.path());
        let first = UnsourcedProfile {
            n_chars: 1234,
            sentences: vec![sentence(Some(7), 40, false), sentence(None, 12, true)],
        };
        let second = UnsourcedProfile {
            n_chars: 5,
            sentences: vec![sentence(Some(0), 5, true), sentence(Some(u64::MAX), 3, false)],
        };
        write_profiles(&storage, &profiles_file(0), &[(0, Some(first.clone())), (2, None)])
            .unwrap_or_else(|e| panic!("{e}"));
        let empty = UnsourcedProfile::default();
        write_profiles(&storage, &profiles_file(1), &[(7, Some(second.clone())), (8, Some(empty))])
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(Profiles::open(&storage, 3).unwrap_or_else(|e| panic!("{e}")).is_none());
        let profiles = Profiles::open(&storage, 2)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("both files exist"));
        let read = |doc: u32| profiles.read(DocId(doc)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read(0), Profiled::Profile(first));
        assert_eq!(read(2), Profiled::MustTrace);
        assert_eq!(read(7), Profiled::Profile(second));
        assert_eq!(read(8), Profiled::Profile(UnsourcedProfile::default()));
        assert_eq!(read(1), Profiled::Missing);
        assert_eq!(read(99), Profiled::Missing);
    }

    #[test]
    fn a_truncated_profiles_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let storage = FsStorage::new(dir.path());
        let profile = UnsourcedProfile { n_chars: 9, sentences: vec![sentence(Some(1), 9, false)] };
        write_profiles(&storage, &profiles_file(0), &[(0, Some(profile))])
            .unwrap_or_else(|e| panic!("{e}"));
        let path = storage.path_of(&profiles_file(0));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap_or_else(|e| panic!("{e}"));
        let profiles = Profiles::open(&storage, 1)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("the file exists"));
        let err = profiles.read(DocId(0)).expect_err("truncated");
        assert!(err.to_string().contains("profiles-00000.bin"), "{err}");
        std::fs::write(&path, b"NOTPROFS\0\0\0\0").unwrap_or_else(|e| panic!("{e}"));
        let err = Profiles::open(&storage, 1).expect_err("bad magic");
        assert!(err.to_string().contains("profiles-00000.bin"), "{err}");
    }
}

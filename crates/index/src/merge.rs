//! Segment merging: [`IndexWriter::merge_segments`] rewrites a run of adjacent small segments
//! as one, so that an index fed one document per commit (the server's `POST /v1/documents`)
//! does not grow a segment per write. Every lookup visits every segment, so 561 one-document
//! segments made traces 27 % slower than one segment holding the same documents.
//!
//! A merged segment keeps the DocIds of its sources: segments are contiguous ranges of DocIds
//! (`base .. base + n_docs`), so adjacent segments concatenate into one range, and the merged
//! segment stores every document of the run in order, deleted ones included. Tombstones
//! therefore stay valid as they are, and a DocId a reader holds still names the same document.
//! Postings of deleted documents are dropped (readers skip them anyway).
//!
//! A merge is a commit: the new segment's files are written under a fresh number with
//! `write_atomic`, then the MANIFEST naming it instead of its sources is swapped in, then the
//! sources' files are removed. A crash at any step leaves the previous generation or the new
//! one, both holding the same documents. A reader that opened the previous generation keeps
//! reading the removed files: `FsStorage` maps them, and a mapping outlives the file's removal
//! on Unix; `MemStorage` hands out copies.

use std::ops::Range;

use unspun_core::DocId;

use crate::error::{Error, Result};
use crate::manifest::{SegmentMeta, docs_file_name, postings_file_name};
use crate::reader::LoadedSegment;
use crate::segment::{MAX_SEGMENT_DOCS, Verify, pack_key, write_docs_from, write_postings};
use crate::writer::IndexWriter;

/// When to merge, and what: a tiered policy over the small segments at the end of the index.
///
/// A segment is small when it holds fewer than [`MergePolicy::small_segment_docs`] documents.
/// When there are more than [`MergePolicy::max_small_segments`] small segments, the adjacent
/// run of at most [`MergePolicy::merge_factor`] small segments holding the fewest documents is
/// merged. Merged segments grow by about `merge_factor` each time they are merged again, so
/// a document is rewritten about log(small_segment_docs) / log(merge_factor) times, and an
/// index has at most `max_small_segments` small segments plus its large ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergePolicy {
    /// Segments with fewer documents than this may be merged; larger ones never are.
    pub small_segment_docs: u32,
    /// Small segments tolerated before a merge is due.
    pub max_small_segments: usize,
    /// Most segments one merge reads (at least 2).
    pub merge_factor: usize,
}

impl Default for MergePolicy {
    fn default() -> Self {
        MergePolicy { small_segment_docs: 20_000, max_small_segments: 8, merge_factor: 8 }
    }
}

impl MergePolicy {
    /// The run of `segments` (indices into the MANIFEST's list) to merge, or `None` when no
    /// merge is due.
    pub(crate) fn pick(&self, segments: &[SegmentMeta]) -> Option<Range<usize>> {
        let is_small = |segment: &SegmentMeta| segment.n_docs < self.small_segment_docs;
        if segments.iter().filter(|segment| is_small(segment)).count() <= self.max_small_segments {
            return None;
        }
        let factor = self.merge_factor.max(2);
        let mut best: Option<(u64, Range<usize>)> = None;
        let mut start = 0;
        while start < segments.len() {
            if !is_small(&segments[start]) {
                start += 1;
                continue;
            }
            let mut end = start;
            while end < segments.len() && is_small(&segments[end]) {
                end += 1;
            }
            // Within a maximal run of small segments, every window of `factor` (or the whole
            // run when shorter), fewest documents first, earliest on ties.
            let width = factor.min(end - start);
            if width >= 2 {
                for window_start in start..=end - width {
                    let window = window_start..window_start + width;
                    let n_docs: u64 =
                        segments[window.clone()].iter().map(|s| u64::from(s.n_docs)).sum();
                    if best.as_ref().is_none_or(|(best_docs, _)| n_docs < *best_docs) {
                        best = Some((n_docs, window));
                    }
                }
            }
            start = end;
        }
        best.map(|(_, window)| window)
    }
}

/// What a merge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeInfo {
    /// The generation the merge committed.
    pub generation: u64,
    /// Segments read.
    pub n_segments_merged: u64,
    /// Documents in the merged segment (deleted ones included).
    pub n_docs: u64,
    /// Postings written (those of deleted documents are dropped).
    pub n_postings: u64,
    /// Segments in the index after the merge.
    pub n_segments: u64,
}

impl IndexWriter {
    /// Whether `policy` would merge now.
    pub fn merge_due(&self, policy: &MergePolicy) -> bool {
        policy.pick(&self.manifest.segments).is_some()
    }

    /// Segments of the last committed generation.
    pub fn n_segments(&self) -> u64 {
        self.manifest.segments.len() as u64
    }

    /// Merges the run of small segments `policy` picks, if a merge is due, and commits.
    /// Anything buffered is committed first. Documents, DocIds, tombstones and postings of
    /// live documents are unchanged (see the module documentation). On error the previous
    /// generation stays committed.
    pub fn merge_segments(&mut self, policy: &MergePolicy) -> Result<Option<MergeInfo>> {
        self.commit()?;
        match policy.pick(&self.manifest.segments) {
            None => Ok(None),
            Some(run) => self.merge_run(run).map(Some),
        }
    }

    /// Merges segments `run` (indices into the committed list, at least two) into one.
    fn merge_run(&mut self, run: Range<usize>) -> Result<MergeInfo> {
        // Sources are verified as they are read: every postings chunk by `for_each_posting`,
        // every document block when it is decompressed.
        let sources: Vec<LoadedSegment> = self.manifest.segments[run.clone()]
            .iter()
            .map(|meta| LoadedSegment::load(&*self.storage, meta, Verify::Tables))
            .collect::<Result<_>>()?;
        let base = sources[0].meta.base;
        let n_docs: u64 = sources.iter().map(|s| u64::from(s.meta.n_docs)).sum();
        if n_docs > MAX_SEGMENT_DOCS as u64 {
            return Err(too_large_merge(n_docs));
        }
        // Memory is bounded by the merged segment's packed postings; documents stream from
        // the sources to the new file a block at a time.
        let mut postings = Vec::new();
        for source in &sources {
            let offset = source.meta.base - base;
            source.postings.for_each_posting(|key, doc_idx| {
                if !self.deleted.contains(&DocId(source.meta.base + doc_idx)) {
                    postings.push(pack_key(key, offset + doc_idx));
                }
            })?;
        }
        postings.sort_unstable();
        // Two fingerprints of a v1/v2 source may share a key.
        postings.dedup();

        let mut manifest = self.manifest.clone();
        manifest.generation += 1;
        let number = manifest.next_file_number;
        manifest.next_file_number += 1;
        let docs_meta = self.write_file(&docs_file_name(number), |out, _| {
            let docs = sources.iter().flat_map(|source| {
                (0..source.meta.n_docs).map(move |doc_idx| source.docs.document(doc_idx))
            });
            write_docs_from(out, docs)
        })?;
        drop(sources);
        let postings_meta =
            self.write_file(&postings_file_name(number), |out, _| write_postings(out, &postings))?;
        let merged = SegmentMeta {
            number,
            base,
            n_docs: u32::try_from(n_docs).map_err(|_| too_large_merge(n_docs))?,
            n_postings: postings.len() as u64,
            docs: docs_meta,
            postings: postings_meta,
        };
        manifest.segments.splice(run.clone(), [merged]);
        self.swap_manifest(manifest)?;
        Ok(MergeInfo {
            generation: self.manifest.generation,
            n_segments_merged: run.len() as u64,
            n_docs,
            n_postings: postings.len() as u64,
            n_segments: self.manifest.segments.len() as u64,
        })
    }
}

/// The error of a merge that would hold more than [`MAX_SEGMENT_DOCS`] documents.
fn too_large_merge(n_docs: u64) -> Error {
    Error::TooLarge {
        what: "merged segment".into(),
        reason: format!("{n_docs} documents, at most {MAX_SEGMENT_DOCS}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::FileMeta;

    fn segments(sizes: &[u32]) -> Vec<SegmentMeta> {
        let mut base = 0;
        let file = FileMeta { size: 0, checksum: 0 };
        sizes
            .iter()
            .enumerate()
            .map(|(number, &n_docs)| {
                let meta = SegmentMeta {
                    number: number as u64,
                    base,
                    n_docs,
                    n_postings: 0,
                    docs: file,
                    postings: file,
                };
                base += n_docs;
                meta
            })
            .collect()
    }

    fn check(sizes: &[u32], expect: Option<Range<usize>>) {
        let policy =
            MergePolicy { small_segment_docs: 100, max_small_segments: 3, merge_factor: 3 };
        assert_eq!(policy.pick(&segments(sizes)), expect, "{sizes:?}");
    }

    #[test]
    fn picks_the_smallest_adjacent_run_of_small_segments() {
        check(&[], None);
        check(&[1, 1, 1], None);
        check(&[1, 1, 1, 1], Some(0..3));
        check(&[500, 9, 1, 1, 1], Some(2..5));
        check(&[5, 5, 1, 1, 500, 1], Some(1..4));
        // Small segments separated by large ones: only adjacent ones merge.
        check(&[1, 500, 1, 1, 500, 1], Some(2..4));
        check(&[1, 500, 1, 500, 1, 500, 1], None);
        check(&[1000, 2000], None);
    }
}

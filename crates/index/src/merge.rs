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

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::ops::Range;

use unspun_core::DocId;

use crate::error::{Error, Result};
use crate::manifest::{SegmentMeta, docs_file_name, postings_file_name};
use crate::reader::LoadedSegment;
use crate::segment::{
    MAX_SEGMENT_DOCS, PostingsCursor, Verify, pack_key, write_docs_from, write_postings,
    write_postings_from,
};
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
        let mut manifest = self.manifest.clone();
        manifest.generation += 1;
        let number = manifest.next_file_number;
        manifest.next_file_number += 1;
        // Documents stream from the sources to the new file a block at a time.
        let dictionary = self.docs_dictionary;
        let docs_meta = self.write_file(&docs_file_name(number), |out, _| {
            let docs = sources.iter().flat_map(|source| {
                (0..source.meta.n_docs).map(move |doc_idx| source.docs.document(doc_idx))
            });
            write_docs_from(out, docs, dictionary)
        })?;
        // Postings of v3 sources stream too, merged in key order (one pass to count keys,
        // one to write); a v1/v2 source's are in hash order, so those runs are collected
        // and sorted: 16 bytes per posting of the merged segment.
        let cursors =
            sources.iter().map(|source| source.postings.cursor()).collect::<Result<Vec<_>>>()?;
        let n_postings = if cursors.iter().all(Option::is_some) {
            let merged = || -> Result<MergedPostings<'_>> {
                MergedPostings::new(&sources, base, &self.deleted)
            };
            let (mut n_keys, mut n_postings, mut last_key) = (0u64, 0u64, None);
            for posting in merged()? {
                let (key, _) = posting?;
                n_keys += u64::from(last_key != Some(key));
                n_postings += 1;
                last_key = Some(key);
            }
            let max_doc = u32::try_from(n_docs.saturating_sub(1)).unwrap_or(u32::MAX);
            let postings_meta = self.write_file(&postings_file_name(number), |out, _| {
                let mut failed = None;
                let postings = merged()?.map_while(|posting| match posting {
                    Ok(posting) => Some(posting),
                    Err(error) => {
                        failed = Some(error);
                        None
                    }
                });
                let written = write_postings_from(out, n_keys, max_doc, postings);
                match failed {
                    Some(error) => Err(error),
                    None => written,
                }
            })?;
            (n_postings, postings_meta)
        } else {
            drop(cursors);
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
            let postings_meta = self
                .write_file(&postings_file_name(number), |out, _| write_postings(out, &postings))?;
            (postings.len() as u64, postings_meta)
        };
        let (n_postings, postings_meta) = n_postings;
        drop(sources);
        let merged = SegmentMeta {
            number,
            base,
            n_docs: u32::try_from(n_docs).map_err(|_| too_large_merge(n_docs))?,
            n_postings,
            docs: docs_meta,
            postings: postings_meta,
        };
        manifest.segments.splice(run.clone(), [merged]);
        self.swap_manifest(manifest)?;
        Ok(MergeInfo {
            generation: self.manifest.generation,
            n_segments_merged: run.len() as u64,
            n_docs,
            n_postings,
            n_segments: self.manifest.segments.len() as u64,
        })
    }
}

/// The postings of a run of v3 segments in key order, documents renumbered from the run's
/// first base, those of deleted documents left out: a k-way merge of the sources' cursors.
struct MergedPostings<'a> {
    cursors: Vec<PostingsCursor<'a>>,
    /// Each source's offset in the merged segment and base DocId.
    offsets: Vec<(u32, u32)>,
    /// The next posting of each source: (key, source, local document), smallest first.
    heap: BinaryHeap<Reverse<(u64, usize, u32)>>,
    deleted: &'a BTreeSet<DocId>,
    failed: bool,
}

impl<'a> MergedPostings<'a> {
    fn new(
        sources: &'a [LoadedSegment],
        base: u32,
        deleted: &'a BTreeSet<DocId>,
    ) -> Result<MergedPostings<'a>> {
        let mut merged = MergedPostings {
            cursors: Vec::with_capacity(sources.len()),
            offsets: Vec::with_capacity(sources.len()),
            heap: BinaryHeap::with_capacity(sources.len()),
            deleted,
            failed: false,
        };
        for source in sources {
            let cursor = source.postings.cursor()?.ok_or_else(|| {
                Error::corrupt("<merge>", "a v1/v2 source cannot be streamed in key order")
            })?;
            merged.cursors.push(cursor);
            merged.offsets.push((source.meta.base - base, source.meta.base));
        }
        for source in 0..merged.cursors.len() {
            merged.advance(source)?;
        }
        Ok(merged)
    }

    /// Pushes the next posting of `source`, if any.
    fn advance(&mut self, source: usize) -> Result<()> {
        if let Some(posting) = self.cursors[source].next() {
            let (key, doc) = posting?;
            self.heap.push(Reverse((key, source, doc)));
        }
        Ok(())
    }
}

impl Iterator for MergedPostings<'_> {
    type Item = Result<(u64, u32)>;

    fn next(&mut self) -> Option<Result<(u64, u32)>> {
        while !self.failed {
            let Reverse((key, source, doc)) = self.heap.pop()?;
            if let Err(error) = self.advance(source) {
                self.failed = true;
                return Some(Err(error));
            }
            let (offset, source_base) = self.offsets[source];
            if !self.deleted.contains(&DocId(source_base + doc)) {
                return Some(Ok((key, offset + doc)));
            }
        }
        None
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

//! A deterministic generator of "content-farm" patchwork articles with ground truth.
//!
//! A patchwork takes a few sentences from each of several source documents, copies some word
//! for word, "spins" others (synonyms, entity aliases: "Russia" → "Russian Federation"), edits a
//! few ("reportedly"), shuffles them, mixes in sentences from documents nobody indexed, may leave
//! a wire dateline on the first sentence and prints the title again at the end — like the real
//! example in `shared/examples/patchwork-article.txt`. Every planted sentence is recorded as a
//! [`PlantedSentence`] with exact byte ranges in the patchwork and in its source, so that
//! `unspun demo` and the evaluation can score a trace against the truth.
//!
//! The generator is pure: no files, clock, environment or global random state. The same
//! inputs and seed give the same patchworks; patchwork `k` depends only on the seed and `k`.
//!
//! ```
//! use unspun_core::Document;
//! use unspun_lab::patchwork::{PatchworkConfig, generate};
//! let source = Document {
//!     id: "a".into(),
//!     text: "Government officials said the company announced a huge increase in prices.".into(),
//!     ..Document::default()
//! };
//! let patchworks = generate(&[source], &[], 1, &PatchworkConfig::default(), 42);
//! assert_eq!(patchworks.len(), 1);
//! assert_eq!(patchworks[0].truth[0].source_id.as_deref(), Some("a"));
//! ```

mod edit;
mod rng;
mod spin;
pub mod table;

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use serde::{Deserialize, Serialize};

pub use rng::Rng;
pub use spin::{
    BuiltinThesaurus, SpinConfig, Spun, Thesaurus, alias_entities, n_to_replace, spin_text,
};
pub use unspun_core::lexicon::{WordNet, WordNetProblem, WordNetSources};

use unspun_core::{Document, Timestamp, text};

/// Seconds in a day: a patchwork is dated one day after its latest source.
const SECONDS_PER_DAY: i64 = 86_400;

/// How many random documents to try before scanning for an eligible one.
const RANDOM_TRIES_PER_PICK: usize = 16;

/// Knobs of [`generate`]. Minimums above their maximums are lowered to the maximum; shares are
/// clamped to `[0, 1]`.
///
/// The edits added for issue #3 (splitting, merging, aliasing at a rate of its own, dropped
/// datelines, a share of negatives) are off by default, so that the default patchworks of a
/// seed stay what they were; `unspun-bench generate` turns them on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PatchworkConfig {
    /// Fewest source documents per patchwork (at least 1).
    pub n_sources_min: usize,
    /// Most source documents per patchwork (fewer when the corpus has fewer eligible ones).
    pub n_sources_max: usize,
    /// Fewest sentences taken from each source.
    pub sentences_per_source_min: usize,
    /// Most sentences taken from each source (fewer when it has fewer eligible sentences).
    pub sentences_per_source_max: usize,
    /// Share of the substitutable words replaced in a spun sentence (at least one when > 0).
    pub substitution_rate: f64,
    /// Share of planted sentences that are spun.
    pub spun_share: f64,
    /// Share of planted sentences with one small insertion or deletion. The rest are verbatim.
    pub edited_share: f64,
    /// Whether sentences taken from the same source are shuffled (otherwise they keep their
    /// source order; sentences of different sources are always interleaved at random).
    pub reorder: bool,
    /// Fewest original (negative) sentences, taken from the `negatives` documents.
    pub n_original_sentences_min: usize,
    /// Most original (negative) sentences.
    pub n_original_sentences: usize,
    /// Whether a wire dateline ("WASHINGTON (CNN) - ") may be prepended to the first sentence.
    pub add_dateline: bool,
    /// Probability of the dateline when `add_dateline` is set.
    pub dateline_probability: f64,
    /// Whether the title is printed again as the last paragraph, as content farms do.
    pub repeat_title: bool,
    /// Only sentences with at least this many word tokens are taken.
    pub min_sentence_words: usize,
    /// Only sentences with at most this many word tokens are taken.
    pub max_sentence_words: usize,
    /// Share of planted source sentences cut in two at ", and", ", but" or ";" (each part a
    /// sentence of its own, [`EditKind::Split`]), when they have such a cut.
    pub split_share: f64,
    /// Share of planted source sentences joined with the next sentence of their source by
    /// ", and" or ";" ([`EditKind::Merged`]), when that sentence follows in the same paragraph.
    pub merge_share: f64,
    /// Entity aliasing at a rate of its own: each entity mention of every planted source
    /// sentence is aliased with this probability ([`EditKind::Aliased`]), and spinning replaces
    /// words only. `None`: aliases are substitutable spans of the spin, as before.
    pub alias_rate: Option<f64>,
    /// Probability that a wire dateline heading a copied source sentence ("WASHINGTON (AP) —
    /// ") is dropped ([`EditKind::DatelineDropped`]).
    pub dateline_drop_probability: f64,
    /// Share of negative (original) sentences among all sentences of a patchwork; when set,
    /// it replaces `n_original_sentences_min`/`n_original_sentences`. At most 0.9.
    pub negative_share: Option<f64>,
}

impl Default for PatchworkConfig {
    fn default() -> Self {
        PatchworkConfig {
            n_sources_min: 2,
            n_sources_max: 4,
            sentences_per_source_min: 1,
            sentences_per_source_max: 4,
            substitution_rate: 0.3,
            spun_share: 0.4,
            edited_share: 0.15,
            reorder: true,
            n_original_sentences_min: 1,
            n_original_sentences: 2,
            add_dateline: true,
            dateline_probability: 0.3,
            repeat_title: true,
            min_sentence_words: 8,
            max_sentence_words: 80,
            split_share: 0.0,
            merge_share: 0.0,
            alias_rate: None,
            dateline_drop_probability: 0.0,
            negative_share: None,
        }
    }
}

/// How a planted sentence differs from its source sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditKind {
    /// Copied word for word: the query slice (after any dateline) equals the source slice.
    Verbatim,
    /// Words replaced by synonyms or entity aliases, listed in `substitutions`.
    Spun,
    /// One word inserted or deleted, listed in `inserted_words` / `deleted_words`.
    Edited,
    /// Moved out of its source order relative to the other sentences taken from that source.
    Reordered,
    /// A wire dateline was prepended; it is inside the query range but not the source range.
    Dateline,
    /// Part of a source sentence that was cut in two; the source range covers this part only
    /// (the joining comma and a dropped conjunction excluded). A full stop may be added and
    /// the first letter capitalised.
    Split,
    /// A source sentence joined with its neighbour into one sentence (", and", ";"); each has
    /// its own planted entry. The first loses its full stop; the second may lose its capital.
    Merged,
    /// Entity mentions replaced by aliases at [`PatchworkConfig::alias_rate`], listed in
    /// `aliases`.
    Aliased,
    /// The wire dateline heading the source sentence was dropped; the source range starts
    /// after it.
    DatelineDropped,
}

/// Ground truth for one sentence of a patchwork.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlantedSentence {
    /// Byte offset of the sentence in the patchwork's `doc.text` (a dateline included).
    pub query_byte_start: usize,
    /// Byte offset one past the sentence's end in `doc.text`.
    pub query_byte_end: usize,
    /// The source document's id; `None` for an original (negative) sentence.
    pub source_id: Option<String>,
    /// Byte offset of the source sentence in the source document's text (0 for negatives).
    pub source_byte_start: usize,
    /// Byte offset one past the source sentence's end (0 for negatives).
    pub source_byte_end: usize,
    /// What was done: one of `Verbatim`, `Spun`, `Edited` (empty for negatives), then possibly
    /// `Reordered` and `Dateline`.
    pub edits: Vec<EditKind>,
    /// `(source word or phrase, replacement)` pairs of a spun sentence, in text order.
    pub substitutions: Vec<(String, String)>,
    /// Words inserted by an edit.
    pub inserted_words: Vec<String>,
    /// Words deleted by an edit.
    pub deleted_words: Vec<String>,
    /// For a negative: the id of the unindexed document it came from (not to be found).
    pub negative_doc_id: Option<String>,
    /// `(entity mention, alias)` pairs of an [`EditKind::Aliased`] sentence, in text order.
    #[serde(default)]
    pub aliases: Vec<(String, String)>,
}

/// One generated patchwork article and its ground truth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patchwork {
    /// The article: id `patchwork-0007`, title taken (maybe spun) from the source of the first
    /// planted sentence, body text, date one day after the latest source date.
    pub doc: Document,
    /// Every sentence of `doc.text` in text order, except the repeated title.
    pub truth: Vec<PlantedSentence>,
    /// Ids of the source documents used, in the order they were picked.
    pub sources: Vec<String>,
    /// Byte range `(start, end)` of the repeated title at the end of `doc.text`, if any.
    pub repeated_title: Option<(usize, usize)>,
}

/// Generates `count` patchworks from `sources` (documents the caller indexes) and `negatives`
/// (documents the caller does not index) with the [`BuiltinThesaurus`].
///
/// Returns fewer (possibly none) when `sources` has no document with an eligible sentence.
pub fn generate(
    sources: &[Document],
    negatives: &[Document],
    count: usize,
    config: &PatchworkConfig,
    seed: u64,
) -> Vec<Patchwork> {
    generate_with_thesaurus(sources, negatives, count, config, seed, &BuiltinThesaurus::new())
}

/// [`generate`] with another [`Thesaurus`] for the word synonyms.
pub fn generate_with_thesaurus(
    sources: &[Document],
    negatives: &[Document],
    count: usize,
    config: &PatchworkConfig,
    seed: u64,
    thesaurus: &dyn Thesaurus,
) -> Vec<Patchwork> {
    let config = Bounds::new(config);
    let mut source_pool = Pool::new(sources, &config);
    let mut negative_pool = Pool::new(negatives, &config);
    let mut out = Vec::new();
    for k in 0..count {
        let mut rng = Rng::for_stream(seed, k as u64);
        let Some(patchwork) =
            build_one(&mut source_pool, &mut negative_pool, &config, thesaurus, &mut rng, k)
        else {
            // No source document has an eligible sentence: no patchwork can ever be built.
            break;
        };
        out.push(patchwork);
    }
    out
}

/// The config with bounds put in order and shares clamped.
struct Bounds {
    n_sources: (usize, usize),
    sentences_per_source: (usize, usize),
    n_originals: (usize, usize),
    words: (usize, usize),
    substitution_rate: f64,
    spun_share: f64,
    edited_share: f64,
    dateline_probability: f64,
    reorder: bool,
    repeat_title: bool,
    split_share: f64,
    merge_share: f64,
    alias_rate: Option<f64>,
    dateline_drop: f64,
    negative_share: Option<f64>,
}

fn share(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}

fn ordered(min: usize, max: usize) -> (usize, usize) {
    (min.min(max), max)
}

impl Bounds {
    fn new(c: &PatchworkConfig) -> Self {
        Bounds {
            n_sources: ordered(c.n_sources_min.max(1), c.n_sources_max.max(1)),
            sentences_per_source: ordered(
                c.sentences_per_source_min.max(1),
                c.sentences_per_source_max.max(1),
            ),
            n_originals: ordered(c.n_original_sentences_min, c.n_original_sentences),
            words: ordered(c.min_sentence_words, c.max_sentence_words),
            substitution_rate: share(c.substitution_rate),
            spun_share: share(c.spun_share),
            edited_share: share(c.edited_share),
            dateline_probability: if c.add_dateline { share(c.dateline_probability) } else { 0.0 },
            reorder: c.reorder,
            repeat_title: c.repeat_title,
            split_share: share(c.split_share),
            merge_share: share(c.merge_share),
            alias_rate: c.alias_rate.map(share),
            dateline_drop: share(c.dateline_drop_probability),
            negative_share: c.negative_share.map(|s| share(s).min(0.9)),
        }
    }
}

/// Documents with their eligible sentences, computed on first use.
struct Pool<'d> {
    docs: &'d [Document],
    eligible: HashMap<usize, Vec<Range<usize>>>,
    words: (usize, usize),
    /// Set once a full scan found no document with an eligible sentence.
    exhausted: bool,
}

impl<'d> Pool<'d> {
    fn new(docs: &'d [Document], bounds: &Bounds) -> Self {
        Pool { docs, eligible: HashMap::new(), words: bounds.words, exhausted: docs.is_empty() }
    }

    /// The eligible sentences of document `doc_idx`.
    fn sentences(&mut self, doc_idx: usize) -> &[Range<usize>] {
        let (docs, words) = (self.docs, self.words);
        self.eligible
            .entry(doc_idx)
            .or_insert_with(|| eligible_sentences(&docs[doc_idx].text, words))
    }

    /// Up to `want` distinct documents with eligible sentences, excluding `taken`: random tries
    /// first, then (if none was found) a scan from a random start, so that a corpus with rare
    /// eligible documents still yields one and an empty one is detected.
    fn pick(&mut self, rng: &mut Rng, want: usize, taken: &HashSet<usize>) -> Vec<usize> {
        let n = self.docs.len();
        let mut picked = Vec::new();
        if self.exhausted || want == 0 {
            return picked;
        }
        for _ in 0..want.saturating_mul(RANDOM_TRIES_PER_PICK) {
            if picked.len() == want {
                return picked;
            }
            let doc_idx = rng.below(n);
            if !taken.contains(&doc_idx)
                && !picked.contains(&doc_idx)
                && !self.sentences(doc_idx).is_empty()
            {
                picked.push(doc_idx);
            }
        }
        if picked.is_empty() {
            let start = rng.below(n);
            let mut any_eligible = false;
            for offset in 0..n {
                let doc_idx = (start + offset) % n;
                if self.sentences(doc_idx).is_empty() {
                    continue;
                }
                any_eligible = true;
                if !taken.contains(&doc_idx) {
                    picked.push(doc_idx);
                    break;
                }
            }
            self.exhausted = !any_eligible;
        }
        picked
    }
}

/// Sentences of `text` with a word count in `words` that end like a sentence and stay in one
/// paragraph.
fn eligible_sentences(text: &str, words: (usize, usize)) -> Vec<Range<usize>> {
    text::split_sentences(text)
        .into_iter()
        .filter(|range| {
            let Some(sentence) = text.get(range.clone()) else { return false };
            let n_words = text::tokenize(sentence).len();
            let ends_well = sentence.ends_with(['.', '!', '?', '"', '”', '’', '\'']);
            ends_well && !sentence.contains("\n\n") && n_words >= words.0 && n_words <= words.1
        })
        .collect()
}

/// One planted sentence, or one part of a split or merged sentence, with its truth.
struct Part {
    text: String,
    truth: PlantedSentence,
}

/// One sentence of a patchwork under construction: usually one part; a split sentence is two
/// parts joined by a space (kept together), a merged one two parts joined by ", and " or "; ".
struct Piece {
    parts: Vec<Part>,
    /// What goes between consecutive parts (`parts.len() - 1` entries).
    joiners: Vec<&'static str>,
    /// Index into the picked source documents, `None` for negatives.
    source_rank: Option<usize>,
}

impl Piece {
    fn single(part: Part) -> Self {
        Piece { parts: vec![part], joiners: Vec::new(), source_rank: None }
    }

    fn mark(&mut self, kind: EditKind) {
        for part in &mut self.parts {
            part.truth.edits.push(kind);
        }
    }
}

fn build_one(
    sources: &mut Pool<'_>,
    negatives: &mut Pool<'_>,
    config: &Bounds,
    thesaurus: &dyn Thesaurus,
    rng: &mut Rng,
    k: usize,
) -> Option<Patchwork> {
    let n_sources = rng.range_inclusive(config.n_sources.0, config.n_sources.1);
    let picked = sources.pick(rng, n_sources, &HashSet::new());
    if picked.is_empty() {
        return None;
    }

    // Sentences of each source: a random sorted subset, possibly shuffled.
    let mut groups: Vec<Vec<Piece>> = Vec::with_capacity(picked.len());
    for (rank, &doc_idx) in picked.iter().enumerate() {
        let doc = &sources.docs[doc_idx];
        let eligible = sources.sentences(doc_idx).to_vec();
        let (lo, hi) = config.sentences_per_source;
        let n_take = rng.range_inclusive(lo, hi);
        let mut chosen = rng.sample_sorted(eligible.len(), n_take);
        let sorted = chosen.clone();
        if config.reorder {
            rng.shuffle(&mut chosen);
        }
        let group = chosen
            .iter()
            .zip(&sorted)
            .map(|(&sentence_idx, &in_order)| {
                // The next sentence of the source, if it may be merged into this one.
                let next = eligible
                    .get(sentence_idx + 1)
                    .filter(|_| !sorted.contains(&(sentence_idx + 1)))
                    .filter(|next| mergeable(&doc.text, &eligible[sentence_idx], next))
                    .cloned();
                let range = eligible[sentence_idx].clone();
                let mut piece = plant_sentence(doc, range, next, config, thesaurus, rng);
                if sentence_idx != in_order {
                    piece.mark(EditKind::Reordered);
                }
                piece.source_rank = Some(rank);
                piece
            })
            .collect();
        groups.push(group);
    }

    // Interleave the groups at random, keeping each group's internal order.
    let mut labels: Vec<usize> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, group)| std::iter::repeat_n(g, group.len()))
        .collect();
    rng.shuffle(&mut labels);
    let mut iters: Vec<_> = groups.into_iter().map(Vec::into_iter).collect();
    let mut pieces: Vec<Piece> =
        labels.iter().filter_map(|&g| iters.get_mut(g).and_then(Iterator::next)).collect();

    // Original sentences from unindexed documents, at random positions.
    let n_originals = match config.negative_share {
        Some(share) => {
            let n_planted: usize = pieces.iter().map(|p| p.parts.len()).sum();
            (share / (1.0 - share) * n_planted as f64).round() as usize
        }
        None => rng.range_inclusive(config.n_originals.0, config.n_originals.1),
    };
    for piece in originals(negatives, rng, n_originals) {
        let at = rng.below(pieces.len() + 1);
        pieces.insert(at, piece);
    }

    if !pieces.is_empty() && rng.chance(config.dateline_probability) {
        let dateline = rng.choose(table::DATELINES).expect("the dateline table is not empty");
        let first = &mut pieces[0].parts[0];
        // A dropped dateline is not put back under another name.
        if !first.truth.edits.contains(&EditKind::DatelineDropped) {
            first.text.insert_str(0, dateline);
            first.truth.edits.push(EditKind::Dateline);
        }
    }

    // Title from the source of the first planted sentence, spun like a sentence might be.
    let title = pieces
        .iter()
        .find_map(|p| p.source_rank)
        .and_then(|rank| sources.docs[picked[rank]].title.as_deref())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            if rng.chance(config.spun_share) && config.substitution_rate > 0.0 {
                let spin = SpinConfig {
                    rate: config.substitution_rate,
                    headline: true,
                    entities: config.alias_rate.is_none(),
                };
                spin_text(t, &spin, thesaurus, rng).text
            } else {
                t.to_string()
            }
        });

    let (text, truth, repeated_title) = assemble(pieces, title.as_deref(), config, rng);
    let date = picked.iter().filter_map(|&i| sources.docs[i].date).max();
    let doc = Document {
        id: format!("patchwork-{k:04}"),
        title,
        text,
        date: date.map(|Timestamp(t)| Timestamp(t.saturating_add(SECONDS_PER_DAY))),
        source: Some("unspun patchwork".to_string()),
        url: None,
    };
    let sources = picked.iter().map(|&i| sources.docs[i].id.clone()).collect();
    Some(Patchwork { doc, truth, sources, repeated_title })
}

/// Whether source sentence `next` may be merged after `first`: it follows in the same
/// paragraph and `first` ends with a plain full stop (not "?", "!" or a quote).
fn mergeable(text: &str, first: &Range<usize>, next: &Range<usize>) -> bool {
    let gap = text.get(first.end..next.start).unwrap_or("\n\n");
    let ends_plain = text.get(first.clone()).is_some_and(|s| s.ends_with('.') && s.len() > 1);
    first.end <= next.start && gap.trim().is_empty() && !gap.contains("\n\n") && ends_plain
}

/// Connectors a sentence may be cut at: `(separator, bytes of the separator that stay with
/// neither part)`. ", and " drops the conjunction; ", but " keeps "but" (capitalised).
const SPLIT_CUTS: &[(&str, usize)] = &[(", and ", 6), (", but ", 2), ("; ", 2)];

/// Fewest words on either side of a split.
const MIN_SPLIT_WORDS: usize = 4;

/// Where `sentence` may be cut in two: `(end of the first part, start of the second)` byte
/// offsets, outside quotations, leaving at least [`MIN_SPLIT_WORDS`] words on each side.
fn split_points(sentence: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for &(separator, dropped) in SPLIT_CUTS {
        for (at, _) in sentence.match_indices(separator) {
            let (head, tail) = (&sentence[..at], &sentence[at + dropped..]);
            let in_quote = head.matches('"').count() % 2 == 1
                || head.matches('“').count() > head.matches('”').count();
            let starts_with_letter = tail.chars().next().is_some_and(char::is_alphabetic);
            if !in_quote
                && starts_with_letter
                && text::tokenize(head).len() >= MIN_SPLIT_WORDS
                && text::tokenize(tail).len() >= MIN_SPLIT_WORDS
            {
                out.push((at, at + dropped));
            }
        }
    }
    out.sort_unstable();
    out
}

/// The byte length of a wire dateline heading `sentence` ("WASHINGTON (AP) — ", "Washington
/// (CNN)", "LONDON - "), if any: a place in capitals or Title Case, an optional agency in
/// parentheses, then a dash or (after an agency) the sentence's capital letter.
pub fn dateline_len(sentence: &str) -> Option<usize> {
    if let Some(known) = table::DATELINES.iter().find(|d| sentence.starts_with(**d)) {
        return Some(known.len());
    }
    let head = sentence.get(..sentence.len().min(80))?;
    let place_end = head.find(['(', '-', '—', '–'])?;
    let place = head[..place_end].trim_end();
    let place_ok = !place.is_empty()
        && place.chars().all(|c| c.is_alphabetic() || " ,.'".contains(c))
        && place.chars().next().is_some_and(char::is_uppercase)
        && place.split([' ', ',']).filter(|w| !w.is_empty()).count() <= 4;
    if !place_ok {
        return None;
    }
    let mut rest = &head[place_end..];
    let mut agency = false;
    if let Some(inner) = rest.strip_prefix('(') {
        let close = inner.find(')')?;
        let name = &inner[..close];
        if name.is_empty() || name.len() > 24 || !name.starts_with(|c: char| c.is_uppercase()) {
            return None;
        }
        agency = true;
        rest = &inner[close + 1..];
    } else if place.chars().any(char::is_lowercase) {
        // Without an agency only "PLACE —" in capitals is a dateline, not "Well - maybe".
        return None;
    }
    let after_space = rest.trim_start();
    let dashed = after_space.trim_start_matches(['-', '—', '–']);
    if dashed.len() == after_space.len() && !agency {
        return None;
    }
    let body = dashed.trim_start();
    if !body.starts_with(|c: char| c.is_uppercase() || c == '"' || c == '“') {
        return None;
    }
    // `body` is a suffix of `head`, which is a prefix of `sentence`.
    Some(head.len() - body.len())
}

/// Plants one source sentence: maybe drops its dateline, then splits it, merges it with
/// `next`, or copies it whole (verbatim, spun or edited; aliased when aliasing has its own
/// rate).
fn plant_sentence(
    doc: &Document,
    mut range: Range<usize>,
    next: Option<Range<usize>>,
    config: &Bounds,
    thesaurus: &dyn Thesaurus,
    rng: &mut Rng,
) -> Piece {
    let mut dropped_dateline = false;
    if config.dateline_drop > 0.0
        && let Some(len) = doc.text.get(range.clone()).and_then(dateline_len)
        && len < range.len()
        && rng.chance(config.dateline_drop)
    {
        range.start += len;
        dropped_dateline = true;
    }
    let sentence = &doc.text[range.clone()];
    let mut piece = None;
    if config.split_share > 0.0 && rng.chance(config.split_share) {
        let points = split_points(sentence);
        if let Some(&(head_end, tail_start)) = rng.choose(&points) {
            let mut head = plant(doc, range.start..range.start + head_end, config, thesaurus, rng);
            let mut tail = plant(doc, range.start + tail_start..range.end, config, thesaurus, rng);
            head.text.push('.');
            capitalize_first(&mut tail);
            head.truth.edits.push(EditKind::Split);
            tail.truth.edits.push(EditKind::Split);
            piece = Some(Piece { parts: vec![head, tail], joiners: vec![" "], source_rank: None });
        }
    }
    if piece.is_none()
        && config.merge_share > 0.0
        && let Some(next) = next
        && rng.chance(config.merge_share)
    {
        let mut head = plant(doc, range.start..range.end - 1, config, thesaurus, rng);
        let mut tail = plant(doc, next, config, thesaurus, rng);
        decapitalize_first(&mut tail);
        head.truth.edits.push(EditKind::Merged);
        tail.truth.edits.push(EditKind::Merged);
        let joiner = if rng.chance(0.5) { ", and " } else { "; " };
        // Never ", and and …": a sentence opening with a conjunction follows a semicolon.
        let first_word = tail.text.split(' ').next().unwrap_or("");
        let joiner = if ["and", "but", "or", "so"].contains(&first_word) { "; " } else { joiner };
        piece = Some(Piece { parts: vec![head, tail], joiners: vec![joiner], source_rank: None });
    }
    let mut piece =
        piece.unwrap_or_else(|| Piece::single(plant(doc, range, config, thesaurus, rng)));
    if dropped_dateline {
        piece.parts[0].truth.edits.push(EditKind::DatelineDropped);
    }
    piece
}

/// Upper-cases the first letter of a part ("but the" → "But the"), and of a replacement that
/// starts there.
fn capitalize_first(part: &mut Part) {
    let Some(first) = part.text.chars().next().filter(|c| c.is_lowercase()) else { return };
    let upper: String = first.to_uppercase().collect();
    let fix = |s: &mut String| {
        if s.starts_with(first) {
            s.replace_range(..first.len_utf8(), &upper);
        }
    };
    let lowered = part.text.clone();
    fix(&mut part.text);
    for (_, replacement) in part.truth.substitutions.iter_mut().chain(&mut part.truth.aliases) {
        if lowered.starts_with(replacement.as_str()) {
            fix(replacement);
        }
    }
}

/// Lower-cases the first letter of a part when its first word is a stop word ("The", "He",
/// "But"), so that it reads well after ", and"; names keep their capital.
fn decapitalize_first(part: &mut Part) {
    let first_word: String = part.text.chars().take_while(|c| c.is_alphabetic()).collect();
    let lower = first_word.to_lowercase();
    if first_word == "I" || first_word == lower || !text::is_stopword(&lower) {
        return;
    }
    let raised = part.text.clone();
    let fix = |s: &mut String| {
        if s.starts_with(first_word.as_str()) {
            s.replace_range(..first_word.len(), &lower);
        }
    };
    fix(&mut part.text);
    for (_, replacement) in part.truth.substitutions.iter_mut().chain(&mut part.truth.aliases) {
        if raised.starts_with(replacement.as_str()) {
            fix(replacement);
        }
    }
}

/// Copies one source range verbatim, spun or edited, as the shares say, and aliases its entity
/// mentions when aliasing has its own rate.
fn plant(
    doc: &Document,
    range: Range<usize>,
    config: &Bounds,
    thesaurus: &dyn Thesaurus,
    rng: &mut Rng,
) -> Part {
    let sentence = &doc.text[range.clone()];
    let mut truth = PlantedSentence {
        query_byte_start: 0,
        query_byte_end: 0,
        source_id: Some(doc.id.clone()),
        source_byte_start: range.start,
        source_byte_end: range.end,
        edits: Vec::new(),
        substitutions: Vec::new(),
        inserted_words: Vec::new(),
        deleted_words: Vec::new(),
        negative_doc_id: None,
        aliases: Vec::new(),
    };
    let mut text = sentence.to_string();
    if let Some(rate) = config.alias_rate.filter(|r| *r > 0.0) {
        let aliased = alias_entities(&text, rate, rng);
        if !aliased.substitutions.is_empty() {
            text = aliased.text;
            truth.aliases = aliased.substitutions;
            truth.edits.push(EditKind::Aliased);
        }
    }
    let roll = rng.next_f64();
    if roll < config.spun_share {
        let spin = SpinConfig {
            rate: config.substitution_rate,
            headline: false,
            entities: config.alias_rate.is_none(),
        };
        let spun = spin_text(&text, &spin, thesaurus, rng);
        if !spun.substitutions.is_empty() {
            text = spun.text;
            truth.substitutions = spun.substitutions;
            truth.edits.push(EditKind::Spun);
        }
    } else if roll < config.spun_share + config.edited_share
        && let Some(edit) = edit::edit_sentence(&text, rng)
    {
        text = edit.text;
        truth.inserted_words.extend(edit.inserted);
        truth.deleted_words.extend(edit.deleted);
        truth.edits.push(EditKind::Edited);
    }
    // A sentence that could not be spun or edited is an honest verbatim copy.
    if !truth.edits.iter().any(|e| matches!(e, EditKind::Spun | EditKind::Edited)) {
        truth.edits.insert(0, EditKind::Verbatim);
    }
    Part { text, truth }
}

/// Up to `n` distinct sentences from the negative documents.
fn originals(pool: &mut Pool<'_>, rng: &mut Rng, n: usize) -> Vec<Piece> {
    let mut used = HashSet::new();
    let mut out = Vec::new();
    for _ in 0..n.saturating_mul(4) {
        if out.len() == n {
            break;
        }
        let Some(&doc_idx) = pool.pick(rng, 1, &HashSet::new()).first() else { break };
        let eligible = pool.sentences(doc_idx);
        let Some(range) = rng.choose(eligible).cloned() else { continue };
        if !used.insert((doc_idx, range.start)) {
            continue;
        }
        let doc = &pool.docs[doc_idx];
        out.push(Piece::single(Part {
            text: doc.text[range].to_string(),
            truth: PlantedSentence {
                query_byte_start: 0,
                query_byte_end: 0,
                source_id: None,
                source_byte_start: 0,
                source_byte_end: 0,
                edits: Vec::new(),
                substitutions: Vec::new(),
                inserted_words: Vec::new(),
                deleted_words: Vec::new(),
                negative_doc_id: Some(doc.id.clone()),
                aliases: Vec::new(),
            },
        }));
    }
    out
}

/// Joins the pieces into paragraphs of one to three sentences, appends the repeated title and
/// fills in the query byte ranges.
fn assemble(
    pieces: Vec<Piece>,
    title: Option<&str>,
    config: &Bounds,
    rng: &mut Rng,
) -> (String, Vec<PlantedSentence>, Option<(usize, usize)>) {
    let mut text = String::new();
    let mut truth = Vec::with_capacity(pieces.len());
    let mut left_in_paragraph = 0;
    for piece in pieces {
        if !text.is_empty() {
            if left_in_paragraph == 0 {
                text.push_str("\n\n");
            } else {
                text.push(' ');
            }
        }
        if left_in_paragraph == 0 {
            // Content farms favour one-sentence paragraphs.
            left_in_paragraph = [1, 1, 1, 2, 2, 3][rng.below(6)];
        }
        left_in_paragraph -= 1;
        for (i, part) in piece.parts.into_iter().enumerate() {
            if i > 0 {
                text.push_str(piece.joiners.get(i - 1).copied().unwrap_or(" "));
            }
            let mut planted = part.truth;
            planted.query_byte_start = text.len();
            text.push_str(&part.text);
            planted.query_byte_end = text.len();
            truth.push(planted);
        }
    }
    let mut repeated_title = None;
    if let Some(title) = title.filter(|_| config.repeat_title && !text.is_empty()) {
        text.push_str("\n\n");
        repeated_title = Some((text.len(), text.len() + title.len()));
        text.push_str(title);
    }
    (text, truth, repeated_title)
}

#[cfg(test)]
mod tests;

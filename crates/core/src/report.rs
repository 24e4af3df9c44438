//! The trace report: the one JSON contract of unspun, returned by `unspun trace --json` and
//! (later) by the HTTP API. Documented in `docs/trace-report.md`.
//!
//! Offsets in reports are in Unicode scalar values (characters), not bytes, so that any
//! language's string indexing can use them: `text.chars().skip(char_start).take(char_end -
//! char_start)`. The engine works in bytes internally and converts with [`CharIndex`].

use serde::{Deserialize, Serialize};

/// The schema identifier written in every report. Bump the number on breaking changes.
pub const TRACE_SCHEMA: &str = "unspun.trace/1";

/// Where one article came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceReport {
    /// Always [`TRACE_SCHEMA`].
    pub schema: String,
    /// What was traced.
    pub query: QueryInfo,
    /// The document-level conclusion.
    pub verdict: Verdict,
    /// Things a reader should notice (repeated title, leftover wire dateline, ...).
    pub flags: Vec<Flag>,
    /// The title traced as text of its own (when the query has a title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<TitleReport>,
    /// Every sentence of the query body, in order, with its source if one was found.
    pub sentences: Vec<SentenceReport>,
    /// Maximal reused passages: runs of consecutive sentences taken in order from one source.
    pub passages: Vec<Passage>,
    /// Every document that appears as an origin or co-copy, referenced by `source` indices.
    pub sources: Vec<SourceDoc>,
    /// How much work the trace did.
    pub stats: TraceStats,
}

/// The traced article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryInfo {
    /// The query's id when it was given (and is excluded from its own sources).
    pub id: Option<String>,
    /// The query's title, if given or detected.
    pub title: Option<String>,
    /// The query's date (`YYYY-MM-DD` or ISO date-time), used to exclude later sources.
    pub date: Option<String>,
    /// Character offset of the body in the input as given: non-zero when a title line was
    /// split off a plain-text article. Every other offset in the report is relative to the body.
    pub body_char_offset: usize,
    /// Length of the body in characters.
    pub n_chars: usize,
    /// Number of sentences in the body.
    pub n_sentences: usize,
}

/// Document verdict kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// No substantial part of the text has an earlier source.
    Original,
    /// Most of the text comes from one earlier document.
    Copy,
    /// The text stitches passages from several earlier documents.
    Patchwork,
    /// One earlier document supplies a part of the text, but less than half of it.
    PartlyCopied,
}

/// The document-level conclusion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Original, copy or patchwork.
    pub kind: VerdictKind,
    /// Share of the body's characters that have a source, 0..=1. Common boilerplate, the
    /// repeated title and shared quotations are left out of both sides of the ratio.
    pub coverage: f64,
    /// Number of distinct origin documents.
    pub n_origins: usize,
    /// Origins with their shares of the body, largest first.
    pub origins: Vec<OriginShare>,
    /// One line for humans, e.g. "patchwork of 3 origins covering 84% of the text".
    pub summary: String,
    /// Sentences whose match was too thin to count (`phrase_match`), left out of the verdict.
    #[serde(default)]
    pub n_phrase_matches: usize,
    /// Sentences whose match is a shared quotation, left out of the verdict.
    #[serde(default)]
    pub n_quoted: usize,
}

/// How much of the query one origin explains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OriginShare {
    /// Index into [`TraceReport::sources`].
    pub source: usize,
    /// Share of the body's characters attributed to this origin, 0..=1.
    pub share: f64,
    /// Number of sentences attributed to this origin.
    pub n_sentences: usize,
}

/// Something a reader should notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// `title_repeated` or `wire_dateline`.
    pub kind: FlagKind,
    /// A sentence for humans.
    pub message: String,
    /// Where in the body, in characters.
    pub char_start: usize,
    /// End of the flagged text, in characters.
    pub char_end: usize,
    /// For `wire_dateline`: the outlet named (e.g. "CNN", "Reuters").
    pub outlet: Option<String>,
    /// For `wire_dateline`: whether the index holds any document from that outlet
    /// (`None` when the index cannot tell).
    pub outlet_in_index: Option<bool>,
    /// For `known_spin`: the learned spin dictionary's entry (how often and by which outlets
    /// the substitution was seen in the indexed corpus).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spin: Option<crate::lexicon::Spin>,
}

/// Flag kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// The title is printed again inside the body.
    TitleRepeated,
    /// A wire dateline or credit ("Washington (CNN)", "(Reuters) -") is left in the text.
    WireDateline,
    /// A substitution of this article is a recurring one of the learned spin dictionary: the
    /// fingerprint of a spinning tool or of an outlet's rewriting habit.
    KnownSpin,
}

/// What happened to one sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SentenceStatus {
    /// A source was found.
    Sourced,
    /// No source: written here, or from a document that is not indexed.
    Original,
    /// Common text (byline, footer, newsletter box) found in very many documents: not reuse.
    Common,
    /// The article's own title printed again in the body (see the `title_repeated` flag).
    Title,
    /// A match too thin to count as a source (a stock phrase, a template with other names or
    /// figures): shown with its evidence, never counted in the verdict.
    PhraseMatch,
}

/// How a reused text was altered.
///
/// Ordered by [`Alteration::severity`] (not by declaration order): a passage or sentence with
/// several kinds of change is reported as its most severe one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alteration {
    /// Taken word for word (after normalisation of case, quotes and Unicode forms).
    Verbatim,
    /// Taken from the source in another order than the source's.
    Reordered,
    /// Words inserted, deleted or rewritten.
    Edited,
    /// Words substituted one for another (see `substitutions`).
    Spun,
    /// Said again in other words: found by the sentence-embedding stage, not by shared words
    /// (`similarity` is then the cosine of the two sentences' embeddings).
    Paraphrased,
}

impl Alteration {
    /// The name used in JSON and in summaries (`verbatim`, `reordered`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Alteration::Verbatim => "verbatim",
            Alteration::Reordered => "reordered",
            Alteration::Edited => "edited",
            Alteration::Spun => "spun",
            Alteration::Paraphrased => "paraphrased",
        }
    }

    /// How far the text moved from its source, from 0 (verbatim) up: reordering keeps every
    /// word, edits change some, spinning swaps words for synonyms, a paraphrase shares the
    /// meaning only. The largest one present names a sentence's or a passage's alteration, and
    /// summaries list alterations in this order.
    pub fn severity(self) -> u8 {
        match self {
            Alteration::Verbatim => 0,
            Alteration::Reordered => 1,
            Alteration::Edited => 2,
            Alteration::Spun => 3,
            Alteration::Paraphrased => 4,
        }
    }
}

impl Ord for Alteration {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.severity().cmp(&other.severity())
    }
}

impl PartialOrd for Alteration {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A word or phrase of the source replaced in the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Substitution {
    /// The source's words.
    pub from: String,
    /// The query's words.
    pub to: String,
}

/// One sentence of the query body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentenceReport {
    /// Position of the sentence in the body (0-based).
    pub idx: usize,
    /// Start of the sentence in the body, in characters.
    pub char_start: usize,
    /// End of the sentence in the body, in characters.
    pub char_end: usize,
    /// The sentence's text.
    pub text: String,
    /// Sourced, original or common.
    pub status: SentenceStatus,
    /// The best source, when `status` is `sourced`.
    pub source_match: Option<SourceMatch>,
}

/// Where a sentence (or part of it) came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceMatch {
    /// Index into [`TraceReport::sources`] of the origin: the earliest document containing it.
    pub source: usize,
    /// The most significant alteration: spun > edited > reordered > verbatim.
    pub kind: Alteration,
    /// Every alteration that applies, sorted.
    pub alterations: Vec<Alteration>,
    /// Token similarity of the aligned region, 0..=1.
    pub similarity: f64,
    /// Start of the aligned region in the query body, in characters.
    pub query_char_start: usize,
    /// End of the aligned region in the query body, in characters.
    pub query_char_end: usize,
    /// Start of the aligned region in the source's text, in characters.
    pub source_char_start: usize,
    /// End of the aligned region in the source's text, in characters.
    pub source_char_end: usize,
    /// The aligned source text.
    pub source_text: String,
    /// Substituted words and phrases.
    pub substitutions: Vec<Substitution>,
    /// Number of query words with no source counterpart.
    pub n_inserted: usize,
    /// Number of source words left out.
    pub n_deleted: usize,
    /// Whether the match is a shared quotation (mostly inside quotation marks on either
    /// side): reported, but left out of the verdict's coverage.
    pub quoted: bool,
    /// Other documents containing the same text (later than, or as old as, the origin).
    pub co_copies: Vec<usize>,
    /// Why the match counts as a source, or only as a phrase match.
    #[serde(default)]
    pub evidence: Evidence,
}

/// The evidence behind a match, and the rule's decision.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Whether the match counts as a source (`strong`) or only as a shared phrase (`phrase`).
    pub strength: EvidenceStrength,
    /// Content words (not stop words) both sides share, in equal or equivalent forms.
    pub n_shared_words: usize,
    /// Names and figures among them (capitalised words not opening the sentence, numbers; a
    /// run of them, such as "President Bashar Assad", counts once).
    pub n_shared_names: usize,
    /// Names and figures of the query paired with other names or figures in the source (the
    /// mark of a template: "Washington State Patrol, 26 officers" / "Nebraska ..., 11").
    pub n_names_differ: usize,
    /// Shared content words inside shared phrases (shingles) that few indexed documents hold:
    /// what makes the match distinctive rather than a stock phrase.
    #[serde(default)]
    pub n_rare_words: usize,
    /// Whether a sentence up to two away has the same source (or one of its co-copies).
    pub neighbour_support: bool,
    /// Whether another sentence of the text, anywhere, is a source on its own evidence in the
    /// same document (or one of its co-copies).
    #[serde(default)]
    pub document_support: bool,
    /// The decision, in words.
    pub reason: String,
}

/// Whether a match counts as a source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceStrength {
    /// Enough distinctive evidence: the match is a source.
    #[default]
    Strong,
    /// A shared phrase only: reported, not counted.
    Phrase,
}

/// The article's title, traced as text of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TitleReport {
    /// The title.
    pub text: String,
    /// `sourced`, `phrase_match` or `original`.
    pub status: SentenceStatus,
    /// The best source of the title. Its source offsets are in the source's title when
    /// `matched_field` is `title`, else in its text.
    pub source_match: Option<SourceMatch>,
    /// `title` or `text`: which part of the source the title was found in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_field: Option<String>,
}

/// A maximal reused passage: consecutive query sentences taken in order from one origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    /// Index into [`TraceReport::sources`].
    pub source: usize,
    /// First sentence index of the passage.
    pub first_sentence: usize,
    /// Last sentence index of the passage (inclusive).
    pub last_sentence: usize,
    /// Start in the query body, in characters.
    pub query_char_start: usize,
    /// End in the query body, in characters.
    pub query_char_end: usize,
    /// Start in the source's text, in characters.
    pub source_char_start: usize,
    /// End in the source's text, in characters.
    pub source_char_end: usize,
    /// The most significant alteration over the passage's sentences.
    pub kind: Alteration,
    /// Mean similarity over the passage's sentences, weighted by length.
    pub similarity: f64,
}

/// The role of a source document in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceRole {
    /// The earliest document of at least one sentence.
    Origin,
    /// Contains reused text too, but is never the earliest.
    CoCopy,
}

/// A source document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceDoc {
    /// The corpus id.
    pub id: String,
    /// Title, if known.
    pub title: Option<String>,
    /// Outlet, if known.
    pub outlet: Option<String>,
    /// Publication date, if known.
    pub date: Option<String>,
    /// URL, if known.
    pub url: Option<String>,
    /// Origin or co-copy.
    pub role: SourceRole,
    /// Number of query sentences for which this is the origin.
    pub n_sentences: usize,
}

/// How much work a trace did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceStats {
    /// Fingerprints looked up in the index.
    pub n_fingerprints: usize,
    /// Fingerprints skipped because too many documents contain them.
    pub n_fingerprints_too_common: usize,
    /// Candidate documents aligned.
    pub n_candidates: usize,
    /// Candidates dropped because they are dated after the query.
    pub n_candidates_too_late: usize,
    /// Sentence-against-document alignments computed.
    pub n_alignments: usize,
    /// Sentences the paraphrase stage embedded and searched (0 without the stage).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub n_paraphrase_queries: usize,
    /// Candidate sentences it embedded.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub n_paraphrase_embedded: usize,
    /// Paraphrases it took from the stored sentence index (`unspun semantic-index`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub n_paraphrase_ann_hits: usize,
    /// Why the paraphrase stage failed, when it did (the rest of the report stands).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paraphrase_error: Option<String>,
    /// What the aligner's thesaurus held (`None`: no thesaurus).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thesaurus: Option<String>,
    /// Work bounds the trace reached (`cancelled`, `max_postings`, `max_candidates`,
    /// `max_candidate_bytes`, `max_alignment_cells`, `local_candidates`,
    /// `long_sentences_windowed`; see
    /// `unspun_core::limits`): when not empty, the report may miss sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits_hit: Vec<String>,
}

/// Converts byte offsets of one string into character offsets.
#[derive(Debug, Clone)]
pub struct CharIndex {
    /// Byte offset of every char boundary (plus the end), ascending.
    boundaries: Vec<usize>,
    ascii: bool,
}

impl CharIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> CharIndex {
        if text.is_ascii() {
            return CharIndex { boundaries: Vec::new(), ascii: true };
        }
        let mut boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        boundaries.push(text.len());
        CharIndex { boundaries, ascii: false }
    }

    /// The character offset of byte offset `byte` (rounded down to a char boundary).
    pub fn char_offset(&self, byte: usize) -> usize {
        if self.ascii {
            return byte;
        }
        match self.boundaries.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_index_counts_scalars() {
        let text = "a“b”c";
        let idx = CharIndex::new(text);
        assert_eq!(idx.char_offset(0), 0);
        assert_eq!(idx.char_offset(1), 1);
        assert_eq!(idx.char_offset(4), 2);
        assert_eq!(idx.char_offset(text.len()), 5);
        let ascii = CharIndex::new("plain");
        assert_eq!(ascii.char_offset(3), 3);
    }

    #[test]
    fn alterations_order_by_severity() {
        use Alteration::*;
        let mut all = [Paraphrased, Verbatim, Spun, Reordered, Edited];
        all.sort();
        assert_eq!(all, [Verbatim, Reordered, Edited, Spun, Paraphrased]);
        assert_eq!(all.map(Alteration::severity), [0, 1, 2, 3, 4]);
        assert_eq!(Spun.max(Edited), Spun);
        assert_eq!(
            all.map(Alteration::name),
            ["verbatim", "reordered", "edited", "spun", "paraphrased"]
        );
    }

    #[test]
    fn enums_serialise_snake_case() {
        let json =
            serde_json::to_string(&(Alteration::Spun, SourceRole::CoCopy, FlagKind::WireDateline))
                .expect("serialises");
        assert_eq!(json, r#"["spun","co_copy","wire_dateline"]"#);
    }
}

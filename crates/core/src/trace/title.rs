//! The title, traced as text of its own: against each candidate's title and its text.
//!
//! A content farm's headline is often the one sentence it copies word for word from its
//! first source, and a title printed apart from the body used to be neither traced nor
//! counted. The title is aligned as one unit (a title such as "U.S. warns Russia" is never
//! cut at "U.S.") against every candidate's title and the window of its text that shares the
//! most words; the best match goes through the same acceptance and evidence rule as a body
//! sentence, its neighbour being the body: a title from a document that is also an origin of
//! body sentences is supported.

use super::TraceConfig;
use super::attribute::{Hit, Origin, accept, choose_origin, window};
use super::evidence::{Shared, decide};
use super::fetch::Candidate;
use crate::align::align;
use crate::report::{Evidence, EvidenceStrength, SentenceStatus};
use crate::text::{Token, tokenize};

/// Which part of the source a title was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Title,
    Text,
}

impl Field {
    pub(super) fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Text => "text",
        }
    }
}

/// The traced title: its tokens and, when found, its source.
pub(super) struct TitleTrace {
    pub(super) tokens: Vec<Token>,
    pub(super) status: SentenceStatus,
    /// The origin (candidate index, alignment in `field`'s tokens, co-copies).
    pub(super) origin: Option<Origin>,
    pub(super) field: Field,
    /// The source's tokens the alignment indexes (its title's or its text's).
    pub(super) source_tokens: Vec<Token>,
    pub(super) evidence: Option<Evidence>,
}

/// Traces `title` against `cands`; `body_origins`: candidates that are origins (or co-copies)
/// of body sentences with strong evidence.
pub(super) fn trace_title(
    title: &str,
    cands: &[Candidate],
    body_origins: &[usize],
    config: &TraceConfig,
) -> TitleTrace {
    let tokens = tokenize(title);
    let mut trace = TitleTrace {
        tokens,
        status: SentenceStatus::Original,
        origin: None,
        field: Field::Title,
        source_tokens: Vec::new(),
        evidence: None,
    };
    if trace.tokens.len() < config.min_matches {
        return trace;
    }
    let mut hits = Vec::new();
    let mut fields = Vec::new();
    for (c_idx, cand) in cands.iter().enumerate() {
        if let Some((alignment, field)) = best_in(&trace.tokens, cand, config) {
            hits.push(Hit { candidate: c_idx, alignment });
            fields.push((c_idx, field));
        }
    }
    let Some((origin, hit, co)) = choose_origin(hits, cands, config) else { return trace };
    let field = fields.iter().find(|(c, _)| *c == origin).map_or(Field::Title, |(_, f)| *f);
    let source_tokens = match field {
        Field::Title => tokenize(cands[origin].doc.title.as_deref().unwrap_or("")),
        Field::Text => cands[origin].analyzed.tokens.clone(),
    };
    let mut shared =
        Shared::of(&hit.alignment, &trace.tokens, &source_tokens, (0, trace.tokens.len()));
    // Titles are not fingerprinted in the index: their rarity is not known, so it does not
    // decide (the words, names and the body's support do).
    shared.n_rare = shared.n_words;
    let support = body_origins.contains(&origin) || co.iter().any(|c| body_origins.contains(c));
    let (strength, reason) = decide(&shared, support, false, config);
    trace.status = match strength {
        EvidenceStrength::Strong => SentenceStatus::Sourced,
        EvidenceStrength::Phrase => SentenceStatus::PhraseMatch,
    };
    trace.evidence = Some(Evidence {
        strength,
        n_shared_words: shared.n_words,
        n_shared_names: shared.n_names,
        n_names_differ: shared.n_names_differ,
        n_rare_words: shared.n_rare,
        neighbour_support: support,
        document_support: false,
        reason: if support { format!("{reason}; the body has sentences from it") } else { reason },
    });
    trace.origin = Some((origin, hit, co));
    trace.field = field;
    trace.source_tokens = source_tokens;
    trace
}

/// The better accepted alignment of the title against `cand`'s title and its text (the title
/// wins a tie).
fn best_in(
    tokens: &[Token],
    cand: &Candidate,
    config: &TraceConfig,
) -> Option<(crate::align::Alignment, Field)> {
    let in_title = cand.doc.title.as_deref().and_then(|title| {
        let s_tokens = tokenize(title);
        align(tokens, &s_tokens, &config.scoring)
            .filter(|a| accept(a, tokens, tokens.len(), config))
    });
    let in_text = window(tokens, cand, config.window_min_shared).and_then(|(lo, hi)| {
        let mut a = align(tokens, &cand.analyzed.tokens[lo..hi], &config.scoring)?;
        a.s_start += lo;
        a.s_end += lo;
        accept(&a, tokens, tokens.len(), config).then_some(a)
    });
    match (in_title, in_text) {
        (Some(t), Some(x)) if x.score > t.score => Some((x, Field::Text)),
        (Some(t), _) => Some((t, Field::Title)),
        (None, Some(x)) => Some((x, Field::Text)),
        (None, None) => None,
    }
}

//! The minimum-evidence rule: whether an accepted alignment is a source, or only a shared
//! phrase.
//!
//! An alignment passes [`super::attribute`]'s acceptance on a few equal words; alone, that
//! made a stock phrase ("scheduled to go into effect next week") the source of an invented
//! sentence, and a template ("Washington State Patrol, 26 officers" / "Nebraska Highway
//! Patrol, 11 officers") a source of another. A match counts as a source only with distinctive
//! evidence: enough shared content words, or shared names and figures, or a neighbouring
//! sentence taken from the same document; a match whose names and figures mostly differ from
//! its source's is a template. Below the rule a match is reported as `phrase_match`, with its
//! evidence, and left out of the verdict, passages and reordering.

use super::attribute::Origin;
use super::fetch::Candidate;
use super::{Candidates, TraceConfig};
use crate::align::{Alignment, Op};
use crate::report::{Evidence, EvidenceStrength, SentenceStatus};
use crate::shingle::sentence_shingle_tokens;
use crate::text::{Analyzed, Token};

/// How far (in sentences) a match from the same document supports another.
const SUPPORT_REACH: usize = 2;

/// What an alignment shares with its source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Shared {
    /// Content words equal or equivalent on both sides.
    pub(super) n_words: usize,
    /// Names and figures among them, a run of consecutive ones counting once.
    pub(super) n_names: usize,
    /// Query names and figures paired with other names or figures.
    pub(super) n_names_differ: usize,
    /// Whether the alignment covers nearly the whole query sentence word for word (equal or
    /// equivalent words for at least 90 % of its tokens).
    pub(super) whole_sentence: bool,
    /// Whether the alignment runs over at least 80 % of the query sentence, end to end (a
    /// copied and spun sentence does; a stock phrase is a fragment of its sentence).
    pub(super) end_to_end: bool,
    /// Whether the alignment runs over less than two thirds of the query sentence: a
    /// fragment of it ("… the front-runner for the Democratic nomination in 2016").
    pub(super) fragment: bool,
    /// Shared content words inside a shared shingle that few indexed documents hold
    /// (`TraceConfig::evidence_rare_df`): the words that make a phrase distinctive.
    pub(super) n_rare: usize,
    /// Query words paired with other words of the source (spun or rewritten runs).
    pub(super) n_substituted: usize,
    /// Shared content words that are names or figures (each word counted).
    pub(super) n_name_words: usize,
}

impl Shared {
    /// Counts what `alignment` (query tokens `q_tokens`, source tokens `s_tokens`) shares.
    /// `first_token`: the first token of the query sentence (capitalised by position, not a
    /// name).
    pub(super) fn of(
        alignment: &Alignment,
        q_tokens: &[Token],
        s_tokens: &[Token],
        (first_token, sentence_len): (usize, usize),
    ) -> Shared {
        let is_name = |tokens: &[Token], i: usize, first: usize| {
            let token = &tokens[i];
            token.is_marked && !token.is_stopword && i != first
        };
        let mut shared = Shared::default();
        let n_equal = alignment.n_matches() + alignment.n_equivalents();
        shared.whole_sentence = n_equal * 10 >= sentence_len * 9;
        shared.end_to_end = (alignment.q_end - alignment.q_start) * 10 >= sentence_len * 8;
        shared.fragment = (alignment.q_end - alignment.q_start) * 3 < sentence_len * 2;
        let (mut qi, mut si) = (alignment.q_start, alignment.s_start);
        // A run of names ("President Bashar Assad") is one name.
        let mut in_name = false;
        for op in &alignment.ops {
            let name_here = matches!(op, Op::Match | Op::Equivalent)
                && !q_tokens[qi].is_stopword
                && is_name(q_tokens, qi, first_token);
            match op {
                Op::Match | Op::Equivalent if !q_tokens[qi].is_stopword => {
                    shared.n_words += 1;
                    if name_here && !in_name {
                        shared.n_names += 1;
                    }
                    if name_here {
                        shared.n_name_words += 1;
                    }
                }
                Op::Substitute => {
                    shared.n_substituted += 1;
                    if is_name(q_tokens, qi, first_token) && s_tokens[si].is_marked {
                        shared.n_names_differ += 1;
                    }
                }
                _ => {}
            }
            if *op != Op::Delete {
                in_name = name_here;
                qi += 1;
            }
            if *op != Op::Insert {
                si += 1;
            }
        }
        shared
    }

    /// The rule without neighbours: `Some(reason)` when this alone is enough evidence. Without
    /// substitutions, every branch needs shared words in phrases that few documents hold, so
    /// that a verbatim stock phrase ("President Donald Trump waves as he arrives") is not
    /// enough however long it is.
    fn strong_alone(&self, config: &TraceConfig) -> Option<String> {
        // A verbatim fragment is what a stock phrase looks like; a spun copy is not one.
        if self.n_substituted == 0 && self.n_rare < config.evidence_min_rare {
            return None;
        }
        let rare = format!("{} in rare phrases", self.n_rare);
        if self.n_words >= config.evidence_min_words {
            return Some(format!("{} shared content words, {rare}", self.n_words));
        }
        if self.whole_sentence && self.n_words >= config.evidence_min_words_supported {
            return Some(format!(
                "the whole sentence word for word ({} content words, {rare})",
                self.n_words
            ));
        }
        // A spinner keeps names and figures; a stock sentence frame ("A spokesperson for the
        // mayor did not immediately respond…" / "Spokespersons for the RNC did not…") shares
        // none.
        if self.end_to_end
            && self.n_substituted > 0
            && self.n_names >= 1
            && self.n_words >= config.evidence_min_words_supported
        {
            return Some(format!(
                "the sentence aligns end to end, spun ({} content words shared, {} of them names \
                 or figures, {} substituted)",
                self.n_words, self.n_names, self.n_substituted
            ));
        }
        if self.n_names >= config.evidence_min_names
            && self.n_words >= config.evidence_min_names + 2
        {
            return Some(format!(
                "{} shared content words, {} of them names or figures, {rare}",
                self.n_words, self.n_names
            ));
        }
        None
    }

    /// Counts [`Shared::n_rare`]: the query sentence's shingles whose words `alignment`
    /// matched, looked up in `candidates`.
    pub(super) fn count_rare(
        &mut self,
        alignment: &Alignment,
        (analyzed, sentence_idx): (&Analyzed, usize),
        candidates: &dyn Candidates,
        config: &TraceConfig,
    ) {
        let mut matched = vec![false; analyzed.tokens.len()];
        let mut qi = alignment.q_start;
        for op in &alignment.ops {
            if matches!(op, Op::Match | Op::Equivalent) {
                matched[qi] = true;
            }
            if *op != Op::Delete {
                qi += 1;
            }
        }
        let mut rare = vec![false; analyzed.tokens.len()];
        for (hash, tokens) in sentence_shingle_tokens(analyzed, sentence_idx, &config.shingle) {
            let all_matched = tokens.iter().all(|&t| matched[t]);
            if all_matched && candidates.doc_freq(hash) <= config.evidence_rare_df {
                for t in tokens {
                    rare[t] = true;
                }
            }
        }
        self.n_rare = rare.iter().filter(|r| **r).count();
    }

    /// Whether the shared names and figures mostly differ: a template, not a copy.
    fn is_template(&self) -> bool {
        self.n_names_differ > 0 && self.n_names_differ >= self.n_names
    }
}

/// Judges every sourced sentence's match; a match below the rule turns its sentence's status
/// into [`SentenceStatus::PhraseMatch`]. Returns the evidence per sentence (`None` where the
/// sentence has no aligned source).
pub(super) fn judge(
    analyzed: &Analyzed,
    (cands, candidates): (&[Candidate], &dyn Candidates),
    best: &[Option<Origin>],
    status: &mut [SentenceStatus],
    config: &TraceConfig,
) -> Vec<Option<Evidence>> {
    let shared: Vec<Option<Shared>> = best
        .iter()
        .enumerate()
        .map(|(idx, b)| {
            let (origin, hit, _) = b.as_ref()?;
            let sentence = &analyzed.sentences[idx];
            let s_tokens = &cands[*origin].analyzed.tokens;
            let at = (sentence.token_start, sentence.token_end - sentence.token_start);
            let mut shared = Shared::of(&hit.alignment, &analyzed.tokens, s_tokens, at);
            shared.count_rare(&hit.alignment, (analyzed, idx), candidates, config);
            Some(shared)
        })
        .collect();
    // Support is judged on the statuses before this rule, so the order of the sentences does
    // not matter.
    let before: Vec<SentenceStatus> = status.to_vec();
    let supports = |idx: usize| {
        let Some((origin, _, co)) = &best[idx] else { return false };
        let family = |c: usize| c == *origin || co.contains(&c);
        let lo = idx.saturating_sub(SUPPORT_REACH);
        let hi = (idx + SUPPORT_REACH + 1).min(best.len());
        (lo..hi).filter(|&j| j != idx).any(|j| {
            let same_doc = best[j]
                .as_ref()
                .is_some_and(|(o, _, co_j)| family(*o) || co_j.iter().any(|c| family(*c)));
            let enough = shared[j].is_some_and(|s| {
                s.n_words >= config.evidence_min_words_supported && !s.is_template()
            });
            same_doc && enough && before[j] == SentenceStatus::Sourced
        })
    };
    // A sentence anywhere in the text that is a source on its own evidence makes its document
    // a known source of the text: a weaker match in it (a short sentence spun until few words
    // are left equal) is then a copy too, not a chance phrase.
    let alone: Vec<bool> = (0..best.len())
        .map(|j| {
            before[j] == SentenceStatus::Sourced
                && shared[j]
                    .is_some_and(|s| decide(&s, false, false, config).0 == EvidenceStrength::Strong)
        })
        .collect();
    // Per candidate, how many such sentences name it as their origin or a co-copy (linear in
    // the sentences: a long article is not scanned once per sentence).
    let family = |origin: &Origin| {
        let mut members: Vec<usize> =
            std::iter::once(origin.0).chain(origin.2.iter().copied()).collect();
        members.sort_unstable();
        members.dedup();
        members
    };
    let mut n_strong_in = vec![0usize; cands.len()];
    for (j, origin) in best.iter().enumerate() {
        if let Some(origin) = origin.as_ref().filter(|_| alone[j]) {
            for c in family(origin) {
                n_strong_in[c] += 1;
            }
        }
    }
    let document_supports = |idx: usize| {
        let Some(origin) = &best[idx] else { return false };
        // Another sentence than this one: its own count is left out.
        let own = usize::from(alone[idx]);
        family(origin).into_iter().any(|c| n_strong_in[c] > own)
    };
    let mut out = vec![None; best.len()];
    for idx in 0..best.len() {
        let Some(shared) = shared[idx] else { continue };
        if status[idx] != SentenceStatus::Sourced {
            continue;
        }
        let neighbour_support = supports(idx);
        let document_support = document_supports(idx);
        let (strength, reason) = decide(&shared, neighbour_support, document_support, config);
        if strength == EvidenceStrength::Phrase {
            status[idx] = SentenceStatus::PhraseMatch;
        }
        out[idx] = Some(Evidence {
            strength,
            n_shared_words: shared.n_words,
            n_shared_names: shared.n_names,
            n_names_differ: shared.n_names_differ,
            n_rare_words: shared.n_rare,
            neighbour_support,
            document_support,
            reason,
        });
    }
    out
}

/// The rule: a template, a list or description of names, or a short fragment of its sentence
/// is a phrase match unless a neighbour from the same document supports it (a fragment also
/// when the document is a source elsewhere in the text: `document_support`); otherwise enough
/// words or names alone, or fewer with either support.
pub(super) fn decide(
    shared: &Shared,
    neighbour_support: bool,
    document_support: bool,
    config: &TraceConfig,
) -> (EvidenceStrength, String) {
    if shared.n_words > 0 && shared.n_name_words == shared.n_words && !neighbour_support {
        let reason = format!(
            "only names and figures shared ({} words): a list of names, not a copied sentence",
            shared.n_words
        );
        return (EvidenceStrength::Phrase, reason);
    }
    if shared.is_template() && !neighbour_support {
        let reason = format!(
            "a template: {} of its names or figures differ from the source's",
            shared.n_names_differ
        );
        return (EvidenceStrength::Phrase, reason);
    }
    if let Some(reason) = shared.strong_alone(config) {
        // Reports of one event describe its people alike ("Sen. Mark Warner, the top Democrat
        // on the Senate Intelligence Committee"; "Patti Davis, the daughter of Ronald
        // Reagan"): a match made mostly of names, as a fragment of its sentence or with at most
        // two other content words, says who, not where the sentence came from. A spinner
        // leaves names too, but replaces words: a spun match, or a whole sentence, stays.
        let name_heavy = shared.n_name_words * 2 >= shared.n_words;
        let description = shared.n_words - shared.n_name_words <= 2
            && shared.n_substituted == 0
            && !shared.whole_sentence;
        if !neighbour_support && name_heavy && (shared.fragment || description) {
            let reason = format!(
                "mostly names and figures ({} of {} shared words): a shared phrase describing a \
                 person or body, not a copied sentence",
                shared.n_name_words, shared.n_words
            );
            return (EvidenceStrength::Phrase, reason);
        }
        // A short fragment of its sentence is what a stock phrase looks like, however rare.
        if !neighbour_support
            && !document_support
            && shared.fragment
            && shared.n_words < config.evidence_min_fragment_words
        {
            let reason = format!(
                "a fragment of the sentence (under two thirds of it) sharing only {} content \
                 words: a shared phrase",
                shared.n_words
            );
            return (EvidenceStrength::Phrase, reason);
        }
        return (EvidenceStrength::Strong, reason);
    }
    if neighbour_support && shared.n_words >= config.evidence_min_words_supported {
        let reason = format!(
            "{} shared content words, and a neighbouring sentence comes from the same document",
            shared.n_words
        );
        return (EvidenceStrength::Strong, reason);
    }
    if document_support && shared.n_words >= config.evidence_min_words_supported {
        let reason = format!(
            "{} shared content words, and another sentence of the text is a strong match in the \
             same document",
            shared.n_words
        );
        return (EvidenceStrength::Strong, reason);
    }
    let reason = format!(
        "only {} shared content words ({} names or figures, {} in rare phrases) and no \
         neighbouring sentence from the same document: a shared phrase",
        shared.n_words, shared.n_names, shared.n_rare
    );
    (EvidenceStrength::Phrase, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(n_words: usize, n_names: usize, n_names_differ: usize) -> Shared {
        Shared {
            n_words,
            n_names,
            n_names_differ,
            whole_sentence: false,
            end_to_end: false,
            fragment: false,
            n_rare: n_words,
            n_substituted: 0,
            n_name_words: n_names,
        }
    }

    #[test]
    fn stock_phrases_and_templates_are_phrase_matches() {
        let config = TraceConfig::default();
        let check = |s: Shared, support: bool| decide(&s, support, false, &config).0;
        assert_eq!(check(shared(4, 0, 0), false), EvidenceStrength::Phrase);
        assert_eq!(check(shared(4, 0, 0), true), EvidenceStrength::Strong);
        assert_eq!(check(shared(12, 2, 0), false), EvidenceStrength::Strong);
        // Names and two more words, verbatim: a description of somebody ("Patti Davis, the
        // daughter of Ronald Reagan"), unless spun, whole, or supported.
        assert_eq!(check(shared(5, 3, 0), false), EvidenceStrength::Phrase);
        let spun = Shared { n_substituted: 1, ..shared(5, 3, 0) };
        assert_eq!(check(spun, false), EvidenceStrength::Strong, "spun: names are what is left");
        let whole = Shared { whole_sentence: true, ..shared(5, 3, 0) };
        assert_eq!(check(whole, false), EvidenceStrength::Strong, "a whole sentence");
        assert_eq!(check(shared(5, 3, 0), true), EvidenceStrength::Strong, "a neighbour");
        assert_eq!(check(shared(6, 3, 0), false), EvidenceStrength::Strong, "three more words");
        assert_eq!(check(shared(3, 2, 0), false), EvidenceStrength::Phrase);
        let whole = Shared { whole_sentence: true, ..shared(4, 0, 0) };
        assert_eq!(check(whole, false), EvidenceStrength::Strong, "a short sentence copied whole");
        let common = Shared { n_rare: 0, ..shared(12, 3, 0) };
        assert_eq!(check(common, false), EvidenceStrength::Phrase, "only common phrases");
        assert_eq!(check(common, true), EvidenceStrength::Strong, "a neighbour supports it");
        let spun = Shared { n_substituted: 2, ..common };
        assert_eq!(check(spun, false), EvidenceStrength::Strong, "spun: no rarity needed");
        let names = Shared { n_name_words: 10, ..shared(10, 3, 0) };
        assert_eq!(check(names, false), EvidenceStrength::Phrase, "a list of names");
        let frame = Shared { end_to_end: true, n_substituted: 2, ..shared(4, 0, 0) };
        assert_eq!(check(frame, false), EvidenceStrength::Phrase, "a stock sentence frame");
        let spun = Shared { end_to_end: true, n_substituted: 2, ..shared(4, 1, 0) };
        assert_eq!(check(spun, false), EvidenceStrength::Strong, "a spun copy keeps a name");
        let off = TraceConfig { evidence_min_rare: 0, ..TraceConfig::default() };
        assert_eq!(decide(&common, false, false, &off).0, EvidenceStrength::Strong, "off");
        assert_eq!(check(shared(9, 1, 2), false), EvidenceStrength::Phrase, "template");
        assert_eq!(check(shared(9, 1, 2), true), EvidenceStrength::Strong);
    }

    #[test]
    fn fragments_need_more_words_unless_their_document_is_a_source() {
        let config = TraceConfig::default();
        let decide = |s: Shared, neighbour: bool, document: bool| {
            super::decide(&s, neighbour, document, &config).0
        };
        // "… the front-runner for the Democratic nomination in 2016": 5 words of a longer
        // sentence, enough for a whole one.
        let fragment = Shared { fragment: true, ..shared(5, 1, 0) };
        assert_eq!(decide(fragment, false, false), EvidenceStrength::Phrase);
        assert_eq!(decide(fragment, false, true), EvidenceStrength::Strong);
        assert_eq!(decide(fragment, true, false), EvidenceStrength::Strong);
        assert_eq!(
            decide(Shared { fragment: false, ..fragment }, false, false),
            EvidenceStrength::Strong
        );
        let long = Shared { fragment: true, ..shared(8, 1, 0) };
        assert_eq!(decide(long, false, false), EvidenceStrength::Strong, "8 words are enough");
        // A fragment made of names describes a person: the document's support is not enough.
        let who = Shared { fragment: true, n_name_words: 6, ..shared(9, 2, 0) };
        assert_eq!(decide(who, false, true), EvidenceStrength::Phrase);
        assert_eq!(decide(who, true, false), EvidenceStrength::Strong);
        // A short spun sentence with 3 words left equal counts when its document is a source
        // of another sentence, as with a neighbour.
        let spun = Shared { n_substituted: 3, ..shared(3, 0, 0) };
        assert_eq!(decide(spun, false, false), EvidenceStrength::Phrase);
        assert_eq!(decide(spun, false, true), EvidenceStrength::Strong);
        let reason = super::decide(&spun, false, true, &config).1;
        assert!(reason.contains("another sentence of the text"), "{reason}");
    }
}

//! The report's flags: the title printed again in the body, wire datelines and credits left in
//! the text, and substitutions the learned spin dictionary knows; and [`split_title`].

use super::Candidates;
use super::query::Query;
use crate::report::{CharIndex, Flag, FlagKind, SentenceReport};
use crate::text::Analyzed;
use crate::thesaurus::Thesaurus;

/// Every flag of the report, in order: title repeats, datelines, known spins (with a
/// thesaurus).
pub(super) fn flags(
    query: &Query<'_>,
    title_repeats: &[(usize, usize)],
    sentences: &[SentenceReport],
    candidates: &dyn Candidates,
    thesaurus: Option<&Thesaurus>,
) -> Vec<Flag> {
    let mut flags = title_flags(title_repeats, query.body, &query.chars);
    flags.extend(dateline_flags(query.body, &query.analyzed, &query.chars, candidates));
    if let Some(thesaurus) = thesaurus {
        flags.extend(known_spin_flags(sentences, thesaurus));
    }
    flags
}

/// Byte ranges of the body where the title is printed again (as a whole run of its words).
pub(super) fn find_title_repeats(title: Option<&str>, analyzed: &Analyzed) -> Vec<(usize, usize)> {
    let Some(title) = title else { return Vec::new() };
    let title_tokens: Vec<u64> = crate::text::tokenize(title).iter().map(|t| t.hash).collect();
    let n = title_tokens.len();
    if n < 3 {
        return Vec::new();
    }
    let body_tokens = &analyzed.tokens;
    let mut out = Vec::new();
    let mut i = 0;
    while i + n <= body_tokens.len() {
        if body_tokens[i..i + n].iter().map(|t| t.hash).eq(title_tokens.iter().copied()) {
            out.push((body_tokens[i].byte_start, body_tokens[i + n - 1].byte_end));
            i += n;
        } else {
            i += 1;
        }
    }
    out
}

/// Flags the title printed again inside the body.
fn title_flags(repeats: &[(usize, usize)], body: &str, chars: &CharIndex) -> Vec<Flag> {
    repeats
        .iter()
        .map(|(start, end)| Flag {
            kind: FlagKind::TitleRepeated,
            message: format!("the title is printed again in the body: {:?}", &body[*start..*end]),
            char_start: chars.char_offset(*start),
            char_end: chars.char_offset(*end),
            outlet: None,
            outlet_in_index: None,
            spin: None,
        })
        .collect()
}

/// Wire services and outlets whose credit or dateline content farms leave in copied text.
const WIRE_OUTLETS: &[&str] = &[
    "ABC News",
    "AFP",
    "AP",
    "Agence France-Presse",
    "Al Jazeera",
    "ANSA",
    "Associated Press",
    "BBC",
    "Bloomberg",
    "CBS News",
    "CNBC",
    "CNN",
    "dpa",
    "EFE",
    "Fox News",
    "HealthDay",
    "IANS",
    "Kyodo",
    "MarketWatch",
    "NBC News",
    "NPR",
    "Politico",
    "PTI",
    "Reuters",
    "RIA Novosti",
    "Sputnik",
    "TASS",
    "The Hill",
    "UPI",
    "WENN",
    "Xinhua",
    "Yonhap",
];

/// Flags "CITY (Outlet)" datelines and "(Outlet) -" credits near a sentence start.
fn dateline_flags(
    body: &str,
    analyzed: &Analyzed,
    chars: &CharIndex,
    candidates: &dyn Candidates,
) -> Vec<Flag> {
    let mut out = Vec::new();
    for sentence in &analyzed.sentences {
        let text = &body[sentence.byte_start..sentence.byte_end];
        // Only the head of a sentence: "WASHINGTON (CNN) -", "(Reuters) -", "Washington (CNN)Donald".
        let head_len = text.char_indices().nth(60).map_or(text.len(), |(i, _)| i);
        let head = &text[..head_len];
        let Some(open) = head.find('(') else { continue };
        let Some(close_rel) = text[open..].find(')') else { continue };
        let inner = text[open + 1..open + close_rel].trim();
        let Some(outlet) = WIRE_OUTLETS.iter().find(|o| o.eq_ignore_ascii_case(inner)) else {
            continue;
        };
        // Before the bracket: nothing, or a place name (capitalised words, commas, dots).
        let before = text[..open].trim();
        let place_like = before.is_empty()
            || (before.split_whitespace().count() <= 4
                && before.chars().next().is_some_and(char::is_uppercase)
                && before.chars().all(|c| c.is_alphabetic() || " ,.'-/".contains(c)));
        if !place_like {
            continue;
        }
        let start = sentence.byte_start;
        let mut end = sentence.byte_start + open + close_rel + 1;
        let rest = &body[end..sentence.byte_end];
        let dash = rest.trim_start().chars().next().filter(|c| matches!(c, '-' | '—' | '–' | ':'));
        if let Some(d) = dash {
            end += rest.len() - rest.trim_start().len() + d.len_utf8();
        }
        out.push(Flag {
            kind: FlagKind::WireDateline,
            message: format!(
                "wire dateline or credit left in the text: {:?} names {outlet}",
                &body[start..end]
            ),
            char_start: chars.char_offset(start),
            char_end: chars.char_offset(end),
            outlet: Some((*outlet).to_string()),
            outlet_in_index: candidates.has_outlet(outlet),
            spin: None,
        });
    }
    out
}

/// One `known_spin` flag per distinct substitution of the report that the learned spin
/// dictionary holds, at its first sentence.
fn known_spin_flags(sentences: &[SentenceReport], thesaurus: &Thesaurus) -> Vec<Flag> {
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for sentence in sentences {
        let Some(m) = &sentence.source_match else { continue };
        for sub in &m.substitutions {
            let Some(spin) = thesaurus.known_spin(&sub.from, &sub.to) else { continue };
            let key = (spin.from.clone(), spin.to.clone());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let outlets: Vec<String> =
                spin.outlets.iter().take(3).map(|o| format!("{} ({})", o.outlet, o.n)).collect();
            out.push(Flag {
                kind: FlagKind::KnownSpin,
                message: format!(
                    "\"{}\" → \"{}\" is a learned spin: seen {} times in {} copies across {} outlets ({})",
                    sub.from,
                    sub.to,
                    spin.n,
                    spin.n_docs,
                    spin.n_outlets,
                    outlets.join(", ")
                ),
                char_start: m.query_char_start,
                char_end: m.query_char_end,
                outlet: spin.outlets.first().map(|o| o.outlet.clone()),
                outlet_in_index: None,
                spin: Some(spin.clone()),
            });
        }
    }
    out
}

/// Splits a plain-text article into a title line and its body: the first line is a title when
/// it is short, has no sentence-final full stop and is followed by a blank line. Returns the
/// title and the byte offset where the body starts.
pub fn split_title(text: &str) -> (Option<&str>, usize) {
    let trimmed_start = text.len() - text.trim_start().len();
    let rest = &text[trimmed_start..];
    let Some(line_end) = rest.find('\n') else { return (None, 0) };
    let line = rest[..line_end].trim();
    let after = &rest[line_end + 1..];
    let blank_follows = after.trim_start_matches([' ', '\t', '\r']).starts_with('\n');
    let looks_like_title = !line.is_empty()
        && line.chars().count() <= 200
        && !line.ends_with('.')
        && line.split_whitespace().count() >= 2;
    if blank_follows && looks_like_title {
        let body_start = trimmed_start + line_end + 1;
        let body_start =
            body_start + (text.len() - body_start - text[body_start..].trim_start().len());
        (Some(line), body_start)
    } else {
        (None, 0)
    }
}

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
    // A body that opens with its title (the usual shape of scraped articles) does not repeat
    // it: only a repeat after the start is flagged.
    let first_word = query.analyzed.tokens.first().map_or(0, |t| t.byte_start);
    let repeats: Vec<(usize, usize)> =
        title_repeats.iter().copied().filter(|(start, _)| *start > first_word).collect();
    let mut flags = title_flags(&repeats, query.body, &query.chars);
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
        // Before the bracket: nothing, or a place name (capitalised words, commas, dots),
        // possibly followed by a date ("OSLO, April 8 (Reuters) -").
        if !dateline_head(text[..open].trim()) {
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

/// Whether `before` (the text before a credit's bracket) is a dateline's head: nothing, a place
/// ("WASHINGTON", "NEW YORK/LONDON", "Washington"), or a place followed by a date
/// ("OSLO, April 8", "Washington, Sept. 3, 2017", "LONDON, Monday").
fn dateline_head(before: &str) -> bool {
    if before.is_empty() {
        return true;
    }
    let place = strip_date(before).trim_end_matches([',', ' ']);
    !place.is_empty()
        && place.split_whitespace().count() <= 4
        && place.chars().next().is_some_and(char::is_uppercase)
        && place.chars().all(|c| c.is_alphabetic() || " ,.'-/".contains(c))
}

/// `text` without a trailing date: a weekday, or a month name (or its abbreviation) with a
/// day before or after it and an optional year ("April 8", "8 April", "Sept. 3, 2017").
fn strip_date(text: &str) -> &str {
    let is_month = |w: &str| crate::date::month_number(w.trim_end_matches(',')).is_some();
    let is_day = |w: &str| crate::date::is_weekday(w.trim_end_matches(','));
    let is_number = |w: &str, max_len: usize| {
        let w = w.trim_end_matches(',');
        !w.is_empty() && w.len() <= max_len && w.bytes().all(|b| b.is_ascii_digit())
    };
    // Words from the end: [year] day month | month day | weekday.
    let words: Vec<(usize, &str)> = text
        .split_whitespace()
        .map(|w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
        .collect();
    let mut n = words.len();
    if n >= 1 && is_number(words[n - 1].1, 4) && words[n - 1].1.trim_end_matches(',').len() == 4 {
        n -= 1;
    }
    let cut = match n {
        _ if n >= 2 && is_month(words[n - 2].1) && is_number(words[n - 1].1, 2) => Some(n - 2),
        _ if n >= 2 && is_number(words[n - 2].1, 2) && is_month(words[n - 1].1) => Some(n - 2),
        _ if n >= 1 && is_day(words[n - 1].1) => Some(n - 1),
        _ => None,
    };
    match cut {
        Some(i) if i > 0 => &text[..words[i].0],
        _ => text,
    }
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

/// Whether `line` ends with an abbreviation's full stop ("in D.C.", "U.S.", "Co."), not a
/// sentence's.
fn ends_with_abbreviation(line: &str) -> bool {
    const ABBREVIATIONS: [&str; 14] = [
        "jr.", "sr.", "inc.", "co.", "corp.", "ltd.", "st.", "dr.", "mr.", "mrs.", "ms.", "gov.",
        "sen.", "rep.",
    ];
    let Some(last) = line.split_whitespace().next_back() else { return false };
    let inner_dot = last.trim_end_matches('.').contains('.');
    inner_dot || ABBREVIATIONS.contains(&last.to_lowercase().as_str())
}

/// Splits a plain-text article into a title line and its body: the first line is a title when
/// it is short, has no sentence-final full stop (an abbreviation's is fine) and is followed by
/// a blank line. Returns the title and the byte offset where the body starts.
pub fn split_title(text: &str) -> (Option<&str>, usize) {
    let trimmed_start = text.len() - text.trim_start().len();
    let rest = &text[trimmed_start..];
    let Some(line_end) = rest.find('\n') else { return (None, 0) };
    let line = rest[..line_end].trim();
    let after = &rest[line_end + 1..];
    let blank_follows = after.trim_start_matches([' ', '\t', '\r']).starts_with('\n');
    let looks_like_title = !line.is_empty()
        && line.chars().count() <= 200
        && (!line.ends_with('.') || ends_with_abbreviation(line))
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

//! The news sentence splitter.

use std::ops::Range;

/// Byte ranges of the sentences of `text`, trimmed of surrounding white space: ascending,
/// non-overlapping, never empty, on char boundaries.
///
/// Rules, in order of strength:
/// - A blank line (two line breaks with only spaces between, or U+2029) always ends a
///   sentence, so a headline without a full stop is a sentence of its own.
/// - A terminal mark (`.` `!` `?` `…` `...` and relatives) takes the closing quotes and
///   brackets after it (`“smart.”`, `.)`, `?"`), then ends the sentence if:
///   - a line break plus indentation follows (Reuters paragraph starts), or
///   - white space and then an upper-case letter, a digit, an opening quote or bracket, or a
///     letter of a caseless script follows, and the word before a single `.` is not an
///     abbreviation, or
///   - an upper-case letter follows with no space after a lower-case word of two letters or
///     more, a digit or `%` (`chains.Shares`: sentences glued by extractive summaries), but
///     not inside initialisms (`U.S.Army`).
/// - `"Why?" Trump asked.` stays whole: after `?`/`!` and a closing quote, capitalised
///   words followed by a reporting verb are the speaker.
/// - A single line break is just white space (hard-wrapped text), and datelines such as
///   `Washington (CNN)Donald` or `WASHINGTON (Reuters) - The` have no terminal mark.
pub fn split_sentences(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(text.len() / 100 + 1);
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Skip eight bytes at a time up to the next one that matters.
        if let Some(word) = bytes.get(i..i + 8) {
            let mask = special_bytes(u64::from_le_bytes(word.try_into().unwrap_or_default()));
            if mask == 0 {
                i += 8;
                continue;
            }
            i += (mask.trailing_zeros() / 8) as usize;
        }
        let b = bytes[i];
        let c = match b {
            b'.' | b'!' | b'?' | b'\n' | b'\r' => char::from(b),
            0xC2..=0xEF => match text[i..].chars().next() {
                Some(c) => c,
                None => break,
            },
            _ => {
                i += 1;
                continue;
            }
        };
        if is_terminal(c) {
            let (split, resume) = decide_terminal(text, start, i);
            if split {
                push_trimmed(text, start, resume, &mut out);
                start = resume;
            }
            i = resume;
        } else if is_line_break(c) {
            let ws = WhiteRun::scan(text, i);
            if ws.paragraph {
                push_trimmed(text, start, i, &mut out);
                start = ws.end;
            }
            i = ws.end;
        } else {
            i += c.len_utf8();
        }
    }
    push_trimmed(text, start, text.len(), &mut out);
    out
}

/// A mask of eight bytes (little-endian) whose lowest set bit is the high bit of the first
/// byte that is `.` `!` `?` `\n` `\r` or not ASCII, zero when there is none. (Higher bits may
/// be set wrongly: only the lowest is exact.)
fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let equal = |b: u8| zero_byte(word ^ (ONES * u64::from(b)));
    equal(b'.') | equal(b'!') | equal(b'?') | equal(b'\n') | equal(b'\r') | (word & HIGH)
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<Range<usize>>) {
    let slice = &text[start..end];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    if start + lead < end - trail {
        out.push(start + lead..end - trail);
    }
}

fn is_terminal(c: char) -> bool {
    matches!(
        c,
        '.' | '!'
            | '?'
            | '\u{2026}'
            | '\u{203C}'
            | '\u{203D}'
            | '\u{2047}'
            | '\u{2048}'
            | '\u{2049}'
            | '\u{3002}'
            | '\u{FF01}'
            | '\u{FF0E}'
            | '\u{FF1F}'
    )
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Closing punctuation that stays with the sentence before it.
fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | ')'
            | ']'
            | '}'
            | '\u{2019}'
            | '\u{201D}'
            | '\u{BB}'
            | '\u{203A}'
            | '\u{300D}'
            | '\u{300F}'
            | '\u{FF09}'
    )
}

fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201A}'
            | '\u{201C}'
            | '\u{201D}'
            | '\u{201E}'
            | '\u{AB}'
            | '\u{BB}'
            | '\u{2039}'
            | '\u{203A}'
    )
}

/// Opening punctuation that may begin a sentence.
fn is_opener(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '('
            | '['
            | '{'
            | '\u{2018}'
            | '\u{201A}'
            | '\u{201C}'
            | '\u{201E}'
            | '\u{AB}'
            | '\u{2039}'
            | '\u{BF}'
            | '\u{A1}'
            | '\u{300C}'
            | '\u{300E}'
    )
}

/// A character after white space that lets a sentence begin.
fn may_start_sentence(c: char) -> bool {
    c.is_numeric() || is_opener(c) || (c.is_alphabetic() && !c.is_lowercase())
}

fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..).and_then(|s| s.chars().next())
}

fn char_before(text: &str, i: usize) -> Option<char> {
    text.get(..i).and_then(|s| s.chars().next_back())
}

/// A run of white space.
struct WhiteRun {
    /// One past the run.
    end: usize,
    /// The run holds a blank line (or U+2029).
    paragraph: bool,
    /// The run holds a line break followed by indentation (two spaces or a tab).
    indented_line: bool,
}

impl WhiteRun {
    fn scan(text: &str, from: usize) -> WhiteRun {
        let mut n_breaks = 0;
        let mut paragraph = false;
        let mut indent = 0;
        let mut end = from;
        let mut prev_cr = false;
        for c in text[from..].chars() {
            if !c.is_whitespace() {
                break;
            }
            end += c.len_utf8();
            match c {
                '\n' if prev_cr => {}
                '\u{2029}' => paragraph = true,
                c if is_line_break(c) => {
                    n_breaks += 1;
                    indent = 0;
                }
                '\t' => indent += 2,
                _ => indent += 1,
            }
            prev_cr = c == '\r';
        }
        WhiteRun {
            end,
            paragraph: paragraph || n_breaks >= 2,
            indented_line: n_breaks > 0 && indent >= 2,
        }
    }
}

/// Decides the terminal mark at `mark`: returns whether the sentence ends, and where (after
/// the marks and closers), which is also where scanning resumes.
fn decide_terminal(text: &str, start: usize, mark: usize) -> (bool, usize) {
    let mut j = mark;
    let mut only_one_period = true;
    let mut saw_question = false;
    while let Some(c) = char_at(text, j).filter(|&c| is_terminal(c)) {
        only_one_period &= c == '.' && j == mark;
        saw_question |= c != '.' && c != '\u{2026}';
        j += c.len_utf8();
    }
    let mut closed_by_quote = false;
    loop {
        while let Some(c) = char_at(text, j).filter(|&c| is_closer(c) || is_terminal(c)) {
            closed_by_quote |= is_quote(c);
            // `(D-N.Y.). Both`: a mark after a closer is a full stop whatever came before.
            only_one_period &= !is_terminal(c);
            j += c.len_utf8();
        }
        // `'No comment.' "` closes two quotes with a space between: a quote with white space
        // on both sides, right after a terminal mark, is closing.
        let gap = text[j..].len() - text[j..].trim_start_matches([' ', '\t']).len();
        match char_at(text, j + gap) {
            Some(q) if gap > 0 && is_quote(q) => {
                let after = j + gap + q.len_utf8();
                if char_at(text, after).is_none_or(char::is_whitespace) {
                    closed_by_quote = true;
                    j = after;
                    continue;
                }
                break;
            }
            _ => break,
        }
    }
    let end = j;
    let ws = WhiteRun::scan(text, end);
    if ws.end >= text.len() {
        return (false, end);
    }
    if ws.paragraph || ws.indented_line {
        return (true, end);
    }
    if ws.end == end {
        // An ASCII `"` before the next word, after an even number of them in this sentence,
        // opens the next sentence: `effect."The` stays `effect.` + `"The`.
        let quote = end - 1;
        if quote > mark
            && text.as_bytes()[quote] == b'"'
            && text[start..quote].bytes().filter(|&b| b == b'"').count() % 2 == 0
        {
            return match is_glued_boundary(text, mark, end, true) {
                true => (true, quote),
                false => (false, end),
            };
        }
        return (is_glued_boundary(text, mark, end, false), end);
    }
    // Skip opening punctuation: `the U.S. "didn't lose"` goes on in lower case.
    let Some(next) = text[ws.end..].chars().find(|&c| !is_opener(c)) else {
        return (false, end);
    };
    if !may_start_sentence(next) {
        return (false, end);
    }
    if saw_question && closed_by_quote && speaker_follows(&text[ws.end..]) {
        return (false, end);
    }
    if !only_one_period {
        return (true, end);
    }
    (period_ends_sentence(text, start, mark, ws.end), end)
}

/// A terminal mark at `mark` directly followed (after its closers, no space) by the next
/// sentence at `next_pos`: a boundary lost when an extractive summary glued sentences.
/// `opened` says an opening quote stands between them, so a digit may start the sentence.
///
/// The word before the mark must look like a sentence end: a word of two characters or more
/// ending in lower case and not an abbreviation (`chains.Shares`, `294.3m.The`, not
/// `Mr.Smith` nor `Ph.D`), an acronym before a capitalised word
/// (`OECD.The`, `M&S.Stuart`, not `ASP.NET`), a number before a word (`2004.The`,
/// `47,000.AT&T`), `%`, or a closer.
/// Initialisms never qualify: `U.S.Army`, `a.m.The`.
pub(super) fn is_glued_boundary(text: &str, mark: usize, next_pos: usize, opened: bool) -> bool {
    let (Some(next), Some(prev)) = (char_at(text, next_pos), char_before(text, mark)) else {
        return false;
    };
    let before = char_before(text, mark - prev.len_utf8());
    let next2 = char_at(text, next_pos + next.len_utf8());
    let starts = next.is_uppercase() || (opened && next.is_numeric());
    let word_follows = next.is_uppercase() && next2.is_some_and(char::is_lowercase);
    if prev.is_lowercase() {
        let head = &text[..mark];
        let word = &head[head.trim_end_matches(char::is_alphanumeric).len()..];
        let abbreviation = [TITLES, FINAL_ABBREVIATIONS, NUMBER_ABBREVIATIONS, LOWER_ABBREVIATIONS]
            .iter()
            .any(|list| matches_listed(word, list));
        starts && word.len() >= 2 && next2 != Some('.') && !abbreviation
    } else if prev.is_uppercase() {
        word_follows && before.is_some_and(|c| c != '.' && !c.is_whitespace())
    } else if prev.is_ascii_digit() {
        next.is_uppercase() && next2.is_some_and(char::is_alphabetic)
    } else {
        starts && (prev == '%' || is_closer(prev))
    }
}

/// Verbs that follow a speaker after a quoted question or exclamation.
#[rustfmt::skip]
const SPEECH_VERBS: &[&str] = &[
    "added", "adds", "asked", "asks", "continued", "declared", "exclaimed", "explained",
    "insisted", "noted", "recalled", "replied", "said", "says", "shouted", "told", "tweeted",
    "wondered", "wrote", "writes", "yelled",
];

/// Up to three capitalised words and then a reporting verb: `Trump asked`,
/// `Donald J. Trump said` is not caught (the period).
fn speaker_follows(rest: &str) -> bool {
    for (n, word) in rest.split_whitespace().take(4).enumerate() {
        let bare = word.trim_end_matches([',', '.', ';', ':']);
        if n > 0 && SPEECH_VERBS.contains(&bare) {
            return true;
        }
        if !bare.chars().next().is_some_and(char::is_uppercase) {
            return false;
        }
    }
    false
}

/// Titles before names: a period after them never ends a sentence.
const TITLES: &[&str] = &[
    "Adm", "Atty", "Brig", "Capt", "Cdr", "Chas", "Cmdr", "Col", "Cpl", "Det", "Dr", "Drs", "Fr",
    "Ft", "Gen", "Geo", "Gov", "Govs", "Hon", "Insp", "Jas", "Lieut", "Lt", "Maj", "Messrs",
    "Mlle", "Mme", "Mmes", "Mr", "Mrs", "Ms", "Mt", "Pres", "Prof", "Pvt", "Rep", "Reps", "Rev",
    "Sen", "Sens", "Sgt", "Supt", "Thos", "Wm",
];

/// Abbreviations that also end sentences (`Apple Inc. The company`, `in Jan. The`): the
/// period ends one only before a common sentence starter, never before a digit.
const FINAL_ABBREVIATIONS: &[&str] = &[
    "Ala", "Apr", "Ariz", "Ark", "Assn", "Aug", "Ave", "Blvd", "Bros", "Calif", "Co", "Colo",
    "Conn", "Corp", "Cos", "Dec", "Del", "Dept", "Feb", "Fla", "Ga", "Hwy", "Ill", "Inc", "Ind",
    "Jan", "Jr", "Jul", "Jun", "Kan", "Kans", "Ky", "La", "Ltd", "Mar", "Mass", "Md", "Mich",
    "Minn", "Miss", "Mo", "Mont", "Neb", "Nev", "Nov", "Oct", "Okla", "Ore", "Pa", "Plc", "Rd",
    "Sep", "Sept", "Sr", "St", "Tenn", "Tex", "Va", "Vt", "Wash", "Wis", "Wyo", "al",
];

/// Abbreviations before numbers (`No. 1`): the period ends a sentence unless a digit follows.
const NUMBER_ABBREVIATIONS: &[&str] = &["Fig", "No", "Nos", "Vol"];

/// Abbreviations that never end a sentence.
const LOWER_ABBREVIATIONS: &[&str] = &["cf", "e.g", "i.e", "v", "viz", "vs"];

/// Words that commonly begin a sentence; after an ambiguous abbreviation (`U.S.`, `Inc.`,
/// an initial) they decide for a boundary.
#[rustfmt::skip]
const SENTENCE_STARTERS: &[&str] = &[
    "A", "According", "After", "Also", "Although", "An", "As", "At", "But", "Earlier",
    "For", "He", "Her", "His", "How", "However", "I", "If", "In", "It", "Its", "Last", "Later",
    "Meanwhile", "Now", "On", "Our", "She", "Since", "So", "Some", "Still", "That", "The", "Their",
    "There", "These", "They", "This", "Those", "Under", "We", "What", "When", "While", "Why",
    "With", "Yet",
];

fn matches_listed(word: &str, list: &[&str]) -> bool {
    list.iter().any(|&entry| {
        entry == word
            || (word.len() == entry.len()
                && word.bytes().all(|b| !b.is_ascii_lowercase())
                && word.eq_ignore_ascii_case(entry))
    })
}

/// Whether a single `.` at `dot`, followed by white space and a possible sentence start at
/// `next`, ends a sentence that began at `start`. The word before the period decides:
/// titles (`Mr.`) never end one; initials and initialisms (`F.`, `J.K.`, `U.S.`, `a.m.`) and
/// abbreviations like `Inc.`, `Jr.`, `Jan.` end one only before a common sentence starter
/// (`The`, `He`, `But`, an opening quote…); `No.` ends one unless a number follows; a list
/// number at the start of a sentence (`1. The`) does not; `etc.` is an ordinary word.
fn period_ends_sentence(text: &str, start: usize, dot: usize, next: usize) -> bool {
    let head = &text[..dot];
    let word_start = head
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphanumeric() || c == '.')
        .last()
        .map_or(dot, |(k, _)| k);
    let word = head[word_start..].trim_start_matches('.');
    if word.is_empty() {
        return true;
    }
    let rest = &text[next..];
    let next_char = rest.chars().next();
    let next_is_digit = next_char.is_some_and(char::is_numeric);
    let next_is_starter = || match next_char {
        Some(c) if is_quote(c) => true,
        Some(c) if is_opener(c) => false,
        _ => {
            let word_len = rest.find(|c: char| !c.is_alphabetic()).unwrap_or(rest.len());
            SENTENCE_STARTERS.contains(&&rest[..word_len])
        }
    };
    if word.bytes().all(|b| b.is_ascii_digit()) {
        // A list number opening its line (`1. The first point`) is not a sentence.
        return !text[start..word_start].trim().is_empty();
    }
    if LOWER_ABBREVIATIONS.contains(&word) {
        return false;
    }
    if word.contains('.') {
        let initialism =
            word.split('.').all(|seg| seg.len() <= 2 && seg.chars().all(char::is_alphabetic));
        return if initialism { !next_is_digit && next_is_starter() } else { true };
    }
    let mut chars = word.chars();
    if let (Some(only), None) = (chars.next(), chars.next()) {
        return !only.is_uppercase() || next_is_starter();
    }
    if matches_listed(word, TITLES) {
        return false;
    }
    if matches_listed(word, NUMBER_ABBREVIATIONS) {
        return !next_is_digit;
    }
    if matches_listed(word, FINAL_ABBREVIATIONS) {
        return !next_is_digit && next_is_starter();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Token, analyze};

    proptest::proptest! {
        #[test]
        fn special_bytes_finds_the_first(bytes in proptest::array::uniform8(
            proptest::sample::select(&[b'a', b' ', b'.', b'!', b'?', b'\n', b'\r', 0, 0x2D, 0x2F,
                0x3E, 0x80, 0xBF, 0xC2, 0xE2, 0xF0, 0xFF][..])
        )) {
            let first = bytes.iter().position(|&b| matches!(b, b'.' | b'!' | b'?' | b'\n' | b'\r')
                || !b.is_ascii());
            let mask = special_bytes(u64::from_le_bytes(bytes));
            let found = (mask != 0).then(|| (mask.trailing_zeros() / 8) as usize);
            proptest::prop_assert_eq!(found, first);
        }
    }

    /// Sentences of `input`, one per line, as text.
    fn check(input: &str, expect: &[&str]) {
        let got: Vec<&str> = split_sentences(input).into_iter().map(|r| &input[r]).collect();
        assert_eq!(got, expect, "input: {input:?}");
    }

    // --- sentences: terminal marks -----------------------------------------------------

    #[test]
    fn splits_on_terminal_marks() {
        check("One. Two! Three? Four", &["One.", "Two!", "Three?", "Four"]);
        check("Really?! Yes.", &["Really?!", "Yes."]);
        check("It grew. 2016 was good.", &["It grew.", "2016 was good."]);
        check("He left. “Why?” she asked.", &["He left.", "“Why?” she asked."]);
        check("He left. (Then he came back.)", &["He left.", "(Then he came back.)"]);
        check("He left. but", &["He left. but"]);
        check("  Padded.   ", &["Padded."]);
        check("", &[]);
        check(" \n\t ", &[]);
    }

    #[test]
    fn closing_quotes_stay_in_sentence() {
        check("He said “smart.” Then he left.", &["He said “smart.”", "Then he left."]);
        check("He said 'smart.' Then", &["He said 'smart.'", "Then"]);
        check("It rose (a lot.) Then", &["It rose (a lot.)", "Then"]);
        check("Was it \"fine?\" No.", &["Was it \"fine?\"", "No."]);
        check("“Go!” Then", &["“Go!”", "Then"]);
        check("a feeble 'No comment.' \"\n\nWhat is", &["a feeble 'No comment.' \"", "What is"]);
        check("that day.' \" The next", &["that day.' \"", "The next"]);
        check("said “no.” “Then", &["said “no.”", "“Then"]);
        check("MORE (D-N.Y.). Both lawmakers", &["MORE (D-N.Y.).", "Both lawmakers"]);
        check(
            "claiming that the U.S. \"didn't lose\"",
            &["claiming that the U.S. \"didn't lose\""],
        );
        check("He left. \"and then", &["He left. \"and then"]);
    }

    #[test]
    fn quoted_question_then_speaker() {
        check("“Why not?” Trump asked. Then", &["“Why not?” Trump asked.", "Then"]);
        check("\"Now!\" Mr Smith shouted.", &["\"Now!\" Mr Smith shouted."]);
        check("“Why?” The answer came.", &["“Why?”", "The answer came."]);
    }

    #[test]
    fn ellipses() {
        check("He paused … and went on.", &["He paused … and went on."]);
        check("He paused... and went on.", &["He paused... and went on."]);
        check("It ended... The next day", &["It ended...", "The next day"]);
        check("It ended… The next day", &["It ended…", "The next day"]);
    }

    // --- sentences: abbreviations ------------------------------------------------------

    #[test]
    fn titles_never_split() {
        for t in ["Mr", "Mrs", "Ms", "Dr", "Prof", "Sen", "Rep", "Gov", "Gen", "Col", "Lt"] {
            let s = format!("Then {t}. Smith spoke.");
            check(&s, &[s.as_str()]);
        }
        for t in ["Sgt", "Capt", "Cmdr", "Adm", "Rev", "MR"] {
            let s = format!("Then {t}. The Smith spoke.");
            check(&s, &[s.as_str()]);
        }
        check("Former Rep. Tom Tancredo (R-CO). He", &["Former Rep. Tom Tancredo (R-CO).", "He"]);
    }

    #[test]
    fn final_abbreviations_use_next_word() {
        check("Martin Luther King Jr. Day", &["Martin Luther King Jr. Day"]);
        check("said Martin Luther King Jr. The", &["said Martin Luther King Jr.", "The"]);
        check("Ken Griffey Sr. and", &["Ken Griffey Sr. and"]);
        check("Apple Inc. Chief Executive", &["Apple Inc. Chief Executive"]);
        check("shares of Apple Inc. The company", &["shares of Apple Inc.", "The company"]);
        check("Standard Oil Co. It said", &["Standard Oil Co.", "It said"]);
        check("Acme Corp. Ltd. Group", &["Acme Corp. Ltd. Group"]);
        check("St. Louis", &["St. Louis"]);
        check(
            "on Jan. 5 and Sept. 11, Feb. Mar. Apr. Aug. Sep. Oct. Nov. Dec. 1",
            &["on Jan. 5 and Sept. 11, Feb. Mar. Apr. Aug. Sep. Oct. Nov. Dec. 1"],
        );
        check("late in Dec. But then", &["late in Dec.", "But then"]);
        check("Smith et al. The study", &["Smith et al.", "The study"]);
    }

    #[test]
    fn no_vs_etc() {
        check("It is No. 1 in sales.", &["It is No. 1 in sales."]);
        check("He said No. Then", &["He said No.", "Then"]);
        check("Roe vs. Wade and Roe v. Wade", &["Roe vs. Wade and Roe v. Wade"]);
        check("pens, pads, etc. and more", &["pens, pads, etc. and more"]);
        check("pens, pads, etc. The rest", &["pens, pads, etc.", "The rest"]);
        check("e.g. The one, i.e. This", &["e.g. The one, i.e. This"]);
    }

    #[test]
    fn times() {
        check("at 9 a.m. on Monday", &["at 9 a.m. on Monday"]);
        check("at 9 p.m. Eastern time", &["at 9 p.m. Eastern time"]);
        check("ended at 9 p.m. The next", &["ended at 9 p.m.", "The next"]);
        check("at 9 A.M. The next", &["at 9 A.M.", "The next"]);
    }

    #[test]
    fn initials() {
        check("John F. Kennedy died.", &["John F. Kennedy died."]);
        check("J.K. Rowling wrote.", &["J.K. Rowling wrote."]);
        check("H. G. Wells wrote.", &["H. G. Wells wrote."]);
        check("Plan B. The rest", &["Plan B.", "The rest"]);
        check("a Ph.D. Candidate", &["a Ph.D. Candidate"]);
    }

    #[test]
    fn initialisms() {
        check("the U.S. Senate voted.", &["the U.S. Senate voted."]);
        check("the U.K. and U.N. Security Council", &["the U.K. and U.N. Security Council"]);
        check("sanctions on the U.S. The move", &["sanctions on the U.S.", "The move"]);
        check("in the E.U. But", &["in the E.U.", "But"]);
        check("the U.S. 10-year note", &["the U.S. 10-year note"]);
        check("Washington, D.C. \"We won", &["Washington, D.C.", "\"We won"]);
        check("the U.S.-Mexico border", &["the U.S.-Mexico border"]);
    }

    #[test]
    fn numbers_and_domains() {
        check("It grew 2.5 pct to 1,000.50 dlrs.", &["It grew 2.5 pct to 1,000.50 dlrs."]);
        check("Buy at Amazon.com and eBay.co.uk now.", &["Buy at Amazon.com and eBay.co.uk now."]);
        check("See Amazon.com. The site", &["See Amazon.com.", "The site"]);
        check("1. The first point. 2. The second.", &["1. The first point.", "2. The second."]);
        check("Rose 5.93 mln.", &["Rose 5.93 mln."]);
    }

    // --- sentences: glued, datelines, lines --------------------------------------------

    #[test]
    fn glued_sentences() {
        check(
            "its fast-food chains.Shares in UK drinks rose.",
            &["its fast-food chains.", "Shares in UK drinks rose."],
        );
        check("growth of 0.2%.A common", &["growth of 0.2%.", "A common"]);
        check("he said.”Then", &["he said.”", "Then"]);
        check("in 2004.The", &["in 2004.", "The"]);
        check("the U.S.Army and a.m.The", &["the U.S.Army and a.m.The"]);
        check("Mr.Smith and iPhone.x", &["Mr.Smith and iPhone.x"]);
        check("fell to 294.3m.The agency", &["fell to 294.3m.", "The agency"]);
        check("the 1960s.But oil", &["the 1960s.", "But oil"]);
        check("to the OECD.The recovery", &["to the OECD.", "The recovery"]);
        check("ran ASP.NET and NASA.GOV", &["ran ASP.NET and NASA.GOV"]);
        check("like Next,\" said M&S.Stuart Rose", &["like Next,\" said M&S.", "Stuart Rose"]);
        check("employs 47,000.AT&T is", &["employs 47,000.", "AT&T is"]);
        check("in 2001.WMC itself", &["in 2001.", "WMC itself"]);
        check("John F.Kennedy and Plan B.The", &["John F.Kennedy and Plan B.The"]);
        check("to take effect.\"The next\"", &["to take effect.", "\"The next\""]);
        check("a \"difficult year\".\"2005 will", &["a \"difficult year\".", "\"2005 will"]);
        check("he said \"no.\"Then", &["he said \"no.\"", "Then"]);
    }

    #[test]
    fn datelines() {
        check(
            "Washington (CNN)Donald Trump wants to flip it. He",
            &["Washington (CNN)Donald Trump wants to flip it.", "He"],
        );
        check(
            "WASHINGTON (Reuters) - The U.S. Senate voted on Monday.",
            &["WASHINGTON (Reuters) - The U.S. Senate voted on Monday."],
        );
    }

    #[test]
    fn line_breaks() {
        check(
            "Showers continued throughout the week in\nthe Bahia cocoa zone, said Smith.",
            &["Showers continued throughout the week in\nthe Bahia cocoa zone, said Smith."],
        );
        check(
            "Standard Oil Co and BP North America\nInc said so.",
            &["Standard Oil Co and BP North America\nInc said so."],
        );
        check(
            "said in its weekly review.\n    The dry period",
            &["said in its weekly review.", "The dry period"],
        );
        check("owned by Acme Inc.\n    The venture", &["owned by Acme Inc.", "The venture"]);
        check("ends here\n    and goes on", &["ends here\n    and goes on"]);
        check(
            "Headline Without Stop\n\nBody starts here.",
            &["Headline Without Stop", "Body starts here."],
        );
        check("a\n  \t\nb\r\n\r\nc\u{2029}d", &["a", "b", "c", "d"]);
        check("deposits.\n       \n Reuter\n", &["deposits.", "Reuter"]);
        check("Mr.\nSmith", &["Mr.\nSmith"]);
    }

    const NEWS: &str = "Putin: No Plans ‘Right Now’ To Send Troops To Syria

WASHINGTON (Reuters) - The U.S. Senate on Tuesday backed a plan by Sen. John McCain, \
R-Ariz., to keep 5,000 troops in Syria. Mr. Putin said Russia’s stance was “similar to \
others.” The vote was 67-33.

Shares of Exxon Mobil Corp. rose 2.5 percent to $81.20 at 10 a.m. in New York… but fell
later in the day, traders said. Is that a surprise? Not really, said J.P. Morgan analyst
Phil Gresh.
    The White House, which held talks with the U.K. and the E.U. on Monday, said it would
respond \"in due course.\"

Putin: No Plans 'Right Now' To Send Troops To Syria";

    #[test]
    fn news_fixture() {
        check(
            NEWS,
            &[
                "Putin: No Plans ‘Right Now’ To Send Troops To Syria",
                "WASHINGTON (Reuters) - The U.S. Senate on Tuesday backed a plan by Sen. John McCain, \
             R-Ariz., to keep 5,000 troops in Syria.",
                "Mr. Putin said Russia’s stance was “similar to others.”",
                "The vote was 67-33.",
                "Shares of Exxon Mobil Corp. rose 2.5 percent to $81.20 at 10 a.m. in New York… but \
             fell\nlater in the day, traders said.",
                "Is that a surprise?",
                "Not really, said J.P. Morgan analyst\nPhil Gresh.",
                "The White House, which held talks with the U.K. and the E.U. on Monday, said it \
             would\nrespond \"in due course.\"",
                "Putin: No Plans 'Right Now' To Send Troops To Syria",
            ],
        );
        let analyzed = analyze(NEWS);
        assert_eq!(analyzed.sentences.len(), 9);
        let first =
            &analyzed.tokens[analyzed.sentences[0].token_start..analyzed.sentences[0].token_end];
        let last =
            &analyzed.tokens[analyzed.sentences[8].token_start..analyzed.sentences[8].token_end];
        let hashes = |ts: &[Token]| ts.iter().map(|t| t.hash).collect::<Vec<_>>();
        assert_eq!(hashes(first), hashes(last), "curly and straight quotes hash alike");
    }
}

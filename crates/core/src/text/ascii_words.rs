//! UAX#29 word segments with an ASCII fast path: exactly the segments of
//! `unicode_segmentation::UnicodeSegmentation::unicode_word_indices`, cheaper on text that is
//! mostly ASCII.
//!
//! The text is cut into chunks at boundaries UAX#29 always makes, whatever surrounds them:
//! - before a space (U+0020) that follows an ASCII character other than a space: no rule
//!   joins an ASCII non-space to a following space (WB3d needs a WSegSpace on both sides,
//!   WB4 an Extend, Format or ZWJ after, WB5–WB13b a letter, digit, mid or connector after);
//! - after a space that an ASCII character other than a space follows: nothing joins a
//!   WSegSpace to a following ASCII letter, digit or punctuation (WB999). A non-ASCII
//!   character after a space may be Extend or Format and glue to it (WB4), so spaces before
//!   one stay in its chunk.
//!
//! No rule looks across such a boundary either (WB6/WB7/WB11/WB12 look at most one character
//! past the pair they join, and never through a space; regional indicators are not ASCII).
//! A chunk of ASCII characters is therefore segmented on its own by a byte state machine for
//! the ASCII classes (below), in the same pass that finds its end; any other chunk goes to
//! `unicode_word_indices`, with its offset. An ASCII chunk never holds a space: the first
//! space after its first character ends it.
//!
//! ASCII word-break classes (UAX#29, Table 3): ALetter `A–Z a–z`, Numeric `0–9`, ExtendNumLet
//! `_`, MidNumLet `.`, Single_Quote `'`, MidLetter `:`, MidNum `,` `;`, CR, LF, Newline (VT,
//! FF), WSegSpace ` `; everything else (tab, `"`, which only matters next to Hebrew letters)
//! is Other. Within a chunk without spaces the rules reduce to: a run of letters, digits and
//! `_` is one segment (WB5, WB8–WB10, WB13a, WB13b), which also takes a mid character between
//! two letters (`.` `'` `:`, WB6/WB7) or between two digits (`.` `'` `,` `;`, WB11/WB12);
//! CR LF is one segment (WB3); every other character is a segment of its own (WB3a, WB3b,
//! WB999). Only segments with a letter or a digit are words.

use unicode_segmentation::UnicodeSegmentation;

/// Calls `f(byte_start, word)` for each UAX#29 word segment of `text` that contains an
/// alphanumeric character, in order: the segments of `text.unicode_word_indices()`.
pub(super) fn for_each_word<'a>(text: &'a str, mut f: impl FnMut(usize, &'a str)) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    // The words of the current chunk, held until it proves to be all ASCII.
    let mut pending = Vec::new();
    let mut p = 0;
    while p < n {
        // A run of spaces is a segment of its own (WB3d), without a word, unless a
        // non-ASCII character follows: that one may glue to the last space (WB4).
        let run = p;
        while p < n && bytes[p] == b' ' {
            p += 1;
        }
        if p == n {
            break;
        }
        // `bytes[p]` is not a space. The common case first: an ASCII chunk up to the next
        // space or the end.
        let mut start = p;
        let mut end = p;
        if bytes[p].is_ascii() {
            pending.clear();
            match ascii_chunk(bytes, p, &mut pending) {
                Ok(chunk_end) => {
                    for &(s, e) in &pending {
                        f(s, &text[s..e]);
                    }
                    p = chunk_end;
                    continue;
                }
                Err(non_ascii) => end = non_ascii,
            }
        } else {
            start = run;
        }
        // The chunk holds a non-ASCII character (at `end`): find its end, the next certain
        // boundary, and let the crate segment it.
        let mut prev = bytes[end];
        end += 1;
        while end < n {
            let b = bytes[end];
            if b.is_ascii() && prev.is_ascii() && ((b == b' ') != (prev == b' ')) {
                break;
            }
            prev = b;
            end += 1;
        }
        for (k, word) in text[start..end].unicode_word_indices() {
            f(start + k, word);
        }
        p = end;
    }
}

/// Segments the chunk that starts at `from` (an ASCII character other than a space) as long
/// as it is ASCII: pushes the byte ranges of its words to `words` and returns `Ok` with the
/// chunk's end (the next space, or the end of the text), or `Err` with the position of the
/// first non-ASCII byte (then `words` is to be dropped).
fn ascii_chunk(bytes: &[u8], from: usize, words: &mut Vec<(usize, usize)>) -> Result<usize, usize> {
    let n = bytes.len();
    let mut i = from;
    while i < n {
        let first = bytes[i];
        if !is_core(first) {
            // Other, mid, CR, LF, Newline: never part of a segment with a word (the CR of
            // CR LF included).
            match first {
                b' ' => return Ok(i),
                b if !b.is_ascii() => return Err(i),
                _ => i += 1,
            }
            continue;
        }
        let start = i;
        let mut has_alnum = first != b'_';
        i += 1;
        while i < n {
            let b = bytes[i];
            if is_core(b) {
                has_alnum |= b != b'_';
                i += 1;
            } else if i + 1 < n && joins_infix(bytes[i - 1], b, bytes[i + 1]) {
                // The character after the infix is a letter or a digit. (Past the chunk's
                // end comes a space or a non-ASCII byte: neither joins.)
                has_alnum = true;
                i += 2;
            } else {
                break;
            }
        }
        if has_alnum {
            words.push((start, i));
        }
    }
    Ok(n)
}

/// ALetter, Numeric or ExtendNumLet.
fn is_core(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `mid` between `prev` and `next` stays inside a word: between two letters
/// (MidLetter or MidNumLetQ, WB6/WB7) or two digits (MidNum or MidNumLetQ, WB11/WB12).
fn joins_infix(prev: u8, mid: u8, next: u8) -> bool {
    match mid {
        b'.' | b'\'' => {
            (prev.is_ascii_alphabetic() && next.is_ascii_alphabetic())
                || (prev.is_ascii_digit() && next.is_ascii_digit())
        }
        b':' => prev.is_ascii_alphabetic() && next.is_ascii_alphabetic(),
        b',' | b';' => prev.is_ascii_digit() && next.is_ascii_digit(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fast(text: &str) -> Vec<(usize, &str)> {
        let mut out = Vec::new();
        for_each_word(text, |k, w| out.push((k, w)));
        out
    }

    fn crate_words(text: &str) -> Vec<(usize, &str)> {
        text.unicode_word_indices().collect()
    }

    #[test]
    fn same_as_crate_on_examples() {
        for text in [
            "",
            " ",
            "The U.S. economy grew 2.5% to $1,000.50.",
            "It’s Russia's -- “fine”",
            "at 5 p.m. on Amazon.com:8080 a_b __ _1 1_ a:b 1:2 a,b 1,2 1;2 a;b",
            "x\r\ny\n\nz\u{B}w\u{C}v\tu",
            " \u{6DA}a  \u{301}b \u{3000} c",
            "中 a 🇺🇸🇺🇸 b",
            "a. b' 'c .d 1. .1 a.1 1.a ab.cd.ef 1'2'3",
        ] {
            assert_eq!(fast(text), crate_words(text), "{text:?}");
        }
    }

    /// An alphabet that stresses the ASCII rules and the chunk boundaries: letters, digits,
    /// every ASCII mid and connector, line breaks, spaces, and non-ASCII characters that
    /// glue to their neighbours (MidNumLet `’`, Extend, Format, ZWJ, WSegSpace U+3000,
    /// regional indicators, a Hebrew letter next to `'` and `"`).
    const STRESS: &[&str] = &[
        "a",
        "Z",
        "q",
        "0",
        "7",
        ".",
        "'",
        ":",
        ",",
        ";",
        "_",
        "\"",
        "\n",
        "\r",
        "\t",
        "\u{B}",
        " ",
        " ",
        "  ",
        "-",
        "%",
        "’",
        "é",
        "\u{301}",
        "\u{6DA}",
        "\u{AD}",
        "\u{200D}",
        "\u{3000}",
        "\u{A0}",
        "—",
        "“",
        "中",
        "🇺",
        "🇸",
        "א",
        "\u{2019}s",
        "U.S.",
        "1,000",
    ];

    fn stress() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(STRESS), 0..48)
            .prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        #[test]
        fn same_as_crate_on_stress_text(s in stress()) {
            prop_assert_eq!(fast(&s), crate_words(&s));
        }

        #[test]
        fn same_as_crate_on_any_text(s in any::<String>()) {
            prop_assert_eq!(fast(&s), crate_words(&s));
        }

        #[test]
        fn same_as_crate_on_ascii_text(s in "[ -~\t\n\r\u{B}\u{C}]{0,64}") {
            prop_assert_eq!(fast(&s), crate_words(&s));
        }
    }

    /// Every document of a real corpus, when the shared data is there (`gzip` reads it: no
    /// decompression crate in unspun-core).
    #[test]
    fn same_as_crate_on_a_real_corpus() {
        let path =
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/bbc/articles.jsonl.gz");
        if !std::path::Path::new(path).exists() {
            eprintln!("skipped: {path} not found");
            return;
        }
        let Ok(output) = std::process::Command::new("gzip").args(["-dc", path]).output() else {
            eprintln!("skipped: no gzip to read {path}");
            return;
        };
        assert!(output.status.success(), "gzip -dc {path} failed");
        let text = String::from_utf8(output.stdout).expect("UTF-8 corpus");
        let mut docs = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let record: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            for field in ["title", "text"] {
                if let Some(s) = record[field].as_str() {
                    assert_eq!(fast(s), crate_words(s), "{}", record["id"]);
                }
            }
            docs += 1;
        }
        assert!(docs > 1000, "only {docs} documents in {path}");
    }
}

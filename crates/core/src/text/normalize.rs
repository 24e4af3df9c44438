//! Normalisation: the comparison form of a text or a word (quotes, dashes, white space, NFKC,
//! lower case).

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Normalises text for comparison.
///
/// Steps, in order: typographic quotes fold to ASCII (`‘ ’ ‚ ‛ ′ `` ` `` → `'`,
/// `“ ” „ ‟ ″ « »` → `"`), dashes and the minus sign fold to `-`, invisible format characters
/// (soft hyphen, zero-width space, word joiner, BOM) are dropped, NFKC is applied (so `…`
/// becomes `...` and `ﬁ` becomes `fi`), every run of Unicode white space becomes one ASCII
/// space (no trimming), and each character is lower-cased with [`char::to_lowercase`]. That is
/// simple per-character lower-casing, not full Unicode case folding: `ß` stays `ß` and a final
/// `ς` stays `ς`.
///
/// ASCII runs skip NFKC entirely; only the non-ASCII islands (with the ASCII character before
/// them, which combining marks may attach to) go through the normaliser. The result is
/// idempotent: `normalize(&normalize(s)) == normalize(s)`.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(text, &mut out);
    out
}

/// [`normalize`] into a reused buffer, which is cleared first.
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    if normalize_append(text, out) {
        stabilize(out);
    }
}

/// Normalises one word token for hashing, exactly as [`normalize`] does.
///
/// Word tokens contain no white space, so the white-space rule never fires. `Russia’s`,
/// `Russia's` and `RUSSIA'S` all give `russia's`.
pub fn normalize_token(word: &str) -> String {
    normalize(word)
}

/// [`normalize_token`] into a reused buffer, which is cleared first. Pure-ASCII words are
/// lower-cased byte by byte without touching the Unicode machinery.
pub fn normalize_token_into(word: &str, out: &mut String) {
    if word.bytes().all(|b| b.is_ascii() && b != b'`' && !is_ascii_space(b)) {
        out.clear();
        out.push_str(word);
        out.make_ascii_lowercase();
    } else {
        normalize_into(word, out);
    }
}

/// Folds one character of typographic punctuation; `None` drops an invisible character.
fn fold_char(c: char) -> Option<char> {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' => Some('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{AB}' | '\u{BB}' => {
            Some('"')
        }
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' => Some('-'),
        '\u{AD}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}' => None,
        c => Some(c),
    }
}

/// White space as [`char::is_whitespace`] sees it, for one ASCII byte.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r')
}

/// Appends folded, white-space-collapsed, lower-cased characters to a string.
struct Sink<'a> {
    out: &'a mut String,
    /// The last character pushed was the single space of a white-space run.
    in_space: bool,
}

impl Sink<'_> {
    fn push_ascii(&mut self, b: u8) {
        if is_ascii_space(b) {
            if !self.in_space {
                self.out.push(' ');
                self.in_space = true;
            }
        } else {
            self.in_space = false;
            self.out.push(if b == b'`' { '\'' } else { char::from(b.to_ascii_lowercase()) });
        }
    }

    /// `c` must already be folded.
    fn push(&mut self, c: char) {
        if c.is_ascii() {
            // `c` fits one byte: the cast is exact.
            self.push_ascii(c as u8);
        } else if c.is_whitespace() {
            if !self.in_space {
                self.out.push(' ');
                self.in_space = true;
            }
        } else {
            self.in_space = false;
            self.out.extend(c.to_lowercase());
        }
    }
}

/// One normalisation pass appended to `out`. Returns whether any non-ASCII input was seen
/// (only then can the result need another pass).
fn normalize_append(text: &str, out: &mut String) -> bool {
    let bytes = text.as_bytes();
    let mut sink = Sink { out, in_space: false };
    let mut saw_unicode = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            sink.push_ascii(b);
            i += 1;
            continue;
        }
        saw_unicode = true;
        let mut j = i;
        while j < bytes.len() && !bytes[j].is_ascii() {
            j += 1;
        }
        // NFKC never composes across a boundary between two ASCII characters, nor before an
        // ASCII character, so normalising the island [i - 1, j) alone is exact. The ASCII
        // character before the island may be the base of a combining mark: take it back.
        let mut island_start = i;
        if i > 0 && !is_ascii_space(bytes[i - 1]) {
            island_start = i - 1;
            sink.out.pop();
        }
        for c in text[island_start..j].chars().filter_map(fold_char).nfkc() {
            if let Some(c) = fold_char(c) {
                sink.push(c);
            }
        }
        i = j;
    }
    saw_unicode
}

/// Reruns the pass until it is a fixed point. Lower-casing after NFKC (or dropping a format
/// character between a base and its combining mark) can, rarely, leave text that is not in
/// NFKC; a quick check spots that without a second pass in the common case.
fn stabilize(out: &mut String) {
    for _ in 0..8 {
        if is_nfkc_quick(out.chars()) == IsNormalized::Yes {
            return;
        }
        let mut next = String::with_capacity(out.len());
        normalize_append(out, &mut next);
        if next == *out {
            return;
        }
        *out = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::token_hash;
    use proptest::prelude::*;

    // --- normalisation -----------------------------------------------------------------

    #[test]
    fn normalize_folds_quotes_dashes_space_case() {
        assert_eq!(normalize("Russia’s “Best” – ever"), "russia's \"best\" - ever");
        assert_eq!(normalize("«Oui» ‘a’ ‚b‛ ′c″ „d‟ `e`"), "\"oui\" 'a' 'b' 'c\" \"d\" 'e'");
        assert_eq!(normalize("a‐b‑c‒d—e―f−g"), "a-b-c-d-e-f-g");
        assert_eq!(normalize("  A \t\n\u{A0}\u{2003}B\u{3000}"), " a b ");
        assert_eq!(normalize("ﬁnal … ＡＢＣ ½"), "final ... abc 1⁄2");
        assert_eq!(normalize("soft\u{AD}ware zero\u{200B}width"), "software zerowidth");
        assert_eq!(normalize("Cafe\u{301} CAFÉ"), "café café");
        assert_eq!(normalize("ÀÉÎ ΣΟΦΊΑ"), "àéî σοφία");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn normalize_token_agrees_across_spellings() {
        let forms = ["Russia’s", "Russia's", "RUSSIA'S", "russia‘s", "Russia`s"];
        for f in forms {
            assert_eq!(normalize_token(f), "russia's", "{f}");
        }
        let mut buf = String::from("junk");
        normalize_token_into("It’s", &mut buf);
        assert_eq!(buf, "it's");
        normalize_token_into("U.S", &mut buf);
        assert_eq!(buf, "u.s");
    }

    #[test]
    fn ascii_islands_match_whole_text_nfkc() {
        // A combining mark after ASCII must compose with it.
        assert_eq!(normalize("e\u{301}te\u{301}"), "\u{E9}t\u{E9}");
        assert_eq!(normalize("A\u{30A} x"), "\u{E5} x");
        assert_eq!(normalize(" \u{301}"), " \u{301}");
    }

    #[test]
    fn token_hash_golden() {
        // Stored on disk: these literals must never change. The empty string gives xxh3's
        // published value 0x2D06800538D394C2.
        assert_eq!(token_hash(""), 0x2D06_8005_38D3_94C2);
        assert_eq!(token_hash(""), 3244421341483603138);
        assert_eq!(token_hash("the"), 14632902600990866813);
        assert_eq!(token_hash("russia's"), 4660198977685487468);
        assert_eq!(token_hash("u.s"), 14708572315977259818);
        assert_eq!(token_hash(&normalize_token("Russia’s")), 4660198977685487468);
    }

    proptest! {
        fn normalize_is_idempotent(s in any::<String>()) {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once);
        }

        #[test]
        fn normalize_newsy_is_idempotent(s in newsy()) {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
            let mut whole = String::new();
            for c in s.chars().filter_map(fold_char).nfkc().filter_map(fold_char) {
                let in_space = whole.ends_with(' ');
                Sink { out: &mut whole, in_space }.push(c);
            }
            // Island-wise NFKC equals whole-text NFKC (before the fixed-point loop).
            let mut islands = String::new();
            normalize_append(&s, &mut islands);
            prop_assert_eq!(islands, whole);
        }
    }

    /// Text biased towards the characters normalisation cares about.
    fn newsy() -> impl Strategy<Value = String> {
        crate::text::tests::newsy()
    }
}

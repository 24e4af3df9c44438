//! Stop words and word tokens.

use std::sync::OnceLock;

use super::ascii_words::for_each_word;
use super::normalize::normalize_token_into;
use super::sentences::is_glued_boundary;
use crate::canon::KeyMap;
use crate::token::{Token, token_hash};

/// The English stop words: NLTK's list, a few common contractions, and the reporting verbs
/// of news (`said`, `says`, `say`, `told`). Sorted by bytes for binary search.
#[rustfmt::skip]
pub const STOPWORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "ain", "all", "also", "am", "an", "and",
    "any", "are", "aren", "aren't", "as", "at", "be", "because", "been", "before", "being",
    "below", "between", "both", "but", "by", "can", "could", "couldn", "couldn't", "d", "did",
    "didn", "didn't", "do", "does", "doesn", "doesn't", "doing", "don", "don't", "down", "during",
    "each", "few", "for", "from", "further", "had", "hadn", "hadn't", "has", "hasn", "hasn't",
    "have", "haven", "haven't", "having", "he", "he's", "her", "here", "hers", "herself", "him",
    "himself", "his", "how", "i", "i'm", "i've", "if", "in", "into", "is", "isn", "isn't", "it",
    "it's", "its", "itself", "just", "ll", "m", "ma", "me", "mightn", "mightn't", "more", "most",
    "mustn", "mustn't", "my", "myself", "needn", "needn't", "no", "nor", "not", "now", "o", "of",
    "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own",
    "re", "s", "said", "same", "say", "says", "shan", "shan't", "she", "she's", "should",
    "should've", "shouldn", "shouldn't", "so", "some", "such", "t", "than", "that", "that'll",
    "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "they're",
    "this", "those", "through", "to", "told", "too", "under", "until", "up", "ve", "very", "was",
    "wasn", "wasn't", "we", "we're", "were", "weren", "weren't", "what", "when", "where", "which",
    "while", "who", "whom", "why", "will", "with", "won", "won't", "would", "wouldn", "wouldn't",
    "y", "you", "you'd", "you'll", "you're", "you've", "your", "yours", "yourself", "yourselves",
];

/// Whether a normalised word is an English stop word ([`STOPWORDS`]).
pub fn is_stopword(normalized: &str) -> bool {
    // Every stop word is at most 10 bytes: skip the search for longer words. Otherwise look
    // only among the few stop words with the same first byte (a hot path of ingest and trace).
    let bytes = normalized.as_bytes();
    if bytes.is_empty() || bytes.len() > 10 {
        return false;
    }
    let (start, end) = STOPWORDS_BY_FIRST_BYTE[usize::from(bytes[0])];
    STOPWORDS[usize::from(start)..usize::from(end)].iter().any(|w| w.as_bytes() == bytes)
}

/// [`is_stopword`] of a normalised word whose [`token_hash`] is `hash`: one table lookup
/// (tokens of every text go through it), then a comparison of the bytes.
fn is_hashed_stopword(normalized: &str, hash: u64) -> bool {
    static BY_HASH: OnceLock<KeyMap<u16>> = OnceLock::new();
    let by_hash =
        BY_HASH.get_or_init(|| (0u16..).zip(STOPWORDS).map(|(k, w)| (token_hash(w), k)).collect());
    by_hash.get(&hash).is_some_and(|&k| STOPWORDS[usize::from(k)] == normalized)
}

/// For each first byte, the range of [`STOPWORDS`] starting with it (the list is byte-sorted).
const STOPWORDS_BY_FIRST_BYTE: [(u16, u16); 256] = {
    let mut table = [(0u16, 0u16); 256];
    let mut i = 0;
    while i < STOPWORDS.len() {
        let first = STOPWORDS[i].as_bytes()[0] as usize;
        if table[first].1 == 0 {
            table[first].0 = i as u16;
        }
        table[first].1 = i as u16 + 1;
        i += 1;
    }
    table
};

/// Word tokens of `text` with byte offsets into it.
///
/// Words are UAX#29 word segments of the original text that contain at least one alphanumeric
/// character, so `U.S.` gives `U.S`, `2.5` and `1,000.50` stay whole, and `It’s` is one token.
/// One exception: a segment glued across a sentence end by an extractive summary
/// (`chains.Shares`: two lower-case letters, a period, an upper-case letter) is cut at the
/// period, the way [`split_sentences`] cuts it.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    let mut buf = String::with_capacity(32);
    for_each_word(text, |start, word| {
        // UAX#29 glues a combining mark to the space before it (" \u{6DA}"): a token never
        // starts with white space, so that it lies inside the sentence that holds its start.
        // (A word from an ASCII chunk starts with a letter, a digit or `_`: nothing to trim.)
        let trimmed = match word.as_bytes()[0] {
            b if b.is_ascii_alphanumeric() => word,
            _ => word.trim_start(),
        };
        let (start, word) = (start + word.len() - trimmed.len(), trimmed);
        if word.is_empty() {
            return;
        }
        if !word.as_bytes().contains(&b'.') {
            out.push(make_token(start, word, &mut buf));
            return;
        }
        let mut piece_start = 0;
        for (k, _) in word.match_indices('.') {
            if is_glued_boundary(word, k, k + 1, false) {
                out.push(make_token(start + piece_start, &word[piece_start..k], &mut buf));
                piece_start = k + 1;
            }
        }
        out.push(make_token(start + piece_start, &word[piece_start..], &mut buf));
    });
    crate::canon::apply_phrases(&mut out);
    out
}

fn make_token(byte_start: usize, word: &str, buf: &mut String) -> Token {
    normalize_token_into(word, buf);
    let hash = token_hash(buf);
    let canon = crate::canon::canonical_word(buf, word, hash).unwrap_or(hash);
    let is_stopword = is_hashed_stopword(buf, hash);
    let is_marked = word.chars().next().is_some_and(char::is_uppercase)
        || word.bytes().any(|b| b.is_ascii_digit());
    Token { byte_start, byte_end: byte_start + word.len(), hash, canon, is_stopword, is_marked }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(input: &str) -> Vec<&str> {
        tokenize(input).iter().map(|t| &input[t.byte_start..t.byte_end]).collect()
    }

    // --- stop words --------------------------------------------------------------------

    #[test]
    fn stopwords_sorted_and_found() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(STOPWORDS.iter().all(|w| w.len() <= 10));
        for w in ["the", "a", "said", "says", "say", "told", "don't", "it's", "yourselves"] {
            assert!(is_stopword(w), "{w}");
        }
        for w in ["russia", "putin", "The", "", "sai", "saidx"] {
            assert!(!is_stopword(w), "{w}");
        }
        for w in
            STOPWORDS.iter().chain(&["russia", "putin", "The", "", "sai", "saidx", "yourselvesx"])
        {
            assert_eq!(is_hashed_stopword(w, token_hash(w)), is_stopword(w), "{w}");
        }
    }

    // --- tokens ------------------------------------------------------------------------

    #[test]
    fn tokens_follow_uax29() {
        assert_eq!(
            words("The U.S. economy grew 2.5% to $1,000.50."),
            ["The", "U.S", "economy", "grew", "2.5", "to", "1,000.50"]
        );
        assert_eq!(words("It’s Russia's -- “fine”"), ["It’s", "Russia's", "fine"]);
        assert_eq!(words("Washington (CNN)Donald"), ["Washington", "CNN", "Donald"]);
        assert_eq!(words("at 5 p.m. on Amazon.com"), ["at", "5", "p.m", "on", "Amazon.com"]);
        assert_eq!(words("...  — !"), Vec::<&str>::new());
    }

    #[test]
    fn tokens_cut_glued_sentences() {
        assert_eq!(words("chains.Shares in U.S.Army"), ["chains", "Shares", "in", "U.S.Army"]);
    }

    #[test]
    fn tokens_carry_hash_and_stopword() {
        let text = "The Russia’s said";
        let toks = tokenize(text);
        assert_eq!(toks.len(), 3);
        assert_eq!(toks[0].hash, token_hash("the"));
        assert!(toks[0].is_stopword);
        assert_eq!(toks[1].hash, token_hash("russia's"));
        assert_eq!(toks[1].hash, tokenize("RUSSIA'S")[0].hash);
        assert!(!toks[1].is_stopword);
        assert!(toks[2].is_stopword);
        assert_eq!((toks[1].byte_start, toks[1].byte_end), (4, 14));
    }
}

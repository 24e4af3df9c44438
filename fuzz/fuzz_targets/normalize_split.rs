//! The normaliser, the tokeniser and the sentence splitter on any text, checking the
//! invariants their docs promise (the same ones the proptests in `core::text` check, on inputs
//! libFuzzer grows from real articles instead of generated ones).
#![no_main]

use libfuzzer_sys::fuzz_target;
use unspun_core::text::{
    analyze, normalize, normalize_into, normalize_token_into, split_sentences, token_hash, tokenize,
};

fuzz_target!(|data: &[u8]| {
    // Invalid UTF-8 becomes U+FFFD: every input is a text, and the mutations that break
    // UTF-8 still move the splitter.
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    // normalize: idempotent, and the same into a dirty reused buffer.
    let once = normalize(text);
    assert_eq!(normalize(&once), once, "normalize is not idempotent");
    let mut buffer = String::from("left over \u{2019}");
    normalize_into(text, &mut buffer);
    assert_eq!(buffer, once, "normalize_into differs from normalize");

    // tokenize: ascending, non-empty, in bounds, on char boundaries, hashed from the
    // normalised form (the ASCII fast path of normalize_token_into agrees with normalize).
    let tokens = tokenize(text);
    let mut prev_end = 0;
    for token in &tokens {
        assert!(prev_end <= token.byte_start, "tokens overlap: {token:?}");
        assert!(token.byte_start < token.byte_end, "empty token: {token:?}");
        assert!(token.byte_end <= text.len(), "token out of bounds: {token:?}");
        assert!(text.is_char_boundary(token.byte_start) && text.is_char_boundary(token.byte_end));
        let word = &text[token.byte_start..token.byte_end];
        normalize_token_into(word, &mut buffer);
        assert_eq!(buffer, normalize(word), "normalize_token_into differs on {word:?}");
        assert_eq!(token.hash, token_hash(&buffer), "hash of {word:?}");
        prev_end = token.byte_end;
    }

    // split_sentences: ascending, non-empty, trimmed, on char boundaries, and only white
    // space left over after the last one.
    let ranges = split_sentences(text);
    let mut prev_end = 0;
    for range in &ranges {
        assert!(range.start < range.end, "empty sentence {range:?}");
        assert!(prev_end <= range.start, "sentences overlap at {range:?}");
        assert!(range.end <= text.len(), "sentence out of bounds: {range:?}");
        assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
        let sentence = &text[range.clone()];
        assert_eq!(sentence, sentence.trim(), "untrimmed sentence {range:?}");
        // Between sentences there is only white space.
        assert!(text[prev_end..range.start].trim().is_empty(), "text dropped before {range:?}");
        prev_end = range.end;
    }
    assert!(text[prev_end..].trim().is_empty(), "text dropped after the last sentence");

    // analyze: the same tokens and sentences, with token ranges that tile the tokens; a
    // token goes to the last sentence that starts at or before its first byte (the first
    // sentence if none does). Not "the sentence that contains its first byte": a space followed
    // by a combining mark with the Alphabetic property (" \u{6DA}") is one UAX#29 word, so a
    // token can start on the white space between sentences, or lie wholly outside the
    // sentence it goes to (see fuzz/regressions/normalize_split/).
    let analyzed = analyze(text);
    assert_eq!(analyzed.tokens, tokens, "analyze tokenised differently");
    assert_eq!(analyzed.sentences.len(), ranges.len(), "analyze split differently");
    let mut next_token = 0;
    for (idx, (sentence, range)) in analyzed.sentences.iter().zip(&ranges).enumerate() {
        assert_eq!((sentence.byte_start, sentence.byte_end), (range.start, range.end));
        assert_eq!(sentence.token_start, next_token, "token ranges do not tile");
        assert!(sentence.token_start <= sentence.token_end);
        let next_start = ranges.get(idx + 1).map_or(usize::MAX, |next| next.start);
        for token in &analyzed.tokens[sentence.token_start..sentence.token_end] {
            assert!(
                (idx == 0 || sentence.byte_start <= token.byte_start)
                    && token.byte_start < next_start,
                "token {token:?} in the wrong sentence {sentence:?}"
            );
        }
        next_token = sentence.token_end;
    }
    assert_eq!(next_token, analyzed.tokens.len(), "tokens not tiled");
});

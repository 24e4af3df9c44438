//! The word diff of a side-by-side: the source's and the article's words aligned, with
//! replaced, inserted and deleted words marked; bounded per pair and per page.

use std::fmt::Write as _;

use super::{MAX_DIFF_CELLS, escape};

/// Comparison key of a word: lower case, curly quotes folded, outer punctuation dropped.
fn word_key(word: &str) -> String {
    let lower: String = word
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '“' | '”' | '„' | '‟' | '«' | '»' | '″' => '"',
            '‘' | '’' | '‚' | '‛' | '′' => '\'',
            c => c,
        })
        .collect();
    let stripped = lower.trim_matches(|c: char| !c.is_alphanumeric());
    if stripped.is_empty() { lower } else { stripped.to_string() }
}

/// Whitespace runs and word runs, in order.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev_space: Option<bool> = None;
    for (i, c) in text.char_indices() {
        let space = c.is_whitespace();
        if prev_space.is_some_and(|p| p != space) {
            out.push(&text[start..i]);
            start = i;
        }
        prev_space = Some(space);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Equal,
    Inserted,
    Deleted,
    Substituted,
}

/// A word-level diff (longest common subsequence of word keys) of `source` against `query`,
/// as escaped HTML for each side: runs replaced by other runs in `<mark>`, words only in the
/// query in `<ins>`, words only in the source in `<del>`. Too long to diff, or more cells than
/// the page's `budget` has left: nothing marked. The cells used are taken off `budget`.
pub(super) fn word_diff(source: &str, query: &str, budget: &mut usize) -> (String, String) {
    let s_tokens = tokens(source);
    let q_tokens = tokens(query);
    let s_words: Vec<usize> =
        (0..s_tokens.len()).filter(|&i| !s_tokens[i].starts_with(char::is_whitespace)).collect();
    let q_words: Vec<usize> =
        (0..q_tokens.len()).filter(|&i| !q_tokens[i].starts_with(char::is_whitespace)).collect();
    let (n, m) = (s_words.len(), q_words.len());
    let mut s_marks = vec![Mark::Equal; s_tokens.len()];
    let mut q_marks = vec![Mark::Equal; q_tokens.len()];
    let cells = (n + 1).saturating_mul(m + 1);
    if cells <= MAX_DIFF_CELLS && cells <= *budget {
        *budget -= cells;
        let sk: Vec<String> = s_words.iter().map(|&i| word_key(s_tokens[i])).collect();
        let qk: Vec<String> = q_words.iter().map(|&i| word_key(q_tokens[i])).collect();
        let width = m + 1;
        let mut dp = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                dp[i * width + j] = if sk[i] == qk[j] {
                    dp[(i + 1) * width + j + 1] + 1
                } else {
                    dp[(i + 1) * width + j].max(dp[i * width + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        let mut dels: Vec<usize> = Vec::new();
        let mut inss: Vec<usize> = Vec::new();
        let mut flush = |dels: &mut Vec<usize>, inss: &mut Vec<usize>| {
            let both = !dels.is_empty() && !inss.is_empty();
            for &k in dels.iter() {
                s_marks[s_words[k]] = if both { Mark::Substituted } else { Mark::Deleted };
            }
            for &k in inss.iter() {
                q_marks[q_words[k]] = if both { Mark::Substituted } else { Mark::Inserted };
            }
            dels.clear();
            inss.clear();
        };
        while i < n || j < m {
            if i < n && j < m && sk[i] == qk[j] {
                flush(&mut dels, &mut inss);
                i += 1;
                j += 1;
            } else if j >= m || (i < n && dp[(i + 1) * width + j] >= dp[i * width + j + 1]) {
                dels.push(i);
                i += 1;
            } else {
                inss.push(j);
                j += 1;
            }
        }
        flush(&mut dels, &mut inss);
    }
    (marked_html(&s_tokens, &mut s_marks), marked_html(&q_tokens, &mut q_marks))
}

/// Escaped tokens with runs of one mark wrapped once (spaces between two words of the same
/// mark join the run).
fn marked_html(tokens: &[&str], marks: &mut [Mark]) -> String {
    for k in 0..tokens.len() {
        if tokens[k].starts_with(char::is_whitespace) {
            let prev = k.checked_sub(1).map(|p| marks[p]);
            let next = marks.get(k + 1).copied();
            marks[k] = match (prev, next) {
                (Some(p), Some(n)) if p == n => p,
                _ => Mark::Equal,
            };
        }
    }
    let mut out = String::new();
    let mut k = 0;
    while k < tokens.len() {
        let mark = marks[k];
        let mut run = String::new();
        while k < tokens.len() && marks[k] == mark {
            run.push_str(tokens[k]);
            k += 1;
        }
        let run = escape(&run);
        match mark {
            Mark::Equal => out.push_str(&run),
            Mark::Inserted => {
                let _ =
                    write!(out, "<ins class=\"d-ins\" title=\"added in the article\">{run}</ins>");
            }
            Mark::Deleted => {
                let _ = write!(
                    out,
                    "<del class=\"d-del\" title=\"left out of the article\">{run}</del>"
                );
            }
            Mark::Substituted => {
                let _ = write!(out, "<mark class=\"d-sub\" title=\"replaced\">{run}</mark>");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_diff(source: &str, query: &str, expect_source: &str, expect_query: &str) {
        let mut budget = usize::MAX;
        let (s, q) = word_diff(source, query, &mut budget);
        assert_eq!(s, expect_source);
        assert_eq!(q, expect_query);
    }

    #[test]
    fn diff_marks_substitutions_insertions_deletions() {
        check_diff(
            "Russia said on Monday.",
            "Russian Federation said on Monday.",
            "<mark class=\"d-sub\" title=\"replaced\">Russia</mark> said on Monday.",
            "<mark class=\"d-sub\" title=\"replaced\">Russian Federation</mark> said on Monday.",
        );
        check_diff(
            "He left early.",
            "He left very early.",
            "He left early.",
            "He left <ins class=\"d-ins\" title=\"added in the article\">very</ins> early.",
        );
        check_diff(
            "A <b> & \"c\".",
            "A <b> & \"c\".",
            "A &lt;b&gt; &amp; &quot;c&quot;.",
            "A &lt;b&gt; &amp; &quot;c&quot;.",
        );
    }

    #[test]
    fn diff_stops_marking_when_the_page_budget_is_spent() {
        // 3 × 3 words: 4 × 4 cells.
        let mut budget = 16;
        let (s, q) = word_diff("a b c", "a x c", &mut budget);
        assert!(s.contains("<mark") && q.contains("<mark"));
        assert_eq!(budget, 0);
        let (s, q) = word_diff("a b c", "a x c", &mut budget);
        assert_eq!((s.as_str(), q.as_str()), ("a b c", "a x c"), "nothing marked once spent");
        let mut budget = 12;
        let _ = word_diff("a b c", "a x c", &mut budget);
        assert_eq!(budget, 12, "a diff that does not fit uses nothing");
    }
}

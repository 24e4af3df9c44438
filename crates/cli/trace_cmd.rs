//! `unspun trace`: where did this article come from?

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use unspun_core::date::parse_date;
use unspun_core::limits::TraceLimits;
use unspun_core::trace::{TraceConfig, TraceInput, Tracer, split_title};
use unspun_index::Index;

use crate::engine::{ParaphraseArgs, ThesaurusArgs};
use crate::output::{print_json, print_text};
use crate::render::{Style, render};

/// Flags of `unspun trace`.
#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// The index directory to search.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// The article: a plain-text file (a first line followed by a blank line is its title) or a
    /// JSON object with "text" and optional "title", "date", "id"; `-` reads standard input.
    #[arg(value_name = "FILE|-")]
    pub input: String,
    /// The article's publication date (ISO 8601): sources dated later are ignored.
    #[arg(long)]
    pub date: Option<String>,
    /// The article's title (overrides a title found in the input).
    #[arg(long)]
    pub title: Option<String>,
    /// Print the report as JSON (schema unspun.trace/1, see docs/trace-report.md).
    #[arg(long)]
    pub json: bool,
    /// How many candidate documents to align, at most, by retrieval score.
    #[arg(long, default_value_t = TraceConfig::default().max_candidates)]
    pub max_candidates: usize,
    /// Refuse articles larger than this many bytes (the server's default body limit).
    #[arg(long, default_value_t = DEFAULT_MAX_ARTICLE_BYTES, value_name = "BYTES")]
    pub max_article_bytes: u64,
    /// Sentences longer than this many words are aligned as windows of at most this many.
    #[arg(long, default_value_t = TraceLimits::default().max_sentence_tokens, value_name = "WORDS")]
    pub max_sentence_words: usize,
    /// Stop aligning after this many dynamic-programming cells (query words × source words);
    /// the report then lists `max_alignment_cells` in `stats.limits_hit`.
    #[arg(long, default_value_t = TraceLimits::default().max_alignment_cells, value_name = "N")]
    pub max_alignment_cells: u64,
    #[command(flatten)]
    pub thesaurus: ThesaurusArgs,
    #[command(flatten)]
    pub paraphrase: ParaphraseArgs,
}

/// An article read from a file or stdin.
#[derive(Debug, Default)]
pub struct Article {
    /// Id, when the JSON gave one.
    pub id: Option<String>,
    /// Title, when given or detected.
    pub title: Option<String>,
    /// Body text.
    pub text: String,
    /// Date string, when given.
    pub date: Option<String>,
    /// Character offset of the body in the input.
    pub body_char_offset: usize,
}

/// Parses an article from `raw` (named `name` in errors).
pub fn parse_article(raw: &str, name: &str) -> anyhow::Result<Article> {
    if raw.trim_start().starts_with('{') {
        let value: serde_json::Value =
            serde_json::from_str(raw).with_context(|| format!("{name}: not valid JSON"))?;
        let field = |key: &str| -> anyhow::Result<Option<String>> {
            match value.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
                Some(other) => bail!("{name}: field `{key}` must be a string, not {other}"),
            }
        };
        let Some(text) = field("text")? else { bail!("{name}: field `text` is missing") };
        return Ok(Article {
            id: field("id")?,
            title: field("title")?,
            text,
            date: field("date")?,
            body_char_offset: 0,
        });
    }
    let (title, body_start) = split_title(raw);
    Ok(Article {
        id: None,
        title: title.map(str::to_string),
        text: raw[body_start..].to_string(),
        date: None,
        body_char_offset: raw[..body_start].chars().count(),
    })
}

/// The largest article `unspun trace` reads by default: 4 MiB, as the server's body limit.
pub const DEFAULT_MAX_ARTICLE_BYTES: u64 = 4 << 20;

/// Reads the article named on the command line, refusing more than `max_bytes`.
pub fn read_article(input: &str, max_bytes: u64) -> anyhow::Result<Article> {
    let name = if input == "-" { "<stdin>" } else { input };
    let mut bytes = Vec::new();
    let reader: Box<dyn Read> = if input == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(input).with_context(|| format!("reading {input}"))?)
    };
    reader
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {name}"))?;
    if bytes.len() as u64 > max_bytes {
        bail!(
            "{name}: the article is larger than {max_bytes} bytes (--max-article-bytes); \
             trace it in parts or raise the limit"
        );
    }
    let raw = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{name}: not valid UTF-8 (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    parse_article(&raw, name)
}

/// Runs `unspun trace`.
pub fn run(args: TraceArgs) -> anyhow::Result<ExitCode> {
    let mut article = read_article(&args.input, args.max_article_bytes)?;
    if let Some(title) = args.title {
        article.title = Some(title);
    }
    if let Some(date) = args.date {
        article.date = Some(date);
    }
    if article.text.trim().is_empty() {
        bail!(
            "{}: nothing to trace: the article's text is empty",
            if args.input == "-" { "<stdin>" } else { &args.input }
        );
    }
    let date = match &article.date {
        None => None,
        Some(raw) if raw.trim().is_empty() => None,
        Some(raw) => Some(parse_date(raw).with_context(|| {
            format!("cannot parse the date {raw:?} (use ISO 8601, e.g. 2016-09-01)")
        })?),
    };
    let index = Index::open(&args.index)
        .with_context(|| format!("opening index {}", args.index.display()))?;
    let config = TraceConfig {
        max_candidates: args.max_candidates,
        thesaurus: args.thesaurus.load()?,
        paraphrase: args.paraphrase.load()?,
        limits: TraceLimits {
            max_sentence_tokens: args.max_sentence_words,
            max_alignment_cells: args.max_alignment_cells,
            ..TraceLimits::default()
        },
        ..TraceConfig::default()
    };
    let input = TraceInput {
        id: article.id.as_deref(),
        title: article.title.as_deref(),
        text: &article.text,
        date,
    };
    let tracer = Tracer::new(&index.config().shingle, config);
    let mut report = tracer.trace(&input, &index);
    report.query.body_char_offset = article.body_char_offset;
    if args.json {
        print_json(&report)?;
    } else {
        print_text(&render(&report, Style::detect()))?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_with_title() {
        let a = parse_article("Headline Here\n\nBody text. More.", "x").expect("parses");
        assert_eq!(a.title.as_deref(), Some("Headline Here"));
        assert_eq!(a.text, "Body text. More.");
        assert_eq!(a.body_char_offset, 15);
    }

    #[test]
    fn json_article_and_field_errors() {
        let a = parse_article(r#"{"title":"T","text":"Body.","date":"2016-01-02","id":7}"#, "x")
            .expect("parses");
        assert_eq!((a.id.as_deref(), a.date.as_deref()), (Some("7"), Some("2016-01-02")));
        let err = parse_article(r#"{"title":"T"}"#, "a.json").expect_err("no text");
        assert_eq!(err.to_string(), "a.json: field `text` is missing");
        let err = parse_article(r#"{"text":["x"]}"#, "a.json").expect_err("wrong type");
        assert!(err.to_string().contains("field `text` must be a string"), "{err}");
    }
}

//! `unspun trace`: where did this article come from?
//!
//! One article (a file or `-`) prints its full report; several files, a folder or `--jsonl`
//! trace in parallel (`batch`), with `--html DIR` one HTML page per article. The exit
//! status is grep's: 0 when every article is original, 1 when a copy, partly copied text or a
//! patchwork was found, 2 on an error.

pub mod batch;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use unspun_core::date::parse_date;
use unspun_core::limits::TraceLimits;
use unspun_core::report::TraceReport;
use unspun_core::trace::{TraceConfig, TraceInput, Tracer};
use unspun_index::Index;

use self::batch::Summary;
use crate::engine::{ParaphraseArgs, ThesaurusArgs};
use crate::output::{print_json, print_text};
use crate::render::{RenderConfig, Style, render_with};

/// Flags of `unspun trace`.
#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// The index directory to search.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// The articles: plain-text files (a first line followed by a blank line is the title),
    /// HTML pages (the article is extracted: text, title, date; navigation and markup left
    /// out),
    /// JSON objects with "text" and optional "title", "date", "id", JSON Lines files (.jsonl,
    /// .ndjson, also gzipped: one article a line) and folders, read recursively for those
    /// kinds (.txt .text .md .json .jsonl .ndjson .jsonl.gz .ndjson.gz; hidden entries
    /// skipped); `-` reads one article from standard input. One file prints its full report;
    /// more, or a folder, print one line per article and a summary on stderr.
    #[arg(value_name = "FILE|DIR|-", required_unless_present = "jsonl")]
    pub inputs: Vec<String>,
    /// Trace the JSON Lines in FILE (`-`: standard input), one {"id","title","text","date"}
    /// object a line, and print one report a line (JSON Lines), in input order.
    #[arg(long, value_name = "FILE|-", conflicts_with = "inputs")]
    pub jsonl: Option<String>,
    /// The articles' publication date (ISO 8601; it overrides a date in the input): sources
    /// dated later are ignored.
    #[arg(long)]
    pub date: Option<String>,
    /// The article's title (overrides a title found in the input; one article only).
    #[arg(long)]
    pub title: Option<String>,
    /// Print the report as JSON (schema unspun.trace/1, see docs/trace-report.md); with several
    /// articles, one compact report a line (JSON Lines), each with an "input" field naming its
    /// file (and line).
    #[arg(long)]
    pub json: bool,
    /// Also write the report as one self-contained HTML page to FILE (`-`: standard output,
    /// instead of the terminal report): the article by origin, the verdict with its evidence,
    /// the sources and every side-by-side; it loads nothing, prints, and follows a light or
    /// dark theme. With several articles, a folder or --jsonl (or when FILE is an existing
    /// folder or ends in `/`), FILE is a folder (created if missing) that gets one page per
    /// article, named after its file (and line and id): `a.html`, `feed-3-id7.html`.
    #[arg(long, value_name = "FILE|DIR")]
    pub html: Option<PathBuf>,
    /// With --html DIR: overwrite pages that already exist in DIR (without it, an existing
    /// page stops the run).
    #[arg(long, requires = "html")]
    pub force: bool,
    /// Print the compact report: one line per sentence, without the sources' wording.
    #[arg(long, conflicts_with = "json")]
    pub brief: bool,
    /// Also print where each match lies: character offsets in the article's body and in its
    /// source (always in --json).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Stop at the first bad article (unreadable, malformed JSON, no text, over
    /// --max-article-bytes, bad date) instead of reporting it on stderr and going on.
    #[arg(long)]
    pub strict: bool,
    /// Also write the run's summary as JSON (schema unspun.trace-summary/1: verdict counts,
    /// the articles with the highest coverage, traces/s) to FILE.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Trace on this many threads (0: one per core).
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub threads: usize,
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

pub use unspun_index::ingest::Article;

/// Parses an article from `raw` (named `name` in errors): JSON when it starts with `{`, an
/// HTML page (its extracted article: text, title and date, without tags or navigation) when
/// it starts like one, else plain text.
pub fn parse_article(raw: &str, name: &str) -> anyhow::Result<Article> {
    Article::parse_any(raw).map_err(|e| anyhow::anyhow!("{name}: {e}"))
}

/// Parses a JSON article object (one line of JSON Lines, or a .json file).
pub fn parse_json_article(raw: &str, name: &str) -> anyhow::Result<Article> {
    Article::parse_json(raw).map_err(|e| anyhow::anyhow!("{name}: {e}"))
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
    let sources = batch::sources(&args)?;
    let html_dir = args.html.as_deref().is_some_and(batch::names_a_folder);
    let single = match sources.as_slice() {
        [batch::Source::Article(_)] => args.jsonl.is_none() && !html_dir,
        _ => false,
    };
    if !single && args.title.is_some() {
        bail!("--title names the title of one article; it cannot be used with several");
    }
    if !single && args.html.as_deref().is_some_and(|path| path.as_os_str() == "-") {
        bail!(
            "--html - prints the page of one article; with several, name a folder \
             (--html DIR) to get one page per article"
        );
    }
    let date_override = match &args.date {
        None => None,
        Some(raw) => Some(parse_article_date(raw)?),
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
    if !single {
        let tracer = index.tracer_with_cache(config, batch::CANDIDATE_CACHE_DOCS);
        return batch::run(&args, sources, date_override, &tracer, &index);
    }
    let started = std::time::Instant::now();
    let input = args.inputs.first().map(String::as_str).unwrap_or("-");
    let name = if input == "-" { "<stdin>" } else { input };
    let mut article = read_article(input, args.max_article_bytes)?;
    if let Some(title) = &args.title {
        article.title = Some(title.clone());
    }
    let tracer = index.tracer(config);
    let report = trace_article(&tracer, &index, &article, date_override, name)?;
    let html_to_stdout = args.html.as_deref().is_some_and(|path| path.as_os_str() == "-");
    if let Some(path) = &args.html {
        let html = html_page(&report, &article.text, &index, &index_name(&args.index));
        if html_to_stdout {
            print_text(&html)?;
        } else {
            std::fs::write(path, html)
                .with_context(|| format!("writing the HTML report to {}", path.display()))?;
        }
    }
    // With `--html -` the page is the output.
    if !html_to_stdout {
        if args.json {
            print_json(&report)?;
        } else {
            let render_config = RenderConfig { brief: args.brief, verbose: args.verbose };
            print_text(&render_with(&report, Style::detect(), &render_config))?;
        }
    }
    let mut summary = Summary::new(started);
    summary.add_report(name, &report);
    if let Some(path) = &args.summary {
        summary.write_json(path)?;
    }
    Ok(ExitCode::from(summary.exit_code()))
}

/// The self-contained HTML page of `report`, the trace of `body` against `index` (named
/// `index_name` on the page), with the sources' own text around each match.
pub fn html_page(report: &TraceReport, body: &str, index: &Index, index_name: &str) -> String {
    let texts = unspun_server::report_html::source_texts(report, |id| {
        let doc_id = index.doc_id(id)?;
        index.document(doc_id).ok().flatten().map(|doc| doc.text)
    });
    let options = unspun_server::report_html::HtmlOptions {
        body: Some(body),
        index_name: Some(index_name),
        generated_at: None,
        source_texts: Some(&texts),
    };
    unspun_server::report_html::render_html(report, &options)
}

/// The index's name for the HTML report: its folder's name.
pub fn index_name(dir: &std::path::Path) -> String {
    let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    canonical
        .file_name()
        .map_or_else(|| canonical.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Parses a date given on the command line or in an article.
fn parse_article_date(raw: &str) -> anyhow::Result<unspun_core::Timestamp> {
    parse_date(raw)
        .with_context(|| format!("cannot parse the date {raw:?} (use ISO 8601, e.g. 2016-09-01)"))
}

/// Traces one article read from `name`: its date (`date_override` first), refusing an empty
/// text. The error names `name`.
pub fn trace_article(
    tracer: &Tracer,
    index: &Index,
    article: &Article,
    date_override: Option<unspun_core::Timestamp>,
    name: &str,
) -> anyhow::Result<TraceReport> {
    if article.text.trim().is_empty() {
        bail!("{name}: nothing to trace: the article's text is empty");
    }
    let date = match (date_override, &article.date) {
        (Some(date), _) => Some(date),
        (None, None) => None,
        (None, Some(raw)) if raw.trim().is_empty() => None,
        (None, Some(raw)) => {
            Some(parse_article_date(raw).with_context(|| format!("{name}: bad date"))?)
        }
    };
    let input = TraceInput {
        id: article.id.as_deref(),
        title: article.title.as_deref(),
        text: &article.text,
        date,
    };
    let mut report = tracer.trace(&input, index);
    report.query.body_char_offset = article.body_char_offset;
    Ok(report)
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

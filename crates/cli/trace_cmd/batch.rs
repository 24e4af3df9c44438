//! Batch tracing for `unspun trace`: many files, folders and JSON Lines, traced in parallel
//! with one shared `Tracer`, printed in input order as they finish.
//!
//! A reader thread turns the inputs into numbered jobs; a rayon pool traces them; the main
//! thread puts the results back in order and prints them. Memory stays bounded: the reader
//! runs at most `window` jobs ahead of the last one printed, so the reorder buffer and the
//! channels never hold more than `window` articles or reports, whatever the input's size.
//! A bad article is printed on stderr as `file[:line]: reason`, counted and skipped
//! (`--strict`: the run stops there).
//!
//! With `--html DIR` the workers also render each report's HTML page, and the main thread
//! writes it into DIR before printing the article's line ([`HtmlReports`]): pages travel with
//! their reports, so the same window bounds them.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use anyhow::{Context, bail};
use rayon::iter::{ParallelBridge, ParallelIterator};
use serde::Serialize;
use unspun_core::Timestamp;
use unspun_core::report::{TraceReport, VerdictKind};
use unspun_core::trace::Tracer;
use unspun_index::Index;

use super::{
    Article, TraceArgs, html_page, index_name, parse_json_article, read_article, trace_article,
};
use crate::render::Style;

/// Analysed candidates the batch's `Tracer` keeps between traces (as `cluster` does).
pub const CANDIDATE_CACHE_DOCS: usize = 4096;

/// How many articles with the highest coverage the summary lists.
const N_WORST: usize = 10;

/// Extensions of the files taken from a folder, as one article each.
const ARTICLE_EXTENSIONS: [&str; 8] =
    [".txt", ".text", ".md", ".json", ".html", ".htm", ".xhtml", ".shtml"];

/// Extensions of JSON Lines files (one article a line), in folders and on the command line.
const JSONL_EXTENSIONS: [&str; 4] = [".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"];

/// Where articles come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// One article: a file, or `-` for standard input.
    Article(String),
    /// JSON Lines, one article a line: a file (gzip when its name ends in .gz), or `-`.
    Lines(String),
}

/// The sources named by the command line, folders expanded (sorted, recursively).
pub fn sources(args: &TraceArgs) -> anyhow::Result<Vec<Source>> {
    if let Some(jsonl) = &args.jsonl {
        return Ok(vec![Source::Lines(jsonl.clone())]);
    }
    // A folder's walk skips the --html folder: its pages are reports, not articles.
    let skip = args.html.as_deref().and_then(|dir| std::fs::canonicalize(dir).ok());
    let mut sources = Vec::new();
    for input in &args.inputs {
        let path = Path::new(input);
        if input != "-" && path.is_dir() {
            walk(path, skip.as_deref(), &mut sources)
                .with_context(|| format!("reading the folder {input}"))?;
        } else if is_jsonl_name(input) {
            sources.push(Source::Lines(input.clone()));
        } else {
            sources.push(Source::Article(input.clone()));
        }
    }
    Ok(sources)
}

fn is_jsonl_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    JSONL_EXTENSIONS.iter().any(|ext| lower.ends_with(ext))
}

/// Adds the article and JSON Lines files under `dir`, sorted by name, skipping hidden entries,
/// symbolic links to folders (no cycles) and the folder `skip`.
fn walk(dir: &Path, skip: Option<&Path>, sources: &mut Vec<Source>) -> std::io::Result<()> {
    let mut entries: Vec<(PathBuf, std::fs::FileType)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        entries.push((entry.path(), entry.file_type()?));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, file_type) in entries {
        if file_type.is_dir() {
            if skip.is_none_or(|skip| std::fs::canonicalize(&path).ok().as_deref() != Some(skip)) {
                walk(&path, skip, sources)?;
            }
            continue;
        }
        if !path.is_file() {
            continue;
        }
        let name = path.to_string_lossy().into_owned();
        let lower = name.to_lowercase();
        if is_jsonl_name(&name) {
            sources.push(Source::Lines(name));
        } else if ARTICLE_EXTENSIONS.iter().any(|ext| lower.ends_with(ext)) {
            sources.push(Source::Article(name));
        }
    }
    Ok(())
}

/// One article to trace, numbered in input order.
struct Job {
    seq: u64,
    /// `file` or `file:line`.
    input: String,
    /// The start of its HTML page's name: the file's name without its extension, and the
    /// line's number (`feed-3`); the page adds the article's id.
    stem: String,
    /// The article, or why it could not be read (naming `input`).
    article: Result<Article, String>,
}

/// What became of one job.
enum Outcome {
    /// The report, and its HTML page with `--html DIR`.
    Traced(Box<TraceReport>, Option<String>),
    Bad(String),
}

/// A finished job on its way to the printer: `(seq, input, stem, outcome)`.
type Done = (u64, String, String, Outcome);

/// The reader's leash: it may hand out job `seq` only while `seq < printed + window`.
struct Gate {
    printed: Mutex<u64>,
    moved: Condvar,
    stop: AtomicBool,
    window: u64,
}

impl Gate {
    /// Waits until job `seq` may start; `false` when the run is stopping.
    fn wait_for(&self, seq: u64) -> bool {
        let mut printed = self.printed.lock().unwrap_or_else(|e| e.into_inner());
        while seq >= *printed + self.window && !self.stop.load(Ordering::Relaxed) {
            printed = self.moved.wait(printed).unwrap_or_else(|e| e.into_inner());
        }
        !self.stop.load(Ordering::Relaxed)
    }

    fn advance(&self, printed: u64) {
        *self.printed.lock().unwrap_or_else(|e| e.into_inner()) = printed;
        self.moved.notify_all();
    }

    fn halt(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let _guard = self.printed.lock().unwrap_or_else(|e| e.into_inner());
        self.moved.notify_all();
    }
}

/// Runs a batch: traces every article of `sources` and prints the results in input order.
pub fn run(
    args: &TraceArgs,
    sources: Vec<Source>,
    date_override: Option<Timestamp>,
    tracer: &Tracer,
    index: &Index,
) -> anyhow::Result<ExitCode> {
    let n_threads = if args.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        args.threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n_threads)
        .thread_name(|i| format!("unspun-trace-{i}"))
        .build()
        .context("starting the trace threads")?;
    let window = (4 * n_threads as u64).max(8);
    let gate = Gate { printed: Mutex::new(0), moved: Condvar::new(), stop: false.into(), window };
    let max_bytes = args.max_article_bytes;
    let format = if args.json || args.jsonl.is_some() { Format::JsonLines } else { Format::Lines };
    let mut summary = Summary::new(Instant::now());
    let mut html = match &args.html {
        Some(dir) => Some(HtmlReports::create(dir, args.force)?),
        None => None,
    };
    let html_index_name = html.is_some().then(|| index_name(&args.index));
    let bar = crate::progress::count_spinner("articles", false);
    let printer = Printer { format, style: Style::detect(), strict: args.strict, bar: &bar };

    let outcome = std::thread::scope(|scope| {
        let (job_tx, job_rx) = crossbeam_channel::bounded::<Job>(n_threads);
        let (done_tx, done_rx) = crossbeam_channel::bounded::<Done>(n_threads);
        let gate = &gate;
        let html_index_name = html_index_name.as_deref();
        scope.spawn(move || read_sources(&sources, max_bytes, gate, &job_tx));
        scope.spawn(move || {
            pool.install(|| {
                job_rx.into_iter().par_bridge().for_each_with(done_tx, |done_tx, job| {
                    let outcome = match job.article {
                        Err(message) => Outcome::Bad(message),
                        Ok(article) => {
                            match trace_article(tracer, index, &article, date_override, &job.input)
                            {
                                Ok(report) => {
                                    let page = html_index_name
                                        .map(|name| html_page(&report, &article.text, index, name));
                                    Outcome::Traced(Box::new(report), page)
                                }
                                Err(err) => Outcome::Bad(format!("{err:#}")),
                            }
                        }
                    };
                    // The receiver is gone only when the printer stopped; nothing to do then.
                    let _ = done_tx.send((job.seq, job.input, job.stem, outcome));
                });
            });
        });
        let result = printer.print_in_order(&done_rx, gate, &mut summary, html.as_mut());
        gate.halt();
        drop(done_rx);
        result
    });
    bar.finish_and_clear();
    outcome?;
    if summary.n_traced == 0 && summary.n_bad == 0 {
        bail!(
            "no article to trace (folders are searched for {ARTICLE_EXTENSIONS:?} and {JSONL_EXTENSIONS:?} files)"
        );
    }
    if let Some(html) = &html {
        summary.html_reports =
            Some(HtmlSummary { dir: html.dir.display().to_string(), n_written: html.n_written });
    }
    eprint!("{}", summary.text());
    if let Some(path) = &args.summary {
        summary.write_json(path)?;
    }
    Ok(ExitCode::from(summary.exit_code()))
}

/// Whether `--html PATH` names a folder for one page per article, even with one article: an
/// existing folder, or a path ending in `/`.
pub fn names_a_folder(path: &Path) -> bool {
    path.as_os_str() != "-"
        && (path.is_dir()
            || path.as_os_str().to_string_lossy().ends_with(std::path::MAIN_SEPARATOR))
}

/// The `--html DIR` of a batch: where each traced article's page goes, under a name derived
/// from its input, unique in the run and the same from one run to the next.
pub struct HtmlReports {
    dir: PathBuf,
    /// Overwrite pages that exist (`--force`); without it an existing page stops the run.
    force: bool,
    /// The names given so far, lowercased: unique on case-insensitive file systems too.
    used: HashSet<String>,
    n_written: u64,
}

impl HtmlReports {
    /// Creates `dir` if missing and checks that a page can be written there, before anything
    /// is traced.
    fn create(dir: &Path, force: bool) -> anyhow::Result<HtmlReports> {
        std::fs::create_dir_all(dir).with_context(|| {
            format!("creating the folder for the HTML reports (--html) {}", dir.display())
        })?;
        let probe = dir.join(format!(".unspun-write-check-{}.tmp", std::process::id()));
        std::fs::File::create(&probe).with_context(|| {
            format!("the folder for the HTML reports (--html) {} is not writable", dir.display())
        })?;
        // Only the probe's creation matters; a failure to remove it leaves a hidden file.
        let _ = std::fs::remove_file(&probe);
        Ok(HtmlReports { dir: dir.to_path_buf(), force, used: HashSet::new(), n_written: 0 })
    }

    /// The file name for the page of the article `stem` with the id `id`: `stem-id.html`
    /// (the id left out when the stem already says it), sanitised, `-2`, `-3`... on a clash.
    fn file_name(&mut self, stem: &str, id: Option<&str>) -> String {
        let mut base = sanitize_file_stem(stem);
        if let Some(id) = id.map(sanitize_file_stem)
            && id != "article"
            && id != base
        {
            base = format!("{base}-{id}");
        }
        let base = truncate_at_char(&base, MAX_STEM_BYTES).to_string();
        let mut name = base.clone();
        let mut n = 1;
        while !self.used.insert(name.to_lowercase()) {
            n += 1;
            name = format!("{base}-{n}");
        }
        name + ".html"
    }

    /// Writes `page` as `name` in the folder: to `name.tmp`, then renamed, so a page is
    /// whole or absent. Refuses to overwrite a page without `--force`.
    fn write(&mut self, name: &str, page: &str) -> anyhow::Result<PathBuf> {
        let path = self.dir.join(name);
        if !self.force && std::fs::symlink_metadata(&path).is_ok() {
            bail!(
                "{} already exists: --html does not overwrite a page without --force (or give \
                 another folder)",
                path.display()
            );
        }
        let tmp = self.dir.join(format!("{name}.tmp"));
        let written = std::fs::write(&tmp, page).and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(err) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(err).with_context(|| format!("writing the HTML report {}", path.display()));
        }
        self.n_written += 1;
        Ok(path)
    }
}

/// The longest page name, in bytes before `-N.html`: far below the usual 255-byte limit.
const MAX_STEM_BYTES: usize = 100;

/// `raw` as a portable file name: ASCII letters, digits, `-`, `_` and `.` kept, runs of
/// anything else one `_`, no leading dot or dash (no hidden file, no flag); `article` when
/// nothing is left.
fn sanitize_file_stem(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_start_matches(['.', '-', '_']).trim_end_matches(['.', '_']);
    let trimmed = truncate_at_char(trimmed, MAX_STEM_BYTES);
    if trimmed.is_empty() { "article".to_string() } else { trimmed.to_string() }
}

/// The longest prefix of `text` of at most `max_bytes` bytes that ends on a char boundary.
fn truncate_at_char(text: &str, max_bytes: usize) -> &str {
    let mut end = text.len().min(max_bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The stem of a page's name for the article file `name`: its file name without its
/// extension (`in/a.txt` → `a`), `stdin` for `-`.
fn article_stem(name: &str) -> String {
    if name == "-" {
        return "stdin".to_string();
    }
    let file = Path::new(name).file_name().map_or(name.into(), |f| f.to_string_lossy());
    match file.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => file.into_owned(),
    }
}

/// The stem of a page's name for line `line_no` of the JSON Lines file `name`:
/// `feed.jsonl.gz` line 3 → `feed-3`.
fn line_stem(name: &str, line_no: u64) -> String {
    let file = if name == "-" {
        "stdin".to_string()
    } else {
        Path::new(name).file_name().map_or(name.into(), |f| f.to_string_lossy()).into_owned()
    };
    let lower = file.to_lowercase();
    let stem = JSONL_EXTENSIONS
        .iter()
        .find(|ext| lower.ends_with(*ext))
        .map_or(file.as_str(), |ext| &file[..file.len() - ext.len()]);
    format!("{stem}-{line_no}")
}

/// Reads every source into numbered jobs, waiting at the gate; stops when it closes.
fn read_sources(
    sources: &[Source],
    max_bytes: u64,
    gate: &Gate,
    jobs: &crossbeam_channel::Sender<Job>,
) {
    let mut seq = 0u64;
    let mut send = |input: String, stem: String, article: Result<Article, String>| -> bool {
        if !gate.wait_for(seq) {
            return false;
        }
        let ok = jobs.send(Job { seq, input, stem, article }).is_ok();
        seq += 1;
        ok
    };
    for source in sources {
        match source {
            Source::Article(name) => {
                let input = if name == "-" { "<stdin>".to_string() } else { name.clone() };
                let article = read_article(name, max_bytes).map_err(|e| format!("{e:#}"));
                if !send(input, article_stem(name), article) {
                    return;
                }
            }
            Source::Lines(name) => {
                if !read_lines(name, max_bytes, &mut send) {
                    return;
                }
            }
        }
    }
}

/// Reads the JSON Lines of `name` into jobs; `false` when the run is stopping.
fn read_lines(
    name: &str,
    max_bytes: u64,
    send: &mut dyn FnMut(String, String, Result<Article, String>) -> bool,
) -> bool {
    let shown = if name == "-" { "<stdin>" } else { name };
    let reader: Box<dyn Read> = if name == "-" {
        Box::new(std::io::stdin())
    } else {
        match File::open(name) {
            Err(err) => {
                let stem = line_stem(name, 0);
                return send(shown.to_string(), stem, Err(format!("reading {shown}: {err}")));
            }
            Ok(file) if name.to_lowercase().ends_with(".gz") => {
                Box::new(flate2::read::MultiGzDecoder::new(file))
            }
            Ok(file) => Box::new(file),
        }
    };
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let mut line = Vec::new();
    let mut line_no = 0u64;
    loop {
        line_no += 1;
        let input = format!("{shown}:{line_no}");
        let too_long = match read_bounded_line(&mut reader, &mut line, max_bytes) {
            Ok(None) => return true,
            Ok(Some(too_long)) => too_long,
            Err(err) => {
                // The rest of the stream cannot be read (a damaged gzip member, an I/O error).
                let stem = line_stem(name, line_no);
                return send(input.clone(), stem, Err(format!("{input}: cannot read on: {err}")));
            }
        };
        let article = if too_long {
            Err(format!(
                "{input}: the article is larger than {max_bytes} bytes (--max-article-bytes)"
            ))
        } else {
            match std::str::from_utf8(&line) {
                Err(e) => {
                    Err(format!("{input}: not valid UTF-8 (first bad byte at {})", e.valid_up_to()))
                }
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => parse_json_article(text, &input).map_err(|e| format!("{e:#}")),
            }
        };
        if !send(input, line_stem(name, line_no), article) {
            return false;
        }
    }
}

/// Reads one line (without its `\n` or `\r\n`) into `line`, keeping at most `max_bytes`:
/// `None` at the end, `Some(true)` when the line was longer (it is skipped, not kept).
fn read_bounded_line(
    reader: &mut dyn BufRead,
    line: &mut Vec<u8>,
    max_bytes: u64,
) -> std::io::Result<Option<bool>> {
    line.clear();
    let mut too_long = false;
    let mut read_any = false;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            break;
        }
        read_any = true;
        let newline = available.iter().position(|&b| b == b'\n');
        let chunk = &available[..newline.unwrap_or(available.len())];
        if !too_long {
            if (line.len() + chunk.len()) as u64 > max_bytes {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let used = chunk.len() + usize::from(newline.is_some());
        reader.consume(used);
        if newline.is_some() {
            break;
        }
    }
    if !read_any {
        return Ok(None);
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(too_long))
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// One line per article for people: input, verdict, coverage, top origin.
    Lines,
    /// One compact report per line, with an "input" field.
    JsonLines,
}

struct Printer<'a> {
    format: Format,
    style: Style,
    strict: bool,
    bar: &'a indicatif::ProgressBar,
}

impl Printer<'_> {
    /// Receives results in any order and prints them in input order.
    fn print_in_order(
        &self,
        done: &crossbeam_channel::Receiver<Done>,
        gate: &Gate,
        summary: &mut Summary,
        mut html: Option<&mut HtmlReports>,
    ) -> anyhow::Result<()> {
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        let mut waiting: BTreeMap<u64, (String, String, Outcome)> = BTreeMap::new();
        let mut next = 0u64;
        for (seq, input, stem, outcome) in done {
            waiting.insert(seq, (input, stem, outcome));
            while let Some((input, stem, outcome)) = waiting.remove(&next) {
                next += 1;
                self.print_one(&mut stdout, &input, &stem, outcome, summary, html.as_deref_mut())?;
                gate.advance(next);
            }
            stdout.flush().context("writing to stdout")?;
        }
        Ok(())
    }

    fn print_one(
        &self,
        out: &mut dyn Write,
        input: &str,
        stem: &str,
        outcome: Outcome,
        summary: &mut Summary,
        html: Option<&mut HtmlReports>,
    ) -> anyhow::Result<()> {
        self.bar.inc(1);
        let report = match outcome {
            Outcome::Bad(message) => {
                summary.n_bad += 1;
                if self.strict {
                    bail!("{message} (--strict: stopped at the first bad article)");
                }
                self.bar.suspend(|| eprintln!("unspun: {message} (skipped)"));
                return Ok(());
            }
            Outcome::Traced(report, page) => {
                // Names are given in input order, so the same inputs get the same names.
                if let (Some(html), Some(page)) = (html, page) {
                    let name = html.file_name(stem, report.query.id.as_deref());
                    html.write(&name, &page)?;
                }
                report
            }
        };
        summary.add_report(input, &report);
        let line = match self.format {
            Format::JsonLines => {
                let json = serde_json::to_string(&*report).context("encoding JSON")?;
                let input = serde_json::to_string(input).context("encoding JSON")?;
                // The report with "input" first: `{"input":…,"schema":…}`.
                format!("{{\"input\":{input},{}\n", json.strip_prefix('{').unwrap_or(&json))
            }
            Format::Lines => compact_line(input, &report, self.style),
        };
        out.write_all(line.as_bytes()).context("writing to stdout")?;
        let n_found = summary.n_traced - summary.verdicts.original;
        self.bar.set_message(format!("{n_found} copied"));
        Ok(())
    }
}

/// The verdict in capitals, and its colour (an SGR code).
fn verdict_label(kind: VerdictKind) -> (&'static str, &'static str) {
    match kind {
        VerdictKind::Original => ("ORIGINAL", "32"),
        VerdictKind::Copy => ("COPY", "31"),
        VerdictKind::PartlyCopied => ("PARTLY COPIED", "33"),
        VerdictKind::Patchwork => ("PATCHWORK", "35"),
    }
}

/// The top origin of a report: its id and outlet.
fn top_origin(report: &TraceReport) -> Option<(String, Option<String>)> {
    let origin = report.verdict.origins.first()?;
    let source = report.sources.get(origin.source)?;
    Some((source.id.clone(), source.outlet.clone()))
}

/// `input [id]: VERDICT  84 %  ← origin-id (Outlet)`.
fn compact_line(input: &str, report: &TraceReport, style: Style) -> String {
    let (label, colour) = verdict_label(report.verdict.kind);
    let mut line = input.to_string();
    if let Some(id) = &report.query.id {
        line.push_str(&format!(" [{id}]"));
    }
    line.push_str(&format!(
        ": {} {:>3} %",
        style.emphasis(colour, &format!("{label:<13}")),
        (report.verdict.coverage * 100.0).round()
    ));
    if report.verdict.kind != VerdictKind::Original
        && let Some((id, outlet)) = top_origin(report)
    {
        line.push_str(&format!("  ← {id}"));
        if let Some(outlet) = outlet {
            line.push_str(&format!(" ({outlet})"));
        }
        if report.verdict.n_origins > 1 {
            line.push_str(&format!(" + {} more", report.verdict.n_origins - 1));
        }
    }
    line.push('\n');
    line
}

/// Verdict counts.
#[derive(Debug, Default, Serialize)]
pub struct VerdictCounts {
    /// Articles with no substantial earlier source.
    pub original: u64,
    /// Copies of one earlier document.
    pub copy: u64,
    /// Articles taking less than half of their text from one earlier document.
    pub partly_copied: u64,
    /// Patchworks of several origins.
    pub patchwork: u64,
}

/// One of the articles with the highest coverage.
#[derive(Debug, Clone, Serialize)]
pub struct Offender {
    /// `file` or `file:line`.
    pub input: String,
    /// The article's id, when it has one.
    pub id: Option<String>,
    /// Its verdict.
    pub verdict: VerdictKind,
    /// Share of its text with a source, 0..=1.
    pub coverage: f64,
    /// The id of its largest origin.
    pub origin_id: Option<String>,
    /// That origin's outlet.
    pub origin_outlet: Option<String>,
}

/// The HTML pages of a batch run with `--html DIR`.
#[derive(Debug, Serialize)]
pub struct HtmlSummary {
    /// The folder, as given.
    pub dir: String,
    /// Pages written: one per traced article.
    pub n_written: u64,
}

/// What a run traced (schema `unspun.trace-summary/1`).
#[derive(Debug, Serialize)]
pub struct Summary {
    /// "unspun.trace-summary/1".
    pub schema: &'static str,
    /// Articles traced.
    pub n_traced: u64,
    /// Bad articles reported and skipped.
    pub n_bad: u64,
    /// Traced articles by verdict.
    pub verdicts: VerdictCounts,
    /// Up to 10 copied articles with the highest coverage, highest first (input order on ties).
    pub worst: Vec<Offender>,
    /// Wall time of the run, in seconds.
    pub elapsed_secs: f64,
    /// Articles traced per second of wall time.
    pub traces_per_sec: f64,
    /// The exit status: 0 all original, 1 something copied, 2 an error.
    pub exit_code: u8,
    /// With `--html DIR`: the pages written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html_reports: Option<HtmlSummary>,
    #[serde(skip)]
    started: Option<Instant>,
}

impl Summary {
    /// An empty summary of a run that started at `started`.
    pub fn new(started: Instant) -> Summary {
        Summary {
            schema: "unspun.trace-summary/1",
            n_traced: 0,
            n_bad: 0,
            verdicts: VerdictCounts::default(),
            worst: Vec::new(),
            elapsed_secs: 0.0,
            traces_per_sec: 0.0,
            exit_code: 0,
            html_reports: None,
            started: Some(started),
        }
    }

    /// Counts a traced article.
    pub fn add_report(&mut self, input: &str, report: &TraceReport) {
        self.n_traced += 1;
        let verdict = &report.verdict;
        *match verdict.kind {
            VerdictKind::Original => &mut self.verdicts.original,
            VerdictKind::Copy => &mut self.verdicts.copy,
            VerdictKind::PartlyCopied => &mut self.verdicts.partly_copied,
            VerdictKind::Patchwork => &mut self.verdicts.patchwork,
        } += 1;
        if verdict.kind == VerdictKind::Original {
            return;
        }
        let beats = |o: &Offender| verdict.coverage > o.coverage;
        if self.worst.len() == N_WORST && !self.worst.last().is_some_and(beats) {
            return;
        }
        let origin = top_origin(report);
        let offender = Offender {
            input: input.to_string(),
            id: report.query.id.clone(),
            verdict: verdict.kind,
            coverage: verdict.coverage,
            origin_id: origin.as_ref().map(|(id, _)| id.clone()),
            origin_outlet: origin.and_then(|(_, outlet)| outlet),
        };
        let at = self.worst.iter().position(beats).unwrap_or(self.worst.len());
        self.worst.insert(at, offender);
        self.worst.truncate(N_WORST);
    }

    /// 2 after a bad article, else 1 when something was copied, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.n_bad > 0 {
            2
        } else if self.n_traced > self.verdicts.original {
            1
        } else {
            0
        }
    }

    fn finish(&mut self) {
        self.elapsed_secs = self.started.map_or(0.0, |s| s.elapsed().as_secs_f64());
        self.traces_per_sec =
            if self.elapsed_secs > 0.0 { self.n_traced as f64 / self.elapsed_secs } else { 0.0 };
        self.exit_code = self.exit_code();
    }

    /// The summary for stderr.
    pub fn text(&mut self) -> String {
        self.finish();
        let v = &self.verdicts;
        let mut text = format!(
            "unspun: {} articles traced in {:.1} s ({:.1} traces/s): {} original, {} copy, {} \
             partly copied, {} patchwork",
            self.n_traced,
            self.elapsed_secs,
            self.traces_per_sec,
            v.original,
            v.copy,
            v.partly_copied,
            v.patchwork
        );
        if self.n_bad > 0 {
            text.push_str(&format!("; {} bad articles skipped", self.n_bad));
        }
        text.push('\n');
        if !self.worst.is_empty() {
            text.push_str("highest coverage:\n");
        }
        for o in &self.worst {
            let (label, _) = verdict_label(o.verdict);
            text.push_str(&format!(
                "  {:>3} %  {label:<13}  {}",
                (o.coverage * 100.0).round(),
                o.input
            ));
            if let Some(id) = &o.id {
                text.push_str(&format!(" [{id}]"));
            }
            if let Some(origin) = &o.origin_id {
                text.push_str(&format!("  ← {origin}"));
            }
            if let Some(outlet) = &o.origin_outlet {
                text.push_str(&format!(" ({outlet})"));
            }
            text.push('\n');
        }
        if let Some(html) = &self.html_reports {
            text.push_str(&format!(
                "unspun: {} HTML reports written to {}\n",
                html.n_written, html.dir
            ));
        }
        text
    }

    /// Writes the summary as JSON to `path`.
    pub fn write_json(&mut self, path: &Path) -> anyhow::Result<()> {
        self.finish();
        let mut json = serde_json::to_string_pretty(self).context("encoding the summary")?;
        json.push('\n');
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &str, max_bytes: u64) -> Vec<Option<(String, bool)>> {
        let mut reader = std::io::Cursor::new(input.as_bytes().to_vec());
        let mut line = Vec::new();
        let mut out = Vec::new();
        loop {
            let got = read_bounded_line(&mut reader, &mut line, max_bytes).expect("reads");
            let Some(too_long) = got else { break };
            out.push(Some((String::from_utf8(line.clone()).expect("utf-8"), too_long)));
        }
        out
    }

    #[test]
    fn issue_16_bounded_lines() {
        let s = |t: &str, long| Some((t.to_string(), long));
        assert_eq!(
            lines("ab\ncd\r\n\nlast", 10),
            [s("ab", false), s("cd", false), s("", false), s("last", false)]
        );
        assert_eq!(
            lines("short\nmuch too long\nok\n", 5),
            [s("short", false), s("", true), s("ok", false)]
        );
        assert_eq!(lines("", 5), []);
    }

    #[test]
    fn issue_16_html_page_names() {
        let mut html =
            HtmlReports { dir: PathBuf::new(), force: false, used: HashSet::new(), n_written: 0 };
        let mut name = |stem: &str, id: Option<&str>| html.file_name(stem, id);
        assert_eq!(name(&article_stem("in/a.txt"), None), "a.html");
        assert_eq!(name(&article_stem("in/sub/a.json"), Some("a")), "a-2.html", "a clash");
        assert_eq!(name(&article_stem("in/A.md"), None), "A-3.html", "case-insensitive");
        assert_eq!(name(&line_stem("x/feed.jsonl.gz", 3), Some("id 7/é")), "feed-3-id_7.html");
        assert_eq!(name(&line_stem("-", 1), None), "stdin-1.html");
        assert_eq!(name(&article_stem("../.hidden"), Some("..")), "hidden.html");
        assert_eq!(name(&article_stem("-"), Some("«»")), "stdin.html");
        assert_eq!(name("日本", None), "article.html");
        let long = name(&"é".repeat(40), Some(&"x".repeat(300)));
        assert_eq!(long, format!("article-{}.html", "x".repeat(92)), "at most 100 bytes");
    }

    #[test]
    fn issue_16_jsonl_names() {
        assert!(is_jsonl_name("a.jsonl") && is_jsonl_name("A.NDJSON.gz"));
        assert!(!is_jsonl_name("a.json") && !is_jsonl_name("a.txt"));
    }
}

//! The evaluation workspace that `unspun eval` and `unspun demo` share: index folders
//! (temporary unless kept), progress on stderr, indexes built from the shared corpora, the
//! run's tracer, and the readers of the shared data files. Scoring is `unspun_lab`'s.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use flate2::read::MultiGzDecoder;
use serde::de::DeserializeOwned;
use unspun_core::Document;
use unspun_core::shingle::ShingleConfig;
use unspun_core::trace::{TraceConfig, Tracer};
use unspun_index::ingest::pipeline::{IngestConfig, ingest_documents, ingest_files};
use unspun_index::ingest::{CorpusReader, ReaderConfig, RecordResult};
use unspun_index::{Index, IndexWriter, MANIFEST_FILE, WriterConfig};

/// Every n-th AllSides article is held out as a source of original (negative) sentences.
pub(crate) const HOLDOUT_EVERY: usize = 50;

/// Where the evaluation's indexes live; a temporary root is removed on drop.
pub(crate) struct Workspace {
    root: PathBuf,
    remove: bool,
}

impl Workspace {
    pub(crate) fn new(keep: Option<&Path>) -> anyhow::Result<Workspace> {
        let (root, remove) = match keep {
            Some(dir) => (dir.to_owned(), false),
            None => {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.subsec_nanos());
                let name = format!("unspun-eval-{}-{nanos}", std::process::id());
                (std::env::temp_dir().join(name), true)
            }
        };
        std::fs::create_dir_all(&root)
            .with_context(|| format!("creating index folder {}", root.display()))?;
        Ok(Workspace { root, remove })
    }

    /// The folder of the index called `name`.
    pub(crate) fn index_dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if self.remove {
            // Best effort: a leftover temp folder is not worth failing the run for.
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// The run's context: progress notes and bars on stderr (only when it is a terminal), and the
/// engine settings every index and trace of the run uses.
pub(crate) struct Progress {
    pub(crate) enabled: bool,
    pub(crate) engine: Engine,
}

/// Engine settings of a run: how indexes are fingerprinted, which thesaurus aligns.
#[derive(Debug, Clone, Default)]
pub(crate) struct Engine {
    pub(crate) shingle: ShingleConfig,
    pub(crate) thesaurus: Option<Arc<unspun_core::thesaurus::Thesaurus>>,
    pub(crate) paraphrase: Option<unspun_core::semantic::ParaphraseStage>,
}

impl Progress {
    pub(crate) fn note(&self, message: &str) {
        if self.enabled {
            eprintln!("{message}");
        }
    }

    pub(crate) fn bar(&self, total: usize, what: &str) -> indicatif::ProgressBar {
        crate::progress::count_bar(total as u64, what, !self.enabled)
    }
}

/// Builds an index of `docs` in `dir`, or reuses the one there when `--keep` left it.
/// Returns the index, the number of documents added and the seconds spent.
pub(crate) fn build_index(
    dir: &Path,
    source: IndexSource,
    progress: &Progress,
) -> anyhow::Result<(Index, u64, f64)> {
    let started = Instant::now();
    if dir.join(MANIFEST_FILE).exists() {
        progress.note(&format!("reusing the index in {}", dir.display()));
        let index = Index::open(dir).with_context(|| format!("opening index {}", dir.display()))?;
        if index.config().shingle != progress.engine.shingle {
            bail!(
                "{}: built with other fingerprints ({:?}) than asked ({:?}): remove it or choose another --keep folder",
                dir.display(),
                index.config().shingle,
                progress.engine.shingle
            );
        }
        let n_docs = index.n_docs();
        return Ok((index, n_docs, started.elapsed().as_secs_f64()));
    }
    progress.note(&format!("indexing into {}", dir.display()));
    let mut writer_config = WriterConfig::default();
    writer_config.index.shingle = progress.engine.shingle.clone();
    let mut writer = IndexWriter::open_or_create(dir, writer_config)
        .with_context(|| format!("creating index {}", dir.display()))?;
    let config = IngestConfig::default();
    let report = match source {
        IndexSource::File(path) => {
            ingest_files(&mut writer, std::slice::from_ref(&path), &config, &mut |_| {})
                .with_context(|| format!("indexing {}", path.display()))?
        }
        IndexSource::Docs(docs) => {
            ingest_documents(&mut writer, docs.into_iter(), &config, &mut |_| {})
                .with_context(|| format!("indexing into {}", dir.display()))?
        }
    };
    drop(writer);
    let index = Index::open(dir).with_context(|| format!("opening index {}", dir.display()))?;
    Ok((index, report.n_added, started.elapsed().as_secs_f64()))
}

/// What [`build_index`] indexes.
pub(crate) enum IndexSource {
    File(PathBuf),
    Docs(Vec<Document>),
}

/// The tracer of `index`, with the run's thesaurus and paraphrase stage.
pub(crate) fn tracer(index: &Index, progress: &Progress) -> Tracer {
    let config = TraceConfig {
        thesaurus: progress.engine.thesaurus.clone(),
        paraphrase: progress.engine.paraphrase.clone(),
        ..TraceConfig::default()
    };
    index.tracer(config)
}

/// Reads every record of a gzip JSON Lines file into `T`.
pub(crate) fn read_jsonl_gz<T: DeserializeOwned>(path: &Path) -> anyhow::Result<Vec<T>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let reader = BufReader::new(MultiGzDecoder::new(BufReader::new(file)));
    let mut out = Vec::new();
    for (line_idx, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&line)
            .with_context(|| format!("{}: line {}", path.display(), line_idx + 1))?;
        out.push(record);
    }
    Ok(out)
}

/// Reads the first `n_docs` articles with a text of a corpus (AllSides by default); every [`HOLDOUT_EVERY`]-th is a
/// negative. Returns `(indexed, negatives)`.
pub(crate) fn read_allsides(
    path: &Path,
    n_docs: usize,
) -> anyhow::Result<(Vec<Document>, Vec<Document>)> {
    let reader = CorpusReader::open(path, &ReaderConfig::default())
        .with_context(|| format!("opening {}", path.display()))?;
    let mut indexed = Vec::with_capacity(n_docs);
    let mut negatives = Vec::with_capacity(n_docs / HOLDOUT_EVERY + 1);
    let mut n_read = 0;
    for record in reader {
        if n_read >= n_docs {
            break;
        }
        let RecordResult::Ok { doc, .. } = record else { continue };
        if doc.text.trim().is_empty() {
            continue;
        }
        n_read += 1;
        if n_read % HOLDOUT_EVERY == 0 {
            negatives.push(doc);
        } else {
            indexed.push(doc);
        }
    }
    Ok((indexed, negatives))
}

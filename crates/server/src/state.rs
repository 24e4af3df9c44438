//! [`AppState`]: the open index, the lazily opened writer, limits, token and metrics.
//!
//! Readers clone the current [`Snapshot`] (an `Arc`) under a read lock held for a pointer copy,
//! so a trace keeps using the generation it started with while a write commits. A write holds
//! the writer mutex for its whole add → commit → reopen, then swaps the snapshot: reads never
//! wait for writes, and each read sees one committed generation.
//!
//! A write that leaves more small segments than [`ServerConfig::merge`] allows schedules a
//! merge on the blocking pool (one at a time). It takes the writer mutex for one merge at a
//! time and swaps the snapshot after each, so a write waits for at most one merge, and
//! readers of older snapshots keep their mapped files.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use axum::http::StatusCode;
use unspun_core::date::format_date;
use unspun_core::{DocId, Document, Timestamp};
use unspun_index::{Index, IndexWriter, MergePolicy, WriterConfig};

use crate::connections::Connections;
use crate::error::AppError;
use crate::metrics::Metrics;

/// Limits a public deployment needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted request body, in bytes (larger → 413).
    pub max_body_bytes: usize,
    /// Largest article `text` a trace accepts, in bytes (larger → 413 naming `text`).
    pub max_article_bytes: usize,
    /// Time allowed for one request (longer → 504; its trace is cancelled).
    pub timeout: Duration,
    /// Requests handled at once by the API and UI routes (more → 503). A request takes its
    /// slot once its body has arrived, and a trace keeps it until its work has stopped.
    pub max_concurrency: usize,
    /// Time allowed for a request head (request line and headers) to arrive; the connection
    /// is closed when it runs out. hyper also applies it to a keep-alive connection waiting
    /// for its next request.
    pub header_timeout: Duration,
    /// Time allowed for a request body to arrive, from the end of the head (longer → 408).
    pub body_timeout: Duration,
    /// Idle time after which a keep-alive connection is closed.
    pub keep_alive: Duration,
    /// Open connections at most. The last 1/16 (1 to 64) are kept for `/healthz`, `/readyz`
    /// and `/metrics`; beyond the limit new connections are closed at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 4 << 20,
            max_article_bytes: 1 << 20,
            timeout: Duration::from_secs(30),
            max_concurrency: 64,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            keep_alive: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

/// Everything `unspun serve` configures.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    /// The index directory (it must hold an index).
    pub index_dir: PathBuf,
    /// When set, write endpoints require `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Origins allowed by CORS; empty turns CORS off.
    pub cors_origins: Vec<String>,
    /// Body size, timeout and concurrency limits.
    pub limits: Limits,
    /// The aligner's thesaurus for every trace (WordNet, a learned spin dictionary).
    pub thesaurus: Option<std::sync::Arc<unspun_core::thesaurus::Thesaurus>>,
    /// The paraphrase stage of every trace (sentence embeddings), when on.
    pub paraphrase: Option<unspun_core::semantic::ParaphraseStage>,
    /// When writes merge small segments (in the background, after a commit).
    pub merge: MergePolicy,
    /// The access log: its format (off by default) and where lines go.
    pub access_log: crate::AccessLog,
    /// The outlet copy graph of a finished `unspun cluster` run (`--cluster DIR`), for
    /// `GET /v1/copy-graph`; without it that route answers 409.
    pub copy_graph: Option<std::sync::Arc<crate::CopyGraph>>,
}

/// One document in the search list of the corpus page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    /// Corpus id.
    pub id: String,
    /// Title, if any.
    pub title: Option<String>,
    /// Outlet (`Document::source`), if any.
    pub outlet: Option<String>,
    /// Publication date, if any.
    pub date: Option<Timestamp>,
    /// Lower-cased id, for case-insensitive prefix search.
    pub(crate) id_lower: String,
    /// Lower-cased title, for case-insensitive search.
    pub(crate) title_lower: String,
}

impl CatalogEntry {
    fn of(doc: &Document) -> CatalogEntry {
        CatalogEntry {
            id: doc.id.clone(),
            title: doc.title.clone(),
            outlet: doc.source.clone(),
            date: doc.date,
            id_lower: doc.id.to_lowercase(),
            title_lower: doc.title.as_deref().unwrap_or("").to_lowercase(),
        }
    }

    /// The entry as JSON for `/v1/search`.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "title": self.title,
            "outlet": self.outlet,
            "date": self.date.map(format_date),
        })
    }
}

/// One committed generation: the index and the search list built from it.
#[derive(Debug)]
pub struct Snapshot {
    /// The index as of one commit.
    pub index: Arc<Index>,
    /// Live documents by id, for `/v1/search`.
    pub catalog: Arc<BTreeMap<String, CatalogEntry>>,
}

impl Snapshot {
    /// Opens the index in `dir` and builds the search list (reads every live document once).
    fn open(dir: &std::path::Path) -> unspun_index::Result<Snapshot> {
        let index = Index::open(dir)?;
        let catalog = build_catalog(&index)?;
        Ok(Snapshot { index: Arc::new(index), catalog: Arc::new(catalog) })
    }
}

/// Every live document of `index` in the search list.
fn build_catalog(index: &Index) -> unspun_index::Result<BTreeMap<String, CatalogEntry>> {
    // DocIds are dense and never reused, and every one ever assigned is stored (deleted ones
    // are tombstoned), so live + deleted bounds them.
    let stats = index.stats();
    let n_assigned = stats.n_docs + stats.n_deleted;
    let mut catalog = BTreeMap::new();
    for doc_idx in 0..n_assigned.min(u64::from(u32::MAX)) {
        if catalog.len() as u64 >= stats.n_docs {
            break;
        }
        if let Some(doc) = index.document(DocId(doc_idx as u32))? {
            catalog.insert(doc.id.clone(), CatalogEntry::of(&doc));
        }
    }
    Ok(catalog)
}

/// What a document write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOutcome {
    /// New documents.
    pub added: u64,
    /// Documents that replaced one with the same id.
    pub replaced: u64,
    /// Ids already indexed (and not replaced).
    pub duplicates: Vec<String>,
}

/// Shared state of the server. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Shared>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("index_dir", &self.inner.config.index_dir)
            .field("limits", &self.inner.config.limits)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Shared {
    pub(crate) config: ServerConfig,
    current: RwLock<Arc<Snapshot>>,
    /// Opened at the first write and kept: it holds the index's writer lock.
    writer: Mutex<Option<IndexWriter>>,
    pub(crate) metrics: Metrics,
    pub(crate) permits: Arc<tokio::sync::Semaphore>,
    pub(crate) connections: Arc<Connections>,
    /// Whether a background merge is scheduled or running (one at a time).
    merging: AtomicBool,
    /// The last background merge, for [`AppState::wait_for_merge`].
    merge_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl AppState {
    /// Opens the index named by `config` (read-only; the writer is opened at the first write).
    pub fn open(config: ServerConfig) -> unspun_index::Result<AppState> {
        let snapshot = Snapshot::open(&config.index_dir)?;
        let permits = Arc::new(tokio::sync::Semaphore::new(config.limits.max_concurrency.max(1)));
        Ok(AppState {
            inner: Arc::new(Shared {
                config,
                current: RwLock::new(Arc::new(snapshot)),
                writer: Mutex::new(None),
                metrics: Metrics::default(),
                permits,
                connections: Arc::default(),
                merging: AtomicBool::new(false),
                merge_task: Mutex::new(None),
            }),
        })
    }

    /// The configuration the state was opened with.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// The index's name for people: its folder's name (the canonical path's last part).
    pub fn index_name(&self) -> String {
        let dir = &self.inner.config.index_dir;
        let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
        canonical
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| canonical.display().to_string())
    }

    /// The current committed generation.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        let guard = self.inner.current.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(&guard)
    }

    fn writer(&self) -> MutexGuard<'_, Option<IndexWriter>> {
        self.inner.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `change` on the writer (opening it if needed), commits, and swaps the snapshot.
    /// Blocking: call it on the blocking pool. On any error the writer is dropped, discarding
    /// its uncommitted buffer, so a failed request leaves nothing half-added behind.
    fn write<T>(
        &self,
        change: impl FnOnce(&mut IndexWriter, &mut Changes) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut guard = self.writer();
        if guard.is_none() {
            let writer =
                IndexWriter::open_or_create(&self.inner.config.index_dir, WriterConfig::default())
                    .map_err(AppError::from_index)?;
            *guard = Some(writer);
        }
        let writer = guard.as_mut().expect("the writer was opened above");
        let before = self.snapshot();
        let mut changes = Changes::default();
        let result = change(writer, &mut changes)
            .and_then(|value| writer.commit().map(|_| value).map_err(AppError::from_index));
        let value = match result {
            Ok(value) => value,
            Err(error) => {
                *guard = None;
                return Err(error);
            }
        };
        if changes.is_empty() {
            return Ok(value);
        }
        let merge_due = writer.merge_due(&self.inner.config.merge);
        // Committed: reopen for readers. Failing here leaves readers on the previous
        // generation until the next write; the data is safe on disk.
        self.publish(&before, Some(changes))?;
        drop(guard);
        if merge_due {
            self.schedule_merge();
        }
        Ok(value)
    }

    /// Opens the generation just committed and makes it the served view. `changes` updates
    /// the search list of `before` (`None`: a merge, which changes no document).
    fn publish(&self, before: &Snapshot, changes: Option<Changes>) -> Result<(), AppError> {
        let index = Index::open(&self.inner.config.index_dir).map_err(AppError::from_index)?;
        let catalog = if index.generation() == before.index.generation() + 1 {
            match changes {
                None => Arc::clone(&before.catalog),
                Some(changes) => {
                    let mut catalog = (*before.catalog).clone();
                    for id in &changes.removed {
                        catalog.remove(id);
                    }
                    for entry in changes.added {
                        catalog.insert(entry.id.clone(), entry);
                    }
                    Arc::new(catalog)
                }
            }
        } else {
            // Another writer committed in between: rebuild from scratch.
            Arc::new(build_catalog(&index).map_err(AppError::from_index)?)
        };
        self.swap(Snapshot { index: Arc::new(index), catalog });
        Ok(())
    }

    fn swap(&self, snapshot: Snapshot) {
        *self.inner.current.write().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Arc::new(snapshot);
    }

    /// Starts a background merge on the blocking pool unless one is scheduled or running.
    /// Without a tokio runtime (a caller outside the server) the merge runs here.
    fn schedule_merge(&self) {
        if self.inner.merging.swap(true, Ordering::SeqCst) {
            return;
        }
        let state = self.clone();
        let run = move || {
            state.merge_while_due();
            state.inner.merging.store(false, Ordering::SeqCst);
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let task = runtime.spawn_blocking(run);
                *self.inner.merge_task.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
                    Some(task);
            }
            Err(_) => run(),
        }
    }

    /// Merges until the policy is satisfied, publishing each merged generation. Takes the
    /// writer for one merge at a time, so writes wait for at most one merge.
    fn merge_while_due(&self) {
        loop {
            let mut guard = self.writer();
            let Some(writer) = guard.as_mut() else { return };
            let before = self.snapshot();
            match writer.merge_segments(&self.inner.config.merge) {
                Ok(None) => return,
                Ok(Some(_)) => {
                    self.inner.metrics.merges.fetch_add(1, Ordering::Relaxed);
                    if let Err(error) = self.publish(&before, None) {
                        eprintln!("unspun-server: serving the merged index: {}", error.message);
                        return;
                    }
                }
                Err(error) => {
                    // The previous generation is intact; the next writer removes leftovers.
                    eprintln!("unspun-server: merging segments: {error:#}");
                    *guard = None;
                    return;
                }
            }
        }
    }

    /// Waits until the background merge scheduled by the last write (if any) has finished.
    pub async fn wait_for_merge(&self) {
        loop {
            let task = self
                .inner
                .merge_task
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .take();
            match task {
                Some(task) => {
                    let _ = task.await;
                }
                None if self.inner.merging.load(Ordering::SeqCst) => {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                None => return,
            }
        }
    }

    /// Takes a concurrency slot, or answers 503 when all are taken.
    pub(crate) fn try_permit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        self.inner.permits.clone().try_acquire_owned().map_err(|_| {
            AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "the server is handling as many requests as it may: try again shortly",
            )
        })
    }

    /// Takes a concurrency slot as a request would and holds it until the guard is dropped,
    /// or `None` when all are taken. For tests of a saturated server.
    #[doc(hidden)]
    pub fn occupy_slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.try_permit().ok()
    }

    /// Adds `docs` (fingerprinted by the writer), commits and swaps the snapshot. Blocking.
    pub fn add_documents(
        &self,
        docs: Vec<Document>,
        replace: bool,
    ) -> Result<WriteOutcome, AppError> {
        self.write(|writer, changes| {
            let mut outcome = WriteOutcome::default();
            for doc in docs {
                let entry = CatalogEntry::of(&doc);
                let id = doc.id.clone();
                match writer.add(doc, replace).map_err(AppError::from_index)? {
                    unspun_index::AddOutcome::Added(_) => outcome.added += 1,
                    unspun_index::AddOutcome::Replaced { .. } => outcome.replaced += 1,
                    unspun_index::AddOutcome::Duplicate(_) => {
                        outcome.duplicates.push(id);
                        continue;
                    }
                }
                changes.added.push(entry);
            }
            Ok(outcome)
        })
    }

    /// Deletes the document `id`, commits and swaps the snapshot. Returns whether it existed.
    /// Blocking.
    pub fn delete_document(&self, id: &str) -> Result<bool, AppError> {
        self.write(|writer, changes| {
            let existed = writer.delete(id).map_err(AppError::from_index)?;
            if existed {
                changes.removed.push(id.to_string());
            }
            Ok(existed)
        })
    }
}

/// What a write changed, to update the search list without reading the whole index.
#[derive(Debug, Default)]
struct Changes {
    added: Vec<CatalogEntry>,
    removed: Vec<String>,
}

impl Changes {
    fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

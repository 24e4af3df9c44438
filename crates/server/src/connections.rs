//! The registry of open connections and its admission rule: the connection limit, the
//! connections kept for probes and the eviction of the longest-idle connection (described in
//! `listen.rs`, which serves the connections this admits). [`AppState`](crate::AppState) holds
//! one for the connection gauges of `/metrics`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::Notify;

/// Connections kept for probes out of `max_connections`: 1/16 of them, from 1 to 64 (none
/// when the limit is 1).
pub fn reserve(max_connections: usize) -> usize {
    if max_connections <= 1 { 0 } else { (max_connections / 16).clamp(1, 64) }
}

/// One open connection, as the registry sees it.
#[derive(Debug)]
pub(crate) struct Conn {
    /// Requests whose handling (body included) has started and not finished.
    pub(crate) in_flight: AtomicUsize,
    /// Requests started on this connection.
    pub(crate) n_started: AtomicU64,
    /// When the connection last became idle (opened, or its last request finished).
    idle_since: Mutex<Instant>,
    /// Set when the registry chose this connection to make room.
    pub(crate) evicted: AtomicBool,
    pub(crate) wake: Notify,
}

impl Conn {
    fn new() -> Conn {
        Conn {
            in_flight: AtomicUsize::new(0),
            n_started: AtomicU64::new(0),
            idle_since: Mutex::new(Instant::now()),
            evicted: AtomicBool::new(false),
            wake: Notify::new(),
        }
    }

    pub(crate) fn idle_since(&self) -> MutexGuard<'_, Instant> {
        self.idle_since.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) == 0
    }

    pub(crate) fn begin(self: &Arc<Conn>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.n_started.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }
}

/// A request in flight on a connection; dropped when its response is ready (or the request
/// is abandoned).
pub(crate) struct InFlight(Arc<Conn>);

impl Drop for InFlight {
    fn drop(&mut self) {
        *self.0.idle_since() = Instant::now();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The open connections of a server, with the admission rule described in the module
/// documentation.
#[derive(Debug, Default)]
pub(crate) struct Connections {
    open: Mutex<HashMap<u64, Arc<Conn>>>,
    next_id: AtomicU64,
    closed: Notify,
    /// Connections accepted, refused (closed at once) and evicted, since start.
    pub(crate) n_accepted: AtomicU64,
    pub(crate) n_refused: AtomicU64,
    pub(crate) n_evicted: AtomicU64,
}

/// How a new connection was admitted.
pub(crate) enum Admission {
    /// Served normally.
    Full(u64, Arc<Conn>),
    /// Served, but only for the probe routes.
    ProbesOnly(u64, Arc<Conn>),
    /// Closed at once.
    Refused,
}

impl Connections {
    fn open(&self) -> MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Connections open now.
    pub(crate) fn n_open(&self) -> usize {
        self.open().len()
    }

    /// Requests in flight on all connections (bodies being received included).
    pub(crate) fn n_in_flight(&self) -> usize {
        self.open().values().map(|conn| conn.in_flight.load(Ordering::SeqCst)).sum()
    }

    pub(crate) fn admit(&self, max_connections: usize) -> Admission {
        let mut open = self.open();
        let n_open = open.len();
        let n_full = max_connections - reserve(max_connections);
        let make_room = || {
            let victim = open
                .values()
                .filter(|conn| conn.is_idle() && !conn.evicted.load(Ordering::SeqCst))
                .min_by_key(|conn| *conn.idle_since())
                .cloned();
            victim.is_some_and(|conn| {
                conn.evicted.store(true, Ordering::SeqCst);
                conn.wake.notify_one();
                self.n_evicted.fetch_add(1, Ordering::Relaxed);
                true
            })
        };
        let full = n_open < n_full || make_room();
        if !full && n_open >= max_connections {
            self.n_refused.fetch_add(1, Ordering::Relaxed);
            return Admission::Refused;
        }
        self.n_accepted.fetch_add(1, Ordering::Relaxed);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn::new());
        open.insert(id, Arc::clone(&conn));
        if full { Admission::Full(id, conn) } else { Admission::ProbesOnly(id, conn) }
    }

    pub(crate) fn remove(&self, id: u64) {
        self.open().remove(&id);
        self.closed.notify_waiters();
    }

    pub(crate) async fn wait_until_empty(&self) {
        loop {
            let closed = self.closed.notified();
            if self.n_open() == 0 {
                return;
            }
            closed.await;
        }
    }
}

//! The access log: one line per request (time, client, method, route and path, status,
//! response bytes, duration, request id), as a plain line or as JSON Lines.
//!
//! Nothing from the request's headers (the `Authorization` token above all), its query string
//! or its body is logged; only the path, the route pattern it matched and the request id.
//!
//! Every request gets an id: a client's `x-request-id` (1 to 128 of `A-Z a-z 0-9 . _ : -`) is
//! kept, anything else is replaced by a generated one, and the id is echoed in the
//! response's `x-request-id` header.
//!
//! Lines for stderr go through a bounded queue to one writer thread, so a slow or blocked
//! stderr never holds a request: when the queue is full the line is dropped and counted, and
//! the count is written once stderr drains. A closed stderr is ignored. Tests use
//! [`LogSink::Memory`], which appends at once.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::HttpBody;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use unspun_core::Timestamp;

/// The header carrying the request id, in and out.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Lines queued for stderr at most; beyond, lines are dropped (and counted).
const QUEUE_LINES: usize = 4096;

/// Where and how requests are logged ([`crate::ServerConfig::access_log`]).
/// The default logs nothing.
#[derive(Debug, Clone, Default)]
pub struct AccessLog {
    /// The line format, or [`LogFormat::Off`].
    pub format: LogFormat,
    /// Where lines go.
    pub sink: LogSink,
}

/// The format of an access-log line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// No access log.
    #[default]
    Off,
    /// `2025-01-31T12:00:00.123Z 127.0.0.1:50312 GET /v1/documents/a1 (/v1/documents/{id})
    /// 200 512B 1.204ms id=...`; unknown values are `-`.
    Plain,
    /// One JSON object per line: `time`, `client`, `method`, `route`, `path`, `status`,
    /// `bytes`, `duration_ms`, `request_id` (`client`, `route` and `bytes` may be `null`).
    Json,
}

/// Where access-log lines go.
#[derive(Debug, Clone, Default)]
pub enum LogSink {
    /// The process's stderr, through the writer thread.
    #[default]
    Stderr,
    /// Appended to this list, one line (without its newline) per request; for tests.
    Memory(Arc<Mutex<Vec<String>>>),
}

/// One request, as logged.
struct Entry<'a> {
    time: SystemTime,
    client: Option<SocketAddr>,
    method: &'a str,
    route: Option<&'a str>,
    path: &'a str,
    status: u16,
    bytes: Option<u64>,
    duration_ms: f64,
    request_id: &'a str,
}

impl Entry<'_> {
    fn plain(&self) -> String {
        let client = self.client.map_or_else(|| "-".to_string(), |client| client.to_string());
        let bytes = self.bytes.map_or_else(|| "-".to_string(), |bytes| format!("{bytes}B"));
        // Paths are percent-encoded by the URI parser; escaping keeps the line one line anyway.
        format!(
            "{} {client} {} {} ({}) {} {bytes} {:.3}ms id={}",
            rfc3339(self.time),
            self.method,
            self.path.escape_debug(),
            self.route.unwrap_or("-").escape_debug(),
            self.status,
            self.duration_ms,
            self.request_id,
        )
    }

    fn json(&self) -> String {
        serde_json::json!({
            "time": rfc3339(self.time),
            "client": self.client.map(|client| client.to_string()),
            "method": self.method,
            "route": self.route,
            "path": self.path,
            "status": self.status,
            "bytes": self.bytes,
            "duration_ms": (self.duration_ms * 1000.0).round() / 1000.0,
            "request_id": self.request_id,
        })
        .to_string()
    }
}

/// `2025-01-31T12:00:00.123Z` (UTC, milliseconds).
fn rfc3339(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs() as i64;
    let second_of_day = seconds % 86_400;
    // `format_date` prints the date alone for a midnight timestamp.
    let date = unspun_core::date::format_date(Timestamp(seconds - second_of_day));
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
        since_epoch.subsec_millis()
    )
}

/// The client's id when it is one we keep (see the module documentation).
fn client_request_id(value: &HeaderValue) -> Option<&str> {
    let id = value.to_str().ok()?;
    let allowed =
        |byte: u8| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b':' | b'-');
    (1..=128).contains(&id.len()).then_some(id).filter(|id| id.bytes().all(allowed))
}

/// A new id: 16 hex digits, unique in this process and unlikely to repeat across processes.
fn new_request_id() -> String {
    static SEED: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos(),
        );
        hasher.finish()
    });
    // SplitMix64's finaliser: distinct inputs give distinct outputs.
    let mut z =
        seed.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    format!("{:016x}", z ^ (z >> 31))
}

/// The middleware: gives the request its id, echoes it, and logs the request when it is
/// answered. Runs outside every other layer, so the status is the one the client gets.
pub(crate) async fn log_request(
    State(config): State<AccessLog>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let time = SystemTime::now();
    let request_id = match request.headers().get(&REQUEST_ID).and_then(client_request_id) {
        Some(id) => id.to_string(),
        None => {
            let id = new_request_id();
            let value = HeaderValue::from_str(&id).expect("hex digits are a valid header value");
            request.headers_mut().insert(REQUEST_ID, value);
            id
        }
    };
    let logged = (config.format != LogFormat::Off).then(|| {
        let route = request.extensions().get::<MatchedPath>().map(|path| path.as_str().to_string());
        let client = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0);
        (route, client, request.method().as_str().to_string(), request.uri().path().to_string())
    });
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let Some((route, client, method, path)) = logged else {
        return response;
    };
    let bytes = response.body().size_hint().exact().or_else(|| {
        let length = response.headers().get(header::CONTENT_LENGTH)?;
        length.to_str().ok()?.parse().ok()
    });
    let entry = Entry {
        time,
        client,
        method: &method,
        route: route.as_deref(),
        path: &path,
        status: response.status().as_u16(),
        bytes,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        request_id: &request_id,
    };
    let line = match config.format {
        LogFormat::Json => entry.json(),
        LogFormat::Plain | LogFormat::Off => entry.plain(),
    };
    match &config.sink {
        LogSink::Stderr => stderr_writer().send(line),
        LogSink::Memory(lines) => {
            lines.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(line);
        }
    }
    response
}

/// The queue to the stderr writer thread (one per process, as stderr is).
struct StderrWriter {
    queue: SyncSender<String>,
    n_dropped: Arc<AtomicU64>,
}

impl StderrWriter {
    /// Queues `line`, or drops and counts it when the queue is full or the thread is gone.
    fn send(&self, line: String) {
        match self.queue.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.n_dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn stderr_writer() -> &'static StderrWriter {
    static WRITER: OnceLock<StderrWriter> = OnceLock::new();
    WRITER.get_or_init(|| {
        let (queue, lines) = std::sync::mpsc::sync_channel(QUEUE_LINES);
        let n_dropped = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&n_dropped);
        // If the thread cannot start, every line is dropped (and counted): logging never
        // stops the server.
        let _ = std::thread::Builder::new()
            .name("unspun-access-log".into())
            .spawn(move || write_lines(&lines, &counter));
        StderrWriter { queue, n_dropped }
    })
}

/// The writer thread: one `write_all` per line; errors (a closed stderr) are ignored.
fn write_lines(lines: &Receiver<String>, n_dropped: &AtomicU64) {
    while let Ok(mut line) = lines.recv() {
        line.push('\n');
        let dropped = n_dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            line.push_str(&format!(
                "unspun: access log: {dropped} lines dropped (stderr too slow)\n"
            ));
        }
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(seconds: u64, millis: u64, expect: &str) {
        let time = UNIX_EPOCH + std::time::Duration::from_millis(seconds * 1000 + millis);
        assert_eq!(rfc3339(time), expect);
    }

    #[test]
    fn times() {
        check(0, 0, "1970-01-01T00:00:00.000Z");
        check(1_738_324_800, 123, "2025-01-31T12:00:00.123Z");
        check(951_782_399, 999, "2000-02-28T23:59:59.999Z");
        check(951_782_400, 7, "2000-02-29T00:00:00.007Z");
    }

    #[test]
    fn request_ids() {
        let ok = |raw: &str| {
            client_request_id(&HeaderValue::from_str(raw).expect("a header value")).is_some()
        };
        assert!(ok("abc-123_x.y:z"));
        assert!(!ok(""));
        assert!(!ok("has space"));
        assert!(!ok(&"a".repeat(129)));
        let (a, b) = (new_request_id(), new_request_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 16);
    }
}

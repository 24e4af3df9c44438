//! The server's request parsing through its public API: the fuzz input is the body of a
//! `POST` to the routes that read one, sent to `unspun_server::app` with tower's `oneshot` (no
//! socket). A user's bad input is a 4xx; a 5xx other than 503 (busy) and 504 (timeout) is a
//! bug, and so is an HTML answer that is not a whole page.
//!
//! The first input byte chooses the requests. `byte / 6 % 4` the routes:
//! - 0: `POST /v1/trace`, then `POST /v1/documents` (`byte / 3 % 2`: with `?replace=true`),
//!   with the content type `byte % 3` of text/plain, application/json, application/x-ndjson;
//! - 1: `POST /v1/report` with the body as is (a hostile `{"report", "text"}`);
//! - 2: `POST /v1/trace` of the body (`byte % 3` as in 0), then `POST /v1/report` of the report
//!   it answered with the body as the text, so the page is rendered from a valid report;
//! - 3: `POST /v1/extract` with the content type `byte % 3` of text/html, text/plain,
//!   application/json.
//!
//! Modes below 6 are the two routes this target drove first, so older seeds keep their meaning.
#![no_main]

use std::path::Path;
use std::sync::{LazyLock, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;
use unspun_core::Document;
use unspun_index::{IndexWriter, WriterConfig};
use unspun_server::{AppState, ServerConfig, app};

const CONTENT_TYPES: [&str; 3] = ["text/plain", "application/json", "application/x-ndjson"];

/// The content types `POST /v1/extract` is sent with.
const EXTRACT_TYPES: [&str; 3] = ["text/html", "text/plain", "application/json"];

/// Successful `POST /v1/documents` commit a segment each; after this many the index is built
/// again, so that it stays small and each run stays fast.
const MAX_WRITES: usize = 200;

const WIRE: &str = "The central bank raised interest rates by half a percentage point on \
    Tuesday, its largest increase in two decades. Officials said inflation had spread from \
    energy into food and rents across the country.";
const STORM: &str = "A powerful storm knocked out electricity to thousands of homes along the \
    northern coast overnight. Emergency crews cleared fallen trees from the main highway.";

struct Server {
    _dir: tempfile::TempDir,
    state: AppState,
    n_writes: usize,
}

impl Server {
    fn new() -> Server {
        let dir = tempfile::tempdir().expect("a temp dir for the index");
        build_index(dir.path());
        let state = AppState::open(ServerConfig {
            index_dir: dir.path().to_path_buf(),
            ..ServerConfig::default()
        })
        .expect("opening the index");
        Server { _dir: dir, state, n_writes: 0 }
    }
}

/// An index with two documents, like the server's own tests.
fn build_index(dir: &Path) {
    let mut writer = IndexWriter::open_or_create(dir, WriterConfig::default()).expect("writer");
    for (id, text, date, source) in
        [("wire-1", WIRE, "2016-03-01", "Reuters"), ("storm-1", STORM, "2016-02-01", "AP")]
    {
        let doc = Document {
            id: id.into(),
            title: Some(format!("Title of {id}")),
            text: text.into(),
            date: unspun_core::date::parse_date(date),
            source: Some(source.into()),
            url: None,
        };
        writer.add(doc, false).expect("add");
    }
    writer.commit().expect("commit");
}

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime")
});

static SERVER: LazyLock<Mutex<Server>> = LazyLock::new(|| Mutex::new(Server::new()));

/// Sends one request; returns its status and body.
async fn send(state: &AppState, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let response = app(state.clone()).oneshot(request).await.expect("the router is infallible");
    let status = response.status();
    let body = response.into_body().collect().await.expect("a complete body").to_bytes();
    (status, body.to_vec())
}

fn check(route: &str, content_type: &str, status: StatusCode, body: &[u8]) {
    let server_error = status.is_server_error()
        && status != StatusCode::SERVICE_UNAVAILABLE
        && status != StatusCode::GATEWAY_TIMEOUT;
    assert!(
        !server_error,
        "POST {route} ({content_type}) answered {status}: {}",
        String::from_utf8_lossy(body)
    );
}

/// Asserts that a 2xx answer of `POST /v1/report` is one whole HTML page.
fn check_page(status: StatusCode, body: &[u8]) {
    if !status.is_success() {
        return;
    }
    let page = std::str::from_utf8(body).expect("the HTML report is UTF-8");
    assert!(page.starts_with("<!doctype html>"), "not an HTML page: {page:.200}");
    assert!(page.trim_end().ends_with("</html>"), "a truncated page: {page:.200}");
}

fn post(uri: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("a valid request")
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else { return };
    let mut server = SERVER.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if server.n_writes >= MAX_WRITES {
        *server = Server::new();
    }
    let state = server.state.clone();
    let content_type = CONTENT_TYPES[usize::from(mode % 3)];
    RUNTIME.block_on(async {
        match mode / 6 % 4 {
            0 => {
                let documents_uri =
                    if mode / 3 % 2 == 1 { "/v1/documents?replace=true" } else { "/v1/documents" };
                let (status, answer) =
                    send(&state, post("/v1/trace", content_type, body.to_vec())).await;
                check("/v1/trace", content_type, status, &answer);
                let (status, answer) =
                    send(&state, post(documents_uri, content_type, body.to_vec())).await;
                check(documents_uri, content_type, status, &answer);
                if status.is_success() {
                    server.n_writes += 1;
                }
            }
            1 => {
                let json = "application/json";
                let (status, answer) = send(&state, post("/v1/report", json, body.to_vec())).await;
                check("/v1/report", json, status, &answer);
                check_page(status, &answer);
            }
            2 => {
                let (status, answer) =
                    send(&state, post("/v1/trace", content_type, body.to_vec())).await;
                check("/v1/trace", content_type, status, &answer);
                let Ok(text) = std::str::from_utf8(body) else { return };
                if !status.is_success() {
                    return;
                }
                let report: serde_json::Value =
                    serde_json::from_slice(&answer).expect("a 2xx trace answers JSON");
                let request = serde_json::json!({"report": report, "text": text});
                let json = "application/json";
                let (status, answer) =
                    send(&state, post("/v1/report", json, request.to_string().into_bytes())).await;
                check("/v1/report (a traced report)", json, status, &answer);
                assert!(
                    status.is_success()
                        || status == StatusCode::SERVICE_UNAVAILABLE
                        || status == StatusCode::GATEWAY_TIMEOUT,
                    "the report of a trace is refused: {status}: {}",
                    String::from_utf8_lossy(&answer)
                );
                check_page(status, &answer);
            }
            _ => {
                let content_type = EXTRACT_TYPES[usize::from(mode % 3)];
                let (status, answer) =
                    send(&state, post("/v1/extract", content_type, body.to_vec())).await;
                check("/v1/extract", content_type, status, &answer);
                if status.is_success() {
                    let article: serde_json::Value =
                        serde_json::from_slice(&answer).expect("a 2xx extract answers JSON");
                    assert!(article["text"].is_string(), "no text: {article}");
                }
            }
        }
    });
});

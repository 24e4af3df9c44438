//! unspun-server: the HTTP API and the embedded web UI of unspun.
//!
//! [`app`] builds the axum [`Router`] from an [`AppState`] (the open index, the lazily opened
//! writer, limits, token, metrics); [`serve`] runs it on a listener with hyper's HTTP/1.1
//! (header, body and keep-alive timeouts, a connection limit with room kept for the probes)
//! until a shutdown signal, finishing in-flight requests; [`run`] is what `unspun serve`
//! calls. Writes merge small segments in the background ([`ServerConfig::merge`]). Each
//! request is logged as one line ([`ServerConfig::access_log`]; off by default) and gets an
//! `x-request-id`.
//!
//! Routes (JSON unless said otherwise; errors are always
//! `{"error": {"code", "message", "field"}}`):
//! - `POST /v1/trace`: trace an article (JSON, plain text or an HTML page); answers the
//!   `unspun.trace/1` report, or with `Accept: text/html` the HTML report.
//! - `POST /v1/report`: a report (`{"report", "text"}`) rendered as the self-contained HTML
//!   page ([`report_html`]), as a download; `POST /v1/extract`: the article of a page.
//! - `GET /v1/example?seed=N`: a small patchwork built from the indexed documents.
//! - `POST /v1/documents`, `GET|DELETE /v1/documents/{id}`: add, read, remove documents.
//! - `GET /v1/search` (by id or title words, outlet, date range), `GET /v1/outlets`,
//!   `GET /v1/copy-graph?outlet=NAME` (with `--cluster DIR`), `GET /v1/stats`,
//!   `GET /v1/openapi.json`.
//! - `GET /healthz`, `GET /readyz`, `GET /metrics` (Prometheus text).
//! - `GET /`, `/app.js`, `/app.css`: the web UI.
//!
//! ```no_run
//! use unspun_server::{AppState, ServerConfig, app};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let state = AppState::open(ServerConfig { index_dir: "idx".into(), ..ServerConfig::default() })?;
//! let router: axum::Router = app(state);
//! # drop(router);
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod access_log;
mod connections;
mod copy_graph;
mod error;
mod example;
mod handlers;
mod input;
mod listen;
mod metrics;
pub mod report_html;
mod state;
mod ui;

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

pub use access_log::{AccessLog, LogFormat, LogSink, REQUEST_ID};
pub use connections::reserve as reserved_connections;
pub use copy_graph::{CopyGraph, MAX_EDGES_PER_SIDE, OutletEdge};
pub use error::{AppError, Rejected};
pub use handlers::{MAX_SEARCH_LIMIT, OPENAPI_JSON, report_file_name};
pub use metrics::{Gauges, LATENCY_BUCKETS, Metrics};
pub use state::{AppState, CatalogEntry, Limits, ServerConfig, Snapshot, WriteOutcome};

/// Builds the router: every route, with the access log and request id, metrics, JSON
/// errors, the timeout, the concurrency limit and (when origins are configured) CORS.
pub fn app(state: AppState) -> Router {
    // Work that a crowd could saturate sits behind the concurrency limit; probes and metrics
    // stay answerable when it is reached.
    // The routes with a body take their slot in the handler, once the body has arrived, so
    // that slow uploads hold no slot.
    let with_body = Router::new()
        .route("/v1/trace", post(handlers::post_trace))
        .route("/v1/documents", post(handlers::post_documents))
        .route("/v1/report", post(handlers::post_report))
        .route("/v1/extract", post(handlers::post_extract));
    let limited = Router::new()
        .route("/v1/documents/{id}", get(handlers::get_document).delete(handlers::delete_document))
        .route("/v1/search", get(handlers::search))
        .route("/v1/stats", get(handlers::stats))
        .route("/v1/example", get(handlers::example))
        .route("/v1/outlets", get(handlers::outlets))
        .route("/v1/copy-graph", get(handlers::copy_graph))
        .route("/v1/openapi.json", get(handlers::openapi))
        .route("/", get(ui::index_html))
        .route("/app.js", get(ui::app_js))
        .route("/app.css", get(ui::app_css))
        .route_layer(middleware::from_fn_with_state(state.clone(), limit_concurrency));
    let probes = Router::new()
        .route("/healthz", get(handlers::healthz))
        .route("/readyz", get(handlers::readyz))
        .route("/metrics", get(handlers::metrics));
    let timeout = state.config().limits.timeout;
    let mut router = limited
        .merge(with_body)
        .merge(probes)
        .fallback(no_route)
        .layer(TimeoutLayer::with_status_code(StatusCode::GATEWAY_TIMEOUT, timeout));
    if let Some(cors) = cors_layer(&state.config().cors_origins) {
        router = router.layer(cors);
    }
    router
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(state.clone(), record_metrics))
        .layer(middleware::from_fn_with_state(
            state.config().access_log.clone(),
            access_log::log_request,
        ))
        .with_state(state)
}

/// CORS for `origins`, or `None` (CORS off) when there are none. Origins that are not valid
/// header values are skipped; [`ServerConfig`] users should validate them first
/// (see [`check_cors_origins`]).
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let origins: Vec<HeaderValue> =
        origins.iter().filter_map(|o| HeaderValue::from_str(o.trim()).ok()).collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION]),
    )
}

/// Checks that every CORS origin is usable (`https://example.org`, no path).
pub fn check_cors_origins(origins: &[String]) -> Result<(), String> {
    for origin in origins {
        let origin = origin.trim();
        let scheme_ok = origin.starts_with("http://") || origin.starts_with("https://");
        let rest = origin.split_once("://").map_or("", |(_, rest)| rest);
        if !scheme_ok
            || rest.is_empty()
            || rest.contains('/')
            || HeaderValue::from_str(origin).is_err()
        {
            return Err(format!(
                "CORS origin {origin:?} must look like https://example.org (scheme and host, no path)"
            ));
        }
    }
    Ok(())
}

/// Answers 503 at once when `max_concurrency` requests are already being handled.
async fn limit_concurrency(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match state.try_permit() {
        Ok(_permit) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

/// Counts the request and its latency under its route pattern.
async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |path| path.as_str().to_string());
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    state.inner.metrics.record(&route, &method, response.status().as_u16(), started.elapsed());
    response
}

/// Turns every error response that is not already JSON (axum's rejections, 405, the
/// timeout's 504) into the JSON error shape.
async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .ok()
        .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
        .filter(|text| !text.trim().is_empty());
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_field",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        _ if status.is_server_error() => "internal",
        _ => "bad_request",
    };
    let message = match (status, text) {
        (StatusCode::GATEWAY_TIMEOUT, _) => "the request took longer than the server allows".into(),
        (_, Some(text)) if !status.is_server_error() => text,
        _ => status.canonical_reason().unwrap_or("error").to_string(),
    };
    let mut json = error::error_response(status, code, &message, None, &[]);
    // Keep headers such as `Allow` (405) and CORS.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            json.headers_mut().insert(name.clone(), value.clone());
        }
    }
    json
}

/// 404 for paths no route matches.
async fn no_route(method: Method, uri: axum::http::Uri) -> AppError {
    AppError::not_found(format!("no route for {method} {}", uri.path()))
}

/// Serves `app(state)` on `listener` until `shutdown` completes, then finishes the requests
/// in flight and returns. Connections get the header, body and keep-alive timeouts and the
/// connection limit of [`Limits`] (see the `listen` module). Writes commit atomically, so the
/// index is consistent whenever the process stops.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = app(state.clone());
    listen::serve(listener, state, router, shutdown).await
}

/// Completes on ctrl-c or (on Unix) SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Binds `addr` and serves until ctrl-c or SIGTERM, on a multi-threaded runtime. Calls
/// `on_listening` with the bound address (useful with port 0).
pub fn run(
    addr: SocketAddr,
    state: AppState,
    on_listening: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        on_listening(listener.local_addr()?);
        serve(listener, state, shutdown_signal()).await
    })?;
    // Every answer is sent. What may still run on the blocking pool is work nobody waits
    // for: traces of requests that timed out (cancelled, stopping at their next check), a
    // write whose request timed out, a background merge. Commits are atomic, so they are
    // given a moment and then left to the process exit.
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(())
}

//! The accept loop: HTTP/1.1 connections served by hyper with the limits a public server
//! needs against slow clients, and a graceful shutdown.
//!
//! - **Header timeout**: hyper closes a connection whose request head has not fully arrived
//!   within [`Limits::header_timeout`]. hyper starts that clock whenever it waits for a head,
//!   so it also bounds how long a keep-alive connection may sit idle.
//! - **Keep-alive**: a connection with no request in flight for [`Limits::keep_alive`] is
//!   closed.
//! - **Connection limit**: at most [`Limits::max_connections`] connections. The last
//!   [`reserve`] of them are kept for probes: when the others are taken, the connection that
//!   has been idle longest (no request in flight: a keep-alive connection between requests,
//!   or a client still sending its headers) is closed to make room; when every connection has
//!   a request in flight, a new one may only ask `/healthz`, `/readyz` or `/metrics` (anything
//!   else is answered 503), and beyond the limit new connections are closed at once. So slow
//!   clients holding every connection never stop the probes.
//! - **Shutdown**: the listener closes, idle connections close, requests in flight finish
//!   (each is bounded by the body and request timeouts) and the accept loop returns; traces of
//!   requests that timed out were cancelled and are not waited for (see [`crate::run`]).
//!
//! Each request carries its client's address as axum's `ConnectInfo<SocketAddr>` extension
//! (for the access log).
//!
//! The body timeout and the concurrency limit are enforced by the handlers (see
//! `handlers.rs`): a request takes a concurrency slot only once its body has arrived.
//!
//! [`reserve`]: crate::connections::reserve
//! [`Limits::header_timeout`]: crate::Limits::header_timeout
//! [`Limits::keep_alive`]: crate::Limits::keep_alive
//! [`Limits::max_connections`]: crate::Limits::max_connections

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::watch;
use tower::ServiceExt;

use crate::connections::{Admission, Conn};
use crate::error::AppError;
use crate::state::AppState;

/// The routes a probes-only connection may use.
fn is_probe(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// Serves `router` on `listener` until `shutdown` completes (see the module documentation).
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.config().limits.clone();
    let connections = Arc::clone(&state.inner.connections);
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) if is_connection_error(&error) => continue,
            Err(_) => {
                // Out of file descriptors or memory: wait instead of spinning; connections
                // that close meanwhile free what is needed.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (id, conn, probes_only) = match connections.admit(limits.max_connections.max(1)) {
            Admission::Full(id, conn) => (id, conn, false),
            Admission::ProbesOnly(id, conn) => (id, conn, true),
            Admission::Refused => {
                drop(stream);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let task =
            serve_connection(stream, peer, router.clone(), conn, probes_only, &limits, &stopping);
        let connections = Arc::clone(&connections);
        tokio::spawn(async move {
            task.await;
            connections.remove(id);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    // Requests in flight are bounded by the body and request timeouts; a client that does
    // not read its answer is not waited for beyond them.
    let drain = limits.body_timeout + limits.timeout + Duration::from_secs(1);
    let _ = tokio::time::timeout(drain, connections.wait_until_empty()).await;
    Ok(())
}

fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// Serves one connection until it closes, its idle time runs out, the registry evicts it, or
/// the server stops.
fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
    router: Router,
    conn: Arc<Conn>,
    probes_only: bool,
    limits: &crate::Limits,
    stopping: &watch::Receiver<bool>,
) -> impl Future<Output = ()> + Send + 'static {
    let mut stopping = stopping.clone();
    let keep_alive = limits.keep_alive;
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let service_conn = Arc::clone(&conn);
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        // What axum's `ConnectInfo` extractor reads (the access log's client address).
        request.extensions_mut().insert(ConnectInfo(peer));
        let in_flight = service_conn.begin();
        let router = router.clone();
        async move {
            let response = if probes_only && !is_probe(request.uri().path()) {
                let mut response = AppError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "overloaded",
                    "the server is at its connection limit: try again shortly",
                )
                .into_response();
                response.headers_mut().insert(header::CONNECTION, "close".parse().expect("ok"));
                response
            } else {
                match router.oneshot(request.map(Body::new)).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                }
            };
            drop(in_flight);
            Ok::<Response<Body>, Infallible>(response)
        }
    });
    let http = builder.serve_connection(TokioIo::new(stream), service);
    async move {
        let mut http = pin!(http);
        let mut closing = false;
        loop {
            // While a request is in flight the connection is not idle: look again later.
            let idle_deadline = tokio::time::Instant::from_std(if conn.is_idle() {
                *conn.idle_since() + keep_alive
            } else {
                Instant::now() + keep_alive
            });
            let close_now = tokio::select! {
                _ = http.as_mut() => return,
                () = tokio::time::sleep_until(idle_deadline), if !closing => {
                    conn.is_idle() && conn.idle_since().elapsed() >= keep_alive
                }
                () = conn.wake.notified(), if !closing => conn.evicted.load(Ordering::SeqCst),
                _ = stopping.wait_for(|stop| *stop), if !closing => true,
            };
            if !close_now {
                continue;
            }
            closing = true;
            if conn.is_idle() && conn.n_started.load(Ordering::SeqCst) == 0 {
                // No request yet (a client still sending its first head): nothing to finish.
                return;
            }
            // Between requests this closes at once; otherwise after the answer is written.
            http.as_mut().graceful_shutdown();
        }
    }
}

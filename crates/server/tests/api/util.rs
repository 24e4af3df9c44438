//! What the API tests share: the tiny index, fixtures, requests and answers, a body fed from a
//! channel, a server on a real socket.

pub(crate) use std::io::{Read, Write};
pub(crate) use std::path::Path;
pub(crate) use std::sync::{Arc, Mutex};
pub(crate) use std::time::Duration;

pub(crate) use axum::body::Body;
pub(crate) use axum::http::{Request, StatusCode, header};
pub(crate) use http_body_util::BodyExt;
pub(crate) use serde_json::{Value, json};
pub(crate) use tower::ServiceExt;
pub(crate) use unspun_core::Document;
pub(crate) use unspun_core::date::parse_date;
pub(crate) use unspun_index::{IndexWriter, MergePolicy, WriterConfig};
pub(crate) use unspun_server::{
    AccessLog, AppState, Limits, LogFormat, LogSink, OPENAPI_JSON, ServerConfig, app,
};

pub(crate) const WIRE: &str = "The central bank raised interest rates by half a percentage point on Tuesday, \
    its largest increase in two decades. Officials said inflation had spread from energy into \
    food and rents across the country. The governor warned that further increases were likely \
    before the end of the year.";
pub(crate) const STORM: &str = "A powerful storm knocked out electricity to thousands of homes along the \
    northern coast overnight. Emergency crews cleared fallen trees from the main highway by \
    dawn. Forecasters expect calmer weather to return by the weekend.";
pub(crate) const NEW_DOC: &str = "Engineers unveiled a solar powered ferry that crosses the harbour in \
    eleven minutes without any diesel backup. The city council plans to buy six more vessels \
    before next summer.";

pub(crate) fn doc(id: &str, text: &str, date: &str, source: &str, title: &str) -> Document {
    Document {
        id: id.into(),
        title: Some(title.into()),
        text: text.into(),
        date: parse_date(date),
        source: Some(source.into()),
        url: None,
    }
}

/// An index with two documents in `dir`.
pub(crate) fn build_index(dir: &Path) {
    let mut writer = IndexWriter::open_or_create(dir, WriterConfig::default()).expect("writer");
    for d in [
        doc("wire-1", WIRE, "2016-03-01", "Reuters", "Bank raises rates"),
        doc("storm-1", STORM, "2016-02-01", "AP", "Storm cuts power"),
    ] {
        writer.add(d, false).expect("add");
    }
    writer.commit().expect("commit");
}

pub(crate) struct Fixture {
    pub(crate) _dir: tempfile::TempDir,
    pub(crate) state: AppState,
}

pub(crate) fn fixture_with(token: Option<&str>, limits: Limits) -> Fixture {
    fixture_logged(token, limits, AccessLog::default())
}

pub(crate) fn fixture_logged(
    token: Option<&str>,
    limits: Limits,
    access_log: AccessLog,
) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    build_index(dir.path());
    let state = AppState::open(ServerConfig {
        index_dir: dir.path().to_path_buf(),
        token: token.map(str::to_string),
        cors_origins: Vec::new(),
        limits,
        thesaurus: None,
        paraphrase: None,
        merge: MergePolicy::default(),
        access_log,
        copy_graph: None,
    })
    .expect("open state");
    Fixture { _dir: dir, state }
}

pub(crate) fn fixture() -> Fixture {
    fixture_with(None, Limits::default())
}

pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) content_type: String,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8")
    }

    /// Asserts the error shape and returns (code, field).
    pub(crate) fn error(&self, status: u16) -> (String, Option<String>) {
        assert_eq!(self.status.as_u16(), status, "{}", String::from_utf8_lossy(&self.body));
        assert!(self.content_type.starts_with("application/json"), "{}", self.content_type);
        let value = self.json();
        let error = &value["error"];
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{value}");
        assert!(error.as_object().is_some_and(|o| o.contains_key("field")), "{value}");
        (
            error["code"].as_str().expect("code").to_string(),
            error["field"].as_str().map(str::to_string),
        )
    }
}

pub(crate) async fn send(state: &AppState, request: Request<Body>) -> Answer {
    let response = app(state.clone()).oneshot(request).await.expect("infallible");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
    Answer { status, content_type, body }
}

pub(crate) fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

pub(crate) fn post(uri: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .expect("request")
}

pub(crate) fn delete(uri: &str) -> Request<Body> {
    Request::delete(uri).body(Body::empty()).expect("request")
}

/// Ids of the sources of a trace report.
pub(crate) fn source_ids(report: &Value) -> Vec<String> {
    report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_string())
        .collect()
}

/// The value of an unlabelled series in `/metrics`.
pub(crate) async fn metric(state: &AppState, name: &str) -> u64 {
    let text = send(state, get("/metrics")).await.text();
    let line = text.lines().find(|line| line.starts_with(&format!("{name} "))).expect(name);
    line[name.len() + 1..].parse().expect("a number")
}

/// A request body fed by the test: nothing arrives until `finish`.
pub(crate) struct BodySender(
    pub(crate) Option<tokio::sync::mpsc::Sender<Result<axum::body::Bytes, std::io::Error>>>,
);

impl BodySender {
    pub(crate) fn finish(&mut self, text: &str) {
        if let Some(sender) = self.0.take() {
            let _ = sender.try_send(Ok(axum::body::Bytes::from(text.to_string())));
        }
    }
}

pub(crate) fn body_channel() -> (BodySender, Body) {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    (BodySender(Some(sender)), Body::new(ChannelBody(receiver)))
}

/// A body whose chunks come from an mpsc channel; it ends when the sender is dropped.
pub(crate) struct ChannelBody(
    tokio::sync::mpsc::Receiver<Result<axum::body::Bytes, std::io::Error>>,
);

impl http_body::Body for ChannelBody {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(|chunk| chunk.map(http_body::Frame::data)))
    }
}

/// Every `.route("path", method(..).method(..))` in the router's source, as (METHOD, path).
pub(crate) fn routes_in_source() -> Vec<(String, String)> {
    let source = include_str!("../../src/lib.rs");
    let mut routes = Vec::new();
    for chunk in source.split(".route(").skip(1) {
        let path = chunk.split('"').nth(1).expect("a quoted path").to_string();
        // The handler expression ends at the closing parenthesis of `.route(`.
        let mut depth = 1;
        let end = chunk
            .char_indices()
            .find(|&(_, c)| {
                depth += i32::from(c == '(') - i32::from(c == ')');
                depth == 0
            })
            .map_or(chunk.len(), |(i, _)| i);
        let handler = &chunk[..end];
        for method in ["get", "post", "delete", "put", "patch"] {
            let called = handler.match_indices(&format!("{method}(")).any(|(at, _)| {
                !handler[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
            });
            if called {
                routes.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

/// A fixture whose access log (in `format`) goes to the returned list.
pub(crate) fn fixture_with_log(
    token: Option<&str>,
    format: LogFormat,
) -> (Fixture, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let access_log = AccessLog { format, sink: LogSink::Memory(Arc::clone(&lines)) };
    (fixture_logged(token, Limits::default(), access_log), lines)
}

pub(crate) fn take_lines(lines: &Mutex<Vec<String>>) -> Vec<String> {
    std::mem::take(&mut *lines.lock().expect("log lock"))
}

/// Sends raw HTTP/1.1 over `stream` and reads the whole answer (the server closes).
pub(crate) fn raw_http(addr: std::net::SocketAddr, request: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    stream.write_all(request.as_bytes()).expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}

/// A server on 127.0.0.1:0 in its own runtime, stopped when dropped.
pub(crate) struct Running {
    pub(crate) runtime: tokio::runtime::Runtime,
    pub(crate) addr: std::net::SocketAddr,
    pub(crate) stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub(crate) server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Running {
    pub(crate) fn start(state: &AppState) -> Running {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let listener =
            runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = runtime.spawn(unspun_server::serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        Running { runtime, addr, stop: Some(stop), server: Some(server) }
    }

    /// Opens a connection and sends `bytes` without finishing the request.
    pub(crate) fn slow_client(&self, bytes: &str) -> std::net::TcpStream {
        let mut stream = std::net::TcpStream::connect(self.addr).expect("connect");
        stream.write_all(bytes.as_bytes()).expect("write");
        stream
    }

    /// The status line of a whole request sent on a new connection.
    pub(crate) fn status_of(&self, request: &str) -> String {
        raw_http(self.addr, request).lines().next().unwrap_or("").to_string()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = self.runtime.block_on(server);
        }
    }
}

pub(crate) fn trace_request() -> String {
    format!(
        "POST /v1/trace HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{WIRE}",
        WIRE.len()
    )
}

pub(crate) const HEALTHZ: &str = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
pub(crate) const OK: &str = "HTTP/1.1 200 OK";

/// Polls `/metrics` (through the router, not the socket) until `name` satisfies `until`.
pub(crate) fn wait_for_metric(
    server: &Running,
    state: &AppState,
    name: &str,
    until: impl Fn(u64) -> bool,
) {
    // Bounded by the test harness only: nothing here asserts a time.
    while !until(server.runtime.block_on(metric(state, name))) {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// An article that copies WIRE, with hostile text around it: markup, quotes, right-to-left
/// script, a bidi override and emoji.
pub(crate) fn hostile_article() -> String {
    format!(
        "{WIRE}\n\nHe wrote <script>alert(\"x\")</script> and <img src=x onerror=alert(1)> \
         'quoted' & done. שלום עולם مرحبا \u{202e}reversed 👋🏽 end."
    )
}

pub(crate) const PAGE: &str = "<!doctype html><html><head><title>Storm | News</title>\
    <meta property=\"article:published_time\" content=\"2016-02-03\"></head><body>\
    <nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav><article><h1>Storm cuts power</h1>\
    <p>A powerful storm knocked out electricity to thousands of homes along the northern coast \
    overnight.</p><p>Emergency crews cleared fallen trees from the main highway by dawn.</p>\
    </article><footer>Copyright</footer></body></html>";

/// A finished cluster run's graph files in `dir`.
pub(crate) fn write_cluster_run(dir: &Path) {
    std::fs::write(dir.join("reuse.done"), "x").expect("done");
    std::fs::write(
        dir.join("outlet_edges.jsonl"),
        "{\"source_outlet\":\"AP\",\"copy_outlet\":\"Reuters\",\"n_links\":3,\"n_strong_links\":2,\"n_passages\":3,\"n_chars\":900,\"lag_days\":{\"n\":3,\"min\":1.0,\"median\":2.0,\"mean\":2.0,\"p90\":3.0,\"max\":3.0}}\n",
    )
    .expect("edges");
    std::fs::write(
        dir.join("publishers.json"),
        "[{\"outlet\":\"Reuters\",\"n_docs\":1,\"reused_text_share\":0.5},{\"outlet\":\"AP\",\"n_docs\":1}]",
    )
    .expect("publishers");
}

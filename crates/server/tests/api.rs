//! Router tests without a socket (`app(state).oneshot(request)`), and one test on a real
//! socket with a hand-written HTTP/1.1 request and a graceful shutdown.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use unspun_core::Document;
use unspun_core::date::parse_date;
use unspun_index::{IndexWriter, MergePolicy, WriterConfig};
use unspun_server::{
    AccessLog, AppState, Limits, LogFormat, LogSink, OPENAPI_JSON, ServerConfig, app,
};

const WIRE: &str = "The central bank raised interest rates by half a percentage point on Tuesday, \
    its largest increase in two decades. Officials said inflation had spread from energy into \
    food and rents across the country. The governor warned that further increases were likely \
    before the end of the year.";
const STORM: &str = "A powerful storm knocked out electricity to thousands of homes along the \
    northern coast overnight. Emergency crews cleared fallen trees from the main highway by \
    dawn. Forecasters expect calmer weather to return by the weekend.";
const NEW_DOC: &str = "Engineers unveiled a solar powered ferry that crosses the harbour in \
    eleven minutes without any diesel backup. The city council plans to buy six more vessels \
    before next summer.";

fn doc(id: &str, text: &str, date: &str, source: &str, title: &str) -> Document {
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
fn build_index(dir: &Path) {
    let mut writer = IndexWriter::open_or_create(dir, WriterConfig::default()).expect("writer");
    for d in [
        doc("wire-1", WIRE, "2016-03-01", "Reuters", "Bank raises rates"),
        doc("storm-1", STORM, "2016-02-01", "AP", "Storm cuts power"),
    ] {
        writer.add(d, false).expect("add");
    }
    writer.commit().expect("commit");
}

struct Fixture {
    _dir: tempfile::TempDir,
    state: AppState,
}

fn fixture_with(token: Option<&str>, limits: Limits) -> Fixture {
    fixture_logged(token, limits, AccessLog::default())
}

fn fixture_logged(token: Option<&str>, limits: Limits, access_log: AccessLog) -> Fixture {
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

fn fixture() -> Fixture {
    fixture_with(None, Limits::default())
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8")
    }

    /// Asserts the error shape and returns (code, field).
    fn error(&self, status: u16) -> (String, Option<String>) {
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

async fn send(state: &AppState, request: Request<Body>) -> Answer {
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

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

fn post(uri: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .expect("request")
}

fn delete(uri: &str) -> Request<Body> {
    Request::delete(uri).body(Body::empty()).expect("request")
}

/// Ids of the sources of a trace report.
fn source_ids(report: &Value) -> Vec<String> {
    report["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn trace_plain_text_matches_the_cli_report() {
    let f = fixture();
    let body = format!("Rates go up\n\n{WIRE}");
    let answer = send(&f.state, post("/v1/trace", "text/plain; charset=utf-8", body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let report = answer.json();
    assert_eq!(report["schema"], "unspun.trace/1");
    assert_eq!(report["query"]["title"], "Rates go up");
    assert_eq!(report["query"]["body_char_offset"], 13);
    assert_eq!(report["verdict"]["kind"], "copy");
    assert_eq!(source_ids(&report), ["wire-1"]);
    // The same types as `unspun trace --json`: the body deserialises into TraceReport.
    let typed: unspun_core::report::TraceReport =
        serde_json::from_slice(&answer.body).expect("TraceReport");
    assert_eq!(typed.sources.len(), 1);
}

#[tokio::test]
async fn trace_json_with_date_excludes_later_sources() {
    let f = fixture();
    let body =
        json!({"title": "T", "text": WIRE, "date": "2016-01-15", "url": "https://x.example"});
    let answer = send(&f.state, post("/v1/trace", "application/json", body.to_string())).await;
    assert_eq!(answer.status, StatusCode::OK);
    let report = answer.json();
    assert_eq!(report["query"]["date"], "2016-01-15");
    assert_eq!(source_ids(&report), Vec::<String>::new());
    assert_eq!(report["verdict"]["kind"], "original");
}

#[tokio::test]
async fn trace_errors_name_the_field() {
    let f = fixture();
    let cases: Vec<(Request<Body>, u16, &str, Option<&str>)> = vec![
        (post("/v1/trace", "text/plain", "   \n\n "), 422, "invalid_field", Some("text")),
        (
            post("/v1/trace", "application/json", r#"{"text": ""}"#),
            422,
            "invalid_field",
            Some("text"),
        ),
        (
            post("/v1/trace", "application/json", r#"{"title": "x"}"#),
            422,
            "invalid_field",
            Some("text"),
        ),
        (
            post("/v1/trace", "application/json", r#"{"text": 5.5e400}"#),
            400,
            "malformed_json",
            Some("body"),
        ),
        (
            post("/v1/trace", "application/json", r#"{"text": {"a": 1}}"#),
            422,
            "invalid_field",
            Some("text"),
        ),
        (
            post("/v1/trace", "application/json", r#"{"text": "x y", "date": "someday"}"#),
            422,
            "invalid_field",
            Some("date"),
        ),
        (
            post("/v1/trace", "application/json", r#"{"text": "x y", "date": 12}"#),
            422,
            "invalid_field",
            Some("date"),
        ),
        (
            post("/v1/trace", "application/json", r#"{"text": "x", "#),
            400,
            "malformed_json",
            Some("body"),
        ),
        (post("/v1/trace", "application/json", "[1, 2]"), 422, "invalid_field", Some("body")),
        (
            post("/v1/trace", "text/plain", vec![b'a', 0xff, 0xfe, b'b']),
            400,
            "invalid_utf8",
            Some("body"),
        ),
        (get("/v1/trace"), 405, "method_not_allowed", None),
    ];
    for (request, status, code, field) in cases {
        let answer = send(&f.state, request).await;
        assert_eq!(answer.error(status), (code.to_string(), field.map(str::to_string)));
    }
}

#[tokio::test]
async fn huge_body_is_413_json() {
    let f = fixture_with(None, Limits { max_body_bytes: 1000, ..Limits::default() });
    let big = "word ".repeat(1000);
    let answer = send(&f.state, post("/v1/trace", "text/plain", big.clone())).await;
    assert_eq!(answer.error(413), ("payload_too_large".into(), Some("body".into())));
    // oneshot sets no Content-Length: the limit above held while reading. With a declared
    // length the request is refused before reading.
    let request = Request::post("/v1/documents")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, big.len())
        .body(Body::from(big))
        .expect("request");
    let answer = send(&f.state, request).await;
    assert_eq!(answer.error(413).0, "payload_too_large");
}

#[tokio::test]
async fn add_then_trace_finds_it_then_delete_removes_it() {
    let f = fixture();
    let body = json!({"id": "ferry-1", "text": NEW_DOC, "title": "Solar ferry", "date": "2016-04-02",
        "source": "Harbour News", "url": "https://example.org/ferry"});
    let answer = send(&f.state, post("/v1/documents", "application/json", body.to_string())).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json(), json!({"added": 1, "replaced": 0, "duplicates": [], "rejected": []}));

    let answer = send(&f.state, get("/v1/documents/ferry-1")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json(),
        json!({"id": "ferry-1", "title": "Solar ferry", "text": NEW_DOC, "date": "2016-04-02",
            "source": "Harbour News", "url": "https://example.org/ferry"})
    );
    let trace_body = json!({"text": NEW_DOC}).to_string();
    let answer = send(&f.state, post("/v1/trace", "application/json", trace_body.clone())).await;
    assert_eq!(source_ids(&answer.json()), ["ferry-1"]);
    let answer = send(&f.state, get("/v1/search?q=solar")).await;
    assert_eq!(answer.json()["results"][0]["id"], "ferry-1");

    let answer = send(&f.state, delete("/v1/documents/ferry-1")).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert!(answer.body.is_empty());
    let answer = send(&f.state, get("/v1/documents/ferry-1")).await;
    assert_eq!(answer.error(404), ("not_found".into(), Some("id".into())));
    let answer = send(&f.state, delete("/v1/documents/ferry-1")).await;
    assert_eq!(answer.error(404).0, "not_found");
    let answer = send(&f.state, post("/v1/trace", "application/json", trace_body)).await;
    assert_eq!(source_ids(&answer.json()), Vec::<String>::new());
    let answer = send(&f.state, get("/v1/search?q=solar")).await;
    assert_eq!(answer.json(), json!({"total": 0, "offset": 0, "results": []}));
    let stats = send(&f.state, get("/v1/stats")).await.json();
    assert_eq!((stats["n_docs"].clone(), stats["n_deleted"].clone()), (json!(2), json!(1)));
}

#[tokio::test]
async fn batches_array_and_json_lines_with_rejects_duplicates_and_replace() {
    let f = fixture();
    let array = json!([
        {"id": "a", "text": "First small document about harbour ferries."},
        {"id": "wire-1", "text": "A different text for an existing id."},
        {"id": "b", "text": ""},
        {"id": ["x"], "text": "Wrong id type."},
        {"id": "c", "text": "Dated badly.", "date": "32/13/2020"},
    ]);
    let answer = send(&f.state, post("/v1/documents", "application/json", array.to_string())).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let value = answer.json();
    assert_eq!(
        (value["added"].clone(), value["duplicates"].clone()),
        (json!(1), json!(["wire-1"]))
    );
    let rejected: Vec<(u64, String)> = value["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|r| (r["line"].as_u64().expect("line"), r["field"].as_str().expect("field").into()))
        .collect();
    assert_eq!(rejected, [(3, "text".into()), (4, "id".into()), (5, "date".into())]);

    let lines = "{\"id\":\"wire-1\",\"text\":\"Replaced text of the wire story.\"}\n\nnot json\n";
    let answer =
        send(&f.state, post("/v1/documents?replace=true", "application/x-ndjson", lines)).await;
    let value = answer.json();
    assert_eq!((value["added"].clone(), value["replaced"].clone()), (json!(0), json!(1)));
    assert_eq!(value["rejected"][0]["line"], 3);
    let doc = send(&f.state, get("/v1/documents/wire-1")).await.json();
    assert_eq!(doc["text"], "Replaced text of the wire story.");

    // All bad → 422 with the list.
    let answer =
        send(&f.state, post("/v1/documents", "application/json", r#"[{"id": "z"}, 3]"#)).await;
    assert_eq!(answer.error(422).0, "invalid_field");
    assert_eq!(answer.json()["error"]["rejected"].as_array().map(Vec::len), Some(2));
    let answer = send(&f.state, post("/v1/documents", "application/json", "[]")).await;
    assert_eq!(answer.error(422), ("invalid_field".into(), Some("body".into())));
    let answer =
        send(&f.state, post("/v1/documents", "application/json", r#"{"id": "q", "text": "#)).await;
    assert_eq!(answer.error(400), ("malformed_json".into(), Some("body".into())));
    let answer =
        send(&f.state, post("/v1/documents?replace=maybe", "application/json", "{}")).await;
    assert_eq!(answer.error(422), ("invalid_field".into(), Some("replace".into())));
}

#[tokio::test]
async fn writes_need_the_token_when_configured() {
    let f = fixture_with(Some("s3cret"), Limits::default());
    let body = json!({"id": "t1", "text": "Token protected text."}).to_string();
    let answer = send(&f.state, post("/v1/documents", "application/json", body.clone())).await;
    assert_eq!(answer.error(401), ("unauthorized".into(), Some("Authorization".into())));
    let wrong = Request::post("/v1/documents")
        .header(header::AUTHORIZATION, "Bearer nope")
        .body(Body::from(body.clone()))
        .expect("request");
    assert_eq!(send(&f.state, wrong).await.error(401).0, "unauthorized");
    assert_eq!(send(&f.state, delete("/v1/documents/wire-1")).await.error(401).0, "unauthorized");
    let right = Request::post("/v1/documents")
        .header(header::AUTHORIZATION, "Bearer s3cret")
        .body(Body::from(body))
        .expect("request");
    assert_eq!(send(&f.state, right).await.status, StatusCode::OK);
    // Reads stay open.
    assert_eq!(send(&f.state, get("/v1/documents/t1")).await.status, StatusCode::OK);
    let trace = post("/v1/trace", "text/plain", WIRE);
    assert_eq!(send(&f.state, trace).await.status, StatusCode::OK);
}

#[tokio::test]
async fn another_writer_holding_the_lock_gives_503() {
    let f = fixture();
    let dir = f.state.config().index_dir.clone();
    let other = IndexWriter::open_or_create(&dir, WriterConfig::default()).expect("other writer");
    let body = json!({"id": "l1", "text": "Locked out text."}).to_string();
    let answer = send(&f.state, post("/v1/documents", "application/json", body.clone())).await;
    assert_eq!(answer.error(503).0, "index_locked");
    assert_eq!(send(&f.state, delete("/v1/documents/wire-1")).await.error(503).0, "index_locked");
    // Reads still work.
    assert_eq!(send(&f.state, get("/v1/documents/wire-1")).await.status, StatusCode::OK);
    drop(other);
    let answer = send(&f.state, post("/v1/documents", "application/json", body)).await;
    assert_eq!(answer.status, StatusCode::OK);
    // Now the server holds the lock: another writer fails cleanly.
    let err = IndexWriter::open_or_create(&dir, WriterConfig::default()).expect_err("locked");
    assert!(matches!(err, unspun_index::Error::Locked { .. }), "{err}");
}

#[tokio::test]
async fn reads_search_stats_probes_metrics_and_ui() {
    let f = fixture();
    let answer = send(&f.state, get("/v1/search")).await;
    let value = answer.json();
    assert_eq!(value["total"], 2);
    // Newest first.
    assert_eq!(
        value["results"][0],
        json!({"id": "wire-1", "title": "Bank raises rates",
        "outlet": "Reuters", "date": "2016-03-01"})
    );
    assert_eq!(
        send(&f.state, get("/v1/search?q=STORM&limit=5")).await.json()["results"][0]["id"],
        "storm-1"
    );
    assert_eq!(send(&f.state, get("/v1/search?q=wire")).await.json()["total"], 1);
    for bad in ["/v1/search?limit=0", "/v1/search?limit=x", "/v1/search?limit=100000"] {
        assert_eq!(send(&f.state, get(bad)).await.error(422).1.as_deref(), Some("limit"));
    }
    let stats = send(&f.state, get("/v1/stats")).await.json();
    assert_eq!(stats["n_docs"], 2);
    assert_eq!(stats["date_min_iso"], "2016-02-01");
    let health = send(&f.state, get("/healthz")).await;
    assert_eq!((health.status, health.text()), (StatusCode::OK, "ok".to_string()));
    assert_eq!(send(&f.state, get("/readyz")).await.json()["ready"], true);
    assert_eq!(send(&f.state, get("/v1/documents/nope")).await.error(404).0, "not_found");
    assert_eq!(send(&f.state, get("/no/such/route")).await.error(404).0, "not_found");

    let app_js = send(&f.state, get("/app.js")).await;
    assert!(app_js.content_type.starts_with("text/javascript"));
    assert!(send(&f.state, get("/app.css")).await.content_type.starts_with("text/css"));
    let page = app(f.state.clone()).oneshot(get("/")).await.expect("ok");
    assert!(page.headers()[header::CONTENT_TYPE].to_str().expect("ct").starts_with("text/html"));
    let etag = page.headers()[header::ETAG].clone();
    let again =
        Request::get("/").header(header::IF_NONE_MATCH, etag).body(Body::empty()).expect("r");
    assert_eq!(
        app(f.state.clone()).oneshot(again).await.expect("ok").status(),
        StatusCode::NOT_MODIFIED
    );

    let metrics = send(&f.state, get("/metrics")).await;
    assert!(metrics.content_type.starts_with("text/plain"));
    let text = metrics.text();
    assert!(
        text.contains(
            "unspun_http_requests_total{route=\"/v1/search\",method=\"GET\",status=\"200\"} 3"
        ),
        "{text}"
    );
    assert!(text.contains(
        "unspun_http_requests_total{route=\"/v1/search\",method=\"GET\",status=\"422\"} 3"
    ));
    assert!(text.contains(
        "unspun_http_request_duration_seconds_bucket{route=\"/v1/documents/{id}\",le=\"+Inf\"} 1"
    ));
    assert!(text.contains("route=\"unmatched\""));
    assert!(text.contains("unspun_index_documents 2\n"));
    assert!(text.contains("unspun_index_bytes "));
}

#[tokio::test]
async fn saturated_server_answers_503_and_probes_still_answer() {
    let f = fixture_with(None, Limits { max_concurrency: 1, ..Limits::default() });
    // Hold the only slot as a running request would.
    let slot = f.state.occupy_slot().expect("a free slot");
    let answer = send(&f.state, get("/v1/stats")).await;
    assert_eq!(answer.error(503).0, "overloaded");
    let answer = send(&f.state, post("/v1/trace", "text/plain", WIRE)).await;
    assert_eq!(answer.error(503).0, "overloaded");
    assert_eq!(send(&f.state, get("/healthz")).await.status, StatusCode::OK);
    drop(slot);
    assert_eq!(send(&f.state, get("/v1/stats")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_slow_body_holds_no_slot() {
    let f = fixture_with(None, Limits { max_concurrency: 1, ..Limits::default() });
    let router = app(f.state.clone());
    // A request whose body has not arrived yet.
    let (mut sender, body) = body_channel();
    let slow = tokio::spawn(router.oneshot(post("/v1/trace", "text/plain", body)));
    // Let it reach its handler (the old code took the slot before reading the body).
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The only slot is free for others meanwhile.
    let answer = send(&f.state, post("/v1/trace", "text/plain", WIRE)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(send(&f.state, get("/v1/stats")).await.status, StatusCode::OK);
    sender.finish(WIRE);
    drop(sender);
    assert_eq!(slow.await.expect("join").expect("infallible").status(), StatusCode::OK);
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_408() {
    let limits = Limits { body_timeout: Duration::from_millis(100), ..Limits::default() };
    let f = fixture_with(None, limits);
    let (_sender, body) = body_channel();
    let answer = send(&f.state, post("/v1/trace", "text/plain", body)).await;
    assert_eq!(answer.error(408), ("timeout".to_string(), Some("body".to_string())));
    let (_sender, body) = body_channel();
    let answer = send(&f.state, post("/v1/documents", "application/json", body)).await;
    assert_eq!(answer.error(408).0, "timeout");
}

#[tokio::test]
async fn an_article_over_the_limit_is_413_naming_text() {
    let f = fixture_with(None, Limits { max_article_bytes: 100, ..Limits::default() });
    let answer = send(&f.state, post("/v1/trace", "text/plain", WIRE)).await;
    assert_eq!(answer.error(413), ("payload_too_large".to_string(), Some("text".to_string())));
    let body = json!({"text": "Short enough."}).to_string();
    assert_eq!(send(&f.state, post("/v1/trace", "application/json", body)).await.status, 200);
}

/// The value of an unlabelled series in `/metrics`.
async fn metric(state: &AppState, name: &str) -> u64 {
    let text = send(state, get("/metrics")).await.text();
    let line = text.lines().find(|line| line.starts_with(&format!("{name} "))).expect(name);
    line[name.len() + 1..].parse().expect("a number")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_trace_is_cancelled_and_frees_its_slot() {
    let limits = Limits {
        timeout: Duration::from_millis(20),
        max_concurrency: 1,
        max_article_bytes: 4 << 20,
        ..Limits::default()
    };
    let f = fixture_with(None, limits);
    // Thousands of sentences that each match a source: far more than 20 ms of work.
    let text = [WIRE; 4000].join("\n\n");
    let answer = send(&f.state, post("/v1/trace", "text/plain", text)).await;
    assert_eq!(answer.error(504).0, "timeout");
    // The trace stops at its next check, counts itself, and gives its slot back. (Waiting
    // for that is bounded only by the test harness: nothing here asserts a time.)
    while metric(&f.state, "unspun_traces_cancelled_total").await == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    while f.state.occupy_slot().is_none() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(metric(&f.state, "unspun_traces_cancelled_total").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_document_writes_are_merged_in_the_background() {
    let f = fixture();
    for n in 0..100 {
        let body = json!({"id": format!("single-{n}"), "text": format!("{NEW_DOC} Item {n}.")});
        let answer = send(&f.state, post("/v1/documents", "application/json", body.to_string()));
        assert_eq!(answer.await.json()["added"], 1);
    }
    f.state.wait_for_merge().await;
    let stats = send(&f.state, get("/v1/stats")).await.json();
    assert_eq!(stats["n_docs"], 102);
    let n_segments = stats["n_segments"].as_u64().expect("n_segments");
    assert!(n_segments <= 9, "{n_segments} segments after 101 commits");
    assert!(metric(&f.state, "unspun_merges_total").await >= 10);
    assert_eq!(metric(&f.state, "unspun_index_segments").await, n_segments);
    // Every document is still found, by id and by trace.
    assert_eq!(send(&f.state, get("/v1/documents/single-0")).await.status, StatusCode::OK);
    let answer = send(&f.state, post("/v1/trace", "text/plain", WIRE)).await;
    assert_eq!(source_ids(&answer.json()), ["wire-1"]);
}

#[tokio::test]
async fn slow_request_times_out_with_504_json() {
    let f = fixture_with(None, Limits { timeout: Duration::from_millis(200), ..Limits::default() });
    let (_sender, body) = body_channel();
    let answer = send(&f.state, post("/v1/trace", "text/plain", body)).await;
    assert_eq!(answer.error(504).0, "timeout");
}

/// A request body fed by the test: nothing arrives until `finish`.
struct BodySender(Option<tokio::sync::mpsc::Sender<Result<axum::body::Bytes, std::io::Error>>>);

impl BodySender {
    fn finish(&mut self, text: &str) {
        if let Some(sender) = self.0.take() {
            let _ = sender.try_send(Ok(axum::body::Bytes::from(text.to_string())));
        }
    }
}

fn body_channel() -> (BodySender, Body) {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    (BodySender(Some(sender)), Body::new(ChannelBody(receiver)))
}

/// A body whose chunks come from an mpsc channel; it ends when the sender is dropped.
struct ChannelBody(tokio::sync::mpsc::Receiver<Result<axum::body::Bytes, std::io::Error>>);

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
fn routes_in_source() -> Vec<(String, String)> {
    let source = include_str!("../src/lib.rs");
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

#[tokio::test]
async fn openapi_describes_every_route_of_the_router() {
    let f = fixture();
    let served = send(&f.state, get("/v1/openapi.json")).await;
    assert!(served.content_type.starts_with("application/json"));
    let spec = served.json();
    assert_eq!(spec, serde_json::from_str::<Value>(OPENAPI_JSON).expect("valid JSON"));
    assert_eq!(spec["openapi"], "3.1.0");
    let routes = routes_in_source();
    assert!(routes.len() >= 13, "{routes:?}");
    for (method, path) in &routes {
        let operation = &spec["paths"][path][method.to_lowercase()];
        assert!(operation.is_object(), "{method} {path} is not in openapi.json");
        assert!(operation["responses"].is_object(), "{method} {path} has no responses");
        // And the router really answers it (not the 404 fallback, not 405).
        let request = Request::builder()
            .method(method.as_str())
            .uri(path.replace("{id}", "wire-1"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .expect("request");
        let answer = send(&f.state, request).await;
        assert_ne!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        if answer.status == StatusCode::NOT_FOUND {
            assert!(!answer.text().contains("no route for"), "{method} {path}");
        }
    }
    // Nothing documented that the router lacks.
    let documented: usize = spec["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| {
            item.as_object()
                .expect("path item")
                .keys()
                .filter(|k| ["get", "post", "delete", "put", "patch"].contains(&k.as_str()))
                .count()
        })
        .sum();
    assert_eq!(documented, routes.len());
}

/// A fixture whose access log (in `format`) goes to the returned list.
fn fixture_with_log(token: Option<&str>, format: LogFormat) -> (Fixture, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let access_log = AccessLog { format, sink: LogSink::Memory(Arc::clone(&lines)) };
    (fixture_logged(token, Limits::default(), access_log), lines)
}

fn take_lines(lines: &Mutex<Vec<String>>) -> Vec<String> {
    std::mem::take(&mut *lines.lock().expect("log lock"))
}

#[tokio::test]
async fn access_log_plain_has_one_line_per_request_with_route_status_and_duration() {
    let (f, lines) = fixture_with_log(None, LogFormat::Plain);
    let response = app(f.state.clone()).oneshot(get("/v1/documents/wire-1")).await.expect("ok");
    assert_eq!(response.status(), StatusCode::OK);
    let id = response.headers()["x-request-id"].to_str().expect("ascii").to_string();
    assert_eq!(id.len(), 16, "{id}");
    let logged = take_lines(&lines);
    assert_eq!(logged.len(), 1, "{logged:?}");
    let line = &logged[0];
    // `<time> <client> GET <path> (<route>) <status> <bytes>B <ms>ms id=<id>`; no socket, so
    // no client address.
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!(fields.len(), 9, "{line}");
    assert!(fields[0].len() == 24 && fields[0].ends_with('Z') && fields[0].contains('T'), "{line}");
    assert_eq!(&fields[1..6], ["-", "GET", "/v1/documents/wire-1", "(/v1/documents/{id})", "200"]);
    assert!(fields[6].ends_with('B'), "{line}");
    assert!(fields[7].strip_suffix("ms").is_some_and(|ms| ms.parse::<f64>().is_ok()), "{line}");
    assert_eq!(fields[8], format!("id={id}"));

    // A path no route matches, and a client's request id kept.
    let request = Request::get("/nowhere").header("x-request-id", "abc-1").body(Body::empty());
    let response = app(f.state.clone()).oneshot(request.expect("request")).await.expect("ok");
    assert_eq!(response.headers()["x-request-id"], "abc-1");
    let logged = take_lines(&lines);
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(logged[0].contains(" GET /nowhere (-) 404 "), "{}", logged[0]);
    assert!(logged[0].ends_with(" id=abc-1"), "{}", logged[0]);
}

#[tokio::test]
async fn access_log_json_never_has_the_authorization_header_or_the_body() {
    let (f, lines) = fixture_with_log(Some("s3cret-token"), LogFormat::Json);
    let body = json!({"id": "ferry", "text": NEW_DOC}).to_string();
    let request = Request::post("/v1/documents?secret-query=1")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, "Bearer s3cret-token")
        .body(Body::from(body))
        .expect("request");
    assert_eq!(send(&f.state, request).await.status, StatusCode::OK);
    let request = Request::delete("/v1/documents/ferry")
        .header(header::AUTHORIZATION, "Bearer wrong-token")
        .body(Body::empty())
        .expect("request");
    assert_eq!(send(&f.state, request).await.status, StatusCode::UNAUTHORIZED);
    let logged = take_lines(&lines);
    assert_eq!(logged.len(), 2, "{logged:?}");
    for line in &logged {
        for secret in ["s3cret", "wrong-token", "Bearer", "uthorization", "secret-query", "solar"] {
            assert!(!line.contains(secret), "{secret} in {line}");
        }
    }
    let added: Value = serde_json::from_str(&logged[0]).expect("a JSON line");
    assert_eq!(added["method"], "POST");
    assert_eq!(added["route"], "/v1/documents");
    assert_eq!(added["path"], "/v1/documents");
    assert_eq!(added["status"], 200);
    assert!(added["bytes"].as_u64().is_some_and(|bytes| bytes > 0), "{added}");
    assert!(added["duration_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{added}");
    assert!(added["time"].as_str().is_some_and(|t| t.ends_with('Z')), "{added}");
    assert_eq!(added["client"], Value::Null);
    assert_eq!(added["request_id"].as_str().map(str::len), Some(16));
    let refused: Value = serde_json::from_str(&logged[1]).expect("a JSON line");
    assert_eq!(refused["route"], "/v1/documents/{id}");
    assert_eq!(refused["path"], "/v1/documents/ferry");
    assert_eq!(refused["status"], 401);
}

#[tokio::test]
async fn access_log_off_logs_nothing_but_still_echoes_the_request_id() {
    let (f, lines) = fixture_with_log(None, LogFormat::Off);
    let response = app(f.state.clone()).oneshot(get("/healthz")).await.expect("ok");
    assert!(response.headers().contains_key("x-request-id"));
    assert!(take_lines(&lines).is_empty());
}

#[test]
fn access_log_on_a_real_socket_names_the_client() {
    let (f, lines) = fixture_with_log(None, LogFormat::Json);
    let server = Running::start(&f.state);
    assert!(
        server
            .status_of("GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .starts_with("HTTP/1.1 200")
    );
    drop(server);
    let logged = take_lines(&lines);
    assert_eq!(logged.len(), 1, "{logged:?}");
    let line: Value = serde_json::from_str(&logged[0]).expect("a JSON line");
    assert!(line["client"].as_str().is_some_and(|c| c.starts_with("127.0.0.1:")), "{line}");
    assert_eq!(line["route"], "/readyz");
}

/// Sends raw HTTP/1.1 over `stream` and reads the whole answer (the server closes).
fn raw_http(addr: std::net::SocketAddr, request: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    stream.write_all(request.as_bytes()).expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}

#[test]
fn real_socket_and_graceful_shutdown() {
    let f = fixture();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(unspun_server::serve(listener, f.state.clone(), async move {
        let _ = stopped.await;
    }));

    let answer = raw_http(addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with("\r\n\r\nok"), "{answer}");

    let body = format!("Rates\n\n{WIRE}");
    let request = format!(
        "POST /v1/trace HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = raw_http(addr, &request);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    let json_start = answer.find("\r\n\r\n").expect("head ends") + 4;
    let report: Value = serde_json::from_str(&answer[json_start..]).expect("report JSON");
    assert_eq!(source_ids(&report), ["wire-1"]);

    // A request in flight when shutdown starts still gets its answer: send the head, start
    // the shutdown, then send the body.
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let body = json!({"id": "late", "text": NEW_DOC}).to_string();
    let head = format!(
        "POST /v1/documents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("head");
    std::thread::sleep(Duration::from_millis(100));
    stop.send(()).expect("server running");
    std::thread::sleep(Duration::from_millis(100));
    stream.write_all(body.as_bytes()).expect("body");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    runtime.block_on(server).expect("join").expect("served");
    // The server stopped listening, and the write is committed on disk.
    assert!(std::net::TcpStream::connect(addr).is_err());
    let index = unspun_index::Index::open(&f.state.config().index_dir).expect("reopen");
    assert!(index.doc_id("late").is_some());
}

/// A server on 127.0.0.1:0 in its own runtime, stopped when dropped.
struct Running {
    runtime: tokio::runtime::Runtime,
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Running {
    fn start(state: &AppState) -> Running {
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
    fn slow_client(&self, bytes: &str) -> std::net::TcpStream {
        let mut stream = std::net::TcpStream::connect(self.addr).expect("connect");
        stream.write_all(bytes.as_bytes()).expect("write");
        stream
    }

    /// The status line of a whole request sent on a new connection.
    fn status_of(&self, request: &str) -> String {
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

fn trace_request() -> String {
    format!(
        "POST /v1/trace HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{WIRE}",
        WIRE.len()
    )
}

const HEALTHZ: &str = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
const OK: &str = "HTTP/1.1 200 OK";

/// Polls `/metrics` (through the router, not the socket) until `name` satisfies `until`.
fn wait_for_metric(server: &Running, state: &AppState, name: &str, until: impl Fn(u64) -> bool) {
    // Bounded by the test harness only: nothing here asserts a time.
    while !until(server.runtime.block_on(metric(state, name))) {
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn slow_clients_do_not_block_traces_or_probes() {
    // Long timeouts, so that the slow clients below hold their connections for the test.
    let limits = Limits {
        max_connections: 64,
        max_concurrency: 4,
        header_timeout: Duration::from_secs(60),
        body_timeout: Duration::from_secs(60),
        ..Limits::default()
    };
    assert_eq!(unspun_server::reserved_connections(64), 4);
    let f = fixture_with(None, limits);
    let server = Running::start(&f.state);
    // 40 uploads stuck in their bodies: each request is in flight but holds no slot ...
    let body_head = "POST /v1/trace HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nThe";
    let mut slow: Vec<_> = (0..40).map(|_| server.slow_client(body_head)).collect();
    wait_for_metric(&server, &f.state, "unspun_requests_in_flight", |n| n == 40);
    // ... and 100 clients stuck in their headers: with the uploads, more than the limit.
    slow.extend((0..100).map(|_| server.slow_client("POST /v1/trace HTTP/1.1\r\nHost: x\r\n")));
    for _ in 0..3 {
        assert_eq!(server.status_of(&trace_request()), OK);
        assert_eq!(server.status_of(HEALTHZ), OK);
    }
    // Clients stuck in their headers were closed to make room; the uploads were not.
    assert!(server.runtime.block_on(metric(&f.state, "unspun_connections_evicted_total")) >= 40);
    assert_eq!(server.runtime.block_on(metric(&f.state, "unspun_requests_in_flight")), 40);

    // Now uploads fill every connection but the probes' reserve: a trace is refused (503,
    // not a hang), the probes still answer.
    drop(slow);
    wait_for_metric(&server, &f.state, "unspun_connections_open", |n| n == 0);
    let slow: Vec<_> = (0..60).map(|_| server.slow_client(body_head)).collect();
    wait_for_metric(&server, &f.state, "unspun_requests_in_flight", |n| n == 60);
    let answer = raw_http(server.addr, &trace_request());
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"overloaded\""), "{answer}");
    assert_eq!(server.status_of(HEALTHZ), OK);
    drop(slow);
}

#[test]
fn a_request_head_that_never_ends_is_closed() {
    let limits = Limits { header_timeout: Duration::from_millis(200), ..Limits::default() };
    let f = fixture_with(None, limits);
    let server = Running::start(&f.state);
    let mut stream = server.slow_client("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    // The server closes the connection without an answer (no 200); the read ends with EOF
    // or a reset, never with the test's read timeout.
    let mut answer = Vec::new();
    let result = stream.read_to_end(&mut answer);
    if let Err(error) = &result {
        assert_ne!(error.kind(), std::io::ErrorKind::WouldBlock, "still open");
        assert_ne!(error.kind(), std::io::ErrorKind::TimedOut, "still open");
    }
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));
    // A complete request still works.
    assert_eq!(server.status_of(HEALTHZ), OK);
}

/// An article that copies WIRE, with hostile text around it: markup, quotes, right-to-left
/// script, a bidi override and emoji.
fn hostile_article() -> String {
    format!(
        "{WIRE}\n\nHe wrote <script>alert(\"x\")</script> and <img src=x onerror=alert(1)> \
         'quoted' & done. שלום עולם مرحبا \u{202e}reversed 👋🏽 end."
    )
}

#[tokio::test]
async fn html_report_of_a_trace_escapes_hostile_text_and_loads_nothing() {
    let f = fixture();
    let body = json!({"title": "Rates <b>up</b> & \"more\"", "text": hostile_article()});
    let request = Request::post("/v1/trace")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "text/html")
        .body(Body::from(body.to_string()))
        .expect("request");
    let response = app(f.state.clone()).oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("csp")
            .contains("default-src 'none'")
    );
    let html =
        String::from_utf8(response.into_body().collect().await.expect("body").to_bytes().to_vec())
            .expect("utf-8");
    // Markup in the text is text: no tag of it survives, and the page has no script at all.
    assert!(!html.to_lowercase().contains("<script"), "a script tag got through");
    assert!(!html.contains("<img") && !html.contains("<b>up"), "markup got through");
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert!(html.contains("Rates &lt;b&gt;up&lt;/b&gt; &amp; &quot;more&quot;"));
    assert!(html.contains("&#39;quoted&#39; &amp; done"));
    // Other scripts and emoji come through as they are, in boxes of their own direction.
    assert!(html.contains("שלום עולם مرحبا") && html.contains("👋🏽"));
    assert!(html.contains("dir=\"auto\""));
    // Nothing is loaded from elsewhere.
    for needle in ["<link", "src=\"", "url(", "@import", "http://", "https://"] {
        assert!(!html.contains(needle), "the page refers to something outside it: {needle}");
    }
    // The report's content: verdict, source, the article's kind tags, a side-by-side.
    assert!(html.contains("<span class=\"kind\">Copy</span>") || html.contains(">Partly copied<"));
    assert!(html.contains("Bank raises rates") && html.contains("wire-1"));
    assert!(html.contains("1 verbatim"));
    assert!(html.contains("id=\"d-s1\""), "no side-by-side for sentence 1");
    assert!(html.contains("@media print") && html.contains("prefers-color-scheme:dark"));
}

#[tokio::test]
async fn post_report_renders_a_given_report_as_a_download() {
    let f = fixture();
    let spun = WIRE.replace("Officials said", "Authorities stated");
    let traced = send(
        &f.state,
        post("/v1/trace", "application/json", json!({"title": "Rates", "text": spun}).to_string()),
    )
    .await;
    assert_eq!(traced.status, StatusCode::OK, "{}", traced.text());
    let body = json!({"report": traced.json(), "text": spun});
    let request = post("/v1/report", "application/json", body.to_string());
    let response = app(f.state.clone()).oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_DISPOSITION],
        "attachment; filename=\"unspun-report-rates.html\""
    );
    let html =
        String::from_utf8(response.into_body().collect().await.expect("body").to_bytes().to_vec())
            .expect("utf-8");
    // The spun words are marked on both sides of the side-by-side.
    assert!(
        html.contains("<mark class=\"d-sub\" title=\"replaced\">Authorities stated</mark>"),
        "{html}"
    );
    assert!(html.contains("<mark class=\"d-sub\" title=\"replaced\">Officials said</mark>"));
    assert!(html.contains("spun"));
    // The source's own text around a match comes from the index (sentence 1's source goes on
    // with the sentence the article spun: only the context holds it as written).
    assert!(html.contains("<span class=\"context\">"), "no source context");
    assert!(html.contains("Officials said inflation had spread"), "{html}");

    // Not a report, or another schema: 422 naming `report`.
    let answer = send(&f.state, post("/v1/report", "application/json", "{\"report\": 1}")).await;
    assert_eq!(answer.error(422), ("invalid_field".into(), Some("report".into())));
    let mut other = body.clone();
    other["report"]["schema"] = json!("unspun.trace/9");
    let answer = send(&f.state, post("/v1/report", "application/json", other.to_string())).await;
    assert_eq!(answer.error(422).1.as_deref(), Some("report"));
}

const PAGE: &str = "<!doctype html><html><head><title>Storm | News</title>\
    <meta property=\"article:published_time\" content=\"2016-02-03\"></head><body>\
    <nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav><article><h1>Storm cuts power</h1>\
    <p>A powerful storm knocked out electricity to thousands of homes along the northern coast \
    overnight.</p><p>Emergency crews cleared fallen trees from the main highway by dawn.</p>\
    </article><footer>Copyright</footer></body></html>";

#[tokio::test]
async fn extract_and_trace_read_html_pages() {
    let f = fixture();
    let answer = send(&f.state, post("/v1/extract", "text/html", PAGE)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let article = answer.json();
    let text = article["text"].as_str().expect("text");
    assert!(text.contains("Emergency crews cleared fallen trees"), "{text}");
    assert!(!text.contains("Home") && !text.contains('<'), "{text}");
    let traced = send(&f.state, post("/v1/trace", "text/html; charset=utf-8", PAGE)).await;
    assert_eq!(traced.status, StatusCode::OK, "{}", traced.text());
    assert_eq!(source_ids(&traced.json()), ["storm-1"]);
}

#[tokio::test]
async fn example_is_the_same_per_seed_and_traces_to_its_parts() {
    let f = fixture();
    let first = send(&f.state, get("/v1/example?seed=3")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let again = send(&f.state, get("/v1/example?seed=3")).await;
    assert_eq!(first.json(), again.json());
    let example = first.json();
    let parts: Vec<String> = example["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(parts.len(), 2, "{example}");
    let request =
        json!({"title": example["title"], "text": example["text"], "date": example["date"]});
    let traced = send(&f.state, post("/v1/trace", "application/json", request.to_string())).await;
    let report = traced.json();
    let mut found = source_ids(&report);
    found.sort();
    let mut want = parts.clone();
    want.sort();
    assert_eq!(found, want);
    assert_eq!(report["verdict"]["kind"], "patchwork");
    let answer = send(&f.state, get("/v1/example?seed=-1")).await;
    assert_eq!(answer.error(422).1.as_deref(), Some("seed"));
}

#[tokio::test]
async fn stats_name_the_index() {
    let f = fixture();
    let stats = send(&f.state, get("/v1/stats")).await.json();
    let name = stats["index_name"].as_str().expect("index_name");
    assert!(!name.is_empty() && !name.contains('/'), "{name}");
}

#[tokio::test]
async fn search_filters_by_outlet_and_date_range_and_pages() {
    let f = fixture();
    let by_outlet = send(&f.state, get("/v1/search?outlet=reuters")).await.json();
    assert_eq!(by_outlet["total"], 1);
    assert_eq!(by_outlet["results"][0]["id"], "wire-1");
    // Inclusive dates: `to` covers its whole day; undated documents are left out.
    let range = send(&f.state, get("/v1/search?from=2016-02-01&to=2016-02-01")).await.json();
    assert_eq!(range["total"], 1);
    assert_eq!(range["results"][0]["id"], "storm-1");
    let both = send(&f.state, get("/v1/search?from=2016-01-01")).await.json();
    assert_eq!(both["total"], 2);
    let page = send(&f.state, get("/v1/search?from=2016-01-01&limit=1&offset=1")).await.json();
    assert_eq!((page["total"].as_u64(), page["offset"].as_u64()), (Some(2), Some(1)));
    assert_eq!(page["results"][0]["id"], "storm-1", "newest first: the second is the storm");
    let answer = send(&f.state, get("/v1/search?from=soon")).await;
    assert_eq!(answer.error(422).1.as_deref(), Some("from"));
}

#[tokio::test]
async fn outlets_list_counts_and_dates() {
    let f = fixture();
    let answer = send(&f.state, get("/v1/outlets")).await.json();
    assert_eq!(answer["n_outlets"], 2);
    assert_eq!(answer["has_copy_graph"], false);
    let names: Vec<&str> = answer["outlets"]
        .as_array()
        .expect("outlets")
        .iter()
        .filter_map(|o| o["outlet"].as_str())
        .collect();
    assert_eq!(names, ["AP", "Reuters"], "ties by name");
    assert_eq!(answer["outlets"][1]["date_min"], "2016-03-01");
}

/// A finished cluster run's graph files in `dir`.
fn write_cluster_run(dir: &Path) {
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

#[tokio::test]
async fn copy_graph_of_an_outlet_from_a_cluster_run() {
    let f = fixture();
    let answer = send(&f.state, get("/v1/copy-graph?outlet=AP")).await;
    assert_eq!(answer.error(409).0, "no_copy_graph");

    let run = tempfile::tempdir().expect("tempdir");
    assert!(unspun_server::CopyGraph::load(run.path()).is_err(), "no reuse.done: not a run");
    write_cluster_run(run.path());
    let graph = unspun_server::CopyGraph::load(run.path()).expect("graph");
    let mut config = f.state.config().clone();
    config.copy_graph = Some(Arc::new(graph));
    let state = AppState::open(config).expect("state");
    let reuters = send(&state, get("/v1/copy-graph?outlet=Reuters")).await.json();
    assert_eq!(reuters["takes_from"][0]["outlet"], "AP");
    assert_eq!(reuters["takes_from"][0]["n_chars"], 900);
    assert_eq!(reuters["takes_from"][0]["median_lag_days"], 2.0);
    assert_eq!(reuters["n_taken_by"], 0);
    assert_eq!(reuters["publisher"]["reused_text_share"], 0.5);
    let ap = send(&state, get("/v1/copy-graph?outlet=AP")).await.json();
    assert_eq!(ap["taken_by"][0]["outlet"], "Reuters");
    let answer = send(&state, get("/v1/copy-graph?outlet=CNN")).await;
    assert_eq!(answer.error(404).1.as_deref(), Some("outlet"));
    let answer = send(&state, get("/v1/copy-graph")).await;
    assert_eq!(answer.error(422).1.as_deref(), Some("outlet"));
    let outlets = send(&state, get("/v1/outlets")).await.json();
    assert_eq!(outlets["has_copy_graph"], true);
    assert_eq!(outlets["outlets"][0]["in_copy_graph"], true);
}

#[tokio::test]
async fn html_report_is_bounded_and_links_only_web_addresses() {
    let f = fixture();
    let traced = send(&f.state, post("/v1/trace", "text/plain", WIRE)).await;
    let mut report = traced.json();
    // 3 sentences × 900: more side-by-sides than a page shows.
    let one = report["sentences"].as_array().expect("sentences").clone();
    let many: Vec<Value> = (0..900)
        .flat_map(|copy| {
            one.iter().cloned().map(move |mut s| {
                let idx = s["idx"].as_u64().expect("idx") + copy * 3;
                s["idx"] = json!(idx);
                s
            })
        })
        .collect();
    report["sentences"] = json!(many);
    report["sources"][0]["url"] = json!("javascript:alert(1)");
    let body = json!({"report": report});
    let answer = send(&f.state, post("/v1/report", "application/json", body.to_string())).await;
    assert_eq!(answer.status, StatusCode::OK);
    let html = answer.text();
    assert!(html.contains("700 more side-by-sides are not shown"), "the cut is said");
    assert_eq!(html.matches("<article class=\"sbs").count(), 2000);
    assert!(html.len() < 4 << 20, "{} bytes", html.len());
    assert!(!html.contains("href=\"javascript"), "only http(s) addresses are links");
    assert!(html.contains("javascript:alert(1)"), "the address is still shown, as text");
}

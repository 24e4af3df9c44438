//! `POST /v1/trace`: reports, errors naming the field, the body limit.

use crate::util::*;

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

//! The access log: plain, JSON, off, and on a real socket.

use crate::util::*;

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

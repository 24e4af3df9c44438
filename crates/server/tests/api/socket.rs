//! A real socket: graceful shutdown, slow clients, a request head that never ends.

use crate::util::*;

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

//! Limits: saturation, slow and late bodies, article size, timeouts, cancellation, merges.

use crate::util::*;

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

#[tokio::test]
async fn slow_request_times_out_with_504_json() {
    let f = fixture_with(None, Limits { timeout: Duration::from_millis(200), ..Limits::default() });
    let (_sender, body) = body_channel();
    let answer = send(&f.state, post("/v1/trace", "text/plain", body)).await;
    assert_eq!(answer.error(504).0, "timeout");
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

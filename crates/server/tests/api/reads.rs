//! Read routes: search, stats, probes, metrics and the UI.

use crate::util::*;

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

//! `POST`/`DELETE /v1/documents`: adds, batches, replace, the token, the writer lock.

use crate::util::*;

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

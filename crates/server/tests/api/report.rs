//! The HTML report, page extraction and the example patchwork.

use crate::util::*;

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

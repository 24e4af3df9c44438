//! openapi.json describes every route of the router.

use crate::util::*;

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

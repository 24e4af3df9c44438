//! The web UI's three files, embedded in the binary: nothing loads from elsewhere at run time.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One embedded asset.
struct Asset {
    body: &'static str,
    content_type: &'static str,
}

const INDEX_HTML: Asset = Asset {
    body: include_str!(concat!(env!("OUT_DIR"), "/index.html")),
    content_type: "text/html; charset=utf-8",
};
const APP_JS: Asset = Asset {
    body: include_str!(concat!(env!("OUT_DIR"), "/app.js")),
    content_type: "text/javascript; charset=utf-8",
};
const APP_CSS: Asset = Asset {
    body: include_str!(concat!(env!("OUT_DIR"), "/app.css")),
    content_type: "text/css; charset=utf-8",
};

/// A strong ETag: FNV-1a of the content (the files only change with the binary).
fn etag(body: &str) -> String {
    let hash = body.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("\"{hash:016x}\"")
}

/// Serves `asset`, or 304 when the client's copy is current. `no-cache` makes browsers
/// revalidate, so a new binary's UI shows at once.
fn serve(asset: &Asset, headers: &HeaderMap) -> Response {
    let tag = etag(asset.body);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|t| t.trim() == tag));
    let mut response =
        if fresh { StatusCode::NOT_MODIFIED.into_response() } else { asset.body.into_response() };
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Ok(value) = HeaderValue::from_str(&tag) {
        out.insert(header::ETAG, value);
    }
    response
}

/// `GET /`.
pub async fn index_html(headers: HeaderMap) -> Response {
    serve(&INDEX_HTML, &headers)
}

/// `GET /app.js`.
pub async fn app_js(headers: HeaderMap) -> Response {
    serve(&APP_JS, &headers)
}

/// `GET /app.css`.
pub async fn app_css(headers: HeaderMap) -> Response {
    serve(&APP_CSS, &headers)
}

//! The route handlers. Each one returns `Result<_, AppError>`; blocking work (tracing,
//! fingerprinting, committing) runs on tokio's blocking pool.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::OwnedSemaphorePermit;
use unspun_core::date::format_date;
use unspun_core::limits::{self, Cancel};
use unspun_core::report::{TRACE_SCHEMA, TraceReport};
use unspun_core::trace::{TraceConfig, TraceInput};

use crate::error::AppError;
use crate::input::{media_type, parse_article, parse_documents, read_body, utf8};
use crate::metrics::Gauges;
use crate::report_html::{HtmlOptions, render_html, source_texts};
use crate::state::AppState;

/// The OpenAPI 3.1 description of the API.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// Runs `work` on the blocking pool; a panic there becomes a logged 500. `permit` (the
/// request's concurrency slot) is released when `work` ends, not when the request does: a
/// request abandoned by its client or its timeout keeps its slot until its work has stopped,
/// so abandoned work cannot pile up on the pool.
async fn blocking<T: Send + 'static>(
    permit: OwnedSemaphorePermit,
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(AppError::internal)?
}

/// Runs short `work` on the blocking pool for a route whose slot the concurrency middleware
/// holds; a panic there becomes a logged 500.
async fn short_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work).await.map_err(AppError::internal)?
}

/// Reads the request body within [`crate::Limits::body_timeout`] (then 408) and
/// `max_body_bytes` (then 413). No concurrency slot is held meanwhile: a slow client only
/// holds its connection.
async fn read_body_in_time(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<Vec<u8>, AppError> {
    let limits = &state.config().limits;
    let read = read_body(headers, body, limits.max_body_bytes);
    tokio::time::timeout(limits.body_timeout, read).await.map_err(|_| {
        AppError::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            format!(
                "the request body did not arrive within {} s",
                limits.body_timeout.as_secs_f64()
            ),
        )
        .with_field("body")
    })?
}

/// Refuses a write without the configured bearer token.
fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let Some(token) = &state.config().token else { return Ok(()) };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(given) if constant_time_eq(given.as_bytes(), token.as_bytes()) => Ok(()),
        Some(_) => {
            Err(AppError::new(StatusCode::UNAUTHORIZED, "unauthorized", "wrong bearer token")
                .with_field("Authorization"))
        }
        None => Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this endpoint needs an `Authorization: Bearer <token>` header",
        )
        .with_field("Authorization")),
    }
}

/// Compares without stopping at the first difference, so timing does not reveal the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `POST /v1/trace`. The body is read first, then a concurrency slot is taken, then the
/// trace runs on the blocking pool. If the request is dropped meanwhile (its timeout, or the
/// client went away) the trace is cancelled at its next check. With `Accept: text/html` (and
/// not JSON) the answer is the report as a self-contained HTML page.
pub async fn post_trace(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let (report, body_text) = trace_body(&state, &headers, body).await?;
    if wants_html(&headers) {
        let (html, report) = short_blocking(move || {
            let html = render_report_page(&state, &report, Some(&body_text));
            Ok((html, report))
        })
        .await?;
        return Ok(html_response(html, &report, false));
    }
    Ok(Json(report).into_response())
}

/// Whether the client asks for HTML rather than JSON.
fn wants_html(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    accept.contains("text/html") && !accept.contains("application/json")
}

/// Reads, parses and traces the article of a request; answers the report and the body that
/// was traced.
async fn trace_body(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<(TraceReport, String), AppError> {
    let bytes = read_body_in_time(state, headers, body).await?;
    let raw = utf8(bytes)?;
    let article = parse_article(media_type(headers).as_deref(), &raw)?;
    drop(raw);
    let max_article_bytes = state.config().limits.max_article_bytes;
    if article.text.len() > max_article_bytes {
        return Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "the article text has {} bytes, more than the limit of {max_article_bytes}",
                article.text.len()
            ),
        )
        .with_field("text"));
    }
    let permit = state.try_permit()?;
    let snapshot = state.snapshot();
    let thesaurus = state.config().thesaurus.clone();
    let paraphrase = state.config().paraphrase.clone();
    let cancel = Cancel::new();
    let cancel_on_drop = cancel.on_drop();
    let work_state = state.clone();
    let report = blocking(permit, move || {
        let index = &snapshot.index;
        let config = TraceConfig {
            thesaurus: thesaurus.clone(),
            paraphrase: paraphrase.clone(),
            cancel,
            ..TraceConfig::default()
        };
        // A tracer per request: the cancel flag is the request's own.
        let tracer = index.tracer(config);
        let input = TraceInput {
            id: article.id.as_deref(),
            title: article.title.as_deref(),
            text: &article.text,
            date: article.date,
        };
        let mut report = tracer.trace(&input, &**index);
        if report.stats.limits_hit.iter().any(|hit| hit == limits::hit::CANCELLED) {
            work_state.inner.metrics.traces_cancelled.fetch_add(1, Ordering::Relaxed);
        }
        report.query.body_char_offset = article.body_char_offset;
        Ok((report, article.text))
    })
    .await?;
    cancel_on_drop.disarm();
    Ok(report)
}

/// The HTML report of `report`, naming the served index and the time, with the sources'
/// text around each match read from the current index (blocking: call it on the pool).
fn render_report_page(state: &AppState, report: &TraceReport, body: Option<&str>) -> String {
    let index_name = state.index_name();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let generated_at =
        format_date(unspun_core::Timestamp(now)).replace('T', " ").replace('Z', " UTC");
    let snapshot = state.snapshot();
    let texts = source_texts(report, |id| {
        let doc_id = snapshot.index.doc_id(id)?;
        snapshot.index.document(doc_id).ok().flatten().map(|doc| doc.text)
    });
    let options = HtmlOptions {
        body,
        index_name: Some(&index_name),
        generated_at: Some(&generated_at),
        source_texts: Some(&texts),
    };
    render_html(report, &options)
}

/// An HTML page answer; `attachment` asks the browser to save it (the UI's download).
fn html_response(html: String, report: &TraceReport, attachment: bool) -> Response {
    let disposition = format!(
        "{}; filename=\"{}\"",
        if attachment { "attachment" } else { "inline" },
        report_file_name(report)
    );
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response
        .headers_mut()
        .insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
    );
    response
}

/// `unspun-report-<words of the title>.html`: ASCII letters and digits only, at most 60.
pub fn report_file_name(report: &TraceReport) -> String {
    let mut slug = String::new();
    for word in
        report.query.title.as_deref().unwrap_or("").split(|c: char| !c.is_ascii_alphanumeric())
    {
        if word.is_empty() {
            continue;
        }
        if slug.len() + word.len() + 1 > 60 {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    if slug.is_empty() { "unspun-report.html".into() } else { format!("unspun-report-{slug}.html") }
}

/// The body of `POST /v1/report`.
#[derive(serde::Deserialize)]
pub struct ReportRequest {
    /// The report to render (`unspun.trace/1`, as `/v1/trace` answered it).
    report: TraceReport,
    /// The body that was traced, to keep its paragraph breaks.
    #[serde(default)]
    text: Option<String>,
}

/// `POST /v1/report`: renders a trace report (`{"report": ..., "text": ...}`) as the
/// self-contained HTML page, as a download. Nothing is traced again.
pub async fn post_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let bytes = read_body_in_time(&state, &headers, body).await?;
    let request: ReportRequest = serde_json::from_slice(&bytes).map_err(|e| {
        AppError::invalid_field(
            "report",
            format!("expected {{\"report\": <an unspun.trace/1 report>, \"text\": ...}}: {e}"),
        )
    })?;
    let _permit = state.try_permit()?;
    if request.report.schema != TRACE_SCHEMA {
        return Err(AppError::invalid_field(
            "report",
            format!("the report's schema is {:?}, not {TRACE_SCHEMA:?}", request.report.schema),
        ));
    }
    let html = short_blocking(move || {
        let html = render_report_page(&state, &request.report, request.text.as_deref());
        Ok((html, request.report))
    })
    .await?;
    Ok(html_response(html.0, &html.1, true))
}

/// `POST /v1/extract`: the article of a page or file, as the trace would read it
/// (`{title, text, date}`), so the UI can show an uploaded HTML page before tracing it.
pub async fn post_extract(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, AppError> {
    let bytes = read_body_in_time(&state, &headers, body).await?;
    let raw = utf8(bytes)?;
    let _permit = state.try_permit()?;
    let article = parse_article(media_type(&headers).as_deref(), &raw)?;
    Ok(Json(json!({
        "title": article.title,
        "text": article.text,
        "date": article.date.map(|d| format_date(d).chars().take(10).collect::<String>()),
    })))
}

/// `GET /v1/example?seed=N`: a small patchwork built from the indexed documents, the same for
/// the same seed and index (see the `example` module).
pub async fn example(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let seed = match query.get("seed") {
        None => 1,
        Some(raw) => raw.trim().parse::<u64>().map_err(|_| {
            AppError::invalid_field("seed", "seed must be a whole number from 0 to 2^64-1")
        })?,
    };
    let snapshot = state.snapshot();
    let example = short_blocking(move || {
        let entries: Vec<_> = snapshot.catalog.values().collect();
        Ok(crate::example::build(&snapshot.index, &entries, seed))
    })
    .await?;
    example.map(Json).ok_or_else(|| {
        AppError::new(
            StatusCode::CONFLICT,
            "no_example",
            "the index holds fewer than two documents with two sentences of 8 words or more",
        )
    })
}

/// `POST /v1/documents[?replace=true]`.
pub async fn post_documents(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, AppError> {
    authorize(&state, &headers)?;
    let replace = match query.get("replace").map(String::as_str) {
        None | Some("false" | "0" | "") => false,
        Some("true" | "1") => true,
        Some(other) => {
            return Err(AppError::invalid_field(
                "replace",
                format!("replace must be true or false, not {other:?}"),
            ));
        }
    };
    let bytes = read_body_in_time(&state, &headers, body).await?;
    let raw = utf8(bytes)?;
    let batch = parse_documents(media_type(&headers).as_deref(), &raw)?;
    drop(raw);
    if batch.docs.is_empty() {
        let mut error = if batch.rejected.is_empty() {
            AppError::invalid_field("body", "no documents in the body")
        } else {
            AppError::invalid_field("body", "every document was rejected")
        };
        if let [only] = batch.rejected.as_slice() {
            error.field = only.field.clone().or(error.field);
            error.message = only.message.clone();
        }
        error.rejected = batch.rejected;
        return Err(error);
    }
    let rejected = batch.rejected;
    let docs = batch.docs;
    let permit = state.try_permit()?;
    let writer_state = state.clone();
    let outcome = blocking(permit, move || writer_state.add_documents(docs, replace)).await?;
    Ok(Json(json!({
        "added": outcome.added,
        "replaced": outcome.replaced,
        "duplicates": outcome.duplicates,
        "rejected": rejected,
    })))
}

/// `GET /v1/documents/{id}`.
pub async fn get_document(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let snapshot = state.snapshot();
    let not_found = || AppError::not_found(format!("no document with id {id:?}")).with_field("id");
    let doc_id = snapshot.index.doc_id(&id).ok_or_else(not_found)?;
    let doc = short_blocking(move || snapshot.index.document(doc_id).map_err(AppError::from_index))
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(unspun_index::ingest::document_record(&doc)))
}

/// `DELETE /v1/documents/{id}`.
pub async fn delete_document(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    authorize(&state, &headers)?;
    let writer_state = state.clone();
    let target = id.clone();
    if short_blocking(move || writer_state.delete_document(&target)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::not_found(format!("no document with id {id:?}")).with_field("id"))
    }
}

/// Most results `/v1/search` returns.
pub const MAX_SEARCH_LIMIT: usize = 1000;

/// A date bound of `/v1/search` (`from`, `to`), parsed; `to` covers its whole day.
fn date_bound(query: &HashMap<String, String>, field: &str) -> Result<Option<i64>, AppError> {
    let Some(raw) = query.get(field).map(|raw| raw.trim()).filter(|raw| !raw.is_empty()) else {
        return Ok(None);
    };
    let date = unspun_core::date::parse_date(raw).ok_or_else(|| {
        AppError::invalid_field(field, format!("cannot parse the date {raw:?} (use 2016-09-01)"))
    })?;
    // A bare date is midnight: `to` takes the rest of that day.
    let end_of_day = if field == "to" && raw.len() <= 10 { 86_399 } else { 0 };
    Ok(Some(date.0 + end_of_day))
}

/// `GET /v1/search?q=...&outlet=...&from=...&to=...&limit=20&offset=0`: documents whose id
/// starts with `q` or whose title contains it, of one outlet (exact, case-insensitive), in a
/// date range (inclusive; undated documents are left out when a bound is given); newest first.
pub async fn search(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let q = query.get("q").map(|q| q.trim().to_lowercase()).unwrap_or_default();
    let whole_number = |field: &str, default: usize, range: std::ops::RangeInclusive<usize>| {
        match query.get(field) {
            None => Ok(default),
            Some(raw) => raw.parse::<usize>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                AppError::invalid_field(
                    field,
                    format!(
                        "{field} must be a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )
            }),
        }
    };
    let limit = whole_number("limit", 20, 1..=MAX_SEARCH_LIMIT)?;
    let offset = whole_number("offset", 0, 0..=usize::MAX)?;
    let outlet = query.get("outlet").map(|o| o.trim().to_lowercase()).filter(|o| !o.is_empty());
    let from = date_bound(&query, "from")?;
    let to = date_bound(&query, "to")?;
    let snapshot = state.snapshot();
    let results = short_blocking(move || {
        let mut hits: Vec<_> = snapshot
            .catalog
            .values()
            .filter(|entry| {
                q.is_empty() || entry.id_lower.starts_with(&q) || entry.title_lower.contains(&q)
            })
            .filter(|entry| {
                outlet.as_ref().is_none_or(|want| {
                    entry.outlet.as_deref().is_some_and(|o| o.to_lowercase() == *want)
                })
            })
            .filter(|entry| match (from, to, entry.date) {
                (None, None, _) => true,
                (_, _, None) => false,
                (from, to, Some(date)) => {
                    from.is_none_or(|f| date.0 >= f) && to.is_none_or(|t| date.0 <= t)
                }
            })
            .collect();
        let total = hits.len();
        // Newest first; undated last; ties by id for a stable order.
        hits.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.id.cmp(&b.id)));
        let results: Vec<Value> =
            hits.iter().skip(offset).take(limit).map(|e| e.to_json()).collect();
        Ok(json!({ "total": total, "offset": offset, "results": results }))
    })
    .await?;
    Ok(Json(results))
}

/// `GET /v1/outlets`: every outlet of the index with its documents and date range, most
/// documents first; `has_copy_graph` says whether `/v1/copy-graph` can answer.
pub async fn outlets(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let snapshot = state.snapshot();
    let graph = state.config().copy_graph.clone();
    let answer = short_blocking(move || {
        #[derive(Default)]
        struct Tally {
            n_docs: u64,
            first: Option<unspun_core::Timestamp>,
            last: Option<unspun_core::Timestamp>,
        }
        let mut tallies: HashMap<&str, Tally> = HashMap::new();
        let mut n_without = 0u64;
        for entry in snapshot.catalog.values() {
            let Some(outlet) = entry.outlet.as_deref().filter(|o| !o.trim().is_empty()) else {
                n_without += 1;
                continue;
            };
            let tally = tallies.entry(outlet).or_default();
            tally.n_docs += 1;
            if let Some(date) = entry.date {
                tally.first = Some(tally.first.map_or(date, |d| d.min(date)));
                tally.last = Some(tally.last.map_or(date, |d| d.max(date)));
            }
        }
        let mut list: Vec<(&str, Tally)> = tallies.into_iter().collect();
        list.sort_by(|a, b| b.1.n_docs.cmp(&a.1.n_docs).then_with(|| a.0.cmp(b.0)));
        let iso = |ts: Option<unspun_core::Timestamp>| {
            ts.map(|t| format_date(t).chars().take(10).collect::<String>())
        };
        let outlets: Vec<Value> = list
            .iter()
            .map(|(outlet, t)| {
                json!({
                    "outlet": outlet,
                    "n_docs": t.n_docs,
                    "date_min": iso(t.first),
                    "date_max": iso(t.last),
                    "in_copy_graph": graph.as_ref().map(|g| g.knows(outlet)),
                })
            })
            .collect();
        Ok(json!({
            "n_outlets": outlets.len(),
            "n_docs_without_outlet": n_without,
            "has_copy_graph": graph.is_some(),
            "copy_graph_run": graph.as_ref().map(|g| g.name.clone()),
            "outlets": outlets,
        }))
    })
    .await?;
    Ok(Json(answer))
}

/// `GET /v1/copy-graph?outlet=NAME`: who the outlet takes text from and who takes from it,
/// from the cluster run given to `unspun serve --cluster` (409 without one).
pub async fn copy_graph(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, AppError> {
    let Some(graph) = state.config().copy_graph.clone() else {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "no_copy_graph",
            "this server has no copy graph: start it with `unspun serve --cluster DIR`, DIR a \
             finished `unspun cluster` run of this index",
        ));
    };
    let outlet = query.get("outlet").map(|o| o.trim().to_string()).unwrap_or_default();
    if outlet.is_empty() {
        return Err(AppError::invalid_field("outlet", "name the outlet: ?outlet=NAME"));
    }
    if !graph.knows(&outlet) {
        return Err(AppError::not_found(format!(
            "the copy graph has no outlet {outlet:?} (names are exact, as in /v1/outlets)"
        ))
        .with_field("outlet"));
    }
    Ok(Json(graph.neighbourhood(&outlet)))
}

/// `GET /v1/stats`: `unspun stats --json`, plus the date range as ISO text.
pub async fn stats(State(state): State<AppState>) -> Json<Value> {
    let stats = state.snapshot().index.stats();
    let mut value = serde_json::to_value(&stats).unwrap_or(Value::Null);
    if let Value::Object(object) = &mut value {
        object.insert("date_min_iso".into(), json!(stats.date_min.map(format_date)));
        object.insert("date_max_iso".into(), json!(stats.date_max.map(format_date)));
        object.insert("index_name".into(), json!(state.index_name()));
    }
    Json(value)
}

/// `GET /healthz`: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the index is open (it is opened before the server listens).
pub async fn readyz(State(state): State<AppState>) -> Json<Value> {
    let snapshot = state.snapshot();
    Json(
        json!({ "ready": true, "generation": snapshot.index.generation(), "n_docs": snapshot.index.n_docs() }),
    )
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let stats = state.snapshot().index.stats();
    let connections = &state.inner.connections;
    let gauges = Gauges {
        index_documents: stats.n_docs,
        index_bytes: stats.bytes_on_disk,
        index_segments: stats.n_segments,
        connections_open: connections.n_open() as u64,
        requests_in_flight: connections.n_in_flight() as u64,
        connections_accepted: connections.n_accepted.load(Ordering::Relaxed),
        connections_refused: connections.n_refused.load(Ordering::Relaxed),
        connections_evicted: connections.n_evicted.load(Ordering::Relaxed),
    };
    let text = state.inner.metrics.render(&gauges);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

/// `GET /v1/openapi.json`.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON).into_response()
}

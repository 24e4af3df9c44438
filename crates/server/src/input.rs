//! Request bodies: reading them within the size limit, and turning them into a traced
//! article or documents to add, with errors that name the field to fix.

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::Value;
use serde_json::value::RawValue;
use unspun_core::Document;
use unspun_core::date::parse_date;
use unspun_index::ingest::{ArticleError, ReaderConfig, WarningKind, json_document, quote_cut};

use crate::error::{AppError, Rejected};

/// Reads the whole body, refusing more than `max_bytes` with 413.
pub async fn read_body(
    headers: &HeaderMap,
    body: Body,
    max_bytes: usize,
) -> Result<Vec<u8>, AppError> {
    let too_large = || {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body exceeds the limit of {max_bytes} bytes"),
        )
        .with_field("body")
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max_bytes as u64) {
        return Err(too_large());
    }
    match axum::body::to_bytes(body, max_bytes).await {
        Ok(bytes) => Ok(bytes.to_vec()),
        Err(error) => {
            let over_limit = std::error::Error::source(&error)
                .is_some_and(|source| source.is::<http_body_util::LengthLimitError>())
                || error.to_string().contains("length limit");
            if over_limit {
                Err(too_large())
            } else {
                Err(AppError::bad_request(
                    "unreadable_body",
                    format!("cannot read the body: {error}"),
                ))
            }
        }
    }
}

/// The body as UTF-8, or 400 naming the first bad byte.
pub fn utf8(bytes: Vec<u8>) -> Result<String, AppError> {
    String::from_utf8(bytes).map_err(|e| {
        AppError::bad_request(
            "invalid_utf8",
            format!(
                "the body is not valid UTF-8 (first bad byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
        .with_field("body")
    })
}

/// The media type of the request, lower-cased, without parameters.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    (!essence.is_empty()).then_some(essence)
}

fn is_json(media_type: Option<&str>) -> bool {
    media_type.is_some_and(|m| m == "application/json" || m.ends_with("+json"))
}

/// An article to trace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Article {
    /// The query's own id (excluded from its sources).
    pub id: Option<String>,
    /// Title, given or split off a plain-text body.
    pub title: Option<String>,
    /// The body to trace.
    pub text: String,
    /// Publication date, parsed.
    pub date: Option<unspun_core::Timestamp>,
    /// Character offset of the body in the text as sent.
    pub body_char_offset: usize,
}

/// Parses the body of `POST /v1/trace` with [`unspun_index::ingest::Article`]: JSON
/// `{title, text, date, id}` when the content type is JSON (or, without one, when it starts
/// with `{`); an HTML page (its extracted article: text, title, date) when the content type is
/// `text/html` (or, unless it is `text/plain`, when it starts like a page); else plain text
/// whose first line followed by a blank line is the title.
pub fn parse_article(media_type: Option<&str>, raw: &str) -> Result<Article, AppError> {
    use unspun_index::ingest::Article as Parsed;
    let json = is_json(media_type)
        || (!media_type.is_some_and(|m| m.starts_with("text/"))
            && raw.trim_start().starts_with('{'));
    let html = media_type.is_some_and(|m| m == "text/html" || m == "application/xhtml+xml")
        || (!json
            && media_type.is_none_or(|m| m != "text/plain")
            && unspun_index::ingest::html::looks_like_html(raw.as_bytes()));
    let parsed = if json {
        Parsed::parse_json(raw).map_err(article_error)?
    } else if html {
        Parsed::parse_html(raw)
    } else {
        Parsed::parse_text(raw)
    };
    let date = match parsed.date {
        // A page's own date metadata is a hint: one that does not parse is left out.
        Some(raw) if html => parse_date(&raw),
        Some(raw) if !raw.trim().is_empty() => Some(parse_date_field(&raw)?),
        _ => None,
    };
    if parsed.text.trim().is_empty() {
        return Err(AppError::invalid_field("text", "nothing to trace: the text is empty"));
    }
    let mut text = parsed.text;
    text.shrink_to_fit();
    Ok(Article {
        id: parsed.id,
        title: parsed.title,
        text,
        date,
        body_char_offset: parsed.body_char_offset,
    })
}

fn parse_date_field(raw: &str) -> Result<unspun_core::Timestamp, AppError> {
    parse_date(raw).ok_or_else(|| {
        AppError::invalid_field(
            "date",
            format!("cannot parse the date {} (use ISO 8601, e.g. 2016-09-01)", quote_cut(raw)),
        )
    })
}

fn parse_json(raw: &str) -> Result<Value, AppError> {
    serde_json::from_str(raw).map_err(|e| {
        AppError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
            .with_field("body")
    })
}

/// The answer to an article or document field the ingest parser refused.
fn article_error(error: ArticleError) -> AppError {
    match error {
        ArticleError::Json(message) => AppError::bad_request(
            "malformed_json",
            format!("the body is not valid JSON: {message}"),
        )
        .with_field("body"),
        ArticleError::NotObject => {
            AppError::invalid_field("body", "expected a JSON object with a \"text\" field")
                .with_field("body")
        }
        ArticleError::Missing { field } => {
            AppError::invalid_field(field, format!("field \"{field}\" is missing"))
        }
        ArticleError::WrongType { field, kind, .. } => AppError::invalid_field(
            field,
            format!("field \"{field}\" must be a string, not {kind}"),
        ),
    }
}

/// Documents to add, and the items that could not become one.
#[derive(Debug, Default)]
pub struct DocumentBatch {
    /// Valid documents with their 1-based line or position.
    pub docs: Vec<Document>,
    /// Items refused, with why.
    pub rejected: Vec<Rejected>,
}

/// Parses the body of `POST /v1/documents`: JSON Lines when the content type says so
/// (`application/x-ndjson`, `application/jsonl`), else one JSON object or an array of them.
/// A malformed JSON body is 400; malformed lines and invalid items are rejected one by one.
pub fn parse_documents(media_type: Option<&str>, raw: &str) -> Result<DocumentBatch, AppError> {
    let lines = media_type.is_some_and(|m| {
        matches!(
            m,
            "application/x-ndjson"
                | "application/jsonl"
                | "application/x-jsonlines"
                | "application/jsonlines"
        )
    });
    // `unspun index`'s defaults: field names, text size limit, date window (up to a day
    // after now).
    let config = ReaderConfig::default();
    let mut batch = DocumentBatch::default();
    let mut push = |line: u64, value: Result<Value, Rejected>, text: &str| match value
        .and_then(|value| document_from(&value, text, line, &config))
    {
        Ok(doc) => batch.docs.push(doc),
        Err(rejected) => batch.rejected.push(rejected),
    };
    if lines {
        for (n, text) in raw.lines().enumerate() {
            let line = n as u64 + 1;
            if text.trim().is_empty() {
                continue;
            }
            let value = serde_json::from_str::<Value>(text).map_err(|e| Rejected {
                line,
                field: None,
                message: format!("not valid JSON: {e}"),
            });
            push(line, value, text);
        }
    } else {
        match parse_json(raw)? {
            Value::Array(items) => {
                // The items' JSON text, for ids (see `id_field`).
                let texts: Vec<&RawValue> = serde_json::from_str(raw).unwrap_or_default();
                for (n, item) in items.into_iter().enumerate() {
                    let text = texts.get(n).map_or("", |text| text.get());
                    push(n as u64 + 1, Ok(item), text);
                }
            }
            value @ Value::Object(_) => push(1, Ok(value), raw),
            other => {
                return Err(AppError::invalid_field(
                    "body",
                    format!(
                        "expected a document object or an array of them, not {}",
                        unspun_index::ingest::kind(&other)
                    ),
                ));
            }
        }
    }
    Ok(batch)
}

/// Validates one item with `unspun index`'s own validation
/// ([`unspun_index::ingest::json_document`] on the item's JSON text): the same id, text, title,
/// date, source and url rules, text size limit and date window. Where `unspun index` keeps a
/// document undated with a warning (a date it cannot read, or outside the plausible window),
/// the API rejects the document instead, so a client learns its date was not understood.
fn document_from(
    value: &Value,
    text: &str,
    line: u64,
    config: &ReaderConfig,
) -> Result<Document, Rejected> {
    if !value.is_object() {
        return Err(Rejected {
            line,
            field: None,
            message: format!(
                "expected a document object, not {}",
                unspun_index::ingest::kind(value)
            ),
        });
    }
    match json_document(text, config, std::path::Path::new("body"), line) {
        Ok((doc, None)) => Ok(doc),
        Ok((_, Some(warning))) => {
            let message = match (warning.kind, value.get("date").and_then(Value::as_str)) {
                (WarningKind::UnparseableDate, Some(raw)) => format!(
                    "cannot parse the date {} (use ISO 8601, e.g. 2016-09-01)",
                    quote_cut(raw)
                ),
                // The ingest detail ends with what `unspun index` does about it.
                _ => {
                    warning.detail.strip_suffix(": kept undated").unwrap_or(&warning.detail).into()
                }
            };
            Err(Rejected { line, field: Some(warning.field), message })
        }
        Err(bad) => Err(Rejected { line, field: bad.field, message: bad.detail }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_splits_the_title() {
        let a = parse_article(Some("text/plain"), "Headline Here\n\nBody text. More.").expect("ok");
        assert_eq!(a.title.as_deref(), Some("Headline Here"));
        assert_eq!((a.text.as_str(), a.body_char_offset), ("Body text. More.", 15));
    }

    #[test]
    fn html_page_is_extracted() {
        let page = "<!doctype html><html><head><title>Page T</title></head><body><nav>Home</nav>\
            <article><h1>Storm hits coast</h1><p>The storm reached the coast on Monday night, \
            officials said.</p><p>Thousands of homes lost power.</p></article></body></html>";
        for media_type in [Some("text/html"), None] {
            let a = parse_article(media_type, page).expect("page");
            assert!(a.text.contains("Thousands of homes lost power."), "{:?}", a.text);
            assert!(!a.text.contains('<'), "{:?}", a.text);
        }
        // Declared plain text stays plain text.
        let a = parse_article(Some("text/plain"), page).expect("text");
        assert!(a.text.contains("<article>"));
    }

    #[test]
    fn json_article_fields() {
        let a = parse_article(None, r#"{"title":"T","text":"Body.","date":"2016-01-02","id":7}"#)
            .expect("ok");
        assert_eq!((a.id.as_deref(), a.title.as_deref()), (Some("7"), Some("T")));
        assert_eq!(a.date, parse_date("2016-01-02"));
        let err = parse_article(Some("application/json"), r#"{"text":["x"]}"#).expect_err("type");
        assert_eq!((err.status.as_u16(), err.field.as_deref()), (422, Some("text")));
        let err = parse_article(Some("application/json"), r#"{"text":"x","date":"soon"}"#)
            .expect_err("date");
        assert_eq!(err.field.as_deref(), Some("date"));
        let err = parse_article(Some("application/json"), r#"{"text":"#).expect_err("json");
        assert_eq!((err.status.as_u16(), err.code), (400, "malformed_json"));
        let err = parse_article(Some("text/plain"), "  \n ").expect_err("empty");
        assert_eq!(err.field.as_deref(), Some("text"));
    }

    #[test]
    fn documents_in_all_three_shapes() {
        let one = parse_documents(None, r#"{"id":"a","text":"Hi."}"#).expect("one");
        assert_eq!((one.docs.len(), one.rejected.len()), (1, 0));
        let array =
            parse_documents(None, r#"[{"id":"a","text":"Hi."},{"id":"b"},5]"#).expect("array");
        assert_eq!(array.docs.len(), 1);
        assert_eq!(
            array.rejected,
            [
                Rejected {
                    line: 2,
                    field: Some("text".into()),
                    message: "missing or null text".into()
                },
                Rejected {
                    line: 3,
                    field: None,
                    message: "expected a document object, not a number".into()
                },
            ]
        );
        let lines = parse_documents(
            Some("application/x-ndjson"),
            "{\"id\":\"a\",\"text\":\"Hi.\",\"date\":\"2016-01-02\"}\n\n{oops\n{\"id\":1,\"text\":\"x\",\"date\":\"nope\"}\n",
        )
        .expect("lines");
        assert_eq!(lines.docs.len(), 1);
        assert_eq!(
            lines.rejected.iter().map(|r| (r.line, r.field.as_deref())).collect::<Vec<_>>(),
            [(3, None), (4, Some("date"))]
        );
        assert!(parse_documents(None, "[1,").is_err());
    }

    /// Issue #13: ids keep the text of the input, as `unspun index` reads them.
    #[test]
    fn issue_13_numeric_ids_keep_their_digits() {
        let big = r#"{"id":123456789012345678901234567890,"text":"Hi."}"#;
        let ids = |batch: DocumentBatch| -> Vec<String> {
            batch.docs.into_iter().map(|doc| doc.id).collect()
        };
        let expect = ["123456789012345678901234567890"];
        assert_eq!(ids(parse_documents(None, big).expect("object")), expect);
        assert_eq!(ids(parse_documents(Some("application/x-ndjson"), big).expect("lines")), expect);
        let array = format!(r#"[{big}, {{"id":1.0,"text":"x"}}, {{"id":1,"text":"y"}}]"#);
        let got = ids(parse_documents(None, &array).expect("array"));
        assert_eq!(got, ["123456789012345678901234567890", "1.0", "1"]);
        let got = ids(parse_documents(None, r#"{"id":"a","id":7e2,"text":"x"}"#).expect("last id"));
        assert_eq!(got, ["7e2"]);
        let article = parse_article(None, big).expect("article");
        assert_eq!(article.id.as_deref(), Some("123456789012345678901234567890"));
        let err = parse_documents(None, r#"{"id":true,"text":"x"}"#).expect("batch").rejected;
        assert_eq!(err[0].field.as_deref(), Some("id"));
        assert_eq!(parse_documents(None, "\"x\"").expect_err("scalar").status.as_u16(), 422);
    }

    /// Issue #15: documents are validated by `unspun index`'s own rules; a date it would keep
    /// undated with a warning is a rejected document here.
    #[test]
    fn issue_15_documents_use_the_index_validation() {
        let rejected = |body: &str| -> Vec<(Option<String>, String)> {
            let batch = parse_documents(None, body).expect("batch");
            batch.rejected.into_iter().map(|r| (r.field, r.message)).collect()
        };
        assert_eq!(
            rejected(r#"{"id":"a","text":"x","date":"32/13/2020"}"#),
            [(
                Some("date".into()),
                r#"cannot parse the date "32/13/2020" (use ISO 8601, e.g. 2016-09-01)"#.into()
            )]
        );
        let [(field, message)] = &rejected(r#"{"id":"a","text":"x","date":"0001-11-30"}"#)[..]
        else {
            panic!("one rejection");
        };
        assert_eq!(field.as_deref(), Some("date"));
        assert!(
            message.starts_with(r#"date "0001-11-30" outside the plausible window 1800-01-01.."#)
        );
        assert!(!message.contains("undated"), "{message}");
        assert_eq!(
            rejected(r#"{"id":"a","text":" "}"#),
            [(Some("text".into()), "empty text".into())]
        );
        let batch =
            parse_documents(None, r#"{"id":"a","text":"x","title":7,"date":" "}"#).expect("batch");
        assert_eq!((batch.docs[0].title.as_deref(), batch.docs[0].date), (Some("7"), None));
    }
}

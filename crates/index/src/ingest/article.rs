//! [`Article`]: the one parsing of an article to trace, shared by `unspun trace` and the
//! server's `POST /v1/trace`. Pure: text in, an [`Article`] or an [`ArticleError`] naming the
//! field out; each front end words the error its own way.
//!
//! It lives beside the corpus readers because an article's `id` must be read as
//! `unspun index` reads a document's ([`super::json_id`]): the query's own id is excluded
//! from its sources only if both agree.

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;
use serde_json::value::RawValue;
use unspun_core::trace::split_title;

use super::record::json_id;

/// An article to trace, as given: nothing is validated beyond the JSON field types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Article {
    /// The query's own id (excluded from its sources), when the JSON gave one.
    pub id: Option<String>,
    /// Title: the JSON `title` as given (an empty one included), or the first line of a
    /// plain text followed by a blank line.
    pub title: Option<String>,
    /// The body to trace (maybe empty: the front ends refuse that in their own words).
    pub text: String,
    /// The `date` field as given; the front ends parse it (a date given on the command line
    /// overrides it).
    pub date: Option<String>,
    /// Character offset of the body in the input.
    pub body_char_offset: usize,
}

/// Why a JSON article could not be read. Every variant but [`ArticleError::Json`] names the
/// field (or the body) to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleError {
    /// Not valid JSON: serde's message.
    Json(String),
    /// Valid JSON, but not an object.
    NotObject,
    /// A required field is absent or null.
    Missing {
        /// The field.
        field: &'static str,
    },
    /// A field is not a string (nor a number).
    WrongType {
        /// The field.
        field: &'static str,
        /// What it is instead: "a boolean", "an array", ...
        kind: &'static str,
        /// Its JSON text.
        value: String,
    },
}

impl fmt::Display for ArticleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArticleError::Json(message) => write!(f, "not valid JSON: {message}"),
            ArticleError::NotObject => write!(f, "not a JSON object"),
            ArticleError::Missing { field } => write!(f, "field `{field}` is missing"),
            ArticleError::WrongType { field, value, .. } => {
                write!(f, "field `{field}` must be a string, not {value}")
            }
        }
    }
}

impl std::error::Error for ArticleError {}

impl Article {
    /// A JSON object when `raw` starts with `{` (after white space), else plain text.
    pub fn parse(raw: &str) -> Result<Article, ArticleError> {
        if raw.trim_start().starts_with('{') {
            Article::parse_json(raw)
        } else {
            Ok(Article::parse_text(raw))
        }
    }

    /// Like [`Article::parse`], and an HTML page (by its first bytes) gives its extracted
    /// article ([`super::html::extract`]): the main text without navigation, scripts or
    /// markup, the title and the date of its metadata. `unspun trace` reads files this way.
    pub fn parse_any(raw: &str) -> Result<Article, ArticleError> {
        if super::html::looks_like_html(raw.as_bytes()) {
            Ok(Article::parse_html(raw))
        } else {
            Article::parse(raw)
        }
    }

    /// The article extracted from an HTML page.
    pub fn parse_html(raw: &str) -> Article {
        let page = super::html::extract(raw);
        Article {
            id: None,
            title: page.title,
            text: page.text,
            date: page.date,
            body_char_offset: 0,
        }
    }

    /// Plain text whose first line followed by a blank line is the title.
    pub fn parse_text(raw: &str) -> Article {
        let (title, body_start) = split_title(raw);
        Article {
            id: None,
            title: title.map(str::to_string),
            text: raw[body_start..].to_string(),
            date: None,
            body_char_offset: raw[..body_start].chars().count(),
        }
    }

    /// A JSON object `{text, title, date, id}` (other fields are ignored). Strings are taken
    /// as given, numbers as their text; the id as `unspun index` reads it.
    pub fn parse_json(raw: &str) -> Result<Article, ArticleError> {
        let value: Value =
            serde_json::from_str(raw).map_err(|e| ArticleError::Json(e.to_string()))?;
        let Value::Object(object) = value else { return Err(ArticleError::NotObject) };
        let text = string_field(&object, "text")?.ok_or(ArticleError::Missing { field: "text" })?;
        Ok(Article {
            id: id_field(&object, raw)?,
            title: string_field(&object, "title")?,
            text,
            date: string_field(&object, "date")?,
            body_char_offset: 0,
        })
    }
}

/// A string field: strings as given, numbers as their decimal text, null or absent as `None`.
pub fn string_field(
    object: &serde_json::Map<String, Value>,
    field: &'static str,
) -> Result<Option<String>, ArticleError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => {
            Err(ArticleError::WrongType { field, kind: kind(other), value: other.to_string() })
        }
    }
}

/// The `id`, as [`json_id`] reads it: a number keeps its literal text, so
/// `123456789012345678901234567890` keeps its digits and `1.0` stays apart from `1`. `raw` is
/// the object's JSON text.
pub fn id_field(
    object: &serde_json::Map<String, Value>,
    raw: &str,
) -> Result<Option<String>, ArticleError> {
    // The last `id` member wins, as in `Value`.
    let members = serde_json::from_str::<HashMap<String, &RawValue>>(raw);
    match members.ok().as_ref().and_then(|members| members.get("id")) {
        Some(id) => match json_id(id) {
            Ok(id) => Ok(id),
            Err(_) => string_field(object, "id"),
        },
        None => string_field(object, "id"),
    }
}

/// How a JSON value's type is named in messages: "a boolean", "an array", ...
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_with_title() {
        let a = Article::parse("Headline Here\n\nBody text. More.").expect("parses");
        assert_eq!(a.title.as_deref(), Some("Headline Here"));
        assert_eq!((a.text.as_str(), a.body_char_offset), ("Body text. More.", 15));
    }

    #[test]
    fn html_is_extracted() {
        let page = "<!doctype html><title>Mayor quits | Gazette</title>\
            <meta name=\"date\" content=\"2016-09-01\"><nav>Home News</nav>\
            <article><p>The House&#39;s mayor quit on Friday after a long row.</p></article>";
        let a = Article::parse_any(page).expect("html");
        assert_eq!(a.text, "The House's mayor quit on Friday after a long row.");
        assert_eq!(
            (a.title.as_deref(), a.date.as_deref()),
            (Some("Mayor quits"), Some("2016-09-01"))
        );
        let text = "Headline Here\n\nBody text. More.";
        assert_eq!(Article::parse_any(text), Article::parse(text));
    }

    #[test]
    fn json_fields_and_errors() {
        let a =
            Article::parse(r#"{"title":"","text":"Body.","date":"soon","id":7}"#).expect("parses");
        assert_eq!((a.id.as_deref(), a.title.as_deref()), (Some("7"), Some("")));
        assert_eq!(a.date.as_deref(), Some("soon"));
        let big = Article::parse(r#"{"id":123456789012345678901234567890,"text":"x"}"#);
        assert_eq!(big.expect("big").id.as_deref(), Some("123456789012345678901234567890"));
        assert_eq!(
            Article::parse(r#"{"title":"T"}"#),
            Err(ArticleError::Missing { field: "text" })
        );
        let err = Article::parse(r#"{"text":["x"]}"#).expect_err("wrong type");
        assert_eq!(err.to_string(), r#"field `text` must be a string, not ["x"]"#);
        assert!(matches!(Article::parse(r#"{"text":"#), Err(ArticleError::Json(_))));
        assert_eq!(Article::parse_json("[1]"), Err(ArticleError::NotObject));
        let err = Article::parse(r#"{"text":"x","id":true}"#).expect_err("id");
        assert!(matches!(err, ArticleError::WrongType { field: "id", kind: "a boolean", .. }));
    }
}

//! [`AppError`]: every error the API answers, as `{"error": {"code", "message", "field"}}`.
//!
//! A user's mistake gets a 4xx naming the field to fix; anything else gets a plain 500 whose
//! detail goes to stderr only, so internals (paths, OS errors) never leak to clients.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered by the API.
#[derive(Debug, Clone, PartialEq)]
pub struct AppError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable machine-readable code, e.g. `invalid_field`, `not_found`.
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// The request field to blame, when one is.
    pub field: Option<String>,
    /// Items of a batch that were rejected (only for an all-rejected document batch).
    pub rejected: Vec<Rejected>,
}

/// One item of a document batch that was not added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// 1-based line (JSON Lines) or position in the array (JSON).
    pub line: u64,
    /// The field to blame, when one is.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    rejected: &'a [Rejected],
}

impl AppError {
    /// An error with `status`, `code` and `message`, about no field in particular.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError { status, code, message: message.into(), field: None, rejected: Vec::new() }
    }

    /// 422 `invalid_field`: the value of `field` is unusable.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message).with_field(field)
    }

    /// 400 `bad_request`.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// A plain 500. `detail` is logged to stderr, never sent.
    pub fn internal(detail: impl std::fmt::Display) -> AppError {
        eprintln!("unspun-server: internal error: {detail}");
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal server error (details are in the server log)",
        )
    }

    /// Names the field to blame.
    pub fn with_field(mut self, field: &str) -> AppError {
        self.field = Some(field.to_string());
        self
    }

    /// Maps an index error: a held writer lock is 503 (retry later), anything else a 500.
    pub fn from_index(error: unspun_index::Error) -> AppError {
        match error {
            unspun_index::Error::Locked { .. } => AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "index_locked",
                "the index is locked by another writer (is `unspun index` running on it?): \
                 try again later",
            ),
            other => AppError::internal(format_args!("{other:#}")),
        }
    }
}

/// The JSON error body for `status`, `code`, `message` and `field`.
pub fn error_response(
    status: StatusCode,
    code: &str,
    message: &str,
    field: Option<&str>,
    rejected: &[Rejected],
) -> Response {
    let body = Body { error: Inner { code, message, field, rejected } };
    (status, Json(body)).into_response()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        error_response(self.status, self.code, &self.message, self.field.as_deref(), &self.rejected)
    }
}

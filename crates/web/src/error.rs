//! One error type for the HTTP edge. It becomes a Chinese error page for a browser or
//! `{"error": "<stable_code>", "message": "…", "fields": {…}}` for the API, with a status that fits.
//! Internal errors are logged with the request id and never show SQL or a stack trace to the user.

use crate::layout::{centre_name, Layout};
use askama::Template;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Html;
use axum::response::{IntoResponse, Response};
use onetrip_app::AppError;
use onetrip_domain::FieldErrors;
use serde::Serialize;
use std::collections::BTreeMap;

tokio::task_local! {
    /// The id of the request being answered (set by the request middleware), quoted in internal errors so
    /// that a person can tell the centre which request failed.
    pub static REQUEST_ID: String;
}

/// The current request's id, when inside a request.
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

#[derive(Debug)]
pub enum Error {
    NotFound(String),
    Validation(FieldErrors),
    /// The request cannot be done as things stand; the code says why (`case_not_in_state`, …).
    Conflict(&'static str, String),
    /// Not logged in (or the session expired).
    Unauthenticated,
    /// Logged in, but the role does not allow this.
    Forbidden,
    CsrfFailed,
    /// Too many attempts; the seconds to wait (the Retry-After header) and what to tell the person.
    TooManyAttempts(u64, String),
    /// An Idempotency-Key sent again with a different request.
    IdempotencyKeyReused,
    PayloadTooLarge,
    /// The path exists, but not with this method (the `Allow` header lists those it has).
    MethodNotAllowed,
    BadRequest(String),
    Internal(String),
}

/// The body of every API error; `Error` in the OpenAPI document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Error, description = "错误：error 为稳定的代码，message 为给人看的说明，字段有误时 fields 逐项说明")]
pub struct ErrorBody {
    #[schema(schema_with = error_code_schema)]
    pub error: &'static str,
    /// 给人看的说明：出了什么问题、该怎么办
    pub message: String,
    /// 字段校验失败（validation_failed）时逐项说明：字段路径 → 说明
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub fields: Option<BTreeMap<String, String>>,
    /// 系统出错（internal_error）时的请求编号，与响应头 x-request-id 相同，联系中心时请提供
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub request_id: Option<String>,
}

/// Every code the `error` field of an error can hold: the edge's own and each refusal of the application layer.
pub fn error_codes() -> Vec<&'static str> {
    let mut codes = Error::EDGE_CODES.to_vec();
    codes.extend(onetrip_app::Conflict::ALL.iter().map(|conflict| conflict.code()));
    codes
}

/// The schema of the `error` field: one of [`error_codes`].
fn error_code_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(error_codes()))
        .description(Some("稳定的错误代码，供程序判断"))
        .build()
}

impl Error {
    /// The codes of the edge's own errors, one per variant except [`Error::Conflict`], whose code is the
    /// application layer's (`onetrip_app::Conflict`).
    pub const EDGE_CODES: [&'static str; 11] = [
        "not_found",
        "validation_failed",
        "unauthenticated",
        "forbidden",
        "csrf_failed",
        "too_many_attempts",
        "idempotency_key_reused",
        "payload_too_large",
        "method_not_allowed",
        "bad_request",
        "internal_error",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "not_found",
            Self::Validation(_) => "validation_failed",
            Self::Conflict(code, _) => code,
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::CsrfFailed => "csrf_failed",
            Self::TooManyAttempts(..) => "too_many_attempts",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::PayloadTooLarge => "payload_too_large",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::BadRequest(_) => "bad_request",
            Self::Internal(_) => "internal_error",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Validation(_) | Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(..) => StatusCode::CONFLICT,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::CsrfFailed => StatusCode::FORBIDDEN,
            Self::TooManyAttempts(..) => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a person reads: what went wrong and what to do.
    pub fn message(&self) -> String {
        match self {
            Self::NotFound(what) => format!("没有找到{what}，请检查地址或返回首页重新查找"),
            Self::Validation(errors) => format!("有 {} 处填写不正确，请按提示修改后再提交", errors.fields().count()),
            Self::Conflict(_, message) => message.clone(),
            Self::Unauthenticated => "请先登录".to_string(),
            Self::Forbidden => "您的账号没有这项操作的权限，如需办理请联系中心管理员".to_string(),
            Self::CsrfFailed => "页面已过期，请刷新页面后重新提交".to_string(),
            Self::TooManyAttempts(_, message) => message.clone(),
            Self::IdempotencyKeyReused => {
                "这个 Idempotency-Key 已用于另一份不同的申请，什么都没有登记；新的申请请换一个新的 Idempotency-Key"
                    .to_string()
            }
            Self::PayloadTooLarge => "提交的内容太大，请缩小文件后重试".to_string(),
            Self::MethodNotAllowed => "这个地址不支持这种请求方法，可用的方法见响应头 Allow".to_string(),
            Self::BadRequest(message) => message.clone(),
            Self::Internal(_) => "系统出了点问题，您的操作没有保存，请稍后重试".to_string(),
        }
    }

    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            Self::Validation(errors) => Some(errors),
            _ => None,
        }
    }

    /// What the API answers: the code, the message and, for field errors, each field's messages.
    pub fn body(&self) -> ErrorBody {
        let fields = self
            .fields()
            .map(|errors| errors.iter().map(|(field, messages)| (field.to_string(), messages.join("；"))).collect());
        let request_id = matches!(self, Self::Internal(_)).then(request_id).flatten();
        ErrorBody { error: self.code(), message: self.message(), fields, request_id }
    }

    fn log(&self) {
        if let Self::Internal(detail) = self {
            tracing::error!(error = %detail, "internal error");
        }
    }

    /// The error as JSON, for API routes.
    pub fn into_json_response(self) -> Response {
        self.log();
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        self.add_headers(&mut response);
        response
    }

    /// Headers an error needs beyond its body: how long to wait before trying again.
    pub fn add_headers(&self, response: &mut Response) {
        if let Self::TooManyAttempts(seconds, _) = self {
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(*seconds));
        }
    }
}

impl From<AppError> for Error {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotFound(what) => Self::NotFound(what),
            AppError::Forbidden => Self::Forbidden,
            AppError::Validation(errors) => Self::Validation(errors),
            AppError::Conflict(kind, message) => Self::Conflict(kind.code(), message),
            AppError::TooManyAttempts { retry_after_seconds, message } => {
                Self::TooManyAttempts(retry_after_seconds, message)
            }
            AppError::IdempotencyKeyReused => Self::IdempotencyKeyReused,
            AppError::Internal(detail) => Self::Internal(detail),
        }
    }
}

impl From<FieldErrors> for Error {
    fn from(errors: FieldErrors) -> Self {
        Self::Validation(errors)
    }
}

impl From<askama::Error> for Error {
    fn from(error: askama::Error) -> Self {
        Self::Internal(format!("template: {error}"))
    }
}

/// Pages answer with an HTML error page; the API wraps its handlers in [`ApiError`].
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let page = ErrorPage::new(&self);
        let mut response = (status, page).into_response();
        self.add_headers(&mut response);
        if matches!(self, Self::Unauthenticated) {
            response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
        }
        response
    }
}

/// The longest plain-text error body read back to be put into words (axum's rejections are one line).
const REJECTION_BYTES: usize = 2048;

/// Errors answered below the handlers come as plain text: a path segment or query string axum cannot read
/// (400) and a body over the limit (413, refused by its length before it is read). This gives them the one
/// error format — JSON for the API, the Chinese error page elsewhere — so that a client never has to parse a
/// second kind of error. Called by the request middleware on every response; it only looks at a header
/// unless the response is such an error.
pub async fn uniform(response: Response, api: bool) -> Response {
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        // The router answers an unknown method with an empty body: give it the one error format, keep Allow.
        let allow = response.headers().get(header::ALLOW).cloned();
        let mut answer =
            if api { Error::MethodNotAllowed.into_json_response() } else { Error::MethodNotAllowed.into_response() };
        if let Some(allow) = allow {
            answer.headers_mut().insert(header::ALLOW, allow);
        }
        return answer;
    }
    if !matches!(response.status(), StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE) {
        return response;
    }
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/plain"));
    if !plain {
        return response;
    }
    let error = if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::PayloadTooLarge
    } else {
        let detail = axum::body::to_bytes(response.into_body(), REJECTION_BYTES).await.unwrap_or_default();
        let detail = String::from_utf8_lossy(&detail);
        Error::BadRequest(format!("地址或查询参数无法读取（{}），请检查后重试", detail.trim()))
    };
    if api {
        error.into_json_response()
    } else {
        error.into_response()
    }
}

/// An error from an API handler: always JSON.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_json_response()
    }
}

/// Whether a request prefers JSON (API clients) to HTML.
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json") && !accept.contains("text/html"))
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    layout: Layout,
    title: String,
    message: String,
    fields: Vec<(String, String)>,
    show_login: bool,
    request_id: Option<String>,
}

impl ErrorPage {
    pub fn new(error: &Error) -> Self {
        let title = match error.status() {
            StatusCode::NOT_FOUND => "页面不存在",
            StatusCode::UNAUTHORIZED => "请先登录",
            StatusCode::FORBIDDEN => "无法完成操作",
            StatusCode::INTERNAL_SERVER_ERROR => "系统出错",
            _ => "请求有误",
        };
        let fields = error
            .fields()
            .map(|errors| errors.iter().map(|(field, messages)| (field.to_string(), messages.join("；"))).collect())
            .unwrap_or_default();
        Self {
            layout: Layout { centre_name: centre_name(), staff: None, applicant: None },
            title: title.to_string(),
            message: error.message(),
            fields,
            show_login: matches!(error, Error::Unauthenticated),
            request_id: matches!(error, Error::Internal(_)).then(request_id).flatten(),
        }
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        match self.render() {
            Ok(html) => Html(html).into_response(),
            Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "系统出错，请稍后重试").into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edge_codes_are_those_of_the_edge_errors() {
        let errors = [
            Error::NotFound(String::new()),
            Error::Validation(FieldErrors::default()),
            Error::Unauthenticated,
            Error::Forbidden,
            Error::CsrfFailed,
            Error::TooManyAttempts(1, String::new()),
            Error::IdempotencyKeyReused,
            Error::PayloadTooLarge,
            Error::MethodNotAllowed,
            Error::BadRequest(String::new()),
            Error::Internal(String::new()),
        ];
        let codes: Vec<&str> = errors.iter().map(Error::code).collect();
        assert_eq!(codes, Error::EDGE_CODES);
    }
}

//! The responses many API operations share (each error status with the `Error` schema), for the handlers'
//! `#[utoipa::path]` attributes, and a schema helper for string fields read as text. A leaf of `api/`: the
//! handlers use it, and `openapi.rs` builds the document from the handlers.

use crate::error::ErrorBody;
use utoipa::openapi::{ContentBuilder, RefOr, Response, ResponseBuilder};
use utoipa::{ToResponse, ToSchema};

/// An error response with the [`ErrorBody`] schema.
fn error_response(description: &str) -> RefOr<Response> {
    let schema = utoipa::openapi::Ref::from_schema_name(ErrorBody::name());
    ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(schema)).build())
        .into()
}

/// Declares the error responses many operations share, each used as `(status = …, response = inline(Name))`.
macro_rules! shared_responses {
    ($($(#[$meta:meta])* $name:ident => $response:expr;)+) => {
        $(
            $(#[$meta])*
            pub struct $name;

            impl<'s> ToResponse<'s> for $name {
                fn response() -> (&'s str, RefOr<Response>) {
                    (stringify!($name), $response)
                }
            }
        )+
    };
}

shared_responses! {
    /// 400 from [`crate::extract::ApiJson`]: the body is not JSON.
    BadJson => error_response("请求体不是 JSON、没有 Content-Type: application/json 或无法解析（bad_request）");
    /// 400 from axum's `Path`, `Query` or `String` extractor (a number that is not one, a repeated or badly
    /// encoded parameter, a body that is not UTF-8), put in the one error format by `error::uniform`.
    BadParameter => error_response("地址、查询参数或请求体无法读取（bad_request）");
    /// 400 of an operation with both: a JSON body and a number in its path.
    BadInput => error_response("请求体不是 JSON 或无法解析，或地址中的编号不是数字（bad_request）");
    /// 401 from [`crate::extract::ApiStaff`].
    Unauthenticated => error_response("未登录或会话已过期（unauthenticated）");
    /// 403 for a write: the role, or the browser session's CSRF header.
    Refused => error_response("角色无权限（forbidden）或 CSRF 校验失败（csrf_failed）");
    /// 403 for a read: the role only (reads need no CSRF header).
    Forbidden => error_response("角色无权限（forbidden）");
    /// 413: the body limit refuses a body by its length before it is read (put in the one error format by
    /// `error::uniform`), [`crate::extract::ApiJson`] when a body without a length grows past it.
    TooLarge => error_response("请求体太大（payload_too_large）");
    /// 422 with the field errors.
    Invalid => error_response("字段校验失败（validation_failed），fields 中逐项说明");
    /// 500, logged with the request id.
    Internal => error_response("系统出错（internal_error），操作没有保存");
}

/// A string schema that allows only `values`: for request fields the application layer reads as text.
pub fn one_of(values: &[&str]) -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

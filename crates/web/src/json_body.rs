//! Reading a JSON request body as the API document describes it: a body that is not JSON at all is 400
//! `bad_request`; valid JSON of the wrong shape is 422 `validation_failed`, naming the field
//! (`applicant.phone`, `attachments[0].material`) in plain Chinese, never in Rust's words ("expected u32",
//! "internally tagged enum ReviewBody"). A whole number written as a float (`2.0`), which JSON Schema counts
//! as an integer, is read as the integer.

use crate::error::Error;
use onetrip_domain::FieldErrors;
use serde::de::DeserializeOwned;

/// Reads `bytes` into `T`, or the refusal the API documents.
pub fn read<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|error| {
        Error::BadRequest(format!(
            "请求体不是有效的 JSON（第 {} 行第 {} 列附近），请检查括号、引号和逗号",
            error.line(),
            error.column()
        ))
    })?;
    if let Some(path) = non_text_tag(&value, String::new()) {
        return Err(Error::Validation(FieldErrors::single(path, "取值不对，应为文字（字符串）")));
    }
    serde_path_to_error::deserialize(whole_numbers(value)).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.inner().to_string();
        // A missing field is reported at the object that lacks it: name the field itself.
        let missing = inner.strip_prefix("missing field ").and_then(|rest| rest.split('`').nth(1));
        let root = path.is_empty() || path == ".";
        let field = match (missing, root) {
            (Some(name), true) => name.to_string(),
            (Some(name), false) => format!("{path}.{name}"),
            (None, true) => "body".to_string(),
            (None, false) => path,
        };
        Error::Validation(FieldErrors::single(field, plain(&inner)))
    })
}

/// The fields that name a variant of the API's tagged bodies (`AcceptanceDecision`, `ReviewBody`,
/// `ClockBody`, ticket actions).
const TAG_FIELDS: [&str; 2] = ["decision", "action"];

/// The path of a tag field whose value is not a string. serde reads an internally tagged enum's tag through
/// its variant identifier, which also takes the variant's index: `{"decision": 0}` would be read as the
/// first variant. The document says the tag is a string, so anything else is refused.
fn non_text_tag(value: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::Object(fields) => fields.iter().find_map(|(key, field)| {
            let here = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            if TAG_FIELDS.contains(&key.as_str()) && !field.is_string() {
                Some(here)
            } else {
                non_text_tag(field, here)
            }
        }),
        Value::Array(items) => {
            items.iter().enumerate().find_map(|(index, item)| non_text_tag(item, format!("{path}[{index}]")))
        }
        _ => None,
    }
}

/// Floats without a fraction (`2.0`) become integers, everywhere in the value.
fn whole_numbers(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(number) if number.is_f64() => {
            let float = number.as_f64().unwrap_or(f64::NAN);
            if float.fract() == 0.0 && float.abs() < 9.0e15 {
                // Exact below 2^53: the float is this integer.
                #[allow(clippy::cast_possible_truncation)]
                let integer = float as i64;
                Value::from(integer)
            } else {
                Value::Number(number)
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(whole_numbers).collect()),
        Value::Object(fields) => {
            Value::Object(fields.into_iter().map(|(key, value)| (key, whole_numbers(value))).collect())
        }
        other => other,
    }
}

/// What serde's "expected …" means, in words a person reads.
fn expected_words(expected: &str) -> &'static str {
    let expected = expected.trim().trim_end_matches('.');
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "不小于 0 的整数（且不超过允许的最大值）",
        "i8" | "i16" | "i32" | "i64" | "isize" => "整数",
        "f32" | "f64" => "数字",
        "a string" | "a borrowed string" => "文字（字符串）",
        "a boolean" => "true 或 false",
        "a sequence" => "数组",
        "a map" => "对象",
        _ if expected.starts_with("struct ") || expected.starts_with("internally tagged enum") => "对象",
        _ if expected.starts_with("a string") => "文字（字符串）",
        _ => "规定的格式",
    }
}

/// serde's message for a data error, in plain Chinese.
fn plain(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    let quoted = |text: &str| text.split('`').nth(1).unwrap_or_default().to_string();
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("缺少必填字段 {}", quoted(rest));
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let allowed: Vec<&str> =
            rest.split("expected ").nth(1).unwrap_or_default().split('`').skip(1).step_by(2).collect();
        return format!("“{}”不是允许的取值；可选：{}", quoted(rest), allowed.join("、"));
    }
    if message.starts_with("invalid type: ") || message.starts_with("invalid value: ") {
        let expected = message.split(", expected ").nth(1).unwrap_or_default();
        return format!("取值不对，应为{}", expected_words(expected));
    }
    if message.starts_with("invalid length ") {
        // serde reads a struct from an array of its fields too; an array where an object belongs is this.
        let expected = message.split(", expected ").nth(1).unwrap_or_default();
        return if expected.starts_with("struct ") {
            "取值不对，应为对象".to_string()
        } else {
            "数组的项数不对".to_string()
        };
    }
    if message.starts_with("duplicate field ") {
        return format!("字段 {} 重复出现", quoted(message));
    }
    if ["input contains invalid characters", "premature end of input", "input is out of range", "trailing input"]
        .iter()
        .any(|chrono| message.contains(chrono))
    {
        return "日期或时间的格式不对，日期如 2026-12-01，时刻如 2026-12-01T09:30:00+08:00".to_string();
    }
    "取值不对，请按接口文档填写".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Sample {
        count: u32,
        kind: Kind,
        #[serde(default)]
        items: Vec<u16>,
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Natural,
        Legal,
    }

    fn field(error: Error) -> (String, String) {
        match error {
            Error::Validation(errors) => {
                let (field, messages) = errors.iter().next().expect("one field");
                (field.to_string(), messages.join("；"))
            }
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn not_json_is_a_bad_request_and_the_wrong_shape_names_the_field() {
        assert_eq!(read::<Sample>(b"{").map_err(|error| error.code()).expect_err("not JSON"), "bad_request");
        assert_eq!(field(read::<Sample>(b"[]").expect_err("array")), ("body".into(), "取值不对，应为对象".into()));
        assert_eq!(
            field(read::<Sample>(br#"{"kind":"natural"}"#).expect_err("missing")),
            ("count".into(), "缺少必填字段 count".into())
        );
        let (path, message) = field(read::<Sample>(br#"{"count":1,"kind":"robot"}"#).expect_err("variant"));
        assert_eq!((path.as_str(), message.as_str()), ("kind", "“robot”不是允许的取值；可选：natural、legal"));
        let (path, message) =
            field(read::<Sample>(br#"{"count":1,"kind":"legal","items":[70000]}"#).expect_err("range"));
        assert_eq!(path, "items[0]");
        assert!(message.contains("整数"), "{message}");
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "snake_case", tag = "decision")]
    enum Tagged {
        First { note: String },
        Second,
    }

    #[test]
    fn a_tag_is_a_string_never_a_variant_index() {
        assert_eq!(read::<Tagged>(br#"{"decision":"second"}"#).expect("by name"), Tagged::Second);
        assert_eq!(
            field(read::<Tagged>(br#"{"decision":0,"note":"x"}"#).expect_err("an index")),
            ("decision".into(), "取值不对，应为文字（字符串）".into())
        );
    }

    #[test]
    fn whole_floats_are_integers() {
        let sample: Sample = read(br#"{"count":2.0,"kind":"legal","items":[3.0]}"#).expect("whole floats");
        assert_eq!(sample, Sample { count: 2, kind: Kind::Legal, items: vec![3] });
        assert!(read::<Sample>(br#"{"count":2.5,"kind":"legal"}"#).is_err());
    }

    proptest! {
        #[test]
        fn no_body_panics_and_no_message_speaks_rust(bytes in proptest::collection::vec(any::<u8>(), 0..256),
                                                     text in r#"\{("[a-z]{1,6}":(-?[0-9.e]{1,8}|"[a-z]{0,6}"|\[\]|null|true),?){0,4}\}"#) {
            for body in [bytes.as_slice(), text.as_bytes()] {
                if let Err(error) = read::<Sample>(body) {
                    let text = format!("{}{:?}", error.message(), error.fields());
                    for rust in ["struct", "enum", "u32", "u16", "expected"] {
                        prop_assert!(!text.contains(rust), "{}", text);
                    }
                }
            }
        }
    }
}

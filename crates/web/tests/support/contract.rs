//! The API is what its OpenAPI document says: every reply a test gets from `/api/v1/` is checked against the
//! generated document — its status must be one the operation lists, its media type one listed for that
//! status, and a JSON body must validate against the schema listed for it. A reply that does not match fails
//! the test that made the request, naming the operation, the status and what is wrong.
//!
//! The check is stricter than the document itself on one point: an object may hold only the properties its
//! schema names (`additionalProperties: false` is added where the schema says nothing), so that a field the
//! API sends and the document forgets is caught too. Clients may still ignore fields they do not know.

use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Where the API lives; requests elsewhere are not checked.
const API: &str = "/api/v1";

struct Contract {
    document: Value,
    /// Compiled validators by the schema they check (as JSON text).
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let mut document = onetrip_web::api::openapi::document();
        if let Some(schemas) = document.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
            for schema in schemas.values_mut() {
                closed(schema);
            }
        }
        Contract { document, validators: Mutex::new(HashMap::new()) }
    })
}

/// Closes every object schema that names its properties and says nothing of others, except the parts of an
/// `allOf` (a flattened field), which see each other's properties as additional.
fn closed(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if object.contains_key("properties") && !object.contains_key("additionalProperties") {
        object.insert("additionalProperties".to_string(), Value::Bool(false));
    }
    for (keyword, value) in object.iter_mut() {
        match (keyword.as_str(), value) {
            ("allOf", _) => {}
            ("properties", Value::Object(properties)) => properties.values_mut().for_each(closed),
            ("oneOf" | "anyOf", Value::Array(items)) => items.iter_mut().for_each(closed),
            ("items" | "additionalProperties", item) => closed(item),
            _ => {}
        }
    }
}

/// The document's path template that matches a concrete path, as axum's router picks it: a literal segment
/// wins over a `{parameter}`.
fn template_for<'d>(paths: &'d serde_json::Map<String, Value>, path: &str) -> Option<(&'d str, &'d Value)> {
    let segments: Vec<&str> = path.split('/').collect();
    paths
        .iter()
        .filter_map(|(template, item)| {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literal = Vec::new();
            for (part, segment) in parts.iter().zip(&segments) {
                let is_parameter = part.starts_with('{') && part.ends_with('}');
                if is_parameter && !segment.is_empty() {
                    literal.push(false);
                } else if part == segment {
                    literal.push(true);
                } else {
                    return None;
                }
            }
            Some((literal, template.as_str(), item))
        })
        .max_by(|(a, ..), (b, ..)| a.cmp(b))
        .map(|(_, template, item)| (template, item))
}

/// A validator for one schema of the document, its `#/components/…` references resolved within the document.
fn validator(schema: &Value) -> Arc<jsonschema::Validator> {
    let contract = contract();
    let key = schema.to_string();
    let mut validators = contract.validators.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(validator) = validators.get(&key) {
        return validator.clone();
    }
    let root = json!({ "allOf": [schema], "components": contract.document["components"] });
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|error| panic!("the OpenAPI document has a schema that does not compile ({error}): {schema}"));
    let validator = Arc::new(validator);
    validators.insert(key, validator.clone());
    validator
}

/// Fails the calling test unless `body` validates against `schema`.
fn validate(what: &str, schema: &Value, body: &[u8]) {
    let instance: Value = serde_json::from_slice(body).unwrap_or_else(|error| {
        panic!("{what}: the reply says it is JSON but is not ({error}): {}", String::from_utf8_lossy(body))
    });
    let errors: Vec<String> = validator(schema)
        .iter_errors(&instance)
        .map(|error| {
            let place = error.instance_path().to_string();
            format!("  at {}: {error}", if place.is_empty() { "the body" } else { place.as_str() })
        })
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: the reply does not match its schema {schema} in the OpenAPI document:\n{}\nreply: {}",
        errors.join("\n"),
        String::from_utf8_lossy(body)
    );
}

/// The media type of a reply, without its parameters (`application/json; charset=utf-8` → `application/json`).
fn media_type(headers: &axum::http::HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
}

/// Checks one reply of the API against the document; does nothing for other paths.
pub fn check(method: &Method, path: &str, status: StatusCode, headers: &axum::http::HeaderMap, body: &[u8]) {
    if path != API && !path.starts_with(&format!("{API}/")) {
        return;
    }
    let document = &contract().document;
    let Some(paths) = document["paths"].as_object() else {
        panic!("the OpenAPI document has no paths");
    };
    let Some((template, item)) = template_for(paths, path) else {
        // No operation has this path: the API's fallback answers "not found" as an error body.
        let what = format!("{method} {path} (no operation in the OpenAPI document)");
        assert_eq!(status, StatusCode::NOT_FOUND, "{what}: answered {status}: {}", String::from_utf8_lossy(body));
        validate(&what, &json!({ "$ref": "#/components/schemas/Error" }), body);
        return;
    };
    let what = format!("{method} {template}");
    let Some(operation) = item.get(method.as_str().to_ascii_lowercase()) else {
        // A method the path does not have: the router refuses it before any handler runs.
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{what} is not documented, yet it answered {status}");
        return;
    };
    let code = status.as_u16().to_string();
    let responses = &operation["responses"];
    let Some(response) = responses.get(&code) else {
        let listed: Vec<&String> = responses.as_object().map(|map| map.keys().collect()).unwrap_or_default();
        panic!(
            "{what} answered {status}, which the OpenAPI document does not list for it (it lists {listed:?}): {}",
            String::from_utf8_lossy(body)
        );
    };
    let content = response["content"].as_object().filter(|content| !content.is_empty());
    let media = media_type(headers);
    let Some(content) = content else {
        assert!(
            body.is_empty() && media.is_none(),
            "{what} {status} is documented without a body, yet it answered {media:?}: {}",
            String::from_utf8_lossy(body)
        );
        return;
    };
    let Some(media) = media else {
        panic!("{what} {status} answered without a Content-Type; the document lists {:?}", content.keys());
    };
    let Some(entry) = content.get(&media) else {
        panic!(
            "{what} {status} answered {media}, which the document does not list for it (it lists {:?}): {}",
            content.keys(),
            String::from_utf8_lossy(body)
        );
    };
    if media == "application/json" {
        match entry.get("schema") {
            Some(schema) => validate(&format!("{what} {status}"), schema, body),
            None => panic!("{what} {status}: the document lists JSON without a schema"),
        }
    }
}

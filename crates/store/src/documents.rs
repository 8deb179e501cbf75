//! The JSON documents kept beside indexed columns, read and written in one place. A case's document carries
//! its schema: the current one is read as it is, a schema-1 document (no `schema` field) is upgraded by
//! `onetrip_domain::case::document::CaseDocumentV1::upgrade`, and only the current schema is written.

use crate::error::{StoreError, StoreResult};
use onetrip_domain::case::document::{CaseDocumentV1, SCHEMA};
use onetrip_domain::case::CaseDocument;

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(crate) fn encode_case(document: &CaseDocument) -> StoreResult<String> {
    serde_json::to_string(document).map_err(corrupt)
}

pub(crate) fn decode_case(text: &str) -> StoreResult<CaseDocument> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(corrupt)?;
    match value.get("schema").and_then(serde_json::Value::as_u64) {
        Some(schema) if schema == u64::from(SCHEMA) => serde_json::from_value(value).map_err(corrupt),
        Some(schema) => Err(corrupt(format!("case document schema {schema} is newer than this build knows"))),
        None => {
            let old: CaseDocumentV1 = serde_json::from_value(value).map_err(corrupt)?;
            old.upgrade().map_err(corrupt)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_schemas_read_and_only_the_current_is_written() {
        let v1 = r#"{"acceptance":{"state":{"state":"received"},"received_at":"2026-11-27T09:30:00","corrections":0},"supplied":["provided","missing"],"files":[["f1"]]}"#;
        let document = decode_case(v1).expect("schema 1 reads");
        assert_eq!(document.files(0), ["f1"]);
        let written = encode_case(&document).expect("encode");
        assert!(written.contains(r#""schema":2"#));
        assert_eq!(decode_case(&written).expect("schema 2 reads"), document);
        assert!(matches!(decode_case(&written.replace(r#""schema":2"#, r#""schema":9"#)), Err(StoreError::Corrupt(_))));
        assert!(matches!(decode_case("not json"), Err(StoreError::Corrupt(_))));
    }
}

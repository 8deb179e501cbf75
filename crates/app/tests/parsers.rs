//! The catalog file parsers (JSON, Excel workbooks, and the upload that picks between them), tried on
//! arbitrary bytes and on valid files with bytes changed: none may panic, and a refusal always says what is
//! wrong, in at most the capped number of lines.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

use onetrip_app::catalog::{export_xlsx, parse_json, parse_upload, parse_xlsx, CatalogFile, MAX_LISTED_PROBLEMS};
use proptest::prelude::*;
use std::sync::OnceLock;

fn demo() -> &'static CatalogFile {
    static DEMO: OnceLock<CatalogFile> = OnceLock::new();
    DEMO.get_or_init(|| {
        let mut file: CatalogFile = serde_json::from_str(onetrip_app::seed::DEMO_CATALOG).expect("demo catalog");
        file.matters.truncate(2);
        file
    })
}

fn workbook() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| export_xlsx(demo()).expect("export"))
}

fn json() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| serde_json::to_vec(demo()).expect("json"))
}

/// `bytes` with a few bytes overwritten.
fn mutated(bytes: &[u8], changes: &[(usize, u8)]) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    for (position, value) in changes {
        let index = position % bytes.len();
        bytes[index] = *value;
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_bytes_are_refused_with_a_reason(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        match parse_upload(bytes) {
            Ok(_) => {}
            Err(problems) => {
                prop_assert!(!problems.is_empty() && problems.len() <= MAX_LISTED_PROBLEMS + 1);
            }
        }
    }

    #[test]
    fn changed_workbooks_never_panic(changes in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let bytes = mutated(workbook(), &changes);
        if let Err(problems) = parse_xlsx(bytes) {
            prop_assert!(!problems.is_empty() && problems.len() <= MAX_LISTED_PROBLEMS + 1);
        }
    }

    #[test]
    fn changed_json_never_panics(changes in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let bytes = mutated(json(), &changes);
        if let Ok(file) = parse_json(&bytes) {
            let _ = onetrip_app::catalog::validate_catalog(&file, &[]);
        }
    }
}

#[test]
fn the_unchanged_files_parse_back() {
    assert_eq!(parse_xlsx(workbook().to_vec()).expect("workbook").matters, demo().matters);
    assert_eq!(parse_json(json()).expect("json").matters, demo().matters);
}

proptest! {
    /// A rating link's token is read from a URL anyone can type: no input panics, and only what was signed
    /// with the key reads back, as it was signed.
    #[test]
    fn rating_link_tokens_never_panic_and_only_signed_ones_read_back(
        input in prop_oneof![any::<String>(), "[acf][0-9X]{0,18}\\.[0-9]{0,11}\\.[0-9a-f]{0,32}"],
        id in 1i64..1_000_000,
        seconds in 0i64..4_000_000_000,
    ) {
        use onetrip_app::ratings::links::{sign, verify, LinkSubject};
        let key = b"a key of thirty-two bytes, 12345";
        let _ = verify(key, &input);
        let expires = chrono::DateTime::from_timestamp(seconds, 0).expect("instant");
        let token = sign(key, &LinkSubject::Fix(id), expires);
        prop_assert_eq!(verify(key, &token), Some((LinkSubject::Fix(id), expires)));
        prop_assert_eq!(verify(b"another key entirely, 32 bytes!!", &token), None);
        // A random string almost never carries a valid tag; one that does reads back what it says.
        if let Some((subject, _)) = verify(key, &input) {
            prop_assert_eq!(sign(key, &subject, verify(key, &input).expect("read").1), input);
        }
    }
}

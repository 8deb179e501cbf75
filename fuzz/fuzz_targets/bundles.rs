//! "One thing" bundle lists as JSON, validated: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(bundles) = serde_json::from_str::<Vec<onetrip_domain::bundle::Bundle>>(text) {
        let _ = onetrip_domain::bundle::validate_bundles(&bundles, |code| code.len() == 14);
    }
});

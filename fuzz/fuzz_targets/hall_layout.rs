//! Hall layouts as JSON, checked: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

fuzz_target!(|text: &str| {
    if let Ok(layout) = serde_json::from_str::<onetrip_domain::hall::HallLayout>(text) {
        let _ = layout.check(&HashSet::new(), &HashSet::new());
    }
});

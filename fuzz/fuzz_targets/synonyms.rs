//! Synonym lists and role lists: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = onetrip_domain::search::Synonyms::parse(text);
    let _ = onetrip_domain::access::parse_roles(text);
});

//! Uploaded bytes are sniffed for their kind, and file names cleaned: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = onetrip_domain::upload::sniff(bytes);
    let name = String::from_utf8_lossy(bytes);
    let cleaned = onetrip_domain::upload::clean_file_name(&name);
    assert!(!cleaned.is_empty() && !cleaned.contains('/'));
});

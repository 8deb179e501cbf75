//! Free text checks: never a panic; accepted text has no control or direction-changing characters.
#![no_main]
use libfuzzer_sys::fuzz_target;
use onetrip_domain::text::{check_line, check_lines, check_name};

fuzz_target!(|text: &str| {
    if check_line(text, 200).is_ok() {
        assert!(!text.chars().any(char::is_control));
    }
    let _ = check_lines(text, 200);
    let _ = check_name(text, 100);
    let _ = onetrip_domain::applicant::validate_contact(text, text);
});

//! Case numbers as people type them: never a panic, and an accepted number reads back the same.
#![no_main]
use libfuzzer_sys::fuzz_target;
use onetrip_domain::case_number::CaseNumber;

fuzz_target!(|text: &str| {
    if let Ok(number) = CaseNumber::parse(text) {
        assert_eq!(CaseNumber::parse(&number.to_string()), Ok(number.clone()));
        assert_eq!(CaseNumber::parse(&number.compact()), Ok(number));
    }
});

//! Holiday notices (one year's holidays and make-up days) and office hours: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u16, &str)| {
    let (year, text) = input;
    let _ = onetrip_domain::calendar::parse_notice(1990 + i32::from(year % 130), text);
    let _ = onetrip_domain::calendar::OfficeHours::parse(text);
});

//! Time limits as catalog staff type them, and kiosk priority choices: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(onetrip_domain::catalog::TimeLimit::HalfDays(half_days)) =
        onetrip_domain::catalog::TimeLimit::parse_text(text)
    {
        assert!(half_days > 0 && half_days <= onetrip_domain::catalog::MAX_LIMIT_HALF_DAYS);
    }
    let _ = onetrip_domain::queue::Priority::parse_choice(text);
});

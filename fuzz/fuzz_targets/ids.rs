//! Resident ID numbers, credit codes and applicant identities: never a panic; accepted values read back.
#![no_main]
use libfuzzer_sys::fuzz_target;
use onetrip_domain::applicant::ApplicantIdentity;
use onetrip_domain::ids::{CreditCode, ResidentId};

fuzz_target!(|text: &str| {
    if let Ok(id) = ResidentId::parse(text) {
        assert_eq!(ResidentId::parse(id.expose()), Ok(id.clone()));
    }
    if let Ok(code) = CreditCode::parse(text) {
        assert_eq!(CreditCode::parse(code.as_str()), Ok(code.clone()));
    }
    let _ = CreditCode::with_check_character(text);
    for kind in ["natural_person", "legal_person"] {
        let _ = ApplicantIdentity::parse(kind, text);
    }
});

use super::*;
use crate::ids::CreditCode;
use proptest::prelude::*;

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn licence() -> Licence {
    Licence {
        id: LicenceId::new("116543010119671377001", "116543010119671377", "2026000001", 1).unwrap(),
        type_code: "116543010119671377001".to_string(),
        name: "营业执照".to_string(),
        holder: ApplicantIdentity::LegalPerson(CreditCode::parse("91654301MA771KGM8T").unwrap()),
        holder_name: "阿勒泰市雪都餐饮有限公司".to_string(),
        issuer: "scjgj".to_string(),
        issuer_name: "阿勒泰市市场监督管理局".to_string(),
        issuer_credit_code: "116543010119671377".to_string(),
        issued_on: day("2026-12-01"),
        valid_until: None,
        status: LicenceStatus::Valid,
        case_number: "2026120100001".to_string(),
        fields: vec![LicenceField {
            label: "名称".to_string(), value: "阿勒泰市雪都餐饮有限公司".to_string()
        }],
        document_hash: "ab".repeat(32),
        seal_key: "04".to_string(),
        signature: String::new(),
        replaces: None,
    }
}

#[test]
fn validity_ends_the_day_before_the_anniversary() {
    assert_eq!(Validity::parse("long_term"), Some(Validity::LongTerm));
    assert_eq!(Validity::parse("5 years"), Some(Validity::Years(5)));
    assert_eq!(Validity::parse("1 year"), Some(Validity::Years(1)));
    assert_eq!(Validity::parse("0 years"), None);
    assert_eq!(Validity::parse("31 years"), None);
    assert_eq!(Validity::parse("forever"), None);
    assert_eq!(Validity::Years(5).valid_until(day("2026-12-01")), Some(day("2031-11-30")));
    assert_eq!(Validity::Years(1).valid_until(day("2028-02-29")), Some(day("2029-02-27")));
    assert_eq!(Validity::Years(4).valid_until(day("2028-02-29")), Some(day("2032-02-28")));
    assert_eq!(Validity::LongTerm.valid_until(day("2026-12-01")), None);
}

#[test]
fn a_valid_licence_past_its_last_day_is_expired() {
    let mut licence = licence();
    licence.valid_until = Some(day("2031-11-30"));
    assert_eq!(licence.status_on(day("2031-11-30")), LicenceStatus::Valid);
    assert_eq!(licence.status_on(day("2031-12-01")), LicenceStatus::Expired);
    licence.status = LicenceStatus::Revoked;
    assert_eq!(licence.status_on(day("2031-12-01")), LicenceStatus::Revoked);
}

#[test]
fn every_status_change_against_every_status() {
    use LicenceAction::*;
    use LicenceStatus::*;
    let expected = |action: &LicenceAction, status: LicenceStatus| match (action, status) {
        (Suspend, Valid) => Some(Suspended),
        (Reinstate, Suspended) => Some(Valid),
        (Revoke, Valid | Suspended | Expired) => Some(Revoked),
        (Cancel, Valid | Suspended | Expired) => Some(Cancelled),
        _ => None,
    };
    for action in [Suspend, Reinstate, Revoke, Cancel] {
        for status in LicenceStatus::STORED.iter().copied().chain([Expired]) {
            let outcome = change_status(status, &action, "经营场所被查封");
            match expected(&action, status) {
                Some(next) => assert_eq!(outcome, Ok(next), "{action:?} on {status:?}"),
                None => assert_eq!(outcome, Err(LicenceRefusal::NotInState(status)), "{action:?} on {status:?}"),
            }
        }
    }
}

#[test]
fn a_status_change_needs_a_reason() {
    let refused = change_status(LicenceStatus::Valid, &LicenceAction::Revoke, "  ");
    let Err(LicenceRefusal::Reason(errors)) = refused else { panic!("expected a reason refusal: {refused:?}") };
    assert!(errors.first("reason").is_some());
    let refused = change_status(LicenceStatus::Valid, &LicenceAction::Revoke, &"理".repeat(MAX_REASON + 1));
    assert!(matches!(refused, Err(LicenceRefusal::Reason(_))));
}

#[test]
fn the_shipped_types_check() {
    #[derive(Deserialize)]
    struct File {
        types: Vec<LicenceType>,
    }
    let file: File = serde_json::from_str(include_str!("../../../../data/licences/types.json")).unwrap();
    check_types(&file.types).unwrap();
    let business = file.types.iter().find(|t| t.name == "营业执照").unwrap();
    assert!(business.matters.iter().any(|m| m == "00013112700401"));
    assert_eq!(business.validity(), Validity::LongTerm);
}

#[test]
fn check_types_names_what_is_wrong() {
    let good = LicenceType {
        code: "116543010119671377001".to_string(),
        name: "营业执照".to_string(),
        matters: vec!["00013112700401".to_string()],
        holder: HolderKind::Any,
        validity: "long_term".to_string(),
        basis: String::new(),
    };
    assert_eq!(check_types(std::slice::from_ref(&good)), Ok(()));
    let mut short = good.clone();
    short.code.pop();
    assert!(check_types(&[short]).unwrap_err().contains("21 位"));
    assert!(check_types(&[good.clone(), good.clone()]).unwrap_err().contains("重复"));
    let mut twice = good.clone();
    twice.code = "116543010119671377002".to_string();
    assert!(check_types(&[good.clone(), twice]).unwrap_err().contains("不止一种"));
    let mut forever = good.clone();
    forever.validity = "forever".to_string();
    assert!(check_types(&[forever]).unwrap_err().contains("有效期"));
}

#[test]
fn a_value_cannot_forge_a_line_of_the_payload() {
    let mut forged = licence();
    forged.holder_name = "甲公司\ndocument=00".to_string();
    let payload = String::from_utf8(seal_payload(&forged)).unwrap();
    assert_eq!(payload.lines().filter(|line| line.starts_with("document=")).count(), 1);
    assert!(payload.contains("holder_name=甲公司\\ndocument=00"));
}

proptest! {
    #[test]
    fn anything_signed_changes_the_payload(name in "\\PC{0,40}", label in "\\PC{0,20}", value in "\\PC{0,40}") {
        let original = licence();
        let before = seal_payload(&original);
        let mut renamed = original.clone();
        renamed.holder_name = name.clone();
        prop_assert_eq!(seal_payload(&renamed) == before, name == original.holder_name);
        let mut refielded = original.clone();
        refielded.fields.push(LicenceField { label, value });
        prop_assert_ne!(seal_payload(&refielded), before.clone());
        // The status is not signed: a revoked licence keeps its seal.
        let mut revoked = original.clone();
        revoked.status = LicenceStatus::Revoked;
        prop_assert_eq!(seal_payload(&revoked), before);
    }
}

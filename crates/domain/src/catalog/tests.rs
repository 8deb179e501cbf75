//! Tests of the catalog: the sample matter the other modules test with, and the rules of validation.

use super::*;
use crate::validation::FieldErrors;

pub fn sample_matter() -> Matter {
    let step = |name: &str, kind, stage| Step {
        name: name.to_string(),
        kind,
        department: String::new(),
        stage,
        limit: TimeLimit::HalfDays(2),
        standard: "材料齐全、符合法定形式".to_string(),
        result: String::new(),
        sign_offs: 1,
    };
    Matter {
        code: "00013112700401".to_string(),
        catalog_code: "00013112700Y".to_string(),
        main_item: CatalogLevel { code: "00013112700Y".to_string(), name: "企业登记注册".to_string() },
        sub_item: CatalogLevel { code: "000131127004".to_string(), name: "公司登记注册(县级)".to_string() },
        name: "公司设立登记".to_string(),
        kind: MatterKind::AdministrativeLicence,
        department: "scjgj".to_string(),
        use_level: UseLevel::County,
        legal_basis: "《中华人民共和国市场主体登记管理条例》".to_string(),
        acceptance_conditions: "申请材料齐全、符合法定形式".to_string(),
        statutory_limit: TimeLimit::HalfDays(6),
        statutory_limit_note: String::new(),
        promised_limit: TimeLimit::HalfDays(2),
        promised_limit_note: String::new(),
        handling_forms: vec![HandlingForm::Window, HandlingForm::Online],
        service_objects: vec![ServiceObject::EnterpriseLegalPerson],
        trips_required: 0,
        trips_reason: String::new(),
        special_procedures: vec![],
        online_depth: OnlineDepth::Full,
        appointment_supported: true,
        postal_supported: true,
        online_payment_supported: false,
        self_service_supported: true,
        handle_area: HandleArea::City,
        joint_departments: vec![],
        fees: vec![],
        faqs: vec![Faq { question: "要多久？".to_string(), answer: "材料齐全当场办结。".to_string() }],
        steps: vec![
            step("受理", StepKind::Accept, 1),
            step("审核", StepKind::Check, 2),
            step("决定", StepKind::Decide, 3),
            step("办结", StepKind::Conclude, 4),
            step("送达", StepKind::Deliver, 5),
        ],
        materials: vec![Material {
            name: "公司登记（备案）申请书".to_string(),
            necessity: MaterialNecessity::Required,
            form: MaterialForm::PaperOrElectronic,
            copy_kind: MaterialCopyKind::Original,
            source: MaterialSource::Applicant,
            source_note: String::new(),
            copies: 1,
            specification: "A4".to_string(),
            blank_form: String::new(),
            sample: String::new(),
            filling_notes: String::new(),
            acceptance_standard: "法定代表人签字".to_string(),
            basis: String::new(),
            pledge_allowed: false,
            remarks: String::new(),
            shared_from: String::new(),
        }],
        results: vec![MatterResult {
            name: "营业执照".to_string(),
            kind: ResultKind::Certificate,
            sample: String::new(),
        }],
        address: "阿勒泰市政务服务中心商事登记区".to_string(),
        office_hours: "工作日 10:00-14:00，16:00-19:30".to_string(),
        consultation_phone: "0906-2123456".to_string(),
        complaint_phone: "12345".to_string(),
        themes: vec!["设立变更".to_string()],
        life_events: vec!["开办企业".to_string()],
        keywords: vec!["开公司".to_string()],
    }
}

fn fields(result: Result<(), FieldErrors>) -> Vec<String> {
    result.err().map(|errors| errors.fields().map(str::to_string).collect()).unwrap_or_default()
}

#[test]
fn a_complete_matter_is_valid() {
    assert_eq!(fields(validate_matter(&sample_matter(), &["scjgj"])), Vec::<String>::new());
}

#[test]
fn full_online_needs_zero_trips_and_trips_need_a_reason() {
    let mut matter = sample_matter();
    matter.trips_required = 1;
    let errors = fields(validate_matter(&matter, &["scjgj"]));
    assert!(errors.contains(&"trips_required".to_string()));
    assert!(errors.contains(&"trips_reason".to_string()));
}

#[test]
fn promised_limit_cannot_exceed_statutory_limit() {
    let mut matter = sample_matter();
    matter.promised_limit = TimeLimit::HalfDays(20);
    assert!(fields(validate_matter(&matter, &["scjgj"])).contains(&"promised_limit".to_string()));
}

#[test]
fn fees_need_a_basis_and_no_fee_means_no_online_payment() {
    let mut matter = sample_matter();
    matter.online_payment_supported = true;
    matter.fees.push(Fee {
        name: "登记费".into(),
        standard: "10元".into(),
        basis: String::new(),
        reducible: false,
        reduction_basis: String::new(),
    });
    let errors = fields(validate_matter(&matter, &["scjgj"]));
    assert!(errors.contains(&"fees[0].basis".to_string()));
    assert!(!errors.contains(&"online_payment_supported".to_string()));
    matter.fees.clear();
    assert!(fields(validate_matter(&matter, &["scjgj"])).contains(&"online_payment_supported".to_string()));
}

#[test]
fn a_licence_needs_five_steps_and_a_faq() {
    let mut matter = sample_matter();
    matter.steps.truncate(4);
    matter.faqs.clear();
    let errors = fields(validate_matter(&matter, &["scjgj"]));
    assert!(errors.contains(&"steps".to_string()));
    assert!(errors.contains(&"faqs".to_string()));
}

#[test]
fn unknown_department_and_bad_phones_are_named() {
    let mut matter = sample_matter();
    matter.consultation_phone = "2123456".into();
    let errors = fields(validate_matter(&matter, &["other"]));
    assert!(errors.contains(&"department".to_string()));
    assert!(errors.contains(&"consultation_phone".to_string()));
}

#[test]
fn result_kind_must_match_the_result_name() {
    let mut matter = sample_matter();
    matter.results[0].kind = ResultKind::Document;
    assert!(fields(validate_matter(&matter, &["scjgj"])).contains(&"results[0].kind".to_string()));
}

#[test]
fn time_limits_read_half_days_and_on_the_spot() {
    assert_eq!(TimeLimit::parse_text("即办"), Ok(TimeLimit::OnTheSpot));
    assert_eq!(TimeLimit::parse_text("0.5"), Ok(TimeLimit::HalfDays(1)));
    assert_eq!(TimeLimit::parse_text("10个工作日"), Ok(TimeLimit::HalfDays(20)));
    assert!(TimeLimit::parse_text("0.3").is_err());
    assert!(TimeLimit::parse_text("-1").is_err());
    assert_eq!(TimeLimit::HalfDays(1).to_string(), "0.5个工作日");
    let json = serde_json::to_string(&TimeLimit::HalfDays(1)).expect("serialises");
    assert_eq!(json, "0.5");
    assert_eq!(serde_json::from_str::<TimeLimit>("\"on_the_spot\"").expect("parses"), TimeLimit::OnTheSpot);
}

#[test]
fn the_version_in_force_is_the_newest_effective_one() {
    let day = |d| NaiveDate::from_ymd_opt(2026, 1, d).expect("date");
    let version = |number, effective| MatterVersion {
        version: number,
        adjustment: Adjustment {
            kind: AdjustmentKind::Adjust,
            reason: "x".into(),
            effective_date: effective,
            merged_into: String::new(),
        },
        author: "a".into(),
        matter: sample_matter(),
    };
    let versions = vec![version(1, day(1)), version(2, day(10)), version(3, day(20))];
    assert_eq!(version_in_force(&versions, day(15)).map(|v| v.version), Some(2));
    assert_eq!(version_in_force(&versions, day(25)).map(|v| v.version), Some(3));
    assert!(version_in_force(&versions, NaiveDate::from_ymd_opt(2025, 12, 31).expect("date")).is_none());
}

#[test]
fn first_version_must_be_a_creation_and_dates_are_bounded() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
    let adjustment = Adjustment {
        kind: AdjustmentKind::Adjust,
        reason: "r".into(),
        effective_date: today,
        merged_into: String::new(),
    };
    assert!(validate_adjustment(&adjustment, true, today).is_err());
    assert!(validate_adjustment(&adjustment, false, today).is_ok());
    let typo = Adjustment { effective_date: NaiveDate::from_ymd_opt(2206, 1, 1).expect("date"), ..adjustment.clone() };
    assert!(validate_adjustment(&typo, false, today).is_err(), "a year typed wrong is caught");
    let ancient = Adjustment { effective_date: NaiveDate::from_ymd_opt(1999, 12, 31).expect("date"), ..adjustment };
    assert!(validate_adjustment(&ancient, false, today).is_err());
}

/// The API and its OpenAPI schemas show these lists as serde writes them, and pages and forms use `code()`:
/// the two must be the same word.
#[test]
fn every_code_is_what_serde_writes() {
    fn same<T: serde::Serialize + Copy>(values: &[T], code: impl Fn(T) -> &'static str) {
        for value in values {
            assert_eq!(serde_json::to_value(value).expect("serialises"), serde_json::Value::from(code(*value)));
        }
    }
    same(&MatterKind::ALL, MatterKind::code);
    same(UseLevel::ALL, UseLevel::code);
    same(HandlingForm::ALL, HandlingForm::code);
    same(ServiceObject::ALL, ServiceObject::code);
    same(OnlineDepth::ALL, OnlineDepth::code);
    same(HandleArea::ALL, HandleArea::code);
    same(MaterialNecessity::ALL, MaterialNecessity::code);
    same(MaterialForm::ALL, MaterialForm::code);
    same(MaterialCopyKind::ALL, MaterialCopyKind::code);
    same(MaterialSource::ALL, MaterialSource::code);
    same(StepKind::ALL, StepKind::code);
    same(ResultKind::ALL, ResultKind::code);
    same(AdjustmentKind::ALL, AdjustmentKind::code);
    same(&crate::case::Phase::ALL, crate::case::Phase::code);
    same(&crate::queue::TicketState::ALL, crate::queue::TicketState::code);
    same(&crate::access::Role::ALL, crate::access::Role::code);
    let kinds = [
        crate::calendar::DayKind::Workday,
        crate::calendar::DayKind::Weekend,
        crate::calendar::DayKind::Holiday,
        crate::calendar::DayKind::MakeupWorkday,
    ];
    same(&kinds, crate::calendar::DayKind::code);
}

#[test]
fn time_limits_serialise_as_days_or_on_the_spot() {
    let json = |limit: TimeLimit| serde_json::to_value(limit).expect("serialises");
    assert_eq!(json(TimeLimit::OnTheSpot), serde_json::json!("on_the_spot"));
    assert_eq!(json(TimeLimit::HalfDays(6)), serde_json::json!(3));
    assert_eq!(json(TimeLimit::HalfDays(1)), serde_json::json!(0.5));
}

#[test]
fn a_materials_shared_source_reads_or_is_refused_with_its_field() {
    use super::SharedFrom;
    assert_eq!(
        SharedFrom::parse("licence:116543010119671377001"),
        Some(SharedFrom::Licence("116543010119671377001".into()))
    );
    assert_eq!(SharedFrom::parse("external:housing"), Some(SharedFrom::External("housing".into())));
    assert_eq!(SharedFrom::parse("result:65430030030001"), Some(SharedFrom::Result("65430030030001".into())));
    for wrong in [
        "",
        "result:",
        "result:规划",
        "licence:1165",
        "licence:116543010119671377001X",
        "external:",
        "external:房管",
        "ftp:x",
        "external:a b",
    ] {
        assert_eq!(SharedFrom::parse(wrong), None, "{wrong}");
    }
    let mut matter = sample_matter();
    matter.materials[0].shared_from = "licence:short".into();
    let errors = validate_matter(&matter, &[matter.department.as_str()]).unwrap_err();
    assert!(errors.first("materials[0].shared_from").is_some_and(|message| message.contains("licence:")));
}

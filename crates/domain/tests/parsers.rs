//! Every parser of the domain, tried on arbitrary input: none may panic, and what one accepts it reads the
//! same way again (the issue "Trust": no input makes a parser panic).

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

use onetrip_domain::access::parse_roles;
use onetrip_domain::applicant::{validate_contact, ApplicantIdentity};
use onetrip_domain::calendar::{parse_notice, write_notice, OfficeHours};
use onetrip_domain::catalog::TimeLimit;
use onetrip_domain::evaluation::Weighting;
use onetrip_domain::hall::HallLayout;
use onetrip_domain::ids::{CreditCode, ResidentId};
use onetrip_domain::queue::Priority;
use onetrip_domain::rating::{Indicators, RatingInput, Service};
use onetrip_domain::search::{parse_phrasings, Field, SearchIndex, Synonyms};
use onetrip_domain::upload::{clean_file_name, sniff};
use proptest::prelude::*;
use std::collections::HashSet;

/// Text close to what a parser expects (so that the search reaches past the first refusal), or anything.
fn near(pattern: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), proptest::string::string_regex(pattern).expect("pattern")]
}

proptest! {
    #[test]
    fn identity_numbers_never_panic_and_accepted_ones_read_back(input in near("[0-9Xx é]{0,20}")) {
        if let Ok(id) = ResidentId::parse(&input) {
            prop_assert_eq!(ResidentId::parse(id.expose()), Ok(id.clone()));
        }
        for kind in ["natural_person", "legal_person", "robot", ""] {
            let _ = ApplicantIdentity::parse(kind, &input);
        }
    }

    #[test]
    fn credit_codes_never_panic_and_every_completed_code_is_valid(
        input in near("[0-9A-Z一é]{0,19}"),
        prefix in "[0-9ABCDEFGHJKLMNPQRTUWXY]{17}",
    ) {
        if let Ok(code) = CreditCode::parse(&input) {
            prop_assert_eq!(CreditCode::parse(code.as_str()), Ok(code.clone()));
        }
        let completed = CreditCode::with_check_character(&prefix).expect("17 allowed characters complete to a code");
        prop_assert!(completed.as_str().starts_with(&prefix));
        let _ = CreditCode::with_check_character(&input);
    }

    #[test]
    fn holiday_notices_never_panic(
        year in 1990i32..2110,
        text in near("(([0-9]{1,2}月[0-9]{1,2}日(至[0-9]{1,2}月[0-9]{1,2}日)?)?(放假|调休|上班)?[ ，。、\n]*){0,6}"),
    ) {
        let _ = parse_notice(year, &text);
    }

    #[test]
    fn holiday_notices_written_back_read_the_same(
        text in proptest::string::string_regex(
            "(2027-0[1-9]-0[1-9](\\.\\.2027-0[1-9]-[12][0-9])? (放假|调休上班|holiday|makeup_workday|上班) (春节|国庆节|端午节)\n){0,6}"
        ).expect("pattern"),
    ) {
        if let Ok(mut entries) = parse_notice(2027, &text) {
            entries.sort_by_key(|entry| entry.date);
            prop_assert_eq!(parse_notice(2027, &write_notice(&entries)), Ok(entries));
        }
    }

    #[test]
    fn office_hours_roles_and_limits_never_panic(text in near("[0-9:, -]{0,30}|[a-z_,]{0,40}|[0-9.即办个工作日e-]{0,8}")) {
        if let Ok(hours) = OfficeHours::parse(&text) {
            prop_assert!(hours.minutes_per_day() > 0);
        }
        let _ = parse_roles(&text);
        if let Ok(TimeLimit::HalfDays(half_days)) = TimeLimit::parse_text(&text) {
            prop_assert!(half_days > 0 && half_days <= onetrip_domain::catalog::MAX_LIMIT_HALF_DAYS);
        }
        let _ = Priority::parse_choice(&text);
    }

    #[test]
    fn synonym_lists_never_panic(text in near("([#]?[开公司社保]{0,4} ?= ?[企业设立登记,， ]{0,10}\n){0,5}")) {
        let _ = Synonyms::parse(&text);
    }

    #[test]
    fn evaluation_sets_never_panic_and_accepted_lines_read_back(
        text in near("([#]?[开公司社保 ]{0,4} ?[|]? ?[0-9A-Z]{0,6}\n){0,5}")
    ) {
        if let Ok(phrasings) = parse_phrasings(&text) {
            let written: String =
                phrasings.iter().map(|phrasing| format!("{} | {}\n", phrasing.phrase, phrasing.expected)).collect();
            prop_assert_eq!(parse_phrasings(&written), Ok(phrasings));
        }
    }

    #[test]
    fn search_queries_never_panic(query in near("[我想开公司社保卡结昏shebaokgjtq ，。!]{0,30}")) {
        let index = search_index();
        let found = index.find(&query, 5);
        prop_assert!(found.hits.len() <= 5);
        prop_assert!(found.hits.windows(2).all(|pair| pair[0].score >= pair[1].score));
        let _ = index.closest(&query, 5);
    }

    #[test]
    fn contact_details_never_panic(name in any::<String>(), phone in near("[0-9 -]{0,14}")) {
        let _ = validate_contact(&name, &phone);
    }

    #[test]
    fn hall_layouts_never_panic(text in near(r#"\{"halls":\[\{"code":"[a-z]{0,3}","name":"[大厅]{0,2}","zones":\[\]\}\]\}"#)) {
        if let Ok(layout) = serde_json::from_str::<HallLayout>(&text) {
            let _ = layout.check(&HashSet::new(), &HashSet::new());
        }
    }

    #[test]
    fn bundle_lists_never_panic(text in near(r#"\[\{"code":"[a-z]{0,4}","name":"[一件事]{0,3}","matters":\["[0-9]{0,14}"\]\}\]"#)) {
        if let Ok(bundles) = serde_json::from_str::<Vec<onetrip_domain::bundle::Bundle>>(&text) {
            let _ = onetrip_domain::bundle::validate_bundles(&bundles, |code| code.len() == 14);
        }
    }

    #[test]
    fn uploads_are_sniffed_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..2048), name in any::<String>()) {
        let _ = sniff(&bytes);
        let cleaned = clean_file_name(&name);
        prop_assert!(!cleaned.is_empty() && cleaned.chars().count() <= 100);
        prop_assert!(!cleaned.contains('/') && !cleaned.contains('\\'));
    }

    #[test]
    fn uploads_that_start_like_real_files_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..4096), kind in 0usize..5) {
        let heads: [&[u8]; 5] = [b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xFF\xD8\xFF", b"PK\x03\x04", b"<?xml"];
        let mut bytes = heads[kind].to_vec();
        bytes.extend(tail);
        let _ = sniff(&bytes);
    }

    #[test]
    fn indicator_files_never_panic_and_what_they_accept_lists_both_services(
        input in near("(version [0-9]{1,3}\n|(on_site|online) [a-z_]{1,8} [名称满意度]{1,4}\n|# .{0,5}\n){0,8}")
    ) {
        if let Ok(indicators) = Indicators::parse(&input) {
            prop_assert!(indicators.version > 0);
            prop_assert!(indicators.of(Service::OnSite).count() > 0 && indicators.of(Service::Online).count() > 0);
        }
    }

    #[test]
    fn ratings_never_panic_and_a_checked_bad_rating_names_an_indicator_and_a_reason(
        level in any::<i64>(),
        small in 0i64..7,
        indicators in proptest::collection::vec(near("(overall|attitude|guide|[a-z]{1,6})"), 0..4),
        comment in any::<String>(),
    ) {
        let shipped = Indicators::shipped();
        for level in [level, small] {
            let input = RatingInput { level, indicators: indicators.clone(), comment: comment.clone() };
            for service in [Service::OnSite, Service::Online] {
                if let Ok(checked) = input.check(&shipped, service) {
                    prop_assert!((1..=5).contains(&checked.level.value()));
                    if checked.level.value() <= 2 {
                        prop_assert!(!checked.indicators.is_empty() && !checked.comment.is_empty());
                    }
                }
            }
        }
    }

    #[test]
    fn weightings_never_panic_and_what_they_accept_adds_up_to_100(
        input in near("((good_rate|tickets_served|accepted|excellent|good|pass|advanced_share|x) [0-9]{1,3}\n){0,8}")
    ) {
        if let Ok(weighting) = Weighting::parse(&input) {
            prop_assert_eq!(weighting.weights.iter().map(|(_, weight)| weight).sum::<u32>(), 100);
            prop_assert!(weighting.excellent > weighting.good && weighting.good > weighting.pass);
        }
    }

    #[test]
    fn key_matter_targets_never_panic_and_read_back_what_they_accept(
        input in near("([0-9]{1,14} [0-9.]{1,4} [0-9.]{1,4} [名称]{0,3}\n|# .{0,4}\n){0,5}")
    ) {
        if let Ok(targets) = onetrip_domain::statistics::parse_targets(&input) {
            for target in targets {
                prop_assert!(target.before_days.is_finite() && target.target_days >= 0.0);
                prop_assert!(!target.code.is_empty());
            }
        }
    }
}

fn search_index() -> &'static SearchIndex {
    static INDEX: std::sync::OnceLock<SearchIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let names = ["企业设立登记（公司）", "社会保障卡申领", "结婚登记", "住房公积金提取", "abc123"];
        let synonyms =
            Synonyms::parse("开公司 = 企业设立登记\n社保卡 = 社会保障卡\n关公司 = 企业注销登记\n").expect("valid");
        SearchIndex::build(names.iter().map(|name| vec![Field { text: name, weight: 3.0 }]), synonyms)
    })
}

#[test]
fn every_shipped_notice_written_back_reads_the_same() {
    for (year, text) in onetrip_domain::calendar::SHIPPED_NOTICES {
        let mut entries = parse_notice(year, text).expect("shipped notices parse");
        entries.sort_by_key(|entry| entry.date);
        let written = write_notice(&entries);
        assert!(written.contains("放假"), "{year}: written in Chinese");
        assert_eq!(parse_notice(year, &written), Ok(entries), "{year}");
    }
}

use super::*;

fn index(names: &[&str], synonyms: &str) -> SearchIndex {
    let synonyms = Synonyms::parse(synonyms).expect("valid synonyms");
    SearchIndex::build(names.iter().map(|name| vec![Field { text: name, weight: 3.0 }]), synonyms)
}

/// Documents with a name and keywords, the way the catalog indexes them.
fn catalog(documents: &[(&str, &str)], synonyms: &str) -> SearchIndex {
    let synonyms = Synonyms::parse(synonyms).expect("valid synonyms");
    SearchIndex::build(
        documents
            .iter()
            .map(|(name, keywords)| vec![Field { text: name, weight: 3.0 }, Field { text: keywords, weight: 2.0 }]),
        synonyms,
    )
}

fn first(index: &SearchIndex, query: &str) -> Option<u32> {
    index.search(query, 5).first().map(|hit| hit.document)
}

const NAMES: [&str; 5] = ["企业设立登记（公司）", "不动产转移登记", "出生登记", "个人参保登记 社保", "户口迁移"];

const MATTERS: [(&str, &str); 8] = [
    ("企业设立登记（公司）", "开公司 注册公司 营业执照"),
    ("企业注销登记", "注销公司 清算"),
    ("社会保障卡申领", "社保卡 补卡"),
    ("职工基本养老保险待遇申领", "退休 养老金 领养老金"),
    ("供暖缴费", "暖气费 取暖"),
    ("水费缴纳", "交水费 自来水费"),
    ("结婚登记", "领证 结婚"),
    ("居住证申领", "居住证 暂住证"),
];

#[test]
fn two_character_words_are_found() {
    let index = index(&NAMES, "");
    assert_eq!(first(&index, "社保"), Some(3));
    assert_eq!(first(&index, "户口"), Some(4));
    assert_eq!(first(&index, "不动产"), Some(1));
}

#[test]
fn everyday_phrases_find_matters_through_synonyms() {
    let index = index(&NAMES, "开公司 = 企业设立登记\n过户 = 不动产转移登记\n生孩子 = 出生登记\n");
    assert_eq!(first(&index, "开公司"), Some(0));
    assert_eq!(first(&index, "我想开公司"), Some(0));
    assert_eq!(first(&index, "房子过户"), Some(1));
    assert_eq!(first(&index, "生孩子"), Some(2));
}

#[test]
fn sentences_with_unknown_words_still_find_the_matter() {
    let index = catalog(&MATTERS, "关公司 = 企业注销登记\n");
    // 把, 关, 了 and the pairs across them are nowhere in the index: they must not empty the page.
    assert_eq!(first(&index, "我想把公司关了"), Some(1));
    assert_eq!(first(&index, "家里老人退休了养老金怎么领"), Some(3));
    assert_eq!(first(&index, "今年的暖气费怎么在网上交"), Some(4));
    // Filler words alone do not match anything.
    assert!(index.search("我想怎么办", 5).is_empty());
}

#[test]
fn a_document_with_every_word_ranks_above_one_with_some() {
    let index = catalog(&[("水费缴纳", "交水费"), ("供暖缴费", "暖气费")], "");
    assert_eq!(first(&index, "水费和暖气费"), Some(1));
    assert_eq!(index.search("水费和暖气费", 5).len(), 2, "the partial match is still listed, below");
}

#[test]
fn pinyin_in_full_as_initials_and_with_one_mistake_finds_the_matter() {
    let index = catalog(&MATTERS, "社保卡 = 社会保障卡\n");
    for query in ["shebaoka", "sbk", "shebaoak", "she bao ka", "SheBaoKa"] {
        let found = index.find(query, 5);
        assert_eq!(found.hits.first().map(|hit| hit.document), Some(2), "{query}: {found:?}");
        assert_eq!(found.read_as.as_deref(), Some("社保卡"), "{query}");
    }
    assert_eq!(first(&index, "jiehundengji"), Some(6));
    assert_eq!(first(&index, "juzhuzhang"), Some(7), "one letter wrong");
    assert_eq!(first(&index, "jiehundegji"), Some(6), "one letter missing");
}

#[test]
fn a_character_of_the_same_sound_is_corrected() {
    let index = catalog(&MATTERS, "");
    let found = index.find("结昏登记", 5);
    assert_eq!(found.hits.first().map(|hit| hit.document), Some(6));
    assert_eq!(found.read_as.as_deref(), Some("结婚登记"));
    let found = index.find("社报卡", 5);
    assert_eq!(found.hits.first().map(|hit| hit.document), Some(2));
    // A query found as typed is not "read as" anything.
    assert_eq!(index.find("结婚登记", 5).read_as, None);
}

#[test]
fn codes_are_not_read_as_pinyin() {
    let index = SearchIndex::build(
        vec![vec![Field { text: "公司设立登记", weight: 3.0 }, Field { text: "abc123 gs", weight: 1.0 }]],
        Synonyms::default(),
    );
    assert_eq!(index.find("gs", 5).read_as, None);
    assert_eq!(index.find("gs", 5).hits.len(), 1);
}

#[test]
fn unrelated_queries_find_nothing_but_the_closest_names() {
    let index = index(&NAMES, "");
    assert!(index.search("火箭发射", 5).is_empty());
    assert!(index.search("   ", 5).is_empty());
    assert!(index.search("qqqqxz", 5).is_empty());
    let closest: Vec<u32> = index.closest("出国", 5).into_iter().map(|hit| hit.document).collect();
    assert_eq!(closest, vec![2], "出生登记 shares 出");
    assert!(index.closest("火箭", 5).is_empty());
}

#[test]
fn full_width_and_codes_are_normalised() {
    let index = SearchIndex::build(
        vec![vec![Field { text: "公司设立登记", weight: 3.0 }, Field { text: "00013112700401", weight: 1.0 }]],
        Synonyms::default(),
    );
    assert_eq!(first(&index, "００013112700401"), Some(0));
}

#[test]
fn synonym_errors_name_the_line() {
    let errors = Synonyms::parse("开公司 = 企业设立登记\n没有等号\n开公司 = 公司").expect_err("two bad lines");
    assert_eq!(errors.fields().collect::<Vec<_>>(), vec!["line 2", "line 3"]);
    let parsed = Synonyms::parse("开公司 = 企业设立登记，公司设立登记").expect("valid");
    assert_eq!(Synonyms::parse(&parsed.to_text()), Ok(parsed));
}

#[test]
fn phrasings_are_read_and_counted() {
    let phrasings = parse_phrasings("# comment\n\n开公司 | A1\n社保卡 | B2\n过户 | C3\n").expect("valid");
    assert_eq!(phrasings.len(), 3);
    let evaluation = evaluate(&phrasings, |phrase| match phrase {
        "开公司" => vec!["A1".to_string()],
        "社保卡" => vec!["X".to_string(), "B2".to_string()],
        _ => Vec::new(),
    });
    assert_eq!((evaluation.total, evaluation.first, evaluation.top_five), (3, 1, 2));
    assert_eq!(evaluation.misses.len(), 2);
    assert_eq!(evaluation.misses[0].found, vec!["X", "B2"]);
    let errors = parse_phrasings("开公司\n开公司 | A1\n开公司 | A2\n说法 | 有空格 的\n").expect_err("bad lines");
    assert_eq!(errors.fields().collect::<Vec<_>>(), vec!["line 1", "line 3", "line 4"]);
}

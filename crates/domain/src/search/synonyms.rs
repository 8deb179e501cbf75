//! Everyday phrases and the catalog words they stand for, kept by the centre's managers.

use super::text::normalize;
use crate::validation::FieldErrors;

/// How strongly a synonym answers a query: written as one piece (开公司 in 我想开公司) or with its
/// characters spread through the query (关公司 in 我想把公司关了), which is likelier to be a coincidence.
pub(super) const WHOLE: f32 = 1.5;
pub(super) const SPREAD: f32 = 1.2;

/// Everyday phrases and the catalog words they stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms {
    entries: Vec<(String, Vec<String>)>,
}

impl Synonyms {
    /// Reads lines such as `开公司 = 企业设立登记, 公司设立登记`; `#` starts a comment.
    pub fn parse(text: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut entries: Vec<(String, Vec<String>)> = Vec::new();
        for (index, raw_line) in text.lines().enumerate() {
            let line = raw_line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let field = format!("line {}", index + 1);
            let Some((phrase, expansions)) = line.split_once('=') else {
                errors.add(field, "每行应写作“群众说法 = 事项用词, 事项用词”，例如：开公司 = 企业设立登记");
                continue;
            };
            let phrase = normalize(phrase.trim());
            let expansions: Vec<String> = expansions
                .split([',', '，', '、'])
                .map(|word| normalize(word.trim()))
                .filter(|word| !word.is_empty())
                .collect();
            if phrase.chars().count() < 2 || phrase.chars().count() > 20 {
                errors.add(field, "群众说法应为 2 到 20 个字");
            } else if expansions.is_empty() || expansions.iter().any(|word| word.chars().count() > 30) {
                errors.add(field, "等号后至少写一个事项用词，每个最长 30 个字");
            } else if entries.iter().any(|(existing, _)| *existing == phrase) {
                errors.add(field, format!("“{phrase}”重复出现，请合并为一行"));
            } else {
                entries.push((phrase, expansions));
            }
        }
        if entries.len() > 5000 {
            errors.add("text", "同义词最多 5000 行");
        }
        errors.into_result().map(|()| Self { entries })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The list written back in the form `parse` reads.
    pub fn to_text(&self) -> String {
        self.entries.iter().map(|(phrase, words)| format!("{phrase} = {}\n", words.join(", "))).collect()
    }

    /// The phrases a query holds, each with a catalog word it stands for and how strongly (`WHOLE` or
    /// `SPREAD`). A phrase of three characters or more also counts when all its characters occur in the
    /// query in any order.
    pub(super) fn expansions_of<'a>(&'a self, query: &'a str) -> impl Iterator<Item = (&'a str, &'a str, f32)> {
        self.entries
            .iter()
            .filter_map(move |(phrase, words)| {
                let strength = if query.contains(phrase.as_str()) {
                    WHOLE
                } else if phrase.chars().count() >= 3 && phrase.chars().all(|character| query.contains(character)) {
                    SPREAD
                } else {
                    return None;
                };
                Some(words.iter().map(move |word| (phrase.as_str(), word.as_str(), strength)))
            })
            .flatten()
    }

    /// The everyday phrases themselves, which people also type in pinyin.
    pub(super) fn phrases(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(phrase, _)| phrase.as_str())
    }
}

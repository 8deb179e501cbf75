//! The evaluation set: everyday phrasings, each with the matter it means (`data/search/phrasings.txt`),
//! and how many of them a search finds first and in its first five.

use crate::validation::FieldErrors;

/// One line of the set: what a person types and the code of the matter a clerk would say they mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrasing {
    pub phrase: String,
    pub expected: String,
}

/// Reads lines `说法 | 事项编码`; blank lines and lines starting with `#` are comments.
pub fn parse_phrasings(text: &str) -> Result<Vec<Phrasing>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut phrasings: Vec<Phrasing> = Vec::new();
    for (index, raw_line) in text.lines().enumerate() {
        let line = raw_line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let field = format!("line {}", index + 1);
        let Some((phrase, expected)) = line.split_once('|') else {
            errors.add(field, "每行应写作“说法 | 事项编码”，例如：我想开公司 | 00013112700401");
            continue;
        };
        let (phrase, expected) = (phrase.trim(), expected.trim());
        if phrase.is_empty() || phrase.chars().count() > 50 {
            errors.add(field, "说法应为 1 到 50 个字");
        } else if expected.is_empty()
            || expected.len() > 32
            || !expected.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
        {
            errors.add(field, "“|”后面写事项编码（字母、数字或连字符，最长 32 位）");
        } else if phrasings.iter().any(|existing| existing.phrase == phrase) {
            errors.add(field, format!("“{phrase}”重复出现"));
        } else {
            phrasings.push(Phrasing { phrase: phrase.to_string(), expected: expected.to_string() });
        }
    }
    errors.into_result().map(|()| phrasings)
}

/// A phrasing whose matter was not found first, with what was found instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    pub phrase: String,
    pub expected: String,
    /// The codes found, best first (at most five); the expected one may be among them, lower down.
    pub found: Vec<String>,
}

/// How a search did on the set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evaluation {
    pub total: usize,
    pub first: usize,
    pub top_five: usize,
    pub misses: Vec<Miss>,
}

impl Evaluation {
    pub fn share_first(&self) -> f64 {
        share(self.first, self.total)
    }

    pub fn share_top_five(&self) -> f64 {
        share(self.top_five, self.total)
    }
}

fn share(part: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        part as f64 / total as f64
    }
}

/// Runs every phrasing through `search` (the codes it finds, best first) and counts.
pub fn evaluate(phrasings: &[Phrasing], mut search: impl FnMut(&str) -> Vec<String>) -> Evaluation {
    let mut evaluation = Evaluation { total: phrasings.len(), ..Evaluation::default() };
    for phrasing in phrasings {
        let mut found = search(&phrasing.phrase);
        found.truncate(5);
        match found.iter().position(|code| *code == phrasing.expected) {
            Some(0) => {
                evaluation.first += 1;
                evaluation.top_five += 1;
                continue;
            }
            Some(_) => evaluation.top_five += 1,
            None => {}
        }
        evaluation.misses.push(Miss { phrase: phrasing.phrase.clone(), expected: phrasing.expected.clone(), found });
    }
    evaluation
}

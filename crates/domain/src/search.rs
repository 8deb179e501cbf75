//! Ranked search over the catalog in the words people use.
//!
//! Chinese text is indexed as overlapping character pairs (bigrams), the way CJK analysers in search
//! engines do it: any two-character word such as 社保 or 户口 is found wherever it appears, without a
//! dictionary. Latin letters and digits are indexed as whole words (codes such as 00013112700401).
//! Everyday phrases that do not appear in the catalog (开公司, 过户, 生孩子) are mapped to catalog words by
//! a synonym list that centre managers edit. Documents are ranked by BM25 over weighted fields; a document
//! must match at least half of a query's tokens to be returned.

use crate::validation::FieldErrors;
use std::collections::HashMap;

const K1: f32 = 1.2;
const B: f32 = 0.75;
const UNIGRAM_TAG: u64 = 1 << 62;
const WORD_TAG: u64 = 1 << 63;

/// One indexable field of a document with its weight (a name weighs more than a theme).
pub struct Field<'a> {
    pub text: &'a str,
    pub weight: f32,
}

#[derive(Debug, Clone, Copy)]
struct Posting {
    document: u32,
    weight: f32,
}

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

    fn expansions_of<'a>(&'a self, query: &'a str) -> impl Iterator<Item = &'a str> {
        self.entries
            .iter()
            .filter(move |(phrase, _)| query.contains(phrase.as_str()))
            .flat_map(|(_, words)| words.iter().map(String::as_str))
    }
}

/// Folds full-width letters and digits to ASCII, lower-cases, and turns punctuation into spaces.
pub fn normalize(text: &str) -> String {
    text.chars()
        .map(|character| {
            let folded = match character {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(character as u32 - 0xFEE0).unwrap_or(character),
                '\u{3000}' => ' ',
                other => other,
            };
            if folded.is_alphanumeric() || is_cjk(folded) {
                folded.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect()
}

fn is_cjk(character: char) -> bool {
    matches!(character as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

fn word_token(word: &str) -> u64 {
    // FNV-1a: stable across runs and platforms, unlike the standard hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in word.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash >> 2) | WORD_TAG
}

/// The tokens of a text: CJK bigrams (a lone CJK character as a unigram), and whole Latin/digit words.
fn tokens(text: &str, mut emit: impl FnMut(u64)) {
    let normalized = normalize(text);
    let mut run: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_run = |run: &mut Vec<char>, emit: &mut dyn FnMut(u64)| {
        if run.len() == 1 {
            emit(u64::from(run[0] as u32) | UNIGRAM_TAG);
        }
        for pair in run.windows(2) {
            emit((u64::from(pair[0] as u32) << 21) | u64::from(pair[1] as u32));
        }
        run.clear();
    };
    let flush_word = |word: &mut String, emit: &mut dyn FnMut(u64)| {
        if !word.is_empty() {
            emit(word_token(word));
            word.clear();
        }
    };
    for character in normalized.chars() {
        if is_cjk(character) {
            flush_word(&mut word, &mut emit);
            run.push(character);
        } else if character.is_alphanumeric() {
            flush_run(&mut run, &mut emit);
            word.push(character);
        } else {
            flush_run(&mut run, &mut emit);
            flush_word(&mut word, &mut emit);
        }
    }
    flush_run(&mut run, &mut emit);
    flush_word(&mut word, &mut emit);
}

/// A search hit: the document's position in the build order and its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub document: u32,
    pub score: f32,
}

/// An in-memory inverted index over a set of documents.
#[derive(Debug, Default)]
pub struct SearchIndex {
    postings: HashMap<u64, Vec<Posting>>,
    lengths: Vec<f32>,
    average_length: f32,
    names: Vec<String>,
    synonyms: Synonyms,
}

impl SearchIndex {
    /// Builds the index; each document is a list of weighted fields, the first being its name.
    pub fn build<'a>(documents: impl IntoIterator<Item = Vec<Field<'a>>>, synonyms: Synonyms) -> Self {
        let mut postings: HashMap<u64, Vec<Posting>> = HashMap::new();
        let mut lengths = Vec::new();
        let mut names = Vec::new();
        let mut weights: HashMap<u64, f32> = HashMap::new();
        for (document, fields) in documents.into_iter().enumerate() {
            weights.clear();
            let mut length = 0.0;
            for field in &fields {
                tokens(field.text, |token| {
                    *weights.entry(token).or_default() += field.weight;
                    length += field.weight;
                });
            }
            names.push(fields.first().map(|field| normalize(field.text)).unwrap_or_default());
            lengths.push(length);
            for (token, weight) in weights.drain() {
                postings.entry(token).or_default().push(Posting { document: document as u32, weight });
            }
        }
        let average_length = if lengths.is_empty() { 1.0 } else { lengths.iter().sum::<f32>() / lengths.len() as f32 };
        postings.shrink_to_fit();
        Self { postings, lengths, average_length: average_length.max(1.0), names, synonyms }
    }

    pub fn len(&self) -> usize {
        self.lengths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// The best `limit` documents for `query`, best first.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let normalized = normalize(query);
        let compact: String = normalized.split_whitespace().collect();
        if compact.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut alternatives: Vec<String> = vec![normalized.clone()];
        alternatives.extend(self.synonyms.expansions_of(&compact).map(str::to_string));
        let count = self.lengths.len();
        // Dense accumulators: one slot per document, and the list of slots touched, so that a common token
        // with tens of thousands of postings costs additions, not hash-map insertions.
        let mut best = vec![0f32; count];
        let mut best_touched: Vec<u32> = Vec::new();
        let mut scores = vec![0f32; count];
        let mut matched = vec![0u16; count];
        let mut touched: Vec<u32> = Vec::new();
        for (position, alternative) in alternatives.iter().enumerate() {
            let mut query_tokens = Vec::new();
            tokens(alternative, |token| {
                if !query_tokens.contains(&token) {
                    query_tokens.push(token)
                }
            });
            let needed = query_tokens.len().div_ceil(2).max(1);
            for token in &query_tokens {
                let Some(list) = self.postings.get(token) else {
                    continue;
                };
                let idf = ((count as f32 - list.len() as f32 + 0.5) / (list.len() as f32 + 0.5) + 1.0).ln();
                for posting in list {
                    let document = posting.document as usize;
                    let length = self.lengths[document];
                    let term = posting.weight * (K1 + 1.0)
                        / (posting.weight + K1 * (1.0 - B + B * length / self.average_length));
                    if matched[document] == 0 {
                        touched.push(posting.document);
                    }
                    scores[document] += idf * term;
                    matched[document] += 1;
                }
            }
            let phrase: String = alternative.split_whitespace().collect();
            for document in touched.drain(..) {
                let slot = document as usize;
                let (mut score, hits) = (scores[slot], usize::from(matched[slot]));
                scores[slot] = 0.0;
                matched[slot] = 0;
                if hits < needed {
                    continue;
                }
                // Only a document with every token can contain the whole phrase; check no others.
                if hits == query_tokens.len() && self.names[slot].contains(&phrase) {
                    score *= 2.0;
                }
                if position > 0 {
                    // A synonym answers the question the person meant: rank it with the direct matches.
                    score *= 1.5;
                }
                if best[slot] == 0.0 {
                    best_touched.push(document);
                }
                best[slot] = best[slot].max(score);
            }
        }
        let mut hits: Vec<Hit> =
            best_touched.into_iter().map(|document| Hit { document, score: best[document as usize] }).collect();
        let order = |a: &Hit, b: &Hit| b.score.total_cmp(&a.score).then(a.document.cmp(&b.document));
        if hits.len() > limit {
            hits.select_nth_unstable_by(limit - 1, order);
            hits.truncate(limit);
        }
        hits.sort_by(order);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[&str], synonyms: &str) -> SearchIndex {
        let synonyms = Synonyms::parse(synonyms).expect("valid synonyms");
        SearchIndex::build(names.iter().map(|name| vec![Field { text: name, weight: 3.0 }]), synonyms)
    }

    fn first(index: &SearchIndex, query: &str) -> Option<u32> {
        index.search(query, 5).first().map(|hit| hit.document)
    }

    const NAMES: [&str; 5] = ["企业设立登记（公司）", "不动产转移登记", "出生登记", "个人参保登记 社保", "户口迁移"];

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
    fn unrelated_queries_find_nothing() {
        let index = index(&NAMES, "");
        assert!(index.search("火箭发射", 5).is_empty());
        assert!(index.search("   ", 5).is_empty());
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
}

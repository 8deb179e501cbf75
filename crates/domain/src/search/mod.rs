//! Ranked search over the catalog in the words people use.
//!
//! Chinese text is indexed as overlapping character pairs (bigrams), the way CJK analysers in search
//! engines do it: any two-character word such as 社保 or 户口 is found wherever it appears, without a
//! dictionary. Latin letters and digits are indexed as whole words (codes such as 00013112700401).
//!
//! A query is read the way a clerk would hear it:
//! - filler words (我想, 怎么, 需要, 哪里 …) are cut out (`text::strip_fillers`), and pairs the index does
//!   not know at all ("想把", "司关") neither match nor count against a result, so "我想把公司关了" is
//!   ranked by 公司 and by the synonym 关公司 whose characters it holds;
//! - everyday phrases that do not appear in the catalog (开公司, 过户, 生孩子) stand for catalog words by a
//!   synonym list that centre managers edit (`synonyms.rs`);
//! - a Latin word that is not a code is read as pinyin, in full or as initials, with one typing mistake
//!   forgiven, and a Chinese word with a wrong character of the same sound is put right (`reading.rs`);
//!   the page then says what the query was read as.
//!
//! Every reading is searched and a document keeps its best score. Scores are BM25 over weighted fields,
//! times the square of the share of the query's known pairs a document holds (a document with every word
//! ranks above one with some), doubled when the matter's name holds the whole query. Nothing is returned
//! only when no pair of the query is in the index; `closest` then finds the names that share its characters.

mod phrasings;
mod reading;
mod synonyms;
#[cfg(test)]
mod tests;
mod text;

pub use phrasings::{evaluate, parse_phrasings, Evaluation, Miss, Phrasing};
pub use synonyms::Synonyms;
pub use text::normalize;

use reading::Reader;
use std::collections::HashMap;
use text::{is_cjk, strip_fillers, tokens, word_token};

const K1: f32 = 1.2;
const B: f32 = 0.75;
/// What a reading of the query that corrects a character is worth against the query as typed.
const CORRECTED: f32 = 0.9;

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

/// A search hit: the document's position in the build order and its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub document: u32,
    pub score: f32,
}

/// The hits of a query, and what it was read as when the best of them come from reading it in pinyin or
/// from correcting a character ("按“社保卡”查找").
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    pub hits: Vec<Hit>,
    pub read_as: Option<String>,
}

/// A text with a synonym's phrase taken out: as one piece, or (spread) each of its characters once.
fn without(text: &str, phrase: &str, whole: bool) -> String {
    if whole {
        return text.replacen(phrase, " ", 1);
    }
    let mut characters: Vec<char> = text.chars().collect();
    for character in phrase.chars() {
        if let Some(slot) = characters.iter_mut().find(|candidate| **candidate == character) {
            *slot = ' ';
        }
    }
    characters.into_iter().collect()
}

/// One way of reading the query: its text, its weight, and which shown reading it comes from.
struct Alternative {
    text: String,
    factor: f32,
    reading: Option<usize>,
}

/// An in-memory inverted index over a set of documents.
#[derive(Debug, Default)]
pub struct SearchIndex {
    postings: HashMap<u64, Vec<Posting>>,
    lengths: Vec<f32>,
    average_length: f32,
    names: Vec<String>,
    /// For each CJK character, the documents whose name holds it (for `closest`).
    name_characters: HashMap<char, Vec<u32>>,
    synonyms: Synonyms,
    reader: Reader,
}

impl SearchIndex {
    /// Builds the index; each document is a list of weighted fields, the first being its name.
    pub fn build<'a>(documents: impl IntoIterator<Item = Vec<Field<'a>>>, synonyms: Synonyms) -> Self {
        let mut postings: HashMap<u64, Vec<Posting>> = HashMap::new();
        let mut lengths = Vec::new();
        let mut names = Vec::new();
        let mut name_characters: HashMap<char, Vec<u32>> = HashMap::new();
        let mut words: HashMap<String, u32> = HashMap::new();
        let mut weights: HashMap<u64, f32> = HashMap::new();
        for (document, fields) in documents.into_iter().enumerate() {
            weights.clear();
            let mut length = 0.0;
            for field in &fields {
                tokens(field.text, |token| {
                    *weights.entry(token).or_default() += field.weight;
                    length += field.weight;
                });
                for word in normalize(field.text).split_whitespace() {
                    let count = word.chars().count();
                    if (2..=10).contains(&count) && word.chars().all(is_cjk) {
                        *words.entry(word.to_string()).or_default() += 1;
                    }
                }
            }
            let name = fields.first().map(|field| normalize(field.text)).unwrap_or_default();
            let mut characters: Vec<char> = name.chars().filter(|character| is_cjk(*character)).collect();
            characters.sort_unstable();
            characters.dedup();
            for character in characters {
                name_characters.entry(character).or_default().push(document as u32);
            }
            names.push(name);
            lengths.push(length);
            for (token, weight) in weights.drain() {
                postings.entry(token).or_default().push(Posting { document: document as u32, weight });
            }
        }
        for phrase in synonyms.phrases() {
            words.entry(phrase.to_string()).or_insert(1);
        }
        let average_length = if lengths.is_empty() { 1.0 } else { lengths.iter().sum::<f32>() / lengths.len() as f32 };
        postings.shrink_to_fit();
        let reader = Reader::build(postings.iter().map(|(token, list)| (*token, list.len())), words);
        Self { postings, lengths, average_length: average_length.max(1.0), names, name_characters, synonyms, reader }
    }

    pub fn len(&self) -> usize {
        self.lengths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// The best `limit` documents for `query`, best first.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        self.find(query, limit).hits
    }

    /// The best `limit` documents for `query`, best first, with what the query was read as.
    pub fn find(&self, query: &str, limit: usize) -> Found {
        let normalized = normalize(query);
        if normalized.split_whitespace().next().is_none() || limit == 0 {
            return Found::default();
        }
        let (alternatives, readings) = self.alternatives(&normalized);
        let count = self.lengths.len();
        // Dense accumulators: one slot per document, and the list of slots touched, so that a common token
        // with tens of thousands of postings costs additions, not hash-map insertions.
        let mut best = vec![0f32; count];
        let mut best_reading: Vec<Option<usize>> = vec![None; count];
        let mut best_touched: Vec<u32> = Vec::new();
        let mut scores = vec![0f32; count];
        let mut matched = vec![0u16; count];
        let mut touched: Vec<u32> = Vec::new();
        for alternative in &alternatives {
            let mut known: Vec<&Vec<Posting>> = Vec::new();
            let mut seen: Vec<u64> = Vec::new();
            tokens(&alternative.text, |token| {
                if !seen.contains(&token) {
                    seen.push(token);
                    if let Some(list) = self.postings.get(&token) {
                        known.push(list);
                    }
                }
            });
            for list in &known {
                let idf = ((count as f32 - list.len() as f32 + 0.5) / (list.len() as f32 + 0.5) + 1.0).ln();
                for posting in list.iter() {
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
            let phrase: String = alternative.text.split_whitespace().collect();
            for document in touched.drain(..) {
                let slot = document as usize;
                let (score, hits) = (scores[slot], usize::from(matched[slot]));
                scores[slot] = 0.0;
                matched[slot] = 0;
                let coverage = hits as f32 / known.len() as f32;
                let mut score = score * coverage * coverage * alternative.factor;
                // Only a document with every known pair can contain the whole phrase; check no others.
                if hits == known.len() && self.names[slot].contains(&phrase) {
                    score *= 2.0;
                }
                if best[slot] == 0.0 {
                    best_touched.push(document);
                }
                if score > best[slot] {
                    best[slot] = score;
                    best_reading[slot] = alternative.reading;
                }
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
        let read_as =
            hits.first().and_then(|hit| best_reading[hit.document as usize]).map(|index| readings[index].clone());
        Found { hits, read_as }
    }

    /// The names that share the most characters with the query (fillers left out), for a query that found
    /// nothing; best first, shorter names first among equals.
    pub fn closest(&self, query: &str, limit: usize) -> Vec<Hit> {
        let stripped = strip_fillers(&normalize(query), |token| self.postings.contains_key(&token));
        let mut characters: Vec<char> = stripped.chars().filter(|character| is_cjk(*character)).collect();
        characters.sort_unstable();
        characters.dedup();
        let mut shared: HashMap<u32, u16> = HashMap::new();
        for character in &characters {
            for document in self.name_characters.get(character).into_iter().flatten() {
                *shared.entry(*document).or_default() += 1;
            }
        }
        let mut hits: Vec<Hit> = shared
            .into_iter()
            .map(|(document, count)| {
                let length = self.names[document as usize].chars().count().max(1) as f32;
                Hit { document, score: f32::from(count) + 1.0 / (1.0 + length) }
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.document.cmp(&b.document)));
        hits.truncate(limit);
        hits
    }

    /// The query as typed (fillers cut), its readings in pinyin or corrected, and the synonyms of each;
    /// with the texts of the readings that may be shown.
    fn alternatives(&self, normalized: &str) -> (Vec<Alternative>, Vec<String>) {
        let known = |token: u64| self.postings.contains_key(&token);
        let stripped = strip_fillers(normalized, known);
        let mut readings: Vec<String> = Vec::new();
        let mut bases = vec![Alternative { text: stripped.clone(), factor: 1.0, reading: None }];
        for text in self.read_pinyin(&stripped) {
            readings.push(text.clone());
            bases.push(Alternative { text, factor: 1.0, reading: Some(readings.len() - 1) });
        }
        if let Some(text) = self.corrected(&stripped) {
            readings.push(text.clone());
            bases.push(Alternative { text, factor: CORRECTED, reading: Some(readings.len() - 1) });
        }
        let mut alternatives: Vec<Alternative> = Vec::new();
        for (position, base) in bases.into_iter().enumerate() {
            let mut heard: Vec<String> = vec![base.text.clone()];
            if position == 0 {
                heard.push(normalized.to_string());
            }
            for text in &heard {
                let compact: String = text.split_whitespace().collect();
                for (phrase, word, strength) in self.synonyms.expansions_of(&compact) {
                    // The phrase gives way to the catalog word; the rest of the query stays (结婚证丢了 →
                    // 结婚证 补领), so that the other words still choose among the matters.
                    let text = format!("{} {word}", without(&compact, phrase, strength == synonyms::WHOLE));
                    if !alternatives.iter().any(|existing| existing.text == text) {
                        alternatives.push(Alternative { text, factor: base.factor * strength, reading: base.reading });
                    }
                }
            }
            alternatives.push(base);
        }
        (alternatives, readings)
    }

    /// The query with its pinyin words read as characters, one text per reading, best first; empty when
    /// the query holds no Latin word that is not a known code and reads as something.
    fn read_pinyin(&self, stripped: &str) -> Vec<String> {
        let words: Vec<&str> = stripped.split_whitespace().collect();
        let is_latin = |word: &str| word.bytes().all(|byte| byte.is_ascii_lowercase());
        if words.len() > 1 && words.iter().all(|word| is_latin(word)) {
            let joined = self.reader.read_latin(&words.concat());
            if !joined.is_empty() {
                return joined;
            }
        }
        let mut pieces: Vec<(String, Vec<String>)> = Vec::new();
        let mut rest = stripped;
        while !rest.is_empty() {
            let latin = rest.bytes().take_while(u8::is_ascii_lowercase).count();
            let split =
                if latin > 0 { latin } else { rest.find(|c: char| c.is_ascii_lowercase()).unwrap_or(rest.len()) };
            let (piece, tail) = rest.split_at(split);
            let readings = if latin > 0 && !self.postings.contains_key(&word_token(piece)) {
                self.reader.read_latin(piece)
            } else {
                Vec::new()
            };
            pieces.push((piece.to_string(), readings));
            rest = tail;
        }
        let most = pieces.iter().map(|(_, readings)| readings.len()).max().unwrap_or(0);
        (0..most)
            .map(|choice| {
                pieces
                    .iter()
                    .map(|(piece, readings)| match readings.get(choice).or(readings.last()) {
                        Some(reading) => format!(" {reading} "),
                        None => piece.clone(),
                    })
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// The query with every run of characters holding a wrong character of the same sound put right.
    fn corrected(&self, stripped: &str) -> Option<String> {
        let mut text = String::with_capacity(stripped.len());
        let mut run: Vec<char> = Vec::new();
        let mut changed = false;
        let mut flush = |run: &mut Vec<char>, text: &mut String| {
            if let Some(better) = self.reader.correct_run(run) {
                text.push_str(&better);
                changed = true;
            } else {
                text.extend(run.iter());
            }
            run.clear();
        };
        for character in stripped.chars() {
            if is_cjk(character) {
                run.push(character);
            } else {
                flush(&mut run, &mut text);
                text.push(character);
            }
        }
        flush(&mut run, &mut text);
        changed.then_some(text)
    }
}

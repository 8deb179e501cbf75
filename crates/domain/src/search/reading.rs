//! Reading a query typed in pinyin (`shebaoka`, `sbk`, `shebaoak`), and correcting a Chinese word typed
//! with a wrong character of the same sound (社报卡 for 社保卡).
//!
//! Everything here is learnt from the index itself: which characters it holds under each syllable (all
//! their readings, from the `pinyin` crate's data), which pairs of characters it knows and in how many
//! documents, and its words (matter names, keywords, themes, synonyms' phrases) spelt in full pinyin and
//! in initials. A pinyin word is looked up among the words first; otherwise it is cut into syllables and
//! the characters are chosen so that as many neighbours as possible form pairs the index knows (a Viterbi
//! walk over at most `CANDIDATES` characters per syllable). A word that cuts badly is tried again with one
//! letter changed, dropped, added or swapped with its neighbour.

use super::text::{bigram, bigram_chars};
use pinyin::{ToPinyin, ToPinyinMulti};
use std::collections::HashMap;

/// Characters kept per syllable, the most frequent in the index first.
const CANDIDATES: usize = 12;
/// Ways of cutting one word into syllables that are looked at.
const MAX_SEGMENTATIONS: usize = 24;
/// Readings of one pinyin word that are searched.
const MAX_READINGS: usize = 4;
/// The longest pinyin word read (a query is at most 50 characters anyway).
const MAX_PINYIN_LETTERS: usize = 40;
/// What keeping the character the person typed is worth, against a known pair (at least 1.69).
const TYPED_BONUS: f32 = 0.5;

fn plain(reading: &str) -> String {
    reading.replace('ü', "v")
}

fn usual_reading(character: char) -> Option<String> {
    character.to_pinyin().map(|reading| plain(reading.plain()))
}

fn all_readings(character: char) -> Vec<String> {
    let mut readings: Vec<String> = character
        .to_pinyin_multi()
        .map(|multi| multi.into_iter().map(|reading| plain(reading.plain())).collect())
        .unwrap_or_default();
    readings.sort();
    readings.dedup();
    readings
}

/// A word's full pinyin and its initials by the characters' usual readings ("社保卡" → "shebaoka", "sbk").
pub(super) fn spell(word: &str) -> Option<(String, String)> {
    let mut full = String::new();
    let mut initials = String::new();
    for character in word.chars() {
        let reading = usual_reading(character)?;
        initials.push(reading.chars().next()?);
        full.push_str(&reading);
    }
    Some((full, initials))
}

/// What the index teaches about how its words sound.
#[derive(Debug, Default)]
pub(super) struct Reader {
    by_syllable: HashMap<String, Vec<(char, f32)>>,
    links: HashMap<u64, f32>,
    longest_syllable: usize,
    words: Vec<String>,
    by_full: HashMap<String, Vec<u32>>,
    /// Initials of each word, and of its endings of three characters or more (zfgjjtq, and gjjtq for
    /// 公积金提取): the word and the character it starts at.
    by_initials: HashMap<String, Vec<(u32, u8)>>,
}

/// The characters chosen for some syllables: the text, how many neighbouring pairs the index knows, and
/// the walk's score.
struct Spelt {
    text: String,
    known_pairs: usize,
    pairs: usize,
    score: f32,
}

impl Reader {
    /// `bigrams`: every pair of characters in the index with the number of documents holding it; `words`:
    /// the index's words with the number of documents they occur in.
    pub(super) fn build(bigrams: impl IntoIterator<Item = (u64, usize)>, words: HashMap<String, u32>) -> Self {
        let mut links = HashMap::new();
        let mut frequency: HashMap<char, usize> = HashMap::new();
        for (token, documents) in bigrams {
            let Some((first, second)) = bigram_chars(token) else {
                continue;
            };
            links.insert(token, 1.0 + (1.0 + documents as f32).ln());
            *frequency.entry(first).or_default() += documents;
            *frequency.entry(second).or_default() += documents;
        }
        let mut by_syllable: HashMap<String, Vec<(char, f32)>> = HashMap::new();
        for (character, count) in frequency {
            for reading in all_readings(character) {
                by_syllable.entry(reading).or_default().push((character, (1.0 + count as f32).ln()));
            }
        }
        for list in by_syllable.values_mut() {
            list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            list.truncate(CANDIDATES);
        }
        let longest_syllable = by_syllable.keys().map(String::len).max().unwrap_or(0);
        let mut ranked: Vec<(String, u32)> = words.into_iter().collect();
        // The words most documents use first, so that a shared spelling reads as the commoner word.
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.chars().count().cmp(&b.0.chars().count())).then(a.0.cmp(&b.0)));
        let mut reader = Self { by_syllable, links, longest_syllable, ..Self::default() };
        let mut endings: Vec<(String, u32, u8)> = Vec::new();
        for (word, _) in ranked {
            let Some((full, initials)) = spell(&word) else {
                continue;
            };
            let id = reader.words.len() as u32;
            reader.words.push(word);
            reader.by_full.entry(full).or_default().push(id);
            if initials.len() >= 2 {
                for start in 1..initials.len().saturating_sub(2).min(usize::from(u8::MAX)) {
                    endings.push((initials[start..].to_string(), id, start as u8));
                }
                reader.by_initials.entry(initials).or_default().push((id, 0));
            }
        }
        // Whole words first: an ending is a reading only where no word has those initials before it.
        for (initials, id, start) in endings {
            reader.by_initials.entry(initials).or_default().push((id, start));
        }
        reader
    }

    /// What a Latin word may mean in characters, best first; empty when it reads as nothing the index knows.
    pub(super) fn read_latin(&self, word: &str) -> Vec<String> {
        if word.len() < 2 || word.len() > MAX_PINYIN_LETTERS || !word.bytes().all(|byte| byte.is_ascii_lowercase()) {
            return Vec::new();
        }
        if let Some(words) = self.by_full.get(word) {
            return words.iter().take(MAX_READINGS).map(|id| self.words[*id as usize].clone()).collect();
        }
        if let Some(words) = self.by_initials.get(word) {
            return words
                .iter()
                .take(MAX_READINGS)
                .map(|(id, start)| self.words[*id as usize].chars().skip(usize::from(*start)).collect())
                .collect();
        }
        let direct = self.spell_syllables(word);
        if let Some(spelt) = &direct {
            if spelt.known_pairs == spelt.pairs {
                return vec![spelt.text.clone()];
            }
        }
        if word.len() >= 4 {
            if let Some(text) = self.nearest(word) {
                return vec![text];
            }
        }
        direct.filter(|spelt| spelt.known_pairs > 0).map(|spelt| vec![spelt.text]).unwrap_or_default()
    }

    /// A run of characters with a wrong one of the same sound put right, when that makes more of its pairs
    /// known to the index; `None` when every pair is known already or nothing better sounds the same.
    pub(super) fn correct_run(&self, run: &[char]) -> Option<String> {
        let known = |pair: &[char]| self.links.contains_key(&bigram(pair[0], pair[1]));
        let known_before = run.windows(2).filter(|pair| known(pair)).count();
        if run.len() < 2 || known_before == run.len() - 1 {
            return None;
        }
        let syllables: Vec<String> = run.iter().map(|character| usual_reading(*character)).collect::<Option<_>>()?;
        let syllables: Vec<&str> = syllables.iter().map(String::as_str).collect();
        let spelt = self.best_characters(&syllables, Some(run))?;
        (spelt.known_pairs > known_before).then_some(spelt.text)
    }

    fn link(&self, first: char, second: char) -> f32 {
        self.links.get(&bigram(first, second)).copied().unwrap_or(0.0)
    }

    /// The best spelling over every way of cutting the word into syllables.
    fn spell_syllables(&self, word: &str) -> Option<Spelt> {
        let mut best: Option<Spelt> = None;
        for syllables in self.segmentations(word) {
            let Some(spelt) = self.best_characters(&syllables, None) else {
                continue;
            };
            let rank = |spelt: &Spelt| (spelt.known_pairs, spelt.known_pairs == spelt.pairs, spelt.score);
            let better = best.as_ref().is_none_or(|current| rank(&spelt) > rank(current));
            if better {
                best = Some(spelt);
            }
        }
        best
    }

    /// The closest word one typing mistake away: a word of the index spelt so first, then a spelling
    /// whose every pair is known, the one with the most pairs.
    fn nearest(&self, word: &str) -> Option<String> {
        let mut best: Option<((u8, usize, f32), String)> = None;
        for variant in one_edit_away(word) {
            let candidate = if let Some(ids) = self.by_full.get(&variant) {
                ((2, 0, 0.0), self.words[ids[0] as usize].clone())
            } else {
                match self.spell_syllables(&variant) {
                    Some(spelt) if spelt.pairs > 0 && spelt.known_pairs == spelt.pairs => {
                        ((1, spelt.known_pairs, spelt.score), spelt.text)
                    }
                    _ => continue,
                }
            };
            if best.as_ref().is_none_or(|(rank, _)| candidate.0.partial_cmp(rank) == Some(std::cmp::Ordering::Greater))
            {
                best = Some(candidate);
            }
        }
        best.map(|(_, text)| text)
    }

    /// Ways of cutting a word into syllables the index has characters for, longest syllables first.
    fn segmentations<'w>(&self, word: &'w str) -> Vec<Vec<&'w str>> {
        let mut found = Vec::new();
        let mut dead = vec![false; word.len() + 1];
        self.segment(word, 0, &mut Vec::new(), &mut found, &mut dead);
        found
    }

    fn segment<'w>(
        &self,
        word: &'w str,
        start: usize,
        current: &mut Vec<&'w str>,
        found: &mut Vec<Vec<&'w str>>,
        dead: &mut [bool],
    ) -> bool {
        if start == word.len() {
            found.push(current.clone());
            return true;
        }
        if dead[start] || found.len() >= MAX_SEGMENTATIONS {
            return false;
        }
        let mut completed = false;
        for length in (1..=self.longest_syllable.min(word.len() - start)).rev() {
            let Some(syllable) = word.get(start..start + length) else {
                continue;
            };
            if self.by_syllable.contains_key(syllable) {
                current.push(syllable);
                completed |= self.segment(word, start + length, current, found, dead);
                current.pop();
            }
        }
        if !completed {
            dead[start] = true;
        }
        completed
    }

    /// The likeliest characters for a row of syllables (a Viterbi walk): each syllable's characters, plus
    /// the character typed when correcting, scored by the pairs they form with their neighbours.
    fn best_characters(&self, syllables: &[&str], typed: Option<&[char]>) -> Option<Spelt> {
        let mut columns: Vec<Vec<(char, f32)>> = Vec::with_capacity(syllables.len());
        for (position, syllable) in syllables.iter().enumerate() {
            let mut column: Vec<(char, f32)> = self
                .by_syllable
                .get(*syllable)
                .map(|list| list.iter().map(|(character, weight)| (*character, 0.05 * weight)).collect())
                .unwrap_or_default();
            if let Some(original) = typed.and_then(|typed| typed.get(position)) {
                match column.iter_mut().find(|(character, _)| character == original) {
                    Some(entry) => entry.1 += TYPED_BONUS,
                    None => column.push((*original, TYPED_BONUS)),
                }
            }
            if column.is_empty() {
                return None;
            }
            columns.push(column);
        }
        let first = columns.first()?;
        let mut scores: Vec<Vec<f32>> = vec![first.iter().map(|(_, weight)| *weight).collect()];
        let mut back: Vec<Vec<usize>> = vec![vec![0; first.len()]];
        for position in 1..columns.len() {
            let mut row = Vec::with_capacity(columns[position].len());
            let mut from = Vec::with_capacity(columns[position].len());
            for (character, weight) in &columns[position] {
                let mut best = (0, f32::MIN);
                for (index, (previous, _)) in columns[position - 1].iter().enumerate() {
                    let score = scores[position - 1][index] + self.link(*previous, *character);
                    if score > best.1 {
                        best = (index, score);
                    }
                }
                row.push(best.1 + weight);
                from.push(best.0);
            }
            scores.push(row);
            back.push(from);
        }
        let last = scores.last()?;
        let mut index = (0..last.len()).fold(0, |best, index| if last[index] > last[best] { index } else { best });
        let score = last[index];
        let mut characters = Vec::with_capacity(columns.len());
        for position in (0..columns.len()).rev() {
            characters.push(columns[position][index].0);
            index = back[position][index];
        }
        characters.reverse();
        let known_pairs = characters.windows(2).filter(|pair| self.link(pair[0], pair[1]) > 0.0).count();
        Some(Spelt {
            text: characters.into_iter().collect(),
            known_pairs,
            pairs: syllables.len().saturating_sub(1),
            score,
        })
    }
}

/// Every lower-case word one letter changed, dropped, added or swapped with its neighbour away.
fn one_edit_away(word: &str) -> Vec<String> {
    let letters: Vec<u8> = word.bytes().collect();
    let mut variants = Vec::new();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap_or_default();
    for position in 0..letters.len() {
        let mut dropped = letters.clone();
        dropped.remove(position);
        variants.push(text(dropped));
        if position + 1 < letters.len() && letters[position] != letters[position + 1] {
            let mut swapped = letters.clone();
            swapped.swap(position, position + 1);
            variants.push(text(swapped));
        }
        for letter in b'a'..=b'z' {
            if letter != letters[position] {
                let mut changed = letters.clone();
                changed[position] = letter;
                variants.push(text(changed));
            }
        }
    }
    for position in 0..=letters.len() {
        for letter in b'a'..=b'z' {
            let mut added = letters.clone();
            added.insert(position, letter);
            variants.push(text(added));
        }
    }
    variants
}

//! Text as the search sees it: normalised, cut into tokens, and the words that say nothing about a matter.

pub(super) const UNIGRAM_TAG: u64 = 1 << 62;
pub(super) const WORD_TAG: u64 = 1 << 63;
const CHAR_MASK: u64 = 0x1F_FFFF;

/// Words people put around what they want ("我想……怎么办"): cut out of a query wherever cutting them
/// breaks no pair of characters the index knows, so that they neither match nor count against a result.
pub(super) const FILLERS: [&str; 34] = [
    "能不能",
    "怎么办",
    "办什么",
    "怎么样",
    "我想",
    "我要",
    "想要",
    "请问",
    "怎么",
    "如何",
    "需要",
    "哪里",
    "在哪",
    "哪个",
    "什么",
    "一下",
    "可以",
    "应该",
    "咋办",
    "办理",
    "手续",
    "流程",
    "要",
    "想",
    "吗",
    "呢",
    "了",
    "的",
    "啊",
    "呀",
    "咋",
    "把",
    "去",
    "我",
];

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

pub(super) fn is_cjk(character: char) -> bool {
    matches!(character as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

pub(super) fn word_token(word: &str) -> u64 {
    // FNV-1a: stable across runs and platforms, unlike the standard hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in word.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash >> 2) | WORD_TAG
}

pub(super) fn bigram(first: char, second: char) -> u64 {
    (u64::from(first as u32) << 21) | u64::from(second as u32)
}

/// The two characters of a bigram token; `None` for a unigram or a word.
pub(super) fn bigram_chars(token: u64) -> Option<(char, char)> {
    if token & (UNIGRAM_TAG | WORD_TAG) != 0 {
        return None;
    }
    Some((char::from_u32((token >> 21) as u32)?, char::from_u32((token & CHAR_MASK) as u32)?))
}

/// The tokens of a text: CJK bigrams (a lone CJK character as a unigram), and whole Latin/digit words.
pub(super) fn tokens(text: &str, mut emit: impl FnMut(u64)) {
    let normalized = normalize(text);
    let mut run: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_run = |run: &mut Vec<char>, emit: &mut dyn FnMut(u64)| {
        if run.len() == 1 {
            emit(u64::from(run[0] as u32) | UNIGRAM_TAG);
        }
        for pair in run.windows(2) {
            emit(bigram(pair[0], pair[1]));
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

/// The query with its filler words turned into spaces, wherever no known pair of characters crosses them:
/// "我想把公司关了" becomes "   公司关 ", but the 要 of a known word such as 要件 stays.
pub(super) fn strip_fillers(normalized: &str, known: impl Fn(u64) -> bool) -> String {
    let mut characters: Vec<char> = normalized.chars().collect();
    let mut position = 0;
    while position < characters.len() {
        let found = FILLERS.iter().find_map(|filler| {
            let length = filler.chars().count();
            let slice = characters.get(position..position + length)?;
            slice.iter().copied().eq(filler.chars()).then_some(length)
        });
        let Some(length) = found else {
            position += 1;
            continue;
        };
        let start = position.saturating_sub(1);
        let end = (position + length + 1).min(characters.len());
        let crosses_known = characters[start..end].windows(2).any(|pair| known(bigram(pair[0], pair[1])));
        if !crosses_known {
            characters[position..position + length].iter_mut().for_each(|character| *character = ' ');
        }
        position += length;
    }
    characters.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fillers_are_cut_unless_a_known_pair_crosses_them() {
        let none = |_: u64| false;
        assert_eq!(strip_fillers("我想把公司关了", none).split_whitespace().collect::<Vec<_>>(), ["公司关"]);
        let known = |token: u64| token == bigram('要', '件');
        assert_eq!(strip_fillers("要件", known), "要件");
        assert_eq!(strip_fillers("社保卡怎么办", none).trim(), "社保卡");
    }

    #[test]
    fn bigrams_round_trip() {
        assert_eq!(bigram_chars(bigram('社', '保')), Some(('社', '保')));
        assert_eq!(bigram_chars(word_token("sbk")), None);
        assert_eq!(bigram_chars(u64::from('社' as u32) | UNIGRAM_TAG), None);
    }
}

//! What free text may hold. Names and codes are one line of printable characters; longer texts may add line
//! breaks and tabs. No text may hold other control characters (NUL, escape sequences) or the Unicode
//! controls that reorder what is shown (bidirectional embeddings, overrides and isolates, U+202A–U+202E and
//! U+2066–U+2069): the override U+202E can make a name read backwards on a notice, or a file name pretend to be a PDF. The
//! right-to-left and left-to-right marks (U+200E, U+200F) stay allowed: Kazakh and Uyghur text needs them.

/// Why a text was refused, as the message a person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("不能含有控制字符（如换行以外的不可见字符），请删去后重新填写")]
    Control,
    #[error("不能含有改变文字方向的控制字符（U+202A–U+202E、U+2066–U+2069），请删去后重新填写")]
    Bidi,
    #[error("最长 {max} 个字，现有 {length} 个，请精简")]
    TooLong { max: usize, length: usize },
    #[error("不能以 = + - @ 开头（表格软件会把它当作公式）")]
    Formula,
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// One line: a name, a code, a file name.
pub fn check_line(text: &str, max: usize) -> Result<(), TextError> {
    check(text, max, false)
}

/// A text of several lines: line breaks and tabs allowed.
pub fn check_lines(text: &str, max: usize) -> Result<(), TextError> {
    check(text, max, true)
}

fn check(text: &str, max: usize, lines: bool) -> Result<(), TextError> {
    let mut length = 0;
    for c in text.chars() {
        length += 1;
        if is_bidi_control(c) {
            return Err(TextError::Bidi);
        }
        if c.is_control() && !(lines && matches!(c, '\n' | '\r' | '\t')) {
            return Err(TextError::Control);
        }
    }
    if length > max {
        return Err(TextError::TooLong { max, length });
    }
    Ok(())
}

/// Whether a spreadsheet would read the text as a formula (OWASP's list of leading characters, with tab and
/// carriage return).
pub fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A name that is also written into workbooks and notices: one line, and not formula-looking.
pub fn check_name(text: &str, max: usize) -> Result<(), TextError> {
    check_line(text, max)?;
    if looks_like_formula(text.trim_start()) {
        return Err(TextError::Formula);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn control_and_direction_characters_are_refused() {
        assert_eq!(check_line("张三", 10), Ok(()));
        assert_eq!(check_line("张\u{0}三", 10), Err(TextError::Control));
        assert_eq!(check_line("张\n三", 10), Err(TextError::Control));
        assert_eq!(check_lines("第一行\n第二行\t完", 20), Ok(()));
        assert_eq!(check_lines("\u{1b}[31m", 20), Err(TextError::Control));
        assert_eq!(check_line("invoice\u{202E}fdp.exe", 40), Err(TextError::Bidi));
        assert_eq!(check_line("\u{2067}x", 40), Err(TextError::Bidi));
        assert_eq!(check_line("قازاق\u{200F}", 40), Ok(()), "direction marks stay");
        assert_eq!(check_line("一二三", 2), Err(TextError::TooLong { max: 2, length: 3 }));
    }

    #[test]
    fn formula_looking_names_are_refused() {
        assert_eq!(check_name("=cmd|' /C calc'!A0", 100), Err(TextError::Formula));
        assert_eq!(check_name(" @SUM(A1)", 100), Err(TextError::Formula));
        assert_eq!(check_name("企业设立登记", 100), Ok(()));
        assert!(looks_like_formula("-1+2") && !looks_like_formula("1-2"));
    }

    proptest! {
        #[test]
        fn checks_never_panic_and_accepted_text_is_clean(text in any::<String>(), max in 0usize..50) {
            if check_lines(&text, max).is_ok() {
                prop_assert!(text.chars().count() <= max);
                prop_assert!(!text.chars().any(is_bidi_control));
            }
            if check_line(&text, max).is_ok() {
                prop_assert!(!text.chars().any(char::is_control));
            }
            let _ = check_name(&text, max);
        }
    }
}

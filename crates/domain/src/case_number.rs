//! Case numbers (办件编号): what an applicant quotes on the phone and finds on every notice.
//!
//! Form: the date of submission, a six-digit sequence within that day, and a check character by
//! ISO 7064 MOD 11-2 over those 14 digits (`0`–`9` or `X`, the algorithm of the resident identity number's
//! last character): `20261127-000017-1`. The check character catches any single wrong digit and any swap of
//! two neighbouring digits, so a mistyped number is refused instead of finding someone else's case. The
//! dashes are for reading; `parse` accepts the number with or without them. A centre needing more than
//! 999,999 cases a day does not exist.
//!
//! Numbers issued before 2026-12-02 carry a check character computed with the first 14 weights of the
//! resident identity number instead (which is MOD 11-2 of the digits followed by `000`, not of the digits).
//! They stay valid: `parse` accepts that older character for numbers dated within [`LEGACY_CHECK_DATES`],
//! and the number remembers which character it carries, so that it prints and is looked up exactly as it
//! was issued. Every number issued from now on carries the standard character.

use chrono::NaiveDate;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseNumberError {
    #[error("办件编号应为 15 位：8 位日期、6 位序号和 1 位校验码，例如 20261127-000017-1")]
    Shape,
    #[error("办件编号中的日期不对，请核对")]
    Date,
    #[error("办件编号的校验码不对，请逐位核对")]
    CheckCharacter,
    #[error("当天的办件序号已用完")]
    SequenceExhausted,
}

/// Which check character a number carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Check {
    /// ISO 7064 MOD 11-2: every number issued from 2026-12-02 on.
    Standard,
    /// The weights of the resident identity number's first 14 digits: numbers issued before the fix.
    Legacy,
}

/// The submission dates whose numbers may carry the older check character: from the first case Onetrip
/// numbered to the last day before the fix. Outside them a typo that happens to fit the older character is
/// still refused.
pub const LEGACY_CHECK_DATES: ((i32, u32, u32), (i32, u32, u32)) = ((2026, 1, 1), (2026, 12, 1));

fn within_legacy_dates(date: NaiveDate) -> bool {
    let ((from_year, from_month, from_day), (to_year, to_month, to_day)) = LEGACY_CHECK_DATES;
    let from = NaiveDate::from_ymd_opt(from_year, from_month, from_day);
    let to = NaiveDate::from_ymd_opt(to_year, to_month, to_day);
    from.zip(to).is_some_and(|(from, to)| (from..=to).contains(&date))
}

/// A valid case number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseNumber {
    date: NaiveDate,
    sequence: u32,
    check: Check,
}

const CHECK_CHARACTERS: &[u8; 11] = b"0123456789X";

/// ISO 7064 MOD 11-2 (a pure system, radix 2): for each digit, `p = (p + digit) × 2 mod 11`; the check
/// value is `(12 − p) mod 11`, and 10 is written `X`.
fn mod_11_2(digits: &[u8]) -> char {
    let p = digits.iter().fold(0u32, |p, digit| ((p + u32::from(digit - b'0')) * 2) % 11);
    char::from(CHECK_CHARACTERS[((12 - p) % 11) as usize])
}

const LEGACY_WEIGHTS: [u32; 14] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5];
const LEGACY_CHARACTERS: &[u8; 11] = b"10X98765432";

fn legacy_check(digits: &[u8]) -> char {
    let sum: u32 = digits.iter().zip(LEGACY_WEIGHTS).map(|(digit, weight)| u32::from(digit - b'0') * weight).sum();
    char::from(LEGACY_CHARACTERS[(sum % 11) as usize])
}

impl Check {
    fn character(self, digits: &[u8]) -> char {
        match self {
            Self::Standard => mod_11_2(digits),
            Self::Legacy => legacy_check(digits),
        }
    }
}

impl CaseNumber {
    pub const MAX_SEQUENCE: u32 = 999_999;

    /// The number of the `sequence`-th case (from 1) submitted on `date`.
    pub fn new(date: NaiveDate, sequence: u32) -> Result<Self, CaseNumberError> {
        if sequence == 0 || sequence > Self::MAX_SEQUENCE {
            return Err(CaseNumberError::SequenceExhausted);
        }
        Ok(Self { date, sequence, check: Check::Standard })
    }

    /// Reads a number as a person types it: dashes and spaces anywhere, either case, spaces around it.
    /// Never panics, whatever the input.
    pub fn parse(input: &str) -> Result<Self, CaseNumberError> {
        let compact: Vec<u8> = input
            .trim()
            .chars()
            .filter(|c| *c != '-' && *c != ' ')
            .map(|c| if c.is_ascii() { c.to_ascii_uppercase() as u8 } else { 0 })
            .collect();
        let Some((digits, [given])) = compact.split_first_chunk::<14>() else {
            return Err(CaseNumberError::Shape);
        };
        if !digits.iter().all(u8::is_ascii_digit) || !(given.is_ascii_digit() || *given == b'X') {
            return Err(CaseNumberError::Shape);
        }
        let value = |range: std::ops::Range<usize>| {
            digits[range].iter().fold(0u32, |value, digit| value * 10 + u32::from(digit - b'0'))
        };
        let year = i32::try_from(value(0..4)).map_err(|_| CaseNumberError::Date)?;
        let date = NaiveDate::from_ymd_opt(year, value(4..6), value(6..8)).ok_or(CaseNumberError::Date)?;
        let sequence = value(8..14);
        let given = char::from(*given);
        let check = if Check::Standard.character(digits) == given {
            Check::Standard
        } else if within_legacy_dates(date) && Check::Legacy.character(digits) == given {
            Check::Legacy
        } else {
            return Err(CaseNumberError::CheckCharacter);
        };
        Self::new(date, sequence).map(|number| Self { check, ..number })
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub fn sequence(&self) -> u32 {
        self.sequence
    }

    /// The number without dashes, as stored.
    pub fn compact(&self) -> String {
        let digits = format!("{}{:06}", self.date.format("%Y%m%d"), self.sequence);
        let check = self.check.character(digits.as_bytes());
        format!("{digits}{check}")
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let compact = self.compact();
        write!(formatter, "{}-{}-{}", &compact[..8], &compact[8..14], &compact[14..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
    }

    #[test]
    fn numbers_print_with_dashes_and_parse_back() {
        let number = CaseNumber::new(day(), 17).expect("valid");
        assert_eq!(number.to_string(), "20261127-000017-1");
        assert_eq!(CaseNumber::parse("20261127-000017-1"), Ok(number.clone()));
        assert_eq!(CaseNumber::parse(&number.compact()), Ok(number.clone()));
        assert_eq!(CaseNumber::parse(" 2026 1127-000017-1 "), Ok(number));
    }

    /// Check characters computed with python-stdnum's `stdnum.iso7064.mod_11_2.calc_check_digit`
    /// (python-stdnum 1.20), the reference the issue names.
    #[test]
    fn the_check_character_is_iso_7064_mod_11_2() {
        let vectors = [
            ("20261127000017", '1'),
            ("20261127000001", '6'),
            ("20261201000017", 'X'),
            ("19991231999999", '5'),
            ("20240229123456", '6'),
            ("20261127123456", 'X'),
            ("20270101000010", '7'),
        ];
        for (digits, check) in vectors {
            assert_eq!(mod_11_2(digits.as_bytes()), check, "{digits}");
            let number = CaseNumber::parse(&format!("{digits}{check}")).expect(digits);
            assert_eq!(number.compact(), format!("{digits}{check}"));
        }
    }

    #[test]
    fn numbers_issued_with_the_older_check_character_stay_valid_and_print_as_issued() {
        // 20261127-000001 under the older weights gives 8 (the standard gives 6).
        let legacy = CaseNumber::parse("20261127-000001-8").expect("older number");
        assert_eq!(legacy.to_string(), "20261127-000001-8");
        assert_eq!(legacy.compact(), "202611270000018");
        assert_ne!(legacy, CaseNumber::new(day(), 1).expect("valid"));
        assert_eq!(CaseNumber::new(day(), 1).expect("valid").compact(), "202611270000016");
        // After the change, numbers carry only the standard character.
        let later = NaiveDate::from_ymd_opt(2026, 12, 2).expect("date");
        let standard = CaseNumber::new(later, 17).expect("valid").compact();
        let older = legacy_check(&standard.as_bytes()[..14]);
        if older != standard.chars().last().expect("check") {
            assert_eq!(CaseNumber::parse(&format!("{}{older}", &standard[..14])), Err(CaseNumberError::CheckCharacter));
        }
    }

    #[test]
    fn every_single_digit_error_and_neighbour_swap_is_caught() {
        let compact =
            CaseNumber::new(NaiveDate::from_ymd_opt(2031, 6, 15).expect("day"), 123_456).expect("valid").compact();
        let digits: Vec<char> = compact.chars().collect();
        for position in 0..14 {
            for replacement in '0'..='9' {
                if replacement == digits[position] {
                    continue;
                }
                let mut wrong = digits.clone();
                wrong[position] = replacement;
                let text: String = wrong.iter().collect();
                assert!(CaseNumber::parse(&text).is_err(), "{text} should be refused");
            }
            if position < 13 && digits[position] != digits[position + 1] {
                let mut swapped = digits.clone();
                swapped.swap(position, position + 1);
                let text: String = swapped.iter().collect();
                assert!(CaseNumber::parse(&text).is_err(), "{text} should be refused");
            }
        }
    }

    #[test]
    fn malformed_numbers_say_what_is_wrong() {
        assert_eq!(CaseNumber::parse("2026"), Err(CaseNumberError::Shape));
        assert_eq!(CaseNumber::parse("20261327-000017-5"), Err(CaseNumberError::Date));
        assert_eq!(CaseNumber::parse("20261127-000017-2"), Err(CaseNumberError::CheckCharacter));
        assert_eq!(CaseNumber::parse("20261127-000000-8"), Err(CaseNumberError::SequenceExhausted));
        assert_eq!(CaseNumber::new(day(), 0), Err(CaseNumberError::SequenceExhausted));
        assert_eq!(CaseNumber::new(day(), 1_000_000), Err(CaseNumberError::SequenceExhausted));
    }

    /// The input that used to panic: a multi-byte character where the check character belongs.
    #[test]
    fn a_multi_byte_character_is_refused_not_a_panic() {
        assert_eq!(CaseNumber::parse("1234567890123é"), Err(CaseNumberError::Shape));
        assert_eq!(CaseNumber::parse("20261127000017é"), Err(CaseNumberError::Shape));
        assert_eq!(CaseNumber::parse("2026112700001７1"), Err(CaseNumberError::Shape));
    }

    fn any_number() -> impl Strategy<Value = CaseNumber> {
        (0i32..=3_652_058, 1u32..=CaseNumber::MAX_SEQUENCE).prop_map(|(days, sequence)| {
            let date = NaiveDate::from_num_days_from_ce_opt(days + 1).expect("date in range");
            CaseNumber::new(date, sequence).expect("valid")
        })
    }

    proptest! {
        #[test]
        fn parse_never_panics(input in any::<String>()) {
            let _ = CaseNumber::parse(&input);
        }

        #[test]
        fn parse_never_panics_on_number_like_input(input in "[0-9Xx\\- é７]{0,20}") {
            if let Ok(number) = CaseNumber::parse(&input) {
                prop_assert_eq!(CaseNumber::parse(&number.compact()), Ok(number.clone()));
                prop_assert_eq!(CaseNumber::parse(&number.to_string()), Ok(number));
            }
        }

        #[test]
        fn every_number_prints_and_parses_back(number in any_number()) {
            prop_assert_eq!(CaseNumber::parse(&number.to_string()), Ok(number.clone()));
            prop_assert_eq!(CaseNumber::parse(&number.compact().to_lowercase()), Ok(number));
        }

        #[test]
        fn any_single_substitution_is_refused(number in any_number(), position in 0usize..15, shift in 1u8..10) {
            let mut bytes = number.compact().into_bytes();
            let original = bytes[position];
            bytes[position] = if position == 14 && original == b'X' {
                b'0' + shift % 10
            } else {
                let digit = if original == b'X' { 10 } else { original - b'0' };
                let replaced = (digit + shift) % if position == 14 { 11 } else { 10 };
                if replaced == 10 { b'X' } else { b'0' + replaced }
            };
            let text = String::from_utf8(bytes).expect("ascii");
            // A legacy character can match by chance only for old dates; the standard check is always tested.
            if let Ok(parsed) = CaseNumber::parse(&text) {
                prop_assert!(parsed.check == Check::Legacy, "{} accepted by the standard check", text);
            }
        }
    }
}

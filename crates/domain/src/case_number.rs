//! Case numbers (办件编号): what an applicant quotes on the phone and finds on every notice.
//!
//! Form: the date of submission, a six-digit sequence within that day, and a check character computed
//! like the resident identity number's (ISO 7064 MOD 11-2, so `0`–`9` or `X`): `20261127-000017-5`.
//! The check character catches any single wrong digit and any swap of two neighbouring digits, so a
//! mistyped number is refused instead of finding someone else's case. The dashes are for reading; `parse`
//! accepts the number with or without them. A centre needing more than 999,999 cases a day does not exist.

use chrono::NaiveDate;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseNumberError {
    #[error("办件编号应为 15 位：8 位日期、6 位序号和 1 位校验码，例如 20261127-000017-5")]
    Shape,
    #[error("办件编号中的日期不对，请核对")]
    Date,
    #[error("办件编号的校验码不对，请逐位核对")]
    CheckCharacter,
    #[error("当天的办件序号已用完")]
    SequenceExhausted,
}

/// A valid case number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseNumber {
    date: NaiveDate,
    sequence: u32,
}

const WEIGHTS: [u32; 14] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5];
const CHECK: &[u8; 11] = b"10X98765432";

fn check_character(digits: &str) -> char {
    let sum: u32 = digits.chars().zip(WEIGHTS).map(|(digit, weight)| digit.to_digit(10).unwrap_or(0) * weight).sum();
    char::from(CHECK[(sum % 11) as usize])
}

impl CaseNumber {
    pub const MAX_SEQUENCE: u32 = 999_999;

    /// The number of the `sequence`-th case (from 1) submitted on `date`.
    pub fn new(date: NaiveDate, sequence: u32) -> Result<Self, CaseNumberError> {
        if sequence == 0 || sequence > Self::MAX_SEQUENCE {
            return Err(CaseNumberError::SequenceExhausted);
        }
        Ok(Self { date, sequence })
    }

    pub fn parse(input: &str) -> Result<Self, CaseNumberError> {
        let compact: String =
            input.trim().chars().filter(|c| *c != '-' && *c != ' ').collect::<String>().to_ascii_uppercase();
        if compact.len() != 15 || !compact[..14].chars().all(|c| c.is_ascii_digit()) {
            return Err(CaseNumberError::Shape);
        }
        let date = NaiveDate::parse_from_str(&compact[..8], "%Y%m%d").map_err(|_| CaseNumberError::Date)?;
        let sequence: u32 = compact[8..14].parse().map_err(|_| CaseNumberError::Shape)?;
        if !compact[14..].starts_with(check_character(&compact[..14])) {
            return Err(CaseNumberError::CheckCharacter);
        }
        Self::new(date, sequence)
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
        let check = check_character(&digits);
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

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
    }

    #[test]
    fn numbers_print_with_dashes_and_parse_back() {
        let number = CaseNumber::new(day(), 17).expect("valid");
        let printed = number.to_string();
        assert!(printed.starts_with("20261127-000017-"), "{printed}");
        assert_eq!(CaseNumber::parse(&printed), Ok(number.clone()));
        assert_eq!(CaseNumber::parse(&number.compact()), Ok(number.clone()));
        assert_eq!(CaseNumber::parse(&format!(" {} ", printed.to_lowercase())), Ok(number));
    }

    #[test]
    fn every_single_digit_error_and_neighbour_swap_is_caught() {
        let compact = CaseNumber::new(day(), 123_456).expect("valid").compact();
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
        assert_eq!(CaseNumber::new(day(), 0), Err(CaseNumberError::SequenceExhausted));
        assert_eq!(CaseNumber::new(day(), 1_000_000), Err(CaseNumberError::SequenceExhausted));
    }
}

//! Identifiers with check characters: the unified social credit code (GB 32100-2015) and the resident
//! identity number (GB 11643-1999). Once one of these values exists, it is valid.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was refused; the message is shown to users as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("应为 18 位，现为 {0} 位")]
    Length(usize),
    #[error("第 {position} 位“{found}”不是允许的字符")]
    Character { position: usize, found: char },
    #[error("校验位不对，请逐位核对后重新填写")]
    CheckCharacter,
    #[error("出生日期不是有效日期")]
    BirthDate,
}

/// The 31 characters a credit code may use, in the order of their values (GB 32100-2015 §4.2: no I, O, S, V, Z).
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// 统一社会信用代码: 18 characters, the last a check character computed modulo 31.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

/// The schema of a credit code as serde writes it (`into = "String"`): 18 characters of the code's alphabet.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for CreditCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(format!(
                "^[{}]{{18}}$",
                CREDIT_ALPHABET.iter().map(|byte| char::from(*byte)).collect::<String>()
            )))
            .description(Some("统一社会信用代码：18 位，末位为校验码（GB 32100）"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for CreditCode {}

impl CreditCode {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let text = input.trim().to_ascii_uppercase();
        let chars: Vec<char> = text.chars().collect();
        if chars.len() != 18 {
            return Err(IdError::Length(chars.len()));
        }
        let mut values = [0u32; 18];
        for (index, character) in chars.iter().enumerate() {
            let value = CREDIT_ALPHABET
                .iter()
                .position(|allowed| char::from(*allowed) == *character)
                .ok_or(IdError::Character { position: index + 1, found: *character })?;
            values[index] = value as u32;
        }
        let sum: u32 = CREDIT_WEIGHTS.iter().zip(values.iter()).map(|(weight, value)| weight * value).sum();
        let expected = (31 - sum % 31) % 31;
        if values[17] != expected {
            return Err(IdError::CheckCharacter);
        }
        Ok(Self(text))
    }

    /// Completes 17 characters with their check character; used to make valid demo and test data.
    pub fn with_check_character(first_17: &str) -> Result<Self, IdError> {
        let mut sum = 0u32;
        for (index, character) in first_17.chars().enumerate().take(17) {
            let value = CREDIT_ALPHABET
                .iter()
                .position(|allowed| char::from(*allowed) == character)
                .ok_or(IdError::Character { position: index + 1, found: character })?;
            sum += CREDIT_WEIGHTS[index] * value as u32;
        }
        let check = CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize];
        Self::parse(&format!("{first_17}{}", char::from(check)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CreditCode {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CreditCode> for String {
    fn from(value: CreditCode) -> Self {
        value.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

const RESIDENT_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_CHECK: &[u8; 11] = b"10X98765432";

/// 公民身份号码: 18 characters, a birth date at positions 7–14 and a check character modulo 11.
/// `Debug` and `Display` mask it, so that it never reaches a log by accident.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId(String);

impl ResidentId {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let text = input.trim().to_ascii_uppercase();
        let chars: Vec<char> = text.chars().collect();
        if chars.len() != 18 {
            return Err(IdError::Length(chars.len()));
        }
        let mut sum = 0u32;
        for (index, character) in chars.iter().take(17).enumerate() {
            let digit = character.to_digit(10).ok_or(IdError::Character { position: index + 1, found: *character })?;
            sum += RESIDENT_WEIGHTS[index] * digit;
        }
        let last = chars[17];
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(IdError::Character { position: 18, found: last });
        }
        if char::from(RESIDENT_CHECK[(sum % 11) as usize]) != last {
            return Err(IdError::CheckCharacter);
        }
        chrono::NaiveDate::parse_from_str(&text[6..14], "%Y%m%d").map_err(|_| IdError::BirthDate)?;
        Ok(Self(text))
    }

    /// The number with all but the first and last four characters hidden: `6501**********1234`.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.0[..4], &self.0[14..])
    }

    pub fn last_four(&self) -> &str {
        &self.0[14..]
    }

    /// The full number, for storage and for the applicant's own eyes only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ResidentId {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ResidentId> for String {
    fn from(value: ResidentId) -> Self {
        value.0
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "ResidentId({})", self.masked())
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_code_accepts_a_published_code_and_rejects_a_changed_one() {
        // 国家市场监督管理总局's published code.
        assert!(CreditCode::parse("11100000MB0143028R").is_ok());
        assert_eq!(CreditCode::parse("11100000MB0143028A"), Err(IdError::CheckCharacter));
        assert_eq!(CreditCode::parse("11100000MB014302"), Err(IdError::Length(16)));
        assert!(matches!(CreditCode::parse("11100000MB0143028O"), Err(IdError::Character { position: 18, .. })));
    }

    #[test]
    fn credit_code_check_character_completion_round_trips() {
        let code = CreditCode::with_check_character("11654301MB1234567").expect("valid prefix");
        assert_eq!(code.as_str().len(), 18);
        assert!(CreditCode::parse(code.as_str()).is_ok());
    }

    #[test]
    fn resident_id_checks_the_check_digit_and_the_birth_date() {
        // The sample number from GB 11643-1999's annex.
        assert!(ResidentId::parse("11010519491231002X").is_ok());
        assert_eq!(ResidentId::parse("110105194912310021"), Err(IdError::CheckCharacter));
        let month_13 = "11010519491331002";
        let sum: u32 = month_13.chars().zip(RESIDENT_WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
        let with_check = format!("{month_13}{}", char::from(RESIDENT_CHECK[(sum % 11) as usize]));
        assert_eq!(ResidentId::parse(&with_check), Err(IdError::BirthDate));
    }

    #[test]
    fn resident_id_is_masked_in_debug_and_display() {
        let id = ResidentId::parse("11010519491231002x").expect("valid");
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(format!("{id}"), "1101**********002X");
        assert!(!format!("{id:?}").contains("19491231"));
        assert_eq!(id.last_four(), "002X");
    }
}

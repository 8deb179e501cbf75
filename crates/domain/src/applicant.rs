//! Applicants (申请人): natural persons, identified by the resident identity number, and legal persons,
//! identified by the unified social credit code. Once parsed, an identity is valid.

use crate::ids::{CreditCode, IdError, ResidentId};
use crate::validation::FieldErrors;
use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash)]
pub enum ApplicantIdentity {
    NaturalPerson(ResidentId),
    LegalPerson(CreditCode),
}

impl ApplicantIdentity {
    /// `kind` is `natural_person` or `legal_person`.
    pub fn parse(kind: &str, number: &str) -> Result<Self, FieldErrors> {
        let wrong = |what: &str, error: IdError| FieldErrors::single("id_number", format!("{what}{error}"));
        match kind {
            "natural_person" => ResidentId::parse(number).map(Self::NaturalPerson).map_err(|e| wrong("身份证号码", e)),
            "legal_person" => {
                CreditCode::parse(number).map(Self::LegalPerson).map_err(|e| wrong("统一社会信用代码", e))
            }
            _ => Err(FieldErrors::single("kind", "申请人类型应为 natural_person（自然人）或 legal_person（法人）")),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::NaturalPerson(_) => "natural_person",
            Self::LegalPerson(_) => "legal_person",
        }
    }

    /// The full number, for storage and for the applicant's own eyes.
    pub fn number(&self) -> &str {
        match self {
            Self::NaturalPerson(id) => id.expose(),
            Self::LegalPerson(code) => code.as_str(),
        }
    }

    /// The number as pages show it: a resident identity number masked, a credit code (public) in full.
    pub fn shown(&self) -> String {
        match self {
            Self::NaturalPerson(id) => id.masked(),
            Self::LegalPerson(code) => code.to_string(),
        }
    }

    /// The last four characters, asked for (with the case number) to look a case up without logging in.
    pub fn last_four(&self) -> &str {
        let number = self.number();
        &number[number.len().saturating_sub(4)..]
    }
}

impl fmt::Debug for ApplicantIdentity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "ApplicantIdentity({}, {})", self.kind(), self.shown())
    }
}

/// Checks an applicant's name and phone number.
/// A phone number as shown to staff, or on a page that confirms where a code was sent: `138****1234`.
pub fn masked_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

pub fn validate_contact(name: &str, phone: &str) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    let length = name.trim().chars().count();
    if length == 0 || length > 100 {
        errors.add("name", "请填写申请人姓名或单位名称（100 字以内）");
    } else if let Err(error) = crate::text::check_name(name.trim(), 100) {
        errors.add("name", format!("姓名或单位名称{error}"));
    }
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    let mobile = digits.len() == 11 && digits.starts_with('1');
    let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
    if !(mobile || landline) || !phone.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ' ') {
        errors.add("phone", "请填写 11 位手机号码，或带区号的固定电话，例如 0906-2123456");
    }
    errors.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_parsed_checked_and_masked() {
        let person = ApplicantIdentity::parse("natural_person", "11010519491231002X").expect("valid");
        assert_eq!(person.shown(), "1101**********002X");
        assert_eq!(person.last_four(), "002X");
        assert!(!format!("{person:?}").contains("19491231"));
        let company = ApplicantIdentity::parse("legal_person", "11100000MB0143028R").expect("valid");
        assert_eq!(company.shown(), "11100000MB0143028R");
        let wrong = ApplicantIdentity::parse("natural_person", "110105194912310021").expect_err("bad check digit");
        assert!(wrong.first("id_number").is_some_and(|m| m.contains("校验位")));
        assert!(ApplicantIdentity::parse("robot", "1").is_err());
    }

    #[test]
    fn contacts_need_a_name_and_a_reachable_phone() {
        assert!(validate_contact("张三", "13912345678").is_ok());
        assert!(validate_contact("阿勒泰市某公司", "0906-2123456").is_ok());
        let errors = validate_contact(" ", "12345").expect_err("both wrong");
        assert_eq!(errors.fields().collect::<Vec<_>>(), vec!["name", "phone"]);
    }
}

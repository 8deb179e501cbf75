//! The 证照标识 of an e-licence (GB/T 36904-2018, as every published implementation writes it; see
//! `shared/domain/next-half.md` §1.2):
//!
//! ```text
//! 1.2.156.3005.2 . <证照类型代码, 21> . <颁发机构代码, 18> . <流水号> . <版本号, 3 digits> . <校验位>
//! ```
//!
//! The check character is ISO 7064 MOD 37,36 (the hybrid system over 0–9 and A–Z), computed over the type
//! code, the issuer's code, the serial and the version written together without dots.

use std::fmt;

/// The fixed root of every 证照标识 (电子证照根代码).
pub const ROOT: &str = "1.2.156.3005.2";

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The longest serial Onetrip reads (the standard's length rule is not public; issuers use 10 to 32).
pub const MAX_SERIAL: usize = 32;

/// Why a text is not a 证照标识, as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("证照标识应以 1.2.156.3005.2 开头，由点分隔的六段组成")]
    Shape,
    #[error("证照类型代码应为 21 位数字或大写字母")]
    TypeCode,
    #[error("颁发机构代码应为 18 位统一社会信用代码")]
    Issuer,
    #[error("流水号应为 1 到 32 位数字或大写字母")]
    Serial,
    #[error("版本号应为 3 位数字，从 001 开始")]
    Version,
    #[error("校验位不对，证照标识可能抄错了或被改动过")]
    Check,
}

/// A parsed 证照标识: its parts are valid and its check character is right.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LicenceId {
    type_code: String,
    issuer: String,
    serial: String,
    version: u16,
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

fn all_code_chars(text: &str) -> bool {
    text.bytes().all(|c| value(c).is_some())
}

/// ISO 7064 MOD 37,36: the check character for `text` (every character of `text` must be 0–9 or A–Z).
pub fn mod_37_36(text: &str) -> char {
    const M: u32 = 36;
    let mut p = M;
    for c in text.bytes() {
        let mut s = (p + value(c).unwrap_or(0)) % M;
        if s == 0 {
            s = M;
        }
        p = (s * 2) % (M + 1);
    }
    char::from(ALPHABET[((M + 1 - p) % M) as usize])
}

impl LicenceId {
    /// A new identifier from its parts, with its check character.
    pub fn new(type_code: &str, issuer: &str, serial: &str, version: u16) -> Result<Self, IdentifierError> {
        if type_code.len() != 21 || !all_code_chars(type_code) {
            return Err(IdentifierError::TypeCode);
        }
        if issuer.len() != 18 || !all_code_chars(issuer) {
            return Err(IdentifierError::Issuer);
        }
        if serial.is_empty() || serial.len() > MAX_SERIAL || !all_code_chars(serial) {
            return Err(IdentifierError::Serial);
        }
        if !(1..=999).contains(&version) {
            return Err(IdentifierError::Version);
        }
        Ok(Self { type_code: type_code.to_string(), issuer: issuer.to_string(), serial: serial.to_string(), version })
    }

    /// Reads a 证照标识 as printed (spaces around it are ignored; letters must be capitals).
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let input = input.trim();
        let rest = input.strip_prefix(ROOT).and_then(|rest| rest.strip_prefix('.')).ok_or(IdentifierError::Shape)?;
        let parts: Vec<&str> = rest.split('.').collect();
        let [type_code, issuer, serial, version, check] = parts[..] else {
            return Err(IdentifierError::Shape);
        };
        if version.len() != 3 || !version.bytes().all(|c| c.is_ascii_digit()) {
            return Err(IdentifierError::Version);
        }
        let version: u16 = version.parse().map_err(|_| IdentifierError::Version)?;
        let id = Self::new(type_code, issuer, serial, version)?;
        if check.len() != 1 || !check.starts_with(id.check_character()) {
            return Err(IdentifierError::Check);
        }
        Ok(id)
    }

    pub fn check_character(&self) -> char {
        mod_37_36(&format!("{}{}{}{:03}", self.type_code, self.issuer, self.serial, self.version))
    }

    pub fn type_code(&self) -> &str {
        &self.type_code
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn serial(&self) -> &str {
        &self.serial
    }

    pub fn version(&self) -> u16 {
        self.version
    }

    /// The identifier of the next version of this licence (a changed licence, 换发).
    pub fn next_version(&self) -> Result<Self, IdentifierError> {
        Self::new(&self.type_code, &self.issuer, &self.serial, self.version + 1)
    }
}

impl fmt::Display for LicenceId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{ROOT}.{}.{}.{}.{:03}.{}",
            self.type_code,
            self.issuer,
            self.serial,
            self.version,
            self.check_character()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_published_examples_check() {
        for example in [
            "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
            "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
        ] {
            let id = LicenceId::parse(example).unwrap();
            assert_eq!(id.to_string(), example);
        }
        let id = LicenceId::parse("1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0").unwrap();
        assert_eq!(id.version(), 2);
        assert_eq!(id.serial(), "2025052201");
        assert_eq!(id.issuer(), "11330105002500287C");
    }

    #[test]
    fn each_wrong_part_is_named() {
        let good = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U";
        assert_eq!(LicenceId::parse(&good.replace(".U", ".V")), Err(IdentifierError::Check));
        assert_eq!(LicenceId::parse(&good.replace("20230000403", "20230000404")), Err(IdentifierError::Check));
        assert_eq!(LicenceId::parse(&good.replace("1.2.156.3005.2", "1.2.156.3005.3")), Err(IdentifierError::Shape));
        assert_eq!(LicenceId::parse(&good.replace("W011", "W01")), Err(IdentifierError::TypeCode));
        assert_eq!(LicenceId::parse(&good.replace("244L", "244l")), Err(IdentifierError::Issuer));
        assert_eq!(LicenceId::parse(&good.replace(".001.", ".01.")), Err(IdentifierError::Version));
        assert_eq!(LicenceId::parse(&good.replace(".001.", ".000.")), Err(IdentifierError::Version));
        assert_eq!(LicenceId::parse(&good.replace("20230000403", "")), Err(IdentifierError::Serial));
        assert_eq!(LicenceId::parse(""), Err(IdentifierError::Shape));
    }

    #[test]
    fn the_next_version_keeps_the_serial() {
        let id = LicenceId::new("116543010119671377001", "116543010119671377", "2026000001", 1).unwrap();
        let next = id.next_version().unwrap();
        assert_eq!(next.version(), 2);
        assert_eq!(next.serial(), id.serial());
        assert_ne!(next.to_string(), id.to_string());
        assert_eq!(LicenceId::parse(&next.to_string()).unwrap(), next);
    }

    proptest! {
        #[test]
        fn no_text_makes_the_parser_panic(text in "\\PC{0,120}") {
            let _ = LicenceId::parse(&text);
        }

        #[test]
        fn every_identifier_reads_back_and_one_changed_character_fails(
            type_code in "[0-9A-Z]{21}", issuer in "[0-9A-Z]{18}", serial in "[0-9A-Z]{1,32}",
            version in 1u16..=999, position in 0usize..200, replacement in "[0-9A-Z]",
        ) {
            let id = LicenceId::new(&type_code, &issuer, &serial, version).unwrap();
            let text = id.to_string();
            prop_assert_eq!(LicenceId::parse(&text).unwrap(), id);
            // One character of the coded parts (not a dot, not the root) changed for another: MOD 37,36
            // detects every single substitution.
            let start = ROOT.len() + 1;
            let bytes: Vec<u8> = text.bytes().collect();
            let index = start + position % (bytes.len() - start);
            let replacement = replacement.as_bytes()[0];
            prop_assume!(bytes[index] != b'.' && bytes[index] != replacement);
            let mut changed = bytes.clone();
            changed[index] = replacement;
            let changed = String::from_utf8(changed).unwrap();
            prop_assert!(LicenceId::parse(&changed).is_err());
        }
    }
}

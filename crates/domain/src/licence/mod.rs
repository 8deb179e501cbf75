//! 电子证照: the types of licence the centre issues, a licence and its status, the rules of changing that
//! status, and the exact bytes the centre's seal signs (ADR 0020).
//!
//! A licence is issued when a case of one of its type's matters is granted. What the holder shows and what
//! a verifier checks are the licence's data and its document, bound together by one signature over
//! [`seal_payload`]; the status is not signed (it changes), a verifier reads it from the register.

mod identifier;

pub use identifier::{mod_37_36, IdentifierError, LicenceId, MAX_SERIAL, ROOT};

use crate::applicant::ApplicantIdentity;
use crate::text;
use crate::FieldErrors;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Who may hold a licence of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolderKind {
    NaturalPerson,
    LegalPerson,
    /// Either (营业执照: a company, or an individual business registered under its owner).
    Any,
}

impl HolderKind {
    pub fn admits(self, holder: &ApplicantIdentity) -> bool {
        match self {
            Self::Any => true,
            Self::NaturalPerson => matches!(holder, ApplicantIdentity::NaturalPerson(_)),
            Self::LegalPerson => matches!(holder, ApplicantIdentity::LegalPerson(_)),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NaturalPerson => "自然人",
            Self::LegalPerson => "法人或其他组织",
            Self::Any => "自然人、法人或其他组织",
        }
    }
}

/// How long a licence of a type is valid: 长期, or a number of years from the day it is issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    LongTerm,
    Years(u8),
}

impl Validity {
    /// `long_term` or `N years` (1 to 30).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text == "long_term" {
            return Some(Self::LongTerm);
        }
        let years: u8 = text.strip_suffix("years").or_else(|| text.strip_suffix("year"))?.trim().parse().ok()?;
        (1..=30).contains(&years).then_some(Self::Years(years))
    }

    /// The last day a licence issued on `issued_on` is valid, if it ever ends: the day before the same date
    /// `years` later (a licence issued on 29 February ends on 28 February).
    pub fn valid_until(self, issued_on: NaiveDate) -> Option<NaiveDate> {
        match self {
            Self::LongTerm => None,
            Self::Years(years) => {
                let year = issued_on.year() + i32::from(years);
                let same_day = NaiveDate::from_ymd_opt(year, issued_on.month(), issued_on.day())
                    .or_else(|| NaiveDate::from_ymd_opt(year, issued_on.month(), 28))?;
                same_day.pred_opt()
            }
        }
    }

    pub fn label(self) -> String {
        match self {
            Self::LongTerm => "长期".to_string(),
            Self::Years(years) => format!("{years} 年"),
        }
    }
}

/// A type of licence (证照类型), as `data/licences/types.json` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceType {
    /// 证照类型代码: 21 characters (ADR 0020 says how Onetrip's are made).
    pub code: String,
    pub name: String,
    /// The codes of the matters whose granted cases issue it.
    pub matters: Vec<String>,
    pub holder: HolderKind,
    /// `long_term` or `N years`.
    pub validity: String,
    /// Where the validity comes from (a law's article).
    #[serde(default)]
    pub basis: String,
}

impl LicenceType {
    pub fn validity(&self) -> Validity {
        Validity::parse(&self.validity).unwrap_or(Validity::LongTerm)
    }
}

/// Checks a list of licence types: codes well formed and unique, a name, at least one matter, a matter
/// issuing one type only, a validity that reads.
pub fn check_types(types: &[LicenceType]) -> Result<(), String> {
    let mut codes = std::collections::HashSet::new();
    let mut matters = std::collections::HashSet::new();
    for licence_type in types {
        let code = &licence_type.code;
        if code.len() != 21 || !code.bytes().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()) {
            return Err(format!("证照类型代码 {code} 应为 21 位数字或大写字母"));
        }
        if !codes.insert(code.clone()) {
            return Err(format!("证照类型代码 {code} 重复"));
        }
        if licence_type.name.trim().is_empty() || text::check_name(&licence_type.name, 50).is_err() {
            return Err(format!("证照类型 {code} 的名称应为 50 字以内的一行文字"));
        }
        if licence_type.matters.is_empty() {
            return Err(format!("证照类型 {code} 没有签发它的事项"));
        }
        for matter in &licence_type.matters {
            if !matters.insert(matter.clone()) {
                return Err(format!("事项 {matter} 签发了不止一种证照"));
            }
        }
        if Validity::parse(&licence_type.validity).is_none() {
            return Err(format!("证照类型 {code} 的有效期应为 long_term 或“N years”（1 到 30 年）"));
        }
    }
    Ok(())
}

/// A licence's status as stored (状态). 失效 (expired) is not stored: it is [`Licence::status_on`] a day
/// after `valid_until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    /// 有效.
    Valid,
    /// 暂扣: suspended, may be reinstated.
    Suspended,
    /// 撤销: revoked by the issuer; final.
    Revoked,
    /// 注销: cancelled (the holder gave it up, the company was dissolved); final.
    Cancelled,
    /// 已换发: replaced by its next version; final.
    Superseded,
    /// 失效: past its validity (never stored).
    Expired,
}

impl LicenceStatus {
    pub const STORED: &'static [LicenceStatus] =
        &[Self::Valid, Self::Suspended, Self::Revoked, Self::Cancelled, Self::Superseded];

    pub fn code(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Suspended => "suspended",
            Self::Revoked => "revoked",
            Self::Cancelled => "cancelled",
            Self::Superseded => "superseded",
            Self::Expired => "expired",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::STORED.iter().copied().chain([Self::Expired]).find(|status| status.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Valid => "有效",
            Self::Suspended => "暂扣",
            Self::Revoked => "已撤销",
            Self::Cancelled => "已注销",
            Self::Superseded => "已换发",
            Self::Expired => "已过有效期",
        }
    }

    /// Whether a licence in this status proves anything (can satisfy a material, verifies as in force).
    pub fn in_force(self) -> bool {
        self == Self::Valid
    }
}

/// One line of a licence's face (照面信息): a label and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenceField {
    pub label: String,
    pub value: String,
}

/// An e-licence as the register keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Licence {
    pub id: LicenceId,
    pub type_code: String,
    pub name: String,
    pub holder: ApplicantIdentity,
    pub holder_name: String,
    /// The issuing department's code, name and unified social credit code.
    pub issuer: String,
    pub issuer_name: String,
    pub issuer_credit_code: String,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub status: LicenceStatus,
    /// The case that issued it.
    pub case_number: String,
    pub fields: Vec<LicenceField>,
    /// SM3 of the document, as lowercase hex.
    pub document_hash: String,
    /// The public key that sealed it (SEC1, uncompressed, hex) and the signature (r‖s, hex).
    pub seal_key: String,
    pub signature: String,
    /// The identifier of the licence this one replaced (关联证照), if it was a change.
    pub replaces: Option<String>,
}

impl Licence {
    /// The status on `today`: a valid licence past its last day is 失效.
    pub fn status_on(&self, today: NaiveDate) -> LicenceStatus {
        match (self.status, self.valid_until) {
            (LicenceStatus::Valid, Some(last)) if today > last => LicenceStatus::Expired,
            (status, _) => status,
        }
    }

    /// The holder's number as pages show it to anyone but the holder.
    pub fn holder_shown(&self) -> String {
        self.holder.shown()
    }
}

/// Escapes a value for one line of the payload: backslash, line feed, carriage return and tab.
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// The exact bytes the seal signs: every part of the licence except its status and the signature itself,
/// one `key=value` per line in a fixed order, values escaped so that no value can end a line. Two licences
/// that differ in anything signed give different payloads.
pub fn seal_payload(licence: &Licence) -> Vec<u8> {
    let mut lines = vec![
        "onetrip-licence-seal/1".to_string(),
        format!("id={}", licence.id),
        format!("type={}", escape(&licence.type_code)),
        format!("name={}", escape(&licence.name)),
        format!("holder_kind={}", licence.holder.kind()),
        format!("holder_number={}", escape(licence.holder.number())),
        format!("holder_name={}", escape(&licence.holder_name)),
        format!("issuer={}", escape(&licence.issuer_credit_code)),
        format!("issuer_name={}", escape(&licence.issuer_name)),
        format!("issued_on={}", licence.issued_on.format("%Y-%m-%d")),
        format!(
            "valid_until={}",
            licence.valid_until.map_or("long_term".to_string(), |day| day.format("%Y-%m-%d").to_string())
        ),
        format!("case={}", escape(&licence.case_number)),
        format!("replaces={}", escape(licence.replaces.as_deref().unwrap_or(""))),
    ];
    for field in &licence.fields {
        lines.push(format!("field={}\t{}", escape(&field.label), escape(&field.value)));
    }
    lines.push(format!("document={}", escape(&licence.document_hash)));
    lines.push(format!("seal_key={}", escape(&licence.seal_key)));
    let mut payload = lines.join("\n").into_bytes();
    payload.push(b'\n');
    payload
}

/// A change of a licence's status, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LicenceAction {
    /// 暂扣.
    Suspend,
    /// 恢复: a suspended licence is valid again.
    Reinstate,
    /// 撤销.
    Revoke,
    /// 注销.
    Cancel,
}

impl LicenceAction {
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "suspend" => Some(Self::Suspend),
            "reinstate" => Some(Self::Reinstate),
            "revoke" => Some(Self::Revoke),
            "cancel" => Some(Self::Cancel),
            _ => None,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Suspend => "suspend",
            Self::Reinstate => "reinstate",
            Self::Revoke => "revoke",
            Self::Cancel => "cancel",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::Suspend => "暂扣",
            Self::Reinstate => "恢复有效",
            Self::Revoke => "撤销",
            Self::Cancel => "注销",
        }
    }
}

/// Why a status change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LicenceRefusal {
    /// The reason is missing or unfit (the field errors say how).
    Reason(FieldErrors),
    /// The licence is not in a status this action applies to (its current status).
    NotInState(LicenceStatus),
}

/// The longest reason for a status change.
pub const MAX_REASON: usize = 500;

/// The status `action` leaves a licence in that is `current` on the day it is taken (so an expired one
/// can still be revoked or cancelled, not suspended or reinstated). The reason is required.
pub fn change_status(
    current: LicenceStatus,
    action: &LicenceAction,
    reason: &str,
) -> Result<LicenceStatus, LicenceRefusal> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(LicenceRefusal::Reason(FieldErrors::single("reason", "请写明理由和依据（500 字以内）")));
    }
    if let Err(error) = text::check_lines(reason, MAX_REASON) {
        return Err(LicenceRefusal::Reason(FieldErrors::single("reason", format!("理由{error}"))));
    }
    use LicenceStatus::*;
    match (action, current) {
        (LicenceAction::Suspend, Valid) => Ok(Suspended),
        (LicenceAction::Reinstate, Suspended) => Ok(Valid),
        (LicenceAction::Revoke, Valid | Suspended | Expired) => Ok(Revoked),
        (LicenceAction::Cancel, Valid | Suspended | Expired) => Ok(Cancelled),
        (_, status) => Err(LicenceRefusal::NotInState(status)),
    }
}

#[cfg(test)]
mod tests;

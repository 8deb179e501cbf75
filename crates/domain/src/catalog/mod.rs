//! The matter catalog (事项目录): matters at the handling-item level with the national implementation-list
//! elements, departments, versions and adjustments, and the validation run on every save.
//!
//! Field names follow `GLOSSARY.md`; the element list follows `shared/domain/standards.md` §1.2–1.6.

use crate::ids::CreditCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

mod kinds;
mod validation;

#[cfg(test)]
pub(crate) mod tests;

pub use kinds::*;
pub use validation::{validate_adjustment, validate_department, validate_matter, MAX_SCHEDULE_DAYS};

/// 主项 or 子项: a higher catalog level, by code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogLevel {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Material {
    pub name: String,
    pub necessity: MaterialNecessity,
    pub form: MaterialForm,
    pub copy_kind: MaterialCopyKind,
    pub source: MaterialSource,
    #[serde(default)]
    pub source_note: String,
    /// 纸质材料份数 (0 when only electronic).
    pub copies: u8,
    #[serde(default)]
    pub specification: String,
    /// Address of the blank form (空白表格), if any.
    #[serde(default)]
    pub blank_form: String,
    /// Address of the filled-in sample (示例样表), if any.
    #[serde(default)]
    pub sample: String,
    #[serde(default)]
    pub filling_notes: String,
    pub acceptance_standard: String,
    #[serde(default)]
    pub basis: String,
    /// 告知承诺: the applicant may sign a pledge instead of supplying it.
    #[serde(default)]
    pub pledge_allowed: bool,
    #[serde(default)]
    pub remarks: String,
    /// Where the material's data can come from instead of an upload (ADR 0022): `licence:<证照类型代码>`
    /// (Onetrip's register of e-licences), `external:<source code>` (a department's system) or
    /// `result:<matter code>` (the holder's granted case of another matter); empty: none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub shared_from: String,
}

/// A material's source, as [`Material::shared_from`] names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharedFrom {
    /// An e-licence of this type, from Onetrip's own register.
    Licence(String),
    /// A departmental system configured under this code.
    External(String),
    /// The result of another matter: the holder's case of this matter code that was granted.
    Result(String),
}

impl SharedFrom {
    /// Reads `licence:<21 characters>`, `external:<code of letters, digits, - and _>` or
    /// `result:<matter code>`.
    pub fn parse(text: &str) -> Option<Self> {
        let code_chars = |code: &str, max: usize| {
            !code.is_empty()
                && code.len() <= max
                && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        if let Some(code) = text.strip_prefix("licence:") {
            return (code.len() == 21 && code.bytes().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()))
                .then(|| Self::Licence(code.to_string()));
        }
        if let Some(code) = text.strip_prefix("result:") {
            return code_chars(code, 40).then(|| Self::Result(code.to_string()));
        }
        let code = text.strip_prefix("external:")?;
        code_chars(code, 40).then(|| Self::External(code.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    pub name: String,
    pub kind: StepKind,
    /// The department doing this step; empty means the matter's own department.
    #[serde(default)]
    pub department: String,
    /// Steps with the same stage number run in parallel (并联审批); stages run in ascending order.
    pub stage: u16,
    pub limit: TimeLimit,
    #[serde(default)]
    pub standard: String,
    #[serde(default)]
    pub result: String,
    /// 会签: how many reviewers of the step's department must each sign it off (1 for an ordinary step).
    #[serde(default = "one_sign_off", skip_serializing_if = "is_one_sign_off")]
    pub sign_offs: u8,
}

fn one_sign_off() -> u8 {
    1
}

fn is_one_sign_off(value: &u8) -> bool {
    *value == 1
}

/// The most reviewers one step may need for its joint sign-off.
pub const MAX_SIGN_OFFS: u8 = 9;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fee {
    pub name: String,
    pub standard: String,
    pub basis: String,
    #[serde(default)]
    pub reducible: bool,
    #[serde(default)]
    pub reduction_basis: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Faq {
    pub question: String,
    pub answer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatterResult {
    pub name: String,
    pub kind: ResultKind,
    #[serde(default)]
    pub sample: String,
}

/// 特别程序 (特殊环节): time that does not count against the limit unless said otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpecialProcedure {
    pub name: String,
    pub limit: String,
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub counts_in_limit: bool,
}

/// One matter at the handling-item level (业务办理项): what an applicant applies for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(description = "事项的全部要素（见 shared/domain/standards.md §1.4）")
)]
pub struct Matter {
    /// 业务办理项编码, the key of the matter in Onetrip.
    pub code: String,
    /// 基本编码 (12 characters).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9A-Za-z]{12}$"))]
    pub catalog_code: String,
    pub main_item: CatalogLevel,
    pub sub_item: CatalogLevel,
    pub name: String,
    pub kind: MatterKind,
    /// Code of the implementing department (实施主体).
    pub department: String,
    pub use_level: UseLevel,
    pub legal_basis: String,
    pub acceptance_conditions: String,
    pub statutory_limit: TimeLimit,
    #[serde(default)]
    pub statutory_limit_note: String,
    pub promised_limit: TimeLimit,
    #[serde(default)]
    pub promised_limit_note: String,
    pub handling_forms: Vec<HandlingForm>,
    pub service_objects: Vec<ServiceObject>,
    #[cfg_attr(feature = "openapi", schema(maximum = 5))]
    pub trips_required: u8,
    #[serde(default)]
    pub trips_reason: String,
    #[serde(default)]
    pub special_procedures: Vec<SpecialProcedure>,
    pub online_depth: OnlineDepth,
    pub appointment_supported: bool,
    pub postal_supported: bool,
    pub online_payment_supported: bool,
    pub self_service_supported: bool,
    pub handle_area: HandleArea,
    /// Codes of the other departments that take part (联办机构).
    #[serde(default)]
    pub joint_departments: Vec<String>,
    #[serde(default)]
    pub fees: Vec<Fee>,
    #[serde(default)]
    pub faqs: Vec<Faq>,
    pub steps: Vec<Step>,
    pub materials: Vec<Material>,
    pub results: Vec<MatterResult>,
    pub address: String,
    pub office_hours: String,
    pub consultation_phone: String,
    pub complaint_phone: String,
    /// 主题分类, e.g. 设立变更, 社会保障.
    #[serde(default)]
    pub themes: Vec<String>,
    /// 人生事件 / 企业生命周期, e.g. 开办企业, 生育, 就业.
    #[serde(default)]
    pub life_events: Vec<String>,
    /// Extra words people use for this matter, for search.
    #[serde(default)]
    pub keywords: Vec<String>,
}

impl Matter {
    /// How a decision on this matter is worded (准予登记 for a registration, 准予许可 for a licence …).
    pub fn decision_words(&self) -> DecisionWords {
        DecisionWords::for_matter(self.kind, &self.name)
    }

    /// 办件类型: 即办件 when the promised limit is on the spot, otherwise 承诺件.
    pub fn case_kind_label(&self) -> &'static str {
        if self.promised_limit.is_on_the_spot() {
            "即办件"
        } else {
            "承诺件"
        }
    }

    pub fn charges_fees(&self) -> bool {
        !self.fees.is_empty()
    }
}

/// An implementing department (实施主体 / 进驻单位).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    pub code: String,
    pub name: String,
    pub credit_code: CreditCode,
}

/// Who made a version, when it takes effect and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Adjustment {
    pub kind: AdjustmentKind,
    pub reason: String,
    pub effective_date: NaiveDate,
    /// For 合并: the code of the matter this one was merged into.
    #[serde(default)]
    pub merged_into: String,
}

/// One stored version of a matter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatterVersion {
    pub version: u32,
    pub adjustment: Adjustment,
    pub author: String,
    pub matter: Matter,
}

/// The version in force on a given day: the newest version already effective.
pub fn version_in_force(versions: &[MatterVersion], today: NaiveDate) -> Option<&MatterVersion> {
    versions
        .iter()
        .filter(|version| version.adjustment.effective_date <= today)
        .max_by_key(|version| (version.adjustment.effective_date, version.version))
}

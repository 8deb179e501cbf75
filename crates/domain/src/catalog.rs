//! The matter catalog (事项目录): matters at the handling-item level with the national implementation-list
//! elements, departments, versions and adjustments, and the validation run on every save.
//!
//! Field names follow `GLOSSARY.md`; the element list follows `shared/domain/standards.md` §1.2–1.6.

use crate::ids::CreditCode;
use crate::validation::FieldErrors;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// 事项类型, with the national codes used in the data exchanged with the national platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MatterKind {
    #[serde(rename = "01")]
    AdministrativeLicence,
    #[serde(rename = "02")]
    AdministrativePenalty,
    #[serde(rename = "03")]
    AdministrativeCompulsion,
    #[serde(rename = "04")]
    AdministrativeLevy,
    #[serde(rename = "05")]
    AdministrativeBenefit,
    #[serde(rename = "06")]
    AdministrativeInspection,
    #[serde(rename = "07")]
    AdministrativeConfirmation,
    #[serde(rename = "08")]
    AdministrativeReward,
    #[serde(rename = "09")]
    AdministrativeAdjudication,
    #[serde(rename = "10")]
    OtherAdministrativePower,
    #[serde(rename = "20")]
    PublicService,
}

impl MatterKind {
    pub const ALL: [MatterKind; 11] = [
        Self::AdministrativeLicence,
        Self::AdministrativePenalty,
        Self::AdministrativeCompulsion,
        Self::AdministrativeLevy,
        Self::AdministrativeBenefit,
        Self::AdministrativeInspection,
        Self::AdministrativeConfirmation,
        Self::AdministrativeReward,
        Self::AdministrativeAdjudication,
        Self::OtherAdministrativePower,
        Self::PublicService,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::AdministrativeLicence => "01",
            Self::AdministrativePenalty => "02",
            Self::AdministrativeCompulsion => "03",
            Self::AdministrativeLevy => "04",
            Self::AdministrativeBenefit => "05",
            Self::AdministrativeInspection => "06",
            Self::AdministrativeConfirmation => "07",
            Self::AdministrativeReward => "08",
            Self::AdministrativeAdjudication => "09",
            Self::OtherAdministrativePower => "10",
            Self::PublicService => "20",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::AdministrativeLicence => "行政许可",
            Self::AdministrativePenalty => "行政处罚",
            Self::AdministrativeCompulsion => "行政强制",
            Self::AdministrativeLevy => "行政征收",
            Self::AdministrativeBenefit => "行政给付",
            Self::AdministrativeInspection => "行政检查",
            Self::AdministrativeConfirmation => "行政确认",
            Self::AdministrativeReward => "行政奖励",
            Self::AdministrativeAdjudication => "行政裁决",
            Self::OtherAdministrativePower => "其他行政权力",
            Self::PublicService => "公共服务",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code.trim())
    }

    pub fn from_label(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.label() == label.trim())
    }
}

/// A time limit: on the spot (即办), or a number of working days counted in half days (0.5 is allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeLimit {
    OnTheSpot,
    HalfDays(u32),
}

/// The longest limit we accept in the catalog: 行政许可法 sets at most 45 + 15 working days, other laws more;
/// two working years is far beyond any published limit and catches typing slips such as 1000.
pub const MAX_LIMIT_HALF_DAYS: u32 = 2 * 500;

impl TimeLimit {
    pub fn working_days(days: f64) -> Result<Self, String> {
        let half_days = days * 2.0;
        if !days.is_finite() || days <= 0.0 || half_days.fract() != 0.0 {
            return Err("工作日数应为 0.5 的整数倍且大于 0，例如 0.5、3、10；当场办结请填“即办”".to_string());
        }
        if half_days > f64::from(MAX_LIMIT_HALF_DAYS) {
            return Err("时限超过 500 个工作日，请核对".to_string());
        }
        Ok(Self::HalfDays(half_days as u32))
    }

    /// Reads the forms catalog staff type: "即办", "10", "0.5", "10个工作日".
    pub fn parse_text(text: &str) -> Result<Self, String> {
        let trimmed = text.trim().trim_end_matches("个工作日").trim_end_matches("工作日").trim();
        if trimmed == "即办" || trimmed == "on_the_spot" {
            return Ok(Self::OnTheSpot);
        }
        let days: f64 =
            trimmed.parse().map_err(|_| format!("“{text}”不是时限，请填“即办”或工作日数，例如 5 或 0.5"))?;
        Self::working_days(days)
    }

    pub fn half_days(self) -> u32 {
        match self {
            Self::OnTheSpot => 0,
            Self::HalfDays(half_days) => half_days,
        }
    }

    pub fn is_on_the_spot(self) -> bool {
        matches!(self, Self::OnTheSpot)
    }
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OnTheSpot => formatter.write_str("即办"),
            Self::HalfDays(half_days) if half_days % 2 == 0 => {
                write!(formatter, "{}个工作日", half_days / 2)
            }
            Self::HalfDays(half_days) => write!(formatter, "{}.5个工作日", half_days / 2),
        }
    }
}

impl Serialize for TimeLimit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::OnTheSpot => serializer.serialize_str("on_the_spot"),
            Self::HalfDays(half_days) if half_days % 2 == 0 => serializer.serialize_u32(half_days / 2),
            Self::HalfDays(half_days) => serializer.serialize_f64(f64::from(*half_days) / 2.0),
        }
    }
}

impl<'de> Deserialize<'de> for TimeLimit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Number(days) => Self::working_days(days).map_err(serde::de::Error::custom),
            Raw::Text(text) => Self::parse_text(&text).map_err(serde::de::Error::custom),
        }
    }
}

macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            /// The stable code used in JSON, forms and the API.
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code,)+ } }
            /// The Chinese label shown to people and used in the Excel workbook.
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label,)+ } }
            pub fn from_code(code: &str) -> Option<Self> { Self::ALL.iter().copied().find(|value| value.code() == code.trim()) }
            pub fn from_label(label: &str) -> Option<Self> { Self::ALL.iter().copied().find(|value| value.label() == label.trim()) }
            /// Either the code or the Chinese label.
            pub fn parse_any(text: &str) -> Option<Self> { Self::from_code(text).or_else(|| Self::from_label(text)) }
        }
    };
}

labelled_enum!(
    /// 行使层级.
    UseLevel {
        National => "national", "国家级";
        Provincial => "provincial", "省级";
        Municipal => "municipal", "市级";
        County => "county", "县级";
        Township => "township", "乡级";
        Village => "village", "村级";
    }
);

labelled_enum!(
    /// 办理形式.
    HandlingForm {
        Window => "window", "窗口办理";
        Online => "online", "网上办理";
        Post => "post", "快递申请";
    }
);

labelled_enum!(
    /// 服务对象.
    ServiceObject {
        NaturalPerson => "natural_person", "自然人";
        EnterpriseLegalPerson => "enterprise_legal_person", "企业法人";
        InstitutionLegalPerson => "institution_legal_person", "事业法人";
        SocialOrganisation => "social_organisation", "社会组织法人";
        UnincorporatedEnterprise => "unincorporated_enterprise", "非法人企业";
        AdministrativeOrgan => "administrative_organ", "行政机关";
        OtherOrganisation => "other_organisation", "其他组织";
    }
);

labelled_enum!(
    /// 网上办理深度, as the deepest stage an applicant can reach online; `Full` is 全程网办（Ⅳ级）.
    OnlineDepth {
        None => "none", "不支持网上办理";
        Consult => "consult", "互联网咨询";
        Receive => "receive", "互联网收件";
        PreReview => "pre_review", "互联网预审";
        Accept => "accept", "互联网受理";
        Handle => "handle", "互联网办理";
        Full => "full", "全程网办";
    }
);

labelled_enum!(
    /// 通办范围.
    HandleArea {
        Local => "local", "本级";
        County => "county", "全县";
        City => "city", "全市";
        Province => "province", "全省";
        CrossProvince => "cross_province", "跨省";
        National => "national", "全国";
    }
);

labelled_enum!(
    /// 材料必要性: required, optional, or 容缺 (may follow after acceptance).
    MaterialNecessity {
        Required => "required", "必要";
        Optional => "optional", "非必要";
        Deferrable => "deferrable", "容缺";
    }
);

labelled_enum!(
    /// 材料形式.
    MaterialForm {
        Paper => "paper", "纸质";
        Electronic => "electronic", "电子";
        PaperOrElectronic => "paper_or_electronic", "纸质或电子";
    }
);

labelled_enum!(
    /// 材料类型.
    MaterialCopyKind {
        Original => "original", "原件";
        Copy => "copy", "复印件";
        OriginalAndCopy => "original_and_copy", "原件和复印件";
    }
);

labelled_enum!(
    /// 来源渠道.
    MaterialSource {
        Applicant => "applicant", "申请人自备";
        Government => "government", "政府部门核发";
        Intermediary => "intermediary", "中介机构出具";
        Other => "other", "其他";
    }
);

labelled_enum!(
    /// 办理环节的种类 (受理 / 审查 / 审核 / 审批(决定) / 办结 / 送达).
    StepKind {
        Accept => "accept", "受理";
        Review => "review", "审查";
        Check => "check", "审核";
        Decide => "decide", "决定";
        Conclude => "conclude", "办结";
        Deliver => "deliver", "送达";
    }
);

labelled_enum!(
    /// 审批结果类型.
    ResultKind {
        Certificate => "certificate", "出证办结";
        Document => "document", "出文办结";
        Approval => "approval", "审批办结";
    }
);

labelled_enum!(
    /// 调整类型: why a version of a matter exists.
    AdjustmentKind {
        Create => "create", "新增";
        Merge => "merge", "合并";
        Cancel => "cancel", "取消";
        TakeOver => "take_over", "承接";
        Adjust => "adjust", "调整";
        Confirm => "confirm", "确认";
    }
);

impl AdjustmentKind {
    /// A matter whose version in force is of this kind is no longer handled.
    pub fn ends_the_matter(self) -> bool {
        matches!(self, Self::Merge | Self::Cancel)
    }
}

/// 主项 or 子项: a higher catalog level, by code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogLevel {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
pub struct Faq {
    pub question: String,
    pub answer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatterResult {
    pub name: String,
    pub kind: ResultKind,
    #[serde(default)]
    pub sample: String,
}

/// 特别程序 (特殊环节): time that does not count against the limit unless said otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct Matter {
    /// 业务办理项编码, the key of the matter in Onetrip.
    pub code: String,
    /// 基本编码 (12 characters).
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
pub struct Department {
    pub code: String,
    pub name: String,
    pub credit_code: CreditCode,
}

/// Who made a version, when it takes effect and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

const CODE_MAX: usize = 36;
const NAME_MAX: usize = 100;
const TEXT_MAX: usize = 4000;
const SHORT_MAX: usize = 200;

fn check_code(errors: &mut FieldErrors, field: &str, value: &str, label: &str) {
    if value.trim().is_empty() {
        errors.add(field, format!("请填写{label}"));
    } else if value.len() > CODE_MAX || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        errors.add(field, format!("{label}只能由字母、数字和“-”组成，最长 {CODE_MAX} 位"));
    }
}

fn check_text(errors: &mut FieldErrors, field: &str, value: &str, label: &str, required: bool, max: usize) {
    let length = value.chars().count();
    if required && value.trim().is_empty() {
        errors.add(field, format!("请填写{label}"));
    } else if length > max {
        errors.add(field, format!("{label}最长 {max} 个字，现有 {length} 个，请精简"));
    }
}

/// Whether a phone number carries an area code: `0906-2123456`, `09062123456`, or a hotline like 12345.
fn phone_has_area_code(phone: &str) -> bool {
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    let only_phone_chars = phone.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ' ');
    only_phone_chars
        && ((digits.starts_with('0') && (10..=12).contains(&digits.len()))
            || digits.len() == 5 && digits.starts_with("123"))
}

/// The rules every saved matter must meet (standards.md §1.6), with a message per field.
/// `departments` are the codes of the departments that exist.
pub fn validate_matter(matter: &Matter, departments: &[&str]) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    check_code(&mut errors, "code", &matter.code, "业务办理项编码");
    if matter.catalog_code.chars().count() != 12 || !matter.catalog_code.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.add("catalog_code", "基本编码应为 12 位字母或数字");
    }
    check_code(&mut errors, "main_item.code", &matter.main_item.code, "主项编码");
    check_text(&mut errors, "main_item.name", &matter.main_item.name, "主项名称", true, NAME_MAX);
    check_code(&mut errors, "sub_item.code", &matter.sub_item.code, "子项编码");
    check_text(&mut errors, "sub_item.name", &matter.sub_item.name, "子项名称", true, NAME_MAX);
    check_text(&mut errors, "name", &matter.name, "事项名称", true, NAME_MAX);
    if !departments.contains(&matter.department.as_str()) {
        errors.add("department", format!("实施主体“{}”不存在，请先在部门中添加或选择已有部门", matter.department));
    }
    check_text(&mut errors, "legal_basis", &matter.legal_basis, "设定依据", true, TEXT_MAX);
    check_text(&mut errors, "acceptance_conditions", &matter.acceptance_conditions, "受理条件", true, TEXT_MAX);
    check_text(&mut errors, "statutory_limit_note", &matter.statutory_limit_note, "法定时限说明", false, SHORT_MAX);
    check_text(&mut errors, "promised_limit_note", &matter.promised_limit_note, "承诺时限说明", false, SHORT_MAX);
    if matter.promised_limit.half_days() > matter.statutory_limit.half_days() {
        errors.add(
            "promised_limit",
            format!("承诺办结时限（{}）不能长于法定办结时限（{}）", matter.promised_limit, matter.statutory_limit),
        );
    }
    if matter.handling_forms.is_empty() {
        errors.add("handling_forms", "请至少选择一种办理形式");
    }
    if matter.service_objects.is_empty() {
        errors.add("service_objects", "请至少选择一种服务对象");
    }
    if matter.trips_required > 5 {
        errors.add("trips_required", "到办事现场次数最多 5 次；超过的请拆分环节或说明");
    }
    if matter.trips_required > 0 && matter.trips_reason.trim().is_empty() {
        errors.add("trips_reason", "到办事现场次数不为 0 时，必须说明必须到现场办理的原因");
    }
    check_text(&mut errors, "trips_reason", &matter.trips_reason, "到现场原因", false, SHORT_MAX);
    if matter.online_depth == OnlineDepth::Full && matter.trips_required != 0 {
        errors.add("trips_required", "全程网办的事项，到办事现场次数应为 0");
    }
    if matter.trips_required == 0
        && matter.online_depth == OnlineDepth::None
        && !matter.handling_forms.contains(&HandlingForm::Post)
    {
        errors.add("handling_forms", "到办事现场次数为 0 且不能网办时，办理形式须包括快递申请");
    }
    if matter.handling_forms.contains(&HandlingForm::Online) && matter.online_depth < OnlineDepth::Receive {
        errors.add("online_depth", "办理形式含网上办理时，网上办理深度至少应为互联网收件");
    }
    for (index, procedure) in matter.special_procedures.iter().enumerate() {
        check_text(
            &mut errors,
            &format!("special_procedures[{index}].name"),
            &procedure.name,
            "特别程序名称",
            true,
            NAME_MAX,
        );
        check_text(
            &mut errors,
            &format!("special_procedures[{index}].limit"),
            &procedure.limit,
            "特别程序时限",
            true,
            SHORT_MAX,
        );
    }
    if !matter.charges_fees() && matter.online_payment_supported {
        errors.add("online_payment_supported", "不收费的事项不能标为支持网上支付");
    }
    for (index, fee) in matter.fees.iter().enumerate() {
        check_text(&mut errors, &format!("fees[{index}].name"), &fee.name, "收费项目名称", true, NAME_MAX);
        check_text(&mut errors, &format!("fees[{index}].standard"), &fee.standard, "收费标准", true, SHORT_MAX);
        check_text(&mut errors, &format!("fees[{index}].basis"), &fee.basis, "收费依据", true, TEXT_MAX);
        if fee.reducible && fee.reduction_basis.trim().is_empty() {
            errors.add(format!("fees[{index}].reduction_basis"), "允许减免时须填写减免依据");
        }
    }
    for (index, faq) in matter.faqs.iter().enumerate() {
        check_text(&mut errors, &format!("faqs[{index}].question"), &faq.question, "问题", true, SHORT_MAX);
        check_text(&mut errors, &format!("faqs[{index}].answer"), &faq.answer, "答案", true, TEXT_MAX);
    }
    if matter.kind == MatterKind::AdministrativeLicence {
        if matter.steps.len() < 5 {
            errors.add("steps", "行政许可事项至少应有 5 个办理环节（受理、审核、审批、办结、送达）");
        }
        if matter.faqs.is_empty() {
            errors.add("faqs", "行政许可事项至少应有 1 条常见问题解答");
        }
    }
    if matter.steps.is_empty() {
        errors.add("steps", "请至少填写一个办理环节");
    }
    let mut previous_stage = 0;
    for (index, step) in matter.steps.iter().enumerate() {
        check_text(&mut errors, &format!("steps[{index}].name"), &step.name, "环节名称", true, NAME_MAX);
        if step.stage < previous_stage {
            errors.add(format!("steps[{index}].stage"), "环节应按阶段顺序排列，同一阶段的环节并联办理");
        }
        previous_stage = step.stage;
        if !step.department.is_empty() && !departments.contains(&step.department.as_str()) {
            errors.add(format!("steps[{index}].department"), format!("办理部门“{}”不存在", step.department));
        }
        if step.limit.half_days() > matter.statutory_limit.half_days() {
            errors.add(format!("steps[{index}].limit"), "环节时限不能长于事项的法定办结时限");
        }
        if step.sign_offs == 0 || step.sign_offs > MAX_SIGN_OFFS {
            errors.add(format!("steps[{index}].sign_offs"), format!("会签人数应为 1 到 {MAX_SIGN_OFFS}，普通环节填 1"));
        } else if step.sign_offs > 1 && !matches!(step.kind, StepKind::Review | StepKind::Check) {
            errors.add(format!("steps[{index}].sign_offs"), "只有审查、审核环节可以会签；决定环节由一人作出决定");
        }
    }
    if matter.materials.is_empty() && matter.kind == MatterKind::AdministrativeLicence {
        errors.add("materials", "行政许可事项至少应有一项申请材料");
    }
    for (index, material) in matter.materials.iter().enumerate() {
        check_text(&mut errors, &format!("materials[{index}].name"), &material.name, "材料名称", true, NAME_MAX);
        check_text(
            &mut errors,
            &format!("materials[{index}].acceptance_standard"),
            &material.acceptance_standard,
            "受理标准",
            true,
            TEXT_MAX,
        );
        check_text(
            &mut errors,
            &format!("materials[{index}].filling_notes"),
            &material.filling_notes,
            "填报须知",
            false,
            TEXT_MAX,
        );
        if material.form != MaterialForm::Electronic && material.copies == 0 {
            errors.add(
                format!("materials[{index}].copies"),
                "纸质材料份数至少为 1；只收电子材料时请把材料形式选为“电子”",
            );
        }
        if material.copies > 20 {
            errors.add(format!("materials[{index}].copies"), "纸质材料份数最多 20 份");
        }
    }
    for (index, result) in matter.results.iter().enumerate() {
        check_text(&mut errors, &format!("results[{index}].name"), &result.name, "结果名称", true, NAME_MAX);
        let expected = if result.name.ends_with('证') || result.name.ends_with("执照") {
            Some(ResultKind::Certificate)
        } else if result.name.ends_with("批复") {
            Some(ResultKind::Approval)
        } else {
            None
        };
        if let Some(expected) = expected {
            if expected != result.kind {
                errors.add(
                    format!("results[{index}].kind"),
                    format!("结果名称“{}”应对应结果类型“{}”", result.name, expected.label()),
                );
            }
        }
    }
    for (index, department) in matter.joint_departments.iter().enumerate() {
        if !departments.contains(&department.as_str()) {
            errors.add(format!("joint_departments[{index}]"), format!("联办机构“{department}”不存在"));
        }
    }
    check_text(&mut errors, "address", &matter.address, "办理地点", true, SHORT_MAX);
    check_text(&mut errors, "office_hours", &matter.office_hours, "办理时间", true, SHORT_MAX);
    if !phone_has_area_code(&matter.consultation_phone) {
        errors.add("consultation_phone", "咨询电话须带区号，例如 0906-2123456");
    }
    if !phone_has_area_code(&matter.complaint_phone) {
        errors.add("complaint_phone", "监督投诉电话须带区号，例如 0906-2123456，或填 12345");
    }
    if matter.consultation_phone.trim() == matter.complaint_phone.trim() {
        errors.add("complaint_phone", "监督投诉电话应与咨询电话不同");
    }
    for (field, list) in
        [("themes", &matter.themes), ("life_events", &matter.life_events), ("keywords", &matter.keywords)]
    {
        if list.len() > 20 {
            errors.add(field, "最多 20 项");
        }
        if list.iter().any(|item| item.trim().is_empty() || item.chars().count() > 20) {
            errors.add(field, "每项 1 到 20 个字");
        }
    }
    if matter.themes.is_empty() {
        errors.add("themes", "请至少填写一个主题分类，便于群众按主题查找");
    }
    errors.into_result()
}

/// How far ahead a version may be scheduled: enough for next year's catalog, short enough to catch typos.
pub const MAX_SCHEDULE_DAYS: i64 = 2 * 366;

/// Checks an adjustment before it is stored as a new version; `today` is the centre's date.
pub fn validate_adjustment(
    adjustment: &Adjustment,
    is_first_version: bool,
    today: NaiveDate,
) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
    if adjustment.effective_date < earliest || (adjustment.effective_date - today).num_days() > MAX_SCHEDULE_DAYS {
        errors.add(
            "effective_date",
            format!("施行日期应在 2000-01-01 到 {} 之间", today + chrono::Duration::days(MAX_SCHEDULE_DAYS)),
        );
    }
    check_text(&mut errors, "reason", &adjustment.reason, "调整原因", true, SHORT_MAX);
    if is_first_version && !matches!(adjustment.kind, AdjustmentKind::Create | AdjustmentKind::TakeOver) {
        errors.add("adjustment_kind", "新事项的第一个版本只能是“新增”或“承接”");
    }
    if !is_first_version && matches!(adjustment.kind, AdjustmentKind::Create) {
        errors.add("adjustment_kind", "已有事项不能再“新增”，请选择调整、确认、合并、取消等");
    }
    if adjustment.kind == AdjustmentKind::Merge && adjustment.merged_into.trim().is_empty() {
        errors.add("merged_into", "合并时须填写合并到哪个事项（业务办理项编码）");
    }
    errors.into_result()
}

pub fn validate_department(department: &Department) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    check_code(&mut errors, "code", &department.code, "部门编码");
    check_text(&mut errors, "name", &department.name, "部门名称", true, NAME_MAX);
    errors.into_result()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample_matter() -> Matter {
        let step = |name: &str, kind, stage| Step {
            name: name.to_string(),
            kind,
            department: String::new(),
            stage,
            limit: TimeLimit::HalfDays(2),
            standard: "材料齐全、符合法定形式".to_string(),
            result: String::new(),
            sign_offs: 1,
        };
        Matter {
            code: "00013112700401".to_string(),
            catalog_code: "00013112700Y".to_string(),
            main_item: CatalogLevel { code: "00013112700Y".to_string(), name: "企业登记注册".to_string() },
            sub_item: CatalogLevel { code: "000131127004".to_string(), name: "公司登记注册(县级)".to_string() },
            name: "公司设立登记".to_string(),
            kind: MatterKind::AdministrativeLicence,
            department: "scjgj".to_string(),
            use_level: UseLevel::County,
            legal_basis: "《中华人民共和国市场主体登记管理条例》".to_string(),
            acceptance_conditions: "申请材料齐全、符合法定形式".to_string(),
            statutory_limit: TimeLimit::HalfDays(6),
            statutory_limit_note: String::new(),
            promised_limit: TimeLimit::HalfDays(2),
            promised_limit_note: String::new(),
            handling_forms: vec![HandlingForm::Window, HandlingForm::Online],
            service_objects: vec![ServiceObject::EnterpriseLegalPerson],
            trips_required: 0,
            trips_reason: String::new(),
            special_procedures: vec![],
            online_depth: OnlineDepth::Full,
            appointment_supported: true,
            postal_supported: true,
            online_payment_supported: false,
            self_service_supported: true,
            handle_area: HandleArea::City,
            joint_departments: vec![],
            fees: vec![],
            faqs: vec![Faq { question: "要多久？".to_string(), answer: "材料齐全当场办结。".to_string() }],
            steps: vec![
                step("受理", StepKind::Accept, 1),
                step("审核", StepKind::Check, 2),
                step("决定", StepKind::Decide, 3),
                step("办结", StepKind::Conclude, 4),
                step("送达", StepKind::Deliver, 5),
            ],
            materials: vec![Material {
                name: "公司登记（备案）申请书".to_string(),
                necessity: MaterialNecessity::Required,
                form: MaterialForm::PaperOrElectronic,
                copy_kind: MaterialCopyKind::Original,
                source: MaterialSource::Applicant,
                source_note: String::new(),
                copies: 1,
                specification: "A4".to_string(),
                blank_form: String::new(),
                sample: String::new(),
                filling_notes: String::new(),
                acceptance_standard: "法定代表人签字".to_string(),
                basis: String::new(),
                pledge_allowed: false,
                remarks: String::new(),
            }],
            results: vec![MatterResult {
                name: "营业执照".to_string(),
                kind: ResultKind::Certificate,
                sample: String::new(),
            }],
            address: "阿勒泰市政务服务中心商事登记区".to_string(),
            office_hours: "工作日 10:00-14:00，16:00-19:30".to_string(),
            consultation_phone: "0906-2123456".to_string(),
            complaint_phone: "12345".to_string(),
            themes: vec!["设立变更".to_string()],
            life_events: vec!["开办企业".to_string()],
            keywords: vec!["开公司".to_string()],
        }
    }

    fn fields(result: Result<(), FieldErrors>) -> Vec<String> {
        result.err().map(|errors| errors.fields().map(str::to_string).collect()).unwrap_or_default()
    }

    #[test]
    fn a_complete_matter_is_valid() {
        assert_eq!(fields(validate_matter(&sample_matter(), &["scjgj"])), Vec::<String>::new());
    }

    #[test]
    fn full_online_needs_zero_trips_and_trips_need_a_reason() {
        let mut matter = sample_matter();
        matter.trips_required = 1;
        let errors = fields(validate_matter(&matter, &["scjgj"]));
        assert!(errors.contains(&"trips_required".to_string()));
        assert!(errors.contains(&"trips_reason".to_string()));
    }

    #[test]
    fn promised_limit_cannot_exceed_statutory_limit() {
        let mut matter = sample_matter();
        matter.promised_limit = TimeLimit::HalfDays(20);
        assert!(fields(validate_matter(&matter, &["scjgj"])).contains(&"promised_limit".to_string()));
    }

    #[test]
    fn fees_need_a_basis_and_no_fee_means_no_online_payment() {
        let mut matter = sample_matter();
        matter.online_payment_supported = true;
        matter.fees.push(Fee {
            name: "登记费".into(),
            standard: "10元".into(),
            basis: String::new(),
            reducible: false,
            reduction_basis: String::new(),
        });
        let errors = fields(validate_matter(&matter, &["scjgj"]));
        assert!(errors.contains(&"fees[0].basis".to_string()));
        assert!(!errors.contains(&"online_payment_supported".to_string()));
        matter.fees.clear();
        assert!(fields(validate_matter(&matter, &["scjgj"])).contains(&"online_payment_supported".to_string()));
    }

    #[test]
    fn a_licence_needs_five_steps_and_a_faq() {
        let mut matter = sample_matter();
        matter.steps.truncate(4);
        matter.faqs.clear();
        let errors = fields(validate_matter(&matter, &["scjgj"]));
        assert!(errors.contains(&"steps".to_string()));
        assert!(errors.contains(&"faqs".to_string()));
    }

    #[test]
    fn unknown_department_and_bad_phones_are_named() {
        let mut matter = sample_matter();
        matter.consultation_phone = "2123456".into();
        let errors = fields(validate_matter(&matter, &["other"]));
        assert!(errors.contains(&"department".to_string()));
        assert!(errors.contains(&"consultation_phone".to_string()));
    }

    #[test]
    fn result_kind_must_match_the_result_name() {
        let mut matter = sample_matter();
        matter.results[0].kind = ResultKind::Document;
        assert!(fields(validate_matter(&matter, &["scjgj"])).contains(&"results[0].kind".to_string()));
    }

    #[test]
    fn time_limits_read_half_days_and_on_the_spot() {
        assert_eq!(TimeLimit::parse_text("即办"), Ok(TimeLimit::OnTheSpot));
        assert_eq!(TimeLimit::parse_text("0.5"), Ok(TimeLimit::HalfDays(1)));
        assert_eq!(TimeLimit::parse_text("10个工作日"), Ok(TimeLimit::HalfDays(20)));
        assert!(TimeLimit::parse_text("0.3").is_err());
        assert!(TimeLimit::parse_text("-1").is_err());
        assert_eq!(TimeLimit::HalfDays(1).to_string(), "0.5个工作日");
        let json = serde_json::to_string(&TimeLimit::HalfDays(1)).expect("serialises");
        assert_eq!(json, "0.5");
        assert_eq!(serde_json::from_str::<TimeLimit>("\"on_the_spot\"").expect("parses"), TimeLimit::OnTheSpot);
    }

    #[test]
    fn the_version_in_force_is_the_newest_effective_one() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 1, d).expect("date");
        let version = |number, effective| MatterVersion {
            version: number,
            adjustment: Adjustment {
                kind: AdjustmentKind::Adjust,
                reason: "x".into(),
                effective_date: effective,
                merged_into: String::new(),
            },
            author: "a".into(),
            matter: sample_matter(),
        };
        let versions = vec![version(1, day(1)), version(2, day(10)), version(3, day(20))];
        assert_eq!(version_in_force(&versions, day(15)).map(|v| v.version), Some(2));
        assert_eq!(version_in_force(&versions, day(25)).map(|v| v.version), Some(3));
        assert!(version_in_force(&versions, NaiveDate::from_ymd_opt(2025, 12, 31).expect("date")).is_none());
    }

    #[test]
    fn first_version_must_be_a_creation_and_dates_are_bounded() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        let adjustment = Adjustment {
            kind: AdjustmentKind::Adjust,
            reason: "r".into(),
            effective_date: today,
            merged_into: String::new(),
        };
        assert!(validate_adjustment(&adjustment, true, today).is_err());
        assert!(validate_adjustment(&adjustment, false, today).is_ok());
        let typo =
            Adjustment { effective_date: NaiveDate::from_ymd_opt(2206, 1, 1).expect("date"), ..adjustment.clone() };
        assert!(validate_adjustment(&typo, false, today).is_err(), "a year typed wrong is caught");
        let ancient = Adjustment { effective_date: NaiveDate::from_ymd_opt(1999, 12, 31).expect("date"), ..adjustment };
        assert!(validate_adjustment(&ancient, false, today).is_err());
    }
}

//! The catalog's closed lists: matter kinds with their national codes, time limits in half days, and the
//! labelled lists of the implementation-list elements (each with its stored code and its Chinese label).

use serde::{Deserialize, Serialize};
use std::fmt;

/// 事项类型, with the national codes used in the data exchanged with the national platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// How a decision on a matter is worded, by its kind: a licence is 准予许可 / 不予许可, a registration
/// (行政确认 named 登记) 准予登记 / 不予登记, another confirmation 予以确认 / 不予确认, a benefit 准予给付 /
/// 不予给付; the rest 准予办理 / 不予办理.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionWords {
    pub grant: &'static str,
    pub refuse: &'static str,
}

impl DecisionWords {
    pub fn for_matter(kind: MatterKind, name: &str) -> Self {
        let (grant, refuse) = match kind {
            MatterKind::AdministrativeLicence => ("准予许可", "不予许可"),
            MatterKind::AdministrativeConfirmation if name.contains("登记") => ("准予登记", "不予登记"),
            MatterKind::AdministrativeConfirmation => ("予以确认", "不予确认"),
            MatterKind::AdministrativeBenefit => ("准予给付", "不予给付"),
            MatterKind::AdministrativeReward => ("予以奖励", "不予奖励"),
            _ if name.contains("登记") => ("准予登记", "不予登记"),
            _ if name.contains("备案") => ("予以备案", "不予备案"),
            _ => ("准予办理", "不予办理"),
        };
        Self { grant, refuse }
    }

    /// The written decision refusing: 不予登记决定书.
    pub fn refusal_document(self) -> String {
        format!("{}决定书", self.refuse)
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

/// The schema of what the `Serialize` above writes (and of what clients should send): a positive number of
/// working days in halves, or the string `on_the_spot`. Reading also takes the words staff type ("即办",
/// "10个工作日"), which the schema mentions but does not promise.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for TimeLimit {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Number)
                    .multiple_of(Some(0.5))
                    .exclusive_minimum(Some(0))
                    .maximum(Some(MAX_LIMIT_HALF_DAYS / 2))
                    .description(Some("工作日数，0.5 的整数倍，例如 0.5、3、20")),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["on_the_spot"]))
                    .description(Some("即办：当场办结")),
            )
            .description(Some("时限：工作日数，或 on_the_spot（即办）；提交时也可写“即办”“10个工作日”这样的文字"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for TimeLimit {}

macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_is_worded_by_the_matters_kind() {
        let words = |kind, name| DecisionWords::for_matter(kind, name);
        assert_eq!(words(MatterKind::AdministrativeConfirmation, "不动产转移登记").grant, "准予登记");
        assert_eq!(
            words(MatterKind::AdministrativeConfirmation, "不动产转移登记").refusal_document(),
            "不予登记决定书"
        );
        assert_eq!(words(MatterKind::AdministrativeConfirmation, "特困人员认定").refuse, "不予确认");
        assert_eq!(words(MatterKind::AdministrativeLicence, "食品经营许可").grant, "准予许可");
        assert_eq!(words(MatterKind::AdministrativeBenefit, "失业保险金申领").refuse, "不予给付");
        assert_eq!(words(MatterKind::OtherAdministrativePower, "印章刻制备案").grant, "予以备案");
        assert_eq!(words(MatterKind::PublicService, "供水报装").grant, "准予办理");
    }
}

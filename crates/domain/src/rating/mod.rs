//! 好差评 (国办发〔2019〕51号): an applicant's rating of a service, in five levels stored as 1–5
//! (1 = 非常不满意 … 5 = 非常满意; standards.md §7.1), the versioned indicators a 差评 names, what a rating may
//! hold, and the follow-up of every 差评 (`followup.rs`).
//!
//! A rating fills one slot: a ticket served at a window (一次一评) or one stage of a case, its acceptance or
//! its conclusion (一事一评). A slot takes one rating; a slot left empty for the configured number of days
//! counts as 基本满意, marked as defaulted and counted apart.

pub mod followup;

use crate::text::check_lines;
use crate::FieldErrors;

/// The longest reason a rater may give, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

/// One of the five levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Level(u8);

impl Level {
    /// 基本满意: what a slot left unrated becomes.
    pub const DEFAULT: Level = Level(3);

    /// A level from its stored number; `None` outside 1–5.
    pub fn new(value: i64) -> Option<Self> {
        u8::try_from(value).ok().filter(|value| (1..=5).contains(value)).map(Self)
    }

    pub fn value(self) -> u8 {
        self.0
    }

    pub fn label(self) -> &'static str {
        match self.0 {
            5 => "非常满意",
            4 => "满意",
            3 => "基本满意",
            2 => "不满意",
            _ => "非常不满意",
        }
    }

    /// 好评 = 4–5, 中评 = 3, 差评 = 1–2.
    pub fn grade(self) -> Grade {
        match self.0 {
            4 | 5 => Grade::Good,
            3 => Grade::Neutral,
            _ => Grade::Bad,
        }
    }

    /// All five, the best first (as the rating pages show them).
    pub fn all() -> [Level; 5] {
        [Level(5), Level(4), Level(3), Level(2), Level(1)]
    }
}

/// 好评, 中评 or 差评.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grade {
    Good,
    Neutral,
    Bad,
}

impl Grade {
    pub fn code(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Neutral => "neutral",
            Self::Bad => "bad",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Good => "好评",
            Self::Neutral => "中评",
            Self::Bad => "差评",
        }
    }
}

/// What is rated: a ticket served at a window, or a stage of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// 一次一评: the service at a window, right after it.
    Window,
    /// 一事一评 after 受理 (or 不予受理).
    Acceptance,
    /// 一事一评 after 办结.
    Conclusion,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::Window, Stage::Acceptance, Stage::Conclusion];

    pub fn code(self) -> &'static str {
        match self {
            Self::Window => "window",
            Self::Acceptance => "acceptance",
            Self::Conclusion => "conclusion",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|stage| stage.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Window => "窗口服务",
            Self::Acceptance => "受理",
            Self::Conclusion => "办结",
        }
    }
}

/// Where a rating came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RatingChannel {
    /// The window's evaluator screen.
    Window,
    /// The applicant's portal.
    Portal,
    /// The link in an SMS or the QR code on a printed notice.
    Link,
    /// A departmental system through the API.
    Api,
    /// Nobody rated in time: 基本满意 by rule.
    Default,
}

impl RatingChannel {
    pub const ALL: [RatingChannel; 5] = [Self::Window, Self::Portal, Self::Link, Self::Api, Self::Default];

    pub fn code(self) -> &'static str {
        match self {
            Self::Window => "window",
            Self::Portal => "portal",
            Self::Link => "link",
            Self::Api => "api",
            Self::Default => "default",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|channel| channel.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Window => "窗口评价器",
            Self::Portal => "网上办事",
            Self::Link => "短信链接或二维码",
            Self::Api => "部门业务系统",
            Self::Default => "逾期未评，默认基本满意",
        }
    }
}

/// Which indicator list applies: the service on site or online.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    OnSite,
    Online,
}

impl Service {
    pub fn code(self) -> &'static str {
        match self {
            Self::OnSite => "on_site",
            Self::Online => "online",
        }
    }
}

/// One indicator a 差评 may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub service: Service,
    pub code: String,
    pub name: String,
}

/// A version of the indicator lists (GB/T 39734 keeps them nationally uniform and versioned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicators {
    pub version: u32,
    pub items: Vec<Indicator>,
}

/// The shipped version.
pub const SHIPPED_INDICATORS: &str = include_str!("../../../../data/ratings/indicators-v1.txt");

impl Indicators {
    /// Parses an indicator file: a `version N` line, then `on_site|online CODE NAME` lines; `#` starts a
    /// comment. Every problem is reported with its line.
    pub fn parse(text: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut version = None;
        let mut items: Vec<Indicator> = Vec::new();
        for (field, line) in crate::validation::data_lines(text) {
            let mut parts = line.split_whitespace();
            let (first, second, rest) = (parts.next(), parts.next(), parts.collect::<Vec<_>>().join(" "));
            match (first, second) {
                (Some("version"), Some(number)) if rest.is_empty() => match number.parse::<u32>() {
                    Ok(number) if number > 0 && version.is_none() => version = Some(number),
                    Ok(_) if version.is_some() => errors.add(field, "版本只能写一次"),
                    _ => errors.add(field, "版本号应是正整数"),
                },
                (Some(service @ ("on_site" | "online")), Some(code)) if !rest.is_empty() => {
                    let service = if service == "online" { Service::Online } else { Service::OnSite };
                    if !code.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                        errors.add(field, "指标代码只能用小写英文字母和下划线");
                    } else if items.iter().any(|item| item.service == service && item.code == code) {
                        errors.add(field, format!("指标 {code} 重复"));
                    } else if rest.chars().count() > 20 {
                        errors.add(field, "指标名称不能超过 20 个字");
                    } else {
                        items.push(Indicator { service, code: code.to_string(), name: rest });
                    }
                }
                _ => errors.add(field, "每行应是“version 数字”或“on_site|online 代码 名称”"),
            }
        }
        let Some(version) = version else {
            errors.add("version", "缺少“version 数字”一行");
            return Err(errors);
        };
        for service in [Service::OnSite, Service::Online] {
            if !items.iter().any(|item| item.service == service) {
                errors.add(service.code(), "这一渠道没有任何指标");
            }
        }
        errors.into_result()?;
        Ok(Self { version, items })
    }

    /// The shipped indicators.
    pub fn shipped() -> Self {
        Self::parse(SHIPPED_INDICATORS).unwrap_or(Self { version: 0, items: Vec::new() })
    }

    pub fn of(&self, service: Service) -> impl Iterator<Item = &Indicator> {
        self.items.iter().filter(move |item| item.service == service)
    }

    pub fn name(&self, service: Service, code: &str) -> Option<&str> {
        self.of(service).find(|item| item.code == code).map(|item| item.name.as_str())
    }
}

/// A rating as a rater gives it, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RatingInput {
    pub level: i64,
    /// The indicators a 差评 names (codes of the applicable list).
    pub indicators: Vec<String>,
    pub comment: String,
}

/// A rating that passed [`RatingInput::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRating {
    pub level: Level,
    pub indicators: Vec<String>,
    pub comment: String,
}

impl RatingInput {
    /// Checks a rating against the indicators of its service. A 差评 must name at least one indicator and
    /// say why; any rating's comment is bounded and plain text. Every problem is reported at once.
    pub fn check(&self, indicators: &Indicators, service: Service) -> Result<CheckedRating, FieldErrors> {
        let mut errors = FieldErrors::default();
        let level = Level::new(self.level);
        if level.is_none() {
            errors.add("level", "请选择 1 到 5 之间的评价：5 是非常满意，1 是非常不满意");
        }
        let comment = self.comment.trim().to_string();
        if let Err(error) = check_lines(&comment, MAX_COMMENT_CHARS) {
            errors.add("comment", format!("意见{error}"));
        }
        let mut chosen = Vec::new();
        for code in &self.indicators {
            let code = code.trim();
            if indicators.name(service, code).is_none() {
                let names: Vec<&str> = indicators.of(service).map(|item| item.code.as_str()).collect();
                errors.add("indicators", format!("没有“{code}”这个评价指标；可选：{}", names.join("、")));
            } else if !chosen.iter().any(|known: &String| known == code) {
                chosen.push(code.to_string());
            }
        }
        if level.is_some_and(|level| level.grade() == Grade::Bad) {
            if chosen.is_empty() && !errors.fields().any(|field| field == "indicators") {
                errors.add("indicators", "差评请至少选一项不满意的方面");
            }
            if comment.is_empty() {
                errors.add("comment", "差评请写一句原因，方便我们改进");
            }
        }
        errors.into_result()?;
        let level = level.unwrap_or(Level::DEFAULT);
        Ok(CheckedRating { level, indicators: chosen, comment })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_one_to_five_and_grade_as_the_national_rule_says() {
        assert_eq!(Level::new(0), None);
        assert_eq!(Level::new(6), None);
        assert_eq!(Level::new(-1), None);
        let grades: Vec<_> = (1..=5).map(|value| Level::new(value).map(|level| level.grade())).collect();
        assert_eq!(
            grades,
            vec![Some(Grade::Bad), Some(Grade::Bad), Some(Grade::Neutral), Some(Grade::Good), Some(Grade::Good)]
        );
        assert_eq!(Level::DEFAULT.label(), "基本满意");
    }

    #[test]
    fn the_shipped_indicators_follow_the_published_lists() {
        let shipped = Indicators::shipped();
        assert_eq!(shipped.version, 1);
        let on_site: Vec<_> = shipped.of(Service::OnSite).map(|item| item.name.as_str()).collect();
        assert_eq!(on_site, ["整体满意度", "服务效率", "服务水平", "服务态度"]);
        assert_eq!(shipped.of(Service::Online).count(), 5);
    }

    #[test]
    fn a_bad_rating_names_an_indicator_and_a_reason() {
        let shipped = Indicators::shipped();
        let bad = RatingInput { level: 1, ..RatingInput::default() };
        let errors = bad.check(&shipped, Service::OnSite).unwrap_err();
        assert_eq!(errors.first("indicators"), Some("差评请至少选一项不满意的方面"));
        assert_eq!(errors.first("comment"), Some("差评请写一句原因，方便我们改进"));
        let online_code = RatingInput { level: 2, indicators: vec!["guide".into()], comment: "慢".into() };
        assert!(online_code.check(&shipped, Service::OnSite).unwrap_err().first("indicators").is_some());
        let fine = RatingInput {
            level: 2,
            indicators: vec!["attitude".into(), "attitude".into()],
            comment: " 等了很久 ".into(),
        };
        let checked = fine.check(&shipped, Service::OnSite).unwrap();
        assert_eq!(checked.indicators, ["attitude"]);
        assert_eq!(checked.comment, "等了很久");
        let long = RatingInput { level: 5, comment: "好".repeat(MAX_COMMENT_CHARS + 1), ..RatingInput::default() };
        assert!(long.check(&shipped, Service::OnSite).unwrap_err().first("comment").is_some());
        let zero = RatingInput { level: 0, ..RatingInput::default() };
        assert_eq!(
            zero.check(&shipped, Service::Online).unwrap_err().first("level"),
            Some("请选择 1 到 5 之间的评价：5 是非常满意，1 是非常不满意")
        );
    }

    #[test]
    fn indicator_files_report_each_problem() {
        let errors = Indicators::parse("version 1\nversion 2\non_site Bad 名\nonline x\n").unwrap_err();
        assert_eq!(errors.first("line 2"), Some("版本只能写一次"));
        assert!(errors.first("line 3").is_some());
        assert!(errors.first("line 4").is_some());
        assert_eq!(errors.first("on_site"), Some("这一渠道没有任何指标"));
        assert!(Indicators::parse("on_site a 名\nonline b 名").unwrap_err().first("version").is_some());
    }
}

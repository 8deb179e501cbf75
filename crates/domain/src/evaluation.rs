//! The quarterly evaluation of window staff (考评): each person's figures for the quarter, turned into a score
//! by a weighting the centre sets (data, not code: `data/evaluation/weights.txt` is the default), graded
//! 优秀 / 良好 / 合格 / 不合格 (the four grades of the quarterly assessment, standards.md §7.5), ranked, and the
//! best share named 先进工作人员 ("每季度按一定比例评选", the source report).
//!
//! Each metric becomes a score of 0–100 before it is weighted: a rate is its percentage; a count where more
//! is better is compared with the highest of the quarter; a figure where less is better (minutes, second
//! corrections) scores 100 at zero and 0 at the quarter's worst. A person without any value for a metric
//! (no ratings, no decided case) gets the metric's weight spread over the others, so that nobody gains or
//! loses for what did not happen.

use crate::FieldErrors;

/// What a person is measured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    GoodRate,
    OnTimeRate,
    TicketsServed,
    Accepted,
    WaitMinutes,
    ServiceMinutes,
    SecondCorrections,
    Attendance,
    EmptyPostMinutes,
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Self::GoodRate,
        Self::OnTimeRate,
        Self::TicketsServed,
        Self::Accepted,
        Self::WaitMinutes,
        Self::ServiceMinutes,
        Self::SecondCorrections,
        Self::Attendance,
        Self::EmptyPostMinutes,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::GoodRate => "good_rate",
            Self::OnTimeRate => "on_time_rate",
            Self::TicketsServed => "tickets_served",
            Self::Accepted => "accepted",
            Self::WaitMinutes => "wait_minutes",
            Self::ServiceMinutes => "service_minutes",
            Self::SecondCorrections => "second_corrections",
            Self::Attendance => "attendance",
            Self::EmptyPostMinutes => "empty_post_minutes",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|metric| metric.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::GoodRate => "好评率",
            Self::OnTimeRate => "按期办结率",
            Self::TicketsServed => "办理号数",
            Self::Accepted => "受理办件数",
            Self::WaitMinutes => "平均等候（分钟）",
            Self::ServiceMinutes => "平均办理（分钟）",
            Self::SecondCorrections => "二次补正",
            Self::Attendance => "出勤率",
            Self::EmptyPostMinutes => "空岗（分钟）",
        }
    }

    fn kind(self) -> Kind {
        match self {
            Self::GoodRate | Self::OnTimeRate | Self::Attendance => Kind::Rate,
            Self::TicketsServed | Self::Accepted => Kind::More,
            Self::WaitMinutes | Self::ServiceMinutes | Self::SecondCorrections | Self::EmptyPostMinutes => Kind::Less,
        }
    }
}

enum Kind {
    Rate,
    More,
    Less,
}

/// One person's figures for the quarter, as counted from the records.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StaffFigures {
    pub username: String,
    pub name: String,
    /// Cases this person accepted.
    pub accepted: u64,
    /// Of those, the ones decided, and decided within the promised limit.
    pub decided: u64,
    pub decided_on_time: u64,
    /// Of those accepted, the ones that needed a second correction notice.
    pub second_corrections: u64,
    /// Tickets finished at a window, with the total minutes of service and of waiting before the call.
    pub tickets: u64,
    pub service_minutes: f64,
    pub wait_minutes: f64,
    /// Working days with a post, and of those the days signed in at a window.
    pub posted_days: u64,
    pub present_days: u64,
    /// Office minutes of posted days during which this person was not signed in.
    pub empty_post_minutes: u64,
    /// Ratings counted (excluded ones not), and of those the 好评 and 差评.
    pub rated: u64,
    pub good: u64,
    pub bad: u64,
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl StaffFigures {
    /// The metric's value, `None` where nothing happened that it could measure.
    pub fn value(&self, metric: Metric) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)]
        match metric {
            Metric::GoodRate => ratio(self.good, self.rated),
            Metric::OnTimeRate => ratio(self.decided_on_time, self.decided),
            Metric::Attendance => ratio(self.present_days, self.posted_days),
            Metric::TicketsServed => Some(self.tickets as f64),
            Metric::Accepted => Some(self.accepted as f64),
            Metric::WaitMinutes => (self.tickets > 0).then(|| self.wait_minutes / self.tickets as f64),
            Metric::ServiceMinutes => (self.tickets > 0).then(|| self.service_minutes / self.tickets as f64),
            Metric::SecondCorrections => Some(self.second_corrections as f64),
            Metric::EmptyPostMinutes => (self.posted_days > 0).then_some(self.empty_post_minutes as f64),
        }
    }
}

/// The four grades of the quarterly assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grade {
    Excellent,
    Good,
    Pass,
    Fail,
}

impl Grade {
    pub fn code(self) -> &'static str {
        match self {
            Self::Excellent => "excellent",
            Self::Good => "good",
            Self::Pass => "pass",
            Self::Fail => "fail",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Excellent => "优秀",
            Self::Good => "良好",
            Self::Pass => "合格",
            Self::Fail => "不合格",
        }
    }
}

/// How the figures are weighed and graded.
#[derive(Debug, Clone, PartialEq)]
pub struct Weighting {
    /// Each metric with its weight; the weights add up to 100.
    pub weights: Vec<(Metric, u32)>,
    /// The lowest scores of 优秀, 良好 and 合格.
    pub excellent: f64,
    pub good: f64,
    pub pass: f64,
    /// The share (percent) of the ranked staff who may be named 先进工作人员 (only among 优秀).
    pub advanced_share: u32,
}

/// The shipped weighting.
pub const DEFAULT_WEIGHTING: &str = include_str!("../../../data/evaluation/weights.txt");

impl Weighting {
    /// Parses a weighting: `metric weight` lines whose weights add up to 100, and the `excellent`, `good`,
    /// `pass` thresholds (falling, 0–100) and `advanced_share` (0–100). `#` starts a comment. Every problem
    /// is reported with its line.
    pub fn parse(text: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut weights: Vec<(Metric, u32)> = Vec::new();
        let mut settings: [Option<u32>; 4] = [None; 4];
        for (field, line) in crate::validation::data_lines(text) {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [name, value] = parts[..] else {
                errors.add(field, "每行应是“指标 权重”或“excellent 90”这样的两项");
                continue;
            };
            let Ok(value) = value.parse::<u32>() else {
                errors.add(field, format!("“{value}”不是 0 到 100 之间的整数"));
                continue;
            };
            if value > 100 {
                errors.add(field, "数值不能超过 100");
                continue;
            }
            let setting = ["excellent", "good", "pass", "advanced_share"].iter().position(|known| *known == name);
            match (setting, Metric::parse(name)) {
                (Some(slot), _) if settings[slot].is_some() => errors.add(field, format!("{name} 写了两次")),
                (Some(slot), _) => settings[slot] = Some(value),
                (None, Some(metric)) if weights.iter().any(|(known, _)| *known == metric) => {
                    errors.add(field, format!("指标 {name} 写了两次"))
                }
                (None, Some(metric)) => weights.push((metric, value)),
                (None, None) => {
                    let known: Vec<&str> = Metric::ALL.iter().map(|metric| metric.code()).collect();
                    errors.add(field, format!("没有“{name}”这个指标；可用：{}", known.join("、")));
                }
            }
        }
        let total: u32 = weights.iter().map(|(_, weight)| weight).sum();
        if errors.is_empty() && total != 100 {
            errors.add("weights", format!("各项权重合计应为 100，现在是 {total}"));
        }
        let [Some(excellent), Some(good), Some(pass), Some(share)] = settings else {
            errors.add("thresholds", "请写明 excellent、good、pass 三条分数线和 advanced_share 比例");
            return Err(errors);
        };
        if !(excellent > good && good > pass) {
            errors.add("thresholds", "分数线应从高到低：excellent > good > pass");
        }
        errors.into_result()?;
        Ok(Self {
            weights: weights.into_iter().filter(|(_, weight)| *weight > 0).collect(),
            excellent: f64::from(excellent),
            good: f64::from(good),
            pass: f64::from(pass),
            advanced_share: share,
        })
    }

    pub fn shipped() -> Self {
        Self::parse(DEFAULT_WEIGHTING).unwrap_or(Self {
            weights: vec![(Metric::GoodRate, 100)],
            excellent: 90.0,
            good: 80.0,
            pass: 60.0,
            advanced_share: 15,
        })
    }

    pub fn grade(&self, score: f64) -> Grade {
        if score >= self.excellent {
            Grade::Excellent
        } else if score >= self.good {
            Grade::Good
        } else if score >= self.pass {
            Grade::Pass
        } else {
            Grade::Fail
        }
    }
}

/// One person's evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    pub figures: StaffFigures,
    /// The 0–100 score of each weighted metric, `None` where it had no value.
    pub scores: Vec<(Metric, Option<f64>)>,
    /// The weighted score, 0–100, one decimal.
    pub score: f64,
    pub grade: Grade,
    /// 1 for the best; equal scores share a rank.
    pub rank: usize,
    /// 先进工作人员.
    pub advanced: bool,
}

fn metric_score(metric: Metric, value: f64, best: f64, worst: f64) -> f64 {
    let score = match metric.kind() {
        Kind::Rate => value * 100.0,
        Kind::More if best > 0.0 => value / best * 100.0,
        Kind::More => 100.0,
        Kind::Less if worst > 0.0 => (1.0 - value / worst) * 100.0,
        Kind::Less => 100.0,
    };
    score.clamp(0.0, 100.0)
}

/// Scores, grades and ranks every person, the best first.
pub fn evaluate(figures: &[StaffFigures], weighting: &Weighting) -> Vec<Evaluated> {
    let extremes: Vec<(Metric, f64, f64)> = weighting
        .weights
        .iter()
        .map(|(metric, _)| {
            let values = figures.iter().filter_map(|person| person.value(*metric));
            let (best, worst) =
                values.fold((0.0_f64, 0.0_f64), |(best, worst), value| (best.max(value), worst.max(value)));
            (*metric, best, worst)
        })
        .collect();
    let mut evaluated: Vec<Evaluated> = figures
        .iter()
        .map(|person| {
            let scores: Vec<(Metric, Option<f64>)> = extremes
                .iter()
                .map(|(metric, best, worst)| {
                    (*metric, person.value(*metric).map(|v| metric_score(*metric, v, *best, *worst)))
                })
                .collect();
            let (sum, weight) =
                weighting.weights.iter().zip(&scores).fold((0.0, 0.0), |(sum, total), ((_, weight), (_, score))| {
                    match score {
                        Some(score) => (sum + score * f64::from(*weight), total + f64::from(*weight)),
                        None => (sum, total),
                    }
                });
            let score = if weight > 0.0 { (sum / weight * 10.0).round() / 10.0 } else { 0.0 };
            Evaluated {
                figures: person.clone(),
                scores,
                score,
                grade: weighting.grade(score),
                rank: 0,
                advanced: false,
            }
        })
        .collect();
    evaluated.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.figures.username.cmp(&b.figures.username)));
    let mut rank = 0;
    let mut previous = None;
    for (index, person) in evaluated.iter_mut().enumerate() {
        if previous != Some(person.score) {
            rank = index + 1;
            previous = Some(person.score);
        }
        person.rank = rank;
    }
    // 先进工作人员: the best share of everyone ranked, rounded down but at least one when anyone is 优秀.
    let places =
        (evaluated.len() * weighting.advanced_share as usize / 100).max(usize::from(weighting.advanced_share > 0));
    for person in evaluated.iter_mut().take(places) {
        person.advanced = person.grade == Grade::Excellent;
    }
    evaluated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(username: &str, good: u64, rated: u64, tickets: u64) -> StaffFigures {
        StaffFigures { username: username.into(), good, rated, tickets, ..StaffFigures::default() }
    }

    #[test]
    fn the_shipped_weighting_adds_up_and_grades_in_four_steps() {
        let shipped = Weighting::shipped();
        assert_eq!(shipped.weights.iter().map(|(_, weight)| weight).sum::<u32>(), 100);
        assert_eq!(shipped.weights.len(), 9);
        let grades: Vec<_> = [95.0, 85.0, 65.0, 10.0].iter().map(|score| shipped.grade(*score).label()).collect();
        assert_eq!(grades, ["优秀", "良好", "合格", "不合格"]);
    }

    #[test]
    fn a_weighting_that_does_not_add_up_is_refused_with_its_total() {
        let errors =
            Weighting::parse("good_rate 50\ntickets_served 40\nexcellent 90\ngood 80\npass 60\nadvanced_share 10")
                .unwrap_err();
        assert_eq!(errors.first("weights"), Some("各项权重合计应为 100，现在是 90"));
        let errors =
            Weighting::parse("good_rate 100\nspeed 5\nexcellent 80\ngood 90\npass 60\nadvanced_share 10").unwrap_err();
        assert!(errors.first("line 2").unwrap().contains("没有“speed”这个指标"));
        let errors = Weighting::parse("good_rate 100\nexcellent 80\ngood 90\npass 60\nadvanced_share 10").unwrap_err();
        assert_eq!(errors.first("thresholds"), Some("分数线应从高到低：excellent > good > pass"));
        assert!(Weighting::parse("good_rate 100").unwrap_err().first("thresholds").is_some());
        assert!(Weighting::parse("good_rate 101").unwrap_err().first("line 1").is_some());
    }

    #[test]
    fn scores_weigh_each_metric_and_rank_the_best_first() {
        let weighting =
            Weighting::parse("good_rate 50\ntickets_served 50\nexcellent 90\ngood 80\npass 60\nadvanced_share 50")
                .unwrap();
        // a: 100% good, 100 tickets → 100. b: 50% good, 50 tickets → 50. c: no ratings, 100 tickets → 100 on
        // tickets alone (the missing rate's weight is spread). d: 90% good, 80 tickets → 85.
        let people = [person("a", 10, 10, 100), person("b", 5, 10, 50), person("c", 0, 0, 100), person("d", 9, 10, 80)];
        let ranked = evaluate(&people, &weighting);
        let order: Vec<(&str, f64, usize, &str, bool)> = ranked
            .iter()
            .map(|p| (p.figures.username.as_str(), p.score, p.rank, p.grade.label(), p.advanced))
            .collect();
        assert_eq!(
            order,
            [
                ("a", 100.0, 1, "优秀", true),
                ("c", 100.0, 1, "优秀", true),
                ("d", 85.0, 3, "良好", false),
                ("b", 50.0, 4, "不合格", false)
            ]
        );
    }

    #[test]
    fn less_is_better_for_minutes_and_second_corrections() {
        let weighting = Weighting::parse("wait_minutes 100\nexcellent 90\ngood 80\npass 60\nadvanced_share 0").unwrap();
        let quick = StaffFigures { username: "q".into(), tickets: 2, wait_minutes: 10.0, ..StaffFigures::default() };
        let slow = StaffFigures { username: "s".into(), tickets: 2, wait_minutes: 40.0, ..StaffFigures::default() };
        let ranked = evaluate(&[slow, quick], &weighting);
        assert_eq!((ranked[0].figures.username.as_str(), ranked[0].score), ("q", 75.0));
        assert_eq!((ranked[1].score, ranked[1].advanced), (0.0, false));
    }
}

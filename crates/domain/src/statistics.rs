//! What the city's statistics compare against: the key matters' working days before the reform (as the
//! source report records them) and the reform's target, as data (`data/statistics/targets.txt`).

use crate::FieldErrors;

/// A key matter with its days before the reform and its target, in working days.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyMatter {
    pub code: String,
    pub before_days: f64,
    pub target_days: f64,
    pub note: String,
}

/// The shipped list.
pub const SHIPPED_TARGETS: &str = include_str!("../../../data/statistics/targets.txt");

fn days(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|days| days.is_finite() && (0.0..=1000.0).contains(days))
}

/// Parses `code before target note` lines; `#` starts a comment. Every problem is reported with its line.
pub fn parse_targets(text: &str) -> Result<Vec<KeyMatter>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut targets = Vec::new();
    for (field, line) in crate::validation::data_lines(text) {
        let mut parts = line.split_whitespace();
        let (Some(code), Some(before), Some(target)) = (parts.next(), parts.next(), parts.next()) else {
            errors.add(field, "每行应是“事项编码 改革前 目标 说明”");
            continue;
        };
        match (days(before), days(target)) {
            (Some(before_days), Some(target_days)) if code.chars().all(|c| c.is_ascii_digit()) => {
                targets.push(KeyMatter {
                    code: code.to_string(),
                    before_days,
                    target_days,
                    note: parts.collect::<Vec<_>>().join(" "),
                });
            }
            _ => errors.add(field, "事项编码应为数字，天数应为 0 到 1000 之间的数"),
        }
    }
    errors.into_result()?;
    Ok(targets)
}

/// The shipped targets.
pub fn shipped_targets() -> Vec<KeyMatter> {
    parse_targets(SHIPPED_TARGETS).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_targets_are_the_reports_figures() {
        let targets = shipped_targets();
        assert_eq!(targets.len(), 3);
        assert_eq!((targets[0].before_days, targets[0].target_days), (15.0, 10.0));
        assert_eq!((targets[1].before_days, targets[1].target_days), (7.0, 5.0));
        assert!(parse_targets("123 x 5 名").unwrap_err().first("line 1").is_some());
        assert!(parse_targets("123 5").unwrap_err().first("line 1").is_some());
    }
}

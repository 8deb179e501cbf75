//! The catalog as a file (JSON, the API's own shape; `xlsx.rs` reads and writes the same as a workbook), its
//! checks, and the plan of the versions an import writes.
//!
//! Reading either format is all-or-nothing: every bad cell or rule is reported with its sheet, row and
//! column (or JSON line and column), and nothing is imported until the whole file is right.

use super::columns::field_label;
use chrono::NaiveDate;
use onetrip_domain::catalog::{
    validate_department, validate_matter, Adjustment, AdjustmentKind, Department, Matter, MatterVersion,
};
use onetrip_store::NewVersion;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// A whole catalog: what the JSON export holds and the JSON import reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogFile {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    pub departments: Vec<Department>,
    pub matters: Vec<Matter>,
    /// Where a workbook's rows were read from, so that a problem found later cites its sheet, row and
    /// column; empty for JSON. Not part of the catalog: never written, and equal for any two files.
    #[serde(skip)]
    pub places: SheetPlaces,
}

/// The workbook rows a catalog was read from: each matter's row on the 事项 sheet, and each item of its
/// lists (materials, steps …) with its sheet and row.
#[derive(Debug, Clone, Default)]
pub struct SheetPlaces {
    /// The sheet the matters were read from, and each matter's row on it.
    pub(crate) matter_sheet: &'static str,
    pub(crate) matters: Vec<usize>,
    pub(crate) items: HashMap<(usize, &'static str), Vec<(&'static str, usize)>>,
}

impl PartialEq for SheetPlaces {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl SheetPlaces {
    /// The sheet, row and column of an element of the `index`-th matter (`promised_limit`,
    /// `materials[2].copies`), when the catalog came from a workbook.
    fn cell(&self, index: usize, field: &str) -> Option<String> {
        let (list, rest) = match field.split_once('[') {
            Some((list, rest)) => (list, Some(rest)),
            None => (field, None),
        };
        match rest.and_then(|rest| rest.split_once(']')) {
            Some((position, tail)) => {
                let position: usize = position.parse().ok()?;
                let (sheet, row) = *self.items.get(&(index, sheet_list(list)?))?.get(position)?;
                let column = super::columns::column_header(list, tail.trim_start_matches('.'));
                Some(format!("表“{sheet}”第 {row} 行 {column}"))
            }
            None => {
                let row = *self.matters.get(index)?;
                Some(format!("表“{}”第 {row} 行 {}", self.matter_sheet, super::columns::column_header("", list)))
            }
        }
    }
}

/// The list names a workbook keeps on sheets of their own.
pub(crate) fn sheet_list(list: &str) -> Option<&'static str> {
    ["materials", "steps", "fees", "faqs", "results", "special_procedures"].into_iter().find(|known| *known == list)
}

/// A problem in an imported file: where (`材料 第 5 行 受理标准`) and what to do.
pub type Problem = (String, String);

/// The most matters one import may hold; a county has a few hundred, a province a few tens of thousands.
pub const MAX_IMPORT_MATTERS: usize = 10_000;

/// At most this many problems are listed in a refusal, then how many more there were: a file wrong in
/// every row gets a report a person can read (and a small answer), not one line per row.
pub const MAX_LISTED_PROBLEMS: usize = 100;

/// The first [`MAX_LISTED_PROBLEMS`] problems and, if there were more, a last line that counts the rest.
pub fn capped(mut problems: Vec<Problem>) -> Vec<Problem> {
    if problems.len() > MAX_LISTED_PROBLEMS {
        let rest = problems.len() - MAX_LISTED_PROBLEMS;
        problems.truncate(MAX_LISTED_PROBLEMS);
        problems.push(("其余".to_string(), format!("另有 {rest} 处问题未列出；请先改正以上问题再导入")));
    }
    problems
}

pub fn parse_json(bytes: &[u8]) -> Result<CatalogFile, Vec<Problem>> {
    serde_json::from_slice(bytes).map_err(|error| {
        vec![(
            format!("JSON 第 {} 行第 {} 列", error.line(), error.column()),
            format!("无法读取：{error}。请检查该处的字段名和取值"),
        )]
    })
}

/// Checks a whole catalog file against every rule; `existing` are departments already stored.
pub fn validate_catalog(file: &CatalogFile, existing: &[Department]) -> Result<(), Vec<Problem>> {
    let mut problems = Vec::new();
    if file.matters.len() > MAX_IMPORT_MATTERS {
        problems.push(("文件".to_string(), format!("一次最多导入 {MAX_IMPORT_MATTERS} 个事项，请分批导入")));
    }
    let mut codes = HashSet::new();
    for department in &file.departments {
        if let Err(errors) = validate_department(department) {
            for (field, messages) in errors.iter() {
                problems.push((format!("部门 {} {field}", department.code), messages.join("；")));
            }
        }
        if !codes.insert(department.code.as_str()) {
            problems.push((format!("部门 {}", department.code), "部门编码重复".to_string()));
        }
    }
    let mut known: Vec<&str> = existing.iter().map(|department| department.code.as_str()).collect();
    known.extend(file.departments.iter().map(|department| department.code.as_str()));
    let mut matter_codes = HashSet::new();
    for (index, matter) in file.matters.iter().enumerate() {
        let place = format!("事项“{}”（{}）", matter.name, matter.code);
        if !matter_codes.insert(matter.code.as_str()) {
            let at = file.places.cell(index, "code").unwrap_or_else(|| place.clone());
            problems.push((at, "事项编码重复，每个业务办理项只能出现一次".to_string()));
        }
        if let Err(errors) = validate_matter(matter, &known) {
            for (field, messages) in errors.iter() {
                // From a workbook: the cell to change (and the matter, for whoever reads the list).
                let at = match file.places.cell(index, field) {
                    Some(cell) => format!("{cell}（{}）", matter.code),
                    None => format!("{place} {}", field_label(field)),
                };
                problems.push((at, messages.join("；")));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The versions an import writes: new matters are 新增, changed ones 调整, unchanged ones nothing. `latest`
/// holds each existing matter's newest version. A changed matter's version takes effect today, or on the
/// newest version's date if that is later, so an import never jumps ahead of a scheduled version. A matter
/// that was cancelled or merged is not brought back by an import.
pub fn plan_import(
    file: &CatalogFile,
    latest: &HashMap<String, MatterVersion>,
    reason: &str,
    author: &str,
    today: NaiveDate,
) -> Result<Vec<NewVersion>, Vec<Problem>> {
    let mut versions = Vec::new();
    let mut problems = Vec::new();
    for matter in &file.matters {
        let (kind, effective_date) = match latest.get(&matter.code) {
            None => (AdjustmentKind::Create, today),
            Some(existing) if existing.matter == *matter => continue,
            Some(existing) if existing.adjustment.kind.ends_the_matter() => {
                problems.push((
                    format!("事项“{}”（{}）", matter.name, matter.code),
                    format!(
                        "该事项已于 {} {}，不能通过导入恢复；如需重新办理，请用新的编码新增",
                        existing.adjustment.effective_date,
                        existing.adjustment.kind.label()
                    ),
                ));
                continue;
            }
            Some(existing) => (AdjustmentKind::Adjust, today.max(existing.adjustment.effective_date)),
        };
        versions.push(NewVersion {
            adjustment: Adjustment { kind, reason: reason.to_string(), effective_date, merged_into: String::new() },
            author: author.to_string(),
            matter: matter.clone(),
        });
    }
    if problems.is_empty() {
        Ok(versions)
    } else {
        Err(problems)
    }
}

/// The Chinese names of the elements that differ between two versions, for the history page.
pub fn changed_elements(before: &Matter, after: &Matter) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let pairs: [(&'static str, bool); 16] = [
        ("事项名称", before.name != after.name),
        (
            "编码与层级",
            before.catalog_code != after.catalog_code
                || before.main_item != after.main_item
                || before.sub_item != after.sub_item,
        ),
        ("事项类型", before.kind != after.kind),
        (
            "实施主体与联办机构",
            before.department != after.department || before.joint_departments != after.joint_departments,
        ),
        ("设定依据", before.legal_basis != after.legal_basis),
        ("受理条件", before.acceptance_conditions != after.acceptance_conditions),
        (
            "办结时限",
            before.statutory_limit != after.statutory_limit
                || before.promised_limit != after.promised_limit
                || before.statutory_limit_note != after.statutory_limit_note
                || before.promised_limit_note != after.promised_limit_note,
        ),
        (
            "办理形式与服务对象",
            before.handling_forms != after.handling_forms
                || before.service_objects != after.service_objects
                || before.handle_area != after.handle_area
                || before.use_level != after.use_level,
        ),
        ("到现场次数", before.trips_required != after.trips_required || before.trips_reason != after.trips_reason),
        (
            "网上办理与便民服务",
            before.online_depth != after.online_depth
                || before.appointment_supported != after.appointment_supported
                || before.postal_supported != after.postal_supported
                || before.online_payment_supported != after.online_payment_supported
                || before.self_service_supported != after.self_service_supported,
        ),
        ("申请材料", before.materials != after.materials),
        ("办理环节与特别程序", before.steps != after.steps || before.special_procedures != after.special_procedures),
        ("收费", before.fees != after.fees),
        ("常见问题", before.faqs != after.faqs),
        ("办理结果", before.results != after.results),
        (
            "地点、时间与电话",
            before.address != after.address
                || before.office_hours != after.office_hours
                || before.consultation_phone != after.consultation_phone
                || before.complaint_phone != after.complaint_phone
                || before.themes != after.themes
                || before.life_events != after.life_events
                || before.keywords != after.keywords,
        ),
    ];
    for (label, differs) in pairs {
        if differs {
            changed.push(label);
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use onetrip_domain::catalog::TimeLimit;

    fn demo() -> CatalogFile {
        serde_json::from_str(crate::seed::DEMO_CATALOG).expect("demo catalog parses")
    }

    #[test]
    fn the_demo_catalog_is_complete_and_valid() {
        let file = demo();
        assert!(file.matters.len() >= 60);
        let departments: HashSet<&str> = file.matters.iter().map(|m| m.department.as_str()).collect();
        assert!(departments.len() >= 13);
        assert_eq!(validate_catalog(&file, &[]), Ok(()));
        let promised = |name: &str| file.matters.iter().find(|m| m.name == name).map(|m| m.promised_limit);
        assert_eq!(promised("不动产转移登记"), Some(TimeLimit::HalfDays(20)), "the source report's 10 working days");
        assert_eq!(promised("不动产抵押登记"), Some(TimeLimit::HalfDays(10)));
        assert_eq!(promised("企业职工参保登记"), Some(TimeLimit::HalfDays(1)));
    }

    #[test]
    fn an_import_neither_jumps_ahead_of_a_scheduled_version_nor_revives_a_cancelled_matter() {
        let file = demo();
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        let scheduled = NaiveDate::from_ymd_opt(2027, 1, 1).expect("date");
        let version = |matter: &Matter, kind, effective_date| MatterVersion {
            version: 2,
            adjustment: Adjustment { kind, reason: "r".into(), effective_date, merged_into: String::new() },
            author: "a".into(),
            matter: matter.clone(),
        };
        let mut changed = file.clone();
        changed.matters[0].acceptance_conditions.push_str("（新）");
        let latest: HashMap<String, MatterVersion> = file
            .matters
            .iter()
            .map(|m| {
                (
                    m.code.clone(),
                    version(m, AdjustmentKind::Adjust, if m.code == file.matters[0].code { scheduled } else { today }),
                )
            })
            .collect();
        let plan = plan_import(&changed, &latest, "年度调整", "editor", today).expect("plan");
        assert_eq!(plan.len(), 1, "only the changed matter gets a version");
        assert_eq!(plan[0].adjustment.effective_date, scheduled);

        let mut cancelled = latest.clone();
        cancelled.insert(file.matters[0].code.clone(), version(&file.matters[0], AdjustmentKind::Cancel, today));
        let problems = plan_import(&changed, &cancelled, "年度调整", "editor", today).expect_err("refused");
        assert!(problems[0].1.contains("不能通过导入恢复"));
    }
}

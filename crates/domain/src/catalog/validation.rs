//! The rules every saved matter, adjustment and department must meet (standards.md §1.6), with a message
//! per field.

use super::*;
use crate::validation::FieldErrors;
use chrono::NaiveDate;

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

/// A text field: required or not, at most `max` characters, no control or direction-changing characters;
/// names (up to [`NAME_MAX`]) are one line and must not look like a spreadsheet formula.
fn check_text(errors: &mut FieldErrors, field: &str, value: &str, label: &str, required: bool, max: usize) {
    let checked =
        if max <= NAME_MAX { crate::text::check_name(value, max) } else { crate::text::check_lines(value, max) };
    if required && value.trim().is_empty() {
        errors.add(field, format!("请填写{label}"));
    } else if let Err(error) = checked {
        errors.add(field, format!("{label}{error}"));
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
        if !material.shared_from.is_empty() && super::SharedFrom::parse(&material.shared_from).is_none() {
            errors.add(
                format!("materials[{index}].shared_from"),
                "共享来源应写成 licence:21位证照类型代码、external:数据来源代码（字母、数字、- 或 _）或 result:另一事项的编码",
            );
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

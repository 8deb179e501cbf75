//! The catalog as files: JSON (the API's own shape) and an Excel workbook laid out the way catalog staff
//! keep it — one sheet of matters, one sheet per repeated element (materials, steps, fees, FAQs, results,
//! special procedures), and one of departments, joined by the matter code.
//!
//! Reading either format is all-or-nothing: every bad cell or rule is reported with its sheet, row and
//! column (or JSON line and column), and nothing is imported until the whole file is right.

use chrono::NaiveDate;
use onetrip_domain::catalog::{
    validate_department, validate_matter, Adjustment, AdjustmentKind, CatalogLevel, Department, Faq, Fee, HandleArea,
    HandlingForm, Material, MaterialCopyKind, MaterialForm, MaterialNecessity, MaterialSource, Matter, MatterKind,
    MatterResult, MatterVersion, OnlineDepth, ResultKind, ServiceObject, SpecialProcedure, Step, StepKind, TimeLimit,
    UseLevel,
};
use onetrip_domain::ids::CreditCode;
use onetrip_store::NewVersion;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A whole catalog: what the JSON export holds and the JSON import reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogFile {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    pub departments: Vec<Department>,
    pub matters: Vec<Matter>,
}

/// A problem in an imported file: where (`材料 第 5 行 受理标准`) and what to do.
pub type Problem = (String, String);

/// The most matters one import may hold; a county has a few hundred, a province a few tens of thousands.
pub const MAX_IMPORT_MATTERS: usize = 50_000;

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
    for matter in &file.matters {
        let place = format!("事项“{}”（{}）", matter.name, matter.code);
        if !matter_codes.insert(matter.code.as_str()) {
            problems.push((place.clone(), "事项编码重复，每个业务办理项只能出现一次".to_string()));
        }
        if let Err(errors) = validate_matter(matter, &known) {
            for (field, messages) in errors.iter() {
                problems.push((format!("{place} {}", field_label(field)), messages.join("；")));
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

fn yes_no(value: bool) -> String {
    if value { "是" } else { "否" }.to_string()
}

fn parse_yes_no(text: &str) -> Result<bool, String> {
    match text.trim() {
        "是" | "yes" | "true" | "1" => Ok(true),
        "否" | "no" | "false" | "0" | "" => Ok(false),
        other => Err(format!("“{other}”应填“是”或“否”")),
    }
}

fn join_labels<T: Copy>(items: &[T], label: fn(T) -> &'static str) -> String {
    items.iter().map(|item| label(*item)).collect::<Vec<_>>().join("、")
}

fn split_list(text: &str) -> Vec<String> {
    text.split(['、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_labels<T>(text: &str, parse: fn(&str) -> Option<T>, what: &str) -> Result<Vec<T>, String> {
    split_list(text).iter().map(|item| parse(item).ok_or_else(|| format!("“{item}”不是可用的{what}"))).collect()
}

fn parse_label<T>(text: &str, parse: fn(&str) -> Option<T>, what: &str) -> Result<T, String> {
    parse(text).ok_or_else(|| format!("“{}”不是可用的{what}", text.trim()))
}

fn parse_number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, String> {
    let trimmed = text.trim();
    let whole = trimmed.strip_suffix(".0").unwrap_or(trimmed);
    whole.parse().map_err(|_| format!("{what}应为整数，现为“{trimmed}”"))
}

/// One column of a sheet: its header, the element path it holds, and how to write and read it.
struct Column<T> {
    header: &'static str,
    field: &'static str,
    get: fn(&T) -> String,
    set: fn(&mut T, &str) -> Result<(), String>,
}

/// Column constructors, one per kind of cell: text as it is, a labelled code (事项类型 …), yes/no, a whole
/// number, a time limit, a list joined with 、.
macro_rules! column {
    (text $header:literal, $field:ident) => {
        Column {
            header: $header,
            field: stringify!($field),
            get: |item| item.$field.clone(),
            set: |item, value| {
                item.$field = value.trim().to_string();
                Ok(())
            },
        }
    };
    (label $header:literal, $field:ident, $parse:expr, $what:literal) => {
        Column {
            header: $header,
            field: stringify!($field),
            get: |item| item.$field.label().to_string(),
            set: |item, value| {
                item.$field = parse_label(value, $parse, $what)?;
                Ok(())
            },
        }
    };
    (yes_no $header:literal, $field:ident) => {
        Column {
            header: $header,
            field: stringify!($field),
            get: |item| yes_no(item.$field),
            set: |item, value| {
                item.$field = parse_yes_no(value)?;
                Ok(())
            },
        }
    };
    (number $header:literal, $field:ident) => {
        Column {
            header: $header,
            field: stringify!($field),
            get: |item| item.$field.to_string(),
            set: |item, value| {
                item.$field = parse_number(value, $header)?;
                Ok(())
            },
        }
    };
    (limit $header:literal, $field:ident) => {
        Column {
            header: $header,
            field: stringify!($field),
            get: |item| limit_text(item.$field),
            set: |item, value| {
                item.$field = TimeLimit::parse_text(value)?;
                Ok(())
            },
        }
    };
    (list $header:literal, $field:ident) => {
        Column {
            header: $header,
            field: stringify!($field),
            get: |item| item.$field.join("、"),
            set: |item, value| {
                item.$field = split_list(value);
                Ok(())
            },
        }
    };
    (labels $header:literal, $field:ident, $type:ty, $what:literal) => {
        Column {
            header: $header,
            field: stringify!($field),
            get: |item| join_labels(&item.$field, <$type>::label),
            set: |item, value| {
                item.$field = parse_labels(value, <$type>::parse_any, $what)?;
                Ok(())
            },
        }
    };
}

/// The 主项 and 子项 columns, which sit one level down in the matter.
macro_rules! level_column {
    ($header:literal, $path:literal, $level:ident . $part:ident) => {
        Column {
            header: $header,
            field: $path,
            get: |matter: &Matter| matter.$level.$part.clone(),
            set: |matter: &mut Matter, value: &str| {
                matter.$level.$part = value.trim().to_string();
                Ok(())
            },
        }
    };
}

fn matter_kind(text: &str) -> Option<MatterKind> {
    MatterKind::from_label(text).or_else(|| MatterKind::from_code(text))
}

fn matter_columns() -> Vec<Column<Matter>> {
    vec![
        column!(text "事项编码", code),
        column!(text "事项名称", name),
        column!(text "基本编码", catalog_code),
        level_column!("主项编码", "main_item.code", main_item.code),
        level_column!("主项名称", "main_item.name", main_item.name),
        level_column!("子项编码", "sub_item.code", sub_item.code),
        level_column!("子项名称", "sub_item.name", sub_item.name),
        column!(label "事项类型", kind, matter_kind, "事项类型"),
        column!(text "实施主体编码", department),
        column!(label "行使层级", use_level, UseLevel::parse_any, "行使层级"),
        column!(text "设定依据", legal_basis),
        column!(text "受理条件", acceptance_conditions),
        column!(limit "法定办结时限", statutory_limit),
        column!(text "法定时限说明", statutory_limit_note),
        column!(limit "承诺办结时限", promised_limit),
        column!(text "承诺时限说明", promised_limit_note),
        column!(labels "办理形式", handling_forms, HandlingForm, "办理形式"),
        column!(labels "服务对象", service_objects, ServiceObject, "服务对象"),
        column!(number "到办事现场次数", trips_required),
        column!(text "必须现场办理原因", trips_reason),
        column!(label "网上办理深度", online_depth, OnlineDepth::parse_any, "网上办理深度"),
        column!(yes_no "支持预约办理", appointment_supported),
        column!(yes_no "支持物流快递", postal_supported),
        column!(yes_no "支持网上支付", online_payment_supported),
        column!(yes_no "支持自助终端", self_service_supported),
        column!(label "通办范围", handle_area, HandleArea::parse_any, "通办范围"),
        column!(list "联办机构编码", joint_departments),
        column!(text "办理地点", address),
        column!(text "办理时间", office_hours),
        column!(text "咨询电话", consultation_phone),
        column!(text "监督投诉电话", complaint_phone),
        column!(list "主题分类", themes),
        column!(list "人生事件", life_events),
        column!(list "群众常用说法", keywords),
    ]
}

fn limit_text(limit: TimeLimit) -> String {
    match limit {
        TimeLimit::OnTheSpot => "即办".to_string(),
        TimeLimit::HalfDays(half_days) if half_days % 2 == 0 => (half_days / 2).to_string(),
        TimeLimit::HalfDays(half_days) => format!("{}.5", half_days / 2),
    }
}

fn material_columns() -> Vec<Column<Material>> {
    vec![
        column!(text "材料名称", name),
        column!(label "必要性", necessity, MaterialNecessity::parse_any, "材料必要性（必要/非必要/容缺）"),
        column!(label "材料形式", form, MaterialForm::parse_any, "材料形式（纸质/电子/纸质或电子）"),
        column!(label "材料类型", copy_kind, MaterialCopyKind::parse_any, "材料类型（原件/复印件/原件和复印件）"),
        column!(label "来源渠道", source, MaterialSource::parse_any, "来源渠道"),
        column!(text "来源说明", source_note),
        column!(number "纸质份数", copies),
        column!(text "纸质规格", specification),
        column!(text "空白表格", blank_form),
        column!(text "示例样表", sample),
        column!(text "填报须知", filling_notes),
        column!(text "受理标准", acceptance_standard),
        column!(text "要求提供材料的依据", basis),
        column!(yes_no "可告知承诺", pledge_allowed),
        column!(text "备注", remarks),
    ]
}

fn step_columns() -> Vec<Column<Step>> {
    vec![
        column!(text "环节名称", name),
        column!(label "环节种类", kind, StepKind::parse_any, "环节种类（受理/审查/审核/决定/办结/送达）"),
        column!(text "办理部门编码", department),
        column!(number "阶段", stage),
        column!(limit "时限", limit),
        column!(text "审查标准", standard),
        column!(text "办理结果", result),
        Column {
            header: SIGN_OFFS_HEADER,
            field: "sign_offs",
            get: |item| item.sign_offs.to_string(),
            // Blank (or a workbook made before the column existed) means an ordinary step.
            set: |item, value| {
                item.sign_offs = if value.trim().is_empty() { 1 } else { parse_number(value, SIGN_OFFS_HEADER)? };
                Ok(())
            },
        },
    ]
}

/// Added after the first release: a workbook without it is still read, every step counting as ordinary.
const SIGN_OFFS_HEADER: &str = "会签人数";

fn fee_columns() -> Vec<Column<Fee>> {
    vec![
        column!(text "项目名称", name),
        column!(text "收费标准", standard),
        column!(text "收费依据", basis),
        column!(yes_no "可减免", reducible),
        column!(text "减免依据", reduction_basis),
    ]
}

fn faq_columns() -> Vec<Column<Faq>> {
    vec![column!(text "问题", question), column!(text "答案", answer)]
}

fn result_columns() -> Vec<Column<MatterResult>> {
    vec![
        column!(text "结果名称", name),
        column!(label "结果类型", kind, ResultKind::parse_any, "结果类型（出证办结/出文办结/审批办结）"),
        column!(text "结果样本", sample),
    ]
}

fn procedure_columns() -> Vec<Column<SpecialProcedure>> {
    vec![
        column!(text "名称", name),
        column!(text "所需时限", limit),
        column!(text "法定依据", basis),
        column!(yes_no "计入办结时限", counts_in_limit),
    ]
}

/// Names an element path in Chinese for a report: `materials[2].name` → `材料第 3 项 材料名称`.
pub fn field_label(path: &str) -> String {
    let adjustment = match path {
        "adjustment_kind" => Some("调整类型"),
        "reason" => Some("调整原因"),
        "effective_date" => Some("施行日期"),
        "merged_into" => Some("合并到"),
        "expected_version" => Some("版本"),
        _ => None,
    };
    if let Some(label) = adjustment {
        return label.to_string();
    }
    let (list, rest) = match path.split_once('[') {
        Some((list, rest)) => (list, Some(rest)),
        None => (path, None),
    };
    let list_label = match list {
        "materials" => "材料",
        "steps" => "环节",
        "fees" => "收费项目",
        "faqs" => "常见问题",
        "results" => "办理结果",
        "special_procedures" => "特别程序",
        _ => "",
    };
    let header_for = |field: &str, headers: Vec<(&'static str, &'static str)>| {
        headers
            .into_iter()
            .find(|(name, _)| *name == field)
            .map(|(_, header)| header.to_string())
            .unwrap_or_else(|| field.to_string())
    };
    match rest.and_then(|rest| rest.split_once("].")) {
        Some((index, field)) if !list_label.is_empty() => {
            let number = index.parse::<usize>().map(|index| index + 1).unwrap_or(0);
            let headers: Vec<(&str, &str)> = match list {
                "materials" => material_columns().iter().map(|c| (c.field, c.header)).collect(),
                "steps" => step_columns().iter().map(|c| (c.field, c.header)).collect(),
                "fees" => fee_columns().iter().map(|c| (c.field, c.header)).collect(),
                "faqs" => faq_columns().iter().map(|c| (c.field, c.header)).collect(),
                "results" => result_columns().iter().map(|c| (c.field, c.header)).collect(),
                _ => procedure_columns().iter().map(|c| (c.field, c.header)).collect(),
            };
            format!("{list_label}第 {number} 项 {}", header_for(field, headers))
        }
        _ if !list_label.is_empty() => list_label.to_string(),
        _ => header_for(path, matter_columns().iter().map(|c| (c.field, c.header)).collect()),
    }
}

pub fn blank_matter() -> Matter {
    Matter {
        code: String::new(),
        catalog_code: String::new(),
        main_item: CatalogLevel { code: String::new(), name: String::new() },
        sub_item: CatalogLevel { code: String::new(), name: String::new() },
        name: String::new(),
        kind: MatterKind::AdministrativeLicence,
        department: String::new(),
        use_level: UseLevel::County,
        legal_basis: String::new(),
        acceptance_conditions: String::new(),
        statutory_limit: TimeLimit::HalfDays(40),
        statutory_limit_note: String::new(),
        promised_limit: TimeLimit::HalfDays(10),
        promised_limit_note: String::new(),
        handling_forms: vec![HandlingForm::Window],
        service_objects: vec![ServiceObject::NaturalPerson],
        trips_required: 1,
        trips_reason: String::new(),
        special_procedures: Vec::new(),
        online_depth: OnlineDepth::None,
        appointment_supported: false,
        postal_supported: false,
        online_payment_supported: false,
        self_service_supported: false,
        handle_area: HandleArea::Local,
        joint_departments: Vec::new(),
        fees: Vec::new(),
        faqs: Vec::new(),
        steps: Vec::new(),
        materials: Vec::new(),
        results: Vec::new(),
        address: String::new(),
        office_hours: String::new(),
        consultation_phone: String::new(),
        complaint_phone: String::new(),
        themes: Vec::new(),
        life_events: Vec::new(),
        keywords: Vec::new(),
    }
}

pub fn blank_material() -> Material {
    Material {
        name: String::new(),
        necessity: MaterialNecessity::Required,
        form: MaterialForm::PaperOrElectronic,
        copy_kind: MaterialCopyKind::Original,
        source: MaterialSource::Applicant,
        source_note: String::new(),
        copies: 1,
        specification: String::new(),
        blank_form: String::new(),
        sample: String::new(),
        filling_notes: String::new(),
        acceptance_standard: String::new(),
        basis: String::new(),
        pledge_allowed: false,
        remarks: String::new(),
    }
}

pub fn blank_step() -> Step {
    Step {
        name: String::new(),
        kind: StepKind::Review,
        department: String::new(),
        stage: 1,
        limit: TimeLimit::HalfDays(2),
        standard: String::new(),
        result: String::new(),
        sign_offs: 1,
    }
}

pub fn blank_fee() -> Fee {
    Fee {
        name: String::new(),
        standard: String::new(),
        basis: String::new(),
        reducible: false,
        reduction_basis: String::new(),
    }
}

pub fn blank_faq() -> Faq {
    Faq { question: String::new(), answer: String::new() }
}

pub fn blank_result() -> MatterResult {
    MatterResult { name: String::new(), kind: ResultKind::Document, sample: String::new() }
}

pub fn blank_procedure() -> SpecialProcedure {
    SpecialProcedure { name: String::new(), limit: String::new(), basis: String::new(), counts_in_limit: false }
}

// ---- Excel ------------------------------------------------------------------------------------------------

const SHEET_DEPARTMENTS: &str = "部门";
const SHEET_MATTERS: &str = "事项";
const SHEET_MATERIALS: &str = "材料";
const SHEET_STEPS: &str = "环节";
const SHEET_FEES: &str = "收费";
const SHEET_FAQS: &str = "常见问题";
const SHEET_RESULTS: &str = "结果";
const SHEET_PROCEDURES: &str = "特别程序";
const CODE_HEADER: &str = "事项编码";
const ORDER_HEADER: &str = "序号";

fn xlsx_error(error: rust_xlsxwriter::XlsxError) -> String {
    format!("生成工作簿失败：{error}")
}

fn write_sheet<T>(
    workbook: &mut rust_xlsxwriter::Workbook,
    name: &str,
    columns: &[Column<T>],
    rows: &[(Option<&str>, &T)],
) -> Result<(), String> {
    let bold = rust_xlsxwriter::Format::new().set_bold().set_background_color(rust_xlsxwriter::Color::RGB(0xDDEBF7));
    let sheet = workbook.add_worksheet();
    sheet.set_name(name).map_err(xlsx_error)?;
    let child = rows.first().is_some_and(|(code, _)| code.is_some())
        || (rows.is_empty() && name != SHEET_MATTERS && name != SHEET_DEPARTMENTS);
    let mut headers: Vec<&str> = Vec::new();
    if child {
        headers.push(CODE_HEADER);
        headers.push(ORDER_HEADER);
    }
    headers.extend(columns.iter().map(|column| column.header));
    for (index, header) in headers.iter().enumerate() {
        sheet.write_with_format(0, index as u16, *header, &bold).map_err(xlsx_error)?;
        sheet.set_column_width(index as u16, if index < 2 && child { 16 } else { 22 }).map_err(xlsx_error)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    let mut order: HashMap<&str, u32> = HashMap::new();
    for (row_index, (code, item)) in rows.iter().enumerate() {
        let row = row_index as u32 + 1;
        let mut column_index = 0u16;
        if let Some(code) = code {
            let next = order.entry(code).or_insert(0);
            *next += 1;
            sheet.write(row, 0, *code).map_err(xlsx_error)?;
            sheet.write(row, 1, *next).map_err(xlsx_error)?;
            column_index = 2;
        }
        for column in columns {
            sheet.write(row, column_index, (column.get)(item)).map_err(xlsx_error)?;
            column_index += 1;
        }
    }
    Ok(())
}

/// A department as a sheet row; the credit code is checked when the row becomes a [`Department`].
struct DepartmentRow {
    code: String,
    name: String,
    credit_code: String,
}

fn blank_department_row() -> DepartmentRow {
    DepartmentRow { code: String::new(), name: String::new(), credit_code: String::new() }
}

fn department_columns() -> Vec<Column<DepartmentRow>> {
    vec![column!(text "部门编码", code), column!(text "部门名称", name), column!(text "统一社会信用代码", credit_code)]
}

fn child_rows<'a, T>(matters: &'a [Matter], list: fn(&'a Matter) -> &'a [T]) -> Vec<(Option<&'a str>, &'a T)> {
    matters.iter().flat_map(|matter| list(matter).iter().map(move |item| (Some(matter.code.as_str()), item))).collect()
}

/// The catalog as an Excel workbook.
pub fn export_xlsx(file: &CatalogFile) -> Result<Vec<u8>, String> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let matters = &file.matters;
    write_sheet(
        &mut workbook,
        SHEET_MATTERS,
        &matter_columns(),
        &matters.iter().map(|m| (None, m)).collect::<Vec<_>>(),
    )?;
    write_sheet(&mut workbook, SHEET_MATERIALS, &material_columns(), &child_rows(matters, |m| &m.materials))?;
    write_sheet(&mut workbook, SHEET_STEPS, &step_columns(), &child_rows(matters, |m| &m.steps))?;
    write_sheet(&mut workbook, SHEET_FEES, &fee_columns(), &child_rows(matters, |m| &m.fees))?;
    write_sheet(&mut workbook, SHEET_FAQS, &faq_columns(), &child_rows(matters, |m| &m.faqs))?;
    write_sheet(&mut workbook, SHEET_RESULTS, &result_columns(), &child_rows(matters, |m| &m.results))?;
    write_sheet(
        &mut workbook,
        SHEET_PROCEDURES,
        &procedure_columns(),
        &child_rows(matters, |m| &m.special_procedures),
    )?;
    let departments: Vec<DepartmentRow> = file
        .departments
        .iter()
        .map(|d| DepartmentRow { code: d.code.clone(), name: d.name.clone(), credit_code: d.credit_code.to_string() })
        .collect();
    write_sheet(
        &mut workbook,
        SHEET_DEPARTMENTS,
        &department_columns(),
        &departments.iter().map(|d| (None, d)).collect::<Vec<_>>(),
    )?;
    workbook.save_to_buffer().map_err(xlsx_error)
}

fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        Data::Float(number) if number.fract() == 0.0 && number.abs() < 1e15 => {
            format!("{}", *number as i64)
        }
        Data::Float(number) => number.to_string(),
        Data::Int(number) => number.to_string(),
        Data::Bool(value) => yes_no(*value),
        other => other.to_string(),
    }
}

/// Reads one sheet into items; `child` sheets start with the matter code and an order column.
fn read_sheet<T>(
    workbook: &mut calamine::Xlsx<std::io::Cursor<Vec<u8>>>,
    name: &str,
    columns: &[Column<T>],
    child: bool,
    blank: fn() -> T,
    problems: &mut Vec<Problem>,
) -> Vec<(String, T)> {
    use calamine::Reader;
    let range = match workbook.worksheet_range(name) {
        Ok(range) => range,
        Err(_) => {
            problems.push((format!("表“{name}”"), "工作簿里没有这张表。请用导出的工作簿做模板".to_string()));
            return Vec::new();
        }
    };
    let mut rows = range.rows();
    let headers: Vec<String> =
        rows.next().map(|row| row.iter().map(|cell| cell_text(cell).trim().to_string()).collect()).unwrap_or_default();
    let position = |header: &str| headers.iter().position(|found| found == header);
    let mut missing = Vec::new();
    let code_position = if child { position(CODE_HEADER) } else { None };
    if child && code_position.is_none() {
        missing.push(CODE_HEADER);
    }
    let positions: Vec<Option<usize>> = columns.iter().map(|column| position(column.header)).collect();
    for (column, found) in columns.iter().zip(&positions) {
        if found.is_none() && column.header != SIGN_OFFS_HEADER {
            missing.push(column.header);
        }
    }
    if !missing.is_empty() {
        problems.push((format!("表“{name}”"), format!("缺少列：{}。请用导出的工作簿做模板", missing.join("、"))));
        return Vec::new();
    }
    let mut items = Vec::new();
    let order_position = if child { position(ORDER_HEADER) } else { None };
    for (index, row) in rows.enumerate() {
        let row_number = index + 2;
        if row.iter().all(|cell| cell_text(cell).trim().is_empty()) {
            continue;
        }
        let get = |position: Option<usize>| {
            position.and_then(|position| row.get(position)).map(cell_text).unwrap_or_default()
        };
        let mut item = blank();
        for (column, found) in columns.iter().zip(&positions) {
            if let Err(message) = (column.set)(&mut item, &get(*found)) {
                problems.push((format!("表“{name}”第 {row_number} 行 {}", column.header), message));
            }
        }
        let code = if child { get(code_position).trim().to_string() } else { String::new() };
        if child && code.is_empty() {
            problems
                .push((format!("表“{name}”第 {row_number} 行 {CODE_HEADER}"), "请填写这一行属于哪个事项".to_string()));
            continue;
        }
        // Child rows belong to their matter in the order of the 序号 column, however the sheet was sorted;
        // rows without a number come after the numbered ones, in sheet order.
        let order = parse_number::<u32>(&get(order_position), ORDER_HEADER).unwrap_or(u32::MAX);
        items.push((order, code, item));
    }
    items.sort_by_key(|(order, _, _)| *order);
    items.into_iter().map(|(_, code, item)| (code, item)).collect()
}

/// Appends each child row to the matter its code names, in sheet order.
fn attach_rows<T>(
    matters: &mut [Matter],
    by_code: &BTreeMap<String, usize>,
    sheet: &str,
    rows: Vec<(String, T)>,
    list: fn(&mut Matter) -> &mut Vec<T>,
    problems: &mut Vec<Problem>,
) {
    for (code, item) in rows {
        match by_code.get(&code) {
            Some(index) => list(&mut matters[*index]).push(item),
            None => problems.push((format!("表“{sheet}”"), format!("事项编码“{code}”在“事项”表里没有"))),
        }
    }
}

/// The most a workbook may unpack to. A catalog of 50,000 matters is well under this; a "zip bomb" of a
/// few megabytes that unpacks to gigabytes is refused before it is unpacked.
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;

fn check_unpacked_size(bytes: &[u8]) -> Result<(), Vec<Problem>> {
    let not_a_workbook =
        || vec![("文件".to_string(), "这不是有效的 Excel（.xlsx）工作簿，请另存为 .xlsx 后重试".to_string())];
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| not_a_workbook())?;
    let total = archive.decompressed_size().unwrap_or(u128::MAX);
    if archive.len() > 10_000 || total > u128::from(MAX_UNPACKED_BYTES) {
        return Err(vec![("文件".to_string(), "工作簿解压后太大，请分批导入".to_string())]);
    }
    Ok(())
}

/// Reads a workbook made by [`export_xlsx`] (or kept by catalog staff in the same layout).
pub fn parse_xlsx(bytes: Vec<u8>) -> Result<CatalogFile, Vec<Problem>> {
    use calamine::Reader;
    check_unpacked_size(&bytes)?;
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| {
        vec![("文件".to_string(), "这不是有效的 Excel（.xlsx）工作簿，请另存为 .xlsx 后重试".to_string())]
    })?;
    let mut problems = Vec::new();
    let matters = read_sheet(&mut workbook, SHEET_MATTERS, &matter_columns(), false, blank_matter, &mut problems);
    let mut matters: Vec<Matter> = matters.into_iter().map(|(_, matter)| matter).collect();
    let department_rows =
        read_sheet(&mut workbook, SHEET_DEPARTMENTS, &department_columns(), false, blank_department_row, &mut problems);
    let mut departments = Vec::new();
    for (index, (_, row)) in department_rows.into_iter().enumerate() {
        match CreditCode::parse(&row.credit_code) {
            Ok(credit_code) => departments.push(Department { code: row.code, name: row.name, credit_code }),
            Err(error) => problems
                .push((format!("表“{SHEET_DEPARTMENTS}”第 {} 行 统一社会信用代码", index + 2), format!("{error}"))),
        }
    }
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    for (index, matter) in matters.iter().enumerate() {
        by_code.insert(matter.code.clone(), index);
    }
    let mut sheet_problems = Vec::new();
    let materials =
        read_sheet(&mut workbook, SHEET_MATERIALS, &material_columns(), true, blank_material, &mut sheet_problems);
    attach_rows(&mut matters, &by_code, SHEET_MATERIALS, materials, |m| &mut m.materials, &mut sheet_problems);
    let steps = read_sheet(&mut workbook, SHEET_STEPS, &step_columns(), true, blank_step, &mut sheet_problems);
    attach_rows(&mut matters, &by_code, SHEET_STEPS, steps, |m| &mut m.steps, &mut sheet_problems);
    let fees = read_sheet(&mut workbook, SHEET_FEES, &fee_columns(), true, blank_fee, &mut sheet_problems);
    attach_rows(&mut matters, &by_code, SHEET_FEES, fees, |m| &mut m.fees, &mut sheet_problems);
    let faqs = read_sheet(&mut workbook, SHEET_FAQS, &faq_columns(), true, blank_faq, &mut sheet_problems);
    attach_rows(&mut matters, &by_code, SHEET_FAQS, faqs, |m| &mut m.faqs, &mut sheet_problems);
    let results = read_sheet(&mut workbook, SHEET_RESULTS, &result_columns(), true, blank_result, &mut sheet_problems);
    attach_rows(&mut matters, &by_code, SHEET_RESULTS, results, |m| &mut m.results, &mut sheet_problems);
    let procedures =
        read_sheet(&mut workbook, SHEET_PROCEDURES, &procedure_columns(), true, blank_procedure, &mut sheet_problems);
    attach_rows(
        &mut matters,
        &by_code,
        SHEET_PROCEDURES,
        procedures,
        |m| &mut m.special_procedures,
        &mut sheet_problems,
    );
    problems.extend(sheet_problems);
    if problems.is_empty() {
        Ok(CatalogFile { source: String::new(), departments, matters })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onetrip_domain::catalog::AdjustmentKind;

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
    fn a_workbook_gives_back_the_same_catalog() {
        let file = demo();
        let bytes = export_xlsx(&file).expect("export");
        let read = parse_xlsx(bytes).expect("import");
        assert_eq!(read.departments, file.departments);
        assert_eq!(read.matters.len(), file.matters.len());
        for (read, original) in read.matters.iter().zip(&file.matters) {
            assert_eq!(read, original, "{}", original.code);
        }
    }

    #[test]
    fn child_rows_follow_their_order_numbers_not_the_sheet_order() {
        let mut file = demo();
        file.matters.truncate(1);
        let bytes = export_xlsx(&file).expect("export");
        // Rewrite the materials sheet upside down, as sorting by name in a spreadsheet might.
        let read = parse_xlsx(bytes).expect("import");
        let mut reversed = read.clone();
        reversed.matters[0].materials.reverse();
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let rows: Vec<(Option<&str>, &Material)> =
            reversed.matters[0].materials.iter().map(|m| (Some(reversed.matters[0].code.as_str()), m)).collect();
        write_sheet(&mut workbook, SHEET_MATTERS, &matter_columns(), &[(None, &reversed.matters[0])]).expect("sheet");
        write_sheet(&mut workbook, SHEET_MATERIALS, &material_columns(), &rows).expect("sheet");
        // Number the reversed rows with their original positions.
        let count = rows.len() as u32;
        let sheet = workbook.worksheet_from_name(SHEET_MATERIALS).expect("sheet");
        for row in 0..count {
            sheet.write(row + 1, 1, count - row).expect("order");
        }
        write_sheet(&mut workbook, SHEET_STEPS, &step_columns(), &child_rows(&reversed.matters, |m| &m.steps))
            .expect("sheet");
        write_sheet(&mut workbook, SHEET_FEES, &fee_columns(), &child_rows(&reversed.matters, |m| &m.fees))
            .expect("sheet");
        write_sheet(&mut workbook, SHEET_FAQS, &faq_columns(), &child_rows(&reversed.matters, |m| &m.faqs))
            .expect("sheet");
        write_sheet(&mut workbook, SHEET_RESULTS, &result_columns(), &child_rows(&reversed.matters, |m| &m.results))
            .expect("sheet");
        write_sheet(
            &mut workbook,
            SHEET_PROCEDURES,
            &procedure_columns(),
            &child_rows(&reversed.matters, |m| &m.special_procedures),
        )
        .expect("sheet");
        let departments: Vec<DepartmentRow> = file
            .departments
            .iter()
            .map(|d| DepartmentRow {
                code: d.code.clone(),
                name: d.name.clone(),
                credit_code: d.credit_code.to_string(),
            })
            .collect();
        write_sheet(
            &mut workbook,
            SHEET_DEPARTMENTS,
            &department_columns(),
            &departments.iter().map(|d| (None, d)).collect::<Vec<_>>(),
        )
        .expect("sheet");
        let again = parse_xlsx(workbook.save_to_buffer().expect("save")).expect("import");
        assert_eq!(again.matters[0].materials, file.matters[0].materials);
    }

    #[test]
    fn bad_cells_are_reported_by_sheet_row_and_column_and_nothing_is_returned() {
        let file = demo();
        let mut broken = file.clone();
        broken.matters[0].materials[0].acceptance_standard.clear();
        let bytes = export_xlsx(&broken).expect("export");
        let read = parse_xlsx(bytes).expect("cells parse");
        let problems = validate_catalog(&read, &[]).expect_err("a rule is broken");
        assert!(problems.iter().any(|(place, _)| place.contains("材料第 1 项 受理标准")), "{problems:?}");
        assert!(parse_xlsx(b"PK not really a zip".to_vec()).is_err());
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

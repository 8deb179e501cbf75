//! The workbook's columns: one per element of a matter (or of a material, step, fee…), each with its header,
//! the element path it holds, and how to write and read its cell; the Chinese names of element paths; and
//! blank elements for the editor.

use onetrip_domain::catalog::{
    CatalogLevel, Faq, Fee, HandleArea, HandlingForm, Material, MaterialCopyKind, MaterialForm, MaterialNecessity,
    MaterialSource, Matter, MatterKind, MatterResult, OnlineDepth, ResultKind, ServiceObject, SpecialProcedure, Step,
    StepKind, TimeLimit, UseLevel,
};

pub(crate) fn yes_no(value: bool) -> String {
    if value { "是" } else { "否" }.to_string()
}

pub(crate) fn parse_yes_no(text: &str) -> Result<bool, String> {
    match text.trim() {
        "是" | "yes" | "true" | "1" => Ok(true),
        "否" | "no" | "false" | "0" | "" => Ok(false),
        other => Err(format!("“{other}”应填“是”或“否”")),
    }
}

pub(crate) fn join_labels<T: Copy>(items: &[T], label: fn(T) -> &'static str) -> String {
    items.iter().map(|item| label(*item)).collect::<Vec<_>>().join("、")
}

pub(crate) fn split_list(text: &str) -> Vec<String> {
    text.split(['、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

pub(crate) fn parse_labels<T>(text: &str, parse: fn(&str) -> Option<T>, what: &str) -> Result<Vec<T>, String> {
    split_list(text).iter().map(|item| parse(item).ok_or_else(|| format!("“{item}”不是可用的{what}"))).collect()
}

pub(crate) fn parse_label<T>(text: &str, parse: fn(&str) -> Option<T>, what: &str) -> Result<T, String> {
    parse(text).ok_or_else(|| format!("“{}”不是可用的{what}", text.trim()))
}

pub(crate) fn parse_number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, String> {
    let trimmed = text.trim();
    let whole = trimmed.strip_suffix(".0").unwrap_or(trimmed);
    whole.parse().map_err(|_| format!("{what}应为整数，现为“{trimmed}”"))
}

/// One column of a sheet: its header, the element path it holds, and how to write and read it.
pub(crate) struct Column<T> {
    pub(crate) header: &'static str,
    pub(crate) field: &'static str,
    pub(crate) get: fn(&T) -> String,
    pub(crate) set: fn(&mut T, &str) -> Result<(), String>,
    /// The values a cell may take, offered as the workbook's drop-down list; empty for free text.
    pub(crate) options: fn() -> Vec<&'static str>,
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
            options: Vec::new,
        }
    };
    (label $header:literal, $field:ident, $type:ty, $parse:expr, $what:literal) => {
        Column {
            header: $header,
            field: stringify!($field),
            get: |item| item.$field.label().to_string(),
            set: |item, value| {
                item.$field = parse_label(value, $parse, $what)?;
                Ok(())
            },
            options: || <$type>::ALL.iter().map(|value| value.label()).collect(),
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
            options: || vec!["是", "否"],
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
            options: Vec::new,
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
            options: Vec::new,
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
            options: Vec::new,
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
            options: Vec::new,
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
            options: Vec::new,
        }
    };
}

pub(crate) fn matter_kind(text: &str) -> Option<MatterKind> {
    MatterKind::from_label(text).or_else(|| MatterKind::from_code(text))
}

pub(crate) fn matter_columns() -> Vec<Column<Matter>> {
    vec![
        column!(text "事项编码", code),
        column!(text "事项名称", name),
        column!(text "基本编码", catalog_code),
        level_column!("主项编码", "main_item.code", main_item.code),
        level_column!("主项名称", "main_item.name", main_item.name),
        level_column!("子项编码", "sub_item.code", sub_item.code),
        level_column!("子项名称", "sub_item.name", sub_item.name),
        column!(label "事项类型", kind, MatterKind, matter_kind, "事项类型"),
        column!(text "实施主体编码", department),
        column!(label "行使层级", use_level, UseLevel, UseLevel::parse_any, "行使层级"),
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
        column!(label "网上办理深度", online_depth, OnlineDepth, OnlineDepth::parse_any, "网上办理深度"),
        column!(yes_no "支持预约办理", appointment_supported),
        column!(yes_no "支持物流快递", postal_supported),
        column!(yes_no "支持网上支付", online_payment_supported),
        column!(yes_no "支持自助终端", self_service_supported),
        column!(label "通办范围", handle_area, HandleArea, HandleArea::parse_any, "通办范围"),
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

pub(crate) fn limit_text(limit: TimeLimit) -> String {
    match limit {
        TimeLimit::OnTheSpot => "即办".to_string(),
        TimeLimit::HalfDays(half_days) if half_days % 2 == 0 => (half_days / 2).to_string(),
        TimeLimit::HalfDays(half_days) => format!("{}.5", half_days / 2),
    }
}

pub(crate) fn material_columns() -> Vec<Column<Material>> {
    vec![
        column!(text "材料名称", name),
        column!(label "必要性", necessity, MaterialNecessity, MaterialNecessity::parse_any, "材料必要性（必要/非必要/容缺）"),
        column!(label "材料形式", form, MaterialForm, MaterialForm::parse_any, "材料形式（纸质/电子/纸质或电子）"),
        column!(label "材料类型", copy_kind, MaterialCopyKind, MaterialCopyKind::parse_any, "材料类型（原件/复印件/原件和复印件）"),
        column!(label "来源渠道", source, MaterialSource, MaterialSource::parse_any, "来源渠道"),
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
        column!(text "共享来源", shared_from),
    ]
}

pub(crate) fn step_columns() -> Vec<Column<Step>> {
    vec![
        column!(text "环节名称", name),
        column!(label "环节种类", kind, StepKind, StepKind::parse_any, "环节种类（受理/审查/审核/决定/办结/送达）"),
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
            options: Vec::new,
        },
    ]
}

/// Added after the first release: a workbook without it is still read, every step counting as ordinary.
pub(crate) const SIGN_OFFS_HEADER: &str = "会签人数";

pub(crate) fn fee_columns() -> Vec<Column<Fee>> {
    vec![
        column!(text "项目名称", name),
        column!(text "收费标准", standard),
        column!(text "收费依据", basis),
        column!(yes_no "可减免", reducible),
        column!(text "减免依据", reduction_basis),
    ]
}

pub(crate) fn faq_columns() -> Vec<Column<Faq>> {
    vec![column!(text "问题", question), column!(text "答案", answer)]
}

pub(crate) fn result_columns() -> Vec<Column<MatterResult>> {
    vec![
        column!(text "结果名称", name),
        column!(label "结果类型", kind, ResultKind, ResultKind::parse_any, "结果类型（出证办结/出文办结/审批办结）"),
        column!(text "结果样本", sample),
    ]
}

pub(crate) fn procedure_columns() -> Vec<Column<SpecialProcedure>> {
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
    match rest.and_then(|rest| rest.split_once("].")) {
        Some((index, field)) if !list_label.is_empty() => {
            let number = index.parse::<usize>().map(|index| index + 1).unwrap_or(0);
            format!("{list_label}第 {number} 项 {}", column_header(list, field))
        }
        _ if !list_label.is_empty() => list_label.to_string(),
        _ => column_header("", path),
    }
}

/// The workbook column that holds an element: (`materials`, `copies`) → 纸质份数, (``, `promised_limit`)
/// → 承诺办结时限; an element without a column of its own keeps its name.
pub(crate) fn column_header(list: &str, field: &str) -> String {
    let headers: Vec<(&str, &str)> = match list {
        "materials" => material_columns().iter().map(|c| (c.field, c.header)).collect(),
        "steps" => step_columns().iter().map(|c| (c.field, c.header)).collect(),
        "fees" => fee_columns().iter().map(|c| (c.field, c.header)).collect(),
        "faqs" => faq_columns().iter().map(|c| (c.field, c.header)).collect(),
        "results" => result_columns().iter().map(|c| (c.field, c.header)).collect(),
        "special_procedures" => procedure_columns().iter().map(|c| (c.field, c.header)).collect(),
        _ => matter_columns().iter().map(|c| (c.field, c.header)).collect(),
    };
    headers
        .into_iter()
        .find(|(name, _)| *name == field)
        .map(|(_, header)| header.to_string())
        .unwrap_or_else(|| field.to_string())
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
        shared_from: String::new(),
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

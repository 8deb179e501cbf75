//! The matter editor's form: a matter shown as form values, and submitted values parsed back into a matter.
//! Repeated elements (materials, steps, …) are rows of inputs with the same names, submitted in order;
//! a row whose name is empty is dropped. Errors keep every value the editor typed.

use chrono::NaiveDate;
use onetrip_app::catalog::{
    blank_faq, blank_fee, blank_material, blank_matter, blank_procedure, blank_result, blank_step, field_label,
};
use onetrip_domain::catalog::{
    validate_adjustment, validate_matter, Adjustment, AdjustmentKind, CatalogLevel, Faq, Fee, HandleArea, HandlingForm,
    Material, MaterialCopyKind, MaterialForm, MaterialNecessity, MaterialSource, Matter, MatterKind, MatterResult,
    OnlineDepth, ResultKind, ServiceObject, SpecialProcedure, Step, StepKind, TimeLimit, UseLevel,
};
use onetrip_domain::FieldErrors;
use std::collections::HashMap;

/// Values of the single inputs, checkbox groups, and the errors to show next to them.
#[derive(Debug, Default, Clone)]
pub struct FormValues {
    scalars: HashMap<String, String>,
    multi: HashMap<String, Vec<String>>,
    pub errors: FieldErrors,
}

impl FormValues {
    pub fn get(&self, name: &str) -> &str {
        self.scalars.get(name).map(String::as_str).unwrap_or_default()
    }

    pub fn is(&self, name: &str, code: &str) -> bool {
        self.get(name) == code
    }

    pub fn has(&self, name: &str, code: &str) -> bool {
        self.multi.get(name).is_some_and(|values| values.iter().any(|value| value == code))
    }

    pub fn error(&self, name: &str) -> &str {
        self.errors.first(name).unwrap_or_default()
    }

    fn set(&mut self, name: &str, value: impl Into<String>) {
        self.scalars.insert(name.to_string(), value.into());
    }
}

/// One row of a repeated element.
#[derive(Debug, Default, Clone)]
pub struct RowValues {
    values: HashMap<String, String>,
    pub errors: String,
}

impl RowValues {
    pub fn get(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or_default()
    }

    pub fn is(&self, name: &str, code: &str) -> bool {
        self.get(name) == code
    }

    fn from_pairs(pairs: &[(&str, String)]) -> Self {
        Self {
            values: pairs.iter().map(|(key, value)| (key.to_string(), value.clone())).collect(),
            errors: String::new(),
        }
    }
}

/// Everything the editor page shows.
#[derive(Debug, Default, Clone)]
pub struct MatterForm {
    pub values: FormValues,
    pub materials: Vec<RowValues>,
    pub steps: Vec<RowValues>,
    pub results: Vec<RowValues>,
    pub fees: Vec<RowValues>,
    pub special_procedures: Vec<RowValues>,
    pub faqs: Vec<RowValues>,
}

const SUPPORTS: [(&str, &str); 4] =
    [("appointment", "预约办理"), ("postal", "物流快递"), ("online_payment", "网上支付"), ("self_service", "自助终端")];

pub fn support_options() -> Vec<(&'static str, &'static str)> {
    SUPPORTS.to_vec()
}

fn yes(value: bool) -> String {
    if value { "yes" } else { "no" }.to_string()
}

fn limit_value(limit: TimeLimit) -> String {
    match limit {
        TimeLimit::OnTheSpot => "即办".to_string(),
        TimeLimit::HalfDays(half) if half % 2 == 0 => (half / 2).to_string(),
        TimeLimit::HalfDays(half) => format!("{}.5", half / 2),
    }
}

fn material_row(m: &Material) -> RowValues {
    RowValues::from_pairs(&[
        ("name", m.name.clone()),
        ("necessity", m.necessity.code().to_string()),
        ("form", m.form.code().to_string()),
        ("copy_kind", m.copy_kind.code().to_string()),
        ("source", m.source.code().to_string()),
        ("source_note", m.source_note.clone()),
        ("copies", m.copies.to_string()),
        ("specification", m.specification.clone()),
        ("blank_form", m.blank_form.clone()),
        ("sample", m.sample.clone()),
        ("filling_notes", m.filling_notes.clone()),
        ("acceptance_standard", m.acceptance_standard.clone()),
        ("basis", m.basis.clone()),
        ("pledge_allowed", yes(m.pledge_allowed)),
        ("remarks", m.remarks.clone()),
        ("shared_from", m.shared_from.clone()),
    ])
}

fn step_row(s: &Step) -> RowValues {
    RowValues::from_pairs(&[
        ("name", s.name.clone()),
        ("kind", s.kind.code().to_string()),
        ("department", s.department.clone()),
        ("stage", s.stage.to_string()),
        ("limit", limit_value(s.limit)),
        ("standard", s.standard.clone()),
        ("result", s.result.clone()),
        ("sign_offs", s.sign_offs.to_string()),
    ])
}

fn result_row(r: &MatterResult) -> RowValues {
    RowValues::from_pairs(&[
        ("name", r.name.clone()),
        ("kind", r.kind.code().to_string()),
        ("sample", r.sample.clone()),
    ])
}

fn fee_row(f: &Fee) -> RowValues {
    RowValues::from_pairs(&[
        ("name", f.name.clone()),
        ("standard", f.standard.clone()),
        ("basis", f.basis.clone()),
        ("reducible", yes(f.reducible)),
        ("reduction_basis", f.reduction_basis.clone()),
    ])
}

fn procedure_row(p: &SpecialProcedure) -> RowValues {
    RowValues::from_pairs(&[
        ("name", p.name.clone()),
        ("limit", p.limit.clone()),
        ("basis", p.basis.clone()),
        ("counts_in_limit", yes(p.counts_in_limit)),
    ])
}

fn faq_row(f: &Faq) -> RowValues {
    RowValues::from_pairs(&[("question", f.question.clone()), ("answer", f.answer.clone())])
}

/// Rows for the items plus `blank` empty rows to add new ones.
fn rows<T>(items: &[T], to_row: fn(&T) -> RowValues, blank: fn() -> T, extra: usize) -> Vec<RowValues> {
    let mut rows: Vec<RowValues> = items.iter().map(to_row).collect();
    rows.extend(std::iter::repeat_n(empty_row(to_row, blank), extra));
    rows
}

impl MatterForm {
    /// The form for editing `matter`, with an adjustment of `kind` dated `today`.
    pub fn from_matter(matter: &Matter, kind: AdjustmentKind, today: NaiveDate) -> Self {
        let mut values = FormValues::default();
        values.set("adjustment_kind", kind.code());
        values.set("effective_date", today.to_string());
        values.set("code", &matter.code);
        values.set("name", &matter.name);
        values.set("catalog_code", &matter.catalog_code);
        values.set("main_item.code", &matter.main_item.code);
        values.set("main_item.name", &matter.main_item.name);
        values.set("sub_item.code", &matter.sub_item.code);
        values.set("sub_item.name", &matter.sub_item.name);
        values.set("kind", matter.kind.code());
        values.set("department", &matter.department);
        values.set("joint_departments", matter.joint_departments.join(","));
        values.set("use_level", matter.use_level.code());
        values.set("legal_basis", &matter.legal_basis);
        values.set("acceptance_conditions", &matter.acceptance_conditions);
        values.set("statutory_limit", limit_value(matter.statutory_limit));
        values.set("statutory_limit_note", &matter.statutory_limit_note);
        values.set("promised_limit", limit_value(matter.promised_limit));
        values.set("promised_limit_note", &matter.promised_limit_note);
        values.set("trips_required", matter.trips_required.to_string());
        values.set("trips_reason", &matter.trips_reason);
        values.set("online_depth", matter.online_depth.code());
        values.set("handle_area", matter.handle_area.code());
        values.set("address", &matter.address);
        values.set("office_hours", &matter.office_hours);
        values.set("consultation_phone", &matter.consultation_phone);
        values.set("complaint_phone", &matter.complaint_phone);
        values.set("themes", matter.themes.join(","));
        values.set("life_events", matter.life_events.join(","));
        values.set("keywords", matter.keywords.join(","));
        values
            .multi
            .insert("handling_forms".into(), matter.handling_forms.iter().map(|f| f.code().to_string()).collect());
        values
            .multi
            .insert("service_objects".into(), matter.service_objects.iter().map(|o| o.code().to_string()).collect());
        let supports = [
            matter.appointment_supported,
            matter.postal_supported,
            matter.online_payment_supported,
            matter.self_service_supported,
        ];
        values.multi.insert(
            "supports".into(),
            SUPPORTS.iter().zip(supports).filter(|(_, on)| *on).map(|((code, _), _)| code.to_string()).collect(),
        );
        Self {
            values,
            materials: rows(&matter.materials, material_row, blank_material, 2),
            steps: rows(&matter.steps, step_row, blank_step, 2),
            results: rows(&matter.results, result_row, blank_result, 1),
            fees: rows(&matter.fees, fee_row, blank_fee, 1),
            special_procedures: rows(&matter.special_procedures, procedure_row, blank_procedure, 1),
            faqs: rows(&matter.faqs, faq_row, blank_faq, 1),
        }
    }

    pub fn new_matter(today: NaiveDate) -> Self {
        let mut form = Self::from_matter(&blank_matter(), AdjustmentKind::Create, today);
        form.values.set("trips_required", "0");
        form
    }

    /// The table of contents of the long form: each section's anchor, title and how many of its fields
    /// need changing, so that an editor goes straight to what is wrong.
    pub fn sections(&self) -> Vec<(&'static str, &'static str, usize)> {
        SECTIONS
            .iter()
            .map(|(id, title)| {
                let errors = self.values.errors.iter().filter(|(field, _)| section_of(field) == *id).count();
                (*id, *title, errors)
            })
            .collect()
    }

    /// The error summary: each field's anchor and its message, naming the element.
    pub fn error_list(&self) -> Vec<(String, String)> {
        self.values
            .errors
            .iter()
            .map(|(field, messages)| (field.to_string(), format!("{}：{}", field_label(field), messages.join("；"))))
            .collect()
    }
}

/// The form's sections, in order: the anchor (`section-…`) and the title its fieldset's legend shows.
const SECTIONS: [(&str, &str); 10] = [
    ("adjustment", "本次调整"),
    ("basic", "基本信息"),
    ("limits", "时限与办理方式"),
    ("contact", "地点与联系方式"),
    ("materials", "申请材料"),
    ("steps", "办理环节"),
    ("results", "办理结果"),
    ("fees", "收费"),
    ("procedures", "特别程序"),
    ("faqs", "常见问题"),
];

/// The section a field (`name`, `materials[2].name`) is edited in.
fn section_of(field: &str) -> &'static str {
    let list = field.split('[').next().unwrap_or(field);
    match list {
        "adjustment_kind" | "reason" | "effective_date" | "merged_into" | "expected_version" => "adjustment",
        "materials" => "materials",
        "steps" => "steps",
        "results" => "results",
        "fees" => "fees",
        "special_procedures" => "procedures",
        "faqs" => "faqs",
        "statutory_limit"
        | "statutory_limit_note"
        | "promised_limit"
        | "promised_limit_note"
        | "handling_forms"
        | "service_objects"
        | "trips_required"
        | "trips_reason"
        | "online_depth"
        | "handle_area"
        | "appointment_supported"
        | "postal_supported"
        | "online_payment_supported"
        | "self_service_supported" => "limits",
        "address" | "office_hours" | "consultation_phone" | "complaint_phone" | "themes" | "life_events"
        | "keywords" => "contact",
        _ => "basic",
    }
}

/// A parsed submission: the matter, the adjustment, and the version the editor started from.
pub struct Submission {
    pub matter: Matter,
    pub adjustment: Adjustment,
    pub expected_version: Option<u32>,
}

struct Reader<'a> {
    scalars: HashMap<&'a str, &'a str>,
    multi: HashMap<&'a str, Vec<&'a str>>,
    errors: FieldErrors,
}

impl<'a> Reader<'a> {
    fn new(pairs: &'a [(String, String)]) -> Self {
        let mut scalars = HashMap::new();
        let mut multi: HashMap<&str, Vec<&str>> = HashMap::new();
        for (key, value) in pairs {
            scalars.entry(key.as_str()).or_insert(value.as_str());
            multi.entry(key.as_str()).or_default().push(value.as_str());
        }
        Self { scalars, multi, errors: FieldErrors::default() }
    }

    fn text(&self, name: &str) -> String {
        self.scalars.get(name).map(|value| value.trim().to_string()).unwrap_or_default()
    }

    fn parse<T>(&mut self, name: &str, parse: impl Fn(&str) -> Result<T, String>, fallback: T) -> T {
        match parse(&self.text(name)) {
            Ok(value) => value,
            Err(message) => {
                self.errors.add(name, message);
                fallback
            }
        }
    }

    fn list(&self, name: &str) -> Vec<String> {
        self.text(name)
            .split([',', '，', '、'])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn all(&self, name: &str) -> Vec<&'a str> {
        self.multi.get(name).cloned().unwrap_or_default()
    }

    /// The submitted rows of a repeated element, as maps from field to value; rows with an empty first
    /// field are dropped.
    fn rows(&self, prefix: &str, fields: &[&str]) -> Vec<HashMap<String, String>> {
        let columns: Vec<Vec<&str>> = fields.iter().map(|field| self.all(&format!("{prefix}.{field}"))).collect();
        let count = columns.first().map(Vec::len).unwrap_or(0);
        (0..count)
            .map(|index| {
                fields
                    .iter()
                    .zip(&columns)
                    .map(|(field, values)| {
                        (field.to_string(), values.get(index).map(|v| v.trim().to_string()).unwrap_or_default())
                    })
                    .collect::<HashMap<String, String>>()
            })
            .filter(|row| row.get(fields[0]).is_some_and(|value| !value.is_empty()))
            .collect()
    }
}

fn choice<T: Copy>(text: &str, parse: fn(&str) -> Option<T>) -> Result<T, String> {
    parse(text).ok_or_else(|| "请从列表中选择".to_string())
}

fn number<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("“{text}”不是整数"))
}

const MATERIAL_FIELDS: [&str; 16] = [
    "name",
    "necessity",
    "form",
    "copy_kind",
    "source",
    "source_note",
    "copies",
    "specification",
    "blank_form",
    "sample",
    "filling_notes",
    "acceptance_standard",
    "basis",
    "pledge_allowed",
    "remarks",
    "shared_from",
];
const STEP_FIELDS: [&str; 8] = ["name", "kind", "department", "stage", "limit", "standard", "result", "sign_offs"];
const RESULT_FIELDS: [&str; 3] = ["name", "kind", "sample"];
const FEE_FIELDS: [&str; 5] = ["name", "standard", "basis", "reducible", "reduction_basis"];
const PROCEDURE_FIELDS: [&str; 4] = ["name", "limit", "basis", "counts_in_limit"];
const FAQ_FIELDS: [&str; 2] = ["question", "answer"];

/// Parses a submitted editor form. On error, returns the form to show again, with every value kept.
pub fn parse_submission(
    pairs: &[(String, String)],
    departments: &[&str],
    is_first_version: bool,
    today: NaiveDate,
) -> Result<Submission, Box<MatterForm>> {
    let mut reader = Reader::new(pairs);
    let mut matter = blank_matter();
    matter.code = reader.text("code");
    matter.name = reader.text("name");
    matter.catalog_code = reader.text("catalog_code");
    matter.main_item = CatalogLevel { code: reader.text("main_item.code"), name: reader.text("main_item.name") };
    matter.sub_item = CatalogLevel { code: reader.text("sub_item.code"), name: reader.text("sub_item.name") };
    matter.kind = reader.parse("kind", |t| choice(t, MatterKind::from_code), MatterKind::AdministrativeLicence);
    matter.department = reader.text("department");
    matter.joint_departments = reader.list("joint_departments");
    matter.use_level = reader.parse("use_level", |t| choice(t, UseLevel::from_code), UseLevel::County);
    matter.legal_basis = reader.text("legal_basis");
    matter.acceptance_conditions = reader.text("acceptance_conditions");
    matter.statutory_limit = reader.parse("statutory_limit", TimeLimit::parse_text, TimeLimit::OnTheSpot);
    matter.statutory_limit_note = reader.text("statutory_limit_note");
    matter.promised_limit = reader.parse("promised_limit", TimeLimit::parse_text, TimeLimit::OnTheSpot);
    matter.promised_limit_note = reader.text("promised_limit_note");
    matter.handling_forms = reader.all("handling_forms").into_iter().filter_map(HandlingForm::from_code).collect();
    matter.service_objects = reader.all("service_objects").into_iter().filter_map(ServiceObject::from_code).collect();
    matter.trips_required =
        reader.parse("trips_required", |t| number(t).map_err(|_| "到办事现场次数应为 0 到 5 的整数".to_string()), 0);
    matter.trips_reason = reader.text("trips_reason");
    matter.online_depth = reader.parse("online_depth", |t| choice(t, OnlineDepth::from_code), OnlineDepth::None);
    matter.handle_area = reader.parse("handle_area", |t| choice(t, HandleArea::from_code), HandleArea::Local);
    let supports = reader.all("supports");
    matter.appointment_supported = supports.contains(&"appointment");
    matter.postal_supported = supports.contains(&"postal");
    matter.online_payment_supported = supports.contains(&"online_payment");
    matter.self_service_supported = supports.contains(&"self_service");
    matter.address = reader.text("address");
    matter.office_hours = reader.text("office_hours");
    matter.consultation_phone = reader.text("consultation_phone");
    matter.complaint_phone = reader.text("complaint_phone");
    matter.themes = reader.list("themes");
    matter.life_events = reader.list("life_events");
    matter.keywords = reader.list("keywords");

    let mut row_errors = FieldErrors::default();
    let mut row_parse = |path: String, result: Result<(), String>| {
        if let Err(message) = result {
            row_errors.add(path, message);
        }
    };
    for (index, row) in reader.rows("material", &MATERIAL_FIELDS).iter().enumerate() {
        let mut material = blank_material();
        let path = |field: &str| format!("materials[{index}].{field}");
        material.name = row["name"].clone();
        row_parse(
            path("necessity"),
            choice(&row["necessity"], MaterialNecessity::from_code).map(|v| material.necessity = v),
        );
        row_parse(path("form"), choice(&row["form"], MaterialForm::from_code).map(|v| material.form = v));
        row_parse(
            path("copy_kind"),
            choice(&row["copy_kind"], MaterialCopyKind::from_code).map(|v| material.copy_kind = v),
        );
        row_parse(path("source"), choice(&row["source"], MaterialSource::from_code).map(|v| material.source = v));
        row_parse(path("copies"), number(&row["copies"]).map(|v| material.copies = v));
        material.source_note = row["source_note"].clone();
        material.specification = row["specification"].clone();
        material.blank_form = row["blank_form"].clone();
        material.sample = row["sample"].clone();
        material.filling_notes = row["filling_notes"].clone();
        material.acceptance_standard = row["acceptance_standard"].clone();
        material.basis = row["basis"].clone();
        material.pledge_allowed = row["pledge_allowed"] == "yes";
        material.remarks = row["remarks"].clone();
        material.shared_from = row["shared_from"].trim().to_string();
        matter.materials.push(material);
    }
    for (index, row) in reader.rows("step", &STEP_FIELDS).iter().enumerate() {
        let mut step = blank_step();
        let path = |field: &str| format!("steps[{index}].{field}");
        step.name = row["name"].clone();
        row_parse(path("kind"), choice(&row["kind"], StepKind::from_code).map(|v| step.kind = v));
        step.department = row["department"].clone();
        row_parse(path("stage"), number(&row["stage"]).map(|v| step.stage = v));
        row_parse(path("limit"), TimeLimit::parse_text(&row["limit"]).map(|v| step.limit = v));
        step.standard = row["standard"].clone();
        step.result = row["result"].clone();
        if !row["sign_offs"].trim().is_empty() {
            row_parse(path("sign_offs"), number(&row["sign_offs"]).map(|v| step.sign_offs = v));
        }
        matter.steps.push(step);
    }
    for (index, row) in reader.rows("result", &RESULT_FIELDS).iter().enumerate() {
        let mut result = blank_result();
        result.name = row["name"].clone();
        row_parse(
            format!("results[{index}].kind"),
            choice(&row["kind"], ResultKind::from_code).map(|v| result.kind = v),
        );
        result.sample = row["sample"].clone();
        matter.results.push(result);
    }
    for row in reader.rows("fee", &FEE_FIELDS) {
        matter.fees.push(Fee {
            name: row["name"].clone(),
            standard: row["standard"].clone(),
            basis: row["basis"].clone(),
            reducible: row["reducible"] == "yes",
            reduction_basis: row["reduction_basis"].clone(),
        });
    }
    for row in reader.rows("procedure", &PROCEDURE_FIELDS) {
        matter.special_procedures.push(SpecialProcedure {
            name: row["name"].clone(),
            limit: row["limit"].clone(),
            basis: row["basis"].clone(),
            counts_in_limit: row["counts_in_limit"] == "yes",
        });
    }
    for row in reader.rows("faq", &FAQ_FIELDS) {
        matter.faqs.push(Faq { question: row["question"].clone(), answer: row["answer"].clone() });
    }

    let adjustment = Adjustment {
        kind: reader.parse("adjustment_kind", |t| choice(t, AdjustmentKind::from_code), AdjustmentKind::Adjust),
        reason: reader.text("reason"),
        effective_date: reader.parse(
            "effective_date",
            |t| NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| "施行日期应写作 2026-12-01".to_string()),
            NaiveDate::MIN,
        ),
        merged_into: reader.text("merged_into"),
    };
    let expected_version = reader.text("expected_version").parse::<u32>().ok();

    let mut errors = std::mem::take(&mut reader.errors);
    for (field, messages) in row_errors.iter() {
        for message in messages {
            errors.add(field, message.clone());
        }
    }
    if let Err(found) = validate_matter(&matter, departments) {
        for (field, messages) in found.iter() {
            if errors.first(field).is_none() {
                for message in messages {
                    errors.add(field, message.clone());
                }
            }
        }
    }
    if let Err(found) = validate_adjustment(&adjustment, is_first_version, today) {
        errors.merge_prefixed("", found);
    }
    if errors.is_empty() {
        return Ok(Submission { matter, adjustment, expected_version });
    }
    Err(Box::new(MatterForm::from_submitted(pairs, errors)))
}

/// A row of empty inputs for adding an element, shaped like the rows made from `blank`.
fn empty_row<T>(to_row: fn(&T) -> RowValues, blank: fn() -> T) -> RowValues {
    let mut row = to_row(&blank());
    for key in ["name", "question"] {
        if row.values.contains_key(key) {
            row.values.insert(key.to_string(), String::new());
        }
    }
    row
}

impl MatterForm {
    /// The form exactly as it was submitted (every value as typed, valid or not), with `errors` shown next
    /// to the fields and rows they concern.
    pub fn from_submitted(pairs: &[(String, String)], errors: FieldErrors) -> Self {
        let reader = Reader::new(pairs);
        let mut values = FormValues::default();
        for (key, value) in &reader.scalars {
            values.set(key, *value);
        }
        for (key, list) in &reader.multi {
            values.multi.insert(key.to_string(), list.iter().map(|value| value.to_string()).collect());
        }
        let rows = |prefix: &str, fields: &[&str], empty: RowValues, extra: usize| {
            let mut rows: Vec<RowValues> = reader
                .rows(prefix, fields)
                .into_iter()
                .map(|values| RowValues { values, errors: String::new() })
                .collect();
            rows.extend(std::iter::repeat_n(empty, extra));
            rows
        };
        let mut form = Self {
            values,
            materials: rows("material", &MATERIAL_FIELDS, empty_row(material_row, blank_material), 2),
            steps: rows("step", &STEP_FIELDS, empty_row(step_row, blank_step), 2),
            results: rows("result", &RESULT_FIELDS, empty_row(result_row, blank_result), 1),
            fees: rows("fee", &FEE_FIELDS, empty_row(fee_row, blank_fee), 1),
            special_procedures: rows("procedure", &PROCEDURE_FIELDS, empty_row(procedure_row, blank_procedure), 1),
            faqs: rows("faq", &FAQ_FIELDS, empty_row(faq_row, blank_faq), 1),
        };
        attach_row_errors(&mut form, &errors);
        form.values.errors = errors;
        form
    }
}

/// Copies `materials[2].name`-style errors onto the rows they belong to.
fn attach_row_errors(form: &mut MatterForm, errors: &FieldErrors) {
    for (field, messages) in errors.iter() {
        let Some((list, rest)) = field.split_once('[') else {
            continue;
        };
        let Some((index, _)) = rest.split_once(']') else {
            continue;
        };
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        let rows = match list {
            "materials" => &mut form.materials,
            "steps" => &mut form.steps,
            "results" => &mut form.results,
            "fees" => &mut form.fees,
            "special_procedures" => &mut form.special_procedures,
            "faqs" => &mut form.faqs,
            _ => continue,
        };
        if let Some(row) = rows.get_mut(index) {
            let text = format!("{}：{}", field_label(field), messages.join("；"));
            row.errors = if row.errors.is_empty() { text } else { format!("{}；{text}", row.errors) };
        }
    }
}

//! The catalog as an Excel workbook laid out the way catalog staff keep it: one sheet of matters, one sheet
//! per repeated element (materials, steps, fees, FAQs, results, special procedures), and one of departments,
//! joined by the matter code.

use super::columns::*;
use super::file::{CatalogFile, Problem, SheetPlaces, MAX_IMPORT_MATTERS};
use onetrip_domain::catalog::{Department, Matter};
use onetrip_domain::ids::CreditCode;
use std::collections::{BTreeMap, HashMap};

pub(crate) const SHEET_DEPARTMENTS: &str = "部门";
pub(crate) const SHEET_MATTERS: &str = "事项";
pub(crate) const SHEET_MATERIALS: &str = "材料";
pub(crate) const SHEET_STEPS: &str = "环节";
pub(crate) const SHEET_FEES: &str = "收费";
pub(crate) const SHEET_FAQS: &str = "常见问题";
pub(crate) const SHEET_RESULTS: &str = "结果";
pub(crate) const SHEET_PROCEDURES: &str = "特别程序";
pub(crate) const CODE_HEADER: &str = "事项编码";
pub(crate) const ORDER_HEADER: &str = "序号";

/// The last row a drop-down list covers (Excel's last row).
const LAST_ROW: u32 = 1_048_575;

pub(crate) fn xlsx_error(error: rust_xlsxwriter::XlsxError) -> String {
    format!("生成工作簿失败：{error}")
}

pub(crate) fn write_sheet<T>(
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
    // A column of set values (事项类型, 是/否 …) offers them as a drop-down list on every row below the
    // header, rows added later included; a value typed outside the list is refused by the spreadsheet.
    let offset = if child { 2 } else { 0 };
    for (index, column) in columns.iter().enumerate() {
        let options = (column.options)();
        if options.is_empty() {
            continue;
        }
        let validation = rust_xlsxwriter::DataValidation::new()
            .allow_list_strings(&options)
            .and_then(|validation| validation.set_error_title("请从列表中选择"))
            .and_then(|validation| {
                validation.set_error_message(format!("“{}”只能填：{}", column.header, options.join("、")))
            })
            .map_err(xlsx_error)?;
        let at = (index + offset) as u16;
        sheet.add_data_validation(1, at, LAST_ROW, at, &validation).map_err(xlsx_error)?;
    }
    // A text that a spreadsheet would read as a formula (`=cmd|…`) is marked with Excel's quote prefix: shown
    // and read back as the same text, never evaluated, even when someone edits the cell.
    let as_text = rust_xlsxwriter::Format::new().set_quote_prefix();
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
            let value = (column.get)(item);
            if onetrip_domain::text::looks_like_formula(&value) {
                sheet.write_string_with_format(row, column_index, &value, &as_text).map_err(xlsx_error)?;
            } else {
                sheet.write(row, column_index, value).map_err(xlsx_error)?;
            }
            column_index += 1;
        }
    }
    Ok(())
}

/// A department as a sheet row; the credit code is checked when the row becomes a [`Department`].
pub(crate) struct DepartmentRow {
    code: String,
    name: String,
    credit_code: String,
}

pub(crate) fn blank_department_row() -> DepartmentRow {
    DepartmentRow { code: String::new(), name: String::new(), credit_code: String::new() }
}

pub(crate) fn department_columns() -> Vec<Column<DepartmentRow>> {
    vec![column!(text "部门编码", code), column!(text "部门名称", name), column!(text "统一社会信用代码", credit_code)]
}

pub(crate) fn child_rows<'a, T>(
    matters: &'a [Matter],
    list: fn(&'a Matter) -> &'a [T],
) -> Vec<(Option<&'a str>, &'a T)> {
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

pub(crate) fn cell_text(cell: &calamine::Data) -> String {
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
pub(crate) fn read_sheet<T>(
    workbook: &mut calamine::Xlsx<std::io::Cursor<Vec<u8>>>,
    name: &str,
    columns: &[Column<T>],
    child: bool,
    blank: fn() -> T,
    problems: &mut Vec<Problem>,
) -> Vec<(String, T, usize)> {
    use calamine::Reader;
    // Counted as a stream first, so that an oversized sheet is refused before it is loaded.
    let cap = if child { MAX_SHEET_ROWS } else { MAX_IMPORT_MATTERS };
    if rows_beyond(workbook, name, cap) {
        problems.push((format!("表“{name}”"), format!("这张表超过 {cap} 行，请分批导入")));
        return Vec::new();
    }
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
        items.push((order, code, item, row_number));
    }
    items.sort_by_key(|(order, _, _, _)| *order);
    items.into_iter().map(|(_, code, item, row)| (code, item, row)).collect()
}

/// Appends each child row to the matter its code names, in sheet order.
pub(crate) struct Attach<'a> {
    pub(crate) by_code: &'a BTreeMap<String, usize>,
    pub(crate) places: &'a mut SheetPlaces,
    pub(crate) problems: &'a mut Vec<Problem>,
}

/// Appends each child row to the matter its code names, and notes the row it came from.
pub(crate) fn attach_rows<T>(
    matters: &mut [Matter],
    into: &mut Attach<'_>,
    (sheet, list_name): (&'static str, &'static str),
    rows: Vec<(String, T, usize)>,
    list: fn(&mut Matter) -> &mut Vec<T>,
) {
    for (code, item, row) in rows {
        match into.by_code.get(&code) {
            Some(index) => {
                list(&mut matters[*index]).push(item);
                into.places.items.entry((*index, list_name)).or_default().push((sheet, row));
            }
            None => into
                .problems
                .push((format!("表“{sheet}”第 {row} 行 {CODE_HEADER}"), format!("事项编码“{code}”在“事项”表里没有"))),
        }
    }
}

/// The most rows one child sheet (materials, steps, …) may have in one import.
pub const MAX_SHEET_ROWS: usize = 100_000;

/// Whether a sheet has a cell below row `cap` (the header row not counted), read as a stream of cells.
fn rows_beyond(workbook: &mut calamine::Xlsx<std::io::Cursor<Vec<u8>>>, name: &str, cap: usize) -> bool {
    let Ok(mut cells) = workbook.worksheet_cells_reader(name) else {
        return false;
    };
    while let Ok(Some(cell)) = cells.next_cell() {
        if usize::try_from(cell.get_position().0).unwrap_or(usize::MAX) > cap {
            return true;
        }
    }
    false
}

/// The most a workbook may unpack to. A catalog of 50,000 matters is well under this; a "zip bomb" of a
/// few megabytes that unpacks to gigabytes is refused before it is unpacked.
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;

pub(crate) fn check_unpacked_size(bytes: &[u8]) -> Result<(), Vec<Problem>> {
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
///
/// The workbook reader (calamine 0.30) panics on some damaged files (an index out of bounds while reading a
/// cell, found by the property tests in `tests/parsers.rs`); such a file is refused like any other damaged
/// one instead of taking the request down.
pub fn parse_xlsx(bytes: Vec<u8>) -> Result<CatalogFile, Vec<Problem>> {
    std::panic::catch_unwind(move || read_workbook(bytes)).unwrap_or_else(|_| {
        Err(vec![("文件".to_string(), "工作簿已损坏，无法读取；请用 Excel 打开后另存为 .xlsx 再导入".to_string())])
    })
}

fn read_workbook(bytes: Vec<u8>) -> Result<CatalogFile, Vec<Problem>> {
    use calamine::Reader;
    check_unpacked_size(&bytes)?;
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| {
        vec![("文件".to_string(), "这不是有效的 Excel（.xlsx）工作簿，请另存为 .xlsx 后重试".to_string())]
    })?;
    let mut problems = Vec::new();
    let matters = read_sheet(&mut workbook, SHEET_MATTERS, &matter_columns(), false, blank_matter, &mut problems);
    let mut places = SheetPlaces {
        matter_sheet: SHEET_MATTERS,
        matters: matters.iter().map(|(_, _, row)| *row).collect(),
        ..SheetPlaces::default()
    };
    let mut matters: Vec<Matter> = matters.into_iter().map(|(_, matter, _)| matter).collect();
    let department_rows =
        read_sheet(&mut workbook, SHEET_DEPARTMENTS, &department_columns(), false, blank_department_row, &mut problems);
    let mut departments = Vec::new();
    for (_, row, row_number) in department_rows {
        match CreditCode::parse(&row.credit_code) {
            Ok(credit_code) => departments.push(Department { code: row.code, name: row.name, credit_code }),
            Err(error) => problems
                .push((format!("表“{SHEET_DEPARTMENTS}”第 {row_number} 行 统一社会信用代码"), format!("{error}"))),
        }
    }
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    for (index, matter) in matters.iter().enumerate() {
        by_code.insert(matter.code.clone(), index);
    }
    let mut sheet_problems = Vec::new();
    let materials =
        read_sheet(&mut workbook, SHEET_MATERIALS, &material_columns(), true, blank_material, &mut sheet_problems);
    let steps = read_sheet(&mut workbook, SHEET_STEPS, &step_columns(), true, blank_step, &mut sheet_problems);
    let fees = read_sheet(&mut workbook, SHEET_FEES, &fee_columns(), true, blank_fee, &mut sheet_problems);
    let faqs = read_sheet(&mut workbook, SHEET_FAQS, &faq_columns(), true, blank_faq, &mut sheet_problems);
    let results = read_sheet(&mut workbook, SHEET_RESULTS, &result_columns(), true, blank_result, &mut sheet_problems);
    let procedures =
        read_sheet(&mut workbook, SHEET_PROCEDURES, &procedure_columns(), true, blank_procedure, &mut sheet_problems);
    let mut into = Attach { by_code: &by_code, places: &mut places, problems: &mut sheet_problems };
    attach_rows(&mut matters, &mut into, (SHEET_MATERIALS, "materials"), materials, |m| &mut m.materials);
    attach_rows(&mut matters, &mut into, (SHEET_STEPS, "steps"), steps, |m| &mut m.steps);
    attach_rows(&mut matters, &mut into, (SHEET_FEES, "fees"), fees, |m| &mut m.fees);
    attach_rows(&mut matters, &mut into, (SHEET_FAQS, "faqs"), faqs, |m| &mut m.faqs);
    attach_rows(&mut matters, &mut into, (SHEET_RESULTS, "results"), results, |m| &mut m.results);
    attach_rows(&mut matters, &mut into, (SHEET_PROCEDURES, "special_procedures"), procedures, |m| {
        &mut m.special_procedures
    });
    problems.extend(sheet_problems);
    if problems.is_empty() {
        Ok(CatalogFile { source: String::new(), departments, matters, places })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::file::validate_catalog;
    use onetrip_domain::catalog::Material;

    fn demo() -> CatalogFile {
        serde_json::from_str(crate::seed::DEMO_CATALOG).expect("demo catalog parses")
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
    fn problems_found_after_reading_cite_the_sheet_row_and_column() {
        let file = demo();
        let mut broken = file.clone();
        broken.matters[0].materials[0].acceptance_standard.clear();
        let bytes = export_xlsx(&broken).expect("export");
        let read = parse_xlsx(bytes).expect("cells parse");
        let problems = validate_catalog(&read, &[]).expect_err("a rule is broken");
        // The first matter's first material is on row 2 of 材料: the report names the cell to change.
        assert!(problems.iter().any(|(place, _)| place.starts_with("表“材料”第 2 行 受理标准")), "{problems:?}");
        let mut late = file.clone();
        late.matters[1].promised_limit = onetrip_domain::catalog::TimeLimit::HalfDays(2 * 500);
        let read = parse_xlsx(export_xlsx(&late).expect("export")).expect("cells parse");
        let problems = validate_catalog(&read, &[]).expect_err("a rule is broken");
        assert!(problems.iter().any(|(place, _)| place.starts_with("表“事项”第 3 行 承诺办结时限")), "{problems:?}");
        // From JSON there are no rows: the matter and the element are named instead.
        let problems = validate_catalog(&broken, &[]).expect_err("a rule is broken");
        assert!(problems.iter().any(|(place, _)| place.contains("材料第 1 项 受理标准")), "{problems:?}");
        assert!(parse_xlsx(b"PK not really a zip".to_vec()).is_err());
    }

    /// The sheet XML of the first worksheet and the styles of a workbook.
    fn parts(bytes: &[u8]) -> (String, String) {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let mut read = |name: &str| {
            let mut text = String::new();
            archive.by_name(name).expect(name).read_to_string(&mut text).expect("utf-8");
            text
        };
        (read("xl/worksheets/sheet1.xml"), read("xl/styles.xml"))
    }

    #[test]
    fn enumerated_columns_offer_their_values_as_drop_down_lists() {
        let (sheet, _) = parts(&export_xlsx(&demo()).expect("export"));
        let lists = sheet.matches("<dataValidation type=\"list\"").count();
        // 事项类型, 行使层级, 网上办理深度, 通办范围 and the four 是/否 columns of the 事项 sheet.
        assert_eq!(lists, 8, "{sheet}");
        assert!(sheet.contains("行政许可,行政处罚") && sheet.contains("\"是,否\""), "{sheet}");
        assert!(sheet.contains("sqref=\"H2:H1048576\""), "the whole column below the header: {sheet}");
    }

    #[test]
    fn formula_looking_text_is_exported_as_quoted_text_and_reads_back_unchanged() {
        let mut file = demo();
        file.matters.truncate(1);
        file.matters[0].acceptance_conditions = "=cmd|' /C calc'!A0".to_string();
        let bytes = export_xlsx(&file).expect("export");
        let (sheet, styles) = parts(&bytes);
        assert!(styles.contains("quotePrefix=\"1\""), "a quote-prefix style exists: {styles}");
        assert!(!sheet.contains("<f>"), "no cell is a formula");
        let read = parse_xlsx(bytes).expect("import");
        assert_eq!(read.matters[0].acceptance_conditions, "=cmd|' /C calc'!A0");
    }

    #[test]
    fn a_formula_looking_matter_name_is_refused_on_import() {
        let mut file = demo();
        file.matters.truncate(1);
        file.matters[0].name = "=cmd|' /C calc'!A0".to_string();
        let read = parse_xlsx(export_xlsx(&file).expect("export")).expect("cells parse");
        let problems = validate_catalog(&read, &[]).expect_err("refused");
        assert!(problems.iter().any(|(_, message)| message.contains("公式")), "{problems:?}");
    }

    #[test]
    fn an_oversized_sheet_is_found_by_streaming_its_cells() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name(SHEET_MATERIALS).expect("name");
        for row in 0..=30u32 {
            sheet.write(row, 0, format!("row {row}")).expect("cell");
        }
        let bytes = workbook.save_to_buffer().expect("save");
        use calamine::Reader;
        let mut reader = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("workbook");
        assert!(!rows_beyond(&mut reader, SHEET_MATERIALS, 30), "30 rows under the header are allowed");
        assert!(rows_beyond(&mut reader, SHEET_MATERIALS, 29));
        assert!(!rows_beyond(&mut reader, "没有这张表", 0));
    }

    #[test]
    fn a_file_wrong_in_every_row_gets_a_short_report() {
        let mut file = demo();
        let template = file.matters[0].clone();
        file.matters = (0..300)
            .map(|index| {
                let mut matter = template.clone();
                matter.code = format!("BROKEN-{index}");
                matter.name.clear();
                matter
            })
            .collect();
        let problems = crate::catalog::capped(validate_catalog(&file, &[]).expect_err("every matter is wrong"));
        assert_eq!(problems.len(), crate::catalog::MAX_LISTED_PROBLEMS + 1);
        let last = problems.last().expect("summary");
        assert!(last.1.starts_with("另有 ") && last.1.contains("处问题未列出"), "{last:?}");
    }
}

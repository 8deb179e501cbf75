//! The licence's document: one A4 page of PDF, written here in a few objects (the format is small enough,
//! and a document that must hash the same when rendered is easier to keep deterministic without a layout
//! engine). The text is set in STSong-Light, one of the Chinese fonts every PDF reader has (Adobe-GB1, no
//! font embedded, so a document is a few kilobytes); a QR code carries the verification address. The
//! basic metadata of GB/T 36903 (证照名称, 标识, 持证主体, 颁发机构, 颁发日期) is also in the document
//! information dictionary, for systems that read a licence without a person.

use onetrip_domain::licence::Licence;
use std::fmt::Write;

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 64.0;

/// Everything shown on the document.
pub struct Face<'a> {
    pub licence: &'a Licence,
    /// The centre, named under the seal.
    pub centre: &'a str,
    /// Where anyone can verify the licence (the QR code's content).
    pub verify_url: &'a str,
}

/// Approximate width of `text` at `size` points: CJK and other wide characters one em, ASCII half.
fn width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| if c.is_ascii() { 0.5 } else { 1.0 }).sum::<f32>() * size
}

/// Splits `text` into lines no wider than `max` at `size` points.
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for c in text.chars() {
        if c == '\n' {
            lines.push(std::mem::take(&mut line));
            continue;
        }
        line.push(c);
        if width(&line, size) > max {
            line.pop();
            lines.push(std::mem::take(&mut line));
            line.push(c);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A string for the Type0 font (UniGB-UTF16-H): UTF-16BE code units, as a hex string.
fn shown(text: &str) -> String {
    let mut hex = String::from("<");
    for unit in text.encode_utf16() {
        let _ = write!(hex, "{unit:04X}");
    }
    hex.push('>');
    hex
}

/// A PDF text string (document information): UTF-16BE with its byte-order mark, as a hex string.
fn text_string(text: &str) -> String {
    let mut hex = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(hex, "{unit:04X}");
    }
    hex.push('>');
    hex
}

struct Page {
    content: String,
}

impl Page {
    fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        let _ = writeln!(self.content, "BT /F1 {size:.1} Tf {x:.2} {y:.2} Td {} Tj ET", shown(text));
    }

    fn centred(&mut self, y: f32, size: f32, text: &str) {
        self.text((PAGE_WIDTH - width(text, size)) / 2.0, y, size, text);
    }
}

/// Renders the document. The same face gives the same bytes.
pub fn render(face: &Face<'_>) -> Vec<u8> {
    let licence = face.licence;
    let mut page = Page { content: String::new() };
    // A frame, as a printed licence has.
    let _ = writeln!(
        page.content,
        "0.55 0.1 0.1 RG 2 w {:.1} {:.1} {:.1} {:.1} re S",
        MARGIN / 2.0,
        MARGIN / 2.0,
        PAGE_WIDTH - MARGIN,
        PAGE_HEIGHT - MARGIN
    );
    let _ = writeln!(page.content, "0 0 0 rg");
    page.centred(PAGE_HEIGHT - 120.0, 30.0, &licence.name);
    page.centred(PAGE_HEIGHT - 150.0, 11.0, "（电子证照）");
    let mut y = PAGE_HEIGHT - 200.0;
    let size = 13.0;
    let label_width = 110.0;
    let value_width = PAGE_WIDTH - 2.0 * MARGIN - label_width;
    let mut rows: Vec<(String, String)> = vec![
        ("持证主体".to_string(), licence.holder_name.clone()),
        (
            if licence.holder.kind() == "legal_person" { "统一社会信用代码" } else { "公民身份号码" }.to_string(),
            licence.holder.number().to_string(),
        ),
    ];
    rows.extend(licence.fields.iter().map(|field| (field.label.clone(), field.value.clone())));
    rows.push(("发证机关".to_string(), licence.issuer_name.clone()));
    rows.push(("发证日期".to_string(), licence.issued_on.format("%Y年%m月%d日").to_string()));
    rows.push((
        "有效期限".to_string(),
        match licence.valid_until {
            Some(last) => format!("至 {}", last.format("%Y年%m月%d日")),
            None => "长期".to_string(),
        },
    ));
    for (label, value) in &rows {
        page.text(MARGIN, y, size, label);
        for line in wrap(value, size, value_width) {
            page.text(MARGIN + label_width, y, size, &line);
            y -= size * 1.7;
        }
        y -= size * 0.4;
    }
    // The QR code, bottom right, and what it is for.
    let qr_size = 120.0;
    let qr_x = PAGE_WIDTH - MARGIN - qr_size;
    let qr_y = MARGIN + 40.0;
    if let Ok(code) = qrcode::QrCode::with_error_correction_level(face.verify_url.as_bytes(), qrcode::EcLevel::M) {
        let modules = code.width();
        let cell = qr_size / modules as f32;
        let colors = code.to_colors();
        let _ = writeln!(page.content, "0 0 0 rg");
        for (index, color) in colors.iter().enumerate() {
            if *color == qrcode::Color::Dark {
                let column = (index % modules) as f32;
                let row = (index / modules) as f32;
                let _ = writeln!(
                    page.content,
                    "{:.3} {:.3} {:.3} {:.3} re f",
                    qr_x + column * cell,
                    qr_y + qr_size - (row + 1.0) * cell,
                    cell,
                    cell
                );
            }
        }
    }
    page.text(qr_x + 18.0, qr_y - 18.0, 10.0, "扫码核验真伪与状态");
    page.text(MARGIN, qr_y + 70.0, 11.0, &format!("电子印章：{}", licence.issuer_name));
    page.text(MARGIN, qr_y + 50.0, 9.0, &format!("由{}以 SM2 数字签名签章", face.centre));
    page.text(MARGIN, qr_y + 20.0, 8.0, "证照标识");
    page.text(MARGIN, qr_y + 6.0, 8.0, &licence.id.to_string());
    assemble(&page.content, licence)
}

fn assemble(content: &str, licence: &Licence) -> Vec<u8> {
    let info = format!(
        "<< /Title {} /Producer (Onetrip) /certificateName {} /certificateIdentifier ({}) \
         /certificateHolderName {} /certificateIssuingAuthorityName {} /certificateIssuedDate ({}) >>",
        text_string(&licence.name),
        text_string(&licence.name),
        licence.id,
        text_string(&licence.holder_name),
        text_string(&licence.issuer_name),
        licence.issued_on.format("%Y-%m-%d"),
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] \
             /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
        ),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H \
         /DescendantFonts [6 0 R] >>"
            .to_string(),
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light \
         /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R \
         /DW 1000 /W [1 95 500] >>"
            .to_string(),
        "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] \
         /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"
            .to_string(),
        info,
    ];
    let mut pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (index, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", index + 1).as_bytes());
    }
    let xref = pdf.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(table, "{offset:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {} /Root 1 0 R /Info {} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1,
        objects.len()
    );
    pdf.extend_from_slice(table.as_bytes());
    pdf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_wrap_within_the_width() {
        let lines = wrap(&"餐饮服务".repeat(20), 13.0, 130.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|line| width(line, 13.0) <= 130.0));
        assert_eq!(lines.concat(), "餐饮服务".repeat(20));
        assert_eq!(wrap("", 13.0, 100.0), vec![String::new()]);
    }

    fn licence() -> Licence {
        use onetrip_domain::applicant::ApplicantIdentity;
        use onetrip_domain::ids::CreditCode;
        use onetrip_domain::licence::{LicenceField, LicenceId, LicenceStatus};
        Licence {
            id: LicenceId::new("116543010119671377002", "116543010119671377", "20260000001", 1).unwrap(),
            type_code: "116543010119671377002".to_string(),
            name: "食品经营许可证".to_string(),
            holder: ApplicantIdentity::LegalPerson(CreditCode::parse("91654301MA771KGM8T").unwrap()),
            holder_name: "阿勒泰市雪都餐饮有限公司".to_string(),
            issuer: "scjgj".to_string(),
            issuer_name: "阿勒泰市市场监督管理局".to_string(),
            issuer_credit_code: "116543010119671377".to_string(),
            issued_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            valid_until: chrono::NaiveDate::from_ymd_opt(2031, 11, 30),
            status: LicenceStatus::Valid,
            case_number: "20261201000001X".to_string(),
            fields: vec![LicenceField { label: "经营项目".to_string(), value: "热食类食品制售".repeat(12) }],
            document_hash: String::new(),
            seal_key: String::new(),
            signature: String::new(),
            replaces: None,
        }
    }

    #[test]
    fn the_document_is_a_well_formed_pdf_and_the_same_face_gives_the_same_bytes() {
        let licence = licence();
        let face = Face {
            licence: &licence,
            centre: "阿勒泰市政务服务中心",
            verify_url: "http://127.0.0.1:8080/licences/verify?id=x",
        };
        let pdf = render(&face);
        assert_eq!(pdf, render(&face), "rendering is deterministic");
        let text = String::from_utf8_lossy(&pdf).to_string();
        assert!(text.starts_with("%PDF-1.7"));
        assert!(text.ends_with("%%EOF\n"));
        // Every cross-reference entry points at the start of its object, and startxref at the table.
        let startxref: usize = text.rsplit("startxref\n").next().unwrap().lines().next().unwrap().parse().unwrap();
        assert!(pdf[startxref..].starts_with(b"xref\n0 9\n"));
        let table = String::from_utf8_lossy(&pdf[startxref..]).to_string();
        for (number, line) in table.lines().skip(3).take(8).enumerate() {
            assert_eq!(line.len(), 19, "an entry is 20 bytes with its line feed: {line:?}");
            let offset: usize = line[..10].parse().unwrap();
            assert!(pdf[offset..].starts_with(format!("{} 0 obj", number + 1).as_bytes()), "object {}", number + 1);
        }
        // The stream's length is what it holds.
        let find = |what: &[u8]| pdf.windows(what.len()).position(|window| window == what).unwrap();
        let stream = find(b"stream\n") + "stream\n".len();
        let end = find(b"endstream");
        assert!(text.contains(&format!("/Length {} >>", end - stream)));
        assert!(text.contains(&format!("/certificateIdentifier ({})", licence.id)));
    }

    #[test]
    fn text_is_written_as_utf16() {
        assert_eq!(shown("营A"), "<84250041>");
        assert_eq!(text_string("A"), "<FEFF0041>");
    }
}

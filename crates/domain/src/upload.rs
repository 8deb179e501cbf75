//! What an uploaded material may be, decided from its bytes and never from its name: a PDF, a JPEG or a
//! PNG, each checked to be whole (a truncated or disguised file is refused with a message saying so), and
//! no larger than [`MAX_UPLOAD_BYTES`].

/// The largest file an applicant or a window may upload for one material.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

/// A file type Onetrip accepts for materials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpeg",
            Self::Png => "png",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "pdf" => Some(Self::Pdf),
            "jpeg" => Some(Self::Jpeg),
            "png" => Some(Self::Png),
            _ => None,
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF 文件",
            Self::Jpeg => "JPG 图片",
            Self::Png => "PNG 图片",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("没有收到文件，请选择要上传的文件")]
    Empty,
    #[error("文件太大：最大 5 MB。请压缩图片或分页扫描后再传")]
    TooBig,
    #[error("只能上传 PDF、JPG 或 PNG 格式的文件；这个文件不是其中一种（改文件名后缀没有用）")]
    WrongType,
    #[error("这个{0}不完整或已损坏，请重新扫描或导出后再传")]
    Malformed(&'static str),
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Decides what a file is from its content, and that it is whole.
pub fn sniff(bytes: &[u8]) -> Result<FileKind, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooBig);
    }
    if bytes.starts_with(b"%PDF-") {
        // A PDF ends with `%%EOF` (possibly followed by a line end or a little padding).
        let tail = &bytes[bytes.len().saturating_sub(1024)..];
        return if contains(tail, b"%%EOF") { Ok(FileKind::Pdf) } else { Err(UploadError::Malformed("PDF 文件")) };
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        // A JPEG ends with the end-of-image marker, possibly followed by padding.
        let tail = &bytes[bytes.len().saturating_sub(64)..];
        return if tail.windows(2).any(|pair| pair == [0xFF, 0xD9]) {
            Ok(FileKind::Jpeg)
        } else {
            Err(UploadError::Malformed("JPG 图片"))
        };
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return if png_is_whole(bytes) { Ok(FileKind::Png) } else { Err(UploadError::Malformed("PNG 图片")) };
    }
    Err(UploadError::WrongType)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// Walks the PNG chunks: the first must be IHDR, the chunk lengths must fit, and the last must be IEND.
fn png_is_whole(bytes: &[u8]) -> bool {
    let mut at = PNG_SIGNATURE.len();
    let mut first = true;
    while at + 12 <= bytes.len() {
        let length = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        let kind = &bytes[at + 4..at + 8];
        if first && kind != b"IHDR" {
            return false;
        }
        first = false;
        let Some(next) = at.checked_add(12).and_then(|end| end.checked_add(length)) else {
            return false;
        };
        if next > bytes.len() {
            return false;
        }
        if kind == b"IEND" {
            return true;
        }
        at = next;
    }
    false
}

/// A file name made safe to keep and show: no path, no control characters, at most 100 characters.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(100).collect();
    if cleaned.trim().is_empty() {
        "未命名文件".to_string()
    } else {
        cleaned.trim().to_string()
    }
}

/// Small but whole sample files, for tests here and in other crates.
pub mod samples {
    /// A one-page PDF.
    pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

    /// A 1×1 PNG: signature, IHDR, IDAT, IEND.
    pub const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8,
        6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 10, b'I', b'D', b'A', b'T', 0x78, 0x9C, 0x63, 0, 1, 0, 0, 5, 0, 1,
        0x0D, 0x0A, 0x2D, 0xB4, 0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82,
    ];

    /// The smallest shape of a JPEG: start of image, an APP0 segment, end of image.
    pub const JPEG: &[u8] =
        &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xD9];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_files_are_recognised_by_content() {
        assert_eq!(sniff(samples::PDF), Ok(FileKind::Pdf));
        assert_eq!(sniff(samples::PNG), Ok(FileKind::Png));
        assert_eq!(sniff(samples::JPEG), Ok(FileKind::Jpeg));
    }

    #[test]
    fn a_renamed_file_is_refused_whatever_its_name() {
        assert_eq!(sniff(b"MZ\x90\x00 this is a program"), Err(UploadError::WrongType));
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), Err(UploadError::WrongType));
        assert_eq!(sniff(b"PK\x03\x04 a zip"), Err(UploadError::WrongType));
    }

    #[test]
    fn truncated_files_are_refused_as_damaged() {
        assert_eq!(sniff(&samples::PDF[..40]), Err(UploadError::Malformed("PDF 文件")));
        assert_eq!(sniff(&samples::PNG[..samples::PNG.len() - 12]), Err(UploadError::Malformed("PNG 图片")));
        assert_eq!(sniff(&samples::JPEG[..10]), Err(UploadError::Malformed("JPG 图片")));
        // A chunk length running past the end of the file.
        let mut lying = samples::PNG.to_vec();
        lying[11] = 200;
        assert_eq!(sniff(&lying), Err(UploadError::Malformed("PNG 图片")));
    }

    #[test]
    fn empty_and_oversized_files_are_refused() {
        assert_eq!(sniff(b""), Err(UploadError::Empty));
        let mut big = samples::PDF.to_vec();
        big.resize(MAX_UPLOAD_BYTES + 1, b' ');
        assert_eq!(sniff(&big), Err(UploadError::TooBig));
    }

    #[test]
    fn file_names_lose_their_path_and_control_characters() {
        assert_eq!(clean_file_name("C:\\Users\\张三\\身份证.pdf"), "身份证.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\u{0}b\nc.png"), "abc.png");
        assert_eq!(clean_file_name("  "), "未命名文件");
    }
}

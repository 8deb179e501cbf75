//! What a case keeps besides its indexed columns: the stored document, versioned.
//!
//! Schema 2 (this one) keeps each material's answer and its uploaded files together ([`MaterialRecord`]);
//! schema 1 (documents written before the application layer, which carry no `schema` field) kept them in two
//! lists that had to be indexed alike. [`CaseDocumentV1::upgrade`] turns a stored schema-1 document into
//! this one; the store reads either and writes only the newest, so a case moves to schema 2 at its next
//! change.

use crate::acceptance::{CaseAcceptance, MaterialProblem, Supplied};
use crate::clock::CaseClock;
use crate::review::Review;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// The schema of the documents this build writes.
pub const SCHEMA: u32 = 2;

/// The document of one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseDocument {
    /// Always [`SCHEMA`] once read: older documents are upgraded on the way in.
    pub schema: u32,
    pub acceptance: CaseAcceptance,
    /// What was supplied for each material of the matter's list, in its order, with the files uploaded for it.
    pub materials: Vec<MaterialRecord>,
    /// The problems listed on the latest correction notice.
    #[serde(default)]
    pub correction_notice: Vec<MaterialProblem>,
    #[serde(default)]
    pub refusal_reasons: String,
    /// The back-office review, from acceptance on.
    #[serde(default)]
    pub review: Option<Review>,
    /// How the result reached the applicant, once it has.
    #[serde(default)]
    pub delivery: Option<Delivery>,
    /// Special procedures that stopped the clock, and extensions of the limit.
    #[serde(default)]
    pub clock: CaseClock,
    /// The "one thing" bundle this case was applied for with, if any.
    #[serde(default)]
    pub bundle: Option<BundleLink>,
    /// 帮办代办: the window's member of staff who helped the applicant fill the online application in. The
    /// case is online all the same (the applicant submitted it); the figures show these apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assisted_by: Option<String>,
}

/// One material of a case: what the applicant supplied, and the stored files uploaded for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialRecord {
    pub supplied: Supplied,
    #[serde(default)]
    pub files: Vec<String>,
    /// Supplied through a shared data source instead of an upload (ADR 0022): where from, and what.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<SharedRecord>,
}

/// A material a shared data source supplied, with the applicant's consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedRecord {
    /// The source's code (`licence:…`, `external:…`).
    pub source: String,
    /// The trust grade, `A` to `D`.
    pub grade: String,
    pub title: String,
    #[serde(default)]
    pub fields: Vec<(String, String)>,
}

/// The link between the cases of one bundle application: they share the draft they came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleLink {
    pub code: String,
    pub name: String,
    pub draft: String,
}

/// How a result reaches the applicant (送达).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    /// 窗口领取: a trip to the hall.
    Pickup,
    /// 邮寄, with a tracking number.
    Post,
    /// 网上下载.
    Online,
}

impl DeliveryMethod {
    pub fn code(self) -> &'static str {
        match self {
            Self::Pickup => "pickup",
            Self::Post => "post",
            Self::Online => "online",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::Pickup, Self::Post, Self::Online].into_iter().find(|method| method.code() == code)
    }
}

/// How a result was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub method: DeliveryMethod,
    /// The postal tracking number, for `post`.
    #[serde(default)]
    pub tracking_number: String,
    /// The results issued, from the catalog (certificate, document, approval).
    pub results: Vec<String>,
    pub at: NaiveDateTime,
    pub by: String,
}

impl CaseDocument {
    /// How many materials a shared data source supplied (each one an upload the applicant did not make).
    pub fn materials_shared(&self) -> u32 {
        let count = self.materials.iter().filter(|material| material.shared.is_some()).count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// How many materials the applicant (or the window, scanning) supplied as files.
    pub fn materials_uploaded(&self) -> u32 {
        let count =
            self.materials.iter().filter(|material| material.shared.is_none() && !material.files.is_empty()).count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// The document of a case just received, with one record per material of the matter's list.
    pub fn received(
        received_at: NaiveDateTime,
        materials: usize,
        supplied: Vec<Supplied>,
        files: Vec<Vec<String>>,
        bundle: Option<BundleLink>,
    ) -> Self {
        let mut document = Self {
            schema: SCHEMA,
            acceptance: CaseAcceptance {
                state: crate::acceptance::AcceptanceState::Received,
                received_at,
                corrections: 0,
            },
            materials: pair_up(supplied, files),
            correction_notice: Vec::new(),
            refusal_reasons: String::new(),
            review: None,
            delivery: None,
            clock: CaseClock::default(),
            bundle,
            assisted_by: None,
        };
        document.fit(materials);
        document
    }

    /// Makes the material list exactly `count` long: missing entries are [`Supplied::Missing`] with no files.
    pub fn fit(&mut self, count: usize) {
        self.materials.resize(count, MaterialRecord { supplied: Supplied::Missing, files: Vec::new(), shared: None });
    }

    /// What was supplied for each material, in the list's order.
    pub fn supplied(&self) -> Vec<Supplied> {
        self.materials.iter().map(|material| material.supplied).collect()
    }

    /// Records a window's check of what was supplied: one answer per material (missing ones `Missing`).
    pub fn set_supplied(&mut self, supplied: &[Supplied]) {
        for (index, material) in self.materials.iter_mut().enumerate() {
            material.supplied = supplied.get(index).copied().unwrap_or(Supplied::Missing);
        }
    }

    /// The files uploaded for one material.
    pub fn files(&self, material: usize) -> &[String] {
        self.materials.get(material).map(|record| record.files.as_slice()).unwrap_or_default()
    }

    /// Whether a stored file belongs to this case.
    pub fn has_file(&self, id: &str) -> bool {
        self.materials.iter().any(|material| material.files.iter().any(|file| file == id))
    }
}

/// One record per material from an answer list and a file list indexed alike (the longer decides the count).
fn pair_up(supplied: Vec<Supplied>, files: Vec<Vec<String>>) -> Vec<MaterialRecord> {
    let count = supplied.len().max(files.len());
    let mut supplied = supplied.into_iter();
    let mut files = files.into_iter();
    (0..count)
        .map(|_| MaterialRecord {
            supplied: supplied.next().unwrap_or(Supplied::Missing),
            files: files.next().unwrap_or_default(),
            shared: None,
        })
        .collect()
}

/// A document as schema 1 stored it (no `schema` field): answers and files in two parallel lists, the delivery
/// method as free text.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CaseDocumentV1 {
    pub acceptance: CaseAcceptance,
    pub supplied: Vec<Supplied>,
    #[serde(default)]
    pub correction_notice: Vec<MaterialProblem>,
    #[serde(default)]
    pub refusal_reasons: String,
    #[serde(default)]
    pub review: Option<Review>,
    #[serde(default)]
    pub files: Vec<Vec<String>>,
    #[serde(default)]
    pub delivery: Option<DeliveryV1>,
    #[serde(default)]
    pub clock: CaseClock,
    #[serde(default)]
    pub bundle: Option<BundleLink>,
}

/// A delivery as schema 1 stored it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeliveryV1 {
    pub method: String,
    #[serde(default)]
    pub tracking_number: String,
    pub results: Vec<String>,
    pub at: NaiveDateTime,
    pub by: String,
}

impl CaseDocumentV1 {
    /// The same case in schema 2. Fails only on a delivery method schema 1 never wrote.
    pub fn upgrade(self) -> Result<CaseDocument, String> {
        let materials = pair_up(self.supplied, self.files);
        let delivery = match self.delivery {
            Some(old) => Some(Delivery {
                method: DeliveryMethod::parse(&old.method)
                    .ok_or_else(|| format!("schema 1 delivery method {:?}", old.method))?,
                tracking_number: old.tracking_number,
                results: old.results,
                at: old.at,
                by: old.by,
            }),
            None => None,
        };
        Ok(CaseDocument {
            schema: SCHEMA,
            acceptance: self.acceptance,
            materials,
            correction_notice: self.correction_notice,
            refusal_reasons: self.refusal_reasons,
            review: self.review,
            delivery,
            clock: self.clock,
            bundle: self.bundle,
            assisted_by: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::at;

    /// A document exactly as the first schema stored it (taken from a delivered case of the demo).
    const SCHEMA_1: &str = r#"{"acceptance":{"state":{"state":"accepted","accepted_at":"2026-11-27T10:00:00","by_law":false},"received_at":"2026-11-27T09:30:00","corrections":1},"supplied":["provided","pledged","missing"],"correction_notice":[{"material":0,"name":"身份证明","problem":"缺少本材料"}],"refusal_reasons":"","review":null,"files":[["f1","f2"],[]],"delivery":{"method":"post","tracking_number":"1100123456789","results":["不动产权证书"],"at":"2026-12-01T15:00:00","by":"综合窗口"},"clock":{"pauses":[],"extensions":[]},"bundle":null}"#;

    #[test]
    fn a_schema_1_document_upgrades_with_each_material_keeping_its_files() {
        let old: CaseDocumentV1 = serde_json::from_str(SCHEMA_1).expect("schema 1 parses");
        let document = old.upgrade().expect("upgrade");
        assert_eq!(document.schema, SCHEMA);
        assert_eq!(document.supplied(), [Supplied::Provided, Supplied::Pledged, Supplied::Missing]);
        assert_eq!(document.files(0), ["f1", "f2"]);
        assert!(document.files(1).is_empty() && document.files(2).is_empty());
        assert_eq!(document.acceptance.corrections, 1);
        assert_eq!(document.correction_notice.len(), 1);
        let delivery = document.delivery.as_ref().expect("delivery");
        assert_eq!(delivery.method, DeliveryMethod::Post);
        assert_eq!(delivery.tracking_number, "1100123456789");
        // Written again, it is a schema-2 document that reads back the same.
        let text = serde_json::to_string(&document).expect("encode");
        assert!(text.contains(r#""schema":2"#));
        assert_eq!(serde_json::from_str::<CaseDocument>(&text).expect("decode"), document);
    }

    #[test]
    fn an_unknown_schema_1_delivery_method_is_refused_not_guessed() {
        let text = SCHEMA_1.replace(r#""method":"post""#, r#""method":"pigeon""#);
        let old: CaseDocumentV1 = serde_json::from_str(&text).expect("parses");
        assert!(old.upgrade().is_err());
    }

    #[test]
    fn a_new_document_has_one_record_per_material() {
        let document =
            CaseDocument::received(at("2026-11-27 09:30"), 3, vec![Supplied::Provided], vec![vec!["f".into()]], None);
        assert_eq!(document.supplied(), [Supplied::Provided, Supplied::Missing, Supplied::Missing]);
        assert!(document.has_file("f"));
        assert!(!document.has_file("g"));
        let mut checked = document.clone();
        checked.set_supplied(&[Supplied::Missing, Supplied::Provided]);
        assert_eq!(checked.supplied(), [Supplied::Missing, Supplied::Provided, Supplied::Missing]);
        assert_eq!(checked.files(0), ["f"], "a check of the answers keeps the files");
    }
}

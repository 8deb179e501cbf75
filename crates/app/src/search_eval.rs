//! How well the public search understands people: the evaluation set of everyday phrasings
//! (`data/search/phrasings.txt`) run against the demo catalog with its synonyms, as the test floor and
//! `onetrip-bench search-eval` report it.

use crate::catalog::CatalogFile;
use crate::seed::{DEMO_CATALOG, DEMO_SYNONYMS};
use crate::snapshot::CatalogSnapshot;
use chrono::NaiveDate;
use onetrip_domain::catalog::{Adjustment, AdjustmentKind, MatterVersion};
use onetrip_domain::search::{evaluate, parse_phrasings, Evaluation, Synonyms};

pub const PHRASINGS: &str = include_str!("../../../data/search/phrasings.txt");

/// The demo catalog as a snapshot, without a database: every matter in its first version.
pub fn demo_snapshot(today: NaiveDate) -> Result<CatalogSnapshot, String> {
    let file: CatalogFile = serde_json::from_str(DEMO_CATALOG).map_err(|error| format!("demo catalog: {error}"))?;
    let synonyms = Synonyms::parse(DEMO_SYNONYMS).map_err(|errors| format!("demo synonyms: {errors:?}"))?;
    let versions = file
        .matters
        .into_iter()
        .map(|matter| MatterVersion {
            version: 1,
            adjustment: Adjustment {
                kind: AdjustmentKind::Create,
                reason: "演示数据".to_string(),
                effective_date: today,
                merged_into: String::new(),
            },
            author: "演示数据".to_string(),
            matter,
        })
        .collect();
    Ok(CatalogSnapshot::build(0, versions, file.departments, synonyms, today))
}

/// The evaluation set against a snapshot: each phrasing searched as the public search page does.
pub fn evaluate_on(snapshot: &CatalogSnapshot) -> Result<Evaluation, String> {
    let phrasings = parse_phrasings(PHRASINGS).map_err(|errors| format!("phrasings: {errors:?}"))?;
    Ok(evaluate(&phrasings, |phrase| {
        snapshot.search(phrase, 5).into_iter().map(|matter| matter.code.clone()).collect()
    }))
}

//! The figures of data sharing (issue 12 part 6), per matter and month: of the cases received, how many
//! took a material from a shared source, how many materials came from one (each an upload the applicant
//! did not make) and how many were uploaded as files; and of the requests to sources, how many failed and
//! in how many online applications. Counted from the cases and the exchange log; managers only.

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::ratings::figures::{month_span, MonthSpan};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use std::collections::BTreeMap;

/// One matter's month (or the centre's, summed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatterSharing {
    pub matter_code: String,
    pub matter_name: String,
    pub department_name: String,
    /// The shared sources the catalog names for the matter's materials (`licence:…`, `external:…`).
    pub sources: Vec<String>,
    pub received: u64,
    /// Cases with at least one material from a shared source.
    pub with_shared: u64,
    /// Materials a shared source supplied: the uploads avoided.
    pub materials_shared: u64,
    pub materials_uploaded: u64,
    pub source_requests: u64,
    pub source_failures: u64,
    /// Online applications in which a source failed (the applicant was told to upload instead).
    pub applications_failed: u64,
}

impl MatterSharing {
    /// Shared materials ÷ (shared + uploaded).
    pub fn shared_rate(&self) -> Option<f64> {
        let all = self.materials_shared + self.materials_uploaded;
        #[allow(clippy::cast_precision_loss)]
        (all > 0).then(|| self.materials_shared as f64 / all as f64)
    }

    fn add(&mut self, other: &MatterSharing) {
        self.received += other.received;
        self.with_shared += other.with_shared;
        self.materials_shared += other.materials_shared;
        self.materials_uploaded += other.materials_uploaded;
        self.source_requests += other.source_requests;
        self.source_failures += other.source_failures;
        self.applications_failed += other.applications_failed;
    }
}

/// One source's month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMonth {
    pub source: String,
    pub requests: u64,
    pub failures: u64,
    pub applications_failed: u64,
}

/// The month's figures.
#[derive(Debug, Clone, Default)]
pub struct SharingFigures {
    pub month: String,
    /// Every matter whose catalog names a shared source, and every other matter a source was asked for or
    /// supplied to this month.
    pub matters: Vec<MatterSharing>,
    /// Every case of the month, summed (matters without a shared source too).
    pub total: MatterSharing,
    pub sources: Vec<SourceMonth>,
}

/// The sharing figures of `month` (`YYYY-MM`; empty: this month).
pub async fn month(app: &App, actor: &Actor, month: &str) -> AppResult<SharingFigures> {
    if !actor.may(Permission::Supervise) {
        return Err(AppError::Forbidden);
    }
    let MonthSpan { first, from, to } = month_span(app, month)?;
    let cases = app.store.sharing_counts(from, to).await?;
    let requests = app.store.source_counts(from, to).await?;
    let catalog = app.catalog();
    let mut matters: BTreeMap<String, MatterSharing> = BTreeMap::new();
    let entry = |matters: &mut BTreeMap<String, MatterSharing>, code: &str| {
        matters
            .entry(code.to_string())
            .or_insert_with(|| {
                let version = catalog.version(code);
                let mut sources: Vec<String> = version
                    .map(|version| {
                        version
                            .matter
                            .materials
                            .iter()
                            .filter(|material| !material.shared_from.is_empty())
                            .map(|material| material.shared_from.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                sources.dedup();
                MatterSharing {
                    matter_code: code.to_string(),
                    matter_name: version.map(|v| v.matter.name.clone()).unwrap_or_else(|| code.to_string()),
                    department_name: version
                        .map(|v| catalog.department_name(&v.matter.department).to_string())
                        .unwrap_or_default(),
                    sources,
                    ..MatterSharing::default()
                }
            })
            .clone()
    };
    for matter in catalog.active_matters() {
        if matter.materials.iter().any(|material| !material.shared_from.is_empty()) {
            entry(&mut matters, &matter.code);
        }
    }
    let mut total = MatterSharing { matter_name: "全中心".to_string(), ..MatterSharing::default() };
    for count in &cases {
        let counted = MatterSharing {
            received: count.received,
            with_shared: count.with_shared,
            materials_shared: count.materials_shared,
            materials_uploaded: count.materials_uploaded,
            ..MatterSharing::default()
        };
        total.add(&counted);
        let listed = matters.contains_key(&count.matter_code) || count.materials_shared > 0;
        if listed {
            let mut row = entry(&mut matters, &count.matter_code);
            row.add(&counted);
            matters.insert(count.matter_code.clone(), row);
        }
    }
    let mut sources: BTreeMap<String, SourceMonth> = BTreeMap::new();
    for count in &requests {
        let counted = MatterSharing {
            source_requests: count.requests,
            source_failures: count.failures,
            applications_failed: count.applications_failed,
            ..MatterSharing::default()
        };
        total.add(&counted);
        let mut row = entry(&mut matters, &count.matter_code);
        row.add(&counted);
        matters.insert(count.matter_code.clone(), row);
        let source = sources
            .entry(count.source.clone())
            .or_insert_with(|| SourceMonth { source: count.source.clone(), ..SourceMonth::default() });
        source.requests += count.requests;
        source.failures += count.failures;
        source.applications_failed += count.applications_failed;
    }
    Ok(SharingFigures {
        month: first.format("%Y-%m").to_string(),
        matters: matters.into_values().collect(),
        total,
        sources: sources.into_values().collect(),
    })
}

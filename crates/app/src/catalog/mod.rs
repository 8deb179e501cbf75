//! The catalog's use cases: a new version of a matter, a whole import (all or nothing), the synonym list
//! and the "one thing" bundles; and the catalog as files (`file.rs` JSON and checks, `xlsx.rs` the workbook,
//! `columns.rs` the workbook's columns; `changes.rs` what changed between two versions). Each change checks the role, validates everything, stores the
//! change in one transaction, records who did it, and refreshes the snapshot.

mod changes;
#[macro_use]
mod columns;
mod file;
mod xlsx;

pub use changes::{element_changes, ElementChange};
pub use columns::{
    blank_faq, blank_fee, blank_material, blank_matter, blank_procedure, blank_result, blank_step, field_label,
};
pub use file::{
    capped, changed_elements, parse_json, plan_import, validate_catalog, CatalogFile, Problem, SheetPlaces,
    MAX_IMPORT_MATTERS, MAX_LISTED_PROBLEMS,
};
pub use xlsx::{export_xlsx, parse_xlsx, MAX_SHEET_ROWS};

use crate::app::{App, BUNDLES_SETTING, SYNONYMS_SETTING};
use crate::audit;
use crate::error::{AppError, AppResult, Conflict};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::catalog::{
    validate_adjustment, validate_matter, Adjustment, AdjustmentKind, Matter, MatterVersion,
};
use onetrip_domain::search::Synonyms;
use onetrip_domain::FieldErrors;
use onetrip_store::{NewVersion, StoreError};
use std::collections::HashMap;

fn require(actor: &Actor, permission: Permission) -> AppResult<()> {
    if actor.may(permission) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Stores a new version of a matter (or its first). `expected_version` is the version the editor started
/// from; `None` creates a new matter. The version is signed with the actor's name, which the public history
/// shows (the log-in name stays in the audit log).
pub async fn save_matter_version(
    app: &App,
    actor: &Actor,
    matter: Matter,
    adjustment: Adjustment,
    expected_version: Option<u32>,
) -> AppResult<u32> {
    require(actor, Permission::EditCatalog)?;
    let catalog = app.catalog();
    let departments: Vec<&str> = catalog.departments.iter().map(|department| department.code.as_str()).collect();
    let mut errors = FieldErrors::default();
    if let Err(found) = validate_matter(&matter, &departments) {
        errors.merge_prefixed("", found);
    }
    if let Err(found) = validate_adjustment(&adjustment, expected_version.is_none(), app.today()) {
        errors.merge_prefixed("", found);
    }
    if adjustment.kind == AdjustmentKind::Merge
        && (adjustment.merged_into == matter.code || catalog.version(&adjustment.merged_into).is_none())
    {
        errors.add("merged_into", "合并到的事项编码不存在，或与本事项相同");
    }
    if let Some(latest) = app.store.matter_versions(&matter.code).await?.pop() {
        if adjustment.effective_date < latest.adjustment.effective_date {
            errors.add(
                "effective_date",
                format!("施行日期不能早于第 {} 版的施行日期 {}", latest.version, latest.adjustment.effective_date),
            );
        }
    }
    errors.into_result()?;
    let version = NewVersion { adjustment, author: actor.name.clone(), matter };
    let number = match app.store.add_matter_version(&version, expected_version, app.now()).await {
        Ok(number) => number,
        // Someone saved in between, or the code is taken.
        Err(StoreError::Conflict(message)) if expected_version.is_some() => {
            return Err(AppError::conflict(Conflict::RevisionChanged, message))
        }
        Err(other) => return Err(other.into()),
    };
    audit::record(
        app,
        actor,
        "matter.save",
        &version.matter.code,
        format!("第 {number} 版（{}）", version.adjustment.kind.label()),
    )
    .await?;
    tracing::info!(code = %version.matter.code, version = number, kind = version.adjustment.kind.code(), "matter version saved");
    app.reload_catalog().await?;
    Ok(number)
}

/// Every version of one matter, oldest first; `NotFound` when there is no such matter.
pub async fn versions(app: &App, code: &str) -> AppResult<Vec<MatterVersion>> {
    let versions = app.store.matter_versions(code).await?;
    if versions.is_empty() {
        return Err(AppError::NotFound(format!("事项 {code}")));
    }
    Ok(versions)
}

/// Each matter's newest version (which may not be in force yet), for the editor's list.
pub async fn latest_versions(app: &App) -> AppResult<Vec<MatterVersion>> {
    Ok(app.store.latest_versions().await?)
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub created: usize,
    pub adjusted: usize,
    pub unchanged: usize,
    pub departments: usize,
}

/// Why an import wrote nothing: problems in the file (each with its place), or an error.
#[derive(Debug)]
pub enum ImportFailure {
    Problems(Vec<Problem>),
    Error(AppError),
}

impl From<AppError> for ImportFailure {
    fn from(error: AppError) -> Self {
        Self::Error(error)
    }
}

impl From<StoreError> for ImportFailure {
    fn from(error: StoreError) -> Self {
        Self::Error(error.into())
    }
}

/// Reads an uploaded catalog file, by its content: a ZIP (xlsx) starts with `PK`, JSON with `{`.
pub fn parse_upload(bytes: Vec<u8>) -> Result<CatalogFile, Vec<Problem>> {
    let first = bytes.iter().find(|byte| !byte.is_ascii_whitespace()).copied();
    let parsed = match (bytes.get(..2), first) {
        (Some(b"PK"), _) => parse_xlsx(bytes),
        (_, Some(b'{')) => parse_json(&bytes),
        _ => Err(vec![("文件".to_string(), "只能导入 Excel（.xlsx）或 JSON 文件".to_string())]),
    };
    parsed.map_err(capped)
}

/// Imports a whole catalog file: all of it, or — if any row is wrong — none of it.
pub async fn import(app: &App, actor: &Actor, file: CatalogFile, reason: &str) -> Result<ImportReport, ImportFailure> {
    require(actor, Permission::EditCatalog)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ImportFailure::Problems(vec![(
            "导入原因".to_string(),
            "请填写导入原因（200 字以内）".to_string(),
        )]));
    }
    let existing = app.store.departments().await?;
    validate_catalog(&file, &existing).map_err(|problems| ImportFailure::Problems(capped(problems)))?;
    let today = app.today();
    let latest: HashMap<String, _> =
        app.store.latest_versions().await?.into_iter().map(|version| (version.matter.code.clone(), version)).collect();
    let versions = plan_import(&file, &latest, reason, &actor.name, today)
        .map_err(|problems| ImportFailure::Problems(capped(problems)))?;
    let created = versions.iter().filter(|version| version.adjustment.kind == AdjustmentKind::Create).count();
    let report = ImportReport {
        created,
        adjusted: versions.len() - created,
        unchanged: file.matters.len() - versions.len(),
        departments: file.departments.len(),
    };
    app.store.import_catalog(&file.departments, &versions, app.now()).await?;
    audit::record(
        app,
        actor,
        "catalog.import",
        "catalog",
        format!("新增 {created}，调整 {}，未变 {}", report.adjusted, report.unchanged),
    )
    .await?;
    app.reload_catalog().await?;
    Ok(report)
}

/// The catalog as the export formats hold it: every matter's latest version, including future ones.
pub async fn export(app: &App) -> AppResult<CatalogFile> {
    let departments = app.store.departments().await?;
    let matters = app.store.latest_versions().await?.into_iter().map(|version| version.matter).collect();
    Ok(CatalogFile { source: String::new(), departments, matters, places: SheetPlaces::default() })
}

/// The synonym list as stored (its text).
pub async fn synonyms_text(app: &App) -> AppResult<String> {
    Ok(app.store.setting(SYNONYMS_SETTING).await?.unwrap_or_default())
}

/// Replaces the synonym list.
pub async fn save_synonyms(app: &App, actor: &Actor, text: &str) -> AppResult<usize> {
    require(actor, Permission::EditSynonyms)?;
    if text.len() > 256 * 1024 {
        return Err(AppError::field("text", "同义词表太长，最多 256 KB"));
    }
    let synonyms = Synonyms::parse(text)?;
    app.store.put_setting(SYNONYMS_SETTING, &synonyms.to_text(), app.now()).await?;
    audit::record(app, actor, "synonyms.save", "synonyms", format!("{} 行", synonyms.len())).await?;
    app.reload_catalog().await?;
    Ok(synonyms.len())
}

/// Replaces the "one thing" bundles (catalog editors).
pub async fn save_bundles(app: &App, actor: &Actor, text: &str) -> AppResult<usize> {
    require(actor, Permission::EditCatalog)?;
    if text.len() > 256 * 1024 {
        return Err(AppError::field("bundles", "一件事清单太长，最多 256 KB"));
    }
    let bundles = crate::snapshot::parse_bundles(&app.catalog(), text)?;
    let stored = serde_json::json!({ "bundles": bundles }).to_string();
    app.store.put_setting(BUNDLES_SETTING, &stored, app.now()).await?;
    audit::record(app, actor, "bundles.save", "bundles", format!("{} 件", bundles.len())).await?;
    app.reload_catalog().await?;
    Ok(bundles.len())
}

//! One function per state-changing action, shared by the pages and the API: each checks the role, validates
//! everything, stores the change in one transaction, records who did it, and refreshes the snapshots.

use crate::auth::Staff;
use crate::catalog_io::{plan_import, validate_catalog, CatalogFile, Problem};
use crate::error::Error;
use crate::state::{AppState, SYNONYMS_SETTING};
use chrono::Utc;
use onetrip_domain::access::Permission;
use onetrip_domain::calendar::parse_notice;
use onetrip_domain::catalog::{validate_adjustment, validate_matter, Adjustment, AdjustmentKind, Matter};
use onetrip_domain::search::Synonyms;
use onetrip_domain::FieldErrors;
use onetrip_store::{AuditEvent, NewVersion};
use std::collections::HashMap;

fn actor(staff: &Staff) -> String {
    staff.user.username.clone()
}

/// The name a version is signed with: the display name, which the public history shows. The account name
/// stays in the audit log only, so that the public pages do not list log-in names.
fn signature(staff: &Staff) -> String {
    staff.user.display_name.clone()
}

pub(crate) async fn audit(
    state: &AppState,
    staff: &Staff,
    action: &str,
    subject: &str,
    detail: String,
) -> Result<(), Error> {
    let event = AuditEvent {
        at: Utc::now(),
        actor: actor(staff),
        action: action.to_string(),
        subject: subject.to_string(),
        detail,
    };
    state.store.record_audit(&event).await?;
    Ok(())
}

/// Stores a new version of a matter (or its first). `expected_version` is the version the editor started
/// from; `None` creates a new matter.
pub async fn save_matter_version(
    state: &AppState,
    staff: &Staff,
    matter: Matter,
    adjustment: Adjustment,
    expected_version: Option<u32>,
) -> Result<u32, Error> {
    staff.require(Permission::EditCatalog)?;
    let catalog = state.catalog();
    let departments: Vec<&str> = catalog.departments.iter().map(|department| department.code.as_str()).collect();
    let mut errors = FieldErrors::default();
    if let Err(found) = validate_matter(&matter, &departments) {
        errors.merge_prefixed("", found);
    }
    if let Err(found) = validate_adjustment(&adjustment, expected_version.is_none(), state.today()) {
        errors.merge_prefixed("", found);
    }
    if adjustment.kind == AdjustmentKind::Merge
        && (adjustment.merged_into == matter.code || catalog.version(&adjustment.merged_into).is_none())
    {
        errors.add("merged_into", "合并到的事项编码不存在，或与本事项相同");
    }
    if let Some(latest) = state.store.matter_versions(&matter.code).await?.pop() {
        if adjustment.effective_date < latest.adjustment.effective_date {
            errors.add(
                "effective_date",
                format!("施行日期不能早于第 {} 版的施行日期 {}", latest.version, latest.adjustment.effective_date),
            );
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let version = NewVersion { adjustment, author: signature(staff), matter };
    let number = state.store.add_matter_version(&version, expected_version, Utc::now()).await?;
    audit(
        state,
        staff,
        "matter.save",
        &version.matter.code,
        format!("第 {number} 版（{}）", version.adjustment.kind.label()),
    )
    .await?;
    tracing::info!(code = %version.matter.code, version = number, kind = version.adjustment.kind.code(), "matter version saved");
    state.reload_catalog().await?;
    Ok(number)
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub adjusted: usize,
    pub unchanged: usize,
    pub departments: usize,
}

pub enum ImportFailure {
    Problems(Vec<Problem>),
    Error(Error),
}

impl From<Error> for ImportFailure {
    fn from(error: Error) -> Self {
        Self::Error(error)
    }
}

impl From<onetrip_store::StoreError> for ImportFailure {
    fn from(error: onetrip_store::StoreError) -> Self {
        Self::Error(error.into())
    }
}

/// Imports a whole catalog file: all of it, or — if any row is wrong — none of it.
pub async fn import_catalog(
    state: &AppState,
    staff: &Staff,
    file: CatalogFile,
    reason: &str,
) -> Result<ImportReport, ImportFailure> {
    staff.require(Permission::EditCatalog)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ImportFailure::Problems(vec![(
            "导入原因".to_string(),
            "请填写导入原因（200 字以内）".to_string(),
        )]));
    }
    let existing = state.store.departments().await?;
    validate_catalog(&file, &existing).map_err(ImportFailure::Problems)?;
    let today = state.today();
    let latest: HashMap<String, _> = state
        .store
        .latest_versions()
        .await?
        .into_iter()
        .map(|version| (version.matter.code.clone(), version))
        .collect();
    let versions = plan_import(&file, &latest, reason, &signature(staff), today).map_err(ImportFailure::Problems)?;
    let created = versions.iter().filter(|version| version.adjustment.kind == AdjustmentKind::Create).count();
    let report = ImportReport {
        created,
        adjusted: versions.len() - created,
        unchanged: file.matters.len() - versions.len(),
        departments: file.departments.len(),
    };
    state.store.import_catalog(&file.departments, &versions, Utc::now()).await?;
    audit(
        state,
        staff,
        "catalog.import",
        "catalog",
        format!("新增 {created}，调整 {}，未变 {}", report.adjusted, report.unchanged),
    )
    .await?;
    state.reload_catalog().await?;
    Ok(report)
}

/// Loads (or reloads) one year's holiday notice.
pub async fn load_notice(state: &AppState, staff: &Staff, year: i32, text: &str) -> Result<usize, Error> {
    staff.require(Permission::LoadCalendar)?;
    if text.len() > 64 * 1024 {
        return Err(Error::Validation(FieldErrors::single("text", "内容太长，一年的放假安排不会超过 64 KB")));
    }
    let entries = parse_notice(year, text)?;
    state.store.replace_notice(year, &entries).await?;
    audit(state, staff, "calendar.load", &year.to_string(), format!("{} 个日期", entries.len())).await?;
    state.reload_calendar().await?;
    Ok(entries.len())
}

/// Replaces the synonym list.
pub async fn save_synonyms(state: &AppState, staff: &Staff, text: &str) -> Result<usize, Error> {
    staff.require(Permission::EditSynonyms)?;
    if text.len() > 256 * 1024 {
        return Err(Error::Validation(FieldErrors::single("text", "同义词表太长，最多 256 KB")));
    }
    let synonyms = Synonyms::parse(text)?;
    state.store.put_setting(SYNONYMS_SETTING, &synonyms.to_text(), Utc::now()).await?;
    audit(state, staff, "synonyms.save", "synonyms", format!("{} 行", synonyms.len())).await?;
    state.reload_catalog().await?;
    Ok(synonyms.len())
}

/// Parses a bundle list and checks it against a catalog snapshot: every matter in force and open to online
/// application.
pub fn parse_bundles(
    catalog: &crate::state::CatalogSnapshot,
    text: &str,
) -> Result<Vec<onetrip_domain::bundle::Bundle>, FieldErrors> {
    #[derive(serde::Deserialize)]
    struct File {
        bundles: Vec<onetrip_domain::bundle::Bundle>,
    }
    let file: File = serde_json::from_str(text)
        .map_err(|error| FieldErrors::single("bundles", format!("不是有效的一件事清单：{error}")))?;
    onetrip_domain::bundle::validate_bundles(&file.bundles, |code| {
        catalog.version(code).is_some_and(|version| {
            !version.adjustment.kind.ends_the_matter()
                && !matches!(
                    version.matter.online_depth,
                    onetrip_domain::catalog::OnlineDepth::None | onetrip_domain::catalog::OnlineDepth::Consult
                )
        })
    })?;
    Ok(file.bundles)
}

/// Replaces the "one thing" bundles (catalog editors).
pub async fn save_bundles(state: &AppState, staff: &Staff, text: &str) -> Result<usize, Error> {
    staff.require(Permission::EditCatalog)?;
    if text.len() > 256 * 1024 {
        return Err(Error::Validation(FieldErrors::single("bundles", "一件事清单太长，最多 256 KB")));
    }
    let bundles = parse_bundles(&state.catalog(), text)?;
    let stored = serde_json::json!({ "bundles": bundles }).to_string();
    state.store.put_setting(crate::state::BUNDLES_SETTING, &stored, Utc::now()).await?;
    audit(state, staff, "bundles.save", "bundles", format!("{} 件", bundles.len())).await?;
    state.reload_catalog().await?;
    Ok(bundles.len())
}

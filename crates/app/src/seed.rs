//! What an empty database starts with: the shipped holiday notices (2019–2026), and — for the demo — the
//! demo catalog of the source report's hall with its synonym list, bundles and hall layout.

use crate::app::{App, BUNDLES_SETTING, HALL_SETTING, SYNONYMS_SETTING};
use crate::catalog::{CatalogFile, ImportFailure};
use crate::error::{AppError, AppResult};
use onetrip_domain::actor::Actor;
use onetrip_domain::calendar::SHIPPED_NOTICES;
use std::collections::BTreeSet;

/// The demo catalog: 60+ matters of 13+ departments, modelled on public implementation lists.
pub const DEMO_CATALOG: &str = include_str!("../../../data/demo/catalog.json");
pub const DEMO_SYNONYMS: &str = include_str!("../../../data/demo/synonyms.txt");
pub const DEMO_BUNDLES: &str = include_str!("../../../data/demo/bundles.json");
/// The demo hall: 9 zones and 120 windows as in the source report, and two networked specialised halls.
pub const DEMO_HALL: &str = include_str!("../../../data/demo/hall.json");

fn system() -> Actor {
    Actor::operator("演示数据导入")
}

/// Loads each shipped notice whose year has nothing loaded yet; returns the years loaded.
pub async fn seed_calendar(app: &App) -> AppResult<Vec<i32>> {
    let loaded: BTreeSet<i32> = app.store.calendar_entries().await?.iter().map(|entry| entry.notice_year).collect();
    let actor = system();
    let mut years = Vec::new();
    for (year, text) in SHIPPED_NOTICES {
        if !loaded.contains(&year) {
            crate::calendar::load_notice(app, &actor, year, text).await?;
            years.push(year);
        }
    }
    Ok(years)
}

/// Loads the demo catalog and synonyms into a database that has no matters; returns how many matters.
pub async fn seed_demo(app: &App) -> AppResult<usize> {
    if app.store.matter_count().await? > 0 {
        seed_bundles(app).await;
        return Ok(0);
    }
    let file: CatalogFile =
        serde_json::from_str(DEMO_CATALOG).map_err(|error| AppError::Internal(format!("demo catalog: {error}")))?;
    let count = file.matters.len();
    let actor = system();
    match crate::catalog::import(app, &actor, file, "演示数据").await {
        Ok(_) => {}
        Err(ImportFailure::Problems(problems)) => {
            return Err(AppError::Internal(format!("demo catalog does not validate: {problems:?}")));
        }
        Err(ImportFailure::Error(error)) => return Err(error),
    }
    if app.store.setting(SYNONYMS_SETTING).await?.is_none() {
        crate::catalog::save_synonyms(app, &actor, DEMO_SYNONYMS).await?;
    }
    seed_bundles(app).await;
    tracing::info!(matters = count, "demo catalog loaded");
    Ok(count)
}

/// Offers the demo bundles and lays out the demo hall if none are set and the catalog has their matters and
/// departments (an older demo database may not).
async fn seed_bundles(app: &App) {
    match app.store.setting(BUNDLES_SETTING).await {
        Ok(None) => {
            if let Err(error) = crate::catalog::save_bundles(app, &system(), DEMO_BUNDLES).await {
                tracing::warn!(%error, "demo bundles not offered");
            }
        }
        Ok(Some(_)) => {}
        Err(error) => tracing::warn!(%error, "bundles setting unreadable"),
    }
    match app.store.setting(HALL_SETTING).await {
        Ok(None) => {
            if let Err(error) = crate::hall::save_layout(app, &system(), DEMO_HALL).await {
                tracing::warn!(%error, "demo hall not laid out");
            }
        }
        Ok(Some(_)) => {}
        Err(error) => tracing::warn!(%error, "hall setting unreadable"),
    }
}

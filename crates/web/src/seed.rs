//! What an empty database starts with: the shipped holiday notices (2019–2026), and — for the demo — the
//! demo catalog of the source report's hall with its synonym list.

use crate::auth::{Credential, Staff};
use crate::catalog_io::CatalogFile;
use crate::error::Error;
use crate::state::AppState;
use chrono::Utc;
use onetrip_domain::access::Role;
use onetrip_domain::calendar::SHIPPED_NOTICES;
use onetrip_store::User;
use std::collections::BTreeSet;

/// The demo catalog: 60+ matters of 13+ departments, modelled on public implementation lists.
pub const DEMO_CATALOG: &str = include_str!("../../../data/demo/catalog.json");
pub const DEMO_SYNONYMS: &str = include_str!("../../../data/demo/synonyms.txt");
pub const DEMO_BUNDLES: &str = include_str!("../../../data/demo/bundles.json");
/// The demo hall: 9 zones and 120 windows as in the source report, and two networked specialised halls.
pub const DEMO_HALL: &str = include_str!("../../../data/demo/hall.json");

/// A staff identity for changes made by the system itself or from the command line.
pub fn system_staff(name: &str) -> Staff {
    Staff {
        user: User {
            id: 0,
            username: name.to_string(),
            display_name: name.to_string(),
            password_hash: String::new(),
            roles: vec![Role::Admin, Role::CatalogEditor],
            department: None,
            disabled: false,
        },
        csrf_token: String::new(),
        credential: Credential::Bearer,
        token_hash: String::new(),
    }
}

/// Loads each shipped notice whose year has nothing loaded yet; returns the years loaded.
pub async fn seed_calendar(state: &AppState) -> Result<Vec<i32>, Error> {
    let loaded: BTreeSet<i32> = state.store.calendar_entries().await?.iter().map(|entry| entry.notice_year).collect();
    let staff = system_staff("system");
    let mut years = Vec::new();
    for (year, text) in SHIPPED_NOTICES {
        if !loaded.contains(&year) {
            crate::actions::load_notice(state, &staff, year, text).await?;
            years.push(year);
        }
    }
    Ok(years)
}

/// Loads the demo catalog and synonyms into a database that has no matters; returns how many matters.
pub async fn seed_demo(state: &AppState) -> Result<usize, Error> {
    if state.store.matter_count().await? > 0 {
        seed_bundles(state).await;
        return Ok(0);
    }
    let file: CatalogFile =
        serde_json::from_str(DEMO_CATALOG).map_err(|error| Error::Internal(format!("demo catalog: {error}")))?;
    let count = file.matters.len();
    let staff = system_staff("system");
    match crate::actions::import_catalog(state, &staff, file, "演示数据").await {
        Ok(_) => {}
        Err(crate::actions::ImportFailure::Problems(problems)) => {
            return Err(Error::Internal(format!("demo catalog does not validate: {problems:?}")));
        }
        Err(crate::actions::ImportFailure::Error(error)) => return Err(error),
    }
    if state.store.setting(crate::state::SYNONYMS_SETTING).await?.is_none() {
        crate::actions::save_synonyms(state, &staff, DEMO_SYNONYMS).await?;
    }
    seed_bundles(state).await;
    tracing::info!(matters = count, at = %Utc::now(), "demo catalog loaded");
    Ok(count)
}

/// Offers the demo bundles and lays out the demo hall if none are set and the catalog has their matters and
/// departments (an older demo database may not).
async fn seed_bundles(state: &AppState) {
    match state.store.setting(crate::state::BUNDLES_SETTING).await {
        Ok(None) => {
            if let Err(error) = crate::actions::save_bundles(state, &system_staff("system"), DEMO_BUNDLES).await {
                tracing::warn!(error = %error.message(), "demo bundles not offered");
            }
        }
        Ok(Some(_)) => {}
        Err(error) => tracing::warn!(%error, "bundles setting unreadable"),
    }
    match state.store.setting(crate::hall::HALL_SETTING).await {
        Ok(None) => {
            if let Err(error) = crate::hall::save_layout(state, &system_staff("system"), DEMO_HALL).await {
                tracing::warn!(error = %error.message(), "demo hall not laid out");
            }
        }
        Ok(Some(_)) => {}
        Err(error) => tracing::warn!(%error, "hall setting unreadable"),
    }
}

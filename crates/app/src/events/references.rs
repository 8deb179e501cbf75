//! A department system's own case numbers (its vertical system's), attached to Onetrip's cases so that
//! neither side types the other's number: searchable both ways.

use crate::app::App;
use crate::error::{AppError, AppResult, Conflict};
use onetrip_domain::access::Role;
use onetrip_domain::actor::Actor;
use onetrip_domain::case_number::CaseNumber;
use onetrip_store::StoreError;

fn system_of(actor: &Actor) -> AppResult<String> {
    if !actor.roles.contains(&Role::DepartmentSystem) {
        return Err(AppError::Forbidden);
    }
    actor.username().map(str::to_string).ok_or(AppError::Forbidden)
}

/// Attaches `reference` to a case the system's department takes part in; returns the system's name.
pub async fn set(app: &App, actor: &Actor, number: &CaseNumber, reference: &str) -> AppResult<String> {
    let system = system_of(actor)?;
    let reference = reference.trim();
    if reference.is_empty()
        || reference.len() > 64
        || !reference.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
    {
        return Err(AppError::field("reference", "编号应为 1 到 64 个字母、数字或 - _ . /"));
    }
    let department = actor.department.clone().ok_or(AppError::Forbidden)?;
    let case = app.store.case(number).await?.ok_or_else(|| AppError::NotFound("这个办件".to_string()))?;
    let takes_part = case.department == department
        || case
            .document
            .review
            .as_ref()
            .is_some_and(|review| review.tasks.iter().any(|task| task.department == department));
    if !takes_part {
        return Err(AppError::NotFound("这个办件".to_string()));
    }
    match app.store.set_external_reference(number, &system, reference, app.now()).await {
        Ok(()) => Ok(system),
        Err(StoreError::Conflict(message)) => Err(AppError::conflict(Conflict::AlreadyExists, message)),
        Err(other) => Err(other.into()),
    }
}

/// The case the system gave `reference`.
pub async fn find(app: &App, actor: &Actor, reference: &str) -> AppResult<(CaseNumber, String)> {
    let system = system_of(actor)?;
    let number = app
        .store
        .case_by_external_reference(&system, reference.trim())
        .await?
        .ok_or_else(|| AppError::NotFound("这个编号对应的办件".to_string()))?;
    Ok((number, system))
}

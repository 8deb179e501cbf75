//! What the pages and the API read about cases: one case with everything around it, the public progress
//! lookup, a window's queue, a department's inbox, the supervision page, the outbox, and the trips report.
//! Each checks who is asking, as the changes do.

use super::load_for;
use crate::app::App;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::case::{allowed_actions, ActionKind, Case, EventKind, Phase};
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::catalog::MatterVersion;
use onetrip_domain::supervision::{self, Card};
use onetrip_store::{
    Applicant, AtRisk, CaseEvent, InboxItem, OutboxMessage, RiskCount, StoredFile, SupervisionOrder, TripReport,
};
use std::collections::HashMap;

fn require(actor: &Actor, permission: Permission) -> AppResult<()> {
    if actor.may(permission) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Where a case under review stands against its limit, in office minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    pub used_minutes: i64,
    pub left_minutes: i64,
    /// Office minutes past the due instant, once it has passed.
    pub overdue_minutes: Option<i64>,
    /// The clock stands still (a special procedure).
    pub suspended: bool,
    /// The card on the supervision page (none while the clock stands still).
    pub card: Option<Card>,
    pub minutes_per_day: i64,
}

/// One case with everything its pages show.
#[derive(Debug, Clone)]
pub struct CaseDetails {
    pub case: Case,
    /// The matter in the version the case was made under.
    pub matter: MatterVersion,
    pub applicant: Option<Applicant>,
    /// What is known of each file of the case's materials, by id.
    pub files: HashMap<String, StoredFile>,
    pub events: Vec<CaseEvent>,
    pub trips: Vec<(DateTime<Utc>, String)>,
    pub notifications: Vec<OutboxMessage>,
    pub orders: Vec<SupervisionOrder>,
    /// The other cases applied for in the same bundle (with this one), oldest first.
    pub linked: Vec<Case>,
    pub timing: Option<Timing>,
    /// What the asking actor may do to the case now.
    pub allowed: Vec<ActionKind>,
    /// The e-licences the case issued.
    pub licences: Vec<onetrip_store::StoredLicence>,
}

impl CaseDetails {
    pub fn may(&self, kind: ActionKind) -> bool {
        self.allowed.contains(&kind)
    }
}

fn timing(app: &App, case: &Case) -> Option<Timing> {
    let (Some(accepted), Some(due)) = (case.accepted_at, case.due_at) else { return None };
    if !case.phase.under_review() {
        return None;
    }
    let calendar = app.calendar();
    let now = app.local_naive(app.now());
    let (accepted, due) = (app.local_naive(accepted), app.local_naive(due));
    let paused = case.document.clock.paused_intervals();
    let minutes =
        |from, to, paused: &[_]| calendar.working_time_between(from, to, paused).map(|t| t.minutes).unwrap_or(0);
    let suspended = case.phase == Phase::Suspended;
    let warn = case.warn_at.map(|warn| app.local_naive(warn)).unwrap_or(due);
    Some(Timing {
        used_minutes: minutes(accepted, now.min(due), &paused),
        left_minutes: minutes(now, due, &paused),
        overdue_minutes: (now >= due).then(|| minutes(due, now, &[])),
        suspended,
        card: (!suspended).then(|| supervision::card(now, warn, due)),
        minutes_per_day: calendar.hours().minutes_per_day(),
    })
}

/// A case and everything around it, for an actor who may see it.
pub async fn details(app: &App, actor: &Actor, number: &CaseNumber) -> AppResult<CaseDetails> {
    let case = load_for(app, actor, number).await?;
    let matter = app.matter_version(&case.matter_code, case.matter_version).await?;
    let applicant = app.store.applicant(case.applicant_id).await?;
    let mut files = HashMap::new();
    for id in case.document.materials.iter().flat_map(|material| material.files.iter()) {
        if let Some(file) = app.store.file(id).await? {
            files.insert(id.clone(), file);
        }
    }
    let linked = match &case.document.bundle {
        Some(link) => {
            let mut linked: Vec<Case> = app
                .store
                .cases_of_applicant(case.applicant_id, 500)
                .await?
                .into_iter()
                .filter(|other| other.document.bundle.as_ref().is_some_and(|other| other.draft == link.draft))
                .collect();
            linked.reverse();
            linked
        }
        None => Vec::new(),
    };
    Ok(CaseDetails {
        events: app.store.case_events(number).await?,
        trips: app.store.case_trips(number).await?,
        notifications: app.store.case_notifications(number).await?,
        orders: app.store.case_orders(number).await?,
        timing: timing(app, &case),
        allowed: allowed_actions(&case, actor),
        licences: app.store.licences_of_case(number).await?,
        case,
        matter,
        applicant,
        files,
        linked,
    })
}

/// Which printable notices a case has: (kind, title).
pub fn notices_of(case: &Case) -> Vec<(&'static str, &'static str)> {
    let document = &case.document;
    let mut notices = vec![("receipt", "收件回执")];
    if document.acceptance.corrections > 0 {
        notices.push(("correction", "补正材料通知书"));
    }
    if case.accepted_at.is_some() {
        notices.push(("acceptance", "受理通知书"));
    }
    if case.phase == Phase::RefusedToAccept {
        notices.push(("refusal", "不予受理决定书"));
    }
    if !document.clock.pauses.is_empty() {
        notices.push(("special_procedure", "特别程序告知书"));
    }
    if !document.clock.extensions.is_empty() {
        notices.push(("extension", "延长办理期限告知书"));
    }
    if document.review.as_ref().is_some_and(|review| review.outcome.is_some()) {
        notices.push(("decision", "决定书"));
    }
    notices
}

/// A material of a case, to an actor who may see the case; any other file is "not found".
pub async fn case_file(app: &App, actor: &Actor, number: &CaseNumber, id: &str) -> AppResult<(StoredFile, Vec<u8>)> {
    let case = load_for(app, actor, number).await?;
    if !case.document.has_file(id) {
        return Err(AppError::NotFound("这个文件".to_string()));
    }
    let file = app.store.file(id).await?.ok_or_else(|| AppError::NotFound("这个文件".to_string()))?;
    let bytes = crate::files::bytes(app, &file).await?;
    Ok((file, bytes))
}

/// What anyone may see of a case, given its number and the last four characters of the applicant's
/// identity number: no name, no number, no phone.
#[derive(Debug, Clone)]
pub struct Progress {
    pub number: CaseNumber,
    pub matter: String,
    pub phase: Phase,
    pub received_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub trips: usize,
    pub steps: Vec<ProgressStep>,
}

#[derive(Debug, Clone)]
pub struct ProgressStep {
    pub at: DateTime<Utc>,
    pub label: &'static str,
}

/// Looks a case up for the public, from a client `address`. A wrong number and a wrong last four give the
/// same answer, and failed look-ups are slowed per case number and per address (`crate::throttle`), so that
/// neither the last four of one case nor the cases of a day can be found by trying.
pub async fn progress(app: &App, number: &str, last_four: &str, address: &str) -> AppResult<Progress> {
    let not_found = || AppError::NotFound("与这个办件编号和证件号后四位相符的办件".to_string());
    let number = CaseNumber::parse(number).map_err(|error| AppError::field("number", error.to_string()))?;
    let attempt = crate::throttle::begin(app, crate::throttle::Kind::Progress, &number.compact(), address).await?;
    let case = app.store.case(&number).await?.ok_or_else(not_found)?;
    let applicant = app.store.applicant(case.applicant_id).await?.ok_or_else(not_found)?;
    if !crate::accounts::same_secret(
        &applicant.identity.last_four().to_ascii_uppercase(),
        &last_four.trim().to_ascii_uppercase(),
    ) {
        return Err(not_found());
    }
    attempt.succeeded(app).await?;
    let matter = app.matter_version(&case.matter_code, case.matter_version).await?.matter.name;
    let steps = app
        .store
        .case_events(&number)
        .await?
        .into_iter()
        .map(|event| ProgressStep { at: event.at, label: EventKind::label_of(&event.action) })
        .collect();
    Ok(Progress {
        trips: app.store.case_trips(&number).await?.len(),
        number,
        matter,
        phase: case.phase,
        received_at: case.received_at,
        accepted_at: case.accepted_at,
        due_at: case.due_at,
        steps,
    })
}

/// Cases in one phase for a window (its department's, or all for a general window or a manager), the
/// longest waiting first.
pub async fn queue(app: &App, actor: &Actor, phase: Phase) -> AppResult<Vec<Case>> {
    if !actor.may(Permission::AcceptCases) && !actor.may(Permission::Supervise) {
        return Err(AppError::Forbidden);
    }
    let department = if actor.may(Permission::Supervise) { None } else { actor.department.as_deref() };
    Ok(app.store.cases_in_phase(phase, department, 200).await?)
}

/// The open review tasks of the reviewer's department, the soonest due first: (department, tasks).
pub async fn inbox(app: &App, actor: &Actor, limit: u32) -> AppResult<(String, Vec<InboxItem>)> {
    require(actor, Permission::ReviewCases)?;
    let department = actor.department.clone().ok_or(AppError::Forbidden)?;
    let items = app.store.inbox(&department, limit).await?;
    Ok((department, items))
}

/// Orders not yet answered: a reviewer's department's, or every department's for a manager.
pub async fn open_orders(app: &App, actor: &Actor, limit: u32) -> AppResult<Vec<SupervisionOrder>> {
    if actor.may(Permission::Supervise) {
        return Ok(app.store.open_orders(None, limit).await?);
    }
    require(actor, Permission::ReviewCases)?;
    let department = actor.department.as_deref().ok_or(AppError::Forbidden)?;
    Ok(app.store.open_orders(Some(department), limit).await?)
}

/// The supervision page: yellow and red counts per department and matter, the cases and steps at risk,
/// and the open orders.
pub struct Supervision {
    pub counts: Vec<RiskCount>,
    pub at_risk: Vec<AtRisk>,
    pub orders: Vec<SupervisionOrder>,
}

pub async fn supervision(app: &App, actor: &Actor) -> AppResult<Supervision> {
    require(actor, Permission::Supervise)?;
    let now = app.now();
    Ok(Supervision {
        counts: app.store.risk_counts(now).await?,
        at_risk: app.store.at_risk(now, 200).await?,
        orders: app.store.open_orders(None, 200).await?,
    })
}

/// The newest messages of the outbox (managers).
pub async fn outbox(app: &App, actor: &Actor, limit: u32) -> AppResult<Vec<OutboxMessage>> {
    require(actor, Permission::Supervise)?;
    Ok(app.store.outbox(limit).await?)
}

/// A matter whose cases needed more trips to the hall than published, with the causes.
pub struct TripLine {
    pub code: String,
    pub name: String,
    pub department: String,
    pub published: u8,
    pub report: TripReport,
}

/// The matters whose cases needed more trips to the hall than their published 到办事现场次数, the most
/// cases first: the reform's own measure.
pub async fn trips_over_published(app: &App, actor: &Actor) -> AppResult<Vec<TripLine>> {
    require(actor, Permission::Supervise)?;
    let catalog = app.catalog();
    let mut lines = Vec::new();
    for version in &catalog.versions {
        let matter = &version.matter;
        let report = app.store.trips_over(&matter.code, u32::from(matter.trips_required)).await?;
        if report.cases > 0 {
            lines.push(TripLine {
                code: matter.code.clone(),
                name: matter.name.clone(),
                department: matter.department.clone(),
                published: matter.trips_required,
                report,
            });
        }
    }
    lines.sort_by(|a, b| b.report.cases.cmp(&a.report.cases).then_with(|| a.code.cmp(&b.code)));
    Ok(lines)
}

/// An applicant's own cases, newest first.
pub async fn cases_of_applicant(app: &App, actor: &Actor) -> AppResult<Vec<Case>> {
    let applicant = actor.applicant_id().ok_or(AppError::Forbidden)?;
    Ok(app.store.cases_of_applicant(applicant, 100).await?)
}

/// The applicant of a case the caller has (and may see): for the API's answers.
pub async fn applicant_of(app: &App, case: &Case) -> AppResult<Option<Applicant>> {
    Ok(app.store.applicant(case.applicant_id).await?)
}

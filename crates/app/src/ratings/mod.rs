//! 好差评: rating a service through each channel — the window's evaluator screen right after a ticket (一次一评),
//! the portal and the signed link of an SMS or a printed notice after a case's acceptance and conclusion
//! (一事一评), and departmental systems through the API — and the sweep that gives 基本满意 to a case stage left
//! unrated. Every 差评 opens its follow-up (`followups.rs`) in the same transaction; the monthly figures and
//! the public disclosure are in `figures.rs`.
//!
//! Privacy (standards.md §2): staff never see who rated; nothing here lets anyone change a rating.

pub mod figures;
pub mod followups;
pub mod links;

use crate::app::App;
use crate::error::{AppError, AppResult, Conflict};
use chrono::{DateTime, Duration, Utc};
use links::LinkSubject;
use onetrip_domain::access::Permission;
use onetrip_domain::actor::{Actor, Channel};
use onetrip_domain::case::{Case, Phase};
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::queue::TicketState;
use onetrip_domain::rating::{Grade, Indicators, Level, RatingChannel, RatingInput, Service, Stage};
use onetrip_store::ratings::{NewRating, NewRatingSlot, RatingSlot, SlotRef};
use onetrip_store::StoreError;

pub use crate::config::RatingPolicy;

/// The rating stage a change of a case opens, if any: 受理 (or 不予受理) opens the acceptance stage, the
/// decision (办结: 准予 or 不予许可) the conclusion, so that the decision's notice carries its QR code.
pub fn stage_opened(from: Phase, to: Phase) -> Option<Stage> {
    match (from, to) {
        (Phase::Received | Phase::AwaitingCorrection, Phase::Accepted | Phase::RefusedToAccept) => {
            Some(Stage::Acceptance)
        }
        (Phase::Accepted | Phase::Suspended, Phase::Granted | Phase::Refused) => Some(Stage::Conclusion),
        _ => None,
    }
}

/// The rating link a printed notice of the case carries: the latest stage still waiting for a rating and
/// not yet defaulted, as (stage, token).
pub async fn open_link(app: &App, number: &CaseNumber) -> AppResult<Option<(Stage, String)>> {
    for stage in [Stage::Conclusion, Stage::Acceptance] {
        if let Some(slot) = app.store.case_rating_slot(number, stage).await? {
            let waiting = slot.rating_id.is_none() && slot.slot.default_at.is_some_and(|at| at > app.now());
            if waiting {
                return Ok(Some((stage, link_token(app, number, stage, slot.slot.opened_at))));
            }
            return Ok(None);
        }
    }
    Ok(None)
}

fn service_of(case: &Case) -> Service {
    if case.channel == Channel::Online {
        Service::Online
    } else {
        Service::OnSite
    }
}

/// The slot a change of `case` by `actor` opens at `now`, for `CaseUpdate::rating_slot`.
pub(crate) fn slot_for_case(app: &App, case: &Case, stage: Stage, actor: &Actor, now: DateTime<Utc>) -> NewRatingSlot {
    let staff = actor.username().map(str::to_string);
    NewRatingSlot {
        case_number: Some(case.number.clone()),
        ticket_id: None,
        stage,
        service: service_of(case),
        department: case.department.clone(),
        matter_code: case.matter_code.clone(),
        window_code: None,
        staff,
        applicant_id: Some(case.applicant_id),
        opened_at: now,
        default_at: Some(now + Duration::days(i64::from(app.config.ratings.default_after_days))),
    }
}

/// The SMS line that invites a rating of a stage just opened.
pub(crate) fn invitation(app: &App, number: &CaseNumber, stage: Stage, now: DateTime<Utc>) -> String {
    let token = link_token(app, number, stage, now);
    format!("请为本次{}服务评价：{}", stage.label(), links::url(app, &token))
}

/// The token of a case stage's link, valid until the stage counts as 基本满意.
pub fn link_token(app: &App, number: &CaseNumber, stage: Stage, opened_at: DateTime<Utc>) -> String {
    let expires = opened_at + Duration::days(i64::from(app.config.ratings.default_after_days));
    links::sign(&app.link_key, &LinkSubject::Case(number.clone(), stage), expires)
}

/// The indicators in force.
pub fn indicators() -> Indicators {
    Indicators::shipped()
}

fn month_of(app: &App, at: DateTime<Utc>) -> String {
    app.local(at).format("%Y-%m").to_string()
}

/// Stores a checked rating on a slot, with a 差评's follow-up.
async fn store(
    app: &App,
    slot: SlotRef,
    about: &NewRatingSlot,
    input: &RatingInput,
    channel: RatingChannel,
) -> AppResult<i64> {
    let indicators = indicators();
    let checked = input.check(&indicators, about.service)?;
    let now = app.now();
    let followup =
        if checked.level.grade() == Grade::Bad { Some(followups::open_followup(app, about, now)?) } else { None };
    let rating = NewRating {
        slot,
        level: checked.level,
        channel,
        indicators: checked.indicators,
        indicator_version: indicators.version,
        comment: checked.comment,
        rated_at: now,
        month: month_of(app, now),
        followup,
    };
    match app.store.rate(&rating).await {
        Ok(id) => Ok(id),
        Err(StoreError::Conflict(_)) => Err(already_rated()),
        Err(other) => Err(other.into()),
    }
}

fn already_rated() -> AppError {
    AppError::conflict(Conflict::AlreadyRated, "这项服务已经评价过了，每项服务只能评价一次，评价后不能修改")
}

/// A case stage's slot, open for a rating: `not_ratable` before the stage is reached, `already_rated` after.
async fn open_slot(app: &App, number: &CaseNumber, stage: Stage) -> AppResult<RatingSlot> {
    let slot = app.store.case_rating_slot(number, stage).await?.ok_or_else(|| {
        AppError::conflict(Conflict::NotRatable, format!("办件还没有{}，{}后才能评价", stage.label(), stage.label()))
    })?;
    if slot.rating_id.is_some() {
        return Err(already_rated());
    }
    Ok(slot)
}

/// What a rating page shows about the service, without naming who served or who rates.
#[derive(Debug, Clone)]
pub struct RatingTarget {
    pub stage: Stage,
    pub service: Service,
    pub matter_name: String,
    pub department_name: String,
    pub case_number: Option<CaseNumber>,
    /// Set once rated (the page then thanks instead of asking).
    pub rated: Option<Level>,
}

fn target_of(app: &App, slot: &NewRatingSlot, rated: Option<Level>) -> RatingTarget {
    let catalog = app.catalog();
    RatingTarget {
        stage: slot.stage,
        service: slot.service,
        matter_name: catalog.version(&slot.matter_code).map(|v| v.matter.name.clone()).unwrap_or_default(),
        department_name: catalog.department_name(&slot.department).to_string(),
        case_number: slot.case_number.clone(),
        rated,
    }
}

async fn level_of(app: &App, slot: &RatingSlot) -> AppResult<Option<Level>> {
    match slot.rating_id {
        Some(id) => Ok(app.store.rating(id).await?.map(|rating| rating.level)),
        None => Ok(None),
    }
}

/// The applicant rates a stage of their own case on the portal.
pub async fn rate_case(
    app: &App,
    actor: &Actor,
    number: &CaseNumber,
    stage: Stage,
    input: &RatingInput,
) -> AppResult<i64> {
    if actor.applicant_id().is_none() {
        return Err(AppError::Forbidden);
    }
    crate::cases::load_for(app, actor, number).await?;
    let slot = open_slot(app, number, stage).await?;
    store(app, SlotRef::Existing(slot.id), &slot.slot, input, RatingChannel::Portal).await
}

/// The stages of an applicant's own case and whether each can be rated now (for the portal's case page).
pub async fn case_stages(app: &App, actor: &Actor, number: &CaseNumber) -> AppResult<Vec<(RatingTarget, bool)>> {
    crate::cases::load_for(app, actor, number).await?;
    let mut stages = Vec::new();
    for stage in [Stage::Acceptance, Stage::Conclusion] {
        if let Some(slot) = app.store.case_rating_slot(number, stage).await? {
            let rated = level_of(app, &slot).await?;
            let open = rated.is_none();
            stages.push((target_of(app, &slot.slot, rated), open));
        }
    }
    Ok(stages)
}

/// A departmental system sends a rating it collected for a case of its own department.
pub async fn rate_from_system(
    app: &App,
    actor: &Actor,
    number: &CaseNumber,
    stage: Stage,
    input: &RatingInput,
) -> AppResult<i64> {
    if actor.channel != Channel::Api || actor.username().is_none() {
        return Err(AppError::Forbidden);
    }
    let case = crate::cases::load_for(app, actor, number).await?;
    if !actor.may(Permission::Supervise) && actor.department.as_deref() != Some(case.department.as_str()) {
        return Err(AppError::Forbidden);
    }
    let slot = open_slot(app, number, stage).await?;
    store(app, SlotRef::Existing(slot.id), &slot.slot, input, RatingChannel::Api).await
}

/// What a link rates, for its page: a case stage, or the fix of a 差评.
pub enum LinkPage {
    Stage(RatingTarget),
    Fix { outcome: String, rated: Option<Level> },
}

/// The page of a rating link.
pub async fn link_page(app: &App, token: &str) -> AppResult<LinkPage> {
    match links::open(app, token)? {
        LinkSubject::Case(number, stage) => {
            let slot = app
                .store
                .case_rating_slot(&number, stage)
                .await?
                .ok_or_else(|| AppError::NotFound("这个评价链接".into()))?;
            let rated = level_of(app, &slot).await?;
            Ok(LinkPage::Stage(target_of(app, &slot.slot, rated)))
        }
        LinkSubject::Fix(rating_id) => {
            let followup = followups::load(app, rating_id).await?;
            Ok(LinkPage::Fix { outcome: followups::result_text(&followup), rated: followup.fix_level })
        }
    }
}

/// A rating through a link (no log-in): the stage it names, once.
pub async fn rate_by_link(app: &App, token: &str, input: &RatingInput) -> AppResult<i64> {
    match links::open(app, token)? {
        LinkSubject::Case(number, stage) => {
            let slot = open_slot(app, &number, stage).await?;
            store(app, SlotRef::Existing(slot.id), &slot.slot, input, RatingChannel::Link).await
        }
        LinkSubject::Fix(rating_id) => {
            let level = Level::new(input.level)
                .ok_or_else(|| AppError::field("level", "请选择 1 到 5 之间的评价：5 是非常满意，1 是非常不满意"))?;
            followups::rate_fix(app, rating_id, level).await?;
            Ok(rating_id)
        }
    }
}

/// The ticket a window's evaluator screen asks about: the last one this window finished within the
/// configured minutes and not yet rated.
pub async fn ticket_to_rate(app: &App, actor: &Actor, window: &str) -> AppResult<Option<(i64, String, RatingTarget)>> {
    let catalog = app.catalog();
    let found = crate::hall::windows::window_for(&catalog.hall, actor, window)?;
    let Some(zone) = catalog.hall.zone(&found.zone) else {
        return Err(AppError::NotFound(format!("{window} 号窗口")));
    };
    let since = app.now() - Duration::minutes(i64::from(app.config.ratings.window_minutes));
    let tickets = app.store.tickets_of_day(&zone.hall, app.today()).await?;
    let last = tickets
        .into_iter()
        .filter(|ticket| {
            ticket.state == TicketState::Finished
                && ticket.window_code.as_deref() == Some(window)
                && ticket.finished_at.is_some_and(|at| at >= since)
        })
        .max_by_key(|ticket| ticket.finished_at);
    let Some(ticket) = last else { return Ok(None) };
    if app.store.ticket_rating_slot(ticket.id).await?.is_some() {
        return Ok(None);
    }
    let slot = ticket_slot(app, &ticket, window)?;
    Ok(Some((ticket.id, ticket.number.clone(), target_of(app, &slot, None))))
}

fn ticket_slot(app: &App, ticket: &onetrip_domain::queue::Ticket, window: &str) -> AppResult<NewRatingSlot> {
    let catalog = app.catalog();
    let matter = ticket.matter_code.clone().unwrap_or_default();
    let department = catalog
        .version(&matter)
        .map(|version| version.matter.department.clone())
        .or_else(|| catalog.hall.window(window).and_then(|w| w.departments.first().cloned()))
        .unwrap_or_default();
    Ok(NewRatingSlot {
        case_number: ticket.case_number.as_deref().and_then(|number| CaseNumber::parse(number).ok()),
        ticket_id: Some(ticket.id),
        stage: Stage::Window,
        service: Service::OnSite,
        department,
        matter_code: matter,
        window_code: Some(window.to_string()),
        staff: ticket.called_by.clone(),
        applicant_id: None,
        opened_at: ticket.finished_at.unwrap_or_else(|| app.now()),
        default_at: None,
    })
}

/// 一次一评: the visitor rates, on the window's evaluator screen, the ticket just served there.
pub async fn rate_ticket(
    app: &App,
    actor: &Actor,
    window: &str,
    ticket_id: i64,
    input: &RatingInput,
) -> AppResult<i64> {
    let Some((id, _, _)) = ticket_to_rate(app, actor, window).await? else {
        return Err(AppError::conflict(Conflict::NotRatable, "这个窗口现在没有待评价的服务"));
    };
    if id != ticket_id {
        return Err(AppError::conflict(Conflict::NotRatable, "这个号不是本窗口刚办完的号，请刷新评价页"));
    }
    let ticket = app.store.ticket(ticket_id).await?.ok_or_else(|| AppError::NotFound("这个号".into()))?;
    let mut slot = ticket_slot(app, &ticket, window)?;
    // The case the ticket led to names the applicant (told the result of a 差评); the staff never see it.
    if let Some(number) = &slot.case_number {
        slot.applicant_id = app.store.case(number).await?.map(|case| case.applicant_id);
    }
    store(app, SlotRef::New(slot.clone()), &slot, input, RatingChannel::Window).await
}

/// The sweep: every case stage left unrated past its time counts as 基本满意 (marked as defaulted); returns
/// how many.
pub async fn default_overdue(app: &App) -> AppResult<usize> {
    let mut done = 0;
    for slot in app.store.slots_to_default(app.now(), 500).await? {
        let rating = NewRating {
            slot: SlotRef::Existing(slot.id),
            level: Level::DEFAULT,
            channel: RatingChannel::Default,
            indicators: Vec::new(),
            indicator_version: indicators().version,
            comment: String::new(),
            rated_at: app.now(),
            month: month_of(app, slot.slot.default_at.unwrap_or_else(|| app.now())),
            followup: None,
        };
        match app.store.rate(&rating).await {
            Ok(_) => done += 1,
            // Rated at this very moment by the applicant: theirs stands.
            Err(StoreError::Conflict(_)) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(done)
}

//! The follow-up of every 差评 ("谁办理、谁负责"): assigned to the department and the person who served, with
//! the call-back and rectification deadlines of the centre's policy in working days; each step decided by
//! `onetrip_domain::rating::followup::decide` and stored with its event; the result sent to the rater by SMS
//! with a link to rate the fix once. Handlers never see who rated: the matter, the stage, what was said and
//! the rater's phone masked.

use super::links::{self, LinkSubject};
use crate::app::App;
use crate::error::{AppError, AppResult, Conflict};
use chrono::{DateTime, Duration, Utc};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::rating::followup::{decide, Followup, FollowupAction, FollowupActor, FollowupError, FollowupState};
use onetrip_domain::rating::{Level, RatingChannel, Stage};
use onetrip_domain::supervision::{card, warn_at, Card};
use onetrip_store::ratings::{FollowupEvent, FollowupUpdate, NewRatingSlot, RatingRecord};
use onetrip_store::StoreError;

/// `days` working days from `from`, on the centre's calendar (a year without a loaded notice counts its
/// weekends only, as the case limits do).
fn working_due(app: &App, from: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let calendar = app.calendar();
    match calendar.due(app.local_naive(from), days.saturating_mul(2)) {
        Ok(due) => app.utc_of(due),
        Err(_) => from + Duration::days(i64::from(days) * 7 / 5 + 1),
    }
}

/// When a deadline running from `from` to `due` turns yellow.
fn warning(app: &App, from: DateTime<Utc>, due: DateTime<Utc>) -> DateTime<Utc> {
    let calendar = app.calendar();
    match warn_at(&calendar, app.local_naive(from), app.local_naive(due), app.config.warn_share) {
        Ok(warn) => app.utc_of(warn),
        Err(_) => due,
    }
}

/// The follow-up a 差评 of `slot` opens at `now`, with its first warning instant.
pub(crate) fn open_followup(
    app: &App,
    slot: &NewRatingSlot,
    now: DateTime<Utc>,
) -> AppResult<(Followup, DateTime<Utc>)> {
    let policy = &app.config.ratings;
    let callback_due = working_due(app, now, policy.callback_working_days);
    let followup = Followup {
        rating_id: 0,
        department: slot.department.clone(),
        assignee: slot.staff.clone(),
        state: FollowupState::Open,
        opened_at: now,
        callback_due,
        rectify_due: working_due(app, now, policy.rectify_working_days),
        called_back_at: None,
        callback_note: String::new(),
        outcome: None,
        outcome_note: String::new(),
        ledger_due: None,
        resolved_at: None,
        excluded: false,
        review_note: String::new(),
        reviewed_by: None,
        fix_level: None,
        fix_at: None,
        revision: 1,
    };
    Ok((followup, warning(app, now, callback_due)))
}

pub(crate) async fn load(app: &App, rating_id: i64) -> AppResult<Followup> {
    app.store.followup(rating_id).await?.ok_or_else(|| AppError::NotFound("这条差评".to_string()))
}

/// What the rater is told of the outcome.
pub(crate) fn result_text(followup: &Followup) -> String {
    match (followup.excluded, followup.outcome) {
        (true, _) => format!("申诉复核：{}", followup.review_note),
        (false, Some(outcome)) => format!("{}：{}", outcome.label(), followup.outcome_note),
        (false, None) => "正在处理".to_string(),
    }
}

/// Who `actor` is to follow-ups of `department`: its staff, a manager (acting for any department), or
/// nobody.
fn role_of(actor: &Actor, department: &str) -> AppResult<FollowupActor> {
    if actor.may(Permission::Supervise) {
        Ok(FollowupActor::Department { manager: true })
    } else if actor.username().is_some() && actor.department.as_deref() == Some(department) {
        Ok(FollowupActor::Department { manager: false })
    } else {
        Err(AppError::Forbidden)
    }
}

/// A follow-up as its handlers see it.
#[derive(Debug, Clone)]
pub struct FollowupView {
    pub followup: Followup,
    pub level: Level,
    pub stage: Stage,
    pub channel: RatingChannel,
    /// The names of the indicators the 差评 named.
    pub indicators: Vec<String>,
    pub comment: String,
    pub rated_at: DateTime<Utc>,
    pub matter_name: String,
    pub department_name: String,
    pub window_code: Option<String>,
    /// The rater's phone, masked; empty when the rating was anonymous (a window without a case).
    pub rater_phone: String,
    pub card: Card,
    pub events: Vec<FollowupEvent>,
}

/// The current deadline's yellow and red instants: it runs from the call-back (or, while open, from the
/// rating) to the deadline that counts now.
fn signals(app: &App, followup: &Followup) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let due = followup.current_deadline()?;
    let from = match followup.state {
        FollowupState::Open => followup.opened_at,
        _ => followup.called_back_at.unwrap_or(followup.opened_at),
    };
    Some((warning(app, from, due), due))
}

fn card_of(app: &App, followup: &Followup) -> Card {
    match signals(app, followup) {
        Some((warn, due)) => card(app.local_naive(app.now()), app.local_naive(warn), app.local_naive(due)),
        None => Card::Green,
    }
}

async fn view(app: &App, followup: Followup, rating: RatingRecord, events: bool) -> AppResult<FollowupView> {
    let catalog = app.catalog();
    let indicators = super::indicators();
    let rater_phone = match rating.slot.slot.applicant_id {
        Some(id) => match app.store.applicant(id).await? {
            Some(applicant) => onetrip_domain::applicant::masked_phone(&applicant.phone),
            None => String::new(),
        },
        None => String::new(),
    };
    let events = if events { app.store.followup_events(followup.rating_id).await? } else { Vec::new() };
    Ok(FollowupView {
        card: card_of(app, &followup),
        level: rating.level,
        stage: rating.slot.slot.stage,
        channel: rating.channel,
        indicators: rating
            .indicators
            .iter()
            .map(|code| indicators.name(rating.slot.slot.service, code).unwrap_or(code).to_string())
            .collect(),
        comment: rating.comment,
        rated_at: rating.rated_at,
        matter_name: catalog.version(&rating.slot.slot.matter_code).map(|v| v.matter.name.clone()).unwrap_or_default(),
        department_name: catalog.department_name(&followup.department).to_string(),
        window_code: rating.slot.slot.window_code,
        rater_phone,
        events,
        followup,
    })
}

/// The follow-ups `actor` handles (a manager: all; staff: their department's), open ones first by deadline.
pub async fn list(app: &App, actor: &Actor, open_only: bool) -> AppResult<Vec<FollowupView>> {
    let department = if actor.may(Permission::Supervise) {
        None
    } else {
        match (actor.username(), actor.department.as_deref()) {
            (Some(_), Some(department)) => Some(department.to_string()),
            _ => return Err(AppError::Forbidden),
        }
    };
    let mut views = Vec::new();
    for (followup, rating) in app.store.followups(department.as_deref(), open_only, 200).await? {
        views.push(view(app, followup, rating, false).await?);
    }
    Ok(views)
}

/// One follow-up with its history.
pub async fn one(app: &App, actor: &Actor, rating_id: i64) -> AppResult<FollowupView> {
    let followup = load(app, rating_id).await?;
    role_of(actor, &followup.department)?;
    let rating = app.store.rating(rating_id).await?.ok_or_else(|| AppError::NotFound("这条差评".to_string()))?;
    view(app, followup, rating, true).await
}

impl From<FollowupError> for AppError {
    fn from(error: FollowupError) -> Self {
        match error {
            FollowupError::Invalid(errors) => Self::Validation(errors),
            FollowupError::NotInState(message) => Self::Conflict(Conflict::FollowupNotInState, message),
            FollowupError::Forbidden => Self::Forbidden,
        }
    }
}

/// Does `action` to the follow-up of rating `rating_id` as `actor`; `expected_revision` guards against
/// acting on a follow-up someone changed since it was shown.
pub async fn act(
    app: &App,
    actor: &Actor,
    rating_id: i64,
    action: FollowupAction,
    expected_revision: Option<i64>,
) -> AppResult<Followup> {
    let followup = load(app, rating_id).await?;
    let role = role_of(actor, &followup.department)?;
    if let FollowupAction::Resolve { ledger_due: Some(due), .. } = &action {
        if *due > followup.rectify_due {
            return Err(AppError::field(
                "ledger_due",
                format!("整改完成日期不能晚于整改期限 {}", app.local(followup.rectify_due).format("%Y-%m-%d")),
            ));
        }
    }
    let mut change = decide(&followup, &action, &role, app.now())?;
    if matches!(action, FollowupAction::ReviewAppeal { .. }) {
        change.followup.reviewed_by = Some(actor.name.clone());
    }
    let event = FollowupEvent {
        at: app.now(),
        actor: actor.name.clone(),
        action: action_code(&action).to_string(),
        detail: action_detail(&action),
    };
    store_change(app, &followup, change.followup.clone(), change.tell_rater, &event, expected_revision).await?;
    Ok(change.followup)
}

fn action_code(action: &FollowupAction) -> &'static str {
    match action {
        FollowupAction::CallBack { .. } => "called_back",
        FollowupAction::Resolve { .. } => "resolved",
        FollowupAction::Rectified { .. } => "rectified",
        FollowupAction::ReviewAppeal { exclude: true, .. } => "appeal_excluded",
        FollowupAction::ReviewAppeal { exclude: false, .. } => "appeal_rejected",
        FollowupAction::RateFix { .. } => "fix_rated",
    }
}

fn action_detail(action: &FollowupAction) -> String {
    match action {
        FollowupAction::CallBack { note } | FollowupAction::Rectified { note } => note.trim().to_string(),
        FollowupAction::Resolve { outcome, note, .. } => format!("{}：{}", outcome.label(), note.trim()),
        FollowupAction::ReviewAppeal { note, .. } => note.trim().to_string(),
        FollowupAction::RateFix { level } => level.label().to_string(),
    }
}

async fn store_change(
    app: &App,
    before: &Followup,
    after: Followup,
    tell_rater: Option<String>,
    event: &FollowupEvent,
    expected_revision: Option<i64>,
) -> AppResult<()> {
    let warn_at = signals(app, &after).map(|(warn, _)| warn);
    let mut message = None;
    if let Some(result) = tell_rater {
        let rating = app.store.rating(before.rating_id).await?;
        if let Some((number, applicant)) = match rating.as_ref().and_then(|r| r.slot.slot.case_number.clone()) {
            Some(number) => match rating.as_ref().and_then(|r| r.slot.slot.applicant_id) {
                Some(id) => app.store.applicant(id).await?.map(|applicant| (number, applicant)),
                None => None,
            },
            None => None,
        } {
            let expires = app.now() + Duration::days(i64::from(app.config.ratings.fix_rating_days));
            let token = links::sign(&app.link_key, &LinkSubject::Fix(before.rating_id), expires);
            let body = format!("您的差评已处理。{result}。请为整改结果评价一次：{}", links::url(app, &token));
            message = Some((number, crate::cases::messages::sms(app, &applicant, body)));
        }
    }
    let update = FollowupUpdate {
        expected_revision: expected_revision.unwrap_or(before.revision),
        followup: &after,
        warn_at,
        event,
        notification: message.as_ref().map(|(number, notification)| (number, notification)),
    };
    match app.store.change_followup(&update).await {
        Ok(()) => Ok(()),
        Err(StoreError::RevisionChanged(message)) => Err(AppError::conflict(Conflict::RevisionChanged, message)),
        Err(other) => Err(other.into()),
    }
}

/// The rater's one rating of the fix (追评), through the link of the result's SMS.
pub(crate) async fn rate_fix(app: &App, rating_id: i64, level: Level) -> AppResult<()> {
    let followup = load(app, rating_id).await?;
    let change = decide(&followup, &FollowupAction::RateFix { level }, &FollowupActor::Rater, app.now())?;
    let event = FollowupEvent {
        at: app.now(),
        actor: "评价人".to_string(),
        action: "fix_rated".to_string(),
        detail: level.label().to_string(),
    };
    store_change(app, &followup, change.followup, None, &event, None).await
}

/// Open follow-ups that are yellow or red now, for the supervision page.
pub async fn at_risk(app: &App, actor: &Actor) -> AppResult<Vec<(Followup, Card)>> {
    if !actor.may(Permission::Supervise) {
        return Err(AppError::Forbidden);
    }
    let rows = app.store.followups_at_risk(app.now(), 200).await?;
    Ok(rows
        .into_iter()
        .map(|(followup, _)| {
            let card = card_of(app, &followup);
            (followup, card)
        })
        .collect())
}

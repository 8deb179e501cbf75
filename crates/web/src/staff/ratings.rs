//! 差评 follow-ups on the staff pages: the list of a department's (a manager: every) 差评 with their cards,
//! and one 差评 with its history and the next step — call-back, outcome, rectification done, or a
//! manager's review of an appeal. Nobody here sees who rated: the rater's phone is shown masked.

use crate::error::Error;
use crate::extract::{FormValues, StaffForm, StaffPage};
use crate::layout::Layout;
use crate::links::see_other;
use crate::render::{render, render_with};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, TimeZone};
use onetrip_app::ratings::followups::{self, FollowupView};
use onetrip_app::AppError;
use onetrip_domain::access::Permission;
use onetrip_domain::rating::followup::{FollowupAction, Outcome};
use onetrip_domain::FieldErrors;
use serde::Deserialize;

/// A follow-up as a line of the list or the head of its page.
pub struct FollowupLine {
    pub id: i64,
    pub card: &'static str,
    pub card_label: &'static str,
    pub state: &'static str,
    pub state_label: &'static str,
    pub level: &'static str,
    pub stage: &'static str,
    pub matter: String,
    pub department: String,
    pub window: String,
    pub indicators: String,
    pub comment: String,
    pub rated_at: String,
    pub deadline: String,
    pub rater_phone: String,
    pub outcome: String,
    pub revision: i64,
}

fn line(state: &AppState, view: &FollowupView) -> FollowupLine {
    let followup = &view.followup;
    let when = |at| state.local(at).format("%Y-%m-%d %H:%M").to_string();
    FollowupLine {
        id: followup.rating_id,
        card: view.card.code(),
        card_label: view.card.label(),
        state: followup.state.code(),
        state_label: followup.state.label(),
        level: view.level.label(),
        stage: view.stage.label(),
        matter: view.matter_name.clone(),
        department: view.department_name.clone(),
        window: view.window_code.clone().unwrap_or_default(),
        indicators: view.indicators.join("、"),
        comment: view.comment.clone(),
        rated_at: when(view.rated_at),
        deadline: followup.current_deadline().map(when).unwrap_or_default(),
        rater_phone: view.rater_phone.clone(),
        outcome: match (followup.excluded, followup.outcome) {
            (true, _) => format!("申诉复核：已剔除（{}）", followup.review_note),
            (false, Some(outcome)) => format!("{}：{}", outcome.label(), followup.outcome_note),
            (false, None) => String::new(),
        },
        revision: followup.revision,
    }
}

#[derive(Template)]
#[template(path = "staff_followups.html")]
struct FollowupsPage {
    layout: Layout,
    lines: Vec<FollowupLine>,
    all: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    all: Option<String>,
}

/// `GET /staff/ratings`: the 差评 to follow up, the earliest deadline first (`?all=1`: also the finished).
pub async fn followups(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
    StaffPage(staff): StaffPage,
) -> Result<Response, Error> {
    let all = query.all.is_some();
    let views = followups::list(&state.app, &staff.actor, !all).await?;
    render(&FollowupsPage {
        layout: Layout::new(&state, Some(&staff)),
        lines: views.iter().map(|view| line(&state, view)).collect(),
        all,
    })
}

#[derive(Template)]
#[template(path = "staff_followup.html")]
struct FollowupPage {
    layout: Layout,
    csrf_token: String,
    line: FollowupLine,
    /// (time, who, what)
    history: Vec<(String, String, String)>,
    manager: bool,
    outcomes: Vec<(&'static str, &'static str)>,
    errors: Vec<(String, String)>,
    note: String,
}

async fn followup_page(
    state: &AppState,
    staff: &crate::auth::Staff,
    id: i64,
    errors: &FieldErrors,
    note: &str,
) -> Result<Response, Error> {
    let view = followups::one(&state.app, &staff.actor, id).await?;
    let page = FollowupPage {
        layout: Layout::new(state, Some(staff)),
        csrf_token: staff.csrf_token.clone(),
        history: view
            .events
            .iter()
            .map(|event| {
                (
                    state.local(event.at).format("%Y-%m-%d %H:%M").to_string(),
                    event.actor.clone(),
                    event_words(&event.action, &event.detail),
                )
            })
            .collect(),
        line: line(state, &view),
        manager: staff.actor.may(Permission::Supervise),
        outcomes: Outcome::ALL.iter().map(|outcome| (outcome.code(), outcome.label())).collect(),
        errors: crate::extract::listed(errors),
        note: note.to_string(),
    };
    if errors.is_empty() {
        render(&page)
    } else {
        render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

fn event_words(action: &str, detail: &str) -> String {
    let what = match action {
        "assigned" => "差评已分派（谁办理、谁负责）",
        "called_back" => "已回访",
        "resolved" => "登记处理结果",
        "rectified" => "整改完成",
        "appeal_excluded" => "申诉复核：剔除",
        "appeal_rejected" => "申诉复核：评价有效",
        "fix_rated" => "评价人追评",
        other => other,
    };
    if detail.is_empty() || action == "assigned" {
        what.to_string()
    } else {
        format!("{what}：{detail}")
    }
}

/// `GET /staff/ratings/{id}`.
pub async fn followup(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffPage(staff): StaffPage,
) -> Result<Response, Error> {
    followup_page(&state, &staff, id, &FieldErrors::default(), "").await
}

/// The end of a local date as an instant (a 限期整改 due date means "by the end of that day").
fn end_of_day(state: &AppState, text: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::field("ledger_due", "整改完成日期请写成 2026-12-31 这样的格式"))?;
    let local = date.and_hms_opt(23, 59, 59).unwrap_or_default();
    Ok(state.app.config.utc_offset.from_local_datetime(&local).single().map(|at| at.with_timezone(&chrono::Utc)))
}

fn action_of(state: &AppState, values: &FormValues) -> Result<FollowupAction, AppError> {
    let note = values.get("note").to_string();
    Ok(match values.get("action") {
        "call_back" => FollowupAction::CallBack { note },
        "resolve" => FollowupAction::Resolve {
            outcome: Outcome::parse(values.get("outcome"))
                .ok_or_else(|| AppError::field("outcome", "请选择处理方式：立行立改、限期整改、解释说明或申诉复核"))?,
            note,
            ledger_due: end_of_day(state, values.get("ledger_due"))?,
        },
        "rectified" => FollowupAction::Rectified { note },
        "review" => FollowupAction::ReviewAppeal { exclude: values.get("exclude") == "1", note },
        _ => return Err(AppError::field("action", "未知的操作")),
    })
}

/// `POST /staff/ratings/{id}`: the next step of a follow-up.
pub async fn followup_action(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, values): StaffForm<FormValues>,
) -> Result<Response, Error> {
    let revision = values.get("revision").parse::<i64>().ok();
    let outcome = match action_of(&state, &values) {
        Ok(action) => followups::act(&state.app, &staff.actor, id, action, revision).await.map(|_| ()),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/staff/ratings/{id}"))),
        Err(AppError::Validation(errors)) => followup_page(&state, &staff, id, &errors, values.get("note")).await,
        Err(other) => Err(other.into()),
    }
}

//! Staff posted at windows for a term (窗口人员安排): a window with posts takes only its posted staff, and
//! posted staff sign in at their own windows; a post ended before its term needs a reason, on record.

use super::require;
use crate::app::App;
use crate::error::{AppError, AppResult, Conflict};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::FieldErrors;
use onetrip_store::hall::Assignment;
use onetrip_store::StoreError;

/// What the hall manager fills in to post someone at a window.
#[derive(Debug, Clone, Default)]
pub struct AssignRequest {
    pub window: String,
    pub username: String,
    /// `YYYY-MM-DD`; today when empty.
    pub starts: String,
    /// `YYYY-MM-DD`; a year after `starts` when empty.
    pub ends: String,
}

/// Checks that `username` may be posted at `window`; returns the window's code.
async fn check_post(app: &App, window: &str, username: &str) -> Result<String, FieldErrors> {
    let catalog = app.catalog();
    let mut errors = FieldErrors::default();
    let window = catalog.hall.window(window.trim());
    if window.is_none() {
        errors.add("window", "没有这个窗口");
    }
    let user = crate::accounts::staff::enabled_user(app, username.trim()).await.ok().flatten();
    match (&user, window) {
        (None, _) => errors.add("username", "没有这个工作人员账号（或已停用）"),
        (Some(user), _) if !onetrip_domain::access::allows(&user.roles, Permission::ServeAtWindow) => {
            errors.add("username", "这个账号不是窗口人员（window_staff）")
        }
        (Some(user), Some(window)) => {
            if let Some(department) = &user.department {
                if !window.departments.is_empty() && !window.departments.contains(department) {
                    errors.add("window", format!("{} 号窗口不收这个工作人员所在部门的事项", window.code));
                }
            }
        }
        _ => {}
    }
    match window {
        Some(window) if errors.is_empty() => Ok(window.code.clone()),
        _ => Err(errors),
    }
}

/// Posts a member of window staff at a window for a term (a year unless said otherwise).
pub async fn assign(app: &App, actor: &Actor, request: &AssignRequest) -> AppResult<Assignment> {
    require(actor, Permission::ManageHall)?;
    let mut errors = match check_post(app, &request.window, &request.username).await {
        Ok(_) => FieldErrors::default(),
        Err(errors) => errors,
    };
    let today = app.today();
    let starts = match request.starts.trim() {
        "" => Some(today),
        text => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
    };
    let Some(starts) = starts else {
        errors.add("starts", "开始日期写成 2027-01-01 这样");
        return Err(AppError::Validation(errors));
    };
    let default_end = starts.checked_add_months(chrono::Months::new(12)).map(|day| day - chrono::Duration::days(1));
    let ends = match request.ends.trim() {
        "" => default_end,
        text => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
    };
    match ends {
        None => errors.add("ends", "结束日期写成 2027-12-31 这样，不填就是一年"),
        Some(ends) if ends < starts => errors.add("ends", "结束日期不能早于开始日期"),
        Some(ends) if ends > starts + chrono::Duration::days(3 * 366) => errors.add("ends", "一次最多安排三年"),
        Some(_) => {}
    }
    if starts < today {
        errors.add("starts", "开始日期不能是过去的日子");
    }
    let Some(ends) = ends.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let assignment = Assignment {
        id: 0,
        window_code: request.window.trim().to_string(),
        username: request.username.trim().to_string(),
        starts,
        ends,
        assigned_by: actor.audit_name().to_string(),
        assigned_at: app.now(),
        ended_at: None,
        ended_by: None,
        end_reason: None,
    };
    let id = app.store.assign(&assignment).await?;
    crate::audit::record(
        app,
        actor,
        "hall.assign",
        &assignment.window_code,
        format!("{} {}–{}", assignment.username, starts, ends),
    )
    .await?;
    Ok(Assignment { id, ..assignment })
}

/// Ends an assignment before its term, with the hall manager's reason; with `move_to`, the person is posted
/// at that window for the rest of the term in the same step.
pub async fn end_assignment(app: &App, actor: &Actor, id: i64, reason: &str, move_to: &str) -> AppResult<()> {
    require(actor, Permission::ManageHall)?;
    let reason = reason.trim();
    let mut errors = FieldErrors::default();
    if reason.chars().count() < 2 || reason.chars().count() > 500 {
        errors.add("reason", "提前调整或撤回须写明原因（2–500 字）");
    }
    let today = app.today();
    let current = app.store.assignments(today).await?.into_iter().find(|assignment| assignment.id == id);
    let Some(current) = current else {
        return Err(AppError::NotFound("这项在岗安排".to_string()));
    };
    let then = if move_to.trim().is_empty() {
        None
    } else {
        match check_post(app, move_to, &current.username).await {
            Ok(window) if window == current.window_code => {
                errors.add("move_to", "调到的窗口与原窗口相同");
                None
            }
            Ok(window) => Some(Assignment {
                window_code: window,
                starts: today.max(current.starts),
                assigned_by: actor.audit_name().to_string(),
                assigned_at: app.now(),
                ..current.clone()
            }),
            Err(problems) => {
                for (field, messages) in problems.iter() {
                    for message in messages {
                        errors.add(if field == "window" { "move_to" } else { field }, message.clone());
                    }
                }
                None
            }
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    match app.store.end_assignment(id, actor.audit_name(), reason, app.now(), then.as_ref()).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => {
            return Err(AppError::conflict(Conflict::RevisionChanged, "这项安排刚被调整过，请刷新"))
        }
        Err(other) => return Err(other.into()),
    }
    let detail = match &then {
        Some(next) => format!("{} 调到 {}：{reason}", current.username, next.window_code),
        None => format!("{} 撤回：{reason}", current.username),
    };
    crate::audit::record(app, actor, "hall.assignment_end", &current.window_code, detail).await?;
    Ok(())
}

/// Whether the posts allow `username` to sign in at `window` today: a window with posts takes only its
/// posted staff, and posted staff sign in at their own windows.
pub(super) async fn check_posted(app: &App, window: &str, username: &str) -> AppResult<()> {
    let today = app.today();
    let posts: Vec<Assignment> =
        app.store.assignments(today).await?.into_iter().filter(|assignment| assignment.current(today)).collect();
    let mine: Vec<&str> =
        posts.iter().filter(|post| post.username == username).map(|post| post.window_code.as_str()).collect();
    if !mine.is_empty() && !mine.contains(&window) {
        return Err(AppError::conflict(
            Conflict::NotPosted,
            format!("您被安排在 {} 号窗口，请到那里上岗", mine.join("、")),
        ));
    }
    if mine.is_empty() && posts.iter().any(|post| post.window_code == window) {
        return Err(AppError::conflict(
            Conflict::NotPosted,
            format!("{window} 号窗口有安排好的工作人员，您没有被安排在这里"),
        ));
    }
    Ok(())
}

/// A post with the posted person's name, for the assignments page and the API.
pub struct Post {
    pub assignment: Assignment,
    pub display_name: String,
}

/// The posts not ended whose term reaches today or later (hall managers).
pub async fn assignments(app: &App, actor: &Actor) -> AppResult<Vec<Post>> {
    require(actor, Permission::ManageHall)?;
    let mut posts = Vec::new();
    for assignment in app.store.assignments(app.today()).await? {
        let display_name =
            app.store.user_by_username(&assignment.username).await?.map(|user| user.display_name).unwrap_or_default();
        posts.push(Post { assignment, display_name });
    }
    Ok(posts)
}

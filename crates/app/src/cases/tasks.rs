//! The reviewers' inbox index: one row per review task, rewritten with every change of the review, so that
//! a department's inbox and the supervision page read an index instead of every case's document.

use crate::app::App;
use onetrip_domain::calendar::Calendar;
use onetrip_domain::review::{Review, TaskState};
use onetrip_domain::supervision;
use onetrip_store::CaseTask;

pub(crate) fn task_rows(app: &App, calendar: &Calendar, review: &Review) -> Vec<CaseTask> {
    review
        .tasks
        .iter()
        .enumerate()
        .map(|(index, task)| CaseTask {
            task: u32::try_from(index).unwrap_or(u32::MAX),
            department: task.department.clone(),
            name: task.name.clone(),
            state: match task.state {
                TaskState::Waiting => "waiting",
                TaskState::Open => "open",
                TaskState::Done => "done",
            }
            .to_string(),
            due_at: task.due.map(|due| app.utc_of(due)),
            warn_at: match (task.opened_at, task.due) {
                (Some(opened), Some(due)) => {
                    supervision::warn_at(calendar, opened, due, app.config.warn_share).ok().map(|warn| app.utc_of(warn))
                }
                _ => None,
            },
        })
        .collect()
}

//! The API's own response types: what a client reads, made from the application layer's values and never
//! from a stored document, so that the storage format can change without breaking a departmental system.

use crate::state::AppState;
use chrono::{DateTime, Utc};
use onetrip_app::cases::{CaseDetails, Progress};
use onetrip_app::hall::{HallLive, HallPlan, Post, TicketView};
use onetrip_app::records::{Applicant, CaseEvent};
use onetrip_domain::case::{Case, DeliveryMethod, Phase};
use onetrip_domain::catalog::StepKind;
use onetrip_domain::clock::CaseClock;
use onetrip_domain::queue::TicketState;
use onetrip_domain::review::{Outcome, Review, TaskState};
use serde::Serialize;
use utoipa::ToSchema;

fn instant(state: &AppState, at: DateTime<Utc>) -> String {
    state.local(at).to_rfc3339()
}

/// The applicant of a case, the identity number masked.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CaseApplicant)]
pub struct ApiApplicant {
    pub kind: &'static str,
    pub name: String,
    pub id_number: String,
}

/// One review task of a case.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ReviewTask)]
pub struct ApiTask {
    /// 环节在 review.tasks 中的位置，审查操作用它指明环节
    pub task: usize,
    pub step: usize,
    pub name: String,
    pub kind: StepKind,
    pub stage: u16,
    pub department: String,
    /// waiting（未轮到）、open（待办）或 done（已办）
    pub state: &'static str,
    #[schema(required = true)]
    pub opened_at: Option<String>,
    #[schema(required = true)]
    pub due: Option<String>,
    #[schema(required = true)]
    pub approved_by: Option<String>,
    #[schema(required = true)]
    pub refusal_proposed: Option<String>,
    pub sign_offs_required: u8,
    pub signed_by: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Review)]
pub struct ApiReview {
    pub tasks: Vec<ApiTask>,
    /// null while undecided.
    #[schema(required = true)]
    pub outcome: Option<ApiOutcome>,
}

/// The decision: `granted`, or `refused` with the reasons.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ReviewOutcome)]
pub struct ApiOutcome {
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasons: Option<String>,
}

impl ApiReview {
    fn of(review: &Review) -> Self {
        Self {
            tasks: review
                .tasks
                .iter()
                .enumerate()
                .map(|(index, task)| ApiTask {
                    task: index,
                    step: task.step,
                    name: task.name.clone(),
                    kind: task.kind,
                    stage: task.stage,
                    department: task.department.clone(),
                    state: match task.state {
                        TaskState::Waiting => "waiting",
                        TaskState::Open => "open",
                        TaskState::Done => "done",
                    },
                    opened_at: task.opened_at.map(local),
                    due: task.due.map(local),
                    approved_by: task.approved_by.clone(),
                    refusal_proposed: task.refusal_proposed.clone(),
                    sign_offs_required: task.sign_offs_required,
                    signed_by: task.signed_by.clone(),
                })
                .collect(),
            outcome: review.outcome.as_ref().map(|outcome| match outcome {
                Outcome::Granted => ApiOutcome { outcome: "granted", reasons: None },
                Outcome::Refused { reasons } => ApiOutcome { outcome: "refused", reasons: Some(reasons.clone()) },
            }),
        }
    }
}

/// The clock of a case: special procedures that stopped it, and extensions of the limit.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CaseClock)]
pub struct ApiClock {
    pub pauses: Vec<ApiPause>,
    pub extensions: Vec<ApiExtension>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ClockPause)]
pub struct ApiPause {
    pub procedure: String,
    pub reason: String,
    pub by: String,
    pub from: String,
    /// null while the procedure lasts.
    #[schema(required = true)]
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ClockExtension)]
pub struct ApiExtension {
    pub working_days: u32,
    pub reason: String,
    pub approved_by: String,
    pub at: String,
}

fn local(at: chrono::NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

impl ApiClock {
    fn of(clock: &CaseClock) -> Self {
        Self {
            pauses: clock
                .pauses
                .iter()
                .map(|pause| ApiPause {
                    procedure: pause.procedure.clone(),
                    reason: pause.reason.clone(),
                    by: pause.by.clone(),
                    from: local(pause.from),
                    to: pause.to.map(local),
                })
                .collect(),
            extensions: clock
                .extensions
                .iter()
                .map(|extension| ApiExtension {
                    working_days: extension.working_days,
                    reason: extension.reason.clone(),
                    approved_by: extension.approved_by.clone(),
                    at: local(extension.at),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Delivery)]
pub struct ApiDelivery {
    pub method: &'static str,
    pub tracking_number: String,
    pub results: Vec<String>,
    pub at: String,
    pub by: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CorrectionItem)]
pub struct ApiProblem {
    pub material: usize,
    pub name: String,
    pub problem: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CaseEvent)]
pub struct ApiEvent {
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub from: String,
    pub to: String,
    pub detail: String,
}

/// A case as the API shows it to staff.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Case)]
pub struct ApiCase {
    pub number: String,
    pub matter_code: String,
    pub matter_version: u32,
    pub department: String,
    /// 收件渠道
    pub channel: &'static str,
    pub phase: Phase,
    pub phase_label: &'static str,
    /// 修订号：每次变更加一，受理决定可带 expected_revision 防止覆盖他人的处理
    pub revision: i64,
    pub corrections: u32,
    #[schema(format = DateTime)]
    pub received_at: String,
    #[schema(required = true, format = DateTime)]
    pub accepted_at: Option<String>,
    #[schema(required = true, format = DateTime)]
    pub due_at: Option<String>,
    /// 届满时刻跨越的、节假日安排尚未载入的年份在内时说明：届满时刻按常规周末暂算，载入后重算；否则不出现
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub due_provisional: Option<String>,
    /// 亮黄牌的时刻
    #[schema(required = true, format = DateTime)]
    pub warn_at: Option<String>,
    #[schema(required = true)]
    pub applicant: Option<ApiApplicant>,
    /// Per material of the matter's list: `provided`, `missing`, `deferred` or `pledged`.
    pub supplied: Vec<onetrip_domain::acceptance::Supplied>,
    /// 按材料顺序，每份材料的文件编号；GET /api/v1/cases/{number}/files/{id} 取文件内容
    pub files: Vec<Vec<String>>,
    pub correction_notice: Vec<ApiProblem>,
    #[schema(required = true)]
    pub review: Option<ApiReview>,
    pub clock: ApiClock,
    #[schema(required = true)]
    pub delivery: Option<ApiDelivery>,
    /// With `GET /api/v1/cases/{number}` only: every event, oldest first, and the trips to the hall.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<ApiEvent>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trips: Option<usize>,
}

impl ApiCase {
    pub fn of(state: &AppState, case: &Case, applicant: Option<&Applicant>) -> Self {
        let document = &case.document;
        Self {
            number: case.number.to_string(),
            matter_code: case.matter_code.clone(),
            matter_version: case.matter_version,
            department: case.department.clone(),
            channel: case.channel.code(),
            phase: case.phase,
            phase_label: case.phase.label(),
            revision: case.revision,
            corrections: case.corrections,
            received_at: instant(state, case.received_at),
            accepted_at: case.accepted_at.map(|at| instant(state, at)),
            due_at: case.due_at.map(|at| instant(state, at)),
            due_provisional: state.provisional_note(case.received_at, case.due_at),
            warn_at: case.warn_at.map(|at| instant(state, at)),
            applicant: applicant.map(|applicant| ApiApplicant {
                kind: applicant.identity.kind(),
                name: applicant.name.clone(),
                id_number: applicant.identity.shown(),
            }),
            supplied: document.supplied(),
            files: document.materials.iter().map(|material| material.files.clone()).collect(),
            correction_notice: document
                .correction_notice
                .iter()
                .map(|problem| ApiProblem {
                    material: problem.material,
                    name: problem.name.clone(),
                    problem: problem.problem.clone(),
                })
                .collect(),
            review: document.review.as_ref().map(ApiReview::of),
            clock: ApiClock::of(&document.clock),
            delivery: document.delivery.as_ref().map(|delivery| ApiDelivery {
                method: match delivery.method {
                    DeliveryMethod::Pickup => "pickup",
                    DeliveryMethod::Post => "post",
                    DeliveryMethod::Online => "online",
                },
                tracking_number: delivery.tracking_number.clone(),
                results: delivery.results.clone(),
                at: local(delivery.at),
                by: delivery.by.clone(),
            }),
            events: None,
            trips: None,
        }
    }

    /// The case with its events and trips.
    pub fn detailed(state: &AppState, details: &CaseDetails) -> Self {
        let mut case = Self::of(state, &details.case, details.applicant.as_ref());
        case.events = Some(details.events.iter().map(|event| event_of(state, event)).collect());
        case.trips = Some(details.trips.len());
        case
    }
}

fn event_of(state: &AppState, event: &CaseEvent) -> ApiEvent {
    ApiEvent {
        at: instant(state, event.at),
        actor: event.actor.clone(),
        role: event.role.clone(),
        action: event.action.clone(),
        from: event.from_phase.clone(),
        to: event.to_phase.clone(),
        detail: event.detail.clone(),
    }
}

/// What anyone may see of a case, with its number and the last four characters of the applicant's ID.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Progress)]
pub struct ApiProgress {
    pub number: String,
    pub matter: String,
    pub phase: Phase,
    pub phase_label: &'static str,
    /// 本地时间，格式 YYYY-MM-DD HH:MM
    pub received_at: String,
    #[schema(required = true)]
    pub accepted_at: Option<String>,
    #[schema(required = true)]
    pub due_at: Option<String>,
    /// 届满时刻是暂算的（跨越节假日安排尚未载入的年份）时的说明；否则不出现
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub due_provisional: Option<String>,
    pub trips: usize,
    pub steps: Vec<ApiProgressStep>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ProgressStep)]
pub struct ApiProgressStep {
    pub at: String,
    pub action: &'static str,
}

impl ApiProgress {
    pub fn of(state: &AppState, progress: &Progress) -> Self {
        let format = |at: DateTime<Utc>| state.local(at).format("%Y-%m-%d %H:%M").to_string();
        Self {
            number: progress.number.to_string(),
            matter: progress.matter.clone(),
            phase: progress.phase,
            phase_label: progress.phase.label(),
            received_at: format(progress.received_at),
            accepted_at: progress.accepted_at.map(format),
            due_at: progress.due_at.map(format),
            due_provisional: state.provisional_note(progress.received_at, progress.due_at),
            trips: progress.trips,
            steps: progress
                .steps
                .iter()
                .map(|step| ApiProgressStep { at: format(step.at), action: step.label })
                .collect(),
        }
    }
}

/// A ticket as the API shows it (no personal data).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Ticket)]
pub struct ApiTicket {
    pub id: i64,
    pub hall: String,
    pub hall_name: String,
    pub number: String,
    pub zone: String,
    pub zone_name: String,
    pub location: String,
    pub matter: String,
    pub state: TicketState,
    pub state_label: &'static str,
    pub priority_label: &'static str,
    pub issued_at: String,
    pub ahead: usize,
    /// 预计等候分钟数，按现在在岗的窗口数估计；`staffed_windows` 为 0 时无法估计
    pub wait_minutes: u32,
    /// 现在有人在岗、能办这个号的窗口数
    pub staffed_windows: usize,
    pub window: String,
    pub announcement: String,
}

impl ApiTicket {
    pub fn of(ticket: &TicketView) -> Self {
        Self {
            id: ticket.id,
            hall: ticket.hall.clone(),
            hall_name: ticket.hall_name.clone(),
            number: ticket.number.clone(),
            zone: ticket.zone.clone(),
            zone_name: ticket.zone_name.clone(),
            location: ticket.location.clone(),
            matter: ticket.matter.clone(),
            state: ticket.state,
            state_label: ticket.state.label(),
            priority_label: ticket.priority.label(),
            issued_at: ticket.issued.clone(),
            ahead: ticket.ahead,
            wait_minutes: ticket.wait_minutes,
            staffed_windows: ticket.staffed_windows,
            window: ticket.window.clone(),
            announcement: ticket.announcement.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ZoneLive)]
pub struct ApiZoneLive {
    pub code: String,
    pub name: String,
    pub prefix: char,
    pub waiting: usize,
    pub longest_wait: i64,
    #[schema(required = true)]
    pub mean_wait: Option<f64>,
    #[schema(required = true)]
    pub mean_service: Option<f64>,
    pub served: usize,
    pub windows_open: usize,
    pub windows_serving: usize,
    pub windows_empty: usize,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = WindowLive)]
pub struct ApiWindowLive {
    pub code: String,
    pub zone: String,
    pub general: bool,
    pub status: &'static str,
    pub status_label: &'static str,
    pub staff: String,
    pub ticket: String,
    pub served_today: usize,
    pub empty_minutes_today: i64,
}

/// The hall now.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = HallLive)]
pub struct ApiHallLive {
    pub hall: String,
    pub hall_name: String,
    pub zones: Vec<ApiZoneLive>,
    pub windows: Vec<ApiWindowLive>,
    pub empty_posts: usize,
    /// 今天到现在，所有开放窗口无人上岗的办公分钟数之和（窗口·分钟）
    pub empty_minutes_today: i64,
    /// 今天到现在已过的办公分钟数（每个窗口相同）
    pub office_minutes_today: i64,
    /// 开放的窗口数
    pub open_windows: usize,
    /// 平均每个开放窗口今天空岗的分钟数
    pub empty_minutes_per_window: i64,
    /// 开放窗口的办公时间中无人上岗的比例（百分数，一位小数）；还没到办公时间时为 null
    #[schema(required = true)]
    pub empty_share_percent: Option<f64>,
    pub waiting: usize,
}

impl ApiHallLive {
    pub fn of(live: &HallLive) -> Self {
        Self {
            hall: live.hall.clone(),
            hall_name: live.hall_name.clone(),
            zones: live
                .zones
                .iter()
                .map(|zone| ApiZoneLive {
                    code: zone.code.clone(),
                    name: zone.name.clone(),
                    prefix: zone.prefix,
                    waiting: zone.waiting,
                    longest_wait: zone.longest_wait,
                    mean_wait: zone.mean_wait,
                    mean_service: zone.mean_service,
                    served: zone.served,
                    windows_open: zone.windows_open,
                    windows_serving: zone.windows_serving,
                    windows_empty: zone.windows_empty,
                })
                .collect(),
            windows: live
                .windows
                .iter()
                .map(|window| ApiWindowLive {
                    code: window.code.clone(),
                    zone: window.zone.clone(),
                    general: window.general,
                    status: window.status,
                    status_label: window.status_label,
                    staff: window.staff.clone(),
                    ticket: window.ticket.clone(),
                    served_today: window.served_today,
                    empty_minutes_today: window.empty_minutes_today,
                })
                .collect(),
            empty_posts: live.empty_posts,
            empty_minutes_today: live.empty_minutes_today,
            office_minutes_today: live.office_minutes_today,
            open_windows: live.open_windows,
            empty_minutes_per_window: live.empty_minutes_per_window(),
            empty_share_percent: live.empty_share_percent(),
            waiting: live.waiting,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PlanLine)]
pub struct ApiPlanLine {
    pub zone: String,
    pub zone_name: String,
    pub half: &'static str,
    /// 这段时间这个功能区这个时段的取号数；为 0 时没有数据可算，recommended 的 0 不是建议
    pub tickets: usize,
    pub arrivals_per_hour: f64,
    #[schema(required = true)]
    pub mean_service: Option<f64>,
    #[schema(required = true)]
    pub recommended: Option<u32>,
    #[schema(required = true)]
    pub expected_wait: Option<f64>,
    pub windows_open: usize,
    pub staffed_now: usize,
}

/// Window planning of a hall.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = HallPlan)]
pub struct ApiHallPlan {
    pub hall: String,
    pub hall_name: String,
    pub target_wait: f64,
    pub from: String,
    pub to: String,
    pub days: usize,
    pub assumed_service: f64,
    pub lines: Vec<ApiPlanLine>,
}

impl ApiHallPlan {
    pub fn of(plan: &HallPlan) -> Self {
        Self {
            hall: plan.hall.clone(),
            hall_name: plan.hall_name.clone(),
            target_wait: plan.target_wait,
            from: plan.from.clone(),
            to: plan.to.clone(),
            days: plan.days,
            assumed_service: plan.assumed_service,
            lines: plan
                .lines
                .iter()
                .map(|line| ApiPlanLine {
                    zone: line.zone.clone(),
                    zone_name: line.zone_name.clone(),
                    half: line.half,
                    tickets: line.tickets,
                    arrivals_per_hour: line.arrivals_per_hour,
                    mean_service: line.mean_service,
                    recommended: line.recommended,
                    expected_wait: line.expected_wait,
                    windows_open: line.windows_open,
                    staffed_now: line.staffed_now,
                })
                .collect(),
        }
    }
}

/// A post at a window for a term.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Assignment)]
pub struct ApiAssignment {
    pub id: i64,
    pub window: String,
    pub username: String,
    pub starts: String,
    pub ends: String,
    pub assigned_by: String,
}

impl ApiAssignment {
    pub fn of(post: &Post) -> Self {
        let assignment = &post.assignment;
        Self {
            id: assignment.id,
            window: assignment.window_code.clone(),
            username: assignment.username.clone(),
            starts: assignment.starts.to_string(),
            ends: assignment.ends.to_string(),
            assigned_by: assignment.assigned_by.clone(),
        }
    }
}

//! A case as the staff pages, the portal and the printable notices show it: every line formatted from the
//! application layer's `CaseDetails`, with the applicant's identity number masked.

use crate::state::AppState;
use chrono::{DateTime, Utc};
use onetrip_app::cases::CaseDetails;
use onetrip_app::records::SupervisionOrder;
use onetrip_domain::acceptance::Supplied;
use onetrip_domain::actor::Actor;
use onetrip_domain::actor::Channel;
use onetrip_domain::case::action::may_answer;
use onetrip_domain::case::{ActionKind, DeliveryMethod, EventKind, OrderRef, Phase};
use onetrip_domain::catalog::StepKind;
use onetrip_domain::review::{Outcome, TaskState};

/// One material of a case as its pages show it.
pub struct MaterialLine {
    pub index: usize,
    pub name: String,
    pub supplied: &'static str,
    pub files: Vec<(String, String)>,
    /// Supplied through data sharing: “已通过数据共享获取（A 级）：title”, or empty.
    pub shared: String,
}

pub struct TaskLine {
    pub index: usize,
    pub name: String,
    pub kind: &'static str,
    pub department: String,
    pub stage: u16,
    pub state: String,
    pub decide: bool,
    pub due: String,
    /// The asking reviewer may act on it now.
    pub mine: bool,
}

pub struct EventLine {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub detail: String,
}

/// A case applied for in the same bundle: number, compact number, matter, phase.
pub type LinkedCase = (String, String, String, &'static str);

/// A supervision order as pages show it.
pub struct OrderLine {
    pub id: i64,
    pub number: String,
    pub compact: String,
    pub department: String,
    pub instruction: String,
    pub issued: String,
    pub deadline: String,
    pub answer: String,
    pub open: bool,
    pub overdue: bool,
    /// The asking member of staff's department must answer it, and it is open.
    pub answerable: bool,
}

pub struct CaseView {
    pub number: String,
    pub compact: String,
    pub matter: String,
    pub matter_code: String,
    /// How the decision is worded for this matter (准予登记 / 不予登记 …).
    pub decision: onetrip_domain::catalog::DecisionWords,
    pub department: String,
    pub phase_label: &'static str,
    pub channel: String,
    pub applicant_name: String,
    pub applicant_id: String,
    pub received: String,
    pub accepted: String,
    pub due: String,
    /// Why the due instant is provisional (a year without a loaded holiday notice), or empty.
    pub due_note: String,
    pub time_used: String,
    pub time_left: String,
    pub card: &'static str,
    pub card_label: &'static str,
    pub materials: Vec<MaterialLine>,
    pub tasks: Vec<TaskLine>,
    pub events: Vec<EventLine>,
    pub trips: Vec<(String, String)>,
    pub trips_published: u8,
    pub messages: Vec<(String, String)>,
    pub outcome: String,
    pub delivery: String,
    pub postal_supported: bool,
    pub notices: Vec<(&'static str, &'static str)>,
    pub correction_notice: Vec<(String, String)>,
    pub refusal_reasons: String,
    /// Special procedures and extensions, as lines.
    pub clock_notes: Vec<String>,
    pub orders: Vec<OrderLine>,
    /// The bundle's name and its linked cases.
    pub bundle: Option<(String, Vec<LinkedCase>)>,
    pub suspended: bool,
    pub special_procedures: Vec<String>,
    /// The e-licences the case issued: identifier, name, status today.
    pub licences: Vec<(String, String, &'static str)>,
}

pub fn format_instant(state: &AppState, instant: DateTime<Utc>) -> String {
    state.local(instant).format("%Y-%m-%d %H:%M").to_string()
}

/// A material supplied through data sharing, as the window and the applicant read it.
pub fn shared_text(record: &onetrip_domain::case::SharedRecord) -> String {
    let fields: Vec<String> = record.fields.iter().map(|(label, value)| format!("{label}：{value}")).collect();
    let grade = match record.grade.as_str() {
        "A" => "A 级，政府部门签发",
        "B" => "B 级，窗口已核验",
        "C" => "C 级，需核验原件",
        _ => "D 级，申请人自述",
    };
    format!("已通过数据共享获取（{grade}）：{}；{}", record.title, fields.join("；"))
}

pub fn supplied_label(supplied: Supplied) -> &'static str {
    match supplied {
        Supplied::Provided => "已提供",
        Supplied::Missing => "未提供",
        Supplied::Deferred => "容缺后补（已承诺）",
        Supplied::Pledged => "告知承诺",
    }
}

pub fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Online => "网上申请",
        Channel::Window => "窗口收件",
        _ => "部门系统报送",
    }
}

/// Office time as words: "2 个工作日 3 小时".
pub fn working_time_text(minutes: i64, minutes_per_day: i64) -> String {
    let minutes = minutes.max(0);
    let days = minutes / minutes_per_day.max(1);
    let hours = (minutes % minutes_per_day.max(1)) / 60;
    let rest = minutes % 60;
    match (days, hours, rest) {
        (0, 0, rest) => format!("{rest} 分钟"),
        (0, hours, _) => format!("{hours} 小时"),
        (days, 0, _) => format!("{days} 个工作日"),
        (days, hours, _) => format!("{days} 个工作日 {hours} 小时"),
    }
}

pub fn order_line(state: &AppState, order: SupervisionOrder, actor: &Actor) -> OrderLine {
    let format = |instant: DateTime<Utc>| format_instant(state, instant);
    let open = order.answered_at.is_none();
    let reference = OrderRef { id: order.id, department: order.department.clone(), answered: !open };
    OrderLine {
        answerable: may_answer(&reference, actor),
        id: order.id,
        number: order.case_number.to_string(),
        compact: order.case_number.compact(),
        department: state.catalog().department_name(&order.department).to_string(),
        issued: format!("{} {}", format(order.issued_at), order.issued_by),
        deadline: format(order.deadline),
        answer: match (&order.answer, &order.answered_by, order.answered_at) {
            (Some(answer), Some(by), Some(at)) => format!("{answer}（{by}，{}）", format(at)),
            _ => String::new(),
        },
        overdue: open && state.now() > order.deadline,
        open,
        instruction: order.instruction,
    }
}

/// Builds the view of a case.
pub fn case_view(state: &AppState, details: &CaseDetails, actor: &Actor) -> CaseView {
    let case = &details.case;
    let document = &case.document;
    let matter = &details.matter.matter;
    let catalog = state.catalog();
    let format = |instant: DateTime<Utc>| format_instant(state, instant);
    let (time_used, time_left, card) = match &details.timing {
        Some(timing) => {
            let per_day = timing.minutes_per_day;
            let left = if timing.suspended {
                "暂停计时（特别程序中）".to_string()
            } else {
                match timing.overdue_minutes {
                    Some(overdue) => format!("已超期 {}", working_time_text(overdue, per_day)),
                    None => working_time_text(timing.left_minutes, per_day),
                }
            };
            (working_time_text(timing.used_minutes, per_day), left, timing.card)
        }
        None => (String::new(), String::new(), None),
    };
    let materials = matter
        .materials
        .iter()
        .enumerate()
        .map(|(index, material)| {
            let supplied = document.materials.get(index).map(|record| record.supplied).unwrap_or(Supplied::Missing);
            MaterialLine {
                index,
                name: material.name.clone(),
                supplied: supplied_label(supplied),
                files: document
                    .files(index)
                    .iter()
                    .filter_map(|id| details.files.get(id))
                    .map(|file| (file.id.clone(), file.name.clone()))
                    .collect(),
                shared: document
                    .materials
                    .get(index)
                    .and_then(|record| record.shared.as_ref())
                    .map(shared_text)
                    .unwrap_or_default(),
            }
        })
        .collect();
    let tasks: Vec<TaskLine> = document
        .review
        .iter()
        .flat_map(|review| review.tasks.iter().enumerate())
        .map(|(index, task)| TaskLine {
            index,
            name: task.name.clone(),
            kind: task.kind.label(),
            department: catalog.department_name(&task.department).to_string(),
            stage: task.stage,
            state: match task.state {
                TaskState::Waiting => "待前一阶段完成".to_string(),
                TaskState::Open if task.sign_offs_required > 1 => {
                    format!("会签中（{}/{} 人已签）", task.signed_by.len(), task.sign_offs_required)
                }
                TaskState::Open => "办理中".to_string(),
                TaskState::Done if task.refusal_proposed.is_some() => {
                    format!("已办（建议{}）", matter.decision_words().refuse)
                }
                TaskState::Done => "已办结".to_string(),
            },
            decide: task.kind == StepKind::Decide,
            due: task.due.map(|due| due.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default(),
            mine: details.may(ActionKind::Review { task: index }),
        })
        .collect();
    let outcome = match document.review.as_ref().and_then(|review| review.outcome.as_ref()) {
        Some(Outcome::Granted) => format!(
            "{}：{}",
            matter.decision_words().grant,
            matter.results.iter().map(|result| result.name.as_str()).collect::<Vec<_>>().join("、")
        ),
        Some(Outcome::Refused { reasons }) => format!("{}：{reasons}", matter.decision_words().refuse),
        None => String::new(),
    };
    let delivery = document
        .delivery
        .as_ref()
        .map(|delivery| {
            let how = match delivery.method {
                DeliveryMethod::Pickup => "窗口领取".to_string(),
                DeliveryMethod::Post => format!("邮寄，邮件号 {}", delivery.tracking_number),
                DeliveryMethod::Online => "网上下载".to_string(),
            };
            format!("{}：{how}（{}）", delivery.results.join("、"), delivery.at.format("%Y-%m-%d %H:%M"))
        })
        .unwrap_or_default();
    CaseView {
        number: case.number.to_string(),
        compact: case.number.compact(),
        matter: matter.name.clone(),
        matter_code: matter.code.clone(),
        decision: matter.decision_words(),
        department: catalog.department_name(&case.department).to_string(),
        phase_label: case.phase.label(),
        channel: match &document.assisted_by {
            Some(helper) => format!("网上申请（窗口 {helper} 帮办）"),
            None => channel_label(case.channel).to_string(),
        },
        applicant_name: details.applicant.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
        applicant_id: details.applicant.as_ref().map(|a| a.identity.shown()).unwrap_or_default(),
        received: format(case.received_at),
        accepted: case.accepted_at.map(format).unwrap_or_default(),
        due: case.due_at.map(format).unwrap_or_default(),
        due_note: state.provisional_note(case.received_at, case.due_at).unwrap_or_default(),
        time_used,
        time_left,
        card: card.map(onetrip_domain::supervision::Card::code).unwrap_or(""),
        card_label: card.map(onetrip_domain::supervision::Card::label).unwrap_or(""),
        materials,
        tasks,
        events: details
            .events
            .iter()
            .map(|event| EventLine {
                at: format(event.at),
                actor: event.actor.clone(),
                action: EventKind::label_of(&event.action),
                detail: event.detail.clone(),
            })
            .collect(),
        trips: details.trips.iter().map(|(at, reason)| (format(*at), reason.clone())).collect(),
        trips_published: matter.trips_required,
        messages: details
            .notifications
            .iter()
            .map(|message| (format(message.created_at), message.notification.body.clone()))
            .collect(),
        outcome,
        delivery,
        postal_supported: matter.postal_supported,
        notices: onetrip_app::cases::notices_of(case),
        correction_notice: document
            .correction_notice
            .iter()
            .map(|problem| (problem.name.clone(), problem.problem.clone()))
            .collect(),
        refusal_reasons: document.refusal_reasons.clone(),
        clock_notes: document
            .clock
            .pauses
            .iter()
            .map(|pause| match pause.to {
                Some(to) => format!(
                    "{}（{}）：{} 至 {}，不计入时限",
                    pause.procedure,
                    pause.reason,
                    pause.from.format("%Y-%m-%d %H:%M"),
                    to.format("%Y-%m-%d %H:%M")
                ),
                None => format!(
                    "{}（{}）：{} 起，进行中",
                    pause.procedure,
                    pause.reason,
                    pause.from.format("%Y-%m-%d %H:%M")
                ),
            })
            .chain(document.clock.extensions.iter().map(|extension| {
                format!(
                    "延长 {} 个工作日：{}（{}批准，{}）",
                    extension.working_days,
                    extension.reason,
                    extension.approved_by,
                    extension.at.format("%Y-%m-%d")
                )
            }))
            .collect(),
        orders: details.orders.iter().cloned().map(|order| order_line(state, order, actor)).collect(),
        bundle: document.bundle.as_ref().map(|link| {
            (
                link.name.clone(),
                details
                    .linked
                    .iter()
                    .map(|other| {
                        (
                            other.number.to_string(),
                            other.number.compact(),
                            catalog.matter_name(&other.matter_code),
                            other.phase.label(),
                        )
                    })
                    .collect(),
            )
        }),
        suspended: case.phase == Phase::Suspended,
        special_procedures: matter.special_procedures.iter().map(|procedure| procedure.name.clone()).collect(),
        licences: details
            .licences
            .iter()
            .map(|stored| {
                let licence = &stored.licence;
                (licence.id.to_string(), licence.name.clone(), licence.status_on(state.app.today()).label())
            })
            .collect(),
    }
}

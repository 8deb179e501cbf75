//! What the applicant is told, by SMS, in the same transaction as the change it announces: the words of
//! each [`Notice`] a decision gives.

use crate::app::App;
use onetrip_domain::case::Notice;
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::catalog::Matter;
use onetrip_store::{Applicant, Notification};

/// A text message to the applicant's phone, signed with the centre's name.
pub fn sms(app: &App, applicant: &Applicant, text: String) -> Notification {
    Notification {
        channel: "sms".to_string(),
        recipient: applicant.phone.clone(),
        body: format!("【{}】{text}", app.config.centre_name),
    }
}

fn when(instant: chrono::NaiveDateTime) -> String {
    instant.format("%Y年%m月%d日 %H:%M").to_string()
}

/// The words of a notice about case `number` of `matter`.
pub fn words(notice: &Notice, number: &CaseNumber, matter: &Matter) -> String {
    let name = &matter.name;
    match notice {
        Notice::CorrectionNeeded { materials } => format!(
            "办件 {number}（{name}）需要补正以下材料：{}。请一次补齐；网上申请的可在“我的办件”中上传。",
            materials.join("、")
        ),
        Notice::Accepted { due } => format!("办件 {number}（{name}）已受理，承诺 {} 前办结。", when(*due)),
        Notice::RefusedToAccept { reasons } => format!(
            "办件 {number}（{name}）不予受理，理由：{reasons}。可凭不予受理决定书依法申请行政复议或提起行政诉讼。"
        ),
        Notice::Granted => {
            format!(
                "办件 {number}（{name}）已审批通过，{}。结果送达方式以窗口通知为准，也可在“我的办件”查看。",
                matter.decision_words().grant
            )
        }
        Notice::Refused { reasons } => {
            format!(
                "办件 {number}（{name}）决定{}，理由：{reasons}。可依法申请行政复议或提起行政诉讼。",
                matter.decision_words().refuse
            )
        }
        Notice::Paused { procedure, reason } => {
            format!("办件 {number}（{name}）需进行{procedure}（{reason}），所需时间不计入办理时限，结束后恢复计时。")
        }
        Notice::Resumed { due } => {
            format!("办件 {number}（{name}）特别程序已结束，恢复计时，承诺办结时间为 {}。", when(*due))
        }
        Notice::Extended { working_days, reason, due } => format!(
            "办件 {number}（{name}）经批准延长 {working_days} 个工作日（{reason}），承诺办结时间为 {}。",
            when(*due)
        ),
        Notice::Delivered { results, how } => {
            format!("办件 {number}（{name}）已办结，{}已{how}送达。", results.join("、"))
        }
    }
}

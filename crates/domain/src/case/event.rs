//! The kinds of event a case records, one per change: stored by code in `case_events.action`, shown by
//! label on the public progress page.

/// What happened to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Submit,
    CorrectionNotice,
    Corrected,
    Accept,
    RefuseToAccept,
    AcceptByLaw,
    Approve,
    ProposeRefusal,
    Return,
    Decide,
    Pause,
    Resume,
    Extend,
    Deliver,
    Supervise,
    SupervisionAnswer,
    /// The limits counted again after a holiday notice was loaded.
    Recount,
}

impl EventKind {
    pub const ALL: [EventKind; 17] = [
        Self::Submit,
        Self::CorrectionNotice,
        Self::Corrected,
        Self::Accept,
        Self::RefuseToAccept,
        Self::AcceptByLaw,
        Self::Approve,
        Self::ProposeRefusal,
        Self::Return,
        Self::Decide,
        Self::Pause,
        Self::Resume,
        Self::Extend,
        Self::Deliver,
        Self::Supervise,
        Self::SupervisionAnswer,
        Self::Recount,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::CorrectionNotice => "correction_notice",
            Self::Corrected => "corrected",
            Self::Accept => "accept",
            Self::RefuseToAccept => "refuse_to_accept",
            Self::AcceptByLaw => "accept_by_law",
            Self::Approve => "approve",
            Self::ProposeRefusal => "propose_refusal",
            Self::Return => "return",
            Self::Decide => "decide",
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Extend => "extend",
            Self::Deliver => "deliver",
            Self::Supervise => "supervise",
            Self::SupervisionAnswer => "supervision_answer",
            Self::Recount => "recount",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }

    /// What the public progress page says happened.
    pub fn label(self) -> &'static str {
        match self {
            Self::Submit => "收件",
            Self::CorrectionNotice => "一次性告知补正",
            Self::Corrected => "补正材料已收",
            Self::Accept => "受理",
            Self::RefuseToAccept => "不予受理",
            Self::Approve => "审查通过",
            Self::Return => "退回补充审查",
            Self::ProposeRefusal => "审查意见：建议作出不予决定",
            Self::Decide => "作出决定",
            Self::AcceptByLaw => "依法视为受理（五个工作日内未作决定）",
            Self::Pause => "特别程序，暂停计时",
            Self::Supervise => "电子监察督办",
            Self::SupervisionAnswer => "督办回复",
            Self::Resume => "特别程序结束，恢复计时",
            Self::Extend => "延长办理时限",
            Self::Deliver => "办结送达",
            Self::Recount => "节假日安排载入后重算期限",
        }
    }

    /// The label of a stored event code (`办理` for one this build does not know).
    pub fn label_of(code: &str) -> &'static str {
        Self::parse(code).map(Self::label).unwrap_or("办理")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_kind_round_trips_and_unknown_codes_read_as_handling() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.code()), Some(kind));
        }
        assert_eq!(EventKind::label_of("notify"), "办理");
        assert_eq!(EventKind::label_of("accept"), "受理");
    }
}

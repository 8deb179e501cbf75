//! Where a case stands, as one value: the column the store indexes, the label pages show, and what the
//! rules match on.

use serde::{Deserialize, Serialize};

/// The phase of a case, from receipt to delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// 已收件: waiting for the window's acceptance decision.
    Received,
    /// 待补正: a correction notice was issued.
    AwaitingCorrection,
    /// 已受理: under review, the legal clock running.
    Accepted,
    /// 特别程序: under review, the clock stopped.
    Suspended,
    /// 不予受理 (concluded).
    RefusedToAccept,
    /// 准予: decided, the result waiting to be delivered.
    Granted,
    /// 不予许可: decided, the decision waiting to be delivered.
    Refused,
    /// 已办结送达 (concluded).
    Delivered,
}

impl Phase {
    pub const ALL: [Phase; 8] = [
        Phase::Received,
        Phase::AwaitingCorrection,
        Phase::Accepted,
        Phase::Suspended,
        Phase::RefusedToAccept,
        Phase::Granted,
        Phase::Refused,
        Phase::Delivered,
    ];

    /// The name stored in `cases.phase` and used by the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::AwaitingCorrection => "awaiting_correction",
            Self::Accepted => "accepted",
            Self::Suspended => "suspended",
            Self::RefusedToAccept => "refused_to_accept",
            Self::Granted => "granted",
            Self::Refused => "refused",
            Self::Delivered => "delivered",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|phase| phase.code() == code)
    }

    /// What an applicant or clerk reads.
    pub fn label(self) -> &'static str {
        match self {
            Self::Received => "已收件，待受理",
            Self::AwaitingCorrection => "待补正材料",
            Self::Accepted => "已受理，审查中",
            Self::RefusedToAccept => "不予受理",
            Self::Granted => "已作出准予决定，待送达",
            Self::Refused => "已作出不予决定，待送达",
            Self::Suspended => "特别程序中（暂停计时）",
            Self::Delivered => "已办结送达",
        }
    }

    /// Under review: accepted and not yet decided (the clock running or stopped).
    pub fn under_review(self) -> bool {
        matches!(self, Self::Accepted | Self::Suspended)
    }

    /// Nothing more happens to the case.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Delivered | Self::RefusedToAccept)
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phase_round_trips_through_its_code_and_has_a_label() {
        for phase in Phase::ALL {
            assert_eq!(Phase::parse(phase.code()), Some(phase));
            assert!(!phase.label().is_empty());
        }
        assert_eq!(Phase::parse("lost"), None);
    }
}

//! Throttles for whatever can be guessed: staff log-ins, applicants' log-ins and the public progress
//! look-up. Each failed attempt is kept (as digests of what was tried and from where) and weighed four
//! ways: the same account from the same address, the account from anywhere, the address on any account,
//! and every attempt of the kind. Past a number of free failures, each further attempt must wait twice as
//! long as the one before, up to a cap: an attacker is slowed more and more, while the real user at another
//! address is not locked out (the account-wide limit is high and its wait short), and spraying one password
//! over many accounts from one address is slowed by the address's tally.
//!
//! An attempt is recorded before it is tried, so that parallel guesses count against each other; one
//! refused by the throttle, or one that succeeds, is forgotten again.

use crate::app::App;
use crate::error::{AppError, AppResult};
use chrono::Duration;
use onetrip_store::{FailedAttempt, Tally};
use sha2::{Digest, Sha256};

/// Failures older than this no longer count.
pub const WINDOW_MINUTES: i64 = 15;

/// What is being tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    StaffLogin,
    PortalLogin,
    /// The public progress look-up by case number and the last four digits of the applicant's ID.
    Progress,
    /// One-time codes sent by SMS (each send counts; a code is never "successful"), so that nobody can
    /// flood a phone with messages or run up the centre's SMS bill.
    SmsCode,
}

/// After `free` failures, the next attempt waits 1 s since the last failure, the one after 2 s, then 4 s, …,
/// never more than `cap_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub free: u64,
    pub cap_seconds: i64,
}

impl Rule {
    /// How long an attempt must still wait, given the failures before it.
    pub fn wait(self, before: Tally, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
        let excess = before.count.saturating_add(1).checked_sub(self.free).filter(|excess| *excess > 0)?;
        // 2^40 s is far beyond any cap; the exponent is bounded so that the shift cannot overflow.
        let exponent = u32::try_from(excess - 1).unwrap_or(40).min(40);
        let delay = Duration::seconds((1i64 << exponent).min(self.cap_seconds));
        let waited = now - before.last?;
        (waited < delay).then(|| delay - waited)
    }
}

/// The four rules of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub subject_at_address: Rule,
    pub subject: Rule,
    pub address: Rule,
    pub kind: Rule,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Self::StaffLogin => "staff_login",
            Self::PortalLogin => "portal_login",
            Self::Progress => "progress",
            Self::SmsCode => "sms_code",
        }
    }

    pub fn rules(self) -> Rules {
        let quarter_hour = WINDOW_MINUTES * 60;
        match self {
            Self::StaffLogin | Self::PortalLogin => Rules {
                subject_at_address: Rule { free: 5, cap_seconds: quarter_hour },
                subject: Rule { free: 20, cap_seconds: 60 },
                address: Rule { free: 20, cap_seconds: quarter_hour },
                kind: Rule { free: 1000, cap_seconds: 5 },
            },
            Self::Progress => Rules {
                subject_at_address: Rule { free: 5, cap_seconds: quarter_hour },
                subject: Rule { free: 10, cap_seconds: quarter_hour },
                address: Rule { free: 20, cap_seconds: quarter_hour },
                kind: Rule { free: 2000, cap_seconds: 5 },
            },
            Self::SmsCode => Rules {
                subject_at_address: Rule { free: 3, cap_seconds: quarter_hour },
                subject: Rule { free: 5, cap_seconds: quarter_hour },
                address: Rule { free: 10, cap_seconds: quarter_hour },
                kind: Rule { free: 1000, cap_seconds: 5 },
            },
        }
    }

    fn refusal(self, wait: Duration) -> AppError {
        // Rounded up: a client that waits as long as told is let in.
        let seconds = ((wait.num_milliseconds() + 999) / 1000).max(1);
        let after = if seconds < 60 { format!("{seconds} 秒") } else { format!("{} 分钟", (seconds + 59) / 60) };
        let message = match self {
            Self::StaffLogin | Self::PortalLogin => format!("尝试次数过多，为保护账号安全，请 {after}后再试"),
            Self::Progress => format!("查询次数过多，请 {after}后再试；也可以登录办事账号查看办件"),
            Self::SmsCode => format!("验证码短信发送过于频繁，请 {after}后再试"),
        };
        AppError::TooManyAttempts { retry_after_seconds: u64::try_from(seconds).unwrap_or(1), message }
    }
}

/// A digest standing for an account name, an ID or a case number, or an address, in the attempts table:
/// the throttles compare them, nobody needs to read them.
pub fn digest(kind: Kind, text: &str) -> String {
    let hash = Sha256::digest(format!("{}\u{0}{text}", kind.code()).as_bytes());
    hash.iter().take(16).map(|byte| format!("{byte:02x}")).collect()
}

/// An attempt under way: recorded as failed until [`Attempt::succeeded`] says otherwise.
#[derive(Debug)]
pub struct Attempt {
    id: i64,
    kind: Kind,
    subject: String,
    address: String,
}

/// Records an attempt on `subject` from `address` and lets it go ahead, or refuses it with
/// `too_many_attempts` and how long to wait (the refused attempt itself is not counted).
pub async fn begin(app: &App, kind: Kind, subject: &str, address: &str) -> AppResult<Attempt> {
    let now = app.now();
    let (subject, address) = (digest(kind, subject), digest(kind, address));
    let record = FailedAttempt { kind: kind.code(), subject: &subject, address: &address, at: now };
    let id = app.store.record_failure(&record).await?;
    let tallies = app.store.failure_tallies(&record, id, now - Duration::minutes(WINDOW_MINUTES)).await?;
    let rules = kind.rules();
    let waits = [
        rules.subject_at_address.wait(tallies.subject_at_address, now),
        rules.subject.wait(tallies.subject, now),
        rules.address.wait(tallies.address, now),
        rules.kind.wait(tallies.kind, now),
    ];
    if let Some(wait) = waits.into_iter().flatten().max() {
        app.store.forget_failure(id).await?;
        tracing::warn!(kind = kind.code(), seconds = wait.num_seconds(), "attempt refused by the throttle");
        return Err(kind.refusal(wait));
    }
    Ok(Attempt { id, kind, subject, address })
}

impl Attempt {
    /// The attempt succeeded: it and the earlier failures on the subject from this address are forgotten
    /// (failures from elsewhere stay, for the account-wide throttle and the notice to the account's owner).
    pub async fn succeeded(self, app: &App) -> AppResult<()> {
        app.store.forget_failure(self.id).await?;
        let record =
            FailedAttempt { kind: self.kind.code(), subject: &self.subject, address: &self.address, at: app.now() };
        Ok(app.store.clear_failures(&record).await?)
    }
}

/// Failed attempts on a subject over the last day, from any address: for telling a member of staff that
/// someone tried their account.
pub async fn recent_failures(app: &App, kind: Kind, subject: &str) -> AppResult<onetrip_store::FailureSummary> {
    let since = app.now() - Duration::days(1);
    Ok(app.store.failures_of(kind.code(), &digest(kind, subject), since).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(second: i64) -> chrono::DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + second, 0).single().expect("instant")
    }

    #[test]
    fn waits_double_after_the_free_failures_up_to_the_cap() {
        let rule = Rule { free: 3, cap_seconds: 10 };
        let before = |count, last| Tally { count, last: Some(at(last)) };
        assert_eq!(rule.wait(Tally::default(), at(0)), None);
        assert_eq!(rule.wait(before(1, 0), at(0)), None);
        // The third attempt is the last free one; the fourth waits 1 s after the third, the fifth 2 s, …
        assert_eq!(rule.wait(before(2, 0), at(0)), None);
        assert_eq!(rule.wait(before(3, 0), at(0)), Some(Duration::seconds(1)));
        assert_eq!(rule.wait(before(3, 0), at(1)), None);
        assert_eq!(rule.wait(before(4, 0), at(1)), Some(Duration::seconds(1)));
        assert_eq!(rule.wait(before(5, 0), at(0)), Some(Duration::seconds(4)));
        assert_eq!(rule.wait(before(40, 0), at(3)), Some(Duration::seconds(7)), "capped at 10 s");
        assert_eq!(rule.wait(before(u64::MAX - 1, 0), at(10)), None);
    }

    #[test]
    fn digests_differ_by_kind_and_hide_the_text() {
        let staff = digest(Kind::StaffLogin, "admin");
        assert_eq!(staff.len(), 32);
        assert_ne!(staff, digest(Kind::PortalLogin, "admin"));
        assert!(!staff.contains("admin"));
    }
}

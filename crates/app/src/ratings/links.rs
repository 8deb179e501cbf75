//! Rating links without a log-in: the link in an SMS and the QR code on a printed notice carry a token that
//! names what it rates (a stage of a case, or the fix of a 差评) and until when, signed with the centre's
//! key (HMAC-SHA-256, truncated to 128 bits). A forged or altered token is "not found"; an expired one says
//! so. The key is made on first start and kept in the settings, so links survive a restart.

use crate::app::App;
use crate::error::{AppError, AppResult, Conflict};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::rating::Stage;
use sha2::Sha256;

/// What a link rates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkSubject {
    /// One stage of a case.
    Case(CaseNumber, Stage),
    /// The fix of the 差评 with this rating id (追评).
    Fix(i64),
}

impl LinkSubject {
    fn text(&self) -> String {
        match self {
            Self::Case(number, Stage::Conclusion) => format!("c{}", number.compact()),
            Self::Case(number, _) => format!("a{}", number.compact()),
            Self::Fix(id) => format!("f{id}"),
        }
    }

    fn parse(text: &str) -> Option<Self> {
        let mut chars = text.chars();
        let kind = chars.next()?;
        let rest = chars.as_str();
        match kind {
            'a' => CaseNumber::parse(rest).ok().map(|number| Self::Case(number, Stage::Acceptance)),
            'c' => CaseNumber::parse(rest).ok().map(|number| Self::Case(number, Stage::Conclusion)),
            'f' => rest.parse::<i64>().ok().filter(|id| *id > 0).map(Self::Fix),
            _ => None,
        }
    }
}

fn mac(key: &[u8], payload: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(b"onetrip-rating-link|");
    mac.update(payload.as_bytes());
    mac.finalize().into_bytes().iter().take(16).map(|byte| format!("{byte:02x}")).collect()
}

/// A signed token for `subject`, valid until `expires`.
pub fn sign(key: &[u8], subject: &LinkSubject, expires: DateTime<Utc>) -> String {
    let payload = format!("{}.{}", subject.text(), expires.timestamp());
    let tag = mac(key, &payload);
    format!("{payload}.{tag}")
}

/// Reads a token back: the subject and its expiry, if the signature holds. Never panics on any input.
pub fn verify(key: &[u8], token: &str) -> Option<(LinkSubject, DateTime<Utc>)> {
    if token.len() > 100 {
        return None;
    }
    let (payload, tag) = token.rsplit_once('.')?;
    let expected = mac(key, payload);
    // Compared in constant time: every byte is looked at whatever differs.
    if expected.is_empty() || expected.len() != tag.len() {
        return None;
    }
    let differs = expected.bytes().zip(tag.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if differs != 0 {
        return None;
    }
    let (subject, expires) = payload.split_once('.')?;
    let expires = DateTime::from_timestamp(expires.parse::<i64>().ok()?, 0)?;
    Some((LinkSubject::parse(subject)?, expires))
}

/// The subject of a token that is valid now: `not_found` for a forged one, `link_expired` past its time.
pub fn open(app: &App, token: &str) -> AppResult<LinkSubject> {
    let (subject, expires) = verify(&app.link_key, token).ok_or_else(|| AppError::NotFound("这个评价链接".into()))?;
    if expires < app.now() {
        return Err(AppError::conflict(
            Conflict::LinkExpired,
            "这个评价链接已过期。逾期未评的服务按“基本满意”计；如有意见请拨打 12345。",
        ));
    }
    Ok(subject)
}

/// The full address of a token's page, for an SMS or a QR code.
pub fn url(app: &App, token: &str) -> String {
    format!("{}/r/{token}", app.config.public_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn tokens_read_back_and_any_change_is_refused() {
        let key = b"0123456789abcdef0123456789abcdef";
        let number = CaseNumber::parse("20261127-000017-1").expect("number");
        let expires = Utc.with_ymd_and_hms(2026, 12, 8, 0, 0, 0).single().expect("instant");
        let token = sign(key, &LinkSubject::Case(number.clone(), Stage::Conclusion), expires);
        assert_eq!(verify(key, &token), Some((LinkSubject::Case(number, Stage::Conclusion), expires)));
        assert_eq!(verify(b"another key, as long as the first", &token), None);
        for index in 0..token.len() {
            let mut altered = token.clone().into_bytes();
            altered[index] = if altered[index] == b'0' { b'1' } else { b'0' };
            let altered = String::from_utf8(altered).expect("ascii");
            assert_eq!(verify(key, &altered), None, "{altered}");
        }
        let fix = sign(key, &LinkSubject::Fix(42), expires);
        assert_eq!(verify(key, &fix).map(|(subject, _)| subject), Some(LinkSubject::Fix(42)));
    }
}

//! Proof that someone holds a phone: a six-digit code sent by SMS (through the verification messages the
//! SMS gateway sends), valid for [`CODE_MINUTES`], used once, [`MAX_TRIES`] tries. Only digests of the form's
//! token and of the code are stored beside the message; the code is never logged, and the message is
//! cleared once the gateway has sent it. Sending is throttled per phone and per address.

use super::secrets::{random_token, same_secret, token_hash};
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::throttle::{self, Kind};
use chrono::Duration;
use onetrip_domain::applicant::masked_phone;
use onetrip_store::{NewPhoneCheck, PhoneCheck};
use rand::Rng;

pub const CODE_MINUTES: i64 = 10;
pub const MAX_TRIES: u32 = 5;

/// A code on its way: the token the next form carries, where the code went, and (in a demonstration
/// only) the code itself.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub token: String,
    pub phone_shown: String,
    pub demo_code: Option<String>,
}

fn code_hash(id: &str, code: &str) -> String {
    token_hash(&format!("{id}:{code}"))
}

/// Sends a code to `phone` for `purpose`, keeping `payload` (what to do once the phone is proven).
pub(super) async fn send(
    app: &App,
    purpose: &str,
    phone: &str,
    payload: String,
    address: &str,
) -> AppResult<Challenge> {
    // Each send counts against the phone and the address; a send never "succeeds" in the throttle's sense.
    throttle::begin(app, Kind::SmsCode, phone, address).await?;
    let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
    let token = random_token();
    let id = token_hash(&token);
    let now = app.now();
    let check = NewPhoneCheck {
        code_hash: code_hash(&id, &code),
        id,
        purpose: purpose.to_string(),
        phone: phone.to_string(),
        payload,
        created_at: now,
        expires_at: now + Duration::minutes(CODE_MINUTES),
        sms_body: format!(
            "【{}】验证码 {code}，{CODE_MINUTES} 分钟内有效，用于注册办事账号。请勿告诉任何人，工作人员不会向您索要验证码。",
            app.config.centre_name
        ),
    };
    app.store.create_phone_check(&check).await?;
    tracing::info!(purpose, "one-time code queued for SMS");
    Ok(Challenge {
        token,
        phone_shown: masked_phone(phone),
        demo_code: app.config.show_codes_on_screen.then_some(code),
    })
}

/// Checks a code against the check its token names; on success the check is used up and returned.
pub(super) async fn confirm(app: &App, purpose: &str, token: &str, code: &str) -> AppResult<PhoneCheck> {
    let expired = || AppError::field("code", "验证码已失效或已过期，请返回重新获取");
    let id = token_hash(token.trim());
    let check = app.store.phone_check(&id).await?.filter(|check| check.purpose == purpose).ok_or_else(expired)?;
    if check.used || check.expires_at <= app.now() {
        return Err(expired());
    }
    let tries = app.store.count_phone_check_try(&id).await?;
    if tries > MAX_TRIES {
        return Err(AppError::field("code", "验证码输错次数过多，请返回重新获取"));
    }
    let code = code.trim();
    let well_formed = code.len() == 6 && code.bytes().all(|byte| byte.is_ascii_digit());
    if !well_formed || !same_secret(&check.code_hash, &code_hash(&id, code)) {
        let left = MAX_TRIES - tries;
        let message = if left == 0 {
            "验证码不对，已不能再试，请返回重新获取".to_string()
        } else {
            format!("验证码不对，请核对短信后重新输入（还可以再试 {left} 次）")
        };
        return Err(AppError::field("code", message));
    }
    if !app.store.use_phone_check(&id, app.now()).await? {
        return Err(expired());
    }
    Ok(check)
}

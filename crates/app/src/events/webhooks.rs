//! Webhook subscriptions: a department system names an address; from then on every event of its
//! department is sent there, signed, in order, until acknowledged (or dead-lettered after
//! [`crate::config::WebhookPolicy::max_attempts`]); a replay sends again from a position.

use super::scope_of;
use crate::app::App;
use crate::error::{AppError, AppResult};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use onetrip_domain::actor::Actor;
use onetrip_store::{DeadLetter, Subscription};
use std::net::IpAddr;

/// The longest address accepted.
pub const MAX_URL: usize = 500;

/// The most subscriptions one system keeps.
pub const MAX_SUBSCRIPTIONS: usize = 10;

/// Whether an address may receive webhooks: loopback, private, link-local (cloud metadata) and unspecified
/// addresses are refused unless the centre allows private targets (its department systems are on its own
/// network).
fn allowed_address(address: IpAddr, private_allowed: bool) -> bool {
    let private = match address {
        IpAddr::V4(v4) => {
            v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast()
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    };
    let metadata = matches!(address, IpAddr::V4(v4) if v4.is_link_local());
    !metadata && (private_allowed || !private)
}

/// Checks a webhook address: `https://` (or `http://`), a host, no credentials, at most [`MAX_URL`]
/// characters, and a literal address that the policy allows (names are checked again at delivery).
pub fn check_url(url: &str, private_allowed: bool) -> AppResult<()> {
    let wrong = |message: &str| AppError::field("url", message.to_string());
    let url = url.trim();
    if url.is_empty() || url.chars().count() > MAX_URL {
        return Err(wrong("请填写接收地址（500 个字符以内）"));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| wrong("接收地址应以 https:// 开头（内网可以用 http://）"))?;
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(wrong("接收地址不能含有空格或控制字符"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(wrong("接收地址应有主机名，不能带用户名或密码"));
    }
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
    };
    if let Ok(address) = host.parse::<IpAddr>() {
        if !allowed_address(address, private_allowed) {
            return Err(wrong("不能向本机、内网或云平台元数据地址推送（如确需推送到内网部门系统，请中心管理员开启）"));
        }
    } else if host.eq_ignore_ascii_case("localhost") && !private_allowed {
        return Err(wrong("不能向本机推送"));
    }
    Ok(())
}

/// Whether the resolved addresses of a webhook's host may be reached (at delivery).
pub fn may_reach(addresses: &[IpAddr], private_allowed: bool) -> bool {
    !addresses.is_empty() && addresses.iter().all(|address| allowed_address(*address, private_allowed))
}

/// A new subscription of the calling system: its id and the secret the deliveries are signed with
/// (`whsec_…`, shown once). Delivery starts with the events after `after` (default: from now on).
pub async fn subscribe(app: &App, actor: &Actor, url: &str, after: Option<i64>) -> AppResult<(i64, String)> {
    let department = scope_of(actor)?;
    let user_id = actor.user_id().ok_or(AppError::Forbidden)?;
    check_url(url, app.config.webhooks.private_targets)?;
    if app.store.subscriptions(Some(user_id)).await?.len() >= MAX_SUBSCRIPTIONS {
        return Err(AppError::field("url", format!("一个系统最多订阅 {MAX_SUBSCRIPTIONS} 个地址，请先删除不用的")));
    }
    super::sequence(app).await?;
    let last = app.store.last_position().await?;
    let delivered = match after {
        Some(after) if !(0..=last).contains(&after) => {
            return Err(AppError::field("after", format!("after 应在 0 到 {last} 之间（现在最新的事件位置）")))
        }
        Some(after) => after,
        None => last,
    };
    let bytes: [u8; 24] = rand::random();
    let secret = format!("whsec_{}", STANDARD.encode(bytes));
    let subscription = Subscription {
        id: 0,
        user_id,
        department,
        url: url.trim().to_string(),
        secret: secret.clone(),
        delivered,
        attempts: 0,
        next_at: app.now(),
        last_error: String::new(),
        created_at: app.now(),
    };
    let id = app.store.add_subscription(&subscription).await?;
    Ok((id, secret))
}

/// The calling system's subscriptions (an administrator's: all).
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<Subscription>> {
    let scope = scope_of(actor)?;
    let user = if scope.is_none() { None } else { Some(actor.user_id().ok_or(AppError::Forbidden)?) };
    Ok(app.store.subscriptions(user).await?)
}

async fn own(app: &App, actor: &Actor, id: i64) -> AppResult<Subscription> {
    list(app, actor)
        .await?
        .into_iter()
        .find(|subscription| subscription.id == id)
        .ok_or_else(|| AppError::NotFound("这个订阅".to_string()))
}

pub async fn delete(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    own(app, actor, id).await?;
    Ok(app.store.delete_subscription(id, app.now()).await?)
}

/// Sends every event after `after` again, in order (dead letters included).
pub async fn replay(app: &App, actor: &Actor, id: i64, after: i64) -> AppResult<Subscription> {
    own(app, actor, id).await?;
    let last = app.store.last_position().await?;
    if !(0..=last).contains(&after) {
        return Err(AppError::field("after", format!("after 应在 0 到 {last} 之间（现在最新的事件位置）")));
    }
    app.store.rewind_subscription(id, after).await?;
    own(app, actor, id).await
}

pub async fn dead_letters(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<DeadLetter>> {
    own(app, actor, id).await?;
    Ok(app.store.dead_letters(id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert!(check_url("https://bm.example.gov.cn/onetrip/hook", false).is_ok());
        assert!(check_url("http://10.1.2.3:8080/hook", true).is_ok());
        for refused in [
            "",
            "ftp://example.com/",
            "https://",
            "https://user:pw@example.com/",
            "https://exa mple.com/",
            "http://127.0.0.1:9000/",
            "http://10.1.2.3/",
            "http://[::1]:80/",
            "http://localhost/",
            "http://169.254.169.254/latest/meta-data",
        ] {
            assert!(check_url(refused, false).is_err(), "{refused}");
        }
        // Cloud metadata stays refused even where private targets are allowed.
        assert!(check_url("http://169.254.169.254/", true).is_err());
        assert!(check_url(&format!("https://example.com/{}", "a".repeat(MAX_URL)), false).is_err());
    }
}

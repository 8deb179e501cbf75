//! Delivering webhooks: each subscription's events in order, one at a time, signed as Standard Webhooks
//! 1.0 says (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<HMAC-SHA256>`), with a
//! CloudEvents-shaped body; acknowledged by any 2xx answer; otherwise tried again after a growing wait
//! ([`BACKOFF_SECONDS`]) and, after the policy's last attempt, kept as a dead letter while delivery goes
//! on with the next event. An answer 410 Gone ends the subscription. Delivery runs beside the changes,
//! never inside them: a slow or absent receiver never slows a case, and an event committed but not yet
//! delivered is delivered after a restart (the subscription's position moves only on acknowledgement).

use super::sequence;
use crate::app::App;
use crate::error::AppResult;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use onetrip_store::{OutboxEvent, Subscription};
use sha2::Sha256;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The wait before each further attempt (Standard Webhooks' schedule after the first: 5 s, 5 min, 30 min,
/// 2 h, 5 h, 10 h, 10 h).
pub const BACKOFF_SECONDS: [i64; 7] = [5, 300, 1800, 7200, 18000, 36000, 36000];

/// The most events one subscription is sent in one round.
const BATCH: usize = 200;

/// What a receiver answered, as far as delivery cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The HTTP status it answered.
    Status(u16),
    /// No answer (refused, timed out, too large, an address that may not be reached), with the reason.
    Failed(String),
}

/// What carries a webhook to its receiver (`onetrip-exchange` over HTTP).
pub trait Transport: Send + Sync {
    fn post<'a>(
        &'a self,
        url: &'a str,
        headers: &'a [(String, String)],
        body: &'a [u8],
    ) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;
}

/// An event as the feed and the webhooks show it: CloudEvents 1.0 attributes, with the position.
pub fn envelope(app: &App, event: &OutboxEvent) -> serde_json::Value {
    let data: serde_json::Value = serde_json::from_str(&event.data).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "specversion": "1.0",
        "id": format!("evt_{}", event.id),
        "source": app.config.public_url,
        "type": format!("cn.onetrip.{}", event.kind),
        "subject": event.subject,
        "time": event.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "datacontenttype": "application/json",
        "position": event.position,
        "department": event.department,
        "matter_code": event.matter_code,
        "data": data,
    })
}

/// The Standard Webhooks signature of a body: `v1,` and the base64 HMAC-SHA256, keyed by the secret's
/// bytes, of `id.timestamp.body`.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = secret.strip_prefix("whsec_").and_then(|key| STANDARD.decode(key).ok()).unwrap_or_default();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key)
        .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new_from_slice(b"-").unwrap_or_else(|_| unreachable_mac()));
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// HMAC accepts keys of any length; this is never reached.
fn unreachable_mac() -> Hmac<Sha256> {
    loop {
        if let Ok(mac) = <Hmac<Sha256> as Mac>::new_from_slice(&[0]) {
            return mac;
        }
    }
}

/// The headers and body of one delivery.
pub fn signed(app: &App, subscription: &Subscription, event: &OutboxEvent) -> (Vec<(String, String)>, Vec<u8>) {
    let body = envelope(app, event).to_string().into_bytes();
    let id = format!("evt_{}", event.id);
    let timestamp = app.now().timestamp();
    let headers = vec![
        ("content-type".to_string(), "application/json".to_string()),
        ("user-agent".to_string(), "Onetrip-Webhooks/1".to_string()),
        ("webhook-signature".to_string(), signature(&subscription.secret, &id, timestamp, &body)),
        ("webhook-id".to_string(), id),
        ("webhook-timestamp".to_string(), timestamp.to_string()),
    ];
    (headers, body)
}

/// One round: gives positions to new events, then sends each due subscription its events, the
/// subscriptions side by side. Returns how many events were acknowledged.
pub async fn deliver_due(app: &App, transport: Arc<dyn Transport>) -> AppResult<usize> {
    sequence(app).await?;
    let now = app.now();
    let mut tasks = tokio::task::JoinSet::new();
    for subscription in app.store.subscriptions(None).await? {
        if subscription.next_at > now {
            continue;
        }
        let (app, transport) = (app.clone(), transport.clone());
        tasks.spawn(async move { deliver_one(&app, transport.as_ref(), subscription).await });
    }
    let mut delivered = 0;
    while let Some(outcome) = tasks.join_next().await {
        match outcome {
            Ok(Ok(count)) => delivered += count,
            Ok(Err(error)) => tracing::warn!(%error, "webhook delivery round failed"),
            Err(error) => tracing::warn!(%error, "webhook delivery task ended"),
        }
    }
    Ok(delivered)
}

async fn deliver_one(app: &App, transport: &dyn Transport, mut subscription: Subscription) -> AppResult<usize> {
    let mut delivered = 0;
    for _ in 0..BATCH {
        let events = app.store.events_after(subscription.delivered, subscription.department.as_deref(), 1).await?;
        let Some(event) = events.into_iter().next() else { break };
        let (headers, body) = signed(app, &subscription, &event);
        let answer = transport.post(&subscription.url, &headers, &body).await;
        match answer {
            Answer::Status(status) if (200..300).contains(&status) => {
                app.store.acknowledge_delivery(subscription.id, event.position).await?;
                subscription.delivered = event.position;
                subscription.attempts = 0;
                delivered += 1;
            }
            Answer::Status(410) => {
                tracing::info!(
                    subscription = subscription.id,
                    "webhook receiver answered 410 Gone: subscription ended"
                );
                app.store.delete_subscription(subscription.id, app.now()).await?;
                break;
            }
            other => {
                let reason = match other {
                    Answer::Status(status) => format!("接收方答复 HTTP {status}"),
                    Answer::Failed(reason) => reason,
                };
                let attempts = subscription.attempts + 1;
                tracing::info!(subscription = subscription.id, position = event.position, attempts, reason = %reason, "webhook not acknowledged");
                if attempts >= app.config.webhooks.max_attempts {
                    app.store.dead_letter(subscription.id, event.position, attempts, &reason, app.now()).await?;
                    subscription.delivered = event.position;
                    subscription.attempts = 0;
                    continue;
                }
                let wait = BACKOFF_SECONDS[(attempts as usize - 1).min(BACKOFF_SECONDS.len() - 1)];
                app.store
                    .delivery_failed(subscription.id, attempts, app.now() + chrono::Duration::seconds(wait), &reason)
                    .await?;
                break;
            }
        }
    }
    Ok(delivered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_standard_webhooks_v1() {
        // Standard Webhooks' published example: secret, id, timestamp and body, and the signature they give.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_ne!(
            signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body),
            signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
        );
    }
}

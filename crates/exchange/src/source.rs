//! A departmental system as a shared data source, over HTTP (ADR 0022): a JSON request signed with the
//! source's own key (`x-onetrip-signature: v1,<base64 HMAC-SHA256 of timestamp.body>`), a timeout, one
//! retry of a failed connection or a 5xx answer, answers larger than [`MAX_ANSWER`] cut off, and a circuit
//! breaker: after [`SourceConfig::failures_to_open`] failures in a row the source is not asked for
//! [`SourceConfig::open_for`], so that a source that is down costs the applicant nothing but the upload.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use onetrip_app::sharing::{Answer, DataSource, SharedMaterial, SourceFault, SourceRequest, TrustGrade};
use sha2::Sha256;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The largest answer read from a source.
pub const MAX_ANSWER: usize = 256 * 1024;

/// How one source is reached.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// The code the catalog names it by (`external:<code>`).
    pub code: String,
    pub url: String,
    /// The key requests are signed with, shared with the source.
    pub key: Vec<u8>,
    pub timeout: Duration,
    pub failures_to_open: u32,
    pub open_for: Duration,
}

#[derive(Debug, Default)]
struct Breaker {
    failures: u32,
    open_until: Option<Instant>,
}

pub struct HttpSource {
    config: SourceConfig,
    client: reqwest::Client,
    breaker: Mutex<Breaker>,
}

/// The signature of a request body at a timestamp.
pub fn signature(key: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

impl HttpSource {
    pub fn new(config: SourceConfig) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|error| format!("data source client: {error}"))?;
        Ok(Self { config, client, breaker: Mutex::new(Breaker::default()) })
    }

    fn circuit_open(&self) -> bool {
        let mut breaker = self.breaker.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match breaker.open_until {
            Some(until) if Instant::now() < until => true,
            Some(_) => {
                // Half open: the next request is a trial.
                breaker.open_until = None;
                breaker.failures = self.config.failures_to_open.saturating_sub(1);
                false
            }
            None => false,
        }
    }

    fn record(&self, answer: &Answer) {
        let mut breaker = self.breaker.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match answer {
            Err(SourceFault::CircuitOpen) => {}
            Err(_) => {
                breaker.failures += 1;
                if breaker.failures >= self.config.failures_to_open {
                    breaker.open_until = Some(Instant::now() + self.config.open_for);
                }
            }
            Ok(_) => *breaker = Breaker::default(),
        }
    }

    async fn ask(&self, request: &SourceRequest) -> Answer {
        if self.circuit_open() {
            return Err(SourceFault::CircuitOpen);
        }
        let body = serde_json::json!({
            "holder_kind": request.holder.kind(),
            "holder_number": request.holder.number(),
            "material": request.material,
            "purpose": request.purpose,
        })
        .to_string()
        .into_bytes();
        let mut attempt = 0;
        let answer = loop {
            attempt += 1;
            let answer = self.once(&body).await;
            let retry = matches!(&answer, Err(SourceFault::Unavailable(_))) && attempt < 2;
            if !retry {
                break answer;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        self.record(&answer);
        answer
    }

    async fn once(&self, body: &[u8]) -> Answer {
        let timestamp = chrono::Utc::now().timestamp();
        let sent = self
            .client
            .post(&self.config.url)
            .header("content-type", "application/json")
            .header("x-onetrip-source", &self.config.code)
            .header("x-onetrip-timestamp", timestamp.to_string())
            .header("x-onetrip-signature", signature(&self.config.key, timestamp, body))
            .body(body.to_vec())
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(error) if error.is_timeout() => return Err(SourceFault::TooSlow),
            Err(_) => return Err(SourceFault::Unavailable("连不上".to_string())),
        };
        let status = response.status().as_u16();
        if status >= 500 || status == 401 || status == 403 {
            return Err(SourceFault::Unavailable(format!("HTTP {status}")));
        }
        let mut answer = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if answer.len() + chunk.len() > MAX_ANSWER {
                        return Err(SourceFault::TooLarge);
                    }
                    answer.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) if error.is_timeout() => return Err(SourceFault::TooSlow),
                Err(_) => return Err(SourceFault::Unavailable("答复中断".to_string())),
            }
        }
        if status != 200 {
            return Err(SourceFault::Unavailable(format!("HTTP {status}")));
        }
        parse(&answer)
    }
}

/// Reads a source's answer: `{"found": false}`, or `{"found": true, "title", "fields": [{"label",
/// "value"}], "valid_until": "YYYY-MM-DD" | null}`.
fn parse(answer: &[u8]) -> Answer {
    let garbage = |why: &str| SourceFault::Garbage(why.to_string());
    let value: serde_json::Value = serde_json::from_slice(answer).map_err(|_| garbage("不是 JSON"))?;
    match value.get("found").and_then(serde_json::Value::as_bool) {
        Some(false) => return Ok(None),
        Some(true) => {}
        None => return Err(garbage("没有 found")),
    }
    let title = value.get("title").and_then(serde_json::Value::as_str).ok_or_else(|| garbage("没有 title"))?;
    let mut fields = Vec::new();
    for field in value.get("fields").and_then(serde_json::Value::as_array).ok_or_else(|| garbage("没有 fields"))? {
        let label = field.get("label").and_then(serde_json::Value::as_str).ok_or_else(|| garbage("字段没有 label"))?;
        let text = field.get("value").and_then(serde_json::Value::as_str).ok_or_else(|| garbage("字段没有 value"))?;
        if label.chars().count() > 50 || text.chars().count() > 2000 || fields.len() >= 50 {
            return Err(garbage("字段太多或太长"));
        }
        fields.push((label.to_string(), text.to_string()));
    }
    let valid_until = match value.get("valid_until") {
        None | Some(serde_json::Value::Null) => None,
        Some(day) => Some(
            day.as_str()
                .and_then(|day| chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
                .ok_or_else(|| garbage("valid_until 不是日期"))?,
        ),
    };
    if title.chars().count() > 100 {
        return Err(garbage("title 太长"));
    }
    Ok(Some(SharedMaterial { grade: TrustGrade::A, title: title.to_string(), fields, valid_until }))
}

impl DataSource for HttpSource {
    fn code(&self) -> String {
        format!("external:{}", self.config.code)
    }

    fn fetch<'a>(&'a self, request: &'a SourceRequest) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>> {
        Box::pin(self.ask(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_or_refused_as_garbage() {
        assert_eq!(parse(br#"{"found": false}"#), Ok(None));
        let found = parse(r#"{"found": true, "title": "完税凭证", "fields": [{"label": "税额", "value": "3000.00"}], "valid_until": null}"#.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!((found.title.as_str(), found.fields.len(), found.grade), ("完税凭证", 1, TrustGrade::A));
        for garbage in [
            &b"<html>"[..],
            br#"{"title": "x"}"#,
            br#"{"found": true, "fields": []}"#,
            br#"{"found": true, "title": "x", "fields": [{"label": 1}]}"#,
            br#"{"found": true, "title": "x", "fields": [], "valid_until": "tomorrow"}"#,
        ] {
            assert!(matches!(parse(garbage), Err(SourceFault::Garbage(_))), "{}", String::from_utf8_lossy(garbage));
        }
    }
}

//! Onetrip's exchange with other systems over HTTP (ADRs 0021–0023): [`HttpSource`] asks a department's
//! system for a material's data (`source.rs`); [`OidcProvider`] logs applicants in at the province's
//! unified identity provider (`identity.rs`); [`HttpTransport`] carries webhooks:
//! it resolves the receiver's host and refuses addresses the policy does not allow (checked on every
//! delivery, since a name can be pointed elsewhere after subscribing), follows no redirect, waits at most
//! the policy's timeout, and reads no more than a few kilobytes of the answer.

mod identity;
mod source;

pub use identity::{OidcConfig, OidcProvider};
pub use source::{HttpSource, SourceConfig};

use onetrip_app::events::delivery::{Answer, Transport};
use onetrip_app::events::webhooks::may_reach;
use onetrip_app::WebhookPolicy;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::time::Duration;

pub struct HttpTransport {
    client: reqwest::Client,
    private_targets: bool,
}

impl HttpTransport {
    pub fn new(policy: &WebhookPolicy) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(policy.timeout_seconds.max(1)))
            .connect_timeout(Duration::from_secs(policy.timeout_seconds.clamp(1, 10)))
            .build()
            .map_err(|error| format!("webhook client: {error}"))?;
        Ok(Self { client, private_targets: policy.private_targets })
    }

    async fn send(&self, url: &str, headers: &[(String, String)], body: &[u8]) -> Answer {
        let Ok(parsed) = url::Url::parse(url) else { return Answer::Failed("接收地址无法解析".to_string()) };
        let Some(host) = parsed.host_str() else { return Answer::Failed("接收地址没有主机名".to_string()) };
        let port = parsed.port_or_known_default().unwrap_or(443);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addresses: Vec<IpAddr> = match tokio::net::lookup_host((host, port)).await {
            Ok(found) => found.map(|address| address.ip()).collect(),
            Err(_) => return Answer::Failed("接收地址的主机名无法解析".to_string()),
        };
        if !may_reach(&addresses, self.private_targets) {
            return Answer::Failed("接收地址解析到本机、内网或元数据地址，不推送".to_string());
        }
        let mut request = self.client.post(parsed).body(body.to_vec());
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        match request.send().await {
            Ok(response) => Answer::Status(response.status().as_u16()),
            Err(error) if error.is_timeout() => Answer::Failed("接收方超时未答复".to_string()),
            Err(error) if error.is_connect() => Answer::Failed("连不上接收地址".to_string()),
            Err(_) => Answer::Failed("推送失败（网络错误）".to_string()),
        }
    }
}

impl Transport for HttpTransport {
    fn post<'a>(
        &'a self,
        url: &'a str,
        headers: &'a [(String, String)],
        body: &'a [u8],
    ) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>> {
        Box::pin(self.send(url, headers, body))
    }
}

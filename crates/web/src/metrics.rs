//! Request counters in the Prometheus text format, served at `GET /metrics`.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
pub struct Metrics {
    /// (route, status) → count.
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    micros: AtomicU64,
}

impl Metrics {
    pub fn record(&self, route: &str, status: u16, seconds: f64) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry((route.to_string(), status)).or_default() += 1;
        }
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.micros.fetch_add((seconds * 1_000_000.0) as u64, Ordering::Relaxed);
    }

    pub fn render(&self, matters: usize) -> String {
        let mut text = String::new();
        text.push_str("# HELP onetrip_http_requests_total HTTP requests by route and status.\n");
        text.push_str("# TYPE onetrip_http_requests_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            for ((route, status), count) in requests.iter() {
                let route = route.replace('\\', "\\\\").replace('"', "\\\"");
                text.push_str(&format!(
                    "onetrip_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}\n"
                ));
            }
        }
        text.push_str("# HELP onetrip_http_request_duration_seconds Time to answer a request.\n");
        text.push_str("# TYPE onetrip_http_request_duration_seconds histogram\n");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            text.push_str(&format!(
                "onetrip_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}\n",
                bucket.load(Ordering::Relaxed)
            ));
        }
        let count = self.count.load(Ordering::Relaxed);
        text.push_str(&format!("onetrip_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n"));
        text.push_str(&format!(
            "onetrip_http_request_duration_seconds_sum {}\n",
            self.micros.load(Ordering::Relaxed) as f64 / 1_000_000.0
        ));
        text.push_str(&format!("onetrip_http_request_duration_seconds_count {count}\n"));
        text.push_str("# HELP onetrip_catalog_matters Matters in force in the catalog.\n");
        text.push_str("# TYPE onetrip_catalog_matters gauge\n");
        text.push_str(&format!("onetrip_catalog_matters {matters}\n"));
        text
    }
}

/// Middleware: counts every request under its route pattern (never the raw path, which may hold data).
pub async fn track(State(metrics): State<std::sync::Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    metrics.record(&route, response.status().as_u16(), seconds);
    tracing::debug!(%method, %route, status = response.status().as_u16(), ms = seconds * 1000.0, "request");
    response
}

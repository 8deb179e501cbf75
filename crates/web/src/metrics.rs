//! Request counters in the Prometheus text format, served at `GET /metrics`.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
pub struct Metrics {
    /// route → status → count. Counting an already seen pair takes a read lock and an atomic add.
    requests: RwLock<HashMap<String, HashMap<u16, AtomicU64>>>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    micros: AtomicU64,
}

impl Metrics {
    pub fn record(&self, route: &str, status: u16, seconds: f64) {
        let counted = self
            .requests
            .read()
            .ok()
            .and_then(|requests| {
                requests
                    .get(route)
                    .and_then(|statuses| statuses.get(&status))
                    .map(|count| count.fetch_add(1, Ordering::Relaxed))
            })
            .is_some();
        if !counted {
            if let Ok(mut requests) = self.requests.write() {
                requests
                    .entry(route.to_string())
                    .or_default()
                    .entry(status)
                    .or_default()
                    .fetch_add(1, Ordering::Relaxed);
            }
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
        let sorted: BTreeMap<(String, u16), u64> = self
            .requests
            .read()
            .map(|requests| {
                requests
                    .iter()
                    .flat_map(|(route, statuses)| {
                        statuses.iter().map(|(status, count)| ((route.clone(), *status), count.load(Ordering::Relaxed)))
                    })
                    .collect()
            })
            .unwrap_or_default();
        {
            for ((route, status), count) in sorted.iter() {
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

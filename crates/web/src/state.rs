//! The state every handler shares: the application layer ([`App`]), what the HTTP edge itself needs to know
//! (cookies, body limits), the request metrics, and the public pages already rendered from the catalog in
//! force. One `Arc`, so that handing it to a request costs one reference count.

use crate::metrics::Metrics;
use axum::body::Bytes;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use onetrip_app::{App, CatalogSnapshot};
use onetrip_domain::calendar::Calendar;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What the HTTP edge needs to know, read once at start-up.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when the site is served over HTTPS).
    pub secure_cookies: bool,
    /// The largest request body accepted, in bytes (catalog imports are the largest).
    pub max_body_bytes: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed: a request from one of them is throttled by the
    /// address the proxy names. Empty: the connection's own address counts (headers are ignored).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `/metrics` answers only with `Authorization: Bearer <token>`; `None`: only to the machine itself
    /// (a connection from a loopback address).
    pub metrics_token: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            max_body_bytes: 8 * 1024 * 1024,
            trusted_proxies: Vec::new(),
            metrics_token: None,
        }
    }
}

/// A rendered page, and the same page gzip-compressed once for the browsers that accept it.
#[derive(Clone)]
pub struct CachedPage {
    pub plain: Bytes,
    pub gzip: Bytes,
}

impl CachedPage {
    pub fn new(plain: Bytes) -> Self {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let gzip = encoder.write_all(&plain).and_then(|()| encoder.finish()).map(Bytes::from).unwrap_or_default();
        Self { plain, gzip }
    }
}

/// How many rendered pages one snapshot keeps (a guide page is about 13 KB, so at most about 13 MB).
const PAGE_CACHE_LIMIT: usize = 1024;

/// Public pages rendered for visitors who are not logged in, by path, for one catalog snapshot: a page is
/// never served from an older catalog than the one in force.
#[derive(Default)]
struct PageCache {
    generation: u64,
    pages: HashMap<String, CachedPage>,
}

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub app: App,
    pub config: WebConfig,
    pub metrics: Arc<Metrics>,
    pages: Mutex<PageCache>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> Self {
        crate::layout::set_centre_name(&app.config.centre_name);
        Self(Arc::new(Shared { app, config, metrics: Arc::new(Metrics::default()), pages: Mutex::default() }))
    }

    /// The note for a due instant counted from `from` across a year whose holiday notice is not loaded
    /// (see `Calendar::provisional_note`), or nothing.
    pub fn provisional_note(&self, from: DateTime<Utc>, due: Option<DateTime<Utc>>) -> Option<String> {
        let due = due?;
        self.calendar().provisional_note(self.local(from).date_naive(), self.local(due).date_naive())
    }

    pub fn catalog(&self) -> Arc<CatalogSnapshot> {
        self.app.catalog()
    }

    pub fn calendar(&self) -> Arc<Calendar> {
        self.app.calendar()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.app.now()
    }

    pub fn today(&self) -> NaiveDate {
        self.app.today()
    }

    pub fn local(&self, instant: DateTime<Utc>) -> DateTime<FixedOffset> {
        self.app.local(instant)
    }

    pub fn centre_name(&self) -> &str {
        &self.app.config.centre_name
    }

    /// A page rendered from `catalog` for `path`, if it is cached.
    pub fn cached_page(&self, catalog: &CatalogSnapshot, path: &str) -> Option<CachedPage> {
        let cache = self.pages.lock().ok()?;
        (cache.generation == catalog.generation).then(|| cache.pages.get(path).cloned()).flatten()
    }

    /// Keeps a page rendered from `catalog`; a newer catalog empties the cache first.
    pub fn cache_page(&self, catalog: &CatalogSnapshot, path: &str, page: CachedPage) {
        if let Ok(mut cache) = self.pages.lock() {
            if cache.generation != catalog.generation {
                if catalog.generation < cache.generation {
                    return;
                }
                *cache = PageCache { generation: catalog.generation, pages: HashMap::new() };
            }
            if cache.pages.len() < PAGE_CACHE_LIMIT {
                cache.pages.insert(path.to_string(), page);
            }
        }
    }
}

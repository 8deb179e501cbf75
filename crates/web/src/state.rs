//! Shared state of the web edge: the store, the configuration, and two read-mostly snapshots built from the
//! store — the catalog in force with its search index, and the working-day calendar. Writers rebuild a
//! snapshot after they commit; readers take an `Arc` and never wait for a rebuild.

use crate::error::Error;
use crate::metrics::Metrics;
use axum::body::Bytes;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use onetrip_domain::calendar::{Calendar, OfficeHours};
use onetrip_domain::catalog::{Department, Matter, MatterVersion};
use onetrip_domain::search::{Field, SearchIndex, Synonyms};
use onetrip_store::Store;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// The name of the setting that holds the synonym list.
pub const SYNONYMS_SETTING: &str = "search.synonyms";
/// The "one thing" bundles (一件事), as JSON: `{"bundles": [...]}`.
pub const BUNDLES_SETTING: &str = "catalog.bundles";

/// UTC+08:00, the time of every service centre in China (Xinjiang's offices keep it too, with later hours).
pub fn china_standard_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Offset::fix(&Utc))
}

/// What the web edge needs to know, read once at start-up.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The centre's offset from UTC (China: +08:00). Local dates and office hours are in this offset.
    pub utc_offset: FixedOffset,
    pub office_hours: OfficeHours,
    /// Mark cookies `Secure` (set when the site is served over HTTPS).
    pub secure_cookies: bool,
    /// The largest request body accepted, in bytes (catalog imports are the largest).
    pub max_body_bytes: usize,
    /// The name shown in page headers, e.g. 阿勒泰市政务服务中心.
    pub centre_name: String,
    /// A case or step is yellow on the supervision page when less than this share of its time is left.
    pub warn_share: f64,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            utc_offset: china_standard_time(),
            office_hours: OfficeHours::default(),
            secure_cookies: false,
            max_body_bytes: 8 * 1024 * 1024,
            centre_name: "阿勒泰市政务服务中心".to_string(),
            warn_share: onetrip_domain::supervision::DEFAULT_WARN_SHARE,
        }
    }
}

/// The catalog as the public sees it today.
pub struct CatalogSnapshot {
    /// The version in force of every matter, including cancelled and merged ones.
    pub versions: Vec<MatterVersion>,
    by_code: HashMap<String, usize>,
    /// Positions in `versions` of matters still handled, in the order the search index knows them.
    active: Vec<usize>,
    pub departments: Vec<Department>,
    department_names: HashMap<String, String>,
    pub index: SearchIndex,
    pub synonyms: Synonyms,
    pub today: NaiveDate,
    /// "One thing" bundles whose matters are all in force.
    pub bundles: Vec<onetrip_domain::bundle::Bundle>,
    /// The hall's halls, zones and windows (`hall.layout`); empty until one is saved.
    pub hall: onetrip_domain::hall::HallLayout,
    /// Public pages rendered from this snapshot for visitors who are not logged in, by path. A new snapshot
    /// starts empty, so a cached page never outlives the catalog it was rendered from.
    pages: Mutex<HashMap<String, CachedPage>>,
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

impl CatalogSnapshot {
    pub fn build(
        versions: Vec<MatterVersion>,
        departments: Vec<Department>,
        synonyms: Synonyms,
        today: NaiveDate,
    ) -> Self {
        let department_names: HashMap<String, String> =
            departments.iter().map(|department| (department.code.clone(), department.name.clone())).collect();
        let by_code =
            versions.iter().enumerate().map(|(position, version)| (version.matter.code.clone(), position)).collect();
        let active: Vec<usize> = versions
            .iter()
            .enumerate()
            .filter(|(_, version)| !version.adjustment.kind.ends_the_matter())
            .map(|(position, _)| position)
            .collect();
        let joined: Vec<[String; 3]> = active
            .iter()
            .map(|position| {
                let matter = &versions[*position].matter;
                [
                    matter.keywords.join(" "),
                    format!("{} {} {}", matter.themes.join(" "), matter.life_events.join(" "), matter.sub_item.name),
                    format!(
                        "{} {}",
                        department_names.get(&matter.department).map(String::as_str).unwrap_or_default(),
                        matter.code
                    ),
                ]
            })
            .collect();
        let documents = active.iter().zip(&joined).map(|(position, [keywords, themes, department])| {
            vec![
                Field { text: &versions[*position].matter.name, weight: 3.0 },
                Field { text: keywords, weight: 2.0 },
                Field { text: themes, weight: 1.0 },
                Field { text: department, weight: 0.5 },
            ]
        });
        let index = SearchIndex::build(documents, synonyms.clone());
        Self {
            versions,
            by_code,
            active,
            departments,
            department_names,
            index,
            synonyms,
            today,
            bundles: Vec::new(),
            hall: onetrip_domain::hall::HallLayout {
                source: String::new(),
                halls: Vec::new(),
                zones: Vec::new(),
                windows: Vec::new(),
            },
            pages: Mutex::new(HashMap::new()),
        }
    }

    pub fn cached_page(&self, path: &str) -> Option<CachedPage> {
        self.pages.lock().ok().and_then(|pages| pages.get(path).cloned())
    }

    pub fn cache_page(&self, path: &str, page: CachedPage) {
        if let Ok(mut pages) = self.pages.lock() {
            if pages.len() < PAGE_CACHE_LIMIT {
                pages.insert(path.to_string(), page);
            }
        }
    }

    pub fn version(&self, code: &str) -> Option<&MatterVersion> {
        self.by_code.get(code).map(|position| &self.versions[*position])
    }

    /// Matters still handled, in catalog order.
    pub fn active_matters(&self) -> impl Iterator<Item = &Matter> {
        self.active.iter().map(|position| &self.versions[*position].matter)
    }

    pub fn bundle(&self, code: &str) -> Option<&onetrip_domain::bundle::Bundle> {
        self.bundles.iter().find(|bundle| bundle.code == code)
    }

    pub fn department_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.department_names.get(code).map(String::as_str).unwrap_or(code)
    }

    /// Ranked search over the matters still handled.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Matter> {
        self.index
            .search(query, limit)
            .into_iter()
            .map(|hit| &self.versions[self.active[hit.document as usize]].matter)
            .collect()
    }

    /// Active matters grouped by a key (theme, life event), keys in order.
    pub fn grouped<'a>(&'a self, keys: impl Fn(&'a Matter) -> Vec<&'a str>) -> BTreeMap<&'a str, Vec<&'a Matter>> {
        let mut groups: BTreeMap<&str, Vec<&Matter>> = BTreeMap::new();
        for matter in self.active_matters() {
            for key in keys(matter) {
                groups.entry(key).or_default().push(matter);
            }
        }
        groups
    }
}

/// The state every handler shares: one `Arc`, so that handing it to a request costs one reference count.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    /// Seconds added to the system clock for case deadlines and supervision: zero in service; tests and
    /// demonstrations move it forward to show a case turning yellow and red without waiting days.
    clock_offset_seconds: std::sync::atomic::AtomicI64,
    pub store: Arc<dyn Store>,
    /// Where the bytes of uploaded materials are kept.
    pub files: Arc<dyn onetrip_store::files::FileStore>,
    pub config: WebConfig,
    /// The snapshot and the number of the reload that built it: a slower, older reload never replaces a
    /// newer snapshot.
    catalog: RwLock<(u64, Arc<CatalogSnapshot>)>,
    calendar: RwLock<(u64, Arc<Calendar>)>,
    reloads: AtomicU64,
    pub metrics: Arc<Metrics>,
    /// Calls of tickets, for the hall's displays (server-sent events).
    pub hall_calls: tokio::sync::broadcast::Sender<crate::hall::HallCall>,
    /// Whether calls reach this instance's displays through the store's relay (PostgreSQL LISTEN/NOTIFY).
    hall_relay: std::sync::atomic::AtomicBool,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Replaces the value if `generation` is newer than the stored one.
fn replace_if_newer<T>(lock: &RwLock<(u64, Arc<T>)>, generation: u64, value: Arc<T>) {
    let mut guard = match lock.write() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    if generation > guard.0 {
        *guard = (generation, value);
    }
}

impl AppState {
    /// Builds the state and loads both snapshots from the store.
    pub async fn new(
        store: Arc<dyn Store>,
        files: Arc<dyn onetrip_store::files::FileStore>,
        config: WebConfig,
    ) -> Result<Self, Error> {
        let today = Utc::now().with_timezone(&config.utc_offset).date_naive();
        let empty = CatalogSnapshot::build(Vec::new(), Vec::new(), Synonyms::default(), today);
        let calendar = Calendar::new(&[], config.office_hours);
        crate::pages::set_centre_name(&config.centre_name);
        let state = Self(Arc::new(Shared {
            catalog: RwLock::new((0, Arc::new(empty))),
            calendar: RwLock::new((0, Arc::new(calendar))),
            reloads: AtomicU64::new(0),
            clock_offset_seconds: std::sync::atomic::AtomicI64::new(0),
            store,
            files,
            config,
            metrics: Arc::new(Metrics::default()),
            hall_calls: tokio::sync::broadcast::channel(256).0,
            hall_relay: std::sync::atomic::AtomicBool::new(false),
        }));
        state.start_hall_relay().await;
        state.reload_catalog().await?;
        state.reload_calendar().await?;
        Ok(state)
    }

    /// Listens for calls published by any instance and hands them to this instance's displays.
    async fn start_hall_relay(&self) {
        match self.store.listen_calls().await {
            Ok(Some(mut calls)) => {
                let displays = self.hall_calls.clone();
                tokio::spawn(async move {
                    while let Some(payload) = calls.recv().await {
                        match serde_json::from_str::<crate::hall::HallCall>(&payload) {
                            Ok(call) => {
                                let _ = displays.send(call);
                            }
                            Err(error) => tracing::warn!(%error, "hall call relay: unreadable call"),
                        }
                    }
                });
                self.hall_relay.store(true, Ordering::SeqCst);
            }
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, "hall call relay not started; displays hear this instance's calls only")
            }
        }
    }

    /// Whether calls go to the displays through the store's relay.
    pub fn hall_relayed(&self) -> bool {
        self.hall_relay.load(Ordering::SeqCst)
    }

    pub fn catalog(&self) -> Arc<CatalogSnapshot> {
        self.catalog.read().map(|guard| guard.1.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().1.clone())
    }

    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.read().map(|guard| guard.1.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().1.clone())
    }

    /// Today's date at the centre.
    pub fn today(&self) -> NaiveDate {
        self.local(self.now()).date_naive()
    }

    /// The instant the case rules work with: the system clock, plus the offset a test may have set.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.clock_offset_seconds.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Moves the case clock forward (tests and demonstrations only; nothing in service calls it).
    pub fn advance_clock(&self, by: chrono::Duration) {
        self.clock_offset_seconds.fetch_add(by.num_seconds(), std::sync::atomic::Ordering::Relaxed);
    }

    /// The instant of a local date and time at the centre.
    pub fn utc_of(&self, local: chrono::NaiveDateTime) -> DateTime<Utc> {
        (local - chrono::Duration::seconds(i64::from(self.config.utc_offset.local_minus_utc()))).and_utc()
    }

    pub fn local(&self, instant: DateTime<Utc>) -> DateTime<FixedOffset> {
        instant.with_timezone(&self.config.utc_offset)
    }

    /// Rebuilds the catalog snapshot from the store (after a change, and periodically so that versions
    /// scheduled for a later date take effect and other instances' changes are seen).
    pub async fn reload_catalog(&self) -> Result<(), Error> {
        let generation = self.reloads.fetch_add(1, Ordering::SeqCst) + 1;
        let today = self.today();
        let versions = self.store.versions_in_force(today).await?;
        let departments = self.store.departments().await?;
        let synonyms = match self.store.setting(SYNONYMS_SETTING).await? {
            Some(text) => Synonyms::parse(&text).unwrap_or_else(|errors| {
                tracing::warn!(%errors, "stored synonym list does not parse; search runs without synonyms");
                Synonyms::default()
            }),
            None => Synonyms::default(),
        };
        let mut snapshot = CatalogSnapshot::build(versions, departments, synonyms, today);
        if let Some(text) = self.store.setting(BUNDLES_SETTING).await? {
            match crate::actions::parse_bundles(&snapshot, &text) {
                Ok(bundles) => snapshot.bundles = bundles,
                Err(errors) => tracing::warn!(%errors, "stored bundles do not fit the catalog in force; none offered"),
            }
        }
        if let Some(text) = self.store.setting(crate::hall::HALL_SETTING).await? {
            match crate::hall::parse_layout_for(&snapshot, &text) {
                Ok(layout) => snapshot.hall = layout,
                Err(errors) => {
                    tracing::warn!(%errors, "stored hall layout does not fit the catalog in force; kept none")
                }
            }
        }
        let snapshot = Arc::new(snapshot);
        replace_if_newer(&self.catalog, generation, snapshot);
        Ok(())
    }

    pub async fn reload_calendar(&self) -> Result<(), Error> {
        let generation = self.reloads.fetch_add(1, Ordering::SeqCst) + 1;
        let entries = self.store.calendar_entries().await?;
        let calendar = Arc::new(Calendar::new(&entries, self.config.office_hours));
        replace_if_newer(&self.calendar, generation, calendar);
        Ok(())
    }
}

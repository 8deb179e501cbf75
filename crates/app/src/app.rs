//! [`App`]: what every use case works with — the store, the file store, the configuration, the clock, and
//! two read-mostly snapshots built from the store (the catalog in force, the working-day calendar). One
//! `Arc`, so that handing it to a request costs one reference count.

use crate::clock::Clock;
use crate::config::AppConfig;
use crate::error::AppResult;
use crate::hall::call::HallCall;
use crate::snapshot::CatalogSnapshot;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use onetrip_domain::calendar::Calendar;
use onetrip_domain::search::Synonyms;
use onetrip_store::files::FileStore;
use onetrip_store::Store;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// The name of the setting that holds the synonym list.
pub const SYNONYMS_SETTING: &str = "search.synonyms";
/// The "one thing" bundles (一件事), as JSON: `{"bundles": [...]}`.
pub const BUNDLES_SETTING: &str = "catalog.bundles";
/// The hall layout, as JSON (`HallLayout`).
pub const HALL_SETTING: &str = "hall.layout";

#[derive(Clone)]
pub struct App(Arc<Shared>);

pub struct Shared {
    pub(crate) store: Arc<dyn Store>,
    /// Where the bytes of uploaded materials are kept.
    pub(crate) files: Arc<dyn FileStore>,
    pub config: AppConfig,
    clock: Arc<dyn Clock>,
    /// The snapshot and the number of the reload that built it: a slower, older reload never replaces a
    /// newer snapshot.
    catalog: RwLock<(u64, Arc<CatalogSnapshot>)>,
    calendar: RwLock<(u64, Arc<Calendar>)>,
    reloads: AtomicU64,
    /// Calls of tickets, for the hall's displays.
    pub(crate) hall_calls: tokio::sync::broadcast::Sender<HallCall>,
    /// Whether calls reach this instance's displays through the store's relay (PostgreSQL LISTEN/NOTIFY).
    hall_relay: AtomicBool,
    /// The key that signs rating links (`ratings::links`), made on first start and kept in the settings.
    pub(crate) link_key: Vec<u8>,
    /// The seal of e-licences and every public key the centre has sealed with (`licences::seal`).
    pub(crate) seal: Box<dyn crate::licences::seal::Seal>,
    pub(crate) seal_keys: Vec<String>,
    /// The licence types and the matters that issue them (`data/licences/types.json`).
    pub licence_types: Vec<onetrip_domain::licence::LicenceType>,
    /// Departmental systems configured as data sources, by code (`sharing`).
    sources: RwLock<std::collections::HashMap<String, Arc<dyn crate::sharing::source::DataSource>>>,
    /// The province's unified identity provider, if this centre has one (`accounts::unified`).
    identity: RwLock<Option<Arc<dyn crate::accounts::identity_provider::IdentityProvider>>>,
}

impl std::ops::Deref for App {
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

/// Where uploaded files are kept.
#[derive(Debug, Clone)]
pub enum FilesAt {
    /// A folder on this machine (the default: `data/files`).
    Local(std::path::PathBuf),
    /// An S3-compatible object store.
    S3(onetrip_store::s3::S3Config),
}

impl App {
    /// Opens the database a URL names (`sqlite://PATH` or `postgres://…`, created and migrated as needed) and
    /// the file store, and builds the application on them.
    pub async fn open(url: &str, files: &FilesAt, config: AppConfig, clock: Arc<dyn Clock>) -> Result<Self, String> {
        let store = onetrip_store::open(url).await.map_err(|error| format!("database: {error}"))?;
        let files: Arc<dyn FileStore> = match files {
            FilesAt::S3(s3) => Arc::new(
                onetrip_store::s3::S3Files::new(s3.clone()).map_err(|error| format!("file storage (S3): {error}"))?,
            ),
            FilesAt::Local(folder) => Arc::new(
                onetrip_store::files::LocalFiles::new(folder)
                    .map_err(|error| format!("file storage {}: {error}", folder.display()))?,
            ),
        };
        Self::new(store, files, config, clock).await.map_err(|error| format!("start-up: {error}"))
    }

    /// Builds the application and loads both snapshots from the store.
    pub async fn new(
        store: Arc<dyn Store>,
        files: Arc<dyn FileStore>,
        config: AppConfig,
        clock: Arc<dyn Clock>,
    ) -> AppResult<Self> {
        let today = clock.now().with_timezone(&config.utc_offset).date_naive();
        let empty = CatalogSnapshot::build(0, Vec::new(), Vec::new(), Synonyms::default(), today);
        let calendar = Calendar::new(&[], config.office_hours);
        let link_key = crate::accounts::secrets::load_link_key(store.as_ref(), clock.now()).await?;
        let (seal, seal_keys) =
            crate::licences::seal::load(store.as_ref(), config.seal_key_file.as_deref(), clock.now()).await?;
        let licence_types = crate::licences::shipped_types()?;
        let app = Self(Arc::new(Shared {
            link_key,
            seal,
            seal_keys,
            licence_types,
            sources: RwLock::new(std::collections::HashMap::new()),
            identity: RwLock::new(None),
            catalog: RwLock::new((0, Arc::new(empty))),
            calendar: RwLock::new((0, Arc::new(calendar))),
            reloads: AtomicU64::new(0),
            clock,
            store,
            files,
            config,
            hall_calls: tokio::sync::broadcast::channel(256).0,
            hall_relay: AtomicBool::new(false),
        }));
        app.start_hall_relay().await;
        app.reload_catalog().await?;
        app.reload_calendar().await?;
        Ok(app)
    }

    /// Listens for calls published by any instance and hands them to this instance's displays.
    async fn start_hall_relay(&self) {
        match self.store.listen_calls().await {
            Ok(Some(mut calls)) => {
                let displays = self.hall_calls.clone();
                tokio::spawn(async move {
                    while let Some(payload) = calls.recv().await {
                        match serde_json::from_str::<HallCall>(&payload) {
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

    /// The calls of tickets from now on, for a display.
    pub fn hall_calls(&self) -> tokio::sync::broadcast::Receiver<HallCall> {
        self.hall_calls.subscribe()
    }

    /// Which database this runs on: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// Succeeds when the database answers.
    pub async fn ping(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }

    /// Makes a departmental system a data source under `code` (`external:<code>` in the catalog).
    pub fn register_source(&self, code: &str, source: Arc<dyn crate::sharing::source::DataSource>) {
        let mut sources = self.sources.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        sources.insert(code.to_string(), source);
    }

    /// Offers log-in through a unified identity provider beside passwords.
    pub fn set_identity_provider(&self, provider: Arc<dyn crate::accounts::identity_provider::IdentityProvider>) {
        *self.identity.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(provider);
    }

    pub(crate) fn identity_provider(&self) -> Option<Arc<dyn crate::accounts::identity_provider::IdentityProvider>> {
        self.identity.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    pub(crate) fn external_source(&self, code: &str) -> Option<Arc<dyn crate::sharing::source::DataSource>> {
        self.sources.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(code).cloned()
    }

    pub fn catalog(&self) -> Arc<CatalogSnapshot> {
        self.catalog.read().map(|guard| guard.1.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().1.clone())
    }

    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.read().map(|guard| guard.1.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().1.clone())
    }

    /// The instant every rule works with, from the clock the application was given.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today's date at the centre.
    pub fn today(&self) -> NaiveDate {
        self.local(self.now()).date_naive()
    }

    pub fn local(&self, instant: DateTime<Utc>) -> DateTime<FixedOffset> {
        instant.with_timezone(&self.config.utc_offset)
    }

    /// The local date and time at the centre of an instant, as the calendar counts.
    pub fn local_naive(&self, instant: DateTime<Utc>) -> NaiveDateTime {
        self.local(instant).naive_local()
    }

    /// The instant of a local date and time at the centre.
    pub fn utc_of(&self, local: NaiveDateTime) -> DateTime<Utc> {
        (local - chrono::Duration::seconds(i64::from(self.config.utc_offset.local_minus_utc()))).and_utc()
    }

    /// Rebuilds the catalog snapshot from the store (after a change, and periodically so that versions
    /// scheduled for a later date take effect and other instances' changes are seen).
    pub async fn reload_catalog(&self) -> AppResult<()> {
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
        let mut snapshot = CatalogSnapshot::build(generation, versions, departments, synonyms, today);
        if let Some(text) = self.store.setting(BUNDLES_SETTING).await? {
            match crate::snapshot::parse_bundles(&snapshot, &text) {
                Ok(bundles) => snapshot.bundles = bundles,
                Err(errors) => tracing::warn!(%errors, "stored bundles do not fit the catalog in force; none offered"),
            }
        }
        if let Some(text) = self.store.setting(HALL_SETTING).await? {
            match crate::snapshot::parse_layout(&snapshot, &text) {
                Ok(layout) => snapshot.hall = layout,
                Err(errors) => {
                    tracing::warn!(%errors, "stored hall layout does not fit the catalog in force; kept none")
                }
            }
        }
        replace_if_newer(&self.catalog, generation, Arc::new(snapshot));
        Ok(())
    }

    pub async fn reload_calendar(&self) -> AppResult<()> {
        let generation = self.reloads.fetch_add(1, Ordering::SeqCst) + 1;
        let entries = self.store.calendar_entries().await?;
        let calendar = Arc::new(Calendar::new(&entries, self.config.office_hours));
        replace_if_newer(&self.calendar, generation, calendar);
        Ok(())
    }

    /// The matter in the version a record was made under (a case, a draft): it may no longer be in force.
    pub async fn matter_version(&self, code: &str, version: u32) -> AppResult<onetrip_domain::catalog::MatterVersion> {
        if let Some(current) = self.catalog().version(code).filter(|current| current.version == version) {
            return Ok(current.clone());
        }
        self.store
            .matter_versions(code)
            .await?
            .into_iter()
            .find(|candidate| candidate.version == version)
            .ok_or_else(|| crate::error::AppError::Internal(format!("missing version {version} of {code}")))
    }
}

//! Case benchmarks (issue 3), each against the real server on a loopback port, on SQLite or PostgreSQL:
//!
//! - `cases-submit DATABASE SECONDS CLIENTS`: cases submitted per second through `POST /api/v1/cases` with
//!   one small PDF material, and p99 latency; next to the raw durable single-row insert rate of the same
//!   database, measured in the same run with the same number of clients.
//! - `cases-scale DATABASE CASES`: fills the database with CASES accepted cases (property transfers under
//!   parallel review, due instants spread over sixty days around now), then measures a reviewer's inbox, the
//!   case page and the supervision page.
//!
//! DATABASE is `sqlite` (a fresh file in a temporary folder) or a `postgres://` URL (a fresh schema in it,
//! dropped afterwards).

use crate::percentile;
use base64::Engine;
use bytes::Bytes;
use chrono::{Duration, Utc};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use onetrip_app::{seed, App, AppConfig};
use onetrip_domain::access::Role;
use onetrip_domain::case_number::CaseNumber;
use onetrip_store::{NewUser, PostgresStore, SqliteStore, Store};
use onetrip_web::{router, AppState, WebConfig};
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

const TRANSFER: &str = "65430030010102";
const BUYER: &str = "654301198001011232";

pub(crate) type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Direct connections for the raw insert baseline and for bulk loading. SQLite's baseline has a file of its
/// own on the same disk (the store's file has its own single writer); PostgreSQL's a table in the same schema.
pub(crate) enum Raw {
    Sqlite { baseline: SqlitePool, bulk: SqlitePool },
    Postgres(PgPool),
}

pub(crate) struct Setup {
    pub(crate) base: String,
    pub(crate) client: HttpClient,
    pub(crate) state: AppState,
    window: String,
    reviewer: String,
    manager: String,
    pub(crate) raw: Raw,
    pub(crate) store: Arc<dyn Store>,
    cleanup: Option<(PostgresStore, String)>,
    _folder: tempfile::TempDir,
}

pub(crate) fn error(error: impl std::fmt::Display) -> String {
    error.to_string()
}

async fn setup(database: &str, clients: u32) -> Result<Setup, String> {
    let folder = tempfile::tempdir().map_err(error)?;
    let (store, raw, cleanup): (Arc<dyn Store>, Raw, _) = if database == "sqlite" {
        let path = folder.path().join("bench.sqlite");
        let path = path.to_str().ok_or("path")?;
        let store = SqliteStore::open(path).await.map_err(error)?;
        let raw_path = folder.path().join("raw.sqlite");
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", raw_path.display()))
            .map_err(error)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(std::time::Duration::from_secs(30));
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.map_err(error)?;
        // Bulk loading writes the store's own file; the raw baseline has a file of its own on the same disk.
        let bulk = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(error)?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(std::time::Duration::from_secs(30));
        let bulk = SqlitePoolOptions::new().max_connections(1).connect_with(bulk).await.map_err(error)?;
        sqlx::query(
            "CREATE TABLE raw_inserts (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, at BIGINT NOT NULL)",
        )
        .execute(&pool)
        .await
        .map_err(error)?;
        (Arc::new(store), Raw::Sqlite { baseline: pool, bulk }, None)
    } else {
        let schema = format!("bench_{}", Utc::now().timestamp_nanos_opt().unwrap_or_default());
        let store = PostgresStore::connect(database, Some(&schema)).await.map_err(error)?;
        let options = PgConnectOptions::from_str(database).map_err(error)?.options([("search_path", schema.as_str())]);
        let pool = PgPoolOptions::new().max_connections(clients.max(1)).connect_with(options).await.map_err(error)?;
        sqlx::query("CREATE TABLE raw_inserts (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL, at BIGINT NOT NULL)")
            .execute(&pool)
            .await
            .map_err(error)?;
        (Arc::new(store.clone()), Raw::Postgres(pool), Some((store, schema)))
    };
    let files = onetrip_store::files::LocalFiles::new(folder.path().join("files")).map_err(error)?;
    let clock = Arc::new(onetrip_app::clock::SystemClock);
    let app = App::new(store.clone(), Arc::new(files), AppConfig::default(), clock).await.map_err(error)?;
    seed::seed_calendar(&app).await.map_err(error)?;
    seed::seed_demo(&app).await.map_err(error)?;
    let state = AppState::new(app, WebConfig::default());
    let mut tokens = Vec::new();
    for (name, roles, department) in [
        ("window", vec![Role::WindowStaff], None),
        ("land", vec![Role::Reviewer], Some("zrzyj")),
        ("manager", vec![Role::HallManager], None),
    ] {
        let user = NewUser {
            username: name.to_string(),
            display_name: name.to_string(),
            password_hash: "not used: the benchmark opens sessions directly".to_string(),
            roles,
            department: department.map(str::to_string),
        };
        let id = store.create_user(&user, Utc::now()).await.map_err(error)?;
        let token = onetrip_app::accounts::random_token();
        let now = Utc::now();
        store
            .create_session(&onetrip_app::accounts::token_hash(&token), id, "csrf", now, now + Duration::hours(8))
            .await
            .map_err(error)?;
        tokens.push(token);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(error)?;
    let address = listener.local_addr().map_err(error)?;
    let app = router(state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = Client::builder(TokioExecutor::new()).build_http();
    Ok(Setup {
        base: format!("http://{address}"),
        client,
        state,
        manager: tokens.pop().ok_or("token")?,
        reviewer: tokens.pop().ok_or("token")?,
        window: tokens.pop().ok_or("token")?,
        raw,
        store,
        cleanup,
        _folder: folder,
    })
}

pub(crate) async fn request(
    client: &HttpClient,
    method: &str,
    url: &str,
    token: &str,
    body: Option<Bytes>,
    key: Option<&str>,
) -> Result<(u16, Bytes), String> {
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    if let Some(key) = key {
        builder = builder.header("idempotency-key", key);
    }
    let request = builder.body(Full::new(body.unwrap_or_default())).map_err(error)?;
    let response = client.request(request).await.map_err(error)?;
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.map_err(error)?.to_bytes();
    Ok((status, bytes))
}

fn application(with_file: bool) -> Value {
    if !with_file {
        return json!({
            "matter_code": TRANSFER,
            "applicant": { "kind": "natural_person", "id_number": BUYER, "name": "李四", "phone": "13912345678" },
            "supplied": ["provided", "provided", "provided", "provided", "missing", "provided"],
        });
    }
    json!({
        "matter_code": TRANSFER,
        "applicant": { "kind": "natural_person", "id_number": BUYER, "name": "李四", "phone": "13912345678" },
        "supplied": ["provided", "provided", "provided", "provided", "missing", "provided"],
        "attachments": [{ "material": 0, "name": "申请书.pdf",
            "content_base64": base64::engine::general_purpose::STANDARD.encode(onetrip_domain::upload::samples::PDF) }],
    })
}

/// Raw durable single-row inserts: `clients` tasks, each committing one row at a time.
async fn raw_rate(raw: &Raw, seconds: u64, clients: u32) -> Result<f64, String> {
    let deadline = Instant::now() + std::time::Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (sqlite, postgres) = match raw {
            Raw::Postgres(pool) => (None, Some(pool.clone())),
            Raw::Sqlite { baseline, .. } => (Some(baseline.clone()), None),
        };
        tasks.push(tokio::spawn(async move {
            let mut count = 0u64;
            while Instant::now() < deadline {
                let at = Utc::now().timestamp_millis();
                let result = match (&sqlite, &postgres) {
                    (_, Some(pool)) => sqlx::query("INSERT INTO raw_inserts (body, at) VALUES ($1, $2)")
                        .bind("a small row, as large as a case event")
                        .bind(at)
                        .execute(pool)
                        .await
                        .map(|_| ()),
                    (Some(pool), None) => sqlx::query("INSERT INTO raw_inserts (body, at) VALUES ($1, $2)")
                        .bind("a small row, as large as a case event")
                        .bind(at)
                        .execute(pool)
                        .await
                        .map(|_| ()),
                    (None, None) => return Err("no raw pool".to_string()),
                };
                result.map_err(error)?;
                count += 1;
            }
            Ok::<u64, String>(count)
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.map_err(error)??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

pub async fn submit(database: &str, seconds: u64, clients: u32, with_file: bool) -> Result<(), String> {
    let setup = setup(database, clients).await?;
    let raw = raw_rate(&setup.raw, seconds, clients).await?;
    let body = Bytes::from(application(with_file).to_string());
    let url = format!("{}/api/v1/cases", setup.base);
    // Warm up: one case, so that the first request does not carry start-up costs.
    let (status, text) =
        request(&setup.client, "POST", &url, &setup.window, Some(body.clone()), Some("warm-up")).await?;
    if status != 201 {
        return Err(format!("submission failed: {status} {}", String::from_utf8_lossy(&text)));
    }
    let deadline = Instant::now() + std::time::Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client_index in 0..clients {
        let (client, url, token, body) = (setup.client.clone(), url.clone(), setup.window.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut sequence = 0u64;
            while Instant::now() < deadline {
                let key = format!("bench-{client_index}-{sequence}");
                sequence += 1;
                let sent = Instant::now();
                let (status, text) = request(&client, "POST", &url, &token, Some(body.clone()), Some(&key)).await?;
                if status != 201 {
                    return Err(format!("submission failed: {status} {}", String::from_utf8_lossy(&text)));
                }
                latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<Vec<f64>, String>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.map_err(error)??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let rate = latencies.len() as f64 / elapsed;
    let backend = if database == "sqlite" { "sqlite" } else { "postgres" };
    println!("cases.{backend}.clients {clients}");
    println!("cases.{backend}.with_pdf_material {with_file}");
    println!("cases.{backend}.submitted {}", latencies.len());
    println!("cases.{backend}.submit_per_second {rate:.0}");
    println!("cases.{backend}.submit_p50_ms {:.2}", percentile(&latencies, 0.5));
    println!("cases.{backend}.submit_p99_ms {:.2}", percentile(&latencies, 0.99));
    println!("cases.{backend}.raw_durable_inserts_per_second {raw:.0}");
    println!("cases.{backend}.ratio_to_raw {:.2}", rate / raw);
    finish(setup).await
}

/// The real server on a loopback port with the demo data, for other benchmarks.
pub(crate) async fn setup_server(database: &str) -> Result<Setup, String> {
    setup(database, 16).await
}

impl Setup {
    /// A staff account with a session opened directly (no password hashing); returns its bearer token.
    pub(crate) async fn session(&self, name: &str, roles: Vec<Role>) -> Result<String, String> {
        let user = NewUser {
            username: name.to_string(),
            display_name: name.to_string(),
            password_hash: "not used: the benchmark opens sessions directly".to_string(),
            roles,
            department: None,
        };
        let id = self.store.create_user(&user, Utc::now()).await.map_err(error)?;
        let token = onetrip_app::accounts::random_token();
        let now = Utc::now();
        self.store
            .create_session(&onetrip_app::accounts::token_hash(&token), id, "csrf", now, now + Duration::hours(8))
            .await
            .map_err(error)?;
        Ok(token)
    }

    pub(crate) async fn finish(self) -> Result<(), String> {
        finish(self).await
    }
}

async fn finish(setup: Setup) -> Result<(), String> {
    if let Some((store, schema)) = setup.cleanup {
        store.drop_schema(&schema).await.map_err(error)?;
    }
    Ok(())
}

/// A small deterministic generator, so that every run loads the same data.
struct Lcg(u64);

impl Lcg {
    /// The next 53 random bits.
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }
}

macro_rules! bulk_load {
    ($pool:expr, $template:expr, $cases:expr) => {{
        let pool = $pool;
        let template: &Template = $template;
        let mut random = Lcg(2026);
        let now = Utc::now().timestamp_millis();
        let day_ms = 86_400_000i64;
        let batch = 500usize;
        let today = Utc::now().date_naive();
        let mut written = 0usize;
        while written < $cases {
            let count = batch.min($cases - written);
            let mut rows = Vec::with_capacity(count);
            for offset in 0..count {
                let index = written + offset;
                // Numbers from yesterday backwards, 5,000 a day: never the template's (today's).
                let day = today - Duration::days(1 + (index / 5000) as i64);
                let number = CaseNumber::new(day, (index % 5000) as u32 + 1).map_err(error)?.compact();
                // Due instants spread over sixty days around now: some overdue, some at risk, most on time.
                let due = now - 10 * day_ms + (random.next() % (60 * day_ms as u64)) as i64;
                let accepted = due - 14 * day_ms;
                rows.push((number, accepted, due, due - 3 * day_ms));
            }
            let mut transaction = pool.begin().await.map_err(error)?;
            let mut cases = sqlx::QueryBuilder::new(
                "INSERT INTO cases (number, matter_code, matter_version, department, applicant_id, channel, phase, \
                 document, revision, corrections, received_at, accepted_at, due_at, warn_at, created_at, updated_at) ",
            );
            cases.push_values(&rows, |mut row, (number, accepted, due, warn)| {
                row.push_bind(number.clone())
                    .push_bind(TRANSFER)
                    .push_bind(template.matter_version)
                    .push_bind(template.department.clone())
                    .push_bind(template.applicant_id)
                    .push_bind("api")
                    .push_bind("accepted")
                    .push_bind(template.document.clone())
                    .push_bind(1i64)
                    .push_bind(0i64)
                    .push_bind(*accepted)
                    .push_bind(*accepted)
                    .push_bind(*due)
                    .push_bind(*warn)
                    .push_bind(*accepted)
                    .push_bind(*accepted);
            });
            cases.build().execute(&mut *transaction).await.map_err(error)?;
            let tasks: Vec<_> = rows
                .iter()
                .flat_map(|(number, accepted, _, _)| {
                    template.tasks.iter().enumerate().map(move |(task, (department, name, state))| {
                        let due = accepted + 5 * day_ms;
                        (
                            number.clone(),
                            task as i64,
                            department.clone(),
                            name.clone(),
                            state.clone(),
                            due,
                            due - day_ms,
                        )
                    })
                })
                .collect();
            let mut builder = sqlx::QueryBuilder::new(
                "INSERT INTO case_tasks (case_number, task, department, name, state, due_at, warn_at) ",
            );
            builder.push_values(&tasks, |mut row, (number, task, department, name, state, due, warn)| {
                row.push_bind(number.clone())
                    .push_bind(*task)
                    .push_bind(department.clone())
                    .push_bind(name.clone())
                    .push_bind(state.clone())
                    .push_bind(*due)
                    .push_bind(*warn);
            });
            builder.build().execute(&mut *transaction).await.map_err(error)?;
            let mut events = sqlx::QueryBuilder::new(
                "INSERT INTO case_events (case_number, at, actor, role, action, from_phase, to_phase, detail) ",
            );
            let event_rows: Vec<_> = rows
                .iter()
                .flat_map(|(number, accepted, _, _)| {
                    [
                        (number.clone(), *accepted - day_ms, "submit", "", "received"),
                        (number.clone(), *accepted, "accept", "received", "accepted"),
                    ]
                })
                .collect();
            events.push_values(&event_rows, |mut row, (number, at, action, from, to)| {
                row.push_bind(number.clone())
                    .push_bind(*at)
                    .push_bind("窗口")
                    .push_bind("window_staff")
                    .push_bind(*action)
                    .push_bind(*from)
                    .push_bind(*to)
                    .push_bind("");
            });
            events.build().execute(&mut *transaction).await.map_err(error)?;
            let mut messages = sqlx::QueryBuilder::new(
                "INSERT INTO notifications (case_number, channel, recipient, body, created_at) ",
            );
            messages.push_values(&rows, |mut row, (number, accepted, _, _)| {
                row.push_bind(number.clone())
                    .push_bind("sms")
                    .push_bind("13912345678")
                    .push_bind("办件已受理")
                    .push_bind(*accepted);
            });
            messages.build().execute(&mut *transaction).await.map_err(error)?;
            transaction.commit().await.map_err(error)?;
            written += count;
        }
        Ok::<(), String>(())
    }};
}

/// The shape every generated case copies: a real case accepted through the API.
struct Template {
    matter_version: i64,
    department: String,
    applicant_id: i64,
    document: String,
    tasks: Vec<(String, String, String)>,
}

pub(crate) async fn timed(setup: &Setup, path: &str, token: &str, samples: usize) -> Result<Vec<f64>, String> {
    let url = format!("{}{path}", setup.base);
    let mut latencies = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        let (status, body) = request(&setup.client, "GET", &url, token, None, None).await?;
        if status != 200 {
            return Err(format!("{path}: {status} {}", String::from_utf8_lossy(&body)));
        }
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    Ok(latencies)
}

pub async fn scale(database: &str, cases: usize) -> Result<(), String> {
    let setup = setup(database, 4).await?;
    let body = Bytes::from(application(true).to_string());
    let (status, text) =
        request(&setup.client, "POST", &format!("{}/api/v1/cases", setup.base), &setup.window, Some(body), None)
            .await?;
    if status != 201 {
        return Err(format!("template case: {status} {}", String::from_utf8_lossy(&text)));
    }
    let case: Value = serde_json::from_slice(&text).map_err(error)?;
    let number = case["number"].as_str().ok_or("number")?.to_string();
    let accept = json!({ "decision": "accept", "supplied": case["supplied"] });
    let (status, text) = request(
        &setup.client,
        "POST",
        &format!("{}/api/v1/cases/{number}/acceptance", setup.base),
        &setup.window,
        Some(Bytes::from(accept.to_string())),
        None,
    )
    .await?;
    if status != 200 {
        return Err(format!("template acceptance: {status} {}", String::from_utf8_lossy(&text)));
    }
    let parsed = CaseNumber::parse(&number).map_err(error)?;
    let record = setup.store.case(&parsed).await.map_err(error)?.ok_or("template case")?;
    let review = record.document.review.as_ref().ok_or("review tasks")?;
    let tasks = review
        .tasks
        .iter()
        .map(|task| {
            let state = match task.state {
                onetrip_domain::review::TaskState::Waiting => "waiting",
                onetrip_domain::review::TaskState::Open => "open",
                onetrip_domain::review::TaskState::Done => "done",
            };
            (task.department.clone(), task.name.clone(), state.to_string())
        })
        .collect();
    let template = Template {
        matter_version: i64::from(record.matter_version),
        department: record.department.clone(),
        applicant_id: record.applicant_id,
        // The stored form of the document, as the store writes it.
        document: serde_json::to_string(&record.document).map_err(error)?,
        tasks,
    };
    let started = Instant::now();
    match &setup.raw {
        Raw::Sqlite { bulk, .. } => bulk_load!(bulk, &template, cases)?,
        Raw::Postgres(pool) => bulk_load!(pool, &template, cases)?,
    }
    let backend = if database == "sqlite" { "sqlite" } else { "postgres" };
    // The figures' counters, counted once from the cases written directly (as for a database from before them).
    setup.store.rebuild_rollups().await.map_err(error)?;
    println!("scale.{backend}.cases {}", cases + 1);
    println!("scale.{backend}.load_seconds {:.0}", started.elapsed().as_secs_f64());
    // As autovacuum would have done by the time a real database held a million cases.
    if let Raw::Postgres(pool) = &setup.raw {
        sqlx::query("VACUUM ANALYZE").execute(pool).await.map_err(error)?;
    }

    let mut random = Lcg(7);
    let today = Utc::now().date_naive();
    let mut case_pages = Vec::new();
    for _ in 0..200 {
        let index = (random.next() as usize) % cases;
        let day = today - Duration::days(1 + (index / 5000) as i64);
        let compact = CaseNumber::new(day, (index % 5000) as u32 + 1).map_err(error)?.compact();
        case_pages.push(compact);
    }
    let report = |name: &str, latencies: &[f64]| {
        println!("scale.{backend}.{name}_p50_ms {:.2}", percentile(latencies, 0.5));
        println!("scale.{backend}.{name}_p99_ms {:.2}", percentile(latencies, 0.99));
    };
    let inbox = timed(&setup, "/staff/inbox", &setup.reviewer, 200).await?;
    report("inbox_page", &inbox);
    let inbox_api = timed(&setup, "/api/v1/inbox", &setup.reviewer, 200).await?;
    report("inbox_api", &inbox_api);
    let mut pages = Vec::new();
    for compact in &case_pages {
        pages.extend(timed(&setup, &format!("/staff/cases/{compact}"), &setup.manager, 1).await?);
    }
    pages.sort_by(f64::total_cmp);
    report("case_page", &pages);
    let supervision = timed(&setup, "/staff/supervision", &setup.manager, 30).await?;
    report("supervision_page", &supervision);
    // The accountability pages over the month and quarter the loaded cases were received in (issue 11).
    let yesterday = today - Duration::days(1);
    let month = yesterday.format("%Y-%m").to_string();
    let quarter = onetrip_app::evaluation::Quarter::of(yesterday).code();
    for (name, path, runs) in [
        ("statistics_page", format!("/staff/statistics?month={month}"), 10),
        ("scorecards_page", format!("/staff/scorecards?month={month}"), 10),
        ("evaluation_page", format!("/staff/evaluation?quarter={quarter}"), 10),
        ("disclosure_page", format!("/ratings?month={month}"), 30),
    ] {
        let latencies = timed(&setup, &path, &setup.manager, runs).await?;
        report(name, &latencies);
    }
    let counts = setup.store.risk_counts(Utc::now()).await.map_err(error)?;
    let yellow: u64 = counts.iter().map(|count| count.yellow).sum();
    let red: u64 = counts.iter().map(|count| count.red).sum();
    println!("scale.{backend}.open_cases {}", cases + 1);
    println!("scale.{backend}.yellow {yellow}");
    println!("scale.{backend}.red {red}");
    finish(setup).await
}

//! `statistics-scale DATABASE CASES MONTHS` (issue 11): the accountability pages with CASES cases in the
//! database, received evenly over the last MONTHS months across every matter of the demo catalog, then
//! accepted, decided and rated as a real centre's are (shares below). It measures the statistics
//! dashboard, the printable monthly report, the department scorecards, the staff evaluation, the public
//! disclosure and their JSON endpoints, each for last month (full) and this month (under way).
//!
//! The cases are written straight into the tables, a few thousand rows per statement, with real case
//! numbers; the figures' counters are then counted once from them (`EvaluationStore::rebuild_rollups`), as
//! the store does for a database that held cases before the counters existed. From then on, every case
//! write keeps the counters itself. Generated cases carry no events, tasks or messages: the pages measured
//! read none of them.

use crate::cases::{error, setup_server, timed, Raw};
use crate::percentile;
use chrono::{Datelike, Duration, Months, NaiveDate, Utc};
use onetrip_domain::access::Role;
use onetrip_domain::case_number::CaseNumber;
use std::time::Instant;

/// One generated case, with its rating if it has one.
struct Generated {
    number: String,
    matter_code: String,
    matter_version: i64,
    department: String,
    channel: &'static str,
    phase: &'static str,
    corrections: i64,
    received_at: i64,
    accepted_at: Option<i64>,
    accepted_by: Option<String>,
    due_at: Option<i64>,
    decided_at: Option<i64>,
    trips: i64,
    /// (level, rated at, local month) of its conclusion's rating.
    rating: Option<(i64, i64, String)>,
}

/// A number from 0 to 999 that looks random for case `index` and `salt` (every run the same).
fn spread(index: u64, salt: u64) -> u64 {
    let mut value = index.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    value ^= value >> 31;
    value = value.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    value ^= value >> 29;
    value % 1000
}

/// The shares: 68% applied online; 95% accepted within an hour by one of 40 window staff; due ten days
/// (in calendar days, near enough) after acceptance; decided after 1–13 days (so about 77% on time) when
/// that day has come; a second trip for one case in five, a second correction for one in fifty; a rating
/// of the conclusion for a third of the decided cases (about 1 in 25 of them a 差评).
fn generate(index: u64, received_at: i64, matter: &(String, i64, String), now: i64) -> Generated {
    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 24 * HOUR;
    let (matter_code, matter_version, department) = matter.clone();
    let online = spread(index, 1) < 680;
    let accepted_at = (spread(index, 2) >= 50).then_some(received_at + HOUR);
    let decided_at = accepted_at
        .map(|accepted| accepted + DAY * (1 + (spread(index, 3) % 13) as i64))
        .filter(|decided| *decided <= now);
    let rating = decided_at.filter(|_| spread(index, 4) < 333).map(|decided| {
        let roll = spread(index, 5);
        let level = match roll {
            0..=39 => 1 + (roll % 2) as i64,
            40..=99 => 3,
            100..=399 => 4,
            _ => 5,
        };
        let month = (chrono::DateTime::from_timestamp_millis(decided).unwrap_or_default() + Duration::hours(8))
            .format("%Y-%m")
            .to_string();
        (level, decided + HOUR, month)
    });
    Generated {
        // Numbered by the caller, from the day's cases.
        number: String::new(),
        matter_code,
        matter_version,
        department,
        channel: if online {
            "online"
        } else if spread(index, 6) < 500 {
            "window"
        } else {
            "api"
        },
        phase: if decided_at.is_some() {
            "delivered"
        } else if accepted_at.is_some() {
            "accepted"
        } else {
            "received"
        },
        corrections: if spread(index, 7) < 20 { 2 } else { 0 },
        received_at,
        accepted_at,
        accepted_by: accepted_at.map(|_| format!("staff{:02}", spread(index, 8) % 40)),
        due_at: accepted_at.map(|accepted| accepted + 10 * DAY),
        decided_at,
        trips: if online { 0 } else { 1 } + i64::from(spread(index, 9) < 200),
        rating,
    }
}

macro_rules! write_batch {
    ($pool:expr, $rows:expr, $applicant:expr, $document:expr, $first_slot:expr) => {{
        let rows: &[Generated] = $rows;
        let mut transaction = $pool.begin().await.map_err(error)?;
        // 1,500 rows of 18 values stay under SQLite's 32,766 variables per statement.
        for chunk in rows.chunks(1500) {
            let mut cases = sqlx::QueryBuilder::new(
                "INSERT INTO cases (number, matter_code, matter_version, department, applicant_id, channel, phase, \
                 document, revision, corrections, received_at, accepted_at, accepted_by, due_at, decided_at, trips, \
                 created_at, updated_at) ",
            );
            cases.push_values(chunk, |mut row, case| {
                row.push_bind(case.number.clone())
                    .push_bind(case.matter_code.clone())
                    .push_bind(case.matter_version)
                    .push_bind(case.department.clone())
                    .push_bind($applicant)
                    .push_bind(case.channel)
                    .push_bind(case.phase)
                    .push_bind($document)
                    .push_bind(3i64)
                    .push_bind(case.corrections)
                    .push_bind(case.received_at)
                    .push_bind(case.accepted_at)
                    .push_bind(case.accepted_by.clone())
                    .push_bind(case.due_at)
                    .push_bind(case.decided_at)
                    .push_bind(case.trips)
                    .push_bind(case.received_at)
                    .push_bind(case.decided_at.unwrap_or(case.received_at));
            });
            cases.build().execute(&mut *transaction).await.map_err(error)?;
        }
        let rated: Vec<(i64, &Generated)> = rows
            .iter()
            .filter(|case| case.rating.is_some())
            .enumerate()
            .map(|(offset, case)| ($first_slot + offset as i64, case))
            .collect();
        for chunk in rated.chunks(1500) {
            let mut slots = sqlx::QueryBuilder::new(
                "INSERT INTO rating_slots (id, case_number, stage, service, department, matter_code, staff, \
                 applicant_id, opened_at, rating_id) ",
            );
            slots.push_values(chunk, |mut row, (id, case)| {
                row.push_bind(*id)
                    .push_bind(case.number.clone())
                    .push_bind("conclusion")
                    .push_bind(if case.channel == "online" { "online" } else { "on_site" })
                    .push_bind(case.department.clone())
                    .push_bind(case.matter_code.clone())
                    .push_bind(case.accepted_by.clone())
                    .push_bind($applicant)
                    .push_bind(case.decided_at.unwrap_or_default())
                    .push_bind(*id);
            });
            slots.build().execute(&mut *transaction).await.map_err(error)?;
            let mut ratings = sqlx::QueryBuilder::new(
                "INSERT INTO ratings (id, slot_id, level, channel, indicators, indicator_version, comment, rated_at, \
                 month, department, matter_code, staff, excluded) ",
            );
            ratings.push_values(chunk, |mut row, (id, case)| {
                let (level, at, month) = case.rating.clone().unwrap_or_default();
                row.push_bind(*id)
                    .push_bind(*id)
                    .push_bind(level)
                    .push_bind("link")
                    .push_bind("")
                    .push_bind(1i64)
                    .push_bind("")
                    .push_bind(at)
                    .push_bind(month)
                    .push_bind(case.department.clone())
                    .push_bind(case.matter_code.clone())
                    .push_bind(case.accepted_by.clone())
                    .push_bind(0i64);
            });
            ratings.build().execute(&mut *transaction).await.map_err(error)?;
        }
        transaction.commit().await.map_err(error)?;
        Ok::<i64, String>(rated.len() as i64)
    }};
}

pub async fn scale(database: &str, cases: u64, months: u32) -> Result<(), String> {
    let setup = setup_server(database).await?;
    let backend = if database == "sqlite" { "sqlite" } else { "postgres" };
    let manager = setup.session("bench-manager", vec![Role::HallManager]).await?;
    let catalog = setup.state.app.catalog();
    let matters: Vec<(String, i64, String)> = catalog
        .active_matters()
        .filter_map(|matter| {
            let version = catalog.version(&matter.code)?;
            Some((matter.code.clone(), i64::from(version.version), matter.department.clone()))
        })
        .collect();
    if matters.is_empty() {
        return Err("the demo catalog has no matters".to_string());
    }
    let identity =
        onetrip_domain::applicant::ApplicantIdentity::parse("natural_person", "654301198001011232").map_err(error)?;
    let applicant = onetrip_store::NewApplicant {
        identity,
        name: "测试".to_string(),
        phone: "13912345678".to_string(),
        password_hash: None,
    };
    let applicant = setup.store.create_applicant(&applicant, Utc::now()).await.map_err(error)?;
    let document = serde_json::to_string(&onetrip_domain::case::CaseDocument::received(
        Utc::now().naive_utc(),
        0,
        Vec::new(),
        Vec::new(),
        None,
    ))
    .map_err(error)?;

    // Received evenly from the first day of the month MONTHS − 1 months ago up to now, in order.
    let today = (Utc::now() + Duration::hours(8)).date_naive();
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).ok_or("month")?;
    let first = this_month.checked_sub_months(Months::new(months.saturating_sub(1))).ok_or("months")?;
    let start = first.and_hms_opt(0, 0, 0).ok_or("start")?.and_utc().timestamp_millis() - 8 * 3_600_000;
    let now = Utc::now().timestamp_millis();
    let step = (now - start) as f64 / cases as f64;
    let started = Instant::now();
    let mut written = 0u64;
    let mut slot = 1i64;
    let mut ratings = 0i64;
    let batch = 20_000u64;
    // Each day's sequence numbers count from 1 again.
    let mut day_of_index = None;
    let mut day_first = 0u64;
    while written < cases {
        let count = batch.min(cases - written);
        let mut rows = Vec::with_capacity(count as usize);
        for index in written..written + count {
            let received_at = start + (index as f64 * step) as i64;
            let day = (received_at + 8 * 3_600_000).div_euclid(86_400_000);
            if day_of_index != Some(day) {
                day_of_index = Some(day);
                day_first = index;
            }
            let matter = &matters[(spread(index, 10) as usize * matters.len()) / 1000];
            let mut case = generate(index, received_at, matter, now);
            let local = chrono::DateTime::from_timestamp_millis(received_at).unwrap_or_default() + Duration::hours(8);
            // From 500,001 on in each day: the demo cases of the seed have the day's first numbers.
            case.number = CaseNumber::new(local.date_naive(), u32::try_from(500_001 + index - day_first).unwrap_or(1))
                .map_err(error)?
                .compact();
            rows.push(case);
        }
        let rated = match &setup.raw {
            Raw::Sqlite { bulk, .. } => write_batch!(bulk, &rows, applicant, document.as_str(), slot)?,
            Raw::Postgres(pool) => write_batch!(pool, &rows, applicant, document.as_str(), slot)?,
        };
        slot += rated;
        ratings += rated;
        written += count;
        if written.is_multiple_of(1_000_000) {
            eprintln!("{backend}: {written} cases written in {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    let loaded = started.elapsed().as_secs_f64();
    // PostgreSQL's sequences must start after the ids written.
    if let Raw::Postgres(pool) = &setup.raw {
        for table in ["rating_slots", "ratings"] {
            sqlx::query(&format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), $1)"))
                .bind(slot.max(1))
                .execute(pool)
                .await
                .map_err(error)?;
        }
    }
    let counting = Instant::now();
    setup.store.rebuild_rollups().await.map_err(error)?;
    let counted = counting.elapsed().as_secs_f64();
    if let Raw::Postgres(pool) = &setup.raw {
        sqlx::query("VACUUM ANALYZE").execute(pool).await.map_err(error)?;
    } else if let Raw::Sqlite { bulk, .. } = &setup.raw {
        sqlx::query("ANALYZE").execute(bulk).await.map_err(error)?;
    }
    println!("statistics.{backend}.cases {cases}");
    println!("statistics.{backend}.months {months}");
    println!("statistics.{backend}.ratings {ratings}");
    println!("statistics.{backend}.load_seconds {loaded:.0}");
    println!("statistics.{backend}.rollup_rebuild_seconds {counted:.1}");
    let last_month = this_month.checked_sub_months(Months::new(1)).ok_or("last month")?;
    let month_cases: u64 = setup
        .store
        .matter_cases(
            setup.state.app.utc_of(last_month.and_hms_opt(0, 0, 0).unwrap_or_default()),
            setup.state.app.utc_of(this_month.and_hms_opt(0, 0, 0).unwrap_or_default()),
        )
        .await
        .map_err(error)?
        .iter()
        .map(|row| row.received)
        .sum();
    println!("statistics.{backend}.last_month_cases {month_cases}");
    // Where a page's time goes: each store query the pages make, once, for last month.
    let from = setup.state.app.utc_of(last_month.and_hms_opt(0, 0, 0).unwrap_or_default());
    let to = setup.state.app.utc_of(this_month.and_hms_opt(0, 0, 0).unwrap_or_default());
    let key_matters: Vec<String> =
        onetrip_domain::statistics::shipped_targets().into_iter().map(|target| target.code).collect();
    let month_code = last_month.format("%Y-%m").to_string();
    let store = &setup.store;
    let mut timings = Vec::new();
    let clock = Instant::now();
    let rows = store.matter_cases(from, to).await.map_err(error)?.len();
    timings.push(("matter_cases", clock.elapsed(), rows));
    let clock = Instant::now();
    let rows = store.cases_per_day(from, to, 8 * 3_600_000).await.map_err(error)?.len();
    timings.push(("cases_per_day", clock.elapsed(), rows));
    let clock = Instant::now();
    let rows = store.decisions(from, to, &key_matters).await.map_err(error)?.len();
    timings.push(("key_matter_decisions", clock.elapsed(), rows));
    let clock = Instant::now();
    let rows = store.rating_tallies(&month_code).await.map_err(error)?.len();
    timings.push(("rating_tallies", clock.elapsed(), rows));
    let clock = Instant::now();
    let rows = store.staff_cases(from, to).await.map_err(error)?.len();
    timings.push(("staff_cases", clock.elapsed(), rows));
    let clock = Instant::now();
    let rows = store.staff_ratings(std::slice::from_ref(&month_code)).await.map_err(error)?.len();
    timings.push(("staff_ratings", clock.elapsed(), rows));
    for (name, took, rows) in timings {
        println!("statistics.{backend}.query.{name}_ms {:.2} ({rows} rows)", took.as_secs_f64() * 1000.0);
    }
    let report = |name: &str, latencies: &[f64]| {
        println!("statistics.{backend}.{name}_p50_ms {:.2}", percentile(latencies, 0.5));
        println!("statistics.{backend}.{name}_p99_ms {:.2}", percentile(latencies, 0.99));
    };
    for (label, month) in [("last_month", last_month), ("this_month", this_month)] {
        let code = month.format("%Y-%m").to_string();
        let quarter = onetrip_app::evaluation::Quarter::of(month).code();
        for (name, path) in [
            ("statistics_page", format!("/staff/statistics?month={code}")),
            ("monthly_report", format!("/staff/statistics/report?month={code}")),
            ("statistics_api", format!("/api/v1/statistics/monthly?month={code}")),
            ("scorecards_page", format!("/staff/scorecards?month={code}")),
            ("scorecards_api", format!("/api/v1/statistics/scorecards?month={code}")),
            ("evaluation_page", format!("/staff/evaluation?quarter={quarter}")),
            ("disclosure_page", format!("/ratings?month={code}")),
            ("disclosure_api", format!("/api/v1/ratings/disclosure?month={code}")),
        ] {
            let latencies = timed(&setup, &path, &manager, 50).await?;
            report(&format!("{label}.{name}"), &latencies);
        }
    }
    setup.finish().await
}

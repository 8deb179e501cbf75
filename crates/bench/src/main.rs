//! `onetrip-bench`: measurements anyone can rerun (see `scripts/bench.sh` and the README).
//!
//! - `calendar`: due-date computations and working-time counts per second, on one core.
//! - `search`: ranked search over a generated catalog of 100,000 matters: build time and latency percentiles.
//! - `search-eval`: the evaluation set of everyday phrasings (`data/search/phrasings.txt`) against the demo
//!   catalog: the share found first and in the first five, and every phrasing missed.
//! - `hello ADDR`: a minimal axum "hello" server, the baseline the guide page is compared with.
//! - `cases-submit DATABASE SECONDS CLIENTS` and `cases-scale DATABASE CASES`: see `cases.rs`.
//! - `statistics-scale DATABASE CASES MONTHS`: the accountability pages over millions of cases, see
//!   `statistics.rs`.

mod cases;
mod hall;
mod statistics;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use onetrip_domain::calendar::{shipped_entries, Calendar, OfficeHours};
use onetrip_domain::search::{Field, SearchIndex, Synonyms};
use std::hint::black_box;
use std::time::Instant;

fn percentile(sorted: &[f64], share: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * share).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn calendar() -> Result<(), String> {
    let entries = shipped_entries().map_err(|errors| errors.to_string())?;
    let calendar = Calendar::new(&entries, OfficeHours::default());
    let base =
        NaiveDate::from_ymd_opt(2019, 1, 1).ok_or("date")?.and_time(NaiveTime::from_hms_opt(9, 30, 0).ok_or("time")?);
    // Starts spread over eight years, at different times of day, with limits from 0.5 to 60 working days.
    let starts: Vec<NaiveDateTime> =
        (0..4096).map(|i| base + Duration::days((i * 7919) % 2900) + Duration::minutes((i * 37) % 600)).collect();
    let iterations = 5_000_000usize;
    let started = Instant::now();
    let mut checksum = 0i64;
    for i in 0..iterations {
        let due = calendar.due(starts[i % starts.len()], (i % 120) as u32 + 1).map_err(|e| e.to_string())?;
        checksum = checksum.wrapping_add(due.and_utc().timestamp());
    }
    let due_rate = iterations as f64 / started.elapsed().as_secs_f64();
    black_box(checksum);

    let pause = [(base + Duration::days(3), base + Duration::days(5))];
    let started = Instant::now();
    let mut minutes = 0i64;
    for i in 0..iterations {
        let from = starts[i % starts.len()];
        let to = from + Duration::days((i % 90) as i64 + 1);
        minutes += calendar.working_time_between(from, to, &pause).map_err(|e| e.to_string())?.minutes;
    }
    let between_rate = iterations as f64 / started.elapsed().as_secs_f64();
    black_box(minutes);
    println!("calendar.due_per_second {due_rate:.0}");
    println!("calendar.working_time_between_per_second {between_rate:.0}");
    Ok(())
}

/// Words that matter names are made of, so the generated catalog has realistic overlap between names.
const SUBJECTS: [&str; 24] = [
    "企业",
    "个体工商户",
    "不动产",
    "建筑工程",
    "建设工程",
    "职工",
    "个人",
    "社会保障卡",
    "失业保险",
    "住房公积金",
    "居民身份证",
    "户口",
    "出生",
    "婚姻",
    "医师",
    "道路运输",
    "增值税发票",
    "城乡居民养老保险",
    "残疾人证",
    "公共场所卫生",
    "取水",
    "供水",
    "供暖",
    "食品经营",
];
const ACTIONS: [&str; 12] = [
    "设立登记",
    "变更登记",
    "注销登记",
    "转移登记",
    "抵押登记",
    "首次登记",
    "许可",
    "申领",
    "提取",
    "参保登记",
    "补领",
    "缴费",
];
const QUALIFIERS: [&str; 10] = [
    "",
    "（公司）",
    "（分支机构）",
    "（个人）",
    "（单位）",
    "（县级）",
    "（市级）",
    "（跨省）",
    "（补办）",
    "（延续）",
];
const QUERIES: [&str; 24] = [
    "开公司",
    "社保",
    "户口",
    "过户",
    "生孩子",
    "不动产转移登记",
    "企业注销",
    "公积金提取",
    "身份证",
    "交暖气费",
    "食品经营许可",
    "失业保险金",
    "建筑工程施工许可",
    "发票",
    "残疾人证",
    "供水报装",
    // Sentences with words the index does not know, pinyin in full, as initials and mistyped, and a
    // character of the same sound: the slower paths of reading a query.
    "我想把公司注销了怎么办",
    "家里老人退休了养老金怎么领",
    "shebaoka",
    "gjjtq",
    "gongjijintiqu",
    "bududongchan",
    "公基金提取",
    "火箭发射",
];

fn search() -> Result<(), String> {
    let count = 100_000usize;
    let names: Vec<String> = (0..count)
        .map(|i| {
            format!(
                "{}{}{}",
                SUBJECTS[i % SUBJECTS.len()],
                ACTIONS[(i / SUBJECTS.len()) % ACTIONS.len()],
                QUALIFIERS[(i / 7) % QUALIFIERS.len()]
            )
        })
        .collect();
    let extras: Vec<String> = (0..count).map(|i| format!("编号{i:06} 第{}批 主题{}", i % 97, i % 31)).collect();
    let synonyms = Synonyms::parse(
        "开公司 = 企业设立登记\n过户 = 不动产转移登记\n生孩子 = 出生登记\n交暖气费 = 供暖缴费\n社保 = 参保登记\n",
    )
    .map_err(|errors| errors.to_string())?;
    let started = Instant::now();
    let index = SearchIndex::build(
        names
            .iter()
            .zip(&extras)
            .map(|(name, extra)| vec![Field { text: name, weight: 3.0 }, Field { text: extra, weight: 1.0 }]),
        synonyms,
    );
    let build_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut timings = Vec::new();
    let mut found = 0usize;
    for round in 0..200 {
        for query in QUERIES {
            let started = Instant::now();
            let hits = index.search(black_box(query), 20);
            timings.push(started.elapsed().as_secs_f64() * 1000.0);
            if round == 0 && !hits.is_empty() {
                found += 1;
            }
        }
    }
    timings.sort_by(f64::total_cmp);
    println!("search.matters {}", index.len());
    println!("search.build_ms {build_ms:.0}");
    println!("search.queries {}", timings.len());
    println!("search.queries_with_results {found}/{}", QUERIES.len());
    println!("search.p50_ms {:.3}", percentile(&timings, 0.50));
    println!("search.p99_ms {:.3}", percentile(&timings, 0.99));
    println!("search.max_ms {:.3}", timings.last().copied().unwrap_or_default());
    Ok(())
}

fn search_eval() -> Result<(), String> {
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).ok_or("date")?;
    let snapshot = onetrip_app::search_eval::demo_snapshot(today)?;
    let evaluation = onetrip_app::search_eval::evaluate_on(&snapshot)?;
    for miss in &evaluation.misses {
        let found: Vec<String> = miss.found.iter().map(|code| snapshot.matter_name(code)).collect();
        println!(
            "search-eval.miss {} → {} (found: {})",
            miss.phrase,
            snapshot.matter_name(&miss.expected),
            found.join("、")
        );
    }
    println!("search-eval.phrasings {}", evaluation.total);
    println!("search-eval.first {} ({:.1}%)", evaluation.first, 100.0 * evaluation.share_first());
    println!("search-eval.top_five {} ({:.1}%)", evaluation.top_five, 100.0 * evaluation.share_top_five());
    Ok(())
}

async fn hello(address: &str) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| e.to_string())?;
    let router = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
    axum::serve(listener, router).await.map_err(|e| e.to_string())
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())
}

fn main() -> std::process::ExitCode {
    let arguments: Vec<String> = std::env::args().collect();
    let result = match arguments.get(1).map(String::as_str) {
        Some("calendar") => calendar(),
        Some("search") => search(),
        Some("search-eval") => search_eval(),
        Some("hello") => {
            tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string()).and_then(
                |runtime| runtime.block_on(hello(arguments.get(2).map(String::as_str).unwrap_or("127.0.0.1:8099"))),
            )
        }
        Some("cases-submit") => {
            let database = arguments.get(2).cloned().unwrap_or_else(|| "sqlite".to_string());
            let seconds = arguments.get(3).and_then(|value| value.parse().ok()).unwrap_or(10);
            let clients = arguments.get(4).and_then(|value| value.parse().ok()).unwrap_or(8);
            let with_file = arguments.get(5).map(String::as_str) != Some("no-file");
            runtime().and_then(|runtime| runtime.block_on(cases::submit(&database, seconds, clients, with_file)))
        }
        Some("cases-scale") => {
            let database = arguments.get(2).cloned().unwrap_or_else(|| "sqlite".to_string());
            let count = arguments.get(3).and_then(|value| value.parse().ok()).unwrap_or(1_000_000);
            runtime().and_then(|runtime| runtime.block_on(cases::scale(&database, count)))
        }
        Some("statistics-scale") => {
            let database = arguments.get(2).cloned().unwrap_or_else(|| "sqlite".to_string());
            let count = arguments.get(3).and_then(|value| value.parse().ok()).unwrap_or(10_000_000);
            let months = arguments.get(4).and_then(|value| value.parse().ok()).unwrap_or(60);
            runtime().and_then(|runtime| runtime.block_on(statistics::scale(&database, count, months)))
        }
        Some("hall-calls") => {
            let database = arguments.get(2).cloned().unwrap_or_else(|| "sqlite".to_string());
            let seconds = arguments.get(3).and_then(|value| value.parse().ok()).unwrap_or(10);
            runtime().and_then(|runtime| runtime.block_on(hall::calls(&database, seconds)))
        }
        Some("hall-display") => {
            let database = arguments.get(2).cloned().unwrap_or_else(|| "sqlite".to_string());
            let displays = arguments.get(3).and_then(|value| value.parse().ok()).unwrap_or(200);
            let calls = arguments.get(4).and_then(|value| value.parse().ok()).unwrap_or(20);
            runtime().and_then(|runtime| runtime.block_on(hall::display(&database, displays, calls)))
        }
        _ => Err(
            "usage: onetrip-bench calendar | search | search-eval | hello ADDR | cases-submit DATABASE SECONDS CLIENTS [no-file] | \
                  cases-scale DATABASE CASES | statistics-scale DATABASE CASES MONTHS | hall-calls DATABASE SECONDS | hall-display DATABASE DISPLAYS CALLS"
                .to_string(),
        ),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("onetrip-bench: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

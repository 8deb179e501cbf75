//! Hall benchmarks (issue 4), against the real server on a loopback port, on SQLite or PostgreSQL, with the
//! demo hall (120 windows in 9 zones):
//!
//! - `hall-calls DATABASE SECONDS`: one client per window, each calling its next ticket through
//!   `POST /api/v1/hall/windows/{code}/call` as fast as it can; the queue is kept at 500 waiting tickets
//!   (every call is followed by a new ticket in the same zone, through the store, not timed). Reports calls per
//!   second, p50/p99, and how many tickets were handed out twice (must be 0).
//! - `hall-display DATABASE DISPLAYS CALLS`: DISPLAYS wall displays connected to the event stream; CALLS calls
//!   one after another; for each call and display, the time from sending the call to the event's arrival.

use crate::cases::{error, request, setup_server, HttpClient};
use chrono::Utc;
use http_body_util::BodyExt;
use onetrip_store::hall::NewTicket;
use std::collections::HashSet;
use std::time::Instant;

fn percentile(sorted: &[f64], share: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * share).round() as usize]
}

/// Signs 120 staff members in at the demo hall's 120 centre windows; returns (window, zone letter, zone,
/// token) per window.
async fn staff_windows(server: &crate::cases::Setup) -> Result<Vec<(String, char, String, String)>, String> {
    let layout = server.state.catalog().hall.clone();
    let mut windows = Vec::new();
    for window in layout.windows.iter().filter(|window| window.open) {
        let zone = layout.zone(&window.zone).ok_or("zone")?;
        if zone.hall != "centre" {
            continue;
        }
        let name = format!("w{}", window.code);
        let token = server.session(&name, vec![onetrip_domain::access::Role::WindowStaff]).await?;
        server.store.set_presence(&window.code, &name, &name, "sign_in", Utc::now()).await.map_err(error)?;
        windows.push((window.code.clone(), zone.prefix, zone.code.clone(), token));
    }
    Ok(windows)
}

fn ticket(zone: &str, prefix: char, day: chrono::NaiveDate) -> NewTicket {
    NewTicket {
        hall: "centre".into(),
        day,
        prefix,
        zone: zone.to_string(),
        matter_code: None,
        priority: onetrip_domain::queue::Priority::None,
        channel: "kiosk".into(),
        id_last_four: None,
        at: Utc::now(),
    }
}

pub async fn calls(database: &str, seconds: u64) -> Result<(), String> {
    let server = setup_server(database).await?;
    let windows = staff_windows(&server).await?;
    let day = server.state.today();
    // 500 waiting, spread over the zones as the windows are.
    for index in 0..500 {
        let (_, prefix, zone, _) = &windows[index % windows.len()];
        server.store.issue_ticket(&ticket(zone, *prefix, day)).await.map_err(error)?;
    }
    let started = Instant::now();
    let deadline = started + std::time::Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (code, prefix, zone, token) in windows.clone() {
        let client = server.client.clone();
        let store = server.store.clone();
        let url = format!("{}/api/v1/hall/windows/{code}/call", server.base);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut numbers = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                let (status, body) = request(&client, "POST", &url, &token, None, None).await?;
                latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                match status {
                    200 => {
                        let value: serde_json::Value = serde_json::from_slice(&body).map_err(error)?;
                        numbers.push(value["id"].as_i64().ok_or("id")?);
                        store.issue_ticket(&ticket(&zone, prefix, day)).await.map_err(error)?;
                    }
                    204 => {}
                    other => return Err(format!("call answered {other}: {}", String::from_utf8_lossy(&body))),
                }
            }
            Ok::<_, String>((latencies, numbers))
        }));
    }
    let mut latencies = Vec::new();
    let mut seen = HashSet::new();
    let mut twice = 0;
    for task in tasks {
        let (times, numbers) = task.await.map_err(error)??;
        latencies.extend(times);
        for id in numbers {
            if !seen.insert(id) {
                twice += 1;
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let name = if database == "sqlite" { "sqlite" } else { "postgres" };
    let waiting = server
        .store
        .tickets_of_day("centre", day)
        .await
        .map_err(error)?
        .iter()
        .filter(|ticket| ticket.state == onetrip_domain::queue::TicketState::Waiting)
        .count();
    println!("hall.{name}.windows {}", windows.len());
    println!("hall.{name}.calls {}", latencies.len());
    println!("hall.{name}.calls_per_second {:.0}", latencies.len() as f64 / elapsed);
    println!("hall.{name}.call_p50_ms {:.2}", percentile(&latencies, 0.50));
    println!("hall.{name}.call_p99_ms {:.2}", percentile(&latencies, 0.99));
    println!("hall.{name}.tickets_called_twice {twice}");
    println!("hall.{name}.waiting_at_end {waiting}");
    server.finish().await
}

pub async fn display(database: &str, displays: usize, calls: usize) -> Result<(), String> {
    let server = setup_server(database).await?;
    let windows = staff_windows(&server).await?;
    let day = server.state.today();
    let (code, prefix, zone, token) = windows.first().cloned().ok_or("no window")?;
    for _ in 0..calls {
        server.store.issue_ticket(&ticket(&zone, prefix, day)).await.map_err(error)?;
    }
    // Each display keeps its stream open and reports the instant each call arrives.
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<(usize, String, Instant)>();
    let mut readers = Vec::new();
    for display in 0..displays {
        let client: HttpClient =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
        let url = format!("{}/hall/centre/display/events", server.base);
        let sender = sender.clone();
        readers.push(tokio::spawn(async move {
            let request =
                hyper::Request::get(url).body(http_body_util::Full::new(bytes::Bytes::new())).map_err(error)?;
            let response = client.request(request).await.map_err(error)?;
            let mut body = response.into_body();
            let mut text = String::new();
            while let Some(frame) = body.frame().await {
                if let Ok(data) = frame.map_err(error)?.into_data() {
                    text.push_str(&String::from_utf8_lossy(&data));
                    while let Some(end) = text.find("\n\n") {
                        let event: String = text.drain(..end + 2).collect();
                        if let Some(number) =
                            event.split("\"number\":\"").nth(1).and_then(|rest| rest.split('"').next())
                        {
                            let _ = sender.send((display, number.to_string(), Instant::now()));
                        }
                    }
                }
            }
            Ok::<(), String>(())
        }));
    }
    drop(sender);
    // Let every display connect.
    tokio::time::sleep(std::time::Duration::from_millis(500 + displays as u64 * 5)).await;
    let url = format!("{}/api/v1/hall/windows/{code}/call", server.base);
    let mut sent_at = std::collections::HashMap::new();
    for _ in 0..calls {
        let sent = Instant::now();
        let (status, body) = request(&server.client, "POST", &url, &token, None, None).await?;
        if status != 200 {
            return Err(format!("call answered {status}"));
        }
        let value: serde_json::Value = serde_json::from_slice(&body).map_err(error)?;
        sent_at.insert(value["number"].as_str().ok_or("number")?.to_string(), sent);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Collect what arrived (every display, every call), waiting at most two seconds after the last call.
    let mut delays = Vec::new();
    let expected = displays * calls;
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
    while delays.len() < expected {
        match tokio::time::timeout_at(until, receiver.recv()).await {
            Ok(Some((_, number, arrived))) => {
                if let Some(sent) = sent_at.get(&number) {
                    delays.push(arrived.duration_since(*sent).as_secs_f64() * 1000.0);
                }
            }
            _ => break,
        }
    }
    for reader in readers {
        reader.abort();
    }
    delays.sort_by(f64::total_cmp);
    let name = if database == "sqlite" { "sqlite" } else { "postgres" };
    println!("display.{name}.displays {displays}");
    println!("display.{name}.calls {calls}");
    println!("display.{name}.events_expected {expected}");
    println!("display.{name}.events_received {}", delays.len());
    if !delays.is_empty() {
        println!("display.{name}.delay_p50_ms {:.1}", percentile(&delays, 0.50));
        println!("display.{name}.delay_p99_ms {:.1}", percentile(&delays, 0.99));
        println!("display.{name}.delay_max_ms {:.1}", delays[delays.len() - 1]);
    }
    server.finish().await
}

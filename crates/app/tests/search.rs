//! The public search against the evaluation set of everyday phrasings (`data/search/phrasings.txt`):
//! a floor under the shares found first and in the first five, so that a change to the search or to the
//! demo synonyms that loses what people mean fails here. `onetrip-bench search-eval` prints the figures.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

use chrono::NaiveDate;
use onetrip_app::search_eval::{demo_snapshot, evaluate_on};

#[test]
fn the_demo_catalog_understands_everyday_phrasings() {
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let snapshot = demo_snapshot(today).expect("the demo catalog builds");
    let evaluation = evaluate_on(&snapshot).expect("the phrasings parse");
    for miss in &evaluation.misses {
        eprintln!("missed first: {} → {} (found {:?})", miss.phrase, miss.expected, miss.found);
    }
    assert!(evaluation.total >= 100, "at least 100 phrasings, found {}", evaluation.total);
    assert!(evaluation.share_top_five() >= 0.95, "top five: {:.3}", evaluation.share_top_five());
    assert!(evaluation.share_first() >= 0.90, "first: {:.3}", evaluation.share_first());
}

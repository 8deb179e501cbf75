//! The statistics the centre reports to the city: a month's headline figures (cases received, online and the
//! online rate, matters and departments in the hall, decisions on time, 一次办结, 好评率), the working days
//! the key matters took against the days before the reform and the reform's target, the days of the month
//! and the departments as series for the dashboard's charts. Everything is counted from the records; each
//! figure's page says how.

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::ratings::figures::{month_span, MonthSpan};
use crate::scorecards::{month_cards, CaseCounts, Scorecard};
use chrono::{Months, NaiveDate};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::statistics::{shipped_targets, KeyMatter};

/// A key matter's month: its days before, its target and the mean working days its decisions took.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyMatterMonth {
    pub target: KeyMatter,
    pub name: String,
    /// The promised limit in the catalog, in working days.
    pub promised_days: f64,
    /// Decisions this month, and the mean working days from acceptance to decision (special procedures
    /// included).
    pub decided: u64,
    pub mean_days: Option<f64>,
}

/// A month's report.
#[derive(Debug, Clone)]
pub struct MonthlyReport {
    pub month: String,
    /// The centre's cases of the month (the departments' summed).
    pub counts: CaseCounts,
    /// Of the online applications, those a window helped fill in (帮办代办): counted in `counts.online`.
    pub assisted: u64,
    pub matters: u64,
    pub matters_in_hall: u64,
    pub departments: u64,
    pub departments_in_hall: u64,
    pub key_matters: Vec<KeyMatterMonth>,
    /// Each day of the month: (date, received, online).
    pub days: Vec<(NaiveDate, u64, u64)>,
    /// The departments' scorecards, ranked.
    pub cards: Vec<Scorecard>,
    /// 好评率 of the centre, and ratings counted.
    pub good_rate: Option<f64>,
    pub rated: u64,
}

/// The report of `month` (`YYYY-MM`; empty: this month). Managers only.
pub async fn monthly_report(app: &App, actor: &Actor, month: &str) -> AppResult<MonthlyReport> {
    if !actor.may(Permission::Supervise) {
        return Err(AppError::Forbidden);
    }
    let MonthSpan { first, from, to } = month_span(app, month)?;
    let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
    // The departments' cards of this month only: the report needs no trend.
    let cards = month_cards(app, first).await?;
    let sum = |pick: fn(&Scorecard) -> u64| cards.iter().map(pick).sum::<u64>();
    let catalog = app.catalog();
    // Days since the epoch in the centre's time, back to dates.
    let offset = i64::from(app.config.utc_offset.local_minus_utc()) * 1000;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let counted = app.store.cases_per_day(from, to, offset).await?;
    let mut days = Vec::new();
    let mut day = first;
    while day < next {
        let index = (day - epoch).num_days();
        let (received, online) = counted
            .iter()
            .find(|(at, _, _)| *at == index)
            .map(|(_, received, online)| (*received, *online))
            .unwrap_or((0, 0));
        days.push((day, received, online));
        day += chrono::Duration::days(1);
    }
    let targets = shipped_targets();
    let codes: Vec<String> = targets.iter().map(|target| target.code.clone()).collect();
    let decisions = app.store.decisions(from, to, &codes).await?;
    let calendar = app.calendar();
    let minutes_per_day = app.config.office_hours.minutes_per_day().max(1);
    let key_matters = targets
        .into_iter()
        .map(|target| {
            let version = catalog.version(&target.code);
            let durations: Vec<f64> = decisions
                .iter()
                .filter(|(code, _, _)| *code == target.code)
                .filter_map(|(_, accepted, decided)| {
                    calendar.working_time_between(app.local_naive(*accepted), app.local_naive(*decided), &[]).ok()
                })
                .map(|time| {
                    #[allow(clippy::cast_precision_loss)]
                    let days = time.minutes as f64 / minutes_per_day as f64;
                    days
                })
                .collect();
            #[allow(clippy::cast_precision_loss)]
            let mean_days = (!durations.is_empty()).then(|| durations.iter().sum::<f64>() / durations.len() as f64);
            KeyMatterMonth {
                name: version.map(|v| v.matter.name.clone()).unwrap_or_else(|| target.note.clone()),
                promised_days: version.map(|v| f64::from(v.matter.promised_limit.half_days()) / 2.0).unwrap_or(0.0),
                decided: durations.len() as u64,
                mean_days: mean_days.map(|days| (days * 10.0).round() / 10.0),
                target,
            }
        })
        .collect();
    let ratings = crate::ratings::figures::disclosure(app, &first.format("%Y-%m").to_string()).await?;
    let assisted = app.store.assisted_count(from, to).await?;
    Ok(MonthlyReport {
        assisted,
        month: first.format("%Y-%m").to_string(),
        counts: cards.iter().fold(CaseCounts::default(), |mut counts, card| {
            counts.add(&card.counts);
            counts
        }),
        matters: sum(|card| card.matters),
        matters_in_hall: cards.iter().filter(|card| card.in_hall).map(|card| card.matters).sum(),
        departments: cards.iter().filter(|card| card.matters > 0).count() as u64,
        departments_in_hall: cards.iter().filter(|card| card.in_hall && card.matters > 0).count() as u64,
        key_matters,
        days,
        good_rate: ratings.total.good_rate(),
        rated: ratings.total.rated(),
        cards,
    })
}

/// The report as a workbook: the headline figures, the key matters, the days and the departments, one
/// sheet each.
pub fn export_xlsx(report: &MonthlyReport) -> AppResult<Vec<u8>> {
    let internal = |error: rust_xlsxwriter::XlsxError| AppError::Internal(format!("workbook: {error}"));
    let rate = |share: Option<f64>| share.map(|share| (share * 1000.0).round() / 1000.0);
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    #[allow(clippy::cast_precision_loss)]
    let headline: Vec<(&str, Option<f64>, &str)> = vec![
        ("收件", Some(report.counts.received as f64), "本月收到的办件"),
        ("网上申请", Some(report.counts.online as f64), "本月收件中网上申请的"),
        ("其中帮办代办", Some(report.assisted as f64), "网上申请中由窗口帮助填写、申请人自己提交的"),
        ("网办率", rate(report.counts.online_rate()), "网上申请 ÷ 收件"),
        ("事项数", Some(report.matters as f64), "目录中现行事项"),
        ("进驻大厅的事项", Some(report.matters_in_hall as f64), "大厅布局中有功能区或窗口的部门的事项"),
        ("作出决定", Some(report.counts.decided as f64), "本月收件中已作出决定的"),
        ("按期办结率", rate(report.counts.on_time_rate()), "按期作出决定的 ÷ 作出决定的"),
        ("一次办结率", rate(report.counts.one_trip_rate()), "到现场不超过 1 次的 ÷ 作出决定的"),
        ("好评率", rate(report.good_rate), "好评 ÷ 计入统计的评价"),
    ];
    let sheet = workbook.add_worksheet();
    sheet.set_name("主要数字").map_err(internal)?;
    for (column, title) in ["项目", "数值", "怎么算的"].iter().enumerate() {
        sheet.write_with_format(0, u16::try_from(column).unwrap_or(0), *title, &bold).map_err(internal)?;
    }
    for (index, (name, value, how)) in headline.iter().enumerate() {
        let row = u32::try_from(index + 1).unwrap_or(0);
        sheet.write(row, 0, *name).map_err(internal)?;
        match value {
            Some(value) => sheet.write_number(row, 1, *value).map_err(internal)?,
            None => sheet.write(row, 1, "—").map_err(internal)?,
        };
        sheet.write(row, 2, *how).map_err(internal)?;
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name("关键事项").map_err(internal)?;
    for (column, title) in ["事项编码", "事项", "改革前", "目标", "承诺时限", "本月平均", "决定件数"].iter().enumerate()
    {
        sheet.write_with_format(0, u16::try_from(column).unwrap_or(0), *title, &bold).map_err(internal)?;
    }
    let text = rust_xlsxwriter::Format::new().set_quote_prefix();
    #[allow(clippy::cast_precision_loss)]
    for (index, key) in report.key_matters.iter().enumerate() {
        let row = u32::try_from(index + 1).unwrap_or(0);
        sheet.write_with_format(row, 0, key.target.code.as_str(), &text).map_err(internal)?;
        sheet.write_with_format(row, 1, key.name.as_str(), &text).map_err(internal)?;
        sheet.write_number(row, 2, key.target.before_days).map_err(internal)?;
        sheet.write_number(row, 3, key.target.target_days).map_err(internal)?;
        sheet.write_number(row, 4, key.promised_days).map_err(internal)?;
        match key.mean_days {
            Some(days) => sheet.write_number(row, 5, days).map_err(internal)?,
            None => sheet.write(row, 5, "—").map_err(internal)?,
        };
        sheet.write_number(row, 6, key.decided as f64).map_err(internal)?;
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name("每日收件").map_err(internal)?;
    for (column, title) in ["日期", "收件", "网上申请"].iter().enumerate() {
        sheet.write_with_format(0, u16::try_from(column).unwrap_or(0), *title, &bold).map_err(internal)?;
    }
    #[allow(clippy::cast_precision_loss)]
    for (index, (day, received, online)) in report.days.iter().enumerate() {
        let row = u32::try_from(index + 1).unwrap_or(0);
        sheet.write(row, 0, day.format("%Y-%m-%d").to_string()).map_err(internal)?;
        sheet.write_number(row, 1, *received as f64).map_err(internal)?;
        sheet.write_number(row, 2, *online as f64).map_err(internal)?;
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name("部门").map_err(internal)?;
    let titles = [
        "名次",
        "部门",
        "综合",
        "事项数",
        "进驻大厅",
        "收件",
        "网办率",
        "按期办结率",
        "一次办结率",
        "平均到现场次数",
        "承诺到现场次数",
        "二次补正",
        "窗口办结率",
        "回单位审批",
        "部门系统办理",
        "督办逾期",
        "本部门窗口",
        "在岗率",
        "提前撤岗",
        "好评率",
        "差评整改率",
    ];
    for (column, title) in titles.iter().enumerate() {
        sheet.write_with_format(0, u16::try_from(column).unwrap_or(0), *title, &bold).map_err(internal)?;
    }
    #[allow(clippy::cast_precision_loss)]
    for (index, card) in report.cards.iter().enumerate() {
        let row = u32::try_from(index + 1).unwrap_or(0);
        sheet.write_number(row, 0, card.rank as f64).map_err(internal)?;
        sheet.write_with_format(row, 1, card.name.as_str(), &text).map_err(internal)?;
        let numbers = [
            card.composite,
            Some(card.matters as f64),
            None,
            Some(card.counts.received as f64),
            rate(card.counts.online_rate()),
            rate(card.counts.on_time_rate()),
            rate(card.counts.one_trip_rate()),
            card.trips_per_case(),
            card.published_trips_per_case(),
            Some(card.second_corrections as f64),
            rate(card.window_rate()),
            Some(card.signed_off_outside() as f64),
            Some(card.via_system as f64),
            Some(card.late_orders as f64),
            Some(card.staffing.windows as f64),
            rate(card.staffing.rate()),
            Some(card.staffing.ended_early as f64),
            rate(card.ratings.good_rate()),
            rate(card.ratings.rectify_rate()),
        ];
        for (offset, value) in numbers.iter().enumerate() {
            let column = u16::try_from(2 + offset).unwrap_or(0);
            match (offset, value) {
                (2, _) => sheet.write(row, column, if card.in_hall { "是" } else { "否" }).map_err(internal)?,
                (_, Some(value)) => sheet.write_number(row, column, *value).map_err(internal)?,
                (_, None) => sheet.write(row, column, "—").map_err(internal)?,
            };
        }
    }
    workbook.save_to_buffer().map_err(internal)
}

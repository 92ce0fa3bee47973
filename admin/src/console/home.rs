//! Where the console opens: an organisation administrator's dashboard, or an instance
//! administrator's list of organisations (and the form that adds one).

use super::charts::{Series, Tally, stacked_bars};
use super::{Console, Form, Frame, Organisation, Reply};
use actix_web::web;
use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use quietline_protocol::api::{
    CreateOrganisation, DailyStatistics, OUTCOMES, Organisation as OrganisationInfo,
    StatisticsPeriod,
};
use quietline_protocol::cards::StaleCard;
use quietline_server::organisations::service as organisations;

/// Days the dashboard looks back.
const DAYS: i64 = 30;
/// Cards due for review within this many days are listed with the overdue ones.
const REVIEW_SOON_DAYS: u32 = 30;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/organisations", web::post().to(create_organisation));
}

pub fn configure_organisation(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(dashboard))
        .route("/", web::get().to(dashboard));
}

#[derive(Template)]
#[template(path = "organisations.html")]
struct OrganisationsPage<'a> {
    frame: Frame<'a>,
    organisations: Vec<OrganisationInfo>,
}

/// A chart as an image (SVG in a data URL) and the table that says the same in words.
struct Chart {
    image: Option<String>,
    caption: String,
    columns: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
}

/// A table of waiting times: day, language, median and 90th percentile, as ranges.
struct Timing {
    title: &'static str,
    empty: &'static str,
    id: &'static str,
    rows: Vec<[String; 4]>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    frame: Frame<'a>,
    base: String,
    name: String,
    charts: Vec<Chart>,
    /// The time to a first claim, then from it to a first reply.
    timings: Vec<Timing>,
    stale: Vec<StaleCard>,
}

pub async fn home(console: Console) -> Reply {
    if let (false, Some(own)) = (
        console.admin.0.instance_admin,
        console.admin.0.organisation_id.as_ref(),
    ) {
        return console.visit.redirect(&format!("/console/o/{}", own.0));
    }
    let organisations = organisations::list_organisations(&console.visit.state, &console.admin.0)
        .await
        .map_err(|e| console.visit.refused(e))?;
    let page = OrganisationsPage {
        frame: console.frame("organisations-title", None, "organisations"),
        organisations,
    };
    console.visit.page(&page)
}

async fn create_organisation(console: Console, form: Form) -> Reply {
    let timer = form.get("disappearing_seconds").trim();
    let request = CreateOrganisation {
        name: form.get("name").trim().to_string(),
        default_language: form.get("default_language").trim().to_string(),
        disappearing_seconds: timer.parse().ok(),
    };
    let created =
        organisations::create_organisation(&console.visit.state, &console.admin.0, request)
            .await
            .map_err(|e| console.visit.refused(e))?;
    console.visit.redirect(&format!(
        "/console/o/{}?done=organisation-created",
        created.id.0
    ))
}

fn day_label(day: i64) -> String {
    jiff::Timestamp::from_second(day)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A stacked chart of one count per day and key (a language, an outcome), with its table.
fn chart(
    caption: String,
    days: &[i64],
    keys: &[(String, String)],
    count: impl Fn(i64, &str) -> Tally,
) -> Chart {
    let labels: Vec<String> = days.iter().map(|d| day_label(*d)).collect();
    let series: Vec<Series> = keys
        .iter()
        .map(|(key, name)| Series {
            name: name.clone(),
            counts: days.iter().map(|day| count(*day, key)).collect(),
        })
        .collect();
    let image = stacked_bars(&caption, &labels, &series)
        .map(|svg| format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg)));
    let rows = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            (
                label.clone(),
                series.iter().map(|s| s.counts[i].shown()).collect(),
            )
        })
        .collect();
    Chart {
        image,
        caption,
        columns: keys.iter().map(|(_, name)| name.clone()).collect(),
        rows,
    }
}

async fn dashboard(org: Organisation) -> Reply {
    let state = org.state();
    let visit = org.visit();
    let info = organisations::get_organisation(state, &org.admin)
        .await
        .map_err(|e| visit.refused(e))?;
    let now = state.clock.now();
    let statistics = quietline_server::conversations::service::statistics(
        state,
        &org.admin,
        Some(now - DAYS * 86_400),
        Some(now),
        StatisticsPeriod::Day,
    )
    .await
    .map_err(|e| visit.refused(e))?;
    let stale = quietline_server::cards::report::stale(state, &org.admin, Some(REVIEW_SOON_DAYS))
        .await
        .map_err(|e| visit.refused(e))?;
    let mut days: Vec<i64> = statistics.iter().map(|s| s.day).collect();
    days.sort_unstable();
    days.dedup();
    let mut languages: Vec<String> = statistics.iter().map(|s| s.language.clone()).collect();
    languages.sort();
    languages.dedup();
    let rows_of = |day: i64| statistics.iter().filter(move |s| s.day == day);
    let opened = |day: i64, language: &str| {
        rows_of(day)
            .filter(|s| s.language == language)
            .fold(Tally::default(), |sum, s: &DailyStatistics| {
                sum.add(&s.opened)
            })
    };
    let t = visit.t;
    let outcomes: Vec<(String, String)> = OUTCOMES
        .iter()
        .map(|o| (o.to_string(), t.name("outcome", o)))
        .collect();
    let languages: Vec<(String, String)> = languages.into_iter().map(|l| (l.clone(), l)).collect();
    let closed = |day: i64, outcome: &str| {
        rows_of(day).fold(Tally::default(), |sum, s| {
            s.closed.get(outcome).map_or(sum, |c| sum.add(c))
        })
    };
    let charts = vec![
        chart(t.get("chart-opened"), &days, &languages, opened),
        chart(t.get("chart-closed"), &days, &outcomes, closed),
    ];
    let timing =
        |title, empty, id, ranges: fn(&DailyStatistics) -> (Option<String>, Option<String>)| {
            Timing {
                title,
                empty,
                id,
                rows: statistics
                    .iter()
                    .filter_map(|s| {
                        let (median, p90) = ranges(s);
                        Some([
                            day_label(s.day),
                            s.language.clone(),
                            median?,
                            p90.unwrap_or_default(),
                        ])
                    })
                    .collect(),
            }
        };
    let timings = vec![
        timing(
            "first-claim-title",
            "first-claim-empty",
            "first-claims",
            |s| (s.first_claim_median.clone(), s.first_claim_p90.clone()),
        ),
        timing(
            "first-reply-title",
            "first-reply-empty",
            "first-replies",
            |s| (s.first_reply_median.clone(), s.first_reply_p90.clone()),
        ),
    ];
    let page = DashboardPage {
        frame: org.frame("dashboard-title", "dashboard"),
        base: org.path(""),
        name: info.name,
        charts,
        timings,
        stale,
    };
    visit.page(&page)
}

//! The audit log, filtered by who, what and when: never content (the log holds none).

use super::{Console, Frame, Organisation, Reply};
use actix_web::web;
use askama::Template;
use quietline_protocol::api::AuditEntry;
use quietline_server::audit::{self, Action, AuditQuery};
use std::collections::HashMap;

/// Entries per page.
const PAGE: u32 = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(instance));
}

pub fn configure_organisation(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(organisation));
}

/// A time as the console shows it: to the minute, UTC (the log keeps no finer).
pub fn minute(at: i64) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// A `YYYY-MM-DD` date as the start of that day (UTC), in Unix seconds.
fn day_start(date: &str) -> Option<i64> {
    let date: jiff::civil::Date = date.trim().parse().ok()?;
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    frame: Frame<'a>,
    /// The page's own path, for the filter form and the next page.
    path: String,
    entries: Vec<(AuditEntry, String, String)>,
    actions: Vec<(String, String)>,
    actor: String,
    action: String,
    since: String,
    until: String,
    next: Option<u64>,
    problem: Option<String>,
}

fn query_of(query: &HashMap<String, String>) -> AuditQuery {
    let given = |name: &str| query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    AuditQuery {
        actor: given("actor").map(str::to_string),
        action: given("action").map(str::to_string),
        since: given("since").and_then(day_start),
        // The whole of the last day asked for.
        until: given("until").and_then(day_start).map(|d| d + 86_400),
        before: given("before").and_then(|b| b.parse().ok()),
        limit: Some(PAGE),
    }
}

fn page<'a>(
    frame: Frame<'a>,
    path: String,
    query: &HashMap<String, String>,
    found: Result<Vec<AuditEntry>, String>,
) -> AuditPage<'a> {
    let t = frame.t;
    let given = |name: &str| query.get(name).cloned().unwrap_or_default();
    let mut actions: Vec<(String, String)> = Vec::new();
    for action in Action::ALL {
        let family = action.as_str().split('.').next().unwrap_or_default();
        let family = format!("{family}.");
        if !actions.iter().any(|(a, _)| *a == family) {
            actions.push((family.clone(), t.name("family", &family)));
        }
        actions.push((
            action.as_str().to_string(),
            t.name("action", action.as_str()),
        ));
    }
    let (entries, problem) = match found {
        Ok(entries) => (entries, None),
        Err(problem) => (Vec::new(), Some(problem)),
    };
    let next = (entries.len() == PAGE as usize)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    AuditPage {
        entries: entries
            .into_iter()
            .map(|e| {
                let at = minute(e.at);
                let what = t.name("action", &e.action);
                (e, at, what)
            })
            .collect(),
        frame,
        path,
        actions,
        actor: given("actor"),
        action: given("action"),
        since: given("since"),
        until: given("until"),
        next,
        problem,
    }
}

async fn instance(console: Console, query: web::Query<HashMap<String, String>>) -> Reply {
    let found = audit::read_instance(&console.visit.state, &console.admin, query_of(&query))
        .await
        .map_err(|e| console.visit.explain(&e));
    let page = page(
        console.frame("audit-title", None, "audit"),
        "/console/audit".to_string(),
        &query,
        found,
    );
    console.visit.page(&page)
}

async fn organisation(org: Organisation, query: web::Query<HashMap<String, String>>) -> Reply {
    let found = audit::read_organisation(org.state(), &org.admin, query_of(&query))
        .await
        .map_err(|e| org.visit().explain(&e));
    let page = page(
        org.frame("audit-title", "audit"),
        org.path("/audit"),
        &query,
        found,
    );
    org.visit().page(&page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::words::Words;

    #[test]
    fn every_action_and_family_has_a_name_in_every_language() {
        let words = Words::load().unwrap_or_else(|e| panic!("{e}"));
        for language in ["en", "fr"] {
            let t = words.negotiate(language);
            for action in Action::ALL {
                let name = action.as_str();
                assert_ne!(t.name("action", name), name, "{language}");
                let family = format!("{}.", name.split('.').next().unwrap_or_default());
                assert_ne!(t.name("family", &family), family, "{language}");
            }
        }
    }

    #[test]
    fn dates_are_whole_days_and_times_are_minutes() {
        assert_eq!(day_start("2026-12-03"), Some(1_796_256_000));
        assert_eq!(day_start("3 December"), None);
        assert_eq!(minute(1_796_256_059), "2026-12-03 00:00 UTC");
        let query = query_of(&HashMap::from([
            ("since".to_string(), "2026-12-03".to_string()),
            ("until".to_string(), "2026-12-03".to_string()),
            ("actor".to_string(), " ".to_string()),
        ]));
        assert_eq!(query.since, Some(1_796_256_000));
        assert_eq!(query.until, Some(1_796_256_000 + 86_400));
        assert_eq!(query.actor, None);
    }
}

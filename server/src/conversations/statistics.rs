//! Aggregate statistics of conversations, with nothing that identifies anyone: counters per day,
//! organisation and first language, bumped as conversations open, are claimed and close. They
//! outlive the conversations, which are purged after their retention period. Counts from 1 to 4
//! are shown as "<5" so nobody can be singled out; none is none, and shows as 0.

use crate::db::DbConn;
use crate::db::schema::conversation_statistics;
use diesel::prelude::*;
use diesel::result::QueryResult;
use diesel::sql_types::{BigInt, Text};
use quietline_protocol::OrganisationId;
use quietline_protocol::api::{Count, DailyStatistics, StatisticsPeriod};
use std::collections::BTreeMap;

/// Upper bounds (minutes) of the waiting-time histograms, and the label of each bucket.
const WAIT_BUCKETS: [(i64, &str); 7] = [
    (1, "under 1 minute"),
    (5, "1 to 5 minutes"),
    (15, "5 to 15 minutes"),
    (60, "15 to 60 minutes"),
    (240, "1 to 4 hours"),
    (1_440, "4 to 24 hours"),
    (i64::MAX, "over a day"),
];
/// The columns of the histogram of waits for a first claim, in the order of `WAIT_BUCKETS`.
const CLAIM_COLUMNS: [&str; 7] = [
    "wait_1m",
    "wait_5m",
    "wait_15m",
    "wait_1h",
    "wait_4h",
    "wait_1d",
    "wait_longer",
];
/// The columns of the histogram of waits, from the first claim, for a worker's first reply.
const REPLY_COLUMNS: [&str; 7] = [
    "reply_1m",
    "reply_5m",
    "reply_15m",
    "reply_1h",
    "reply_4h",
    "reply_1d",
    "reply_longer",
];

/// The column of `columns` whose bucket holds a wait of `seconds`.
fn bucket(columns: &[&'static str; 7], seconds: i64) -> &'static str {
    let minutes = seconds.max(0) / 60;
    WAIT_BUCKETS
        .iter()
        .zip(columns)
        .find(|((bound, _), _)| minutes < *bound)
        .map_or(columns[6], |(_, column)| column)
}

/// Adds one to a counter. `column` comes from this module's fixed lists, never from input.
fn bump(
    conn: &mut DbConn,
    day: i64,
    organisation_id: &OrganisationId,
    language: &str,
    column: &'static str,
) -> QueryResult<()> {
    let sql = format!(
        "INSERT INTO conversation_statistics (day, organisation_id, language, {column}) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (day, organisation_id, language) DO UPDATE SET {column} = conversation_statistics.{column} + 1"
    );
    diesel::sql_query(sql)
        .bind::<BigInt, _>(day)
        .bind::<Text, _>(organisation_id)
        .bind::<Text, _>(language)
        .execute(conn)
        .map(|_| ())
}

pub fn opened(
    conn: &mut DbConn,
    day: i64,
    organisation_id: &OrganisationId,
    language: &str,
) -> QueryResult<()> {
    bump(conn, day, organisation_id, language, "opened")
}

pub fn claimed(
    conn: &mut DbConn,
    day: i64,
    organisation_id: &OrganisationId,
    language: &str,
    waited_seconds: i64,
) -> QueryResult<()> {
    bump(conn, day, organisation_id, language, "claimed")?;
    bump(
        conn,
        day,
        organisation_id,
        language,
        bucket(&CLAIM_COLUMNS, waited_seconds),
    )
}

/// A worker first wrote to the seeker, `waited_seconds` after the conversation's first claim.
pub fn replied(
    conn: &mut DbConn,
    day: i64,
    organisation_id: &OrganisationId,
    language: &str,
    waited_seconds: i64,
) -> QueryResult<()> {
    bump(
        conn,
        day,
        organisation_id,
        language,
        bucket(&REPLY_COLUMNS, waited_seconds),
    )
}

pub fn closed(
    conn: &mut DbConn,
    day: i64,
    organisation_id: &OrganisationId,
    language: &str,
    outcome: Option<&str>,
) -> QueryResult<()> {
    let column = match outcome {
        Some("information_given") => "closed_information_given",
        Some("referred") => "closed_referred",
        Some("no_response") => "closed_no_response",
        Some("safety_concern") => "closed_safety_concern",
        _ => "closed_other",
    };
    bump(conn, day, organisation_id, language, column)
}

fn count(n: i64) -> Count {
    if (1..5).contains(&n) {
        Count::Suppressed("<5".into())
    } else {
        Count::Exact(u64::try_from(n).unwrap_or_default())
    }
}

/// The first day of the period `day` falls in.
fn period_start(day: i64, period: StatisticsPeriod) -> i64 {
    match period {
        StatisticsPeriod::Day => day,
        // Day 0 (1970-01-01) was a Thursday: Monday is three days before it.
        StatisticsPeriod::Week => day - (day + 3).rem_euclid(7),
        StatisticsPeriod::Month => {
            let date = jiff::Timestamp::from_second(day * 86_400)
                .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
                .ok();
            date.and_then(|d| d.first_of_month().to_zoned(jiff::tz::TimeZone::UTC).ok())
                .map_or(day, |z| z.timestamp().as_second().div_euclid(86_400))
        }
    }
}

/// The bucket holding the `fraction` quantile of the histogram, when enough conversations were
/// claimed to say so without pointing at anyone.
fn quantile(histogram: &[i64; 7], fraction: f64) -> Option<String> {
    let total: i64 = histogram.iter().sum();
    if total < 5 {
        return None;
    }
    let target = (total as f64 * fraction).ceil() as i64;
    let mut seen = 0;
    for (n, (_, label)) in histogram.iter().zip(WAIT_BUCKETS) {
        seen += n;
        if seen >= target {
            return Some(label.to_string());
        }
    }
    None
}

/// One day's counts for one language (the organisation is the query's).
#[derive(Debug, Clone, Default, Queryable, Selectable)]
#[diesel(table_name = conversation_statistics)]
struct Row {
    day: i64,
    language: String,
    opened: i64,
    claimed: i64,
    closed_information_given: i64,
    closed_referred: i64,
    closed_no_response: i64,
    closed_safety_concern: i64,
    closed_other: i64,
    wait_1m: i64,
    wait_5m: i64,
    wait_15m: i64,
    wait_1h: i64,
    wait_4h: i64,
    wait_1d: i64,
    wait_longer: i64,
    reply_1m: i64,
    reply_5m: i64,
    reply_15m: i64,
    reply_1h: i64,
    reply_4h: i64,
    reply_1d: i64,
    reply_longer: i64,
}

impl Row {
    /// The waiting-time histogram, in the order of `WAIT_BUCKETS`.
    fn waits(&self) -> [i64; 7] {
        [
            self.wait_1m,
            self.wait_5m,
            self.wait_15m,
            self.wait_1h,
            self.wait_4h,
            self.wait_1d,
            self.wait_longer,
        ]
    }

    /// The first-reply histogram, in the order of `WAIT_BUCKETS`.
    fn replies(&self) -> [i64; 7] {
        [
            self.reply_1m,
            self.reply_5m,
            self.reply_15m,
            self.reply_1h,
            self.reply_4h,
            self.reply_1d,
            self.reply_longer,
        ]
    }

    fn add(&mut self, other: &Row) {
        self.opened += other.opened;
        self.claimed += other.claimed;
        self.closed_information_given += other.closed_information_given;
        self.closed_referred += other.closed_referred;
        self.closed_no_response += other.closed_no_response;
        self.closed_safety_concern += other.closed_safety_concern;
        self.closed_other += other.closed_other;
        self.wait_1m += other.wait_1m;
        self.wait_5m += other.wait_5m;
        self.wait_15m += other.wait_15m;
        self.wait_1h += other.wait_1h;
        self.wait_4h += other.wait_4h;
        self.wait_1d += other.wait_1d;
        self.wait_longer += other.wait_longer;
        self.reply_1m += other.reply_1m;
        self.reply_5m += other.reply_5m;
        self.reply_15m += other.reply_15m;
        self.reply_1h += other.reply_1h;
        self.reply_4h += other.reply_4h;
        self.reply_1d += other.reply_1d;
        self.reply_longer += other.reply_longer;
    }
}

/// An organisation's statistics between two days (inclusive), by period and language. Counts are
/// added up before they are suppressed, so a week of four single days shows its true total.
pub fn report(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    from_day: i64,
    to_day: i64,
    period: StatisticsPeriod,
) -> QueryResult<Vec<DailyStatistics>> {
    use conversation_statistics as s;
    let rows: Vec<Row> = s::table
        .filter(s::organisation_id.eq(organisation_id))
        .filter(s::day.ge(from_day))
        .filter(s::day.le(to_day))
        .order((s::day, s::language))
        .select(Row::as_select())
        .load(conn)?;
    let mut totals: BTreeMap<(i64, String), Row> = BTreeMap::new();
    for row in rows {
        let day = period_start(row.day, period);
        totals
            .entry((day, row.language.clone()))
            .or_insert_with(|| Row {
                day,
                language: row.language.clone(),
                ..Row::default()
            })
            .add(&row);
    }
    Ok(totals
        .into_values()
        .map(|r| {
            let histogram = r.waits();
            let replies = r.replies();
            let closed = BTreeMap::from([
                (
                    "information_given".to_string(),
                    count(r.closed_information_given),
                ),
                ("referred".to_string(), count(r.closed_referred)),
                ("no_response".to_string(), count(r.closed_no_response)),
                ("safety_concern".to_string(), count(r.closed_safety_concern)),
                ("other".to_string(), count(r.closed_other)),
            ]);
            DailyStatistics {
                day: r.day * 86_400,
                language: r.language,
                opened: count(r.opened),
                claimed: count(r.claimed),
                closed,
                first_claim_median: quantile(&histogram, 0.5),
                first_claim_p90: quantile(&histogram, 0.9),
                first_reply_median: quantile(&replies, 0.5),
                first_reply_p90: quantile(&replies, 0.9),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_shows_as_none_and_only_one_to_four_are_hidden() {
        assert_eq!(count(0), Count::Exact(0));
        for n in 1..5 {
            assert_eq!(count(n), Count::Suppressed("<5".into()));
        }
        assert_eq!(count(5), Count::Exact(5));
    }

    #[test]
    fn periods_start_on_monday_and_on_the_first_of_the_month() {
        // 2026-12-03 is a Thursday: its week starts on Monday 2026-11-30, its month on 12-01.
        let day = 20_790;
        assert_eq!(period_start(day, StatisticsPeriod::Day), day);
        assert_eq!(period_start(day, StatisticsPeriod::Week), day - 3);
        assert_eq!(period_start(day, StatisticsPeriod::Month), day - 2);
    }
}

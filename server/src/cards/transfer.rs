//! Import and export of an organisation's cards, as JSON (`{"cards": [...]}`) or CSV (one row per
//! card × locale, UTF-8). An import is checked whole before anything is written: every problem is
//! reported with its row and field, and nothing is imported when there is any. A dry run is the
//! same import, rolled back.

use super::service::{self, Change};
use super::store;
use super::validate;
use crate::auth::Principal;
use crate::db::DbError;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use quietline_protocol::cards::{
    CardCategory, CardContent, CardCost, CardExport, CardText, Contact, ExportedCard, ImportAction,
    ImportOutcome, ImportReport, ImportedCard, OpeningHours, Weekday,
};
use quietline_protocol::{ErrorCode, OrganisationId, Problem};
use std::collections::{BTreeMap, HashMap};

/// Largest import accepted.
pub const IMPORT_LIMIT: usize = 4 * 1024 * 1024;

/// The columns of a CSV export, in order. `state` is written on export and ignored on import.
pub const COLUMNS: [&str; 27] = [
    "card",
    "state",
    "source_locale",
    "locale",
    "category",
    "regions",
    "languages",
    "eligibility",
    "cost",
    "phones",
    "sms",
    "web",
    "address",
    "hours",
    "time_zone",
    "always_open",
    "tags",
    "last_verified",
    "review_by",
    "source",
    "sample",
    "to_be_completed",
    "title",
    "summary",
    "body",
    "risk_disclosure",
    "confidentiality",
];

/// Columns that describe the card as a whole: filled on its source-locale row; other rows leave
/// them empty (or repeat them exactly).
const FACTS: [&str; 19] = [
    "source_locale",
    "category",
    "regions",
    "languages",
    "eligibility",
    "cost",
    "phones",
    "sms",
    "web",
    "address",
    "hours",
    "time_zone",
    "always_open",
    "tags",
    "last_verified",
    "review_by",
    "source",
    "sample",
    "to_be_completed",
];
const REQUIRED: [&str; 5] = ["card", "locale", "title", "summary", "risk_disclosure"];

/// Separates the items of a list in a CSV cell: `CA-QC; CA-ON`.
const LIST_SEPARATOR: char = ';';

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

/// A card read from an import, and the rows it came from.
struct Incoming {
    row: u32,
    card: Option<String>,
    content: CardContent,
    /// For CSV: the row of the card's details, and of each locale's text.
    rows: Option<(u32, BTreeMap<String, u32>)>,
}

fn problem(row: Option<u32>, field: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        row,
        field: field.into(),
        message: message.into(),
    }
}

fn canonical(tag: &str) -> String {
    crate::language::canonical(tag).unwrap_or_else(|| tag.to_string())
}

/// Names the field of a serde error where it says which ("missing field `title`").
fn serde_field(message: &str) -> String {
    for marker in ["missing field `", "unknown field `", "duplicate field `"] {
        if let Some(name) = message
            .split(marker)
            .nth(1)
            .and_then(|rest| rest.split('`').next())
        {
            return name.to_string();
        }
    }
    "content".to_string()
}

fn from_json(bytes: &[u8]) -> (Vec<Incoming>, Vec<Problem>) {
    let mut problems = Vec::new();
    let document: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(error) => {
            let at = format!("line {}, column {}", error.line(), error.column());
            problems.push(problem(None, "cards", format!("Not valid JSON ({at}).")));
            return (Vec::new(), problems);
        }
    };
    let Some(items) = document.get("cards").and_then(|c| c.as_array()) else {
        problems.push(problem(
            None,
            "cards",
            "The file is an object with a \"cards\" list.",
        ));
        return (Vec::new(), problems);
    };
    let mut incoming = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        match serde_json::from_value::<ImportedCard>(item.clone()) {
            Ok(card) => incoming.push(Incoming {
                row,
                card: card.card.filter(|c| !c.trim().is_empty()),
                content: card.content,
                rows: None,
            }),
            Err(error) => {
                let message = error.to_string();
                problems.push(problem(Some(row), serde_field(&message), message));
            }
        }
    }
    (incoming, problems)
}

fn list(cell: &str) -> Vec<String> {
    cell.split(LIST_SEPARATOR)
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

fn optional(cell: &str) -> Option<String> {
    let cell = cell.trim();
    (!cell.is_empty()).then(|| cell.to_string())
}

fn flag(cell: &str) -> Option<bool> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "0" => Some(false),
        "true" | "yes" | "1" => Some(true),
        _ => None,
    }
}

const DAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "mon"),
    (Weekday::Tue, "tue"),
    (Weekday::Wed, "wed"),
    (Weekday::Thu, "thu"),
    (Weekday::Fri, "fri"),
    (Weekday::Sat, "sat"),
    (Weekday::Sun, "sun"),
];

fn day(name: &str) -> Option<usize> {
    let name = name.trim().to_ascii_lowercase();
    DAYS.iter().position(|(_, n)| *n == name)
}

/// `mon-fri 09:00-17:00; sat,sun 10:00-14:00`.
fn hours(cell: &str) -> Option<Vec<OpeningHours>> {
    let mut out = Vec::new();
    for item in list(cell) {
        let (days, times) = item.split_once(char::is_whitespace)?;
        let mut chosen = Vec::new();
        for part in days.split(',') {
            match part.split_once('-') {
                Some((from, to)) => {
                    let (from, to) = (day(from)?, day(to)?);
                    if from > to {
                        return None;
                    }
                    chosen.extend(DAYS[from..=to].iter().map(|(d, _)| *d));
                }
                None => chosen.push(DAYS[day(part)?].0),
            }
        }
        let (opens, closes) = times.trim().split_once('-')?;
        out.push(OpeningHours {
            days: chosen,
            opens: opens.trim().to_string(),
            closes: closes.trim().to_string(),
        });
    }
    Some(out)
}

fn hours_cell(hours: &[OpeningHours]) -> String {
    hours
        .iter()
        .map(|h| {
            let days: Vec<&str> = h
                .days
                .iter()
                .filter_map(|d| DAYS.iter().find(|(w, _)| w == d).map(|(_, n)| *n))
                .collect();
            format!("{} {}-{}", days.join(","), h.opens, h.closes)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a spreadsheet would take for a formula at the start of a cell.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as exported: one that a spreadsheet would run as a formula gets a leading `'`, which
/// spreadsheets show as text and imports take off again (as does one that starts with `'`, so
/// that it reads back unchanged).
fn inert(cell: String) -> String {
    if cell.starts_with(FORMULA_STARTS) || cell.starts_with('\'') {
        format!("'{cell}")
    } else {
        cell
    }
}

/// A cell as imported: the `'` an export put before a formula-like start is taken off.
fn unquoted(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) || rest.starts_with('\'') => rest,
        _ => cell,
    }
}

/// One CSV row, by column name.
struct Record {
    row: u32,
    cells: HashMap<&'static str, String>,
}

impl Record {
    fn get(&self, column: &str) -> &str {
        self.cells
            .get(column)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// The facts of a card from its source-locale row; unreadable cells are reported and left at
/// a default, so that the rest of the card is still checked.
fn facts(record: &Record, problems: &mut Vec<Problem>) -> CardContent {
    let row = Some(record.row);
    let category = CardCategory::parse(record.get("category").trim()).unwrap_or_else(|| {
        problems.push(problem(
            row,
            "category",
            "One of shelter, legal_aid, immigration, labour_rights, health, hotline, \
             police_reporting, financial_help, community, know_your_rights.",
        ));
        CardCategory::Community
    });
    let cost = CardCost::parse(record.get("cost").trim()).unwrap_or_else(|| {
        problems.push(problem(row, "cost", "One of free, low_cost, paid, varies."));
        CardCost::Varies
    });
    let mut flag_of = |column: &'static str| {
        flag(record.get(column)).unwrap_or_else(|| {
            problems.push(problem(
                row,
                column,
                "Write true or false (or leave empty).",
            ));
            false
        })
    };
    let always_open = flag_of("always_open");
    let sample = flag_of("sample");
    let to_be_completed = flag_of("to_be_completed");
    let hours = hours(record.get("hours")).unwrap_or_else(|| {
        problems.push(problem(
            row,
            "hours",
            "Hours are written like \"mon-fri 09:00-17:00; sat 10:00-14:00\".",
        ));
        Vec::new()
    });
    CardContent {
        category,
        source_locale: canonical(record.get("source_locale").trim()),
        regions: list(record.get("regions")),
        languages: list(record.get("languages")),
        eligibility: list(record.get("eligibility")),
        cost,
        contact: Contact {
            phones: list(record.get("phones")),
            sms: list(record.get("sms")),
            web: list(record.get("web")),
            address: optional(record.get("address")),
            hours,
            time_zone: optional(record.get("time_zone")),
            always_open,
        },
        tags: list(record.get("tags")),
        last_verified: optional(record.get("last_verified")),
        review_by: optional(record.get("review_by")),
        source: optional(record.get("source")),
        sample,
        to_be_completed,
        translations: BTreeMap::new(),
    }
}

fn text(record: &Record) -> CardText {
    CardText {
        title: record.get("title").to_string(),
        summary: record.get("summary").to_string(),
        body: record.get("body").to_string(),
        risk_disclosure: record.get("risk_disclosure").to_string(),
        confidentiality: optional(record.get("confidentiality")),
        source_revision: 0,
    }
}

fn read_records(bytes: &[u8], problems: &mut Vec<Problem>) -> Vec<Record> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(_) => {
            problems.push(problem(None, "header", "The first line names the columns."));
            return Vec::new();
        }
    };
    let mut columns: Vec<Option<&'static str>> = Vec::new();
    for name in headers.iter() {
        let name = name.trim();
        match COLUMNS.iter().find(|c| **c == name) {
            Some(column) if columns.contains(&Some(*column)) => {
                problems.push(problem(None, name, "This column appears twice."));
                columns.push(None);
            }
            Some(column) => columns.push(Some(*column)),
            None => {
                problems.push(problem(None, name, "Not a column of card imports."));
                columns.push(None);
            }
        }
    }
    for required in REQUIRED {
        if !columns.contains(&Some(required)) {
            problems.push(problem(None, required, "This column is required."));
        }
    }
    let mut records = Vec::new();
    for (i, result) in reader.records().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        match result {
            Ok(record) => records.push(Record {
                row,
                cells: columns
                    .iter()
                    .zip(record.iter())
                    .filter_map(|(column, cell)| column.map(|c| (c, unquoted(cell).to_string())))
                    .collect(),
            }),
            Err(error) => {
                let why = match error.kind() {
                    csv::ErrorKind::Utf8 { .. } => "The file is not UTF-8.",
                    csv::ErrorKind::UnequalLengths { .. } => {
                        "This row does not have as many cells as the header has columns."
                    }
                    _ => "This row could not be read.",
                };
                problems.push(problem(Some(row), "row", why));
            }
        }
    }
    records
}

fn from_csv(bytes: &[u8]) -> (Vec<Incoming>, Vec<Problem>) {
    let mut problems = Vec::new();
    let records = read_records(bytes, &mut problems);
    if !problems.is_empty() && records.is_empty() {
        return (Vec::new(), problems);
    }
    // Rows grouped by card, in the order cards first appear.
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<&Record>> = HashMap::new();
    for record in &records {
        let card = record.get("card").trim().to_string();
        if card.is_empty() {
            problems.push(problem(
                Some(record.row),
                "card",
                "Name the card: its id, or a label its rows share.",
            ));
            continue;
        }
        if record.get("locale").trim().is_empty() {
            problems.push(problem(Some(record.row), "locale", "Say the row's locale."));
            continue;
        }
        if !groups.contains_key(&card) {
            order.push(card.clone());
        }
        groups.entry(card).or_default().push(record);
    }
    let mut incoming = Vec::new();
    for card in order {
        let rows = &groups[&card];
        let first = rows[0].row;
        let mut sources: Vec<String> = rows
            .iter()
            .map(|r| r.get("source_locale").trim())
            .filter(|s| !s.is_empty())
            .map(canonical)
            .collect();
        sources.dedup();
        let source = match sources.as_slice() {
            [one] => one.clone(),
            [] => {
                problems.push(problem(
                    Some(first),
                    "source_locale",
                    "The row in the card's source locale gives source_locale and the card's details.",
                ));
                continue;
            }
            _ => {
                problems.push(problem(
                    Some(first),
                    "source_locale",
                    "The card's rows name different source locales.",
                ));
                continue;
            }
        };
        let Some(facts_row) = rows
            .iter()
            .find(|r| canonical(r.get("locale").trim()) == source)
        else {
            problems.push(problem(
                Some(first),
                "locale",
                format!("The card has no row in its source locale, {source}."),
            ));
            continue;
        };
        let mut content = facts(facts_row, &mut problems);
        let mut by_locale = BTreeMap::new();
        for record in rows {
            if record.row != facts_row.row {
                for column in FACTS {
                    let cell = record.get(column).trim();
                    if !cell.is_empty() && cell != facts_row.get(column).trim() {
                        problems.push(problem(
                            Some(record.row),
                            column,
                            "Card details go on the source-locale row; this differs from it.",
                        ));
                    }
                }
            }
            let locale = canonical(record.get("locale").trim());
            if by_locale.insert(locale.clone(), record.row).is_some() {
                problems.push(problem(
                    Some(record.row),
                    "locale",
                    "The card has another row in this locale.",
                ));
                continue;
            }
            content.translations.insert(locale, text(record));
        }
        incoming.push(Incoming {
            row: first,
            card: Some(card),
            content,
            rows: Some((facts_row.row, by_locale)),
        });
    }
    (incoming, problems)
}

/// Places a problem found in a card's content on its row and, for CSV, its column.
fn locate(incoming: &Incoming, found: Problem) -> Problem {
    let Some((facts_row, by_locale)) = &incoming.rows else {
        return Problem {
            row: Some(incoming.row),
            ..found
        };
    };
    if let Some(rest) = found.field.strip_prefix("translations.") {
        let (locale, field) = match rest.split_once('.') {
            Some((locale, field)) => (locale, field),
            None => (rest, "locale"),
        };
        return Problem {
            row: Some(by_locale.get(locale).copied().unwrap_or(*facts_row)),
            field: field.to_string(),
            message: found.message,
        };
    }
    let field = found.field.strip_prefix("contact.").unwrap_or(&found.field);
    let field = field.split('[').next().unwrap_or(field).to_string();
    Problem {
        row: Some(*facts_row),
        field,
        message: found.message,
    }
}

/// Every problem an import of `bytes` would report, found without touching storage: all of the
/// checking an import does before it writes.
pub fn problems_in(format: Format, bytes: &[u8]) -> Vec<Problem> {
    read(format, bytes).1
}

fn read(format: Format, bytes: &[u8]) -> (Vec<Incoming>, Vec<Problem>) {
    let (incoming, mut problems) = match format {
        Format::Json => from_json(bytes),
        Format::Csv => from_csv(bytes),
    };
    let mut named: HashMap<&str, u32> = HashMap::new();
    for card in &incoming {
        let mut content = card.content.clone();
        for found in validate::check(&mut content) {
            problems.push(locate(card, found));
        }
        if let Some(name) = card.card.as_deref()
            && named.insert(name, card.row).is_some()
        {
            problems.push(problem(
                Some(card.row),
                "card",
                "Another card of this import has the same id.",
            ));
        }
    }
    problems.sort_by(|a, b| a.row.cmp(&b.row).then_with(|| a.field.cmp(&b.field)));
    (incoming, problems)
}

fn invalid_import(problems: Vec<Problem>) -> ApiError {
    ApiError::problems(
        ErrorCode::InvalidImport,
        "The import has problems; see the list. Nothing was imported.",
        problems,
    )
}

/// Why an import's transaction ends without committing.
enum Abort {
    Failed(ApiError),
    /// A dry run went through: its report, and everything rolled back.
    Rehearsed(ImportReport),
}

impl From<DbError> for Abort {
    fn from(error: DbError) -> Abort {
        Abort::Failed(error.into())
    }
}

impl From<diesel::result::Error> for Abort {
    fn from(error: diesel::result::Error) -> Abort {
        Abort::Failed(error.into())
    }
}

impl From<ApiError> for Abort {
    fn from(error: ApiError) -> Abort {
        Abort::Failed(error)
    }
}

/// What an import is, and who makes it.
pub struct Import {
    pub organisation_id: String,
    pub format: Format,
    pub bytes: Vec<u8>,
    pub dry_run: bool,
    /// Recorded in each card's history: an administrator's account id, or the console task.
    pub editor: String,
}

/// Imports cards (or, with `dry_run`, reports what an import would do and writes nothing). The
/// caller has checked that the editor may administer the organisation.
pub async fn import(state: &AppState, import: Import) -> ApiResult<ImportReport> {
    let Import {
        organisation_id,
        format,
        bytes,
        dry_run,
        editor,
    } = import;
    let (incoming, problems) = read(format, &bytes);
    if !problems.is_empty() {
        return Err(invalid_import(problems));
    }
    let now = state.clock.now();
    let outcome = state
        .db
        .write(move |conn| {
            if crate::organisations::store::find_organisation(conn, &organisation_id)?.is_none() {
                return Err(Abort::Failed(ApiError::not_found()));
            }
            let change = Change {
                by: &editor,
                at: now,
                action: "imported",
            };
            let mut report = ImportReport {
                dry_run,
                created: 0,
                updated: 0,
                unchanged: 0,
                cards: Vec::new(),
            };
            let mut problems = Vec::new();
            for card in incoming {
                let existing = match card.card.as_deref() {
                    Some(id) => {
                        store::find(conn, id)?.filter(|row| row.organisation_id == organisation_id)
                    }
                    None => None,
                };
                let result = match &existing {
                    Some(row) => service::update_in(
                        conn,
                        &organisation_id,
                        &row.id,
                        None,
                        card.content.clone(),
                        change,
                    ),
                    None => {
                        service::create_in(conn, &organisation_id, card.content.clone(), change)
                    }
                };
                let saved = match result {
                    Ok(saved) => saved,
                    Err(error) => {
                        let found = error
                            .problems
                            .unwrap_or_else(|| vec![problem(None, "card", error.message)]);
                        problems.extend(found.into_iter().map(|p| locate(&card, p)));
                        continue;
                    }
                };
                let action = match &existing {
                    None => ImportAction::Create,
                    Some(row) if i64::from(row.version) == i64::from(saved.version) => {
                        ImportAction::Unchanged
                    }
                    Some(_) => ImportAction::Update,
                };
                match action {
                    ImportAction::Create => report.created += 1,
                    ImportAction::Update => report.updated += 1,
                    ImportAction::Unchanged => report.unchanged += 1,
                }
                report.cards.push(ImportOutcome {
                    row: card.row,
                    card: (!(dry_run && action == ImportAction::Create)).then_some(saved.id),
                    action,
                });
            }
            if !problems.is_empty() {
                return Err(Abort::Failed(invalid_import(problems)));
            }
            if dry_run {
                return Err(Abort::Rehearsed(report));
            }
            Ok(report)
        })
        .await;
    match outcome {
        Ok(report) | Err(Abort::Rehearsed(report)) => Ok(report),
        Err(Abort::Failed(error)) => Err(error),
    }
}

/// Every card of the organisation (working copies), as JSON.
pub async fn export_json(
    state: &AppState,
    admin: &Principal,
    organisation_id: String,
) -> ApiResult<CardExport> {
    let cards = service::list(state, admin, organisation_id.clone()).await?;
    Ok(CardExport {
        organisation_id: OrganisationId(organisation_id),
        exported_at: state.clock.now(),
        cards: cards
            .into_iter()
            .map(|card| ExportedCard {
                id: card.id,
                state: card.state,
                version: card.version,
                content: card.content,
            })
            .collect(),
    })
}

/// Every card of the organisation (working copies), as CSV: one row per card × locale, the
/// card's details on its source-locale row.
pub async fn export_csv(
    state: &AppState,
    admin: &Principal,
    organisation_id: String,
) -> ApiResult<Vec<u8>> {
    let cards = service::list(state, admin, organisation_id).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS).map_err(ApiError::internal)?;
    for card in cards {
        let content = &card.content;
        let state_name = service::state_name(card.state);
        // The source locale first, then the translations.
        let mut locales: Vec<&String> = vec![&content.source_locale];
        locales.extend(
            content
                .translations
                .keys()
                .filter(|l| **l != content.source_locale),
        );
        for locale in locales {
            let Some(text) = content.translations.get(locale) else {
                continue;
            };
            let is_source = *locale == content.source_locale;
            let fact = |value: String| if is_source { value } else { String::new() };
            let joined = |items: &[String]| items.join("; ");
            let yes_no = |b: bool| (if b { "true" } else { "false" }).to_string();
            let record = [
                card.id.clone(),
                state_name.to_string(),
                fact(content.source_locale.clone()),
                locale.clone(),
                fact(content.category.as_str().to_string()),
                fact(joined(&content.regions)),
                fact(joined(&content.languages)),
                fact(joined(&content.eligibility)),
                fact(content.cost.as_str().to_string()),
                fact(joined(&content.contact.phones)),
                fact(joined(&content.contact.sms)),
                fact(joined(&content.contact.web)),
                fact(content.contact.address.clone().unwrap_or_default()),
                fact(hours_cell(&content.contact.hours)),
                fact(content.contact.time_zone.clone().unwrap_or_default()),
                fact(yes_no(content.contact.always_open)),
                fact(joined(&content.tags)),
                fact(content.last_verified.clone().unwrap_or_default()),
                fact(content.review_by.clone().unwrap_or_default()),
                fact(content.source.clone().unwrap_or_default()),
                fact(yes_no(content.sample)),
                fact(yes_no(content.to_be_completed)),
                text.title.clone(),
                text.summary.clone(),
                text.body.clone(),
                text.risk_disclosure.clone(),
                text.confidentiality.clone().unwrap_or_default(),
            ];
            writer
                .write_record(record.map(inert))
                .map_err(ApiError::internal)?;
        }
    }
    writer.into_inner().map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_exported_inert_and_imported_as_they_were() {
        for cell in [
            "=HYPERLINK(\"https://x\")",
            "+1 416",
            "- item",
            "@user",
            "'=kept",
        ] {
            let exported = inert(cell.to_string());
            assert!(!exported.starts_with(FORMULA_STARTS), "{exported}");
            assert_eq!(unquoted(&exported), cell);
        }
        assert_eq!(inert("Shelter".into()), "Shelter");
        assert_eq!(unquoted("'quoted"), "'quoted");
    }

    #[test]
    fn hours_read_ranges_and_lists_and_write_back_the_same() {
        let read = hours("mon-fri 09:00-17:00; sat,sun 10:00-14:00").unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].days.len(), 5);
        assert_eq!(read[1].days, vec![Weekday::Sat, Weekday::Sun]);
        assert_eq!(read[1].closes, "14:00");
        assert_eq!(hours(&hours_cell(&read)).unwrap(), read);
        assert!(hours("fri-mon 09:00-17:00").is_none());
        assert!(hours("someday 09:00-17:00").is_none());
        assert!(hours("mon 09:00").is_none());
        assert_eq!(hours("").unwrap(), Vec::new());
    }

    #[test]
    fn csv_problems_name_their_row_and_column() {
        let csv = "card,source_locale,locale,category,regions,cost,title,summary,risk_disclosure\n\
                   a,en,en,shelter,CA-ON,free,Shelter,A bed,None\n\
                   a,,fr,,,,Refuge,,Aucun\n\
                   b,en,en,castle,CA-ON,free,Castle,Towers,None\n";
        let (incoming, problems) = read(Format::Csv, csv.as_bytes());
        assert_eq!(incoming.len(), 2);
        let found: Vec<(Option<u32>, &str)> =
            problems.iter().map(|p| (p.row, p.field.as_str())).collect();
        assert_eq!(found, vec![(Some(2), "summary"), (Some(3), "category")]);
    }

    #[test]
    fn json_problems_name_their_card() {
        let json =
            r#"{"cards": [{"content": {"category": "shelter"}}, {"card": "x", "content": 3}]}"#;
        let (_, problems) = read(Format::Json, json.as_bytes());
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].row, Some(1));
        assert_eq!(problems[1].row, Some(2));
    }
}

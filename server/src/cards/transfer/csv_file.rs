//! CSV: one row per card and locale, lists separated by `;`, hours written as people write
//! them, cells a spreadsheet would run made inert.

use super::*;
use quietline_protocol::cards::{Admission, Referral, Reports, WorkersOnly};

/// The columns of a CSV export, in order. `state` is written on export and ignored on import.
pub const COLUMNS: [&str; 35] = [
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
    "reports_police",
    "reports_immigration",
    "admission",
    "referral",
    "length_of_stay_days",
    "security_level",
    "workers_confidential_address",
    "workers_contact_person",
    "title",
    "summary",
    "body",
    "risk_disclosure",
    "confidentiality",
];

/// Columns that describe the card as a whole: filled on its source-locale row; other rows leave
/// them empty (or repeat them exactly).
const FACTS: [&str; 27] = [
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
    "reports_police",
    "reports_immigration",
    "admission",
    "referral",
    "length_of_stay_days",
    "security_level",
    "workers_confidential_address",
    "workers_contact_person",
];
const REQUIRED: [&str; 5] = ["card", "locale", "title", "summary", "risk_disclosure"];

/// Separates the items of a list in a CSV cell: `CA-QC; CA-ON`.
const LIST_SEPARATOR: char = ';';

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

/// A cell naming one of a field's values, as the JSON spells it (`when_required_by_law`); an
/// empty cell is the field's default.
fn choice<T: serde::de::DeserializeOwned>(cell: &str) -> Option<Option<T>> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Some(None);
    }
    T::deserialize(serde::de::IntoDeserializer::<serde::de::value::Error>::into_deserializer(cell))
        .ok()
        .map(Some)
}

/// A cell of a field with a closed set of values: the value, or none for an empty cell; a
/// value not in the set is reported.
fn chosen<T: serde::de::DeserializeOwned>(
    record: &Record,
    problems: &mut Vec<Problem>,
    column: &'static str,
    values: &'static str,
) -> Option<T> {
    choice(record.get(column)).unwrap_or_else(|| {
        problems.push(problem(
            Some(record.row),
            column,
            format!("One of {values} (or leave empty)."),
        ));
        None
    })
}

/// The JSON spelling of one of a field's values.
fn spelled<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
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
pub(super) fn hours(cell: &str) -> Option<Vec<OpeningHours>> {
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

pub(super) fn hours_cell(hours: &[OpeningHours]) -> String {
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
pub(super) const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as exported: one that a spreadsheet would run as a formula gets a leading `'`, which
/// spreadsheets show as text and imports take off again (as does one that starts with `'`, so
/// that it reads back unchanged).
pub(super) fn inert(cell: String) -> String {
    if cell.starts_with(FORMULA_STARTS) || cell.starts_with('\'') {
        format!("'{cell}")
    } else {
        cell
    }
}

/// A cell as imported: the `'` an export put before a formula-like start is taken off.
pub(super) fn unquoted(cell: &str) -> &str {
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
    const REPORTING: &str = "unknown, never, with_consent, when_required_by_law, always";
    let reports = Reports {
        police: chosen(record, problems, "reports_police", REPORTING).unwrap_or_default(),
        immigration: chosen(record, problems, "reports_immigration", REPORTING).unwrap_or_default(),
    };
    let referral: Referral = chosen(
        record,
        problems,
        "referral",
        "unknown, self_referral_only, worker_may_refer",
    )
    .unwrap_or_default();
    let security_level = chosen(
        record,
        problems,
        "security_level",
        "standard, confidential_address, high",
    );
    let mut admission = Vec::new();
    for item in list(record.get("admission")) {
        match choice::<Admission>(&item) {
            Some(Some(value)) => admission.push(value),
            _ => problems.push(problem(
                row,
                "admission",
                "Among sobriety, id, address, phone, immigration_status, gender, age, separated by ';'.",
            )),
        }
    }
    let length_of_stay_days = match record.get("length_of_stay_days").trim() {
        "" => None,
        days => days.parse().map(Some).unwrap_or_else(|_| {
            problems.push(problem(row, "length_of_stay_days", "A number of days."));
            None
        }),
    };
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
        reports,
        admission,
        referral,
        length_of_stay_days,
        security_level,
        workers_only: WorkersOnly {
            confidential_address: optional(record.get("workers_confidential_address")),
            contact_person: optional(record.get("workers_contact_person")),
        },
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

pub(super) fn from_csv(bytes: &[u8]) -> (Vec<Incoming>, Vec<Problem>) {
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

/// A card's details as the cells of its source-locale row, by column (every column of
/// [`FACTS`], in that order). The console's card editor shows and posts the same cells, so a
/// card is written down and read back one way.
pub fn fact_cells(content: &CardContent) -> [(&'static str, String); 27] {
    let joined = |items: &[String]| items.join("; ");
    let yes_no = |b: bool| (if b { "true" } else { "false" }).to_string();
    let given = |value: &Option<String>| value.clone().unwrap_or_default();
    let cells = [
        content.source_locale.clone(),
        content.category.as_str().to_string(),
        joined(&content.regions),
        joined(&content.languages),
        joined(&content.eligibility),
        content.cost.as_str().to_string(),
        joined(&content.contact.phones),
        joined(&content.contact.sms),
        joined(&content.contact.web),
        given(&content.contact.address),
        hours_cell(&content.contact.hours),
        given(&content.contact.time_zone),
        yes_no(content.contact.always_open),
        joined(&content.tags),
        given(&content.last_verified),
        given(&content.review_by),
        given(&content.source),
        yes_no(content.sample),
        yes_no(content.to_be_completed),
        spelled(&content.reports.police),
        spelled(&content.reports.immigration),
        content
            .admission
            .iter()
            .map(spelled)
            .collect::<Vec<_>>()
            .join("; "),
        spelled(&content.referral),
        content
            .length_of_stay_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
        content
            .security_level
            .as_ref()
            .map(spelled)
            .unwrap_or_default(),
        given(&content.workers_only.confidential_address),
        given(&content.workers_only.contact_person),
    ];
    let mut cells = cells.into_iter();
    FACTS.map(|column| (column, cells.next().unwrap_or_default()))
}

/// The columns of one locale's text, in order.
pub const TEXT_COLUMNS: [&str; 5] = [
    "title",
    "summary",
    "body",
    "risk_disclosure",
    "confidentiality",
];

/// One locale's text as the cells of its row, by column (those of [`TEXT_COLUMNS`]).
pub fn text_cells(text: &CardText) -> [(&'static str, String); 5] {
    let cells = [
        text.title.clone(),
        text.summary.clone(),
        text.body.clone(),
        text.risk_disclosure.clone(),
        text.confidentiality.clone().unwrap_or_default(),
    ];
    let mut cells = cells.into_iter();
    TEXT_COLUMNS.map(|column| (column, cells.next().unwrap_or_default()))
}

/// A card from the cells of its source-locale row (as [`fact_cells`] and [`text_cells`] name
/// them; a missing cell is empty), read as an import reads it: every unreadable cell is a
/// problem under its column's name, and the card is then checked as any other.
pub fn card_from_cells(cells: &HashMap<String, String>) -> (CardContent, Vec<Problem>) {
    let record = Record {
        row: 0,
        cells: COLUMNS
            .iter()
            .filter_map(|column| Some((*column, cells.get(*column)?.clone())))
            .collect(),
    };
    let mut problems = Vec::new();
    let mut content = facts(&record, &mut problems);
    content
        .translations
        .insert(content.source_locale.clone(), text(&record));
    for problem in &mut problems {
        problem.row = None;
    }
    (content, problems)
}

/// One locale's text from its cells (those of [`TEXT_COLUMNS`]).
pub fn text_from_cells(cells: &HashMap<String, String>) -> CardText {
    let record = Record {
        row: 0,
        cells: TEXT_COLUMNS
            .iter()
            .filter_map(|column| Some((*column, cells.get(*column)?.clone())))
            .collect(),
    };
    text(&record)
}

/// Every card of the organisation (working copies), as CSV: one row per card × locale, the
/// card's details on its source-locale row.
pub async fn export_csv(state: &AppState, admin: &OrganisationAdmin) -> ApiResult<Vec<u8>> {
    let cards = service::list(state, admin).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS).map_err(ApiError::internal)?;
    for card in cards {
        let content = &card.content;
        let facts = fact_cells(content);
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
            let texts = text_cells(text);
            let record = COLUMNS.map(|column| match column {
                "card" => card.id.clone(),
                "state" => card.state.as_str().to_string(),
                "locale" => locale.clone(),
                _ => texts
                    .iter()
                    .chain(facts.iter().filter(|_| is_source))
                    .find(|(c, _)| *c == column)
                    .map(|(_, cell)| cell.clone())
                    .unwrap_or_default(),
            });
            writer
                .write_record(record.map(inert))
                .map_err(ApiError::internal)?;
        }
    }
    writer.into_inner().map_err(ApiError::internal)
}

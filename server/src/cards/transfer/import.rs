//! Import: the whole file checked before anything is written, then written in one transaction
//! (or rolled back for a dry run).

use super::*;
use quietline_protocol::{AccountId, CardId, OrganisationId};

/// Where a problem found in a card's content (`translations.fr.title`, `contact.phones[1]`) is
/// among the CSV columns: the locale of its row (none for the card's details) and its column.
pub fn column_of(field: &str) -> (Option<&str>, String) {
    if let Some(rest) = field.strip_prefix("translations.") {
        return match rest.split_once('.') {
            Some((locale, field)) => (Some(locale), field.to_string()),
            None => (Some(rest), "locale".to_string()),
        };
    }
    if let Some(rest) = field.strip_prefix("workers_only.") {
        return (None, format!("workers_{rest}"));
    }
    let field = field.strip_prefix("contact.").unwrap_or(field);
    (None, field.split('[').next().unwrap_or(field).to_string())
}

/// Places a problem found in a card's content on its row and, for CSV, its column.
fn locate(incoming: &Incoming, found: Problem) -> Problem {
    let Some((facts_row, by_locale)) = &incoming.rows else {
        return Problem {
            row: Some(incoming.row),
            ..found
        };
    };
    let (locale, field) = column_of(&found.field);
    let row = match locale {
        Some(locale) => by_locale.get(locale).copied().unwrap_or(*facts_row),
        None => *facts_row,
    };
    Problem {
        row: Some(row),
        field,
        message: found.message,
    }
}

/// Every problem an import of `bytes` would report, found without touching storage: all of the
/// checking an import does before it writes.
pub fn problems_in(format: Format, bytes: &[u8]) -> Vec<Problem> {
    read(format, bytes).1
}

pub(super) fn read(format: Format, bytes: &[u8]) -> (Vec<Incoming>, Vec<Problem>) {
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
    pub organisation_id: OrganisationId,
    pub format: Format,
    pub bytes: Vec<u8>,
    pub dry_run: bool,
    /// Who imports: an administrator, or the operator at the command line (recorded in each
    /// card's history as `quietline-admin`).
    pub by: crate::auth::Principal,
}

/// Imports cards (or, with `dry_run`, reports what an import would do and writes nothing). The
/// caller has checked that the editor may administer the organisation.
pub async fn import(state: &AppState, import: Import) -> ApiResult<ImportReport> {
    let Import {
        organisation_id,
        format,
        bytes,
        dry_run,
        by,
    } = import;
    let editor = if by.account_id.0.is_empty() {
        AccountId::from("quietline-admin")
    } else {
        by.account_id.clone()
    };
    let entry = crate::audit::Entry::new(
        &by,
        Some(&organisation_id),
        crate::audit::Action::CardsImport,
    );
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
                    Some(id) => store::find(conn, &CardId::from(id))?
                        .filter(|row| row.organisation_id == organisation_id),
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
            let head = entry.append(conn, now)?;
            Ok((report, head))
        })
        .await;
    match outcome {
        Ok((report, head)) => {
            head.announce();
            Ok(report)
        }
        Err(Abort::Rehearsed(report)) => Ok(report),
        Err(Abort::Failed(error)) => Err(error),
    }
}

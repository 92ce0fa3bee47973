//! Import and export of an organisation's cards, as JSON (`{"cards": [...]}`) or CSV (one row per
//! card × locale, UTF-8). An import is checked whole before anything is written: every problem is
//! reported with its row and field, and nothing is imported when there is any. A dry run is the
//! same import, rolled back.

mod csv_file;
mod import;
mod json_file;

pub use csv_file::*;
pub use import::*;
pub use json_file::*;

use super::service::{self, Change};
use super::store;
use super::validate;
use crate::auth::OrganisationAdmin;
use crate::db::DbError;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use quietline_protocol::cards::{
    CardCategory, CardContent, CardCost, CardExport, CardText, Contact, ExportedCard, ImportAction,
    ImportOutcome, ImportReport, ImportedCard, OpeningHours, Weekday,
};
use quietline_protocol::{ErrorCode, Problem};
use std::collections::{BTreeMap, HashMap};

/// Largest import accepted.
pub const IMPORT_LIMIT: usize = 4 * 1024 * 1024;

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

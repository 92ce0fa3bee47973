//! JSON: `{"cards": [...]}`, with serde's errors named by field.

use super::*;

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

pub(super) fn from_json(bytes: &[u8]) -> (Vec<Incoming>, Vec<Problem>) {
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

/// Every card of the organisation (working copies), as JSON.
pub async fn export_json(state: &AppState, admin: &OrganisationAdmin) -> ApiResult<CardExport> {
    let organisation_id = admin.organisation_id().clone();
    let cards = service::list(state, admin).await?;
    Ok(CardExport {
        organisation_id,
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

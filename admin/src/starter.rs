//! The starter set: sample cards for Canada, kept in the repository (`admin/starter/`), loaded by
//! `quietline-admin cards import --starter` or the console's one button.

use quietline_protocol::OrganisationId;
use quietline_server::error::{ApiError, ApiResult};
use quietline_server::state::AppState;

/// The set, as a JSON import (`{"cards": [...]}`).
pub const CARDS: &str = include_str!("../starter/cards-ca.json");

/// Whether the organisation already has sample cards: loading the set twice would make every
/// sample card twice.
pub async fn already_loaded(state: &AppState, organisation: &OrganisationId) -> ApiResult<bool> {
    let organisation = organisation.clone();
    let rows = state
        .db
        .read(move |conn| {
            quietline_server::cards::store::list(conn, &organisation).map_err(ApiError::from)
        })
        .await?;
    Ok(rows.iter().any(|row| {
        quietline_server::cards::service::content_of(&row.content).is_ok_and(|c| c.sample)
    }))
}

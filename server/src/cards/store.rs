//! Queries over resource cards, their versions, settings and signing keys.

use crate::db::DbConn;
use crate::db::schema::{bundle_keys, card_settings, resource_card_versions, resource_cards};
use diesel::prelude::*;
use diesel::result::QueryResult;
use quietline_protocol::cards::CardState;
use quietline_protocol::{AccountId, CardId, OrganisationId};

#[derive(Debug, Clone, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = resource_cards, treat_none_as_null = true)]
pub struct CardRow {
    pub id: CardId,
    pub organisation_id: OrganisationId,
    pub state: CardState,
    pub revision: i32,
    pub version: i32,
    pub content: String,
    pub published_version: Option<i32>,
    pub published: Option<String>,
    pub submitted_by: Option<AccountId>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = resource_card_versions)]
pub struct VersionRow {
    pub card_id: CardId,
    pub version: i32,
    pub action: String,
    pub state: CardState,
    pub content: String,
    pub changes: String,
    pub changed_by: AccountId,
    pub changed_at: i64,
}

pub fn insert(conn: &mut DbConn, row: &CardRow) -> QueryResult<()> {
    diesel::insert_into(resource_cards::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Writes a card's new state if it is still at `expected_version`.
pub fn update(conn: &mut DbConn, row: &CardRow, expected_version: i32) -> QueryResult<bool> {
    diesel::update(
        resource_cards::table
            .find(&row.id)
            .filter(resource_cards::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)
    .map(|n| n == 1)
}

pub fn find(conn: &mut DbConn, id: &CardId) -> QueryResult<Option<CardRow>> {
    resource_cards::table.find(id).first(conn).optional()
}

pub fn list(conn: &mut DbConn, organisation_id: &OrganisationId) -> QueryResult<Vec<CardRow>> {
    resource_cards::table
        .filter(resource_cards::organisation_id.eq(organisation_id))
        .order(resource_cards::id)
        .load(conn)
}

/// The served copies of an organisation's published cards.
pub fn published(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
) -> QueryResult<Vec<(CardId, String)>> {
    let rows: Vec<(CardId, Option<String>)> = resource_cards::table
        .filter(resource_cards::organisation_id.eq(organisation_id))
        .filter(resource_cards::published.is_not_null())
        .order(resource_cards::id)
        .select((resource_cards::id, resource_cards::published))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, published)| published.map(|p| (id, p)))
        .collect())
}

pub fn record_version(conn: &mut DbConn, row: &VersionRow) -> QueryResult<()> {
    diesel::insert_into(resource_card_versions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn versions(conn: &mut DbConn, card_id: &CardId) -> QueryResult<Vec<VersionRow>> {
    resource_card_versions::table
        .filter(resource_card_versions::card_id.eq(card_id))
        .order(resource_card_versions::version)
        .load(conn)
}

pub fn version(
    conn: &mut DbConn,
    card_id: &CardId,
    version: i32,
) -> QueryResult<Option<VersionRow>> {
    resource_card_versions::table
        .find((card_id, version))
        .first(conn)
        .optional()
}

/// (two_admin_approval, generation); defaults when never set.
pub fn settings(conn: &mut DbConn, organisation_id: &OrganisationId) -> QueryResult<(bool, i64)> {
    Ok(card_settings::table
        .find(organisation_id)
        .select((card_settings::two_admin_approval, card_settings::generation))
        .first(conn)
        .optional()?
        .unwrap_or((false, 0)))
}

fn ensure_settings(conn: &mut DbConn, organisation_id: &OrganisationId) -> QueryResult<()> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        card_settings::table.find(organisation_id),
    ))
    .get_result(conn)?;
    if !exists {
        diesel::insert_into(card_settings::table)
            .values(card_settings::organisation_id.eq(organisation_id))
            .execute(conn)?;
    }
    Ok(())
}

pub fn set_two_admin_approval(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    required: bool,
) -> QueryResult<()> {
    ensure_settings(conn, organisation_id)?;
    diesel::update(card_settings::table.find(organisation_id))
        .set(card_settings::two_admin_approval.eq(required))
        .execute(conn)
        .map(|_| ())
}

/// Marks the organisation's published cards as changed.
pub fn bump_generation(conn: &mut DbConn, organisation_id: &OrganisationId) -> QueryResult<()> {
    ensure_settings(conn, organisation_id)?;
    diesel::update(card_settings::table.find(organisation_id))
        .set(card_settings::generation.eq(card_settings::generation + 1))
        .execute(conn)
        .map(|_| ())
}

/// A bundle signing key of an organisation; its secret sealed with the storage key.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bundle_keys)]
pub struct KeyRow {
    pub key_id: String,
    pub organisation_id: OrganisationId,
    /// base64
    pub public_key: String,
    pub secret_sealed: Vec<u8>,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

pub fn keys(conn: &mut DbConn, organisation_id: &OrganisationId) -> QueryResult<Vec<KeyRow>> {
    bundle_keys::table
        .filter(bundle_keys::organisation_id.eq(organisation_id))
        .order(bundle_keys::created_at.desc())
        .select(KeyRow::as_select())
        .load(conn)
}

pub fn insert_key(conn: &mut DbConn, row: &KeyRow) -> QueryResult<()> {
    diesel::insert_into(bundle_keys::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Retires the organisation's current key(s).
pub fn retire_keys(
    conn: &mut DbConn,
    organisation_id: &OrganisationId,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(
        bundle_keys::table
            .filter(bundle_keys::organisation_id.eq(organisation_id))
            .filter(bundle_keys::retired_at.is_null()),
    )
    .set(bundle_keys::retired_at.eq(Some(now)))
    .execute(conn)
}

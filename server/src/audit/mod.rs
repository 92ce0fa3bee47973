//! The audit log: every change an administrator makes, through the admin API, the console or
//! the command line, is appended in the same transaction as the change itself, so neither is
//! kept without the other. Entries name who, what and which id, to the minute; never content.
//!
//! The log is hash-chained: each entry's hash covers its fields and the previous entry's hash,
//! and `audit_head` keeps the last number and hash, so an edited, removed or reordered entry
//! breaks the chain ([`verify`]). Each new head is also written to the log output after the
//! commit, an outside copy against which a database rewritten from scratch can be checked.

pub mod routes;
mod store;

pub use routes::{AuditQuery, configure_admin, read_instance, read_organisation};

use crate::auth::Principal;
use crate::db::{DbConn, DbError};
use crate::error::ApiResult;
use crate::state::AppState;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use quietline_protocol::OrganisationId;
use quietline_protocol::api::AuditEntry;
use sha2::{Digest, Sha256};

pub use store::Filter;

/// The previous hash of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The actor named for the server's own command line, which reaches the storage directly.
pub const OPERATOR: &str = "operator";

/// Everything an administrator can change. One name per action, as the log and its filters
/// show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    InstanceSetUp,
    AdminCreate,
    AdminInviteAccept,
    AdminSignIn,
    AdminSignOut,
    AdminAccountDelete,
    AdminDeviceRemove,
    TotpEnrol,
    TotpConfirm,
    TotpReset,
    TotpResetRequest,
    OrganisationCreate,
    InviteCreate,
    InviteRevoke,
    MemberRemove,
    MemberLanguagesSet,
    MemberDeactivate,
    MemberReactivate,
    DisappearingSet,
    PartnersSet,
    EntryPointCreate,
    EntryPointRetire,
    EntryPointUnlockWordSet,
    DecoySet,
    DecoyDelete,
    CardCreate,
    CardUpdate,
    CardTranslate,
    CardSubmit,
    CardPublish,
    CardArchive,
    CardRollback,
    CardsImport,
    CardSettingsSet,
    BundleKeyRotate,
    CannedReplyCreate,
    CannedReplyUpdate,
    CannedReplyDelete,
}

impl Action {
    pub const ALL: [Action; 38] = [
        Action::InstanceSetUp,
        Action::AdminCreate,
        Action::AdminInviteAccept,
        Action::AdminSignIn,
        Action::AdminSignOut,
        Action::AdminAccountDelete,
        Action::AdminDeviceRemove,
        Action::TotpEnrol,
        Action::TotpConfirm,
        Action::TotpReset,
        Action::TotpResetRequest,
        Action::OrganisationCreate,
        Action::InviteCreate,
        Action::InviteRevoke,
        Action::MemberRemove,
        Action::MemberLanguagesSet,
        Action::MemberDeactivate,
        Action::MemberReactivate,
        Action::DisappearingSet,
        Action::PartnersSet,
        Action::EntryPointCreate,
        Action::EntryPointRetire,
        Action::EntryPointUnlockWordSet,
        Action::DecoySet,
        Action::DecoyDelete,
        Action::CardCreate,
        Action::CardUpdate,
        Action::CardTranslate,
        Action::CardSubmit,
        Action::CardPublish,
        Action::CardArchive,
        Action::CardRollback,
        Action::CardsImport,
        Action::CardSettingsSet,
        Action::BundleKeyRotate,
        Action::CannedReplyCreate,
        Action::CannedReplyUpdate,
        Action::CannedReplyDelete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::InstanceSetUp => "instance.set_up",
            Action::AdminCreate => "admin.create",
            Action::AdminInviteAccept => "admin.invite_accept",
            Action::AdminSignIn => "admin.sign_in",
            Action::AdminSignOut => "admin.sign_out",
            Action::AdminAccountDelete => "admin.account_delete",
            Action::AdminDeviceRemove => "admin.device_remove",
            Action::TotpEnrol => "totp.enrol",
            Action::TotpConfirm => "totp.confirm",
            Action::TotpReset => "totp.reset",
            Action::TotpResetRequest => "totp.reset_request",
            Action::OrganisationCreate => "organisation.create",
            Action::InviteCreate => "invite.create",
            Action::InviteRevoke => "invite.revoke",
            Action::MemberRemove => "member.remove",
            Action::MemberLanguagesSet => "member.languages_set",
            Action::MemberDeactivate => "member.deactivate",
            Action::MemberReactivate => "member.reactivate",
            Action::DisappearingSet => "organisation.disappearing_set",
            Action::PartnersSet => "organisation.partners_set",
            Action::EntryPointCreate => "entry_point.create",
            Action::EntryPointRetire => "entry_point.retire",
            Action::EntryPointUnlockWordSet => "entry_point.unlock_word_set",
            Action::DecoySet => "entry_point.decoy_set",
            Action::DecoyDelete => "entry_point.decoy_delete",
            Action::CardCreate => "card.create",
            Action::CardUpdate => "card.update",
            Action::CardTranslate => "card.translate",
            Action::CardSubmit => "card.submit",
            Action::CardPublish => "card.publish",
            Action::CardArchive => "card.archive",
            Action::CardRollback => "card.rollback",
            Action::CardsImport => "cards.import",
            Action::CardSettingsSet => "cards.settings_set",
            Action::BundleKeyRotate => "cards.bundle_key_rotate",
            Action::CannedReplyCreate => "canned_reply.create",
            Action::CannedReplyUpdate => "canned_reply.update",
            Action::CannedReplyDelete => "canned_reply.delete",
        }
    }

    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// An entry about to be appended.
#[derive(Clone, Debug)]
pub struct Entry {
    actor: String,
    organisation_id: Option<OrganisationId>,
    action: Action,
    target: Option<String>,
}

impl Entry {
    /// `principal` did `action`, within `organisation_id` if it concerns one.
    pub fn new(
        principal: &Principal,
        organisation_id: Option<&OrganisationId>,
        action: Action,
    ) -> Entry {
        let actor = if principal.account_id.0.is_empty() {
            OPERATOR.to_string()
        } else {
            principal.account_id.0.clone()
        };
        Entry {
            actor,
            organisation_id: organisation_id.cloned(),
            action,
            target: None,
        }
    }

    /// The account a session was just granted to did `action` (signing in, redeeming an
    /// invite): the grant names who they are.
    pub fn granted(grant: &quietline_protocol::api::SessionGrant, action: Action) -> Entry {
        Entry {
            actor: grant.account_id.0.clone(),
            organisation_id: grant.organisation_id.clone(),
            action,
            target: None,
        }
    }

    /// Names what it was done to: an id, never a name or a text.
    pub fn on(mut self, target: impl Into<String>) -> Entry {
        self.target = Some(target.into());
        self
    }

    /// Appends the entry, in the caller's transaction, at minute precision.
    pub fn append(&self, conn: &mut DbConn, now: i64) -> Result<Head, DbError> {
        let (seq, prev_hash) = store::advance_head(conn)?;
        let row = store::AuditRow {
            seq,
            at: crate::clock::minute_of(now),
            actor: self.actor.clone(),
            organisation_id: self.organisation_id.clone().map(|o| o.0),
            action: self.action.as_str().to_string(),
            target: self.target.clone(),
            hash: String::new(),
            prev_hash,
        };
        let hash = hash_of(&row);
        store::insert(conn, &row, &hash)?;
        Ok(Head { seq, hash })
    }
}

/// The log's last entry, as written to the log output once committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

impl Head {
    /// The outside copy of the chain's head: written after the commit, so it never names an
    /// entry that was rolled back.
    pub fn announce(&self) {
        tracing::info!(audit_seq = self.seq, audit_head = %self.hash, "audit log head");
    }
}

/// Runs `work` in one transaction with `entry` appended to the audit log, then announces the
/// new head. A refused change (an error from `work`) writes no entry.
pub async fn write<T, F>(state: &AppState, entry: Entry, work: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
{
    write_with(state, move |_| entry, work).await
}

/// [`write`] for a change whose entry names what the change made (a new card's id).
pub async fn write_with<T, F, E>(state: &AppState, entry: E, work: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    E: FnOnce(&T) -> Entry + Send + 'static,
{
    let now = state.clock.now();
    let (value, head) = state
        .db
        .write(move |conn| {
            let value = work(conn)?;
            let head = entry(&value).append(conn, now)?;
            Ok::<_, crate::error::ApiError>((value, head))
        })
        .await?;
    head.announce();
    Ok(value)
}

/// Appends `entry` alone, for a change whose own writes are already committed by a service
/// that does not write through [`write`] (a session begun or a factor reset).
pub async fn record(state: &AppState, entry: Entry) -> ApiResult<()> {
    write(state, entry, |_| Ok(())).await
}

/// The hash of an entry: SHA-256 over its fields and the previous hash, as a JSON array (one
/// unambiguous encoding), in base64url.
fn hash_of(row: &store::AuditRow) -> String {
    let fields = serde_json::json!([
        row.seq,
        row.at,
        row.actor,
        row.organisation_id,
        row.action,
        row.target,
        row.prev_hash,
    ]);
    URL_SAFE_NO_PAD.encode(Sha256::digest(fields.to_string().as_bytes()))
}

/// What [`verify`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The chain holds from the first entry to the head.
    Intact { entries: i64, head: String },
    /// The first place it does not.
    Broken { seq: i64, reason: &'static str },
}

/// Walks the whole chain: numbers from 1 without gaps, each entry's previous hash is the one
/// before's hash, each hash recomputes, and the head names the last entry. An edited entry
/// fails its hash; a removed one leaves a gap (or, if it was the last, a head beyond the log);
/// two swapped ones fail their numbers or their links.
pub fn verify(conn: &mut DbConn) -> Result<Verdict, DbError> {
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_string();
    let mut after = 0;
    loop {
        let page = store::page(conn, after, 1_000)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for row in page {
            if row.seq != expected_seq {
                return Ok(Verdict::Broken {
                    seq: expected_seq,
                    reason: "an entry is missing or out of order",
                });
            }
            if row.prev_hash != prev {
                return Ok(Verdict::Broken {
                    seq: row.seq,
                    reason: "it does not follow the entry before it",
                });
            }
            if hash_of(&row) != row.hash {
                return Ok(Verdict::Broken {
                    seq: row.seq,
                    reason: "its content does not match its hash",
                });
            }
            prev = row.hash;
            expected_seq += 1;
        }
    }
    let entries = expected_seq - 1;
    let (head_seq, head_hash) = store::head(conn)?;
    if head_seq != entries || head_hash != prev {
        return Ok(Verdict::Broken {
            seq: entries + 1,
            reason: "the head names an entry the log does not hold",
        });
    }
    Ok(Verdict::Intact {
        entries,
        head: prev,
    })
}

/// The hash of entry `seq`, if the log holds it.
pub fn hash_at(conn: &mut DbConn, seq: i64) -> Result<Option<String>, DbError> {
    Ok(store::page(conn, seq - 1, 1)?
        .into_iter()
        .find(|row| row.seq == seq)
        .map(|row| row.hash))
}

/// Entries, newest first, as administrators read them: an organisation's administrators see
/// its entries only; an instance administrator sees all (or one organisation's).
pub async fn list(state: &AppState, filter: Filter) -> ApiResult<Vec<AuditEntry>> {
    state
        .db
        .read(move |conn| store::list(conn, &filter).map_err(crate::error::ApiError::from))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_name_and_parses_back() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }

    #[test]
    fn the_hash_covers_every_field() {
        let row = store::AuditRow {
            seq: 3,
            at: 120,
            actor: "a".into(),
            organisation_id: Some("o".into()),
            action: "card.publish".into(),
            target: Some("c".into()),
            prev_hash: "p".into(),
            hash: String::new(),
        };
        let base = hash_of(&row);
        let variants = [
            store::AuditRow {
                seq: 4,
                ..row.clone()
            },
            store::AuditRow {
                at: 180,
                ..row.clone()
            },
            store::AuditRow {
                actor: "b".into(),
                ..row.clone()
            },
            store::AuditRow {
                organisation_id: None,
                ..row.clone()
            },
            store::AuditRow {
                action: "card.archive".into(),
                ..row.clone()
            },
            store::AuditRow {
                target: None,
                ..row.clone()
            },
            store::AuditRow {
                prev_hash: "q".into(),
                ..row.clone()
            },
        ];
        for variant in variants {
            assert_ne!(hash_of(&variant), base, "{variant:?}");
        }
    }
}

//! Stable, machine-readable error codes. Clients branch on `code`; `message` is for people and may
//! change. Every error the server returns has this shape:
//! `{"error":{"code":"snake_case_code","message":"…"}}`.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request line or headers could not be read (a bad `Content-Length`, say).
    MalformedRequest,
    /// The request's headers are larger than the server reads.
    HeadersTooLarge,
    /// The request's headers did not arrive in time.
    RequestTimeout,
    /// The body is not well-formed JSON.
    MalformedJson,
    /// The body is JSON but not of the expected shape, or a value is out of range.
    InvalidBody,
    /// A path or query parameter could not be read.
    InvalidParameter,
    /// The body is larger than this endpoint accepts.
    PayloadTooLarge,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    /// No such resource, or not one the caller may know about.
    NotFound,
    /// No valid access token was presented.
    Unauthenticated,
    /// The caller is authenticated but may not do this.
    Forbidden,
    /// Handle or passphrase wrong.
    InvalidCredentials,
    /// A one-time code from the authenticator app is needed.
    TotpRequired,
    /// The one-time code is wrong, expired or already used.
    InvalidTotp,
    /// A second factor is already active on this account.
    TotpAlreadyEnabled,
    /// (Administrators) A second factor is required: enrol one before anything else.
    TotpEnrolmentRequired,
    /// The entry point code is unknown.
    InvalidEntryPoint,
    /// Someone else claimed this conversation first.
    AlreadyClaimed,
    /// The conversation is not in a state that allows this (e.g. transferring one that is not
    /// active, answering a referral that was not offered).
    InvalidState,
    /// The caller already has as many active conversations as they set as their limit.
    CapacityReached,
    /// The worker named is away or has no room for another conversation.
    WorkerUnavailable,
    /// The organisation is not a partner (declared by both sides) of this one.
    NotAPartner,
    /// A closed conversation can no longer be reopened.
    ReopenWindowPassed,
    /// Someone else changed this since the version the request was based on.
    VersionConflict,
    /// A resource card has problems; see `problems`.
    InvalidCard,
    /// Publishing needs a second administrator's approval.
    SecondApprovalRequired,
    /// An import of cards has problems; see `problems` (by row and field). Nothing was imported.
    InvalidImport,
    /// The seeker has not come through an entry point, and did not give one.
    EntryPointRequired,
    /// The invite does not exist, has expired or has been used.
    InvalidInvite,
    /// The setup token is wrong, or setup has already been done.
    InvalidSetupToken,
    /// The refresh token is unknown or expired.
    InvalidRefreshToken,
    /// A refresh token was used twice; the whole session has been revoked.
    RefreshTokenReused,
    /// The sign-up challenge is unknown, expired or already used.
    InvalidChallenge,
    /// The proof of work does not meet the challenge.
    InvalidProofOfWork,
    /// Too many requests; try again later.
    RateLimited,
    /// The handle is already taken.
    HandleTaken,
    /// An organisation of that name exists already.
    OrganisationExists,
    /// A language tag is not a valid BCP 47 tag.
    InvalidLanguageTag,
    /// The account has as many devices as allowed.
    TooManyDevices,
    /// The last device cannot be removed; delete the account instead.
    LastDevice,
    /// The last instance administrator cannot be removed.
    LastInstanceAdmin,
    /// A key or signature is malformed, or a signature does not verify against the identity key.
    InvalidSignature,
    /// The key upload is malformed (duplicate ids, too many keys, wrong lengths).
    InvalidKeys,
    /// The device has not published its keys yet.
    KeysMissing,
    /// The send does not target exactly the recipient's current devices; see `devices`.
    DeviceMismatch,
    /// A case note is not sealed to exactly the current devices of the organisation's workers:
    /// fetch the recipients again and seal it anew.
    RecipientsChanged,
    /// The recipient device's queue is full.
    QueueFull,
    /// A ciphertext is larger than the server accepts.
    CiphertextTooLarge,
    /// Something went wrong on the server; nothing was changed.
    InternalError,
    /// A backing service is unavailable; try again.
    ServiceUnavailable,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// With `device_mismatch`: which devices to add, drop or refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<crate::relay::DeviceMismatch>,
    /// With `invalid_card` or `invalid_import`: every problem found, by field (and row, for batches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<Problem>>,
}

/// One problem in a submitted card or import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// The row of an import (1 is the first data row of a CSV, or the first card of JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// The field, e.g. `contact.phones[0]` or `translations.fr.title`.
    pub field: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

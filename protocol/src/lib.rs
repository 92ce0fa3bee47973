//! Quietline's wire protocol: the types that travel between clients and the server, the stable
//! error codes, and the helpers both sides must compute the same way (proof of work).
//!
//! Clients depend on this crate without the server; the `openapi` feature adds schema derives
//! for the server's OpenAPI document.

pub mod api;
mod bytes;
pub mod cards;
#[cfg(feature = "client")]
pub mod client;
pub mod decoys;
pub mod error;
pub mod ids;
pub mod keys;
pub mod padding;
pub mod pow;
pub mod push;
pub mod relay;
pub mod secret;
#[cfg(feature = "diesel")]
mod sql;
pub mod web;

pub use error::{ErrorBody, ErrorCode, ErrorDetail, Problem};
pub use ids::{AccountId, CardId, ConversationId, DeviceId, EntryPointId, OrganisationId};
pub use secret::Secret;

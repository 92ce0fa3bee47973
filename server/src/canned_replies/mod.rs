//! Canned replies: an organisation's ready-made texts per language, edited by its
//! administrators and served to its workers, whose clients fill in the placeholders and insert
//! them into (encrypted) messages. Every version is kept; deletion is soft.

pub mod routes;
pub mod service;
pub mod store;

pub use routes::{configure_admin, configure_public};

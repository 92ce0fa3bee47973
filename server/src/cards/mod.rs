//! Resource cards: administrators curate them (versioned, with a review workflow), clients are
//! served them in a negotiated language, filtered and searched, or take the whole signed bundle
//! for offline, private browsing.

pub mod cache;
pub mod report;
pub mod routes;
pub mod serve;
pub mod service;
pub mod store;
pub mod transfer;
pub mod validate;

pub use routes::{configure_admin, configure_public};

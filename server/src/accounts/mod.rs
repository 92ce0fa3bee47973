//! Accounts of the three roles: anonymous seekers, invited workers, administrators; their
//! devices and sessions.

pub mod quick_exit;
pub mod routes;
pub mod service;
pub mod store;

pub use routes::{configure_admin, configure_public};

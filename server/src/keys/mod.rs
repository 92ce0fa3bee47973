//! The key directory: each device's public identity key, signed prekeys and one-time prekeys
//! (EC and Kyber, for PQXDH). Bundles hand out each one-time prekey at most once.

pub mod routes;
pub mod service;
pub mod store;

pub use routes::configure_public;

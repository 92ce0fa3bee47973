//! The desk: workers say whether they are available and how many conversations they take at
//! once; seekers ask whether someone reading their language is available, and the usual wait,
//! without learning who.

pub mod routes;
pub mod service;
pub mod store;

pub use routes::configure_public;

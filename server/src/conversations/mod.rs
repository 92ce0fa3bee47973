//! Conversations: a seeker reaches an organisation (through an entry point), waits in its queue,
//! is claimed by one of its workers, and the conversation is closed with an outcome. Membership
//! decides who may message whom. The server never sees what is said.

pub mod routes;
pub mod service;
pub mod statistics;
pub mod store;

pub use routes::configure_public;

//! Case notes: what a worker writes about a conversation so that a colleague who takes over does
//! not make the person tell their story again. The writer's client seals one copy to each device
//! of each worker of the organisation; the server checks the copies go to exactly those devices,
//! keeps them as it got them, and hands each device its own. Seekers never see them.

pub mod routes;
pub mod service;
pub mod store;

pub use routes::configure_public;

//! The encrypted relay: per-device queues of ciphertext envelopes, written in groups by the
//! envelope writer, delivered over a WebSocket (or fetched over HTTP) and deleted on
//! acknowledgement. The server never reads an envelope's content.

pub mod routes;
pub mod service;
pub mod socket;
pub mod store;
pub mod writer;

pub use routes::configure_public;

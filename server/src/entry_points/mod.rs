//! Entry points: the doors through which seekers reach an organisation. Each is an
//! unguessable code an organisation's administrators hand out (on a poster, in a disguised app);
//! a seeker's client presents it at sign-up. Each also has a disguise: the theme of the app built
//! on it, and decoy content anyone may fetch by its public slug (`decoys.rs`), which opens nothing
//! else; and printable material, its link as a QR code (`printable.rs`).

pub mod decoys;
pub mod printable;
pub mod routes;
pub mod service;
pub mod store;

pub use routes::{configure_admin, configure_public};

//! Entry points: the doors through which seekers reach an organisation. Each is an
//! unguessable code an organisation's administrators hand out (on a poster, in a disguised app);
//! a seeker's client presents it at sign-up. Disguise themes and decoy content will belong to
//! this same object.

pub mod routes;
pub mod service;
pub mod store;

pub use routes::{configure_admin, configure_public};

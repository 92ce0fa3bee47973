//! Organisations (the NGOs an instance serves), the invites that bring in their workers and
//! administrators, and the membership their administrators manage.

pub mod routes;
pub mod service;
pub mod store;

pub use routes::{configure_admin, configure_public};

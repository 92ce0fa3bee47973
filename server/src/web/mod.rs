//! The web entry: an entry point's link opened in a browser, for someone who cannot install an
//! app. The site's page shows the decoy until the entry point's word is typed in its search box;
//! then the organisation's resource cards, and a way to write to a worker. The browser makes a
//! codename (never sent), derives from it a handle (the server keeps a keyed hash) and an X25519
//! key, and seals each message to the workers' devices' intake keys; replies are sealed to the
//! browser's key. The server relays ciphertext only, as for the app. Nothing is kept in the
//! browser: no cookie, no storage, no cache.

mod page;
pub mod routes;
pub mod service;
pub mod store;

pub use routes::{configure_admin, configure_public};

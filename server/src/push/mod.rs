//! Push wake-ups (Web Push: RFC 8030 delivery, RFC 8291 `aes128gcm` payloads, RFC 8292 VAPID),
//! which also serves UnifiedPush distributors on phones without Google's services.
//!
//! A device registers its subscription (sealed with the storage key at rest). When envelopes wait
//! for a device with no live connection, the messaging service publishes a wake-up on the bus;
//! every instance hears it, and the one that claims the device's coalescing mark (shared through
//! Redis when there are several) pushes, off the request path: at most one push per device per
//! `QUIETLINE_PUSH_INTERVAL`, with one more at the end of the interval if wake-ups came during
//! it. A push carries [`quietline_protocol::push::WAKE_PAYLOAD`], the same 32 bytes for
//! everyone. Delivery retries with backoff; an endpoint the push service reports gone (404, 410)
//! is removed.
//!
//! APNs and FCM, which need a vendor's credentials, are on where those are configured
//! ([`vendors`]); they send the same content-free wake-up. The README says what each still
//! reveals to its vendor.

pub mod deliver;
pub mod routes;
pub mod service;
pub mod store;
pub mod vendors;

pub use routes::configure_public;
pub use service::Push;

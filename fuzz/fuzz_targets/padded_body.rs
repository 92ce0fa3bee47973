//! Padded JSON bodies: any JSON padded to its bucket reads as it did unpadded, and request bodies
//! of any shape are refused or read, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quietline_protocol::api::{AcceptInvite, Login};
use quietline_protocol::padding;
use quietline_protocol::relay::{Acknowledge, SendMessage};

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<SendMessage>(data);
    let _ = serde_json::from_slice::<Acknowledge>(data);
    let _ = serde_json::from_slice::<AcceptInvite>(data);
    let _ = serde_json::from_slice::<Login>(data);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        // Padding must not change what a body says: the padded body reads as the unpadded one.
        // (Compared after one serialisation, since JSON numbers need not round-trip exactly.)
        let plain = serde_json::to_vec(&value).expect("a value serialises");
        let padded = padding::to_padded_json(&value).expect("a value serialises");
        assert_eq!(padded.len(), padding::padded_len(plain.len()));
        assert!(padded.starts_with(&plain));
        let unpadded: serde_json::Value = serde_json::from_slice(&plain).expect("valid JSON");
        let back: serde_json::Value =
            serde_json::from_slice(&padded).expect("padding keeps JSON valid");
        assert_eq!(back, unpadded);
    }
});

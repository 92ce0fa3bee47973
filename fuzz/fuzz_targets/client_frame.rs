//! What a device sends over the WebSocket: any text is refused or read, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quietline_protocol::relay::ClientFrame;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = serde_json::from_str::<ClientFrame>(text.trim());
    }
});

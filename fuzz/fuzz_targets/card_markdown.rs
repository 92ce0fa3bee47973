//! The Markdown of cards: any text is judged safe or not, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quietline_server::cards::validate::safe_markdown;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = safe_markdown(text);
    }
});

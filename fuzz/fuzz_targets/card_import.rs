//! Card imports, as JSON and as CSV: any file gets its problems listed, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quietline_server::cards::transfer::{Format, problems_in};

fuzz_target!(|data: &[u8]| {
    let _ = problems_in(Format::Json, data);
    let _ = problems_in(Format::Csv, data);
});

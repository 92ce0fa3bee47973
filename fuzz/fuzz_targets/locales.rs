//! Locale negotiation: any Accept-Language header or locale list gives a supported language and
//! a fallback chain ending in the default, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quietline_server::language::locale_chain;
use quietline_server::i18n;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let language = i18n::negotiate(Some(text));
        assert!(i18n::message("not_found", language).is_some());
        let requested: Vec<String> = text.split(',').map(str::to_string).collect();
        let available = vec!["en".to_string(), "fr".to_string(), "tl".to_string()];
        let chain = locale_chain(&requested, &available, "fr");
        assert!(chain.contains(&"fr".to_string()));
    }
});

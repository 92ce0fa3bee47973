//! Words that welcome: nothing a seeker reads calls them a victim or names trafficking. People in
//! these situations rarely see themselves in those words, and a watcher reading over a shoulder
//! must not find them either. Every seeker-facing text is scanned, in every language: the site's
//! and the web entry's words, the server's error messages, the page's scripts and templates, and
//! the seeker's side of the terminal client.
// A failed step should stop the test where it happens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// Words and phrases kept out, lower-case, in the languages the seeker texts are written in.
const KEPT_OUT: &[&str] = &[
    // English
    "victim",
    "traffick",
    "exploited person",
    // French
    "victime",
    "traite des personnes",
    "traite de personnes",
    "traite d'êtres humains",
    // Spanish
    "víctima",
    "victima",
    "trata de personas",
    "trata de seres humanos",
    // Tagalog
    "biktima",
    "pagtutulak ng tao",
    // Chinese (simplified)
    "受害者",
    "受害人",
    "人口贩运",
    "贩卖人口",
    // Arabic
    "ضحية",
    "ضحايا",
    "الاتجار بالبشر",
    "الإتجار بالبشر",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file a seeker reads words from.
fn seeker_texts() -> Vec<PathBuf> {
    let root = root();
    let mut files = vec![root.join("protocol/src/bin/quietline-client/seeker.rs")];
    for (dir, extension) in [
        ("server/src/face/locales", "ftl"),
        ("server/src/i18n/errors", "ftl"),
        ("server/src/face/assets", "js"),
        ("server/templates/site", "html"),
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == extension) {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn no_seeker_text_calls_anyone_a_victim_or_names_trafficking() {
    let files = seeker_texts();
    assert!(files.len() >= 20, "found only {} seeker texts", files.len());
    let mut found = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap().to_lowercase();
        for (number, line) in text.lines().enumerate() {
            for word in KEPT_OUT {
                if line.contains(word) {
                    found.push(format!("{}:{}: {word}", path.display(), number + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "seeker texts with words kept out: {found:#?}"
    );
}

#[test]
fn the_scan_finds_what_it_looks_for() {
    // The list works on the texts as they are written: case and script do not hide a word.
    let samples = [
        "Are you a Victim of human TRAFFICKING?",
        "¿Es usted víctima de trata de personas?",
        "您是人口贩运的受害者吗？",
        "هل أنت ضحية؟",
    ];
    for sample in samples {
        let lower = sample.to_lowercase();
        assert!(KEPT_OUT.iter().any(|word| lower.contains(word)), "{sample}");
    }
    // "De qué se trata" (what it is about) is ordinary Spanish, not trafficking.
    assert!(!KEPT_OUT.iter().any(|word| "de qué se trata".contains(word)));
}

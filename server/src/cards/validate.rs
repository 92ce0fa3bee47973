//! Checks of a card's content, each problem named by field, so an administrator (or an import's
//! dry run) sees everything wrong at once.

use crate::language::canonical;
use quietline_protocol::Problem;
use quietline_protocol::cards::{CardContent, ELIGIBILITY};

fn problem(problems: &mut Vec<Problem>, field: impl Into<String>, message: &str) {
    problems.push(Problem {
        row: None,
        field: field.into(),
        message: message.to_string(),
    });
}

fn length(
    problems: &mut Vec<Problem>,
    field: String,
    value: &str,
    min: usize,
    max: usize,
    what: &str,
) {
    let n = value.trim().chars().count();
    if n < min || n > max {
        problem(problems, field, what);
    }
}

/// Whether a Markdown body keeps to the safe subset: no HTML, no images, links only to https,
/// tel, mailto and sms.
pub fn safe_markdown(body: &str) -> Result<(), &'static str> {
    use pulldown_cmark::{Event, LinkType, Options, Parser, Tag};
    // Parsed as a CommonMark renderer reads it, so every construct it knows is seen: reference
    // definitions resolved, autolinks, raw HTML blocks and inline HTML alike.
    for event in Parser::new_ext(body, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES) {
        match event {
            Event::Html(_) | Event::InlineHtml(_) => {
                return Err("HTML is not allowed in the body; use Markdown.");
            }
            Event::Start(Tag::Image { .. }) => return Err("Images are not allowed in the body."),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                let link = dest_url.trim().to_ascii_lowercase();
                let allowed = link_type == LinkType::Email
                    || ["https://", "tel:", "mailto:", "sms:"]
                        .iter()
                        .any(|scheme| link.starts_with(scheme));
                if !allowed {
                    return Err("Links go to https, tel, mailto or sms addresses only.");
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn valid_region(region: &str) -> bool {
    if region == "national" {
        return true;
    }
    let (code, city) = match region.split_once('/') {
        Some((code, city)) => (code, Some(city)),
        None => (region, None),
    };
    let mut parts = code.splitn(2, '-');
    let country = parts.next().unwrap_or_default();
    let subdivision = parts.next();
    country.len() == 2
        && country.chars().all(|c| c.is_ascii_uppercase())
        && subdivision.is_none_or(|s| {
            (1..=3).contains(&s.len())
                && s.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        && city.is_none_or(|c| (1..=64).contains(&c.chars().count()) && !c.contains('/'))
}

fn valid_phone(number: &str) -> bool {
    let digits = number.chars().filter(char::is_ascii_digit).count();
    (3..=20).contains(&digits)
        && number
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

fn valid_time(time: &str) -> bool {
    let Some((h, m)) = time.split_once(':') else {
        return false;
    };
    h.len() == 2
        && m.len() == 2
        && h.parse::<u8>().is_ok_and(|h| h <= 24)
        && m.parse::<u8>().is_ok_and(|m| m < 60)
}

pub fn valid_date(date: &str) -> bool {
    date.len() == 10 && date.parse::<jiff::civil::Date>().is_ok()
}

/// Every problem with a card's content; normalises language tags in place.
pub fn check(content: &mut CardContent) -> Vec<Problem> {
    let mut problems = Vec::new();
    match canonical(&content.source_locale) {
        Some(tag) => content.source_locale = tag,
        None => problem(&mut problems, "source_locale", "Not a valid BCP 47 tag."),
    }
    let translations = std::mem::take(&mut content.translations);
    for (locale, text) in translations {
        let Some(tag) = canonical(&locale) else {
            problem(
                &mut problems,
                format!("translations.{locale}"),
                "Not a valid BCP 47 tag.",
            );
            continue;
        };
        let field = |name: &str| format!("translations.{tag}.{name}");
        length(
            &mut problems,
            field("title"),
            &text.title,
            1,
            140,
            "A title has 1 to 140 characters.",
        );
        length(
            &mut problems,
            field("summary"),
            &text.summary,
            1,
            500,
            "A summary has 1 to 500 characters.",
        );
        length(
            &mut problems,
            field("body"),
            &text.body,
            0,
            8_000,
            "A body has at most 8000 characters.",
        );
        length(
            &mut problems,
            field("risk_disclosure"),
            &text.risk_disclosure,
            1,
            1_000,
            "Say what acting on this card may expose the person to (1 to 1000 characters).",
        );
        if let Some(notes) = &text.confidentiality {
            length(
                &mut problems,
                field("confidentiality"),
                notes,
                0,
                1_000,
                "At most 1000 characters.",
            );
        }
        if let Err(why) = safe_markdown(&text.body) {
            problem(&mut problems, field("body"), why);
        }
        content.translations.insert(tag, text);
    }
    if !content.translations.contains_key(&content.source_locale) {
        problem(
            &mut problems,
            format!("translations.{}", content.source_locale),
            "The text in the source locale is required.",
        );
    }
    if content.regions.is_empty() {
        problem(
            &mut problems,
            "regions",
            "Give at least one region, or \"national\".",
        );
    }
    for (i, region) in content.regions.iter().enumerate() {
        if !valid_region(region) {
            problem(
                &mut problems,
                format!("regions[{i}]"),
                "A region is \"national\" or like CA, CA-QC or CA-QC/Montréal.",
            );
        }
    }
    let languages = std::mem::take(&mut content.languages);
    for (i, language) in languages.into_iter().enumerate() {
        match canonical(&language) {
            Some(tag) => content.languages.push(tag),
            None => problem(
                &mut problems,
                format!("languages[{i}]"),
                "Not a valid BCP 47 tag.",
            ),
        }
    }
    for (i, group) in content.eligibility.iter().enumerate() {
        if !ELIGIBILITY.contains(&group.as_str()) {
            problem(
                &mut problems,
                format!("eligibility[{i}]"),
                "One of any_status, needs_status, minors, adults, women_only, men_only, families.",
            );
        }
    }
    let contact = &content.contact;
    for (field, numbers) in [
        ("contact.phones", &contact.phones),
        ("contact.sms", &contact.sms),
    ] {
        for (i, number) in numbers.iter().enumerate() {
            if !valid_phone(number) {
                problem(
                    &mut problems,
                    format!("{field}[{i}]"),
                    "A number has digits, spaces, +, -, ( and ) only.",
                );
            }
        }
    }
    for (i, web) in contact.web.iter().enumerate() {
        if !web.starts_with("https://") || web.len() > 300 || web.chars().any(char::is_whitespace) {
            problem(
                &mut problems,
                format!("contact.web[{i}]"),
                "A web address starts with https://.",
            );
        }
    }
    if contact
        .address
        .as_ref()
        .is_some_and(|a| a.chars().count() > 300)
    {
        problem(
            &mut problems,
            "contact.address",
            "An address has at most 300 characters.",
        );
    }
    for (i, hours) in contact.hours.iter().enumerate() {
        if hours.days.is_empty() || !valid_time(&hours.opens) || !valid_time(&hours.closes) {
            problem(
                &mut problems,
                format!("contact.hours[{i}]"),
                "Hours name days, and times as HH:MM.",
            );
        }
    }
    match &contact.time_zone {
        Some(zone) if jiff::tz::TimeZone::get(zone).is_err() => {
            problem(
                &mut problems,
                "contact.time_zone",
                "Not a known time zone, e.g. America/Toronto.",
            );
        }
        None if !contact.hours.is_empty() => {
            problem(
                &mut problems,
                "contact.time_zone",
                "Hours need a time zone, e.g. America/Toronto.",
            );
        }
        _ => {}
    }
    let has_details = !contact.phones.is_empty()
        || !contact.sms.is_empty()
        || !contact.web.is_empty()
        || contact.address.is_some();
    if has_details
        && content
            .source
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
    {
        problem(
            &mut problems,
            "source",
            "Contact details need a source: where the organisation itself published them.",
        );
    }
    for (field, date) in [
        ("last_verified", &content.last_verified),
        ("review_by", &content.review_by),
    ] {
        if date.as_deref().is_some_and(|d| !valid_date(d)) {
            problem(&mut problems, field, "A date is written YYYY-MM-DD.");
        }
    }
    if content.tags.len() > 20
        || content
            .tags
            .iter()
            .any(|t| !(1..=40).contains(&t.chars().count()))
    {
        problem(
            &mut problems,
            "tags",
            "Up to 20 tags of 1 to 40 characters.",
        );
    }
    content.admission.sort_unstable();
    content.admission.dedup();
    if content
        .length_of_stay_days
        .is_some_and(|days| !(1..=3_650).contains(&days))
    {
        problem(
            &mut problems,
            "length_of_stay_days",
            "A stay of 1 to 3650 days (or none for a service that houses no one).",
        );
    }
    let workers_only = &content.workers_only;
    for (field, value) in [
        (
            "workers_only.confidential_address",
            &workers_only.confidential_address,
        ),
        ("workers_only.contact_person", &workers_only.contact_person),
    ] {
        if let Some(value) = value {
            length(
                &mut problems,
                field.to_string(),
                value,
                1,
                300,
                "1 to 300 characters (or none).",
            );
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_keeps_to_the_safe_subset() {
        assert!(
            safe_markdown("**Free**, see [the site](https://example.org) or [call](tel:211).")
                .is_ok()
        );
        assert!(safe_markdown("a < b and 3 <4").is_ok());
        assert!(
            safe_markdown("Write to <help@example.org> or [us][r].\n\n[r]: https://example.org")
                .is_ok()
        );
        for bad in [
            "<script>alert(1)</script>",
            "</p>",
            "<!-- x -->",
            "![pixel](https://tracker.example/p.gif)",
            "[click](javascript:alert(1))",
            "[x](http://plain.example)",
            // What a hand-written scan misses and a CommonMark parser does not:
            "[x][ref]\n\n[ref]: javascript:alert(1)",
            "[x]\n\n[x]: http://plain.example",
            "<http://plain.example>",
            "[x](<javascript:alert(1)>)",
            "<div\nonclick=\"x\">hi</div>",
            "![x][pic]\n\n[pic]: https://tracker.example/p.gif",
        ] {
            assert!(safe_markdown(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regions_and_phones_have_a_shape() {
        for good in [
            "national",
            "CA",
            "CA-QC",
            "CA-QC/Montréal",
            "CA-NL/St. John's",
        ] {
            assert!(valid_region(good), "{good}");
        }
        for bad in ["Canada", "ca-qc", "CA-QC/a/b", "CA-QUEB"] {
            assert!(!valid_region(bad), "{bad}");
        }
        assert!(valid_phone("+1 (416) 555-0199") && valid_phone("211"));
        assert!(!valid_phone("call me") && !valid_phone("12"));
    }
}

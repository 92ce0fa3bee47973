//! The web entry as the site shows it once unlocked: the organisation's resource cards (24/7
//! hotlines first, each card's risks before its contact details) and the way to write to a
//! worker, in the page's language. Card bodies are Markdown, rendered by pulldown-cmark and
//! cleaned by ammonia's allow-list before they reach the page.

use crate::face::Site;
use crate::face::words::Text;
use askama::Template;
use quietline_protocol::cards::ServedCard;
use quietline_protocol::web::OfferedLanguage;

/// A card as the page shows it.
pub struct CardView {
    pub title: String,
    pub summary: String,
    pub risk_disclosure: String,
    pub body_html: String,
    pub locale: String,
    pub direction: &'static str,
    pub always_open: bool,
    pub phones: Vec<String>,
    pub sms: Vec<String>,
    pub web: Vec<String>,
    pub address: Option<String>,
    /// What the page's search looks in, lowercase.
    pub search: String,
}

#[derive(Template)]
#[template(path = "site/entry.html")]
struct EntryFragment<'a> {
    t: Text<'a>,
    cards: Vec<CardView>,
    languages: Vec<OfferedLanguage>,
    topics: Vec<String>,
    /// [`EntryData`] as JSON, safe inside a `<script>` element.
    data: String,
    script: &'static str,
}

/// What the entry's script starts with.
#[derive(serde::Serialize)]
pub struct EntryData<'a> {
    /// Proves the word was known, for starting a conversation.
    pub pass: &'a str,
    /// The words codenames are made of.
    pub words: &'a [&'static str],
    pub codename_words: u8,
}

/// A card body's Markdown as HTML a page may show: parsed by a CommonMark parser, then only the
/// allowed tags, attributes and link schemes kept.
pub fn body_html(markdown: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(markdown));
    ammonia::Builder::default()
        .rm_tags(["img"])
        .url_schemes(["https", "tel", "sms", "mailto"].into())
        .link_rel(Some("noopener noreferrer"))
        .clean(&html)
        .to_string()
}

fn view(card: ServedCard) -> CardView {
    let search = format!(
        "{} {} {} {}",
        card.title,
        card.summary,
        card.body,
        card.tags.join(" ")
    )
    .to_lowercase();
    CardView {
        body_html: body_html(&card.body),
        direction: if card.rtl { "rtl" } else { "ltr" },
        always_open: card.contact.always_open,
        phones: card.contact.phones,
        sms: card.contact.sms,
        web: card.contact.web,
        address: card.contact.address,
        title: card.title,
        summary: card.summary,
        risk_disclosure: card.risk_disclosure,
        locale: card.locale,
        search,
    }
}

impl Site {
    /// The site language that serves `requested` best (English otherwise).
    pub fn language_for(&self, requested: &[String]) -> &'static str {
        crate::i18n::negotiate(Some(&requested.join(",")))
    }

    /// A language's name in itself, as the site's language list shows it; the tag for a language
    /// the site is not written in.
    pub fn language_name(&self, tag: &str) -> String {
        match self.words.tags().find(|t| t.eq_ignore_ascii_case(tag)) {
            Some(known) => self.words.language(known, self.theme).get("language-name"),
            None => tag.to_owned(),
        }
    }

    /// The unlocked page's content in language `tag`, with the script that runs it.
    pub fn entry(
        &self,
        tag: &str,
        mut cards: Vec<ServedCard>,
        languages: Vec<OfferedLanguage>,
        topics: Vec<String>,
        data: &EntryData<'_>,
    ) -> Result<String, askama::Error> {
        cards.sort_by_key(quietline_protocol::cards::meanwhile_rank);
        // No `<` inside the data block, so nothing in it can end the element.
        let data = serde_json::to_string(data)
            .map_err(|e| askama::Error::Custom(Box::new(e)))?
            .replace('<', "\\u003c");
        EntryFragment {
            t: self.words.language(tag, self.theme),
            cards: cards.into_iter().map(view).collect(),
            languages,
            topics,
            data,
            script: super::pages::ENTRY_SCRIPT,
        }
        .render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_body_keeps_its_formatting_and_loses_anything_active() {
        let html = body_html(
            "**Free** help.\n\n- one\n- two\n\n[call](tel:+18005551234) [site](https://example.org) [bad](javascript:alert(1))\n\n<script>alert(1)</script><img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<strong>Free</strong>"), "{html}");
        assert!(html.contains("<li>one</li>"), "{html}");
        assert!(html.contains("href=\"tel:+18005551234\""), "{html}");
        assert!(html.contains("href=\"https://example.org\""), "{html}");
        for active in ["<script", "javascript:", "onerror", "<img"] {
            assert!(!html.contains(active), "{active} in {html}");
        }
    }
}

//! The site's pages, from the templates in `server/templates/site/`, in the visitor's language:
//! `?lang=` when a visitor chose one from the language list, else `Accept-Language`.

use crate::face::themes::{Article, Theme};
use crate::face::words::Text;
use crate::face::{CONTENT_SECURITY_POLICY, Site};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use quietline_protocol::padding;
use serde::Deserialize;

/// Everything the site has.
#[derive(Debug, PartialEq, Eq)]
pub enum Page {
    Home,
    About,
    Privacy,
    Article(&'static Article),
    Robots,
    Sitemap,
    Favicon,
    Stylesheet,
}

impl Page {
    /// The page at a path, if the site has one there.
    pub fn at(theme: Theme, path: &str) -> Option<Page> {
        let page = match path {
            "/" => Page::Home,
            "/about" => Page::About,
            "/privacy" => Page::Privacy,
            "/robots.txt" => Page::Robots,
            "/sitemap.xml" => Page::Sitemap,
            "/favicon.ico" => Page::Favicon,
            "/assets/site.css" => Page::Stylesheet,
            _ => {
                let slug = path
                    .strip_prefix('/')?
                    .strip_prefix(theme.section())?
                    .strip_prefix('/')?;
                Page::Article(theme.articles().iter().find(|a| a.slug == slug)?)
            }
        };
        Some(page)
    }

    /// The pages a visitor reads, for the sitemap.
    fn readable(theme: Theme) -> impl Iterator<Item = String> {
        ["/".to_owned(), "/about".to_owned(), "/privacy".to_owned()]
            .into_iter()
            .chain(theme.articles().iter().map(move |a| theme.path_of(a)))
    }
}

#[derive(Deserialize)]
struct Choice {
    lang: Option<String>,
}

/// A language in the list at the foot of every page.
struct LanguageLink {
    href: String,
    tag: &'static str,
    name: String,
    current: bool,
}

/// What every page shows around its content.
struct Frame<'a> {
    t: Text<'a>,
    theme: &'static str,
    /// Appended to the site's own links, to keep a language the visitor chose.
    q: String,
    /// The page's heading.
    title: String,
    /// The window's title: the heading and the site's name.
    window_title: String,
    languages: Vec<LanguageLink>,
}

#[derive(Template)]
#[template(path = "site/home.html")]
struct HomePage<'a> {
    frame: Frame<'a>,
    heading: String,
    teasers: Vec<Teaser>,
    query: String,
    none: bool,
    /// The search box's script, inline under its hash.
    script: &'static str,
}

/// The front page's content as a search answers it: the articles that match.
#[derive(Template)]
#[template(path = "site/search.html")]
struct SearchResults<'a> {
    frame: Frame<'a>,
    heading: String,
    teasers: Vec<Teaser>,
    query: String,
    none: bool,
}

/// The front page's script: the site's search.
const SEARCH_SCRIPT: &str = include_str!("assets/search.js");
/// The web entry's script, which a search with an entry point's word answers with (and the
/// search script starts): allowed on the front page by its hash, never sent before.
pub const ENTRY_SCRIPT: &str = include_str!("assets/entry.js");

fn script_hash(script: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script))
}

/// The front page's policy: the other pages' and its scripts, by hash, which may call its own
/// origin.
fn front_page_policy() -> &'static str {
    static POLICY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| {
        format!(
            "default-src 'none'; script-src 'sha256-{}' 'sha256-{}'; connect-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
            script_hash(SEARCH_SCRIPT),
            script_hash(ENTRY_SCRIPT)
        )
    })
}

struct Teaser {
    href: String,
    title: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "site/article.html")]
struct ArticlePage<'a> {
    frame: Frame<'a>,
    summary: String,
    paragraphs: Vec<String>,
    list_heading: String,
    items: Vec<String>,
}

#[derive(Template)]
#[template(path = "site/text.html")]
struct TextPage<'a> {
    frame: Frame<'a>,
    paragraphs: Vec<String>,
}

#[derive(Template)]
#[template(path = "site/not_found.html")]
struct NotFoundPage<'a> {
    frame: Frame<'a>,
    text: String,
    home: String,
}

#[derive(Template)]
#[template(path = "site/sitemap.xml")]
struct Sitemap {
    urls: Vec<String>,
}

/// The language a page is read in, and whether the visitor chose it.
fn language(site: &Site, req: &HttpRequest) -> (&'static str, bool) {
    let chosen = web::Query::<Choice>::from_query(req.query_string())
        .ok()
        .and_then(|choice| choice.into_inner().lang)
        .and_then(|wanted| {
            site.words
                .tags()
                .find(|tag| tag.eq_ignore_ascii_case(&wanted))
        });
    match chosen {
        Some(tag) => (tag, true),
        None => (
            crate::i18n::negotiate(
                req.headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            ),
            false,
        ),
    }
}

fn frame<'a>(
    site: &'a Site,
    tag: &'static str,
    chosen: bool,
    path: &str,
    title: String,
) -> Frame<'a> {
    let t = site.words.language(tag, site.theme);
    let languages = site
        .words
        .tags()
        .map(|other| LanguageLink {
            href: format!("{path}?lang={other}"),
            tag: other,
            name: site.words.language(other, site.theme).get("language-name"),
            current: other == tag,
        })
        .collect();
    let name = t.own("name");
    let window_title = if title == name {
        name
    } else {
        format!("{title} · {name}")
    };
    Frame {
        t,
        window_title,
        theme: site.theme.key(),
        q: if chosen {
            format!("?lang={tag}")
        } else {
            String::new()
        },
        title,
        languages,
    }
}

/// A body padded to the messaging API's size buckets, with `filler` (whitespace for text).
fn padded(mut body: Vec<u8>, filler: u8) -> Vec<u8> {
    let target = padding::padded_len(body.len());
    body.resize(target, filler);
    body
}

fn respond(
    status: StatusCode,
    content_type: ContentType,
    language: Option<&str>,
    body: Vec<u8>,
    filler: u8,
) -> HttpResponse {
    respond_under(
        CONTENT_SECURITY_POLICY,
        status,
        content_type,
        language,
        body,
        filler,
    )
}

fn respond_under(
    policy: &str,
    status: StatusCode,
    content_type: ContentType,
    language: Option<&str>,
    body: Vec<u8>,
    filler: u8,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response
        .content_type(content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, policy.to_owned()));
    if let Some(language) = language {
        response.insert_header((header::CONTENT_LANGUAGE, language));
    }
    response.body(padded(body, filler))
}

fn html(status: StatusCode, language: &str, page: Result<String, askama::Error>) -> HttpResponse {
    html_under(CONTENT_SECURITY_POLICY, status, language, page)
}

fn html_under(
    policy: &str,
    status: StatusCode,
    language: &str,
    page: Result<String, askama::Error>,
) -> HttpResponse {
    match page {
        Ok(page) => respond_under(
            policy,
            status,
            ContentType::html(),
            Some(language),
            page.into_bytes(),
            b' ',
        ),
        Err(error) => {
            tracing::error!(%error, "a site page did not render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// The theme's articles whose title or summary holds every word of `query`.
fn teasers(theme: Theme, t: &Text<'_>, query: &str) -> Vec<Teaser> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    theme
        .articles()
        .iter()
        .map(|article| Teaser {
            href: theme.path_of(article),
            title: t.title_of(article),
            summary: t.part_of(article, "summary"),
        })
        .filter(|teaser| {
            let text = format!("{} {}", teaser.title, teaser.summary).to_lowercase();
            words.iter().all(|word| text.contains(word.as_str()))
        })
        .collect()
}

impl Site {
    /// The front page's content for a search of `query`, in language `tag`: a fragment the
    /// search script puts in place of the page's content.
    pub fn search(&self, tag: &str, query: &str) -> HttpResponse {
        let tag = self.words.language(tag, self.theme).tag;
        let t = self.words.language(tag, self.theme);
        let teasers = teasers(self.theme, &t, query);
        let page = SearchResults {
            heading: t.get(&format!("list-{}", self.theme.key())),
            none: teasers.is_empty(),
            teasers,
            query: query.to_owned(),
            frame: frame(self, tag, false, "/", t.own("name")),
        };
        html(StatusCode::OK, tag, page.render())
    }
}

/// An HTML fragment (the web entry's), padded like every page.
pub fn fragment(language: &str, body: String) -> HttpResponse {
    html(StatusCode::OK, language, Ok(body))
}

/// The answer for a page, or the 404 when there is none.
pub fn render(site: &Site, page: Option<Page>, req: &HttpRequest) -> HttpResponse {
    let theme = site.theme;
    let (tag, chosen) = language(site, req);
    let t = site.words.language(tag, theme);
    match page {
        None => {
            let frame = frame(site, tag, chosen, "/", t.get("not-found-title"));
            let page = NotFoundPage {
                text: t.get("not-found-text"),
                home: t.get("not-found-home"),
                frame,
            };
            html(StatusCode::NOT_FOUND, tag, page.render())
        }
        Some(Page::Home) => {
            let teasers = teasers(theme, &t, "");
            let page = HomePage {
                heading: t.get(&format!("list-{}", theme.key())),
                teasers,
                query: String::new(),
                none: false,
                frame: frame(site, tag, chosen, "/", t.own("name")),
                script: SEARCH_SCRIPT,
            };
            html_under(front_page_policy(), StatusCode::OK, tag, page.render())
        }
        Some(Page::Article(article)) => {
            let page = ArticlePage {
                summary: t.part_of(article, "summary"),
                paragraphs: vec![t.part_of(article, "p1"), t.part_of(article, "p2")],
                list_heading: t.own("list-heading"),
                items: (1..=article.items)
                    .map(|n| t.part_of(article, &format!("li{n}")))
                    .collect(),
                frame: frame(
                    site,
                    tag,
                    chosen,
                    &theme.path_of(article),
                    t.title_of(article),
                ),
            };
            html(StatusCode::OK, tag, page.render())
        }
        Some(Page::About) => {
            let page = TextPage {
                paragraphs: vec![t.own("about-p1"), t.own("about-p2")],
                frame: frame(site, tag, chosen, "/about", t.get("about-title")),
            };
            html(StatusCode::OK, tag, page.render())
        }
        Some(Page::Privacy) => {
            let page = TextPage {
                paragraphs: vec![t.get("privacy-p1"), t.get("privacy-p2")],
                frame: frame(site, tag, chosen, "/privacy", t.get("privacy-title")),
            };
            html(StatusCode::OK, tag, page.render())
        }
        Some(Page::Robots) => {
            let body = format!(
                "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
                site.public_url
            );
            respond(
                StatusCode::OK,
                ContentType::plaintext(),
                None,
                body.into_bytes(),
                b'\n',
            )
        }
        Some(Page::Sitemap) => {
            let sitemap = Sitemap {
                urls: Page::readable(theme)
                    .map(|path| format!("{}{path}", site.public_url))
                    .collect(),
            };
            match sitemap.render() {
                Ok(body) => respond(
                    StatusCode::OK,
                    ContentType::xml(),
                    None,
                    body.into_bytes(),
                    b'\n',
                ),
                Err(error) => {
                    tracing::error!(%error, "the sitemap did not render");
                    HttpResponse::InternalServerError().finish()
                }
            }
        }
        Some(Page::Favicon) => respond(
            StatusCode::OK,
            ContentType(
                "image/x-icon"
                    .parse()
                    .unwrap_or(actix_web::mime::APPLICATION_OCTET_STREAM),
            ),
            None,
            theme.favicon().to_vec(),
            0,
        ),
        Some(Page::Stylesheet) => respond(
            StatusCode::OK,
            ContentType(actix_web::mime::TEXT_CSS_UTF_8),
            None,
            include_bytes!("assets/site.css").to_vec(),
            b' ',
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_has_one_path_and_nothing_else_is_a_page() {
        for theme in Theme::ALL {
            assert_eq!(Page::at(theme, "/"), Some(Page::Home));
            assert_eq!(Page::at(theme, "/robots.txt"), Some(Page::Robots));
            for article in theme.articles() {
                assert_eq!(
                    Page::at(theme, &theme.path_of(article)),
                    Some(Page::Article(article))
                );
            }
            for other in Theme::ALL.into_iter().filter(|other| *other != theme) {
                let foreign = &other.articles()[0];
                assert_eq!(Page::at(theme, &other.path_of(foreign)), None);
            }
            for nothing in [
                "",
                "/v1/account",
                "/about/",
                "//",
                "/recipes/",
                "/guides/../about",
                "/index.html",
            ] {
                assert_eq!(Page::at(theme, nothing), None, "{nothing}");
            }
        }
    }
}

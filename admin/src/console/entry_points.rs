//! Entry points: the disguised doors seekers come in by. Create one (its label, language, topics
//! and disguise), see its link and printable QR code (SVG or PNG to download), set the word that
//! opens its page in a browser (the web entry), retire it.

use super::{Form, Frame, Organisation, Reply};
use actix_web::web;
use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use quietline_protocol::EntryPointId;
use quietline_protocol::api::{CreateEntryPoint, EntryPoint};
use quietline_protocol::decoys::DisguiseTheme;
use quietline_protocol::web::SetUnlockWord;
use quietline_server::entry_points::printable::{Format, qr_code};
use quietline_server::entry_points::service;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/entry-points", web::get().to(list))
        .route("/entry-points", web::post().to(create))
        .route(
            "/entry-points/{entry_point_id}/retire",
            web::post().to(retire),
        )
        .route(
            "/entry-points/{entry_point_id}/web-entry",
            web::post().to(set_word),
        )
        .route(
            "/entry-points/{entry_point_id}/qr.svg",
            web::get().to(qr_svg),
        )
        .route(
            "/entry-points/{entry_point_id}/qr.png",
            web::get().to(qr_png),
        );
}

#[derive(Template)]
#[template(path = "entry_points.html")]
struct EntryPointsPage<'a> {
    frame: Frame<'a>,
    base: String,
    entry_points: Vec<(EntryPoint, String)>,
    themes: Vec<(String, String)>,
    /// Just created: the entry point, its code (shown once) and its QR code as a data URL.
    created: Option<(EntryPoint, String, String)>,
}

fn themes(t: &super::Text<'_>) -> Vec<(String, String)> {
    DisguiseTheme::ALL
        .iter()
        .map(|theme| (theme.as_str().to_string(), t.name("theme", theme.as_str())))
        .collect()
}

async fn page(org: &Organisation, created: Option<(EntryPoint, String, String)>) -> Reply {
    let visit = org.visit();
    let entry_points = service::list(org.state(), &org.admin)
        .await
        .map_err(|e| visit.refused(e))?
        .into_iter()
        .map(|e| {
            let theme = visit.t.name("theme", e.theme.as_str());
            (e, theme)
        })
        .collect();
    let page = EntryPointsPage {
        frame: org.frame("entry-points-title", "entry-points"),
        base: org.path(""),
        entry_points,
        themes: themes(&visit.t),
        created,
    };
    visit.page(&page)
}

async fn list(org: Organisation) -> Reply {
    page(&org, None).await
}

async fn create(org: Organisation, form: Form) -> Reply {
    let visit = org.visit();
    let theme = DisguiseTheme::ALL
        .into_iter()
        .find(|t| t.as_str() == form.get("theme"));
    let request = CreateEntryPoint {
        label: form.get("label").trim().to_string(),
        default_language: form.get("default_language").trim().to_string(),
        topics: form
            .get("topics")
            .split(';')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        theme,
    };
    let created = service::create(org.state(), &org.admin, request)
        .await
        .map_err(|e| visit.refused(e))?;
    let svg = qr_code(&created.link, Format::Svg).map_err(|e| visit.refused(e))?;
    let image = format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg));
    let code = created.code.clone().unwrap_or_default();
    page(&org, Some((created, code, image))).await
}

async fn retire(org: Organisation, path: web::Path<(String, String)>, _form: Form) -> Reply {
    service::delete(org.state(), &org.admin, EntryPointId(path.1.clone()))
        .await
        .map_err(|e| org.visit().refused(e))?;
    org.visit()
        .redirect(&org.path("/entry-points?done=entry-point-retired"))
}

/// Sets the word that opens the entry point's page in a browser; an empty word closes it.
async fn set_word(org: Organisation, path: web::Path<(String, String)>, form: Form) -> Reply {
    let word = form.get("word").trim().to_string();
    let (request, done) = if word.is_empty() {
        (SetUnlockWord { word: None }, "web-entry-closed")
    } else {
        (
            SetUnlockWord {
                word: Some(word.into()),
            },
            "web-entry-set",
        )
    };
    quietline_server::web::service::set_unlock_word(
        org.state(),
        &org.admin,
        EntryPointId(path.1.clone()),
        request,
    )
    .await
    .map_err(|e| org.visit().refused(e))?;
    org.visit()
        .redirect(&org.path(&format!("/entry-points?done={done}")))
}

async fn qr(org: Organisation, id: String, format: Format) -> Reply {
    let visit = org.visit();
    let entry_point = service::find(org.state(), &org.admin, EntryPointId(id))
        .await
        .map_err(|e| visit.refused(e))?;
    let bytes = qr_code(&entry_point.link, format).map_err(|e| visit.refused(e))?;
    let extension = match format {
        Format::Svg => "svg",
        Format::Png => "png",
    };
    let name: String = entry_point
        .label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    visit.download(
        format.content_type(),
        &format!("entry-point-{name}.{extension}"),
        bytes,
    )
}

async fn qr_svg(org: Organisation, path: web::Path<(String, String)>) -> Reply {
    let id = path.1.clone();
    qr(org, id, Format::Svg).await
}

async fn qr_png(org: Organisation, path: web::Path<(String, String)>) -> Reply {
    let id = path.1.clone();
    qr(org, id, Format::Png).await
}

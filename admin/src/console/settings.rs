//! The organisation's settings (the disappearing-message timer, referral partners, two-admin
//! approval of cards, and the instance's retention, which the operator sets) and its canned
//! replies, per language, with their versions.

use super::{Form, Frame, Organisation, Reply};
use actix_web::web;
use askama::Template;
use quietline_protocol::OrganisationId;
use quietline_protocol::api::{
    CannedReply, CannedReplyVersion, CreateCannedReply, Partner, TIMERS, UpdateCannedReply,
};
use quietline_protocol::cards::CardSettings;
use quietline_server::canned_replies::service as replies;
use quietline_server::organisations::service as organisations;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/settings", web::get().to(settings))
        .route("/settings/timer", web::post().to(set_timer))
        .route("/settings/partners", web::post().to(set_partners))
        .route("/settings/approval", web::post().to(set_approval))
        .route("/replies", web::get().to(list_replies))
        .route("/replies", web::post().to(create_reply))
        .route("/replies/{reply_id}", web::get().to(reply_versions))
        .route("/replies/{reply_id}", web::post().to(update_reply))
        .route("/replies/{reply_id}/delete", web::post().to(delete_reply));
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage<'a> {
    frame: Frame<'a>,
    base: String,
    /// (seconds, label, chosen); "" is none.
    timers: Vec<(String, String, bool)>,
    partners: Vec<Partner>,
    partner_ids: String,
    two_admin_approval: bool,
    retention_days: u32,
}

fn duration(t: &super::Text<'_>, seconds: u64) -> String {
    match seconds {
        s if s % 86_400 == 0 => t.count("days", "count", i64::try_from(s / 86_400).unwrap_or(0)),
        s if s % 3_600 == 0 => t.count("hours", "count", i64::try_from(s / 3_600).unwrap_or(0)),
        s => t.count("minutes", "count", i64::try_from(s / 60).unwrap_or(0)),
    }
}

async fn settings(org: Organisation) -> Reply {
    let visit = org.visit();
    let t = visit.t;
    let info = organisations::get_organisation(org.state(), &org.admin)
        .await
        .map_err(|e| visit.refused(e))?;
    let partners = organisations::list_partners(org.state(), &org.admin)
        .await
        .map_err(|e| visit.refused(e))?;
    let approval = quietline_server::cards::service::settings(org.state(), &org.admin)
        .await
        .map_err(|e| visit.refused(e))?;
    let mut timers = vec![(
        String::new(),
        t.get("timer-none"),
        info.disappearing_seconds.is_none(),
    )];
    timers.extend(TIMERS.iter().map(|s| {
        (
            s.to_string(),
            duration(&t, *s),
            info.disappearing_seconds == Some(*s),
        )
    }));
    let page = SettingsPage {
        frame: org.frame("settings-title", "settings"),
        base: org.path(""),
        timers,
        partner_ids: partners
            .iter()
            .map(|p| p.organisation_id.0.clone())
            .collect::<Vec<_>>()
            .join("; "),
        partners,
        two_admin_approval: approval.two_admin_approval,
        retention_days: org.state().config.closed_retention_days,
    };
    visit.page(&page)
}

async fn set_timer(org: Organisation, form: Form) -> Reply {
    let seconds = form.get("seconds").trim().parse().ok();
    organisations::set_disappearing(org.state(), &org.admin, seconds)
        .await
        .map_err(|e| org.visit().refused(e))?;
    org.visit()
        .redirect(&org.path("/settings?done=settings-saved"))
}

async fn set_partners(org: Organisation, form: Form) -> Reply {
    let partners = form
        .get("partners")
        .split([';', ',', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(OrganisationId::from)
        .collect();
    organisations::set_partners(org.state(), &org.admin, partners)
        .await
        .map_err(|e| org.visit().refused(e))?;
    org.visit()
        .redirect(&org.path("/settings?done=settings-saved"))
}

async fn set_approval(org: Organisation, form: Form) -> Reply {
    let settings = CardSettings {
        two_admin_approval: form.get("two_admin_approval") == "on",
    };
    quietline_server::cards::service::set_settings(org.state(), &org.admin, settings)
        .await
        .map_err(|e| org.visit().refused(e))?;
    org.visit()
        .redirect(&org.path("/settings?done=settings-saved"))
}

#[derive(Template)]
#[template(path = "replies.html")]
struct RepliesPage<'a> {
    frame: Frame<'a>,
    base: String,
    replies: Vec<CannedReply>,
}

async fn list_replies(org: Organisation) -> Reply {
    let visit = org.visit();
    let mut replies = replies::list(org.state(), &org.admin, false)
        .await
        .map_err(|e| visit.refused(e))?;
    replies.sort_by(|a, b| a.language.cmp(&b.language).then(a.title.cmp(&b.title)));
    let page = RepliesPage {
        frame: org.frame("replies-title", "replies"),
        base: org.path(""),
        replies,
    };
    visit.page(&page)
}

async fn create_reply(org: Organisation, form: Form) -> Reply {
    let request = CreateCannedReply {
        language: form.get("language").trim().to_string(),
        title: form.get("title").trim().to_string(),
        body: form.get("body").to_string(),
    };
    replies::create(org.state(), &org.admin, request)
        .await
        .map_err(|e| org.visit().refused(e))?;
    org.visit().redirect(&org.path("/replies?done=reply-saved"))
}

#[derive(Template)]
#[template(path = "reply.html")]
struct ReplyPage<'a> {
    frame: Frame<'a>,
    base: String,
    reply: CannedReply,
    versions: Vec<(CannedReplyVersion, String)>,
}

async fn reply_versions(org: Organisation, path: web::Path<(String, String)>) -> Reply {
    let visit = org.visit();
    let id = path.1.clone();
    let reply = replies::list(org.state(), &org.admin, false)
        .await
        .map_err(|e| visit.refused(e))?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| visit.refused(quietline_server::error::ApiError::not_found()))?;
    let versions = replies::versions(org.state(), &org.admin, id)
        .await
        .map_err(|e| visit.refused(e))?
        .into_iter()
        .rev()
        .map(|v| {
            let at = super::audit::minute(v.edited_at);
            (v, at)
        })
        .collect();
    let page = ReplyPage {
        frame: org.frame("reply-title", "replies"),
        base: org.path(""),
        reply,
        versions,
    };
    visit.page(&page)
}

async fn update_reply(org: Organisation, path: web::Path<(String, String)>, form: Form) -> Reply {
    let request = UpdateCannedReply {
        version: form.get("version").parse().unwrap_or(0),
        language: form.get("language").trim().to_string(),
        title: form.get("title").trim().to_string(),
        body: form.get("body").to_string(),
    };
    let reply = replies::update(org.state(), &org.admin, path.1.clone(), request)
        .await
        .map_err(|e| org.visit().refused(e))?;
    org.visit()
        .redirect(&org.path(&format!("/replies/{}?done=reply-saved", reply.id)))
}

async fn delete_reply(org: Organisation, path: web::Path<(String, String)>, _form: Form) -> Reply {
    replies::delete(org.state(), &org.admin, path.1.clone())
        .await
        .map_err(|e| org.visit().refused(e))?;
    org.visit()
        .redirect(&org.path("/replies?done=reply-deleted"))
}

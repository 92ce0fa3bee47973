//! People: the organisation's workers and administrators. Invite one (the one-time code shown as
//! text and as a QR code), set the languages a member reads, deactivate or reactivate them, and
//! reset a lost second factor (asked by one administrator, done by a second).

use super::{Form, Frame, Organisation, Reply};
use actix_web::web;
use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use quietline_protocol::AccountId;
use quietline_protocol::api::{CreateInvite, Member, PendingInvite, Role, TotpResetState};
use quietline_server::entry_points::printable::{Format, qr_code};
use quietline_server::organisations::service;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/people", web::get().to(list))
        .route("/people/invite", web::post().to(invite))
        .route("/people/invites/{invite_id}/revoke", web::post().to(revoke))
        .route("/people/{account_id}/languages", web::post().to(languages))
        .route("/people/{account_id}/{step}", web::post().to(step));
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage<'a> {
    frame: Frame<'a>,
    base: String,
    members: Vec<(Member, String)>,
    invites: Vec<(PendingInvite, String, String)>,
    /// Just made: the invite's role, code and its QR code as a data URL.
    invited: Option<(String, String, String)>,
    me: String,
}

async fn page(org: &Organisation, invited: Option<(String, String, String)>) -> Reply {
    let visit = org.visit();
    let t = visit.t;
    let members = service::list_members(org.state(), &org.admin)
        .await
        .map_err(|e| visit.refused(e))?
        .into_iter()
        .map(|m| {
            let role = t.name("role", m.role.as_str());
            (m, role)
        })
        .collect();
    let invites = service::list_invites(org.state(), &org.admin)
        .await
        .map_err(|e| visit.refused(e))?
        .into_iter()
        .map(|i| {
            let role = t.name("role", i.role.as_str());
            let until = super::audit::minute(i.expires_at);
            (i, role, until)
        })
        .collect();
    let page = PeoplePage {
        frame: org.frame("people-title", "people"),
        base: org.path(""),
        members,
        invites,
        invited,
        me: org.admin.account_id.0.clone(),
    };
    visit.page(&page)
}

async fn list(org: Organisation) -> Reply {
    page(&org, None).await
}

async fn invite(org: Organisation, form: Form) -> Reply {
    let visit = org.visit();
    let role = match form.get("role") {
        "admin" => Role::Admin,
        _ => Role::Worker,
    };
    let request = CreateInvite {
        role,
        expires_in_hours: form.get("expires_in_hours").trim().parse().ok(),
    };
    let invite = service::create_invite(org.state(), &org.admin, request)
        .await
        .map_err(|e| visit.refused(e))?;
    let code = invite.code.expose().to_string();
    let svg = qr_code(&code, Format::Svg).map_err(|e| visit.refused(e))?;
    let image = format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg));
    let role = visit.t.name("role", invite.role.as_str());
    page(&org, Some((role, code, image))).await
}

async fn revoke(org: Organisation, path: web::Path<(String, String)>, _form: Form) -> Reply {
    service::revoke_invite(org.state(), &org.admin, path.1.clone())
        .await
        .map_err(|e| org.visit().refused(e))?;
    org.visit()
        .redirect(&org.path("/people?done=invite-revoked"))
}

async fn languages(org: Organisation, path: web::Path<(String, String)>, form: Form) -> Reply {
    let languages: Vec<String> = form
        .get("languages")
        .split([';', ','])
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    service::set_member_languages(
        org.state(),
        &org.admin,
        AccountId(path.1.clone()),
        &languages,
    )
    .await
    .map_err(|e| org.visit().refused(e))?;
    org.visit()
        .redirect(&org.path("/people?done=languages-saved"))
}

async fn step(org: Organisation, path: web::Path<(String, String, String)>, _form: Form) -> Reply {
    let visit = org.visit();
    let (_, account, step) = path.into_inner();
    let account = AccountId(account);
    let state = &visit.state;
    let done = match step.as_str() {
        "deactivate" => service::deactivate_member(state, &org.admin, account)
            .await
            .map(|()| "member-deactivated"),
        "reactivate" => service::reactivate_member(state, &org.admin, account)
            .await
            .map(|()| "member-reactivated"),
        "totp-reset" => service::reset_member_totp(state, &org.admin, account)
            .await
            .map(|reset| match reset.state {
                TotpResetState::Requested => "totp-reset-requested",
                _ => "totp-reset-done",
            }),
        _ => Err(quietline_server::error::ApiError::not_found()),
    }
    .map_err(|e| visit.refused(e))?;
    visit.redirect(&org.path(&format!("/people?done={done}")))
}

//! Signing in (passphrase and second factor), enrolling the second factor (its `otpauth://` link
//! shown as a QR code), the instance's first set-up, and signing out.

use super::session::Tokens;
use super::{Console, Form, Frame, Reply, Visit};
use actix_web::http::header::RETRY_AFTER;
use actix_web::web;
use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use quietline_protocol::ErrorCode;
use quietline_protocol::api::{InstanceSetup, Login, SessionGrant};
use quietline_server::accounts::service as accounts;
use quietline_server::auth::ClientAddress;
use quietline_server::entry_points::printable::{Format, qr_code};
use quietline_server::error::ApiError;

/// The name the console's sign-ins are listed under among the administrator's devices.
const DEVICE_NAME: &str = "Console";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sign-in", web::get().to(sign_in_page))
        .route("/sign-in", web::post().to(sign_in))
        .route("/sign-out", web::post().to(sign_out))
        .route("/enrol", web::get().to(enrol_page))
        .route("/enrol", web::post().to(enrol))
        .route("/enrol/confirm", web::post().to(confirm))
        .route("/setup", web::get().to(setup_page))
        .route("/setup", web::post().to(setup));
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage<'a> {
    frame: Frame<'a>,
    handle: String,
    problem: Option<String>,
    ask_code: bool,
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage<'a> {
    frame: Frame<'a>,
    problem: Option<String>,
    /// Once the passphrase was given: the QR code (a data URL) and the secret as text.
    qr: Option<String>,
    secret: String,
}

#[derive(Template)]
#[template(path = "recovery.html")]
struct RecoveryPage<'a> {
    frame: Frame<'a>,
    codes: Vec<String>,
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage<'a> {
    frame: Frame<'a>,
    problem: Option<String>,
    handle: String,
}

/// The page with `status` (and `Retry-After` when a limit was met).
fn answer(visit: &Visit, page: &impl Template, error: Option<&ApiError>) -> Reply {
    let mut response = visit.page(page)?;
    if let Some(error) = error {
        *response.status_mut() = error.status;
        if let Some(seconds) = error.retry_after
            && let Ok(value) = seconds.to_string().parse()
        {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
    }
    Ok(response)
}

async fn sign_in_page(visit: Visit) -> Reply {
    let page = SignInPage {
        frame: visit.frame("sign-in-title"),
        handle: String::new(),
        problem: None,
        ask_code: false,
    };
    visit.page(&page)
}

/// Keeps the grant in a new session (a new form token too: nothing from before signing in
/// carries over).
fn signed_in(visit: &mut Visit, grant: &SessionGrant) {
    let now = visit.state.clock.now();
    visit.session = super::Session::fresh(now);
    visit.session.tokens = Some(Tokens {
        access: grant.access_token.expose().to_string(),
        access_expires_at: grant.access_expires_at,
        refresh: grant.refresh_token.expose().to_string(),
    });
}

async fn sign_in(mut visit: Visit, address: ClientAddress, form: Form) -> Reply {
    let code = form.get("code").trim();
    let login = Login {
        handle: form.get("handle").trim().to_string(),
        passphrase: form.get("passphrase").into(),
        totp: (!code.is_empty()).then(|| code.into()),
        device_name: DEVICE_NAME.to_string(),
        device_id: None,
    };
    match accounts::admin_sign_in(&visit.state, &address, login).await {
        Ok(grant) => {
            signed_in(&mut visit, &grant);
            let next = if grant.must_enrol_totp {
                "/console/enrol"
            } else {
                "/console/"
            };
            visit.redirect(next)
        }
        Err(error) => {
            let page = SignInPage {
                frame: visit.frame("sign-in-title"),
                handle: form.get("handle").trim().to_string(),
                ask_code: matches!(error.code, ErrorCode::TotpRequired | ErrorCode::InvalidTotp),
                problem: Some(visit.explain(&error)),
            };
            answer(&visit, &page, Some(&error))
        }
    }
}

async fn sign_out(console: Console, _form: Form) -> Reply {
    let Console { visit, admin } = console;
    if let Err(error) = accounts::admin_sign_out(&visit.state, admin.0).await {
        return Err(visit.refused(error));
    }
    Err(visit.away("/console/sign-in?done=signed-out"))
}

async fn enrol_page(mut visit: Visit) -> Reply {
    visit.principal().await?;
    let page = EnrolPage {
        frame: visit.frame("enrol-title"),
        problem: None,
        qr: None,
        secret: String::new(),
    };
    visit.page(&page)
}

async fn enrol(mut visit: Visit, address: ClientAddress, form: Form) -> Reply {
    let principal = visit.principal().await?;
    let passphrase = form.get("passphrase").into();
    match accounts::admin_begin_totp(&visit.state, &address, &principal, passphrase).await {
        Ok(enrolment) => {
            let svg = qr_code(enrolment.otpauth_uri.expose(), Format::Svg)
                .map_err(|e| visit.refused(e))?;
            let page = EnrolPage {
                frame: visit.frame("enrol-title"),
                problem: None,
                qr: Some(format!(
                    "data:image/svg+xml;base64,{}",
                    STANDARD.encode(svg)
                )),
                secret: enrolment.secret.expose().to_string(),
            };
            visit.page(&page)
        }
        Err(error) => enrolment_refused(&visit, &error),
    }
}

/// The enrolment page again, saying why the last step was refused: the second factor is
/// begun again from the passphrase.
fn enrolment_refused(visit: &Visit, error: &ApiError) -> Reply {
    let page = EnrolPage {
        frame: visit.frame("enrol-title"),
        problem: Some(visit.explain(error)),
        qr: None,
        secret: String::new(),
    };
    answer(visit, &page, Some(error))
}

async fn confirm(mut visit: Visit, form: Form) -> Reply {
    let principal = visit.principal().await?;
    match accounts::admin_confirm_totp(&visit.state, &principal, form.get("code").trim()).await {
        Ok(codes) => {
            let page = RecoveryPage {
                frame: visit.frame("recovery-title"),
                codes: codes.codes.iter().map(|c| c.expose().to_string()).collect(),
            };
            visit.page(&page)
        }
        Err(error) => enrolment_refused(&visit, &error),
    }
}

async fn setup_page(visit: Visit) -> Reply {
    let page = SetupPage {
        frame: visit.frame("setup-title"),
        problem: None,
        handle: String::new(),
    };
    visit.page(&page)
}

async fn setup(mut visit: Visit, address: ClientAddress, form: Form) -> Reply {
    let request = InstanceSetup {
        setup_token: form.get("token").trim().into(),
        handle: form.get("handle").trim().to_string(),
        passphrase: form.get("passphrase").into(),
        device_name: DEVICE_NAME.to_string(),
    };
    match accounts::admin_set_up(&visit.state, &address, request).await {
        Ok(enrolment) => {
            signed_in(&mut visit, &enrolment.session);
            visit.redirect("/console/enrol")
        }
        Err(error) => {
            let page = SetupPage {
                frame: visit.frame("setup-title"),
                problem: Some(visit.explain(&error)),
                handle: form.get("handle").trim().to_string(),
            };
            answer(&visit, &page, Some(&error))
        }
    }
}

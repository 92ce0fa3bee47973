//! The OpenAPI document: every endpoint of both listeners. A test checks that the routes served
//! and the routes listed here are the same set.

use crate::{
    accounts, canned_replies, cards, conversations, desk, entry_points, keys, messages, ops,
    organisations,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Quietline",
        description = "Relay of end-to-end encrypted messages between people seeking help and outreach workers. \
            Paths under /v1 are served on the public listener; /admin/v1 and the operations paths on the admin listener.",
        license(name = "AGPL-3.0-only", identifier = "AGPL-3.0-only")
    ),
    paths(
        accounts::routes::create_challenge,
        accounts::routes::sign_up_seeker,
        accounts::routes::accept_worker_invite,
        accounts::routes::log_in_worker,
        accounts::routes::refresh_session,
        accounts::routes::log_out,
        accounts::routes::get_account,
        accounts::routes::delete_account,
        accounts::routes::list_devices,
        accounts::routes::add_device,
        accounts::routes::remove_device,
        accounts::routes::get_worker_profile,
        accounts::routes::set_worker_languages,
        accounts::routes::begin_worker_totp,
        accounts::routes::confirm_worker_totp,
        accounts::routes::set_up_instance,
        accounts::routes::accept_admin_invite,
        accounts::routes::log_in_admin,
        accounts::routes::refresh_admin_session,
        accounts::routes::log_out_admin,
        accounts::routes::get_admin_account,
        accounts::routes::begin_admin_totp,
        accounts::routes::confirm_admin_totp,
        accounts::routes::list_admin_devices,
        accounts::routes::remove_admin_device,
        accounts::routes::delete_admin_account,
        keys::routes::set_device_keys,
        keys::routes::upload_pre_keys,
        keys::routes::count_pre_keys,
        keys::routes::fetch_bundles,
        messages::routes::send_message,
        messages::routes::fetch_messages,
        messages::routes::acknowledge_messages,
        messages::routes::sync,
        accounts::routes::quick_exit,
        messages::socket::connect,
        conversations::routes::open_conversation,
        conversations::routes::list_conversations,
        conversations::routes::waiting_conversations,
        conversations::routes::claim_conversation,
        conversations::routes::close_conversation,
        conversations::routes::set_conversation_timer,
        conversations::routes::transfer_conversation,
        conversations::routes::refer_conversation,
        conversations::routes::accept_referral,
        conversations::routes::decline_referral,
        conversations::routes::reopen_conversation,
        desk::routes::get_availability,
        desk::routes::set_availability,
        desk::routes::outlook,
        desk::routes::list_colleagues,
        canned_replies::routes::worker_replies,
        canned_replies::routes::list_replies,
        canned_replies::routes::create_reply,
        canned_replies::routes::update_reply,
        canned_replies::routes::delete_reply,
        canned_replies::routes::reply_versions,
        organisations::routes::referral_partners,
        organisations::routes::list_partners,
        organisations::routes::set_partners,
        organisations::routes::get_own_organisation,
        organisations::routes::list_organisations,
        organisations::routes::create_organisation,
        organisations::routes::get_organisation,
        organisations::routes::create_invite,
        organisations::routes::list_invites,
        organisations::routes::revoke_invite,
        organisations::routes::list_members,
        organisations::routes::remove_member,
        organisations::routes::organisation_statistics,
        organisations::routes::set_disappearing,
        entry_points::routes::entry_point_topics,
        entry_points::routes::create_entry_point,
        entry_points::routes::list_entry_points,
        entry_points::routes::delete_entry_point,
        cards::routes::served_cards,
        cards::routes::card_bundle,
        cards::routes::bundle_keys,
        cards::routes::list_cards,
        cards::routes::export_cards,
        cards::routes::import_cards,
        cards::routes::card_coverage,
        cards::routes::stale_cards,
        cards::routes::create_card,
        cards::routes::get_card,
        cards::routes::update_card,
        cards::routes::put_translation,
        cards::routes::submit_card,
        cards::routes::publish_card,
        cards::routes::archive_card,
        cards::routes::rollback_card,
        cards::routes::card_history,
        cards::routes::card_settings,
        cards::routes::set_card_settings,
        cards::routes::rotate_bundle_key,
        ops::openapi_document,
        ops::docs_page,
        ops::metrics,
        ops::health,
    ),
    components(schemas(quietline_protocol::api::StatisticsPeriod)),
    modifiers(&BearerAuth, &SharedAnswers)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
        }
    }
}

/// The answers every operation can give because of the layers it goes through, documented once
/// here rather than on each route: authentication (401, and 403 for the wrong role), the JSON
/// body extractor (400 unreadable, 413 too large, 415 not JSON, 422 mistyped), path and query
/// extractors (400, and 404 for what a path names), and a backing service out of reach (503).
struct SharedAnswers;

impl Modify for SharedAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                let mut answers: Vec<(&str, &str)> = Vec::new();
                if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    answers.push(("401", "No valid access token."));
                    answers.push(("403", "The caller may not do this."));
                }
                if operation.request_body.is_some() {
                    answers.push(("400", "The body is not readable JSON."));
                    answers.push(("413", "The body is too large."));
                    answers.push(("415", "The body is not application/json."));
                    answers.push(("422", "A field is missing, unknown, mistyped or invalid."));
                }
                let places: Vec<&ParameterIn> = operation
                    .parameters
                    .iter()
                    .flatten()
                    .filter_map(|p| match p {
                        utoipa::openapi::RefOr::T(p) => Some(&p.parameter_in),
                        utoipa::openapi::RefOr::Ref(_) => None,
                    })
                    .collect();
                if places.iter().any(|p| **p == ParameterIn::Path) {
                    answers.push(("400", "A path parameter is invalid."));
                    answers.push(("404", "What the path names does not exist here."));
                }
                if places.iter().any(|p| **p == ParameterIn::Query) {
                    answers.push(("400", "A query parameter is invalid."));
                    answers.push(("422", "A query parameter has a value out of range."));
                }
                answers.push((
                    "503",
                    "A backing service is out of reach; try again after Retry-After.",
                ));
                for (status, description) in answers {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| error_response(description));
                }
            }
        }
    }
}

fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .into()
}

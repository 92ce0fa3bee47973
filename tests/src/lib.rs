//! End-to-end test harness: starts the real server in-process on random ports, on a fresh SQLite
//! file or a fresh PostgreSQL database with Redis under a per-test prefix, and talks HTTP to it as
//! clients do. Every end-to-end test runs on both backends through [`both_backends!`].
//!
//! PostgreSQL and Redis come from `QUIETLINE_TEST_DATABASE_URL` and `QUIETLINE_TEST_REDIS_URL`.
//! Without them the PostgreSQL variants skip with a printed reason, except when `CI=true`, where
//! they fail.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod app;
pub mod chromium;
pub mod delivery;
mod logs;
mod proxy;
mod services;
pub mod web;

pub use app::*;
pub use logs::*;
pub use proxy::*;
pub use services::*;

use actix_web::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::{Connection, PgConnection, RunQueryDsl};
use quietline_protocol::api::{Challenge, Enrolment, Organisation, Role, SessionGrant};
use quietline_server::clock::{Clock, ManualClock};
use quietline_server::config::{Config, DatabaseUrl};
use quietline_server::startup::{Application, StopHandle};
use quietline_server::state::AppState;
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each test body twice: `sqlite` and `postgres`.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($app:ident: $app_type:ty) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[actix_web::test]
            async fn sqlite() {
                let $app: $app_type = $crate::TestApp::spawn($crate::Backend::Sqlite).await.expect("SQLite always runs");
                $body
            }

            #[actix_web::test]
            async fn postgres() {
                let Some($app): Option<$app_type> = $crate::TestApp::spawn($crate::Backend::Postgres).await else {
                    return;
                };
                $body
            }
        }
    )*};
}

/// [`both_backends!`] for scenarios that need their own configuration: `adjust` changes the test
/// defaults of both variants.
#[macro_export]
macro_rules! both_backends_with {
    ($adjust:expr; $($(#[$meta:meta])* async fn $name:ident($app:ident: $app_type:ty) $body:block)*) => {$(
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[actix_web::test]
            async fn sqlite() {
                let $app: $app_type = $crate::TestApp::spawn_with($crate::Backend::Sqlite, $adjust).await.expect("SQLite always runs");
                $body
            }

            #[actix_web::test]
            async fn postgres() {
                let Some($app): Option<$app_type> = $crate::TestApp::spawn_with($crate::Backend::Postgres, $adjust).await else {
                    return;
                };
                $body
            }
        }
    )*};
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listener {
    Public,
    Admin,
}

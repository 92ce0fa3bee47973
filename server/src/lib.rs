//! The Quietline server: an actix-web application relaying end-to-end encrypted messages between
//! seekers and outreach workers. `startup` builds it from a [`config::Config`]; the `quietline`
//! binary (in `quietline-admin`, which mounts the administrators' console on it) and the
//! end-to-end tests both go through it.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod bus;
pub mod canned_replies;
pub mod cards;
pub mod case_notes;
pub mod clock;
pub mod config;
pub mod connection;
pub mod conversations;
pub mod db;
pub mod desk;
pub mod entry_points;
pub mod error;
pub mod face;
pub mod i18n;
pub mod keys;
pub mod kv;
pub mod language;
pub mod limits;
pub mod messages;
pub mod openapi;
pub mod ops;
pub mod organisations;
pub mod padded;
pub mod push;
pub mod reaper;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web;

//! An entry point's disguise content: what the app built on it shows, per language (recipes,
//! weather tips, a calculator's settings, a week of flashcards, a news digest). The built-in
//! content is served until an administrator writes the organisation's own; removing it serves
//! the built-in content again.
//!
//! The form's fields are the content's own (the protocol's `DecoyContent`, read from and back
//! into its serde form), so the service checks what it always checks.

use super::{Form, Frame, Organisation, Reply};
use actix_web::web;
use askama::Template;
use quietline_protocol::EntryPointId;
use quietline_protocol::decoys::{DecoyContent, DisguiseTheme};
use quietline_server::entry_points::{decoys, service};
use quietline_server::error::ApiError;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/entry-points/{entry_point_id}/decoys", web::get().to(page))
        .route(
            "/entry-points/{entry_point_id}/decoys",
            web::post().to(save),
        )
        .route(
            "/entry-points/{entry_point_id}/decoys/remove",
            web::post().to(remove),
        );
}

/// How a field of the content is written in the form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Line,
    Long,
    /// A list of strings, one per line.
    Lines,
    Number,
    Flag,
    /// One of these values.
    Choice(&'static [&'static str]),
    /// A day of the week, 1 (Monday) to 7.
    Day,
}

/// A theme's content: the name of its list (none for the calculator's one set of settings) and
/// the fields of each item.
struct Shape {
    list: Option<&'static str>,
    fields: &'static [(&'static str, Kind)],
}

fn shape(theme: DisguiseTheme) -> Shape {
    match theme {
        DisguiseTheme::Recipes => Shape {
            list: Some("recipes"),
            fields: &[
                ("title", Kind::Line),
                ("summary", Kind::Long),
                ("ingredients", Kind::Lines),
                ("steps", Kind::Lines),
            ],
        },
        DisguiseTheme::Weather => Shape {
            list: Some("tips"),
            fields: &[("title", Kind::Line), ("text", Kind::Long)],
        },
        DisguiseTheme::Flashcards => Shape {
            list: Some("cards"),
            fields: &[
                ("day", Kind::Day),
                ("front", Kind::Line),
                ("back", Kind::Long),
            ],
        },
        DisguiseTheme::NewsDigest => Shape {
            list: Some("items"),
            fields: &[
                ("headline", Kind::Line),
                ("summary", Kind::Long),
                ("section", Kind::Line),
            ],
        },
        DisguiseTheme::Calculator => Shape {
            list: None,
            fields: &[
                ("decimal_separator", Kind::Choice(&[".", ","])),
                ("group_separator", Kind::Choice(&[",", ".", " ", ""])),
                ("precision", Kind::Number),
                ("memory_keys", Kind::Flag),
                ("scientific", Kind::Flag),
                ("history_size", Kind::Number),
            ],
        },
    }
}

/// Empty items offered after the existing ones, to add to a list.
const SPARE_ITEMS: usize = 2;

/// One item as the form shows it: its fields' values as text, by name.
type Item = Vec<(&'static str, String)>;

/// The content's items as the form shows them.
fn items_of(theme: DisguiseTheme, content: &DecoyContent) -> Vec<Item> {
    let shape = shape(theme);
    let value = serde_json::to_value(content).unwrap_or_default();
    let objects: Vec<Value> = match shape.list {
        Some(list) => value[list].as_array().cloned().unwrap_or_default(),
        None => vec![value["settings"].clone()],
    };
    objects
        .iter()
        .map(|object| {
            shape
                .fields
                .iter()
                .map(|(name, _)| {
                    let text = match &object[*name] {
                        Value::String(s) => s.clone(),
                        Value::Array(lines) => lines
                            .iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join("\n"),
                        Value::Bool(b) => b.to_string(),
                        Value::Number(n) => n.to_string(),
                        _ => String::new(),
                    };
                    (*name, text)
                })
                .collect()
        })
        .collect()
}

/// The items the form posted (`item-3-title`, …); items left wholly empty are dropped.
fn items_posted(theme: DisguiseTheme, form: &Form) -> Vec<Item> {
    let shape = shape(theme);
    let count = form.get("items").parse::<usize>().unwrap_or(0).min(64);
    (0..count.max(1))
        .map(|i| {
            shape
                .fields
                .iter()
                .map(|(name, _)| (*name, form.get(&format!("item-{i}-{name}")).to_string()))
                .collect::<Item>()
        })
        .filter(|item| {
            shape.list.is_none()
                || item.iter().zip(shape.fields).any(|((_, v), (_, kind))| {
                    !v.trim().is_empty() && !matches!(kind, Kind::Choice(_) | Kind::Day)
                })
        })
        .collect()
}

/// The content the items describe, as the protocol reads it; `Err` says why it does not read.
fn content_of(theme: DisguiseTheme, items: &[Item]) -> Result<DecoyContent, String> {
    let shape = shape(theme);
    let object = |item: &Item| -> Value {
        let mut map = Map::new();
        for ((name, text), (_, kind)) in item.iter().zip(shape.fields) {
            let value = match kind {
                Kind::Line | Kind::Long | Kind::Choice(_) => Value::String(text.trim().to_string()),
                Kind::Lines => Value::Array(
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(|l| Value::String(l.to_string()))
                        .collect(),
                ),
                Kind::Flag => Value::Bool(text == "true"),
                Kind::Number | Kind::Day => text
                    .trim()
                    .parse::<u64>()
                    .map(Value::from)
                    .unwrap_or(Value::Null),
            };
            map.insert((*name).to_string(), value);
        }
        Value::Object(map)
    };
    let value = match shape.list {
        Some(list) => {
            json!({ "theme": theme.as_str(), list: items.iter().map(object).collect::<Vec<_>>() })
        }
        None => json!({
            "theme": theme.as_str(),
            "settings": items.first().map(object).unwrap_or_default(),
        }),
    };
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// A field as the template draws it.
struct Field {
    name: String,
    id: String,
    label: String,
    kind: &'static str,
    value: String,
    options: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "decoys.html")]
struct DecoysPage<'a> {
    frame: Frame<'a>,
    base: String,
    id: String,
    label: String,
    intro: String,
    language: String,
    /// Languages with the organisation's own content.
    curated: Vec<String>,
    own: bool,
    items: Vec<Vec<Field>>,
    listed: bool,
    problem: Option<String>,
}

fn fields(t: &super::Text<'_>, theme: DisguiseTheme, items: &[Item]) -> Vec<Vec<Field>> {
    let shape = shape(theme);
    let spare = if shape.list.is_some() { SPARE_ITEMS } else { 0 };
    let empty: Item = shape
        .fields
        .iter()
        .map(|(n, _)| (*n, String::new()))
        .collect();
    items
        .iter()
        .chain(std::iter::repeat_n(&empty, spare))
        .enumerate()
        .map(|(i, item)| {
            item.iter()
                .zip(shape.fields)
                .map(|((name, value), (_, kind))| Field {
                    name: format!("item-{i}-{name}"),
                    id: format!("item-{i}-{name}"),
                    label: t.get(&format!("decoy-{name}")),
                    kind: match kind {
                        Kind::Line => "line",
                        Kind::Long => "long",
                        Kind::Lines => "lines",
                        Kind::Number => "number",
                        Kind::Flag => "flag",
                        Kind::Choice(_) | Kind::Day => "choice",
                    },
                    value: value.clone(),
                    options: match kind {
                        Kind::Choice(options) => options
                            .iter()
                            .map(|o| {
                                let label = match *o {
                                    " " => t.get("decoy-space"),
                                    "" => t.get("decoy-nothing"),
                                    other => other.to_string(),
                                };
                                (o.to_string(), label, o == value)
                            })
                            .collect(),
                        Kind::Day => (1..=7)
                            .map(|d: u8| {
                                let day = d.to_string();
                                let label = t.get(&format!("weekday-{d}"));
                                let chosen = day == *value;
                                (day, label, chosen)
                            })
                            .collect(),
                        _ => Vec::new(),
                    },
                })
                .collect()
        })
        .collect()
}

struct Shown {
    language: String,
    items: Vec<Item>,
    problem: Option<String>,
}

async fn draw(org: &Organisation, id: &str, shown: Option<Shown>, asked: Option<&String>) -> Reply {
    let visit = org.visit();
    let entry = service::find(org.state(), &org.admin, EntryPointId(id.to_string()))
        .await
        .map_err(|e| visit.refused(e))?;
    let curated = decoys::list(org.state(), &org.admin, EntryPointId(id.to_string()))
        .await
        .map_err(|e| visit.refused(e))?;
    let shown = match shown {
        Some(shown) => shown,
        None => {
            let language = asked
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| entry.default_language.clone());
            let content = curated
                .iter()
                .find(|c| c.language == language)
                .map(|c| c.content.clone())
                .or_else(|| decoys::seed(entry.theme, &language));
            Shown {
                items: content
                    .map(|c| items_of(entry.theme, &c))
                    .unwrap_or_default(),
                language,
                problem: None,
            }
        }
    };
    let page = DecoysPage {
        frame: org.frame("decoys-title", "entry-points"),
        base: org.path(""),
        id: entry.id.clone(),
        label: entry.label.clone(),
        intro: visit.t.with(
            "decoys-intro",
            &[("theme", &visit.t.name("theme", entry.theme.as_str()))],
        ),
        own: curated.iter().any(|c| c.language == shown.language),
        curated: curated.into_iter().map(|c| c.language).collect(),
        items: fields(&visit.t, entry.theme, &shown.items),
        listed: shape(entry.theme).list.is_some(),
        language: shown.language,
        problem: shown.problem.clone(),
    };
    let mut response = visit.page(&page)?;
    if shown.problem.is_some() {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn page(
    org: Organisation,
    path: web::Path<(String, String)>,
    query: web::Query<HashMap<String, String>>,
) -> Reply {
    draw(&org, &path.1, None, query.get("language")).await
}

async fn save(org: Organisation, path: web::Path<(String, String)>, form: Form) -> Reply {
    let visit = org.visit();
    let id = EntryPointId(path.1.clone());
    let entry = service::find(org.state(), &org.admin, id.clone())
        .await
        .map_err(|e| visit.refused(e))?;
    let language = form.get("language").trim().to_string();
    let items = items_posted(entry.theme, &form);
    let outcome = match content_of(entry.theme, &items) {
        Ok(content) => decoys::put(org.state(), &org.admin, id, &language, content)
            .await
            .map_err(|e| visit.explain(&e)),
        Err(_) => Err(visit.t.get("decoy-unreadable")),
    };
    match outcome {
        Ok(saved) => visit.redirect(&org.path(&format!(
            "/entry-points/{}/decoys?language={}&done=decoy-saved",
            entry.id,
            super::query_tag(&saved.language)
        ))),
        Err(problem) => {
            let problem = format!("{problem} {}", visit.t.get("decoy-limits"));
            let shown = Shown {
                language,
                items,
                problem: Some(problem),
            };
            draw(&org, &entry.id, Some(shown), None).await
        }
    }
}

async fn remove(org: Organisation, path: web::Path<(String, String)>, form: Form) -> Reply {
    let id = EntryPointId(path.1.clone());
    let language = form.get("language").trim().to_string();
    match decoys::remove(org.state(), &org.admin, id, &language).await {
        Ok(())
        | Err(ApiError {
            status: actix_web::http::StatusCode::NOT_FOUND,
            ..
        }) => org.visit().redirect(&org.path(&format!(
            "/entry-points/{}/decoys?language={}&done=decoy-removed",
            path.1,
            super::query_tag(&language)
        ))),
        Err(error) => Err(org.visit().refused(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_themes_seed_reads_back_from_its_form_unchanged() {
        for theme in DisguiseTheme::ALL {
            let seed = decoys::seed(theme, "en").unwrap_or_else(|| panic!("{theme:?} has a seed"));
            let items = items_of(theme, &seed);
            assert!(!items.is_empty(), "{theme:?}");
            assert_eq!(content_of(theme, &items), Ok(seed), "{theme:?}");
        }
    }

    #[test]
    fn a_field_that_does_not_read_is_said_to_be_unreadable() {
        let items = vec![vec![
            ("decimal_separator", ".".to_string()),
            ("group_separator", ",".to_string()),
            ("precision", "many".to_string()),
            ("memory_keys", "true".to_string()),
            ("scientific", "false".to_string()),
            ("history_size", "10".to_string()),
        ]];
        assert!(content_of(DisguiseTheme::Calculator, &items).is_err());
    }
}

//! Resource cards: the list (filtered, searched), the editor (the card's details and its source
//! text beside one translation, every problem next to its field), the workflow buttons, the
//! history with rollback, the coverage matrix, import with its dry-run table, export, and the
//! starter set.
//!
//! The editor's fields are the columns of a CSV import (`transfer::fact_cells`,
//! `transfer::card_from_cells`): a card is written down and read back one way, whichever door
//! it came through.

use super::{Form, Frame, Organisation, Reply};
use actix_web::web;
use askama::Template;
use quietline_protocol::cards::{
    Card, CardCategory, CardCost, CardState, CardVersion, Coverage, CoverageReport, ImportAction,
    PutTranslation, UpdateCard,
};
use quietline_protocol::{CardId, Problem};
use quietline_server::cards::service::{self, Step};
use quietline_server::cards::transfer::{self, Format};
use quietline_server::error::ApiError;
use std::collections::HashMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/cards", web::get().to(list))
        .route("/cards/new", web::get().to(new_card))
        .route("/cards/new", web::post().to(create))
        .route("/cards/import", web::get().to(import_page))
        .route("/cards/import", web::post().to(import))
        .route("/cards/starter", web::post().to(starter))
        .route("/cards/export.csv", web::get().to(export))
        .route("/cards/coverage", web::get().to(coverage))
        .route("/cards/{card_id}", web::get().to(edit))
        .route("/cards/{card_id}", web::post().to(save))
        .route("/cards/{card_id}/translation", web::post().to(translate))
        .route("/cards/{card_id}/step/{step}", web::post().to(step))
        .route("/cards/{card_id}/history", web::get().to(history))
        .route("/cards/{card_id}/rollback", web::post().to(rollback));
}

/// How the editor shows one of the card's details.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Line,
    /// Items separated by `;`.
    List,
    Long,
    Date,
    Number,
    Flag,
    /// One of the field's choices (see [`choices`]).
    Choice,
    /// Any of the field's choices, as checkboxes (a `;` list in the cell).
    Many,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Line => "line",
            Kind::List => "list",
            Kind::Long => "long",
            Kind::Date => "date",
            Kind::Number => "number",
            Kind::Flag => "flag",
            Kind::Choice => "choice",
            Kind::Many => "many",
        }
    }
}

/// The card's details in the editor, in the order of the CSV columns (a test checks they are
/// the columns of `transfer::fact_cells`).
const DETAILS: [(&str, Kind); 27] = [
    ("source_locale", Kind::Line),
    ("category", Kind::Choice),
    ("regions", Kind::List),
    ("languages", Kind::List),
    ("eligibility", Kind::List),
    ("cost", Kind::Choice),
    ("phones", Kind::List),
    ("sms", Kind::List),
    ("web", Kind::List),
    ("address", Kind::Long),
    ("hours", Kind::Line),
    ("time_zone", Kind::Line),
    ("always_open", Kind::Flag),
    ("tags", Kind::List),
    ("last_verified", Kind::Date),
    ("review_by", Kind::Date),
    ("source", Kind::Line),
    ("sample", Kind::Flag),
    ("to_be_completed", Kind::Flag),
    ("reports_police", Kind::Choice),
    ("reports_immigration", Kind::Choice),
    ("admission", Kind::Many),
    ("referral", Kind::Choice),
    ("length_of_stay_days", Kind::Number),
    ("security_level", Kind::Choice),
    ("workers_confidential_address", Kind::Long),
    ("workers_contact_person", Kind::Line),
];

/// The choices of a `Choice` or `Many` detail, as the CSV spells them.
fn choices(column: &str) -> Vec<&'static str> {
    const REPORTING: [&str; 5] = [
        "unknown",
        "never",
        "with_consent",
        "when_required_by_law",
        "always",
    ];
    match column {
        "category" => CardCategory::ALL.iter().map(|c| c.as_str()).collect(),
        "cost" => CardCost::ALL.iter().map(|c| c.as_str()).collect(),
        "reports_police" | "reports_immigration" => REPORTING.to_vec(),
        "admission" => vec![
            "sobriety",
            "id",
            "address",
            "phone",
            "immigration_status",
            "gender",
            "age",
        ],
        "referral" => vec!["unknown", "self_referral_only", "worker_may_refer"],
        "security_level" => vec!["", "standard", "confidential_address", "high"],
        _ => Vec::new(),
    }
}

/// A field as the template draws it.
struct Field {
    /// The form field's name: the CSV column (`t_` before a translation's).
    name: String,
    /// The element's id.
    id: String,
    label: String,
    hint: String,
    /// A [`Kind`]'s name, or `text` and `markdown` for a translation's texts.
    kind: &'static str,
    value: String,
    /// For choices: (value, label, chosen).
    options: Vec<(String, String, bool)>,
    problems: Vec<String>,
    /// Details only the organisation's workers see.
    workers_only: bool,
}

impl Field {
    /// The ids of the hint and problem that describe the field (`aria-describedby`).
    fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id));
        }
        if !self.problems.is_empty() {
            ids.push(format!("{}-problem", self.id));
        }
        ids.join(" ")
    }
}

/// Problems by (locale or none, column), as the editor places them.
struct Placed {
    problems: Vec<(Option<String>, String, String)>,
}

impl Placed {
    fn of(problems: &[Problem]) -> Placed {
        Placed {
            problems: problems
                .iter()
                .map(|p| {
                    let (locale, column) = transfer::column_of(&p.field);
                    (locale.map(str::to_string), column, p.message.clone())
                })
                .collect(),
        }
    }

    fn at(&self, locale: Option<&str>, column: &str) -> Vec<String> {
        self.problems
            .iter()
            .filter(|(l, c, _)| c == column && (locale.is_none() || l.as_deref() == locale))
            .map(|(_, _, m)| m.clone())
            .collect()
    }
}

fn detail_fields(
    t: &super::Text<'_>,
    cells: &HashMap<String, String>,
    placed: &Placed,
) -> Vec<Field> {
    DETAILS
        .iter()
        .map(|(column, kind)| {
            let value = cells.get(*column).cloned().unwrap_or_default();
            let chosen: Vec<String> = value
                .split(';')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            let options = choices(column)
                .into_iter()
                .map(|option| {
                    let label = if option.is_empty() {
                        t.get("choice-none")
                    } else {
                        t.name("choice", option)
                    };
                    let on = match kind {
                        Kind::Many => chosen.iter().any(|c| c == option),
                        _ => value.trim() == option,
                    };
                    (option.to_string(), label, on)
                })
                .collect();
            Field {
                name: (*column).to_string(),
                id: format!("card-{column}"),
                label: t.get(&format!("field-{column}")),
                hint: hint(t, column, *kind),
                kind: kind.as_str(),
                value,
                options,
                problems: placed.at(None, column),
                workers_only: column.starts_with("workers_"),
            }
        })
        .collect()
}

fn hint(t: &super::Text<'_>, column: &str, kind: Kind) -> String {
    let id = format!("hint-{column}");
    let own = t.get(&id);
    if own != id {
        own
    } else if kind == Kind::List {
        t.get("hint-list")
    } else {
        String::new()
    }
}

/// The four texts (and confidentiality note) of one locale, `prefix` before their names.
fn text_fields(
    t: &super::Text<'_>,
    cells: &HashMap<String, String>,
    prefix: &str,
    locale: Option<&str>,
    placed: &Placed,
) -> Vec<Field> {
    transfer::TEXT_COLUMNS
        .iter()
        .map(|column| Field {
            name: format!("{prefix}{column}"),
            id: format!("card-{prefix}{column}"),
            label: t.get(&format!("field-{column}")),
            hint: match *column {
                "body" => t.get("hint-body"),
                _ => String::new(),
            },
            kind: match *column {
                "body" => "markdown",
                "title" => "line",
                _ => "long",
            },
            value: cells
                .get(&format!("{prefix}{column}"))
                .cloned()
                .unwrap_or_default(),
            options: Vec::new(),
            problems: locale.map_or_else(Vec::new, |l| placed.at(Some(l), column)),
            workers_only: false,
        })
        .collect()
}

/// A workflow button: the step's path segment and its label.
struct Button {
    step: &'static str,
    label: String,
}

#[derive(Template)]
#[template(path = "card_editor.html")]
struct EditorPage<'a> {
    frame: Frame<'a>,
    /// The path the card's form posts to.
    action: String,
    card: Option<Card>,
    version: u32,
    details: Vec<Field>,
    source_heading: String,
    source: Vec<Field>,
    /// The translation shown beside the source, and the ones to choose from.
    locale: String,
    locales: Vec<String>,
    translation: Vec<Field>,
    outdated: bool,
    problems: Vec<String>,
    buttons: Vec<Button>,
}

#[derive(Template)]
#[template(path = "cards.html")]
struct ListPage<'a> {
    frame: Frame<'a>,
    base: String,
    cards: Vec<Row>,
    q: String,
    state: String,
    category: String,
    states: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    sample_loaded: bool,
}

struct Row {
    id: String,
    title: String,
    state: String,
    category: String,
    locales: String,
    outdated: String,
    review_by: String,
}

fn title_of(card: &Card) -> String {
    title_in(card, &card.content.source_locale)
}

/// The card's title in `locale` where it is translated into it, in its source locale otherwise.
fn title_in(card: &Card, locale: &str) -> String {
    let texts = &card.content.translations;
    texts
        .get(locale)
        .or_else(|| texts.get(&card.content.source_locale))
        .map(|t| t.title.clone())
        .unwrap_or_default()
}

fn card_id(path: &web::Path<(String, String)>) -> CardId {
    CardId(path.1.clone())
}

async fn list(org: Organisation, query: web::Query<HashMap<String, String>>) -> Reply {
    let visit = org.visit();
    let t = visit.t;
    let cards = service::list(org.state(), &org.admin)
        .await
        .map_err(|e| visit.refused(e))?;
    let q = query.get("q").cloned().unwrap_or_default();
    let wanted_state = query.get("state").cloned().unwrap_or_default();
    let wanted_category = query.get("category").cloned().unwrap_or_default();
    let needle = q.trim().to_lowercase();
    let sample_loaded = cards.iter().any(|c| c.content.sample);
    let rows = cards
        .iter()
        .filter(|c| wanted_state.is_empty() || c.state.as_str() == wanted_state)
        .filter(|c| wanted_category.is_empty() || c.content.category.as_str() == wanted_category)
        .filter(|c| {
            needle.is_empty()
                || c.id.to_lowercase().contains(&needle)
                || c.content
                    .tags
                    .iter()
                    .any(|t| t.to_lowercase().contains(&needle))
                || c.content.translations.values().any(|text| {
                    text.title.to_lowercase().contains(&needle)
                        || text.summary.to_lowercase().contains(&needle)
                })
        })
        .map(|c| Row {
            id: c.id.clone(),
            title: title_in(c, t.tag),
            state: t.name("state", c.state.as_str()),
            category: t.name("choice", c.content.category.as_str()),
            locales: c
                .content
                .translations
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            outdated: c.outdated_locales.join(", "),
            review_by: c.content.review_by.clone().unwrap_or_default(),
        })
        .collect();
    let states = [
        CardState::Draft,
        CardState::InReview,
        CardState::Published,
        CardState::Archived,
    ]
    .iter()
    .map(|s| (s.as_str().to_string(), t.name("state", s.as_str())))
    .collect();
    let categories = CardCategory::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), t.name("choice", c.as_str())))
        .collect();
    let page = ListPage {
        frame: org.frame("cards-title", "cards"),
        base: org.path(""),
        cards: rows,
        q,
        state: wanted_state,
        category: wanted_category,
        states,
        categories,
        sample_loaded,
    };
    visit.page(&page)
}

/// The editor's cells of a card: its details, its source text, and the translation `locale`
/// (`t_` before its names).
fn cells_of(card: &Card, locale: &str) -> HashMap<String, String> {
    let content = &card.content;
    let mut cells: HashMap<String, String> = transfer::fact_cells(content)
        .into_iter()
        .map(|(c, v)| (c.to_string(), v))
        .collect();
    if let Some(text) = content.translations.get(&content.source_locale) {
        cells.extend(
            transfer::text_cells(text)
                .into_iter()
                .map(|(c, v)| (c.to_string(), v)),
        );
    }
    if let Some(text) = content.translations.get(locale) {
        cells.extend(
            transfer::text_cells(text)
                .into_iter()
                .map(|(c, v)| (format!("t_{c}"), v)),
        );
    }
    cells
}

/// What the workflow offers a card in its state (the service decides whether it may).
fn buttons(t: &super::Text<'_>, card: &Card, two_admin_approval: bool) -> Vec<Button> {
    let publish = if two_admin_approval {
        "step-approve"
    } else {
        "step-publish"
    };
    let steps: &[(&'static str, &str)] = match card.state {
        CardState::Draft => &[("submit", "step-submit"), ("archive", "step-archive")],
        CardState::InReview => &[("publish", publish), ("archive", "step-archive")],
        CardState::Published => &[("archive", "step-archive")],
        CardState::Archived => &[],
    };
    steps
        .iter()
        .map(|(step, label)| Button {
            step,
            label: t.get(label),
        })
        .collect()
}

struct Draft<'a> {
    card: Option<&'a Card>,
    cells: HashMap<String, String>,
    locale: String,
    problems: &'a [Problem],
}

async fn editor(org: &Organisation, draft: Draft<'_>) -> Reply {
    let visit = org.visit();
    let t = visit.t;
    let placed = Placed::of(draft.problems);
    let source_locale = draft
        .cells
        .get("source_locale")
        .cloned()
        .unwrap_or_default();
    let two_admin_approval = service::settings(org.state(), &org.admin)
        .await
        .map(|s| s.two_admin_approval)
        .map_err(|e| visit.refused(e))?;
    let locales = draft
        .card
        .map(|c| {
            c.content
                .translations
                .keys()
                .filter(|l| **l != c.content.source_locale)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let page = EditorPage {
        frame: org.frame(
            if draft.card.is_some() {
                "card-edit-title"
            } else {
                "card-new-title"
            },
            "cards",
        ),
        action: match draft.card {
            Some(card) => org.path(&format!("/cards/{}", card.id)),
            None => org.path("/cards/new"),
        },
        version: draft.card.map_or(0, |c| c.version),
        details: detail_fields(&t, &draft.cells, &placed),
        source: text_fields(&t, &draft.cells, "", Some(&source_locale), &placed),
        source_heading: t.with("source-text", &[("locale", &source_locale)]),
        outdated: draft
            .card
            .is_some_and(|c| c.outdated_locales.contains(&draft.locale)),
        translation: text_fields(&t, &draft.cells, "t_", Some(&draft.locale), &placed),
        locale: draft.locale,
        locales,
        problems: placed
            .problems
            .iter()
            .map(|(locale, column, message)| {
                let label = t.get(&format!("field-{column}"));
                match locale {
                    Some(locale) if *locale != source_locale => {
                        format!("{label} ({locale}): {message}")
                    }
                    _ => format!("{label}: {message}"),
                }
            })
            .collect(),
        buttons: draft
            .card
            .map(|c| buttons(&t, c, two_admin_approval))
            .unwrap_or_default(),
        card: draft.card.cloned(),
    };
    let mut response = visit.page(&page)?;
    if !draft.problems.is_empty() {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn new_card(org: Organisation) -> Reply {
    let info = quietline_server::organisations::service::get_organisation(org.state(), &org.admin)
        .await
        .map_err(|e| org.visit().refused(e))?;
    let mut cells = HashMap::new();
    cells.insert("source_locale".to_string(), info.default_language);
    cells.insert("category".to_string(), "community".to_string());
    cells.insert("cost".to_string(), "free".to_string());
    editor(
        &org,
        Draft {
            card: None,
            cells,
            locale: String::new(),
            problems: &[],
        },
    )
    .await
}

/// The problems the editor's own reading found, as the service reports its own.
fn invalid(problems: Vec<Problem>) -> ApiError {
    ApiError::problems(
        quietline_protocol::ErrorCode::InvalidCard,
        "The card has problems; each is listed with its field.",
        problems,
    )
}

/// The editor again after a refused save: what was posted, over the card as it is, with every
/// problem at its field (or the refusal as a page when it names none).
async fn again(
    org: &Organisation,
    card: Option<&Card>,
    locale: String,
    posted: HashMap<String, String>,
    error: ApiError,
) -> Reply {
    let problems = problems_of(org, error)?;
    let mut cells = card.map(|c| cells_of(c, &locale)).unwrap_or_default();
    cells.extend(posted);
    editor(
        org,
        Draft {
            card,
            cells,
            locale,
            problems: &problems,
        },
    )
    .await
}

/// The problems of a refused save, or the refusal itself as a page.
fn problems_of(org: &Organisation, error: ApiError) -> Result<Vec<Problem>, super::Failure> {
    match error.problems {
        Some(problems) if !problems.is_empty() => Ok(problems),
        _ => Err(org.visit().refused(error)),
    }
}

async fn create(org: Organisation, form: Form) -> Reply {
    let cells = form.map();
    let (content, problems) = transfer::card_from_cells(&cells);
    let outcome = if problems.is_empty() {
        service::create(org.state(), &org.admin, content).await
    } else {
        Err(invalid(problems))
    };
    match outcome {
        Ok(card) => org
            .visit()
            .redirect(&org.path(&format!("/cards/{}?done=card-saved", card.id))),
        Err(error) => again(&org, None, String::new(), cells, error).await,
    }
}

/// The translation to show beside the source: the one asked for, or the first there is.
fn chosen_locale(card: &Card, asked: Option<&String>) -> String {
    asked
        .cloned()
        .filter(|l| !l.trim().is_empty())
        .unwrap_or_else(|| {
            card.content
                .translations
                .keys()
                .find(|l| **l != card.content.source_locale)
                .cloned()
                .unwrap_or_default()
        })
}

async fn edit(
    org: Organisation,
    path: web::Path<(String, String)>,
    query: web::Query<HashMap<String, String>>,
) -> Reply {
    let card = service::get(org.state(), &org.admin, card_id(&path))
        .await
        .map_err(|e| org.visit().refused(e))?;
    let locale = chosen_locale(&card, query.get("locale"));
    let cells = cells_of(&card, &locale);
    editor(
        &org,
        Draft {
            card: Some(&card),
            cells,
            locale,
            problems: &[],
        },
    )
    .await
}

async fn save(org: Organisation, path: web::Path<(String, String)>, form: Form) -> Reply {
    let id = card_id(&path);
    let card = service::get(org.state(), &org.admin, id.clone())
        .await
        .map_err(|e| org.visit().refused(e))?;
    let posted = form.map();
    let (mut content, problems) = transfer::card_from_cells(&posted);
    // The other translations stay as they are; the source text is the form's.
    for (locale, text) in &card.content.translations {
        if *locale != content.source_locale {
            content
                .translations
                .entry(locale.clone())
                .or_insert_with(|| text.clone());
        }
    }
    let version = form.get("version").parse().unwrap_or(0);
    let outcome = if problems.is_empty() {
        service::update(org.state(), &org.admin, id, UpdateCard { version, content }).await
    } else {
        Err(invalid(problems))
    };
    match outcome {
        Ok(card) => org
            .visit()
            .redirect(&org.path(&format!("/cards/{}?done=card-saved", card.id))),
        Err(error) => {
            let locale = chosen_locale(&card, None);
            again(&org, Some(&card), locale, posted, error).await
        }
    }
}

async fn translate(org: Organisation, path: web::Path<(String, String)>, form: Form) -> Reply {
    let id = card_id(&path);
    let locale = form.get("locale").trim().to_string();
    let text: HashMap<String, String> = transfer::TEXT_COLUMNS
        .iter()
        .map(|c| (c.to_string(), form.get(&format!("t_{c}")).to_string()))
        .collect();
    let text = transfer::text_from_cells(&text);
    let request = PutTranslation {
        title: text.title,
        summary: text.summary,
        body: text.body,
        risk_disclosure: text.risk_disclosure,
        confidentiality: text.confidentiality,
    };
    match service::put_translation(org.state(), &org.admin, id.clone(), locale.clone(), request)
        .await
    {
        Ok(card) => org.visit().redirect(&org.path(&format!(
            "/cards/{}?locale={}&done=translation-saved",
            card.id,
            super::query_tag(&locale)
        ))),
        Err(error) => {
            let card = service::get(org.state(), &org.admin, id)
                .await
                .map_err(|e| org.visit().refused(e))?;
            again(&org, Some(&card), locale, form.map(), error).await
        }
    }
}

async fn step(org: Organisation, path: web::Path<(String, String, String)>, _form: Form) -> Reply {
    let (_, card, step) = path.into_inner();
    let (step, done) = match step.as_str() {
        "submit" => (Step::Submit, "card-submitted"),
        "publish" => (Step::Publish, "card-published"),
        "archive" => (Step::Archive, "card-archived"),
        _ => {
            return Err(org.visit().refused(ApiError::not_found()));
        }
    };
    let card = service::step(org.state(), &org.admin, CardId(card), step)
        .await
        .map_err(|e| org.visit().refused(e))?;
    // Approved by one of two: the card waits for the second administrator.
    let done = if card.state == CardState::InReview && done == "card-published" {
        "card-approved"
    } else {
        done
    };
    org.visit()
        .redirect(&org.path(&format!("/cards/{}?done={done}", card.id)))
}

#[derive(Template)]
#[template(path = "card_history.html")]
struct HistoryPage<'a> {
    frame: Frame<'a>,
    base: String,
    id: String,
    title: String,
    versions: Vec<(CardVersion, String, String, bool)>,
    /// The version compared with the working copy, and what differs: field, then, now.
    compared: Option<u32>,
    differences: Vec<[String; 3]>,
}

/// Every field that differs between two contents of a card, as the editor names them: the
/// details, then each locale's texts.
fn differences(
    t: &super::Text<'_>,
    then: &quietline_protocol::cards::CardContent,
    now: &quietline_protocol::cards::CardContent,
) -> Vec<[String; 3]> {
    let mut found = Vec::new();
    for ((column, before), (_, after)) in transfer::fact_cells(then)
        .into_iter()
        .zip(transfer::fact_cells(now))
    {
        if before != after {
            found.push([t.get(&format!("field-{column}")), before, after]);
        }
    }
    let mut locales: Vec<&String> = then
        .translations
        .keys()
        .chain(now.translations.keys())
        .collect();
    locales.sort();
    locales.dedup();
    let missing = transfer::TEXT_COLUMNS.map(|column| (column, String::new()));
    for locale in locales {
        let before = then
            .translations
            .get(locale)
            .map_or(missing.clone(), transfer::text_cells);
        let after = now
            .translations
            .get(locale)
            .map_or(missing.clone(), transfer::text_cells);
        for ((column, before), (_, after)) in before.into_iter().zip(after) {
            if before != after {
                found.push([
                    format!("{} ({locale})", t.get(&format!("field-{column}"))),
                    before,
                    after,
                ]);
            }
        }
    }
    found
}

async fn history(
    org: Organisation,
    path: web::Path<(String, String)>,
    query: web::Query<HashMap<String, String>>,
) -> Reply {
    let visit = org.visit();
    let id = card_id(&path);
    let card = service::get(org.state(), &org.admin, id.clone())
        .await
        .map_err(|e| visit.refused(e))?;
    let versions = service::history(org.state(), &org.admin, id)
        .await
        .map_err(|e| visit.refused(e))?
        .into_iter()
        .map(|v| {
            let at = super::audit::minute(v.changed_at);
            let by = v
                .changed_by_handle
                .clone()
                .unwrap_or_else(|| visit.t.get("someone"));
            let can_roll_back = matches!(v.action.as_str(), "published" | "rolled_back")
                && card.published_version != Some(v.version);
            (v, at, by, can_roll_back)
        })
        .collect();
    let compared = query.get("compare").and_then(|v| v.parse::<u32>().ok());
    let differences = match compared {
        Some(version) => {
            let then = service::version_content(org.state(), &org.admin, card_id(&path), version)
                .await
                .map_err(|e| visit.refused(e))?;
            differences(&visit.t, &then, &card.content)
        }
        None => Vec::new(),
    };
    let page = HistoryPage {
        frame: org.frame("history-title", "cards"),
        base: org.path(""),
        title: title_of(&card),
        id: card.id,
        versions,
        compared,
        differences,
    };
    visit.page(&page)
}

async fn rollback(org: Organisation, path: web::Path<(String, String)>, form: Form) -> Reply {
    let version = form.get("version").parse().unwrap_or(0);
    let card = service::rollback(org.state(), &org.admin, card_id(&path), version)
        .await
        .map_err(|e| org.visit().refused(e))?;
    org.visit()
        .redirect(&org.path(&format!("/cards/{}?done=card-rolled-back", card.id)))
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage<'a> {
    frame: Frame<'a>,
    base: String,
    report: CoverageReport,
    rows: Vec<CoverageRow>,
}

/// A card's row of the coverage matrix: its id, title, and per locale what to say and the class
/// that colours it.
struct CoverageRow {
    id: String,
    title: String,
    cells: Vec<(String, &'static str)>,
}

async fn coverage(org: Organisation) -> Reply {
    let visit = org.visit();
    let report = quietline_server::cards::report::coverage(org.state(), &org.admin, None)
        .await
        .map_err(|e| visit.refused(e))?;
    let rows = report
        .cards
        .iter()
        .map(|card| {
            let cells = report
                .locales
                .iter()
                .map(|locale| {
                    let (key, class) = match card.locales.get(locale) {
                        Some(Coverage::Current) => ("coverage-current", "current"),
                        Some(Coverage::Outdated) => ("coverage-outdated", "outdated"),
                        _ => ("coverage-missing", "missing"),
                    };
                    (visit.t.get(key), class)
                })
                .collect();
            CoverageRow {
                id: card.id.clone(),
                title: card.title.clone(),
                cells,
            }
        })
        .collect();
    let page = CoveragePage {
        frame: org.frame("coverage-title", "cards"),
        base: org.path(""),
        report,
        rows,
    };
    visit.page(&page)
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage<'a> {
    frame: Frame<'a>,
    base: String,
    content: String,
    /// What a dry run or an import did, card by card: row, card, action.
    outcomes: Vec<(u32, String, String)>,
    /// What was wrong: row, column, message.
    problems: Vec<(String, String, String)>,
    imported: bool,
    summary: String,
    sample_loaded: bool,
}

async fn import_page(org: Organisation) -> Reply {
    let sample_loaded = crate::starter::already_loaded(org.state(), org.admin.organisation_id())
        .await
        .map_err(|e| org.visit().refused(e))?;
    let page = ImportPage {
        frame: org.frame("import-title", "cards"),
        base: org.path(""),
        content: String::new(),
        outcomes: Vec::new(),
        problems: Vec::new(),
        imported: false,
        summary: String::new(),
        sample_loaded,
    };
    org.visit().page(&page)
}

fn import_of(
    org: &Organisation,
    format: Format,
    bytes: Vec<u8>,
    dry_run: bool,
) -> transfer::Import {
    transfer::Import {
        organisation_id: org.admin.organisation_id().clone(),
        format,
        bytes,
        dry_run,
        by: (*org.admin).clone(),
    }
}

async fn import(org: Organisation, form: Form) -> Reply {
    let visit = org.visit();
    let t = visit.t;
    let content = form.get("content").to_string();
    let format = if content.trim_start().starts_with('{') {
        Format::Json
    } else {
        Format::Csv
    };
    let dry_run = form.get("action") != "import";
    let outcome = transfer::import(
        org.state(),
        import_of(&org, format, content.as_bytes().to_vec(), dry_run),
    )
    .await;
    let mut page = ImportPage {
        frame: org.frame("import-title", "cards"),
        base: org.path(""),
        content: String::new(),
        outcomes: Vec::new(),
        problems: Vec::new(),
        imported: false,
        summary: String::new(),
        sample_loaded: true,
    };
    let status = match outcome {
        Ok(report) => {
            page.outcomes = report
                .cards
                .iter()
                .map(|o| {
                    let action = match o.action {
                        ImportAction::Create => "import-create",
                        ImportAction::Update => "import-update",
                        ImportAction::Unchanged => "import-unchanged",
                    };
                    (o.row, o.card.clone().unwrap_or_default(), t.get(action))
                })
                .collect();
            page.summary = t.with(
                if report.dry_run {
                    "import-would"
                } else {
                    "import-did"
                },
                &[
                    ("created", &report.created.to_string()),
                    ("updated", &report.updated.to_string()),
                    ("unchanged", &report.unchanged.to_string()),
                ],
            );
            page.imported = !report.dry_run;
            // A checked file is kept for the import that follows.
            if report.dry_run {
                page.content = content;
            }
            actix_web::http::StatusCode::OK
        }
        Err(error) => {
            let status = error.status;
            page.summary = visit.explain(&error);
            page.problems = error
                .problems
                .unwrap_or_default()
                .into_iter()
                .map(|p| {
                    (
                        p.row.map(|r| r.to_string()).unwrap_or_default(),
                        p.field,
                        p.message,
                    )
                })
                .collect();
            page.content = content;
            status
        }
    };
    let mut response = visit.page(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

async fn starter(org: Organisation, _form: Form) -> Reply {
    let visit = org.visit();
    let loaded = crate::starter::already_loaded(org.state(), org.admin.organisation_id())
        .await
        .map_err(|e| visit.refused(e))?;
    if loaded {
        return Err(visit.message(
            actix_web::http::StatusCode::CONFLICT,
            "refused-title",
            visit.t.get("starter-already"),
        ));
    }
    let bytes = crate::starter::CARDS.as_bytes().to_vec();
    transfer::import(org.state(), import_of(&org, Format::Json, bytes, false))
        .await
        .map_err(|e| visit.refused(e))?;
    visit.redirect(&org.path("/cards?done=starter-loaded"))
}

async fn export(org: Organisation) -> Reply {
    let csv = transfer::export_csv(org.state(), &org.admin)
        .await
        .map_err(|e| org.visit().refused(e))?;
    org.visit()
        .download("text/csv; charset=utf-8", "cards.csv", csv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quietline_protocol::cards::CardContent;

    #[test]
    fn the_editor_has_a_field_for_every_detail_of_a_csv_row() {
        let content: CardContent = serde_json::from_value(serde_json::json!({
            "category": "shelter", "source_locale": "en", "regions": ["CA"], "cost": "free",
            "translations": {"en": {"title": "T", "summary": "S", "body": "", "risk_disclosure": "R"}}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let columns: Vec<&str> = transfer::fact_cells(&content)
            .iter()
            .map(|(c, _)| *c)
            .collect();
        let details: Vec<&str> = DETAILS.iter().map(|(c, _)| *c).collect();
        assert_eq!(details, columns);
        for (column, kind) in DETAILS {
            let has_choices = !choices(column).is_empty();
            assert_eq!(
                has_choices,
                matches!(kind, Kind::Choice | Kind::Many),
                "{column}"
            );
        }
    }

    #[test]
    fn a_card_is_listed_by_its_title_in_the_visitors_language_where_it_has_one() {
        let card: Card = serde_json::from_value(serde_json::json!({
            "id": "c1", "organisation_id": "o1", "state": "draft", "revision": 1, "version": 1,
            "published_version": null, "updated_at": 0, "outdated_locales": [],
            "content": {"category": "shelter", "source_locale": "en", "regions": ["CA"], "cost": "free",
                "translations": {
                    "en": {"title": "Shelter", "summary": "S", "body": "", "risk_disclosure": "R"},
                    "fr": {"title": "Refuge", "summary": "S", "body": "", "risk_disclosure": "R"}}}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(title_in(&card, "fr"), "Refuge");
        assert_eq!(title_in(&card, "tl"), "Shelter");
        assert_eq!(title_of(&card), "Shelter");
    }

    #[test]
    fn a_card_read_back_from_its_cells_is_the_same_card() {
        let content: CardContent = serde_json::from_value(serde_json::json!({
            "category": "shelter", "source_locale": "fr", "regions": ["CA-QC", "CA-ON"],
            "languages": ["fr", "en"], "cost": "free", "admission": ["id", "age"],
            "reports": {"police": "with_consent", "immigration": "never"},
            "referral": "worker_may_refer", "length_of_stay_days": 90,
            "security_level": "confidential_address",
            "workers_only": {"contact_person": "Dana"},
            "contact": {"phones": ["+1 514 555 0100"], "hours": [{"days": ["mon", "tue"], "opens": "09:00", "closes": "17:00"}]},
            "translations": {"fr": {"title": "Abri", "summary": "S", "body": "**B**", "risk_disclosure": "R"}}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let mut cells: HashMap<String, String> = transfer::fact_cells(&content)
            .into_iter()
            .map(|(c, v)| (c.to_string(), v))
            .collect();
        for (c, v) in transfer::text_cells(&content.translations["fr"]) {
            cells.insert(c.to_string(), v);
        }
        let (read, problems) = transfer::card_from_cells(&cells);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(read, content);
        cells.insert("referral".into(), "sometimes".into());
        let (_, problems) = transfer::card_from_cells(&cells);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "referral");
    }
}

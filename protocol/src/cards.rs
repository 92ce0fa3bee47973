//! Resource cards: what administrators curate (shelters, legal aid, hotlines, rights…), how they
//! are served in a negotiated language, and the signed bundles clients keep for offline,
//! private browsing.

use crate::ids::OrganisationId;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CardCategory {
    Shelter,
    LegalAid,
    Immigration,
    LabourRights,
    Health,
    Hotline,
    PoliceReporting,
    FinancialHelp,
    Community,
    KnowYourRights,
}

impl CardCategory {
    pub const ALL: [CardCategory; 10] = [
        CardCategory::Shelter,
        CardCategory::LegalAid,
        CardCategory::Immigration,
        CardCategory::LabourRights,
        CardCategory::Health,
        CardCategory::Hotline,
        CardCategory::PoliceReporting,
        CardCategory::FinancialHelp,
        CardCategory::Community,
        CardCategory::KnowYourRights,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CardCategory::Shelter => "shelter",
            CardCategory::LegalAid => "legal_aid",
            CardCategory::Immigration => "immigration",
            CardCategory::LabourRights => "labour_rights",
            CardCategory::Health => "health",
            CardCategory::Hotline => "hotline",
            CardCategory::PoliceReporting => "police_reporting",
            CardCategory::FinancialHelp => "financial_help",
            CardCategory::Community => "community",
            CardCategory::KnowYourRights => "know_your_rights",
        }
    }

    pub fn parse(value: &str) -> Option<CardCategory> {
        CardCategory::ALL.into_iter().find(|c| c.as_str() == value)
    }
}

/// Who a service is for. A card lists every group it serves.
pub const ELIGIBILITY: [&str; 7] = [
    "any_status",
    "needs_status",
    "minors",
    "adults",
    "women_only",
    "men_only",
    "families",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CardCost {
    Free,
    LowCost,
    Paid,
    Varies,
}

impl CardCost {
    pub const ALL: [CardCost; 4] = [
        CardCost::Free,
        CardCost::LowCost,
        CardCost::Paid,
        CardCost::Varies,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CardCost::Free => "free",
            CardCost::LowCost => "low_cost",
            CardCost::Paid => "paid",
            CardCost::Varies => "varies",
        }
    }

    pub fn parse(value: &str) -> Option<CardCost> {
        CardCost::ALL.into_iter().find(|c| c.as_str() == value)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// Opening hours on some days, local to the card's time zone ("09:00" to "17:00").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    pub days: Vec<Weekday>,
    pub opens: String,
    pub closes: String,
}

/// How to reach the service. Filled in only from the organisation's own published material.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub sms: Vec<String>,
    #[serde(default)]
    pub web: Vec<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub hours: Vec<OpeningHours>,
    /// IANA time zone of the hours, e.g. "America/Toronto".
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub always_open: bool,
}

/// The text of a card in one locale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardText {
    pub title: String,
    pub summary: String,
    /// Markdown: paragraphs, emphasis, lists and links (https, tel, mailto, sms) only.
    pub body: String,
    /// What acting on this card may expose the person to (e.g. contact with enforcement).
    pub risk_disclosure: String,
    #[serde(default)]
    pub confidentiality: Option<String>,
    /// The card revision this text was written or translated from (set by the server).
    #[serde(default)]
    pub source_revision: u32,
}

/// A card as administrators edit it: facts shared by every locale, and the texts per locale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardContent {
    pub category: CardCategory,
    /// The locale the card is written in; the others are translations of it.
    pub source_locale: String,
    /// "national", or regions such as "CA", "CA-QC", "CA-QC/Montréal".
    pub regions: Vec<String>,
    /// Languages the service itself speaks, BCP 47.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Among `any_status`, `needs_status`, `minors`, `adults`, `women_only`, `men_only`,
    /// `families`.
    #[serde(default)]
    pub eligibility: Vec<String>,
    pub cost: CardCost,
    #[serde(default)]
    pub contact: Contact,
    #[serde(default)]
    pub tags: Vec<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub last_verified: Option<String>,
    /// YYYY-MM-DD; past it, the card is listed as stale and marked "may be out of date".
    #[serde(default)]
    pub review_by: Option<String>,
    /// Where the contact details were found (the organisation's own published material).
    #[serde(default)]
    pub source: Option<String>,
    /// Example content that administrators must review before relying on it.
    #[serde(default)]
    pub sample: bool,
    /// Details are missing until the organisation completes them.
    #[serde(default)]
    pub to_be_completed: bool,
    /// Whether the service tells the police or immigration authorities what it learns, and
    /// when (the translations' `confidentiality` says it in words).
    #[serde(default)]
    pub reports: Reports,
    /// What the service asks of a person before taking them in.
    #[serde(default)]
    pub admission: Vec<Admission>,
    /// Whether a person goes on their own or a worker may refer them.
    #[serde(default)]
    pub referral: Referral,
    /// Longest stay, in days (1 to 3650), for a service that houses people.
    #[serde(default)]
    pub length_of_stay_days: Option<u32>,
    #[serde(default)]
    pub security_level: Option<SecurityLevel>,
    /// For the organisation's workers only: never in a seeker's listing or any bundle.
    #[serde(default)]
    pub workers_only: WorkersOnly,
    /// Texts by BCP 47 locale; the source locale's is required.
    pub translations: BTreeMap<String, CardText>,
}

/// Whether a service passes on to an authority what it learns of a person.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reporting {
    /// Not confirmed with the service: shown as unknown, never guessed.
    #[default]
    Unknown,
    Never,
    /// Only when the person asks for it or agrees to it.
    WithConsent,
    /// Where the law obliges it (a child at risk, a danger to life).
    WhenRequiredByLaw,
    Always,
}

/// A service's reporting, to each authority.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Reports {
    #[serde(default)]
    pub police: Reporting,
    #[serde(default)]
    pub immigration: Reporting,
}

/// Something a service asks of a person before taking them in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Admission {
    Sobriety,
    Id,
    Address,
    Phone,
    ImmigrationStatus,
    Gender,
    Age,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Referral {
    #[default]
    Unknown,
    /// A person must contact the service themselves.
    SelfReferralOnly,
    /// A worker may refer a person (with their consent), or they may come themselves.
    WorkerMayRefer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SecurityLevel {
    /// The address is public.
    Standard,
    /// The address is given only to people admitted.
    ConfidentialAddress,
    /// Confidential address, controlled entry, staff on site around the clock.
    High,
}

/// Details a worker needs and a seeker must never be shown: where the service really is, and
/// whom to ask for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WorkersOnly {
    #[serde(default)]
    pub confidential_address: Option<String>,
    #[serde(default)]
    pub contact_person: Option<String>,
}

impl WorkersOnly {
    pub fn is_empty(&self) -> bool {
        self.confidential_address.is_none() && self.contact_person.is_none()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum CardState {
    Draft,
    InReview,
    Published,
    Archived,
}

impl CardState {
    pub fn as_str(self) -> &'static str {
        match self {
            CardState::Draft => "draft",
            CardState::InReview => "in_review",
            CardState::Published => "published",
            CardState::Archived => "archived",
        }
    }

    pub fn parse(value: &str) -> Option<CardState> {
        match value {
            "draft" => Some(CardState::Draft),
            "in_review" => Some(CardState::InReview),
            "published" => Some(CardState::Published),
            "archived" => Some(CardState::Archived),
            _ => None,
        }
    }
}

/// A card as administrators see it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Card {
    pub id: String,
    pub organisation_id: OrganisationId,
    pub state: CardState,
    /// Goes up when the source text or the facts change; translations record the revision
    /// they were made from.
    pub revision: u32,
    /// Goes up with every change (see the card's history).
    pub version: u32,
    /// The version clients are served, if any.
    pub published_version: Option<u32>,
    pub content: CardContent,
    pub updated_at: i64,
    /// Translations made from an older revision than the current one.
    pub outdated_locales: Vec<String>,
}

/// An edit of a card's working copy, naming the version it was based on.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateCard {
    pub version: u32,
    pub content: CardContent,
}

/// Adds or replaces one translation of a card (made from its current revision).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PutTranslation {
    pub title: String,
    pub summary: String,
    pub body: String,
    pub risk_disclosure: String,
    #[serde(default)]
    pub confidentiality: Option<String>,
}

/// One entry of a card's history.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CardVersion {
    pub version: u32,
    /// created, edited, translated, submitted, published, archived, rolled_back, imported.
    pub action: String,
    pub state: CardState,
    /// The fields that changed, e.g. `contact.phones`, `translations.fr.title`.
    pub changes: Vec<String>,
    pub changed_by: crate::ids::AccountId,
    /// The editor's handle, as people are shown; absent for the command line's imports and for
    /// an account that no longer exists.
    #[serde(default)]
    pub changed_by_handle: Option<String>,
    pub changed_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Rollback {
    /// A version that was published; it is published again as a new version.
    pub version: u32,
}

/// Whether an organisation's cards need a second administrator to publish.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardSettings {
    pub two_admin_approval: bool,
}

/// One card of a JSON export: what it is and its working copy.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExportedCard {
    pub id: String,
    pub state: CardState,
    pub version: u32,
    pub content: CardContent,
}

/// A JSON export of an organisation's cards; importing it again changes nothing.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CardExport {
    pub organisation_id: OrganisationId,
    pub exported_at: i64,
    pub cards: Vec<ExportedCard>,
}

/// One card of a JSON import. A `card` naming a card of the organisation updates it (it returns
/// to draft); anything else makes a new draft card. Other fields of an export (`state`,
/// `version`) are ignored.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportedCard {
    #[serde(default, alias = "id")]
    pub card: Option<String>,
    pub content: CardContent,
}

/// A JSON import: `{"cards": [...]}` (an export has this shape).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CardImport {
    pub cards: Vec<ImportedCard>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    Create,
    Update,
    Unchanged,
}

/// What an import did, or (dry run) would do, card by card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportOutcome {
    /// The first row of the card in the file (1 is the first data row, or the first card).
    pub row: u32,
    /// The card's id; absent for a card a dry run would create.
    pub card: Option<String>,
    pub action: ImportAction,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportReport {
    /// Nothing was written.
    pub dry_run: bool,
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub cards: Vec<ImportOutcome>,
}

/// The state of a card's text in one locale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// The source text, or a translation of the current revision.
    Current,
    /// A translation of an older revision.
    Outdated,
    Missing,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CardCoverage {
    pub id: String,
    /// The title in the source locale.
    pub title: String,
    pub state: CardState,
    pub source_locale: String,
    pub locales: BTreeMap<String, Coverage>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CoverageTotals {
    pub current: u32,
    pub outdated: u32,
    pub missing: u32,
}

/// Cards (not archived) × locales: which texts are current, outdated or missing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CoverageReport {
    pub locales: Vec<String>,
    pub cards: Vec<CardCoverage>,
    pub totals: BTreeMap<String, CoverageTotals>,
}

/// A card whose review date has passed (or comes within the days asked for).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StaleCard {
    pub id: String,
    pub title: String,
    pub state: CardState,
    pub review_by: String,
    /// Days since the review date (negative: days until it).
    pub overdue_days: i64,
    pub last_verified: Option<String>,
}

/// A card as a seeker or worker is served it, in one locale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ServedCard {
    pub id: String,
    pub category: CardCategory,
    /// The locale this card is served in (the best of the requested ones it has).
    pub locale: String,
    /// The locale is written right to left.
    pub rtl: bool,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub risk_disclosure: String,
    pub confidentiality: Option<String>,
    pub regions: Vec<String>,
    pub languages: Vec<String>,
    pub eligibility: Vec<String>,
    pub cost: CardCost,
    pub contact: Contact,
    pub tags: Vec<String>,
    pub last_verified: Option<String>,
    pub review_by: Option<String>,
    /// The review date has passed: the card may be out of date.
    pub may_be_out_of_date: bool,
    /// This translation was made from an older version of the card.
    pub translation_outdated: bool,
    pub sample: bool,
    pub to_be_completed: bool,
    pub source: Option<String>,
    #[serde(default)]
    pub reports: Reports,
    #[serde(default)]
    pub admission: Vec<Admission>,
    #[serde(default)]
    pub referral: Referral,
    #[serde(default)]
    pub length_of_stay_days: Option<u32>,
    #[serde(default)]
    pub security_level: Option<SecurityLevel>,
    /// Only in a listing for the organisation's own workers; never in a bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers_only: Option<WorkersOnly>,
}

impl ServedCard {
    /// The card as a message a worker shares into a conversation: what to weigh before acting
    /// first, then what the service is and how to reach it.
    pub fn shared_text(&self) -> String {
        let mut parts = vec![
            self.risk_disclosure.trim(),
            self.title.trim(),
            self.summary.trim(),
        ];
        parts.push(self.body.trim());
        let mut text: Vec<String> = parts
            .into_iter()
            .filter(|part| !part.is_empty())
            .map(str::to_string)
            .collect();
        let contact = &self.contact;
        text.extend(contact.phones.iter().map(|phone| format!("☎ {phone}")));
        text.extend(contact.sms.iter().map(|sms| format!("✉ {sms}")));
        text.extend(contact.web.iter().cloned());
        text.extend(contact.address.clone());
        text.join("\n\n")
    }
}

/// What a bundle holds: every published card for a locale list and region. The region asked
/// for is not written in it: regions that match the same cards get the same bundle, and a bundle
/// kept on a phone does not name the place its owner asked about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BundlePayload {
    pub organisation_id: OrganisationId,
    /// The locale fallback chain the cards were chosen with, best first.
    pub locales: Vec<String>,
    /// Changes whenever the organisation's published cards change.
    pub generation: i64,
    /// The day (YYYY-MM-DD, UTC) staleness was judged on.
    pub as_of: String,
    pub cards: Vec<ServedCard>,
}

/// A signed bundle. `payload` is the JSON of a [`BundlePayload`], signed as it stands (bytes),
/// so verification needs no canonical re-encoding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SignedBundle {
    pub key_id: String,
    /// Ed25519 signature of `payload`'s UTF-8 bytes, base64.
    pub signature: String,
    pub payload: String,
}

/// A public key that signs an organisation's bundles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BundleKey {
    pub key_id: String,
    /// Ed25519 public key, base64.
    pub public_key: String,
    /// Absent for the current key; for a previous key, when it stops being accepted.
    pub valid_until: Option<i64>,
}

/// Why a bundle was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BundleError {
    /// Signed by no key the client trusts (or one past its grace period).
    UnknownKey,
    /// The signature does not match the payload: altered in transit or at rest.
    BadSignature,
    Malformed(String),
}

impl std::fmt::Display for BundleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BundleError::UnknownKey => write!(f, "bundle signed by an unknown key"),
            BundleError::BadSignature => write!(f, "bundle signature does not verify"),
            BundleError::Malformed(why) => write!(f, "malformed bundle: {why}"),
        }
    }
}

impl std::error::Error for BundleError {}

/// Verifies a bundle against trusted keys at time `now`, then reads it.
pub fn verify_bundle(
    bundle: &SignedBundle,
    trusted: &[BundleKey],
    now: i64,
) -> Result<BundlePayload, BundleError> {
    let key = trusted
        .iter()
        .find(|k| k.key_id == bundle.key_id && k.valid_until.is_none_or(|until| now < until))
        .ok_or(BundleError::UnknownKey)?;
    let public: [u8; 32] = STANDARD
        .decode(&key.public_key)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| BundleError::Malformed("public key".into()))?;
    let signature: [u8; 64] = STANDARD
        .decode(&bundle.signature)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| BundleError::Malformed("signature".into()))?;
    let verifying = ed25519_dalek::VerifyingKey::from_bytes(&public)
        .map_err(|_| BundleError::Malformed("public key".into()))?;
    verifying
        .verify_strict(
            bundle.payload.as_bytes(),
            &ed25519_dalek::Signature::from_bytes(&signature),
        )
        .map_err(|_| BundleError::BadSignature)?;
    serde_json::from_str(&bundle.payload).map_err(|e| BundleError::Malformed(e.to_string()))
}

/// Case- and accent-insensitive form of a text for search: lowercase, with combining marks
/// removed after canonical decomposition ("Évaluation" → "evaluation"). Scripts without case or
/// accents (Chinese) pass through.
pub fn search_folded(text: &str) -> String {
    icu_normalizer::DecomposingNormalizerBorrowed::new_nfd()
        .normalize(text)
        .chars()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_combining_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F
        // Arabic harakat and Hebrew points: optional vowel marks.
        | 0x064B..=0x065F | 0x0670 | 0x0591..=0x05C7)
}

/// Locales written right to left (by language subtag).
pub fn is_rtl(locale: &str) -> bool {
    let language = locale.split('-').next().unwrap_or_default();
    matches!(
        language,
        "ar" | "fa" | "he" | "ur" | "ps" | "ckb" | "dv" | "yi" | "sd" | "ug"
    )
}

/// Where a card stands for someone waiting for a worker, or reading the cards alone: hotlines
/// open day and night first (those for the person's own region before national ones), then any
/// other service always open, then the rest.
pub fn meanwhile_rank(card: &ServedCard) -> u8 {
    let national = card.regions.iter().all(|region| region == "national");
    match (card.category, card.contact.always_open, national) {
        (CardCategory::Hotline, true, false) => 0,
        (CardCategory::Hotline, true, true) => 1,
        (_, true, _) => 2,
        _ => 3,
    }
}

/// The cards to use while nobody can answer yet: those always open, best first.
pub fn meanwhile(cards: &[ServedCard]) -> Vec<&ServedCard> {
    let mut open: Vec<&ServedCard> = cards.iter().filter(|c| c.contact.always_open).collect();
    open.sort_by_key(|card| meanwhile_rank(card));
    open
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_to_left_locales_are_recognised_by_language() {
        assert!(is_rtl("ar") && is_rtl("ar-EG") && is_rtl("fa") && is_rtl("he"));
        assert!(!is_rtl("fr-CA") && !is_rtl("zh-Hans") && !is_rtl("ti"));
    }

    #[test]
    fn folding_drops_case_and_combining_marks() {
        assert_eq!(
            search_folded("Évaluation CAFÉ Café 避难所"),
            "evaluation cafe cafe 避难所"
        );
        // Composed and decomposed forms fold the same.
        assert_eq!(search_folded("E\u{301}te\u{301}"), search_folded("Été"));
    }

    fn served(id: &str, category: CardCategory, regions: &[&str], always_open: bool) -> ServedCard {
        let mut card: ServedCard = serde_json::from_value(serde_json::json!({
            "id": id, "category": "community", "locale": "en", "rtl": false, "title": id,
            "summary": "", "body": "", "risk_disclosure": "", "confidentiality": null,
            "regions": [], "languages": [], "eligibility": [], "cost": "free", "contact": {},
            "tags": [], "last_verified": null, "review_by": null, "may_be_out_of_date": false,
            "translation_outdated": false, "sample": false, "to_be_completed": false, "source": null,
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        card.category = category;
        card.regions = regions.iter().map(|r| r.to_string()).collect();
        card.contact.always_open = always_open;
        card
    }

    #[test]
    fn while_waiting_regional_round_the_clock_hotlines_come_first() {
        let cards = vec![
            served("shelter", CardCategory::Shelter, &["CA-BC"], true),
            served("office", CardCategory::LegalAid, &["CA-BC"], false),
            served("national-line", CardCategory::Hotline, &["national"], true),
            served("local-line", CardCategory::Hotline, &["CA-BC/Surrey"], true),
            served("day-line", CardCategory::Hotline, &["CA-BC"], false),
        ];
        let order: Vec<&str> = meanwhile(&cards).iter().map(|c| c.id.as_str()).collect();
        assert_eq!(order, ["local-line", "national-line", "shelter"]);
        assert_eq!(
            meanwhile_rank(&cards[4]),
            3,
            "a hotline closed at night is not for now"
        );
    }
}

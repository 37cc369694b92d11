//! The backup document, version 1. Top-level keys in this order:
//! `format`, `version`, `exported_at`, `workspace`, `counts`, `members`,
//! `clients`, `projects`, `tags`, `time_entries`, `invoices`. Times are
//! RFC 3339 in UTC; every row keeps its id; people are named by email.
//! Nothing secret: no password hashes, sessions, 2FA state or tokens.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The value of `format`.
pub const FORMAT: &str = "timether-backup";
/// The value of `version` this build writes and reads.
pub const VERSION: u32 = 1;

/// The workspace the file was exported from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    pub id: Uuid,
    pub name: String,
    /// ISO 4217, e.g. `EUR`.
    pub currency: String,
    /// The default hourly rate in cents, if one is set.
    pub default_rate_cents: Option<i64>,
}

/// How many rows of each kind the file holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Counts {
    pub members: u64,
    pub clients: u64,
    pub projects: u64,
    pub tags: u64,
    pub time_entries: u64,
    pub invoices: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub email: String,
    pub name: String,
    /// `owner`, `admin` or `member`.
    pub role: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub id: Uuid,
    pub name: String,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub id: Uuid,
    pub client_id: Option<Uuid>,
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
    pub billable: bool,
    pub hourly_rate_cents: Option<i64>,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    pub id: Uuid,
    pub name: String,
    pub color: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeEntry {
    pub id: Uuid,
    /// The email of the person who tracked it.
    pub person: String,
    pub description: String,
    pub project_id: Option<Uuid>,
    pub tag_ids: Vec<Uuid>,
    pub billable: bool,
    // The entries' times on the short path (`crate::rfc3339`), read and
    // written: a million entries hold four million of them.
    #[serde(
        serialize_with = "crate::rfc3339::ser",
        deserialize_with = "crate::rfc3339::de"
    )]
    pub started_at: DateTime<Utc>,
    /// `null` for a running timer.
    #[serde(
        default,
        serialize_with = "crate::rfc3339::ser_option",
        deserialize_with = "crate::rfc3339::de_option"
    )]
    pub ended_at: Option<DateTime<Utc>>,
    pub invoice_id: Option<Uuid>,
    #[serde(
        serialize_with = "crate::rfc3339::ser",
        deserialize_with = "crate::rfc3339::de"
    )]
    pub created_at: DateTime<Utc>,
    #[serde(
        serialize_with = "crate::rfc3339::ser",
        deserialize_with = "crate::rfc3339::de"
    )]
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLine {
    pub position: i32,
    pub project_name: String,
    pub secs: i64,
    pub rate_cents: i64,
    pub amount_cents: i64,
}

/// An invoice with its snapshot (client name, lines, totals) as issued.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invoice {
    pub id: Uuid,
    pub number: i64,
    pub client_id: Option<Uuid>,
    pub client_name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub currency: String,
    pub tax_rate_bp: i64,
    pub notes: String,
    /// `draft`, `sent` or `paid`.
    pub status: String,
    pub subtotal_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub entry_count: i64,
    /// The email of the person who made it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub lines: Vec<InvoiceLine>,
}

/// A whole document, for reading one back in tests (the import reads the
/// same types, a row at a time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub format: String,
    pub version: u32,
    pub exported_at: DateTime<Utc>,
    pub workspace: Workspace,
    pub counts: Counts,
    pub members: Vec<Member>,
    pub clients: Vec<Client>,
    pub projects: Vec<Project>,
    pub tags: Vec<Tag>,
    pub time_entries: Vec<TimeEntry>,
    pub invoices: Vec<Invoice>,
}

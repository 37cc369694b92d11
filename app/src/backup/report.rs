//! What an import reports, before (preview) and after: shared by the page,
//! the API and the CLI.

use super::format::Counts;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How an import treats rows the file does not hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Mode {
    /// Rows are matched by id: new ones added, changed ones updated,
    /// nothing deleted.
    #[default]
    Merge,
    /// The workspace's clients, projects, tags, entries and invoices become
    /// exactly the file's.
    Replace,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "merge" => Some(Mode::Merge),
            "replace" => Some(Mode::Replace),
            _ => None,
        }
    }
}

/// One thing wrong with a file: where (`time_entries[41].ended_at`, empty
/// for the file as a whole) and a sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn file(message: impl Into<String>) -> Problem {
        Problem {
            path: String::new(),
            message: message.into(),
        }
    }

    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// What an import does (or did) to one kind of row.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KindPlan {
    /// `clients`, `projects`, `tags`, `invoices` or `time_entries`.
    pub kind: String,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows here that the file does not hold: kept in merge mode.
    pub left_alone: u64,
    /// Rows here that the file does not hold: deleted in replace mode.
    pub removed: u64,
}

/// The preview of an import, or its outcome.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// The workspace that changes.
    pub target_id: Uuid,
    pub target_name: String,
    /// The workspace the file was exported from, and when.
    pub source_id: Option<Uuid>,
    pub source_name: String,
    pub exported_at: Option<DateTime<Utc>>,
    /// What the file holds.
    pub file_counts: Counts,
    pub mode: Mode,
    /// The file comes from another workspace: its rows get new ids derived
    /// from this workspace and the file's ids.
    pub new_ids: bool,
    pub plans: Vec<KindPlan>,
    /// People in the file who are not members here; their entries and
    /// invoices go to the person importing.
    pub unknown_people: Vec<String>,
    /// Everything wrong with the file; nothing is written while any remains.
    pub problems: Vec<Problem>,
    /// Problems found beyond those listed.
    pub more_problems: u64,
    /// True once the changes are saved; false for a preview.
    pub applied: bool,
}

impl ImportReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// The plan for one kind.
    pub fn plan(&self, kind: &str) -> Option<&KindPlan> {
        self.plans.iter().find(|p| p.kind == kind)
    }

    /// The report as plain lines (the CLI prints them).
    pub fn summary(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mode = match self.mode {
            Mode::Merge => "merge",
            Mode::Replace => "replace",
        };
        let verb = if self.applied {
            "Imported into"
        } else if self.ok() {
            "Preview of an import into"
        } else {
            "Not imported into"
        };
        out.push(format!("{verb} “{}” ({mode})", self.target_name));
        if let Some(at) = self.exported_at {
            out.push(format!(
                "  from “{}”, exported {}",
                self.source_name,
                at.format("%Y-%m-%d %H:%M UTC")
            ));
        }
        if self.new_ids && self.source_id.is_some() {
            out.push("  the file comes from another workspace: its rows get new ids here".into());
        }
        for p in &self.plans {
            let rest = match self.mode {
                Mode::Merge => format!("{} left alone", p.left_alone),
                Mode::Replace => format!("{} removed", p.removed),
            };
            out.push(format!(
                "  {}: {} new, {} updated, {} unchanged, {rest}",
                p.kind.replace('_', " "),
                p.new,
                p.updated,
                p.unchanged
            ));
        }
        if !self.unknown_people.is_empty() {
            out.push(format!(
                "  not members here (their time goes to the person importing): {}",
                self.unknown_people.join(", ")
            ));
        }
        for p in &self.problems {
            out.push(format!("  problem: {p}"));
        }
        if self.more_problems > 0 {
            out.push(format!("  … and {} more problems", self.more_problems));
        }
        out
    }
}

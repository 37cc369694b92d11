//! Exports of time entries for people to read elsewhere: Export CSV (for
//! spreadsheets) over the shared [`TimeFilter`], and the preview the
//! page shows before a download ("1,284 entries, 312:05, 268:00 billable").
//! Members export their own time, owners and admins everyone's; exports
//! are reads, so they work while billing is read-only.

use crate::error::AppError;
use crate::time_filter::TimeFilter;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;

#[cfg(feature = "ssr")]
pub mod csv_file;
#[cfg(feature = "ssr")]
pub mod pdf;
#[cfg(feature = "ssr")]
mod rows;
#[cfg(feature = "ssr")]
mod sqlite_rows;

/// What a download with this filter would hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportPreview {
    /// "1 Nov – 30 Nov 2026".
    pub title: String,
    /// Finished entries: the rows of the file.
    pub entries: u64,
    pub total_secs: i64,
    pub billable_secs: i64,
    /// Entries still running in the range: left out of the file.
    pub running: u64,
    /// Every member's time, or only the person's.
    pub everyone: bool,
}

impl ExportPreview {
    /// "1,284 entries, 312 h 05 m, 268 h 00 m billable".
    pub fn sentence(&self) -> String {
        let n = group(self.entries);
        let noun = if self.entries == 1 {
            "entry"
        } else {
            "entries"
        };
        format!(
            "{n} {noun}, {}, {} billable",
            hours_text(self.total_secs),
            hours_text(self.billable_secs)
        )
    }
}

/// `312 h 05 m`.
pub fn hours_text(secs: i64) -> String {
    let m = secs.max(0) / 60;
    format!("{} h {:02} m", group((m / 60) as u64), m % 60)
}

/// `1284` as `1,284`.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// How much an Export PDF holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Detail {
    /// Totals, chart, breakdowns, then every entry day by day.
    #[default]
    Full,
    /// Totals, chart and breakdowns only.
    Summary,
}

impl Detail {
    pub fn as_str(self) -> &'static str {
        match self {
            Detail::Full => "full",
            Detail::Summary => "summary",
        }
    }

    pub fn parse(s: &str) -> Option<Detail> {
        match s.trim() {
            "full" => Some(Detail::Full),
            "summary" => Some(Detail::Summary),
            _ => None,
        }
    }
}

/// Field separators a CSV file can use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Separator {
    #[default]
    Comma,
    /// For spreadsheets set to a locale where `,` is the decimal mark.
    Semicolon,
}

impl Separator {
    pub fn byte(self) -> u8 {
        match self {
            Separator::Comma => b',',
            Separator::Semicolon => b';',
        }
    }

    pub fn parse(s: &str) -> Option<Separator> {
        match s.trim() {
            "," | "comma" => Some(Separator::Comma),
            ";" | "semicolon" => Some(Separator::Semicolon),
            _ => None,
        }
    }
}

/// How the CSV file is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvOptions {
    pub separator: Separator,
    /// A UTF-8 byte order mark first, so Excel reads the file as UTF-8.
    pub bom: bool,
    /// Text cells that a spreadsheet would run as a formula get a
    /// leading `'` (OWASP's advice); off only for machine use.
    pub escape_formulas: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            separator: Separator::Comma,
            bom: false,
            escape_formulas: true,
        }
    }
}

/// The preview of an export with `filter`.
#[server(prefix = "/rpc", endpoint = "preview_export", input = Json)]
pub async fn preview_export(filter: TimeFilter) -> Result<ExportPreview, AppError> {
    crate::context::zoned(|ctx, scope, tz| async move {
        service::preview(&ctx.db, &scope, tz, &filter, ctx.now).await
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::db::entities::time_entries;
    use crate::entries::service::live;
    use crate::error::Error;
    use crate::tenant::Scope;
    use chrono::{DateTime, Utc};
    use chrono_tz::Tz;
    use futures_util::TryStreamExt;
    use sea_orm::{DatabaseConnection, QuerySelect};

    /// Counts and totals of what an export with `f` holds. Streamed, so a
    /// year of a large team's time costs no memory.
    pub async fn preview(
        db: &DatabaseConnection,
        scope: &Scope,
        tz: Tz,
        f: &TimeFilter,
        now: DateTime<Utc>,
    ) -> Result<ExportPreview, Error> {
        let sel = crate::time_filter::service::select(scope, tz, f, now)?;
        let mut rows = sel
            .narrow(live(scope))
            .select_only()
            .column(time_entries::Column::StartedAt)
            .column(time_entries::Column::EndedAt)
            .column(time_entries::Column::Billable)
            .into_tuple::<(DateTime<Utc>, Option<DateTime<Utc>>, bool)>()
            .stream(db)
            .await?;
        let mut p = ExportPreview {
            title: sel.title(),
            entries: 0,
            total_secs: 0,
            billable_secs: 0,
            running: 0,
            everyone: sel.everyone,
        };
        while let Some((start, end, billable)) = rows.try_next().await? {
            let Some(end) = end else {
                p.running += 1;
                continue;
            };
            let secs = (end - start).num_seconds().max(0);
            p.entries += 1;
            p.total_secs += secs;
            if billable {
                p.billable_secs += secs;
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_reads_as_a_sentence() {
        let p = ExportPreview {
            title: String::new(),
            entries: 1284,
            total_secs: 312 * 3600 + 5 * 60 + 59,
            billable_secs: 268 * 3600,
            running: 0,
            everyone: true,
        };
        assert_eq!(
            p.sentence(),
            "1,284 entries, 312 h 05 m, 268 h 00 m billable"
        );
        let one = ExportPreview {
            entries: 1,
            total_secs: 1_000_000 * 3600,
            ..p
        };
        assert_eq!(
            one.sentence(),
            "1 entry, 1,000,000 h 00 m, 268 h 00 m billable"
        );
    }
}

//! Export CSV: finished entries matching a [`TimeFilter`], oldest first,
//! one row each (RFC 4180 through the `csv` crate). Read a page at a time
//! in one snapshot and handed on in chunks, so memory does not grow with
//! the rows and there is no row cap.

use super::rows::{EntryPages, Lookup, People, Person};
use super::CsvOptions;
use crate::db::entities::{time_entries, workspaces};
use crate::entries::service::live;
use crate::error::Error;
use crate::tenant::Scope;
use crate::time_filter::service::{select, Selection};
use crate::time_filter::TimeFilter;
use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use std::borrow::Cow;
use tokio::sync::mpsc::Sender;
use uuid::Uuid;

/// Bytes gathered before a chunk is handed on.
const CHUNK: usize = 256 << 10;

/// The columns, in order.
pub const HEADER: [&str; 18] = [
    "Date",
    "Start",
    "End",
    "Start (ISO)",
    "End (ISO)",
    "Duration (h:mm:ss)",
    "Duration (decimal hours)",
    "Description",
    "Project",
    "Client",
    "Tags",
    "Billable",
    "Rate",
    "Amount",
    "Currency",
    "Person",
    "Email",
    "Invoice",
];

/// What an export wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsvDone {
    pub rows: u64,
    /// Running entries in the range, left out.
    pub running: u64,
}

/// A text cell a spreadsheet would run as a formula, made plain text with
/// a leading `'`. Only the first character counts (so "Review DDE link"
/// stays as it is); the full-width forms are included because some
/// spreadsheets read them as the ASCII ones.
pub fn escape_formula(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '＝' | '＋' | '－' | '＠') => {
            Cow::Owned(format!("'{s}"))
        }
        _ => Cow::Borrowed(s),
    }
}

/// `timether-<workspace>-2026-11-01-to-2026-11-30.csv`, after checking the
/// filter (so a bad one is refused before a download starts).
pub async fn file_name(
    db: &DatabaseConnection,
    scope: &Scope,
    tz: Tz,
    f: &TimeFilter,
    now: DateTime<Utc>,
    ext: &str,
) -> Result<String, Error> {
    let sel = select(scope, tz, f, now)?;
    let ws = workspaces::Entity::find_by_id(scope.workspace_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("The workspace"))?;
    let slug = crate::backup::slug(&ws.name);
    Ok(if sel.from == sel.to {
        format!("timether-{slug}-{}.{ext}", sel.from)
    } else {
        format!("timether-{slug}-{}-to-{}.{ext}", sel.from, sel.to)
    })
}

/// Writes the CSV of the entries `f` selects to `tx`, in chunks. A
/// reader that goes away ends it. On a SQLite file the rows are read on a
/// direct connection of their own ([`super::sqlite_rows`]); elsewhere
/// through sea-orm, a page at a time.
pub async fn write(
    db: &DatabaseConnection,
    scope: &Scope,
    tz: Tz,
    f: &TimeFilter,
    opts: CsvOptions,
    now: DateTime<Utc>,
    tx: Sender<Vec<u8>>,
) -> Result<CsvDone, Error> {
    let sel = select(scope, tz, f, now)?;
    if let Some(path) = crate::db::direct::sqlite_file_of(db) {
        let scope = scope.clone();
        return tokio::task::spawn_blocking(move || {
            super::sqlite_rows::write_csv(&path, &scope, &sel, opts, &tx)
        })
        .await
        .map_err(|e| Error::Internal(format!("the CSV export's thread: {e}")))?;
    }
    let txn = crate::db::begin_snapshot(db).await?;
    let done = write_rows(&txn, scope, &sel, opts, tx).await?;
    txn.commit().await?;
    Ok(done)
}

async fn write_rows(
    txn: &impl ConnectionTrait,
    scope: &Scope,
    sel: &Selection,
    opts: CsvOptions,
    tx: Sender<Vec<u8>>,
) -> Result<CsvDone, Error> {
    let look = Lookup::load(txn, scope).await?;
    let mut people = People::default();
    let running = sel
        .narrow(live(scope))
        .filter(time_entries::Column::EndedAt.is_null())
        .count(txn)
        .await?;
    let mut out = CsvRows::new(look, opts)?;
    let mut pager = EntryPages::new(sel, true);
    let mut tags: Vec<Uuid> = Vec::new();
    while let Some((page, links)) = pager.next(txn, scope).await? {
        for e in &page {
            let Some(ended_at) = e.ended_at else { continue };
            tags.clear();
            tags.extend(links.get(&e.id).into_iter().flatten());
            let person = people.get(txn, e.user_id).await?;
            let row = Row {
                started_at: e.started_at,
                ended_at,
                description: &e.description,
                project_id: e.project_id,
                billable: e.billable,
                invoice_id: e.invoice_id,
            };
            out.row(&row, &tags, person)?;
        }
        if let Some(chunk) = out.full_chunk()? {
            send(&tx, chunk).await?;
        }
    }
    let (chunk, rows) = out.finish()?;
    send(&tx, chunk).await?;
    Ok(CsvDone { rows, running })
}

async fn send(tx: &Sender<Vec<u8>>, chunk: Vec<u8>) -> Result<(), Error> {
    if chunk.is_empty() {
        return Ok(());
    }
    tx.send(chunk).await.map_err(|_| gone())
}

pub(super) fn gone() -> Error {
    Error::Internal("the CSV export's reader went away".into())
}

/// A finished entry as a CSV row needs it, whichever way it was read.
pub(super) struct Row<'a> {
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub description: &'a str,
    pub project_id: Option<Uuid>,
    pub billable: bool,
    pub invoice_id: Option<Uuid>,
}

/// The CSV being written: header first, then a row per entry, handed out
/// in chunks of about [`CHUNK`] bytes. Cells are formatted into one
/// reused buffer (a million rows would otherwise make 18 million strings).
pub(super) struct CsvRows {
    builder: csv::WriterBuilder,
    look: Lookup,
    escape: bool,
    out: csv::Writer<Vec<u8>>,
    rows: u64,
    cell: String,
    names: Vec<usize>,
}

impl CsvRows {
    pub fn new(look: Lookup, opts: CsvOptions) -> Result<Self, Error> {
        let start = if opts.bom {
            "\u{feff}".as_bytes().to_vec()
        } else {
            Vec::with_capacity(CHUNK + (CHUNK >> 2))
        };
        let mut builder = csv::WriterBuilder::new();
        builder.delimiter(opts.separator.byte());
        let mut out = builder.from_writer(start);
        out.write_record(HEADER).map_err(failed)?;
        Ok(CsvRows {
            builder,
            look,
            escape: opts.escape_formulas,
            out,
            rows: 0,
            cell: String::new(),
            names: Vec::new(),
        })
    }

    /// Writes one entry's row; `tags` are its tag ids.
    pub fn row(&mut self, e: &Row<'_>, tags: &[Uuid], person: &Person) -> Result<(), Error> {
        let secs = (e.ended_at - e.started_at).num_seconds().max(0);
        let look = &self.look;
        let project = e.project_id.and_then(|p| look.projects.get(&p));
        let client = project
            .and_then(|p| p.client_id)
            .and_then(|c| look.clients.get(&c))
            .map(String::as_str)
            .unwrap_or("");
        let rate = project
            .and_then(|p| p.hourly_rate_cents)
            .or(look.default_rate_cents);
        let amount = match (e.billable, rate) {
            (true, Some(r)) => crate::reports::amount(secs, r),
            _ => 0,
        };
        let (s, t) = (
            Wall::of(&e.started_at.with_timezone(&person.tz)),
            Wall::of(&e.ended_at.with_timezone(&person.tz)),
        );
        let out = &mut self.out;
        let c = &mut self.cell;
        let esc = self.escape;
        let text = |out: &mut csv::Writer<Vec<u8>>, v: &str| {
            let v = if esc {
                escape_formula(v)
            } else {
                Cow::Borrowed(v)
            };
            out.write_field(v.as_bytes())
        };
        c.clear();
        date(c, &s.local);
        out.write_field(c.as_bytes()).map_err(failed)?;
        for l in [&s, &t] {
            c.clear();
            time(c, &l.local);
            out.write_field(c.as_bytes()).map_err(failed)?;
        }
        for l in [&s, &t] {
            c.clear();
            iso(c, l);
            out.write_field(c.as_bytes()).map_err(failed)?;
        }
        c.clear();
        number(c, secs / 3600);
        c.push(':');
        two(c, (secs / 60) % 60);
        c.push(':');
        two(c, secs % 60);
        out.write_field(c.as_bytes()).map_err(failed)?;
        c.clear();
        let centi = (secs * 100 + 1800) / 3600;
        number(c, centi / 100);
        c.push('.');
        two(c, centi % 100);
        out.write_field(c.as_bytes()).map_err(failed)?;
        text(out, e.description).map_err(failed)?;
        text(out, project.map(|p| p.name.as_str()).unwrap_or("")).map_err(failed)?;
        text(out, client).map_err(failed)?;
        // Tag names in the order people read them (case-insensitive).
        c.clear();
        let names = &mut self.names;
        names.clear();
        let tag_names: Vec<&str> = tags
            .iter()
            .filter_map(|t| look.tags.get(t).map(String::as_str))
            .collect();
        names.extend(0..tag_names.len());
        if names.len() > 1 {
            names.sort_by(|a, b| caseless(tag_names[*a], tag_names[*b]));
        }
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                c.push_str(", ");
            }
            c.push_str(tag_names[*n]);
        }
        text(out, c).map_err(failed)?;
        out.write_field(if e.billable { "Yes" } else { "No" })
            .map_err(failed)?;
        c.clear();
        if let Some(r) = rate {
            money_into(c, r);
        }
        out.write_field(c.as_bytes()).map_err(failed)?;
        c.clear();
        money_into(c, amount);
        out.write_field(c.as_bytes()).map_err(failed)?;
        out.write_field(look.currency.as_bytes()).map_err(failed)?;
        text(out, &person.name).map_err(failed)?;
        text(out, &person.email).map_err(failed)?;
        match e.invoice_id.and_then(|i| look.invoices.get(&i)) {
            Some(n) => out.write_field(n.as_bytes()),
            None => out.write_field(b""),
        }
        .map_err(failed)?;
        out.write_record(None::<&[u8]>).map_err(failed)?;
        self.rows += 1;
        Ok(())
    }

    /// The bytes written so far, once there are at least [`CHUNK`] of them.
    pub fn full_chunk(&mut self) -> Result<Option<Vec<u8>>, Error> {
        if self.out.get_ref().len() < CHUNK {
            return Ok(None);
        }
        // A new writer a chunk: csv's writer lends out no `&mut` of its sink.
        let next = self
            .builder
            .from_writer(Vec::with_capacity(CHUNK + (CHUNK >> 2)));
        let done = std::mem::replace(&mut self.out, next);
        done.into_inner()
            .map(Some)
            .map_err(|e| Error::Internal(format!("writing a CSV export: {}", e.error())))
    }

    /// The last bytes and the number of rows written.
    pub fn finish(self) -> Result<(Vec<u8>, u64), Error> {
        let rows = self.rows;
        let rest = self
            .out
            .into_inner()
            .map_err(|e| Error::Internal(format!("writing a CSV export: {}", e.error())))?;
        Ok((rest, rows))
    }
}

fn failed(e: csv::Error) -> Error {
    Error::Internal(format!("writing a CSV export: {e}"))
}

// The cells below are written digit by digit: `format!` and `write!`
// were a fifth of an export's time.

/// A time on the person's clock: its local date and time and its offset,
/// worked out once (each of chrono's field getters on a zoned time works
/// the local time out again, and a row writes two times five ways).
struct Wall {
    local: NaiveDateTime,
    /// Seconds east of UTC.
    offset: i32,
}

impl Wall {
    fn of(l: &DateTime<Tz>) -> Self {
        use chrono::Offset;
        Wall {
            local: l.naive_local(),
            offset: l.offset().fix().local_minus_utc(),
        }
    }
}

/// `2026-11-02`.
fn date(c: &mut String, l: &NaiveDateTime) {
    let y = i64::from(l.year());
    if (0..10_000).contains(&y) {
        two(c, y / 100);
        two(c, y % 100);
    } else {
        number(c, y);
    }
    c.push('-');
    two(c, i64::from(l.month()));
    c.push('-');
    two(c, i64::from(l.day()));
}

/// `09:30:00`.
fn time(c: &mut String, l: &NaiveDateTime) {
    two(c, i64::from(l.hour()));
    c.push(':');
    two(c, i64::from(l.minute()));
    c.push(':');
    two(c, i64::from(l.second()));
}

/// `2026-11-02T09:30:00+01:00`, as `to_rfc3339_opts(Secs, false)` writes it.
fn iso(c: &mut String, w: &Wall) {
    date(c, &w.local);
    c.push('T');
    time(c, &w.local);
    let off = w.offset;
    c.push(if off < 0 { '-' } else { '+' });
    let off = i64::from(off.unsigned_abs() / 60);
    two(c, off / 60);
    c.push(':');
    two(c, off % 60);
}

/// Two digits, zero-padded (`n` in 0..100).
fn two(c: &mut String, n: i64) {
    let n = n.rem_euclid(100) as u8;
    c.push(char::from(b'0' + n / 10));
    c.push(char::from(b'0' + n % 10));
}

/// A whole number in decimal.
fn number(c: &mut String, n: i64) {
    if n < 0 {
        c.push('-');
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut v = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for d in &digits[at..] {
        c.push(char::from(*d));
    }
}

/// Case-insensitive order, without a lowercased copy of either name.
fn caseless(a: &str, b: &str) -> std::cmp::Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// Cents as `1234.50`: a number every spreadsheet reads (no grouping).
fn money_into(c: &mut String, cents: i64) {
    if cents < 0 {
        c.push('-');
    }
    let v = i64::try_from(cents.unsigned_abs()).unwrap_or(i64::MAX);
    number(c, v / 100);
    c.push('.');
    two(c, v % 100);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::SecondsFormat;

    #[test]
    fn formula_cells_are_made_text() {
        for s in [
            "=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\nx", "＝1", "＋1", "－1", "＠x",
        ] {
            assert_eq!(escape_formula(s), format!("'{s}"), "{s:?}");
        }
        // Only the first character counts: Kimai escaped any text with "DDE" in it.
        for s in ["Review DDE link", "a=b", "", "1-2", "'quoted"] {
            assert_eq!(escape_formula(s), s, "{s:?}");
        }
    }

    #[test]
    fn money_has_no_grouping() {
        for (cents, text) in [(123456789, "1234567.89"), (5, "0.05"), (-150, "-1.50")] {
            let mut c = String::new();
            money_into(&mut c, cents);
            assert_eq!(c, text);
        }
    }

    #[test]
    fn iso_times_match_chrono() {
        use chrono::TimeZone;
        for zone in ["UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kolkata"] {
            let tz: Tz = zone.parse().unwrap();
            for t in [0i64, 1_711_846_800, 1_730_000_000, 1_782_345_678] {
                let l = Utc.timestamp_opt(t, 0).unwrap().with_timezone(&tz);
                let mut c = String::new();
                iso(&mut c, &Wall::of(&l));
                assert_eq!(
                    c,
                    l.to_rfc3339_opts(SecondsFormat::Secs, false),
                    "{zone} {t}"
                );
            }
        }
    }

    #[test]
    fn cells_match_what_format_writes() {
        use chrono::TimeZone;
        let l = Utc
            .timestamp_opt(1_782_345_678, 0)
            .unwrap()
            .with_timezone(&Tz::Europe__Berlin);
        let (mut d, mut t) = (String::new(), String::new());
        date(&mut d, &l.naive_local());
        time(&mut t, &l.naive_local());
        assert_eq!(d, l.format("%Y-%m-%d").to_string());
        assert_eq!(t, l.format("%H:%M:%S").to_string());
        for n in [0i64, 7, 10, 99, 100, 12_345, -3, i64::MAX, i64::MIN + 1] {
            let mut c = String::new();
            number(&mut c, n);
            assert_eq!(c, n.to_string());
        }
    }

    #[test]
    fn tags_sort_without_case() {
        let mut v = vec!["beta", "Alpha", "alpha2", "Ärger", "zeta"];
        v.sort_by(|a, b| caseless(a, b));
        assert_eq!(v, ["Alpha", "alpha2", "beta", "zeta", "Ärger"]);
    }
}

//! Writing a backup: read in one snapshot, in id order, a page of entries
//! at a time, and handed on in chunks, so the server holds one page and
//! one chunk however large the workspace is.

use super::format::{self, Counts};
use crate::db::entities::{
    clients, invoice_lines, invoices, memberships, projects, tags, time_entries, time_entry_tags,
    users, workspaces,
};
use crate::error::Error;
use crate::tenant::Scope;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use tokio::sync::mpsc::Sender;
use uuid::Uuid;

/// Entries read per statement.
const PAGE: u64 = 5_000;
/// Bytes gathered before a chunk is handed on.
const CHUNK: usize = 256 << 10;

/// What an export wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct Export {
    pub workspace_name: String,
    pub counts: Counts,
}

/// `timether-<workspace>-2026-12-01.json` (`.json.gz` compressed).
pub fn file_name(workspace_name: &str, day: NaiveDate, gzip: bool) -> String {
    let ext = if gzip { "json.gz" } else { "json" };
    format!("timether-{}-{day}.{ext}", slug(workspace_name))
}

/// The workspace's name as it goes into file names: lower-case ASCII
/// letters and digits joined by dashes ("workspace" when none are left).
pub fn slug(workspace_name: &str) -> String {
    let mut slug = String::new();
    for c in workspace_name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() { "workspace" } else { slug }.to_string()
}

/// The document being written: plain or gzip, sent on in chunks.
pub(super) struct Out {
    sink: Sink,
    tx: Sender<Vec<u8>>,
}

enum Sink {
    Plain(Vec<u8>),
    /// JSON reaches the compressor in large blocks: fed the many small
    /// writes serde makes, it ran about ten times slower.
    Gzip(Box<std::io::BufWriter<flate2::write::GzEncoder<Vec<u8>>>>),
}

impl Out {
    pub(super) fn raw(&mut self, s: &str) -> Result<(), Error> {
        let r = match &mut self.sink {
            Sink::Plain(b) => b.write_all(s.as_bytes()),
            Sink::Gzip(g) => g.write_all(s.as_bytes()),
        };
        r.map_err(|e| Error::Internal(format!("writing a backup: {e}")))
    }

    pub(super) fn value<T: Serialize>(&mut self, v: &T) -> Result<(), Error> {
        let r = match &mut self.sink {
            Sink::Plain(b) => serde_json::to_writer(b, v),
            Sink::Gzip(g) => serde_json::to_writer(g.as_mut(), v),
        };
        r.map_err(|e| Error::Internal(format!("writing a backup: {e}")))
    }

    /// `,"key":` then the value.
    fn field<T: Serialize>(&mut self, key: &str, v: &T) -> Result<(), Error> {
        self.raw(&format!(",\"{key}\":"))?;
        self.value(v)
    }

    /// Writes `rows` as the array `key`, one row a line.
    fn array<T: Serialize>(&mut self, key: &str, rows: &[T]) -> Result<(), Error> {
        self.raw(&format!(",\n\"{key}\":["))?;
        for (i, r) in rows.iter().enumerate() {
            self.raw(if i == 0 { "\n" } else { ",\n" })?;
            self.value(r)?;
        }
        self.raw("\n]")
    }

    fn pending(&mut self) -> Vec<u8> {
        match &mut self.sink {
            Sink::Plain(b) => std::mem::take(b),
            Sink::Gzip(g) => std::mem::take(g.get_mut().get_mut()),
        }
    }

    /// A plain document going to `tx`.
    #[cfg(test)]
    pub(super) fn plain(tx: Sender<Vec<u8>>) -> Out {
        Out {
            sink: Sink::Plain(Vec::new()),
            tx,
        }
    }

    pub(super) fn len(&self) -> usize {
        match &self.sink {
            Sink::Plain(b) => b.len(),
            Sink::Gzip(g) => g.get_ref().get_ref().len(),
        }
    }

    async fn send(&mut self, chunk: Vec<u8>) -> Result<(), Error> {
        if chunk.is_empty() {
            return Ok(());
        }
        self.tx
            .send(chunk)
            .await
            .map_err(|_| Error::Internal("the backup's reader went away".into()))
    }

    /// Hands on what has gathered once it makes a chunk.
    async fn flush_if_full(&mut self) -> Result<(), Error> {
        if self.len() >= CHUNK {
            let chunk = self.pending();
            self.send(chunk).await?;
        }
        Ok(())
    }

    /// [`Self::flush_if_full`] from a blocking thread.
    pub(super) fn flush_if_full_blocking(&mut self) -> Result<(), Error> {
        if self.len() >= CHUNK {
            let chunk = self.pending();
            self.tx
                .blocking_send(chunk)
                .map_err(|_| Error::Internal("the backup's reader went away".into()))?;
        }
        Ok(())
    }

    async fn finish(mut self) -> Result<(), Error> {
        let last = match std::mem::replace(&mut self.sink, Sink::Plain(Vec::new())) {
            Sink::Plain(b) => b,
            Sink::Gzip(g) => g
                .into_inner()
                .map_err(|e| e.into_error())
                .and_then(|g| g.finish())
                .map_err(|e| Error::Internal(format!("compressing a backup: {e}")))?,
        };
        self.send(last).await
    }
}

/// Emails of people by id: the members, and anyone else who tracked time
/// here once (looked up when first met).
struct People(HashMap<Uuid, String>);

impl People {
    async fn email(&mut self, txn: &impl ConnectionTrait, id: Uuid) -> Result<String, Error> {
        if let Some(e) = self.0.get(&id) {
            return Ok(e.clone());
        }
        // Accounts are never deleted and entries reference them, so a
        // missing one is a broken database: say so rather than write a
        // row no import could place.
        let email = users::Entity::find_by_id(id)
            .one(txn)
            .await?
            .map(|u| u.email)
            .ok_or_else(|| {
                Error::Internal(format!("backup: person {id} has rows here but no account"))
            })?;
        self.0.insert(id, email.clone());
        Ok(email)
    }
}

/// Writes the workspace's backup to `tx` (gzip-compressed if `gzip`), in
/// chunks. Owners and admins only. A reader that goes away ends it.
pub async fn export(
    db: &DatabaseConnection,
    scope: &Scope,
    now: DateTime<Utc>,
    gzip: bool,
    tx: Sender<Vec<u8>>,
) -> Result<Export, Error> {
    scope.manager()?;
    let txn = crate::db::begin_snapshot(db).await?;
    let file = crate::db::direct::sqlite_file_of(db);
    let done = write(&txn, file, scope, now, gzip, tx).await?;
    txn.commit().await?;
    Ok(done)
}

/// Writes the backup as `txn` sees the workspace: a read snapshot for an
/// export, or the write transaction of Clear Workspace, which keeps the
/// backup of exactly what it deletes. `file`, the SQLite file behind `txn`
/// (`direct::sqlite_file_of`), lets the entries be read on a direct
/// connection (`export_sqlite`).
pub(super) async fn write(
    txn: &impl ConnectionTrait,
    file: Option<std::path::PathBuf>,
    scope: &Scope,
    now: DateTime<Utc>,
    gzip: bool,
    tx: Sender<Vec<u8>>,
) -> Result<Export, Error> {
    let ws = workspaces::Entity::find_by_id(scope.workspace_id)
        .one(txn)
        .await?
        .ok_or_else(|| Error::not_found("The workspace"))?;
    let roles: HashMap<Uuid, String> = memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(scope.workspace_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.user_id, m.role))
        .collect();
    let mut people = People(HashMap::new());
    let mut members: Vec<format::Member> = users::Entity::find()
        .filter(users::Column::Id.is_in(roles.keys().copied().collect::<Vec<_>>()))
        .all(txn)
        .await?
        .into_iter()
        .map(|u| {
            people.0.insert(u.id, u.email.clone());
            format::Member {
                role: roles.get(&u.id).cloned().unwrap_or_default(),
                email: u.email,
                name: u.name,
            }
        })
        .collect();
    members.sort_by(|a, b| a.email.cmp(&b.email));
    let clients: Vec<format::Client> = scope
        .find::<clients::Entity>()
        .order_by_asc(clients::Column::Id)
        .all(txn)
        .await?
        .into_iter()
        .map(|c| format::Client {
            id: c.id,
            name: c.name,
            archived_at: c.archived_at,
            created_at: c.created_at,
        })
        .collect();
    let projects: Vec<format::Project> = scope
        .find::<projects::Entity>()
        .order_by_asc(projects::Column::Id)
        .all(txn)
        .await?
        .into_iter()
        .map(|p| format::Project {
            id: p.id,
            client_id: p.client_id,
            name: p.name,
            color: p.color,
            billable: p.billable,
            hourly_rate_cents: p.hourly_rate_cents,
            archived_at: p.archived_at,
            created_at: p.created_at,
        })
        .collect();
    let tags: Vec<format::Tag> = scope
        .find::<tags::Entity>()
        .order_by_asc(tags::Column::Id)
        .all(txn)
        .await?
        .into_iter()
        .map(|t| format::Tag {
            id: t.id,
            name: t.name,
            color: t.color,
            created_at: t.created_at,
        })
        .collect();
    let invoice_rows = scope
        .find::<invoices::Entity>()
        .order_by_asc(invoices::Column::Id)
        .all(txn)
        .await?;
    let mut lines: HashMap<Uuid, Vec<format::InvoiceLine>> = HashMap::new();
    for l in scope
        .find::<invoice_lines::Entity>()
        .order_by_asc(invoice_lines::Column::Position)
        .all(txn)
        .await?
    {
        lines
            .entry(l.invoice_id)
            .or_default()
            .push(format::InvoiceLine {
                position: l.position,
                project_name: l.project_name,
                secs: l.secs,
                rate_cents: l.rate_cents,
                amount_cents: l.amount_cents,
            });
    }
    let mut invoices = Vec::with_capacity(invoice_rows.len());
    for i in invoice_rows {
        invoices.push(format::Invoice {
            lines: lines.remove(&i.id).unwrap_or_default(),
            created_by: people.email(txn, i.created_by).await?,
            id: i.id,
            number: i.number,
            client_id: i.client_id,
            client_name: i.client_name,
            period_from: i.period_from,
            period_to: i.period_to,
            currency: i.currency,
            tax_rate_bp: i.tax_rate_bp,
            notes: i.notes,
            status: i.status,
            subtotal_cents: i.subtotal_cents,
            tax_cents: i.tax_cents,
            total_cents: i.total_cents,
            entry_count: i.entry_count,
            created_at: i.created_at,
            sent_at: i.sent_at,
            paid_at: i.paid_at,
        });
    }
    let counts = Counts {
        members: members.len() as u64,
        clients: clients.len() as u64,
        projects: projects.len() as u64,
        tags: tags.len() as u64,
        time_entries: crate::entries::service::live_count(txn, scope).await?,
        invoices: invoices.len() as u64,
    };

    let mut out = Out {
        sink: if gzip {
            Sink::Gzip(Box::new(std::io::BufWriter::with_capacity(
                CHUNK,
                flate2::write::GzEncoder::new(
                    Vec::with_capacity(CHUNK),
                    flate2::Compression::fast(),
                ),
            )))
        } else {
            Sink::Plain(Vec::with_capacity(CHUNK * 2))
        },
        tx,
    };
    out.raw("{\"format\":")?;
    out.value(&format::FORMAT)?;
    out.field("version", &format::VERSION)?;
    out.field("exported_at", &now)?;
    out.raw(",\n")?;
    out.raw("\"workspace\":")?;
    out.value(&format::Workspace {
        id: ws.id,
        name: ws.name.clone(),
        currency: ws.currency.clone(),
        default_rate_cents: ws.default_rate_cents,
    })?;
    out.field("counts", &counts)?;
    out.array("members", &members)?;
    out.array("clients", &clients)?;
    out.array("projects", &projects)?;
    out.array("tags", &tags)?;
    out.flush_if_full().await?;

    out.raw(",\n\"time_entries\":[")?;
    let (mut out, direct) = match file {
        Some(path) => {
            let scope = scope.clone();
            let version = ws.data_version;
            let mut found = std::mem::take(&mut people.0);
            let (out, found, done) = tokio::task::spawn_blocking(move || {
                let done = super::export_sqlite::write_entries(
                    &path, &scope, version, &mut found, &mut out,
                );
                (out, found, done)
            })
            .await
            .map_err(|e| Error::Internal(format!("the backup's thread: {e}")))?;
            people.0 = found;
            (out, Some(done?))
        }
        None => (out, None),
    };
    let written = match direct {
        Some(super::export_sqlite::Entries::Written(n)) => n,
        Some(super::export_sqlite::Entries::Moved) | None => {
            entries_through(txn, scope, &mut people, &mut out).await?
        }
    };
    out.raw("\n]")?;
    out.array("invoices", &invoices)?;
    out.raw("\n}\n")?;
    out.finish().await?;
    Ok(Export {
        workspace_name: ws.name,
        counts: Counts {
            time_entries: written,
            ..counts
        },
    })
}

/// Writes the live entries through `txn`, a page at a time: PostgreSQL,
/// and SQLite when the direct read saw the database move on.
async fn entries_through(
    txn: &impl ConnectionTrait,
    scope: &Scope,
    people: &mut People,
    out: &mut Out,
) -> Result<u64, Error> {
    let live = || {
        scope
            .find::<time_entries::Entity>()
            .filter(time_entries::Column::DeletedAt.is_null())
    };
    let mut after: Option<Uuid> = None;
    let mut written = 0u64;
    loop {
        let mut q = live();
        if let Some(id) = after {
            q = q.filter(time_entries::Column::Id.gt(id));
        }
        let rows = q
            .order_by_asc(time_entries::Column::Id)
            .limit(PAGE)
            .all(txn)
            .await?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            break;
        };
        // The tags of every entry in the page's id range, in one statement.
        let mut tag_ids = crate::entries::service::tag_links(
            txn,
            scope,
            time_entry_tags::Column::EntryId.between(first.id, last.id),
        )
        .await?;
        after = Some(last.id);
        let full = rows.len() as u64 == PAGE;
        for e in rows {
            let mut tag_ids = tag_ids.remove(&e.id).unwrap_or_default();
            tag_ids.sort();
            let row = format::TimeEntry {
                id: e.id,
                person: people.email(txn, e.user_id).await?,
                description: e.description,
                project_id: e.project_id,
                tag_ids,
                billable: e.billable,
                started_at: e.started_at,
                ended_at: e.ended_at,
                invoice_id: e.invoice_id,
                created_at: e.created_at,
                updated_at: e.updated_at,
            };
            out.raw(if written == 0 { "\n" } else { ",\n" })?;
            out.value(&row)?;
            written += 1;
        }
        out.flush_if_full().await?;
        if !full {
            break;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::file_name;
    use chrono::NaiveDate;

    #[test]
    fn file_names_say_the_workspace_and_the_day() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            file_name("Acme Studio", day, false),
            "timether-acme-studio-2026-12-01.json"
        );
        assert_eq!(
            file_name("  Ünïcode & Co. ", day, true),
            "timether-n-code-co-2026-12-01.json.gz"
        );
        assert_eq!(
            file_name("日本", day, false),
            "timether-workspace-2026-12-01.json"
        );
    }
}

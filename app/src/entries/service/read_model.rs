//! Entries with their project, client, tags and invoice state: one query,
//! decoded by hand. The results are neutral [`Entry`] values; each door
//! formats them its own way.

use super::*;

/// One entry of the workspace by id (a member's own only).
pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Entry, Error> {
    let m = visible(db, scope, id).await?;
    Ok(entries_of(db, scope, vec![m], now).await?.remove(0))
}

/// A live entry this person may see: any for owners and admins, their
/// own for members; "not found" otherwise, so ids of others' entries
/// give nothing away.
pub async fn visible(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<time_entries::Model, Error> {
    live(scope)
        .filter(time_entries::Column::Id.eq(id))
        .one(db)
        .await?
        .filter(|m| scope.role.can_manage() || m.user_id == scope.user_id)
        .ok_or_else(|| Error::not_found("The time entry"))
}

/// Rows as entries, in their order: project, client and tags attached.
pub async fn entries_of(
    db: &impl ConnectionTrait,
    scope: &Scope,
    rows: Vec<time_entries::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<Entry>, Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut entries = load(
        db,
        scope
            .find::<time_entries::Entity>()
            .filter(time_entries::Column::Id.is_in(ids.clone()))
            .build(db.get_database_backend()),
        now,
    )
    .await?;
    entries.sort_by_key(|v| ids.iter().position(|id| *id == v.id));
    Ok(entries)
}

/// The entries a built query on `time_entries` selects, with project,
/// client, tags and invoice state, read in one statement that returns one row (a JSON array).
/// On SQLite every result row crosses from the database's thread to the
/// request's, so one row instead of a few hundred is what keeps the list
/// fast. Projects, clients, tags and invoices are joined within the
/// entry's own workspace; the query itself comes scoped.
pub(super) async fn load(
    db: &impl ConnectionTrait,
    stmt: Statement,
    now: DateTime<Utc>,
) -> Result<Vec<Entry>, Error> {
    let backend = db.get_database_backend();
    let draft = crate::invoices::InvoiceStatus::Draft.as_str();
    let sql = match backend {
        DbBackend::Sqlite => format!(
            "SELECT json_group_array(json_array(\
               lower(hex(e.id)), lower(hex(e.user_id)), e.description, e.billable, \
               e.started_at, e.ended_at, lower(hex(p.id)), p.name, p.color, c.name, \
               json((SELECT json_group_array(json_array(lower(hex(t.id)), t.name, t.color)) \
                 FROM time_entry_tags l JOIN tags t \
                   ON t.id = l.tag_id AND t.workspace_id = l.workspace_id \
                 WHERE l.entry_id = e.id AND l.workspace_id = e.workspace_id)), \
               EXISTS(SELECT 1 FROM invoices i WHERE i.id = e.invoice_id \
                 AND i.workspace_id = e.workspace_id AND i.status <> '{draft}'))) \
             FROM ({}) e \
             LEFT JOIN projects p ON p.id = e.project_id AND p.workspace_id = e.workspace_id \
             LEFT JOIN clients c ON c.id = p.client_id AND c.workspace_id = e.workspace_id",
            stmt.sql
        ),
        _ => format!(
            "SELECT coalesce(json_agg(json_build_array(\
               e.id, e.user_id, e.description, e.billable, \
               e.started_at, e.ended_at, p.id, p.name, p.color, c.name, \
               (SELECT coalesce(json_agg(json_build_array(t.id, t.name, t.color)), '[]'::json) \
                 FROM time_entry_tags l JOIN tags t \
                   ON t.id = l.tag_id AND t.workspace_id = l.workspace_id \
                 WHERE l.entry_id = e.id AND l.workspace_id = e.workspace_id), \
               EXISTS(SELECT 1 FROM invoices i WHERE i.id = e.invoice_id \
                 AND i.workspace_id = e.workspace_id AND i.status <> '{draft}'))), \
               '[]'::json)::text \
             FROM ({}) e \
             LEFT JOIN projects p ON p.id = e.project_id AND p.workspace_id = e.workspace_id \
             LEFT JOIN clients c ON c.id = p.client_id AND c.workspace_id = e.workspace_id",
            stmt.sql
        ),
    };
    let row = db.query_one_raw(Statement { sql, ..stmt }).await?;
    let json: String = match row {
        Some(r) => r.try_get_by_index(0)?,
        None => return Ok(Vec::new()),
    };
    let rows: Vec<ViewRow> =
        serde_json::from_str(&json).map_err(|e| Error::Internal(format!("entry rows: {e}")))?;
    rows.into_iter().map(|r| r.entry(now)).collect()
}

/// One entry as `load` reads it: id, user, description, billable,
/// start, end, project id, name and colour, client name, tags as
/// `[id, name, colour]`, on an issued invoice.
#[derive(Deserialize)]
struct ViewRow(
    String,
    String,
    String,
    Flag,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Vec<(String, String, String)>,
    Flag,
);

/// A boolean as either database writes it in JSON (`true` or `1`).
struct Flag(bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Bool(b) => Ok(Flag(b)),
            serde_json::Value::Number(n) => Ok(Flag(n.as_i64() != Some(0))),
            other => Err(serde::de::Error::custom(format!("not a flag: {other}"))),
        }
    }
}

fn uuid(raw: &str) -> Result<Uuid, Error> {
    Uuid::parse_str(raw).map_err(|e| Error::Internal(format!("uuid {raw:?}: {e}")))
}

/// A stored timestamp, in any form the database layer reads
/// ([`parse_time`](crate::db::direct::parse_time)).
fn timestamp(raw: &str) -> Result<DateTime<Utc>, Error> {
    crate::db::direct::parse_time(raw)
        .ok_or_else(|| Error::Internal(format!("timestamp {raw:?}: not a time")))
}

impl ViewRow {
    fn entry(self, now: DateTime<Utc>) -> Result<Entry, Error> {
        let ViewRow(
            id,
            user_id,
            description,
            billable,
            started,
            ended,
            project_id,
            project_name,
            project_color,
            client_name,
            tag_rows,
            invoiced,
        ) = self;
        let started_at = timestamp(&started)?;
        let ended_at = ended.as_deref().map(timestamp).transpose()?;
        let project = match (project_id, project_name, project_color) {
            (Some(id), Some(name), Some(color)) => Some(EntryProject {
                id: uuid(&id)?,
                name,
                color,
                client_name,
            }),
            _ => None,
        };
        let mut tags = tag_rows
            .into_iter()
            .map(|(id, name, color)| {
                Ok(Tag {
                    id: uuid(&id)?,
                    name,
                    color,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        tags.sort_by_key(|t| t.name.to_lowercase());
        Ok(Entry {
            id: uuid(&id)?,
            user_id: uuid(&user_id)?,
            description,
            project,
            tags,
            billable: billable.0,
            duration_secs: (ended_at.unwrap_or(now) - started_at).num_seconds().max(0),
            started_at,
            ended_at,
            invoiced: invoiced.0,
        })
    }
}

/// Seconds of the finished entries a query selects that fall inside
/// `[lo, hi)`, summed in the database (one row back): an entry that runs
/// past midnight counts on each day only its hours of that day.
pub(super) async fn clipped_secs(
    db: &impl ConnectionTrait,
    scope: &Scope,
    query: Select<time_entries::Entity>,
    lo: DateTime<Utc>,
    hi: DateTime<Utc>,
) -> Result<i64, Error> {
    let (lo, hi) = (lo.timestamp(), hi.timestamp());
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => format!(
            "sum(max(0, min(CAST(strftime('%s', e.ended_at) AS INTEGER), {hi}) \
               - max(CAST(strftime('%s', e.started_at) AS INTEGER), {lo})))"
        ),
        _ => format!(
            "sum(greatest(0, least(extract(epoch FROM e.ended_at), {hi}) \
               - greatest(extract(epoch FROM e.started_at), {lo})))::bigint"
        ),
    };
    aggregate(db, scope, query, &sql).await
}

/// The longest entry of the workspace, in seconds, rounded up (0 for
/// none): how far back an entry that reaches a given day may have started.
/// Deleted entries count too (a longer reach only costs a little more
/// reading); the length index makes this one lookup.
pub(super) async fn longest_secs(db: &impl ConnectionTrait, scope: &Scope) -> Result<i64, Error> {
    let backend = db.get_database_backend();
    let length = crate::db::migrations::length_expr(backend);
    let secs = match backend {
        DbBackend::Sqlite => format!("max({length}) * 86400.0"),
        _ => format!("extract(epoch FROM max({length}))::float8"),
    };
    let longest: Option<Option<f64>> = scope
        .find::<time_entries::Entity>()
        .select_only()
        .column_as(Expr::cust(secs), "longest")
        .into_tuple()
        .one(db)
        .await?;
    Ok(longest.flatten().map_or(0, |s| s.ceil() as i64 + 1))
}

/// `SELECT coalesce(<expr>, 0)` over the finished rows of `query`, kept
/// in the page cache under the workspace's data version.
async fn aggregate(
    db: &impl ConnectionTrait,
    scope: &Scope,
    query: Select<time_entries::Entity>,
    expr: &str,
) -> Result<i64, Error> {
    let stmt = query.build(db.get_database_backend());
    let key = page_cache::key(scope, expr, &stmt);
    if let Some(n) = page_cache::secs(&key) {
        return Ok(n);
    }
    let sql = format!(
        "SELECT coalesce({expr}, 0) FROM ({}) e WHERE e.ended_at IS NOT NULL",
        stmt.sql
    );
    let row = db.query_one_raw(Statement { sql, ..stmt }).await?;
    let n = match row {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    page_cache::keep_secs(key, n);
    Ok(n)
}

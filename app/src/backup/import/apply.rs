//! The second pass: the file compared with the workspace, row by row, and
//! (unless previewing) written, all in one transaction. The catalogue and
//! invoices are small and handled whole; time entries stream from the file
//! in batches.

use super::super::format::{self, TimeEntry};
use super::check::Checked;
use super::read;
use super::{ImportCommand, ImportReport, KindPlan, Mode, Problem, Problems};
use crate::db::bulk::BulkLoad;
use crate::db::entities::{
    clients, invoice_lines, invoices, memberships, projects, tags, time_entries, time_entry_tags,
    users, workspaces,
};
use crate::error::Error;
use crate::tenant::{Scope, TenantEntity};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Statement, TransactionTrait,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Entries compared and written per statement.
const BATCH: usize = 1_000;
/// Ids per `IN (…)` list when deleting.
const ID_CHUNK: usize = 500;
/// Entries written or deleted from which an import runs as a bulk load.
const BULK_FROM: u64 = 2_000;

/// The workspace being imported into.
pub(crate) async fn target(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<workspaces::Model, Error> {
    workspaces::Entity::find_by_id(scope.workspace_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("The workspace"))
}

/// Times compared as PostgreSQL keeps them (microseconds): a file written
/// with finer times (SQLite keeps nanoseconds) still compares equal the
/// second time. Rows are written with the file's times as they are.
fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// A row with its times at comparison precision.
trait Normal: Clone {
    fn normal(&self) -> Self;
}

macro_rules! normal {
    ($m:ty; $($t:ident),*; $($o:ident),*) => {
        impl Normal for $m {
            fn normal(&self) -> Self {
                let mut n = self.clone();
                $(n.$t = micros(n.$t);)*
                $(n.$o = n.$o.map(micros);)*
                n
            }
        }
    };
}

normal!(clients::Model; created_at; archived_at);
normal!(projects::Model; created_at; archived_at);
normal!(tags::Model; created_at;);
normal!(time_entries::Model; started_at, created_at, updated_at; ended_at, deleted_at);
normal!(invoices::Model; created_at; sent_at, paid_at);

impl Normal for InvoiceRow {
    fn normal(&self) -> Self {
        (self.0.normal(), self.1.clone())
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Change {
    New,
    Updated,
    Unchanged,
}

fn tally(plan: &mut KindPlan, c: Change) {
    match c {
        Change::New => plan.new += 1,
        Change::Updated => plan.updated += 1,
        Change::Unchanged => plan.unchanged += 1,
    }
}

fn change<M: PartialEq + Normal>(found: Option<&M>, row: &M) -> Change {
    match found {
        None => Change::New,
        Some(m) if m.normal() == row.normal() => Change::Unchanged,
        Some(_) => Change::Updated,
    }
}

/// One import (or preview) in progress.
struct Run<'a> {
    txn: &'a DatabaseTransaction,
    scope: &'a Scope,
    mode: Mode,
    write: bool,
    /// The file comes from this workspace: its ids are used as they are.
    keep_ids: bool,
    target: Uuid,
    /// Members (and anyone who tracked time here) by lower-cased email.
    people: HashMap<String, Uuid>,
    /// File id → id here, per kind.
    clients: HashMap<Uuid, Uuid>,
    projects: HashMap<Uuid, Uuid>,
    tags: HashMap<Uuid, Uuid>,
    invoices: HashMap<Uuid, Uuid>,
    /// Running entries here by person (entry id), and those the file adds.
    running_here: HashMap<Uuid, Uuid>,
    running_file: HashMap<Uuid, usize>,
    problems: Problems,
    plans: Vec<KindPlan>,
    /// Entries compared (and written) so far, of `total`.
    done: u64,
    total: u64,
}

pub(super) async fn run(
    db: &DatabaseConnection,
    scope: &Scope,
    cmd: &ImportCommand,
    checked: Checked,
    now: DateTime<Utc>,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<ImportReport, Error> {
    let write = !cmd.dry_run;
    let txn = if write {
        crate::db::begin_write(db).await?
    } else {
        db.begin().await?
    };
    if write {
        lock(&txn, scope.workspace_id).await?;
    }
    let ws = target(&txn, scope).await?;
    let head = &checked.head;
    let source = head.workspace.clone();
    let keep_ids = source.as_ref().is_some_and(|s| s.id == ws.id);
    let mut run = Run {
        txn: &txn,
        scope,
        mode: cmd.mode,
        write,
        keep_ids,
        target: ws.id,
        people: people_here(&txn, scope).await?,
        clients: HashMap::new(),
        projects: HashMap::new(),
        tags: HashMap::new(),
        invoices: HashMap::new(),
        running_here: HashMap::new(),
        running_file: HashMap::new(),
        problems: Problems::default(),
        plans: Vec::new(),
        done: 0,
        total: checked.head.entries,
    };
    let unknown_people: Vec<String> = checked
        .people
        .iter()
        .filter(|e| !run.people.contains_key(*e))
        .cloned()
        .collect();
    let importer_email = users::Entity::find_by_id(scope.user_id)
        .one(&txn)
        .await?
        .map(|u| u.email.to_lowercase())
        .unwrap_or_default();

    let clients = run.clients(&head.clients).await?;
    let projects = run.projects(&head.projects).await?;
    let tags = run.tags(&head.tags).await?;
    let invoices = run.invoices(&head.invoices, &importer_email).await?;
    let file_entries: HashSet<Uuid> = checked
        .entry_ids
        .iter()
        .map(|id| run.id("time_entry", *id))
        .collect();
    let (live_here, gone) = run.entries_here(&file_entries).await?;
    let mut entry_plan = KindPlan {
        kind: "time_entries".into(),
        ..Default::default()
    };

    // Many entries: the per-row version triggers (and on SQLite the
    // secondary indexes) stand aside until the end, as for `dev seed`.
    let mut bulk = None;
    if run.problems.is_empty() {
        if write && (head.entries + gone.len() as u64) >= BULK_FROM {
            bulk = Some(BulkLoad::begin(&txn, &["time_entries", "time_entry_tags"]).await?);
        }
        if write && run.mode == Mode::Replace {
            run.delete::<time_entries::Entity>(time_entries::Column::Id, &gone)
                .await?;
            run.delete::<invoices::Entity>(invoices::Column::Id, &invoices.gone)
                .await?;
            run.delete::<projects::Entity>(projects::Column::Id, &projects.gone)
                .await?;
            run.delete::<clients::Entity>(clients::Column::Id, &clients.gone)
                .await?;
            run.delete::<tags::Entity>(tags::Column::Id, &tags.gone)
                .await?;
        }
        if write {
            run.write_rows::<clients::ActiveModel>(clients.rows).await?;
            run.write_rows::<projects::ActiveModel>(projects.rows)
                .await?;
            run.write_rows::<tags::ActiveModel>(tags.rows).await?;
            run.write_invoices(invoices.rows).await?;
        }
        run.stream_entries(cmd, &mut entry_plan, progress).await?;
    }
    let found_live = entry_plan.updated + entry_plan.unchanged;
    let rest = live_here.saturating_sub(found_live.min(live_here));
    match run.mode {
        Mode::Merge => entry_plan.left_alone = rest,
        Mode::Replace => entry_plan.removed = gone.len() as u64,
    }
    run.plans.push(entry_plan);

    if write && run.mode == Mode::Replace && run.problems.is_empty() {
        if let Some(s) = &source {
            workspaces::Entity::update_many()
                .col_expr(
                    workspaces::Column::Currency,
                    Expr::value(s.currency.clone()),
                )
                .col_expr(
                    workspaces::Column::DefaultRateCents,
                    Expr::value(s.default_rate_cents),
                )
                .filter(workspaces::Column::Id.eq(ws.id))
                .exec(&txn)
                .await?;
        }
    }
    let applied = write && run.problems.is_empty();
    if let (Some(load), true) = (bulk, applied) {
        load.end(&txn, ws.id).await?;
    }
    let report = ImportReport {
        target_id: ws.id,
        target_name: ws.name.clone(),
        source_id: source.as_ref().map(|s| s.id),
        source_name: source.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
        exported_at: head.exported_at,
        file_counts: head.counts.clone(),
        mode: cmd.mode,
        new_ids: !keep_ids,
        plans: run.plans,
        unknown_people,
        problems: run.problems.list,
        more_problems: run.problems.more,
        applied,
    };
    if applied {
        txn.commit().await?;
        tracing::info!(
            workspace = %ws.id,
            entries = head.entries,
            at = %now,
            mode = ?cmd.mode,
            "backup imported"
        );
    } else {
        txn.rollback().await?;
    }
    Ok(report)
}

/// One import at a time per workspace, on every instance: PostgreSQL
/// refuses a second one at once rather than queueing it; on SQLite the
/// write transaction already holds the database's one write lock.
pub(crate) async fn lock(txn: &DatabaseTransaction, workspace: Uuid) -> Result<(), Error> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let stmt = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT id FROM workspaces WHERE id = $1 FOR UPDATE NOWAIT",
        [workspace.into()],
    );
    match txn.query_one_raw(stmt).await {
        Ok(_) => Ok(()),
        Err(e) if e.to_string().contains("could not obtain lock") || e.to_string().contains("55P03") => {
            Err(Error::Conflict(
                "Another import or change of this whole workspace is running. Try again when it has finished."
                    .into(),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// Everyone a file's email can name here: the members, and anyone who
/// tracked time here before (a former member keeps their entries).
async fn people_here(
    txn: &DatabaseTransaction,
    scope: &Scope,
) -> Result<HashMap<String, Uuid>, Error> {
    let mut ids: Vec<Uuid> = scope
        .find::<memberships::Entity>()
        .select_only()
        .column(memberships::Column::UserId)
        .into_tuple()
        .all(txn)
        .await?;
    let trackers: Vec<Uuid> = scope
        .find::<time_entries::Entity>()
        .select_only()
        .column(time_entries::Column::UserId)
        .distinct()
        .into_tuple()
        .all(txn)
        .await?;
    ids.extend(trackers);
    ids.sort();
    ids.dedup();
    let mut out = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        for u in users::Entity::find()
            .filter(users::Column::Id.is_in(chunk.to_vec()))
            .all(txn)
            .await?
        {
            out.insert(u.email.to_lowercase(), u.id);
        }
    }
    Ok(out)
}

/// The rows of one small kind: what to write, and (replace) what goes.
struct Resolved<M> {
    rows: Vec<(Change, M)>,
    gone: Vec<Uuid>,
}

/// Invoices with their lines.
type InvoiceRow = (invoices::Model, Vec<invoice_lines::Model>);

impl Run<'_> {
    /// The id a file's row gets here.
    fn id(&self, kind: &str, id: Uuid) -> Uuid {
        if self.keep_ids {
            id
        } else {
            let mut name = Vec::with_capacity(kind.len() + 17);
            name.extend_from_slice(kind.as_bytes());
            name.push(b':');
            name.extend_from_slice(id.as_bytes());
            Uuid::new_v5(&self.target, &name)
        }
    }

    fn person(&self, email: &str) -> Uuid {
        self.people
            .get(&email.trim().to_lowercase())
            .copied()
            .unwrap_or(self.scope.user_id)
    }

    /// New ids that a row of another workspace already has (only possible
    /// when a file claims to come from this workspace).
    async fn elsewhere<E: TenantEntity>(
        &self,
        id_col: E::Column,
        ids: Vec<Uuid>,
    ) -> Result<HashSet<Uuid>, Error> {
        let mut out = HashSet::new();
        if !self.keep_ids {
            return Ok(out);
        }
        for chunk in ids.chunks(ID_CHUNK) {
            let found: Vec<Uuid> = E::find()
                .filter(id_col.is_in(chunk.to_vec()))
                .filter(E::workspace_column().ne(self.target))
                .select_only()
                .column(id_col)
                .into_tuple()
                .all(self.txn)
                .await?;
            out.extend(found);
        }
        Ok(out)
    }

    /// Tallies `rows`, reports ids used elsewhere, and works out which rows
    /// here the file does not hold.
    async fn resolve<E: TenantEntity, M: PartialEq + Normal>(
        &mut self,
        kind: &str,
        id_col: E::Column,
        here: &[Uuid],
        rows: Vec<(usize, Option<M>, M)>,
        id_of: impl Fn(&M) -> Uuid,
    ) -> Result<Resolved<M>, Error> {
        let mut plan = KindPlan {
            kind: kind.into(),
            ..Default::default()
        };
        let new_ids: Vec<Uuid> = rows
            .iter()
            .filter(|(_, f, _)| f.is_none())
            .map(|(_, _, m)| id_of(m))
            .collect();
        let taken = self.elsewhere::<E>(id_col, new_ids).await?;
        let mut touched = HashSet::new();
        let mut out = Vec::with_capacity(rows.len());
        for (i, found, row) in rows {
            let c = change(found.as_ref(), &row);
            if c == Change::New && taken.contains(&id_of(&row)) {
                self.problems.push(Problem::at(
                    format!("{kind}[{i}].id"),
                    "this id belongs to a row of another workspace",
                ));
            }
            tally(&mut plan, c);
            touched.insert(id_of(&row));
            out.push((c, row));
        }
        let gone: Vec<Uuid> = here
            .iter()
            .filter(|id| !touched.contains(*id))
            .copied()
            .collect();
        match self.mode {
            Mode::Merge => plan.left_alone = gone.len() as u64,
            Mode::Replace => plan.removed = gone.len() as u64,
        }
        self.plans.push(plan);
        Ok(Resolved { rows: out, gone })
    }

    /// A name the file gives a row that a row here, which stays, already
    /// has.
    fn name_clash(&mut self, kind: &str, what: &str, i: usize, name: &str) {
        self.problems.push(Problem::at(
            format!("{kind}[{i}].name"),
            format!(
                "another {what} here is already named “{name}”; rename one of them, or import in replace mode"
            ),
        ));
    }

    async fn clients(
        &mut self,
        file: &[format::Client],
    ) -> Result<Resolved<clients::Model>, Error> {
        let here = self.scope.find::<clients::Entity>().all(self.txn).await?;
        let by_id: HashMap<Uuid, &clients::Model> = here.iter().map(|m| (m.id, m)).collect();
        let by_key: HashMap<&str, &clients::Model> =
            here.iter().map(|m| (m.name_key.as_str(), m)).collect();
        let mut rows = Vec::new();
        let mut clashes = Vec::new();
        for (i, c) in file.iter().enumerate() {
            let (name, key) = crate::validate::name(&c.name, 200, "client")
                .unwrap_or_else(|_| (c.name.clone(), c.name.to_lowercase()));
            let derived = self.id("client", c.id);
            let found = by_id
                .get(&derived)
                .or_else(|| by_key.get(key.as_str()))
                .copied();
            let id = found.map_or(derived, |m| m.id);
            if let Some(other) = by_key.get(key.as_str()) {
                if other.id != id && self.mode == Mode::Merge {
                    clashes.push((i, name.clone()));
                }
            }
            self.clients.insert(c.id, id);
            let row = clients::Model {
                id,
                workspace_id: self.target,
                name,
                name_key: key,
                archived_at: c.archived_at,
                created_at: c.created_at,
            };
            rows.push((i, found.cloned(), row));
        }
        for (i, name) in clashes {
            self.name_clash("clients", "client", i, &name);
        }
        let ids: Vec<Uuid> = here.iter().map(|m| m.id).collect();
        self.resolve::<clients::Entity, _>("clients", clients::Column::Id, &ids, rows, |m| m.id)
            .await
    }

    async fn projects(
        &mut self,
        file: &[format::Project],
    ) -> Result<Resolved<projects::Model>, Error> {
        let here = self.scope.find::<projects::Entity>().all(self.txn).await?;
        let by_id: HashMap<Uuid, &projects::Model> = here.iter().map(|m| (m.id, m)).collect();
        let by_key: HashMap<&str, &projects::Model> =
            here.iter().map(|m| (m.name_key.as_str(), m)).collect();
        let mut rows = Vec::new();
        let mut clashes = Vec::new();
        for (i, p) in file.iter().enumerate() {
            let (name, key) = crate::validate::name(&p.name, 200, "project")
                .unwrap_or_else(|_| (p.name.clone(), p.name.to_lowercase()));
            let derived = self.id("project", p.id);
            let found = by_id
                .get(&derived)
                .or_else(|| by_key.get(key.as_str()))
                .copied();
            let id = found.map_or(derived, |m| m.id);
            if let Some(other) = by_key.get(key.as_str()) {
                if other.id != id && self.mode == Mode::Merge {
                    clashes.push((i, name.clone()));
                }
            }
            self.projects.insert(p.id, id);
            let row = projects::Model {
                id,
                workspace_id: self.target,
                client_id: p.client_id.and_then(|c| self.clients.get(&c).copied()),
                name,
                name_key: key,
                color: p.color.to_ascii_lowercase(),
                billable: p.billable,
                hourly_rate_cents: p.hourly_rate_cents,
                archived_at: p.archived_at,
                created_at: p.created_at,
            };
            rows.push((i, found.cloned(), row));
        }
        for (i, name) in clashes {
            self.name_clash("projects", "project", i, &name);
        }
        let ids: Vec<Uuid> = here.iter().map(|m| m.id).collect();
        self.resolve::<projects::Entity, _>("projects", projects::Column::Id, &ids, rows, |m| m.id)
            .await
    }

    async fn tags(&mut self, file: &[format::Tag]) -> Result<Resolved<tags::Model>, Error> {
        let here = self.scope.find::<tags::Entity>().all(self.txn).await?;
        let by_id: HashMap<Uuid, &tags::Model> = here.iter().map(|m| (m.id, m)).collect();
        let by_key: HashMap<&str, &tags::Model> =
            here.iter().map(|m| (m.name_key.as_str(), m)).collect();
        let mut rows = Vec::new();
        let mut clashes = Vec::new();
        for (i, t) in file.iter().enumerate() {
            let raw = crate::tags::clean_name(&t.name);
            let (name, key) = crate::validate::name(raw, 100, "tag")
                .unwrap_or_else(|_| (raw.to_string(), raw.to_lowercase()));
            let derived = self.id("tag", t.id);
            let found = by_id
                .get(&derived)
                .or_else(|| by_key.get(key.as_str()))
                .copied();
            let id = found.map_or(derived, |m| m.id);
            if let Some(other) = by_key.get(key.as_str()) {
                if other.id != id && self.mode == Mode::Merge {
                    clashes.push((i, name.clone()));
                }
            }
            self.tags.insert(t.id, id);
            let row = tags::Model {
                id,
                workspace_id: self.target,
                name,
                name_key: key,
                color: t.color.to_ascii_lowercase(),
                created_at: t.created_at,
            };
            rows.push((i, found.cloned(), row));
        }
        for (i, name) in clashes {
            self.name_clash("tags", "tag", i, &name);
        }
        let ids: Vec<Uuid> = here.iter().map(|m| m.id).collect();
        self.resolve::<tags::Entity, _>("tags", tags::Column::Id, &ids, rows, |m| m.id)
            .await
    }

    async fn invoices(
        &mut self,
        file: &[format::Invoice],
        importer_email: &str,
    ) -> Result<Resolved<InvoiceRow>, Error> {
        let here = self.scope.find::<invoices::Entity>().all(self.txn).await?;
        let mut lines_here: HashMap<Uuid, Vec<invoice_lines::Model>> = HashMap::new();
        for l in self
            .scope
            .find::<invoice_lines::Entity>()
            .all(self.txn)
            .await?
        {
            lines_here.entry(l.invoice_id).or_default().push(l);
        }
        let by_id: HashMap<Uuid, &invoices::Model> = here.iter().map(|m| (m.id, m)).collect();
        let by_number: HashMap<i64, Uuid> = here.iter().map(|m| (m.number, m.id)).collect();
        let file_ids: HashSet<Uuid> = file.iter().map(|x| self.id("invoice", x.id)).collect();
        let mut rows = Vec::new();
        for (i, x) in file.iter().enumerate() {
            let id = self.id("invoice", x.id);
            self.invoices.insert(x.id, id);
            if let Some(other) = by_number.get(&x.number) {
                let stays = !file_ids.contains(other) && self.mode == Mode::Merge;
                if *other != id && stays {
                    self.problems.push(Problem::at(
                        format!("invoices[{i}].number"),
                        format!(
                            "invoice number {} is already used here by another invoice",
                            x.number
                        ),
                    ));
                }
            }
            let created_by = if x.created_by.trim().is_empty() {
                self.person(importer_email)
            } else {
                self.person(&x.created_by)
            };
            let row = invoices::Model {
                id,
                workspace_id: self.target,
                number: x.number,
                client_id: x.client_id.and_then(|c| self.clients.get(&c).copied()),
                client_name: x.client_name.clone(),
                period_from: x.period_from,
                period_to: x.period_to,
                currency: x.currency.clone(),
                tax_rate_bp: x.tax_rate_bp,
                notes: x.notes.clone(),
                status: x.status.clone(),
                subtotal_cents: x.subtotal_cents,
                tax_cents: x.tax_cents,
                total_cents: x.total_cents,
                entry_count: x.entry_count,
                created_by,
                created_at: x.created_at,
                sent_at: x.sent_at,
                paid_at: x.paid_at,
            };
            let mut lines: Vec<invoice_lines::Model> = x
                .lines
                .iter()
                .map(|l| invoice_lines::Model {
                    id: Uuid::new_v5(&id, format!("line:{}", l.position).as_bytes()),
                    invoice_id: id,
                    workspace_id: self.target,
                    position: l.position,
                    project_name: l.project_name.clone(),
                    secs: l.secs,
                    rate_cents: l.rate_cents,
                    amount_cents: l.amount_cents,
                })
                .collect();
            lines.sort_by_key(|l| l.position);
            let found = by_id.get(&id).map(|m| {
                let mut ls = lines_here.get(&m.id).cloned().unwrap_or_default();
                ls.sort_by_key(|l| l.position);
                // Line ids are not in the file: compare the lines by content.
                for (a, b) in ls.iter_mut().zip(lines.iter()) {
                    a.id = b.id;
                }
                ((*m).clone(), ls)
            });
            rows.push((i, found, (row, lines)));
        }
        let ids: Vec<Uuid> = here.iter().map(|m| m.id).collect();
        self.resolve::<invoices::Entity, _>("invoices", invoices::Column::Id, &ids, rows, |m| {
            m.0.id
        })
        .await
    }

    /// Live entries here, and (replace) every entry here the file does not
    /// hold.
    async fn entries_here(&mut self, file: &HashSet<Uuid>) -> Result<(u64, Vec<Uuid>), Error> {
        for (id, user) in self
            .scope
            .find::<time_entries::Entity>()
            .filter(time_entries::Column::EndedAt.is_null())
            .filter(time_entries::Column::DeletedAt.is_null())
            .select_only()
            .column(time_entries::Column::Id)
            .column(time_entries::Column::UserId)
            .into_tuple::<(Uuid, Uuid)>()
            .all(self.txn)
            .await?
        {
            self.running_here.insert(user, id);
        }
        let live = sea_orm::PaginatorTrait::count(
            self.scope
                .find::<time_entries::Entity>()
                .filter(time_entries::Column::DeletedAt.is_null()),
            self.txn,
        )
        .await?;
        if self.mode == Mode::Merge {
            return Ok((live, Vec::new()));
        }
        let all: Vec<Uuid> = self
            .scope
            .find::<time_entries::Entity>()
            .select_only()
            .column(time_entries::Column::Id)
            .into_tuple()
            .all(self.txn)
            .await?;
        let gone: Vec<Uuid> = all.into_iter().filter(|id| !file.contains(id)).collect();
        // Running timers that go make room for the file's.
        let going: HashSet<&Uuid> = gone.iter().collect();
        self.running_here.retain(|_, e| !going.contains(e));
        Ok((live, gone))
    }

    async fn delete<E: TenantEntity>(&self, id_col: E::Column, ids: &[Uuid]) -> Result<(), Error> {
        for chunk in ids.chunks(ID_CHUNK) {
            self.scope
                .delete_many::<E>()
                .filter(id_col.is_in(chunk.to_vec()))
                .exec(self.txn)
                .await?;
        }
        Ok(())
    }

    /// Inserts the new rows and saves the changed ones (in this workspace
    /// only).
    async fn write_rows<A>(
        &self,
        rows: Vec<(Change, <A::Entity as EntityTrait>::Model)>,
    ) -> Result<(), Error>
    where
        A: ActiveModelTrait + Send + sea_orm::ActiveModelBehavior,
        A::Entity: TenantEntity,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        let mut new = Vec::new();
        for (c, row) in rows {
            match c {
                Change::New => new.push(row.into_active_model().reset_all()),
                Change::Updated => {
                    self.scope
                        .update(self.txn, row.into_active_model().reset_all())
                        .await?;
                }
                Change::Unchanged => {}
            }
            if new.len() == 200 {
                <A::Entity as EntityTrait>::insert_many(std::mem::take(&mut new))
                    .exec(self.txn)
                    .await?;
            }
        }
        if !new.is_empty() {
            <A::Entity as EntityTrait>::insert_many(new)
                .exec(self.txn)
                .await?;
        }
        Ok(())
    }

    async fn write_invoices(&self, rows: Vec<(Change, InvoiceRow)>) -> Result<(), Error> {
        let mut heads = Vec::new();
        let mut lines = Vec::new();
        for (c, (inv, ls)) in rows {
            if c == Change::Unchanged {
                continue;
            }
            if c == Change::Updated {
                self.scope
                    .delete_many::<invoice_lines::Entity>()
                    .filter(invoice_lines::Column::InvoiceId.eq(inv.id))
                    .exec(self.txn)
                    .await?;
            }
            heads.push((c, inv));
            lines.extend(ls);
        }
        self.write_rows::<invoices::ActiveModel>(heads).await?;
        self.write_rows::<invoice_lines::ActiveModel>(
            lines.into_iter().map(|l| (Change::New, l)).collect(),
        )
        .await
    }

    /// Reads the file's entries again, a batch at a time, and compares (and
    /// writes) each batch.
    async fn stream_entries(
        &mut self,
        cmd: &ImportCommand,
        plan: &mut KindPlan,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<(), Error> {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<(usize, TimeEntry)>>(4);
        let path = cmd.path.clone();
        let reader = tokio::task::spawn_blocking(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let mut closed = false;
            let parsed = read::parse(&path, &mut |i, e| {
                if closed {
                    return;
                }
                batch.push((i, e));
                if batch.len() == BATCH && tx.blocking_send(std::mem::take(&mut batch)).is_err() {
                    closed = true;
                }
            });
            if !batch.is_empty() && !closed {
                let _ = tx.blocking_send(batch);
            }
            parsed.map(|_| ())
        });
        while let Some(batch) = rx.recv().await {
            self.entries(batch, plan).await?;
            progress(self.done, self.total);
        }
        match reader.await {
            Ok(Ok(())) => Ok(()),
            // The file changed between the two readings.
            Ok(Err(p)) => {
                self.problems.push(p);
                Ok(())
            }
            Err(e) => Err(Error::Internal(format!("reading an import: {e}"))),
        }
    }

    async fn entries(
        &mut self,
        batch: Vec<(usize, TimeEntry)>,
        plan: &mut KindPlan,
    ) -> Result<(), Error> {
        let mut rows = Vec::with_capacity(batch.len());
        for (i, e) in batch {
            let mut tag_ids: Vec<Uuid> = e
                .tag_ids
                .iter()
                .filter_map(|t| self.tags.get(t).copied())
                .collect();
            tag_ids.sort();
            let row = time_entries::Model {
                id: self.id("time_entry", e.id),
                workspace_id: self.target,
                user_id: self.person(&e.person),
                description: e.description.trim().to_string(),
                project_id: e.project_id.and_then(|p| self.projects.get(&p).copied()),
                billable: e.billable,
                started_at: e.started_at,
                ended_at: e.ended_at,
                invoice_id: e.invoice_id.and_then(|x| self.invoices.get(&x).copied()),
                deleted_at: None,
                created_at: e.created_at,
                updated_at: e.updated_at,
            };
            rows.push((i, row, tag_ids, e.person));
        }
        let ids: Vec<Uuid> = rows.iter().map(|(_, r, _, _)| r.id).collect();
        let here: HashMap<Uuid, time_entries::Model> = self
            .scope
            .find::<time_entries::Entity>()
            .filter(time_entries::Column::Id.is_in(ids.clone()))
            .all(self.txn)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let mut tags_here: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        if !here.is_empty() {
            for (entry, tag) in self
                .scope
                .find::<time_entry_tags::Entity>()
                .filter(
                    time_entry_tags::Column::EntryId
                        .is_in(here.keys().copied().collect::<Vec<_>>()),
                )
                .select_only()
                .column(time_entry_tags::Column::EntryId)
                .column(time_entry_tags::Column::TagId)
                .into_tuple::<(Uuid, Uuid)>()
                .all(self.txn)
                .await?
            {
                tags_here.entry(entry).or_default().push(tag);
            }
        }
        let new_ids: Vec<Uuid> = ids
            .into_iter()
            .filter(|id| !here.contains_key(id))
            .collect();
        let taken = self
            .elsewhere::<time_entries::Entity>(time_entries::Column::Id, new_ids)
            .await?;

        let mut inserts = Vec::new();
        let mut links = Vec::new();
        let mut relinked = Vec::new();
        for (i, row, tag_ids, person) in rows {
            let found = here.get(&row.id);
            let mut c = change(found, &row);
            if c == Change::Unchanged {
                let mut before = tags_here.remove(&row.id).unwrap_or_default();
                before.sort();
                if before != tag_ids {
                    c = Change::Updated;
                    relinked.push(row.id);
                }
            } else if c == Change::Updated {
                relinked.push(row.id);
            }
            if c == Change::New && taken.contains(&row.id) {
                self.problems.push(Problem::at(
                    format!("time_entries[{i}].id"),
                    "this id belongs to an entry of another workspace",
                ));
            }
            if row.ended_at.is_none() {
                self.check_running(i, &row, &person);
            }
            tally(plan, c);
            self.done += 1;
            if !self.write || !self.problems.is_empty() {
                continue;
            }
            match c {
                Change::Unchanged => continue,
                Change::Updated => {
                    self.scope
                        .update(self.txn, row.clone().into_active_model().reset_all())
                        .await?;
                }
                Change::New => inserts.push(row.clone().into_active_model().reset_all()),
            }
            if c == Change::New || relinked.last() == Some(&row.id) {
                links.extend(tag_ids.iter().map(|t| time_entry_tags::ActiveModel {
                    entry_id: sea_orm::Set(row.id),
                    tag_id: sea_orm::Set(*t),
                    workspace_id: sea_orm::Set(self.target),
                }));
            }
        }
        if !self.write || !self.problems.is_empty() {
            return Ok(());
        }
        if !relinked.is_empty() {
            self.scope
                .delete_many::<time_entry_tags::Entity>()
                .filter(time_entry_tags::Column::EntryId.is_in(relinked))
                .exec(self.txn)
                .await?;
        }
        for chunk in chunked(inserts, 500) {
            time_entries::Entity::insert_many(chunk)
                .exec(self.txn)
                .await?;
        }
        for chunk in chunked(links, 2_000) {
            time_entry_tags::Entity::insert_many(chunk)
                .exec(self.txn)
                .await?;
        }
        Ok(())
    }
}

impl Run<'_> {
    /// A person has at most one running timer here. Someone who is not a
    /// member gives their time to the importer, who may then hold two: the
    /// sentence says who and what to do.
    fn check_running(&mut self, i: usize, row: &time_entries::Model, person: &str) {
        let path = format!("time_entries[{i}].ended_at");
        let stranger = !self.people.contains_key(&person.trim().to_lowercase());
        if let Some(other) = self.running_here.get(&row.user_id) {
            if *other != row.id {
                self.problems.push(Problem::at(
                    path.clone(),
                    if stranger {
                        format!(
                            "a running timer of {person}, who is not a member here, so it would be yours, \
                             and you already have a timer running here; stop yours first, or add {person} \
                             to the workspace before importing"
                        )
                    } else {
                        format!(
                            "{person} already has a running timer here; stop it first, or import in replace mode"
                        )
                    },
                ));
            }
        }
        if let Some(first) = self.running_file.insert(row.user_id, i) {
            self.problems.push(Problem::at(
                path,
                if stranger {
                    format!(
                        "a running timer of {person}, who is not a member here, so it would be yours, \
                         as would the one at time_entries[{first}], and a person runs one timer at a time; \
                         add {person} to the workspace before importing, or stop the timer and export again"
                    )
                } else {
                    format!(
                        "a second running timer for {person} here (time_entries[{first}] is the first)"
                    )
                },
            ));
        }
    }
}

fn chunked<T>(mut v: Vec<T>, n: usize) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    while v.len() > n {
        let rest = v.split_off(n);
        out.push(std::mem::replace(&mut v, rest));
    }
    if !v.is_empty() {
        out.push(v);
    }
    out
}

//! The second pass: the file compared with the workspace, row by row, and
//! (unless previewing) written, all in one transaction. The catalogue and
//! invoices are small and handled whole (`catalog`); time entries stream
//! from the file in batches (`entries`).

mod catalog;
mod entries;

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
    EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, TransactionTrait,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;

/// Entries compared and written per statement.
const BATCH: usize = 1_000;
/// Ids per `IN (…)` list when deleting.
const ID_CHUNK: usize = 500;
/// Entries written or deleted from which an import runs as a bulk load.
const BULK_FROM: u64 = 2_000;
/// The tables a bulk load sets aside the indexes and triggers of.
const BULK_TABLES: &[&str] = &["time_entries", "time_entry_tags"];

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
    /// Members here whose timer runs in another workspace: a person runs
    /// one timer at a time, anywhere.
    running_elsewhere: HashSet<Uuid>,
    problems: Problems,
    plans: Vec<KindPlan>,
    /// Entries compared (and written) so far, of `total`.
    done: u64,
    total: u64,
    /// The bulk load, once the import writes enough entries for one.
    bulk: Option<BulkLoad>,
    /// The workspace holds no entry the file could match (none at all, or
    /// Replace removes them all): no batch looks for its rows here.
    nothing_here: bool,
}

pub(super) async fn run(
    db: &DatabaseConnection,
    scope: &Scope,
    cmd: &ImportCommand,
    mut checked: Checked,
    now: DateTime<Utc>,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<ImportReport, Error> {
    let write = !cmd.dry_run;
    // A write is one at a time per workspace: a second is refused at once.
    let (txn, _whole) = if write {
        let (txn, whole) = scope.begin_whole_workspace(db).await?;
        (txn, Some(whole))
    } else {
        (db.begin().await?, None)
    };
    let txn = Arc::new(txn);
    let ws = target(&*txn, scope).await?;
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
        running_elsewhere: HashSet::new(),
        problems: Problems::default(),
        plans: Vec::new(),
        done: 0,
        total: checked.head.entries,
        bulk: None,
        nothing_here: false,
    };
    let unknown_people: Vec<String> = checked
        .people
        .iter()
        .filter(|e| !run.people.contains_key(*e))
        .cloned()
        .collect();
    let importer_email = users::Entity::find_by_id(scope.user_id)
        .one(&*txn)
        .await?
        .map(|u| u.email.to_lowercase())
        .unwrap_or_default();

    let clients = run.clients(&head.clients).await?;
    let projects = run.projects(&head.projects).await?;
    let tags = run.tags(&head.tags).await?;
    let invoices = run.invoices(&head.invoices, &importer_email).await?;
    // The file's entry ids tell Replace what to delete; Merge needs none.
    // A million take about 36 MB a set: they go before the entries stream.
    let file_ids = std::mem::take(&mut checked.entry_ids);
    let file_entries: HashSet<Uuid> = match run.mode {
        Mode::Replace => file_ids
            .into_iter()
            .map(|id| run.id("time_entry", id))
            .collect(),
        Mode::Merge => HashSet::new(),
    };
    let (live_here, gone) = run.entries_here(&file_entries).await?;
    drop(file_entries);
    let mut entry_plan = KindPlan {
        kind: "time_entries".into(),
        ..Default::default()
    };

    // Many entries: the per-row version triggers (and on SQLite the
    // secondary indexes) stand aside until the end, as for `dev seed`.
    // Replace deletes first; otherwise the load starts with the first batch
    // that writes (`entries`), so a file that changes nothing does not
    // rebuild the indexes (9.5 s for a million).
    if run.problems.is_empty() {
        if write && gone.len() as u64 >= BULK_FROM {
            run.bulk = Some(BulkLoad::begin(&txn, BULK_TABLES).await?);
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
        run.stream_entries(txn.clone(), cmd, &mut entry_plan, progress)
            .await?;
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
                .exec(&*txn)
                .await?;
        }
    }
    let applied = write && run.problems.is_empty();
    let bulk = run.bulk.take();
    let (plans, problems) = (run.plans, run.problems);
    // The entries' writer has finished (`stream_entries` waits for it).
    let txn = Arc::try_unwrap(txn)
        .map_err(|_| Error::Internal("an import's transaction is still shared".into()))?;
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
        plans,
        unknown_people,
        problems: problems.list,
        more_problems: problems.more,
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
                    .exec_without_returning(self.txn)
                    .await?;
            }
        }
        if !new.is_empty() {
            <A::Entity as EntityTrait>::insert_many(new)
                .exec_without_returning(self.txn)
                .await?;
        }
        Ok(())
    }
}

//! Time entries: read again from the file in batches, compared with the
//! rows here, and written; at most one running timer per person.

use super::*;
use sea_orm::{QueryTrait, Statement};

impl Run<'_> {
    /// Live entries here, and (replace) every entry here the file does not
    /// hold.
    pub(super) async fn entries_here(
        &mut self,
        file: &HashSet<Uuid>,
    ) -> Result<(u64, Vec<Uuid>), Error> {
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
        // The person's own timers elsewhere (a read about people, not about
        // another workspace's data: only who, never what).
        let members: Vec<Uuid> = self.people.values().copied().collect();
        for chunk in members.chunks(500) {
            let users: Vec<Uuid> = time_entries::Entity::find()
                .filter(time_entries::Column::UserId.is_in(chunk.to_vec()))
                .filter(time_entries::Column::WorkspaceId.ne(self.scope.workspace_id))
                .filter(time_entries::Column::EndedAt.is_null())
                .select_only()
                .column(time_entries::Column::UserId)
                .into_tuple()
                .all(self.txn)
                .await?;
            self.running_elsewhere.extend(users);
        }
        let live = crate::entries::service::live_count(self.txn, self.scope).await?;
        if self.mode == Mode::Merge {
            // Deleted entries count too: the file may restore them.
            self.nothing_here = self
                .scope
                .find::<time_entries::Entity>()
                .select_only()
                .column(time_entries::Column::Id)
                .into_tuple::<Uuid>()
                .one(self.txn)
                .await?
                .is_none();
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
        let all_count = all.len();
        let gone: Vec<Uuid> = all.into_iter().filter(|id| !file.contains(id)).collect();
        self.nothing_here = gone.len() == all_count;
        // Running timers that go make room for the file's.
        let going: HashSet<&Uuid> = gone.iter().collect();
        self.running_here.retain(|_, e| !going.contains(e));
        Ok((live, gone))
    }

    /// Reads the file's entries again, a batch at a time, and compares (and
    /// writes) each batch; `shared` is the run's transaction, for the task
    /// that writes.
    pub(super) async fn stream_entries(
        &mut self,
        shared: Arc<DatabaseTransaction>,
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
        // The writes go to a task of their own, on the same transaction: a
        // batch is compared, and its statements built, while the previous
        // ones run, so SQLite is not kept waiting for either.
        let (wtx, mut wrx) = tokio::sync::mpsc::channel::<Writes>(2);
        let (txn, scope) = (shared, self.scope.clone());
        let writer = tokio::spawn(async move {
            while let Some(w) = wrx.recv().await {
                w.apply(&txn, &scope).await?;
            }
            Ok::<(), Error>(())
        });
        let mut compared = Ok(());
        while let Some(batch) = rx.recv().await {
            match self.entries(batch, plan).await {
                Ok(Some(w)) => {
                    // A closed queue means the writer failed: its error follows.
                    if wtx.send(w).await.is_err() {
                        break;
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    compared = Err(e);
                    break;
                }
            }
            progress(self.done, self.total);
        }
        drop((wtx, rx));
        let written = writer
            .await
            .map_err(|e| Error::Internal(format!("writing an import: {e}")))?;
        compared?;
        written?;
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

    /// Compares a batch with the rows here; what it writes, if anything.
    async fn entries(
        &mut self,
        batch: Vec<(usize, TimeEntry)>,
        plan: &mut KindPlan,
    ) -> Result<Option<Writes>, Error> {
        let batch_len = batch.len();
        let mut rows = Vec::with_capacity(batch_len);
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
                description: trimmed(e.description),
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
        let here: HashMap<Uuid, time_entries::Model> = if self.nothing_here {
            HashMap::new()
        } else {
            self.scope
                .find::<time_entries::Entity>()
                .filter(time_entries::Column::Id.is_in(ids.clone()))
                .all(self.txn)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect()
        };
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
        let mut updates = Vec::new();
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
                Change::Updated => updates.push(row.clone().into_active_model().reset_all()),
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
            return Ok(None);
        }
        // A bulk load from the first batch that writes a tenth of its rows,
        // when enough entries are left to be worth rebuilding the indexes.
        let writes = inserts.len() + relinked.len();
        let left = self.total.saturating_sub(self.done) + batch_len as u64;
        if self.bulk.is_none() && writes * 10 >= batch_len && writes > 0 && left >= BULK_FROM {
            self.bulk = Some(BulkLoad::begin(self.txn, BULK_TABLES).await?);
        }
        let backend = self.txn.get_database_backend();
        Ok(Some(Writes {
            updates,
            relinked,
            inserts: chunked(inserts, 500)
                .into_iter()
                .map(|c| time_entries::Entity::insert_many(c).build(backend))
                .collect(),
            links: chunked(links, 2_000)
                .into_iter()
                .map(|c| time_entry_tags::Entity::insert_many(c).build(backend))
                .collect(),
        }))
    }
}

/// What one batch of entries writes.
pub(super) struct Writes {
    updates: Vec<time_entries::ActiveModel>,
    /// Entries whose tags are set again.
    relinked: Vec<Uuid>,
    /// The inserts, built while the previous batch was written.
    inserts: Vec<Statement>,
    links: Vec<Statement>,
}

impl Writes {
    async fn apply(self, txn: &DatabaseTransaction, scope: &Scope) -> Result<(), Error> {
        for row in self.updates {
            scope.update(txn, row).await?;
        }
        if !self.relinked.is_empty() {
            scope
                .delete_many::<time_entry_tags::Entity>()
                .filter(time_entry_tags::Column::EntryId.is_in(self.relinked))
                .exec(txn)
                .await?;
        }
        for stmt in self.inserts.into_iter().chain(self.links) {
            txn.execute_raw(stmt).await?;
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
        if self.running_elsewhere.contains(&row.user_id) {
            self.problems.push(Problem::at(
                path.clone(),
                format!(
                    "{person} has a timer running in another workspace, and a person runs one timer \
                     at a time; stop that timer first"
                ),
            ));
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

/// The string without surrounding white space, reusing it when it has none.
fn trimmed(s: String) -> String {
    if s.trim().len() == s.len() {
        s
    } else {
        s.trim().to_string()
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

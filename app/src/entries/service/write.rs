//! Creating, editing, deleting and restoring entries, and the rules they
//! share with the timer (description, references, tags, span).

use super::*;

/// A trimmed description of at most 2,000 characters.
pub fn description(raw: &str) -> Result<String, Error> {
    checked_description(raw).map(str::to_string)
}

/// [`description`] without the copy (the import checks a million).
pub fn checked_description(raw: &str) -> Result<&str, Error> {
    let d = raw.trim();
    if d.chars().count() > 2000 {
        return Err(Error::invalid(
            "description",
            "Use at most 2,000 characters.",
        ));
    }
    if d.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::invalid(
            "description",
            "Descriptions cannot contain control characters.",
        ));
    }
    Ok(d)
}

/// Checks that the project and tags belong to this workspace. An archived
/// project is refused unless the entry is already on it.
pub async fn checked_refs(
    db: &impl ConnectionTrait,
    scope: &Scope,
    project_id: Option<Uuid>,
    tag_ids: &[Uuid],
    current_project: Option<Uuid>,
) -> Result<(Option<projects::Model>, Vec<Uuid>), Error> {
    let project = match project_id {
        None => None,
        Some(id) => {
            let p = scope
                .get::<projects::Entity>(db, id, "The project")
                .await
                .map_err(|_| {
                    Error::invalid("project_id", "Choose a project from this workspace.")
                })?;
            if p.archived_at.is_some() && current_project != Some(id) {
                return Err(Error::invalid(
                    "project_id",
                    format!(
                        "The project “{}” is archived. Unarchive it to track time on it.",
                        p.name
                    ),
                ));
            }
            Some(p)
        }
    };
    let mut tags: Vec<Uuid> = tag_ids.to_vec();
    tags.sort();
    tags.dedup();
    if tags.len() > 50 {
        return Err(Error::invalid(
            "tag_ids",
            "Use at most 50 tags on one entry.",
        ));
    }
    if !tags.is_empty() {
        let found = scope
            .find::<tags::Entity>()
            .filter(tags::Column::Id.is_in(tags.clone()))
            .count(db)
            .await?;
        if found as usize != tags.len() {
            return Err(Error::invalid(
                "tag_ids",
                "Choose tags from this workspace.",
            ));
        }
    }
    Ok((project, tags))
}

/// Replaces an entry's tags.
pub async fn set_tags(
    db: &impl ConnectionTrait,
    scope: &Scope,
    entry_id: Uuid,
    tag_ids: &[Uuid],
) -> Result<(), Error> {
    scope
        .delete_many::<time_entry_tags::Entity>()
        .filter(time_entry_tags::Column::EntryId.eq(entry_id))
        .exec(db)
        .await?;
    if !tag_ids.is_empty() {
        time_entry_tags::Entity::insert_many(tag_ids.iter().map(|t| {
            time_entry_tags::ActiveModel {
                entry_id: Set(entry_id),
                tag_id: Set(*t),
                workspace_id: Set(scope.workspace_id),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// A finished entry to add, in UTC: what both doors give [`create`] (the
/// page's form through [`EntryForm::parse`], the API from its JSON).
#[derive(Clone, Debug)]
pub struct NewEntry {
    pub description: String,
    pub project_id: Option<Uuid>,
    pub tag_ids: Vec<Uuid>,
    /// `None` takes the project's default.
    pub billable: Option<bool>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The person confirmed an entry longer than 24 hours.
    pub confirm_long: bool,
}

/// Changes to an entry, in UTC; `None` keeps a field as it is. [`update`]
/// merges them with the stored entry inside its transaction.
#[derive(Clone, Debug, Default)]
pub struct EntryChanges {
    pub description: Option<String>,
    /// `Some(None)` takes the entry off its project.
    pub project_id: Option<Option<Uuid>>,
    pub tag_ids: Option<Vec<Uuid>>,
    /// `Some(None)` takes the (new) project's default.
    pub billable: Option<Option<bool>>,
    pub start: Option<DateTime<Utc>>,
    /// A running timer has no end to set: stop it first.
    pub end: Option<DateTime<Utc>>,
    /// The person confirmed an entry longer than 24 hours.
    pub confirm_long: bool,
    /// The person confirmed changing an entry on a sent or paid invoice.
    pub confirm_invoiced: bool,
    /// Refuse to change the running timer (the API has `/timer` for it;
    /// the page's edit form may move its start).
    pub finished_only: bool,
}

impl EntryForm {
    /// The form's strings as a command: `datetime-local` times read in
    /// the person's zone `tz`, each refusal naming its field.
    pub fn parse(&self, tz: Tz) -> Result<NewEntry, Error> {
        let description = description(&self.description)?;
        Ok(NewEntry {
            description,
            project_id: self.project_id,
            tag_ids: self.tag_ids.clone(),
            billable: self.billable,
            start: periods::parse_local(tz, &self.start, "start")?,
            end: periods::parse_local(tz, &self.end, "end")?,
            confirm_long: self.confirm_long,
        })
    }

    /// The edit form as changes: every field is sent, and an empty end
    /// (the running timer's form has none) keeps the end as it is.
    pub fn changes(&self, tz: Tz) -> Result<EntryChanges, Error> {
        Ok(EntryChanges {
            description: Some(description(&self.description)?),
            project_id: Some(self.project_id),
            tag_ids: Some(self.tag_ids.clone()),
            billable: Some(self.billable),
            start: Some(periods::parse_local(tz, &self.start, "start")?),
            end: match self.end.trim() {
                "" => None,
                end => Some(periods::parse_local(tz, end, "end")?),
            },
            confirm_long: self.confirm_long,
            confirm_invoiced: self.confirm_invoiced,
            finished_only: false,
        })
    }
}

/// `t` without its fraction of a second.
fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(0)
}

/// Both times within the years 1900 to 2999, the end after the start, and
/// a confirmation for entries longer than 24 hours.
pub fn checked_span(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    confirm_long: bool,
) -> Result<(), Error> {
    use chrono::Datelike;
    periods::check_year(start.year(), "start")?;
    periods::check_year(end.year(), "end")?;
    if end <= start {
        return Err(Error::invalid("end", "The end must be after the start."));
    }
    let secs = (end - start).num_seconds();
    if secs > LONG_ENTRY_SECS && !confirm_long {
        return Err(Error::invalid(
            "confirm_long",
            format!(
                "This entry is {} hours long. Check the times, or confirm that it really is longer than 24 hours.",
                periods::hours_minutes(secs)
            ),
        ));
    }
    Ok(())
}

/// The entry with `id` if this person may change it: their own, or any
/// entry for owners and admins.
pub async fn editable(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<time_entries::Model, Error> {
    let m = live(scope)
        .filter(time_entries::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("The time entry"))?;
    may_change(scope, &m)?;
    Ok(m)
}

/// Members change only their own entries; owners and admins any.
fn may_change(scope: &Scope, m: &time_entries::Model) -> Result<(), Error> {
    if m.user_id != scope.user_id && !scope.role.can_manage() {
        return Err(Error::forbidden(
            "You can change only your own time entries.",
        ));
    }
    Ok(())
}

/// An entry's fields as they are written, checked except for references.
pub(crate) struct Row {
    pub description: String,
    pub project_id: Option<Uuid>,
    pub tag_ids: Vec<Uuid>,
    /// `None` takes the project's default.
    pub billable: Option<bool>,
    pub started_at: DateTime<Utc>,
    /// `None` for a running timer.
    pub ended_at: Option<DateTime<Utc>>,
}

/// The one write of an entry, for the list and the timer alike, inside
/// the caller's transaction: checks the project and tags, applies the
/// project's billable default, inserts (`current` is `None`) or updates,
/// replaces the tags, and reads the entry back.
pub(crate) async fn write_entry(
    txn: &impl ConnectionTrait,
    scope: &Scope,
    current: Option<&time_entries::Model>,
    row: Row,
    now: DateTime<Utc>,
) -> Result<Entry, Error> {
    let (project, tags) = checked_refs(
        txn,
        scope,
        row.project_id,
        &row.tag_ids,
        current.and_then(|c| c.project_id),
    )
    .await?;
    let billable = row
        .billable
        .unwrap_or(project.as_ref().is_some_and(|p| p.billable));
    let m = match current {
        Some(c) => {
            scope
                .update(
                    txn,
                    time_entries::ActiveModel {
                        id: Set(c.id),
                        description: Set(row.description),
                        project_id: Set(row.project_id),
                        billable: Set(billable),
                        started_at: Set(row.started_at),
                        ended_at: Set(row.ended_at),
                        updated_at: Set(now),
                        ..Default::default()
                    },
                )
                .await?
        }
        None => time_entries::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(scope.workspace_id),
            user_id: Set(scope.user_id),
            description: Set(row.description),
            project_id: Set(row.project_id),
            billable: Set(billable),
            started_at: Set(row.started_at),
            ended_at: Set(row.ended_at),
            invoice_id: Set(None),
            deleted_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await
        .map_err(|e| {
            if crate::db::is_unique_violation(&e) {
                // The one unique rule an entry can break: one running
                // timer per person and workspace.
                Error::Conflict(
                    "A timer was just started on another device. Reload to see it.".into(),
                )
            } else {
                e.into()
            }
        })?,
    };
    set_tags(txn, scope, m.id, &tags).await?;
    Ok(entries_of(txn, scope, vec![m], now).await?.remove(0))
}

pub async fn create(
    db: &DatabaseConnection,
    scope: &Scope,
    input: NewEntry,
    now: DateTime<Utc>,
) -> Result<Entry, Error> {
    scope.writable()?;
    let description = description(&input.description)?;
    // Entries are kept to the second, whichever door they came through.
    let (start, end) = (whole_second(input.start), whole_second(input.end));
    checked_span(start, end, input.confirm_long)?;
    let txn = crate::db::begin_write(db).await?;
    let row = Row {
        description,
        project_id: input.project_id,
        tag_ids: input.tag_ids,
        billable: input.billable,
        started_at: start,
        ended_at: Some(end),
    };
    let entry = write_entry(&txn, scope, None, row, now).await?;
    txn.commit().await?;
    Ok(entry)
}

/// Tag ids on an entry.
pub(crate) async fn tag_ids_of(
    db: &impl ConnectionTrait,
    scope: &Scope,
    entry_id: Uuid,
) -> Result<Vec<Uuid>, Error> {
    Ok(scope
        .find::<time_entry_tags::Entity>()
        .filter(time_entry_tags::Column::EntryId.eq(entry_id))
        .select_only()
        .column(time_entry_tags::Column::TagId)
        .into_tuple()
        .all(db)
        .await?)
}

/// Applies `changes` to the entry `id`, merged with the stored entry in
/// the same transaction, so two edits of different fields both land.
pub async fn update(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    changes: EntryChanges,
    now: DateTime<Utc>,
) -> Result<Entry, Error> {
    scope.writable()?;
    let description = changes
        .description
        .as_deref()
        .map(description)
        .transpose()?;
    let txn = crate::db::begin_write(db).await?;
    let current = editable(&txn, scope, id).await?;
    if current.ended_at.is_none() && changes.finished_only {
        return Err(Error::Conflict(
            "This entry is the running timer. Stop the timer first, then edit the entry.".into(),
        ));
    }
    let on_issued_invoice = match current.invoice_id {
        Some(i) => !crate::invoices::service::issued(&txn, scope, vec![i])
            .await?
            .is_empty(),
        None => false,
    };
    if on_issued_invoice && !changes.confirm_invoiced {
        return Err(Error::invalid(
            "confirm_invoiced",
            "This entry is on a sent or paid invoice. Changing it will not change the invoice; confirm to save anyway.",
        ));
    }
    let start = whole_second(changes.start.unwrap_or(current.started_at));
    let end = match current.ended_at {
        // A running timer keeps running; only its start can move.
        None => {
            if changes.end.is_some() {
                return Err(Error::invalid(
                    "end",
                    "This entry is the running timer. Stop it before setting its end.",
                ));
            }
            if start > now {
                return Err(Error::invalid(
                    "start",
                    "A running timer cannot start in the future.",
                ));
            }
            None
        }
        Some(stored) => {
            let end = whole_second(changes.end.unwrap_or(stored));
            // A long entry was confirmed when its times were set; an edit
            // that keeps them (a new description, say) asks nothing again.
            let same_times =
                start == whole_second(current.started_at) && end == whole_second(stored);
            checked_span(start, end, changes.confirm_long || same_times)?;
            Some(end)
        }
    };
    let project_id = changes.project_id.unwrap_or(current.project_id);
    let tag_ids = match changes.tag_ids {
        Some(t) => t,
        None => tag_ids_of(&txn, scope, id).await?,
    };
    let billable = match changes.billable {
        Some(b) => b,
        None => Some(current.billable),
    };
    let row = Row {
        description: description.unwrap_or_else(|| current.description.clone()),
        project_id,
        tag_ids,
        billable,
        started_at: start,
        ended_at: end,
    };
    let entry = write_entry(&txn, scope, Some(&current), row, now).await?;
    txn.commit().await?;
    Ok(entry)
}

/// Deletes an entry so that [`restore`] can bring it back for a short
/// while; entries deleted longer ago are removed for good here.
pub async fn delete(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    scope.writable()?;
    let txn = crate::db::begin_write(db).await?;
    let m = editable(&txn, scope, id).await?;
    if m.invoice_id.is_some() {
        return Err(Error::Conflict(
            "This entry is on an invoice. Delete the draft invoice first, or keep the entry."
                .into(),
        ));
    }
    scope
        .update_many::<time_entries::Entity>()
        .col_expr(time_entries::Column::DeletedAt, Expr::value(Some(now)))
        // A deleted running timer stops, so a new one can start.
        .col_expr(
            time_entries::Column::EndedAt,
            Expr::value(Some(m.ended_at.unwrap_or(now))),
        )
        .filter(time_entries::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    scope
        .delete_many::<time_entries::Entity>()
        .filter(time_entries::Column::DeletedAt.lt(now - chrono::Duration::seconds(UNDO_SECS)))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Undoes a delete made in the last [`UNDO_SECS`] seconds.
pub async fn restore(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    scope.writable()?;
    let m = scope
        .get::<time_entries::Entity>(db, id, "The time entry")
        .await?;
    may_change(scope, &m)?;
    match m.deleted_at {
        None => Ok(()),
        Some(at) if (now - at).num_seconds() <= UNDO_SECS => {
            scope
                .update_many::<time_entries::Entity>()
                .col_expr(
                    time_entries::Column::DeletedAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .filter(time_entries::Column::Id.eq(id))
                .exec(db)
                .await?;
            Ok(())
        }
        Some(_) => Err(Error::Conflict(
            "It is too late to undo this delete.".into(),
        )),
    }
}

//! Reading the entries an export holds: the names they point at, the
//! people who tracked them, and the entries themselves a page at a time in
//! start order (keyset pages, so each statement is cheap however deep).

use crate::db::entities::{
    clients, invoices, projects, tags, time_entries, time_entry_tags, users, workspaces,
};
use crate::entries::service::{live, tag_links};
use crate::error::Error;
use crate::tenant::Scope;
use crate::time_filter::service::Selection;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Entries read per statement.
const PAGE: u64 = 5_000;

/// Someone who tracked time, as the rows name them.
pub(super) struct Person {
    pub name: String,
    pub email: String,
    pub tz: Tz,
}

/// What the rows need of a project.
pub(super) struct ProjectInfo {
    pub name: String,
    pub client_id: Option<Uuid>,
    pub hourly_rate_cents: Option<i64>,
}

impl Person {
    /// From a user's name, email and timezone; a user that is gone is
    /// named by nothing, in UTC.
    pub fn of(user: Option<(String, String, String)>) -> Person {
        match user {
            Some((name, email, tz)) => Person {
                tz: crate::periods::zone(&tz),
                name,
                email,
            },
            None => Person {
                name: String::new(),
                email: String::new(),
                tz: Tz::UTC,
            },
        }
    }
}

/// Names the rows point at, read once.
pub(super) struct Lookup {
    pub projects: HashMap<Uuid, ProjectInfo>,
    pub clients: HashMap<Uuid, String>,
    pub tags: HashMap<Uuid, String>,
    pub invoices: HashMap<Uuid, String>,
    pub currency: String,
    pub default_rate_cents: Option<i64>,
}

impl Lookup {
    pub async fn load(txn: &impl ConnectionTrait, scope: &Scope) -> Result<Lookup, Error> {
        let ws = workspaces::Entity::find_by_id(scope.workspace_id)
            .one(txn)
            .await?
            .ok_or_else(|| Error::not_found("The workspace"))?;
        Ok(Lookup {
            projects: scope
                .find::<projects::Entity>()
                .all(txn)
                .await?
                .into_iter()
                .map(|p| {
                    let info = ProjectInfo {
                        name: p.name,
                        client_id: p.client_id,
                        hourly_rate_cents: p.hourly_rate_cents,
                    };
                    (p.id, info)
                })
                .collect(),
            clients: scope
                .find::<clients::Entity>()
                .all(txn)
                .await?
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect(),
            tags: scope
                .find::<tags::Entity>()
                .all(txn)
                .await?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect(),
            invoices: scope
                .find::<invoices::Entity>()
                .select_only()
                .column(invoices::Column::Id)
                .column(invoices::Column::Number)
                .into_tuple::<(Uuid, i64)>()
                .all(txn)
                .await?
                .into_iter()
                .map(|(id, n)| (id, crate::invoices::number_text(n)))
                .collect(),
            currency: ws.currency,
            default_rate_cents: ws.default_rate_cents,
        })
    }
}

/// People by id, each read when first met.
#[derive(Default)]
pub(super) struct People(HashMap<Uuid, Person>);

impl People {
    pub async fn get(&mut self, txn: &impl ConnectionTrait, id: Uuid) -> Result<&Person, Error> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.0.entry(id) {
            let u = users::Entity::find_by_id(id).one(txn).await?;
            slot.insert(Person::of(u.map(|u| (u.name, u.email, u.timezone))));
        }
        Ok(&self.0[&id])
    }
}

/// The selected entries in start order, a page at a time, each page with
/// its entries' tag ids.
pub(super) struct EntryPages<'a> {
    sel: &'a Selection,
    finished_only: bool,
    after: Option<(DateTime<Utc>, Uuid)>,
    done: bool,
}

/// A page of entries and the tag ids of each.
pub(super) type Page = (Vec<time_entries::Model>, HashMap<Uuid, Vec<Uuid>>);

impl<'a> EntryPages<'a> {
    /// `finished_only` leaves running entries out.
    pub fn new(sel: &'a Selection, finished_only: bool) -> Self {
        EntryPages {
            sel,
            finished_only,
            after: None,
            done: false,
        }
    }

    pub async fn next(
        &mut self,
        txn: &impl ConnectionTrait,
        scope: &Scope,
    ) -> Result<Option<Page>, Error> {
        if self.done {
            return Ok(None);
        }
        let mut q = self.sel.narrow(live(scope));
        if self.finished_only {
            q = q.filter(time_entries::Column::EndedAt.is_not_null());
        }
        if let Some((t, id)) = self.after {
            q = q.filter(
                Condition::any()
                    .add(time_entries::Column::StartedAt.gt(t))
                    .add(
                        Condition::all()
                            .add(time_entries::Column::StartedAt.eq(t))
                            .add(time_entries::Column::Id.gt(id)),
                    ),
            );
        }
        let page = q
            .order_by_asc(time_entries::Column::StartedAt)
            .order_by_asc(time_entries::Column::Id)
            .limit(PAGE)
            .all(txn)
            .await?;
        self.done = (page.len() as u64) < PAGE;
        let Some(last) = page.last() else {
            return Ok(None);
        };
        self.after = Some((last.started_at, last.id));
        let ids = page.iter().map(|e| e.id);
        let tags = tag_links(txn, scope, time_entry_tags::Column::EntryId.is_in(ids)).await?;
        Ok(Some((page, tags)))
    }
}

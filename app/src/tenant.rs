//! The one path to tenant rows (security.md M1–M2). A [`Scope`] says which
//! workspace a request acts in and with what role; it is made only from an
//! authenticated context (a session or an API token). Tenant queries start
//! from `scope.find::<E>()`, updates and deletes from
//! `scope.update::<A>()` (one row), `scope.update_many::<E>()` and
//! `scope.delete_many::<E>()`: each always
//! filters by the workspace.

use crate::db::entities::{
    api_tokens, clients, import_jobs, invoice_lines, invoices, memberships, projects, sessions,
    tags, time_entries, time_entry_tags, workspace_snapshots, workspaces,
};
use crate::error::Error;
use crate::types::{ArchiveFilter, BillingStatus, Plan, Role};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DeleteMany, EntityTrait, IntoActiveModel,
    JoinType, PrimaryKeyTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, Related,
    RelationDef, Select, UpdateMany,
};
use uuid::Uuid;

/// A table whose rows belong to one workspace.
pub trait TenantEntity: EntityTrait {
    fn workspace_column() -> Self::Column;
}

macro_rules! tenant {
    ($($m:ident),*) => {$(
        impl TenantEntity for $m::Entity {
            fn workspace_column() -> Self::Column {
                $m::Column::WorkspaceId
            }
        }
    )*};
}

tenant!(
    memberships,
    clients,
    projects,
    tags,
    time_entries,
    time_entry_tags,
    invoices,
    invoice_lines,
    api_tokens,
    workspace_snapshots,
    import_jobs
);

/// The scope of `user_id` in `workspace_id`; "not found" when they are
/// not a member.
pub async fn scope_of(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
) -> Result<Scope, Error> {
    // One statement: the membership and its workspace.
    let (m, w) = memberships::Entity::find_by_id((workspace_id, user_id))
        .find_also_related(workspaces::Entity)
        .one(db)
        .await?
        .and_then(|(m, w)| Some((m, w?)))
        .ok_or_else(|| Error::not_found("The workspace"))?;
    Ok(Scope::from_stored(
        workspace_id,
        user_id,
        &m.role,
        &w.plan,
        &w.billing_status,
        w.data_version,
    ))
}

/// The scope of the administrator's command line in `workspace_id`: acting
/// as its first owner, with an owner's rights.
pub async fn owner_scope(db: &impl ConnectionTrait, workspace_id: Uuid) -> Result<Scope, Error> {
    let owner = memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(workspace_id))
        .filter(memberships::Column::Role.eq(Role::Owner.as_str()))
        .order_by_asc(memberships::Column::CreatedAt)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("The workspace"))?;
    scope_of(db, workspace_id, owner.user_id).await
}

/// The scope of a signed-in person's session: its current workspace, or,
/// when they left it or never had one, the first workspace they joined
/// (which becomes the session's current one).
pub async fn session_scope(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    user_id: Uuid,
    current_workspace_id: Option<Uuid>,
) -> Result<Scope, Error> {
    if let Some(ws) = current_workspace_id {
        match scope_of(db, ws, user_id).await {
            Ok(scope) => return Ok(scope),
            Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let first = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .order_by_asc(memberships::Column::CreatedAt)
        .one(db)
        .await?
        .ok_or_else(|| {
            Error::forbidden(
                "You no longer belong to any workspace. Create a new workspace to continue.",
            )
        })?;
    sessions::Entity::update_many()
        .col_expr(
            sessions::Column::CurrentWorkspaceId,
            Expr::value(first.workspace_id),
        )
        .filter(sessions::Column::Id.eq(session_id))
        .exec(db)
        .await?;
    scope_of(db, first.workspace_id, user_id).await
}

/// The workspace a request acts in, the person acting, and their role.
#[derive(Clone, Debug)]
pub struct Scope {
    pub workspace_id: Uuid,
    pub user_id: Uuid,
    pub role: Role,
    pub plan: Plan,
    pub billing_status: BillingStatus,
    /// The workspace's data version when the request began (see
    /// `workspaces::Model::data_version`); cached entry pages read at this
    /// version are current for the request.
    pub data_version: i64,
}

impl Scope {
    /// A scope from a membership's role and its workspace's columns as
    /// stored; an unknown value falls to the least it could allow.
    pub fn from_stored(
        workspace_id: Uuid,
        user_id: Uuid,
        role: &str,
        plan: &str,
        billing_status: &str,
        data_version: i64,
    ) -> Self {
        Scope {
            workspace_id,
            user_id,
            role: Role::parse(role).unwrap_or(Role::Member),
            plan: Plan::parse(plan).unwrap_or(Plan::Free),
            billing_status: BillingStatus::parse(billing_status).unwrap_or(BillingStatus::ReadOnly),
            data_version,
        }
    }

    /// Rows of `E` in this workspace, and only those.
    pub fn find<E: TenantEntity>(&self) -> Select<E> {
        E::find().filter(E::workspace_column().eq(self.workspace_id))
    }

    /// An update of rows of `E` in this workspace, and only those.
    pub fn update_many<E: TenantEntity>(&self) -> UpdateMany<E> {
        E::update_many().filter(E::workspace_column().eq(self.workspace_id))
    }

    /// Saves the changed columns of one row by its id, in this workspace
    /// only: a row of another workspace is not touched (the update fails as
    /// if the row did not exist). The updated row comes back.
    pub async fn update<A, C>(
        &self,
        db: &C,
        row: A,
    ) -> Result<<A::Entity as EntityTrait>::Model, sea_orm::DbErr>
    where
        A: ActiveModelTrait + Send,
        A::Entity: TenantEntity,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
        C: ConnectionTrait,
    {
        <A::Entity as EntityTrait>::update(row)
            .validate()?
            .filter(<A::Entity as TenantEntity>::workspace_column().eq(self.workspace_id))
            .exec(db)
            .await
    }

    /// The workspace's row, locked for the rest of write transaction `txn`:
    /// writes that read before they write (invoice numbers, the last owner)
    /// take it first, so two at once go one after the other. PostgreSQL
    /// takes a row lock (`FOR UPDATE`); on SQLite a write transaction
    /// (`db::begin_write`) already holds the one write lock.
    pub async fn lock_workspace(
        &self,
        txn: &impl ConnectionTrait,
    ) -> Result<workspaces::Model, Error> {
        workspaces::Entity::find_by_id(self.workspace_id)
            .lock_exclusive()
            .one(txn)
            .await?
            .ok_or_else(|| Error::not_found("The workspace"))
    }

    /// Begins the write transaction of a change to the whole workspace (an
    /// import, Clear Workspace). See [`begin_whole_workspace`].
    pub async fn begin_whole_workspace(
        &self,
        db: &sea_orm::DatabaseConnection,
    ) -> Result<(sea_orm::DatabaseTransaction, WholeWorkspace), Error> {
        begin_whole_workspace(db, self.workspace_id).await
    }

    /// A delete of rows of `E` in this workspace, and only those.
    pub fn delete_many<E: TenantEntity>(&self) -> DeleteMany<E> {
        E::delete_many().filter(E::workspace_column().eq(self.workspace_id))
    }

    /// The row of `E` with this id in this workspace; "not found" (naming
    /// `what`) for a missing id and for another workspace's row alike.
    pub async fn get<E>(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
        what: &str,
    ) -> Result<E::Model, Error>
    where
        E: TenantEntity,
        <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
    {
        E::find_by_id(id)
            .filter(E::workspace_column().eq(self.workspace_id))
            .one(db)
            .await?
            .ok_or_else(|| Error::not_found(what))
    }

    /// Refuses writes while the workspace is read-only for billing.
    pub fn writable(&self) -> Result<&Self, Error> {
        match self.billing_status {
            BillingStatus::Active => Ok(self),
            BillingStatus::ReadOnly => Err(Error::WorkspaceReadOnly),
        }
    }

    /// Owners and admins only.
    pub fn manager(&self) -> Result<&Self, Error> {
        if self.role.can_manage() {
            Ok(self)
        } else {
            Err(Error::forbidden(
                "Only workspace owners and admins can do this.",
            ))
        }
    }

    pub fn owner(&self) -> Result<&Self, Error> {
        if self.role == Role::Owner {
            Ok(self)
        } else {
            Err(Error::forbidden("Only workspace owners can do this."))
        }
    }
}

/// Adds to the statement that finds a session or an API token the acting
/// person's membership (joined by `membership`, on the row's workspace and
/// person) and its workspace, so a request authenticates and learns its
/// scope in one statement. [`scope_in_row`] reads the result.
pub fn with_scope<Q: QuerySelect>(q: Q, membership: RelationDef) -> Q {
    q.join(JoinType::LeftJoin, membership)
        .join(
            JoinType::LeftJoin,
            <memberships::Entity as Related<workspaces::Entity>>::to(),
        )
        .column_as(memberships::Column::Role, "scope_role")
        .column_as(workspaces::Column::Plan, "scope_plan")
        .column_as(workspaces::Column::BillingStatus, "scope_billing_status")
        .column_as(workspaces::Column::DataVersion, "scope_data_version")
}

/// The scope [`with_scope`] read for `workspace_id` and `user_id`, or
/// `None` when the person is not a member of it (or there is no workspace).
pub fn scope_in_row(
    row: &QueryResult,
    workspace_id: Option<Uuid>,
    user_id: Uuid,
) -> Result<Option<Scope>, Error> {
    let role: Option<String> = row.try_get("", "scope_role")?;
    let plan: Option<String> = row.try_get("", "scope_plan")?;
    let billing: Option<String> = row.try_get("", "scope_billing_status")?;
    let version: Option<i64> = row.try_get("", "scope_data_version")?;
    Ok(scope_from_columns(
        workspace_id,
        user_id,
        role,
        plan,
        billing,
        version,
    ))
}

/// The scope from [`with_scope`]'s columns, however they were read.
pub fn scope_from_columns(
    workspace_id: Option<Uuid>,
    user_id: Uuid,
    role: Option<String>,
    plan: Option<String>,
    billing: Option<String>,
    version: Option<i64>,
) -> Option<Scope> {
    match (workspace_id, role, plan, billing, version) {
        (Some(ws), Some(role), Some(plan), Some(billing), Some(version)) => Some(
            Scope::from_stored(ws, user_id, &role, &plan, &billing, version),
        ),
        _ => None,
    }
}

/// Narrows a query to active, archived or all rows by its `archived_at` column.
pub fn archived<E: EntityTrait>(
    q: Select<E>,
    archived_at: E::Column,
    filter: ArchiveFilter,
) -> Select<E> {
    match filter {
        ArchiveFilter::Active => q.filter(archived_at.is_null()),
        ArchiveFilter::Archived => q.filter(archived_at.is_not_null()),
        ArchiveFilter::All => q,
    }
}

/// Held while one change of a whole workspace runs; dropped after its
/// transaction ends (see [`begin_whole_workspace`]).
#[must_use = "the workspace is claimed only while this is held"]
pub struct WholeWorkspace {
    _file: Option<std::fs::File>,
}

/// The sentence a second change of the whole workspace gets.
const WHOLE_WORKSPACE_BUSY: &str =
    "Another import or change of this whole workspace is running. Try again when it has finished.";

/// Begins the write transaction of a change to the whole workspace (an
/// import, Clear Workspace), one at a time per workspace on every instance
/// and process: a second is refused at once with a sentence instead of
/// queueing behind the first.
///
/// PostgreSQL locks the workspace's row without waiting (`FOR NO KEY
/// UPDATE NOWAIT`: claims exclude each other and writes that move the
/// workspace's data version wait, but rows that merely reference the
/// workspace, such as the import's own job row, can still be written). SQLite would only queue the second behind its one write lock,
/// so it first takes an OS lock on a small file beside the database,
/// `<database>-workspace-<id>.lock`, which the CLI and the server share and
/// which is let go when the claim is dropped or the process dies.
pub async fn begin_whole_workspace(
    db: &sea_orm::DatabaseConnection,
    workspace_id: Uuid,
) -> Result<(sea_orm::DatabaseTransaction, WholeWorkspace), Error> {
    let file = match crate::db::direct::sqlite_file_of(db) {
        Some(path) => Some(claim_file(&path, workspace_id)?),
        None => None,
    };
    let txn = crate::db::begin_write(db).await?;
    use sea_orm::sea_query::{LockBehavior, LockType};
    workspaces::Entity::find_by_id(workspace_id)
        .lock_with_behavior(LockType::NoKeyUpdate, LockBehavior::Nowait)
        .one(&txn)
        .await
        .map_err(|e| {
            // 55P03: lock_not_available.
            let text = e.to_string();
            if text.contains("55P03") || text.contains("could not obtain lock") {
                Error::Conflict(WHOLE_WORKSPACE_BUSY.into())
            } else {
                e.into()
            }
        })?
        .ok_or_else(|| Error::not_found("The workspace"))?;
    Ok((txn, WholeWorkspace { _file: file }))
}

/// The OS lock on `<database>-workspace-<id>.lock`, or the busy sentence.
fn claim_file(database: &std::path::Path, workspace_id: Uuid) -> Result<std::fs::File, Error> {
    let mut name = database.as_os_str().to_owned();
    name.push(format!("-workspace-{workspace_id}.lock"));
    let failed = |e: std::io::Error| Error::Internal(format!("workspace lock {name:?}: {e}"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&name)
        .map_err(failed)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Conflict(WHOLE_WORKSPACE_BUSY.into())),
        Err(std::fs::TryLockError::Error(e)) => Err(failed(e)),
    }
}

//! The one path to tenant rows (security.md M1–M2). A [`Scope`] says which
//! workspace a request acts in and with what role; it is made only from an
//! authenticated context (a session here, a token later). Tenant queries
//! start from `scope.find::<E>()`, which always filters by the workspace.

use crate::db::entities::{
    api_tokens, clients, invoice_lines, invoices, memberships, projects, tags, time_entries,
    time_entry_tags,
};
use crate::error::Error;
use crate::types::{ArchiveFilter, BillingStatus, Plan, Role};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter, Select};
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
    api_tokens
);

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
    /// Rows of `E` in this workspace, and only those.
    pub fn find<E: TenantEntity>(&self) -> Select<E> {
        E::find().filter(E::workspace_column().eq(self.workspace_id))
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

//! Clients: who the work is for. Archived clients leave pickers and default
//! lists but keep their history.

use crate::error::AppError;
use crate::types::{ArchiveFilter, Client};
use leptos::prelude::*;
use uuid::Uuid;

#[server(prefix = "/rpc", endpoint = "list_clients")]
pub async fn list_clients(filter: ArchiveFilter) -> Result<Vec<Client>, AppError> {
    crate::context::scoped(|ctx, scope| async move { service::list(&ctx.db, &scope, filter).await })
        .await
}

#[server(prefix = "/rpc", endpoint = "create_client")]
pub async fn create_client(name: String) -> Result<Client, AppError> {
    crate::context::scoped(|ctx, scope| async move {
        service::create(&ctx.db, &scope, &name, ctx.now).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "update_client")]
pub async fn update_client(id: Uuid, name: String, archived: bool) -> Result<Client, AppError> {
    crate::context::scoped(|ctx, scope| async move {
        service::update(&ctx.db, &scope, id, &name, archived, ctx.now).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "delete_client")]
pub async fn delete_client(id: Uuid) -> Result<(), AppError> {
    crate::context::scoped(|ctx, scope| async move { service::delete(&ctx.db, &scope, id).await })
        .await
}

#[cfg(feature = "ssr")]
pub mod service {
    use crate::db::entities::{clients, projects};
    use crate::error::Error;
    use crate::tenant::Scope;
    use crate::types::{ArchiveFilter, Client};
    use crate::validate;
    use chrono::{DateTime, Utc};
    use sea_orm::sea_query::Expr;
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter,
        QueryOrder, Set,
    };
    use uuid::Uuid;

    fn view(m: clients::Model) -> Client {
        Client {
            id: m.id,
            name: m.name,
            archived: m.archived_at.is_some(),
        }
    }

    pub async fn list(
        db: &DatabaseConnection,
        scope: &Scope,
        filter: ArchiveFilter,
    ) -> Result<Vec<Client>, Error> {
        let q = scope.find::<clients::Entity>();
        Ok(
            crate::tenant::archived(q, clients::Column::ArchivedAt, filter)
                .order_by_asc(clients::Column::NameKey)
                .all(db)
                .await?
                .into_iter()
                .map(view)
                .collect(),
        )
    }

    /// The client with `id` in this workspace; "not found" for any other.
    pub async fn get(
        db: &impl ConnectionTrait,
        scope: &Scope,
        id: Uuid,
    ) -> Result<clients::Model, Error> {
        scope.get::<clients::Entity>(db, id, "The client").await
    }

    pub async fn create(
        db: &DatabaseConnection,
        scope: &Scope,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Client, Error> {
        scope.manager()?.writable()?;
        let (name, key) = validate::name(name, 200, "client")?;
        let model = clients::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(scope.workspace_id),
            name: Set(name.clone()),
            name_key: Set(key),
            archived_at: Set(None),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .map_err(|e| validate::unique_name(e, "client", &name))?;
        Ok(view(model))
    }

    /// Renames and archives or unarchives.
    pub async fn update(
        db: &DatabaseConnection,
        scope: &Scope,
        id: Uuid,
        name: &str,
        archived: bool,
        now: DateTime<Utc>,
    ) -> Result<Client, Error> {
        scope.manager()?.writable()?;
        let current = get(db, scope, id).await?;
        let (name, key) = validate::name(name, 200, "client")?;
        let archived_at = match (archived, current.archived_at) {
            (true, Some(at)) => Some(at),
            (true, None) => Some(now),
            (false, _) => None,
        };
        scope
            .update_many::<clients::Entity>()
            .col_expr(clients::Column::Name, Expr::value(name.clone()))
            .col_expr(clients::Column::NameKey, Expr::value(key))
            .col_expr(clients::Column::ArchivedAt, Expr::value(archived_at))
            .filter(clients::Column::Id.eq(id))
            .exec(db)
            .await
            .map_err(|e| validate::unique_name(e, "client", &name))?;
        Ok(Client {
            id,
            name,
            archived: archived_at.is_some(),
        })
    }

    /// Deletes a client; its projects stay, without a client.
    pub async fn delete(db: &DatabaseConnection, scope: &Scope, id: Uuid) -> Result<(), Error> {
        scope.manager()?.writable()?;
        let txn = crate::db::begin_write(db).await?;
        get(&txn, scope, id).await?;
        scope
            .update_many::<projects::Entity>()
            .col_expr(
                projects::Column::ClientId,
                Expr::value(Option::<Uuid>::None),
            )
            .filter(projects::Column::ClientId.eq(id))
            .exec(&txn)
            .await?;
        scope
            .delete_many::<clients::Entity>()
            .filter(clients::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }
}

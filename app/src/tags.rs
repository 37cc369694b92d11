//! Tags: labels such as `#meetings` or `#dev` that entries, reports and
//! exports filter by.

use crate::error::AppError;
use crate::types::Tag;
use leptos::prelude::*;
use uuid::Uuid;

#[server(prefix = "/rpc", endpoint = "list_tags")]
pub async fn list_tags() -> Result<Vec<Tag>, AppError> {
    crate::context::scoped(|ctx, scope| async move { service::list(&ctx.db, &scope).await }).await
}

#[server(prefix = "/rpc", endpoint = "save_tag")]
pub async fn save_tag(id: Option<Uuid>, name: String, color: String) -> Result<Tag, AppError> {
    crate::context::scoped(|ctx, scope| async move {
        service::save(&ctx.db, &scope, id, &name, &color, ctx.now).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "delete_tag")]
pub async fn delete_tag(id: Uuid) -> Result<(), AppError> {
    crate::context::scoped(|ctx, scope| async move { service::delete(&ctx.db, &scope, id).await })
        .await
}

/// A tag name as people type it: a leading `#` is dropped.
pub fn clean_name(raw: &str) -> &str {
    raw.trim().trim_start_matches('#')
}

#[cfg(feature = "ssr")]
pub mod service {
    use crate::db::entities::tags;
    use crate::error::Error;
    use crate::tenant::Scope;
    use crate::types::Tag;
    use crate::validate;
    use chrono::{DateTime, Utc};
    use sea_orm::sea_query::Expr;
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, DatabaseConnection, QueryFilter, QueryOrder, QuerySelect,
        Set,
    };
    use uuid::Uuid;

    fn view(m: tags::Model) -> Tag {
        Tag {
            id: m.id,
            name: m.name,
            color: m.color,
        }
    }

    /// The ids of the workspace's tags with these names (case-insensitive,
    /// `#` optional), compared whole and literally.
    pub async fn ids_by_names(
        db: &impl sea_orm::ConnectionTrait,
        scope: &Scope,
        names: &[String],
    ) -> Result<Vec<Uuid>, Error> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        if names.len() > crate::entries::service::MAX_FILTER_TAGS {
            return Err(Error::invalid(
                "tags",
                format!(
                    "Filter by at most {} tags.",
                    crate::entries::service::MAX_FILTER_TAGS
                ),
            ));
        }
        let keys: Vec<String> = names
            .iter()
            .map(|n| super::clean_name(n).to_lowercase())
            .collect();
        Ok(scope
            .find::<tags::Entity>()
            .filter(tags::Column::NameKey.is_in(keys))
            .select_only()
            .column(tags::Column::Id)
            .into_tuple::<Uuid>()
            .all(db)
            .await?)
    }

    pub async fn list(db: &DatabaseConnection, scope: &Scope) -> Result<Vec<Tag>, Error> {
        Ok(scope
            .find::<tags::Entity>()
            .order_by_asc(tags::Column::NameKey)
            .all(db)
            .await?
            .into_iter()
            .map(view)
            .collect())
    }

    pub async fn save(
        db: &DatabaseConnection,
        scope: &Scope,
        id: Option<Uuid>,
        name: &str,
        color: &str,
        now: DateTime<Utc>,
    ) -> Result<Tag, Error> {
        scope.manager()?.writable()?;
        let (name, key) = validate::name(super::clean_name(name), 100, "tag")?;
        if name.contains(char::is_whitespace) || name.contains(',') {
            return Err(Error::invalid(
                "name",
                "Tag names cannot contain spaces or commas. Try #client-work.",
            ));
        }
        let color = validate::color(color)?;
        match id {
            None => {
                let m = tags::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    workspace_id: Set(scope.workspace_id),
                    name: Set(name.clone()),
                    name_key: Set(key),
                    color: Set(color),
                    created_at: Set(now),
                }
                .insert(db)
                .await
                .map_err(|e| validate::unique_name(e, "tag", &name))?;
                Ok(view(m))
            }
            Some(id) => {
                let res = scope.get::<tags::Entity>(db, id, "The tag").await?;
                scope
                    .update_many::<tags::Entity>()
                    .col_expr(tags::Column::Name, Expr::value(name.clone()))
                    .col_expr(tags::Column::NameKey, Expr::value(key))
                    .col_expr(tags::Column::Color, Expr::value(color.clone()))
                    .filter(tags::Column::Id.eq(res.id))
                    .exec(db)
                    .await
                    .map_err(|e| validate::unique_name(e, "tag", &name))?;
                Ok(Tag { id, name, color })
            }
        }
    }

    pub async fn delete(db: &DatabaseConnection, scope: &Scope, id: Uuid) -> Result<(), Error> {
        scope.manager()?.writable()?;
        let res = scope
            .delete_many::<tags::Entity>()
            .filter(tags::Column::Id.eq(id))
            .exec(db)
            .await?;
        if res.rows_affected == 0 {
            return Err(Error::not_found("The tag"));
        }
        Ok(())
    }
}

//! Projects: named work with an optional client, a colour, whether its time
//! is billable by default, and an optional hourly rate.

use crate::error::AppError;
use crate::types::{ArchiveFilter, Project};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a person fills in to create or edit a project.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectInput {
    pub name: String,
    #[serde(default)]
    pub client_id: Option<Uuid>,
    pub color: String,
    #[serde(default)]
    pub billable: bool,
    /// Decimal text such as `85` or `85.50`; empty for the workspace default.
    #[serde(default)]
    pub hourly_rate: String,
    #[serde(default)]
    pub archived: bool,
}

#[server(prefix = "/rpc", endpoint = "list_projects")]
pub async fn list_projects(filter: ArchiveFilter) -> Result<Vec<Project>, AppError> {
    crate::context::scoped(|ctx, scope| async move { service::list(&ctx.db, &scope, filter).await })
        .await
}

#[server(prefix = "/rpc", endpoint = "create_project")]
pub async fn create_project(input: ProjectInput) -> Result<Project, AppError> {
    crate::context::scoped(|ctx, scope| async move {
        service::save(&ctx.db, &scope, None, input, ctx.now).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "update_project")]
pub async fn update_project(id: Uuid, input: ProjectInput) -> Result<Project, AppError> {
    crate::context::scoped(|ctx, scope| async move {
        service::save(&ctx.db, &scope, Some(id), input, ctx.now).await
    })
    .await
}

/// Deletes a project. When it has time entries, the person must confirm
/// (`keep_entries`) that the entries stay, without a project.
#[server(prefix = "/rpc", endpoint = "delete_project")]
pub async fn delete_project(
    id: Uuid,
    #[server(default)] keep_entries: bool,
) -> Result<(), AppError> {
    crate::context::scoped(|ctx, scope| async move {
        service::delete(&ctx.db, &scope, id, keep_entries).await
    })
    .await
}

/// Parses `85`, `85.5` or `85.50` into cents; empty means "no rate".
pub fn parse_rate(raw: &str) -> Result<Option<i64>, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let msg = || "Enter an hourly rate like 85 or 85.50, or leave it empty.".to_string();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole
            .chars()
            .chain(frac.chars())
            .all(|c| c.is_ascii_digit())
    {
        return Err(msg());
    }
    let whole: i64 = whole.parse().map_err(|_| msg())?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| msg())?;
    whole
        .checked_mul(100)
        .and_then(|c| c.checked_add(frac))
        .filter(|c| *c <= 100_000_000)
        .map(Some)
        .ok_or_else(|| "That hourly rate is too large.".to_string())
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::{parse_rate, ProjectInput};
    use crate::db::entities::{projects, time_entries};
    use crate::error::Error;
    use crate::tenant::Scope;
    use crate::types::{ArchiveFilter, Project};
    use crate::validate;
    use chrono::{DateTime, Utc};
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, PaginatorTrait,
        QueryFilter, QueryOrder, Set,
    };
    use uuid::Uuid;

    fn view(m: projects::Model) -> Project {
        Project {
            id: m.id,
            name: m.name,
            client_id: m.client_id,
            color: m.color,
            billable: m.billable,
            hourly_rate_cents: m.hourly_rate_cents,
            archived: m.archived_at.is_some(),
        }
    }

    pub async fn list(
        db: &DatabaseConnection,
        scope: &Scope,
        filter: ArchiveFilter,
    ) -> Result<Vec<Project>, Error> {
        let q = scope.find::<projects::Entity>();
        Ok(
            crate::tenant::archived(q, projects::Column::ArchivedAt, filter)
                .order_by_asc(projects::Column::NameKey)
                .all(db)
                .await?
                .into_iter()
                .map(view)
                .collect(),
        )
    }

    pub async fn get(
        db: &impl ConnectionTrait,
        scope: &Scope,
        id: Uuid,
    ) -> Result<projects::Model, Error> {
        scope.get::<projects::Entity>(db, id, "The project").await
    }

    /// Creates (`id` = None) or updates a project after checking every field;
    /// the client must belong to the same workspace.
    pub async fn save(
        db: &DatabaseConnection,
        scope: &Scope,
        id: Option<Uuid>,
        input: ProjectInput,
        now: DateTime<Utc>,
    ) -> Result<Project, Error> {
        scope.manager()?.writable()?;
        let (name, key) = validate::name(&input.name, 200, "project")?;
        let color = validate::color(&input.color)?;
        let rate = parse_rate(&input.hourly_rate).map_err(|m| Error::invalid("hourly_rate", m))?;
        if let Some(client) = input.client_id {
            crate::clients::service::get(db, scope, client)
                .await
                .map_err(|_| Error::invalid("client_id", "Choose a client from this workspace."))?;
        }
        let is_new = id.is_none();
        let (id, created_at, archived_at) = match id {
            None => (Uuid::now_v7(), now, None),
            Some(id) => {
                let cur = get(db, scope, id).await?;
                let archived_at = if input.archived {
                    cur.archived_at.or(Some(now))
                } else {
                    None
                };
                (id, cur.created_at, archived_at)
            }
        };
        let model = projects::ActiveModel {
            id: Set(id),
            workspace_id: Set(scope.workspace_id),
            client_id: Set(input.client_id),
            name: Set(name.clone()),
            name_key: Set(key),
            color: Set(color),
            billable: Set(input.billable),
            hourly_rate_cents: Set(rate),
            archived_at: Set(archived_at),
            created_at: Set(created_at),
        };
        let saved = if is_new {
            model.insert(db).await
        } else {
            scope.update(db, model).await
        }
        .map_err(|e| validate::unique_name(e, "project", &name))?;
        Ok(view(saved))
    }

    pub async fn delete(
        db: &DatabaseConnection,
        scope: &Scope,
        id: Uuid,
        keep_entries: bool,
    ) -> Result<(), Error> {
        scope.manager()?.writable()?;
        let p = get(db, scope, id).await?;
        let used = scope
            .find::<time_entries::Entity>()
            .filter(time_entries::Column::ProjectId.eq(id))
            .count(db)
            .await?;
        if used > 0 && !keep_entries {
            return Err(Error::Conflict(format!(
                "“{}” has {used} time {}. Delete the project and keep {} without a project, or cancel (archiving keeps everything).",
                p.name,
                if used == 1 { "entry" } else { "entries" },
                if used == 1 { "it" } else { "them" },
            )));
        }
        // The foreign key sets the entries' project to none.
        scope
            .delete_many::<projects::Entity>()
            .filter(projects::Column::Id.eq(id))
            .exec(db)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_rate;

    #[test]
    fn rates_parse_to_cents() {
        assert_eq!(parse_rate(""), Ok(None));
        assert_eq!(parse_rate("85"), Ok(Some(8500)));
        assert_eq!(parse_rate("85.5"), Ok(Some(8550)));
        assert_eq!(parse_rate(" 0.05 "), Ok(Some(5)));
        for bad in ["-1", "1.234", "abc", ".5", "1e3", "99999999999"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }
}

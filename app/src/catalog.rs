//! What the pickers offer: the workspace's clients, projects and tags, in
//! one request. Archived clients and projects come too, marked: filters
//! offer them (a finished project keeps its reports); tracking does not.

use crate::error::AppError;
use crate::types::{Client, Project, Tag};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub clients: Vec<Client>,
    pub projects: Vec<Project>,
    pub tags: Vec<Tag>,
}

impl Catalog {
    pub fn client_name(&self, id: Option<uuid::Uuid>) -> Option<String> {
        id.and_then(|id| self.clients.iter().find(|c| c.id == id))
            .map(|c| c.name.clone())
    }
}

#[server(prefix = "/rpc", endpoint = "get_catalog")]
pub async fn get_catalog() -> Result<Catalog, AppError> {
    crate::context::scoped(|ctx, scope| async move { load(&ctx.db, &scope).await }).await
}

/// The catalogue of the workspace in `scope`.
#[cfg(feature = "ssr")]
pub async fn load(
    db: &sea_orm::DatabaseConnection,
    scope: &crate::tenant::Scope,
) -> Result<Catalog, crate::error::Error> {
    use crate::types::ArchiveFilter;
    Ok(Catalog {
        clients: crate::clients::service::list(db, scope, ArchiveFilter::All).await?,
        projects: crate::projects::service::list(db, scope, ArchiveFilter::All).await?,
        tags: crate::tags::service::list(db, scope).await?,
    })
}

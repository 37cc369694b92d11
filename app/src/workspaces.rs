//! Workspaces: the switcher, creating and renaming, members and roles,
//! plans and billing status. Server functions here are thin adapters over
//! [`service`], which the admin CLI uses too.

use crate::error::AppError;
use crate::types::{Member, Plan, Role, WorkspaceSummary};
use leptos::prelude::*;
use uuid::Uuid;

#[server(prefix = "/rpc", endpoint = "switch_workspace")]
pub async fn switch_workspace(workspace_id: Uuid) -> Result<(), AppError> {
    use crate::context::{reply, request};
    let ctx = request()?;
    service::switch(&ctx, workspace_id).await.map_err(reply)
}

#[server(prefix = "/rpc", endpoint = "create_workspace")]
pub async fn create_workspace(name: String) -> Result<WorkspaceSummary, AppError> {
    use crate::context::{reply, request};
    let ctx = request()?;
    service::create(&ctx, &name).await.map_err(reply)
}

#[server(prefix = "/rpc", endpoint = "rename_workspace")]
pub async fn rename_workspace(name: String) -> Result<(), AppError> {
    crate::context::scoped(
        |ctx, scope| async move { service::rename(&ctx.db, &scope, &name).await },
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "list_members")]
pub async fn list_members() -> Result<Vec<Member>, AppError> {
    crate::context::scoped(|ctx, scope| async move { service::members(&ctx.db, &scope).await })
        .await
}

#[server(prefix = "/rpc", endpoint = "add_member")]
pub async fn add_member(email: String, role: Role) -> Result<(), AppError> {
    crate::context::scoped(|ctx, scope| async move {
        service::add_member(&ctx.db, &scope, &email, role, ctx.now).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "change_member_role")]
pub async fn change_member_role(user_id: Uuid, role: Role) -> Result<(), AppError> {
    crate::context::scoped(|ctx, scope| async move {
        service::change_role(&ctx.db, &scope, user_id, role).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "remove_member")]
pub async fn remove_member(user_id: Uuid) -> Result<(), AppError> {
    crate::context::scoped(|ctx, scope| async move {
        service::remove_member(&ctx.db, &scope, user_id).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "change_plan")]
pub async fn change_plan(plan: Plan) -> Result<(), AppError> {
    crate::context::scoped(|ctx, scope| async move {
        // Owner only, and allowed while billing is read-only: changing the plan
        // is how an owner resolves billing, so no `writable()` check here.
        scope.owner()?;
        service::set_plan(&ctx.db, scope.workspace_id, plan).await
    })
    .await
}

/// Sets the currency and the default hourly rate (empty for none).
#[server(prefix = "/rpc", endpoint = "update_rates")]
pub async fn update_rates(currency: String, default_rate: String) -> Result<(), AppError> {
    crate::context::scoped(|ctx, scope| async move {
        service::update_rates(&ctx.db, &scope, &currency, &default_rate).await
    })
    .await
}

/// Currencies offered in the picker; any ISO 4217 code is accepted.
pub const COMMON_CURRENCIES: &[&str] = &[
    "USD", "EUR", "GBP", "CHF", "CAD", "AUD", "NZD", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK",
    "INR", "BRL", "MXN", "ZAR", "SGD",
];

#[cfg(feature = "ssr")]
pub mod service {
    use crate::auth::sessions;
    use crate::context::RequestCtx;
    use crate::db::entities::{memberships, users, workspaces};
    use crate::error::Error;
    use crate::tenant::Scope;
    use crate::types::{BillingStatus, Member, Plan, Role, WorkspaceSummary};
    use chrono::{DateTime, Utc};
    use sea_orm::sea_query::Expr;
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
        QueryFilter, QueryOrder, Set,
    };
    use uuid::Uuid;

    fn summary(w: &workspaces::Model, role: Role) -> WorkspaceSummary {
        WorkspaceSummary {
            id: w.id,
            name: w.name.clone(),
            role,
            plan: Plan::parse(&w.plan).unwrap_or(Plan::Free),
            billing_status: BillingStatus::parse(&w.billing_status)
                .unwrap_or(BillingStatus::ReadOnly),
            currency: w.currency.clone(),
            default_rate_cents: w.default_rate_cents,
        }
    }

    fn role_of(m: &memberships::Model) -> Role {
        Role::parse(&m.role).unwrap_or(Role::Member)
    }

    pub fn validate_name(raw: &str) -> Result<String, Error> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(Error::invalid("name", "Enter a name for the workspace."));
        }
        if name.chars().count() > 100 {
            return Err(Error::invalid("name", "Use at most 100 characters."));
        }
        Ok(name.to_string())
    }

    /// The person's workspaces, oldest membership first.
    pub async fn list_for_user(
        db: &impl ConnectionTrait,
        user_id: Uuid,
    ) -> Result<Vec<WorkspaceSummary>, Error> {
        let ms = memberships::Entity::find()
            .filter(memberships::Column::UserId.eq(user_id))
            .order_by_asc(memberships::Column::CreatedAt)
            .all(db)
            .await?;
        let ids: Vec<Uuid> = ms.iter().map(|m| m.workspace_id).collect();
        let ws = workspaces::Entity::find()
            .filter(workspaces::Column::Id.is_in(ids))
            .all(db)
            .await?;
        Ok(ms
            .iter()
            .filter_map(|m| {
                ws.iter()
                    .find(|w| w.id == m.workspace_id)
                    .map(|w| summary(w, role_of(m)))
            })
            .collect())
    }

    /// The acting person and their workspace, for the public API (server
    /// side only: the person's row holds the password hash).
    pub async fn person_and_workspace(
        db: &impl ConnectionTrait,
        scope: &Scope,
    ) -> Result<(users::Model, WorkspaceSummary), Error> {
        let u = users::Entity::find_by_id(scope.user_id)
            .one(db)
            .await?
            .ok_or_else(|| Error::not_found("The person"))?;
        let w = workspaces::Entity::find_by_id(scope.workspace_id)
            .one(db)
            .await?
            .ok_or_else(|| Error::not_found("The workspace"))?;
        Ok((u, summary(&w, scope.role)))
    }

    /// The session's current workspace, falling back to the person's first
    /// workspace (and remembering it) when none is chosen or it was left.
    pub async fn switch(ctx: &RequestCtx, workspace_id: Uuid) -> Result<(), Error> {
        let session = ctx.session()?;
        crate::tenant::scope_of(&ctx.db, workspace_id, session.user_id).await?;
        sessions::set_current_workspace(&ctx.db, session.session_id, workspace_id).await
    }

    /// Creates a workspace owned by the signed-in person and switches to it.
    pub async fn create(ctx: &RequestCtx, name: &str) -> Result<WorkspaceSummary, Error> {
        let session = ctx.session()?;
        let name = validate_name(name)?;
        let id = Uuid::now_v7();
        let txn = crate::db::begin_write(&ctx.db).await?;
        crate::users::insert_workspace(&txn, id, &name, session.user_id, ctx.now).await?;
        txn.commit().await?;
        sessions::set_current_workspace(&ctx.db, session.session_id, id).await?;
        Ok(WorkspaceSummary {
            id,
            name,
            role: Role::Owner,
            plan: Plan::Free,
            billing_status: BillingStatus::Active,
            currency: "USD".into(),
            default_rate_cents: None,
        })
    }

    pub async fn update_rates(
        db: &DatabaseConnection,
        scope: &Scope,
        currency: &str,
        default_rate: &str,
    ) -> Result<(), Error> {
        scope.manager()?.writable()?;
        let currency = currency.trim().to_ascii_uppercase();
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(Error::invalid(
                "currency",
                "Enter a three-letter currency code such as USD or EUR.",
            ));
        }
        let rate = crate::projects::parse_rate(default_rate)
            .map_err(|m| Error::invalid("default_rate", m))?;
        workspaces::Entity::update_many()
            .col_expr(workspaces::Column::Currency, Expr::value(currency))
            .col_expr(workspaces::Column::DefaultRateCents, Expr::value(rate))
            .filter(workspaces::Column::Id.eq(scope.workspace_id))
            .exec(db)
            .await?;
        Ok(())
    }

    pub async fn rename(db: &DatabaseConnection, scope: &Scope, name: &str) -> Result<(), Error> {
        scope.manager()?.writable()?;
        let name = validate_name(name)?;
        workspaces::Entity::update_many()
            .col_expr(workspaces::Column::Name, Expr::value(name))
            .filter(workspaces::Column::Id.eq(scope.workspace_id))
            .exec(db)
            .await?;
        Ok(())
    }

    pub async fn members(db: &DatabaseConnection, scope: &Scope) -> Result<Vec<Member>, Error> {
        let ms = scope
            .find::<memberships::Entity>()
            .order_by_asc(memberships::Column::CreatedAt)
            .all(db)
            .await?;
        let ids: Vec<Uuid> = ms.iter().map(|m| m.user_id).collect();
        let us = users::Entity::find()
            .filter(users::Column::Id.is_in(ids))
            .all(db)
            .await?;
        Ok(ms
            .iter()
            .filter_map(|m| {
                us.iter().find(|u| u.id == m.user_id).map(|u| Member {
                    user_id: u.id,
                    name: u.name.clone(),
                    email: u.email.clone(),
                    role: role_of(m),
                })
            })
            .collect())
    }

    /// Adds an existing account by email. Only owners grant the owner role.
    pub async fn add_member(
        db: &DatabaseConnection,
        scope: &Scope,
        email: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        scope.manager()?.writable()?;
        if role == Role::Owner {
            scope.owner()?;
        }
        let email = crate::users::normalize_email(email)?;
        let user = crate::users::find_by_email(db, &email).await?.ok_or_else(|| {
            Error::invalid(
                "email",
                "No Timether account uses this email. Ask them to sign up first, then add them here.",
            )
        })?;
        let existing = scope
            .find::<memberships::Entity>()
            .filter(memberships::Column::UserId.eq(user.id))
            .one(db)
            .await?;
        if existing.is_some() {
            return Err(Error::invalid(
                "email",
                "This person is already a member of the workspace.",
            ));
        }
        memberships::ActiveModel {
            workspace_id: Set(scope.workspace_id),
            user_id: Set(user.id),
            role: Set(role.as_str().into()),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
        Ok(())
    }

    async fn member_row(
        db: &impl ConnectionTrait,
        scope: &Scope,
        user_id: Uuid,
    ) -> Result<memberships::Model, Error> {
        scope
            .find::<memberships::Entity>()
            .filter(memberships::Column::UserId.eq(user_id))
            .one(db)
            .await?
            .ok_or_else(|| Error::not_found("That member"))
    }

    /// Counts the owners inside a write transaction, after locking the
    /// workspace row: two owners demoting each other at once are then taken
    /// in turn, and the second sees one owner left.
    async fn owners_locked(db: &impl ConnectionTrait, scope: &Scope) -> Result<usize, Error> {
        scope.lock_workspace(db).await?;
        Ok(scope
            .find::<memberships::Entity>()
            .filter(memberships::Column::Role.eq(Role::Owner.as_str()))
            .all(db)
            .await?
            .len())
    }

    pub async fn change_role(
        db: &DatabaseConnection,
        scope: &Scope,
        user_id: Uuid,
        role: Role,
    ) -> Result<(), Error> {
        scope.manager()?.writable()?;
        let txn = crate::db::begin_write(db).await?;
        let row = member_row(&txn, scope, user_id).await?;
        let current = role_of(&row);
        if (current == Role::Owner || role == Role::Owner) && scope.role != Role::Owner {
            return Err(Error::forbidden(
                "Only owners can grant or take away the owner role.",
            ));
        }
        if current == Role::Owner && role != Role::Owner && owners_locked(&txn, scope).await? <= 1 {
            return Err(Error::Conflict(
                "A workspace always keeps at least one owner. Make someone else an owner first."
                    .into(),
            ));
        }
        scope
            .update_many::<memberships::Entity>()
            .col_expr(memberships::Column::Role, Expr::value(role.as_str()))
            .filter(memberships::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn remove_member(
        db: &DatabaseConnection,
        scope: &Scope,
        user_id: Uuid,
    ) -> Result<(), Error> {
        scope.manager()?.writable()?;
        let txn = crate::db::begin_write(db).await?;
        let row = member_row(&txn, scope, user_id).await?;
        if role_of(&row) == Role::Owner {
            if scope.role != Role::Owner {
                return Err(Error::forbidden("Only owners can remove an owner."));
            }
            if owners_locked(&txn, scope).await? <= 1 {
                return Err(Error::Conflict(
                    "A workspace always keeps at least one owner. Make someone else an owner first.".into(),
                ));
            }
        }
        scope
            .delete_many::<memberships::Entity>()
            .filter(memberships::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn set_plan(
        db: &DatabaseConnection,
        workspace_id: Uuid,
        plan: Plan,
    ) -> Result<(), Error> {
        let res = workspaces::Entity::update_many()
            .col_expr(workspaces::Column::Plan, Expr::value(plan.as_str()))
            .filter(workspaces::Column::Id.eq(workspace_id))
            .exec(db)
            .await?;
        if res.rows_affected == 0 {
            return Err(Error::not_found("The workspace"));
        }
        Ok(())
    }

    pub async fn set_billing(
        db: &DatabaseConnection,
        workspace_id: Uuid,
        status: BillingStatus,
    ) -> Result<(), Error> {
        let res = workspaces::Entity::update_many()
            .col_expr(
                workspaces::Column::BillingStatus,
                Expr::value(status.as_str()),
            )
            .filter(workspaces::Column::Id.eq(workspace_id))
            .exec(db)
            .await?;
        if res.rows_affected == 0 {
            return Err(Error::not_found("The workspace"));
        }
        Ok(())
    }

    /// One line of `timether workspace list`.
    pub struct WorkspaceLine {
        pub id: Uuid,
        pub name: String,
        pub plan: Plan,
        pub billing_status: BillingStatus,
        pub owners: Vec<String>,
    }

    pub async fn list_all(db: &DatabaseConnection) -> Result<Vec<WorkspaceLine>, Error> {
        let ws = workspaces::Entity::find()
            .order_by_asc(workspaces::Column::CreatedAt)
            .all(db)
            .await?;
        let owners = memberships::Entity::find()
            .filter(memberships::Column::Role.eq(Role::Owner.as_str()))
            .all(db)
            .await?;
        let us = users::Entity::find().all(db).await?;
        Ok(ws
            .iter()
            .map(|w| {
                let s = summary(w, Role::Owner);
                WorkspaceLine {
                    id: w.id,
                    name: w.name.clone(),
                    plan: s.plan,
                    billing_status: s.billing_status,
                    owners: owners
                        .iter()
                        .filter(|m| m.workspace_id == w.id)
                        .filter_map(|m| us.iter().find(|u| u.id == m.user_id))
                        .map(|u| u.email.clone())
                        .collect(),
                }
            })
            .collect())
    }
}

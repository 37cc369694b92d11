//! The profile page: name, timezone and password.

use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "update_profile")]
pub async fn update_profile(name: String, timezone: String) -> Result<(), AppError> {
    use crate::context::{reply, request};
    let ctx = request()?;
    let session = ctx.session().map_err(reply)?;
    crate::users::update_profile(&ctx.db, session.user_id, &name, &timezone)
        .await
        .map_err(reply)
}

/// Changes the password, signs out every other session and gives this
/// browser a new session id (security.md S3, S5).
#[server(prefix = "/rpc", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use crate::context::{reply, request};
    let ctx = request()?;
    let session = ctx.session().map_err(reply)?.clone();
    crate::rate_limit::auth_attempt(&ctx, "password")
        .await
        .map_err(reply)?;
    crate::users::change_password(
        &ctx.db,
        session.user_id,
        &current_password,
        &new_password,
        ctx.now,
    )
    .await
    .map_err(reply)?;
    crate::auth::renew_session(&ctx).await?;
    Ok(())
}

/// IANA timezone names for the profile's picker.
#[server(prefix = "/rpc", endpoint = "list_timezones")]
pub async fn list_timezones() -> Result<Vec<String>, AppError> {
    Ok(chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name().to_string())
        .filter(|n| n.contains('/') || n == "UTC")
        .collect())
}

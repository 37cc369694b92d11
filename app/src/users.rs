//! Accounts: creating, finding, disabling and listing people. Used by
//! sign-up, the profile page and the admin CLI.

use crate::auth::{password, sessions};
use crate::db::entities::{memberships, users, workspaces};
use crate::error::Error;
use crate::types::{BillingStatus, Plan, Role};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

pub const DEFAULT_TIMEZONE: &str = "UTC";

/// Trims and lower-cases an email, or says what is wrong with it.
pub fn normalize_email(raw: &str) -> Result<String, Error> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(Error::invalid("email", "Enter your email address."));
    }
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if !valid {
        return Err(Error::invalid(
            "email",
            "Enter an email address like name@example.com.",
        ));
    }
    Ok(email)
}

pub fn validate_name(raw: &str) -> Result<String, Error> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", "Enter your name."));
    }
    if name.chars().count() > 100 {
        return Err(Error::invalid("name", "Use at most 100 characters."));
    }
    Ok(name.to_string())
}

/// A timezone from the tz database, matched without regard to case, by
/// its full name ("europe/berlin") or its city ("berlin", "new york"); the
/// answer is the canonical name ("Europe/Berlin").
pub fn validate_timezone(raw: &str) -> Result<String, Error> {
    let wanted = raw.trim().to_lowercase().replace(' ', "_");
    let refused = || {
        Error::invalid(
            "timezone",
            "Choose a timezone from the list, such as Europe/Berlin, or type a city such as Berlin.",
        )
    };
    if wanted.is_empty() || wanted.len() > 64 {
        return Err(refused());
    }
    if let Some(tz) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().to_lowercase() == wanted)
    {
        return Ok(tz.name().to_string());
    }
    // By city: the last part of a name ("Europe/Berlin" → "berlin"). Only
    // the zones with a region (not "EST" or "Etc/…") are offered.
    let mut found = chrono_tz::TZ_VARIANTS.iter().filter(|tz| {
        let name = tz.name();
        name.contains('/')
            && !name.starts_with("Etc/")
            && name
                .rsplit('/')
                .next()
                .is_some_and(|city| city.to_lowercase() == wanted)
    });
    match (found.next(), found.next()) {
        (Some(tz), None) => Ok(tz.name().to_string()),
        _ => Err(refused()),
    }
}

/// Creates an account and its personal workspace (owned by the person).
/// Returns the user and the workspace id.
pub async fn create(
    db: &DatabaseConnection,
    name: &str,
    email: &str,
    password_plain: &str,
    now: DateTime<Utc>,
) -> Result<(users::Model, Uuid), Error> {
    let name = validate_name(name)?;
    let email = normalize_email(email)?;
    password::validate_new(password_plain)?;
    if find_by_email(db, &email).await?.is_some() {
        return Err(Error::Invalid {
            field: Some("email".into()),
            message: "An account with this email already exists. Sign in instead.".into(),
        });
    }
    let hash = password::hash(password_plain).await?;
    let user_id = Uuid::now_v7();
    let workspace_id = Uuid::now_v7();
    let workspace_name = format!("{}'s workspace", first_word(&name));
    let txn = crate::db::begin_write(db).await?;
    let user = users::ActiveModel {
        id: Set(user_id),
        email: Set(email),
        name: Set(name),
        password_hash: Set(hash),
        timezone: Set(DEFAULT_TIMEZONE.into()),
        disabled_at: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if crate::db::is_unique_violation(&e) {
            Error::invalid(
                "email",
                "An account with this email already exists. Sign in instead.",
            )
        } else {
            e.into()
        }
    })?;
    insert_workspace(&txn, workspace_id, &workspace_name, user_id, now).await?;
    txn.commit().await?;
    Ok((user, workspace_id))
}

fn first_word(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

/// Inserts a workspace on the Free plan with `owner` as its owner.
pub async fn insert_workspace(
    db: &impl ConnectionTrait,
    id: Uuid,
    name: &str,
    owner: Uuid,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    workspaces::ActiveModel {
        id: Set(id),
        name: Set(name.to_string()),
        plan: Set(Plan::Free.as_str().into()),
        billing_status: Set(BillingStatus::Active.as_str().into()),
        default_rate_cents: Set(None),
        currency: Set("USD".into()),
        created_at: Set(now),
        data_version: Set(0),
    }
    .insert(db)
    .await?;
    memberships::ActiveModel {
        workspace_id: Set(id),
        user_id: Set(owner),
        role: Set(Role::Owner.as_str().into()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<users::Model>, Error> {
    Ok(users::Entity::find()
        .filter(users::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?)
}

/// Disables an account and revokes all its sessions.
pub async fn disable(
    db: &DatabaseConnection,
    email: &str,
    now: DateTime<Utc>,
) -> Result<u64, Error> {
    let user = find_by_email(db, email)
        .await?
        .ok_or_else(|| Error::NotFound(format!("No account uses the email {email}.")))?;
    users::Entity::update_many()
        .col_expr(users::Column::DisabledAt, Expr::value(now))
        .filter(users::Column::Id.eq(user.id))
        .exec(db)
        .await?;
    sessions::revoke_all_for_user(db, user.id, None, now).await
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<users::Model>, Error> {
    Ok(users::Entity::find()
        .order_by_asc(users::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Changes name and timezone.
pub async fn update_profile(
    db: &DatabaseConnection,
    user_id: Uuid,
    name: &str,
    timezone: &str,
) -> Result<(), Error> {
    let name = validate_name(name)?;
    let timezone = validate_timezone(timezone)?;
    users::Entity::update_many()
        .col_expr(users::Column::Name, Expr::value(name))
        .col_expr(users::Column::Timezone, Expr::value(timezone))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Checks a person's current password before a sensitive change; a wrong
/// one is reported on `field`.
pub async fn verify_password(
    db: &DatabaseConnection,
    user_id: Uuid,
    plain: &str,
    field: &str,
) -> Result<(), Error> {
    if plain.is_empty() {
        return Err(Error::invalid(field, "Enter your current password."));
    }
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if !password::verify(Some(&user.password_hash), plain).await? {
        return Err(Error::invalid(field, "That is not your current password."));
    }
    Ok(())
}

/// Checks the current password, stores the new one and signs out every
/// other session. The caller issues a new session for this browser.
pub async fn change_password(
    db: &DatabaseConnection,
    user_id: Uuid,
    current: &str,
    new: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    verify_password(db, user_id, current, "current_password").await?;
    password::validate_new(new).map_err(|e| match e {
        Error::Invalid { message, .. } => Error::invalid("new_password", message),
        other => other,
    })?;
    let hash = password::hash(new).await?;
    // One transaction: a new password never stands while old sessions live on.
    let txn = crate::db::begin_write(db).await?;
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .filter(users::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    sessions::revoke_all_for_user(&txn, user_id, None, now).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email("  Ann@Example.COM ").unwrap(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.io",
            "a b@x.io",
            "ann@localhost",
            "ann@x.",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timezones_come_from_the_tz_database() {
        assert!(validate_timezone("Europe/Berlin").is_ok());
        assert!(validate_timezone("Mars/Olympus").is_err());
        // The hint says "Start typing a city, such as Berlin": case and
        // the region do not matter.
        assert_eq!(validate_timezone("berlin").unwrap(), "Europe/Berlin");
        assert_eq!(
            validate_timezone(" europe/BERLIN ").unwrap(),
            "Europe/Berlin"
        );
        assert_eq!(validate_timezone("new york").unwrap(), "America/New_York");
        assert!(validate_timezone("").is_err());
    }
}

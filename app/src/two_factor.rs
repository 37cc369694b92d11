//! Two-factor authentication with TOTP (help center: "Securing your account
//! with two-factor authentication"; security.md T1–T10, S3, S5, C4).
//!
//! Setup: the current password, then a secret made and kept on the server
//! (pending for 10 minutes), shown as a QR code and grouped base32. 2FA turns
//! on only after one valid code, and ten one-time recovery codes are shown
//! once. Sign-in: a correct password gives a short-lived challenge (not a
//! session); a code or a recovery code turns it into a new session.
//! Codes are accepted once (atomic `last_used_step`), and after three wrong
//! codes in a step the account's second factor waits for the next step,
//! whatever IP asks.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Whether 2FA is on, for the Security page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub enabled_at: Option<DateTime<Utc>>,
    pub recovery_codes_left: u32,
}

/// What the setup screen shows. It carries the new secret on purpose: the
/// person must copy it into an app, once, over a `no-store` response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TotpSetup {
    /// `data:image/svg+xml;base64,…` of the QR code made on the server.
    pub qr_data_uri: String,
    /// The secret as unpadded base32 in groups of four.
    pub secret_grouped: String,
    /// For phones: opens the authenticator app directly.
    pub otpauth_url: String,
    pub expires_in_minutes: i64,
}

/// Recovery codes, shown once after enabling or regenerating.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

/// The apps the help center names; any TOTP app works.
pub const APPS: &[&str] = &[
    "Google Authenticator",
    "Authy",
    "Microsoft Authenticator",
    "1Password",
    "Bitwarden",
    "iCloud Passwords",
];

pub const RECOVERY_CODE_COUNT: usize = 10;
/// How long a setup secret waits for its first code.
pub const PENDING_MINUTES: i64 = 10;
/// Wrong codes allowed per account in one 30-second step.
pub const MAX_FAILS_PER_STEP: i32 = 3;

/// The help center's troubleshooting, for a code that did not work.
pub const BAD_CODE: &str = "That code did not work. Use the latest code from your authenticator app and check that it belongs to this Timether account. If it still fails, wait for the next code and make sure your device's clock is set correctly.";
pub const BAD_SETUP_CODE: &str = "That code did not work. Check that the right account was added to your authenticator app, then try again with the latest code.";
pub const BAD_RECOVERY_CODE: &str =
    "That recovery code is not valid or was already used. Check it and try again.";

#[server(prefix = "/rpc", endpoint = "two_factor_status")]
pub async fn get_two_factor_status() -> Result<TwoFactorStatus, AppError> {
    use crate::context::{reply, request};
    let ctx = request()?;
    let session = ctx.session().map_err(reply)?;
    service::status(&ctx.db, session.user_id)
        .await
        .map_err(reply)
}

/// Step 1 of setup: checks the password and makes a pending secret.
#[server(prefix = "/rpc", endpoint = "start_two_factor")]
pub async fn start_two_factor(password: String) -> Result<TotpSetup, AppError> {
    use crate::context::{no_store, reply, request};
    let ctx = request()?;
    no_store();
    service::start_setup(&ctx, &password).await.map_err(reply)
}

/// Step 2 of setup: a valid code turns 2FA on. The browser gets a new
/// session id and every other session is signed out.
#[server(prefix = "/rpc", endpoint = "confirm_two_factor")]
pub async fn confirm_two_factor(code: String) -> Result<RecoveryCodes, AppError> {
    use crate::context::{no_store, reply, request};
    let ctx = request()?;
    no_store();
    let codes = service::confirm_setup(&ctx, &code).await.map_err(reply)?;
    crate::auth::renew_session(&ctx).await?;
    Ok(codes)
}

#[server(prefix = "/rpc", endpoint = "disable_two_factor")]
pub async fn disable_two_factor(password: String) -> Result<(), AppError> {
    use crate::context::{reply, request};
    let ctx = request()?;
    service::disable(&ctx, &password).await.map_err(reply)?;
    crate::auth::renew_session(&ctx).await?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "regenerate_recovery_codes")]
pub async fn regenerate_recovery_codes(password: String) -> Result<RecoveryCodes, AppError> {
    use crate::context::{no_store, reply, request};
    let ctx = request()?;
    no_store();
    service::regenerate(&ctx, &password).await.map_err(reply)
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::auth::sessions::{self, digest};
    use crate::auth::totp;
    use crate::context::RequestCtx;
    use crate::db::entities::{login_challenges, recovery_codes, two_factor};
    use crate::error::Error;
    use crate::secret_box::SecretKey;
    use crate::{rate_limit, users};
    use base64::Engine;
    use chrono::Duration;
    use rand::Rng;
    use sea_orm::sea_query::{Expr, ExprTrait};
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
        PaginatorTrait, QueryFilter, Set,
    };
    use sha2::{Digest, Sha256};
    use uuid::Uuid;

    /// How long the step between password and code may take.
    pub const CHALLENGE_MINUTES: i64 = 5;
    const RECOVERY_ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";

    fn key(ctx: &RequestCtx) -> Result<&SecretKey, Error> {
        ctx.settings
            .totp_key
            .as_ref()
            .ok_or_else(|| Error::Internal("no TOTP key configured".into()))
    }

    async fn row(
        db: &impl ConnectionTrait,
        user_id: Uuid,
    ) -> Result<Option<two_factor::Model>, Error> {
        Ok(two_factor::Entity::find_by_id(user_id).one(db).await?)
    }

    pub async fn is_enabled(db: &impl ConnectionTrait, user_id: Uuid) -> Result<bool, Error> {
        Ok(row(db, user_id)
            .await?
            .is_some_and(|r| r.enabled_at.is_some() && r.secret_enc.is_some()))
    }

    pub async fn status(db: &DatabaseConnection, user_id: Uuid) -> Result<TwoFactorStatus, Error> {
        let r = row(db, user_id).await?;
        let enabled_at = r.and_then(|r| r.enabled_at);
        let left = if enabled_at.is_some() {
            recovery_codes::Entity::find()
                .filter(recovery_codes::Column::UserId.eq(user_id))
                .filter(recovery_codes::Column::UsedAt.is_null())
                .count(db)
                .await? as u32
        } else {
            0
        };
        Ok(TwoFactorStatus {
            enabled: enabled_at.is_some(),
            enabled_at,
            recovery_codes_left: left,
        })
    }

    pub async fn start_setup(ctx: &RequestCtx, password: &str) -> Result<TotpSetup, Error> {
        let session = ctx.session()?;
        rate_limit::auth_attempt(ctx, "2fa-setup").await?;
        users::verify_password(&ctx.db, session.user_id, password, "password").await?;
        let existing = row(&ctx.db, session.user_id).await?;
        if existing.as_ref().is_some_and(|r| r.enabled_at.is_some()) {
            return Err(Error::Conflict(
                "Two-factor authentication is already on for your account.".into(),
            ));
        }
        let secret = totp::new_secret();
        let sealed = key(ctx)?.seal(&secret).map_err(Error::Internal)?;
        let expires = ctx.now + Duration::minutes(PENDING_MINUTES);
        let mut m: two_factor::ActiveModel = match existing {
            Some(r) => r.into(),
            None => two_factor::ActiveModel {
                user_id: Set(session.user_id),
                secret_enc: Set(None),
                enabled_at: Set(None),
                last_used_step: Set(0),
                fail_step: Set(0),
                fail_count: Set(0),
                ..Default::default()
            },
        };
        m.pending_secret_enc = Set(Some(sealed));
        m.pending_expires_at = Set(Some(expires));
        if m.secret_enc.is_unchanged() {
            m.update(&ctx.db).await?;
        } else {
            m.insert(&ctx.db).await?;
        }
        let url = totp::otpauth_url(&secret, &session.email).map_err(Error::Internal)?;
        let svg = totp::qr_svg(&url).map_err(Error::Internal)?;
        Ok(TotpSetup {
            qr_data_uri: format!(
                "data:image/svg+xml;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(svg)
            ),
            secret_grouped: totp::grouped(&totp::secret_base32(&secret)),
            otpauth_url: url,
            expires_in_minutes: PENDING_MINUTES,
        })
    }

    pub async fn confirm_setup(ctx: &RequestCtx, code: &str) -> Result<RecoveryCodes, Error> {
        let session = ctx.session()?;
        rate_limit::auth_attempt(ctx, "2fa").await?;
        let r = row(&ctx.db, session.user_id).await?;
        if r.as_ref().is_some_and(|r| r.enabled_at.is_some()) {
            return Err(Error::Conflict(
                "Two-factor authentication is already on for your account.".into(),
            ));
        }
        let expired = || {
            Error::invalid(
                "code",
                "This setup expired after 10 minutes. Choose Enable 2FA to start again.",
            )
        };
        let Some(r) = r else { return Err(expired()) };
        let (Some(sealed), Some(expires)) = (r.pending_secret_enc.clone(), r.pending_expires_at)
        else {
            return Err(expired());
        };
        if ctx.now >= expires {
            return Err(expired());
        }
        let step = totp::step_at(ctx.now.timestamp());
        reserve_attempt(&ctx.db, session.user_id, step, ctx.now).await?;
        let secret = key(ctx)?.open(&sealed).map_err(Error::Internal)?;
        let Some(matched) = totp::matching_step(&secret, code, ctx.now.timestamp()) else {
            return Err(Error::invalid("code", BAD_SETUP_CODE));
        };
        let txn = crate::db::begin_write(&ctx.db).await?;
        let done = two_factor::Entity::update_many()
            .col_expr(two_factor::Column::SecretEnc, Expr::value(sealed.clone()))
            .col_expr(two_factor::Column::EnabledAt, Expr::value(ctx.now))
            .col_expr(
                two_factor::Column::PendingSecretEnc,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                two_factor::Column::PendingExpiresAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(two_factor::Column::LastUsedStep, Expr::value(matched))
            .col_expr(two_factor::Column::FailCount, Expr::value(0))
            .filter(two_factor::Column::UserId.eq(session.user_id))
            .filter(two_factor::Column::EnabledAt.is_null())
            .filter(two_factor::Column::PendingSecretEnc.eq(sealed))
            .exec(&txn)
            .await?;
        if done.rows_affected != 1 {
            return Err(Error::Conflict(
                "Two-factor authentication was changed in another window. Reload the page.".into(),
            ));
        }
        let codes = replace_recovery_codes(&txn, session.user_id, ctx.now).await?;
        sessions::revoke_all_for_user(&txn, session.user_id, None, ctx.now).await?;
        txn.commit().await?;
        tracing::info!(user = %session.user_id, "two-factor authentication enabled");
        Ok(RecoveryCodes { codes })
    }

    pub async fn disable(ctx: &RequestCtx, password: &str) -> Result<(), Error> {
        let session = ctx.session()?;
        rate_limit::auth_attempt(ctx, "2fa-setup").await?;
        users::verify_password(&ctx.db, session.user_id, password, "password").await?;
        if !is_enabled(&ctx.db, session.user_id).await? {
            return Err(Error::Conflict(
                "Two-factor authentication is already off.".into(),
            ));
        }
        let txn = crate::db::begin_write(&ctx.db).await?;
        remove_all(&txn, session.user_id).await?;
        sessions::revoke_all_for_user(&txn, session.user_id, None, ctx.now).await?;
        txn.commit().await?;
        tracing::info!(user = %session.user_id, "two-factor authentication disabled");
        Ok(())
    }

    pub async fn regenerate(ctx: &RequestCtx, password: &str) -> Result<RecoveryCodes, Error> {
        let session = ctx.session()?;
        rate_limit::auth_attempt(ctx, "2fa-setup").await?;
        users::verify_password(&ctx.db, session.user_id, password, "password").await?;
        if !is_enabled(&ctx.db, session.user_id).await? {
            return Err(Error::Conflict(
                "Turn on two-factor authentication first.".into(),
            ));
        }
        let txn = crate::db::begin_write(&ctx.db).await?;
        let codes = replace_recovery_codes(&txn, session.user_id, ctx.now).await?;
        txn.commit().await?;
        Ok(RecoveryCodes { codes })
    }

    /// For an administrator when someone lost their device: 2FA off,
    /// recovery codes gone, every session and pending sign-in ended.
    pub async fn reset(
        db: &DatabaseConnection,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let user = users::find_by_email(db, email)
            .await?
            .ok_or_else(|| Error::NotFound(format!("No account uses the email {email}.")))?;
        let was_on = is_enabled(db, user.id).await?;
        let txn = crate::db::begin_write(db).await?;
        remove_all(&txn, user.id).await?;
        sessions::revoke_all_for_user(&txn, user.id, None, now).await?;
        txn.commit().await?;
        Ok(was_on)
    }

    async fn remove_all(db: &impl ConnectionTrait, user_id: Uuid) -> Result<(), Error> {
        two_factor::Entity::delete_by_id(user_id).exec(db).await?;
        recovery_codes::Entity::delete_many()
            .filter(recovery_codes::Column::UserId.eq(user_id))
            .exec(db)
            .await?;
        login_challenges::Entity::delete_many()
            .filter(login_challenges::Column::UserId.eq(user_id))
            .exec(db)
            .await?;
        Ok(())
    }

    /// A code as the person sees it: `xxxx-xxxx-xxxx-xxxx`.
    pub fn new_recovery_code() -> String {
        let mut rng = rand::rngs::OsRng;
        let raw: String = (0..16)
            .map(|_| RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())] as char)
            .collect();
        raw.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// Lower case without separators; the letters people confuse with
    /// digits count as those digits.
    pub fn normalize_recovery_code(raw: &str) -> String {
        raw.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| match c.to_ascii_lowercase() {
                'o' => '0',
                'i' | 'l' => '1',
                c => c,
            })
            .collect()
    }

    /// Salted with the person's id, so equal codes of two people differ.
    pub fn recovery_hash(user_id: Uuid, code: &str) -> String {
        let mut h = Sha256::new();
        h.update(user_id.as_bytes());
        h.update(normalize_recovery_code(code).as_bytes());
        hex::encode(h.finalize())
    }

    async fn replace_recovery_codes(
        db: &impl ConnectionTrait,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, Error> {
        recovery_codes::Entity::delete_many()
            .filter(recovery_codes::Column::UserId.eq(user_id))
            .exec(db)
            .await?;
        let codes: Vec<String> = (0..RECOVERY_CODE_COUNT)
            .map(|_| new_recovery_code())
            .collect();
        recovery_codes::Entity::insert_many(codes.iter().map(|c| recovery_codes::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            code_hash: Set(recovery_hash(user_id, c)),
            used_at: Set(None),
            created_at: Set(now),
        }))
        .exec_without_returning(db)
        .await?;
        Ok(codes)
    }

    /// Counts an attempt against the account before checking it, in one
    /// statement, so parallel guesses cannot slip past the limit. Refuses
    /// when this step already saw [`MAX_FAILS_PER_STEP`] attempts that failed.
    async fn reserve_attempt(
        db: &impl ConnectionTrait,
        user_id: Uuid,
        step: i64,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let res = two_factor::Entity::update_many()
            .col_expr(
                two_factor::Column::FailCount,
                Expr::case(
                    Expr::col(two_factor::Column::FailStep).eq(step),
                    Expr::col(two_factor::Column::FailCount).add(1),
                )
                .finally(1)
                .into(),
            )
            .col_expr(two_factor::Column::FailStep, Expr::value(step))
            .filter(two_factor::Column::UserId.eq(user_id))
            .filter(
                Condition::any()
                    .add(two_factor::Column::FailStep.ne(step))
                    .add(two_factor::Column::FailCount.lt(MAX_FAILS_PER_STEP)),
            )
            .exec(db)
            .await?;
        if res.rows_affected == 1 {
            return Ok(());
        }
        let step_secs = totp::STEP_SECS as i64;
        let secs = std::cmp::Ord::max(step_secs - now.timestamp().rem_euclid(step_secs), 1) as u64;
        tracing::warn!(user = %user_id, "second factor locked after repeated wrong codes");
        Err(Error::SecondFactorLocked(secs))
    }

    async fn clear_failures(db: &impl ConnectionTrait, user_id: Uuid) -> Result<(), Error> {
        two_factor::Entity::update_many()
            .col_expr(two_factor::Column::FailCount, Expr::value(0))
            .filter(two_factor::Column::UserId.eq(user_id))
            .exec(db)
            .await?;
        Ok(())
    }

    /// After a correct password: a challenge token for the cookie.
    pub async fn create_challenge(
        db: &impl ConnectionTrait,
        user_id: Uuid,
        workspace_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<String, Error> {
        login_challenges::Entity::delete_many()
            .filter(login_challenges::Column::ExpiresAt.lt(now))
            .exec(db)
            .await?;
        let token = sessions::new_token();
        login_challenges::ActiveModel {
            id: Set(Uuid::now_v7()),
            token_hash: Set(digest(&token)),
            user_id: Set(user_id),
            workspace_id: Set(workspace_id),
            created_at: Set(now),
            expires_at: Set(now + Duration::minutes(CHALLENGE_MINUTES)),
        }
        .insert(db)
        .await?;
        Ok(token)
    }

    /// How the person proves the second factor.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Method {
        App,
        Recovery,
    }

    /// Checks a code for the challenge behind `token`. On success the
    /// challenge is used up and the person and workspace to sign in are
    /// returned; the caller starts the session.
    pub async fn verify_challenge(
        ctx: &RequestCtx,
        token: Option<&str>,
        method: Method,
        code: &str,
    ) -> Result<(Uuid, Option<Uuid>), Error> {
        rate_limit::auth_attempt(
            ctx,
            if method == Method::App {
                "2fa"
            } else {
                "recovery"
            },
        )
        .await?;
        let gone = || {
            Error::invalid(
                "challenge",
                "Your sign-in took too long. Enter your email and password again.",
            )
        };
        let token = token
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or_else(gone)?;
        let challenge = login_challenges::Entity::find()
            .filter(login_challenges::Column::TokenHash.eq(digest(token)))
            .one(&ctx.db)
            .await?
            .filter(|c| c.expires_at > ctx.now)
            .ok_or_else(gone)?;
        let user_id = challenge.user_id;
        let r = row(&ctx.db, user_id)
            .await?
            .filter(|r| r.enabled_at.is_some())
            .ok_or_else(gone)?;
        let step = totp::step_at(ctx.now.timestamp());
        reserve_attempt(&ctx.db, user_id, step, ctx.now).await?;
        let passed = match method {
            Method::App => {
                let sealed = r.secret_enc.ok_or_else(gone)?;
                let secret = key(ctx)?.open(&sealed).map_err(Error::Internal)?;
                match totp::matching_step(&secret, code, ctx.now.timestamp()) {
                    // Accept each step once: only a later step than the last one passes.
                    Some(matched) => {
                        two_factor::Entity::update_many()
                            .col_expr(two_factor::Column::LastUsedStep, Expr::value(matched))
                            .filter(two_factor::Column::UserId.eq(user_id))
                            .filter(two_factor::Column::LastUsedStep.lt(matched))
                            .exec(&ctx.db)
                            .await?
                            .rows_affected
                            == 1
                    }
                    None => false,
                }
            }
            Method::Recovery => {
                let normalized = normalize_recovery_code(code);
                normalized.len() == 16
                    && recovery_codes::Entity::update_many()
                        .col_expr(recovery_codes::Column::UsedAt, Expr::value(ctx.now))
                        .filter(recovery_codes::Column::UserId.eq(user_id))
                        .filter(recovery_codes::Column::CodeHash.eq(recovery_hash(user_id, code)))
                        .filter(recovery_codes::Column::UsedAt.is_null())
                        .exec(&ctx.db)
                        .await?
                        .rows_affected
                        == 1
            }
        };
        if !passed {
            return Err(Error::invalid(
                "code",
                match method {
                    Method::App => BAD_CODE,
                    Method::Recovery => BAD_RECOVERY_CODE,
                },
            ));
        }
        clear_failures(&ctx.db, user_id).await?;
        let used = login_challenges::Entity::delete_by_id(challenge.id)
            .exec(&ctx.db)
            .await?;
        if used.rows_affected != 1 {
            return Err(gone());
        }
        if method == Method::Recovery {
            tracing::info!(user = %user_id, "signed in with a recovery code");
        }
        Ok((user_id, challenge.workspace_id))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn recovery_codes_are_random_readable_and_forgiving() {
            let a = new_recovery_code();
            assert_eq!(a.len(), 19);
            assert_eq!(a.split('-').count(), 4);
            assert_ne!(a, new_recovery_code());
            let u = Uuid::now_v7();
            let typed = a.to_uppercase().replace('-', " ");
            assert_eq!(recovery_hash(u, &a), recovery_hash(u, &typed));
            assert_ne!(recovery_hash(u, &a), recovery_hash(Uuid::now_v7(), &a));
            assert_eq!(normalize_recovery_code("OIL-x"), "011x");
        }
    }
}

//! Signing up, in and out, and who is signed in. Passwords and sessions
//! have their own modules; the server functions here are thin adapters.

#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod sessions;
#[cfg(feature = "ssr")]
pub mod totp;

use crate::error::AppError;
use crate::types::Me;
use leptos::prelude::*;

/// The one message for a wrong email and a wrong password alike.
pub const BAD_CREDENTIALS: &str = "The email or password is incorrect.";

/// The page to open after signing in, from the sign-in page's `next`:
/// only a path of this site's pages (`/reports?period=last_month`), never
/// another origin (`//evil.example`, `/\\evil.example`, `https://…`), a
/// download or the sign-in pages themselves.
pub fn safe_next(next: &str) -> Option<&str> {
    let path = next.split(['?', '#']).next().unwrap_or_default();
    let ok = next.len() <= 2000
        && next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && !path.contains("/..")
        && ![
            "/signin",
            "/signup",
            "/api/",
            "/rpc/",
            "/exports/",
            "/imports",
            "/pkg/",
        ]
        .iter()
        .any(|p| path.starts_with(p));
    ok.then_some(next)
}

#[server(prefix = "/rpc", endpoint = "sign_up")]
pub async fn sign_up(name: String, email: String, password: String) -> Result<(), AppError> {
    use crate::context::{reply, request, set_cookie};
    let ctx = request()?;
    let cookie = service::sign_up(&ctx, &name, &email, &password)
        .await
        .map_err(reply)?;
    set_cookie(&cookie);
    Ok(())
}

/// What follows a correct password.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SignInStep {
    /// Signed in.
    Done,
    /// 2FA is on: the second step asks for a code. No session yet.
    SecondFactor,
}

#[server(prefix = "/rpc", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<SignInStep, AppError> {
    use crate::context::{reply, request, set_cookie};
    let ctx = request()?;
    let (step, cookie) = service::sign_in(&ctx, &email, &password)
        .await
        .map_err(reply)?;
    set_cookie(&cookie);
    Ok(step)
}

/// The second step of signing in: a code from the app (`method` = `app`)
/// or a recovery code (`recovery`). Passing it starts a new session.
#[server(prefix = "/rpc", endpoint = "verify_sign_in")]
pub async fn verify_sign_in(code: String, method: String) -> Result<(), AppError> {
    use crate::context::{cookie, reply, request, set_cookie};
    use crate::two_factor::service::{verify_challenge, Method};
    let ctx = request()?;
    let method = if method == "recovery" {
        Method::Recovery
    } else {
        Method::App
    };
    let token = cookie(sessions::challenge_cookie_name(&ctx.settings));
    let (user_id, workspace_id) = verify_challenge(&ctx, token.as_deref(), method, &code)
        .await
        .map_err(reply)?;
    let session_cookie = service::start_session(&ctx, user_id, workspace_id)
        .await
        .map_err(reply)?;
    set_cookie(&session_cookie);
    set_cookie(&sessions::challenge_cookie(&ctx.settings, None, 0));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::context::{reply, request, set_cookie};
    let ctx = request()?;
    if let Some(s) = &ctx.session {
        sessions::revoke(&ctx.db, s.user_id, s.session_id, ctx.now)
            .await
            .map_err(reply)?;
    }
    set_cookie(&sessions::cookie(&ctx.settings, None));
    Ok(())
}

/// Who is signed in, their workspaces and the current one.
#[server(prefix = "/rpc", endpoint = "get_me")]
pub async fn get_me() -> Result<Me, AppError> {
    use crate::context::{reply, request};
    let ctx = request()?;
    service::me(&ctx).await.map_err(reply)
}

/// Gives this browser a fresh session in place of its current one (after
/// a password or two-factor change, security.md S3), setting its cookie.
#[cfg(feature = "ssr")]
pub async fn renew_session(ctx: &crate::context::RequestCtx) -> Result<(), AppError> {
    use crate::context::{reply, set_cookie};
    let session = ctx.session().map_err(reply)?;
    let cookie = service::start_session(ctx, session.user_id, session.current_workspace_id)
        .await
        .map_err(reply)?;
    set_cookie(&cookie);
    Ok(())
}

/// Signing up and in on the server. What the browser must store comes
/// back as a `Set-Cookie` value for the server function to send.
#[cfg(feature = "ssr")]
pub mod service {
    use super::{password, sessions, SignInStep, BAD_CREDENTIALS};
    use crate::context::RequestCtx;
    use crate::error::Error;
    use crate::types::{CurrentUser, Me};
    use crate::{rate_limit, users, workspaces};

    /// Starts a fresh session for `user_id` in this browser, ending the
    /// old one: the session cookie to set.
    pub async fn start_session(
        ctx: &RequestCtx,
        user_id: uuid::Uuid,
        workspace_id: Option<uuid::Uuid>,
    ) -> Result<String, Error> {
        if let Some(old) = &ctx.session {
            sessions::revoke(&ctx.db, old.user_id, old.session_id, ctx.now).await?;
        }
        let token = sessions::create(
            &ctx.db,
            user_id,
            workspace_id,
            &ctx.user_agent,
            &ctx.client_ip,
            &crate::geo::locate(ctx.settings.geoip.as_deref(), &ctx.client_ip),
            ctx.now,
        )
        .await?;
        Ok(sessions::cookie(&ctx.settings, Some(&token)))
    }

    pub async fn sign_up(
        ctx: &RequestCtx,
        name: &str,
        email: &str,
        password: &str,
    ) -> Result<String, Error> {
        rate_limit::auth_attempt(ctx, "signup").await?;
        let (user, workspace_id) = users::create(&ctx.db, name, email, password, ctx.now).await?;
        start_session(ctx, user.id, Some(workspace_id)).await
    }

    pub async fn sign_in(
        ctx: &RequestCtx,
        email: &str,
        password_plain: &str,
    ) -> Result<(SignInStep, String), Error> {
        rate_limit::auth_attempt(ctx, "signin").await?;
        let email = email.trim().to_lowercase();
        if email.is_empty() {
            return Err(Error::invalid("email", "Enter your email address."));
        }
        if password_plain.is_empty() {
            return Err(Error::invalid("password", "Enter your password."));
        }
        let account = rate_limit::account::key(&email);
        rate_limit::account::check(&ctx.db, &account, ctx.now).await?;
        let user = users::find_by_email(&ctx.db, &email).await?;
        let ok = password::verify(
            user.as_ref().map(|u| u.password_hash.as_str()),
            password_plain,
        )
        .await?;
        let user = match user {
            Some(u) if ok && u.disabled_at.is_none() => u,
            _ => {
                rate_limit::account::failed(&ctx.db, &account, ctx.now).await?;
                return Err(Error::Invalid {
                    field: None,
                    message: BAD_CREDENTIALS.into(),
                });
            }
        };
        rate_limit::account::succeeded(&ctx.db, &account).await?;
        let first = workspaces::service::list_for_user(&ctx.db, user.id)
            .await?
            .into_iter()
            .next()
            .map(|w| w.id);
        if crate::two_factor::service::is_enabled(&ctx.db, user.id).await? {
            let token =
                crate::two_factor::service::create_challenge(&ctx.db, user.id, first, ctx.now)
                    .await?;
            let max_age = crate::two_factor::service::CHALLENGE_MINUTES * 60;
            let cookie = sessions::challenge_cookie(&ctx.settings, Some(&token), max_age);
            return Ok((SignInStep::SecondFactor, cookie));
        }
        Ok((SignInStep::Done, start_session(ctx, user.id, first).await?))
    }

    pub async fn me(ctx: &RequestCtx) -> Result<Me, Error> {
        let scope = crate::context::current_scope(ctx).await?;
        me_in(ctx, &scope).await
    }

    /// [`me`] for a scope the caller has already resolved.
    pub async fn me_in(ctx: &RequestCtx, scope: &crate::tenant::Scope) -> Result<Me, Error> {
        let session = ctx.session()?;
        let list = workspaces::service::list_for_user(&ctx.db, session.user_id).await?;
        let current = list
            .iter()
            .find(|w| w.id == scope.workspace_id)
            .cloned()
            .ok_or(Error::Unauthenticated)?;
        Ok(Me {
            user: CurrentUser {
                id: session.user_id,
                name: session.name.clone(),
                email: session.email.clone(),
                timezone: session.timezone.clone(),
            },
            workspaces: list,
            current,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_this_sites_pages_are_returned_to() {
        for ok in [
            "/",
            "/reports?period=last_month&tag_ids=a,b",
            "/invoices/3f2a",
            "/entries#x",
        ] {
            assert_eq!(safe_next(ok), Some(ok), "{ok}");
        }
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "/\\/evil.example",
            "javascript:alert(1)",
            "/signin?next=/x",
            "/signup",
            "/api/v1/me",
            "/exports/backup",
            "/rpc/sign_out",
            "/a/../api/v1/me",
            "/x\nSet-Cookie:a=b",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(2000))), None);
    }
}

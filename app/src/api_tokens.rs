//! API tokens (Workspace settings → "API tokens") and their check on every
//! public API request. A token is `tmt_` + 32 random bytes in base62 + a
//! base62 CRC-32 of them (security.md K1): scanners can spot it and a typo
//! fails before the database is asked. Only its SHA-256 is stored (K2); the
//! plaintext exists once, in the response to "Create Token" (K3).

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;
use uuid::Uuid;

/// What a token may do. A token never has more than its creator's role.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenScope {
    #[default]
    ReadOnly,
    ReadWrite,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::ReadOnly => "read",
            TokenScope::ReadWrite => "write",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(TokenScope::ReadOnly),
            "write" => Some(TokenScope::ReadWrite),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TokenScope::ReadOnly => "Read-only",
            TokenScope::ReadWrite => "Read and write",
        }
    }
}

/// Expiry choices offered by "Create Token", in days; `None` is never.
pub const EXPIRY_CHOICES: [Option<u32>; 4] = [Some(30), Some(90), Some(365), None];
pub const DEFAULT_EXPIRY_DAYS: u32 = 90;

/// One token as the list shows it (never the token itself).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub scope: TokenScope,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// `tmt_AbCd…` for recognising the token.
    pub hint: String,
    pub expired: bool,
}

/// The "API tokens" section: whether the plan allows tokens, and the
/// tokens this person may see (their own; every token for owners/admins).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiTokensView {
    pub available: bool,
    pub sees_all: bool,
    pub workspace_id: Uuid,
    pub tokens: Vec<ApiToken>,
}

/// The answer to "Create Token": the only time the token is readable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: String,
    pub info: ApiToken,
}

#[server(prefix = "/rpc", endpoint = "list_api_tokens", input = Json)]
pub async fn list_api_tokens() -> Result<ApiTokensView, AppError> {
    crate::context::scoped(
        |ctx, scope| async move { service::list(&ctx.db, &scope, ctx.now).await },
    )
    .await
}

/// `expires_in_days`: 30, 90 or 365, or none for a token that never expires.
#[server(prefix = "/rpc", endpoint = "create_api_token", input = Json)]
pub async fn create_api_token(
    name: String,
    expires_in_days: Option<u32>,
    scope: TokenScope,
) -> Result<CreatedToken, AppError> {
    crate::context::no_store();
    crate::context::scoped(|ctx, ws| async move {
        service::create(&ctx.db, &ws, &name, expires_in_days, scope, ctx.now).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "revoke_api_token", input = Json)]
pub async fn revoke_api_token(id: Uuid) -> Result<(), AppError> {
    crate::context::scoped(|ctx, scope| async move {
        service::revoke(&ctx.db, &scope, id, ctx.now).await
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::auth::sessions::digest;
    use crate::db::entities::{api_tokens, memberships, users};
    use crate::error::Error;
    use crate::tenant::Scope;
    use crate::types::Plan;
    use rand::RngCore;
    use sea_orm::sea_query::Expr;
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic,
        QueryFilter, QueryOrder, QueryTrait, SelectA, SelectB, Set,
    };
    use subtle::ConstantTimeEq;

    pub const PREFIX: &str = "tmt_";
    const BODY_LEN: usize = 44;
    const CHECK_LEN: usize = 6;
    /// `last_used_at` is written at most this often (K4).
    const LAST_USED_EVERY_SECS: i64 = 60;

    pub fn plan_allows(plan: Plan) -> bool {
        matches!(plan, Plan::Team | Plan::Business)
    }

    fn pad(s: String, len: usize) -> String {
        format!("{s:0>len$}")
    }

    fn checksum(body: &str) -> String {
        pad(base62::encode(crc32fast::hash(body.as_bytes())), CHECK_LEN)
    }

    /// A new token: 32 bytes from the OS generator, as two zero-padded
    /// base62 halves, then the checksum.
    pub fn generate() -> String {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let hi = u128::from_be_bytes(bytes[..16].try_into().expect("16 bytes"));
        let lo = u128::from_be_bytes(bytes[16..].try_into().expect("16 bytes"));
        let body = format!(
            "{}{}",
            pad(base62::encode(hi), BODY_LEN / 2),
            pad(base62::encode(lo), BODY_LEN / 2)
        );
        format!("{PREFIX}{body}{}", checksum(&body))
    }

    /// True when `raw` has the token's shape and its checksum matches.
    pub fn well_formed(raw: &str) -> bool {
        let Some(rest) = raw.strip_prefix(PREFIX) else {
            return false;
        };
        if rest.len() != BODY_LEN + CHECK_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return false;
        }
        let (body, check) = rest.split_at(BODY_LEN);
        bool::from(checksum(body).as_bytes().ct_eq(check.as_bytes()))
    }

    fn hint(token: &str) -> String {
        format!("{}…", &token[..PREFIX.len() + 6])
    }

    fn validate_name(raw: &str) -> Result<String, Error> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(Error::invalid(
                "name",
                "Enter a name that says what the token is for, such as \"Internal reporting dashboard\".",
            ));
        }
        if name.chars().count() > 100 {
            return Err(Error::invalid("name", "Use at most 100 characters."));
        }
        if name.chars().any(char::is_control) {
            return Err(Error::invalid(
                "name",
                "Names cannot contain control characters.",
            ));
        }
        Ok(name.to_string())
    }

    fn view(m: &api_tokens::Model, creator: &str, now: DateTime<Utc>) -> ApiToken {
        ApiToken {
            id: m.id,
            name: m.name.clone(),
            scope: TokenScope::parse(&m.scope).unwrap_or(TokenScope::ReadOnly),
            created_by: creator.to_string(),
            created_at: m.created_at,
            last_used_at: m.last_used_at,
            expires_at: m.expires_at,
            hint: m.hint.clone(),
            expired: m.expires_at.is_some_and(|e| e <= now),
        }
    }

    /// Refuses token management on plans without API access.
    fn allowed(scope: &Scope) -> Result<(), Error> {
        if plan_allows(scope.plan) {
            Ok(())
        } else {
            Err(Error::PlanRequired)
        }
    }

    pub async fn list(
        db: &impl ConnectionTrait,
        scope: &Scope,
        now: DateTime<Utc>,
    ) -> Result<ApiTokensView, Error> {
        let available = plan_allows(scope.plan);
        let sees_all = scope.role.can_manage();
        let mut tokens = Vec::new();
        if available {
            let mut q = scope
                .find::<api_tokens::Entity>()
                .filter(api_tokens::Column::RevokedAt.is_null());
            if !sees_all {
                q = q.filter(api_tokens::Column::UserId.eq(scope.user_id));
            }
            for (m, u) in q
                .order_by_desc(api_tokens::Column::CreatedAt)
                .find_also_related(users::Entity)
                .all(db)
                .await?
            {
                let creator = u.map(|u| u.name).unwrap_or_default();
                tokens.push(view(&m, &creator, now));
            }
        }
        Ok(ApiTokensView {
            available,
            sees_all,
            workspace_id: scope.workspace_id,
            tokens,
        })
    }

    /// API tokens one person may create in an hour.
    pub const TOKENS_PER_HOUR: i64 = 20;

    pub async fn create(
        db: &impl ConnectionTrait,
        scope: &Scope,
        name: &str,
        expires_in_days: Option<u32>,
        token_scope: TokenScope,
        now: DateTime<Utc>,
    ) -> Result<CreatedToken, Error> {
        allowed(scope)?;
        scope.writable()?;
        let name = validate_name(name)?;
        // Tokens are cheap to make and each is a way in: a person makes a
        // handful, a script gone wrong (or a stolen session) makes thousands.
        crate::rate_limit::hit(
            db,
            &format!("token-create:user:{}", scope.user_id),
            TOKENS_PER_HOUR,
            3600,
            now,
        )
        .await?;
        if !EXPIRY_CHOICES.contains(&expires_in_days) {
            return Err(Error::invalid(
                "expires_in_days",
                "Choose 30, 90 or 365 days, or never.",
            ));
        }
        let token = generate();
        let m = api_tokens::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(scope.workspace_id),
            user_id: Set(scope.user_id),
            name: Set(name),
            scope: Set(token_scope.as_str().to_string()),
            token_hash: Set(digest(&token)),
            hint: Set(hint(&token)),
            created_at: Set(now),
            last_used_at: Set(None),
            expires_at: Set(expires_in_days.map(|d| now + chrono::Duration::days(d.into()))),
            revoked_at: Set(None),
        }
        .insert(db)
        .await?;
        let creator = users::Entity::find_by_id(scope.user_id)
            .one(db)
            .await?
            .map(|u| u.name)
            .unwrap_or_default();
        tracing::info!(token_id = %m.id, workspace = %scope.workspace_id, "API token created");
        Ok(CreatedToken {
            info: view(&m, &creator, now),
            token,
        })
    }

    /// Stops a token at once. Members revoke their own; owners and admins
    /// any token of the workspace. Allowed in a read-only workspace: cutting
    /// off access must always work.
    pub async fn revoke(
        db: &impl ConnectionTrait,
        scope: &Scope,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let m = scope.get::<api_tokens::Entity>(db, id, "The token").await?;
        if m.user_id != scope.user_id && !scope.role.can_manage() {
            return Err(Error::not_found("The token"));
        }
        if m.revoked_at.is_none() {
            scope
                .update_many::<api_tokens::Entity>()
                .col_expr(api_tokens::Column::RevokedAt, Expr::value(now))
                .filter(api_tokens::Column::Id.eq(m.id))
                .exec(db)
                .await?;
            tracing::info!(token_id = %m.id, workspace = %scope.workspace_id, "API token revoked");
        }
        Ok(())
    }

    /// Why a bearer token was refused. Every case of `Invalid` gets the
    /// same answer (K2); the detail is for the log only.
    #[derive(Debug, PartialEq, Eq)]
    pub enum Refused {
        Invalid(&'static str),
        /// The token's creator no longer belongs to the workspace.
        NotMember,
    }

    /// A live token and, read in the same statement, its creator's scope
    /// in the token's workspace (`None` when they have left it).
    pub struct LiveToken {
        pub token: api_tokens::Model,
        pub scope: Option<Scope>,
    }

    /// A live token, found by the digest of `raw`.
    pub async fn find_live(
        db: &impl ConnectionTrait,
        raw: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<LiveToken, Refused>, Error> {
        if !well_formed(raw) {
            return Ok(Err(Refused::Invalid("malformed or bad checksum")));
        }
        let hash = digest(raw);
        // One statement: the token, its creator, and the creator's
        // membership in the token's workspace with that workspace.
        let creator_membership = api_tokens::Entity::belongs_to(memberships::Entity)
            .from((api_tokens::Column::WorkspaceId, api_tokens::Column::UserId))
            .to((
                memberships::Column::WorkspaceId,
                memberships::Column::UserId,
            ))
            .into();
        let query = crate::tenant::with_scope(
            api_tokens::Entity::find()
                .filter(api_tokens::Column::TokenHash.eq(hash.as_str()))
                .find_also_related(users::Entity),
            creator_membership,
        );
        let Some(found) = db
            .query_one_raw(query.build(db.get_database_backend()))
            .await?
        else {
            return Ok(Err(Refused::Invalid("unknown")));
        };
        let m = api_tokens::Model::from_query_result(&found, SelectA.as_str())?;
        let user = users::Model::from_query_result_optional(&found, SelectB.as_str())?;
        if !bool::from(m.token_hash.as_bytes().ct_eq(hash.as_bytes())) {
            return Ok(Err(Refused::Invalid("unknown")));
        }
        if m.revoked_at.is_some() {
            return Ok(Err(Refused::Invalid("revoked")));
        }
        if m.expires_at.is_some_and(|e| e <= now) {
            return Ok(Err(Refused::Invalid("expired")));
        }
        match user {
            Some(u) if u.disabled_at.is_none() => {
                let scope = crate::tenant::scope_in_row(&found, Some(m.workspace_id), m.user_id)?;
                Ok(Ok(LiveToken { token: m, scope }))
            }
            _ => Ok(Err(Refused::Invalid("creator disabled"))),
        }
    }

    /// The scope a token acts in: its creator's current role in the token's
    /// workspace, or `NotMember` when they have left it.
    pub fn scope_of(live: &LiveToken) -> Result<Scope, Refused> {
        live.scope.clone().ok_or(Refused::NotMember)
    }

    /// Records use at most once a minute (K4): one conditional UPDATE.
    pub async fn touch(
        db: &impl ConnectionTrait,
        token: &api_tokens::Model,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let stale = token
            .last_used_at
            .is_none_or(|t| (now - t).num_seconds() >= LAST_USED_EVERY_SECS);
        if stale {
            api_tokens::Entity::update_many()
                .col_expr(api_tokens::Column::LastUsedAt, Expr::value(now))
                .filter(api_tokens::Column::Id.eq(token.id))
                .exec(db)
                .await?;
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn tokens_have_the_documented_shape() {
            let t = generate();
            assert!(t.starts_with("tmt_"));
            assert_eq!(t.len(), 4 + 44 + 6);
            assert!(t[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
            assert!(well_formed(&t));
            assert_ne!(generate(), t);
            assert_eq!(hint(&t).chars().count(), 4 + 6 + 1);
        }

        #[test]
        fn a_typo_fails_the_checksum() {
            let t = generate();
            let mut chars: Vec<char> = t.chars().collect();
            chars[10] = if chars[10] == 'a' { 'b' } else { 'a' };
            let typo: String = chars.into_iter().collect();
            assert!(!well_formed(&typo));
            assert!(!well_formed(&t[..t.len() - 1]));
            assert!(!well_formed(&format!("xyz_{}", &t[4..])));
            assert!(!well_formed(&t.replace("tmt_", "tmt-")));
            assert!(!well_formed(""));
        }

        #[test]
        fn only_team_and_business_have_api_access() {
            assert!(!plan_allows(Plan::Free));
            assert!(!plan_allows(Plan::SoloPro));
            assert!(plan_allows(Plan::Team));
            assert!(plan_allows(Plan::Business));
        }
    }
}

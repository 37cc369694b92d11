//! Errors. `AppError` is what crosses to the browser (and, later, the public
//! API): a kind and a sentence a person understands. On the server, domain
//! code returns [`Error`], which keeps the detail for the log; one exhaustive
//! `From` turns it into an `AppError`, and [`AppError::status`] gives the
//! HTTP status for each kind.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// The error the UI receives from a server function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No valid session: the UI sends the person to sign in.
    #[error("Your session has ended. Please sign in again.")]
    Unauthenticated,
    /// Signed in, but this role may not do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// Bad input; `field` names the form field when there is one.
    #[error("{message}")]
    Invalid {
        field: Option<String>,
        message: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("This workspace is read-only because of its billing status. You can still view and export data, but changes are blocked until billing is resolved.")]
    WorkspaceReadOnly,
    /// API tokens and the public API need a Team or Business plan.
    #[error("API access needs a Team or Business plan. An owner can change the plan in Workspace settings.")]
    PlanRequired,
    #[error("Too many attempts. Please wait {retry_after_secs} seconds and try again.")]
    RateLimited { retry_after_secs: u64 },
    /// Three wrong 2FA codes in one 30-second step (security.md T4).
    #[error("Too many wrong codes. Wait for the next code in your authenticator app (up to {retry_after_secs} seconds) and check that your device's clock is set correctly.")]
    SecondFactorLocked { retry_after_secs: u64 },
    #[error("Something went wrong on our side. Please try again; if it keeps happening, contact your administrator.")]
    Internal,
    /// Every database connection stayed taken for the acquire timeout: the
    /// server is overloaded, not broken.
    #[error("The server is busy right now. Please try again in {retry_after_secs} seconds.")]
    Busy { retry_after_secs: u64 },
    /// Work that ran past its time limit (a PDF render); the sentence says
    /// how to ask for less.
    #[error("{0}")]
    TooSlow(String),
    /// The request never reached our code (network down, bad encoding).
    #[error("Could not reach the server ({0}). Check your connection and try again.")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    /// The message for one form field, if this error is about that field.
    pub fn field_message(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid {
                field: Some(f),
                message,
            } if f == name => Some(message.clone()),
            _ => None,
        }
    }

    /// True when the message belongs to a field rather than the whole form.
    pub fn is_field_error(&self) -> bool {
        matches!(self, AppError::Invalid { field: Some(_), .. })
    }

    /// The HTTP status for each kind (no wildcard: a new kind must be mapped).
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Invalid { .. } => 422,
            AppError::Conflict(_) => 409,
            AppError::WorkspaceReadOnly => 403,
            AppError::PlanRequired => 403,
            AppError::RateLimited { .. } => 429,
            AppError::SecondFactorLocked { .. } => 429,
            AppError::Internal => 500,
            AppError::Busy { .. } => 503,
            AppError::TooSlow(_) => 503,
            AppError::Transport(_) => 400,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
pub use server::Error;

#[cfg(feature = "ssr")]
mod server {
    use super::AppError;

    /// The domain layer's error: what went wrong, with detail for the log.
    #[derive(Debug, thiserror::Error)]
    pub enum Error {
        #[error("database: {0}")]
        Db(#[from] sea_orm::DbErr),
        #[error("not signed in")]
        Unauthenticated,
        #[error("forbidden: {0}")]
        Forbidden(String),
        #[error("not found: {0}")]
        NotFound(String),
        #[error("invalid {field:?}: {message}")]
        Invalid {
            field: Option<String>,
            message: String,
        },
        #[error("conflict: {0}")]
        Conflict(String),
        #[error("workspace is read-only")]
        WorkspaceReadOnly,
        #[error("plan without API access")]
        PlanRequired,
        #[error("rate limited for {0}s")]
        RateLimited(u64),
        #[error("second factor locked for {0}s")]
        SecondFactorLocked(u64),
        #[error("took too long: {0}")]
        TooSlow(String),
        #[error("internal: {0}")]
        Internal(String),
    }

    impl Error {
        pub fn invalid(field: &str, message: impl Into<String>) -> Self {
            Error::Invalid {
                field: Some(field.to_string()),
                message: message.into(),
            }
        }
        pub fn forbidden(message: impl Into<String>) -> Self {
            Error::Forbidden(message.into())
        }
        pub fn not_found(what: &str) -> Self {
            Error::NotFound(format!("{what} was not found."))
        }
    }

    impl From<Error> for AppError {
        fn from(e: Error) -> Self {
            match e {
                Error::Db(err) if is_overloaded(&err) => {
                    tracing::warn!(error = %err, "no database connection in time");
                    AppError::Busy {
                        retry_after_secs: BUSY_RETRY_SECS,
                    }
                }
                Error::Db(err) => {
                    tracing::error!(error = %err, "database error");
                    AppError::Internal
                }
                Error::Internal(detail) => {
                    tracing::error!(%detail, "internal error");
                    AppError::Internal
                }
                Error::TooSlow(m) => {
                    tracing::warn!(message = %m, "work stopped at its time limit");
                    AppError::TooSlow(m)
                }
                Error::Unauthenticated => AppError::Unauthenticated,
                Error::Forbidden(m) => AppError::Forbidden(m),
                Error::NotFound(m) => AppError::NotFound(m),
                Error::Invalid { field, message } => AppError::Invalid { field, message },
                Error::Conflict(m) => AppError::Conflict(m),
                Error::WorkspaceReadOnly => AppError::WorkspaceReadOnly,
                Error::PlanRequired => AppError::PlanRequired,
                Error::RateLimited(secs) => AppError::RateLimited {
                    retry_after_secs: secs,
                },
                Error::SecondFactorLocked(secs) => AppError::SecondFactorLocked {
                    retry_after_secs: secs,
                },
            }
        }
    }

    /// What a client told "busy" should wait before trying again.
    pub const BUSY_RETRY_SECS: u64 = 2;

    /// The pool had no connection to give within its acquire timeout, or
    /// SQLite's write lock stayed taken past the busy timeout and retries.
    fn is_overloaded(err: &sea_orm::DbErr) -> bool {
        matches!(err, sea_orm::DbErr::ConnectionAcquire(_)) || crate::db::is_busy(err)
    }

    impl From<sea_orm::TransactionError<Error>> for Error {
        fn from(e: sea_orm::TransactionError<Error>) -> Self {
            match e {
                sea_orm::TransactionError::Connection(db) => Error::Db(db),
                sea_orm::TransactionError::Transaction(inner) => inner,
            }
        }
    }
}

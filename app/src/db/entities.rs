//! Table definitions. These are server-only: `users::Model` holds the
//! password hash and `sessions::Model` the token digest, so neither may be
//! sent to the browser (they are not `Serialize`).

pub mod users {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Lower-cased; unique.
        #[sea_orm(unique)]
        pub email: String,
        pub name: String,
        /// PHC string (argon2id).
        pub password_hash: String,
        pub timezone: String,
        pub disabled_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod workspaces {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "workspaces")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        /// `crate::types::Plan::as_str`.
        pub plan: String,
        /// `crate::types::BillingStatus::as_str`.
        pub billing_status: String,
        /// Cents per hour for projects without their own rate.
        pub default_rate_cents: Option<i64>,
        /// ISO 4217 code, e.g. `EUR`.
        pub currency: String,
        pub created_at: DateTimeUtc,
        /// Moved forward by database triggers on every change to entries,
        /// their tags, projects, clients, tags and invoices (migration
        /// `M20261128000007WorkspaceDataVersion`); cached entry pages are
        /// valid while it stands still.
        pub data_version: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod memberships {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "memberships")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        /// `crate::types::Role::as_str`.
        pub role: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::workspaces::Entity",
            from = "Column::WorkspaceId",
            to = "super::workspaces::Column::Id"
        )]
        Workspace,
    }

    impl Related<super::workspaces::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Workspace.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod sessions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Hex SHA-256 of the cookie token; the token itself is never stored.
        #[sea_orm(unique)]
        pub token_hash: String,
        pub user_id: Uuid,
        pub current_workspace_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub last_seen_at: DateTimeUtc,
        pub user_agent: String,
        pub ip: String,
        pub revoked_at: Option<DateTimeUtc>,
        /// "Berlin, Germany", "Local network", … (`crate::geo`); empty for
        /// sessions from before locations were kept.
        pub location: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::users::Entity",
            from = "Column::UserId",
            to = "super::users::Column::Id"
        )]
        User,
    }

    impl Related<super::users::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod clients {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "clients")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub name: String,
        /// Lower-cased name; unique per workspace.
        pub name_key: String,
        pub archived_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod projects {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "projects")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub client_id: Option<Uuid>,
        pub name: String,
        pub name_key: String,
        /// `#rrggbb`.
        pub color: String,
        /// Whether new entries on this project are billable by default.
        pub billable: bool,
        /// Falls back to the workspace's default rate when `None`.
        pub hourly_rate_cents: Option<i64>,
        pub archived_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod tags {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tags")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub name: String,
        pub name_key: String,
        pub color: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod time_entries {
    use sea_orm::entity::prelude::*;

    /// A stretch of tracked time. `ended_at` is `None` while it runs (the
    /// timer); `deleted_at` is set for a few moments so a delete can be undone.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "time_entries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub user_id: Uuid,
        pub description: String,
        pub project_id: Option<Uuid>,
        pub billable: bool,
        pub started_at: DateTimeUtc,
        pub ended_at: Option<DateTimeUtc>,
        pub invoice_id: Option<Uuid>,
        pub deleted_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod time_entry_tags {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "time_entry_tags")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub entry_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub tag_id: Uuid,
        pub workspace_id: Uuid,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod invoices {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "invoices")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        /// Per-workspace sequence, shown as `INV-0001`.
        pub number: i64,
        pub client_id: Option<Uuid>,
        /// Snapshot: the invoice reads the same after a rename or delete.
        pub client_name: String,
        pub period_from: Date,
        pub period_to: Date,
        pub currency: String,
        /// Basis points: 1900 = 19 %.
        pub tax_rate_bp: i64,
        pub notes: String,
        /// `crate::invoices::InvoiceStatus::as_str`.
        pub status: String,
        pub subtotal_cents: i64,
        pub tax_cents: i64,
        pub total_cents: i64,
        pub entry_count: i64,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
        pub sent_at: Option<DateTimeUtc>,
        pub paid_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod invoice_lines {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "invoice_lines")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub invoice_id: Uuid,
        pub workspace_id: Uuid,
        pub position: i32,
        pub project_name: String,
        pub secs: i64,
        pub rate_cents: i64,
        pub amount_cents: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod two_factor {
    use sea_orm::entity::prelude::*;

    /// One row per person who has 2FA on or is setting it up. Secrets are
    /// sealed with the TOTP key (`secret_box`); never plain text.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "two_factor")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub secret_enc: Option<String>,
        pub enabled_at: Option<DateTimeUtc>,
        pub pending_secret_enc: Option<String>,
        pub pending_expires_at: Option<DateTimeUtc>,
        /// The newest step accepted; only later steps pass (no replays).
        pub last_used_step: i64,
        /// The step of the latest failures and how many there were in it.
        pub fail_step: i64,
        pub fail_count: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod recovery_codes {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "recovery_codes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        /// Hex SHA-256 of the normalised code.
        pub code_hash: String,
        pub used_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod login_challenges {
    use sea_orm::entity::prelude::*;

    /// A correct password for an account with 2FA: not a session, only the
    /// right to try a second factor for a few minutes.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "login_challenges")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique)]
        pub token_hash: String,
        pub user_id: Uuid,
        pub workspace_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod api_tokens {
    use sea_orm::entity::prelude::*;

    /// A public API token: only its SHA-256 is stored (security.md K2).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        /// The creator: the token acts with their role, never more.
        pub user_id: Uuid,
        pub name: String,
        /// `crate::api_tokens::TokenScope::as_str`.
        pub scope: String,
        #[sea_orm(unique)]
        pub token_hash: String,
        /// The first and last characters, for recognising a token.
        pub hint: String,
        pub created_at: DateTimeUtc,
        pub last_used_at: Option<DateTimeUtc>,
        pub expires_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::users::Entity",
            from = "Column::UserId",
            to = "super::users::Column::Id"
        )]
        User,
    }

    impl Related<super::users::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod workspace_snapshots {
    use sea_orm::entity::prelude::*;

    /// A workspace's backup kept by Clear Workspace for its undo.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "workspace_snapshots")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub reason: String,
        pub created_by: Uuid,
        pub created_by_name: String,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub restored_at: Option<DateTimeUtc>,
        pub entries: i64,
        /// The Export JSON document, gzip-compressed.
        pub data: Vec<u8>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod import_jobs {
    use sea_orm::entity::prelude::*;

    /// A confirmed Import JSON from the Data tab, running or finished.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "import_jobs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub started_by: Uuid,
        pub started_by_name: String,
        pub file_name: String,
        pub mode: String,
        pub state: String,
        pub done: i64,
        pub total: i64,
        pub started_at: DateTimeUtc,
        pub heartbeat_at: DateTimeUtc,
        pub finished_at: Option<DateTimeUtc>,
        #[sea_orm(column_type = "Text", nullable)]
        pub outcome: Option<String>,
        pub dismissed: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

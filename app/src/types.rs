//! Types shared by the browser and the server: what the UI shows and sends.
//! Nothing here carries a secret (password hashes and token digests stay in
//! the server-only entity modules).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A member's role in a workspace, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Admin, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Member => "Member",
        }
    }

    /// Owners and admins manage the workspace: members, settings, shared records.
    pub fn can_manage(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// The workspace's subscription plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum Plan {
    Free,
    SoloPro,
    Team,
    Business,
}

impl Plan {
    pub const ALL: [Plan; 4] = [Plan::Free, Plan::SoloPro, Plan::Team, Plan::Business];

    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::SoloPro => "solo-pro",
            Plan::Team => "team",
            Plan::Business => "business",
        }
    }

    pub fn parse(s: &str) -> Option<Plan> {
        match s.trim().to_ascii_lowercase().as_str() {
            "free" => Some(Plan::Free),
            "solo-pro" | "solo_pro" | "solopro" => Some(Plan::SoloPro),
            "team" => Some(Plan::Team),
            "business" => Some(Plan::Business),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Plan::Free => "Free",
            Plan::SoloPro => "Solo Pro",
            Plan::Team => "Team",
            Plan::Business => "Business",
        }
    }

    /// Public API tokens exist only on Team and Business.
    pub fn has_api_access(self) -> bool {
        matches!(self, Plan::Team | Plan::Business)
    }
}

/// Whether the workspace accepts writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum BillingStatus {
    Active,
    ReadOnly,
}

impl BillingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BillingStatus::Active => "active",
            BillingStatus::ReadOnly => "read-only",
        }
    }

    pub fn parse(s: &str) -> Option<BillingStatus> {
        match s.trim().to_ascii_lowercase().as_str() {
            "active" => Some(BillingStatus::Active),
            "read-only" | "read_only" | "readonly" => Some(BillingStatus::ReadOnly),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BillingStatus::Active => "Active",
            BillingStatus::ReadOnly => "Read-only",
        }
    }
}

/// The signed-in person as the UI sees them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub timezone: String,
}

/// A workspace the person belongs to, with their role in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceSummary {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub plan: Plan,
    pub billing_status: BillingStatus,
    /// ISO 4217 code for amounts (reports, invoices).
    pub currency: String,
    /// Cents per hour for projects without their own rate.
    pub default_rate_cents: Option<i64>,
}

/// Everything the app shell needs: who is signed in, their workspaces, and
/// which one is current.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub user: CurrentUser,
    pub workspaces: Vec<WorkspaceSummary>,
    pub current: WorkspaceSummary,
}

/// A workspace member as listed on the Members tab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// Which records a list shows: archived ones are hidden unless asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArchiveFilter {
    #[default]
    Active,
    Archived,
    All,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Client {
    pub id: Uuid,
    pub name: String,
    pub archived: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    pub client_id: Option<Uuid>,
    /// `#rrggbb`, shown as a dot next to the name.
    pub color: String,
    pub billable: bool,
    /// Cents per hour; `None` uses the workspace's default rate.
    pub hourly_rate_cents: Option<i64>,
    pub archived: bool,
}

/// Shown as `#name`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub id: Uuid,
    pub name: String,
    pub color: String,
}

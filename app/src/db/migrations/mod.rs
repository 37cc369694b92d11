//! Schema migrations, one file each, applied in order at start and by
//! `timether migrate`.

use sea_orm_migration::prelude::*;

mod m20261127_000001_create_accounts;
mod m20261127_000002_create_catalog;
mod m20261127_000003_create_time_entries;
mod m20261127_000004_create_invoices;
mod m20261128_000005_create_two_factor;
mod m20261128_000006_create_api_tokens;
mod m20261128_000007_workspace_data_version;
mod m20261128_000008_bulk_load_switch;
mod m20261201_000009_sign_in_failures;
mod m20261201_000010_session_locations;
mod m20261201_000011_tenant_foreign_keys;
mod m20261202_000012_workspace_snapshots;
mod m20261202_000013_one_timer_per_person;
mod m20261204_000014_live_notify;
mod m20261205_000015_running_timer_index;
mod m20261205_000016_import_jobs;
mod m20261205_000017_deleted_entries_index;
mod tables;

pub use m20261127_000001_create_accounts::M20261127000001CreateAccounts;
pub use m20261127_000002_create_catalog::M20261127000002CreateCatalog;
pub use m20261127_000003_create_time_entries::M20261127000003CreateTimeEntries;
pub use m20261127_000004_create_invoices::M20261127000004CreateInvoices;
pub use m20261128_000005_create_two_factor::M20261128000005CreateTwoFactor;
pub use m20261128_000006_create_api_tokens::M20261128000006CreateApiTokens;
pub use m20261128_000007_workspace_data_version::M20261128000007WorkspaceDataVersion;
pub use m20261128_000008_bulk_load_switch::M20261128000008BulkLoadSwitch;
pub use m20261201_000009_sign_in_failures::M20261201000009SignInFailures;
pub use m20261201_000010_session_locations::M20261201000010SessionLocations;
pub use m20261201_000011_tenant_foreign_keys::{
    M20261201000011TenantForeignKeys, TENANT_KEY_PREFIX,
};

pub use m20261202_000012_workspace_snapshots::M20261202000012WorkspaceSnapshots;
pub use m20261202_000013_one_timer_per_person::{length_expr, M20261202000013OneTimerPerPerson};
pub use m20261204_000014_live_notify::M20261204000014LiveNotify;
pub use m20261205_000015_running_timer_index::M20261205000015RunningTimerIndex;
pub use m20261205_000016_import_jobs::M20261205000016ImportJobs;
pub use m20261205_000017_deleted_entries_index::M20261205000017DeletedEntriesIndex;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(M20261127000001CreateAccounts),
            Box::new(M20261127000002CreateCatalog),
            Box::new(M20261127000003CreateTimeEntries),
            Box::new(M20261127000004CreateInvoices),
            Box::new(M20261128000005CreateTwoFactor),
            Box::new(M20261128000006CreateApiTokens),
            Box::new(M20261128000007WorkspaceDataVersion),
            Box::new(M20261128000008BulkLoadSwitch),
            Box::new(M20261201000009SignInFailures),
            Box::new(M20261201000010SessionLocations),
            Box::new(M20261201000011TenantForeignKeys),
            Box::new(M20261202000012WorkspaceSnapshots),
            Box::new(M20261202000013OneTimerPerPerson),
            Box::new(M20261204000014LiveNotify),
            Box::new(M20261205000015RunningTimerIndex),
            Box::new(M20261205000016ImportJobs),
            Box::new(M20261205000017DeletedEntriesIndex),
        ]
    }
}

//! Where each session signed in from (`crate::geo`), looked up once when the
//! session is created. Sessions from before read "Unknown location".

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M20261201000010SessionLocations;

impl MigrationName for M20261201000010SessionLocations {
    fn name(&self) -> &str {
        "m20261201_000010_session_locations"
    }
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Location,
}

#[async_trait::async_trait]
impl MigrationTrait for M20261201000010SessionLocations {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .add_column(string_len(Sessions::Location, 120).default(""))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .drop_column(Sessions::Location)
                .to_owned(),
        )
        .await
    }
}

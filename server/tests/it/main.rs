//! The integration suites, linked into one test binary: each suite used to
//! be a binary of its own, and every one of them linked the whole server
//! (about 780 MB with line tables), so a change in `app/` meant ten links.
//! They run against SQLite, or the PostgreSQL database named by
//! TIMETHER_TEST_DATABASE_URL (`make integration-postgres`); on PostgreSQL
//! every suite shares that one database, so no test may sweep or count
//! rows it did not make.

// The tests read the real clock to set the server's clock against it.
#![allow(clippy::disallowed_methods)]

mod common;

mod api;
mod backup;
mod catalog;
mod clear;
mod cli;
mod entries;
mod foundation;
mod hardening;
mod import;
mod import_jobs;
mod integrity;
mod invoices;
mod live;
mod load;
mod round_trip;
mod sessions;
mod time_export;
mod two_factor;

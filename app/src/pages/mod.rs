//! One module per page (or group of tabbed pages).

pub mod api_docs;
pub mod api_tokens;
pub mod auth;
pub mod catalog;
pub mod entries;
pub mod home;
pub mod invoices;
pub mod not_found;
pub mod profile;
pub mod reports;
pub mod two_factor;
pub mod workspace_settings;

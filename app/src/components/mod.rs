//! UI building blocks used across pages.

pub mod forms;
pub mod layout;

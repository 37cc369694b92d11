//! UI building blocks used across pages.

pub mod address;
pub mod case;
pub mod chart;
pub mod dismiss;
pub mod entry_list;
pub mod feedback;
pub mod forms;
pub mod layout;
pub mod leave_guard;
pub mod live;
pub mod loaded;
pub mod pickers;
pub mod time_filter;
pub mod timer_bar;

//! Tauri commands: each a thin wrapper over one core function with the same name.

pub mod accounts;
pub mod activity;
pub mod app;
pub mod assistant;
pub mod calendar;
pub mod mail;
pub mod search;
pub mod settings;
pub mod tasks;

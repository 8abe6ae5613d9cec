//! Generates the Tauri context and the permissions of Orbit's own commands: each command gets
//! an `allow-<command>` permission, and `permissions/main-window.toml` grants them as one set
//! that only the main window's capability holds.

const COMMANDS: &[&str] = &[
    "ui_ready",
    "app_info",
    "notification_test",
    "account_list",
    "account_add",
    "account_update",
    "account_remove",
    "account_test",
    "activity_list",
    "activity_undo",
    "settings_get",
    "provider_update",
    "api_key_set",
    "api_key_remove",
    "mail_folders",
    "mail_list",
    "mail_show",
    "mail_thread",
    "mail_render",
    "open_link",
    "mail_compose_template",
    "draft_save",
    "draft_list",
    "draft_delete",
    "draft_attach",
    "draft_send",
    "outbox_list",
    "outbox_cancel",
    "mail_contacts",
    "mail_allow_remote",
    "outbox_retry",
    "mail_prefs",
    "mail_set_undo_send",
    "mail_set_server_saves_sent",
    "mail_sync",
    "mail_set_flags",
    "mail_archive",
    "mail_delete",
    "mail_move",
    "mail_open_sample",
    "search_mail",
    "search_status",
    "embedding_settings",
    "embedding_update",
    "embed_status",
    "assistant_ask",
    "assistant_stop",
    "assistant_painted",
    "assistant_settings",
    "assistant_update",
    "chat_sessions",
    "chat_session",
    "chat_requests",
    "chat_rename",
    "chat_delete",
    "proposals",
    "proposal_reject",
    "proposal_confirm",
];

fn main() {
    if let Err(err) = tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    ) {
        println!("cargo::error=tauri-build failed: {err:#}");
    }
}

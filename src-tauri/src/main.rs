// A release build on Windows has no console window.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    orbit_app::run();
}

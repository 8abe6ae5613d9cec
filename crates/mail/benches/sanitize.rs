//! Sanitising throughput: every message of the shared MIME corpus (`../shared/corpus/mime`)
//! parsed once, then its HTML body (or its text, as plain-text mail is rendered) made safe
//! and wrapped in the reading-pane document, repeatedly. Reports messages per second.
//!
//!     cargo bench -p orbit-mail --bench sanitize
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it does one quick pass.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use orbit_mail::sanitize::{render_document, sanitize_html, text_to_html};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "eml") {
            out.push(path);
        }
    }
}

/// A newsletter of about `size` bytes: nested layout tables, inline styles, images and links.
fn newsletter(size: usize) -> String {
    let mut html = String::from(
        "<html><head><style>.x{color:red}</style></head><body bgcolor=\"#f4f4f4\">\
         <table width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" bgcolor=\"#f4f4f4\">",
    );
    let mut i = 0;
    while html.len() < size {
        html.push_str(&format!(
            "<tr><td align=\"center\" style=\"padding:16px 24px;font-family:Arial,sans-serif;\
             font-size:15px;line-height:22px;color:#333333;background:#ffffff\">\
             <table width=\"600\" style=\"border-collapse:collapse\"><tr>\
             <td width=\"180\"><img src=\"https://cdn.example.com/img/{i}.jpg\" width=\"180\" \
             alt=\"Story {i}\" style=\"display:block;border:0\"></td><td style=\"padding-left:16px\">\
             <h2 style=\"margin:0 0 8px;font-size:20px\">Story number {i}: what happened</h2>\
             <p style=\"margin:0\">Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do \
             eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam.</p>\
             <a href=\"https://example.com/track?u={i}&amp;s=news\" style=\"color:#0066cc\">Read more</a>\
             </td></tr></table></td></tr>"
        ));
        i += 1;
    }
    html.push_str("</table><img src=\"https://t.example.com/open.gif\" width=\"1\" height=\"1\"></body></html>");
    html
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/mime");
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    let bodies: Vec<(Option<String>, String)> = files
        .iter()
        .map(|p| {
            let parsed = orbit_mail::parse(&std::fs::read(p).unwrap());
            (parsed.html, parsed.text)
        })
        .collect();
    let html_count = bodies.iter().filter(|(h, _)| h.is_some()).count();
    let rounds = if bench { 50 } else { 1 };
    let none = HashMap::new();
    let mut bytes = 0usize;
    let started = Instant::now();
    for _ in 0..rounds {
        for (html, text) in &bodies {
            let body = match html {
                Some(html) => sanitize_html(html, &none).html,
                None => text_to_html(text),
            };
            bytes += render_document(&body, false).len();
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let messages = bodies.len() * rounds;
    let news = newsletter(200 * 1024);
    let runs = if bench { 20 } else { 1 };
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let safe = sanitize_html(&news, &none);
            let doc = render_document(&safe.html, false);
            assert!(doc.len() > 100_000 && safe.blocked_remote > 100);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "sanitize: a {} KB newsletter: median {:.1} ms (min {:.1}, max {:.1}, {runs} runs)",
        news.len() / 1024,
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
    println!(
        "sanitize: {} corpus messages ({} with HTML) x {rounds} rounds in {elapsed:.3} s: \
         {:.0} messages/s ({} bytes out)",
        bodies.len(),
        html_count,
        messages as f64 / elapsed,
        bytes
    );
}

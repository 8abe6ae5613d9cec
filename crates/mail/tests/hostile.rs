//! Every payload of the hostile HTML corpus (`tests/hostile/`) through the sanitiser: nothing
//! that could run script, load from the network or navigate survives, and the text does.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::path::PathBuf;

use orbit_mail::sanitize::{
    LINK_PREFIX, MESSAGE_CSP, Resources, link_href, link_target, remote_urls, render_document,
    sanitize_html, sanitize_with, text_to_html,
};

const CANARY: &str = "http://127.0.0.1:9/canary";

fn corpus() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/hostile");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let html = std::fs::read_to_string(&p)
                .unwrap()
                .replace("TRACKING_URL", CANARY);
            (name, html)
        })
        .collect();
    out.sort();
    out
}

/// What must never be in sanitised output, checked on the lower-cased markup. Style sheets may
/// stay, but with nothing in them that loads, and they are checked apart from the markup.
fn violations(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut markup = String::new();
    let mut rest = html.to_ascii_lowercase();
    while let Some(at) = rest.find("<style") {
        markup.push_str(&rest[..at]);
        let open_end = at + rest[at..].find('>').unwrap() + 1;
        markup.push_str(&rest[at..open_end]);
        let close = rest[open_end..]
            .find("</style")
            .map_or(rest.len(), |c| open_end + c);
        let css = &rest[open_end..close];
        for bad in ["<", "@import", "image-set(", "expression("] {
            if css.contains(bad) {
                found.push(format!("{bad} in a style sheet: {css}"));
            }
        }
        if css.replace("url(\"data:", "").contains("url(") {
            found.push(format!("a url() that is not data: in a style sheet: {css}"));
        }
        rest = rest[close..].to_owned();
    }
    markup.push_str(&rest);
    let lower = markup;
    for tag in [
        "<script",
        "<iframe",
        "<frame",
        "<object",
        "<embed",
        "<meta",
        "<base",
        "<form",
        "<input",
        "<button",
        "<link",
        "<svg",
        "<math",
        "<video",
        "<audio",
        "<source",
        "<picture",
        "<applet",
        "<bgsound",
        "<textarea",
        "<select",
        "<noscript",
        "<xmp",
        "<image",
    ] {
        if lower.contains(tag) {
            found.push(format!("tag {tag}"));
        }
    }
    for attr in [
        "srcset",
        "poster",
        "ping=",
        "target=",
        "xlink:href",
        "formaction",
        "action=",
    ] {
        if lower.contains(attr) {
            found.push(format!("attribute {attr}"));
        }
    }
    // Event handlers: ` on<letters>=` inside a tag.
    let mut in_tag = false;
    let bytes = lower.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'<' => in_tag = true,
            b'>' => in_tag = false,
            b' ' if in_tag => {
                let rest = &lower[i + 1..];
                if let Some(after) = rest.strip_prefix("on") {
                    let name: String = after
                        .chars()
                        .take_while(|c| c.is_ascii_alphabetic())
                        .collect();
                    if !name.is_empty() && after[name.len()..].starts_with('=') {
                        found.push(format!("handler on{name}"));
                    }
                }
            }
            _ => {}
        }
    }
    // Schemes that run or load documents, inside tags (as text they are only words).
    let tags: Vec<&str> = lower
        .split('<')
        .skip(1)
        .filter_map(|t| t.split('>').next())
        .collect();
    for scheme in ["javascript:", "vbscript:", "data:text", "data:image/svg"] {
        if tags.iter().any(|t| t.contains(scheme)) {
            found.push(format!("scheme {scheme}"));
        }
    }
    // In a tag, a URL may appear only as a link target kept in a fragment.
    for tag in &tags {
        let mut rest = *tag;
        while let Some(at) = rest.find("http") {
            let before = &rest[..at];
            if !before.ends_with(&LINK_PREFIX.to_ascii_lowercase()) {
                found.push(format!("url in <{tag}>"));
            }
            rest = &rest[at + 4..];
        }
        if tag.contains("url(") || tag.contains("image-set(") {
            found.push(format!("css that loads in <{tag}>"));
        }
    }
    found
}

#[test]
fn no_payload_survives_the_sanitiser() {
    let corpus = corpus();
    assert!(
        corpus.len() >= 40,
        "the hostile corpus is there: {}",
        corpus.len()
    );
    for (name, html) in &corpus {
        let safe = sanitize_html(html, &HashMap::new());
        let bad = violations(&safe.html);
        assert!(bad.is_empty(), "{name}: {bad:?} in {}", safe.html);
        // Sanitising is stable: the output is already clean (no mutation on a second pass).
        let again = sanitize_html(&safe.html, &HashMap::new());
        assert!(violations(&again.html).is_empty(), "{name} second pass");
        let doc = render_document(&safe.html, false);
        assert!(
            doc.contains(MESSAGE_CSP),
            "{name}: the CSP is in the document"
        );
        assert!(violations(doc.split("<body>").nth(1).unwrap()).is_empty());
    }
}

#[test]
fn remote_content_is_removed_and_counted() {
    let corpus = corpus();
    let blocked = |name: &str| {
        let (_, html) = corpus.iter().find(|(n, _)| n == name).unwrap();
        sanitize_html(html, &HashMap::new()).blocked_remote
    };
    assert!(
        blocked("29-tracking-pixel") >= 2,
        "pixel and protocol-relative image"
    );
    assert!(
        blocked("28-css-url") >= 6,
        "every url()/image-set declaration"
    );
    assert!(
        blocked("33-body-background") >= 2,
        "table and cell backgrounds"
    );
    assert_eq!(
        blocked("39-phishing-link"),
        0,
        "a link is not remote content"
    );
}

#[test]
fn text_and_layout_survive() {
    let safe = sanitize_html(
        "<table bgcolor=\"#eeeeee\" width=\"600\" cellpadding=\"4\"><tr><td align=\"center\" \
         style=\"color:#333;font-size:16px;padding:8px;background:#fff url(http://x/y)\">\
         <font face=\"Arial\" color=\"red\">Hello</font> <b>world</b></td></tr></table>",
        &HashMap::new(),
    );
    let html = safe.html;
    for kept in [
        "bgcolor=\"#eeeeee\"",
        "width=\"600\"",
        "cellpadding=\"4\"",
        "align=\"center\"",
        "color:#333",
        "font-size:16px",
        "padding:8px",
        "<font face=\"Arial\" color=\"red\">Hello</font>",
        "<b>world</b>",
    ] {
        assert!(html.contains(kept), "{kept} kept in {html}");
    }
    assert!(!html.contains("url("), "{html}");
    assert_eq!(safe.blocked_remote, 1);
}

#[test]
fn links_keep_their_target_in_a_fragment_and_cid_images_resolve_locally() {
    let mut cids = HashMap::new();
    cids.insert(
        "logo@x".to_string(),
        "data:image/png;base64,iVBORw0KGgo=".to_string(),
    );
    let safe = sanitize_html(
        "<a href=\"https://example.com/a?b=1&amp;c=2\" target=\"_blank\">site</a> \
         <a href=\"mailto:ann@example.com\">mail</a> <a href=\"/relative\">rel</a> \
         <img src=\"cid:LOGO@x\" alt=\"logo\"><img src=\"cid:other@x\" alt=\"gone\">",
        &cids,
    );
    let html = safe.html;
    assert!(
        html.contains(&format!(
            "href=\"{}\"",
            link_href("https://example.com/a?b=1&c=2")
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!("href=\"{}\"", link_href("mailto:ann@example.com"))),
        "{html}"
    );
    assert!(!html.contains("/relative"), "{html}");
    assert!(
        html.contains("src=\"data:image/png;base64,iVBORw0KGgo=\""),
        "{html}"
    );
    assert!(
        html.contains("alt=\"gone\"") && !html.contains("cid:"),
        "{html}"
    );
}

#[test]
fn plain_text_is_escaped_linked_and_quotes_fold() {
    let html =
        text_to_html("Hi <b>there</b> & see https://example.com/x.\n> quoted line\n>> deeper\nBye");
    assert!(
        html.contains("Hi &lt;b&gt;there&lt;/b&gt; &amp; see"),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "<a href=\"{}\">https://example.com/x</a>.",
            link_href("https://example.com/x")
        )),
        "{html}"
    );
    assert!(html.contains("<details><summary>Show quoted text</summary><blockquote>quoted line\ndeeper\n</blockquote></details>"), "{html}");
    assert!(html.contains("Bye"));
    // The plain-text rendering passes the sanitiser unchanged in what matters.
    assert!(violations(&sanitize_html(&html, &HashMap::new()).html).is_empty());
}

#[test]
fn only_web_and_mail_links_may_be_opened() {
    assert_eq!(
        link_target(&link_href("https://example.com/a?b=1#c")).as_deref(),
        Some("https://example.com/a?b=1#c")
    );
    // As the shell sees it: the frame tried to open the app's URL with the link's fragment.
    assert_eq!(
        link_target(&format!(
            "tauri://localhost{}",
            link_href("https://x.example/")
        ))
        .as_deref(),
        Some("https://x.example/")
    );
    assert_eq!(
        link_href("https://a.example/?q=1"),
        "#orbit-link:https%3A%2F%2Fa.example%2F%3Fq%3D1"
    );
    assert_eq!(
        link_target("mailto:ann@example.com").as_deref(),
        Some("mailto:ann@example.com")
    );
    for bad in [
        "#orbit-link:javascript%3Aalert(1)",
        "#orbit-link:%zz",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "#orbit-link:data%3Atext%2Fhtml%2Cx",
        "vbscript:x",
        "https://",
        "mailto:",
        "https://exa mple.com",
        "https://example.com/\u{0}",
        "smb://host/share",
        "",
    ] {
        assert_eq!(link_target(bad), None, "{bad}");
    }
}

#[test]
fn outgoing_html_escapes_links_and_quotes() {
    let html = orbit_mail::sanitize::outgoing_html(
        "Hi <team> & all,\nsee https://example.com/a?b=1&c=2.\n\n> earlier\n>> older\nBye",
    );
    assert!(html.contains("Hi &lt;team&gt; &amp; all,"), "{html}");
    assert!(
        html.contains(
            "<a href=\"https://example.com/a?b=1&amp;c=2\">https://example.com/a?b=1&amp;c=2</a>."
        ),
        "{html}"
    );
    assert_eq!(html.matches("<blockquote").count(), 2, "{html}");
    assert!(html.contains("earlier") && html.contains("older") && html.ends_with("</div>"));
    // What Orbit sends passes its own sanitiser without losing the text.
    let safe = sanitize_html(&html, &HashMap::new()).html;
    assert!(safe.contains("Bye") && safe.contains("older"));
}

/// A newsletter's style sheet, srcset, video poster and web font: all blocked and counted by
/// default; listed by `remote_urls`; and, once fetched, shown from `data:` URIs only.
#[test]
fn style_sheets_srcset_posters_and_fonts_load_only_what_the_core_fetched() {
    let html = "<style>@import url(https://n.example/x.css);\
        @font-face{font-family:Brand;src:url(https://n.example/brand.woff2) format('woff2')}\
        .hero{background:url('https://n.example/hero.png') no-repeat;font-family:Brand}\
        @media (max-width:600px){.col{width:100%!important}}</style>\
        <div class=\"hero\">Sale</div>\
        <img src=\"https://n.example/a.png\" srcset=\"https://n.example/a.png 1x, https://n.example/a2.png 2x\" alt=\"a\">\
        <video poster=\"https://n.example/poster.png\" src=\"https://n.example/v.mp4\" autoplay>\
        <a href=\"https://n.example/watch\">Watch</a></video>";
    let blocked = sanitize_html(html, &HashMap::new());
    assert!(violations(&blocked.html).is_empty(), "{}", blocked.html);
    assert!(
        blocked
            .html
            .contains("@media (max-width:600px){.col{width:100%!important}}"),
        "{}",
        blocked.html
    );
    assert!(
        !blocked.html.contains("<video"),
        "no poster, no video: {}",
        blocked.html
    );
    assert!(
        blocked.html.contains(">Watch</a>"),
        "its fallback shows: {}",
        blocked.html
    );
    assert!(blocked.blocked_remote >= 6, "{}", blocked.blocked_remote);

    let urls = remote_urls(html);
    for url in ["brand.woff2", "hero.png", "a.png", "a2.png", "poster.png"] {
        assert!(urls.iter().any(|u| u.ends_with(url)), "{url} in {urls:?}");
    }
    assert!(
        !urls
            .iter()
            .any(|u| u.ends_with(".css") || u.ends_with(".mp4")),
        "{urls:?}"
    );

    let remote: HashMap<String, String> = urls
        .iter()
        .map(|u| {
            let kind = if u.ends_with(".woff2") {
                "font/woff2"
            } else {
                "image/png"
            };
            (u.clone(), format!("data:{kind};base64,{}", u.len()))
        })
        .collect();
    let shown = sanitize_with(
        html,
        &Resources {
            cids: HashMap::new(),
            remote,
        },
    );
    let out = &shown.html;
    assert!(
        !out.contains("n.example/a")
            && !out.contains("n.example/h")
            && !out.contains("n.example/p"),
        "{out}"
    );
    assert!(out.contains("src:url(\"data:font/woff2;base64,"), "{out}");
    assert!(
        out.contains("background:url(\"data:image/png;base64,"),
        "{out}"
    );
    assert!(out.contains("srcset=\"data:image/png;base64,"), "{out}");
    assert!(out.contains(" 2x\""), "{out}");
    assert!(
        out.contains("<video poster=\"data:image/png;base64,"),
        "{out}"
    );
    assert!(
        !out.contains("v.mp4") && !out.contains("autoplay") && !out.contains("x.css"),
        "{out}"
    );
}

/// Only what ammonia serialised as a `<style>` element is read as CSS: the same words inside an
/// attribute or text stay what they were.
#[test]
fn style_look_alikes_in_attributes_and_text_stay_text() {
    let out = sanitize_html(
        "<p title=\"<style>x</style>\">a &lt;style&gt; b</p><style>p{color:red}</style><p>after</p>",
        &HashMap::new(),
    )
    .html;
    assert!(out.contains("a &lt;style&gt; b"), "{out}");
    assert!(
        out.contains("<style>p{color:red}</style><p>after</p>"),
        "{out}"
    );
    assert!(
        !out.contains("title=\"<"),
        "no < in an attribute value: {out}"
    );
}

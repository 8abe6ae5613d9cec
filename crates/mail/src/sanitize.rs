//! Making untrusted HTML mail safe to show: [`sanitize_html`] (ammonia, configured for mail)
//! and [`render_document`], the complete document the reading pane puts in a sandboxed iframe,
//! with its own Content-Security-Policy. [`text_to_html`] does the same for plain-text mail.
//!
//! What comes out can run no script, load nothing from the network and navigate nowhere:
//! - tags and attributes are an allow-list (layout tables, fonts, images, inline styles, style
//!   sheets); script, forms, frames, objects, audio, `meta`, `base`, `link` and SVG/MathML go;
//! - inline styles keep only listed properties, and any declaration that could fetch something
//!   (`url()`, `image-set()`, `image()`, `expression()`, bindings) is removed, after undoing CSS
//!   escapes and comments; `<style>` sheets are rewritten token by token (`crate::css`): no
//!   `@import`, every `url()` resolved or `none`;
//! - `src`, `srcset`, `background`, `poster` and CSS `url()`s keep only `cid:` parts of the
//!   message itself (inlined as `data:` URIs), `data:` images, and — when the user allowed
//!   remote content — what the core fetched, as `data:` URIs; other remote ones are removed and
//!   counted. A `<video>` stays only as its poster, with nothing it could play;
//! - links keep their target percent-encoded in a fragment (`#orbit-link:…`, see
//!   [`link_href`]): a click makes the frame try to navigate to the app's own URL with that
//!   fragment, which the shell refuses, handing the target to the app; the app shows it and
//!   opens it in the system browser only if the user says so (WebKit runs no event handler,
//!   not even the app's, in a script-less sandboxed frame, so navigation is where a click is
//!   caught; other links navigate nowhere: their `href` is gone);
//! - the document's CSP is `default-src 'none'` with `data:` images and fonts and inline styles
//!   only, so anything that slipped through still could not load or run.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a link's real target is kept behind: `href="#orbit-link:https%3A%2F%2F…"`.
pub const LINK_PREFIX: &str = "#orbit-link:";

/// The `href` for a link to `target`: [`LINK_PREFIX`] and the target percent-encoded, so it
/// stays one fragment whatever the target holds.
pub fn link_href(target: &str) -> String {
    let mut out = String::with_capacity(LINK_PREFIX.len() + target.len() * 3);
    out.push_str(LINK_PREFIX);
    for byte in target.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The Content-Security-Policy of a rendered message.
pub const MESSAGE_CSP: &str = "default-src 'none'; img-src data:; font-src data:; \
     style-src 'unsafe-inline'; media-src 'none'; frame-src 'none'; child-src 'none'; \
     object-src 'none'; form-action 'none'; base-uri 'none'; script-src 'none'; \
     connect-src 'none'; manifest-src 'none'; worker-src 'none'";

/// Sanitised HTML and what was left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SafeHtml {
    /// The body markup (a fragment).
    pub html: String,
    /// Remote resources (images, backgrounds, CSS `url()`s) that were removed.
    pub blocked_remote: usize,
}

/// CSS properties kept in `style` attributes: layout, box, text, colour and backgrounds (whose
/// `url()`s load only the message's own parts or what the core fetched when remote content is
/// allowed). Not `list-style-image`, `content`, `cursor`, `src` or `position`.
const STYLE_PROPERTIES: &[&str] = &[
    "background",
    "background-color",
    "background-image",
    "background-position",
    "background-repeat",
    "background-size",
    "border",
    "border-bottom",
    "border-bottom-color",
    "border-bottom-left-radius",
    "border-bottom-right-radius",
    "border-bottom-style",
    "border-bottom-width",
    "border-collapse",
    "border-color",
    "border-left",
    "border-left-color",
    "border-left-style",
    "border-left-width",
    "border-radius",
    "border-right",
    "border-right-color",
    "border-right-style",
    "border-right-width",
    "border-spacing",
    "border-style",
    "border-top",
    "border-top-color",
    "border-top-left-radius",
    "border-top-right-radius",
    "border-top-style",
    "border-top-width",
    "border-width",
    "box-sizing",
    "caption-side",
    "clear",
    "color",
    "direction",
    "display",
    "float",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-variant",
    "font-weight",
    "height",
    "letter-spacing",
    "line-height",
    "list-style-position",
    "list-style-type",
    "margin",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "margin-top",
    "max-height",
    "max-width",
    "min-height",
    "min-width",
    "opacity",
    "overflow",
    "padding",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "padding-top",
    "table-layout",
    "text-align",
    "text-decoration",
    "text-indent",
    "text-transform",
    "vertical-align",
    "white-space",
    "width",
    "word-break",
    "word-spacing",
    "word-wrap",
];

/// Attributes mail layouts use, on any allowed tag. `class` is what style sheets select on;
/// `id` and `name` stay out (they clobber the frame's `document` properties the reading pane
/// reads).
const GENERIC_ATTRIBUTES: &[&str] = &[
    "align",
    "bgcolor",
    "border",
    "cellpadding",
    "cellspacing",
    "class",
    "color",
    "dir",
    "face",
    "height",
    "lang",
    "nowrap",
    "size",
    "style",
    "title",
    "valign",
    "width",
];

/// What a message's HTML may show beside its own markup.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    /// `Content-ID` (without `<>`, any case) → `data:` URI of that part of the same message.
    pub cids: HashMap<String, String>,
    /// Remote URL → `data:` URI of what the core fetched for it (when the user allowed remote
    /// content). A remote URL not in here is left out.
    pub remote: HashMap<String, String>,
}

/// Sanitises an HTML body. `cid_images` maps a `Content-ID` (without `<>`, any case) to the
/// `data:` URI of that part of the same message.
pub fn sanitize_html(html: &str, cid_images: &HashMap<String, String>) -> SafeHtml {
    sanitize_with(
        html,
        &Resources {
            cids: cid_images.clone(),
            remote: HashMap::new(),
        },
    )
}

/// The remote URLs an HTML body would load (images, backgrounds, CSS `url()`), in order, each
/// once: what the core fetches when the user allows remote content.
pub fn remote_urls(html: &str) -> Vec<String> {
    let found = Arc::new(std::sync::Mutex::new(Vec::new()));
    clean(html, &Resources::default(), Some(Arc::clone(&found)));
    let list = found.lock().map(|l| l.clone()).unwrap_or_default();
    let mut unique: Vec<String> = Vec::new();
    for url in list {
        if !unique.contains(&url) {
            unique.push(url);
        }
    }
    unique
}

/// [`sanitize_html`] with remote content resolved from `resources.remote`.
pub fn sanitize_with(html: &str, resources: &Resources) -> SafeHtml {
    clean(html, resources, None)
}

type Found = Arc<std::sync::Mutex<Vec<String>>>;

fn clean(html: &str, resources: &Resources, found: Option<Found>) -> SafeHtml {
    let blocked = Arc::new(AtomicUsize::new(0));
    let cids: Arc<HashMap<String, String>> = Arc::new(
        resources
            .cids
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect(),
    );
    let remote = Arc::new(resources.remote.clone());
    let (filter_cids, filter_remote, counter, filter_found) = (
        Arc::clone(&cids),
        Arc::clone(&remote),
        Arc::clone(&blocked),
        found.clone(),
    );
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["font", "center", "big", "style", "video"])
        .rm_clean_content_tags(["style"])
        .rm_tags(["data", "time"])
        .add_generic_attributes(GENERIC_ATTRIBUTES)
        .add_tag_attributes("img", ["srcset"])
        .add_tag_attributes("video", ["poster"])
        .add_tag_attributes("table", ["background"])
        .add_tag_attributes("td", ["background"])
        .add_tag_attributes("th", ["background"])
        .add_tag_attributes("tr", ["background"])
        .add_tag_attributes("area", ["href", "alt", "shape", "coords"])
        .url_schemes(["http", "https", "mailto", "cid", "data"].into())
        // Relative URLs go, except the link fragments the filter above makes.
        .url_relative(ammonia::UrlRelative::Custom(Box::new(keep_link_fragment)))
        .attribute_filter(move |element, attribute, value| {
            let context = Context {
                cids: &filter_cids,
                remote: &filter_remote,
                blocked: &counter,
                found: filter_found.as_ref(),
            };
            // No `<` in any attribute value, so in the serialised markup every `<` outside a
            // `<style>` element starts a tag (see `rewrite_serialised`).
            filter_attribute(element, attribute, value, &context).map(|v| {
                if v.contains('<') {
                    Cow::Owned(v.replace('<', "\u{FF1C}"))
                } else {
                    v
                }
            })
        });
    let html = builder.clean(html).to_string();
    let context = Context {
        cids: &cids,
        remote: &remote,
        blocked: &blocked,
        found: found.as_ref(),
    };
    let html = rewrite_serialised(&html, &context);
    SafeHtml {
        html,
        blocked_remote: blocked.load(Ordering::Relaxed),
    }
}

/// The second pass, over ammonia's serialised output (where text is escaped, attribute values
/// hold no `<` and comments are gone, so a `<` starts a tag unless it is inside a `<style>`):
/// - each `<style>` element's text is rewritten by [`crate::css::sanitize_stylesheet`], its
///   URLs resolved like images' (and the result holds no `<`);
/// - a `<video>` is kept only for a poster that resolved (a still picture: nothing it could
///   play is left); without one its tags go and its fallback content shows, as in clients
///   that play no video.
fn rewrite_serialised(html: &str, cx: &Context<'_>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut videos: Vec<bool> = Vec::new();
    while let Some(at) = rest.find('<') {
        let (text, tag) = rest.split_at(at);
        out.push_str(text);
        let Some(end) = tag_end(tag) else {
            out.push_str(tag);
            return out;
        };
        let (head, after) = tag.split_at(end);
        rest = after;
        let closing = head.starts_with("</");
        let name: String = head
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match (closing, name.as_str()) {
            (false, "style") => {
                out.push_str(head);
                let close = find_ignore_case(after, "</style").unwrap_or(after.len());
                let (css, after_css) = after.split_at(close);
                out.push_str(&crate::css::sanitize_stylesheet(css, &mut |url| {
                    css_url(url, cx)
                }));
                rest = after_css;
            }
            (false, "video") => {
                let keep = head.contains(" poster=\"");
                videos.push(keep);
                if keep {
                    out.push_str(head);
                }
            }
            (true, "video") => {
                if videos.pop().unwrap_or(false) {
                    out.push_str(head);
                }
            }
            _ => out.push_str(head),
        }
    }
    out.push_str(rest);
    out
}

/// Where the tag starting `tag` ends (after its `>`), outside quoted attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in tag.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '>' if !quoted => return Some(i + 1),
            _ => {}
        }
    }
    None
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// A URL in a style sheet: the message's own part, a `data:` URI (in CSS it can only be an
/// image or a font), or remote content the core fetched; anything else loads nothing.
fn css_url(url: &str, cx: &Context<'_>) -> Option<String> {
    let source = url.trim();
    let lower = source.to_ascii_lowercase();
    if lower.starts_with("data:") {
        Some(source.to_owned())
    } else {
        resolve_source(source, cx)
    }
}

/// The relative URLs kept: the link fragments [`filter_attribute`] makes.
fn keep_link_fragment(url: &str) -> Option<Cow<'_, str>> {
    url.starts_with(LINK_PREFIX).then_some(Cow::Borrowed(url))
}

/// What the attribute filter resolves against.
struct Context<'a> {
    cids: &'a HashMap<String, String>,
    remote: &'a HashMap<String, String>,
    blocked: &'a AtomicUsize,
    found: Option<&'a Found>,
}

impl Context<'_> {
    /// A remote URL: its fetched `data:` URI, else noted as found and blocked.
    fn remote(&self, url: &str) -> Option<String> {
        if let Some(found) = self.found
            && let Ok(mut list) = found.lock()
        {
            list.push(url.to_owned());
        }
        let resolved = self.remote.get(url).cloned();
        if resolved.is_none() {
            self.blocked.fetch_add(1, Ordering::Relaxed);
        }
        resolved
    }
}

fn filter_attribute<'u>(
    element: &str,
    attribute: &str,
    value: &'u str,
    cx: &Context<'_>,
) -> Option<Cow<'u, str>> {
    match attribute {
        "href" => {
            let target = value.trim();
            let lower = target.to_ascii_lowercase();
            let allowed = matches!(element, "a" | "area")
                && (lower.starts_with("http://")
                    || lower.starts_with("https://")
                    || lower.starts_with("mailto:"));
            allowed.then(|| Cow::Owned(link_href(target)))
        }
        "src" | "background" | "poster" => {
            if is_data_image(&value.trim().to_ascii_lowercase()) {
                Some(Cow::Borrowed(value))
            } else {
                resolve_source(value, cx).map(Cow::Owned)
            }
        }
        "srcset" => srcset(value, cx).map(Cow::Owned),
        "style" => {
            let (kept, changed) = without_remote_css(value, cx);
            if changed {
                Some(Cow::Owned(kept))
            } else {
                Some(Cow::Borrowed(value))
            }
        }
        _ => Some(Cow::Borrowed(value)),
    }
}

/// Where an image's source points: a part of the message itself (`cid:`, as its `data:` URI)
/// or remote content the core fetched; anything else loads nothing.
fn resolve_source(value: &str, cx: &Context<'_>) -> Option<String> {
    let source = value.trim();
    let lower = source.to_ascii_lowercase();
    if let Some(cid) = lower.strip_prefix("cid:") {
        cx.cids.get(cid.trim_matches(['<', '>'])).cloned()
    } else if lower.starts_with("http:") || lower.starts_with("https:") {
        cx.remote(source)
    } else {
        if lower.starts_with("//") {
            cx.blocked.fetch_add(1, Ordering::Relaxed);
        }
        None
    }
}

/// An `img` `srcset` with each candidate resolved like a `src`; candidates that load nothing
/// go, and so does the attribute when none is left. Parsed as the HTML standard does: a URL
/// runs to whitespace (a trailing comma ends it), descriptors run to a comma outside brackets.
fn srcset(value: &str, cx: &Context<'_>) -> Option<String> {
    let mut kept: Vec<String> = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            break;
        }
        let url_end = rest
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let (raw_url, after) = rest.split_at(url_end);
        let (url, descriptor, after) = if raw_url.ends_with(',') {
            (raw_url.trim_end_matches(','), "", after)
        } else {
            let mut depth = 0usize;
            let mut cut = after.len();
            for (i, c) in after.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth = depth.saturating_sub(1),
                    ',' if depth == 0 => {
                        cut = i;
                        break;
                    }
                    _ => {}
                }
            }
            let (descriptor, after) = after.split_at(cut);
            (raw_url, descriptor.trim(), after)
        };
        rest = after;
        let resolved = if is_data_image(&url.to_ascii_lowercase()) {
            Some(url.to_owned())
        } else {
            resolve_source(url, cx)
        };
        if let Some(resolved) = resolved {
            kept.push(if descriptor.is_empty() {
                resolved
            } else {
                format!("{resolved} {descriptor}")
            });
        }
    }
    (!kept.is_empty()).then(|| kept.join(", "))
}

/// A `data:` URI of a raster image (not SVG, which is a document).
fn is_data_image(lower: &str) -> bool {
    ["png", "gif", "jpeg", "jpg", "webp", "bmp"]
        .iter()
        .any(|t| lower.starts_with(&format!("data:image/{t}")))
}

/// `style` with only the listed properties, and without the declarations that could load
/// something — except a plain `url(…)` of the message's own part or of a remote image the core
/// fetched, which then points at its `data:` URI. Returns the text and whether anything
/// changed. Declarations are split at `;` outside strings and brackets, then read with CSS
/// escapes and comments undone, so `\75 rl(` or `u/**/rl(` are caught like `url(`.
fn without_remote_css(style: &str, cx: &Context<'_>) -> (String, bool) {
    const LOADS: &[&str] = &[
        "url(",
        "image(",
        "image-set(",
        "cross-fade(",
        "element(",
        "expression(",
        "binding",
        "behavior",
        "@import",
        "src:",
    ];
    let mut kept = String::with_capacity(style.len());
    let mut changed = false;
    for declaration in split_declarations(style) {
        if declaration.trim().is_empty() {
            continue;
        }
        let normalised = normalise_css(declaration);
        let loads = LOADS.iter().any(|f| normalised.contains(f));
        // Only listed properties (ammonia's own property filter refuses to run beside `<style>`).
        let property = normalised.split(':').next().unwrap_or_default();
        if !normalised.contains(':') || !STYLE_PROPERTIES.contains(&property) {
            if loads {
                cx.blocked.fetch_add(1, Ordering::Relaxed);
            }
            changed = true;
            continue;
        }
        if !loads {
            kept.push_str(declaration.trim());
            kept.push(';');
            continue;
        }
        changed = true;
        let only_one_url = normalised.matches("url(").count() == 1
            && LOADS.iter().filter(|f| normalised.contains(*f)).count() == 1;
        match plain_url(declaration) {
            Some(url) if only_one_url => {
                if let Some(data) = resolve_source(&url, cx) {
                    kept.push_str(&declaration.trim().replacen(&url, &data, 1));
                    kept.push(';');
                }
            }
            _ => {
                cx.blocked.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    (kept, changed)
}

/// The address in a declaration's `url(…)`, when written plainly (no escapes): `url(x)`,
/// `url('x')` or `url("x")` with an http(s) or `cid:` address.
fn plain_url(declaration: &str) -> Option<String> {
    let lower = declaration.to_ascii_lowercase();
    let start = lower.find("url(")? + 4;
    let rest = declaration.get(start..)?;
    let end = rest.find(')')?;
    let inner = rest.get(..end)?.trim().trim_matches(['\'', '"']).trim();
    let l = inner.to_ascii_lowercase();
    ((l.starts_with("http://") || l.starts_with("https://") || l.starts_with("cid:"))
        && !inner.contains('\\'))
    .then(|| inner.to_owned())
}

fn split_declarations(style: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in style.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (_, '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth = depth.saturating_sub(1),
            (None, ';') if depth == 0 => {
                out.push(style.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(style.get(start..).unwrap_or_default());
    out
}

/// Lower case, comments removed, escapes decoded, whitespace removed.
fn normalise_css(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '\\' => {
                let mut hex = String::new();
                while let Some(&h) = chars.peek() {
                    if hex.len() < 6 && h.is_ascii_hexdigit() {
                        hex.push(h);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if hex.is_empty() {
                    if let Some(next) = chars.next() {
                        out.extend(next.to_lowercase());
                    }
                } else {
                    if chars.peek().is_some_and(|c| c.is_whitespace()) {
                        chars.next();
                    }
                    let decoded = u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{fffd}');
                    out.extend(decoded.to_lowercase());
                }
            }
            c if c.is_whitespace() || c.is_control() => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The complete document for the reading pane's iframe: the sanitised body under Orbit's own
/// CSP (a `<meta>` first in `<head>`, before any content) and a no-referrer policy.
pub fn render_document(body: &str, dark: bool) -> String {
    let colours = if dark {
        "color:#e6e6e6;background:#1e1f22"
    } else {
        "color:#1d1d1f;background:#ffffff"
    };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{MESSAGE_CSP}\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <style>html,body{{margin:0;padding:0}}\
         body{{{colours};font:14px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;\
         overflow-wrap:anywhere;padding:2px}}\
         img{{max-width:100%!important;height:auto!important}}\
         table{{max-width:100%!important}}html{{overflow-x:auto}}\
         a{{color:#2563eb;cursor:pointer}}pre{{white-space:pre-wrap}}\
         blockquote{{margin:0 0 0 .5em;padding-left:.75em;border-left:3px solid #c7c7cc;color:#6e6e73}}\
         details>summary{{cursor:pointer;color:#6e6e73;list-style:none}}</style>\
         </head><body>{body}</body></html>"
    )
}

/// Plain-text mail as safe HTML: escaped, web and mail addresses made into links (as
/// [`link_href`]), and quoted blocks (`>` lines) folded under "Show quoted text".
pub fn text_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8 + 64);
    out.push_str("<div style=\"white-space:pre-wrap\">");
    let mut quote: Vec<&str> = Vec::new();
    let flush_quote = |out: &mut String, quote: &mut Vec<&str>| {
        if quote.is_empty() {
            return;
        }
        out.push_str("<details><summary>Show quoted text</summary><blockquote>");
        for line in quote.drain(..) {
            let inner = line
                .trim_start_matches('>')
                .strip_prefix(' ')
                .unwrap_or(line.trim_start_matches('>'));
            linkify_into(out, inner, link_href);
            out.push('\n');
        }
        out.push_str("</blockquote></details>");
    };
    for line in text.lines() {
        if line.trim_start().starts_with('>') {
            quote.push(line.trim_start());
        } else {
            flush_quote(&mut out, &mut quote);
            linkify_into(&mut out, line, link_href);
            out.push('\n');
        }
    }
    flush_quote(&mut out, &mut quote);
    out.push_str("</div>");
    out
}

/// `line` escaped into `out`, each web or mail address a link whose `href` is `href(address)`.
fn linkify_into(out: &mut String, line: &str, href: fn(&str) -> String) {
    let mut rest = line;
    while let Some(start) = find_link_start(rest) {
        let (before, from) = rest.split_at(start);
        escape_into(out, before);
        let end = from
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .map_or(from.len(), |(i, _)| i);
        let mut link = from.get(..end).unwrap_or(from);
        // Trailing punctuation belongs to the sentence.
        while link.ends_with(['.', ',', ';', ':', '!', '?', ')', '\'']) {
            link = link.get(..link.len() - 1).unwrap_or(link);
        }
        out.push_str("<a href=\"");
        escape_into(out, &href(link));
        out.push_str("\">");
        escape_into(out, link);
        out.push_str("</a>");
        rest = from.get(link.len()..).unwrap_or_default();
    }
    escape_into(out, rest);
}

fn find_link_start(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .filter_map(|p| lower.find(p))
        .min()
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The web or mail address a link in a rendered message points at, if it may be opened
/// outside Orbit: an `href` made by [`link_href`] (also as the fragment of a URL the frame
/// tried to open: `tauri://localhost#orbit-link:…`), or a bare address. Only
/// `http`, `https` and `mailto` with no control characters or spaces pass; anything else
/// (`javascript:`, `file:`, custom schemes) is `None`.
pub fn link_target(href: &str) -> Option<String> {
    let fragment = href.find(LINK_PREFIX).and_then(|at| href.get(at..));
    let decoded = match fragment.and_then(|f| f.strip_prefix(LINK_PREFIX)) {
        Some(encoded) => percent_decode(encoded)?,
        None => href.to_owned(),
    };
    let target = decoded.trim();
    if target.is_empty() || target.len() > 8192 {
        return None;
    }
    if target.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let lower = target.to_ascii_lowercase();
    let web = (lower.starts_with("https://") || lower.starts_with("http://"))
        && target
            .split("//")
            .nth(1)
            .is_some_and(|rest| !rest.is_empty());
    let mail = lower.starts_with("mailto:") && target.len() > "mailto:".len();
    (web || mail).then(|| target.to_owned())
}

/// The HTML alternative of a message the user wrote as text: escaped, web and mail addresses
/// as real links, quoted lines (`>`) as nested blockquotes, line breaks kept. For outgoing
/// mail (the reading pane uses [`text_to_html`]).
pub fn outgoing_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 5 / 4 + 64);
    out.push_str("<div style=\"font-family:sans-serif;white-space:pre-wrap\">");
    let mut depth = 0usize;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let level = trimmed
            .chars()
            .take_while(|&c| c == '>' || c == ' ')
            .filter(|&c| c == '>')
            .count();
        while depth < level {
            out.push_str("<blockquote style=\"margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex\">");
            depth += 1;
        }
        while depth > level {
            out.push_str("</blockquote>");
            depth -= 1;
        }
        let content = if level > 0 {
            trimmed.trim_start_matches(['>', ' '])
        } else {
            line
        };
        linkify_into(&mut out, content, str::to_owned);
        out.push('\n');
    }
    while depth > 0 {
        out.push_str("</blockquote>");
        depth -= 1;
    }
    out.push_str("</div>");
    out
}

/// A `data:` URI for `bytes` of type `mime_type`.
pub fn data_uri(mime_type: &str, bytes: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "data:{};base64,{}",
        mime_type,
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

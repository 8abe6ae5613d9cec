//! `orbit mail render`: HTML mail made safe through the real store — its own `cid:` images
//! inlined, remote content left out and counted, links kept as fragments — and plain-text
//! mail escaped with quotes folded. Every file of the hostile corpus, imported as mail,
//! renders without anything that could run, load or navigate.

#![allow(clippy::indexing_slicing)]

use std::path::Path;

use orbit_tests::{Profile, TestResult};
use serde_json::Value;

const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52,
];

fn base64(bytes: &[u8]) -> String {
    orbit_tests::base64_lines(bytes)
}

fn html_mail(id: &str, subject: &str, html: &str) -> String {
    format!(
        "Message-ID: <{id}>\r\nFrom: News <news@example.com>\r\nTo: me@example.com\r\n\
         Subject: {subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/related; boundary=\"rel\"\r\n\r\n\
         --rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n\
         --rel\r\nContent-Type: image/png\r\nContent-ID: <logo@example.com>\r\n\
         Content-Disposition: inline; filename=\"logo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
         {}\r\n--rel--\r\n",
        base64(PNG)
    )
}

fn import(profile: &Profile, dir: &Path) -> TestResult {
    let run = profile.run(&["--json", "import", &dir.to_string_lossy()], None)?;
    assert!(run.ok, "{}", run.stderr);
    Ok(())
}

fn messages(profile: &Profile) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let folders = profile.run(&["--json", "mail", "folders"], None)?.json()?;
    let mut out = Vec::new();
    for f in folders.as_array().into_iter().flatten() {
        let list = profile
            .run(
                &[
                    "--json",
                    "mail",
                    "list",
                    "--folder",
                    &f["id"].to_string(),
                    "--limit",
                    "1000",
                ],
                None,
            )?
            .json()?;
        out.extend(list.as_array().cloned().unwrap_or_default());
    }
    Ok(out)
}

#[test]
fn html_mail_renders_with_its_own_images_and_without_remote_content() -> TestResult {
    let source = tempfile::tempdir()?;
    std::fs::write(
        source.path().join("news.eml"),
        html_mail(
            "news-1@example.com",
            "Weekly news",
            "<table width=\"600\" bgcolor=\"#ffffff\"><tr><td style=\"color:#333;padding:8px\">\
             <img src=\"cid:logo@example.com\" alt=\"Logo\"> <b>Hello</b> \
             <a href=\"https://example.com/read\">Read</a>\
             <img src=\"https://tracker.example/open.gif\" width=\"1\" height=\"1\">\
             <script>alert(1)</script></td></tr></table>",
        ),
    )?;
    std::fs::write(
        source.path().join("plain.eml"),
        "Message-ID: <plain-1@example.com>\r\nFrom: Ann <ann@example.com>\r\nTo: me@example.com\r\n\
         Subject: Plain\r\nDate: Tue, 24 Nov 2026 11:00:00 +0000\r\n\r\n\
         See <https://example.com/doc> & reply.\r\n> earlier text\r\n> more\r\nAnn\r\n",
    )?;
    let profile = Profile::bare()?;
    import(&profile, source.path())?;
    let all = messages(&profile)?;
    let id_of = |subject: &str| {
        all.iter()
            .find(|m| m["subject"] == subject)
            .map(|m| m["id"].to_string())
            .unwrap_or_default()
    };

    let news = id_of("Weekly news");
    let rendered = profile
        .run(&["--json", "mail", "render", &news], None)?
        .json()?;
    assert_eq!(rendered["from_html"], true, "{rendered}");
    assert_eq!(
        rendered["blocked_remote"], 1,
        "the tracking pixel: {rendered}"
    );
    let html = profile
        .run(&["mail", "render", &news, "--html"], None)?
        .stdout;
    assert!(html.contains("Content-Security-Policy"), "{html}");
    assert!(html.contains("default-src 'none'"), "{html}");
    assert!(
        html.contains(&format!("src=\"data:image/png;base64,{}\"", base64(PNG))),
        "the cid: image is inlined from the message itself: {html}"
    );
    assert!(
        html.contains("href=\"#orbit-link:https%3A%2F%2Fexample.com%2Fread\""),
        "{html}"
    );
    assert!(
        html.contains("<b>Hello</b>") && html.contains("bgcolor=\"#ffffff\""),
        "{html}"
    );
    let body = html.split("<body>").nth(1).unwrap_or_default();
    assert!(
        !body.contains("tracker.example") && !body.contains("<script"),
        "{body}"
    );

    let plain = id_of("Plain");
    let html = profile
        .run(&["mail", "render", &plain, "--html"], None)?
        .stdout;
    assert!(
        html.contains("See &lt;<a href=\"#orbit-link:https%3A%2F%2Fexample.com%2Fdoc\">"),
        "{html}"
    );
    assert!(html.contains("&amp; reply."), "{html}");
    assert!(
        html.contains(
            "<details><summary>Show quoted text</summary><blockquote>earlier text\nmore\n"
        ),
        "{html}"
    );
    Ok(())
}

#[test]
fn every_hostile_payload_renders_inert_from_the_store() -> TestResult {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("hostile");
    let source = tempfile::tempdir()?;
    let mut count = 0;
    for entry in std::fs::read_dir(&corpus)? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let payload =
            std::fs::read_to_string(&path)?.replace("TRACKING_URL", "http://127.0.0.1:9/c");
        std::fs::write(
            source.path().join(format!("{name}.eml")),
            html_mail(&format!("{name}@hostile.example"), &name, &payload),
        )?;
        count += 1;
    }
    assert!(count >= 40);
    let profile = Profile::bare()?;
    import(&profile, source.path())?;
    let all = messages(&profile)?;
    assert_eq!(all.len(), count);
    for m in &all {
        let html = profile.run(&["mail", "render", &m["id"].to_string(), "--html"], None)?;
        assert!(html.ok, "{}", html.stderr);
        let body = html
            .stdout
            .split("<body>")
            .nth(1)
            .unwrap_or_default()
            .to_ascii_lowercase();
        for banned in [
            "<script",
            "<iframe",
            "<object",
            "<embed",
            "<meta",
            "<base",
            "<form",
            "<link",
            "<svg",
            "<math",
            "<video",
            "<audio",
            "srcset",
            "poster",
            "127.0.0.1:9/c\"",
            "url(",
            "javascript:alert",
        ] {
            // Text may mention a payload; markup may not carry it.
            let in_markup = body
                .split('<')
                .skip(1)
                .filter_map(|t| t.split('>').next())
                .any(|tag| format!("<{tag}").contains(banned));
            assert!(!in_markup, "{}: {banned} in {body}", m["subject"]);
        }
        // Style sheets may stay, with nothing in them that loads.
        for sheet in body.split("<style>").skip(1) {
            let css = sheet.split("</style>").next().unwrap_or_default();
            for banned in ["url(", "@import", "image-set(", "<"] {
                assert!(!css.contains(banned), "{}: {banned} in {css}", m["subject"]);
            }
        }
    }
    Ok(())
}

/// The request heads a test server received.
type Requests = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// A tiny HTTP server on loopback that answers every request with `body` of `content_type`
/// and keeps each request's head, to check what the fetcher sent.
fn image_server(
    routes: Vec<(&'static str, &'static str, Vec<u8>)>,
) -> Result<(u16, Requests), Box<dyn std::error::Error>> {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
            if let Ok(mut l) = log.lock() {
                l.push(head);
            }
            let (kind, body) = routes
                .iter()
                .find(|(p, _, _)| *p == path)
                .map(|(_, k, b)| (*k, b.clone()))
                .unwrap_or(("text/plain", b"missing".to_vec()));
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nSet-Cookie: tracker=1\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    Ok((port, seen))
}

#[test]
fn remote_images_load_only_when_asked_fetched_by_orbit_without_cookies_or_referer() -> TestResult {
    let (port, seen) = image_server(vec![
        ("/pixel.png", "image/png", PNG.to_vec()),
        ("/bg.png", "image/png", PNG.to_vec()),
        (
            "/vector.svg",
            "image/svg+xml",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
        ),
    ])?;
    let base = format!("http://127.0.0.1:{port}");
    let source = tempfile::tempdir()?;
    std::fs::write(
        source.path().join("promo.eml"),
        html_mail(
            "promo-1@example.com",
            "Promo",
            &format!(
                "<p>Hi</p><img src=\"{base}/pixel.png\" alt=\"pixel\"><div style=\"background:url('{base}/bg.png')\">x</div><img src=\"{base}/vector.svg\">"
            ),
        ),
    )?;
    let profile = Profile::bare()?;
    import(&profile, source.path())?;
    let id = messages(&profile)?
        .into_iter()
        .find(|m| m["subject"] == "Promo")
        .map(|m| m["id"].to_string())
        .ok_or("not imported")?;

    // Blocked by default: nothing is fetched.
    let blocked = profile
        .run(&["--json", "mail", "render", &id], None)?
        .json()?;
    assert_eq!(blocked["blocked_remote"], 3, "{blocked}");
    assert_eq!(
        seen.lock().map(|s| s.len()).unwrap_or(99),
        0,
        "no request without asking"
    );

    // Asked for: Orbit fetches them, raster images only, and inlines them.
    let loaded = profile
        .run(&["--json", "mail", "render", &id, "--remote"], None)?
        .json()?;
    assert_eq!(loaded["remote_loaded"], 2, "the SVG is left out: {loaded}");
    let html = loaded["html"].as_str().unwrap_or_default();
    let body = html.split("<body>").nth(1).unwrap_or_default();
    assert_eq!(
        body.matches("data:image/png;base64,").count(),
        2,
        "the pixel and the background: {body}"
    );
    assert!(
        !body.contains(&base),
        "no remote address is left for the view to load: {body}"
    );
    let requests = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(requests.len(), 3, "{requests:?}");
    for head in &requests {
        let lower = head.to_ascii_lowercase();
        assert!(!lower.contains("\ncookie:"), "no cookie: {head}");
        assert!(!lower.contains("\nreferer:"), "no referer: {head}");
    }

    // Always for this sender: loads without asking.
    let allowed = profile.run(
        &["--json", "mail", "allow-remote", "news@example.com"],
        None,
    )?;
    assert!(allowed.ok, "{}", allowed.stderr);
    let again = profile
        .run(&["--json", "mail", "render", &id], None)?
        .json()?;
    assert_eq!(again["remote_loaded"], 2, "{again}");
    assert_eq!(again["remote_allowed"], true);
    Ok(())
}

#[test]
fn style_sheets_srcset_posters_and_web_fonts_are_fetched_by_orbit_when_allowed() -> TestResult {
    let woff2 = b"wOF2\0\x01\0\0fake-font-bytes".to_vec();
    let (port, seen) = image_server(vec![
        ("/hero.png", "image/png", PNG.to_vec()),
        ("/a2.png", "image/png", PNG.to_vec()),
        ("/poster.png", "image/png", PNG.to_vec()),
        // Served with a useless type, as font hosts often do: told by its bytes.
        ("/brand.woff2", "application/octet-stream", woff2),
    ])?;
    let base = format!("http://127.0.0.1:{port}");
    let source = tempfile::tempdir()?;
    std::fs::write(
        source.path().join("news.eml"),
        html_mail(
            "news-2@example.com",
            "Newsletter",
            &format!(
                "<style>@import url({base}/x.css);@font-face{{font-family:Brand;src:url({base}/brand.woff2) format('woff2')}}\
                 .hero{{background:url('{base}/hero.png') no-repeat;font-family:Brand}}</style>\
                 <div class=\"hero\">Sale</div><img srcset=\"{base}/a2.png 2x\" alt=\"a\">\
                 <video poster=\"{base}/poster.png\" src=\"{base}/v.mp4\"></video>"
            ),
        ),
    )?;
    let profile = Profile::bare()?;
    import(&profile, source.path())?;
    let id = messages(&profile)?
        .into_iter()
        .find(|m| m["subject"] == "Newsletter")
        .map(|m| m["id"].to_string())
        .ok_or("not imported")?;

    let blocked = profile
        .run(&["--json", "mail", "render", &id], None)?
        .json()?;
    assert_eq!(blocked["blocked_remote"], 4, "{blocked}");
    assert_eq!(seen.lock().map(|s| s.len()).unwrap_or(99), 0);

    let loaded = profile
        .run(&["--json", "mail", "render", &id, "--remote"], None)?
        .json()?;
    assert_eq!(loaded["remote_loaded"], 4, "{loaded}");
    let html = loaded["html"].as_str().unwrap_or_default();
    let body = html.split("<body>").nth(1).unwrap_or_default();
    assert!(body.contains("src:url(\"data:font/woff2;base64,"), "{body}");
    assert!(
        body.contains("background:url(\"data:image/png;base64,"),
        "{body}"
    );
    assert!(body.contains("srcset=\"data:image/png;base64,"), "{body}");
    assert!(
        body.contains("<video poster=\"data:image/png;base64,"),
        "{body}"
    );
    assert!(
        !body.contains(&base),
        "nothing left for the view to load: {body}"
    );
    let paths: Vec<String> = seen
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default()
        .iter()
        .filter_map(|h| h.split_whitespace().nth(1).map(str::to_owned))
        .collect();
    assert!(
        !paths.iter().any(|p| p == "/x.css" || p == "/v.mp4"),
        "no style sheet import or video is fetched: {paths:?}"
    );
    Ok(())
}

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
            "<style",
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
    }
    Ok(())
}

//! Style sheets from mail (`<style>` blocks) made unable to load anything, token by token
//! (cssparser tokenises as a browser does, escapes and comments included):
//! - at-rules other than the ones that only arrange styles (`@media`, `@font-face`,
//!   `@supports`, `@keyframes`, `@page`, `@container`) are dropped with their prelude and block,
//!   so `@import`, `@namespace` and `@\69 mport` go;
//! - every `url(…)` (and `src(…)`) is resolved by the caller — to a `data:` URI it may show, or
//!   to nothing, which leaves `none` in its place; functions that take images another way
//!   (`image-set()`, `image()`, `cross-fade()`, `element()`, `expression()`, `paint()`) become
//!   `none` too;
//! - comments go; the result has no `<` at all (written as the escape `\3c `), since it goes back
//!   inside a raw-text `<style>` element that `</style` would end.
//!
//! The message's CSP (`default-src 'none'`, `data:` images and fonts) stays the second wall.

use cssparser::{ParseError, Parser, ToCss, Token};

/// At-rules kept: none of them loads anything by itself.
const AT_RULES: &[&str] = &[
    "media",
    "font-face",
    "supports",
    "keyframes",
    "-webkit-keyframes",
    "page",
    "container",
];

/// Functions that take an image or a script other than through `url()`: replaced by `none`.
const LOADERS: &[&str] = &[
    "image",
    "image-set",
    "-webkit-image-set",
    "cross-fade",
    "-webkit-cross-fade",
    "element",
    "-moz-element",
    "expression",
    "paint",
];

/// A style sheet with every URL passed through `resolve`: `Some` is what to load instead (a
/// `data:` URI), `None` leaves `none`.
pub(crate) fn sanitize_stylesheet(
    css: &str,
    resolve: &mut dyn FnMut(&str) -> Option<String>,
) -> String {
    let mut parser = Parser::new(css);
    let mut out = String::with_capacity(css.len());
    walk(&mut parser, &mut out, resolve);
    if out.contains('<') {
        out = out.replace('<', "\\3c ");
    }
    out
}

fn walk(p: &mut Parser<'_>, out: &mut String, resolve: &mut dyn FnMut(&str) -> Option<String>) {
    while let Ok(token) = p.next_including_whitespace_and_comments() {
        let token = token.clone();
        match token {
            Token::Comment(_) => out.push(' '),
            Token::AtKeyword(ref name) => {
                if AT_RULES.contains(&name.to_ascii_lowercase().as_str()) {
                    write_token(&token, out);
                } else {
                    skip_at_rule(p);
                }
            }
            Token::UnquotedUrl(ref url) => write_url(out, resolve(url.as_ref())),
            Token::Function(ref name) => {
                let lower = name.to_ascii_lowercase();
                if lower == "url" || lower == "src" {
                    let url = p
                        .parse_nested_block(|p| -> Result<Option<String>, ParseError<()>> {
                            let mut found = None;
                            while let Ok(t) = p.next() {
                                if let Token::QuotedString(s) = t {
                                    found.get_or_insert_with(|| s.to_string());
                                }
                            }
                            Ok(found)
                        })
                        .ok()
                        .flatten();
                    write_url(out, url.and_then(|u: String| resolve(&u)));
                } else if LOADERS.contains(&lower.as_str()) {
                    // Its arguments are skipped by the next call to `next`.
                    out.push_str("none");
                } else {
                    write_token(&token, out);
                    nested(p, out, resolve);
                    out.push(')');
                }
            }
            Token::ParenthesisBlock => {
                out.push('(');
                nested(p, out, resolve);
                out.push(')');
            }
            Token::SquareBracketBlock => {
                out.push('[');
                nested(p, out, resolve);
                out.push(']');
            }
            Token::CurlyBracketBlock => {
                out.push('{');
                nested(p, out, resolve);
                out.push('}');
            }
            // Broken tokens are dropped (a browser ignores the declaration they are in).
            Token::BadUrl(_) | Token::BadString(_) => out.push(' '),
            Token::CDO | Token::CDC => out.push(' '),
            other => write_token(&other, out),
        }
    }
}

fn nested(p: &mut Parser<'_>, out: &mut String, resolve: &mut dyn FnMut(&str) -> Option<String>) {
    let _ = p.parse_nested_block(|p| -> Result<(), ParseError<()>> {
        walk(p, out, resolve);
        Ok(())
    });
}

/// Skips an at-rule after its keyword: up to its `;`, or with its `{…}` block.
fn skip_at_rule(p: &mut Parser<'_>) {
    while let Ok(token) = p.next_including_whitespace_and_comments() {
        if matches!(token, Token::Semicolon | Token::CurlyBracketBlock) {
            break;
        }
    }
}

fn write_token(token: &Token<'_>, out: &mut String) {
    // Writing to a String cannot fail.
    let _ = token.to_css(out);
}

fn write_url(out: &mut String, resolved: Option<String>) {
    match resolved {
        Some(url) => {
            out.push_str("url(");
            let _ = cssparser::serialize_string(&url, out);
            out.push(')');
        }
        None => out.push_str("none"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(css: &str) -> String {
        sanitize_stylesheet(css, &mut |url| {
            url.starts_with("data:").then(|| url.to_owned())
        })
    }

    #[test]
    fn rules_and_media_queries_stay() {
        let css =
            "body { color: #333; } @media (max-width: 600px) { .col { width: 100% !important } }";
        let out = clean(css);
        assert!(out.contains("body { color: #333; }"), "{out}");
        assert!(
            out.contains("@media (max-width: 600px) { .col { width: 100% !important } }"),
            "{out}"
        );
    }

    #[test]
    fn imports_go_however_they_are_written() {
        for css in [
            "@import 'http://evil.example/a.css'; p{color:red}",
            "@import url(http://evil.example/a.css); p{color:red}",
            "@\\69 mport 'http://evil.example/a.css'; p{color:red}",
            "@IMPORT 'http://evil.example/a.css'; p{color:red}",
            "@namespace x url(http://evil.example/); p{color:red}",
            "@-moz-document url-prefix() { p { background: red } } p{color:red}",
        ] {
            let out = clean(css);
            assert!(!out.contains("evil"), "{css} → {out}");
            assert!(
                !out.to_ascii_lowercase().contains("import"),
                "{css} → {out}"
            );
            assert!(out.contains("p{color:red}"), "{css} → {out}");
        }
    }

    #[test]
    fn urls_become_none_unless_resolved() {
        let out = clean(
            "a{background:url(http://e.example/x.png) no-repeat}\
             b{background-image:url( 'http://e.example/y.png' )}\
             c{background:\\75 rl(http://e.example/z.png)}\
             d{background:u\\72l(\"http://e.example/w.png\")}\
             e{background-image:image-set('http://e.example/s.png' 1x)}\
             f{background:url(data:image/png;base64,AAAA)}\
             g{background:/* x */url(/*y*/http://e.example/v.png)}",
        );
        assert!(!out.contains("e.example"), "{out}");
        assert!(out.contains("a{background:none no-repeat}"), "{out}");
        assert!(out.contains("e{background-image:none}"), "{out}");
        assert!(out.contains("url(\"data:image/png;base64,AAAA\")"), "{out}");
    }

    #[test]
    fn font_faces_load_only_what_was_resolved() {
        let mut seen = Vec::new();
        let out = sanitize_stylesheet(
            "@font-face{font-family:Brand;src:url(https://fonts.example/b.woff2) format('woff2'),url(https://fonts.example/b.woff) format('woff')}",
            &mut |url| {
                seen.push(url.to_owned());
                (url == "https://fonts.example/b.woff2")
                    .then(|| "data:font/woff2;base64,d09GMg==".to_owned())
            },
        );
        assert_eq!(
            seen,
            [
                "https://fonts.example/b.woff2",
                "https://fonts.example/b.woff"
            ]
        );
        assert!(out.contains("src:url(\"data:font/woff2;base64,d09GMg==\") format(\"woff2\"),none format(\"woff\")"), "{out}");
    }

    #[test]
    fn the_style_element_cannot_be_closed_from_inside() {
        for css in [
            "p{content:'\\3c /style><img src=x onerror=alert(1)>'}",
            "</style><img src=x>",
            "p{font-family:\"</style><script>x</script>\"}",
            "<!-- p{} -->",
        ] {
            let out = clean(css);
            assert!(!out.contains('<'), "{css} → {out}");
        }
    }

    #[test]
    fn broken_css_does_not_panic_and_keeps_nothing_that_loads() {
        for css in [
            "p{background:url(http://e.example/x",
            "p{background:url('http://e.example/x",
            "@media (",
            "}}}{{{",
            "url(",
            "@import",
            "p{color:red",
            "\\",
            "a{b:c(d(e(f(g(url(http://e.example/deep))))))}",
        ] {
            let out = clean(css);
            assert!(!out.contains("e.example"), "{css} → {out}");
        }
    }
}

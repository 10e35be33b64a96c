//! The practitioner web UI: static HTML, CSS and JavaScript modules, embedded into the server binary so that one
//! file serves everything.
//!
//! It holds files only and must never depend on the database, the HTTP framework or any other crate of ours. The
//! files live in `static/`; `build.rs` embeds all of them, so adding a file there is all it takes to serve it.
//! The HTTP layer maps `/ui/<path>` to [`asset`]`(<path>)` and serves [`shell`] for the page routes.

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// The path below `static/`, with `/` separators (`js/app.js`).
    pub path: &'static str,
    /// The file's bytes.
    pub bytes: &'static [u8],
    /// The `Content-Type` to serve it with.
    pub content_type: &'static str,
    /// A strong validator of the content, quoted, for `ETag` and `If-None-Match`.
    pub etag: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The path of the single page every UI route loads.
pub const SHELL_PATH: &str = "index.html";

/// The embedded file at `path` (below `static/`, no leading slash), if there is one.
pub fn asset(path: &str) -> Option<&'static Asset> {
    ASSETS
        .binary_search_by(|a| a.path.cmp(path))
        .ok()
        .map(|i| &ASSETS[i])
}

/// The single page (`index.html`).
pub fn shell() -> &'static Asset {
    // The build script stops the build when index.html is missing, and records where it is.
    &ASSETS[SHELL_INDEX]
}

/// The `Content-Type` for a file name, by its extension. Text types say UTF-8.
pub const fn content_type_for(path: &str) -> &'static str {
    let bytes = path.as_bytes();
    // Find the last '.' by hand: this must be a const fn, usable in the generated table.
    let mut i = bytes.len();
    while i > 0 {
        i -= 1;
        if bytes[i] == b'.' {
            break;
        }
        if bytes[i] == b'/' {
            return "application/octet-stream";
        }
    }
    let (_, ext) = bytes.split_at(if i < bytes.len() { i + 1 } else { i });
    match ext {
        b"html" => "text/html; charset=utf-8",
        b"css" => "text/css; charset=utf-8",
        b"js" | b"mjs" => "text/javascript; charset=utf-8",
        b"json" | b"map" => "application/json",
        b"svg" => "image/svg+xml",
        b"png" => "image/png",
        b"ico" => "image/x-icon",
        b"woff2" => "font/woff2",
        b"woff" => "font/woff",
        b"txt" | b"md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shell_and_its_scripts_are_embedded() {
        let shell = shell();
        assert_eq!(shell.content_type, "text/html; charset=utf-8");
        let html = std::str::from_utf8(shell.bytes).expect("UTF-8 page");
        assert!(html.contains("/ui/js/app.js"), "the page loads the app module");
        assert!(asset("js/app.js").is_some());
    }

    #[test]
    fn the_table_is_sorted_and_unique_so_lookups_work() {
        assert!(ASSETS.windows(2).all(|w| w[0].path < w[1].path));
        assert!(asset("no/such/file.js").is_none());
        assert!(asset("").is_none());
    }

    #[test]
    fn no_page_has_an_inline_script_or_style_attribute() {
        // The Content-Security-Policy forbids them; catching them here is cheaper than in a browser.
        for a in ASSETS.iter().filter(|a| a.path.ends_with(".html")) {
            let html = std::str::from_utf8(a.bytes)
                .expect("UTF-8 page")
                .to_ascii_lowercase();
            for (i, _) in html.match_indices("<script") {
                let tag = &html[i..i + html[i..].find('>').unwrap_or(0)];
                assert!(tag.contains("src="), "{}: inline <script> without src", a.path);
            }
            assert!(!html.contains(" style="), "{}: style attribute", a.path);
            assert!(!html.contains(" onclick="), "{}: inline event handler", a.path);
        }
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type_for("js/app.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type_for("vendor/x/y.min.css"), "text/css; charset=utf-8");
        assert_eq!(content_type_for("fonts/icons.woff2"), "font/woff2");
        assert_eq!(content_type_for("LICENSE"), "application/octet-stream");
        assert_eq!(content_type_for("v1.2/LICENSE"), "application/octet-stream");
    }
}

//! Embeds every file under `static/` into the crate: writes `$OUT_DIR/assets.rs`, a table of
//! `(path, bytes, content type, ETag)` sorted by path, which `lib.rs` includes. Dot-files are skipped.

#![allow(clippy::expect_used)] // a build script that cannot read its own files must stop the build, loudly

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
    // A directory here makes cargo watch everything below it.
    println!("cargo:rerun-if-changed={}", root.display());

    let mut files = Vec::new();
    collect(&root, &mut files);
    let mut entries: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(&root)
                .expect("collected below the root")
                .components()
                .map(|c| c.as_os_str().to_str().expect("static file names are UTF-8"))
                .collect::<Vec<_>>()
                .join("/");
            (relative, path)
        })
        .collect();
    entries.sort();

    let mut out =
        String::from("/// Every embedded file, sorted by path.\npub static ASSETS: &[Asset] = &[\n");
    for (relative, path) in &entries {
        let bytes = std::fs::read(path).expect("read a static file");
        writeln!(
            out,
            "    Asset {{ path: {relative:?}, bytes: include_bytes!({:?}), content_type: content_type_for({relative:?}), etag: \"\\\"{:016x}\\\"\" }},",
            path.display().to_string(),
            fnv1a(&bytes),
        )
        .expect("write to a string");
    }
    out.push_str("];\n");
    let shell = entries
        .iter()
        .position(|(relative, _)| relative == "index.html")
        .expect("static/index.html, the single page, must exist");
    writeln!(
        out,
        "/// The position of `index.html` in [`ASSETS`].\nconst SHELL_INDEX: usize = {shell};"
    )
    .expect("write to a string");
    let target = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("assets.rs");
    std::fs::write(target, out).expect("write assets.rs");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read {
        let entry = entry.expect("list a static folder");
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// 64-bit FNV-1a: a stable content fingerprint for the ETag (not a security measure).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

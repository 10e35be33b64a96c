//! The operations guide is tested: every command in its shell blocks is one a test or `.ci/run` runs, each
//! `jhe-server` command line parses, the systemd unit passes `systemd-analyze verify`, and every test the guide
//! names exists.

use crate::support::*;

fn guide() -> String {
    std::fs::read_to_string(repo_root().join("docs/operations.md")).unwrap()
}

/// The blocks fenced with the given language, in order.
fn blocks(text: &str, language: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim() == format!("```{language}") => current = Some(String::new()),
            Some(block) if line.trim() == "```" => {
                out.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    out
}

/// The commands of the shell blocks: comments dropped, continuation lines joined, leading `VAR=value` removed.
fn commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for block in blocks(text, "sh") {
        let mut current = String::new();
        for line in block.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.strip_suffix('\\') {
                Some(part) => current.push_str(part),
                None => {
                    current.push_str(line);
                    let words: Vec<&str> = current
                        .split_whitespace()
                        .skip_while(|w| w.contains('=') && !w.starts_with('-'))
                        .collect();
                    out.push(words.join(" "));
                    current.clear();
                }
            }
        }
    }
    out
}

#[test]
fn every_command_in_the_operations_guide_is_one_we_run() {
    let text = guide();
    let commands = commands(&text);
    assert!(commands.len() > 10, "{commands:?}");
    // What runs each kind of command; the guide's "How this guide is tested" table names the test per command.
    let allowed = [
        "jhe-server",
        "cargo",
        "pg_dump",
        "pg_restore",
        "systemd-analyze",
        "docker",
        "systemctl",
    ];
    for command in &commands {
        let program = command.split_whitespace().next().unwrap();
        assert!(allowed.contains(&program), "`{command}`: no test runs {program}");
    }
    for command in commands.iter().filter(|c| c.starts_with("jhe-server ")) {
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let out = server(std::path::Path::new("."), &args)
            .arg("--help")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "`{command}` does not parse:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn every_test_the_guide_names_exists() {
    let text = guide();
    let mut sources = String::new();
    for dir in ["tests", "tests/ops"] {
        for entry in std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                sources.push_str(&std::fs::read_to_string(path).unwrap());
            }
        }
    }
    let named: Vec<&str> = text
        .split('`')
        .filter(|s| s.starts_with("ops::") || s.starts_with("cli::"))
        .collect();
    assert!(
        named.len() >= 10,
        "the guide names the tests that cover it: {named:?}"
    );
    for test in named {
        let name = test.rsplit("::").next().unwrap();
        assert!(
            sources.contains(&format!("fn {name}(")),
            "the guide names {test}, which does not exist"
        );
    }
}

#[test]
fn the_systemd_unit_in_the_guide_verifies() {
    let text = guide();
    let units = blocks(&text, "ini");
    let unit = units
        .iter()
        .find(|b| b.contains("ExecStart="))
        .expect("a systemd unit in the guide");
    let exec = unit.lines().find_map(|l| l.strip_prefix("ExecStart=")).unwrap();
    let (program, args) = exec.split_once(' ').unwrap();
    assert_eq!(program, "/usr/local/bin/jhe-server");
    let parsed = server(
        std::path::Path::new("."),
        &args.split_whitespace().collect::<Vec<_>>(),
    )
    .arg("--help")
    .output()
    .unwrap();
    assert!(parsed.status.success(), "ExecStart arguments parse: {args}");
    assert!(unit.contains("KillSignal=SIGTERM"), "stops gracefully");

    let Ok(which) = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
    else {
        eprintln!("systemd-analyze is not installed; the unit was checked for its command only");
        return;
    };
    assert!(which.status.success());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jhe-server.service");
    std::fs::write(&path, unit.replace("/usr/local/bin/jhe-server", BIN)).unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "systemd-analyze verify:\n{stderr}"
    );
}

//! The container files, checked without a Docker engine (none runs on the CI machines): the Dockerfile's stages,
//! user, health check and start command; the compose file's services, volume, replicas and proxy; the proxy's
//! configuration; and the build command, which must be the one `.ci/run` runs, with the toolchain CI has.

use std::collections::BTreeMap;

use yaml_rust2::{Yaml, YamlLoader};

use crate::support::*;

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The Dockerfile's instructions, with continuation lines joined, as (INSTRUCTION, arguments).
fn instructions(dockerfile: &str) -> Vec<(String, String)> {
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let line = line.trim();
        if current.is_empty() && (line.is_empty() || line.starts_with('#')) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                joined.push(std::mem::take(&mut current));
            }
        }
    }
    joined
        .into_iter()
        .map(|l| {
            let (instruction, args) = l.split_once(char::is_whitespace).unwrap_or((&l, ""));
            (instruction.to_ascii_uppercase(), args.trim().to_owned())
        })
        .collect()
}

/// The `cargo build …` command inside the Dockerfile's RUN steps.
fn dockerfile_build_command(dockerfile: &str) -> String {
    let builds: Vec<String> = instructions(dockerfile)
        .into_iter()
        .filter(|(i, _)| i == "RUN")
        .flat_map(|(_, args)| {
            args.split("&&")
                .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
        })
        .filter(|c| c.starts_with("cargo "))
        .collect();
    assert_eq!(builds.len(), 1, "one cargo command in the Dockerfile: {builds:?}");
    builds[0].clone()
}

#[test]
fn the_dockerfile_is_a_small_multi_stage_image_that_runs_as_a_user_and_checks_its_health() {
    let dockerfile = read("docker/Dockerfile");
    let steps = instructions(&dockerfile);
    let froms: Vec<&String> = steps
        .iter()
        .filter(|(i, _)| i == "FROM")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(froms.len(), 2, "a build stage and a runtime stage: {froms:?}");
    assert!(
        froms[0].starts_with("rust:") && froms[0].ends_with(" AS build"),
        "{}",
        froms[0]
    );
    assert!(
        froms[1].contains("-slim") && froms[1].ends_with(" AS runtime"),
        "a slim runtime: {}",
        froms[1]
    );
    let runtime = &steps[steps.iter().rposition(|(i, _)| i == "FROM").unwrap()..];
    let last = |instruction: &str| {
        runtime
            .iter()
            .rev()
            .find(|(i, _)| i == instruction)
            .map(|(_, a)| a.clone())
            .unwrap_or_else(|| panic!("no {instruction} in the runtime stage"))
    };
    assert!(
        last("COPY").starts_with("--from=build "),
        "only the binary comes from the build stage"
    );
    let user = last("USER");
    assert!(
        !user.starts_with("root") && !user.starts_with('0'),
        "runs as a user: {user}"
    );
    assert!(last("HEALTHCHECK").contains("CMD [\"jhe-server\", \"healthcheck\"]"));
    assert_eq!(last("ENTRYPOINT"), "[\"jhe-server\"]");
    assert_eq!(last("CMD"), "[\"serve\"]", "serve migrates at start");
    assert_eq!(last("STOPSIGNAL"), "SIGTERM");
    assert!(
        !runtime
            .iter()
            .any(|(i, a)| i == "RUN" && (a.contains("curl") || a.contains("build-essential"))),
        "no build tools or HTTP client in the runtime image"
    );

    // The image's default settings are ones the binary accepts.
    let mut config = server(std::path::Path::new("."), &["config", "print"]);
    for (_, args) in steps.iter().filter(|(i, _)| i == "ENV") {
        for pair in args.split_whitespace() {
            let (name, value) = pair.split_once('=').unwrap();
            config.env(name, value);
        }
    }
    let printed = run_ok(&mut config);
    assert!(
        printed.contains("bind = \"0.0.0.0:8000\"  # environment"),
        "{printed}"
    );
    assert!(
        printed.contains("log_format = \"json\"  # environment"),
        "{printed}"
    );

    let ignore = read("docker/Dockerfile.dockerignore");
    assert!(
        ignore.lines().any(|l| l.trim() == "target/"),
        "the build context leaves out target/"
    );
}

#[test]
fn the_dockerfile_builds_with_the_command_and_toolchain_ci_uses() {
    let dockerfile = read("docker/Dockerfile");
    let build = dockerfile_build_command(&dockerfile);
    assert_eq!(build, "cargo build --release --locked -p jhe-server");
    let ci = read(".ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == build),
        ".ci/run must run the Dockerfile's build command as it is: {build}"
    );
    let ops = read("docs/operations.md");
    assert!(
        ops.lines().any(|l| l.trim() == build),
        "docs/operations.md shows it: {build}"
    );

    let pinned = instructions(&dockerfile)
        .into_iter()
        .find_map(|(i, a)| {
            (i == "ARG")
                .then_some(a)
                .filter(|a| a.starts_with("RUST_VERSION="))
        })
        .unwrap();
    let pinned = pinned.trim_start_matches("RUST_VERSION=");
    let rustc = std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8(rustc.stdout).unwrap();
    let major_minor: String = version
        .split_whitespace()
        .nth(1)
        .unwrap()
        .split('.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".");
    assert_eq!(
        pinned, major_minor,
        "the image builds with the toolchain CI tests with ({version})"
    );
}

fn yaml_map(yaml: &Yaml) -> BTreeMap<String, Yaml> {
    yaml.as_hash()
        .unwrap_or_else(|| panic!("not a mapping: {yaml:?}"))
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_owned(), v.clone()))
        .collect()
}

/// `${NAME:?message}` and `${NAME:-default}` replaced by a test value or the default, as compose would.
fn interpolate(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').unwrap() + start;
        let inner = &rest[start + 2..end];
        out.push_str(match inner.split_once(":-") {
            Some((_, default)) => default,
            None => "compose-test-value-0123456789",
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn compose_runs_postgres_with_a_volume_two_replicas_and_a_proxy() {
    let text = read("docker/compose.yaml");
    let docs = YamlLoader::load_from_str(&text).unwrap();
    let compose = yaml_map(&docs[0]);
    let services = yaml_map(&compose["services"]);
    for name in ["postgres", "jhe-1", "jhe-2", "proxy"] {
        assert!(services.contains_key(name), "service {name}");
    }

    let postgres = yaml_map(&services["postgres"]);
    let volume = postgres["volumes"][0].as_str().unwrap();
    let (volume_name, mount) = volume.split_once(':').unwrap();
    assert_eq!(mount, "/var/lib/postgresql/data");
    assert!(
        yaml_map(&compose["volumes"]).contains_key(volume_name),
        "a named volume keeps the data"
    );
    assert!(!postgres["healthcheck"].is_badvalue());

    let proxy = yaml_map(&services["proxy"]);
    let proxy_ip = proxy["networks"]["backend"]["ipv4_address"]
        .as_str()
        .unwrap()
        .to_owned();
    let mounted = proxy["volumes"][0].as_str().unwrap();
    let config_file = mounted.split(':').next().unwrap().trim_start_matches("./");
    let nginx = read(&format!("docker/{config_file}"));

    for name in ["jhe-1", "jhe-2"] {
        let replica = yaml_map(&services[name]);
        assert_eq!(replica["build"]["dockerfile"].as_str(), Some("docker/Dockerfile"));
        assert_eq!(replica["build"]["context"].as_str(), Some(".."));
        assert_eq!(
            replica["depends_on"]["postgres"]["condition"].as_str(),
            Some("service_healthy")
        );
        let test: Vec<&str> = replica["healthcheck"]["test"]
            .as_vec()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(test, ["CMD", "jhe-server", "healthcheck", "--ready"]);
        assert!(
            nginx.contains(&format!("server {name}:8000")),
            "the proxy balances over {name}"
        );
        let env = yaml_map(&replica["environment"]);
        let url = env["JHE_DATABASE_URL"].as_str().unwrap();
        assert!(
            url.starts_with("postgres://") && url.contains("@postgres:5432/"),
            "{url}"
        );
        assert_eq!(
            env["JHE_TRUSTED_PROXIES"].as_str(),
            Some(proxy_ip.as_str()),
            "only the proxy is trusted"
        );

        // The replicas' configuration is one the binary accepts.
        let mut config = server(std::path::Path::new("."), &["config", "print"]);
        for (key, value) in &env {
            let value = match value {
                Yaml::String(s) => s.clone(),
                Yaml::Integer(i) => i.to_string(),
                other => panic!("{key}: {other:?}"),
            };
            config.env(key, interpolate(&value));
        }
        let printed = run_ok(&mut config);
        assert!(
            printed.contains("postgres://jhe:redacted@postgres:5432/jhe"),
            "{printed}"
        );
    }

    assert!(
        nginx.matches('{').count() == nginx.matches('}').count(),
        "balanced braces"
    );
    assert!(nginx.contains("proxy_set_header X-Forwarded-For $remote_addr;"));
    assert!(nginx.contains("location = /metrics"), "metrics stay internal");
    assert!(
        nginx.contains("Strict-Transport-Security"),
        "the TLS example sets HSTS"
    );
}

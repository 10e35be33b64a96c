# Everyday commands. `just` is optional: each recipe is the plain cargo command it runs.

postgres_url := env_var_or_default("JHE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")

# Serve on 127.0.0.1:8000 with a SQLite file and the demo data set.
run:
    cargo run -p jhe-server -- serve --demo

# All tests on SQLite; needs no database server.
test:
    cargo test --workspace

# The tests with their PostgreSQL variants switched on (each test creates and drops its own database).
test-pg:
    JHE_TEST_POSTGRES_URL={{postgres_url}} cargo test --workspace

# The web UI end to end in headless Chromium (Debian's chromium; playwright-core from npm).
e2e:
    cargo build -p jhe-server
    cd crates/jhe-web/e2e && npm ci --no-audit --no-fund && node --test

# Lints as CI runs them.
lint:
    cargo clippy --workspace --all-targets -- -D warnings

# Format the code.
fmt:
    cargo fmt --all

# Everything CI runs.
ci:
    bash .ci/run

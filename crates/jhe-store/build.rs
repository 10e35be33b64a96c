//! Turns the PostgreSQL variants of the storage tests on when `JHE_TEST_POSTGRES_URL` is set at build time, so
//! `JHE_TEST_POSTGRES_URL=… cargo test` runs them and a plain `cargo test` lists them as ignored, with the reason.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(jhe_postgres_tests)");
    println!("cargo::rerun-if-env-changed=JHE_TEST_POSTGRES_URL");
    // The migrations are embedded in the crate: a new or edited one must rebuild it.
    println!("cargo::rerun-if-changed=../../migrations");
    if std::env::var_os("JHE_TEST_POSTGRES_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=jhe_postgres_tests");
    }
}

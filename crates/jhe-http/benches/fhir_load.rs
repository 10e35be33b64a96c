//! Load benchmark of the FHIR API: bundle ingest and `Observation?patient=X&_count=100` searches against a real
//! server on loopback, on SQLite and (with JHE_TEST_POSTGRES_URL) PostgreSQL, at 10^5 and 10^6 observations over
//! 1,000 patients. Writes its results to docs/performance.md.
//!
//! Run: `cargo bench -p jhe-http --bench fhir_load` (add `JHE_TEST_POSTGRES_URL=postgres://…` for PostgreSQL;
//! `JHE_BENCH_SIZES=100000` to run only the smaller size, `JHE_BENCH_BACKENDS=postgres` for one backend,
//! `JHE_BENCH_POOL_SIZE=N` for a server pool other than `jhe-server`'s default). Each throughput phase is announced
//! on stderr with the process id, for attaching a profiler to it alone.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark that cannot set itself up should stop loudly

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::Utc;
use jhe_domain::*;
use jhe_http::{AppState, HttpConfig};
use jhe_store::testing::TestDb;
use jhe_store::{Backend, DbPool};
use serde_json::{Value, json};

/// The allocator of the `jhe-server` binary, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PATIENTS: i64 = 1_000;
const BUNDLE: usize = 100;
/// Concurrent clients posting bundles.
const INGEST_CLIENTS: u64 = 4;
/// Concurrent clients searching in the throughput phase: enough to keep both cores busy, as a real load would.
const SEARCH_CLIENTS: i64 = 16;
const FIRST_PATIENT: i64 = 900_001;

/// A keep-alive HTTP/1.1 connection: enough client for a benchmark, with nothing between it and the server.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    token: String,
}

impl Client {
    fn connect(port: u16, token: &str) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
            token: token.to_owned(),
        }
    }

    fn request(&mut self, method: &str, path: &str, body: Option<&[u8]>) -> (u16, Vec<u8>) {
        let body = body.unwrap_or_default();
        write!(
            self.writer,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.token,
            body.len()
        )
        .unwrap();
        self.writer.write_all(body).unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap();
            }
        }
        let mut buf = vec![0; length];
        self.reader.read_exact(&mut buf).unwrap();
        (status, buf)
    }
}

fn data_point(n: u64) -> String {
    let minute = n % 525_600;
    let t = chrono::DateTime::from_timestamp(1_735_689_600 + i64::try_from(minute).unwrap() * 60, 0).unwrap();
    json!({
        "header": {
            "uuid": format!("5e0f7c1a-2b3d-4e5f-8a9b-{:012x}", n),
            "schema_id": {"namespace": "omh", "name": "blood-pressure", "version": "4.0"},
            "source_creation_date_time": t.to_rfc3339(),
            "modality": "sensed"
        },
        "body": {
            "systolic_blood_pressure": {"value": 100 + n % 40, "unit": "mmHg"},
            "diastolic_blood_pressure": {"value": 60 + n % 25, "unit": "mmHg"},
            "effective_time_frame": {"date_time": t.to_rfc3339()}
        }
    })
    .to_string()
}

/// Bundle `b`: 100 readings from one patient's device, as a patient app uploads them; bundles rotate through the
/// patients.
fn bundle(b: u64) -> Vec<u8> {
    let start = b * BUNDLE as u64;
    let patient = FIRST_PATIENT + i64::try_from(b).unwrap() % PATIENTS;
    let entries: Vec<Value> = (start..start + BUNDLE as u64)
        .map(|n| {
            json!({
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "identifier": [{"system": "https://bench.example.org/readings", "value": format!("b-{n}")}],
                    "code": {"coding": [{"system": OMH_CODING_SYSTEM, "code": "omh:blood-pressure:4.0"}]},
                    "subject": {"reference": format!("Patient/{patient}")},
                    "device": {"reference": "Device/70001"},
                    "valueAttachment": {
                        "contentType": "application/json",
                        "data": base64::engine::general_purpose::STANDARD.encode(data_point(n))
                    }
                },
                "request": {"method": "POST", "url": "Observation"}
            })
        })
        .collect();
    serde_json::to_vec(&json!({"resourceType": "Bundle", "type": "batch", "entry": entries})).unwrap()
}

/// The demo data set, 1,000 patients of Lifespan Lab enrolled in study 30001 with blood-pressure consent, and a
/// token for Mary (manager of Lifespan Lab) minted directly.
fn prepare(pool: &DbPool) -> String {
    let mut conn = pool.get().unwrap();
    let now = Utc::now();
    let mut hash = || "unused".to_owned();
    let mut n = 0;
    let mut client_id = || {
        n += 1;
        format!("bench-client-{n:0>27}")
    };
    let mut uuid = || "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d".to_owned();
    jhe_store::seed::seed_demo(
        &mut conn,
        &mut jhe_store::seed::SeedInputs {
            now,
            site_url: "http://127.0.0.1",
            hash_demo_password: &mut hash,
            random_client_id: &mut client_id,
            random_uuid: &mut uuid,
        },
    )
    .unwrap();
    jhe_store::in_transaction(&mut conn, |conn| {
        for i in 0..PATIENTS {
            let patient = jhe_store::people::create_patient(
                conn,
                &NewPatient {
                    id: Some(PatientId(FIRST_PATIENT + i)),
                    user_id: None,
                    name_family: Some(format!("Bench{i}")),
                    name_given: None,
                    birth_date: None,
                    telecom_phone: None,
                },
                now,
            )?;
            jhe_store::organizations::link_patient(
                conn,
                PatientOrganization {
                    patient_id: patient.id,
                    organization_id: OrganizationId(20003),
                },
            )?;
            let enrolment = jhe_store::studies::enrol_patient(conn, StudyId(30001), patient.id)?;
            jhe_store::consents::insert_consent(
                conn,
                &NewConsent {
                    enrolment_id: enrolment.id,
                    scope_code_id: ScopeCodeId(50002),
                    state: ConsentState::Consented,
                    decided_at: now,
                },
            )?;
        }
        Ok::<_, jhe_store::StoreError>(())
    })
    .unwrap();
    let token = format!("bench-token-{}", std::process::id());
    let client = jhe_store::clients::find_client_by_client_id(&mut conn, "jhe-admin-ui")
        .unwrap()
        .unwrap();
    jhe_store::auth::create_access_token(
        &mut conn,
        &jhe_store::auth::NewAccessToken {
            token_hash: &jhe_oauth::hash_token(&token),
            client_id: client.id,
            user_id: UserId(10002),
            scope: "openid email",
            family: "bench",
            created_at: now,
            expires_at: now + chrono::Duration::days(1),
        },
    )
    .unwrap();
    token
}

/// A bulk load outruns PostgreSQL's autovacuum, which refreshes the planner's statistics and the visibility map
/// (what lets a count be answered from an index alone) within about a minute; a server in service has both. This
/// does its work at once, so that the plans measured are the ones users get. SQLite has no such background work
/// and gets none here either.
fn settle(db: &TestDb) {
    if db.backend == Backend::Postgres {
        db.execute("VACUUM ANALYZE");
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

struct Result {
    backend: Backend,
    size: u64,
    ingest_per_sec: f64,
    first_p50: f64,
    first_p99: f64,
    deep_p50: f64,
    deep_p99: f64,
    deep_page: usize,
    searches_per_sec: f64,
    loaded_p50: f64,
    loaded_p99: f64,
    /// CPU time per search in the throughput phase (ms): this process (server and load generator) and the
    /// PostgreSQL backends; `None` where /proc cannot tell.
    cpu_per_search: Option<(f64, Option<f64>)>,
    /// The page query alone, run through the store by as many threads as there are search clients: queries per
    /// second and the PostgreSQL CPU per query (ms). What the database costs before anything else a search does.
    page_query_alone: Option<(f64, Option<f64>)>,
}

/// Seconds of CPU (user and system) used so far by this process, and by the PostgreSQL backends connected to
/// `database` (found by their process titles, `postgres: user database host(port) state`). Linux only.
fn cpu_seconds(database: Option<&str>) -> Option<(f64, f64)> {
    // utime and stime, fields 14 and 15 of /proc/PID/stat, in USER_HZ (100 per second on Linux).
    let ticks = |stat: &str| -> Option<u64> {
        let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split(' ').collect();
        Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
    };
    let own = ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
    let mut database_ticks = 0;
    if let Some(database) = database {
        let needle = format!(" {database} ");
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let path = entry.path();
            let title = std::fs::read(path.join("cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&title).starts_with("postgres: ")
                && String::from_utf8_lossy(&title).contains(&needle)
            {
                database_ticks += std::fs::read_to_string(path.join("stat"))
                    .ok()
                    .as_deref()
                    .and_then(ticks)
                    .unwrap_or(0);
            }
        }
    }
    Some((own as f64 / 100.0, database_ticks as f64 / 100.0))
}

fn run(backend: Backend, size: u64) -> Result {
    let (db, pool) = TestDb::migrated(backend);
    let token = prepare(&pool);
    settle(&db);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut config = HttpConfig::new(format!("http://127.0.0.1:{port}"));
    config.signing_key_pem = None;
    // The server's own pool, sized as `jhe-server` sizes it by default (the test pool is smaller), unless
    // JHE_BENCH_POOL_SIZE says otherwise.
    let mut pool_options = jhe_store::PoolOptions::default();
    if let Some(size) = std::env::var("JHE_BENCH_POOL_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        pool_options.max_size = size;
    }
    let (_, server_pool) = jhe_store::open_pool(&db.url, &pool_options).unwrap();
    let state = AppState::new(server_pool, config).unwrap();
    let (tx, rx) = mpsc::channel();
    let server = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || jhe_http::app(state.clone()))
                .workers(2)
                .disable_signals()
                .listen(listener)
                .unwrap()
                .run();
            tx.send(server.handle()).unwrap();
            server.await
        })
    });
    let handle = rx.recv().unwrap();

    // Ingest with concurrent clients, bundles of 100.
    let bundles = size / BUNDLE as u64;
    let started = Instant::now();
    let workers: Vec<_> = (0..INGEST_CLIENTS)
        .map(|w| {
            let token = token.clone();
            std::thread::spawn(move || {
                let mut client = Client::connect(port, &token);
                let mut b = w;
                while b < bundles {
                    let (status, body) = client.request("POST", "/FHIR/R5/", Some(&bundle(b)));
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                    b += INGEST_CLIENTS;
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let ingest_per_sec = size as f64 / started.elapsed().as_secs_f64();
    settle(&db);

    // Latency of page 1 and of the deepest page (reached through next links), one client, 300 patients.
    let mut client = Client::connect(port, &token);
    let mut first = Vec::new();
    let mut deep = Vec::new();
    let mut deep_page = 1;
    for i in 0..300 {
        let patient = FIRST_PATIENT + (i * 7919) % PATIENTS;
        let mut path = format!("/FHIR/R5/Observation?patient={patient}&_count=100");
        let mut page = 1;
        // The latency and number of the last page that held rows (an empty page, were one ever linked, would be
        // cheap and flatter the deep-page figure).
        let mut last_with_rows = None;
        loop {
            let t = Instant::now();
            let (status, body) = client.request("GET", &path, None);
            let elapsed = t.elapsed();
            assert_eq!(status, 200);
            let bundle: Value = serde_json::from_slice(&body).unwrap();
            let has_rows = bundle["entry"].as_array().is_some_and(|e| !e.is_empty());
            if page == 1 {
                first.push(elapsed);
            }
            if has_rows {
                last_with_rows = Some((page, elapsed));
            }
            let next = bundle["link"]
                .as_array()
                .and_then(|l| l.iter().find(|l| l["relation"] == "next").cloned());
            match next {
                Some(next) if has_rows => {
                    let url = next["url"].as_str().unwrap();
                    path = url[url.find("/FHIR").unwrap()..].to_owned();
                    page += 1;
                }
                _ => break,
            }
        }
        if let Some((page, elapsed)) = last_with_rows {
            deep.push(elapsed);
            deep_page = deep_page.max(page);
        }
    }
    first.sort();
    deep.sort();

    // Throughput: concurrent clients searching page 1 for 10 seconds, each request timed.
    let database = (backend == Backend::Postgres).then(|| {
        db.url
            .rsplit('/')
            .next()
            .and_then(|name| name.split('?').next())
            .unwrap_or_default()
            .to_owned()
    });
    // A marker for attaching a profiler to this phase alone (it lasts 10 seconds).
    eprintln!(
        "fhir_load: {backend} {size}: throughput phase (pid {})…",
        std::process::id()
    );
    let cpu_before = cpu_seconds(database.as_deref());
    let started = Instant::now();
    let searchers: Vec<_> = (0..SEARCH_CLIENTS)
        .map(|w| {
            let token = token.clone();
            std::thread::spawn(move || {
                let mut client = Client::connect(port, &token);
                let mut latencies = Vec::new();
                let mut i = w;
                while started.elapsed() < Duration::from_secs(10) {
                    let patient = FIRST_PATIENT + (i * 104_729) % PATIENTS;
                    let t = Instant::now();
                    let (status, _) = client.request(
                        "GET",
                        &format!("/FHIR/R5/Observation?patient={patient}&_count=100"),
                        None,
                    );
                    latencies.push(t.elapsed());
                    assert_eq!(status, 200);
                    i += SEARCH_CLIENTS;
                }
                latencies
            })
        })
        .collect();
    let mut loaded: Vec<Duration> = searchers.into_iter().flat_map(|s| s.join().unwrap()).collect();
    let searches_per_sec = loaded.len() as f64 / started.elapsed().as_secs_f64();
    let cpu_per_search =
        cpu_before
            .zip(cpu_seconds(database.as_deref()))
            .map(|((own0, db0), (own1, db1))| {
                let per = |seconds: f64| seconds * 1000.0 / loaded.len() as f64;
                (per(own1 - own0), database.is_some().then(|| per(db1 - db0)))
            });
    loaded.sort();

    actix_web::rt::System::new().block_on(handle.stop(true));
    server.join().unwrap().unwrap();
    let page_query_alone =
        (backend == Backend::Postgres).then(|| page_query_alone(&db, &token, database.as_deref()));
    Result {
        backend,
        size,
        ingest_per_sec,
        first_p50: percentile(&first, 0.50),
        first_p99: percentile(&first, 0.99),
        deep_p50: percentile(&deep, 0.50),
        deep_p99: percentile(&deep, 0.99),
        deep_page,
        searches_per_sec,
        loaded_p50: percentile(&loaded, 0.50),
        loaded_p99: percentile(&loaded, 0.99),
        cpu_per_search,
        page_query_alone,
    }
}

/// The floor under the search figures: the page query of `Observation?patient=X&_count=100` (consent filter
/// included) run directly through the store for 5 seconds by as many threads as the throughput phase has clients,
/// each on its own connection. No HTTP, no token, no authorization check, no rendering, no audit event. Returns
/// queries per second and the PostgreSQL CPU per query (ms), when /proc can tell.
fn page_query_alone(db: &TestDb, token: &str, database: Option<&str>) -> (f64, Option<f64>) {
    let options = jhe_store::PoolOptions {
        max_size: SEARCH_CLIENTS as u32,
        ..jhe_store::PoolOptions::default()
    };
    let (_, pool) = jhe_store::open_pool(&db.url, &options).unwrap();
    let principal = {
        let mut conn = pool.get().unwrap();
        jhe_http::auth::resolve_token(&mut conn, token, Utc::now())
            .unwrap()
            .expect("the bench token resolves")
            .principal
    };
    let visibility = jhe_consent::observation_visibility(&principal);
    let cpu_before = cpu_seconds(database);
    let started = Instant::now();
    let threads: Vec<_> = (0..SEARCH_CLIENTS)
        .map(|w| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                let mut queries = 0_u64;
                let mut i = w;
                while started.elapsed() < Duration::from_secs(5) {
                    let patient = FIRST_PATIENT + (i * 104_729) % PATIENTS;
                    let params = vec![
                        ("patient".to_owned(), patient.to_string()),
                        ("_count".to_owned(), "100".to_owned()),
                    ];
                    let search =
                        jhe_fhir::search::parse_observation_search(&params, Default::default()).unwrap();
                    let page =
                        jhe_store::fhir_search::search_observations(&mut conn, &visibility, &search).unwrap();
                    assert!(!page.rows.is_empty());
                    queries += 1;
                    i += SEARCH_CLIENTS;
                }
                queries
            })
        })
        .collect();
    let queries: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    let rate = queries as f64 / started.elapsed().as_secs_f64();
    let database_ms = cpu_before
        .zip(cpu_seconds(database))
        .and_then(|((_, db0), (_, db1))| database.map(|_| (db1 - db0) * 1000.0 / queries as f64));
    (rate, database_ms)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and must not run the long load.
    if !std::env::args().any(|a| a == "--bench") {
        println!("fhir_load: run with `cargo bench -p jhe-http --bench fhir_load`");
        return;
    }
    let sizes: Vec<u64> = std::env::var("JHE_BENCH_SIZES")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    // `JHE_BENCH_BACKENDS=postgres` (or `sqlite`) measures one backend only, e.g. while profiling.
    let wanted = std::env::var("JHE_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let mut backends = Vec::new();
    if wanted.contains("sqlite") {
        backends.push(Backend::Sqlite);
    }
    if wanted.contains("postgres") {
        if std::env::var_os(jhe_store::testing::POSTGRES_URL_VAR).is_some() {
            backends.push(Backend::Postgres);
        } else {
            eprintln!("fhir_load: JHE_TEST_POSTGRES_URL is not set; not measuring PostgreSQL");
        }
    }
    let mut results = Vec::new();
    for &size in &sizes {
        for &backend in &backends {
            eprintln!("fhir_load: {backend}, {size} observations…");
            let r = run(backend, size);
            eprintln!(
                "fhir_load: {backend} {size}: ingest {:.0} obs/s; page 1 p50 {:.2} ms p99 {:.2} ms; deep page {} p50 {:.2} ms p99 {:.2} ms; {:.0} searches/s (p50 {:.2} ms, p99 {:.2} ms); CPU per search, server / database: {} ms; page query alone: {}",
                r.ingest_per_sec,
                r.first_p50,
                r.first_p99,
                r.deep_page,
                r.deep_p50,
                r.deep_p99,
                r.searches_per_sec,
                r.loaded_p50,
                r.loaded_p99,
                cpu_text(r.cpu_per_search),
                alone_text(r.page_query_alone)
            );
            results.push(r);
        }
    }
    write_report(&results);
}

/// "1.02 / 1.31" (server / PostgreSQL), "1.52 / in process" (SQLite), or "n/a".
fn cpu_text(cpu: Option<(f64, Option<f64>)>) -> String {
    match cpu {
        Some((own, Some(database))) => format!("{own:.2} / {database:.2}"),
        Some((own, None)) => format!("{own:.2} / in process"),
        None => "n/a".into(),
    }
}

/// "2480 / 0.36" (page queries per second / PostgreSQL CPU per query in ms), or "–" where not measured (SQLite, whose
/// queries run in the server's own process).
fn alone_text(alone: Option<(f64, Option<f64>)>) -> String {
    match alone {
        Some((rate, Some(database))) => format!("{rate:.0} / {database:.2}"),
        Some((rate, None)) => format!("{rate:.0} / n/a"),
        None => "–".into(),
    }
}

fn write_report(results: &[Result]) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/performance.md");
    let mut table = String::from(
        "| backend | observations | bundle ingest, 4 clients (obs/s) | page 1, 1 client: p50 / p99 (ms) | deepest page | deep page, 1 client: p50 / p99 (ms) | searches/s, 16 clients | under that load: p50 / p99 (ms) | CPU per search: server / database (ms) | page query alone, 16 threads: queries/s / database CPU per query (ms) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in results {
        table.push_str(&format!(
            "| {} | {} | {:.0} | {:.2} / {:.2} | {} | {:.2} / {:.2} | {:.0} | {:.2} / {:.2} | {} | {} |\n",
            r.backend,
            r.size,
            r.ingest_per_sec,
            r.first_p50,
            r.first_p99,
            r.deep_page,
            r.deep_p50,
            r.deep_p99,
            r.searches_per_sec,
            r.loaded_p50,
            r.loaded_p99,
            cpu_text(r.cpu_per_search),
            alone_text(r.page_query_alone)
        ));
    }
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    // How the server reached PostgreSQL matters to the figures (TLS on loopback cost 0.1 to 0.4 ms of CPU per search on
    // each side): the URL's options, never its credentials.
    let postgres = if results.iter().any(|r| r.backend == Backend::Postgres) {
        let options = std::env::var(jhe_store::testing::POSTGRES_URL_VAR)
            .ok()
            .and_then(|url| url.split_once('?').map(|(_, q)| q.to_owned()))
            .filter(|q| !q.is_empty());
        match options {
            Some(q) => format!("; PostgreSQL on the same host, connection options `{q}`"),
            None => "; PostgreSQL on the same host, libpq's default connection options".to_owned(),
        }
    } else {
        String::new()
    };
    let section = format!(
        "<!-- fhir_load:start -->\nMeasured {} on {cores} cores ({cpu}) by `cargo bench -p jhe-http --bench fhir_load`{postgres}:\n\n{table}<!-- fhir_load:end -->",
        Utc::now().format("%Y-%m-%d")
    );
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new = match (
        old.find("<!-- fhir_load:start -->"),
        old.find("<!-- fhir_load:end -->"),
    ) {
        (Some(a), Some(b)) => format!(
            "{}{section}{}",
            &old[..a],
            &old[b + "<!-- fhir_load:end -->".len()..]
        ),
        _ => format!("{old}\n{section}\n"),
    };
    std::fs::write(&path, new).unwrap();
    eprintln!("fhir_load: results written to {}", path.display());
}

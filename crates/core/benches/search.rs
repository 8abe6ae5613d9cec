//! Search latency in process, as the app sees it: `Orbit::search` on a prepared profile (its
//! index warm), every query of a list run many times; prints p50 and p95 per query, as JSON
//! lines, for `scripts/bench-search` (which builds the profile from a generated 50,000-message
//! mailbox and runs notmuch on the same messages).
//!
//! ```sh
//! ORBIT_BENCH_PROFILE=/tmp/p ORBIT_BENCH_QUERIES=queries.tsv cargo bench -p orbit-core --bench search
//! ```
//! `queries.tsv`: one `name<TAB>orbit query<TAB>as_you_type (0/1)` per line.
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it makes a small profile of its
//! own and runs each kind of query a few times: a smoke test, no figures.
//!
//! Then the vector side of semantic search: `ORBIT_BENCH_CHUNKS` (default 100,000; 2,000 in
//! the smoke run) random 512-dimension chunks stored as semantic search stores them, and the
//! top 10 for a query vector found as it finds them (bit-vector pass over all chunks, 100
//! candidates rescored with full vectors): p50 and p95.

use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use orbit_core::search::SearchOptions;
use orbit_core::{EnvOverrides, Keyring, OpenOptions, Orbit, SystemClock};

type Res<T> = Result<T, Box<dyn Error>>;

fn open(dir: &Path) -> Res<Orbit> {
    Ok(Orbit::open(OpenOptions {
        data_dir: dir.to_path_buf(),
        keyring: Keyring::in_memory("bench")?,
        clock: Arc::new(SystemClock),
        env: EnvOverrides::default(),
        net_timeout: Duration::from_secs(20),
        busy_timeout: Duration::from_secs(5),
    })?)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or(f64::NAN)
}

fn main() -> Res<()> {
    let bench = std::env::args().any(|a| a == "--bench");
    let temp = tempfile::tempdir()?;
    let (profile, queries): (std::path::PathBuf, Vec<(String, String, bool)>) = if bench {
        let profile = std::env::var_os("ORBIT_BENCH_PROFILE").ok_or("set ORBIT_BENCH_PROFILE")?;
        let file = std::env::var_os("ORBIT_BENCH_QUERIES").ok_or("set ORBIT_BENCH_QUERIES")?;
        let text = std::fs::read_to_string(file)?;
        let queries = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut parts = l.split('\t');
                Some((
                    parts.next()?.to_owned(),
                    parts.next()?.to_owned(),
                    parts.next().is_some_and(|p| p.trim() == "1"),
                ))
            })
            .collect();
        (profile.into(), queries)
    } else {
        // Smoke: a small mailbox of our own.
        let dir = temp.path().join("mail");
        maildir::small_maildir(
            &dir,
            200,
            "Budget review",
            "The quarterly report and the invoice",
        )?;
        let profile = temp.path().join("profile");
        open(&profile)?.mail_import(&dir, None)?;
        let queries = [
            ("term", "invoice", false),
            ("phrase", "\"quarterly report\"", false),
            ("from", "from:alice budget", false),
            ("prefix", "quart", true),
        ]
        .into_iter()
        .map(|(n, q, p)| (n.to_owned(), q.to_owned(), p))
        .collect();
        (profile, queries)
    };
    let orbit = open(&profile)?;
    let started = Instant::now();
    let status = orbit.search_catch_up()?;
    eprintln!(
        "index: {} messages, {} waiting, {:.1} MiB (caught up in {:.2} s)",
        status.indexed,
        status.pending,
        status.size_bytes as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    let runs = if bench { 200 } else { 3 };
    for (name, query, prefix) in &queries {
        let options = SearchOptions {
            limit: 50,
            as_you_type: *prefix,
        };
        for _ in 0..5.min(runs) {
            orbit.search(query, options)?;
        }
        let mut times = Vec::with_capacity(runs);
        let mut total = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let found = orbit.search(query, options)?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            total = found.total;
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{{\"name\":{name:?},\"query\":{query:?},\"prefix\":{prefix},\"total\":{total},\"p50_ms\":{:.3},\"p95_ms\":{:.3}}}",
            percentile(&times, 0.5),
            percentile(&times, 0.95)
        );
    }
    vectors(bench)?;
    if std::env::var_os("ORBIT_BENCH_HYBRID").is_some() || !bench {
        hybrid(&orbit, &profile, &queries, bench)?;
    }
    Ok(())
}

/// A vector for `text` (512 dimensions): words hashed into directions, normalised — what the
/// local stand-in for the embedding API answers, so query and chunks agree.
fn text_vector(text: &str) -> Vec<f32> {
    let mut v = vec![0.0f32; 512];
    for word in text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
    {
        let h = word.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        if let Some(x) = v.get_mut((h % 512) as usize) {
            *x += 1.0;
        }
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.into_iter().map(|x| x / norm).collect()
}

/// A loopback server speaking the OpenAI embeddings format, answering [`text_vector`]s.
fn embedding_server() -> Res<u16> {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut data = Vec::new();
            let mut buf = [0u8; 16384];
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                data.extend_from_slice(buf.get(..n).unwrap_or_default());
                let text = String::from_utf8_lossy(&data).into_owned();
                if let Some(at) = text.find("\r\n\r\n") {
                    let length: usize = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .and_then(|v| v.trim().parse().ok())
                        })
                        .unwrap_or(0);
                    if data.len() >= at + 4 + length {
                        break;
                    }
                }
            }
            let text = String::from_utf8_lossy(&data).into_owned();
            let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
            let request: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
            let inputs: Vec<String> = request
                .get("input")
                .and_then(|i| i.as_array())
                .into_iter()
                .flatten()
                .map(|i| i.as_str().unwrap_or("").to_owned())
                .collect();
            let data: Vec<serde_json::Value> = inputs
                .iter()
                .enumerate()
                .map(|(i, t)| serde_json::json!({"object": "embedding", "index": i, "embedding": text_vector(t)}))
                .collect();
            let answer =
                serde_json::json!({"object": "list", "data": data, "model": request.get("model")})
                    .to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    Ok(port)
}

/// Hybrid search as the app runs it, semantic search on: every message of the profile gets a
/// vector (written straight to the store, as the embedder would), the query's vector comes
/// from a loopback stand-in for the API, and each query with words runs in hybrid mode.
fn hybrid(
    orbit: &Orbit,
    profile: &Path,
    queries: &[(String, String, bool)],
    bench: bool,
) -> Res<()> {
    use orbit_store::embeddings as em;
    let port = embedding_server()?;
    orbit.provider_update(
        orbit_core::Provider::Openai,
        Some(&format!("http://127.0.0.1:{port}/v1")),
        None,
    )?;
    orbit.embedding_update(Some(true), None, Some(512))?;
    let store = orbit_store::Store::open(
        &profile.join(orbit_store::DATABASE_FILE),
        orbit_store::StoreOptions::default(),
    )?;
    let started = Instant::now();
    loop {
        let batch = store.read(|c| em::pending(c, 2_000))?;
        if batch.is_empty() {
            break;
        }
        let docs = store.read(|c| -> Result<Vec<_>, orbit_store::StoreError> {
            batch
                .iter()
                .map(|p| orbit_store::search::doc(c, p.message))
                .collect()
        })?;
        store.write(|tx| -> Result<(), orbit_store::StoreError> {
            for (p, doc) in batch.iter().zip(&docs) {
                let chunks: Vec<(String, Vec<f32>)> = doc
                    .iter()
                    .map(|d| {
                        let text: String = format!("{}\n{}", d.subject, d.body_text)
                            .chars()
                            .take(1_200)
                            .collect();
                        let v = text_vector(&text);
                        (text, v)
                    })
                    .collect();
                em::store(tx, 512, *p, &chunks)?;
            }
            Ok(())
        })?;
    }
    eprintln!(
        "hybrid: vectors for every message in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let runs = if bench { 100 } else { 3 };
    for (name, query, prefix) in queries {
        let options = SearchOptions {
            limit: 50,
            as_you_type: *prefix,
        };
        let mut times = Vec::with_capacity(runs);
        let mut mode = String::new();
        for i in 0..runs + 3 {
            let t = Instant::now();
            let found = runtime.block_on(orbit.search_with(
                query,
                options,
                orbit_core::embed::SearchMode::Hybrid,
            ))?;
            if i >= 3 {
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            mode = format!("{:?}", found.mode).to_lowercase();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{{\"name\":\"hybrid-{name}\",\"query\":{query:?},\"mode\":{mode:?},\"p50_ms\":{:.3},\"p95_ms\":{:.3}}}",
            percentile(&times, 0.5),
            percentile(&times, 0.95)
        );
    }
    Ok(())
}

#[path = "common/maildir.rs"]
mod maildir;
#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

fn vectors(bench: bool) -> Res<()> {
    use orbit_store::embeddings as em;
    use orbit_store::search::Pending;
    let count: usize = std::env::var("ORBIT_BENCH_CHUNKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|_| bench)
        .unwrap_or(if bench { 100_000 } else { 2_000 });
    let dims = 512;
    let dir = tempfile::tempdir()?;
    // ORBIT_BENCH_VECTOR_DB keeps (and reuses) the vector store between runs.
    let path = std::env::var_os("ORBIT_BENCH_VECTOR_DB").map_or_else(
        || dir.path().join("vectors.sqlite3"),
        std::path::PathBuf::from,
    );
    let reuse = path.exists();
    let store = orbit_store::Store::open(&path, orbit_store::StoreOptions::default())?;
    let mut rng = Rng(42);
    let started = Instant::now();
    store.write(|tx| em::ensure_bits(tx, dims))?;
    let first_pass: usize = std::env::var("ORBIT_BENCH_FIRST_PASS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    // Eight chunks per (made-up) message, 2,000 messages per transaction.
    let per_message = 8;
    let mut message = 0i64;
    while !reuse && (message as usize) * per_message < count {
        store.write(|tx| -> Result<(), orbit_store::StoreError> {
            for _ in 0..2_000 {
                if (message as usize) * per_message >= count {
                    break;
                }
                message += 1;
                let chunks: Vec<(String, Vec<f32>)> = (0..per_message)
                    .map(|i| (format!("chunk {i}"), rng.unit(dims)))
                    .collect();
                em::store(
                    tx,
                    dims,
                    Pending {
                        message,
                        version: 0,
                    },
                    &chunks,
                )?;
            }
            Ok(())
        })?;
    }
    eprintln!(
        "vectors: {count} chunks of {dims} dimensions stored in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let runs = if bench { 100 } else { 3 };
    let mut times = Vec::with_capacity(runs);
    let mut bits_only = Vec::with_capacity(runs);
    for _ in 0..runs {
        let query = rng.unit(dims);
        let t = Instant::now();
        store.read(|c| -> Result<(), orbit_store::StoreError> {
            let mut stmt = c
                .prepare_cached(&format!(
                    "SELECT rowid FROM chunk_bits_{dims} WHERE embedding MATCH vec_quantize_binary(?1) AND k = ?2"
                ))
                .map_err(|e| orbit_store::StoreError::from_sqlite(e, "bench"))?;
            let n = stmt
                .query_map(
                    rusqlite::params![em::to_blob(&query), first_pass as i64],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(|e| orbit_store::StoreError::from_sqlite(e, "bench"))?
                .count();
            assert!(n > 0);
            Ok(())
        })?;
        bits_only.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let near = store.read(|c| em::nearest(c, dims, &query, first_pass))?;
        let mut scored: Vec<(i64, f32)> = near
            .iter()
            .map(|n| {
                let dot: f32 = n.vector.iter().zip(&query).map(|(a, b)| a * b).sum();
                (n.message, dot)
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored.truncate(10);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(!scored.is_empty());
    }
    times.sort_by(f64::total_cmp);
    bits_only.sort_by(f64::total_cmp);
    println!(
        "{{\"name\":\"vector-top10\",\"chunks\":{count},\"dimensions\":{dims},\"first_pass\":{first_pass},\"p50_ms\":{:.3},\"p95_ms\":{:.3},\"bits_p95_ms\":{:.3}}}",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&bits_only, 0.95)
    );
    Ok(())
}

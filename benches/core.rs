//! The two core benchmarks of the spec (see BENCHMARKS.md):
//!
//! - `load_10k`: `Library::from_files` over 10,000 synthetic digests held in memory, side by side with
//!   pulldown-cmark alone (`count_events`) over the same texts. Target: at most 2× the baseline.
//! - `search_10k`: `Library::search(query, today, 0, 10)` over those digests once the index is built.
//!   Target: p99 under 1 ms. Criterion gives a mean and median per query here; the percentiles come
//!   from `cargo bench --bench search_latency`.
//!
//! Before criterion runs, the load ratio is measured directly: the baseline and the library load
//! alternate for a number of rounds (so both see the same machine noise) and the medians and their
//! ratio are printed, along with the time to build the search index.
//!
//! Run with `cargo bench --bench core`; `-- load_10k` or `-- search_10k` picks one criterion group
//! (the ratio report always runs). `DIGESTBOT_SYNTH_DUMP=dir` writes the synthetic corpus to `dir`
//! instead of benchmarking.

#[path = "support/queries.rs"]
mod queries;
#[path = "support/synth.rs"]
mod synth;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use digestbot::digest::Library;
use digestbot::digest::markdown::count_events;

type Files = Vec<(String, Vec<u8>)>;

/// pulldown-cmark alone over every file. Decoding UTF-8 is part of the baseline because pulldown-cmark
/// needs `&str` and the library gets bytes: both sides start from the same bytes.
fn baseline(files: &Files) -> usize {
    files.iter().map(|(_, bytes)| count_events(std::str::from_utf8(bytes).expect("synthetic digests are UTF-8"))).sum()
}

fn load(files: &Files) -> Library {
    Library::from_files(files.iter().map(|(path, bytes)| (path.as_str(), bytes.as_slice())))
}

/// Lets the allocator finish work left over from freeing a whole library (glibc merges freed small
/// blocks on the next large allocation), so that it is not billed to whatever is timed next.
fn settle() {
    drop(black_box(Vec::<u8>::with_capacity(256 * 1024)));
}

/// Times one library load; dropping the library is not part of loading and happens untimed.
fn timed_load(files: &Files) -> Duration {
    let t = Instant::now();
    let library = black_box(load(black_box(files)));
    let elapsed = t.elapsed();
    drop(library);
    settle();
    elapsed
}

fn timed_baseline(files: &Files) -> Duration {
    let t = Instant::now();
    black_box(baseline(black_box(files)));
    let elapsed = t.elapsed();
    settle();
    elapsed
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Alternates baseline and library load so both see the same machine noise; prints the medians.
fn report_load_ratio(files: &Files, rounds: usize) {
    let (mut base, mut lib, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let b = ms(timed_baseline(files));
        let l = ms(timed_load(files));
        base.push(b);
        lib.push(l);
        ratios.push(l / b);
    }
    let best = lib.iter().copied().fold(f64::MAX, f64::min) / base.iter().copied().fold(f64::MAX, f64::min);
    let (b, l) = (median(base), median(lib));
    println!(
        "load, {rounds} alternating rounds (wall clock, drop excluded): pulldown-cmark only median {b:.1} ms, \
         Library::from_files median {l:.1} ms; ratio of medians {:.2}, median of per-round ratios {:.2}, \
         ratio of best times {best:.2} (target <= 2)",
        l / b,
        median(ratios),
    );
}

fn load_10k(c: &mut Criterion, files: &Files) {
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let mut group = c.benchmark_group("load_10k");
    group.sample_size(10).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(25));
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("pulldown_cmark_only", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| timed_baseline(files)).sum())
    });
    group.bench_function("library_from_files", |b| b.iter_custom(|iters| (0..iters).map(|_| timed_load(files)).sum()));
    group.finish();
}

fn search_10k(c: &mut Criterion, library: &Library) {
    let today = synth::newest();
    let mut group = c.benchmark_group("search_10k");
    group.sample_size(50).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
    for &(class, query) in queries::QUERIES {
        group.bench_with_input(BenchmarkId::new(class, query), query, |b, query| {
            b.iter(|| library.search(black_box(query), today, 0, 10).total)
        });
    }
    group.finish();
}

fn main() {
    // `cargo bench` passes `--bench`; without it (`cargo test --benches`) a small corpus and few runs
    // only check that everything works.
    let quick = !std::env::args().any(|a| a == "--bench");
    if quick {
        println!("quick check (run with `cargo bench` for measurements): the numbers below mean nothing");
    }
    let (n, rounds) = if quick { (200, 1) } else { (10_000, 9) };
    let files = synth::corpus(n, synth::SEED);
    println!("corpus: {}", synth::describe(&files));
    if let Some(dir) = std::env::var_os("DIGESTBOT_SYNTH_DUMP") {
        // For inspection: write the corpus out as files (nothing below reads them).
        let dir = std::path::PathBuf::from(dir);
        for (path, bytes) in &files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().expect("file in a directory")).expect("create dir");
            std::fs::write(path, bytes).expect("write digest");
        }
        println!("wrote the corpus under {}", dir.display());
        return;
    }

    let library = load(&files);
    assert!(library.errors().is_empty(), "synthetic digests must all parse: {:?}", &library.errors()[..1]);
    assert_eq!(library.all().len(), n);
    // Under a profiler (`--profile-time`) only the chosen benchmark should run.
    let profiling = std::env::args().any(|a| a == "--profile-time");
    if !profiling {
        report_load_ratio(&files, rounds);
        let t = Instant::now();
        library.warm_up();
        println!("search index build (Library::warm_up, once): {:.1} ms", ms(t.elapsed()));
    }

    let mut c = Criterion::default().configure_from_args();
    load_10k(&mut c, &files);
    search_10k(&mut c, &library);
    c.final_summary();
}

//! Search latency percentiles over 10,000 synthetic digests, measured directly with `Instant`.
//!
//! Criterion reports means and medians; the spec's search target is a 99th percentile, so this bench
//! runs every query of `support/queries.rs` many times (the queries interleaved in a shuffled order
//! each round), keeps every duration and prints median, p99 and max per query, per class and over
//! all samples. It also reports what loading and building the index cost, in time and in memory
//! (a counting global allocator measures the bytes the library and the index keep).

#[path = "support/queries.rs"]
mod queries;
#[path = "support/synth.rs"]
mod synth;

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use digestbot::digest::Library;
use digestbot::digest::search::SearchIndex;

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(samples: &mut [Duration]) -> (f64, f64, f64) {
    samples.sort_unstable();
    (us(percentile(samples, 50.0)), us(percentile(samples, 99.0)), us(*samples.last().expect("samples")))
}

fn main() {
    // `cargo bench` passes `--bench`; without it (`cargo test --benches`) a small corpus and few runs
    // only check that everything works.
    let quick = !std::env::args().any(|a| a == "--bench");
    if quick {
        println!("quick check (run with `cargo bench` for measurements): the numbers below mean nothing");
    }
    let (n, runs, builds) = if quick { (200, 5, 1) } else { (10_000, 500, 5) };
    let today = synth::newest();

    let files = synth::corpus(n, synth::SEED);
    let input: usize = files.iter().map(|(_, b)| b.len()).sum();
    println!("corpus: {}", synth::describe(&files));

    let before = live();
    let t = Instant::now();
    let library = Library::from_files(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
    let load = t.elapsed();
    let library_bytes = live() - before;
    assert!(library.errors().is_empty() && library.all().len() == n);
    println!(
        "load: {:.1} ms; the parsed library keeps {:.1} MB ({:.1}x the {:.1} MB of input)",
        load.as_secs_f64() * 1e3,
        mb(library_bytes),
        library_bytes as f64 / input as f64,
        mb(input)
    );

    // Index build: a few fresh builds for a median, then the library's own (lazy) one.
    let mut times = Vec::new();
    for _ in 0..builds {
        let t = Instant::now();
        let index = black_box(SearchIndex::build(library.all()));
        times.push(t.elapsed());
        drop(index);
    }
    times.sort_unstable();
    let before = live();
    let t = Instant::now();
    library.warm_up();
    let warm = t.elapsed();
    let index_bytes = live() - before;
    println!(
        "index build: median {:.1} ms over {builds} builds (min {:.1}, max {:.1}); warm_up took {:.1} ms; \
         the index keeps {:.1} MB",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        warm.as_secs_f64() * 1e3,
        mb(index_bytes)
    );

    // Latency: every round runs every query once, in an order shuffled per round.
    let queries = queries::QUERIES;
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(runs); queries.len()];
    let mut order: Vec<usize> = (0..queries.len()).collect();
    let mut rng = synth::Rng::new(7);
    // One untimed pass so first-touch page faults are not counted.
    for &(_, query) in queries {
        black_box(library.search(query, today, 0, 10));
    }
    for _ in 0..runs {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for &q in &order {
            let t = Instant::now();
            let results = black_box(library.search(black_box(queries[q].1), today, 0, 10));
            let elapsed = t.elapsed();
            drop(results);
            samples[q].push(elapsed);
        }
    }

    println!("\nsearch latency over {runs} runs per query (µs; page of 10 hits, snippets included):");
    println!("{:<14} {:<20} {:>7} {:>9} {:>9} {:>9}", "class", "query", "total", "p50", "p99", "max");
    let mut by_class: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    let mut all = Vec::new();
    for (i, &(class, query)) in queries.iter().enumerate() {
        let total = library.search(query, today, 0, 10).total;
        by_class.entry(class).or_default().extend(&samples[i]);
        all.extend(&samples[i]);
        let (p50, p99, max) = summary(&mut samples[i]);
        println!("{class:<14} {:<20} {total:>7} {p50:>9.1} {p99:>9.1} {max:>9.1}", format!("{query:?}"));
    }
    println!("\nper class (µs):");
    for (class, samples) in &mut by_class {
        let (p50, p99, max) = summary(samples);
        println!("{class:<14} p50 {p50:>8.1}  p99 {p99:>8.1}  max {max:>8.1}");
    }
    let worst = samples.iter().map(|s| percentile(s, 99.0)).max().expect("queries");
    let (p50, p99, max) = summary(&mut all);
    println!(
        "\nall {} samples: p50 {p50:.1} µs, p99 {p99:.1} µs, max {max:.1} µs; worst per-query p99 {:.1} µs \
         (target: p99 < 1000 µs)",
        all.len(),
        us(worst)
    );
}

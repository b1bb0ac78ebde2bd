//! Fan-out benchmark: one digest to 1,000 Discord channels against the fake Discord with Discord's
//! limits emulated (50 requests per rolling second globally, 5 messages per 5 s per channel), through
//! the real delivery engine and REST sink. Reports the total time against the floor the limits allow.
//!
//! A second scenario sends a digest of 11 long articles to 20 channels: the per-channel limit binds.
//!
//! Run: `cargo bench --bench fanout` (about 75 s: three runs of ~20 s, one of ~10 s).

#[path = "../tests/it/support/fake_discord/mod.rs"]
mod fake_discord;

use std::sync::Arc;
use std::time::{Duration, Instant};

use digestbot::clock::SystemClock;
use digestbot::deliver::{DeliverOptions, Deliverer, TargetOutcome};
use digestbot::discord::{Rest, rest::ChannelSink};
use digestbot::i18n::Locale;
use digestbot::secret::Secret;
use digestbot::store::Store;
use digestbot::target::{Platform, Target};
use fake_discord::{FakeDiscord, FakeOptions};

const GLOBAL_PER_SEC: u32 = 50;
const PER_CHANNEL: (usize, u64) = (5, 5);
const RUNS: usize = 3;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let seed = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/digests/2026-02-09-weekly.md")).expect("seed");
        let seed = digestbot::digest::parse("2026-02-09-weekly.md", &seed).expect("seed parses");
        scenario("the seed digest to 1,000 channels (global limit binds)", &seed, 1000, RUNS).await;
        let long = digestbot::digest::parse("2026-02-16.md", long_digest().as_bytes()).expect("synthetic parses");
        scenario("a digest of 11 long articles to 20 channels (per-channel limit binds)", &long, 20, 1).await;
    });
}

/// A digest of 11 articles too long to share a message: one Discord message each.
fn long_digest() -> String {
    let mut text = String::from("---\ntitle: Long week\ndate: 2026-02-16\n---\n");
    for i in 1..=11 {
        let body = "문장입니다. ".repeat(700);
        text.push_str(&format!("\n## {i}. Source - \"Article {i}\"\n\n**링크:** https://example.com/{i}\n\n{body}\n"));
    }
    text
}

/// Runs one scenario `runs` times and prints each time against the floor the limits allow.
async fn scenario(name: &str, digest: &digestbot::digest::Digest, channels: u64, runs: usize) {
    let parts = digestbot::render::discord::messages(&digestbot::render::digest_doc(digest, Locale::Ko)).len();
    let requests = channels as usize * parts;
    // Request k (0-based) can go out at floor(k / 50) s at the earliest; a channel's message k at
    // floor(k / 5) * 5 s. The total cannot be shorter than either.
    let global = Duration::from_secs(((requests - 1) / GLOBAL_PER_SEC as usize) as u64);
    let channel = Duration::from_secs(((parts - 1) / PER_CHANNEL.0) as u64 * PER_CHANNEL.1);
    let floor = global.max(channel);
    println!("{name}: {channels} channels x {parts} messages = {requests} requests; floor {floor:?}");
    let mut times = Vec::new();
    for run in 1..=runs {
        let (elapsed, rate_limited) = fan_out(digest, channels, parts).await;
        let ratio = elapsed.as_secs_f64() / floor.as_secs_f64();
        println!("  run {run}: {elapsed:.2?}, {ratio:.3} x floor, {rate_limited} answers of 429");
        times.push(elapsed);
    }
    times.sort();
    let median = times[times.len() / 2];
    let ratio = median.as_secs_f64() / floor.as_secs_f64();
    let verdict = if ratio <= 1.10 { "within 10% of the floor" } else { "MORE than 10% over the floor" };
    println!("  median {median:.2?} = {ratio:.3} x floor ({:+.1}%): {verdict}", (ratio - 1.0) * 100.0);
}

/// Delivers to every channel once; returns the time taken and how many 429s the fake answered.
async fn fan_out(digest: &digestbot::digest::Digest, channels: u64, parts: usize) -> (Duration, usize) {
    let fake = FakeDiscord::start(FakeOptions {
        global_per_sec: Some(GLOBAL_PER_SEC),
        channel_messages: Some((PER_CHANNEL.0 as u32, Duration::from_secs(PER_CHANNEL.1))),
        interaction_deadline: None,
        ..FakeOptions::default()
    })
    .await;
    let dir = std::env::temp_dir().join(format!("digestbot-bench-fanout-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Arc::new(Store::open(&dir.join("state.sqlite3")).expect("store"));
    let rest = Rest::new(&Secret::new("bench-token"), &fake.base_url(), digestbot::http::client().expect("client"));
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let deliverer = Deliverer::new(store, Arc::new(SystemClock), Locale::Ko, rx)
        .with_sink(Platform::Discord, Arc::new(ChannelSink::new(rest)));
    let targets: Vec<Target> =
        (1..=channels).map(|c| Target::new(Platform::Discord, (1_000_000 + c).to_string())).collect();
    let started = Instant::now();
    let report = deliverer.deliver(digest, &targets, &DeliverOptions::default()).await;
    let elapsed = started.elapsed();
    let delivered = report.count(|o| matches!(o, TargetOutcome::Delivered { .. }));
    assert_eq!(delivered, channels as usize, "every channel must be delivered");
    assert_eq!(fake.all_messages().len(), targets.len() * parts, "exactly one copy of every message");
    let _ = std::fs::remove_dir_all(&dir);
    (elapsed, fake.count_429())
}

//! Delivery: one digest to many targets, each part exactly once, concurrently and within rate limits.
//!
//! For every target the digest is rendered for its platform and sent part by part. Each part is
//! written to the ledger as pending before it is sent and as sent after, so a crash or a restart
//! resumes after the last confirmed part. Discord's Create Message carries a nonce derived from
//! (digest, channel, part) with `enforce_nonce`, so resending a part whose answer was lost returns the
//! message already posted instead of posting twice.
//!
//! Failures are sorted by what to do next: a 429 waits as long as asked (pausing every channel when
//! the limit is global); a 5xx or a network error is retried with exponential back-off and jitter up
//! to a bound, then reported; a missing channel or missing access marks the subscription failed and
//! stops there; a rejected token stops the whole platform. Targets run concurrently, each paced by its
//! channel's limit and all by the platform's global one, so a slow channel never holds up the rest.
//!
//! A part whose `pending` row could not be committed is never sent. When the ledger cannot be written
//! at all (the state file was deleted or replaced, the disk is full, the file is read-only), the store
//! is lost and refuses every later write, so every target stops before its next part with
//! [`TargetOutcome::Halted`], and [`Report::state_lost`] tells the caller to stop the process.

mod correct;
pub mod limiter;
pub mod sink;
pub mod webhooks;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::sync::{Semaphore, watch};
use tracing::{debug, error, info, warn};

use crate::clock::Clock;
use crate::digest::Digest;
use crate::fnv::fnv1a64;
use crate::i18n::Locale;
use crate::logging::untrusted;
use crate::metrics::{DeliveryCounters, Metrics};
use crate::render::post::{pick_tags, thread_name};
use crate::render::{self, Doc, Layout};
use crate::store::{LedgerPart, Plan, Shown, StateLost, Store, StoreError};
use crate::target::{Platform, Posted, Target, ThreadDefaults, ThreadMode};
use limiter::{Keyed, Window};

pub use sink::{
    ChangeFuture, ChannelKind, FindFuture, KindFuture, PartKey, Place, RateLimits, SendError, SendFuture, Sent, Sink,
    ThreadFuture,
};
pub use webhooks::Webhooks;

/// Retry bounds for temporary failures.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Tries per part before it is reported as failed.
    pub attempts: u32,
    pub base: Duration,
    pub max: Duration,
    /// Rate-limit answers tolerated per part before giving up on it.
    pub rate_limit_retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
            rate_limit_retries: 20,
        }
    }
}

impl RetryPolicy {
    /// Exponential back-off with ±50% jitter for the `n`th retry (0-based).
    pub fn backoff(&self, n: u32, seed: u64) -> Duration {
        let exp = self.base.saturating_mul(1u32 << n.min(16)).min(self.max);
        let jitter = (splitmix(seed ^ n as u64) % 1000) as f64 / 1000.0; // 0..1
        exp.mul_f64(0.5 + jitter)
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The nonce of one part: at most 25 characters, the same on every retry and every restart.
/// `salt` is empty for normal deliveries; a forced re-post uses a fresh one.
pub fn nonce(digest: &str, target: &Target, part: usize, salt: &str) -> String {
    let key = format!("{digest}|{}|{}|{part}|{salt}", target.platform.as_str(), target.channel);
    format!("db{:016x}", fnv1a64(key.as_bytes()))
}

/// What happened at one target.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetOutcome {
    /// `parts` messages posted now (a resumed delivery may post fewer than the digest has).
    Delivered {
        parts: usize,
    },
    AlreadyDelivered,
    /// The channel is gone or forbidden; the subscription is marked failed.
    Gone(String),
    /// Retries ran out or the message was refused; reported, to be tried at the next run.
    Failed(String),
    /// The platform refused the token.
    Unauthorized(String),
    /// Shutdown came before this target was done; the ledger holds what was posted.
    Interrupted,
    /// No sink is configured for the target's platform.
    NoSink,
    /// The ledger cannot record parts any more: this target got nothing more (nor did any other), and
    /// the process must stop. A part already sent whose `sent` row failed stays `pending`.
    Halted(StateLost),
    /// A correction brought the target's messages to the digest's current version: `edited` parts
    /// edited in place, `posted` added after them, `deleted` removed; `refused` parts the platform
    /// would not let us edit (recorded as failures, not retried for this version).
    Corrected {
        edited: usize,
        posted: usize,
        deleted: usize,
        refused: usize,
    },
}

/// The result of delivering one digest.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub digest: String,
    pub outcomes: Vec<(Target, TargetOutcome)>,
}

impl Report {
    pub fn count(&self, pred: impl Fn(&TargetOutcome) -> bool) -> usize {
        self.outcomes.iter().filter(|(_, o)| pred(o)).count()
    }

    /// The platforms whose token was refused.
    pub fn unauthorized(&self) -> Vec<(Platform, String)> {
        let mut out: Vec<(Platform, String)> = Vec::new();
        for (target, outcome) in &self.outcomes {
            if let TargetOutcome::Unauthorized(msg) = outcome
                && !out.iter().any(|(p, _)| *p == target.platform)
            {
                out.push((target.platform, msg.clone()));
            }
        }
        out
    }

    /// Why the ledger stopped this delivery, if it did: the process must stop.
    pub fn state_lost(&self) -> Option<&StateLost> {
        self.outcomes.iter().find_map(|(_, outcome)| match outcome {
            TargetOutcome::Halted(lost) => Some(lost),
            _ => None,
        })
    }

    /// Whether some target should be tried again (temporary failures only).
    pub fn has_retryable(&self) -> bool {
        self.count(|o| matches!(o, TargetOutcome::Failed(_) | TargetOutcome::Interrupted)) > 0
    }
}

/// Options of one delivery run.
#[derive(Debug, Clone, Default)]
pub struct DeliverOptions {
    /// Post even to targets the ledger says have the digest (`digestbot post --force`).
    pub force: bool,
}

/// The rate limiters and sink of one platform.
struct Lane {
    sink: Arc<dyn Sink>,
    global: Option<Window>,
    channels: Keyed<String>,
    /// Per channel, the pauses the platform asked for on the requests that are not posts (Get
    /// Channel, Start Thread): each has its own bucket on Discord, so they count nothing against
    /// `channels`, but a 429 on one is waited out before the next, never retried at once.
    others: Keyed<String>,
    /// Set when the platform refused the token: the lane's other targets stop at once.
    dead: AtomicBool,
    /// The platform's parts sent, targets failed and rate-limit waits (the limiters count those).
    counters: DeliveryCounters,
}

/// Delivers digests. Cheap to share and to clone: everything inside is behind `Arc`s, so clones
/// share the sinks and their rate limiters.
#[derive(Clone)]
pub struct Deliverer {
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    lanes: HashMap<Platform, Arc<Lane>>,
    retry: RetryPolicy,
    locale: Locale,
    /// Targets served at once.
    concurrency: usize,
    shutdown: watch::Receiver<bool>,
    /// Held by every delivery and correction, so that no two ever work on the same target at once.
    busy: Arc<tokio::sync::Mutex<()>>,
    /// The `threads` setting of targets that have none of their own.
    thread_defaults: ThreadDefaults,
    /// Where the lanes count, if anywhere ([`Deliverer::with_metrics`]).
    metrics: Option<Metrics>,
}

/// The hash of a part's body as the ledger keeps it: what its message shows.
pub fn body_hash(body: &Value) -> String {
    format!("{:016x}", fnv1a64(&serde_json::to_vec(body).unwrap_or_default()))
}

/// A digest's version as the ledger keeps it.
pub fn version_of(digest: &Digest) -> String {
    format!("{:016x}", digest.version)
}

impl Deliverer {
    pub fn new(store: Arc<Store>, clock: Arc<dyn Clock>, locale: Locale, shutdown: watch::Receiver<bool>) -> Deliverer {
        Deliverer {
            store,
            clock,
            lanes: HashMap::new(),
            retry: RetryPolicy::default(),
            locale,
            concurrency: 64,
            shutdown,
            busy: Arc::new(tokio::sync::Mutex::new(())),
            thread_defaults: ThreadDefaults::default(),
            metrics: None,
        }
    }

    /// The `threads` setting of targets that have none of their own (`discord.threads`,
    /// `slack.threads`; see [`ThreadDefaults::pick`]).
    pub fn with_threads(mut self, defaults: ThreadDefaults) -> Deliverer {
        self.thread_defaults = defaults;
        self
    }

    /// Adds the sink of a platform, with rate limiters from its declared [`RateLimits`].
    pub fn with_sink(mut self, platform: Platform, sink: Arc<dyn Sink>) -> Deliverer {
        let RateLimits { per_channel: (per_channel, channel_window), global } = sink.limits();
        let counters = self.metrics.as_ref().map(|m| m.deliveries(platform)).unwrap_or_default();
        let waited = counters.rate_limit_wait.clone();
        let lane = Lane {
            global: global.map(|(n, w)| Window::new(n, w).counting(waited.clone())),
            channels: Keyed::new(per_channel, channel_window).counting(waited.clone()),
            others: Keyed::new(u32::MAX, channel_window).counting(waited),
            sink,
            dead: AtomicBool::new(false),
            counters,
        };
        self.lanes.insert(platform, Arc::new(lane));
        self
    }

    /// Counts parts sent, failed targets and rate-limit waits per platform in `metrics`. The lanes
    /// added before are made again to count there: call it before any delivery.
    pub fn with_metrics(mut self, metrics: Metrics) -> Deliverer {
        self.metrics = Some(metrics);
        let sinks: Vec<(Platform, Arc<dyn Sink>)> =
            self.lanes.drain().map(|(p, lane)| (p, lane.sink.clone())).collect();
        sinks.into_iter().fold(self, |d, (platform, sink)| d.with_sink(platform, sink))
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Deliverer {
        self.retry = retry;
        self
    }

    pub fn with_concurrency(mut self, n: usize) -> Deliverer {
        self.concurrency = n.max(1);
        self
    }

    pub fn has_platform(&self, platform: Platform) -> bool {
        self.lanes.contains_key(&platform)
    }

    /// Whether the target already has every part of the digest: the one rule [`Deliverer::deliver`]
    /// skips a target by (unless forced), for callers that only want to know (`post --dry-run`).
    pub fn already_delivered(store: &Store, target: &Target, digest: &str) -> Result<bool, StoreError> {
        store.delivered(target, digest)
    }

    /// The message bodies a target of `platform` receives for `doc` under the `threads` setting `mode`.
    pub fn payloads(platform: Platform, doc: &Doc, mode: ThreadMode, locale: Locale) -> Vec<Value> {
        let rendered = Rendered::new(platform, doc, locale.read_original());
        let shaped = if mode == ThreadMode::Article { rendered.articles } else { rendered.packed };
        shaped.bodies.to_vec()
    }

    /// Delivers `digest` to every target (in parallel), returning what happened at each.
    pub async fn deliver(&self, digest: &Digest, targets: &[Target], options: &DeliverOptions) -> Report {
        let salt = if options.force { format!("force-{}", self.clock.now().timestamp_millis()) } else { String::new() };
        let doc = render::digest_doc(digest, self.locale);
        self.run_jobs(Subject::of(digest, &doc), &doc, targets, Work::Deliver { force: options.force, salt }).await
    }

    /// Brings the messages of `digest` already posted at each target to the digest's current
    /// version: parts whose body changed are edited in place, parts the new version adds are posted
    /// after the others, parts it drops are deleted. Through the same limiters, retries and ledger as
    /// a delivery; a correction cut short (a crash, a shutdown) is finished by the next call.
    pub async fn correct(&self, digest: &Digest, targets: &[Target]) -> Report {
        let doc = render::digest_doc(digest, self.locale);
        self.run_jobs(Subject::of(digest, &doc), &doc, targets, Work::Correct).await
    }

    /// Whether the sink of `platform` can edit what it posted.
    pub fn can_edit(&self, platform: Platform) -> bool {
        self.lanes.get(&platform).is_some_and(|lane| lane.sink.edits())
    }

    /// Posts an editors' notice (`doc`) to `targets`, once: ledgered under `key` (which starts with
    /// [`NOTICE_PREFIX`]) like a digest's parts, so a restart neither repeats nor loses it. Packed,
    /// without threads, whatever the channel's setting.
    pub async fn notify(&self, key: &str, title: &str, doc: &Doc, targets: &[Target]) -> Report {
        debug_assert!(key.starts_with(NOTICE_PREFIX));
        let subject = Subject {
            id: key.to_string(),
            version: NOTICE_PREFIX.to_string(),
            source: String::new(),
            names: Names { issue: thread_name(title), articles: Vec::new(), tags: Vec::new() },
            notice: true,
        };
        self.run_jobs(subject, doc, targets, Work::Deliver { force: false, salt: String::new() }).await
    }

    async fn run_jobs(&self, subject: Subject, doc: &Doc, targets: &[Target], work: Work) -> Report {
        let _busy = self.busy.lock().await;
        let Subject { id, version, source, names, notice } = subject;
        let names = Arc::new(names);
        let mut rendered: HashMap<Platform, Arc<Rendered>> = HashMap::new();
        for target in targets {
            rendered
                .entry(target.platform)
                .or_insert_with(|| Arc::new(Rendered::new(target.platform, doc, self.locale.read_original())));
        }
        let permits = Arc::new(Semaphore::new(self.concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, target) in targets.iter().cloned().enumerate() {
            let Some(lane) = self.lanes.get(&target.platform).cloned() else {
                tasks.spawn(async move { (index, target, TargetOutcome::NoSink) });
                continue;
            };
            let rendered = rendered[&target.platform].clone();
            let job = Job {
                store: self.store.clone(),
                clock: self.clock.clone(),
                lane,
                retry: self.retry,
                digest: id.clone(),
                version: version.clone(),
                hashes: rendered.packed.hashes.clone(),
                source: source.clone(),
                parts: rendered.packed.bodies.clone(),
                rendered,
                names: names.clone(),
                thread_defaults: self.thread_defaults,
                notice,
                mode: ThreadMode::Off,
                threads: Vec::new(),
                forum: None,
                work: work.clone(),
                shutdown: self.shutdown.clone(),
            };
            let permits = permits.clone();
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let outcome = job.run(&target).await;
                (index, target, outcome)
            });
        }
        let mut outcomes: Vec<(usize, Target, TargetOutcome)> = Vec::with_capacity(targets.len());
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(done) => outcomes.push(done),
                Err(e) => warn!(error = %e, "a delivery task ended abnormally"),
            }
        }
        outcomes.sort_by_key(|(index, _, _)| *index);
        let report = Report { digest: id, outcomes: outcomes.into_iter().map(|(_, t, o)| (t, o)).collect() };
        log_report(&report);
        report
    }
}

fn log_report(report: &Report) {
    let delivered = report.count(|o| matches!(o, TargetOutcome::Delivered { .. }));
    let already = report.count(|o| matches!(o, TargetOutcome::AlreadyDelivered));
    if already == report.outcomes.len() {
        debug!(digest = %report.digest, already, "every target already had the digest");
        return;
    }
    info!(
        digest = %report.digest,
        delivered,
        already,
        failed = report.outcomes.len() - delivered - already,
        "delivery finished"
    );
    for (target, outcome) in &report.outcomes {
        match outcome {
            TargetOutcome::Delivered { parts } => info!(%target, parts, "delivered"),
            TargetOutcome::AlreadyDelivered => {}
            TargetOutcome::Gone(e) => {
                warn!(target = %untrusted(&target.to_string()), error = %untrusted(&e.to_string()), "channel unavailable; subscription marked failed")
            }
            TargetOutcome::Failed(e) => {
                warn!(target = %untrusted(&target.to_string()), error = %untrusted(&e.to_string()), "delivery failed; will retry at the next run")
            }
            TargetOutcome::Unauthorized(e) => {
                warn!(target = %untrusted(&target.to_string()), error = %untrusted(&e.to_string()), "token refused")
            }
            TargetOutcome::Interrupted => info!(%target, "delivery interrupted by shutdown; will resume"),
            TargetOutcome::NoSink => warn!(%target, "no client is configured for this platform; skipped"),
            TargetOutcome::Halted(_) => {}
            TargetOutcome::Corrected { edited, posted, deleted, refused } => {
                info!(%target, edited, posted, deleted, refused, "corrected")
            }
        }
    }
    // Once: every halted target has the same reason.
    if let Some(lost) = report.state_lost() {
        let halted = report.count(|o| matches!(o, TargetOutcome::Halted(_)));
        error!(digest = %report.digest, halted, error = %lost, "delivery stopped: the ledger cannot record parts");
    }
}

/// One target's delivery.
struct Job {
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    lane: Arc<Lane>,
    retry: RetryPolicy,
    digest: String,
    /// The digest's version ([`version_of`]) and each part's [`body_hash`]: what the ledger records
    /// the messages show.
    version: String,
    hashes: Arc<Vec<String>>,
    /// The digest's file, as the library names it: a correction only follows the file that was posted.
    source: String,
    /// The bodies this target gets, in the layout [`Job::shape`] picked (packed until then).
    parts: Arc<Vec<Value>>,
    /// The digest rendered for the target's platform in every layout, and its thread and post names.
    rendered: Arc<Rendered>,
    names: Arc<Names>,
    /// The `threads` settings of targets that have none of their own.
    thread_defaults: ThreadDefaults,
    /// An editors' notice: the channel's own setting does not apply.
    notice: bool,
    /// What [`Job::shape`] picked: the setting the digest follows at this target, the thread to
    /// start from each part's message, and the forum post the parts go in (forum channels).
    mode: ThreadMode,
    threads: Vec<Option<String>>,
    forum: Option<ForumPost>,
    work: Work,
    shutdown: watch::Receiver<bool>,
}

/// The forum post an issue becomes in a forum or media channel: its name and tag ids.
#[derive(Debug, Clone)]
struct ForumPost {
    name: String,
    tags: Vec<String>,
}

/// The bodies of one layout, each body's [`body_hash`], and the article each one starts.
struct Shaped {
    bodies: Arc<Vec<Value>>,
    hashes: Arc<Vec<String>>,
    articles: Vec<Option<usize>>,
}

impl Shaped {
    fn new(parts: Vec<render::Part>) -> Shaped {
        Shaped {
            hashes: Arc::new(parts.iter().map(|p| body_hash(&p.body)).collect()),
            articles: parts.iter().map(|p| p.article).collect(),
            bodies: Arc::new(parts.into_iter().map(|p| p.body).collect()),
        }
    }
}

/// A digest rendered for one platform, packed and one message per article.
struct Rendered {
    packed: Shaped,
    articles: Shaped,
}

impl Rendered {
    fn new(platform: Platform, doc: &Doc, button: &str) -> Rendered {
        let parts = |layout| match platform {
            Platform::Discord | Platform::DiscordWebhook => {
                let mut parts = render::discord::parts(doc, layout, button);
                render::actions::discord(&mut parts, &doc.actions);
                parts
            }
            Platform::Slack | Platform::SlackWebhook => {
                let mut parts = render::slack::parts(doc, layout, button);
                render::actions::slack(&mut parts, &doc.actions);
                parts
            }
        };
        Rendered { packed: Shaped::new(parts(Layout::Packed)), articles: Shaped::new(parts(Layout::Articles)) }
    }
}

/// What a run of jobs posts: a digest, or an editors' notice.
struct Subject {
    /// The ledger's key: the digest's id, or the notice's key.
    id: String,
    version: String,
    source: String,
    names: Names,
    /// An editors' notice: packed, without threads.
    notice: bool,
}

impl Subject {
    fn of(digest: &Digest, doc: &Doc) -> Subject {
        Subject {
            id: digest.id(),
            version: version_of(digest),
            source: digest.path.clone(),
            names: Names::of(digest, doc),
            notice: false,
        }
    }
}

/// The start of every editors' notice's ledger key (a digest's key is its date).
pub const NOTICE_PREFIX: &str = "notice:";

/// The names of a digest's threads and forum post, and the names its forum tags are matched by.
struct Names {
    /// The issue's thread and forum post: the digest's title.
    issue: String,
    /// Each article's thread: `N. Source — Title`.
    articles: Vec<String>,
    /// The digest's category and tags.
    tags: Vec<String>,
}

impl Names {
    fn of(digest: &Digest, doc: &Doc) -> Names {
        Names {
            issue: thread_name(&digest.title),
            articles: doc.cards.iter().take(doc.articles).map(|card| thread_name(&card.title)).collect(),
            tags: digest.category.iter().chain(&digest.tags).cloned().collect(),
        }
    }
}

/// What a job does at its target.
#[derive(Debug, Clone)]
enum Work {
    /// Post the parts the ledger does not have as sent (all of them when `force`, with nonces salted
    /// by `salt`).
    Deliver { force: bool, salt: String },
    /// Bring the posted messages to the current version (`correct.rs`).
    Correct,
}

/// One part to send: its place in the digest, and whether an earlier attempt may have posted it
/// (`uncertain`) since its pending row was first written (`since`).
#[derive(Debug, Clone, Copy)]
struct Attempt {
    part: usize,
    total: usize,
    since: DateTime<Utc>,
    uncertain: bool,
}

/// The retry bookkeeping of one part's requests (a post, an edit, a deletion): what a rate limit or
/// a temporary failure does next, the same for every kind of request.
struct Retries<'a> {
    job: &'a Job,
    /// Seeds the back-off's jitter: stable for the part.
    seed: u64,
    failures: u32,
    limited: u32,
}

impl<'a> Retries<'a> {
    fn new(job: &'a Job, seed: u64) -> Retries<'a> {
        Retries { job, seed, failures: 0, limited: 0 }
    }

    /// Pauses the channel (or the platform, for a global limit) as asked; `Some(why)` when the part
    /// was limited too many times and is given up.
    fn rate_limited(&mut self, channel: &Window, retry_after: Duration, global: bool) -> Option<String> {
        self.limited += 1;
        if self.limited > self.job.retry.rate_limit_retries {
            return Some("rate limited too many times".into());
        }
        match (&self.job.lane.global, global) {
            (Some(window), true) => window.block_for(retry_after),
            _ => channel.block_for(retry_after),
        }
        None
    }

    /// Backs off before the next try; `Some(why)` when the tries are used up.
    async fn transient(&mut self, target: &Target, part: usize, error: String) -> Option<String> {
        self.failures += 1;
        if self.failures >= self.job.retry.attempts {
            return Some(error);
        }
        let wait = self.job.retry.backoff(self.failures - 1, self.seed);
        warn!(target = %untrusted(&target.to_string()), part, error = %untrusted(&error), ?wait, "temporary failure; retrying");
        tokio::time::sleep(wait).await;
        None
    }
}

impl Retries<'_> {
    /// What any failed request does next, the same for a post, a look, an edit or a thread: `None`
    /// to try again (after waiting as asked, or backing off), or how the target ends.
    async fn settle(
        &mut self,
        target: &Target,
        part: usize,
        error: SendError,
        channel: &Window,
    ) -> Result<Option<TargetOutcome>, StoreError> {
        let job = self.job;
        match error {
            SendError::RateLimited { retry_after, global } => match self.rate_limited(channel, retry_after, global) {
                Some(why) => job.fail(target, why).map(Some),
                None => Ok(None),
            },
            SendError::Transient(e) => match self.transient(target, part, e).await {
                Some(why) => job.fail(target, why).map(Some),
                None => Ok(None),
            },
            SendError::Gone(e) => {
                job.store.record_failure(target, Some(&job.digest), &e, true, job.clock.now())?;
                Ok(Some(TargetOutcome::Gone(e)))
            }
            SendError::Rejected(e) | SendError::Forum(e) => job.fail(target, e).map(Some),
            SendError::Unauthorized(e) => {
                job.lane.dead.store(true, Ordering::Relaxed);
                job.store.record_failure(target, Some(&job.digest), &e, false, job.clock.now())?;
                Ok(Some(TargetOutcome::Unauthorized(e)))
            }
        }
    }
}

/// How a part ended: posted (where it landed), refused because the channel is a forum (the
/// digest is shaped again as a forum post), or how the target ends.
enum PartEnd {
    Sent(Posted),
    Forum(String),
    Stop(TargetOutcome),
}

impl Job {
    async fn run(mut self, target: &Target) -> TargetOutcome {
        let result = match self.work.clone() {
            Work::Deliver { force, .. } => self.deliver(target, force).await,
            Work::Correct => self.correct(target).await,
        };
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(StoreError::Lost(lost)) => TargetOutcome::Halted(lost),
            Err(e) => TargetOutcome::Failed(format!("state database: {e}")),
        };
        if matches!(outcome, TargetOutcome::Gone(_) | TargetOutcome::Failed(_) | TargetOutcome::Unauthorized(_)) {
            self.lane.counters.failures.inc();
        }
        outcome
    }

    async fn deliver(&mut self, target: &Target, force: bool) -> Result<TargetOutcome, StoreError> {
        if !force && Deliverer::already_delivered(&self.store, target, &self.digest)? {
            return Ok(TargetOutcome::AlreadyDelivered);
        }
        // A delivery cut short resumes after the parts the ledger has as sent, in the layout it began.
        let mut rows = if force { Vec::new() } else { self.store.ledger_parts(target, &self.digest)? };
        // A channel that turns out to be a forum (its first part refused with 40058) is shaped again,
        // once, as a forum post.
        let mut reshaped = false;
        'shaped: loop {
            if let Err(outcome) = self.shape(target, &rows).await? {
                return Ok(outcome);
            }
            let total = self.parts.len();
            if total == 0 {
                return Ok(TargetOutcome::AlreadyDelivered);
            }
            let mut post = self.post_of(&rows);
            let mut refusal = None;
            let mut posted = 0;
            for part in 0..total {
                if let Some(stop) = self.stopped() {
                    return Ok(stop);
                }
                let (landed, thread) = match rows.iter().find(|row| row.part == part) {
                    Some(row) if row.sent => match row.wants_thread() {
                        true => (row.posted.clone(), row.thread_name.clone()),
                        false => continue,
                    },
                    _ => {
                        // A part already pending was tried before (a crash, or a run that gave up on
                        // it): that attempt may have posted it, at any time since its row was first
                        // written.
                        let earlier = self.store.pending_since(target, &self.digest, part)?;
                        let now = self.clock.now();
                        // The part is sent only once its pending row is committed; a lost store
                        // refuses this write, so every target stops here.
                        self.store.mark_pending(target, &self.digest, part, total, self.plan(part), now)?;
                        let attempt =
                            Attempt { part, total, since: earlier.unwrap_or(now), uncertain: earlier.is_some() };
                        let place = self.place(part, post.as_deref());
                        match self.send_part(target, attempt, &self.parts[part], place).await? {
                            PartEnd::Sent(landed) => {
                                posted += 1;
                                if part == 0 && self.forum.is_some() {
                                    post = landed.channel.clone();
                                }
                                (landed, self.threads[part].clone())
                            }
                            PartEnd::Forum(_) if part == 0 && !reshaped && self.forum.is_none() => {
                                // Refused, so not posted: nothing of this digest is there yet.
                                info!(target = %untrusted(&target.to_string()), "the channel is a forum; the digest becomes a forum post");
                                self.store.remove_part(target, &self.digest, 0)?;
                                rows.retain(|row| row.part != 0);
                                reshaped = true;
                                continue 'shaped;
                            }
                            PartEnd::Forum(why) => return self.fail(target, why),
                            PartEnd::Stop(outcome) => return Ok(outcome),
                        }
                    }
                };
                if let Some(name) = thread
                    && let Some(stop) = self.thread(target, part, &landed, &name, &mut refusal).await?
                {
                    return Ok(stop);
                }
            }
            return Ok(TargetOutcome::Delivered { parts: posted });
        }
    }

    /// The target's `threads` setting: its own, else the platform's default (off for a notice).
    fn mode_setting(&self, target: &Target) -> Result<ThreadMode, StoreError> {
        if self.notice {
            return Ok(ThreadMode::Off);
        }
        Ok(self.thread_defaults.pick(target.platform, self.store.thread_mode(target)?).0)
    }

    /// Picks how the digest goes out at this target: the setting the ledger's first row recorded
    /// (so a resumed delivery or a correction keeps its layout), else the target's setting; the
    /// bodies of that layout; a thread for each part that starts one (only where threads can be
    /// started: Discord text channels); and a forum post with its tags in forum and media channels.
    async fn shape(&mut self, target: &Target, rows: &[LedgerPart]) -> Result<Result<(), TargetOutcome>, StoreError> {
        self.mode = match rows.iter().min_by_key(|row| row.part) {
            Some(row) => row.layout.as_deref().and_then(ThreadMode::parse).unwrap_or_default(),
            None => self.mode_setting(target)?,
        };
        let kind = match self.channel_kind(target).await? {
            Ok(kind) => kind,
            Err(outcome) => return Ok(Err(outcome)),
        };
        // A Discord channel whose first part landed in a channel of its own was a forum: that is its
        // post. (The sink knows a forum only once it refused a message there, not after a restart.)
        let first = rows.iter().find(|row| row.part == 0 && row.sent);
        let posted_in_own_channel = target.platform == Platform::Discord
            && first.and_then(|row| row.posted.channel.as_deref()).is_some_and(|c| c != target.channel);
        let kind = match kind {
            ChannelKind::Text if posted_in_own_channel => ChannelKind::Forum { tags: Vec::new(), require_tag: false },
            kind => kind,
        };
        let rendered = self.rendered.clone();
        let shaped = if self.mode == ThreadMode::Article { &rendered.articles } else { &rendered.packed };
        self.parts = shaped.bodies.clone();
        self.hashes = shaped.hashes.clone();
        let threads = self.lane.sink.threads() && kind == ChannelKind::Text;
        self.threads = shaped
            .articles
            .iter()
            .enumerate()
            .map(|(part, article)| match (self.mode, article) {
                _ if !threads => None,
                (ThreadMode::Issue, _) if part == 0 => Some(self.names.issue.clone()),
                (ThreadMode::Article, Some(i)) => self.names.articles.get(*i).cloned(),
                _ => None,
            })
            .collect();
        if let ChannelKind::Forum { tags, require_tag } = kind {
            let wanted: Vec<&str> = self.names.tags.iter().map(String::as_str).collect();
            let pick = pick_tags(&tags, &wanted, require_tag);
            if pick.fallback {
                info!(target = %untrusted(&target.to_string()), digest = %self.digest, "the forum requires a tag and none matches the digest's category or tags; the forum's first tag is used");
            }
            self.forum = Some(ForumPost { name: self.names.issue.clone(), tags: pick.ids });
        }
        Ok(Ok(()))
    }

    /// What the target's channel is, asked of the sink with the usual retries.
    async fn channel_kind(&self, target: &Target) -> Result<Result<ChannelKind, TargetOutcome>, StoreError> {
        // Most channels are known without a request: they take no place in the limiters.
        if !self.lane.sink.asks_kind(target) {
            return Ok(self.lane.sink.channel_kind(target).await.map_err(|e| TargetOutcome::Failed(e.to_string())));
        }
        let channel = self.lane.others.get(&target.channel);
        let mut retries = Retries::new(self, fnv1a64(target.channel.as_bytes()));
        loop {
            // A 429 blocks `channel` (or the global window): wait it out before asking again.
            let channel_place = channel.acquire().await;
            let global_place = match &self.lane.global {
                Some(global) => Some(global.acquire().await),
                None => None,
            };
            let result = self.lane.sink.channel_kind(target).await;
            drop((global_place, channel_place));
            match result {
                Ok(kind) => return Ok(Ok(kind)),
                Err(error) => {
                    if let Some(outcome) = retries.settle(target, 0, error, &channel).await? {
                        return Ok(Err(outcome));
                    }
                }
            }
        }
    }

    /// The forum post the digest's parts go in, once its first part is posted.
    fn post_of(&self, rows: &[LedgerPart]) -> Option<String> {
        self.forum.as_ref()?;
        rows.iter().find(|row| row.part == 0 && row.sent).and_then(|row| row.posted.channel.clone())
    }

    /// How a part is written pending: the setting it follows and the thread its message starts.
    fn plan(&self, part: usize) -> Plan<'_> {
        Plan { layout: Some(self.mode.as_str()), thread_name: self.threads.get(part).and_then(Option::as_deref) }
    }

    /// Where a part goes: a forum's first part makes the post, the others go in it.
    fn place<'p>(&'p self, part: usize, post: Option<&'p str>) -> Place<'p> {
        match (&self.forum, post) {
            (Some(forum), _) if part == 0 => Place::NewPost { name: &forum.name, tags: &forum.tags },
            (Some(_), Some(post)) => Place::Thread(post),
            _ => Place::Channel,
        }
    }

    /// Starts the thread a posted part wants, with the usual retries (a 429 is waited out), and
    /// records it. A refusal is recorded as the part's thread error and as a failure, never retried
    /// for the part: one that holds for the channel ([`SendError::Gone`]: a permission the bot lacks,
    /// a channel that takes no threads) is kept in `refusal` for the target's other parts, which go
    /// without threads; one that holds for this message only ([`SendError::Rejected`]: the message
    /// is gone) leaves the other parts to try theirs. `Some` when the target cannot go on.
    async fn thread(
        &self,
        target: &Target,
        part: usize,
        posted: &Posted,
        name: &str,
        refusal: &mut Option<String>,
    ) -> Result<Option<TargetOutcome>, StoreError> {
        if let Some(why) = refusal {
            self.store.mark_thread(target, &self.digest, part, Err(why))?;
            return Ok(None);
        }
        let channel = self.lane.others.get(&target.channel);
        let mut retries = Retries::new(self, fnv1a64(name.as_bytes()) ^ part as u64);
        loop {
            // Start Thread has a bucket of its own: a 429 on it blocks `channel`, waited out here.
            let channel_place = channel.acquire().await;
            let global_place = match &self.lane.global {
                Some(global) => Some(global.acquire().await),
                None => None,
            };
            let result = self.lane.sink.start_thread(target, posted, name).await;
            drop((global_place, channel_place));
            match result {
                Ok(id) => {
                    self.store.mark_thread(target, &self.digest, part, Ok(&id))?;
                    return Ok(None);
                }
                // The channel will start no thread (a permission, its type): the rest go without.
                Err(SendError::Gone(why)) => {
                    warn!(target = %untrusted(&target.to_string()), part, error = %untrusted(&why), "could not start the thread; the digest goes on without threads");
                    self.store.mark_thread(target, &self.digest, part, Err(&why))?;
                    let message = format!("could not start a thread: {why}");
                    self.store.record_failure(target, Some(&self.digest), &message, false, self.clock.now())?;
                    *refusal = Some(why);
                    return Ok(None);
                }
                // This message will start none (it is gone, its name was refused): the other parts
                // still try theirs.
                Err(SendError::Rejected(why)) => {
                    warn!(target = %untrusted(&target.to_string()), part, error = %untrusted(&why), "could not start this part's thread; the other parts still get theirs");
                    self.store.mark_thread(target, &self.digest, part, Err(&why))?;
                    let message = format!("could not start the thread of message {}: {why}", part + 1);
                    self.store.record_failure(target, Some(&self.digest), &message, false, self.clock.now())?;
                    return Ok(None);
                }
                Err(error) => {
                    if let Some(outcome) = retries.settle(target, part, error, &channel).await? {
                        return Ok(Some(outcome));
                    }
                }
            }
        }
    }

    /// Shutdown, or the platform refused the token: how the target stops before its next request.
    fn stopped(&self) -> Option<TargetOutcome> {
        if *self.shutdown.borrow() {
            return Some(TargetOutcome::Interrupted);
        }
        self.lane
            .dead
            .load(Ordering::Relaxed)
            .then(|| TargetOutcome::Unauthorized("the platform refused the token".into()))
    }

    async fn send_part(
        &self,
        target: &Target,
        attempt: Attempt,
        body: &Value,
        place: Place<'_>,
    ) -> Result<PartEnd, StoreError> {
        let Attempt { part, total, since, mut uncertain } = attempt;
        let salt = match &self.work {
            Work::Deliver { salt, .. } => salt.as_str(),
            Work::Correct => "",
        };
        let nonce = nonce(&self.digest, target, part, salt);
        let key = PartKey { digest: &self.digest, part, nonce: &nonce, place };
        let channel = self.lane.channels.get(&target.channel);
        let mut retries = Retries::new(self, fnv1a64(nonce.as_bytes()));
        loop {
            // Both places are held until the answer arrives (see `limiter`), for a look at the
            // channel as for a post: a rate limit on either pauses the channel.
            let channel_place = channel.acquire().await;
            let global_place = match &self.lane.global {
                Some(global) => Some(global.acquire().await),
                None => None,
            };
            let reconciling = uncertain;
            let result = if reconciling {
                // An earlier attempt may have posted this part: look before posting again.
                match self.lane.sink.find_posted(target, key, since).await {
                    Ok(Some(sent)) => Ok(sent),
                    // Not there: post it now (the places are released with this turn).
                    Ok(None) => {
                        uncertain = false;
                        continue;
                    }
                    Err(e) => Err(e),
                }
            } else {
                self.lane.sink.send(target, body, key).await
            };
            drop((global_place, channel_place));
            match result {
                Ok(sent) => {
                    if reconciling {
                        info!(target = %untrusted(&target.to_string()), part, "the part was already posted; its lost answer is recovered, not posted again");
                    }
                    // A sink that names the channel (Slack) identifies a message by channel and `ts`,
                    // its message id.
                    let posted = Posted {
                        ts: sent.channel.as_ref().and(sent.message_id.clone()),
                        message_id: sent.message_id,
                        channel: sent.channel,
                    };
                    let shown = Shown { body_hash: &self.hashes[part], version: &self.version, source: &self.source };
                    self.store.mark_sent(target, &self.digest, part, total, &posted, Some(shown), self.clock.now())?;
                    self.lane.counters.parts_sent.inc();
                    if let Some(pause) = sent.exhausted_for {
                        channel.block_for(pause);
                    }
                    return Ok(PartEnd::Sent(posted));
                }
                Err(SendError::Forum(why)) => return Ok(PartEnd::Forum(why)),
                Err(error) => {
                    // A post that failed in transit may have been accepted: look before the next one.
                    if matches!(error, SendError::Transient(_)) {
                        uncertain = true;
                    }
                    if let Some(outcome) = retries.settle(target, part, error, &channel).await? {
                        return Ok(PartEnd::Stop(outcome));
                    }
                }
            }
        }
    }

    fn fail(&self, target: &Target, message: String) -> Result<TargetOutcome, StoreError> {
        self.store.record_failure(target, Some(&self.digest), &message, false, self.clock.now())?;
        Ok(TargetOutcome::Failed(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use chrono::TimeZone;
    use std::sync::Mutex;

    /// A sink that answers from a script and records what it was sent.
    #[derive(Default)]
    struct ScriptedSink {
        script: Mutex<Vec<Result<Sent, SendError>>>,
        sent: Mutex<Vec<(Target, String)>>,
    }

    impl Sink for ScriptedSink {
        fn send<'a>(&'a self, target: &'a Target, _body: &'a Value, part: PartKey<'a>) -> SendFuture<'a> {
            Box::pin(async move {
                let next = {
                    let mut script = self.script.lock().unwrap();
                    if script.is_empty() { Ok(Sent::default()) } else { script.remove(0) }
                };
                if next.is_ok() {
                    self.sent.lock().unwrap().push((target.clone(), part.nonce.to_string()));
                }
                next
            })
        }
        fn limits(&self) -> RateLimits {
            RateLimits { per_channel: (100, Duration::from_secs(1)), global: Some((100, Duration::from_secs(1))) }
        }
    }

    struct Fixture {
        store: Arc<Store>,
        sink: Arc<ScriptedSink>,
        deliverer: Deliverer,
        digest: Digest,
        _dir: TempDir,
        _tx: watch::Sender<bool>,
    }

    struct TempDir(std::path::PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn fixture(name: &str, script: Vec<Result<Sent, SendError>>) -> Fixture {
        let dir = std::env::temp_dir().join(format!("digestbot-deliver-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Arc::new(Store::open(&dir.join("s.db")).unwrap());
        let sink = Arc::new(ScriptedSink { script: Mutex::new(script), ..Default::default() });
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 2, 9, 0, 0, 0).unwrap()));
        let (tx, rx) = watch::channel(false);
        let retry = RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(1),
            max: Duration::from_millis(5),
            rate_limit_retries: 3,
        };
        let deliverer = Deliverer::new(store.clone(), clock, Locale::Ko, rx)
            .with_sink(Platform::Discord, sink.clone())
            .with_retry(retry);
        let digest =
            crate::digest::parse("d/2026-02-09.md", include_bytes!("../../digests/2026-02-09-weekly.md")).unwrap();
        Fixture { store, sink, deliverer, digest, _dir: TempDir(dir), _tx: tx }
    }

    use chrono::Utc;

    fn ch(id: &str) -> Target {
        Target::new(Platform::Discord, id)
    }

    #[tokio::test]
    async fn delivers_once_and_never_again() {
        let f = fixture("once", vec![]);
        let targets = [ch("1"), ch("2")];
        let report = f.deliverer.deliver(&f.digest, &targets, &DeliverOptions::default()).await;
        assert_eq!(report.count(|o| matches!(o, TargetOutcome::Delivered { parts: 1 })), 2);
        assert!(f.store.delivered(&ch("1"), "2026-02-09").unwrap());
        let report = f.deliverer.deliver(&f.digest, &targets, &DeliverOptions::default()).await;
        assert_eq!(report.count(|o| *o == TargetOutcome::AlreadyDelivered), 2);
        assert_eq!(f.sink.sent.lock().unwrap().len(), 2);
        // --force posts again, with a different nonce.
        let report = f.deliverer.deliver(&f.digest, &targets[..1], &DeliverOptions { force: true }).await;
        assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 1 });
        let sent = f.sink.sent.lock().unwrap();
        assert_ne!(sent[0].1, sent[2].1);
    }

    #[tokio::test]
    async fn transient_errors_are_retried_then_reported() {
        let f = fixture("transient", vec![Err(SendError::Transient("500".into())), Ok(Sent::default())]);
        let report = f.deliverer.deliver(&f.digest, &[ch("1")], &DeliverOptions::default()).await;
        assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 1 });

        let errors = (0..3).map(|_| Err(SendError::Transient("502".into()))).collect();
        let f = fixture("exhausted", errors);
        let report = f.deliverer.deliver(&f.digest, &[ch("1")], &DeliverOptions::default()).await;
        assert_eq!(report.outcomes[0].1, TargetOutcome::Failed("502".into()));
        assert!(report.has_retryable());
        assert_eq!(f.store.last_failure(&ch("1")).unwrap().unwrap().message, "502");
        assert!(!f.store.delivered(&ch("1"), "2026-02-09").unwrap());
    }

    #[tokio::test]
    async fn gone_marks_the_subscription_and_unauthorized_stops_the_platform() {
        let f = fixture("gone", vec![Err(SendError::Gone("Missing Access".into()))]);
        f.store.subscribe(&ch("1"), Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap()).unwrap();
        let report = f.deliverer.deliver(&f.digest, &[ch("1")], &DeliverOptions::default()).await;
        assert_eq!(report.outcomes[0].1, TargetOutcome::Gone("Missing Access".into()));
        assert!(f.store.subscription(&ch("1")).unwrap().unwrap().failed_at.is_some());

        let f = fixture("unauthorized", vec![Err(SendError::Unauthorized("401".into()))]);
        let f = Fixture { deliverer: f.deliverer.with_concurrency(1), ..f };
        let report = f.deliverer.deliver(&f.digest, &[ch("1"), ch("2")], &DeliverOptions::default()).await;
        assert_eq!(report.unauthorized(), vec![(Platform::Discord, "401".to_string())]);
        assert!(matches!(report.outcomes[1].1, TargetOutcome::Unauthorized(_)));
        assert!(f.sink.sent.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn rate_limits_wait_and_retry() {
        let limited = SendError::RateLimited { retry_after: Duration::from_millis(20), global: true };
        let f = fixture("limited", vec![Err(limited.clone()), Err(limited)]);
        let started = std::time::Instant::now();
        let report = f.deliverer.deliver(&f.digest, &[ch("1")], &DeliverOptions::default()).await;
        assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 1 });
        assert!(started.elapsed() >= Duration::from_millis(40));
    }

    #[tokio::test]
    async fn shutdown_stops_before_the_next_part() {
        let f = fixture("shutdown", vec![]);
        f._tx.send(true).unwrap();
        let report = f.deliverer.deliver(&f.digest, &[ch("1")], &DeliverOptions::default()).await;
        assert_eq!(report.outcomes[0].1, TargetOutcome::Interrupted);
        assert!(f.sink.sent.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn missing_sink_is_reported() {
        let f = fixture("nosink", vec![]);
        let report =
            f.deliverer.deliver(&f.digest, &[Target::new(Platform::Slack, "C1")], &DeliverOptions::default()).await;
        assert_eq!(report.outcomes[0].1, TargetOutcome::NoSink);
    }

    #[test]
    fn nonces_are_short_stable_and_distinct() {
        let a = nonce("2026-02-09", &ch("1"), 0, "");
        assert_eq!(a, nonce("2026-02-09", &ch("1"), 0, ""));
        assert!(a.len() <= 25);
        assert_ne!(a, nonce("2026-02-09", &ch("1"), 1, ""));
        assert_ne!(a, nonce("2026-02-09", &ch("2"), 0, ""));
        assert_ne!(a, nonce("2026-02-16", &ch("1"), 0, ""));
        assert_ne!(a, nonce("2026-02-09", &ch("1"), 0, "force-1"));
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        let p = RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
            rate_limit_retries: 1,
        };
        for n in 0..8 {
            let d = p.backoff(n, 7);
            let exp = (100u64 << n).min(1000);
            assert!(d >= Duration::from_millis(exp / 2) && d <= Duration::from_millis(exp * 3 / 2), "{n}: {d:?}");
        }
    }

    /// A sink that checks, through its own connection to the database, that the part it is asked to
    /// send has a committed `pending` row, and makes the store read-only after `fail_after` sends.
    struct LedgerSink {
        store: Arc<Store>,
        db: std::path::PathBuf,
        digest: String,
        fail_after: usize,
        sent: Mutex<Vec<(Target, usize)>>,
    }

    impl Sink for LedgerSink {
        fn send<'a>(&'a self, target: &'a Target, _body: &'a Value, key: PartKey<'a>) -> SendFuture<'a> {
            Box::pin(async move {
                let part = key.part;
                assert_eq!(key.nonce, super::nonce(&self.digest, target, part, ""));
                let reader = rusqlite::Connection::open(&self.db).unwrap();
                let state: String = reader
                    .query_row(
                        "SELECT state FROM ledger WHERE platform = ?1 AND channel = ?2 AND digest = ?3 AND part = ?4",
                        rusqlite::params![target.platform.as_str(), target.channel, self.digest, part as i64],
                        |r| r.get(0),
                    )
                    .expect("a part is sent only once its ledger row is committed");
                assert_eq!(state, "pending");
                let mut sent = self.sent.lock().unwrap();
                sent.push((target.clone(), part));
                if sent.len() == self.fail_after {
                    // The disk turns read-only while this part is on its way.
                    self.store.set_pragma("query_only", 1);
                }
                Ok(Sent { message_id: Some(format!("m{}", sent.len())), ..Sent::default() })
            })
        }
        fn limits(&self) -> RateLimits {
            RateLimits { per_channel: (100, Duration::from_secs(1)), global: None }
        }
    }

    #[tokio::test]
    async fn an_unwritable_ledger_stops_every_target_before_its_next_part() {
        let f = fixture("unwritable", vec![]);
        let db = f._dir.0.join("s.db");
        let sink = Arc::new(LedgerSink {
            store: f.store.clone(),
            db,
            digest: f.digest.id(),
            fail_after: 2,
            sent: Mutex::new(Vec::new()),
        });
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 2, 9, 0, 0, 0).unwrap()));
        // One target at a time, so that the order of sends is known.
        let deliverer = Deliverer::new(f.store.clone(), clock, Locale::Ko, f._tx.subscribe())
            .with_sink(Platform::Discord, sink.clone())
            .with_concurrency(1);
        let targets = [ch("1"), ch("2"), ch("3"), ch("4")];
        let report = deliverer.deliver(&f.digest, &targets, &DeliverOptions::default()).await;

        // The first part went out and was confirmed; the second went out and could not be confirmed;
        // nothing was sent after that.
        assert_eq!(*sink.sent.lock().unwrap(), [(ch("1"), 0), (ch("2"), 0)]);
        assert_eq!(report.outcomes[0].1, TargetOutcome::Delivered { parts: 1 });
        let lost = report.state_lost().expect("the report names the loss").clone();
        assert!(matches!(&lost, StateLost::Unwritable { reason, .. } if reason.contains("readonly")), "{lost:?}");
        for (_, outcome) in &report.outcomes[1..] {
            assert_eq!(*outcome, TargetOutcome::Halted(lost.clone()));
        }
        assert!(!report.has_retryable(), "a lost store is not retried in this process");
        // The ledger says exactly that: a restart resends only the unconfirmed part, with its nonce.
        assert!(f.store.delivered(&ch("1"), "2026-02-09").unwrap());
        assert_eq!(f.store.pending_parts(&ch("2"), "2026-02-09").unwrap(), [0]);
        assert!(f.store.pending_parts(&ch("3"), "2026-02-09").unwrap().is_empty());
        assert!(f.store.sent_parts(&ch("3"), "2026-02-09").unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_deleted_state_file_stops_delivery_before_anything_is_sent() {
        let f = fixture("deleted", vec![]);
        std::fs::remove_file(f._dir.0.join("s.db")).unwrap();
        let report = f.deliverer.deliver(&f.digest, &[ch("1"), ch("2")], &DeliverOptions::default()).await;
        assert!(f.sink.sent.lock().unwrap().is_empty());
        let lost = report.state_lost().expect("the report names the loss");
        assert!(lost.to_string().contains("s.db was deleted"), "{lost}");
        assert_eq!(report.count(|o| matches!(o, TargetOutcome::Halted(_))), 2);
        assert!(f.store.lost_now().is_some());
    }
}

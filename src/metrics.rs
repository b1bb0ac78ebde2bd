//! What the bot counts for Prometheus: parts posted and targets failed per platform, time spent
//! waiting on rate limits, commands and how long they took, the digests loaded and broken, the last
//! slot run, and whether the Discord gateway is connected.
//!
//! One [`Metrics`] is made per `App` and handed to what records (the deliverer, `Bot::run`, the
//! library, the scheduler, the gateway); it owns its own `prometheus_client` registry, never a
//! process-global one, so the integration tests can run many apps in one process. `/metrics`
//! ([`crate::web`]) writes it out with [`Metrics::encode`], in the OpenMetrics text format that
//! Prometheus scrapes. Cheap to clone: everything is behind one `Arc`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use chrono::{DateTime, Utc};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::target::Platform;

/// A count of seconds (time waited on rate limits).
pub type Seconds = Counter<f64, AtomicU64>;

/// The content type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PlatformLabel {
    platform: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommandLabels {
    platform: &'static str,
    command: &'static str,
}

/// The registry and a handle on every metric in it.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    parts_sent: Family<PlatformLabel, Counter>,
    delivery_failures: Family<PlatformLabel, Counter>,
    rate_limit_wait: Family<PlatformLabel, Seconds>,
    commands: Family<CommandLabels, Counter>,
    command_duration: Family<CommandLabels, Histogram, fn() -> Histogram>,
    digests_loaded: Gauge,
    digests_broken: Gauge,
    last_slot: Gauge,
    gateway_connected: Family<PlatformLabel, Gauge>,
}

/// Command latencies: 1 ms to about 8 s, doubling.
fn command_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 14))
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("digestbot");
        let parts_sent = Family::default();
        registry.register("parts_sent", "Message parts posted, by platform", parts_sent.clone());
        let delivery_failures = Family::default();
        registry.register(
            "delivery_failures",
            "Targets a delivery ended without (channel gone, refused, out of retries), by platform",
            delivery_failures.clone(),
        );
        let rate_limit_wait = Family::default();
        registry.register_with_unit(
            "rate_limit_wait",
            "Time deliveries waited for the platform's rate limits, by platform",
            Unit::Seconds,
            rate_limit_wait.clone(),
        );
        let commands = Family::default();
        registry.register("commands", "/digest commands answered, by platform and subcommand", commands.clone());
        let command_duration = Family::new_with_constructor(command_histogram as fn() -> Histogram);
        registry.register_with_unit(
            "command_duration",
            "Time to answer a /digest command, by platform and subcommand",
            Unit::Seconds,
            command_duration.clone(),
        );
        let digests_loaded = Gauge::default();
        registry.register("digests_loaded", "Digests loaded from the digests folder", digests_loaded.clone());
        let digests_broken = Gauge::default();
        registry.register("digests_broken", "Files in the digests folder that do not load", digests_broken.clone());
        let last_slot = Gauge::default();
        registry.register_with_unit(
            "last_slot_timestamp",
            "The weekly slot the scheduler ran last, as Unix time",
            Unit::Seconds,
            last_slot.clone(),
        );
        let gateway_connected = Family::default();
        registry.register(
            "gateway_connected",
            "1 while the platform's gateway is connected, else 0 (Discord only, when it has a token)",
            gateway_connected.clone(),
        );
        Metrics(Arc::new(Inner {
            registry,
            parts_sent,
            delivery_failures,
            rate_limit_wait,
            commands,
            command_duration,
            digests_loaded,
            digests_broken,
            last_slot,
            gateway_connected,
        }))
    }

    /// The delivery counters of `platform`, for the deliverer's lane.
    pub fn deliveries(&self, platform: Platform) -> DeliveryCounters {
        let label = PlatformLabel { platform: platform.as_str() };
        DeliveryCounters {
            parts_sent: self.0.parts_sent.get_or_create_owned(&label),
            failures: self.0.delivery_failures.get_or_create_owned(&label),
            rate_limit_wait: self.0.rate_limit_wait.get_or_create_owned(&label),
        }
    }

    /// Counts one command and, when the returned guard is dropped, how long it took.
    pub fn command(&self, platform: Platform, command: &'static str) -> CommandTimer {
        let labels = CommandLabels { platform: platform.as_str(), command };
        CommandTimer { metrics: self.clone(), labels, started: Instant::now() }
    }

    /// The library as loaded: its digests and the files that did not load.
    pub fn library_loaded(&self, digests: usize, broken: usize) {
        self.0.digests_loaded.set(i64::try_from(digests).unwrap_or(i64::MAX));
        self.0.digests_broken.set(i64::try_from(broken).unwrap_or(i64::MAX));
    }

    /// The scheduler ran `slot`.
    pub fn slot_ran(&self, slot: DateTime<Utc>) {
        self.0.last_slot.set(slot.timestamp());
    }

    /// Whether the gateway of `platform` is connected now.
    pub fn gateway_connected(&self, platform: Platform, connected: bool) {
        self.0.gateway_connected.get_or_create(&PlatformLabel { platform: platform.as_str() }).set(connected.into());
    }

    /// Every metric, in the OpenMetrics text format ([`CONTENT_TYPE`]).
    pub fn encode(&self) -> Result<String, fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.0.registry)?;
        Ok(text)
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// One platform's delivery counters. [`Default`] counts into no registry (a deliverer without
/// [`Metrics`]).
#[derive(Debug, Clone, Default)]
pub struct DeliveryCounters {
    pub parts_sent: Counter,
    pub failures: Counter,
    pub rate_limit_wait: Seconds,
}

/// Times one command from [`Metrics::command`] to its drop.
pub struct CommandTimer {
    metrics: Metrics,
    labels: CommandLabels,
    started: Instant,
}

impl Drop for CommandTimer {
    fn drop(&mut self) {
        let Inner { commands, command_duration, .. } = &*self.metrics.0;
        commands.get_or_create(&self.labels).inc();
        command_duration.get_or_create(&self.labels).observe(self.started.elapsed().as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample `name` with exactly `labels`, as a Prometheus text parser reads it.
    fn value(metrics: &Metrics, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let text = metrics.encode().unwrap();
        let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
        let sample = scrape.samples.into_iter().find(|s| {
            s.metric == name && s.labels.len() == labels.len() && labels.iter().all(|(k, v)| s.labels.get(k) == Some(v))
        })?;
        match sample.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Gauge(v) => Some(v),
            prometheus_parse::Value::Untyped(v) => Some(v),
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn each_metrics_counts_in_its_own_registry() {
        let (a, b) = (Metrics::new(), Metrics::new());
        a.deliveries(Platform::Discord).parts_sent.inc_by(3);
        a.deliveries(Platform::Discord).parts_sent.inc();
        drop(a.command(Platform::Slack, "latest"));
        a.library_loaded(2, 1);
        a.gateway_connected(Platform::Discord, true);
        let discord = [("platform", "discord")];
        assert_eq!(value(&a, "digestbot_parts_sent_total", &discord), Some(4.0));
        let latest = [("platform", "slack"), ("command", "latest")];
        assert_eq!(value(&a, "digestbot_commands_total", &latest), Some(1.0));
        assert_eq!(value(&a, "digestbot_command_duration_seconds_count", &latest), Some(1.0));
        assert_eq!(value(&a, "digestbot_digests_loaded", &[]), Some(2.0));
        assert_eq!(value(&a, "digestbot_digests_broken", &[]), Some(1.0));
        assert_eq!(value(&a, "digestbot_gateway_connected", &discord), Some(1.0));

        // Another app's metrics are its own; counters made without a registry count nowhere.
        DeliveryCounters::default().parts_sent.inc();
        assert_eq!(value(&b, "digestbot_parts_sent_total", &discord), None);
        assert_eq!(value(&b, "digestbot_digests_loaded", &[]), Some(0.0));
        // Without a gateway, no gateway sample at all (an alert on 0 would fire for Slack-only bots).
        assert_eq!(value(&b, "digestbot_gateway_connected", &discord), None);
    }
}

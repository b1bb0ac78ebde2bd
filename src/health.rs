//! `/healthz`: is the bot doing its job? From what it knows, on its own clock: the Discord gateway's
//! connection (connected, disconnected, or off without a token, and since when), the last weekly
//! slot (its digest, how many targets have it, how many miss it, and whether those are being
//! retried), and how long ago the last part of any digest went out.
//!
//! [`Health::check`] gathers the facts ([`status::report_slot`] for the slot); [`HealthReport`]
//! judges them. It is unhealthy (503) when the gateway has been disconnected for over
//! [`GATEWAY_GRACE`], or when targets miss the last slot's digest and nothing will retry them: the
//! slot is finished, or older than `schedule.catch_up`, and they still miss it (a subscription
//! paused during the slot, its channel gone or forbidden, counts as missing). A slot in progress, or
//! whose temporary failures the scheduler retries, is healthy. Nothing here touches the network.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::bot::Bot;
use crate::discord::Link;
use crate::status::{self, StatusError};

/// How long the gateway may stay disconnected before the bot counts as unhealthy: serenity
/// reconnects within seconds, and a short outage of Discord's is no reason to restart the bot.
pub const GATEWAY_GRACE: Duration = Duration::from_secs(5 * 60);

/// What the health check looks at. Cheap to clone.
#[derive(Clone)]
pub struct Health {
    bot: Bot,
    /// The gateway's connection; `None` when there is no Discord token.
    gateway: Option<watch::Receiver<Link>>,
    /// Checks run at once: each reads the last slot's targets from SQLite, so a flood of probes
    /// waits its turn (within the listener's request timeout) instead of adding up.
    running: Arc<tokio::sync::Semaphore>,
}

/// At most this many health checks at once.
pub const CONCURRENT_CHECKS: usize = 2;

/// The last slot, as the health check sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotHealth {
    pub at: DateTime<Utc>,
    /// The digest it posts: (id, title); `None` when none was published by its day.
    pub digest: Option<(String, String)>,
    /// Its targets, paused subscriptions included.
    pub targets: usize,
    /// Targets with the whole digest.
    pub delivered: usize,
    /// Targets without it.
    pub failed: usize,
    /// Of those, paused subscriptions: never retried.
    pub paused: usize,
    /// Whether the scheduler still tries the others: the slot is unfinished and within
    /// `schedule.catch_up`.
    pub retrying: bool,
}

impl SlotHealth {
    /// Targets missing the digest that nothing will retry.
    pub fn abandoned(&self) -> usize {
        if self.retrying { self.paused } else { self.failed }
    }
}

/// The facts at one instant, and the verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthReport {
    pub now: DateTime<Utc>,
    /// `None`: Discord is off (no token).
    pub gateway: Option<Link>,
    pub slot: SlotHealth,
    /// When the newest part of any digest was sent.
    pub last_delivery: Option<DateTime<Utc>>,
}

impl Health {
    /// A place to run a check ([`CONCURRENT_CHECKS`] at once).
    pub async fn place(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.running.clone().acquire_owned().await.ok()
    }

    pub fn new(bot: Bot, gateway: Option<watch::Receiver<Link>>) -> Health {
        Health { bot, gateway, running: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_CHECKS)) }
    }

    /// Reads the facts. Blocking (SQLite): call it on a blocking thread.
    pub fn check(&self) -> Result<HealthReport, StatusError> {
        let bot = &self.bot;
        let now = bot.now();
        let schedule = &bot.config.schedule;
        let at = schedule.slot.latest_at_or_before(now);
        let report = status::report_slot(bot, at)?;
        let within = (now - at).to_std().unwrap_or(Duration::ZERO) <= schedule.catch_up;
        let targets = report.targets.len() + report.paused.len();
        let paused = report.paused_missing();
        let failed = report.missing() + paused;
        let slot = SlotHealth {
            at,
            digest: report.digest,
            targets,
            delivered: targets - failed,
            failed,
            paused,
            retrying: !report.finished && within,
        };
        let gateway = self.gateway.as_ref().map(|link| *link.borrow());
        Ok(HealthReport { now, gateway, slot, last_delivery: bot.store.last_sent_at()? })
    }
}

impl HealthReport {
    /// What is wrong, for people; empty when healthy.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(Link::Disconnected { since }) = self.gateway
            && (self.now - since).to_std().is_ok_and(|down| down > GATEWAY_GRACE)
        {
            problems.push(format!(
                "the Discord gateway has been disconnected since {} (over {} minutes)",
                since.to_rfc3339(),
                GATEWAY_GRACE.as_secs() / 60
            ));
        }
        let slot = &self.slot;
        if let (Some((id, _)), abandoned @ 1..) = (&slot.digest, slot.abandoned()) {
            problems.push(format!(
                "{abandoned} of {} targets miss digest {id} of the slot of {} and are not being retried",
                slot.targets,
                slot.at.to_rfc3339()
            ));
        }
        problems
    }

    pub fn healthy(&self) -> bool {
        self.problems().is_empty()
    }

    /// The body of `/healthz`; times in RFC 3339 UTC.
    pub fn json(&self) -> Value {
        let problems = self.problems();
        let (state, since) = match self.gateway {
            None => ("off", None),
            Some(Link::Connected { since }) => ("connected", Some(since)),
            Some(Link::Disconnected { since }) => ("disconnected", Some(since)),
        };
        let slot = &self.slot;
        json!({
            "status": if problems.is_empty() { "ok" } else { "unhealthy" },
            "problems": problems,
            "discord": {"gateway": state, "since": since.map(|at| at.to_rfc3339())},
            "last_slot": {
                "at": slot.at.to_rfc3339(),
                "digest": slot.digest.as_ref().map(|(id, title)| json!({"id": id, "title": title})),
                "targets": slot.targets,
                "delivered": slot.delivered,
                "failed": slot.failed,
                "retrying": slot.retrying && slot.failed > slot.paused,
            },
            "last_delivery_age_seconds": self.last_delivery.map(|at| (self.now - at).num_seconds().max(0)),
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, 9, 0, 0, 0).unwrap() + chrono::Duration::minutes(minute)
    }

    /// A report at `now` minutes after the slot, with a delivered digest and a connected gateway.
    fn report(now: i64) -> HealthReport {
        HealthReport {
            now: at(now),
            gateway: Some(Link::Connected { since: at(-60) }),
            slot: SlotHealth {
                at: at(0),
                digest: Some(("2026-02-09".into(), "Weekly".into())),
                targets: 3,
                delivered: 3,
                failed: 0,
                paused: 0,
                retrying: false,
            },
            last_delivery: Some(at(1)),
        }
    }

    /// Checks the verdict, and the body's values at the given JSON pointers.
    fn check(report: &HealthReport, healthy: bool, wanted: &[(&str, Value)]) {
        assert_eq!(report.healthy(), healthy, "{:?}", report.problems());
        let body = report.json();
        assert_eq!(body["status"], if healthy { "ok" } else { "unhealthy" });
        for (pointer, want) in wanted {
            assert_eq!(body.pointer(pointer), Some(want), "{pointer} in {body}");
        }
    }

    #[test]
    fn each_state_and_its_verdict() {
        let ok = report(10);
        check(
            &ok,
            true,
            &[
                ("/problems", json!([])),
                ("/discord", json!({"gateway": "connected", "since": "2026-02-08T23:00:00+00:00"})),
                ("/last_slot/digest/id", json!("2026-02-09")),
                ("/last_slot/delivered", json!(3)),
                ("/last_delivery_age_seconds", json!(540)),
            ],
        );

        let mut off = report(10);
        off.gateway = None;
        check(&off, true, &[("/discord", json!({"gateway": "off", "since": null}))]);

        // Disconnected: fine for five minutes, unhealthy after.
        let mut down = report(10);
        down.gateway = Some(Link::Disconnected { since: at(5) });
        check(&down, true, &[("/discord/gateway", json!("disconnected"))]);
        down.now = at(11);
        check(
            &down,
            false,
            &[(
                "/problems/0",
                json!("the Discord gateway has been disconnected since 2026-02-09T00:05:00+00:00 (over 5 minutes)"),
            )],
        );

        // Targets missing the digest: fine while retried, not once nothing retries them.
        let mut missing = report(10);
        (missing.slot.delivered, missing.slot.failed, missing.slot.retrying) = (2, 1, true);
        check(&missing, true, &[("/last_slot/failed", json!(1)), ("/last_slot/retrying", json!(true))]);
        missing.slot.retrying = false;
        let problem =
            "1 of 3 targets miss digest 2026-02-09 of the slot of 2026-02-09T00:00:00+00:00 and are not being retried";
        check(&missing, false, &[("/problems/0", json!(problem)), ("/last_slot/retrying", json!(false))]);

        // A paused subscription is never retried, whatever the slot's state.
        let mut paused = report(10);
        (paused.slot.delivered, paused.slot.failed, paused.slot.paused, paused.slot.retrying) = (2, 1, 1, true);
        check(&paused, false, &[("/problems/0", json!(problem)), ("/last_slot/retrying", json!(false))]);

        // No digest for the slot: nothing to miss; nothing ever delivered: no age.
        let mut none = report(10);
        (none.slot.digest, none.last_delivery) = (None, None);
        check(&none, true, &[("/last_slot/digest", Value::Null), ("/last_delivery_age_seconds", Value::Null)]);
    }
}

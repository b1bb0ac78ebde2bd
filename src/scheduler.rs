//! The weekly scheduler: a thin loop around [`Scheduler::run_due`], which tests call directly.
//!
//! At each slot (Monday 09:00 KST by default) the digest published by the slot's day goes to every
//! target subscribed before the slot that has not received it. The same step runs at start-up: a
//! slot missed while the bot was down is delivered if it is at most `schedule.catch_up` old, and a
//! slot whose delivery was interrupted is finished. The ledger makes every run idempotent, so running
//! a slot twice posts nothing twice. Targets that failed for a temporary reason are retried every
//! [`RETRY_EVERY`] while the slot is within the catch-up window. With `approval: required` a slot
//! whose digest's current version is not approved is held (nothing is posted) until a decision is
//! recorded, which wakes the loop. With an editors' channel
//! ([`Scheduler::with_editors`]) each step also tells it what happened and wakes for its reminders.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tracing::{info, warn};

use crate::bot::Bot;
use crate::config::ApprovalMode;
use crate::deliver::{DeliverOptions, Deliverer, Report, TargetOutcome, version_of};
use crate::editors::Editors;
use crate::logging::untrusted;
use crate::store::StoreError;

/// How long after a partly failed slot run to try the failed targets again.
pub const RETRY_EVERY: Duration = Duration::from_secs(10 * 60);

/// What a step did.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotRun {
    /// No slot is due: the last one is finished or older than the catch-up window.
    NotDue,
    /// The slot came but no digest was published by its day.
    NoDigest { slot: DateTime<Utc> },
    /// Every target already had the slot's digest: nothing was posted.
    NothingNew { slot: DateTime<Utc>, digest: String },
    /// A delivery ran; the report lists the targets that did not have the digest yet.
    Delivered { slot: DateTime<Utc>, report: Report },
    /// Approval is required and this version of the slot's digest is not approved: nothing was
    /// posted; the slot stays open and goes out when an editor approves, within `catch_up`.
    Held { slot: DateTime<Utc>, digest: String },
}

/// Why the scheduler stopped.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// A platform refused the token: the bot cannot work until it is fixed.
    #[error("{platform} refused the token: {message}")]
    Unauthorized { platform: &'static str, message: String },
    /// The state database failed; when it is lost ([`StoreError::lost`]) nothing more can be recorded
    /// and the process stops with its own exit code.
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone)]
pub struct Scheduler {
    bot: Bot,
    deliverer: Arc<Deliverer>,
    editors: Option<Arc<Editors>>,
}

impl Scheduler {
    pub fn new(bot: Bot, deliverer: Arc<Deliverer>) -> Scheduler {
        Scheduler { bot, deliverer, editors: None }
    }

    /// Tells the editors' channel about each slot (its summary, or that nothing new went out), the
    /// failures and recoveries, and reminds it before a slot without a new digest.
    pub fn with_editors(mut self, editors: Option<Arc<Editors>>) -> Scheduler {
        self.editors = editors;
        self
    }

    /// What the editors are told: an error of theirs is logged and stops nothing, unless the state
    /// is lost.
    fn editors_done(result: Result<(), StoreError>) -> Result<(), SchedulerError> {
        match result {
            Err(StoreError::Lost(lost)) => Err(StoreError::Lost(lost).into()),
            Err(e) => {
                warn!(error = %e, "could not update the editors' channel");
                Ok(())
            }
            Ok(()) => Ok(()),
        }
    }

    /// The most recent slot if it is due now: at most `catch_up` old and not finished.
    pub fn due_slot(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        let schedule = &self.bot.config.schedule;
        let slot = schedule.slot.latest_at_or_before(now);
        let age = (now - slot).to_std().unwrap_or(Duration::ZERO);
        if age > schedule.catch_up {
            return Ok(None);
        }
        let finished = self.bot.store.slot(slot)?.is_some_and(|record| record.finished_at.is_some());
        Ok((!finished).then_some(slot))
    }

    /// One step: delivers the due slot, if any.
    pub async fn run_due(&self) -> Result<SlotRun, SchedulerError> {
        if let Some(editors) = &self.editors {
            Self::editors_done(editors.tick().await)?;
        }
        let now = self.bot.now();
        let Some(slot) = self.due_slot(now)? else { return Ok(SlotRun::NotDue) };
        self.run_slot(slot).await
    }

    /// Delivers the digest of `slot` to the slot's targets, and tells the editors how it went.
    pub async fn run_slot(&self, slot: DateTime<Utc>) -> Result<SlotRun, SchedulerError> {
        self.bot.metrics.slot_ran(slot);
        let run = self.deliver_slot(slot).await?;
        if let Some(editors) = &self.editors {
            Self::editors_done(editors.slot_ran(slot, &run).await)?;
        }
        Ok(run)
    }

    async fn deliver_slot(&self, slot: DateTime<Utc>) -> Result<SlotRun, SchedulerError> {
        if let Err(e) = self.bot.library.reload().await {
            warn!(error = %untrusted(&format!("{e:#}")), "could not re-read the digests folder; using the last good copy");
        }
        let store = &self.bot.store;
        let library = self.bot.library.current();
        let day = self.bot.config.schedule.slot.local_date(slot);
        let Some(digest) = library.latest(day) else {
            info!(%slot, "no digest is published yet; nothing to post");
            store.slot_started(slot, None, self.bot.now())?;
            store.slot_finished(slot, self.bot.now())?;
            return Ok(SlotRun::NoDigest { slot });
        };
        let id = digest.id();
        store.slot_started(slot, Some(&id), self.bot.now())?;
        if self.bot.config.approval.mode == ApprovalMode::Required
            && !store.decision(&id, &version_of(digest))?.is_some_and(|d| d.approved)
        {
            info!(%slot, digest = %id, "the slot's digest is not approved; held until an editor approves it");
            return Ok(SlotRun::Held { slot, digest: id });
        }
        let targets = self.bot.targets(slot)?;
        // The deliverer alone decides which targets already have the digest (from the ledger).
        let mut report = self.deliverer.deliver(digest, &targets, &DeliverOptions::default()).await;
        report.outcomes.retain(|(_, outcome)| *outcome != TargetOutcome::AlreadyDelivered);
        if report.outcomes.is_empty() {
            info!(%slot, digest = %id, "no new digest since the last delivery; nothing posted");
            store.slot_finished(slot, self.bot.now())?;
            return Ok(SlotRun::NothingNew { slot, digest: id });
        }
        if let Some(lost) = report.state_lost() {
            return Err(StoreError::Lost(lost.clone()).into());
        }
        if let Some((platform, message)) = report.unauthorized().into_iter().next() {
            return Err(SchedulerError::Unauthorized { platform: platform.service(), message });
        }
        if !report.has_retryable() {
            store.slot_finished(slot, self.bot.now())?;
        }
        Ok(SlotRun::Delivered { slot, report })
    }

    /// Runs until `shutdown` turns true: a step now (catch-up), then one at every slot, with retries
    /// of temporary failures in between.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> Result<(), SchedulerError> {
        let clock = self.bot.clock.clone();
        let mut decisions = self.bot.store.decisions();
        loop {
            if *shutdown.borrow() {
                return Ok(());
            }
            let run = self.run_due().await?;
            let now = clock.now();
            let mut wake = self.bot.config.schedule.slot.next_after(now);
            if let SlotRun::Delivered { report, .. } = &run
                && report.has_retryable()
            {
                let retry = now + chrono::Duration::from_std(RETRY_EVERY).unwrap_or_default();
                wake = wake.min(retry);
                info!(at = %retry, "some targets failed; trying them again later");
            }
            if let Some(editors) = &self.editors {
                wake = wake.min(editors.next_wake(now));
            }
            info!(next = %wake.with_timezone(&self.bot.config.schedule.slot.tz), "waiting for the next delivery");
            // A held slot goes out as soon as an editor approves it.
            let held = matches!(run, SlotRun::Held { .. });
            tokio::select! {
                _ = clock.sleep_until(wake) => {}
                _ = decisions.changed(), if held => {}
                _ = shutdown.changed() => return Ok(()),
            }
        }
    }
}

//! The corrections watcher: after each look at the digests folder, a digest that was already posted
//! and whose file changed has its posted messages brought up to date (`Deliverer::correct`).
//!
//! A change is applied only once the file has been the same at two looks in a row, so a file caught
//! half-saved is never pushed. Only digests within `delivery.corrections_window` of their date are
//! corrected; a change to an older one is logged and left alone, as it is with
//! `delivery.corrections: off`. Only current targets are corrected (not a channel unsubscribed since,
//! nor one found gone), and only when the digest still comes from the file that was posted (a copy
//! with the same date never rewrites a posted issue). Targets whose sink cannot edit (Slack incoming
//! webhooks) are left alone too, and the log says so once per version. A correction that failed is
//! tried again after `RETRY_EVERY`, not at every look. Nothing here is remembered across restarts but
//! the versions seen at the last look: the ledger says which messages show which version, so a
//! correction cut short is found again and finished.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tracing::{debug, info, warn};

use crate::bot::Bot;
use crate::config::Corrections;
use crate::deliver::{Deliverer, Report, TargetOutcome, version_of};
use crate::logging::untrusted;
use crate::scheduler::RETRY_EVERY;
use crate::store::StoreError;
use crate::target::Target;

/// Watches for changed digests and corrects their posted messages.
pub struct Corrector {
    bot: Bot,
    deliverer: Arc<Deliverer>,
    looks: Mutex<Looks>,
}

/// What the previous looks saw.
#[derive(Default)]
struct Looks {
    /// Digest id -> version, at the last look.
    versions: HashMap<String, u64>,
    /// (target, digest, version) already reported as impossible to correct.
    told: HashSet<(Target, String, u64)>,
    /// (target, digest) -> (version, when) of a correction that failed: tried again only after
    /// [`RETRY_EVERY`], as a failed delivery is.
    failed: HashMap<(Target, String), (u64, DateTime<Utc>)>,
}

impl Corrector {
    pub fn new(bot: Bot, deliverer: Arc<Deliverer>) -> Corrector {
        Corrector { bot, deliverer, looks: Mutex::new(Looks::default()) }
    }

    /// One look, after the folder was re-read: the reports of the corrections it ran.
    pub async fn step(&self) -> Result<Vec<Report>, StoreError> {
        let library = self.bot.library.current();
        let delivery = self.bot.config.delivery;
        let today = self.bot.today();
        let window = chrono::Duration::from_std(delivery.corrections_window).unwrap_or(chrono::Duration::MAX);
        let now = self.bot.now();
        let retry = chrono::Duration::from_std(RETRY_EVERY).unwrap_or_default();
        // Only what would get the digest now is maintained: not a channel unsubscribed since, nor
        // one found gone or forbidden.
        let current: HashSet<Target> = self.bot.targets(now)?.into_iter().collect();
        let mut due = Vec::new();
        {
            let mut looks = self.looks.lock().unwrap_or_else(|p| p.into_inner());
            let versions: HashMap<String, u64> = library.all().iter().map(|d| (d.id(), d.version)).collect();
            for digest in library.all() {
                let id = digest.id();
                let stable = looks.versions.get(&id) == Some(&digest.version);
                let changed = looks.versions.get(&id).is_some_and(|&before| before != digest.version);
                let recent = today.signed_duration_since(digest.date) <= window;
                if !recent || delivery.corrections == Corrections::Off {
                    if changed && !self.bot.store.correction_targets(&id, &version_of(digest))?.is_empty() {
                        let why = if recent {
                            "delivery.corrections is off"
                        } else {
                            "it is older than delivery.corrections_window"
                        };
                        info!(digest = %id, "the digest changed after it was posted; its messages are left alone because {why}");
                    }
                    continue;
                }
                if !stable {
                    continue;
                }
                let mut targets = self.bot.store.correction_targets(&id, &version_of(digest))?;
                targets.retain(|target| current.contains(target));
                targets.retain(|target| match looks.failed.get(&(target.clone(), id.clone())) {
                    Some(&(version, at)) => version != digest.version || now - at >= retry,
                    None => true,
                });
                let mut editable = Vec::new();
                for target in targets {
                    let posted_from = self.bot.store.ledger_parts(&target, &id)?.into_iter().find_map(|row| row.source);
                    let why = if !self.deliverer.can_edit(target.platform) {
                        Some("its messages cannot be edited (a Slack incoming webhook); nothing is posted again")
                    } else if posted_from.is_some_and(|path| path != digest.path) {
                        Some("another file now holds this date; the posted messages are left as they are")
                    } else {
                        None
                    };
                    match why {
                        Some(why) => {
                            if looks.told.insert((target.clone(), id.clone(), digest.version)) {
                                warn!(target = %untrusted(&target.to_string()), digest = %id, file = %untrusted(&digest.path), "the digest changed after it was posted, but {why}");
                            }
                        }
                        None => editable.push(target),
                    }
                }
                if !editable.is_empty() {
                    due.push((digest.clone(), editable));
                }
            }
            looks.versions = versions;
        }
        let mut reports = Vec::new();
        for (digest, targets) in due {
            debug!(digest = %digest.id(), targets = targets.len(), "correcting posted messages");
            let report = self.deliverer.correct(&digest, &targets).await;
            let mut looks = self.looks.lock().unwrap_or_else(|p| p.into_inner());
            for (target, outcome) in &report.outcomes {
                let key = (target.clone(), report.digest.clone());
                match outcome {
                    TargetOutcome::Failed(_) | TargetOutcome::Gone(_) => {
                        looks.failed.insert(key, (digest.version, self.bot.now()));
                    }
                    _ => {
                        looks.failed.remove(&key);
                    }
                }
            }
            drop(looks);
            reports.push(report);
        }
        Ok(reports)
    }
}

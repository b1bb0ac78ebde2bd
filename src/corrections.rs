//! The corrections watcher: after each look at the digests folder, a digest that was already posted
//! and whose file changed has its posted messages brought up to date (`Deliverer::correct`).
//!
//! A change is applied only once the file has been the same at two looks in a row, so a file caught
//! half-saved is never pushed. Only digests within `delivery.corrections_window` of their date are
//! corrected; a change to an older one is logged and left alone, as it is with
//! `delivery.corrections: off`. Targets whose sink cannot edit (Slack incoming webhooks) are left
//! alone too, and the log says so once per version. Nothing here is remembered across restarts but
//! the versions seen at the last look: the ledger says which messages show which version, so a
//! correction cut short is found again and finished.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tracing::{debug, info, warn};

use crate::bot::Bot;
use crate::config::Corrections;
use crate::deliver::{Deliverer, Report, version_of};
use crate::logging::untrusted;
use crate::store::StoreError;
use crate::target::Target;

/// Watches for changed digests and corrects their posted messages.
pub struct Corrector {
    bot: Bot,
    deliverer: Arc<Deliverer>,
    looks: Mutex<Looks>,
}

/// What the previous look saw.
#[derive(Default)]
struct Looks {
    /// Digest id -> version, at the last look.
    versions: HashMap<String, u64>,
    /// (target, digest, version) already reported as impossible to correct.
    told: HashSet<(Target, String, u64)>,
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
                let targets = self.bot.store.correction_targets(&id, &version_of(digest))?;
                let (editable, fixed): (Vec<Target>, Vec<Target>) =
                    targets.into_iter().partition(|t| self.deliverer.can_edit(t.platform));
                for target in fixed {
                    if looks.told.insert((target.clone(), id.clone(), digest.version)) {
                        warn!(target = %untrusted(&target.to_string()), digest = %id, "the digest changed after it was posted, but this target's messages cannot be edited (a Slack incoming webhook); nothing is posted again");
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
            reports.push(self.deliverer.correct(&digest, &targets).await);
        }
        Ok(reports)
    }
}

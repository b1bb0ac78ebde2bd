//! The editors' channel: the bot tells the people who write the digest what they need to know.
//!
//! `editors.discord` and/or `editors.slack` name a channel. [`Editors`] posts there, in the
//! configured locale: a digest file that does not load (`path:line: message`, once per problem)
//! and, later, that it loads; a channel that could not be posted to (why, and what to do: the
//! permission to grant, the bot to invite), once per channel and problem, and its recovery; each
//! slot's summary (how many targets got the digest, which failed); a reminder `editors.remind_before`
//! a slot for which no new digest exists; and at the slot, that nothing new was posted.
//!
//! Nothing is posted straight away: each message is first written to the store's outbox (with the
//! problem it opens or closes, in the same transaction), then posted through the [`Deliverer`]
//! under its key like a digest's part, and marked done. A restart posts what the outbox still holds,
//! and never a message twice: keys are fixed per slot, and a problem is told again only when it
//! changes. A failure to post to the editors' channel itself is logged and retried at the next look.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tracing::warn;

use crate::bot::Bot;
use crate::deliver::{Deliverer, NOTICE_PREFIX, Report, TargetOutcome};
use crate::digest::Library;
use crate::fnv::fnv1a64;
use crate::i18n::{Locale, format_instant};
use crate::logging::untrusted;
use crate::render::Doc;
use crate::scheduler::SlotRun;
use crate::status;
use crate::store::{Notice, StoreError};
use crate::target::{Platform, Target};

/// Problems by kind: a digest file (by path), a target (by `platform:channel`).
const FILE: &str = "file";
const TARGET: &str = "target";

/// The editors' channel(s) and what the bot tells them.
pub struct Editors {
    bot: Bot,
    deliverer: Arc<Deliverer>,
    channels: Vec<Target>,
}

impl Editors {
    /// The editors' channels of the config that the deliverer can post to; `None` when there is none.
    pub fn new(bot: Bot, deliverer: Arc<Deliverer>) -> Option<Editors> {
        let config = &bot.config.editors;
        let channels: Vec<Target> = config
            .discord
            .map(|id| Target::new(Platform::Discord, id.to_string()))
            .into_iter()
            .chain(config.slack.clone().map(|id| Target::new(Platform::Slack, id)))
            .filter(|target| {
                let ok = deliverer.has_platform(target.platform);
                if !ok {
                    warn!(%target, "the editors' channel is on a platform without credentials; nothing is posted there");
                }
                ok
            })
            .collect();
        (!channels.is_empty()).then_some(Editors { bot, deliverer, channels })
    }

    /// The editors' channels.
    pub fn channels(&self) -> &[Target] {
        &self.channels
    }

    fn locale(&self) -> Locale {
        self.bot.config.locale
    }

    fn at(&self, instant: DateTime<Utc>) -> String {
        format_instant(&instant.with_timezone(&self.bot.config.schedule.slot.tz))
    }

    /// After each look at the digests folder: a file that does not load is told once per problem,
    /// and told again when it loads.
    pub async fn library_changed(&self, library: &Library) -> Result<(), StoreError> {
        let store = &self.bot.store;
        let now = self.bot.now();
        let locale = self.locale();
        for error in library.errors() {
            let text = error.to_string();
            let signature = format!("{:016x}", fnv1a64(text.as_bytes()));
            let (title, body) = locale.notice_file_broken(&text);
            let notice =
                self.notice("file", &[&error.path, &signature, &now.timestamp_millis().to_string()], title, body);
            store.raise_problem(FILE, &error.path, &signature, &notice, now)?;
        }
        let broken: Vec<&str> = library.errors().iter().map(|e| e.path.as_str()).collect();
        for (path, _) in store.open_problems(FILE)? {
            if broken.contains(&path.as_str()) {
                continue;
            }
            // Fixed, or gone: a digest that loads from it now is worth telling.
            let notice = library.all().iter().find(|d| d.path == path).map(|digest| {
                let (title, body) = locale.notice_file_fixed(&path, &digest.id(), &digest.title);
                self.notice("fixed", &[&path, &now.timestamp_millis().to_string()], title, body)
            });
            store.resolve_problem(FILE, &path, notice.as_ref(), now)?;
        }
        self.flush().await
    }

    /// After a delivery or a correction: a target that failed is told once per problem (why, and
    /// what to do), a thread that could not be started too, and a target that had a problem and now
    /// has the digest is told as recovered.
    pub async fn deliveries(&self, report: &Report) -> Result<(), StoreError> {
        let store = &self.bot.store;
        let now = self.bot.now();
        let locale = self.locale();
        for (target, outcome) in &report.outcomes {
            let subject = target.to_string();
            let problem = match outcome {
                TargetOutcome::Gone(why) => Some(("gone", why.clone(), locale.advice_gone(target.platform, why))),
                TargetOutcome::Unauthorized(why) => Some(("token", why.clone(), locale.advice_token(target.platform))),
                TargetOutcome::Failed(why) => Some(("failed", why.clone(), locale.advice_failed())),
                _ => None,
            };
            let problem = match problem {
                Some(problem) => Some(problem),
                None => store
                    .thread_problem(target)?
                    .filter(|(digest, _)| *digest == report.digest)
                    .map(|(_, why)| ("threads", why, locale.advice_threads())),
            };
            match problem {
                Some((kind, why, advice)) => {
                    let (title, body) = locale.notice_target_failed(&subject, &why, &advice);
                    let stamp = now.timestamp_millis().to_string();
                    let notice = self.notice("target", &[&subject, kind, &stamp], title, body);
                    store.raise_problem(TARGET, &subject, kind, &notice, now)?;
                }
                None if matches!(outcome, TargetOutcome::Delivered { .. } | TargetOutcome::Corrected { .. })
                    || (matches!(outcome, TargetOutcome::AlreadyDelivered)
                        && store.delivered(target, &report.digest)?) =>
                {
                    let (title, body) = locale.notice_target_recovered(&subject, &report.digest);
                    let notice =
                        self.notice("recovered", &[&subject, &now.timestamp_millis().to_string()], title, body);
                    store.resolve_problem(TARGET, &subject, Some(&notice), now)?;
                }
                None => {}
            }
        }
        self.flush().await
    }

    /// After a slot ran: its summary when it posted a new digest, else that nothing new was posted.
    pub async fn slot_ran(&self, slot: DateTime<Utc>, run: &SlotRun) -> Result<(), StoreError> {
        if let SlotRun::Delivered { report, .. } = run {
            self.deliveries(report).await?;
        }
        let locale = self.locale();
        let when = self.at(slot);
        let notice = match self.new_digest(slot) {
            Some((id, title)) => {
                let report = match status::report_slot(&self.bot, slot) {
                    Ok(report) => report,
                    Err(status::StatusError::Store(e)) => return Err(e),
                    Err(e) => {
                        warn!(error = %e, "no slot summary");
                        return self.flush().await;
                    }
                };
                let got = report.targets.len() - report.missing();
                let failed: Vec<(String, String)> = report
                    .targets
                    .iter()
                    .filter(|t| !t.complete)
                    .map(|t| {
                        let why = t.last_failure.as_ref().map(|f| f.message.clone()).unwrap_or_default();
                        (t.target.to_string(), why)
                    })
                    .collect();
                let (title_line, body) =
                    locale.notice_slot_summary(&when, &id, &title, got, report.targets.len(), &failed);
                Notice { key: slot_key("slot", slot), title: title_line, body }
            }
            None => {
                let (title, body) = locale.notice_nothing_new(&when);
                Notice { key: slot_key("nothing-new", slot), title, body }
            }
        };
        self.bot.store.queue_notice(&notice, self.bot.now())?;
        self.flush().await
    }

    /// At each wake of the scheduler: the reminder, when the next slot is within
    /// `editors.remind_before` and has no new digest; and whatever the outbox still holds.
    pub async fn tick(&self) -> Result<(), StoreError> {
        let now = self.bot.now();
        let schedule = &self.bot.config.schedule.slot;
        let slot = schedule.next_after(now);
        let remind_at = self.remind_at(slot);
        if now >= remind_at && self.new_digest(slot).is_none() {
            let (title, body) = self.locale().notice_reminder(&self.at(slot), &schedule.local_date(slot).to_string());
            self.bot.store.queue_notice(&Notice { key: slot_key("reminder", slot), title, body }, now)?;
        }
        self.flush().await
    }

    /// When [`Editors::tick`] next has something to do: the next reminder time.
    pub fn next_wake(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let schedule = &self.bot.config.schedule.slot;
        let slot = schedule.next_after(now);
        let remind_at = self.remind_at(slot);
        if remind_at > now { remind_at } else { self.remind_at(schedule.next_after(slot)) }
    }

    fn remind_at(&self, slot: DateTime<Utc>) -> DateTime<Utc> {
        slot - chrono::Duration::from_std(self.bot.config.editors.remind_before).unwrap_or_default()
    }

    /// The digest `slot` posts if it is new (dated after the slot before), as (id, title).
    fn new_digest(&self, slot: DateTime<Utc>) -> Option<(String, String)> {
        let schedule = &self.bot.config.schedule.slot;
        let previous = schedule.latest_at_or_before(slot - chrono::Duration::seconds(1));
        let library = self.bot.library.current();
        library
            .latest(schedule.local_date(slot))
            .filter(|digest| digest.date > schedule.local_date(previous))
            .map(|digest| (digest.id(), digest.title.clone()))
    }

    fn notice(&self, kind: &str, parts: &[&str], title: String, body: String) -> Notice {
        let key = format!("{NOTICE_PREFIX}{kind}:{:016x}", fnv1a64(parts.join("\u{1f}").as_bytes()));
        Notice { key, title, body }
    }

    /// Posts every notice still in the outbox to every editors' channel, oldest first; one that an
    /// editors' channel refused stays for the next look.
    pub async fn flush(&self) -> Result<(), StoreError> {
        for notice in self.bot.store.pending_notices()? {
            let doc = Doc::text(self.locale(), format!("**{}**\n\n{}", notice.title, notice.body));
            let report = self.deliverer.notify(&notice.key, &notice.title, &doc, &self.channels).await;
            if let Some(lost) = report.state_lost() {
                return Err(lost.clone().into());
            }
            let done = report.outcomes.iter().all(|(_, outcome)| {
                matches!(outcome, TargetOutcome::Delivered { .. } | TargetOutcome::AlreadyDelivered)
            });
            if !done {
                for (target, outcome) in &report.outcomes {
                    warn!(target = %untrusted(&target.to_string()), outcome = %untrusted(&format!("{outcome:?}")), "could not post to the editors' channel; trying again at the next look");
                }
                // Later notices wait: the editors read them in order.
                return Ok(());
            }
            self.bot.store.notice_done(&notice.key, self.bot.now())?;
        }
        Ok(())
    }
}

fn slot_key(kind: &str, slot: DateTime<Utc>) -> String {
    format!("{NOTICE_PREFIX}{kind}:{}", slot.format("%Y-%m-%dT%H:%MZ"))
}

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
use tracing::{info, warn};

use crate::bot::Bot;
use crate::command::approval::decision_id;
use crate::config::ApprovalMode;
use crate::deliver::version_of;
use crate::deliver::{Deliverer, NOTICE_PREFIX, Report, TargetOutcome};
use crate::digest::Library;
use crate::fnv::fnv1a64;
use crate::i18n::{Locale, format_instant};
use crate::logging::untrusted;
use crate::render::{self, Action, ActionStyle, Doc};
use crate::scheduler::SlotRun;
use crate::status;
use crate::store::{Notice, StoreError};
use crate::target::{Platform, Target};

/// Problems by kind: a digest file (by path), a target (by `platform:channel`).
const FILE: &str = "file";
/// More new broken files than this in one look are told in one message, naming [`FILES_NAMED`].
const FILES_ONE_BY_ONE: usize = 5;
const FILES_NAMED: usize = 10;
/// A notice not posted within this many days is dropped.
const NOTICE_DAYS: i64 = 7;
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
        // Read once: a problem raised below is of a file still broken, which the end skips anyway.
        let open = store.open_problems(FILE)?;
        let signatures: std::collections::HashMap<&str, &str> =
            open.iter().map(|(path, signature)| (path.as_str(), signature.as_str())).collect();
        let fresh: Vec<(&crate::digest::ParseError, String, String)> = library
            .errors()
            .iter()
            .map(|error| {
                let text = error.to_string();
                let signature = format!("{:016x}", fnv1a64(text.as_bytes()));
                (error, text, signature)
            })
            .filter(|(error, _, signature)| signatures.get(error.path.as_str()) != Some(&signature.as_str()))
            .collect();
        if fresh.len() > FILES_ONE_BY_ONE {
            // A flood (a folder of drafts, a bad merge): one message names the first few.
            let texts: Vec<&str> = fresh.iter().map(|(_, text, _)| text.as_str()).collect();
            let (title, body) = locale.notice_files_broken(&texts, FILES_NAMED);
            let stamp = now.timestamp_millis().to_string();
            let notice = self.notice("files", &[&texts.join("\n"), &stamp], title, body);
            let problems: Vec<(&str, &str)> =
                fresh.iter().map(|(error, _, signature)| (error.path.as_str(), signature.as_str())).collect();
            store.raise_problems(FILE, &problems, &notice, now)?;
        } else {
            for (error, text, signature) in &fresh {
                let (title, body) = locale.notice_file_broken(text);
                let notice =
                    self.notice("file", &[&error.path, signature, &now.timestamp_millis().to_string()], title, body);
                store.raise_problem(FILE, &error.path, signature, &notice, now)?;
            }
        }
        let broken: std::collections::HashSet<&str> = library.errors().iter().map(|e| e.path.as_str()).collect();
        for (path, _) in &open {
            if broken.contains(path.as_str()) {
                continue;
            }
            // Fixed, or gone: a digest that loads from it now is worth telling.
            let notice = library.all().iter().find(|d| d.path == *path).map(|digest| {
                let (title, body) = locale.notice_file_fixed(path, &digest.id(), &digest.title);
                self.notice("fixed", &[path, &now.timestamp_millis().to_string()], title, body)
            });
            store.resolve_problem(FILE, path, notice.as_ref(), now)?;
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
        if let SlotRun::Held { digest, .. } = run {
            let version = self.version_of(digest).unwrap_or_default();
            let catch_up = chrono::Duration::from_std(self.bot.config.schedule.catch_up).unwrap_or_default();
            let (title, body) = locale.notice_held(&when, digest, &self.at(slot + catch_up));
            let key = format!("{NOTICE_PREFIX}held:{}:{version}", slot.format("%Y-%m-%dT%H:%MZ"));
            self.bot.store.queue_notice(&Notice { key, title, body, preview: None }, self.bot.now())?;
            return self.flush().await;
        }
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
                // A channel found gone or forbidden at this slot is paused: it missed the digest too.
                let all = report.targets.len() + report.paused.len();
                let got = all - report.missing() - report.paused_missing();
                let failed: Vec<(String, String)> = report
                    .targets
                    .iter()
                    .chain(&report.paused)
                    .filter(|t| !t.complete)
                    .map(|t| {
                        let why = t.last_failure.as_ref().map(|f| f.message.clone()).unwrap_or_default();
                        (t.target.to_string(), why)
                    })
                    .collect();
                let (title_line, body) = locale.notice_slot_summary(&when, &id, &title, got, all, &failed);
                Notice { key: slot_key("slot", slot), title: title_line, body, preview: None }
            }
            None => {
                let (title, body) = locale.notice_nothing_new(&when);
                Notice { key: slot_key("nothing-new", slot), title, body, preview: None }
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
            self.bot
                .store
                .queue_notice(&Notice { key: slot_key("reminder", slot), title, body, preview: None }, now)?;
        }
        if self.bot.config.approval.mode == ApprovalMode::Required {
            self.request_approvals(now)?;
            self.held_too_long(now)?;
        }
        self.flush().await
    }

    /// A slot held for approval past `schedule.catch_up` will not go out: say so once.
    fn held_too_long(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let config = &self.bot.config;
        let latest = config.schedule.slot.latest_at_or_before(now);
        let catch_up = chrono::Duration::from_std(config.schedule.catch_up).unwrap_or_default();
        if now <= latest + catch_up {
            return Ok(());
        }
        let Some(record) = self.bot.store.slot(latest)? else { return Ok(()) };
        let Some(id) = record.digest.filter(|_| record.finished_at.is_none()) else { return Ok(()) };
        let Some(version) = self.version_of(&id) else { return Ok(()) };
        if self.bot.store.decision(&id, &version)?.is_some_and(|d| d.approved) {
            return Ok(());
        }
        let (title, body) = self.locale().notice_held_too_long(&self.at(latest), &id);
        self.bot.store.queue_notice(&Notice { key: slot_key("expired", latest), title, body, preview: None }, now)?;
        Ok(())
    }

    /// The approval requests due: for the next slot from `approval.ahead` before it, and for the
    /// latest slot while it can still go out; one per version of the digest, so a file changed
    /// after a request (or after its approval) gets a new one.
    fn request_approvals(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let config = &self.bot.config;
        let schedule = &config.schedule.slot;
        let ahead = chrono::Duration::from_std(config.approval.ahead).unwrap_or_default();
        let catch_up = chrono::Duration::from_std(config.schedule.catch_up).unwrap_or_default();
        let next = schedule.next_after(now);
        let latest = schedule.latest_at_or_before(now);
        let mut slots = Vec::new();
        if now >= next - ahead {
            slots.push(next);
        }
        if now <= latest + catch_up && self.bot.store.slot(latest)?.is_none_or(|record| record.finished_at.is_none()) {
            slots.push(latest);
        }
        for slot in slots {
            let Some((id, title)) = self.new_digest(slot) else { continue };
            let Some(version) = self.version_of(&id) else { continue };
            if self.bot.store.decision(&id, &version)?.is_some_and(|d| d.approved) {
                continue;
            }
            let (heading, body) = self.locale().notice_approval(&self.at(slot), &id, &title);
            let key = format!("{NOTICE_PREFIX}approval:{}:{version}", slot.format("%Y-%m-%dT%H:%MZ"));
            let notice = Notice { key, title: heading, body, preview: Some((id, version)) };
            self.bot.store.queue_notice(&notice, now)?;
        }
        Ok(())
    }

    /// The version of the digest `id` in the library now.
    fn version_of(&self, id: &str) -> Option<String> {
        self.bot.library.current().all().iter().find(|d| d.id() == id).map(version_of)
    }

    /// When [`Editors::tick`] next has something to do: the next reminder time.
    pub fn next_wake(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let config = &self.bot.config;
        let schedule = &config.schedule.slot;
        let slot = schedule.next_after(now);
        let mut before = vec![config.editors.remind_before];
        if config.approval.mode == ApprovalMode::Required {
            before.push(config.approval.ahead);
        }
        let later = schedule.next_after(slot);
        // A held slot is told over once its catch-up window has passed.
        let catch_up = chrono::Duration::from_std(config.schedule.catch_up).unwrap_or_default();
        let over = (config.approval.mode == ApprovalMode::Required)
            .then(|| schedule.latest_at_or_before(now) + catch_up + chrono::Duration::seconds(1));
        before
            .into_iter()
            .flat_map(|ahead| {
                let ahead = chrono::Duration::from_std(ahead).unwrap_or_default();
                [slot - ahead, later - ahead]
            })
            .chain(over)
            .filter(|at| *at > now)
            .min()
            .unwrap_or(later)
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
        Notice { key, title, body, preview: None }
    }

    /// Posts every notice still in the outbox to every editors' channel, oldest first. A channel
    /// that refuses one gets no later one at this look (its editors read them in order), and the
    /// notice stays for the next look; the other channel still gets them all: a Slack editors'
    /// channel the bot was removed from does not keep approval requests from the Discord one.
    pub async fn flush(&self) -> Result<(), StoreError> {
        // What an editors' channel could not take for a week is stale news: dropped, not flooded
        // in when the channel comes back.
        let now = self.bot.now();
        let expired = self.bot.store.expire_notices(now - chrono::Duration::days(NOTICE_DAYS), now)?;
        if expired > 0 {
            warn!(expired, days = NOTICE_DAYS, "notices the editors' channel could not take for a week are dropped");
        }
        let mut blocked: Vec<Target> = Vec::new();
        for notice in self.bot.store.pending_notices()? {
            let open: Vec<Target> = self.channels.iter().filter(|c| !blocked.contains(c)).cloned().collect();
            if open.is_empty() {
                return Ok(());
            }
            let lead = Doc::text(self.locale(), format!("**{}**\n\n{}", notice.title, notice.body));
            let doc = match &notice.preview {
                None => lead,
                Some((id, version)) => {
                    let library = self.bot.library.current();
                    let Some(digest) = library.all().iter().find(|d| d.id() == *id && version_of(d) == *version) else {
                        // The file changed since: the request for its new version replaces this one.
                        info!(digest = %untrusted(id), "an approval request for an older version of the digest is dropped");
                        self.bot.store.notice_done(&notice.key, self.bot.now())?;
                        continue;
                    };
                    let mut doc = render::digest_doc(digest, self.locale());
                    doc.lead = lead.lead;
                    doc.actions = approval_actions(self.locale(), id, version);
                    doc
                }
            };
            // A channel that has it already answers from the ledger, without a request.
            let report = self.deliverer.notify(&notice.key, &notice.title, &doc, &open).await;
            if let Some(lost) = report.state_lost() {
                return Err(lost.clone().into());
            }
            for (target, outcome) in &report.outcomes {
                if !matches!(outcome, TargetOutcome::Delivered { .. } | TargetOutcome::AlreadyDelivered) {
                    warn!(target = %untrusted(&target.to_string()), outcome = %untrusted(&format!("{outcome:?}")), "could not post to the editors' channel; trying again at the next look");
                    blocked.push(target.clone());
                }
            }
            if blocked.is_empty() {
                self.bot.store.notice_done(&notice.key, self.bot.now())?;
            }
        }
        Ok(())
    }
}

/// An approval request's Approve and Hold buttons, naming the digest and the version they show.
fn approval_actions(locale: Locale, id: &str, version: &str) -> Vec<Action> {
    let value = format!("{id}:{version}");
    vec![
        Action {
            label: locale.approve_label().to_string(),
            id: decision_id(true, id, version),
            value: value.clone(),
            style: ActionStyle::Confirm,
        },
        Action {
            label: locale.hold_label().to_string(),
            id: decision_id(false, id, version),
            value,
            style: ActionStyle::Danger,
        },
    ]
}

fn slot_key(kind: &str, slot: DateTime<Utc>) -> String {
    format!("{NOTICE_PREFIX}{kind}:{}", slot.format("%Y-%m-%dT%H:%MZ"))
}

//! `digestbot status`: did every target get the slot's digest? Read from the state, while `serve` runs.
//!
//! [`report`] gathers, for one slot (the latest, or the one on a given date), the digest it posts
//! and, per target of that slot (config channels and webhooks, and the channels subscribed by then),
//! how many of the digest's parts the ledger has as sent out of how many, when the last one went,
//! the last failure and any thread that could not be started; then the next slot and whether its
//! digest exists. [`StatusReport::text`] writes it for people and [`StatusReport::json`] for scripts;
//! [`StatusReport::missing`] counts the targets without the whole digest, which makes the exit code 1.
//! Subscriptions paused during or after the slot (their channel gone or forbidden) are listed apart
//! ([`StatusReport::paused`]): the slot no longer delivers to them, and `/healthz` counts them missing.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::bot::Bot;
use crate::config::ApprovalMode;
use crate::deliver::version_of;
use crate::i18n::format_instant;
use crate::logging::terminal_safe;
use crate::store::{Decision, Failure, StoreError};
use crate::target::Target;

/// One slot's deliveries, and the next slot.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusReport {
    pub slot: DateTime<Utc>,
    /// Whether the slot's run is recorded as finished (the scheduler retries no target of it).
    pub finished: bool,
    /// The digest the slot posts: (id, title); `None` when none was published by its day.
    pub digest: Option<(String, String)>,
    pub targets: Vec<TargetStatus>,
    /// Subscriptions made before the slot and paused at or after it (see [`crate::store::Subscription`]):
    /// how far the digest got there before the channel was found gone or forbidden.
    pub paused: Vec<TargetStatus>,
    pub next_slot: DateTime<Utc>,
    /// The digest the next slot will post, if a newer one than this slot's exists: (id, title).
    pub next_digest: Option<(String, String)>,
    /// Whether approval is required, and the decision on the next digest's current version.
    pub approval_required: bool,
    pub next_decision: Option<Decision>,
    /// The zone slots are shown in.
    pub tz: Tz,
}

/// How far the slot's digest got at one target.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetStatus {
    pub target: Target,
    pub sent: usize,
    /// The digest's parts at this target; `None` when it was never tried there.
    pub parts: Option<usize>,
    pub last_sent_at: Option<DateTime<Utc>>,
    pub last_failure: Option<Failure>,
    /// Why a thread of this digest could not be started (a permission the bot lacks).
    pub thread_problem: Option<String>,
    /// Every part sent, and every thread started or refused.
    pub complete: bool,
}

/// Why a status cannot be given.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// `--slot` named a day without a slot: say which days have one.
    #[error("{date} has no slot: digests go out {schedule}")]
    NotASlot { date: NaiveDate, schedule: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The status of the slot on `date` (its local day), or of the latest slot at or before now.
pub fn report(bot: &Bot, date: Option<NaiveDate>) -> Result<StatusReport, StatusError> {
    let schedule = &bot.config.schedule.slot;
    let now = bot.now();
    let slot = match date {
        None => schedule.latest_at_or_before(now),
        Some(date) => {
            let end_of_day = date.succ_opt().unwrap_or(date).and_hms_opt(0, 0, 0).expect("midnight exists");
            let end = end_of_day.and_local_timezone(schedule.tz).earliest().map(|t| t.with_timezone(&Utc));
            let slot = end.map(|end| schedule.latest_at_or_before(end - chrono::Duration::seconds(1)));
            match slot.filter(|slot| schedule.local_date(*slot) == date) {
                Some(slot) => slot,
                None => return Err(StatusError::NotASlot { date, schedule: schedule.to_string() }),
            }
        }
    };
    report_slot(bot, slot)
}

/// The status of one slot.
pub fn report_slot(bot: &Bot, slot: DateTime<Utc>) -> Result<StatusReport, StatusError> {
    let schedule = &bot.config.schedule.slot;
    let now = bot.now();
    let library = bot.library.current();
    let store = &bot.store;
    // What the slot posted, as recorded when it ran; else what it would post.
    let record = store.slot(slot)?;
    let finished = record.as_ref().is_some_and(|record| record.finished_at.is_some());
    let recorded = record.and_then(|record| record.digest);
    let digest = match recorded {
        Some(id) => {
            let title = library.all().iter().find(|d| d.id() == id).map(|d| d.title.clone()).unwrap_or_default();
            Some((id, title))
        }
        None => library.latest(schedule.local_date(slot)).map(|d| (d.id(), d.title.clone())),
    };
    let status_of = |target: Target| -> Result<TargetStatus, StoreError> {
        let (progress, thread_problem) = match &digest {
            Some((id, _)) => {
                let problem = store.thread_problem(&target)?.filter(|(d, _)| d == id).map(|(_, why)| why);
                (Some(store.progress(&target, id)?), problem)
            }
            None => (None, None),
        };
        let complete = match &digest {
            Some((id, _)) => store.delivered(&target, id)?,
            None => true,
        };
        Ok(TargetStatus {
            sent: progress.as_ref().map_or(0, |p| p.sent),
            parts: progress.as_ref().and_then(|p| p.parts),
            last_sent_at: progress.and_then(|p| p.last_sent_at),
            last_failure: store.last_failure(&target)?,
            thread_problem,
            complete,
            target,
        })
    };
    let targets = bot.targets(slot)?.into_iter().map(status_of).collect::<Result<Vec<_>, _>>()?;
    let paused = store
        .subscriptions()?
        .into_iter()
        .filter(|s| s.subscribed_at <= slot && s.failed_at.is_some_and(|at| at >= slot))
        .filter(|s| !targets.iter().any(|t| t.target == s.target))
        .map(|s| status_of(s.target))
        .collect::<Result<Vec<_>, _>>()?;
    let next_slot = schedule.next_after(now.max(slot));
    let next = library
        .latest(schedule.local_date(next_slot))
        .filter(|next| digest.as_ref().is_none_or(|(id, _)| *id != next.id()));
    let next_decision = match next {
        Some(next) => store.decision(&next.id(), &version_of(next))?,
        None => None,
    };
    let next_digest = next.map(|d| (d.id(), d.title.clone()));
    let approval_required = bot.config.approval.mode == ApprovalMode::Required;
    Ok(StatusReport {
        slot,
        finished,
        digest,
        targets,
        paused,
        next_slot,
        next_digest,
        approval_required,
        next_decision,
        tz: schedule.tz,
    })
}

impl StatusReport {
    /// Targets that do not have the whole of the slot's digest.
    pub fn missing(&self) -> usize {
        self.targets.iter().filter(|t| !t.complete).count()
    }

    /// Paused subscriptions that do not have the whole of the slot's digest.
    pub fn paused_missing(&self) -> usize {
        self.paused.iter().filter(|t| !t.complete).count()
    }

    fn at(&self, instant: &DateTime<Utc>) -> String {
        format_instant(&instant.with_timezone(&self.tz))
    }

    /// For people: one line for the slot, one per target, one for the next slot.
    pub fn text(&self) -> String {
        let mut out = match &self.digest {
            Some((id, title)) => format!("slot {}: digest {id} \"{}\"\n", self.at(&self.slot), terminal_safe(title)),
            None => format!("slot {}: no digest was published for it; nothing to post\n", self.at(&self.slot)),
        };
        if self.targets.is_empty() {
            out.push_str("  no targets: subscribe a channel, or list channels or webhooks in the config\n");
        }
        let all = self.targets.iter().map(|t| (t, false)).chain(self.paused.iter().map(|t| (t, true)));
        let width = all.clone().map(|(t, _)| t.target.to_string().chars().count()).max().unwrap_or(0);
        for (status, paused) in all {
            let name = terminal_safe(&status.target.to_string()).into_owned();
            let mut line = match (&self.digest, status.parts) {
                (None, _) => "nothing to post".to_string(),
                (Some(_), None) if paused => "paused: not tried".to_string(),
                (Some(_), None) => "missing: not tried yet".to_string(),
                (Some(_), Some(parts)) => {
                    let state = match (status.complete, paused) {
                        (true, _) => "ok",
                        (false, true) => "paused",
                        (false, false) => "missing",
                    };
                    let last = status.last_sent_at.map(|at| format!(", last {}", self.at(&at))).unwrap_or_default();
                    format!("{state}: {}/{parts} parts{last}", status.sent)
                }
            };
            if let Some(failure) = &status.last_failure {
                line.push_str(&format!("; last failure {}: {}", self.at(&failure.at), terminal_safe(&failure.message)));
            }
            if let Some(problem) = &status.thread_problem {
                line.push_str(&format!("; threads not started: {}", terminal_safe(problem)));
            }
            out.push_str(&format!("  {name:<width$}  {line}\n"));
        }
        match &self.next_digest {
            Some((id, title)) => out.push_str(&format!(
                "next slot {}: digest {id} \"{}\" is ready ({})\n",
                self.at(&self.next_slot),
                terminal_safe(title),
                self.approval_text()
            )),
            None => out.push_str(&format!("next slot {}: no new digest yet\n", self.at(&self.next_slot))),
        }
        out
    }

    fn approval_text(&self) -> String {
        match (&self.next_decision, self.approval_required) {
            (_, false) => "approval not required".into(),
            (None, true) => "not approved yet".into(),
            (Some(d), true) => {
                let verb = if d.approved { "approved" } else { "held" };
                format!("{verb} by {} at {}", terminal_safe(&d.editor), self.at(&d.at))
            }
        }
    }

    /// For scripts: the same facts, times in RFC 3339 UTC.
    pub fn json(&self) -> Value {
        let digest = |d: &Option<(String, String)>| match d {
            Some((id, title)) => json!({"id": id, "title": title}),
            None => Value::Null,
        };
        let target = |t: &TargetStatus| {
            json!({
                "platform": t.target.platform.as_str(),
                "channel": t.target.channel,
                "sent": t.sent,
                "parts": t.parts,
                "complete": t.complete,
                "last_sent_at": t.last_sent_at.map(|at| at.to_rfc3339()),
                "last_failure": t.last_failure.as_ref().map(|f| json!({"message": f.message, "at": f.at.to_rfc3339(), "digest": f.digest})),
                "thread_problem": t.thread_problem,
            })
        };
        json!({
            "slot": self.slot.to_rfc3339(),
            "digest": digest(&self.digest),
            "targets": self.targets.iter().map(target).collect::<Vec<_>>(),
            "paused": self.paused.iter().map(target).collect::<Vec<_>>(),
            "missing": self.missing(),
            "next": {
                "slot": self.next_slot.to_rfc3339(),
                "digest": digest(&self.next_digest),
                "approval": {
                    "required": self.approval_required,
                    "decision": self.next_decision.as_ref().map(|d| json!({
                        "approved": d.approved, "by": d.editor, "at": d.at.to_rfc3339(), "version": d.version,
                    })),
                },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::bot::tests::{Fixture, fixture_files};
    use crate::store::Plan;
    use crate::target::{Platform, Posted};

    /// The seed (2026-02-09) and a future digest (2026-02-16); channels 777 and 778 in the config;
    /// Tuesday 2026-02-10 12:00 KST.
    fn fixture(name: &str) -> Fixture {
        let next = ("2026-02-16.md", "---\ntitle: Next week\ndate: 2026-02-16\n---\nx\n");
        fixture_files(&format!("status-{name}"), &[next], |config| config.discord.channels = vec![777, 778])
    }

    fn channel(id: &str) -> Target {
        Target::new(Platform::Discord, id)
    }

    fn send(bot: &Bot, target: &Target, part: usize, parts: usize, minute: u32) {
        let at = Utc.with_ymd_and_hms(2026, 2, 9, 0, minute, 0).unwrap();
        bot.store.mark_pending(target, "2026-02-09", part, parts, Plan::default(), at).unwrap();
        bot.store.mark_sent(target, "2026-02-09", part, parts, &Posted::id(Some("1")), None, at).unwrap();
    }

    #[test]
    fn the_latest_slot_lists_every_target_with_its_parts_and_the_missing_ones() {
        let f = fixture("latest");
        send(&f.bot, &channel("777"), 0, 2, 0);
        send(&f.bot, &channel("777"), 1, 2, 1);
        send(&f.bot, &channel("778"), 0, 2, 0);
        let at = Utc.with_ymd_and_hms(2026, 2, 9, 0, 2, 0).unwrap();
        f.bot.store.record_failure(&channel("778"), Some("2026-02-09"), "HTTP 503\u{1b}[31m", false, at).unwrap();

        let report = report(&f.bot, None).unwrap();
        assert_eq!(report.slot, Utc.with_ymd_and_hms(2026, 2, 9, 0, 0, 0).unwrap());
        assert_eq!(report.digest.as_ref().unwrap().0, "2026-02-09");
        assert_eq!(report.missing(), 1);
        assert!(report.targets[0].complete && !report.targets[1].complete);
        assert_eq!((report.targets[1].sent, report.targets[1].parts), (1, Some(2)));
        assert_eq!(report.next_digest.as_ref().unwrap().0, "2026-02-16");

        let text = report.text();
        assert!(text.starts_with("slot 2026-02-09 09:00 KST: digest 2026-02-09 \""), "{text}");
        assert!(text.contains("discord:777  ok: 2/2 parts, last 2026-02-09 09:01 KST"), "{text}");
        assert!(text.contains("discord:778  missing: 1/2 parts, last 2026-02-09 09:00 KST; last failure"), "{text}");
        assert!(!text.contains('\u{1b}'), "outside text is printed terminal-safe: {text}");
        assert!(text.contains("next slot 2026-02-16 09:00 KST: digest 2026-02-16 \"Next week\" is ready"), "{text}");

        let json = report.json();
        assert_eq!(json["missing"], 1);
        assert_eq!(json["targets"][1]["channel"], "778");
        assert_eq!(json["targets"][1]["sent"], 1);
        assert_eq!(json["targets"][1]["last_failure"]["message"], "HTTP 503\u{1b}[31m");
        assert_eq!(json["next"]["digest"]["id"], "2026-02-16");
    }

    #[test]
    fn a_subscription_paused_by_the_slot_is_listed_apart_as_missing() {
        let f = fixture("paused");
        let before = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
        let gone = channel("900");
        let long_gone = channel("901");
        f.bot.store.subscribe(&gone, before).unwrap();
        f.bot.store.subscribe(&long_gone, before).unwrap();
        // Paused the week before: not a target of this slot at all.
        f.bot.store.record_failure(&long_gone, Some("2026-02-02"), "Unknown Channel", true, before).unwrap();
        send(&f.bot, &gone, 0, 2, 0);
        let at = Utc.with_ymd_and_hms(2026, 2, 9, 0, 1, 0).unwrap();
        f.bot.store.record_failure(&gone, Some("2026-02-09"), "Missing Access", true, at).unwrap();

        let report = report(&f.bot, None).unwrap();
        assert!(report.targets.iter().all(|t| t.target != gone && t.target != long_gone));
        assert_eq!(report.paused.iter().map(|t| &t.target).collect::<Vec<_>>(), [&gone]);
        assert_eq!((report.paused[0].sent, report.paused[0].parts), (1, Some(2)));
        assert_eq!(report.paused_missing(), 1);
        assert_eq!(report.missing(), 2, "the config's channels 777 and 778 got nothing");
        let text = report.text();
        assert!(text.contains("discord:900  paused: 1/2 parts, last 2026-02-09 09:00 KST; last failure"), "{text}");
        assert_eq!(report.json()["paused"][0]["channel"], "900");
    }

    #[test]
    fn a_slot_by_date_and_a_day_without_one() {
        let f = fixture("by-date");
        let date = NaiveDate::from_ymd_opt(2026, 2, 2).unwrap();
        let report = report(&f.bot, Some(date)).unwrap();
        assert_eq!(report.slot, Utc.with_ymd_and_hms(2026, 2, 2, 0, 0, 0).unwrap());
        // Nothing is dated by then: nothing to post, nothing missing.
        assert!(report.digest.is_none());
        assert_eq!(report.missing(), 0);
        assert!(report.text().contains("no digest was published for it"), "{}", report.text());

        let err = super::report(&f.bot, NaiveDate::from_ymd_opt(2026, 2, 3)).unwrap_err();
        assert_eq!(err.to_string(), "2026-02-03 has no slot: digests go out Mon 09:00 Asia/Seoul");
    }

    #[test]
    fn a_thread_that_could_not_be_started_is_shown_and_the_target_is_complete() {
        let f = fixture("thread");
        let target = channel("777");
        let at = Utc.with_ymd_and_hms(2026, 2, 9, 0, 0, 0).unwrap();
        let plan = Plan { layout: Some("issue"), thread_name: Some("t") };
        f.bot.store.mark_pending(&target, "2026-02-09", 0, 1, plan, at).unwrap();
        f.bot.store.mark_sent(&target, "2026-02-09", 0, 1, &Posted::id(Some("1")), None, at).unwrap();
        let status = &report(&f.bot, None).unwrap().targets[0];
        assert!(!status.complete, "a thread still to start");
        f.bot.store.mark_thread(&target, "2026-02-09", 0, Err("grant Create Public Threads")).unwrap();
        let report = report(&f.bot, None).unwrap();
        assert!(report.targets[0].complete);
        assert!(report.text().contains("threads not started: grant Create Public Threads"), "{}", report.text());
    }
}

//! What both platforms share: running a `/digest` command for a caller in a channel, and knowing
//! which targets a weekly slot delivers to.
//!
//! The Discord handler and the Slack endpoint each turn a request into a [`Command`] and a [`Caller`]
//! (the channel, and whether the caller may change its subscription), call [`Bot::run`], and encode
//! the [`Reply`] for their platform. The store work of `subscribe`, `unsubscribe` and `status` happens
//! here; everything else is the pure `command` module.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use tracing::error;

use crate::clock::Clock;
use crate::command::{self, ChannelStatus, Command, Context, Denied, Reply, SubscribeOutcome, UnsubscribeOutcome};
use crate::config::Config;
use crate::files::LibraryHandle;
use crate::logging::untrusted;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};
use crate::target::{Platform, Target};

/// The shared state of a running bot.
#[derive(Clone)]
pub struct Bot {
    pub config: Arc<Config>,
    pub library: LibraryHandle,
    pub store: Arc<Store>,
    pub clock: Arc<dyn Clock>,
    /// Where commands, deliveries and slots are counted: the app's one registry.
    pub metrics: Metrics,
}

/// Who runs a command, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub target: Target,
    /// Whether the caller may subscribe or unsubscribe this channel, and if not, why.
    pub may_manage: Result<(), Denied>,
}

/// Autocomplete offers at most this many choices (Discord's limit).
pub const MAX_CHOICES: usize = 25;

impl Bot {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today in the configured zone: digests dated later are not yet published.
    pub fn today(&self) -> NaiveDate {
        self.config.schedule.slot.local_date(self.now())
    }

    /// The next weekly delivery, in the configured zone.
    pub fn next_delivery(&self) -> DateTime<Tz> {
        let slot = &self.config.schedule.slot;
        slot.next_after(self.now()).with_timezone(&slot.tz)
    }

    /// Runs a command and returns the reply. Never fails: a store error is logged and the caller gets
    /// a polite private apology.
    pub fn run(&self, command: &Command, caller: &Caller) -> Reply {
        let _timer = self.metrics.command(caller.target.platform, command.name());
        // A reply holds a copy of a digest: bound how many are built at once, so a burst of
        // `/digest latest` cannot add up to more memory than a few digests.
        let _permit = ReplyPermit::acquire();
        let locale = self.config.locale;
        let library = self.library.current();
        let schedule = self.config.schedule.slot.to_string();
        let ctx = Context {
            library: &library,
            today: self.today(),
            locale,
            next_delivery: self.next_delivery(),
            schedule: &schedule,
        };
        if let Some(reply) = command::answer(command, &ctx) {
            return reply;
        }
        let result = match command {
            Command::Subscribe | Command::Unsubscribe if caller.may_manage.is_err() => {
                Ok(command::denied(caller.may_manage.expect_err("checked above"), locale))
            }
            Command::Subscribe => self.store.subscribe(&caller.target, self.now()).map(|new| {
                let outcome = if new { SubscribeOutcome::Subscribed } else { SubscribeOutcome::AlreadySubscribed };
                command::subscribed(outcome, &ctx.next_delivery, locale)
            }),
            Command::Unsubscribe if self.is_pinned(&caller.target) => {
                Ok(command::unsubscribed(UnsubscribeOutcome::PinnedByConfig, locale))
            }
            Command::Unsubscribe => self.store.unsubscribe(&caller.target).map(|removed| {
                let outcome =
                    if removed { UnsubscribeOutcome::Unsubscribed } else { UnsubscribeOutcome::NotSubscribed };
                command::unsubscribed(outcome, locale)
            }),
            _ => self.channel_status(&caller.target).map(|status| command::status(&status, &ctx.next_delivery, locale)),
        };
        result.unwrap_or_else(|e| {
            let target = caller.target.to_string();
            error!(error = %untrusted(&format!("{e:#}")), command = command.name(), target = %untrusted(&target), "command failed");
            command::internal_error(locale)
        })
    }

    /// Whether the config file lists this channel as always subscribed.
    pub fn is_pinned(&self, target: &Target) -> bool {
        match target.platform {
            Platform::Discord => self.config.discord.channels.iter().any(|c| c.to_string() == target.channel),
            Platform::Slack => self.config.slack.channels.contains(&target.channel),
            Platform::DiscordWebhook | Platform::SlackWebhook => true,
        }
    }

    /// What `status` shows about a channel.
    pub fn channel_status(&self, target: &Target) -> Result<ChannelStatus, StoreError> {
        let subscription = self.store.subscription(target)?;
        let last_failure = self.store.last_failure(target)?;
        Ok(ChannelStatus {
            subscribed: self.is_pinned(target) || subscription.is_some(),
            last_delivery: self.store.last_delivery(target)?,
            last_failure: last_failure.map(|f| (f.message, f.at)),
            uncorrectable_webhooks: match target.platform {
                Platform::Slack | Platform::SlackWebhook => self.config.slack.webhooks.len(),
                Platform::Discord | Platform::DiscordWebhook => 0,
            },
        })
    }

    /// Every target a slot at `slot` delivers to: the config's channels and webhooks, and the
    /// subscriptions made before the slot that have not failed.
    pub fn targets(&self, slot: DateTime<Utc>) -> Result<Vec<Target>, StoreError> {
        let mut targets: Vec<Target> = Vec::new();
        targets.extend(self.config.discord.channels.iter().map(|c| Target::new(Platform::Discord, c.to_string())));
        targets.extend(self.config.discord.webhooks.iter().map(|w| Target::new(Platform::DiscordWebhook, w.label())));
        targets.extend(self.config.slack.channels.iter().map(|c| Target::new(Platform::Slack, c.clone())));
        targets.extend(self.config.slack.webhooks.iter().map(|w| Target::new(Platform::SlackWebhook, w.label())));
        for subscription in self.store.subscriptions()? {
            if subscription.subscribed_at <= slot && subscription.failed_at.is_none() {
                targets.push(subscription.target);
            }
        }
        let mut seen = std::collections::HashSet::new();
        targets.retain(|t| seen.insert(t.clone()));
        Ok(targets)
    }

    /// Autocomplete choices for a date: published issues, newest first, whose date or title contains
    /// what was typed. Each is (label, value), the label at most 100 characters.
    pub fn date_choices(&self, typed: &str) -> Vec<(String, String)> {
        let typed = typed.trim().to_lowercase();
        let library = self.library.current();
        library
            .published(self.today())
            .iter()
            .filter(|d| typed.is_empty() || d.id().contains(&typed) || d.title.to_lowercase().contains(&typed))
            .take(MAX_CHOICES)
            .map(|d| {
                let label: String = format!("{} — {}", d.id(), d.title).chars().take(100).collect();
                (label, d.id())
            })
            .collect()
    }
}

/// How many replies are built at once, across both platforms; others wait (on their blocking
/// thread, never on an async worker). Each costs at most about one digest's worth of memory.
pub const MAX_CONCURRENT_REPLIES: usize = 4;

/// One of the [`MAX_CONCURRENT_REPLIES`] places, released on drop.
struct ReplyPermit;

static REPLY_PLACES: (std::sync::Mutex<usize>, std::sync::Condvar) =
    (std::sync::Mutex::new(0), std::sync::Condvar::new());

impl ReplyPermit {
    fn acquire() -> ReplyPermit {
        let (taken, freed) = &REPLY_PLACES;
        let mut taken = taken.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while *taken >= MAX_CONCURRENT_REPLIES {
            taken = freed.wait(taken).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *taken += 1;
        ReplyPermit
    }
}

impl Drop for ReplyPermit {
    fn drop(&mut self) {
        let (taken, freed) = &REPLY_PLACES;
        *taken.lock().unwrap_or_else(std::sync::PoisonError::into_inner) -= 1;
        freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::command::Visibility;
    use crate::digest::text::plain_text;
    use chrono::TimeZone;

    struct Fixture {
        bot: Bot,
        dir: std::path::PathBuf,
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn fixture(name: &str) -> Fixture {
        let dir = std::env::temp_dir().join(format!("digestbot-bot-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("digests")).unwrap();
        std::fs::write(dir.join("digests/2026-02-09-weekly.md"), include_bytes!("../digests/2026-02-09-weekly.md"))
            .unwrap();
        std::fs::write(dir.join("digests/2026-02-02.md"), "---\ntitle: Older\ndate: 2026-02-02\n---\nx\n").unwrap();
        let mut config = Config::default();
        config.discord.channels = vec![777];
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 2, 10, 3, 0, 0).unwrap()));
        let bot = Bot {
            config: Arc::new(config),
            library: LibraryHandle::open(&dir.join("digests"), Default::default()).unwrap(),
            store: Arc::new(Store::open(&dir.join("state.db")).unwrap()),
            clock,
            metrics: Default::default(),
        };
        Fixture { bot, dir }
    }

    fn caller(channel: &str, allowed: bool) -> Caller {
        Caller {
            target: Target::new(Platform::Discord, channel),
            may_manage: if allowed { Ok(()) } else { Err(Denied::MissingPermission) },
        }
    }

    fn lead(reply: &Reply) -> String {
        plain_text(&reply.doc.lead)
    }

    #[test]
    fn subscribe_needs_permission_and_is_idempotent() {
        let f = fixture("subscribe");
        let refused = f.bot.run(&Command::Subscribe, &caller("1", false));
        assert!(lead(&refused).contains("채널 관리"));
        assert!(f.bot.store.subscription(&caller("1", true).target).unwrap().is_none());
        let first = f.bot.run(&Command::Subscribe, &caller("1", true));
        assert_eq!(first.visibility, Visibility::Ephemeral);
        assert_eq!(lead(&first), "이 채널을 구독했습니다. 다음 발송: 2026-02-16 09:00 KST\n");
        let again = f.bot.run(&Command::Subscribe, &caller("1", true));
        assert!(lead(&again).starts_with("이 채널은 이미 구독 중입니다."));
        assert!(!f.bot.store.subscribe(&caller("1", true).target, f.bot.now()).unwrap());
    }

    #[test]
    fn unsubscribe_and_pinned_channels() {
        let f = fixture("unsubscribe");
        f.bot.run(&Command::Subscribe, &caller("1", true));
        assert_eq!(lead(&f.bot.run(&Command::Unsubscribe, &caller("1", true))), "이 채널의 구독을 해지했습니다.\n");
        assert!(lead(&f.bot.run(&Command::Unsubscribe, &caller("777", true))).contains("설정 파일"));
        let status = f.bot.channel_status(&caller("777", true).target).unwrap();
        assert!(status.subscribed);
    }

    #[test]
    fn targets_are_config_plus_subscriptions_before_the_slot() {
        let f = fixture("targets");
        let slot = Utc.with_ymd_and_hms(2026, 2, 16, 0, 0, 0).unwrap();
        f.bot.run(&Command::Subscribe, &caller("1", true));
        f.bot.store.subscribe(&caller("late", true).target, slot + chrono::Duration::seconds(1)).unwrap();
        f.bot.store.subscribe(&caller("broken", true).target, f.bot.now()).unwrap();
        f.bot.store.record_failure(&caller("broken", true).target, None, "Unknown Channel", true, f.bot.now()).unwrap();
        let channels: Vec<String> = f.bot.targets(slot).unwrap().into_iter().map(|t| t.channel).collect();
        assert_eq!(channels, ["777", "1"]);
    }

    #[test]
    fn date_choices_newest_first_and_filtered() {
        let f = fixture("choices");
        let all = f.bot.date_choices("");
        assert_eq!(all.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>(), ["2026-02-09", "2026-02-02"]);
        assert!(all[0].0.starts_with("2026-02-09 — 주간"));
        assert_eq!(f.bot.date_choices("02-02").len(), 1);
        assert_eq!(f.bot.date_choices("older")[0].1, "2026-02-02");
        assert!(f.bot.date_choices("2025").is_empty());
    }

    #[test]
    fn library_commands_use_today_in_the_zone() {
        let f = fixture("latest");
        let reply = f.bot.run(&Command::Latest, &caller("1", false));
        assert_eq!(reply.visibility, Visibility::Channel);
        assert_eq!(reply.doc.header.unwrap().meta[0].1, "2026-02-09");
    }
}

//! What both platforms share: running a `/digest` command for a caller in a channel, and knowing
//! which targets a weekly slot delivers to.
//!
//! The Discord handler and the Slack endpoint each turn a request into a [`Command`] and a [`Caller`]
//! (the channel, and whether the caller may change its subscription), call [`Bot::run`], and encode
//! the [`Reply`] for their platform. The store work of `subscribe`, `unsubscribe` and `status` happens
//! here; everything else is the pure `command` module.
//!
//! A channel's `threads` setting lives on its subscription row; without one, the platform's default
//! from the config applies ([`Bot::thread_setting`]). A channel listed in the config gets a row the
//! first time someone runs `/digest subscribe` in it, as any channel does, so its setting can be
//! changed the same way; `/digest unsubscribe` there keeps the row and its setting.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use tracing::error;

use crate::clock::Clock;
use crate::command::{
    self, ChannelRef, ChannelStatus, Command, Context, Denied, Reply, SubscribeOutcome, Subscribed, ThreadSetting,
    UnsubscribeOutcome,
};
use crate::config::ApprovalMode;
use crate::config::Config;
use crate::deliver::{NOTICE_PREFIX, version_of};
use crate::digest::Digest;
use crate::files::LibraryHandle;
use crate::logging::untrusted;
use crate::metrics::Metrics;
use crate::store::{Decision, Notice, Store, StoreError};
use crate::target::{Platform, Target, ThreadDefaults, ThreadMode};

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
    /// How replies name the target when it is not the channel the command was typed in (Discord:
    /// `<#id>` of the parent of the thread the command came from); `None` says "this channel".
    pub channel_mention: Option<String>,
    /// Whether the caller is an editor (may preview, approve and hold), and if not, why.
    pub editor: Result<(), Denied>,
    /// Who the caller is, for the record of an approval: `discord:<user id>`, `slack:<user id>`.
    pub who: String,
}

impl Caller {
    /// A caller in the target channel itself, not an editor.
    pub fn new(target: Target, may_manage: Result<(), Denied>) -> Caller {
        let slack = target.platform.service() == "Slack";
        Caller {
            target,
            may_manage,
            channel_mention: None,
            editor: Err(Denied::NotEditor { slack }),
            who: String::new(),
        }
    }
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
        let channel = ChannelRef { platform: caller.target.platform, mention: caller.channel_mention.clone() };
        let result = match command {
            Command::Subscribe { .. } | Command::Unsubscribe if caller.may_manage.is_err() => {
                Ok(command::denied(caller.may_manage.expect_err("checked above"), locale))
            }
            Command::Subscribe { threads } => self.subscribe(&caller.target, *threads).map(|done| match done {
                Some(done) => command::subscribed(&done, &channel, &ctx.next_delivery, locale),
                None => command::internal_error(locale),
            }),
            Command::Unsubscribe if self.is_pinned(&caller.target) => {
                Ok(command::unsubscribed(UnsubscribeOutcome::PinnedByConfig, &channel, locale))
            }
            Command::Unsubscribe => self.store.unsubscribe(&caller.target).map(|removed| {
                let outcome =
                    if removed { UnsubscribeOutcome::Unsubscribed } else { UnsubscribeOutcome::NotSubscribed };
                command::unsubscribed(outcome, &channel, locale)
            }),
            Command::Preview { .. } | Command::Decide { .. } if caller.editor.is_err() => {
                Ok(command::denied(caller.editor.expect_err("checked above"), locale))
            }
            Command::Preview { date } => self.preview(date.as_deref()),
            Command::Decide { approve, date } => match self.slot_digest(date.as_deref()) {
                Some((digest, _)) => self.decide(&digest.id(), None, *approve, &caller.who),
                None => Ok(command::approval::no_digest(date.as_deref(), locale)),
            },
            _ => self
                .channel_status(&caller.target)
                .map(|status| command::status(&status, &channel, &ctx.next_delivery, locale)),
        };
        result.unwrap_or_else(|e| {
            let target = caller.target.to_string();
            error!(error = %untrusted(&format!("{e:#}")), command = command.name(), target = %untrusted(&target), "command failed");
            command::internal_error(locale)
        })
    }

    /// The digest dated `date` (any date, future ones included) or, without one, the digest of the
    /// slot an approval is about: the latest slot while it can still go out (within
    /// `schedule.catch_up`, not finished), else the next one. With the slot it goes out at.
    pub fn slot_digest(&self, date: Option<&str>) -> Option<(Arc<Digest>, DateTime<Utc>)> {
        let schedule = &self.config.schedule;
        let library = self.library.current();
        let now = self.now();
        let found = match date {
            Some(date) => library.all().iter().find(|d| d.id() == date.trim())?.clone(),
            None => {
                let latest = schedule.slot.latest_at_or_before(now);
                let open = (now - latest).to_std().is_ok_and(|age| age <= schedule.catch_up)
                    && self.store.slot(latest).ok().flatten().is_none_or(|record| record.finished_at.is_none());
                let slot = if open { latest } else { schedule.slot.next_after(now) };
                library.latest(schedule.slot.local_date(slot))?.clone()
            }
        };
        Some((Arc::new(found.clone()), self.slot_of(&found)))
    }

    /// The slot a digest goes out at: the first one on or after its date.
    pub fn slot_of(&self, digest: &Digest) -> DateTime<Utc> {
        let slot = &self.config.schedule.slot;
        let midnight = digest.date.and_hms_opt(0, 0, 0).expect("midnight exists");
        let start = midnight.and_local_timezone(slot.tz).earliest().map_or(self.now(), |t| t.with_timezone(&Utc));
        slot.next_after(start - chrono::Duration::seconds(1))
    }

    /// `/digest preview [date]`: the digest exactly as it goes out, privately.
    fn preview(&self, date: Option<&str>) -> Result<Reply, StoreError> {
        let locale = self.config.locale;
        let Some((digest, slot)) = self.slot_digest(date) else {
            return Ok(command::approval::no_digest(date, locale));
        };
        let approval = self.approval_state(&digest)?;
        Ok(command::approval::preview(&digest, &self.at(slot), &approval, locale))
    }

    /// Where a digest's approval stands, as a sentence.
    pub fn approval_state(&self, digest: &Digest) -> Result<String, StoreError> {
        let required = self.config.approval.mode == ApprovalMode::Required;
        let decision = self.store.decision(&digest.id(), &version_of(digest))?;
        let at = decision.as_ref().map(|d| self.at(d.at)).unwrap_or_default();
        let decision = decision.as_ref().map(|d| (d.approved, d.editor.as_str(), at.as_str()));
        Ok(self.config.locale.approval_state(required, decision))
    }

    /// An editor approves or holds the digest `id` (at `version`, when a button names the version it
    /// showed: a file changed since is not approved unseen). Recorded with who and when, and told to
    /// the editors' channel; the decision that already stands is neither recorded nor told again.
    pub fn decide(&self, id: &str, version: Option<&str>, approve: bool, who: &str) -> Result<Reply, StoreError> {
        let locale = self.config.locale;
        let library = self.library.current();
        let Some(digest) = library.all().iter().find(|d| d.id() == id) else {
            return Ok(command::approval::no_digest(Some(id), locale));
        };
        let current = version_of(digest);
        if version.is_some_and(|shown| shown != current) {
            return Ok(command::approval::stale(locale));
        }
        if self.config.approval.mode != ApprovalMode::Required {
            return Ok(command::approval::not_required(locale));
        }
        // The same decision again (a replayed click, a double click, a second editor agreeing) is
        // already on record: neither a new record nor a new notice to the editors' channel.
        if self.store.decision(id, &current)?.is_some_and(|standing| standing.approved == approve) {
            return Ok(command::approval::decided(approve, digest, &self.at(self.slot_of(digest)), locale));
        }
        let now = self.now();
        let decision = Decision {
            digest: id.to_string(),
            version: current.clone(),
            approved: approve,
            editor: who.to_string(),
            at: now,
        };
        let number = self.store.record_decision(&decision)?;
        let (title, body) = locale.notice_decided(approve, id, who);
        // Keyed by the decision's own number: two decisions in one millisecond are two notices.
        let key = format!("{NOTICE_PREFIX}decided:{number}");
        self.store.queue_notice(&Notice { key, title, body, preview: None }, now)?;
        Ok(command::approval::decided(approve, digest, &self.at(self.slot_of(digest)), locale))
    }

    fn at(&self, instant: DateTime<Utc>) -> String {
        crate::i18n::format_instant(&instant.with_timezone(&self.config.schedule.slot.tz))
    }

    /// Subscribes the channel and, when `threads` is given, sets its `threads` setting (one write).
    fn subscribe(&self, target: &Target, threads: Option<ThreadMode>) -> Result<Option<Subscribed>, StoreError> {
        let (new, before) = self.store.subscribe_with(target, threads, self.now())?;
        // A channel of the config file was subscribed before this command, row or not.
        let outcome = if new && !self.is_pinned(target) {
            SubscribeOutcome::Subscribed
        } else {
            SubscribeOutcome::AlreadySubscribed
        };
        let own = threads.or(before);
        Ok(Some(Subscribed {
            outcome,
            threads: self.setting(target.platform, own),
            threads_changed: outcome == SubscribeOutcome::AlreadySubscribed && threads.is_some() && threads != before,
        }))
    }

    /// The config's `threads` defaults, and with them the rule for which setting applies.
    pub fn thread_defaults(&self) -> ThreadDefaults {
        ThreadDefaults { discord: self.config.discord.threads, slack: self.config.slack.threads }
    }

    /// The `threads` default of a platform, from the config ([`ThreadDefaults::default_for`]).
    pub fn default_thread_mode(&self, platform: Platform) -> ThreadMode {
        self.thread_defaults().default_for(platform)
    }

    /// The `threads` setting that applies to a target: its own, else its platform's default.
    pub fn thread_setting(&self, target: &Target) -> Result<ThreadSetting, StoreError> {
        Ok(self.setting(target.platform, self.store.thread_mode(target)?))
    }

    fn setting(&self, platform: Platform, own: Option<ThreadMode>) -> ThreadSetting {
        let (mode, own) = self.thread_defaults().pick(platform, own);
        ThreadSetting { mode, own }
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
        let own = subscription.as_ref().and_then(|s| s.threads);
        Ok(ChannelStatus {
            subscribed: self.is_pinned(target) || subscription.is_some(),
            last_delivery: self.store.last_delivery(target)?,
            last_failure: last_failure.map(|f| (f.message, f.at)),
            uncorrectable_webhooks: match target.platform {
                Platform::Slack | Platform::SlackWebhook => self.config.slack.webhooks.len(),
                Platform::Discord | Platform::DiscordWebhook => 0,
            },
            threads: self.setting(target.platform, own),
            thread_problem: self.store.thread_problem(target)?,
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
        self.date_choices_of(typed, false)
    }

    /// [`Bot::date_choices`], with the digests not yet published first when `future` (the editors'
    /// `preview`, `approve` and `hold`).
    pub fn date_choices_of(&self, typed: &str, future: bool) -> Vec<(String, String)> {
        let typed = typed.trim().to_lowercase();
        let library = self.library.current();
        let digests = if future { library.all() } else { library.published(self.today()) };
        digests
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
pub(crate) mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::command::Visibility;
    use crate::digest::text::plain_text;
    use chrono::TimeZone;

    /// A bot on a real SQLite file and digests folder, removed when dropped.
    pub(crate) struct Fixture {
        pub(crate) bot: Bot,
        dir: std::path::PathBuf,
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn fixture(name: &str) -> Fixture {
        fixture_with(name, |_| {})
    }

    fn fixture_with(name: &str, configure: impl FnOnce(&mut Config)) -> Fixture {
        let older = ("2026-02-02.md", "---\ntitle: Older\ndate: 2026-02-02\n---\nx\n");
        fixture_files(&format!("bot-{name}"), &[older], |config| {
            config.discord.channels = vec![777];
            configure(config);
        })
    }

    /// The seed (2026-02-09) and `files` in the digests folder; Tuesday 2026-02-10 12:00 KST.
    pub(crate) fn fixture_files(name: &str, files: &[(&str, &str)], configure: impl FnOnce(&mut Config)) -> Fixture {
        let dir = std::env::temp_dir().join(format!("digestbot-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("digests")).unwrap();
        std::fs::write(dir.join("digests/2026-02-09-weekly.md"), include_bytes!("../digests/2026-02-09-weekly.md"))
            .unwrap();
        for (file, text) in files {
            std::fs::write(dir.join("digests").join(file), text).unwrap();
        }
        let mut config = Config::default();
        configure(&mut config);
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
        Caller::new(
            Target::new(Platform::Discord, channel),
            if allowed { Ok(()) } else { Err(Denied::MissingPermission) },
        )
    }

    fn lead(reply: &Reply) -> String {
        plain_text(&reply.doc.lead)
    }

    const SUBSCRIBE: Command = Command::Subscribe { threads: None };

    #[test]
    fn approve_while_approval_is_off_records_nothing() {
        let f = fixture("approval-off");
        let mut editor = caller("1", true);
        editor.editor = Ok(());
        let reply = f.bot.run(&Command::Decide { approve: true, date: Some("2026-02-09".into()) }, &editor);
        assert!(lead(&reply).contains("approval: off"), "{}", lead(&reply));
        assert!(
            f.bot
                .store
                .decision("2026-02-09", &version_of(&f.bot.slot_digest(Some("2026-02-09")).unwrap().0))
                .unwrap()
                .is_none()
        );
        assert!(f.bot.store.pending_notices().unwrap().is_empty(), "the editors are told nothing");
        // Not an editor: refused before anything else.
        let reply = f.bot.run(&Command::Preview { date: None }, &caller("1", true));
        assert!(lead(&reply).contains("Manage Guild") || lead(&reply).contains("서버 관리"), "{}", lead(&reply));
    }

    fn subscribe(threads: ThreadMode) -> Command {
        Command::Subscribe { threads: Some(threads) }
    }

    /// The status card's fields as (name, plain text).
    fn fields(reply: &Reply) -> Vec<(String, String)> {
        reply.doc.cards[0].fields.iter().map(|f| (f.name.clone(), plain_text(&f.value).trim().to_string())).collect()
    }

    fn field(reply: &Reply, name: &str) -> Option<String> {
        fields(reply).into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    #[test]
    fn subscribe_needs_permission_and_is_idempotent() {
        let f = fixture("subscribe");
        let refused = f.bot.run(&SUBSCRIBE, &caller("1", false));
        assert!(lead(&refused).contains("채널 관리"));
        assert!(f.bot.store.subscription(&caller("1", true).target).unwrap().is_none());
        let first = f.bot.run(&SUBSCRIBE, &caller("1", true));
        assert_eq!(first.visibility, Visibility::Ephemeral);
        assert_eq!(
            lead(&first),
            "이 채널을 구독했습니다. 다음 발송: 2026-02-16 09:00 KST\n\
             스레드: off (설정 파일의 기본값) — 다이제스트를 메시지 몇 개에 묶어 올리고, 스레드는 만들지 않습니다.\n"
        );
        let again = f.bot.run(&SUBSCRIBE, &caller("1", true));
        assert!(lead(&again).starts_with("이 채널은 이미 구독 중입니다."));
        assert!(!f.bot.store.subscribe(&caller("1", true).target, f.bot.now()).unwrap());
    }

    #[test]
    fn unsubscribe_and_pinned_channels() {
        let f = fixture("unsubscribe");
        f.bot.run(&SUBSCRIBE, &caller("1", true));
        assert_eq!(lead(&f.bot.run(&Command::Unsubscribe, &caller("1", true))), "이 채널의 구독을 해지했습니다.\n");
        assert!(lead(&f.bot.run(&Command::Unsubscribe, &caller("777", true))).contains("설정 파일"));
        let status = f.bot.channel_status(&caller("777", true).target).unwrap();
        assert!(status.subscribed);
    }

    #[test]
    fn targets_are_config_plus_subscriptions_before_the_slot() {
        let f = fixture("targets");
        let slot = Utc.with_ymd_and_hms(2026, 2, 16, 0, 0, 0).unwrap();
        f.bot.run(&SUBSCRIBE, &caller("1", true));
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

    #[test]
    fn subscribe_sets_the_threads_setting_and_keeps_it_when_not_given() {
        let f = fixture("threads");
        let target = caller("1", true).target;
        let first = f.bot.run(&subscribe(ThreadMode::Article), &caller("1", true));
        assert_eq!(
            lead(&first),
            "이 채널을 구독했습니다. 다음 발송: 2026-02-16 09:00 KST\n\
             스레드: article (이 채널의 설정) — 아티클마다 메시지를 따로 올리고, 메시지마다 토론 스레드를 시작합니다.\n"
        );
        assert_eq!(f.bot.store.thread_mode(&target).unwrap(), Some(ThreadMode::Article));
        // Without `threads`, the setting stays.
        let again = f.bot.run(&SUBSCRIBE, &caller("1", true));
        assert!(lead(&again).starts_with("이 채널은 이미 구독 중입니다."), "{}", lead(&again));
        assert!(lead(&again).contains("스레드: article (이 채널의 설정)"), "{}", lead(&again));
        assert_eq!(f.bot.store.thread_mode(&target).unwrap(), Some(ThreadMode::Article));
        // With it, on a subscribed channel, the answer says it changed.
        let changed = f.bot.run(&subscribe(ThreadMode::Issue), &caller("1", true));
        assert!(lead(&changed).starts_with("이 채널은 이미 구독 중입니다."));
        assert!(
            lead(&changed)
                .ends_with("스레드 설정을 issue로 바꿨습니다 — 매 호의 첫 메시지에서 토론 스레드를 시작합니다.\n"),
            "{}",
            lead(&changed)
        );
        assert_eq!(f.bot.store.thread_mode(&target).unwrap(), Some(ThreadMode::Issue));
        let same = f.bot.run(&subscribe(ThreadMode::Issue), &caller("1", true));
        assert!(lead(&same).contains("스레드: issue (이 채널의 설정)"), "{}", lead(&same));
        // `off` is a setting of its own, not the default.
        f.bot.run(&subscribe(ThreadMode::Off), &caller("1", true));
        assert_eq!(f.bot.store.thread_mode(&target).unwrap(), Some(ThreadMode::Off));
        // Refused callers change nothing.
        let refused = f.bot.run(&subscribe(ThreadMode::Article), &caller("1", false));
        assert!(lead(&refused).contains("채널 관리"));
        assert_eq!(f.bot.store.thread_mode(&target).unwrap(), Some(ThreadMode::Off));
        // Unsubscribing forgets it: the next subscription follows the config again.
        f.bot.run(&Command::Unsubscribe, &caller("1", true));
        let back = f.bot.run(&SUBSCRIBE, &caller("1", true));
        assert!(lead(&back).contains("스레드: off (설정 파일의 기본값)"), "{}", lead(&back));
        assert_eq!(f.bot.store.thread_mode(&target).unwrap(), None);
    }

    #[test]
    fn the_config_default_applies_per_platform_and_the_answers_are_in_english() {
        let f = fixture_with("threads-en", |c| {
            c.locale = crate::i18n::Locale::En;
            c.slack.threads = ThreadMode::Issue;
            c.discord.threads = ThreadMode::Article;
        });
        let slack = Caller::new(Target::new(Platform::Slack, "C1"), Ok(()));
        assert_eq!(
            lead(&f.bot.run(&SUBSCRIBE, &slack)),
            "This channel is subscribed. Next delivery: 2026-02-16 09:00 KST\n\
             Threads: issue (the default from the config) — the digest comes as a few packed messages; reply in \
             the thread of the issue's first message.\n"
        );
        let changed = f.bot.run(&subscribe(ThreadMode::Article), &slack);
        assert_eq!(
            lead(&changed),
            "This channel is already subscribed. Next delivery: 2026-02-16 09:00 KST\n\
             The threads setting is now article — each article will be its own message; reply in its thread to \
             discuss it.\n"
        );
        let discord = f.bot.run(&SUBSCRIBE, &caller("1", true));
        assert!(
            lead(&discord).ends_with(
                "Threads: article (the default from the config) — each article will be its own message with a \
                 thread to discuss it.\n"
            ),
            "{}",
            lead(&discord)
        );
        let off = f.bot.run(&subscribe(ThreadMode::Off), &caller("2", true));
        assert!(
            lead(&off).ends_with(
                "Threads: off (this channel's setting) — the digest comes as a few packed messages, with no thread.\n"
            ),
            "{}",
            lead(&off)
        );
        let issue = f.bot.run(&subscribe(ThreadMode::Issue), &caller("3", true));
        assert!(lead(&issue).contains("a thread will be started from each issue's first message"));
        // Discord webhooks cannot start threads; Slack's follow `slack.threads`.
        assert_eq!(f.bot.default_thread_mode(Platform::DiscordWebhook), ThreadMode::Off);
        assert_eq!(f.bot.default_thread_mode(Platform::SlackWebhook), ThreadMode::Issue);
        let setting = f.bot.thread_setting(&slack.target).unwrap();
        assert_eq!(setting, ThreadSetting { mode: ThreadMode::Article, own: true });
        let webhook = Target::new(Platform::DiscordWebhook, "env:HOOK");
        assert_eq!(f.bot.thread_setting(&webhook).unwrap(), ThreadSetting { mode: ThreadMode::Off, own: false });
    }

    #[test]
    fn a_channel_of_the_config_keeps_a_threads_setting_of_its_own() {
        let f = fixture("threads-pinned");
        let pinned = caller("777", true);
        let first = f.bot.run(&subscribe(ThreadMode::Article), &pinned);
        // It was subscribed by the config already: the answer says so, and that the setting changed.
        assert!(lead(&first).starts_with("이 채널은 이미 구독 중입니다."), "{}", lead(&first));
        assert!(lead(&first).contains("스레드 설정을 article로 바꿨습니다"), "{}", lead(&first));
        assert_eq!(f.bot.store.thread_mode(&pinned.target).unwrap(), Some(ThreadMode::Article));
        // `unsubscribe` cannot remove it, and keeps its setting.
        assert!(lead(&f.bot.run(&Command::Unsubscribe, &pinned)).contains("설정 파일"));
        assert_eq!(f.bot.store.thread_mode(&pinned.target).unwrap(), Some(ThreadMode::Article));
        let status = f.bot.run(&Command::Status, &pinned);
        assert_eq!(
            field(&status, "스레드").unwrap(),
            format!("article (이 채널의 설정) — {}", crate::i18n::Locale::Ko.threads_look(ThreadMode::Article, false))
        );
        // A plain `subscribe` there says it was subscribed already.
        assert!(lead(&f.bot.run(&SUBSCRIBE, &caller("777", true))).starts_with("이 채널은 이미 구독 중입니다."));
        let slot = Utc.with_ymd_and_hms(2026, 2, 16, 0, 0, 0).unwrap();
        let channels: Vec<String> = f.bot.targets(slot).unwrap().into_iter().map(|t| t.channel).collect();
        assert_eq!(channels, ["777"], "listed once");
    }

    #[test]
    fn status_shows_the_threads_setting_and_a_thread_that_could_not_be_started() {
        let f = fixture_with("threads-status", |c| c.locale = crate::i18n::Locale::En);
        let here = caller("1", true);
        let before = f.bot.run(&Command::Status, &here);
        assert_eq!(field(&before, "Threads"), None, "not subscribed: nothing to say about threads");
        f.bot.run(&SUBSCRIBE, &here);
        let status = f.bot.run(&Command::Status, &here);
        assert_eq!(
            field(&status, "Threads").unwrap(),
            "off (the default from the config) — the digest comes as a few packed messages, with no thread."
        );
        assert_eq!(field(&status, "Threads not started"), None);
        f.bot.run(&subscribe(ThreadMode::Article), &here);
        let status = f.bot.run(&Command::Status, &here);
        assert!(field(&status, "Threads").unwrap().starts_with("article (this channel's setting) — "));

        // The latest digest's second article could not start its thread.
        let store = &f.bot.store;
        let plan = crate::store::Plan { layout: Some("articles"), thread_name: Some("Article two") };
        store.mark_pending(&here.target, "2026-02-09", 2, 3, plan, f.bot.now()).unwrap();
        store
            .mark_sent(&here.target, "2026-02-09", 2, 3, &crate::target::Posted::id(Some("9")), None, f.bot.now())
            .unwrap();
        store.mark_thread(&here.target, "2026-02-09", 2, Err("Missing Permissions (50013)")).unwrap();
        let status = f.bot.run(&Command::Status, &here);
        assert_eq!(
            field(&status, "Threads not started").unwrap(),
            "2026-02-09: Missing Permissions (50013). The digest was posted, but its threads could not be started: \
             give the bot Create Public Threads and Send Messages in Threads in this channel."
        );
        let names: Vec<String> = fields(&status).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["This channel", "Next delivery", "Threads", "Last delivery", "Threads not started"]);

        // In Korean, the same line names the permissions in both languages.
        let ko = command::status(
            &f.bot.channel_status(&here.target).unwrap(),
            &ChannelRef { platform: Platform::Discord, mention: None },
            &f.bot.next_delivery(),
            crate::i18n::Locale::Ko,
        );
        let line = field(&ko, "스레드를 시작하지 못함").unwrap();
        assert!(line.contains("공개 스레드 만들기(Create Public Threads)"), "{line}");
        assert!(line.contains("스레드에서 메시지 보내기(Send Messages in Threads)"), "{line}");
    }

    #[test]
    fn a_command_from_a_thread_names_the_parent_channel() {
        let f = fixture_with("threads-parent", |c| c.locale = crate::i18n::Locale::En);
        let parent = Caller { channel_mention: Some("<#42>".into()), ..caller("42", true) };
        let first = f.bot.run(&subscribe(ThreadMode::Article), &parent);
        assert!(lead(&first).starts_with("<#42> is subscribed. Next delivery: "), "{}", lead(&first));
        assert_eq!(f.bot.store.thread_mode(&parent.target).unwrap(), Some(ThreadMode::Article));
        assert!(lead(&f.bot.run(&SUBSCRIBE, &parent)).starts_with("<#42> is already subscribed."));
        let status = f.bot.run(&Command::Status, &parent);
        assert_eq!(lead(&status), "The status of <#42>, the channel this thread belongs to.\n");
        assert_eq!(fields(&status)[0], ("Channel".to_string(), "Subscribed".to_string()));
        assert_eq!(lead(&f.bot.run(&Command::Unsubscribe, &parent)), "<#42> is unsubscribed.\n");
        assert_eq!(lead(&f.bot.run(&Command::Unsubscribe, &parent)), "<#42> is not subscribed.\n");
        let pinned = Caller { channel_mention: Some("<#777>".into()), ..caller("777", true) };
        assert!(
            lead(&f.bot.run(&Command::Unsubscribe, &pinned))
                .starts_with("<#777> is subscribed in the configuration file")
        );
        // The mention reaches Discord as it is.
        let messages = crate::render::discord::messages(&first.doc);
        assert!(messages[0]["content"].as_str().unwrap().starts_with("<#42> is subscribed."), "{}", messages[0]);
    }
}

//! Replies to `subscribe`, `unsubscribe` and `status`, once the platform has done the store part.
//!
//! The platform checks who may change a subscription (Discord: Manage Channels or Administrator;
//! Slack: the configured admins), writes to the store, and then hands the outcome here.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::i18n::{Locale, format_instant};
use crate::render::{Card, Doc, Field, category_color, paragraph};
use crate::target::{Platform, ThreadMode};

use super::{Reply, Visibility};

/// What `subscribe` did to the subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscribeOutcome {
    Subscribed,
    /// Subscribed before, by an earlier `/digest subscribe` or by the config file.
    AlreadySubscribed,
}

/// A channel's `threads` setting as it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadSetting {
    pub mode: ThreadMode,
    /// `true` when it is the channel's own (`/digest subscribe threads:`), `false` when it is the
    /// platform's default from the config.
    pub own: bool,
}

/// What `subscribe` did: the subscription, and the `threads` setting that now applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscribed {
    pub outcome: SubscribeOutcome,
    pub threads: ThreadSetting,
    /// The command changed the setting of a channel that was already subscribed.
    pub threads_changed: bool,
}

/// The channel a subscription command acted on, as its replies name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRef {
    /// Where the channel is: the replies describe how threads look there.
    pub platform: Platform,
    /// How to name the channel when it is not the one the command was typed in (Discord: `<#id>`
    /// of a thread's parent); `None` says "this channel".
    pub mention: Option<String>,
}

/// What `unsubscribe` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsubscribeOutcome {
    Unsubscribed,
    NotSubscribed,
    /// The channel is listed in the config file, which the command cannot change.
    PinnedByConfig,
}

/// Why a user may not change the subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// Discord: the member lacks Manage Channels and Administrator.
    MissingPermission,
    /// Slack: `slack.admins` is set and the user is not on it.
    NotAdmin,
    /// `preview`, `approve`, `hold`: the user is not an editor (Discord: Manage Guild or Manage
    /// Channels; Slack: in `slack.admins`, or in the editors' channel).
    NotEditor { slack: bool },
}

/// What `status` shows about a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelStatus {
    pub subscribed: bool,
    /// (digest id, when) of the last complete delivery here.
    pub last_delivery: Option<(String, DateTime<Utc>)>,
    /// (what went wrong, when), if the last attempt failed.
    pub last_failure: Option<(String, DateTime<Utc>)>,
    /// How many Slack incoming webhooks get the digest: corrections cannot reach them.
    pub uncorrectable_webhooks: usize,
    /// The `threads` setting that applies to the channel.
    pub threads: ThreadSetting,
    /// (digest, why) of a thread the latest digest posted here could not start.
    pub thread_problem: Option<(String, String)>,
}

fn private(locale: Locale, text: impl Into<String>) -> Reply {
    Reply { visibility: Visibility::Ephemeral, doc: Doc::text(locale, text) }
}

fn is_slack(platform: Platform) -> bool {
    matches!(platform, Platform::Slack | Platform::SlackWebhook)
}

/// The answer to `subscribe`: the subscription and the next delivery, then how threads will look.
pub fn subscribed(done: &Subscribed, channel: &ChannelRef, next: &DateTime<Tz>, locale: Locale) -> Reply {
    let mention = channel.mention.as_deref();
    let first = match done.outcome {
        SubscribeOutcome::Subscribed => locale.subscribed_named(mention, next),
        SubscribeOutcome::AlreadySubscribed => locale.already_subscribed_named(mention, next),
    };
    let (mode, slack) = (done.threads.mode, is_slack(channel.platform));
    let threads = if done.threads_changed {
        locale.threads_changed(mode, slack)
    } else {
        locale.threads_line(mode, done.threads.own, slack)
    };
    // Two paragraphs: one line each on both platforms.
    private(locale, format!("{first}\n\n{threads}"))
}

pub fn unsubscribed(outcome: UnsubscribeOutcome, channel: &ChannelRef, locale: Locale) -> Reply {
    let mention = channel.mention.as_deref();
    private(
        locale,
        match outcome {
            UnsubscribeOutcome::Unsubscribed => locale.unsubscribed_named(mention),
            UnsubscribeOutcome::NotSubscribed => locale.not_subscribed_named(mention),
            UnsubscribeOutcome::PinnedByConfig => locale.pinned_by_config_named(mention),
        },
    )
}

pub fn denied(why: Denied, locale: Locale) -> Reply {
    private(
        locale,
        match why {
            Denied::MissingPermission => locale.no_permission(),
            Denied::NotAdmin => locale.not_admin(),
            Denied::NotEditor { slack } => locale.not_editor(slack),
        },
    )
}

/// The status card; instants are shown in the configured zone. A channel named by `channel` (the
/// parent of the thread the command came from) is named above the card.
pub fn status(status: &ChannelStatus, channel: &ChannelRef, next: &DateTime<Tz>, locale: Locale) -> Reply {
    let zone = next.timezone();
    let when = |at: &DateTime<Utc>| format_instant(&at.with_timezone(&zone));
    let field =
        |name: &str, value: String| Field { name: name.to_string(), value: vec![paragraph(value)], inline: false };
    let slack = is_slack(channel.platform);
    let mut card = Card::new(locale.status_title(), category_color(None));
    let channel_label = match channel.mention {
        Some(_) => locale.status_named_channel(),
        None => locale.status_channel(),
    };
    card.fields.push(field(channel_label, locale.status_subscribed(status.subscribed).to_string()));
    if status.subscribed {
        card.fields.push(field(locale.status_next(), format_instant(next)));
        card.fields
            .push(field(locale.threads_label(), locale.threads_value(status.threads.mode, status.threads.own, slack)));
    }
    let last = match &status.last_delivery {
        Some((digest, at)) => format!("{digest} ({})", when(at)),
        None => locale.status_never().to_string(),
    };
    card.fields.push(field(locale.status_last(), last));
    if let Some((what, at)) = &status.last_failure {
        card.fields.push(field(locale.status_failure(), format!("{} — {what}", when(at))));
    }
    if let Some((digest, why)) = &status.thread_problem {
        card.fields.push(field(locale.status_thread_problem(), locale.thread_problem(digest, why, slack)));
    }
    if status.uncorrectable_webhooks > 0 {
        card.fields
            .push(field(locale.status_webhooks(), locale.status_webhooks_uncorrectable(status.uncorrectable_webhooks)));
    }
    let lead = match &channel.mention {
        Some(mention) => Doc::text(locale, locale.status_of(mention)),
        None => Doc::blocks(locale, Vec::new()),
    };
    Reply { visibility: Visibility::Ephemeral, doc: Doc { cards: vec![card], ..lead } }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn next() -> DateTime<Tz> {
        chrono_tz::Asia::Seoul.with_ymd_and_hms(2026, 2, 16, 9, 0, 0).unwrap()
    }

    fn lead(reply: &Reply) -> String {
        crate::digest::text::plain_text(&reply.doc.lead)
    }

    fn here(platform: Platform) -> ChannelRef {
        ChannelRef { platform, mention: None }
    }

    fn done(outcome: SubscribeOutcome, mode: ThreadMode, own: bool, changed: bool) -> Subscribed {
        Subscribed { outcome, threads: ThreadSetting { mode, own }, threads_changed: changed }
    }

    fn fields(reply: &Reply) -> Vec<(String, String)> {
        reply.doc.cards[0]
            .fields
            .iter()
            .map(|f| (f.name.clone(), crate::digest::text::plain_text(&f.value).trim().to_string()))
            .collect()
    }

    #[test]
    fn subscription_replies_are_private_and_give_the_next_delivery() {
        let discord = here(Platform::Discord);
        let r = subscribed(
            &done(SubscribeOutcome::Subscribed, ThreadMode::Off, false, false),
            &discord,
            &next(),
            Locale::Ko,
        );
        assert_eq!(r.visibility, Visibility::Ephemeral);
        assert_eq!(
            lead(&r),
            "이 채널을 구독했습니다. 다음 발송: 2026-02-16 09:00 KST\n\
             스레드: off (설정 파일의 기본값) — 다이제스트를 메시지 몇 개에 묶어 올리고, 스레드는 만들지 않습니다.\n"
        );
        let r = subscribed(
            &done(SubscribeOutcome::AlreadySubscribed, ThreadMode::Off, false, false),
            &discord,
            &next(),
            Locale::En,
        );
        assert!(lead(&r).starts_with("This channel is already subscribed. Next delivery: 2026-02-16 09:00 KST\n"));
        assert_eq!(
            lead(&unsubscribed(UnsubscribeOutcome::NotSubscribed, &discord, Locale::En)),
            "This channel is not subscribed.\n"
        );
        assert!(
            lead(&unsubscribed(UnsubscribeOutcome::PinnedByConfig, &discord, Locale::En))
                .contains("configuration file")
        );
        assert!(lead(&denied(Denied::MissingPermission, Locale::En)).contains("Manage Channels"));
        assert!(lead(&denied(Denied::NotAdmin, Locale::Ko)).contains("등록되어 있지 않습니다"));
    }

    /// The second paragraph of a `subscribe` answer.
    fn threads_line(done: &Subscribed, platform: Platform, locale: Locale) -> String {
        let r = subscribed(done, &here(platform), &next(), locale);
        lead(&r).lines().nth(1).unwrap().to_string()
    }

    #[test]
    fn subscribe_says_how_the_channel_will_look() {
        use SubscribeOutcome::{AlreadySubscribed, Subscribed as New};
        let check = |done: Subscribed, platform, locale, expected: &str| {
            assert_eq!(threads_line(&done, platform, locale), expected, "{done:?} {platform:?} {locale:?}");
        };
        let (discord, slack) = (Platform::Discord, Platform::Slack);
        check(
            done(New, ThreadMode::Article, true, false),
            discord,
            Locale::En,
            "Threads: article (this channel's setting) — each article will be its own message with a thread to discuss it.",
        );
        check(
            done(New, ThreadMode::Issue, false, false),
            discord,
            Locale::En,
            "Threads: issue (the default from the config) — a thread will be started from each issue's first message.",
        );
        check(
            done(AlreadySubscribed, ThreadMode::Issue, true, true),
            slack,
            Locale::En,
            "The threads setting is now issue — the digest comes as a few packed messages; reply in the thread of the issue's first message.",
        );
        check(
            done(New, ThreadMode::Article, true, false),
            slack,
            Locale::En,
            "Threads: article (this channel's setting) — each article will be its own message; reply in its thread to discuss it.",
        );
        check(
            done(New, ThreadMode::Off, true, false),
            slack,
            Locale::En,
            "Threads: off (this channel's setting) — the digest comes as a few packed messages; reply in the thread of the first one to discuss it.",
        );
        check(
            done(AlreadySubscribed, ThreadMode::Article, true, true),
            discord,
            Locale::Ko,
            "스레드 설정을 article로 바꿨습니다 — 아티클마다 메시지를 따로 올리고, 메시지마다 토론 스레드를 시작합니다.",
        );
        check(
            done(New, ThreadMode::Issue, true, false),
            discord,
            Locale::Ko,
            "스레드: issue (이 채널의 설정) — 매 호의 첫 메시지에서 토론 스레드를 시작합니다.",
        );
        check(
            done(New, ThreadMode::Issue, true, false),
            slack,
            Locale::Ko,
            "스레드: issue (이 채널의 설정) — 다이제스트를 메시지 몇 개에 묶어 올립니다. 매 호의 첫 메시지 스레드에 댓글을 달아 이야기해 주세요.",
        );
        check(
            done(New, ThreadMode::Article, true, false),
            slack,
            Locale::Ko,
            "스레드: article (이 채널의 설정) — 아티클마다 메시지를 따로 올립니다. 각 메시지의 스레드에 댓글을 달아 이야기해 주세요.",
        );
        // Every mode, platform and language has its sentence, short enough for one line.
        for locale in [Locale::Ko, Locale::En] {
            for mode in ThreadMode::ALL {
                for platform in [discord, slack] {
                    for changed in [false, true] {
                        let line = threads_line(&done(AlreadySubscribed, mode, true, changed), platform, locale);
                        assert!(line.contains(mode.as_str()) && line.chars().count() < 200, "{line}");
                    }
                }
            }
        }
    }

    #[test]
    fn replies_name_a_parent_channel() {
        let parent = ChannelRef { platform: Platform::Discord, mention: Some("<#42>".into()) };
        let r = subscribed(
            &done(SubscribeOutcome::Subscribed, ThreadMode::Article, true, false),
            &parent,
            &next(),
            Locale::Ko,
        );
        assert!(lead(&r).starts_with("<#42> 채널을 구독했습니다. 다음 발송: 2026-02-16 09:00 KST\n"), "{}", lead(&r));
        let r = subscribed(
            &done(SubscribeOutcome::AlreadySubscribed, ThreadMode::Article, true, false),
            &parent,
            &next(),
            Locale::Ko,
        );
        assert!(lead(&r).starts_with("<#42> 채널은 이미 구독 중입니다."), "{}", lead(&r));
        assert_eq!(
            lead(&unsubscribed(UnsubscribeOutcome::Unsubscribed, &parent, Locale::Ko)),
            "<#42> 채널의 구독을 해지했습니다.\n"
        );
        assert_eq!(
            lead(&unsubscribed(UnsubscribeOutcome::NotSubscribed, &parent, Locale::Ko)),
            "<#42> 채널은 구독 중이 아닙니다.\n"
        );
        assert!(
            lead(&unsubscribed(UnsubscribeOutcome::PinnedByConfig, &parent, Locale::Ko))
                .starts_with("<#42> 채널은 설정 파일에서")
        );
        let s = ChannelStatus {
            subscribed: true,
            last_delivery: None,
            last_failure: None,
            uncorrectable_webhooks: 0,
            threads: ThreadSetting { mode: ThreadMode::Off, own: false },
            thread_problem: None,
        };
        let r = status(&s, &parent, &next(), Locale::Ko);
        assert_eq!(lead(&r), "이 스레드가 속한 채널 <#42>의 구독 상태입니다.\n");
        assert_eq!(fields(&r)[0], ("채널".to_string(), "구독 중".to_string()));
    }

    #[test]
    fn status_shows_everything_it_knows() {
        let delivered = Utc.with_ymd_and_hms(2026, 2, 9, 0, 0, 5).unwrap();
        let failed = Utc.with_ymd_and_hms(2026, 2, 9, 0, 1, 0).unwrap();
        let s = ChannelStatus {
            subscribed: true,
            last_delivery: Some(("2026-02-09".into(), delivered)),
            last_failure: Some(("Missing Access (403)".into(), failed)),
            uncorrectable_webhooks: 0,
            threads: ThreadSetting { mode: ThreadMode::Issue, own: true },
            thread_problem: Some(("2026-02-09".into(), "Missing Permissions (50013)".into())),
        };
        let r = status(&s, &here(Platform::Discord), &next(), Locale::En);
        assert_eq!(r.visibility, Visibility::Ephemeral);
        assert!(r.doc.lead.is_empty());
        assert_eq!(
            fields(&r),
            [
                ("This channel".to_string(), "Subscribed".to_string()),
                ("Next delivery".to_string(), "2026-02-16 09:00 KST".to_string()),
                (
                    "Threads".to_string(),
                    "issue (this channel's setting) — a thread will be started from each issue's first message."
                        .to_string()
                ),
                ("Last delivery".to_string(), "2026-02-09 (2026-02-09 09:00 KST)".to_string()),
                ("Last failure".to_string(), "2026-02-09 09:01 KST — Missing Access (403)".to_string()),
                (
                    "Threads not started".to_string(),
                    "2026-02-09: Missing Permissions (50013). The digest was posted, but its threads could not be \
                     started: give the bot Create Public Threads and Send Messages in Threads in this channel."
                        .to_string()
                ),
            ]
        );
        // On Slack, no Discord permission is named.
        let r = status(&s, &here(Platform::Slack), &next(), Locale::Ko);
        let problem = &fields(&r)[5];
        assert_eq!(problem.0, "스레드를 시작하지 못함");
        assert_eq!(
            problem.1,
            "2026-02-09: Missing Permissions (50013). 다이제스트는 올렸지만 스레드를 시작하지 못했습니다."
        );
        assert_eq!(
            fields(&r)[2].1,
            format!("issue (이 채널의 설정) — {}", Locale::Ko.threads_look(ThreadMode::Issue, true))
        );

        let none = ChannelStatus {
            subscribed: false,
            last_delivery: None,
            last_failure: None,
            uncorrectable_webhooks: 0,
            threads: ThreadSetting { mode: ThreadMode::Off, own: false },
            thread_problem: None,
        };
        let r = status(&none, &here(Platform::Discord), &next(), Locale::Ko);
        assert_eq!(r.doc.cards[0].fields.len(), 2);
        assert_eq!(crate::digest::text::plain_text(&r.doc.cards[0].fields[1].value).trim(), "아직 없음");
        // Slack incoming webhooks are named: corrections cannot reach them.
        let r =
            status(&ChannelStatus { uncorrectable_webhooks: 2, ..none }, &here(Platform::Slack), &next(), Locale::En);
        let last = r.doc.cards[0].fields.last().unwrap();
        assert_eq!(last.name, "Incoming webhooks");
        assert!(crate::digest::text::plain_text(&last.value).contains("2 Slack incoming webhook(s)"));
    }
}

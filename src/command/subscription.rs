//! Replies to `subscribe`, `unsubscribe` and `status`, once the platform has done the store part.
//!
//! The platform checks who may change a subscription (Discord: Manage Channels or Administrator;
//! Slack: the configured admins), writes to the store, and then hands the outcome here.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::i18n::{Locale, format_instant};
use crate::render::{Card, Doc, Field, category_color, paragraph};

use super::{Reply, Visibility};

/// What `subscribe` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscribeOutcome {
    Subscribed,
    AlreadySubscribed,
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
}

fn private(locale: Locale, text: impl Into<String>) -> Reply {
    Reply { visibility: Visibility::Ephemeral, doc: Doc::text(locale, text) }
}

pub fn subscribed(outcome: SubscribeOutcome, next: &DateTime<Tz>, locale: Locale) -> Reply {
    private(
        locale,
        match outcome {
            SubscribeOutcome::Subscribed => locale.subscribed(next),
            SubscribeOutcome::AlreadySubscribed => locale.already_subscribed(next),
        },
    )
}

pub fn unsubscribed(outcome: UnsubscribeOutcome, locale: Locale) -> Reply {
    private(
        locale,
        match outcome {
            UnsubscribeOutcome::Unsubscribed => locale.unsubscribed(),
            UnsubscribeOutcome::NotSubscribed => locale.not_subscribed(),
            UnsubscribeOutcome::PinnedByConfig => locale.pinned_by_config(),
        },
    )
}

pub fn denied(why: Denied, locale: Locale) -> Reply {
    private(
        locale,
        match why {
            Denied::MissingPermission => locale.no_permission(),
            Denied::NotAdmin => locale.not_admin(),
        },
    )
}

/// The status card; instants are shown in the configured zone.
pub fn status(status: &ChannelStatus, next: &DateTime<Tz>, locale: Locale) -> Reply {
    let zone = next.timezone();
    let when = |at: &DateTime<Utc>| format_instant(&at.with_timezone(&zone));
    let field =
        |name: &str, value: String| Field { name: name.to_string(), value: vec![paragraph(value)], inline: false };
    let mut card = Card::new(locale.status_title(), category_color(None));
    card.fields.push(field(locale.status_channel(), locale.status_subscribed(status.subscribed).to_string()));
    if status.subscribed {
        card.fields.push(field(locale.status_next(), format_instant(next)));
    }
    let last = match &status.last_delivery {
        Some((digest, at)) => format!("{digest} ({})", when(at)),
        None => locale.status_never().to_string(),
    };
    card.fields.push(field(locale.status_last(), last));
    if let Some((what, at)) = &status.last_failure {
        card.fields.push(field(locale.status_failure(), format!("{} — {what}", when(at))));
    }
    if status.uncorrectable_webhooks > 0 {
        card.fields
            .push(field(locale.status_webhooks(), locale.status_webhooks_uncorrectable(status.uncorrectable_webhooks)));
    }
    Reply { visibility: Visibility::Ephemeral, doc: Doc { cards: vec![card], ..Doc::blocks(locale, Vec::new()) } }
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

    #[test]
    fn subscription_replies_are_private_and_give_the_next_delivery() {
        let r = subscribed(SubscribeOutcome::Subscribed, &next(), Locale::Ko);
        assert_eq!(r.visibility, Visibility::Ephemeral);
        assert_eq!(lead(&r), "이 채널을 구독했습니다. 다음 발송: 2026-02-16 09:00 KST\n");
        let r = subscribed(SubscribeOutcome::AlreadySubscribed, &next(), Locale::En);
        assert_eq!(lead(&r), "This channel is already subscribed. Next delivery: 2026-02-16 09:00 KST\n");
        assert_eq!(
            lead(&unsubscribed(UnsubscribeOutcome::NotSubscribed, Locale::En)),
            "This channel is not subscribed.\n"
        );
        assert!(lead(&unsubscribed(UnsubscribeOutcome::PinnedByConfig, Locale::En)).contains("configuration file"));
        assert!(lead(&denied(Denied::MissingPermission, Locale::En)).contains("Manage Channels"));
        assert!(lead(&denied(Denied::NotAdmin, Locale::Ko)).contains("등록되어 있지 않습니다"));
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
        };
        let r = status(&s, &next(), Locale::En);
        assert_eq!(r.visibility, Visibility::Ephemeral);
        let fields: Vec<(String, String)> = r.doc.cards[0]
            .fields
            .iter()
            .map(|f| (f.name.clone(), crate::digest::text::plain_text(&f.value).trim().to_string()))
            .collect();
        assert_eq!(
            fields,
            [
                ("This channel".to_string(), "Subscribed".to_string()),
                ("Next delivery".to_string(), "2026-02-16 09:00 KST".to_string()),
                ("Last delivery".to_string(), "2026-02-09 (2026-02-09 09:00 KST)".to_string()),
                ("Last failure".to_string(), "2026-02-09 09:01 KST — Missing Access (403)".to_string()),
            ]
        );
        let none =
            ChannelStatus { subscribed: false, last_delivery: None, last_failure: None, uncorrectable_webhooks: 0 };
        let r = status(&none, &next(), Locale::Ko);
        assert_eq!(r.doc.cards[0].fields.len(), 2);
        assert_eq!(crate::digest::text::plain_text(&r.doc.cards[0].fields[1].value).trim(), "아직 없음");
        // Slack incoming webhooks are named: corrections cannot reach them.
        let r = status(&ChannelStatus { uncorrectable_webhooks: 2, ..none }, &next(), Locale::En);
        let last = r.doc.cards[0].fields.last().unwrap();
        assert_eq!(last.name, "Incoming webhooks");
        assert!(crate::digest::text::plain_text(&last.value).contains("2 Slack incoming webhook(s)"));
    }
}

//! Where a post goes: the delivery vocabulary that the store, the deliverer, the scheduler and both
//! platforms share.
//!
//! A [`Target`] is a [`Platform`] (one of the four ways a post leaves the bot) and a channel on it.
//! It is plain data with no I/O: the SQLite store keys its rows by it, the deliverer picks a sink by
//! its platform, and the platform modules parse their channel ids from it.

/// Where a post goes: a platform and a channel on it (for webhooks, the webhook's label).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    pub platform: Platform,
    pub channel: String,
}

/// The four ways a post leaves the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    /// A Discord channel, through the bot's Create Message.
    Discord,
    /// A Discord webhook (Execute Webhook), no bot needed.
    DiscordWebhook,
    /// A Slack channel, through chat.postMessage.
    Slack,
    /// A Slack incoming webhook.
    SlackWebhook,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Discord => "discord",
            Platform::DiscordWebhook => "discord-webhook",
            Platform::Slack => "slack",
            Platform::SlackWebhook => "slack-webhook",
        }
    }

    /// The service behind the platform, as people name it: `Discord` or `Slack`.
    pub fn service(self) -> &'static str {
        match self {
            Platform::Discord | Platform::DiscordWebhook => "Discord",
            Platform::Slack | Platform::SlackWebhook => "Slack",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        [Platform::Discord, Platform::DiscordWebhook, Platform::Slack, Platform::SlackWebhook]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

impl Target {
    pub fn new(platform: Platform, channel: impl Into<String>) -> Target {
        Target { platform, channel: channel.into() }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.platform.as_str(), self.channel)
    }
}

/// How a channel's digest makes room for discussion (`/digest subscribe threads:`, or the platform's
/// `threads` default in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ThreadMode {
    /// The digest as a few packed messages; no thread is started.
    #[default]
    Off,
    /// The packed messages, and on Discord one thread started from the header message.
    Issue,
    /// One message per article (header first, the rest last), and on Discord a thread on each
    /// article's message; on Slack each article's message has its own reply thread.
    Article,
}

impl ThreadMode {
    pub const ALL: [ThreadMode; 3] = [ThreadMode::Off, ThreadMode::Issue, ThreadMode::Article];

    pub fn as_str(self) -> &'static str {
        match self {
            ThreadMode::Off => "off",
            ThreadMode::Issue => "issue",
            ThreadMode::Article => "article",
        }
    }

    /// `off`, `issue` or `article`, any case, surrounding spaces ignored.
    pub fn parse(s: &str) -> Option<ThreadMode> {
        let s = s.trim();
        ThreadMode::ALL.into_iter().find(|m| m.as_str().eq_ignore_ascii_case(s))
    }
}

/// The config's `threads` defaults (`discord.threads`, `slack.threads`) and the one rule for which
/// setting applies at a target: the bot's `status` and the deliverer both ask it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThreadDefaults {
    pub discord: ThreadMode,
    pub slack: ThreadMode,
}

impl ThreadDefaults {
    /// The setting of a target of `platform` that has none of its own. Discord webhooks cannot
    /// start threads: theirs is always `off`. Slack's incoming webhooks follow `slack.threads`.
    pub fn default_for(self, platform: Platform) -> ThreadMode {
        match platform {
            Platform::Discord => self.discord,
            Platform::DiscordWebhook => ThreadMode::Off,
            Platform::Slack | Platform::SlackWebhook => self.slack,
        }
    }

    /// The setting that applies at a target of `platform` whose own setting is `own`, and whether
    /// it is the target's own: `own` if it has one (never for a Discord webhook), else the default.
    pub fn pick(self, platform: Platform, own: Option<ThreadMode>) -> (ThreadMode, bool) {
        match own.filter(|_| platform != Platform::DiscordWebhook) {
            Some(mode) => (mode, true),
            None => (self.default_for(platform), false),
        }
    }
}

/// Where a sent part landed: the platform's message id and, for Slack, the channel id and the
/// message's `ts`, which is what `chat.update` and thread replies need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Posted {
    pub message_id: Option<String>,
    pub channel: Option<String>,
    pub ts: Option<String>,
}

impl Posted {
    /// A message known only by its id (Discord).
    pub fn id(message_id: Option<&str>) -> Posted {
        Posted { message_id: message_id.map(str::to_string), ..Posted::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_targets_own_setting_wins_but_a_discord_webhook_never_threads() {
        let d = ThreadDefaults { discord: ThreadMode::Issue, slack: ThreadMode::Article };
        assert_eq!(d.pick(Platform::Discord, None), (ThreadMode::Issue, false));
        assert_eq!(d.pick(Platform::Discord, Some(ThreadMode::Off)), (ThreadMode::Off, true));
        assert_eq!(d.pick(Platform::Slack, None), (ThreadMode::Article, false));
        assert_eq!(d.pick(Platform::SlackWebhook, None), (ThreadMode::Article, false));
        assert_eq!(d.pick(Platform::DiscordWebhook, None), (ThreadMode::Off, false));
        assert_eq!(d.pick(Platform::DiscordWebhook, Some(ThreadMode::Article)), (ThreadMode::Off, false));
    }
}

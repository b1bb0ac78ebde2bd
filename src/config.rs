//! Typed configuration, read from `config/digestbot.yaml`.
//!
//! Every key is optional and has a default, so an empty file (or no file at all) is a working
//! configuration: Monday 09:00 Asia/Seoul, Korean messages, digests in `digests/`. The YAML is parsed
//! strictly: an unknown key or a bad value is an error that names the key, the value and the line, so a
//! typo never silently falls back to a default. Tokens are never part of the file; they come from the
//! environment and are read elsewhere. Webhook URLs may be written in the file or named by an
//! environment variable; either way they are held as a [`Secret`](crate::secret::Secret), which never
//! prints its value. Only [`load`] touches the file system; everything else works on a `&str`.
//!
//! serde reads the file straight into [`Config`] and its sections: each key is a field, its default is in
//! the section's `Default`, and its value is parsed on the way in (see `FromConfigStr`).

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

pub use crate::digest::Limits;
pub use crate::i18n::Locale;
use crate::schedule::WeeklySlot;
use crate::secret::WebhookRef;
use crate::target::ThreadMode;

/// The whole configuration.
///
/// Deserializing it gives the paths as written; [`from_yaml`] also resolves them against the file's folder.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, expecting = "a mapping of digestbot settings")]
pub struct Config {
    /// Folder holding the digest Markdown files. Default: `digests`.
    #[serde(deserialize_with = "digests_dir")]
    pub digests_dir: PathBuf,
    /// SQLite file with subscriptions and the delivery ledger. Default: `state/digestbot.sqlite3`.
    #[serde(deserialize_with = "state_path")]
    pub state_path: PathBuf,
    /// How often the digests folder is checked for new and changed files. Default: 30 s.
    #[serde(deserialize_with = "digests_poll")]
    pub digests_poll: Duration,
    /// Language of the bot's own messages (the [`crate::i18n`] locale). Default: Korean (`ko`).
    #[serde(deserialize_with = "text::<Locale, _>")]
    pub locale: Locale,
    /// When the digest is posted.
    #[serde(deserialize_with = "nullable")]
    pub schedule: ScheduleConfig,
    /// Discord API location, command registration and always-on destinations.
    #[serde(deserialize_with = "nullable")]
    pub discord: DiscordConfig,
    /// Slack API location, listener and always-on destinations.
    #[serde(deserialize_with = "nullable")]
    pub slack: SlackConfig,
    /// Caps on what one digest file may hold.
    #[serde(deserialize_with = "limits")]
    pub limits: Limits,
    /// What happens to a digest after it went out.
    #[serde(deserialize_with = "nullable")]
    pub delivery: DeliveryConfig,
    /// Where the bot tells the digest's editors what went wrong, what went out, and what is missing.
    #[serde(deserialize_with = "nullable")]
    pub editors: EditorsConfig,
    /// Whether each slot's digest waits for an editor's approval.
    #[serde(deserialize_with = "approval")]
    pub approval: ApprovalConfig,
    /// The one HTTP listener of `serve`: the health check, the metrics and Slack's requests.
    #[serde(deserialize_with = "nullable")]
    pub http: HttpConfig,
}

/// Whether a slot's digest must be approved by an editor before it goes out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ApprovalMode {
    /// Digests go out at their slot.
    #[default]
    Off,
    /// A digest goes out only once an editor approved its current version.
    Required,
}

/// Approval before sending. In the file, `approval: required` is short for `approval: {mode: required}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, expecting = "`required`, `off`, or a mapping with `mode` and `ahead`")]
pub struct ApprovalConfig {
    /// `off` or `required`. Default: off.
    #[serde(deserialize_with = "text::<ApprovalMode, _>")]
    pub mode: ApprovalMode,
    /// How long before a slot the preview goes to the editors' channel for approval. Default: 24 h.
    #[serde(deserialize_with = "approval_ahead")]
    pub ahead: Duration,
}

impl Default for ApprovalConfig {
    fn default() -> Self {
        ApprovalConfig { mode: ApprovalMode::Off, ahead: Duration::from_secs(24 * 60 * 60) }
    }
}

/// The HTTP listener. `serve` always runs it: `/healthz`, `/metrics` when asked for, and Slack's
/// routes when the signing secret is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, expecting = "a mapping with `listen` and `metrics`")]
pub struct HttpConfig {
    /// The address it listens on. Default: `127.0.0.1:3000`. The deprecated `slack.listen` stands in
    /// for it when it is not given ([`from_yaml`]).
    #[serde(deserialize_with = "http_listen")]
    pub listen: SocketAddr,
    /// Whether `/metrics` is served (Prometheus). Default: false.
    #[serde(deserialize_with = "nullable")]
    pub metrics: bool,
}

/// Default of [`HttpConfig::listen`].
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 3000);

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig { listen: DEFAULT_LISTEN, metrics: false }
    }
}

/// The editors' channel, on either platform or both.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, expecting = "a mapping with `discord`, `slack` and `remind_before`")]
pub struct EditorsConfig {
    /// A Discord channel id. Default: none.
    #[serde(deserialize_with = "discord_id")]
    pub discord: Option<u64>,
    /// A Slack channel id (`C…`, `G…`). Default: none.
    #[serde(deserialize_with = "slack_channel")]
    pub slack: Option<String>,
    /// How long before a slot the editors are reminded when no new digest exists for it. Default: 24 h.
    #[serde(deserialize_with = "remind_before")]
    pub remind_before: Duration,
}

impl Default for EditorsConfig {
    fn default() -> Self {
        EditorsConfig { discord: None, slack: None, remind_before: Duration::from_secs(24 * 60 * 60) }
    }
}

impl Default for Config {
    /// The defaults, with the paths relative as written (`digests`, `state/digestbot.sqlite3`).
    fn default() -> Self {
        Config {
            digests_dir: PathBuf::from("digests"),
            state_path: PathBuf::from("state/digestbot.sqlite3"),
            digests_poll: Duration::from_secs(30),
            locale: Locale::default(),
            schedule: ScheduleConfig::default(),
            discord: DiscordConfig::default(),
            slack: SlackConfig::default(),
            limits: Limits::default(),
            delivery: DeliveryConfig::default(),
            editors: EditorsConfig::default(),
            approval: ApprovalConfig::default(),
            http: HttpConfig::default(),
        }
    }
}

impl Config {
    /// What to say at start-up about the deprecated `slack.listen`, when the file gives it: that it
    /// stands in for `http.listen`, or that `http.listen` is given too and wins.
    pub fn listen_notice(&self) -> Option<String> {
        let old = self.slack.listen?;
        let new = self.http.listen;
        Some(if old == new {
            format!("slack.listen is deprecated: rename it http.listen (listening on {new})")
        } else {
            format!("slack.listen ({old}) is deprecated and ignored: http.listen ({new}) is given too and wins")
        })
    }
}

/// Whether a change to a delivered digest edits the messages already posted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Corrections {
    /// Edit them in place (and post or delete the parts the new version adds or drops).
    #[default]
    Edit,
    /// Leave posted messages as they are.
    Off,
}

/// What happens to a digest after it went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, expecting = "a mapping of delivery settings")]
pub struct DeliveryConfig {
    /// `edit` or `off`. Default: `edit`.
    #[serde(deserialize_with = "text::<Corrections, _>")]
    pub corrections: Corrections,
    /// A digest older than this (from its date) is no longer corrected. Default: 14 days.
    #[serde(deserialize_with = "corrections_window")]
    pub corrections_window: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig { corrections: Corrections::Edit, corrections_window: Duration::from_secs(14 * 24 * 60 * 60) }
    }
}

/// When the weekly digest is posted. In the file, `weekday`, `time` and `timezone` sit beside `catch_up`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(from = "ScheduleFile")]
pub struct ScheduleConfig {
    /// Weekday, time and zone of the post. Default: Monday 09:00 Asia/Seoul.
    pub slot: WeeklySlot,
    /// How late a missed post may still go out (after downtime). Default: 12 hours.
    pub catch_up: Duration,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig { slot: WeeklySlot::default(), catch_up: Duration::from_secs(12 * 60 * 60) }
    }
}

/// Discord settings. The bot token comes from `DISCORD_TOKEN`, never from the file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, expecting = "a mapping of Discord settings")]
pub struct DiscordConfig {
    /// Base URL of every REST call and gateway lookup, without a trailing slash. Default: `https://discord.com`.
    #[serde(deserialize_with = "discord_api_base")]
    pub api_base: String,
    /// Register slash commands to this guild (instant) instead of globally. Default: none.
    #[serde(deserialize_with = "discord_id")]
    pub guild_id: Option<u64>,
    /// Channel ids that are always subscribed. Default: none.
    #[serde(deserialize_with = "discord_ids")]
    pub channels: Vec<u64>,
    /// Webhooks that always receive the digest. Default: none.
    #[serde(deserialize_with = "list::<WebhookRef, _>")]
    pub webhooks: Vec<WebhookRef>,
    /// The `threads` setting of channels that have none of their own: `off`, `issue` or `article`.
    /// Default: `off`.
    #[serde(deserialize_with = "text::<ThreadMode, _>")]
    pub threads: ThreadMode,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            api_base: "https://discord.com".to_owned(),
            guild_id: None,
            channels: Vec::new(),
            webhooks: Vec::new(),
            threads: ThreadMode::Off,
        }
    }
}

/// Slack settings. The bot token and signing secret come from `SLACK_BOT_TOKEN` and
/// `SLACK_SIGNING_SECRET`, never from the file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, expecting = "a mapping of Slack settings")]
pub struct SlackConfig {
    /// Base URL of every Web API call, without a trailing slash. Default: `https://slack.com/api`.
    #[serde(deserialize_with = "slack_api_base")]
    pub api_base: String,
    /// Deprecated: the old name of `http.listen`, used when that is not given. Default: none.
    #[serde(deserialize_with = "parse::<SocketAddr, _>")]
    pub listen: Option<SocketAddr>,
    /// Channel ids (`C…`, `G…`) that are always subscribed. Default: none.
    #[serde(deserialize_with = "list::<SlackChannelId, _>")]
    pub channels: Vec<String>,
    /// Incoming webhooks that always receive the digest. Default: none.
    #[serde(deserialize_with = "list::<WebhookRef, _>")]
    pub webhooks: Vec<WebhookRef>,
    /// User ids (`U…`, `W…`) allowed to subscribe and unsubscribe channels; empty means anyone.
    #[serde(deserialize_with = "list::<SlackUserId, _>")]
    pub admins: Vec<String>,
    /// A slash command's `response_url` is used only when it starts with one of these.
    /// Default: `https://hooks.slack.com/`.
    #[serde(deserialize_with = "response_url_prefixes")]
    pub response_url_prefixes: Vec<String>,
    /// The `threads` setting of channels (and incoming webhooks) that have none of their own: `off`
    /// or `issue` (the same on Slack: replies go to the header message's thread), or `article`.
    /// Default: `off`.
    #[serde(deserialize_with = "text::<ThreadMode, _>")]
    pub threads: ThreadMode,
}

impl Default for SlackConfig {
    fn default() -> Self {
        SlackConfig {
            api_base: "https://slack.com/api".to_owned(),
            listen: None,
            channels: Vec::new(),
            webhooks: Vec::new(),
            admins: Vec::new(),
            response_url_prefixes: vec!["https://hooks.slack.com/".to_owned()],
            threads: ThreadMode::Off,
        }
    }
}

/// What went wrong reading the configuration, split by how the caller reacts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file that was asked for explicitly does not exist: check the path.
    #[error("{}: config file not found", .path.display())]
    NotFound { path: PathBuf },
    /// The file exists but could not be read (permissions, a directory, an I/O error).
    #[error("{}: cannot read the config file", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A mistake in the file (or in an environment variable it refers to): fix the named key.
    /// Displays as `<path>:<line>: <message>`, or `<path>: <message>` when the line is unknown.
    #[error("{}{}: {message}", .path.display(), .line.map(|line| format!(":{line}")).unwrap_or_default())]
    Invalid { path: PathBuf, line: Option<usize>, message: String },
}

/// Reads the configuration.
///
/// With `explicit` (a `--config` path), that file must exist. Without it, `default_path` is read if it
/// exists, and the defaults (with paths relative to the current directory) are used if it does not.
/// Relative paths in a file are resolved against the file's folder (`.` when it has none).
pub fn load(explicit: Option<&Path>, default_path: &Path) -> Result<Config, ConfigError> {
    let path = explicit.unwrap_or(default_path);
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            return match explicit {
                Some(_) => Err(ConfigError::NotFound { path: path.to_path_buf() }),
                None => Ok(Config::default()),
            };
        }
        Err(source) => return Err(ConfigError::Read { path: path.to_path_buf(), source }),
    };
    let text = String::from_utf8(bytes).map_err(|_| ConfigError::Invalid {
        path: path.to_path_buf(),
        line: None,
        message: "the file is not valid UTF-8".to_owned(),
    })?;
    from_yaml(&text, path, &base_dir_of(path))
}

/// The folder relative paths in the config file at `path` are resolved against.
fn base_dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Parses a config file's text. `origin` names the file in errors only; relative `digests_dir` and
/// `state_path` are joined onto `base_dir` (absolute ones are kept). Empty text is the defaults. The
/// deprecated `slack.listen` becomes `http.listen` when the file does not give that key.
pub fn from_yaml(text: &str, origin: &Path, base_dir: &Path) -> Result<Config, ConfigError> {
    let config: Option<Config> = serde_yaml::from_str(text).map_err(|err| invalid_yaml(origin, text, &err))?;
    let mut config = config.unwrap_or_default();
    config.digests_dir = base_dir.join(&config.digests_dir);
    config.state_path = base_dir.join(&config.state_path);
    if let Some(old) = config.slack.listen
        && !gives_http_listen(text)
    {
        config.http.listen = old;
    }
    Ok(config)
}

/// Whether the file gives `http.listen` (`~` does not): only the text can tell a default written out
/// from a missing key. The text already parsed as a config, so it parses as YAML.
fn gives_http_listen(text: &str) -> bool {
    serde_yaml::from_str::<serde_yaml::Value>(text).is_ok_and(|yaml| !yaml["http"]["listen"].is_null())
}

/// Turns a serde_yaml error into [`ConfigError::Invalid`], moving its position into `line`.
fn invalid_yaml(origin: &Path, text: &str, err: &serde_yaml::Error) -> ConfigError {
    let location = err.location();
    let mut message = err.to_string();
    let mut line = location.as_ref().map(|at| at.line());
    if let Some(at) = &location {
        // serde_yaml appends the position to its message; the line moves into `line` instead.
        message = message.replacen(&format!(" at line {} column {}", at.line(), at.column()), "", 1);
        // For a key given twice serde_yaml points at the start of its mapping: name the second one.
        if let Some(key) = message.split("duplicate field `").nth(1).and_then(|rest| rest.split('`').next()) {
            line = second_key_line(text, at.line(), key).or(line);
        }
    }
    ConfigError::Invalid { path: origin.to_path_buf(), line, message }
}

/// The line (1-based) of the second `key:` at the same indentation from line `from` on.
fn second_key_line(text: &str, from: usize, key: &str) -> Option<usize> {
    let mut first_indent = None;
    for (index, raw) in text.lines().enumerate().skip(from.saturating_sub(1)) {
        let indent = raw.len() - raw.trim_start().len();
        let rest = raw.trim_start().strip_prefix(key).map(str::trim_start);
        if !rest.is_some_and(|rest| rest.starts_with(':')) {
            continue;
        }
        match first_indent {
            None => first_indent = Some(indent),
            Some(first) if first == indent => return Some(index + 1),
            Some(_) => {}
        }
    }
    None
}

// --- Reading the file -------------------------------------------------------------------------------
//
// A missing key takes its section's `Default` (`#[serde(default)]`), and `~` (null) means the same: the
// `deserialize_with` helpers read `Option`s and fall back. Each value is parsed from its text by a
// `FromConfigStr` type whose message names the bad value; serde_yaml prefixes it with the key's path
// (`schedule.timezone: …`) and gives the position.

/// A section, list or value whose default is its type's `Default`; `~` (null) gives that default.
fn nullable<'de, T: Deserialize<'de> + Default, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or_default())
}

/// A value parsed by `P`, or `None` for `~` (null).
fn parse<'de, P: FromConfigStr, D: Deserializer<'de>>(d: D) -> Result<Option<P::Value>, D::Error> {
    Ok(Option::<Parsed<P>>::deserialize(d)?.map(|parsed| parsed.0))
}

/// A value parsed by `P` whose default is its type's `Default`.
fn text<'de, P: FromConfigStr<Value: Default>, D: Deserializer<'de>>(d: D) -> Result<P::Value, D::Error> {
    Ok(parse::<P, D>(d)?.unwrap_or_default())
}

/// A list of values parsed by `P`; `~` (null) is the empty list.
fn list<'de, P: FromConfigStr, D: Deserializer<'de>>(d: D) -> Result<Vec<P::Value>, D::Error> {
    Ok(nullable::<Vec<Parsed<P>>, D>(d)?.into_iter().map(|parsed| parsed.0).collect())
}

// The keys whose default is not their type's `Default` name it for `~` (null).

fn digests_dir<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
    Ok(parse::<PathBuf, D>(d)?.unwrap_or_else(|| Config::default().digests_dir))
}

fn state_path<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
    Ok(parse::<PathBuf, D>(d)?.unwrap_or_else(|| Config::default().state_path))
}

fn digests_poll<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    Ok(parse::<Interval, D>(d)?.unwrap_or_else(|| Config::default().digests_poll))
}

fn approval_ahead<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    Ok(parse::<Duration, D>(d)?.unwrap_or_else(|| ApprovalConfig::default().ahead))
}

/// `approval:` as a mode alone (`required`) or as a mapping; `~` is the default.
fn approval<'de, D: Deserializer<'de>>(d: D) -> Result<ApprovalConfig, D::Error> {
    struct ApprovalVisitor;

    impl<'de> Visitor<'de> for ApprovalVisitor {
        type Value = ApprovalConfig;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("`required`, `off`, or a mapping with `mode` and `ahead`")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<ApprovalConfig, E> {
            let mode = ApprovalMode::from_config_str(text).map_err(E::custom)?;
            Ok(ApprovalConfig { mode, ..ApprovalConfig::default() })
        }

        fn visit_unit<E: de::Error>(self) -> Result<ApprovalConfig, E> {
            Ok(ApprovalConfig::default())
        }

        fn visit_none<E: de::Error>(self) -> Result<ApprovalConfig, E> {
            Ok(ApprovalConfig::default())
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<ApprovalConfig, D2::Error> {
            d.deserialize_any(ApprovalVisitor)
        }

        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<ApprovalConfig, A::Error> {
            ApprovalConfig::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }

    d.deserialize_any(ApprovalVisitor)
}

fn remind_before<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    Ok(parse::<Duration, D>(d)?.unwrap_or_else(|| EditorsConfig::default().remind_before))
}

fn slack_channel<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    parse::<SlackChannelId, D>(d)
}

fn corrections_window<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    Ok(parse::<Duration, D>(d)?.unwrap_or_else(|| DeliveryConfig::default().corrections_window))
}

fn discord_api_base<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(parse::<ApiBase, D>(d)?.unwrap_or_else(|| DiscordConfig::default().api_base))
}

fn slack_api_base<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(parse::<ApiBase, D>(d)?.unwrap_or_else(|| SlackConfig::default().api_base))
}

fn http_listen<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    Ok(parse::<SocketAddr, D>(d)?.unwrap_or(DEFAULT_LISTEN))
}

fn response_url_prefixes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let list = Option::<Vec<Parsed<UrlPrefix>>>::deserialize(d)?;
    Ok(list
        .map_or_else(|| SlackConfig::default().response_url_prefixes, |list| list.into_iter().map(|p| p.0).collect()))
}

fn discord_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(Option::<DiscordId>::deserialize(d)?.map(|id| id.0))
}

fn discord_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    Ok(nullable::<Vec<DiscordId>, D>(d)?.into_iter().map(|id| id.0).collect())
}

fn limits<'de, D: Deserializer<'de>>(d: D) -> Result<Limits, D::Error> {
    Ok(nullable::<LimitsFile, D>(d)?.into())
}

/// `schedule:` as written. Its weekday, time and zone become a [`WeeklySlot`], which belongs to the
/// schedule and knows nothing of files; `None` is a missing key or `~`.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields, expecting = "a mapping of schedule settings")]
struct ScheduleFile {
    #[serde(deserialize_with = "parse::<Weekday, _>")]
    weekday: Option<Weekday>,
    #[serde(deserialize_with = "parse::<NaiveTime, _>")]
    time: Option<NaiveTime>,
    #[serde(deserialize_with = "parse::<Tz, _>")]
    timezone: Option<Tz>,
    #[serde(deserialize_with = "parse::<Duration, _>")]
    catch_up: Option<Duration>,
}

impl From<ScheduleFile> for ScheduleConfig {
    fn from(file: ScheduleFile) -> Self {
        let default = ScheduleConfig::default();
        let slot = WeeklySlot {
            weekday: file.weekday.unwrap_or(default.slot.weekday),
            time: file.time.unwrap_or(default.slot.time),
            tz: file.timezone.unwrap_or(default.slot.tz),
        };
        ScheduleConfig { slot, catch_up: file.catch_up.unwrap_or(default.catch_up) }
    }
}

/// `limits:` as written. [`Limits`] belongs to the digest parser, which knows nothing of files; `None`
/// is a missing key or `~`.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields, expecting = "a mapping of limits")]
struct LimitsFile {
    #[serde(deserialize_with = "parse::<ByteSize, _>")]
    max_digest_bytes: Option<u64>,
    #[serde(deserialize_with = "parse::<Count, _>")]
    max_articles: Option<usize>,
    #[serde(deserialize_with = "parse::<ByteSize, _>")]
    max_front_matter_bytes: Option<u64>,
}

impl From<LimitsFile> for Limits {
    fn from(file: LimitsFile) -> Self {
        let default = Limits::default();
        Limits {
            max_digest_bytes: file.max_digest_bytes.unwrap_or(default.max_digest_bytes),
            max_articles: file.max_articles.unwrap_or(default.max_articles),
            max_front_matter_bytes: file
                .max_front_matter_bytes
                .map_or(default.max_front_matter_bytes, |bytes| usize::try_from(bytes).unwrap_or(usize::MAX)),
        }
    }
}

/// Parsing of one kind of config value from its text into a `Value`; the error says what was expected
/// and repeats the text (unless it may be a secret). serde_yaml adds the key and the position.
trait FromConfigStr {
    /// What the text is parsed into.
    type Value;
    /// What the value should look like, for type errors (a list where a string was expected, …).
    const EXPECTING: &'static str;
    fn from_config_str(text: &str) -> Result<Self::Value, String>;
}

/// A value written as text (a plain scalar such as `12` is read as its text) and parsed by `P`.
struct Parsed<P: FromConfigStr>(P::Value);

impl<'de, P: FromConfigStr> Deserialize<'de> for Parsed<P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ParsedVisitor<P>(PhantomData<P>);

        impl<P: FromConfigStr> Visitor<'_> for ParsedVisitor<P> {
            type Value = Parsed<P>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(P::EXPECTING)
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Parsed<P>, E> {
                P::from_config_str(text).map(Parsed).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(ParsedVisitor(PhantomData))
    }
}

impl FromConfigStr for PathBuf {
    type Value = Self;
    const EXPECTING: &'static str = "a path";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        if text.trim().is_empty() { Err("the path must not be empty".to_owned()) } else { Ok(PathBuf::from(text)) }
    }
}

/// A [`Duration`] longer than zero.
struct Interval;

impl FromConfigStr for Interval {
    type Value = Duration;
    const EXPECTING: &'static str = "a duration longer than 0s, such as 30s";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        match Duration::from_config_str(text)? {
            zero if zero.is_zero() => Err(format!("`{text}` is no interval: expected a duration longer than 0s")),
            every => Ok(every),
        }
    }
}

impl FromConfigStr for ApprovalMode {
    type Value = Self;
    const EXPECTING: &'static str = "`required` or `off`";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        match text.trim() {
            "required" => Ok(ApprovalMode::Required),
            "off" => Ok(ApprovalMode::Off),
            _ => Err(format!("unknown approval mode `{text}`: expected `required` or `off`")),
        }
    }
}

impl FromConfigStr for ThreadMode {
    type Value = Self;
    const EXPECTING: &'static str = "`off`, `issue` or `article`";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        ThreadMode::parse(text)
            .ok_or_else(|| format!("unknown threads setting `{text}`: expected `off`, `issue` or `article`"))
    }
}

impl FromConfigStr for Corrections {
    type Value = Self;
    const EXPECTING: &'static str = "`edit` or `off`";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        match text.trim() {
            "edit" => Ok(Corrections::Edit),
            "off" => Ok(Corrections::Off),
            _ => Err(format!("unknown corrections mode `{text}`: expected `edit` or `off`")),
        }
    }
}

impl FromConfigStr for Locale {
    type Value = Self;
    const EXPECTING: &'static str = "`ko` or `en`";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        Locale::parse(text).ok_or_else(|| format!("unknown locale `{text}`: expected `ko` or `en`"))
    }
}

impl FromConfigStr for Weekday {
    type Value = Self;
    const EXPECTING: &'static str = "an English day name such as monday or mon";

    /// chrono's names: full or three letters, any case.
    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        text.trim().parse().map_err(|_| {
            format!("unknown weekday `{text}`: expected an English day name, full or three letters (monday, mon, …)")
        })
    }
}

impl FromConfigStr for NaiveTime {
    type Value = Self;
    const EXPECTING: &'static str = "a time of day as HH:MM";

    /// chrono's `%H:%M`, with exactly two digits of minutes (chrono would take `9:5` and `9: 05`).
    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        let bad = || format!("invalid time `{text}`: expected HH:MM on a 24-hour clock, 00:00 to 23:59");
        let text = text.trim();
        let minutes = text.split_once(':').map_or("", |(_, minutes)| minutes);
        if minutes.len() != 2 || !minutes.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| bad())
    }
}

impl FromConfigStr for Tz {
    type Value = Self;
    const EXPECTING: &'static str = "an IANA time zone name such as Asia/Seoul";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        text.trim()
            .parse::<Tz>()
            .map_err(|_| format!("unknown time zone `{text}`: expected an IANA name such as Asia/Seoul"))
    }
}

impl FromConfigStr for Duration {
    type Value = Self;
    const EXPECTING: &'static str = "a duration such as 12h, 90m or 1h30m";

    /// One or more `<number><unit>` parts, units `s`, `m`, `h`, `d`: `12h`, `90m`, `1h30m`, `2d`, `0s`.
    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        let bad = || {
            format!(
                "invalid duration `{text}`: expected one or more <number><unit> parts with units s, m, h, d \
                 (e.g. 12h, 90m, 1h30m)"
            )
        };
        let mut rest = text.trim();
        if rest.is_empty() {
            return Err(bad());
        }
        let mut total: u64 = 0;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(bad());
            }
            let (number, tail) = rest.split_at(digits);
            let mut chars = tail.chars();
            let unit: u64 = match chars.next() {
                Some('s') => 1,
                Some('m') => 60,
                Some('h') => 60 * 60,
                Some('d') => 24 * 60 * 60,
                _ => return Err(bad()),
            };
            let too_large = || format!("invalid duration `{text}`: too large");
            let number: u64 = number.parse().map_err(|_| too_large())?;
            let seconds = number.checked_mul(unit).ok_or_else(too_large)?;
            total = total.checked_add(seconds).ok_or_else(too_large)?;
            rest = chars.as_str();
        }
        Ok(Duration::from_secs(total))
    }
}

impl FromConfigStr for SocketAddr {
    type Value = Self;
    const EXPECTING: &'static str = "an address such as 127.0.0.1:3000";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        text.trim().parse().map_err(|_| {
            format!("invalid listen address `{text}`: expected IP:PORT such as 127.0.0.1:3000 or [::1]:3000")
        })
    }
}

impl FromConfigStr for WebhookRef {
    type Value = Self;
    const EXPECTING: &'static str = "a webhook URL or an environment variable name";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        WebhookRef::parse(text)
    }
}

/// An API base URL: `http(s)://` and a host, trailing slashes trimmed.
enum ApiBase {}

impl FromConfigStr for ApiBase {
    type Value = String;
    const EXPECTING: &'static str = "a URL starting with https:// or http://";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        let trimmed = text.trim().trim_end_matches('/');
        if is_http_url(trimmed) && !trimmed.chars().any(char::is_whitespace) {
            Ok(trimmed.to_owned())
        } else {
            Err(format!("invalid API base `{text}`: expected a URL starting with https:// or http://"))
        }
    }
}

/// A URL prefix for `response_url`s: `https://` (or `http://`, for tests) and a host, ending in `/`, so
/// `https://hooks.slack.com` cannot be matched by `https://hooks.slack.com.attacker.example/`.
enum UrlPrefix {}

impl FromConfigStr for UrlPrefix {
    type Value = String;
    const EXPECTING: &'static str = "a URL prefix such as https://hooks.slack.com/";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        let trimmed = text.trim();
        let after_scheme = trimmed.split_once("://").map(|(_, rest)| rest).unwrap_or("");
        let host = after_scheme.split('/').next().unwrap_or("");
        if is_http_url(trimmed)
            && !host.is_empty()
            && !host.contains('@')
            && trimmed.ends_with('/')
            && !trimmed.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            Ok(trimmed.to_owned())
        } else {
            Err(format!(
                "invalid response_url prefix `{text}`: expected https:// (or http://), a host with no user \
                 name, and a path ending in `/`, such as https://hooks.slack.com/"
            ))
        }
    }
}

/// A size in bytes: a number, optionally with a unit `B`, `KiB`, `MiB` (also `K`, `KB`, `M`, `MB`,
/// all powers of 1024). At least 1 byte.
enum ByteSize {}

impl FromConfigStr for ByteSize {
    type Value = u64;
    const EXPECTING: &'static str = "a size such as 1MiB, 64KiB or 4096";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        let bad =
            || format!("invalid size `{text}`: expected a number of bytes, optionally with KiB or MiB (e.g. 1MiB)");
        let trimmed = text.trim();
        let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
        let (number, unit) = trimmed.split_at(digits);
        let number: u64 = number.parse().map_err(|_| bad())?;
        let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" | "kib" => 1024,
            "m" | "mb" | "mib" => 1024 * 1024,
            _ => return Err(bad()),
        };
        match number.checked_mul(factor) {
            Some(0) => Err(format!("invalid size `{text}`: must be at least 1 byte")),
            Some(bytes) if bytes <= 1 << 32 => Ok(bytes),
            _ => Err(format!("invalid size `{text}`: at most 4096MiB")),
        }
    }
}

/// A positive count.
enum Count {}

impl FromConfigStr for Count {
    type Value = usize;
    const EXPECTING: &'static str = "a positive whole number";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        match text.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("invalid count `{text}`: expected a whole number of at least 1")),
        }
    }
}

/// A Slack conversation id: `C…` (channel), `G…` (private channel / group) or `D…` (direct message).
enum SlackChannelId {}

impl FromConfigStr for SlackChannelId {
    type Value = String;
    const EXPECTING: &'static str = "a Slack channel id such as C0123456789";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        slack_id(text, &['C', 'G', 'D']).ok_or_else(|| {
            format!(
                "invalid Slack channel id `{text}`: expected an id such as C0123456789, not a channel name \
                 (copy it from the channel details in Slack)"
            )
        })
    }
}

/// A Slack user id: `U…` or `W…` (Enterprise Grid).
enum SlackUserId {}

impl FromConfigStr for SlackUserId {
    type Value = String;
    const EXPECTING: &'static str = "a Slack user id such as U0123456789";

    fn from_config_str(text: &str) -> Result<Self::Value, String> {
        slack_id(text, &['U', 'W']).ok_or_else(|| {
            format!("invalid Slack user id `{text}`: expected an id such as U0123456789, not a user name")
        })
    }
}

/// `text` as a Slack id if it is one of the `prefixes` followed by upper-case letters and digits.
fn slack_id(text: &str, prefixes: &[char]) -> Option<String> {
    let id = text.trim();
    let mut chars = id.chars();
    let first = chars.next()?;
    let rest = chars.as_str();
    let valid = prefixes.contains(&first)
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    valid.then(|| id.to_owned())
}

/// A Discord id (snowflake), written as a number or a string of digits. Never 0.
struct DiscordId(u64);

impl<'de> Deserialize<'de> for DiscordId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DiscordIdVisitor;

        fn checked<E: de::Error>(id: u64, shown: &dyn fmt::Display) -> Result<DiscordId, E> {
            if id == 0 {
                Err(E::custom(format!("invalid Discord id `{shown}`: ids are never 0")))
            } else {
                Ok(DiscordId(id))
            }
        }

        fn bad<E: de::Error>(shown: &dyn fmt::Display) -> E {
            E::custom(format!("invalid Discord id `{shown}`: expected a number such as 123456789012345678"))
        }

        impl Visitor<'_> for DiscordIdVisitor {
            type Value = DiscordId;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Discord id (a number such as 123456789012345678)")
            }

            fn visit_u64<E: de::Error>(self, id: u64) -> Result<DiscordId, E> {
                checked(id, &id)
            }

            fn visit_i64<E: de::Error>(self, id: i64) -> Result<DiscordId, E> {
                u64::try_from(id).map_err(|_| bad(&id)).and_then(|id| checked(id, &id))
            }

            fn visit_u128<E: de::Error>(self, id: u128) -> Result<DiscordId, E> {
                Err(bad(&id))
            }

            fn visit_i128<E: de::Error>(self, id: i128) -> Result<DiscordId, E> {
                Err(bad(&id))
            }

            fn visit_f64<E: de::Error>(self, id: f64) -> Result<DiscordId, E> {
                Err(bad(&id))
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<DiscordId, E> {
                Err(bad(&value))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<DiscordId, E> {
                let digits = text.trim();
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad(&text));
                }
                digits.parse::<u64>().map_err(|_| bad(&text)).and_then(|id| checked(id, &text))
            }
        }

        deserializer.deserialize_any(DiscordIdVisitor)
    }
}

/// Whether `text` starts with `https://` or `http://` (any case) and has something after it.
pub(crate) fn is_http_url(text: &str) -> bool {
    ["https://", "http://"].iter().any(|scheme| {
        text.get(..scheme.len()).is_some_and(|head| head.eq_ignore_ascii_case(scheme)) && text.len() > scheme.len()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    const DEFAULT_FILE: &str = include_str!("../config/digestbot.yaml");

    fn parse(text: &str) -> Config {
        from_yaml(text, Path::new("digestbot.yaml"), Path::new("")).unwrap_or_else(|err| panic!("{text:?}: {err}"))
    }

    /// Parses `text` expecting an error on `line` whose message contains every one of `wanted`.
    fn check_err(text: &str, line: Option<usize>, wanted: &[&str]) {
        let err = from_yaml(text, Path::new("cfg.yaml"), Path::new("")).expect_err(text);
        let ConfigError::Invalid { path, line: got_line, message } = &err else { panic!("{text:?}: {err:?}") };
        assert_eq!(path, Path::new("cfg.yaml"));
        assert_eq!(*got_line, line, "{text:?}: {message}");
        for want in wanted {
            assert!(message.contains(want), "{text:?}: {message:?} should contain {want:?}");
        }
        let shown = err.to_string();
        match line {
            Some(line) => assert!(shown.starts_with(&format!("cfg.yaml:{line}: ")), "{shown}"),
            None => assert!(shown.starts_with("cfg.yaml: "), "{shown}"),
        }
        if let Some(line) = line {
            assert!(!shown.contains(&format!(" at line {line} column")), "{shown}");
        }
    }

    fn time(hm: &str) -> NaiveTime {
        NaiveTime::parse_from_str(hm, "%H:%M").unwrap()
    }

    #[test]
    fn empty_and_comment_only_files_are_the_defaults() {
        let cases = ["", "\n\n", "# only a comment\n", "# one\n  # two\n\n", "~\n", "null", "---\n", "---\n...\n"];
        for text in cases {
            assert_eq!(parse(text), Config::default(), "{text:?}");
        }
        // Empty sections and null values also take the defaults.
        let cases = [
            "schedule:\ndiscord:\nslack:\n",
            "schedule: {}\ndiscord: {}\nslack: {}\n",
            "locale: ~\nschedule:\n  weekday:\n  time: ~\n",
            "discord:\n  channels: ~\n  webhooks: []\n  guild_id: null\n",
        ];
        for text in cases {
            assert_eq!(parse(text), Config::default(), "{text:?}");
        }
    }

    #[test]
    fn null_is_the_default_for_every_key() {
        let text = "\
digests_dir: ~\nstate_path: ~\nlocale: ~
schedule:\n  weekday: ~\n  time: ~\n  timezone: ~\n  catch_up: ~
discord:\n  api_base: ~\n  guild_id: ~\n  channels: ~\n  webhooks: ~
slack:\n  api_base: ~\n  listen: ~\n  channels: ~\n  webhooks: ~\n  admins: ~\n  response_url_prefixes: ~
limits:\n  max_digest_bytes: ~\n  max_articles: ~\n  max_front_matter_bytes: ~
delivery:\n  corrections: ~\n  corrections_window: ~\ndigests_poll: ~
http:\n  listen: ~\n  metrics: ~
";
        assert_eq!(parse(text), Config::default());
        assert_eq!(parse("schedule: ~\ndiscord: ~\nslack: ~\nlimits: ~\nhttp: ~\n"), Config::default());
        assert_eq!(parse("slack:\n  response_url_prefixes: []\n").slack.response_url_prefixes, Vec::<String>::new());
    }

    #[test]
    fn default_values() {
        let c = Config::default();
        assert_eq!(c.digests_dir, Path::new("digests"));
        assert_eq!(c.state_path, Path::new("state/digestbot.sqlite3"));
        assert_eq!(c.locale, Locale::Ko);
        assert_eq!(c.schedule.slot, WeeklySlot::default());
        assert_eq!(c.schedule.slot.to_string(), "Mon 09:00 Asia/Seoul");
        assert_eq!(c.schedule.catch_up, Duration::from_secs(12 * 3600));
        assert_eq!(c.discord.api_base, "https://discord.com");
        assert_eq!(c.discord.guild_id, None);
        assert!(c.discord.channels.is_empty() && c.discord.webhooks.is_empty());
        assert_eq!(c.slack.api_base, "https://slack.com/api");
        assert_eq!(c.slack.listen, None);
        assert_eq!(c.http, HttpConfig { listen: "127.0.0.1:3000".parse().unwrap(), metrics: false });
        assert!(c.slack.channels.is_empty() && c.slack.webhooks.is_empty() && c.slack.admins.is_empty());
        assert_eq!(c.digests_poll, Duration::from_secs(30));
        assert_eq!(c.delivery.corrections, Corrections::Edit);
        assert_eq!(c.delivery.corrections_window, Duration::from_secs(14 * 24 * 3600));
        assert_eq!((c.discord.threads, c.slack.threads), (ThreadMode::Off, ThreadMode::Off));
    }

    #[test]
    fn approval_settings() {
        assert_eq!(parse("").approval, ApprovalConfig::default());
        let short = parse("approval: required\n").approval;
        assert_eq!(short, ApprovalConfig { mode: ApprovalMode::Required, ..ApprovalConfig::default() });
        let full = parse("approval:\n  mode: required\n  ahead: 48h\n").approval;
        assert_eq!(full, ApprovalConfig { mode: ApprovalMode::Required, ahead: Duration::from_secs(48 * 3600) });
        assert_eq!(parse("approval: ~\n").approval, ApprovalConfig::default());
        let err = from_yaml("approval: maybe\n", Path::new("c.yaml"), Path::new(".")).unwrap_err();
        assert!(err.to_string().contains("unknown approval mode `maybe`"), "{err}");
        let err = from_yaml("approval:\n  mode: off\n  when: 1h\n", Path::new("c.yaml"), Path::new(".")).unwrap_err();
        assert!(err.to_string().starts_with("c.yaml:3: approval: unknown field `when`"), "{err}");
    }

    #[test]
    fn editors_settings() {
        assert_eq!(parse("").editors, EditorsConfig::default());
        let c = parse("editors:\n  discord: \"123456789012345678\"\n  slack: C0EDIT\n  remind_before: 36h\n");
        assert_eq!(
            c.editors,
            EditorsConfig {
                discord: Some(123_456_789_012_345_678),
                slack: Some("C0EDIT".into()),
                remind_before: Duration::from_secs(36 * 3600)
            }
        );
        let err = from_yaml("editors:\n  slack: general\n", Path::new("c.yaml"), Path::new(".")).unwrap_err();
        assert!(err.to_string().starts_with("c.yaml:2: editors.slack:"), "{err}");
    }

    #[test]
    fn http_settings() {
        let addr = |text: &str| text.parse::<SocketAddr>().unwrap();
        let c = parse("http:\n  listen: 0.0.0.0:9100\n  metrics: true\n");
        assert_eq!(c.http, HttpConfig { listen: addr("0.0.0.0:9100"), metrics: true });
        assert_eq!(c.listen_notice(), None);
        assert_eq!(parse("http:\n  listen: \"[::1]:3001\"\n").http.listen, addr("[::1]:3001"));
        assert_eq!(parse("http:\n  metrics: false\n").http, HttpConfig::default());

        // `slack.listen` alone stands in for `http.listen`, with a notice naming both keys.
        let c = parse("slack:\n  listen: 127.0.0.1:4000\n");
        assert_eq!((c.http.listen, c.slack.listen), (addr("127.0.0.1:4000"), Some(addr("127.0.0.1:4000"))));
        let notice = c.listen_notice().unwrap();
        assert!(notice.contains("slack.listen is deprecated: rename it http.listen"), "{notice}");
        // Given both, `http.listen` wins, even when it is written as its default.
        for (text, wins) in [
            ("http:\n  listen: 127.0.0.1:5000\nslack:\n  listen: 127.0.0.1:4000\n", "127.0.0.1:5000"),
            ("slack:\n  listen: 127.0.0.1:4000\nhttp:\n  listen: 127.0.0.1:3000\n", "127.0.0.1:3000"),
        ] {
            let c = parse(text);
            assert_eq!(c.http.listen, addr(wins), "{text}");
            let notice = c.listen_notice().unwrap();
            assert!(notice.contains("slack.listen (127.0.0.1:4000) is deprecated and ignored"), "{notice}");
            assert!(notice.contains(&format!("http.listen ({wins}) is given too and wins")), "{notice}");
        }
        // `~` is not giving it.
        assert_eq!(parse("http:\n  listen: ~\nslack:\n  listen: 127.0.0.1:4000\n").http.listen, addr("127.0.0.1:4000"));

        check_err(
            "http:\n  listen: localhost:3000\n",
            Some(2),
            &["http.listen: invalid listen address `localhost:3000`"],
        );
        check_err("http:\n  metrics: yes\n", Some(2), &["http.metrics: invalid type", "boolean"]);
        check_err("http:\n  port: 3000\n", Some(2), &["http: unknown field `port`, expected `listen` or `metrics`"]);
        check_err("http: 3000\n", Some(1), &["http: invalid type", "a mapping with `listen` and `metrics`"]);
    }

    #[test]
    fn thread_settings() {
        let c = parse("discord:\n  threads: article\nslack:\n  threads: Issue\n");
        assert_eq!((c.discord.threads, c.slack.threads), (ThreadMode::Article, ThreadMode::Issue));
        let c = parse("discord:\n  threads: ~\n");
        assert_eq!(c.discord.threads, ThreadMode::Off);
        let err = from_yaml("discord:\n  threads: forum\n", Path::new("c.yaml"), Path::new(".")).unwrap_err();
        assert!(err.to_string().starts_with("c.yaml:2: discord.threads: unknown threads setting `forum`"), "{err}");
    }

    #[test]
    fn a_key_given_twice_is_reported_at_its_second_line() {
        let err = from_yaml(
            "digests_dir: d\nstate_path: s\nlocale: ko\n\n\ndigests_dir: e\n",
            Path::new("c.yaml"),
            Path::new("."),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "c.yaml:6: duplicate field `digests_dir`");
        let nested = "schedule:\n  weekday: mon\n  time: \"09:00\"\n  weekday: tue\ndiscord:\n  channels: []\n";
        let err = from_yaml(nested, Path::new("c.yaml"), Path::new(".")).unwrap_err();
        assert_eq!(err.to_string(), "c.yaml:4: schedule: duplicate field `weekday`");
    }

    #[test]
    fn delivery_settings() {
        let c = parse("digests_poll: 5s\ndelivery:\n  corrections: off\n  corrections_window: 2d\n");
        assert_eq!(c.digests_poll, Duration::from_secs(5));
        assert_eq!(
            c.delivery,
            DeliveryConfig { corrections: Corrections::Off, corrections_window: Duration::from_secs(2 * 86400) }
        );
        let err = from_yaml("delivery:\n  corrections: sometimes\n", Path::new("c.yaml"), Path::new(".")).unwrap_err();
        assert!(
            err.to_string().starts_with("c.yaml:2: delivery.corrections: unknown corrections mode `sometimes`"),
            "{err}"
        );
        let err = from_yaml("digests_poll: 0s\n", Path::new("c.yaml"), Path::new(".")).unwrap_err();
        assert!(err.to_string().contains("digests_poll: `0s` is no interval"), "{err}");
    }

    #[test]
    fn shipped_config_file_is_the_defaults() {
        // The shipped file lives in config/ and points at the repository's digests/ and state/.
        let shipped = from_yaml(DEFAULT_FILE, Path::new("config/digestbot.yaml"), Path::new("config")).unwrap();
        let expected = Config {
            digests_dir: PathBuf::from("config/../digests"),
            state_path: PathBuf::from("config/../state/digestbot.sqlite3"),
            ..Config::default()
        };
        assert_eq!(shipped, expected);
        for token in ["DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"] {
            assert!(DEFAULT_FILE.contains(token), "the shipped file should mention {token}");
        }
    }

    #[test]
    fn full_file() {
        let text = "\
digests_dir: /srv/digests
state_path: data/bot.db
locale: en
schedule:
  weekday: Fri
  time: 7:30
  timezone: Europe/Berlin
  catch_up: 1h30m
discord:
  api_base: http://127.0.0.1:8080/
  guild_id: \"987654321098765432\"
  channels:
    - 123456789012345678
    - \"234567890123456789\"
  webhooks: [https://discord.com/api/webhooks/1/abc, DISCORD_ALERTS_WEBHOOK]
slack:
  api_base: http://localhost:9000/api
  listen: 0.0.0.0:8080
  channels: [C0123ABC, G99]
  webhooks:
    - SLACK_WEBHOOK
  admins: [U024BE7LH, W012A3CDE]
  response_url_prefixes: [\"http://127.0.0.1:9000/\"]
limits:
  max_digest_bytes: 512KiB
  max_articles: 20
  max_front_matter_bytes: 4096
";
        let c = from_yaml(text, Path::new("conf/digestbot.yaml"), Path::new("conf")).unwrap();
        let expected = Config {
            digests_dir: PathBuf::from("/srv/digests"),
            state_path: PathBuf::from("conf/data/bot.db"),
            locale: Locale::En,
            schedule: ScheduleConfig {
                slot: WeeklySlot { weekday: Weekday::Fri, time: time("07:30"), tz: Tz::Europe__Berlin },
                catch_up: Duration::from_secs(5400),
            },
            discord: DiscordConfig {
                api_base: "http://127.0.0.1:8080".to_owned(),
                guild_id: Some(987_654_321_098_765_432),
                channels: vec![123_456_789_012_345_678, 234_567_890_123_456_789],
                webhooks: vec![
                    WebhookRef::Url(Secret::new("https://discord.com/api/webhooks/1/abc")),
                    WebhookRef::Env("DISCORD_ALERTS_WEBHOOK".to_owned()),
                ],
                threads: ThreadMode::Off,
            },
            slack: SlackConfig {
                api_base: "http://localhost:9000/api".to_owned(),
                listen: Some("0.0.0.0:8080".parse().unwrap()),
                channels: vec!["C0123ABC".to_owned(), "G99".to_owned()],
                webhooks: vec![WebhookRef::Env("SLACK_WEBHOOK".to_owned())],
                admins: vec!["U024BE7LH".to_owned(), "W012A3CDE".to_owned()],
                response_url_prefixes: vec!["http://127.0.0.1:9000/".to_owned()],
                threads: ThreadMode::Off,
            },
            limits: Limits { max_digest_bytes: 512 * 1024, max_articles: 20, max_front_matter_bytes: 4096 },
            // The deprecated `slack.listen` stands in for `http.listen`.
            http: HttpConfig { listen: "0.0.0.0:8080".parse().unwrap(), metrics: false },
            ..Config::default()
        };
        assert_eq!(c, expected);
        assert!(!format!("{c:?}").contains("webhooks/1/abc"), "Debug of the config leaks a webhook URL");
    }

    #[test]
    fn bad_values_name_the_key_and_the_value() {
        let cases: &[(&str, usize, &[&str])] = &[
            ("locale: fr\n", 1, &["locale: unknown locale `fr`"]),
            ("locale: kr\n", 1, &["locale: unknown locale `kr`"]),
            ("locale: \"\"\n", 1, &["locale: unknown locale ``"]),
            ("schedule:\n  weekday: mondy\n", 2, &["schedule.weekday: unknown weekday `mondy`"]),
            ("schedule:\n  weekday: 1\n", 2, &["schedule.weekday: unknown weekday `1`"]),
            ("schedule:\n  time: \"24:00\"\n", 2, &["schedule.time: invalid time `24:00`"]),
            ("schedule:\n  time: \"9:60\"\n", 2, &["schedule.time: invalid time `9:60`"]),
            ("schedule:\n  time: 9am\n", 2, &["schedule.time: invalid time `9am`"]),
            ("schedule:\n  timezone: Asia/Seol\n", 2, &["schedule.timezone: unknown time zone `Asia/Seol`"]),
            ("schedule:\n  timezone: KST\n", 2, &["schedule.timezone: unknown time zone `KST`"]),
            ("schedule:\n  catch_up: 1x\n", 2, &["schedule.catch_up: invalid duration `1x`"]),
            ("schedule:\n  catch_up: 12\n", 2, &["schedule.catch_up: invalid duration `12`"]),
            ("discord:\n  api_base: discord.com\n", 2, &["discord.api_base: invalid API base `discord.com`"]),
            (
                "discord:\n  api_base: ftp://discord.com\n",
                2,
                &["discord.api_base: invalid API base `ftp://discord.com`"],
            ),
            ("slack:\n  api_base: \"https://\"\n", 2, &["slack.api_base: invalid API base `https://`"]),
            ("slack:\n  listen: localhost:3000\n", 2, &["slack.listen: invalid listen address `localhost:3000`"]),
            ("slack:\n  listen: 127.0.0.1\n", 2, &["slack.listen: invalid listen address `127.0.0.1`"]),
            ("discord:\n  guild_id: abc\n", 2, &["discord.guild_id: invalid Discord id `abc`"]),
            ("discord:\n  guild_id: -5\n", 2, &["discord.guild_id: invalid Discord id `-5`"]),
            ("discord:\n  guild_id: 0\n", 2, &["discord.guild_id: invalid Discord id `0`", "never 0"]),
            ("discord:\n  guild_id: 1.5\n", 2, &["discord.guild_id: invalid Discord id `1.5`"]),
            ("discord:\n  guild_id: 99999999999999999999\n", 2, &["discord.guild_id: invalid Discord id"]),
            ("discord:\n  channels: [1, \"12a\"]\n", 2, &["discord.channels[1]: invalid Discord id `12a`"]),
            ("discord:\n  channels:\n    - 1\n    - x\n", 4, &["discord.channels[1]: invalid Discord id `x`"]),
            ("slack:\n  channels: [\"#general\"]\n", 2, &["slack.channels[0]: invalid Slack channel id `#general`"]),
            ("slack:\n  channels: [c0123]\n", 2, &["slack.channels[0]: invalid Slack channel id `c0123`"]),
            ("slack:\n  admins: [U1, bob]\n", 2, &["slack.admins[1]: invalid Slack user id `bob`"]),
            ("limits:\n  max_articles: 0\n", 2, &["limits.max_articles: invalid count `0`"]),
            ("limits:\n  max_articles: -3\n", 2, &["limits.max_articles: invalid count `-3`"]),
            ("limits:\n  max_digest_bytes: 1GB\n", 2, &["limits.max_digest_bytes: invalid size `1GB`"]),
            ("limits:\n  max_digest_bytes: 0KiB\n", 2, &["limits.max_digest_bytes: invalid size `0KiB`", "at least 1"]),
            ("limits:\n  max_front_matter_bytes: 5000MiB\n", 2, &["limits.max_front_matter_bytes", "at most"]),
            ("slack:\n  response_url_prefixes: [\"https://hooks.slack.com\"]\n", 2, &["invalid response_url prefix"]),
            (
                "slack:\n  response_url_prefixes: [\"https://u:p@hooks.slack.com/\"]\n",
                2,
                &["slack.response_url_prefixes[0]: invalid response_url prefix"],
            ),
            ("digests_dir: \"\"\n", 1, &["digests_dir: the path must not be empty"]),
            ("state_path: \" \"\n", 1, &["state_path: the path must not be empty"]),
            ("discord:\n  webhooks: [OK_NAME, 1BAD]\n", 2, &["discord.webhooks[1]: expected a webhook URL"]),
            ("slack:\n  webhooks:\n    - MY-HOOK\n", 3, &["slack.webhooks[0]: expected a webhook URL"]),
            // Wrong shapes.
            ("schedule: 5\n", 1, &["schedule: invalid type", "a mapping of schedule settings"]),
            ("discord:\n  channels: 5\n", 2, &["discord.channels: invalid type"]),
            ("slack:\n  listen: [a]\n", 2, &["slack.listen: invalid type", "127.0.0.1:3000"]),
            ("- locale\n", 1, &["expected a mapping of digestbot settings"]),
            ("locale: ko\nlocale: en\n", 2, &["duplicate field `locale`"]),
            // Not YAML.
            ("locale: ko\n- item\n", 2, &["did not find expected key, while parsing a block mapping"]),
            ("locale: 'ko\n", 2, &["found unexpected end of stream", "quoted scalar at line 1 column 9"]),
            ("schedule:\n  weekday: mon\n time: x\n", 3, &["did not find expected key"]),
        ];
        for (text, line, wanted) in cases {
            check_err(text, Some(*line), wanted);
        }
        check_err("locale: ko\n---\nlocale: en\n", None, &["more than one document"]);
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let cases: &[(&str, usize, &str)] = &[
            ("typo: 1\n", 1, "unknown field `typo`"),
            ("locale: ko\n\ndigest_dir: x\n", 3, "unknown field `digest_dir`, expected one of"),
            ("schedule:\n  weekday: mon\n  tmie: \"09:00\"\n", 3, "schedule: unknown field `tmie`"),
            ("schedule:\n  timezone: Asia/Seoul\n  catchup: 1h\n", 3, "schedule: unknown field `catchup`"),
            ("discord:\n  guild: 1\n", 2, "discord: unknown field `guild`"),
            ("discord:\n  api_base: https://discord.com\n  token: x\n", 3, "discord: unknown field `token`"),
            ("slack:\n  channels: []\n\n  admin: []\n", 4, "slack: unknown field `admin`"),
            ("slack:\n  signing_secret: x\n", 2, "slack: unknown field `signing_secret`"),
        ];
        for (text, line, wanted) in cases {
            check_err(text, Some(*line), &[wanted]);
        }
    }

    #[test]
    fn error_display() {
        let cases = [
            (ConfigError::Invalid { path: "a/b.yaml".into(), line: Some(3), message: "m".into() }, "a/b.yaml:3: m"),
            (ConfigError::Invalid { path: "a/b.yaml".into(), line: None, message: "m".into() }, "a/b.yaml: m"),
            (ConfigError::NotFound { path: "x.yaml".into() }, "x.yaml: config file not found"),
            (
                ConfigError::Read { path: "x.yaml".into(), source: io::Error::other("boom") },
                "x.yaml: cannot read the config file",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
        }
    }

    #[test]
    fn weekday_spellings() {
        let cases = [
            ("monday", Weekday::Mon),
            ("Mon", Weekday::Mon),
            ("MONDAY", Weekday::Mon),
            ("mOnDaY", Weekday::Mon),
            ("tue", Weekday::Tue),
            ("Tuesday", Weekday::Tue),
            ("wed", Weekday::Wed),
            ("WEDNESDAY", Weekday::Wed),
            ("THU", Weekday::Thu),
            ("thursday", Weekday::Thu),
            ("fri", Weekday::Fri),
            ("Friday", Weekday::Fri),
            ("sat", Weekday::Sat),
            ("Saturday", Weekday::Sat),
            ("sun", Weekday::Sun),
            ("Sunday", Weekday::Sun),
            (" sunday ", Weekday::Sun),
        ];
        for (text, want) in cases {
            assert_eq!(Weekday::from_config_str(text), Ok(want), "{text:?}");
            let yaml = format!("schedule:\n  weekday: \"{text}\"\n");
            assert_eq!(parse(&yaml).schedule.slot.weekday, want, "{yaml:?}");
        }
        for text in ["", "mo", "mond", "tues", "thurs", "montag", "월요일", "1", "monday,", "sundays"] {
            assert!(Weekday::from_config_str(text).is_err(), "{text:?} should be rejected");
        }
    }

    #[test]
    fn time_forms() {
        let accepted = [
            ("09:00", "09:00"),
            ("9:00", "09:00"),
            ("0:00", "00:00"),
            ("00:00", "00:00"),
            ("23:59", "23:59"),
            ("9:05", "09:05"),
            ("12:30", "12:30"),
            (" 7:45 ", "07:45"),
        ];
        for (text, want) in accepted {
            assert_eq!(NaiveTime::from_config_str(text), Ok(time(want)), "{text:?}");
        }
        // Unquoted in YAML too.
        assert_eq!(parse("schedule:\n  time: 09:00\n").schedule.slot.time, time("09:00"));
        assert_eq!(parse("schedule:\n  time: 7:30\n").schedule.slot.time, time("07:30"));
        let rejected = [
            "24:00",
            "9:60",
            "25:00",
            "9:5",
            "09:00:00",
            "9",
            "",
            ":00",
            "09:",
            "+9:00",
            "9 :00",
            "099:00",
            "-1:00",
            "9h",
            "\u{ff11}:00",
            "9:0a",
            "09.00",
            "a:bc",
        ];
        for text in rejected {
            let err = NaiveTime::from_config_str(text).expect_err(text);
            assert!(err.contains(&format!("`{text}`")), "{err}");
        }
    }

    #[test]
    fn duration_forms() {
        let accepted = [
            ("12h", 12 * 3600),
            ("90m", 90 * 60),
            ("1h30m", 5400),
            ("2d", 2 * 86400),
            ("0s", 0),
            ("45s", 45),
            ("1d2h3m4s", 86400 + 7200 + 180 + 4),
            ("30m1h", 5400),
            ("0012h", 12 * 3600),
            (" 5m ", 300),
            ("18446744073709551615s", u64::MAX),
        ];
        for (text, seconds) in accepted {
            assert_eq!(Duration::from_config_str(text), Ok(Duration::from_secs(seconds)), "{text:?}");
        }
        assert_eq!(parse("schedule:\n  catch_up: 2d\n").schedule.catch_up, Duration::from_secs(2 * 86400));
        let rejected = [
            "",
            "h",
            "12",
            "-1h",
            "1x",
            "1h30",
            "1.5h",
            "1 h",
            "1h 30m",
            "h1",
            "1H",
            "+1h",
            "12hh",
            "1hm",
            "０h",
            "18446744073709551616s",
            "300000000000000d",
            "18446744073709551615s1s",
            "99999999999999999999999999999h",
        ];
        for text in rejected {
            let err = Duration::from_config_str(text).expect_err(text);
            assert!(err.contains(&format!("invalid duration `{text}`")), "{err}");
        }
        check_err("schedule:\n  catch_up: \"\"\n", Some(2), &["schedule.catch_up: invalid duration ``"]);
        check_err("schedule:\n  catch_up: -1h\n", Some(2), &["schedule.catch_up: invalid duration `-1h`"]);
        check_err("schedule:\n  catch_up: 300000000000000d\n", Some(2), &["too large"]);
    }

    #[test]
    fn time_zones() {
        let cases = [
            ("Asia/Seoul", Tz::Asia__Seoul),
            ("America/New_York", Tz::America__New_York),
            ("UTC", Tz::UTC),
            ("Australia/Lord_Howe", Tz::Australia__Lord_Howe),
        ];
        for (text, want) in cases {
            assert_eq!(parse(&format!("schedule:\n  timezone: {text}\n")).schedule.slot.tz, want);
        }
        for text in ["Asia/Seol", "asia/seoul", "KST", "+09:00", ""] {
            assert!(Tz::from_config_str(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn locales_and_api_bases() {
        for (text, want) in [("ko", Locale::Ko), ("en", Locale::En), ("EN", Locale::En), ("\"ko\"", Locale::Ko)] {
            assert_eq!(parse(&format!("locale: {text}\n")).locale, want, "{text}");
        }
        let cases = [
            ("https://discord.com", "https://discord.com"),
            ("https://discord.com/", "https://discord.com"),
            ("http://127.0.0.1:9999//", "http://127.0.0.1:9999"),
            ("https://slack.com/api/", "https://slack.com/api"),
            ("HTTPS://example.com", "HTTPS://example.com"),
        ];
        for (text, want) in cases {
            assert_eq!(parse(&format!("discord:\n  api_base: \"{text}\"\n")).discord.api_base, want);
            assert_eq!(parse(&format!("slack:\n  api_base: \"{text}\"\n")).slack.api_base, want);
        }
        for text in ["", "discord.com", "https:/x", "https://", "https:///", "ws://x", "https://a b"] {
            assert!(ApiBase::from_config_str(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn discord_ids_as_numbers_and_strings() {
        let cases: &[(&str, &[u64])] = &[
            ("[]", &[]),
            ("[1]", &[1]),
            ("[123456789012345678, \"234567890123456789\"]", &[123_456_789_012_345_678, 234_567_890_123_456_789]),
            ("['42', 43]", &[42, 43]),
            ("\n    - 18446744073709551615\n    - \"7\"", &[u64::MAX, 7]),
        ];
        for (list, want) in cases {
            let c = parse(&format!("discord:\n  channels: {list}\n"));
            assert_eq!(c.discord.channels, *want, "{list}");
        }
        for (text, want) in [("1", 1), ("\"555\"", 555), ("~", 0)] {
            let got = parse(&format!("discord:\n  guild_id: {text}\n")).discord.guild_id;
            assert_eq!(got, (want != 0).then_some(want), "{text}");
        }
        for bad in ["\"\"", "\"1 2\"", "\"0x10\"", "true", "\"-1\"", "18446744073709551616", "[1]"] {
            let text = format!("discord:\n  guild_id: {bad}\n");
            assert!(from_yaml(&text, Path::new("c"), Path::new("")).is_err(), "{bad}");
        }
    }

    #[test]
    fn slack_ids() {
        let channels: &[(&str, bool)] = &[
            ("C0123456789", true),
            ("G024BE91L", true),
            ("D12345", true),
            ("C", false),
            ("#general", false),
            ("general", false),
            ("c0123", false),
            ("C01-23", false),
            ("U12345", false),
            ("", false),
        ];
        for (text, ok) in channels {
            assert_eq!(SlackChannelId::from_config_str(text).is_ok(), *ok, "{text:?}");
        }
        let users: &[(&str, bool)] =
            &[("U024BE7LH", true), ("W012A3CDE", true), ("U", false), ("@bob", false), ("C123", false), ("u12", false)];
        for (text, ok) in users {
            assert_eq!(SlackUserId::from_config_str(text).is_ok(), *ok, "{text:?}");
        }
    }

    #[test]
    fn relative_paths_join_base_dir() {
        let cases = [
            ("", "/etc/digestbot", "/etc/digestbot/digests", "/etc/digestbot/state/digestbot.sqlite3"),
            ("", ".", "./digests", "./state/digestbot.sqlite3"),
            ("", "", "digests", "state/digestbot.sqlite3"),
            ("digests_dir: md\nstate_path: s.db\n", "conf", "conf/md", "conf/s.db"),
            (
                "digests_dir: ../md\n",
                "/opt/bot/config",
                "/opt/bot/config/../md",
                "/opt/bot/config/state/digestbot.sqlite3",
            ),
            ("digests_dir: /srv/md\nstate_path: /var/lib/bot.db\n", "/etc/digestbot", "/srv/md", "/var/lib/bot.db"),
        ];
        for (text, base, digests, state) in cases {
            let c = from_yaml(text, Path::new("x.yaml"), Path::new(base)).unwrap();
            assert_eq!((c.digests_dir.as_path(), c.state_path.as_path()), (Path::new(digests), Path::new(state)));
        }
        let bases = [("digestbot.yaml", "."), ("config/digestbot.yaml", "config"), ("/etc/d.yaml", "/etc")];
        for (path, base) in bases {
            assert_eq!(base_dir_of(Path::new(path)), Path::new(base), "{path}");
        }
    }

    /// A fresh scratch folder for one test.
    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("digestbot-config-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn load_from_the_file_system() {
        let dir = scratch_dir("load");
        let missing = dir.join("missing.yaml");

        let err = load(Some(&missing), Path::new("unused.yaml")).unwrap_err();
        assert!(matches!(&err, ConfigError::NotFound { path } if path == &missing), "{err:?}");
        assert!(err.to_string().contains("missing.yaml"), "{err}");

        assert_eq!(load(None, &missing).unwrap(), Config::default());

        let file = dir.join("digestbot.yaml");
        std::fs::write(&file, "locale: en\nstate_path: /tmp/x.db\n").unwrap();
        let c = load(None, &file).unwrap();
        assert_eq!(c.locale, Locale::En);
        assert_eq!(c.digests_dir, dir.join("digests"));
        assert_eq!(c.state_path, Path::new("/tmp/x.db"));
        assert_eq!(load(Some(&file), &missing).unwrap(), c);

        std::fs::write(&file, "locale: en\n\nbogus: 1\n").unwrap();
        let err = load(Some(&file), &missing).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}:3: unknown field `bogus`, expected one of `digests_dir`, `state_path`, `digests_poll`, `locale`, \
                 `schedule`, `discord`, `slack`, `limits`, `delivery`, `editors`, `approval`, `http`",
                file.display()
            )
        );

        std::fs::write(&file, b"locale: \xff\n").unwrap();
        let err = load(Some(&file), &missing).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Invalid { line: None, message, .. } if message.contains("UTF-8")),
            "{err:?}"
        );

        let err = load(Some(&dir), &missing).unwrap_err();
        assert!(matches!(&err, ConfigError::Read { path, .. } if path == &dir), "{err:?}");
        let err = load(None, &dir).unwrap_err();
        assert!(matches!(&err, ConfigError::Read { .. }), "{err:?}");

        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn never_panics_on_odd_input() {
        let cases = [
            "\u{feff}locale: ko\n",
            "&a [1]\n",
            "a: &x 1\nb: *x\n",
            "schedule: *nope\n",
            "\t\tlocale: ko",
            "locale: !!binary aGVsbG8=\n",
            "? [a]\n: b\n",
            "\"\\xff\": 1\n",
            "schedule:\n  time: !!int 9\n",
            "discord:\n  channels: [!!str 5]\n",
        ];
        let deep = ["[".repeat(10_000), "{a: ".repeat(10_000), "- ".repeat(10_000), "schedule:\n".repeat(1_000)];
        for text in cases.iter().copied().chain(deep.iter().map(String::as_str)) {
            let _ = from_yaml(text, Path::new("c"), Path::new(""));
        }
        assert_eq!(parse("\u{feff}locale: en\n").locale, Locale::En);
    }
}

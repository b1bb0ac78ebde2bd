//! Durable state in SQLite: subscriptions, the delivery ledger, failures and scheduled slots.
//!
//! The ledger is what makes delivery exactly-once from the channel's point of view: every message
//! part of a digest is written as `pending` before it is sent and `sent` (with the platform's message
//! id) after, each in its own transaction, so a restart knows precisely which parts are done. The file
//! and its folder are created on first use, WAL is on, and the schema is versioned with migrations
//! (`PRAGMA user_version`). Connections are guarded by a std `Mutex`: every call is a short
//! statement, never held across an `.await`.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::command::{SubscribeOutcome, UnsubscribeOutcome};

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

/// A subscription row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub target: Target,
    pub subscribed_at: DateTime<Utc>,
    /// Set when delivery found the channel gone or forbidden; such a subscription is skipped until
    /// someone subscribes the channel again.
    pub failed_at: Option<DateTime<Utc>>,
}

/// A recorded failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub digest: Option<String>,
    pub message: String,
    pub at: DateTime<Utc>,
}

/// What the store knows about a scheduled slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotRecord {
    pub slot: DateTime<Utc>,
    pub digest: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Why the store failed. There is nothing a caller can do about either but report it; they differ in
/// what the operator should check (the path and its permissions, or the file's contents).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the state database {path}: {source}")]
    Open { path: PathBuf, source: anyhow::Error },
    #[error("state database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// The schema, one migration per version; `PRAGMA user_version` records how many have run.
const MIGRATIONS: &[&str] = &[
    // 1: subscriptions, the ledger, failures and slots.
    "CREATE TABLE subscriptions (
        platform TEXT NOT NULL,
        channel TEXT NOT NULL,
        subscribed_at TEXT NOT NULL,
        failed_at TEXT,
        PRIMARY KEY (platform, channel)
    );
    CREATE TABLE ledger (
        platform TEXT NOT NULL,
        channel TEXT NOT NULL,
        digest TEXT NOT NULL,
        part INTEGER NOT NULL,
        parts INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'sent')),
        message_id TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (platform, channel, digest, part)
    );
    CREATE TABLE failures (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        platform TEXT NOT NULL,
        channel TEXT NOT NULL,
        digest TEXT,
        message TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX failures_by_target ON failures (platform, channel, at);
    CREATE TABLE slots (
        slot TEXT PRIMARY KEY,
        digest TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT
    );",
];

/// The state database.
pub struct Store {
    conn: Mutex<Connection>,
}

fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn platform_of(s: &str) -> rusqlite::Result<Platform> {
    Platform::parse(s).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown platform {s}").into(),
        )
    })
}

impl Store {
    /// Opens (creating if needed) the database at `path`, turns WAL on and runs pending migrations.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open = || -> anyhow::Result<Connection> {
            use anyhow::Context as _;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            }
            let conn = Connection::open(path)?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            Ok(conn)
        };
        let conn = open().map_err(|source| StoreError::Open { path: path.to_path_buf(), source })?;
        migrate(&conn)?;
        Ok(Store { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written: each call is one statement
        // or one transaction. Keep going with the connection.
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The schema version (number of migrations applied).
    pub fn schema_version(&self) -> Result<usize, StoreError> {
        Ok(self.conn().query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize)
    }

    /// Subscribes a channel; subscribing again is harmless and clears a recorded failure.
    pub fn subscribe(&self, target: &Target, at: DateTime<Utc>) -> Result<SubscribeOutcome, StoreError> {
        let conn = self.conn();
        let existing: Option<Option<String>> = conn
            .query_row(
                "SELECT failed_at FROM subscriptions WHERE platform = ?1 AND channel = ?2",
                params![target.platform.as_str(), target.channel],
                |r| r.get(0),
            )
            .optional()?;
        match existing {
            Some(failed) => {
                if failed.is_some() {
                    conn.execute(
                        "UPDATE subscriptions SET failed_at = NULL WHERE platform = ?1 AND channel = ?2",
                        params![target.platform.as_str(), target.channel],
                    )?;
                }
                Ok(SubscribeOutcome::AlreadySubscribed)
            }
            None => {
                conn.execute(
                    "INSERT INTO subscriptions (platform, channel, subscribed_at) VALUES (?1, ?2, ?3)",
                    params![target.platform.as_str(), target.channel, ts(at)],
                )?;
                Ok(SubscribeOutcome::Subscribed)
            }
        }
    }

    /// Removes a subscription made with `/digest subscribe`.
    pub fn unsubscribe(&self, target: &Target) -> Result<UnsubscribeOutcome, StoreError> {
        let removed = self.conn().execute(
            "DELETE FROM subscriptions WHERE platform = ?1 AND channel = ?2",
            params![target.platform.as_str(), target.channel],
        )?;
        Ok(if removed > 0 { UnsubscribeOutcome::Unsubscribed } else { UnsubscribeOutcome::NotSubscribed })
    }

    pub fn subscription(&self, target: &Target) -> Result<Option<Subscription>, StoreError> {
        let conn = self.conn();
        let row = conn
            .query_row(
                "SELECT subscribed_at, failed_at FROM subscriptions WHERE platform = ?1 AND channel = ?2",
                params![target.platform.as_str(), target.channel],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)),
            )
            .optional()?;
        row.map(|(at, failed)| {
            Ok(Subscription {
                target: target.clone(),
                subscribed_at: parse_ts(&at)?,
                failed_at: failed.as_deref().map(parse_ts).transpose()?,
            })
        })
        .transpose()
        .map_err(StoreError::Sqlite)
    }

    /// Every subscription, in a stable order.
    pub fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT platform, channel, subscribed_at, failed_at FROM subscriptions ORDER BY 1, 2")?;
        let rows = stmt.query_map([], |r| {
            Ok(Subscription {
                target: Target::new(platform_of(&r.get::<_, String>(0)?)?, r.get::<_, String>(1)?),
                subscribed_at: parse_ts(&r.get::<_, String>(2)?)?,
                failed_at: r.get::<_, Option<String>>(3)?.as_deref().map(parse_ts).transpose()?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a failure; `permanent` also pauses the channel's subscription (if it has one).
    pub fn record_failure(
        &self,
        target: &Target,
        digest: Option<&str>,
        message: &str,
        permanent: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO failures (platform, channel, digest, message, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![target.platform.as_str(), target.channel, digest, message, ts(at)],
        )?;
        if permanent {
            tx.execute(
                "UPDATE subscriptions SET failed_at = ?3 WHERE platform = ?1 AND channel = ?2",
                params![target.platform.as_str(), target.channel, ts(at)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The most recent failure at this target, if it came after the last complete delivery.
    pub fn last_failure(&self, target: &Target) -> Result<Option<Failure>, StoreError> {
        let last = self.conn().query_row(
            "SELECT digest, message, at FROM failures WHERE platform = ?1 AND channel = ?2 ORDER BY at DESC, id DESC LIMIT 1",
            params![target.platform.as_str(), target.channel],
            |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
        ).optional()?;
        let Some((digest, message, at)) = last else { return Ok(None) };
        let failure = Failure { digest, message, at: parse_ts(&at)? };
        match self.last_delivery(target)? {
            Some((_, delivered)) if delivered > failure.at => Ok(None),
            _ => Ok(Some(failure)),
        }
    }

    /// Parts of this digest already sent to the target: (part, message id).
    pub fn sent_parts(&self, target: &Target, digest: &str) -> Result<Vec<(usize, Option<String>)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT part, message_id FROM ledger
             WHERE platform = ?1 AND channel = ?2 AND digest = ?3 AND state = 'sent' ORDER BY part",
        )?;
        let rows = stmt.query_map(params![target.platform.as_str(), target.channel, digest], |r| {
            Ok((r.get::<_, i64>(0)? as usize, r.get::<_, Option<String>>(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Parts written as pending and never confirmed: a crash happened between sending and recording.
    pub fn pending_parts(&self, target: &Target, digest: &str) -> Result<Vec<usize>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT part FROM ledger WHERE platform = ?1 AND channel = ?2 AND digest = ?3 AND state = 'pending' ORDER BY part",
        )?;
        let rows = stmt.query_map(params![target.platform.as_str(), target.channel, digest], |r| {
            Ok(r.get::<_, i64>(0)? as usize)
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether every part of the digest has been sent to the target.
    pub fn delivered(&self, target: &Target, digest: &str) -> Result<bool, StoreError> {
        let (sent, parts): (i64, Option<i64>) = self.conn().query_row(
            "SELECT COUNT(*) FILTER (WHERE state = 'sent'), MAX(parts) FROM ledger
             WHERE platform = ?1 AND channel = ?2 AND digest = ?3",
            params![target.platform.as_str(), target.channel, digest],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(parts.is_some_and(|parts| sent >= parts))
    }

    /// Writes a part as about to be sent (keeps a part already recorded as sent as it is).
    pub fn mark_pending(
        &self,
        target: &Target,
        digest: &str,
        part: usize,
        parts: usize,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO ledger (platform, channel, digest, part, parts, state, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)
             ON CONFLICT (platform, channel, digest, part) DO UPDATE SET parts = excluded.parts
             WHERE ledger.state = 'pending'",
            params![target.platform.as_str(), target.channel, digest, part as i64, parts as i64, ts(at)],
        )?;
        Ok(())
    }

    /// Writes a part as sent, with the platform's message id when it gave one.
    pub fn mark_sent(
        &self,
        target: &Target,
        digest: &str,
        part: usize,
        parts: usize,
        message_id: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO ledger (platform, channel, digest, part, parts, state, message_id, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'sent', ?6, ?7)
             ON CONFLICT (platform, channel, digest, part) DO UPDATE SET
                state = 'sent', parts = excluded.parts, message_id = excluded.message_id, updated_at = excluded.updated_at",
            params![target.platform.as_str(), target.channel, digest, part as i64, parts as i64, message_id, ts(at)],
        )?;
        Ok(())
    }

    /// The newest digest fully delivered to the target, and when its last part went out.
    pub fn last_delivery(&self, target: &Target) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        let row = self
            .conn()
            .query_row(
                "SELECT digest, MAX(updated_at) FROM ledger WHERE platform = ?1 AND channel = ?2
                 GROUP BY digest HAVING COUNT(*) FILTER (WHERE state = 'sent') >= MAX(parts)
                 ORDER BY MAX(updated_at) DESC LIMIT 1",
                params![target.platform.as_str(), target.channel],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?;
        row.map(|(digest, at)| Ok((digest, parse_ts(&at)?))).transpose().map_err(StoreError::Sqlite)
    }

    /// Records that a slot's delivery started (keeping the first start time if it ran before).
    pub fn slot_started(&self, slot: DateTime<Utc>, digest: Option<&str>, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO slots (slot, digest, started_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (slot) DO UPDATE SET digest = excluded.digest",
            params![ts(slot), digest, ts(at)],
        )?;
        Ok(())
    }

    pub fn slot_finished(&self, slot: DateTime<Utc>, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn().execute("UPDATE slots SET finished_at = ?2 WHERE slot = ?1", params![ts(slot), ts(at)])?;
        Ok(())
    }

    pub fn slot(&self, slot: DateTime<Utc>) -> Result<Option<SlotRecord>, StoreError> {
        let row = self
            .conn()
            .query_row("SELECT digest, started_at, finished_at FROM slots WHERE slot = ?1", params![ts(slot)], |r| {
                Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
            })
            .optional()?;
        row.map(|(digest, started, finished)| {
            Ok(SlotRecord {
                slot,
                digest,
                started_at: parse_ts(&started)?,
                finished_at: finished.as_deref().map(parse_ts).transpose()?,
            })
        })
        .transpose()
        .map_err(StoreError::Sqlite)
    }
}

fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        conn.execute_batch(&format!("BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;", i + 1))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!("digestbot-store-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, 9, h, 0, 0).unwrap()
    }

    fn discord(channel: &str) -> Target {
        Target::new(Platform::Discord, channel)
    }

    #[test]
    fn creates_folder_enables_wal_and_migrates_once() {
        let dir = TempDir::new("open");
        let path = dir.0.join("nested/state.sqlite3");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len());
        let mode: String = store.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        store.subscribe(&discord("1"), t(0)).unwrap();
        drop(store);
        // Reopening keeps the data and runs no migration twice.
        let store = Store::open(&path).unwrap();
        assert_eq!(store.subscriptions().unwrap().len(), 1);
    }

    #[test]
    fn subscribe_twice_is_harmless_and_clears_failures() {
        let dir = TempDir::new("subscribe");
        let store = Store::open(&dir.0.join("s.db")).unwrap();
        let ch = discord("42");
        assert_eq!(store.subscribe(&ch, t(1)).unwrap(), SubscribeOutcome::Subscribed);
        assert_eq!(store.subscribe(&ch, t(2)).unwrap(), SubscribeOutcome::AlreadySubscribed);
        assert_eq!(store.subscription(&ch).unwrap().unwrap().subscribed_at, t(1));
        store.record_failure(&ch, Some("2026-02-09"), "Missing Access (403)", true, t(3)).unwrap();
        assert_eq!(store.subscription(&ch).unwrap().unwrap().failed_at, Some(t(3)));
        assert_eq!(store.last_failure(&ch).unwrap().unwrap().message, "Missing Access (403)");
        store.subscribe(&ch, t(4)).unwrap();
        assert_eq!(store.subscription(&ch).unwrap().unwrap().failed_at, None);
        assert_eq!(store.unsubscribe(&ch).unwrap(), UnsubscribeOutcome::Unsubscribed);
        assert_eq!(store.unsubscribe(&ch).unwrap(), UnsubscribeOutcome::NotSubscribed);
        assert!(store.subscription(&ch).unwrap().is_none());
    }

    #[test]
    fn ledger_tracks_parts_until_the_digest_is_delivered() {
        let dir = TempDir::new("ledger");
        let store = Store::open(&dir.0.join("s.db")).unwrap();
        let ch = Target::new(Platform::Slack, "C1");
        assert!(!store.delivered(&ch, "2026-02-09").unwrap());
        store.mark_pending(&ch, "2026-02-09", 0, 2, t(1)).unwrap();
        assert_eq!(store.pending_parts(&ch, "2026-02-09").unwrap(), [0]);
        store.mark_sent(&ch, "2026-02-09", 0, 2, Some("m0"), t(1)).unwrap();
        // Marking a sent part pending again (a retried run) keeps it sent.
        store.mark_pending(&ch, "2026-02-09", 0, 2, t(2)).unwrap();
        assert_eq!(store.sent_parts(&ch, "2026-02-09").unwrap(), [(0, Some("m0".to_string()))]);
        assert!(!store.delivered(&ch, "2026-02-09").unwrap());
        assert_eq!(store.last_delivery(&ch).unwrap(), None);
        store.mark_pending(&ch, "2026-02-09", 1, 2, t(2)).unwrap();
        store.mark_sent(&ch, "2026-02-09", 1, 2, None, t(2)).unwrap();
        assert!(store.delivered(&ch, "2026-02-09").unwrap());
        assert!(store.pending_parts(&ch, "2026-02-09").unwrap().is_empty());
        assert_eq!(store.last_delivery(&ch).unwrap(), Some(("2026-02-09".to_string(), t(2))));
        // Another channel is untouched.
        assert!(!store.delivered(&Target::new(Platform::Slack, "C2"), "2026-02-09").unwrap());
    }

    #[test]
    fn failures_older_than_the_last_delivery_are_not_shown() {
        let dir = TempDir::new("failures");
        let store = Store::open(&dir.0.join("s.db")).unwrap();
        let ch = discord("7");
        store.record_failure(&ch, Some("2026-02-02"), "timeout", false, t(1)).unwrap();
        store.mark_sent(&ch, "2026-02-09", 0, 1, Some("m"), t(2)).unwrap();
        assert_eq!(store.last_failure(&ch).unwrap(), None);
        store.record_failure(&ch, None, "server error", false, t(3)).unwrap();
        assert_eq!(store.last_failure(&ch).unwrap().unwrap().at, t(3));
    }

    #[test]
    fn slots_record_start_and_finish() {
        let dir = TempDir::new("slots");
        let store = Store::open(&dir.0.join("s.db")).unwrap();
        assert!(store.slot(t(0)).unwrap().is_none());
        store.slot_started(t(0), Some("2026-02-09"), t(0)).unwrap();
        store.slot_started(t(0), Some("2026-02-09"), t(5)).unwrap();
        let rec = store.slot(t(0)).unwrap().unwrap();
        assert_eq!((rec.started_at, rec.finished_at), (t(0), None));
        store.slot_finished(t(0), t(1)).unwrap();
        assert_eq!(store.slot(t(0)).unwrap().unwrap().finished_at, Some(t(1)));
    }
}

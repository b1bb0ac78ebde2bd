//! Durable state in SQLite: subscriptions, the delivery ledger, failures and scheduled slots.
//!
//! The ledger is what makes delivery exactly-once from the channel's point of view: every message
//! part of a digest is written as `pending` before it is sent and `sent` (with the platform's message
//! id) after, each in its own transaction, so a restart knows precisely which parts are done. The file
//! and its folder are created on first use, WAL is on, and the schema is versioned with migrations
//! (`PRAGMA user_version`). Connections are guarded by a std `Mutex`: every call is a short
//! statement, never held across an `.await`.
//!
//! One process at a time writes a state file: `serve` and `post` open it with
//! [`Store::open_exclusive`], which holds an OS lock on `<state file>.lock` (with the holder's pid in
//! it) for the store's lifetime, so a second instance is refused instead of delivering the slot again.
//! Every write first checks that the file at the state path is still the one that was opened and
//! that SQLite accepts writes; when either fails (the file was deleted or replaced, the disk is full,
//! the file became read-only) the store is *lost*: that write and every later one fail with
//! [`StateLost`], and [`Store::lost`] tells the process to stop, so nothing is sent that the ledger
//! could not record.

use std::fs::File;
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use tokio::sync::watch;

use crate::target::{Platform, Posted, Target, ThreadMode};

/// A subscription row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub target: Target,
    pub subscribed_at: DateTime<Utc>,
    /// Set when delivery found the channel gone or forbidden; such a subscription is skipped until
    /// someone subscribes the channel again.
    pub failed_at: Option<DateTime<Utc>>,
    /// The channel's `threads` setting; `None` follows the platform's default in the config.
    pub threads: Option<ThreadMode>,
}

/// A recorded failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub digest: Option<String>,
    pub message: String,
    pub at: DateTime<Utc>,
}

/// A message for the editors' channel, waiting in the outbox or done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Its ledger key (`notice:…`): the same notice is never queued twice.
    pub key: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    /// An approval request: the digest (id, version) to show under it, with Approve and Hold.
    pub preview: Option<(String, String)>,
}

/// An editor's decision on a digest's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub digest: String,
    /// The digest's version (content hash) the decision is about.
    pub version: String,
    pub approved: bool,
    /// Who decided, as the platform names them (`discord:<user id>`, `slack:<user id>`).
    pub editor: String,
    pub at: DateTime<Utc>,
}

/// How far a digest got at a target ([`Store::progress`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub sent: usize,
    pub parts: Option<usize>,
    pub last_sent_at: Option<DateTime<Utc>>,
}

/// What the store knows about a scheduled slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotRecord {
    pub slot: DateTime<Utc>,
    pub digest: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Why the store failed, split by what the caller does.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the state file (see [`Store::open_exclusive`]): this one must not run.
    #[error(
        "the state file {path} is in use by another digestbot process ({}); stop it first, or give this one another state_path (lock file {lock})",
        holder(.pid)
    )]
    Locked { path: PathBuf, lock: PathBuf, pid: Option<u32> },
    /// The file cannot be opened or migrated: report it; the operator checks the path, its
    /// permissions and its contents.
    /// Not a `source`: the reason (with its chain) is in the message, so `{:#}` says it once.
    #[error("cannot open the state database {path}: {reason:#}")]
    Open { path: PathBuf, reason: anyhow::Error },
    /// The state can no longer record anything: stop the process (and let a supervisor restart it).
    #[error(transparent)]
    Lost(#[from] StateLost),
    /// One statement failed (a busy database, a row that does not decode): this operation failed,
    /// the next may work.
    #[error("state database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// The loss, when this error means the process must stop.
    pub fn lost(&self) -> Option<&StateLost> {
        match self {
            StoreError::Lost(lost) => Some(lost),
            _ => None,
        }
    }
}

fn holder(pid: &Option<u32>) -> String {
    match pid {
        Some(pid) => format!("pid {pid}"),
        None => "pid unknown".into(),
    }
}

/// Why a store stopped accepting writes. Every variant means the same to the caller: nothing more
/// can be recorded, so nothing more may be sent, and the process stops. Cloneable, so that every
/// delivery that runs into it can report it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateLost {
    /// The state file or its lock file is no longer the file this process opened: SQLite would go on
    /// writing to a deleted file, and another instance could lock the new one.
    #[error(
        "the {file} {path} {change} while digestbot was running; restart digestbot so that it opens the file now at that path"
    )]
    Replaced { file: &'static str, path: PathBuf, change: &'static str },
    /// SQLite refused a write: the disk is full, the file or its folder is read-only, or I/O failed.
    #[error(
        "the state database {path} cannot be written ({reason}); fix it (disk space, permissions) and restart digestbot"
    )]
    Unwritable { path: PathBuf, reason: String },
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
    // 2: when a part was first written pending (the start of the window in which an earlier attempt
    // may have posted it), and where a sent part landed: the channel and Slack `ts` that later edits
    // and threads refer to. Rows from before keep NULL; `updated_at` of a pending row is its first
    // pending time too.
    "ALTER TABLE ledger ADD COLUMN pending_at TEXT;
    ALTER TABLE ledger ADD COLUMN message_channel TEXT;
    ALTER TABLE ledger ADD COLUMN message_ts TEXT;",
    // 3: corrections. What each sent part's message shows (a hash of its body, and the version of the
    // digest file it was rendered from), an edit or deletion in flight (`editing`: the body hash it
    // brings the message to, or 'delete'), a body the platform refused to take for good (`refused`),
    // how many edits the message had, and the file it came from (`source`: a correction only follows
    // the same file). Parts sent before keep `version` 'unknown': the first
    // correction look adopts what they show without editing. `corrections` holds the corrections
    // under way, so that a restart finishes them.
    "ALTER TABLE ledger ADD COLUMN body_hash TEXT;
    ALTER TABLE ledger ADD COLUMN version TEXT;
    ALTER TABLE ledger ADD COLUMN editing TEXT;
    ALTER TABLE ledger ADD COLUMN refused TEXT;
    ALTER TABLE ledger ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE ledger ADD COLUMN source TEXT;
    UPDATE ledger SET version = 'unknown' WHERE state = 'sent';
    CREATE TABLE corrections (
        platform TEXT NOT NULL,
        channel TEXT NOT NULL,
        digest TEXT NOT NULL,
        version TEXT NOT NULL,
        started_at TEXT NOT NULL,
        PRIMARY KEY (platform, channel, digest)
    );
    CREATE INDEX ledger_by_digest ON ledger (digest);",
    // 4: threads. A channel's `threads` setting (NULL: the config's default). Per part, the layout
    // the digest was rendered in at that target (fixed by its first part, so a resumed delivery or a
    // correction keeps it), the thread to start from the part's message (`thread_name`), and how
    // that went: the thread's id, or why it could not be made (`thread_error`).
    "ALTER TABLE subscriptions ADD COLUMN threads TEXT;
    ALTER TABLE ledger ADD COLUMN layout TEXT;
    ALTER TABLE ledger ADD COLUMN thread_name TEXT;
    ALTER TABLE ledger ADD COLUMN thread_id TEXT;
    ALTER TABLE ledger ADD COLUMN thread_error TEXT;",
    // 5: the editors' channel. `notices` is the outbox of what the bot tells the editors (each posted
    // through the ledger under its key, then marked done); `problems` the problems it told them of
    // and has not seen fixed (a file that does not load, a channel that failed), by kind and subject,
    // with what the problem is (`signature`: the same problem is told once) and the notice that told it.
    // `approvals` records every editor's decision on a digest's version (who, when, which content).
    "CREATE TABLE notices (
        key TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        preview_digest TEXT,
        preview_version TEXT,
        created_at TEXT NOT NULL,
        done_at TEXT
    );
    CREATE TABLE problems (
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        signature TEXT NOT NULL,
        notice TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        PRIMARY KEY (kind, subject)
    );
    CREATE TABLE approvals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        digest TEXT NOT NULL,
        version TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('approved', 'held')),
        editor TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX approvals_by_digest ON approvals (digest, version);",
];

/// What a sent part's message shows: the hash of its body and the digest version it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown<'a> {
    pub body_hash: &'a str,
    pub version: &'a str,
    /// The digest file it was rendered from, as the library names it.
    pub source: &'a str,
}

/// One ledger row of a target's digest, as a correction reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerPart {
    pub part: usize,
    /// `sent` (else `pending`: an attempt whose outcome is unknown).
    pub sent: bool,
    pub posted: Posted,
    pub body_hash: Option<String>,
    /// The digest version the message shows; `unknown` for parts sent before versions were kept.
    pub version: Option<String>,
    /// An edit (the body hash it brings) or `delete` in flight.
    pub editing: Option<String>,
    /// The body hash the platform refused for good.
    pub refused: Option<String>,
    /// How many edits the message had.
    pub revision: u32,
    /// The digest file the message was rendered from (none for parts sent before sources were kept).
    pub source: Option<String>,
    /// The layout the digest was rendered in at this target (`None`: packed, as before layouts).
    pub layout: Option<String>,
    /// The thread to start from this part's message, and its id once started, or why it could not be.
    pub thread_name: Option<String>,
    pub thread_id: Option<String>,
    pub thread_error: Option<String>,
}

impl LedgerPart {
    /// Whether the part still waits for its thread: sent, a thread wanted, and neither made nor refused.
    pub fn wants_thread(&self) -> bool {
        self.sent && self.thread_name.is_some() && self.thread_id.is_none() && self.thread_error.is_none()
    }
}

/// How a part is planned before it is sent: the layout of the digest at the target, and the thread
/// (by name) to start from the part's message.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plan<'a> {
    pub layout: Option<&'a str>,
    pub thread_name: Option<&'a str>,
}

/// The version of parts sent before versions were kept.
pub const UNKNOWN_VERSION: &str = "unknown";
/// `editing` of a deletion in flight.
pub const DELETING: &str = "delete";

/// The state database.
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// The identity of the file at `path` when it was opened.
    identity: FileId,
    /// Held for the store's lifetime by `open_exclusive`.
    lock: Option<StateLock>,
    /// Set once, by the first write that found the state lost; later writes fail with it at once.
    lost: watch::Sender<Option<StateLost>>,
    /// Counts the editors' decisions recorded through this store ([`Store::decisions`]).
    decided: watch::Sender<u64>,
}

/// A file's identity: its device and inode on Unix. Elsewhere there is none to compare, and only a
/// deleted file is noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    fn of(meta: &std::fs::Metadata) -> FileId {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            FileId { dev: meta.dev(), ino: meta.ino() }
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            FileId { dev: 0, ino: 0 }
        }
    }

    /// Whether the file at `path` is still this one: `Err` names the change.
    fn check(self, path: &Path) -> Result<(), &'static str> {
        match std::fs::metadata(path) {
            Ok(meta) if FileId::of(&meta) == self => Ok(()),
            Ok(_) => Err("was replaced by another file"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err("was deleted"),
            // Cannot tell (a permission change on the folder): the write itself will say more.
            Err(_) => Ok(()),
        }
    }
}

/// The exclusive lock of one state file: an OS file lock (`flock` on Unix) on `<state file>.lock`,
/// which holds the holder's pid. The OS releases the lock when the process ends, even by `kill -9`,
/// so a stale lock file is harmless and is never deleted (deleting it would let two processes lock
/// two different files).
pub struct StateLock {
    file: File,
    path: PathBuf,
}

impl StateLock {
    /// The lock file of a state file: the same name with `.lock` appended.
    pub fn path_for(state: &Path) -> PathBuf {
        let mut name = state.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "state".into());
        name.push(".lock");
        state.with_file_name(name)
    }

    /// Takes the lock, or fails with [`StoreError::Locked`] naming the holder's pid.
    pub fn acquire(state: &Path) -> Result<StateLock, StoreError> {
        use anyhow::Context as _;
        let path = StateLock::path_for(state);
        let open_error = |source: anyhow::Error| StoreError::Open { path: state.to_path_buf(), reason: source };
        // Not truncated on open: the holder's pid must stay readable until the lock is ours.
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("opening the lock file {}", path.display()))
            .map_err(open_error)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked { path: state.to_path_buf(), pid: read_holder(&mut file), lock: path });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(open_error(
                    anyhow::Error::new(e).context(format!("locking the lock file {}", path.display())),
                ));
            }
        }
        let write_pid = |file: &mut File| -> std::io::Result<()> {
            file.set_len(0)?;
            file.rewind()?;
            writeln!(file, "{}", std::process::id())?;
            file.sync_data()
        };
        write_pid(&mut file).with_context(|| format!("writing the pid into {}", path.display())).map_err(open_error)?;
        Ok(StateLock { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the lock file at the path is still the one locked.
    fn check(&self) -> Result<(), StateLost> {
        let lost = |change| StateLost::Replaced { file: "lock file", path: self.path.clone(), change };
        let held = self.file.metadata().map_err(|_| lost("cannot be read"))?;
        FileId::of(&held).check(&self.path).map_err(lost)
    }
}

/// The pid written by the lock's holder. It writes it just after taking the lock, so a reader that
/// lost the race may find the file empty (or the previous holder's pid) for an instant: wait a little
/// and read until the file holds a number.
fn read_holder(file: &mut File) -> Option<u32> {
    for _ in 0..10 {
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mut text = String::new();
        if file.rewind().is_ok()
            // A pid is a few digits: read no more than that, whatever else the file holds.
            && std::io::Read::take(&mut *file, 32).read_to_string(&mut text).is_ok()
            && let Ok(pid) = text.trim().parse()
        {
            return Some(pid);
        }
    }
    None
}

/// Whether a failed write means the database cannot be written at all, rather than this one
/// statement failing.
fn refuses_writes(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(
            ErrorCode::DiskFull
                | ErrorCode::ReadOnly
                | ErrorCode::SystemIoFailure
                | ErrorCode::PermissionDenied
                | ErrorCode::CannotOpen
                | ErrorCode::DatabaseCorrupt
                | ErrorCode::NotADatabase
        )
    )
}

/// Queues a notice in the outbox unless its key is there already: how many rows were added.
fn insert_notice(conn: &Connection, notice: &Notice, at: DateTime<Utc>) -> rusqlite::Result<usize> {
    let (digest, version) = notice.preview.clone().unzip();
    conn.execute(
        "INSERT OR IGNORE INTO notices (key, title, body, preview_digest, preview_version, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![notice.key, notice.title, notice.body, digest, version, ts(at)],
    )
}

/// Opens (or reopens with a new signature) the problem (`kind`, `subject`), told by notice `key`.
fn open_problem(
    conn: &Connection,
    kind: &str,
    subject: &str,
    signature: &str,
    key: &str,
    at: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    conn.execute(
        "INSERT INTO problems (kind, subject, signature, notice, opened_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (kind, subject) DO UPDATE SET signature = excluded.signature,
            notice = excluded.notice, opened_at = excluded.opened_at",
        params![kind, subject, signature, key, ts(at)],
    )
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
    /// Takes no lock: for tests and for commands that only read the ledger (`post --dry-run`).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, None)
    }

    /// Like [`Store::open`], holding the state file's [`StateLock`] for the store's lifetime: for the
    /// processes that deliver (`serve`, `post`). A second one fails with [`StoreError::Locked`].
    pub fn open_exclusive(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                path: path.to_path_buf(),
                reason: anyhow::Error::new(e).context(format!("creating {}", dir.display())),
            })?;
        }
        // The lock comes first: a refused instance must not even run the migrations.
        let lock = StateLock::acquire(path)?;
        Store::open_with(path, Some(lock))
    }

    /// An empty state in memory: what `status` reads when no state file exists yet.
    pub fn in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory()?;
        migrate(&conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
            path: PathBuf::from(":memory:"),
            // Never written: nothing to compare.
            identity: FileId { dev: 0, ino: 0 },
            lock: None,
            lost: watch::channel(None).0,
            decided: watch::channel(0).0,
        })
    }

    /// Opens the database at `path` for reading only, while another process may be writing it (WAL):
    /// `digestbot status`. `None` when there is no state file yet. Runs no migration; a file another
    /// version of digestbot wrote (another schema version) is refused with what to do.
    pub fn open_read_only(path: &Path) -> Result<Option<Store>, StoreError> {
        use rusqlite::OpenFlags;
        let failed = |source: anyhow::Error| StoreError::Open { path: path.to_path_buf(), reason: source };
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(failed(e.into())),
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| failed(e.into()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| failed(e.into()))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| failed(e.into()))?;
        if version as usize != MIGRATIONS.len() {
            return Err(failed(anyhow::anyhow!(
                "its schema version is {version}, this digestbot's is {}: run this version's `digestbot serve` or `post` once to upgrade it",
                MIGRATIONS.len()
            )));
        }
        Ok(Some(Store {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            identity: FileId::of(&metadata),
            lock: None,
            lost: watch::channel(None).0,
            decided: watch::channel(0).0,
        }))
    }

    fn open_with(path: &Path, lock: Option<StateLock>) -> Result<Store, StoreError> {
        let open = || -> anyhow::Result<(Connection, FileId)> {
            use anyhow::Context as _;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            }
            let conn = Connection::open(path)?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            migrate(&conn)?;
            // The file exists now (SQLite creates it lazily); this is the file every write checks.
            let identity = FileId::of(&std::fs::metadata(path).context("reading its metadata")?);
            Ok((conn, identity))
        };
        let (conn, identity) =
            open().map_err(|source| StoreError::Open { path: path.to_path_buf(), reason: source })?;
        Ok(Store {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            identity,
            lock,
            lost: watch::channel(None).0,
            decided: watch::channel(0).0,
        })
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Changes to `Some` once the state is lost: the process should stop.
    pub fn lost(&self) -> watch::Receiver<Option<StateLost>> {
        self.lost.subscribe()
    }

    /// The loss, if a write found one.
    pub fn lost_now(&self) -> Option<StateLost> {
        self.lost.borrow().clone()
    }

    /// Sets a pragma on the store's connection: tests use `query_only` and `max_page_count` to make
    /// SQLite refuse writes as a read-only file or a full disk would.
    #[cfg(test)]
    pub(crate) fn set_pragma(&self, name: &str, value: i64) {
        self.conn().pragma_update(None, name, value).expect("set a pragma");
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written: each call is one statement
        // or one transaction. Keep going with the connection.
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs one write (a statement or a transaction; one that reads before it writes begins
    /// IMMEDIATE, so that it waits for another writer instead of failing at its first write), after checking that the state is still the
    /// file this process opened and locked. A write that SQLite refuses as a whole (full, read-only)
    /// loses the store; once lost, every write fails at once with the same reason.
    fn write<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        let mut conn = self.conn();
        if let Some(lost) = self.lost_now() {
            return Err(lost.into());
        }
        let checked = self
            .identity
            .check(&self.path)
            .map_err(|change| StateLost::Replaced { file: "state file", path: self.path.clone(), change })
            .and_then(|()| self.lock.as_ref().map_or(Ok(()), StateLock::check));
        let result = match checked {
            Ok(()) => match f(&mut conn) {
                Ok(value) => return Ok(value),
                Err(e) if refuses_writes(&e) => {
                    StateLost::Unwritable { path: self.path.clone(), reason: e.to_string() }
                }
                Err(e) => return Err(e.into()),
            },
            Err(lost) => lost,
        };
        self.lost.send_replace(Some(result.clone()));
        Err(result.into())
    }

    /// The schema version (number of migrations applied).
    pub fn schema_version(&self) -> Result<usize, StoreError> {
        Ok(self.conn().query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize)
    }

    /// Subscribes a channel: `true` when it was not subscribed before. Subscribing again is harmless
    /// and clears a recorded failure.
    pub fn subscribe(&self, target: &Target, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.write(|conn| {
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
                    Ok(false)
                }
                None => {
                    conn.execute(
                        "INSERT INTO subscriptions (platform, channel, subscribed_at) VALUES (?1, ?2, ?3)",
                        params![target.platform.as_str(), target.channel, ts(at)],
                    )?;
                    Ok(true)
                }
            }
        })
    }

    /// Subscribes a channel as [`Store::subscribe`] does and, when `threads` is given, sets its
    /// `threads` setting, in one transaction: (whether it is newly subscribed, its setting before).
    pub fn subscribe_with(
        &self,
        target: &Target,
        threads: Option<ThreadMode>,
        at: DateTime<Utc>,
    ) -> Result<(bool, Option<ThreadMode>), StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let key = params![target.platform.as_str(), target.channel];
            let existing: Option<Option<String>> = tx
                .query_row("SELECT threads FROM subscriptions WHERE platform = ?1 AND channel = ?2", key, |r| r.get(0))
                .optional()?;
            let before = existing.clone().flatten().as_deref().and_then(ThreadMode::parse);
            match existing {
                Some(_) => {
                    tx.execute("UPDATE subscriptions SET failed_at = NULL WHERE platform = ?1 AND channel = ?2", key)?;
                }
                None => {
                    tx.execute(
                        "INSERT INTO subscriptions (platform, channel, subscribed_at) VALUES (?1, ?2, ?3)",
                        params![target.platform.as_str(), target.channel, ts(at)],
                    )?;
                }
            }
            if let Some(mode) = threads {
                tx.execute(
                    "UPDATE subscriptions SET threads = ?3 WHERE platform = ?1 AND channel = ?2",
                    params![target.platform.as_str(), target.channel, mode.as_str()],
                )?;
            }
            tx.commit()?;
            Ok((existing.is_none(), before))
        })
    }

    /// Removes a subscription made with `/digest subscribe`: `true` when there was one.
    pub fn unsubscribe(&self, target: &Target) -> Result<bool, StoreError> {
        let removed = self.write(|conn| {
            conn.execute(
                "DELETE FROM subscriptions WHERE platform = ?1 AND channel = ?2",
                params![target.platform.as_str(), target.channel],
            )
        })?;
        Ok(removed > 0)
    }

    pub fn subscription(&self, target: &Target) -> Result<Option<Subscription>, StoreError> {
        let conn = self.conn();
        let row = conn
            .query_row(
                "SELECT subscribed_at, failed_at, threads FROM subscriptions WHERE platform = ?1 AND channel = ?2",
                params![target.platform.as_str(), target.channel],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, Option<String>>(2)?)),
            )
            .optional()?;
        row.map(|(at, failed, threads)| {
            Ok(Subscription {
                target: target.clone(),
                subscribed_at: parse_ts(&at)?,
                failed_at: failed.as_deref().map(parse_ts).transpose()?,
                threads: threads.as_deref().and_then(ThreadMode::parse),
            })
        })
        .transpose()
        .map_err(StoreError::Sqlite)
    }

    /// Every subscription, in a stable order.
    pub fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT platform, channel, subscribed_at, failed_at, threads FROM subscriptions ORDER BY 1, 2")?;
        let rows = stmt.query_map([], |r| {
            Ok(Subscription {
                target: Target::new(platform_of(&r.get::<_, String>(0)?)?, r.get::<_, String>(1)?),
                subscribed_at: parse_ts(&r.get::<_, String>(2)?)?,
                failed_at: r.get::<_, Option<String>>(3)?.as_deref().map(parse_ts).transpose()?,
                threads: r.get::<_, Option<String>>(4)?.as_deref().and_then(ThreadMode::parse),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Sets a subscribed channel's `threads` setting (`None`: follow the config's default): `false`
    /// when the channel is not subscribed.
    pub fn set_thread_mode(&self, target: &Target, mode: Option<ThreadMode>) -> Result<bool, StoreError> {
        let changed = self.write(|conn| {
            conn.execute(
                "UPDATE subscriptions SET threads = ?3 WHERE platform = ?1 AND channel = ?2",
                params![target.platform.as_str(), target.channel, mode.map(ThreadMode::as_str)],
            )
        })?;
        Ok(changed > 0)
    }

    /// The channel's own `threads` setting, if it is subscribed and has one.
    pub fn thread_mode(&self, target: &Target) -> Result<Option<ThreadMode>, StoreError> {
        let mode: Option<Option<String>> = self
            .conn()
            .query_row(
                "SELECT threads FROM subscriptions WHERE platform = ?1 AND channel = ?2",
                params![target.platform.as_str(), target.channel],
                |r| r.get(0),
            )
            .optional()?;
        Ok(mode.flatten().as_deref().and_then(ThreadMode::parse))
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
        self.write(|conn| {
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
            tx.commit()
        })
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

    /// Whether every part of the digest has been sent to the target, and every thread it wants
    /// started (or found impossible).
    pub fn delivered(&self, target: &Target, digest: &str) -> Result<bool, StoreError> {
        let (sent, parts, threads): (i64, Option<i64>, i64) = self.conn().query_row(
            "SELECT COUNT(*) FILTER (WHERE state = 'sent'), MAX(parts),
                    COUNT(*) FILTER (WHERE thread_name IS NOT NULL AND thread_id IS NULL AND thread_error IS NULL)
             FROM ledger WHERE platform = ?1 AND channel = ?2 AND digest = ?3",
            params![target.platform.as_str(), target.channel, digest],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(parts.is_some_and(|parts| sent >= parts) && threads == 0)
    }

    /// Writes a part as about to be sent, as `plan` lays it out (keeps a part already recorded as
    /// sent as it is).
    #[allow(clippy::too_many_arguments)]
    pub fn mark_pending(
        &self,
        target: &Target,
        digest: &str,
        part: usize,
        parts: usize,
        plan: Plan<'_>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute(
                "INSERT INTO ledger (platform, channel, digest, part, parts, state, updated_at, pending_at,
                                     layout, thread_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6, ?7, ?8)
                 ON CONFLICT (platform, channel, digest, part) DO UPDATE SET parts = excluded.parts,
                    layout = excluded.layout, thread_name = excluded.thread_name
                 WHERE ledger.state = 'pending'",
                params![
                    target.platform.as_str(),
                    target.channel,
                    digest,
                    part as i64,
                    parts as i64,
                    ts(at),
                    plan.layout,
                    plan.thread_name
                ],
            )
        })?;
        Ok(())
    }

    /// How far the digest got at the target: parts sent, parts in all (`None`: never tried), and when
    /// the last part was sent.
    pub fn progress(&self, target: &Target, digest: &str) -> Result<Progress, StoreError> {
        let (sent, parts, last): (i64, Option<i64>, Option<String>) = self.conn().query_row(
            "SELECT COUNT(*) FILTER (WHERE state = 'sent'), MAX(parts), MAX(updated_at) FILTER (WHERE state = 'sent')
             FROM ledger WHERE platform = ?1 AND channel = ?2 AND digest = ?3",
            params![target.platform.as_str(), target.channel, digest],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(Progress {
            sent: sent.max(0) as usize,
            parts: parts.map(|p| p.max(0) as usize),
            last_sent_at: last.as_deref().map(parse_ts).transpose()?,
        })
    }

    /// Records how a part's thread went: its id, or why it cannot be started (not tried again for
    /// this part).
    pub fn mark_thread(
        &self,
        target: &Target,
        digest: &str,
        part: usize,
        outcome: Result<&str, &str>,
    ) -> Result<(), StoreError> {
        let (id, error) = match outcome {
            Ok(id) => (Some(id), None),
            Err(error) => (None, Some(error)),
        };
        self.write(|conn| {
            conn.execute(
                "UPDATE ledger SET thread_id = ?5, thread_error = ?6
                 WHERE platform = ?1 AND channel = ?2 AND digest = ?3 AND part = ?4",
                params![target.platform.as_str(), target.channel, digest, part as i64, id, error],
            )
        })?;
        Ok(())
    }

    /// The thread the target's latest digest could not start, if any: (digest, why).
    pub fn thread_problem(&self, target: &Target) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT digest, thread_error FROM ledger
                 WHERE platform = ?1 AND channel = ?2 AND thread_error IS NOT NULL
                   AND digest = (SELECT MAX(digest) FROM ledger
                                 WHERE platform = ?1 AND channel = ?2 AND digest NOT LIKE 'notice:%')
                 ORDER BY part LIMIT 1",
                params![target.platform.as_str(), target.channel],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Writes a part as sent, with where it landed (the platform's message id; for Slack the channel
    /// and `ts`) and what the message shows (for corrections; `None` when unknown).
    #[allow(clippy::too_many_arguments)]
    pub fn mark_sent(
        &self,
        target: &Target,
        digest: &str,
        part: usize,
        parts: usize,
        posted: &Posted,
        shown: Option<Shown<'_>>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (body_hash, version, source) =
            shown.map_or((None, None, None), |s| (Some(s.body_hash), Some(s.version), Some(s.source)));
        self.write(|conn| {
            conn.execute(
                "INSERT INTO ledger (platform, channel, digest, part, parts, state, message_id, updated_at,
                                     message_channel, message_ts, body_hash, version, source)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'sent', ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT (platform, channel, digest, part) DO UPDATE SET
                    state = 'sent', parts = excluded.parts, message_id = excluded.message_id,
                    updated_at = excluded.updated_at, message_channel = excluded.message_channel,
                    message_ts = excluded.message_ts, body_hash = excluded.body_hash,
                    version = excluded.version, source = excluded.source, editing = NULL, refused = NULL",
                params![
                    target.platform.as_str(),
                    target.channel,
                    digest,
                    part as i64,
                    parts as i64,
                    posted.message_id,
                    ts(at),
                    posted.channel,
                    posted.ts,
                    body_hash,
                    version,
                    source
                ],
            )
        })?;
        Ok(())
    }

    /// When a part still `pending` was first written so: an earlier attempt (before a lost answer
    /// or a crash) may have posted it since then. `None` when the part is sent or was never tried.
    pub fn pending_since(
        &self,
        target: &Target,
        digest: &str,
        part: usize,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at = self
            .conn()
            .query_row(
                "SELECT COALESCE(pending_at, updated_at) FROM ledger
                 WHERE platform = ?1 AND channel = ?2 AND digest = ?3 AND part = ?4 AND state = 'pending'",
                params![target.platform.as_str(), target.channel, digest, part as i64],
                |r| r.get::<_, String>(0),
            )
            .optional()?;
        at.as_deref().map(parse_ts).transpose().map_err(StoreError::Sqlite)
    }

    /// Where each sent part of this digest landed, by part.
    pub fn posted(&self, target: &Target, digest: &str) -> Result<Vec<(usize, Posted)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT part, message_id, message_channel, message_ts FROM ledger
             WHERE platform = ?1 AND channel = ?2 AND digest = ?3 AND state = 'sent' ORDER BY part",
        )?;
        let rows = stmt.query_map(params![target.platform.as_str(), target.channel, digest], |r| {
            Ok((r.get::<_, i64>(0)? as usize, Posted { message_id: r.get(1)?, channel: r.get(2)?, ts: r.get(3)? }))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every ledger row of the digest at the target, by part.
    pub fn ledger_parts(&self, target: &Target, digest: &str) -> Result<Vec<LedgerPart>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT part, state, message_id, message_channel, message_ts, body_hash, version, editing, refused,
                    revision, source, layout, thread_name, thread_id, thread_error
             FROM ledger WHERE platform = ?1 AND channel = ?2 AND digest = ?3 ORDER BY part",
        )?;
        let rows = stmt.query_map(params![target.platform.as_str(), target.channel, digest], |r| {
            Ok(LedgerPart {
                part: r.get::<_, i64>(0)? as usize,
                sent: r.get::<_, String>(1)? == "sent",
                posted: Posted { message_id: r.get(2)?, channel: r.get(3)?, ts: r.get(4)? },
                body_hash: r.get(5)?,
                version: r.get(6)?,
                editing: r.get(7)?,
                refused: r.get(8)?,
                revision: r.get::<_, i64>(9)?.max(0) as u32,
                source: r.get(10)?,
                layout: r.get(11)?,
                thread_name: r.get(12)?,
                thread_id: r.get(13)?,
                thread_error: r.get(14)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The targets whose messages of `digest` do not all show `version`, or whose correction is under
    /// way: those a correction to `version` has work at.
    pub fn correction_targets(&self, digest: &str, version: &str) -> Result<Vec<Target>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT platform, channel FROM ledger
             WHERE digest = ?1 AND state = 'sent' AND (version IS NULL OR version != ?2 OR editing IS NOT NULL)
             UNION SELECT platform, channel FROM corrections WHERE digest = ?1
             ORDER BY 1, 2",
        )?;
        let rows = stmt.query_map(params![digest, version], |r| {
            Ok(Target::new(platform_of(&r.get::<_, String>(0)?)?, r.get::<_, String>(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records that a correction of the target's digest to `version` has started (a restart finishes it).
    pub fn begin_correction(
        &self,
        target: &Target,
        digest: &str,
        version: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute(
                "INSERT INTO corrections (platform, channel, digest, version, started_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (platform, channel, digest) DO UPDATE SET version = excluded.version",
                params![target.platform.as_str(), target.channel, digest, version, ts(at)],
            )
        })?;
        Ok(())
    }

    /// Ends the correction of the target's digest: every row now counts `parts` parts.
    pub fn finish_correction(&self, target: &Target, digest: &str, parts: usize) -> Result<(), StoreError> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            let key = params![target.platform.as_str(), target.channel, digest];
            tx.execute(
                "UPDATE ledger SET parts = ?4 WHERE platform = ?1 AND channel = ?2 AND digest = ?3",
                params![target.platform.as_str(), target.channel, digest, parts as i64],
            )?;
            tx.execute("DELETE FROM corrections WHERE platform = ?1 AND channel = ?2 AND digest = ?3", key)?;
            tx.commit()
        })
    }

    /// Writes an edit (`editing` = the body hash it brings) or a deletion ([`DELETING`]) as about to
    /// be sent.
    pub fn mark_editing(&self, target: &Target, digest: &str, part: usize, editing: &str) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute(
                "UPDATE ledger SET editing = ?5, refused = NULL
                 WHERE platform = ?1 AND channel = ?2 AND digest = ?3 AND part = ?4",
                params![target.platform.as_str(), target.channel, digest, part as i64, editing],
            )
        })?;
        Ok(())
    }

    /// Records an edit as done: the message now shows `shown`.
    pub fn mark_edited(
        &self,
        target: &Target,
        digest: &str,
        part: usize,
        shown: Shown<'_>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute(
                "UPDATE ledger SET body_hash = ?5, version = ?6, editing = NULL, refused = NULL,
                        revision = revision + 1, updated_at = ?7
                 WHERE platform = ?1 AND channel = ?2 AND digest = ?3 AND part = ?4",
                params![
                    target.platform.as_str(),
                    target.channel,
                    digest,
                    part as i64,
                    shown.body_hash,
                    shown.version,
                    ts(at)
                ],
            )
        })?;
        Ok(())
    }

    /// Records that the message keeps what it showed: the platform refused `refused` (the new body's
    /// hash) for good, or (for a part sent before versions were kept) what it shows is adopted.
    /// Either way it now counts as showing `version`, so the correction does not come back to it.
    pub fn settle_part(
        &self,
        target: &Target,
        digest: &str,
        part: usize,
        version: &str,
        body_hash: Option<&str>,
        refused: Option<&str>,
    ) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute(
                "UPDATE ledger SET version = ?5, body_hash = COALESCE(?6, body_hash), refused = ?7, editing = NULL
                 WHERE platform = ?1 AND channel = ?2 AND digest = ?3 AND part = ?4",
                params![target.platform.as_str(), target.channel, digest, part as i64, version, body_hash, refused],
            )
        })?;
        Ok(())
    }

    /// Adopts a part sent before versions were kept: it counts as showing `shown` (its body hash, if
    /// given, else the one it had), without any edit.
    pub fn adopt_part(&self, target: &Target, digest: &str, part: usize, shown: Shown<'_>) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute(
                "UPDATE ledger SET version = ?5, body_hash = ?6, source = COALESCE(source, ?7), editing = NULL
                 WHERE platform = ?1 AND channel = ?2 AND digest = ?3 AND part = ?4",
                params![
                    target.platform.as_str(),
                    target.channel,
                    digest,
                    part as i64,
                    shown.version,
                    shown.body_hash,
                    shown.source
                ],
            )
        })?;
        Ok(())
    }

    /// Removes a part's row: its message was deleted.
    pub fn remove_part(&self, target: &Target, digest: &str, part: usize) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute(
                "DELETE FROM ledger WHERE platform = ?1 AND channel = ?2 AND digest = ?3 AND part = ?4",
                params![target.platform.as_str(), target.channel, digest, part as i64],
            )
        })?;
        Ok(())
    }

    /// Queues a notice for the editors, unless one with its key was queued before: `true` when new.
    pub fn queue_notice(&self, notice: &Notice, at: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(self.write(|conn| insert_notice(conn, notice, at))? > 0)
    }

    /// Opens a problem (`kind`, `subject`) and queues its notice, in one transaction: `false` (and
    /// nothing queued) when the same problem (`signature`) is open already.
    pub fn raise_problem(
        &self,
        kind: &str,
        subject: &str,
        signature: &str,
        notice: &Notice,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let open: Option<String> = tx
                .query_row(
                    "SELECT signature FROM problems WHERE kind = ?1 AND subject = ?2",
                    params![kind, subject],
                    |r| r.get(0),
                )
                .optional()?;
            if open.as_deref() == Some(signature) {
                return Ok(false);
            }
            open_problem(&tx, kind, subject, signature, &notice.key, at)?;
            insert_notice(&tx, notice, at)?;
            tx.commit()?;
            Ok(true)
        })
    }

    /// Opens many problems of one kind, (subject, signature) each, and queues one `notice` telling of
    /// them all, in one transaction (a flood of broken files is one message, not hundreds).
    pub fn raise_problems(
        &self,
        kind: &str,
        problems: &[(&str, &str)],
        notice: &Notice,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            for (subject, signature) in problems {
                open_problem(&tx, kind, subject, signature, &notice.key, at)?;
            }
            insert_notice(&tx, notice, at)?;
            tx.commit()
        })
    }

    /// Closes a problem, queueing `notice` (its fix) in the same transaction: `false` when no such
    /// problem was open.
    pub fn resolve_problem(
        &self,
        kind: &str,
        subject: &str,
        notice: Option<&Notice>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let closed = tx.execute("DELETE FROM problems WHERE kind = ?1 AND subject = ?2", params![kind, subject])?;
            if closed > 0
                && let Some(notice) = notice
            {
                insert_notice(&tx, notice, at)?;
            }
            tx.commit()?;
            Ok(closed > 0)
        })
    }

    /// The open problems of a kind: (subject, signature).
    pub fn open_problems(&self, kind: &str) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT subject, signature FROM problems WHERE kind = ?1 ORDER BY subject")?;
        let rows = stmt.query_map(params![kind], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Notices not yet posted everywhere, oldest first.
    pub fn pending_notices(&self) -> Result<Vec<Notice>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT key, title, body, preview_digest, preview_version FROM notices
             WHERE done_at IS NULL ORDER BY created_at, rowid",
        )?;
        let rows = stmt.query_map([], |r| {
            let preview = match (r.get::<_, Option<String>>(3)?, r.get::<_, Option<String>>(4)?) {
                (Some(digest), Some(version)) => Some((digest, version)),
                _ => None,
            };
            Ok(Notice { key: r.get(0)?, title: r.get(1)?, body: r.get(2)?, preview })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Gives up on the notices queued before `before` and not yet posted everywhere (an editors'
    /// channel gone for good): how many.
    pub fn expire_notices(&self, before: DateTime<Utc>, at: DateTime<Utc>) -> Result<usize, StoreError> {
        self.write(|conn| {
            conn.execute(
                "UPDATE notices SET done_at = ?2 WHERE done_at IS NULL AND created_at < ?1",
                params![ts(before), ts(at)],
            )
        })
    }

    /// Marks a notice posted to every editors' channel.
    pub fn notice_done(&self, key: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(|conn| conn.execute("UPDATE notices SET done_at = ?2 WHERE key = ?1", params![key, ts(at)]))?;
        Ok(())
    }

    /// Records an editor's decision; a later one overrides an earlier one. Its number, unique
    /// among decisions.
    pub fn record_decision(&self, decision: &Decision) -> Result<i64, StoreError> {
        let id = self.write(|conn| {
            conn.execute(
                "INSERT INTO approvals (digest, version, decision, editor, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    decision.digest,
                    decision.version,
                    if decision.approved { "approved" } else { "held" },
                    decision.editor,
                    ts(decision.at)
                ],
            )?;
            Ok(conn.last_insert_rowid())
        })?;
        self.decided.send_modify(|n| *n += 1);
        Ok(id)
    }

    /// The latest decision on this version of the digest.
    pub fn decision(&self, digest: &str, version: &str) -> Result<Option<Decision>, StoreError> {
        let row = self
            .conn()
            .query_row(
                "SELECT decision, editor, at FROM approvals WHERE digest = ?1 AND version = ?2
                 ORDER BY id DESC LIMIT 1",
                params![digest, version],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
            )
            .optional()?;
        row.map(|(decision, editor, at)| {
            Ok(Decision {
                digest: digest.to_string(),
                version: version.to_string(),
                approved: decision == "approved",
                editor,
                at: parse_ts(&at)?,
            })
        })
        .transpose()
        .map_err(StoreError::Sqlite)
    }

    /// Changes each time a decision is recorded: the scheduler waits on it for a held slot.
    pub fn decisions(&self) -> watch::Receiver<u64> {
        self.decided.subscribe()
    }

    /// The newest digest fully delivered to the target, and when its last part went out.
    pub fn last_delivery(&self, target: &Target) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        let row = self
            .conn()
            .query_row(
                "SELECT digest, MAX(updated_at) FROM ledger
                 WHERE platform = ?1 AND channel = ?2 AND digest NOT LIKE 'notice:%'
                 GROUP BY digest HAVING COUNT(*) FILTER (WHERE state = 'sent') >= MAX(parts)
                 ORDER BY MAX(updated_at) DESC LIMIT 1",
                params![target.platform.as_str(), target.channel],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?;
        row.map(|(digest, at)| Ok((digest, parse_ts(&at)?))).transpose().map_err(StoreError::Sqlite)
    }

    /// The latest slot that ever ran (started), by this process or an earlier one.
    pub fn last_slot(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let slot = self.conn().query_row("SELECT MAX(slot) FROM slots", [], |r| r.get::<_, Option<String>>(0))?;
        slot.as_deref().map(parse_ts).transpose().map_err(StoreError::Sqlite)
    }

    /// When the newest part of any digest was sent, at any target (editors' notices left out).
    pub fn last_sent_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at = self.conn().query_row(
            "SELECT MAX(updated_at) FROM ledger WHERE state = 'sent' AND digest NOT LIKE 'notice:%'",
            [],
            |r| r.get::<_, Option<String>>(0),
        )?;
        at.as_deref().map(parse_ts).transpose().map_err(StoreError::Sqlite)
    }

    /// Records that a slot's delivery started (keeping the first start time if it ran before).
    pub fn slot_started(&self, slot: DateTime<Utc>, digest: Option<&str>, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute(
                "INSERT INTO slots (slot, digest, started_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (slot) DO UPDATE SET digest = excluded.digest",
                params![ts(slot), digest, ts(at)],
            )
        })?;
        Ok(())
    }

    pub fn slot_finished(&self, slot: DateTime<Utc>, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(|conn| {
            conn.execute("UPDATE slots SET finished_at = ?2 WHERE slot = ?1", params![ts(slot), ts(at)])
        })?;
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
        assert!(store.subscribe(&ch, t(1)).unwrap());
        assert!(!store.subscribe(&ch, t(2)).unwrap());
        assert_eq!(store.subscription(&ch).unwrap().unwrap().subscribed_at, t(1));
        store.record_failure(&ch, Some("2026-02-09"), "Missing Access (403)", true, t(3)).unwrap();
        assert_eq!(store.subscription(&ch).unwrap().unwrap().failed_at, Some(t(3)));
        assert_eq!(store.last_failure(&ch).unwrap().unwrap().message, "Missing Access (403)");
        store.subscribe(&ch, t(4)).unwrap();
        assert_eq!(store.subscription(&ch).unwrap().unwrap().failed_at, None);
        assert!(store.unsubscribe(&ch).unwrap());
        assert!(!store.unsubscribe(&ch).unwrap());
        assert!(store.subscription(&ch).unwrap().is_none());
    }

    #[test]
    fn ledger_tracks_parts_until_the_digest_is_delivered() {
        let dir = TempDir::new("ledger");
        let store = Store::open(&dir.0.join("s.db")).unwrap();
        let ch = Target::new(Platform::Slack, "C1");
        assert!(!store.delivered(&ch, "2026-02-09").unwrap());
        store.mark_pending(&ch, "2026-02-09", 0, 2, Plan::default(), t(1)).unwrap();
        assert_eq!(store.pending_parts(&ch, "2026-02-09").unwrap(), [0]);
        store.mark_sent(&ch, "2026-02-09", 0, 2, &Posted::id(Some("m0")), None, t(1)).unwrap();
        // Marking a sent part pending again (a retried run) keeps it sent.
        store.mark_pending(&ch, "2026-02-09", 0, 2, Plan::default(), t(2)).unwrap();
        assert_eq!(store.sent_parts(&ch, "2026-02-09").unwrap(), [(0, Some("m0".to_string()))]);
        assert!(!store.delivered(&ch, "2026-02-09").unwrap());
        assert_eq!(store.last_delivery(&ch).unwrap(), None);
        store.mark_pending(&ch, "2026-02-09", 1, 2, Plan::default(), t(2)).unwrap();
        store.mark_sent(&ch, "2026-02-09", 1, 2, &Posted::default(), None, t(2)).unwrap();
        assert!(store.delivered(&ch, "2026-02-09").unwrap());
        assert!(store.pending_parts(&ch, "2026-02-09").unwrap().is_empty());
        assert_eq!(store.last_delivery(&ch).unwrap(), Some(("2026-02-09".to_string(), t(2))));
        // Another channel is untouched.
        assert!(!store.delivered(&Target::new(Platform::Slack, "C2"), "2026-02-09").unwrap());
    }

    #[test]
    fn a_pending_part_keeps_its_first_time_and_a_sent_one_where_it_landed() {
        let dir = TempDir::new("pending-since");
        let store = Store::open(&dir.0.join("s.db")).unwrap();
        let ch = Target::new(Platform::Slack, "C1");
        assert_eq!(store.pending_since(&ch, "2026-02-09", 0).unwrap(), None);
        store.mark_pending(&ch, "2026-02-09", 0, 1, Plan::default(), t(1)).unwrap();
        // Tried again later (a restart): the window still starts at the first try.
        store.mark_pending(&ch, "2026-02-09", 0, 1, Plan::default(), t(3)).unwrap();
        assert_eq!(store.pending_since(&ch, "2026-02-09", 0).unwrap(), Some(t(1)));
        let posted = Posted {
            message_id: Some("1770600000.000100".into()),
            channel: Some("C1".into()),
            ts: Some("1770600000.000100".into()),
        };
        store.mark_sent(&ch, "2026-02-09", 0, 1, &posted, None, t(3)).unwrap();
        assert_eq!(store.pending_since(&ch, "2026-02-09", 0).unwrap(), None);
        assert_eq!(store.posted(&ch, "2026-02-09").unwrap(), [(0, posted)]);
    }

    #[test]
    fn a_version_1_ledger_migrates_and_its_pending_rows_keep_their_time() {
        let dir = TempDir::new("migrate-v1");
        let path = dir.0.join("s.db");
        std::fs::create_dir_all(&dir.0).unwrap();
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(&format!("{}; PRAGMA user_version = 1;", MIGRATIONS[0])).unwrap();
            conn.execute(
                "INSERT INTO ledger (platform, channel, digest, part, parts, state, updated_at)
                 VALUES ('slack', 'C1', '2026-02-09', 0, 1, 'pending', ?1)",
                params![ts(t(2))],
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len());
        let ch = Target::new(Platform::Slack, "C1");
        assert_eq!(store.pending_since(&ch, "2026-02-09", 0).unwrap(), Some(t(2)));
    }

    #[test]
    fn failures_older_than_the_last_delivery_are_not_shown() {
        let dir = TempDir::new("failures");
        let store = Store::open(&dir.0.join("s.db")).unwrap();
        let ch = discord("7");
        store.record_failure(&ch, Some("2026-02-02"), "timeout", false, t(1)).unwrap();
        store.mark_sent(&ch, "2026-02-09", 0, 1, &Posted::id(Some("m")), None, t(2)).unwrap();
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

    #[test]
    fn the_last_slot_and_the_last_part_sent() {
        let dir = TempDir::new("lasts");
        let store = Store::open(&dir.0.join("s.db")).unwrap();
        assert_eq!((store.last_slot().unwrap(), store.last_sent_at().unwrap()), (None, None));
        store.slot_started(t(0) - chrono::Duration::days(7), None, t(0)).unwrap();
        store.slot_started(t(0), Some("2026-02-09"), t(0)).unwrap();
        assert_eq!(store.last_slot().unwrap(), Some(t(0)));
        let (a, b) = (Target::new(Platform::Discord, "1"), Target::new(Platform::Slack, "C1"));
        store.mark_pending(&a, "2026-02-09", 0, 1, Plan::default(), t(1)).unwrap();
        assert_eq!(store.last_sent_at().unwrap(), None, "pending is not sent");
        store.mark_sent(&a, "2026-02-09", 0, 1, &Posted::id(Some("m")), None, t(2)).unwrap();
        store.mark_sent(&b, "2026-02-09", 0, 1, &Posted::id(Some("m")), None, t(3)).unwrap();
        // An editors' notice is no delivery.
        store.mark_sent(&b, "notice:slot", 0, 1, &Posted::id(Some("n")), None, t(5)).unwrap();
        assert_eq!(store.last_sent_at().unwrap(), Some(t(3)));
    }

    fn locked(path: &Path) -> StoreError {
        match Store::open_exclusive(path) {
            Ok(_) => panic!("a second exclusive open of {} succeeded", path.display()),
            Err(e) => e,
        }
    }

    #[test]
    fn the_lock_is_exclusive_and_names_the_holder() {
        let dir = TempDir::new("lock");
        let path = dir.0.join("state/bot.sqlite3");
        let lock = dir.0.join("state/bot.sqlite3.lock");
        // A lock file left by an earlier holder: its stale pid must not be reported.
        std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
        std::fs::write(&lock, "4194304\n").unwrap();
        let first = Store::open_exclusive(&path).unwrap();
        assert_eq!(first.lock.as_ref().unwrap().path(), lock);
        let pid = std::process::id();
        assert_eq!(std::fs::read_to_string(&lock).unwrap(), format!("{pid}\n"));
        // flock locks an open file description, so a second open in this process is refused as
        // another process would be.
        let error = locked(&path);
        assert!(
            matches!(&error, StoreError::Locked { path: p, lock: l, pid: Some(holder) } if *p == path && *l == lock && *holder == pid),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()) && message.contains(&format!("pid {pid}")), "{message}");
        assert_eq!(crate::app::exit_code(&error.into()), std::process::ExitCode::from(crate::app::EXIT_LOCKED));
        // Readers take no lock (post --dry-run).
        assert!(Store::open(&path).unwrap().subscriptions().unwrap().is_empty());
        // Released with the store; the lock file stays, harmlessly.
        first.subscribe(&discord("1"), t(0)).unwrap();
        drop(first);
        let again = Store::open_exclusive(&path).unwrap();
        assert_eq!(again.subscriptions().unwrap().len(), 1);
        assert!(matches!(locked(&path), StoreError::Locked { .. }));
    }

    #[test]
    fn a_deleted_state_file_is_noticed_at_the_next_write() {
        let dir = TempDir::new("deleted");
        let path = dir.0.join("bot.sqlite3");
        let store = Store::open_exclusive(&path).unwrap();
        let mut lost = store.lost();
        store.subscribe(&discord("1"), t(0)).unwrap();
        std::fs::remove_file(&path).unwrap();
        // Reading the open file still works; SQLite would also accept the write, into a deleted file.
        assert_eq!(store.subscriptions().unwrap().len(), 1);
        let error = store.subscribe(&discord("2"), t(1)).unwrap_err();
        let expected = StateLost::Replaced { file: "state file", path: path.clone(), change: "was deleted" };
        assert_eq!(error.lost(), Some(&expected));
        let message = error.to_string();
        assert!(message.contains(&format!("the state file {} was deleted", path.display())), "{message}");
        assert!(lost.has_changed().unwrap());
        assert_eq!(*lost.borrow_and_update(), Some(expected.clone()));
        // Every later write fails the same way, whatever it writes.
        assert_eq!(
            store.mark_pending(&discord("1"), "2026-02-09", 0, 1, Plan::default(), t(2)).unwrap_err().lost(),
            Some(&expected)
        );
        assert_eq!(store.slot_finished(t(0), t(2)).unwrap_err().lost(), Some(&expected));
        assert_eq!(crate::app::exit_code(&error.into()), std::process::ExitCode::from(crate::app::EXIT_STATE_LOST));
    }

    #[test]
    fn a_replaced_state_file_or_lock_file_is_noticed_at_the_next_write() {
        let dir = TempDir::new("replaced");
        let path = dir.0.join("bot.sqlite3");
        let store = Store::open(&path).unwrap();
        store.subscribe(&discord("1"), t(0)).unwrap();
        // A backup restored by renaming it over the live file.
        let backup = dir.0.join("backup.sqlite3");
        drop(Store::open(&backup).unwrap());
        std::fs::rename(&backup, &path).unwrap();
        let error = store.unsubscribe(&discord("1")).unwrap_err();
        assert!(
            matches!(
                error.lost(),
                Some(StateLost::Replaced { file: "state file", change: "was replaced by another file", .. })
            ),
            "{error}"
        );

        // Without its lock file, a second instance could lock a new one: stop as well.
        let path = dir.0.join("locked.sqlite3");
        let store = Store::open_exclusive(&path).unwrap();
        std::fs::remove_file(StateLock::path_for(&path)).unwrap();
        let error = store.mark_sent(&discord("1"), "2026-02-09", 0, 1, &Posted::default(), None, t(1)).unwrap_err();
        assert!(
            matches!(error.lost(), Some(StateLost::Replaced { file: "lock file", change: "was deleted", path: p }) if *p == StateLock::path_for(&path)),
            "{error}"
        );
    }

    #[test]
    fn a_full_disk_loses_the_store_and_keeps_every_committed_row() {
        let dir = TempDir::new("full");
        let store = Store::open_exclusive(&dir.0.join("bot.sqlite3")).unwrap();
        let pages: i64 = store.conn().query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
        // The file may not grow: a deterministic full disk.
        store.set_pragma("max_page_count", pages);
        let ch = Target::new(Platform::Slack, "C1");
        let mut committed = 0;
        let error = loop {
            match store.mark_pending(&ch, "2026-02-09", committed, 1_000_000, Plan::default(), t(1)) {
                Ok(()) => committed += 1,
                Err(e) => break e,
            }
            assert!(committed < 100_000, "the database never filled up");
        };
        let Some(StateLost::Unwritable { reason, .. }) = error.lost() else { panic!("{error:?}") };
        assert!(reason.contains("full"), "{reason}");
        assert!(error.to_string().contains("bot.sqlite3 cannot be written"), "{error}");
        // Each write was its own transaction: all before the failure are there, the failed one is not.
        assert_eq!(store.pending_parts(&ch, "2026-02-09").unwrap().len(), committed);
        // Even a write that would fit now fails: the store stays lost.
        store.set_pragma("max_page_count", pages * 100);
        assert!(store.subscribe(&discord("1"), t(2)).unwrap_err().lost().is_some());
    }

    #[test]
    fn a_read_only_database_loses_the_store_and_a_busy_one_does_not() {
        let dir = TempDir::new("readonly");
        let store = Store::open(&dir.0.join("bot.sqlite3")).unwrap();
        store.set_pragma("query_only", 1);
        let error = store.mark_pending(&discord("1"), "2026-02-09", 0, 1, Plan::default(), t(1)).unwrap_err();
        assert!(matches!(error.lost(), Some(StateLost::Unwritable { .. })), "{error:?}");
        assert!(store.lost_now().is_some());

        // A statement that fails on its own (busy after the timeout) is not a lost store.
        let failure = |code| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None);
        assert!(!refuses_writes(&failure(rusqlite::ffi::SQLITE_BUSY)));
        assert!(!refuses_writes(&failure(rusqlite::ffi::SQLITE_CONSTRAINT)));
        assert!(refuses_writes(&failure(rusqlite::ffi::SQLITE_FULL)));
        assert!(refuses_writes(&failure(rusqlite::ffi::SQLITE_READONLY)));
        assert!(refuses_writes(&failure(rusqlite::ffi::SQLITE_IOERR)));
    }
}

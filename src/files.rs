//! The digests folder: reading it into a [`Library`], and noticing when files change.
//!
//! The folder is a trust boundary: its files come from a shared repository. A digest is a regular
//! file whose canonical path lies inside the canonical folder; a symlink may point to one, but a
//! symlink that leads outside (to `/proc/self/environ`, say), dangles or loops, and a FIFO, socket,
//! device or directory with a digest's name, are refused and reported, never opened. Files are
//! opened without blocking and without following a last symlink, and read with a bound of
//! `limits.max_digest_bytes` (a file's size is checked from its metadata first, so a sparse 2 GiB
//! file costs nothing). A file whose size or modification time changes while it is read is not
//! accepted half-written: the last good parse stays and the file is read again at the next poll.
//!
//! [`DigestDir`] keeps the last parse of every file with its identity (device, inode, size,
//! modification and change times), so a reload re-parses only new or changed files.
//! [`LibraryHandle`] is what the bot shares: readers take a cheap `Arc` snapshot of the current
//! library, and [`LibraryHandle::reload`] parses on a blocking thread, never on a tokio worker, then
//! swaps in the new library. A broken file is logged once per change and never hides the good ones.
//! With [`LibraryHandle::with_metrics`], each load sets the digests loaded and broken gauges.

use std::collections::{HashMap, HashSet};
use std::fs::{File, Metadata};
use std::io::Read as _;
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use anyhow::Context as _;
use tracing::{info, warn};

use crate::digest::{Digest, Library, Limits, ParseError, ParseErrorKind, parse_with};
use crate::logging::untrusted;
use crate::metrics::Metrics;

/// A file's identity for change detection: a replaced file (new inode) or a rewritten one (size,
/// modification or change time) is read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(meta: &Metadata) -> Stamp {
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// The parser a [`DigestDir`] uses: [`parse_with`] in production; tests swap in a slow one.
pub type ParseFn = Arc<dyn Fn(&str, &[u8], &Limits) -> Result<Digest, ParseError> + Send + Sync>;

/// What one directory entry was, the last time it was looked at.
#[derive(Debug)]
struct Entry {
    /// `None` makes the next scan read the file again (it was changing while read).
    stamp: Option<Stamp>,
    parsed: Result<Digest, ParseError>,
    /// The file read (device, inode) and whether the entry is a symlink to it: a symlink to another
    /// digest of the folder is an alias, left out of the library rather than reported as a duplicate.
    file: Option<((u64, u64), bool)>,
}

/// A digests folder and the last parse of each file in it.
pub struct DigestDir {
    dir: PathBuf,
    limits: Limits,
    parse: ParseFn,
    cache: HashMap<PathBuf, Entry>,
}

impl std::fmt::Debug for DigestDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestDir").field("dir", &self.dir).field("files", &self.cache.len()).finish()
    }
}

/// What a scan found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Whether any file was added, changed or removed since the last scan.
    pub changed: bool,
    /// The problems of the files that changed in this scan: what to log, once per change.
    pub new_problems: Vec<ParseError>,
}

/// Whether a file name is a digest: Markdown, not hidden.
fn is_digest_file(path: &Path) -> bool {
    let hidden = path.file_name().is_some_and(|n| n.as_encoded_bytes().starts_with(b"."));
    !hidden && matches!(path.extension().and_then(|e| e.to_str()), Some("md" | "markdown"))
}

/// A path as shown in messages: control characters in a file name (a newline, an escape, a bidi
/// override) are
/// written as `\u{…}` escapes, so a name cannot forge a line of `check`'s report or colour a terminal.
fn shown_path(path: &Path) -> String {
    crate::logging::terminal_safe(&path.display().to_string()).into_owned()
}

/// What kind of non-file an entry is, for the error.
fn kind_name(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

impl DigestDir {
    pub fn new(dir: impl Into<PathBuf>, limits: Limits) -> DigestDir {
        DigestDir::with_parser(
            dir,
            limits,
            Arc::new(|path: &str, bytes: &[u8], limits: &Limits| parse_with(path, bytes, limits)),
        )
    }

    /// A folder read with another parser (tests use a deliberately slow one).
    pub fn with_parser(dir: impl Into<PathBuf>, limits: Limits, parse: ParseFn) -> DigestDir {
        DigestDir { dir: dir.into(), limits, parse, cache: HashMap::new() }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Scans the folder, parsing new and changed files. Errors only when the folder itself cannot be
    /// read; a file that cannot be used is a [`ParseError`] in the library.
    pub fn refresh(&mut self) -> anyhow::Result<Scan> {
        let root = std::fs::canonicalize(&self.dir)
            .with_context(|| format!("cannot read the digests folder {}", self.dir.display()))?;
        let entries = std::fs::read_dir(&root)
            .with_context(|| format!("cannot read the digests folder {}", self.dir.display()))?;
        let mut seen: HashSet<PathBuf> = HashSet::new();
        let mut scan = Scan::default();
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", self.dir.display()))?;
            // Named under the folder as configured, so messages show the path the operator wrote.
            let path = self.dir.join(entry.file_name());
            if !is_digest_file(&path) {
                continue;
            }
            seen.insert(path.clone());
            let shown = shown_path(&path);
            let problem = |line: usize, kind: ParseErrorKind| ParseError { path: shown.clone(), line, kind };
            let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
            let (stamp, looked_up) = match self.resolve(&root, &entry.path()) {
                Ok((target, meta)) => (Some(Stamp::of(&meta)), Ok((target, meta))),
                Err((stamp, kind)) => (stamp, Err(problem(1, kind))),
            };
            let file = looked_up.as_ref().ok().map(|(_, meta)| ((meta.dev(), meta.ino()), is_link));
            let previous = self.cache.get(&path);
            if stamp.is_some() && previous.is_some_and(|e| e.stamp == stamp) {
                continue;
            }
            let (stamp, parsed) = match looked_up {
                Err(error) => (stamp, Err(error)),
                Ok((target, meta)) => match self.read(&target, &meta) {
                    Ok(bytes) => (stamp, (self.parse)(&shown, &bytes, &self.limits)),
                    Err(ReadFailure::Changing) => {
                        // Keep the last good parse (if any) and read the file again at the next poll.
                        match previous {
                            Some(Entry { parsed: Ok(_), .. }) => {
                                let entry = self.cache.get_mut(&path).expect("just looked up");
                                entry.stamp = None;
                                continue;
                            }
                            _ => (None, Err(problem(1, ParseErrorKind::Changing))),
                        }
                    }
                    Err(ReadFailure::Problem(kind)) => (stamp, Err(problem(1, kind))),
                },
            };
            let unchanged = previous.is_some_and(|e| e.parsed == parsed);
            if !unchanged {
                scan.changed = true;
                if let Err(error) = &parsed {
                    scan.new_problems.push(error.clone());
                }
            }
            self.cache.insert(path, Entry { stamp, parsed, file });
        }
        let before = self.cache.len();
        self.cache.retain(|path, _| seen.contains(path));
        scan.changed |= self.cache.len() != before;
        scan.new_problems.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(scan)
    }

    /// The regular file an entry stands for, inside `root`, with its metadata; or why it is refused,
    /// with the entry's own stamp so an unchanged refusal is not reported again.
    fn resolve(&self, root: &Path, entry: &Path) -> Result<(PathBuf, Metadata), (Option<Stamp>, ParseErrorKind)> {
        let link =
            std::fs::symlink_metadata(entry).map_err(|e| (None, ParseErrorKind::Unreadable(e.kind().to_string())))?;
        let own = Some(Stamp::of(&link));
        if !link.file_type().is_symlink() {
            return if link.file_type().is_file() {
                Ok((entry.to_path_buf(), link))
            } else {
                Err((own, ParseErrorKind::NotAFile(kind_name(&link))))
            };
        }
        let target = std::fs::canonicalize(entry).map_err(|_| (own, ParseErrorKind::BrokenLink))?;
        if !target.starts_with(root) {
            return Err((own, ParseErrorKind::OutsideFolder(format!("{:?}", target.display().to_string()))));
        }
        let meta = std::fs::metadata(&target).map_err(|e| (own, ParseErrorKind::Unreadable(e.kind().to_string())))?;
        if meta.file_type().is_file() {
            Ok((target, meta))
        } else {
            Err((own, ParseErrorKind::NotAFile(kind_name(&meta))))
        }
    }

    /// Reads a regular file found by [`DigestDir::resolve`]: opened without blocking (a FIFO swapped
    /// in cannot hang the loader) and without following a symlink swapped in, checked to be the same
    /// file, and read with a bound. The file's metadata before and after the read must agree.
    fn read(&self, target: &Path, before: &Metadata) -> Result<Vec<u8>, ReadFailure> {
        let limit = self.limits.max_digest_bytes;
        if before.len() > limit {
            return Err(ReadFailure::Problem(ParseErrorKind::TooLarge { size: before.len(), limit }));
        }
        let unreadable = |e: std::io::Error| ReadFailure::Problem(ParseErrorKind::Unreadable(e.kind().to_string()));
        let file = File::options()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY)
            .open(target)
            .map_err(unreadable)?;
        let opened = file.metadata().map_err(unreadable)?;
        if !opened.file_type().is_file() {
            return Err(ReadFailure::Problem(ParseErrorKind::NotAFile(kind_name(&opened))));
        }
        if (opened.dev(), opened.ino()) != (before.dev(), before.ino()) || Stamp::of(&opened) != Stamp::of(before) {
            return Err(ReadFailure::Changing);
        }
        let mut bytes = Vec::with_capacity(opened.len() as usize);
        file.take(limit + 1).read_to_end(&mut bytes).map_err(unreadable)?;
        if bytes.len() as u64 > limit {
            return Err(ReadFailure::Problem(ParseErrorKind::TooLarge { size: bytes.len() as u64, limit }));
        }
        let after = std::fs::metadata(target).map_err(unreadable)?;
        if Stamp::of(&after) != Stamp::of(&opened) || bytes.len() as u64 != after.len() {
            return Err(ReadFailure::Changing);
        }
        Ok(bytes)
    }

    /// The library of the files as last scanned.
    pub fn library(&self) -> Library {
        let mut ordered: Vec<(&PathBuf, &Entry)> = self.cache.iter().collect();
        ordered.sort_by(|a, b| a.0.cmp(b.0));
        // One entry per file: the real file over a symlink to it, else the first in path order.
        let mut chosen: HashMap<(u64, u64), (&PathBuf, bool)> = HashMap::new();
        for (path, entry) in &ordered {
            if let Some((file, is_link)) = entry.file {
                let keep = chosen.get(&file).is_none_or(|&(_, kept_link)| kept_link && !is_link);
                if keep {
                    chosen.insert(file, (path, is_link));
                }
            }
        }
        let aliases = ordered.iter().filter(|(path, entry)| {
            entry.file.is_some_and(|(file, _)| chosen.get(&file).is_some_and(|(kept, _)| kept != path))
        });
        let aliases: HashSet<&PathBuf> = aliases.map(|(path, _)| *path).collect();
        let parsed = ordered.into_iter().filter(|(path, _)| !aliases.contains(path)).map(|(_, e)| e.parsed.clone());
        Library::from_parsed(parsed)
    }
}

/// Why a file's bytes could not be had.
enum ReadFailure {
    /// It changed while it was read: try again at the next poll.
    Changing,
    Problem(ParseErrorKind),
}

/// Loads a folder once: for the CLI commands, which read it and exit.
pub fn load_library(dir: &Path, limits: Limits) -> anyhow::Result<Library> {
    let mut digest_dir = DigestDir::new(dir, limits);
    digest_dir.refresh()?;
    Ok(digest_dir.library())
}

/// The shared, reloadable library.
#[derive(Debug, Clone)]
pub struct LibraryHandle {
    current: Arc<RwLock<Arc<Library>>>,
    /// A std mutex: it is only ever held on a blocking thread, never across an `.await`.
    dir: Arc<Mutex<DigestDir>>,
    /// Told the size of every library swapped in.
    metrics: Option<Metrics>,
}

impl LibraryHandle {
    /// Reads the folder and reports broken files in the log. Blocking: call it before the runtime
    /// serves anything, or from [`tokio::task::spawn_blocking`].
    pub fn open(dir: &Path, limits: Limits) -> anyhow::Result<LibraryHandle> {
        LibraryHandle::open_dir(DigestDir::new(dir, limits))
    }

    /// [`LibraryHandle::open`] on a folder set up by the caller (with its own parser, in tests).
    pub fn open_dir(mut digest_dir: DigestDir) -> anyhow::Result<LibraryHandle> {
        let scan = digest_dir.refresh()?;
        log_problems(&scan.new_problems);
        let library = digest_dir.library();
        log_library(&library, digest_dir.path());
        library.warm_up();
        let current = Arc::new(RwLock::new(Arc::new(library)));
        Ok(LibraryHandle { current, dir: Arc::new(Mutex::new(digest_dir)), metrics: None })
    }

    /// Sets the digests loaded and broken gauges of `metrics` now and at every reload that
    /// changes the library (call it before the handle is cloned).
    pub fn with_metrics(mut self, metrics: Metrics) -> LibraryHandle {
        count(&metrics, &self.current());
        self.metrics = Some(metrics);
        self
    }

    /// The library as it is now.
    pub fn current(&self) -> Arc<Library> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Re-scans the folder on a blocking thread and swaps in a new library when something changed;
    /// returns whether it did. Commands keep being answered from the current library meanwhile.
    pub async fn reload(&self) -> anyhow::Result<bool> {
        let handle = self.clone();
        tokio::task::spawn_blocking(move || handle.reload_blocking()).await.context("the reload thread failed")?
    }

    /// [`LibraryHandle::reload`] on the calling thread. The library is rebuilt only when a file
    /// changed, so an idle poll costs a directory listing.
    pub fn reload_blocking(&self) -> anyhow::Result<bool> {
        let mut dir = self.dir.lock().unwrap_or_else(|p| p.into_inner());
        let scan = dir.refresh()?;
        log_problems(&scan.new_problems);
        if !scan.changed {
            return Ok(false);
        }
        let library = dir.library();
        log_library(&library, dir.path());
        library.warm_up();
        if let Some(metrics) = &self.metrics {
            count(metrics, &library);
        }
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(library);
        Ok(true)
    }
}

fn count(metrics: &Metrics, library: &Library) {
    metrics.library_loaded(library.all().len(), library.errors().len());
}

fn log_problems(problems: &[ParseError]) {
    for error in problems {
        warn!(error = %untrusted(&error.to_string()), "digest skipped");
    }
}

fn log_library(library: &Library, dir: &Path) {
    info!(
        dir = %untrusted(&dir.display().to_string()),
        digests = library.all().len(),
        broken = library.errors().len(),
        newest = library.all().first().map(|d| d.id()).unwrap_or_default(),
        "digests loaded"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) struct TempDir(pub(super) PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    pub(super) fn temp(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("digestbot-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn scans_reuses_and_notices_changes() {
        let dir = temp("scan");
        write(&dir.0, "2026-02-02.md", "---\ndate: 2026-02-02\n---\n## 1. A - \"B\"\n");
        write(&dir.0, "broken.md", "---\ndate: [\n---\n");
        write(&dir.0, "notes.txt", "not a digest");
        let handle = LibraryHandle::open(&dir.0, Default::default()).unwrap();
        let lib = handle.current();
        assert_eq!(lib.all().len(), 1);
        assert_eq!(lib.errors().len(), 1);
        assert!(lib.errors()[0].path.ends_with("broken.md"));
        assert!(!handle.reload_blocking().unwrap());

        // A new file, a fixed file and a removed file are all picked up.
        write(&dir.0, "2026-02-09.md", "---\ndate: 2026-02-09\n---\n## 1. C - \"D\"\n");
        write(&dir.0, "broken.md", "---\ndate: 2026-01-26\n---\nfixed, and longer than before\n");
        std::fs::remove_file(dir.0.join("2026-02-02.md")).unwrap();
        assert!(handle.reload_blocking().unwrap());
        let ids: Vec<String> = handle.current().all().iter().map(Digest::id).collect();
        assert_eq!(ids, ["2026-02-09", "2026-01-26"]);
        assert!(handle.current().errors().is_empty());
    }

    #[test]
    fn missing_folder_is_an_error_naming_it() {
        let err = load_library(Path::new("/nonexistent/digests"), Limits::default()).unwrap_err();
        assert!(format!("{err:#}").contains("/nonexistent/digests"));
    }
}

#[cfg(test)]
mod boundary_tests {
    //! The folder as a trust boundary: what is refused, and that refusing never blocks or leaks.
    use std::io::Write as _;
    use std::os::unix::fs::symlink;
    use std::time::{Duration, Instant};

    use super::tests::TempDir;
    use super::*;

    /// A scratch folder with an empty `digests/` inside.
    fn temp(name: &str) -> TempDir {
        let dir = super::tests::temp(&format!("boundary-{name}"));
        std::fs::create_dir_all(dir.0.join("digests")).unwrap();
        dir
    }

    const GOOD: &str = "---\ndate: 2026-02-02\n---\n## 1. A - \"B\"\n\nbody\n";

    /// Loads `dir` and returns the error message of each refused file, by file name.
    fn problems(dir: &Path) -> Vec<(String, String)> {
        let lib = load_library(dir, Limits::default()).unwrap();
        lib.errors()
            .iter()
            .map(|e| (Path::new(&e.path).file_name().unwrap().to_string_lossy().into_owned(), e.to_string()))
            .collect()
    }

    #[test]
    fn symlinks_out_of_the_folder_are_refused_and_inside_ones_followed() {
        let t = temp("links");
        let digests = t.0.join("digests");
        std::fs::write(digests.join("2026-02-02.md"), GOOD).unwrap();
        std::fs::write(t.0.join("outside.md"), GOOD.replace("2026-02-02", "2026-02-09")).unwrap();
        std::fs::create_dir(digests.join("drafts")).unwrap();
        std::fs::write(digests.join("drafts/d.md"), GOOD.replace("2026-02-02", "2026-02-16")).unwrap();
        symlink("/proc/self/environ", digests.join("environ.md")).unwrap();
        symlink("../outside.md", digests.join("outside.md")).unwrap();
        symlink("drafts/d.md", digests.join("inside.md")).unwrap();
        symlink("nowhere.md", digests.join("dangling.md")).unwrap();
        symlink("loop-b.md", digests.join("loop-a.md")).unwrap();
        symlink("loop-a.md", digests.join("loop-b.md")).unwrap();
        symlink(&digests, digests.join("self.md")).unwrap();

        let lib = load_library(&digests, Limits::default()).unwrap();
        let ids: Vec<String> = lib.all().iter().map(Digest::id).collect();
        assert_eq!(ids, ["2026-02-16", "2026-02-02"], "only the real file and the inside link are read");
        // A second name for a digest of the folder is an alias, not a duplicate date.
        symlink("2026-02-02.md", digests.join("0-alias.md")).unwrap();
        let lib = load_library(&digests, Limits::default()).unwrap();
        assert_eq!(lib.all().len(), 2);
        assert!(lib.all().iter().any(|d| d.path.ends_with("/2026-02-02.md")), "the real file is kept");
        assert!(!lib.errors().iter().any(|e| e.to_string().contains("already has")), "{:?}", lib.errors());
        std::fs::remove_file(digests.join("0-alias.md")).unwrap();
        let mut found = problems(&digests);
        found.sort();
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["dangling.md", "environ.md", "loop-a.md", "loop-b.md", "outside.md", "self.md"]);
        for (name, message) in &found {
            assert!(message.contains(name.as_str()) && message.contains(":1: "), "{message}");
            let expected = match name.as_str() {
                "self.md" => "a directory",
                "dangling.md" | "loop-a.md" | "loop-b.md" => "leads nowhere",
                _ => "outside the digests folder",
            };
            assert!(message.contains(expected), "{name}: {message}");
        }
        assert!(found.iter().any(|(_, m)| m.contains("to \"/proc/")), "{found:?}");
        assert!(found.iter().any(|(_, m)| m.contains("it dangles or loops")), "{found:?}");
    }

    #[test]
    fn fifos_directories_and_sockets_are_refused_without_blocking() {
        let t = temp("special");
        let digests = t.0.join("digests");
        std::fs::write(digests.join("2026-02-02.md"), GOOD).unwrap();
        let fifo = std::ffi::CString::new(digests.join("fifo.md").into_os_string().into_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        symlink("fifo.md", digests.join("to-fifo.md")).unwrap();
        std::fs::create_dir(digests.join("folder.md")).unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(digests.join("socket.md")).unwrap();
        symlink("/dev/zero", digests.join("zero.md")).unwrap();

        let started = Instant::now();
        let mut found = problems(&digests);
        assert!(started.elapsed() < Duration::from_secs(5), "the loader blocked");
        found.sort();
        let shown: Vec<(&str, bool)> = found
            .iter()
            .map(|(n, m)| (n.as_str(), m.contains("a FIFO") || m.contains("a directory") || m.contains("a socket")))
            .collect();
        assert_eq!(
            shown,
            [("fifo.md", true), ("folder.md", true), ("socket.md", true), ("to-fifo.md", true), ("zero.md", false)]
        );
        assert!(found[4].1.contains("outside the digests folder"), "{:?}", found[4]);
        assert_eq!(load_library(&digests, Limits::default()).unwrap().all().len(), 1);
    }

    #[test]
    fn size_is_checked_before_reading() {
        let t = temp("size");
        let digests = t.0.join("digests");
        std::fs::write(digests.join("2026-02-02.md"), GOOD).unwrap();
        // A 2 GiB sparse file takes no disk blocks; it must be refused from its metadata alone.
        let sparse = File::create(digests.join("2026-02-09.md")).unwrap();
        sparse.set_len(2 << 30).unwrap();
        let limits = Limits { max_digest_bytes: 100, ..Limits::default() };
        std::fs::write(digests.join("2026-02-16.md"), "x".repeat(101)).unwrap();
        let started = Instant::now();
        let lib = load_library(&digests, limits).unwrap();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(lib.all().len(), 1);
        let messages: Vec<String> = lib.errors().iter().map(ToString::to_string).collect();
        assert!(messages[0].contains("2026-02-09.md:1: the file is 2147483648 bytes"), "{messages:?}");
        assert!(messages[1].contains("2026-02-16.md:1: the file is 101 bytes, over the limit of 100"), "{messages:?}");
        assert!(messages[0].contains("limits.max_digest_bytes"));
    }

    #[test]
    fn a_file_that_changes_while_read_is_not_accepted() {
        let t = temp("changing");
        let digests = t.0.join("digests");
        let path = digests.join("2026-02-02.md");
        std::fs::write(&path, GOOD).unwrap();
        let dir = DigestDir::new(&digests, Limits::default());
        let before = std::fs::metadata(&path).unwrap();
        // The writer appends after the loader looked at the file.
        std::thread::sleep(Duration::from_millis(10));
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"more\n").unwrap();
        assert!(matches!(dir.read(&path, &before), Err(ReadFailure::Changing)));
        // Replaced by rename (a new inode with the same size and time) is a change too.
        let fresh = std::fs::metadata(&path).unwrap();
        std::fs::write(digests.join(".tmp"), std::fs::read(&path).unwrap()).unwrap();
        std::fs::rename(digests.join(".tmp"), &path).unwrap();
        assert!(matches!(dir.read(&path, &fresh), Err(ReadFailure::Changing)));
        let now = std::fs::metadata(&path).unwrap();
        assert_eq!(dir.read(&path, &now).ok().map(|b| b.len()), Some(GOOD.len() + 5));
    }

    #[test]
    fn problems_are_reported_once_per_change() {
        let t = temp("once");
        let digests = t.0.join("digests");
        std::fs::write(digests.join("2026-02-02.md"), GOOD).unwrap();
        symlink("/proc/self/environ", digests.join("environ.md")).unwrap();
        let mut dir = DigestDir::new(&digests, Limits::default());
        let first = dir.refresh().unwrap();
        assert!(first.changed);
        assert_eq!(first.new_problems.len(), 1);
        let again = dir.refresh().unwrap();
        assert!(!again.changed && again.new_problems.is_empty(), "{again:?}");
        std::fs::write(digests.join("2026-02-09.md"), GOOD.replace("2026-02-02", "2026-02-09")).unwrap();
        let third = dir.refresh().unwrap();
        assert!(third.changed && third.new_problems.is_empty(), "an unchanged broken file is not reported again");
    }

    #[test]
    fn control_characters_in_file_names_are_escaped_in_reports() {
        let t = temp("names");
        let digests = t.0.join("digests");
        std::fs::write(digests.join("bad\nx.md:1: ok\u{1b}[31m.md"), "---\ndate: [\n---\n").unwrap();
        let found = problems(&digests);
        assert_eq!(found.len(), 1);
        let message = &found[0].1;
        assert!(!message.chars().any(char::is_control), "{message:?}");
        assert!(message.contains("bad\\u{a}x.md:1: ok\\u{1b}[31m.md:"), "{message}");
    }

    #[test]
    fn no_secret_from_the_environment_reaches_a_digest() {
        // SAFETY: tests in this module do not read the environment concurrently.
        let secret = "digestbot-boundary-secret-4f1c";
        unsafe { std::env::set_var("DIGESTBOT_BOUNDARY_SECRET", secret) };
        let t = temp("secret");
        let digests = t.0.join("digests");
        symlink("/proc/self/environ", digests.join("2026-02-02.md")).unwrap();
        std::fs::hard_link("/proc/self/environ", digests.join("2026-02-09.md")).ok();
        let lib = load_library(&digests, Limits::default()).unwrap();
        assert!(lib.all().is_empty());
        assert!(!format!("{lib:?}").contains(secret));
    }
}

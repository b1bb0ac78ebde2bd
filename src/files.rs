//! The digests folder: reading it into a [`Library`], and noticing when files change.
//!
//! [`DigestDir`] keeps the last parse of every file with its size and modification time, so a reload
//! re-parses only new or changed files. [`LibraryHandle`] is what the bot shares: readers take a
//! cheap `Arc` snapshot of the current library, and [`LibraryHandle::reload`] swaps in a new one.
//! A broken file is reported (once per change) and never hides the good ones.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use anyhow::Context as _;
use tracing::{info, warn};

use crate::digest::{Digest, Library, ParseError, parse};

/// A file's identity for change detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

/// A digests folder and the last parse of each file in it.
#[derive(Debug)]
pub struct DigestDir {
    dir: PathBuf,
    cache: HashMap<PathBuf, (Stamp, Result<Digest, ParseError>)>,
}

/// Whether a file name is a digest: Markdown, not hidden.
fn is_digest_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !name.starts_with('.') && matches!(path.extension().and_then(|e| e.to_str()), Some("md" | "markdown"))
}

impl DigestDir {
    pub fn new(dir: impl Into<PathBuf>) -> DigestDir {
        DigestDir { dir: dir.into(), cache: HashMap::new() }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Scans the folder, parsing new and changed files; says whether anything changed since the last
    /// scan. Errors only when the folder itself cannot be read.
    pub fn refresh(&mut self) -> anyhow::Result<bool> {
        let entries = std::fs::read_dir(&self.dir)
            .with_context(|| format!("cannot read the digests folder {}", self.dir.display()))?;
        let mut seen: HashSet<PathBuf> = HashSet::new();
        let mut changed = false;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", self.dir.display()))?;
            let path = entry.path();
            if !is_digest_file(&path) || !entry.file_type().map(|t| t.is_file() || t.is_symlink()).unwrap_or(false) {
                continue;
            }
            let meta = match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => meta,
                _ => continue,
            };
            let stamp = Stamp { len: meta.len(), modified: meta.modified().ok() };
            seen.insert(path.clone());
            if self.cache.get(&path).is_some_and(|(s, _)| *s == stamp) {
                continue;
            }
            changed = true;
            let shown = path.display().to_string();
            let parsed = match std::fs::read(&path) {
                Ok(bytes) => parse(&shown, &bytes),
                Err(e) => Err(ParseError {
                    path: shown,
                    line: 1,
                    kind: crate::digest::ParseErrorKind::Unreadable(e.to_string()),
                }),
            };
            self.cache.insert(path, (stamp, parsed));
        }
        let before = self.cache.len();
        self.cache.retain(|path, _| seen.contains(path));
        Ok(changed | (self.cache.len() != before))
    }

    /// The library of the files as last scanned.
    pub fn library(&self) -> Library {
        let mut ordered: Vec<(&PathBuf, &Result<Digest, ParseError>)> =
            self.cache.iter().map(|(p, (_, parsed))| (p, parsed)).collect();
        ordered.sort_by(|a, b| a.0.cmp(b.0));
        Library::from_parsed(ordered.into_iter().map(|(_, parsed)| parsed.clone()))
    }
}

/// Loads a folder once: for the CLI commands, which read it and exit.
pub fn load_library(dir: &Path) -> anyhow::Result<Library> {
    let mut digest_dir = DigestDir::new(dir);
    digest_dir.refresh()?;
    Ok(digest_dir.library())
}

/// The shared, reloadable library.
#[derive(Debug, Clone)]
pub struct LibraryHandle {
    current: Arc<RwLock<Arc<Library>>>,
    dir: Arc<Mutex<DigestDir>>,
}

impl LibraryHandle {
    /// Reads the folder and reports broken files in the log.
    pub fn open(dir: &Path) -> anyhow::Result<LibraryHandle> {
        let mut digest_dir = DigestDir::new(dir);
        digest_dir.refresh()?;
        let library = digest_dir.library();
        log_library(&library, dir);
        Ok(LibraryHandle { current: Arc::new(RwLock::new(Arc::new(library))), dir: Arc::new(Mutex::new(digest_dir)) })
    }

    /// The library as it is now.
    pub fn current(&self) -> Arc<Library> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Re-scans the folder; swaps in a new library when something changed. Returns whether it did.
    /// The library is rebuilt only when a file changed, so an idle poll costs a directory listing.
    pub fn reload(&self) -> anyhow::Result<bool> {
        let mut dir = self.dir.lock().unwrap_or_else(|p| p.into_inner());
        if !dir.refresh()? {
            return Ok(false);
        }
        let library = dir.library();
        log_library(&library, dir.path());
        library.warm_up();
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(library);
        Ok(true)
    }
}

fn log_library(library: &Library, dir: &Path) {
    for error in library.errors() {
        warn!(%error, "digest skipped");
    }
    info!(
        dir = %dir.display(),
        digests = library.all().len(),
        broken = library.errors().len(),
        newest = library.all().first().map(|d| d.id()).unwrap_or_default(),
        "digests loaded"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TempDir(PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    fn temp(name: &str) -> TempDir {
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
        let handle = LibraryHandle::open(&dir.0).unwrap();
        let lib = handle.current();
        assert_eq!(lib.all().len(), 1);
        assert_eq!(lib.errors().len(), 1);
        assert!(lib.errors()[0].path.ends_with("broken.md"));
        assert!(!handle.reload().unwrap());

        // A new file, a fixed file and a removed file are all picked up.
        write(&dir.0, "2026-02-09.md", "---\ndate: 2026-02-09\n---\n## 1. C - \"D\"\n");
        write(&dir.0, "broken.md", "---\ndate: 2026-01-26\n---\nfixed, and longer than before\n");
        std::fs::remove_file(dir.0.join("2026-02-02.md")).unwrap();
        assert!(handle.reload().unwrap());
        let ids: Vec<String> = handle.current().all().iter().map(Digest::id).collect();
        assert_eq!(ids, ["2026-02-09", "2026-01-26"]);
        assert!(handle.current().errors().is_empty());
    }

    #[test]
    fn missing_folder_is_an_error_naming_it() {
        let err = load_library(Path::new("/nonexistent/digests")).unwrap_err();
        assert!(format!("{err:#}").contains("/nonexistent/digests"));
    }
}

//! Captures the log lines written while a [`Logs`] is installed on the current thread.
//!
//! The tests' tokio runtime is single-threaded, so tasks spawned by serenity and the bot log here
//! too. The level is INFO, as `serve` logs by default: what an operator would see.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

#[derive(Clone, Default)]
pub struct Logs(Arc<(Mutex<Vec<u8>>, Notify)>);

impl Logs {
    /// Starts capturing INFO and above on this thread until the guard is dropped.
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        self.install_at(tracing::Level::INFO)
    }

    /// Starts capturing `level` and above on this thread until the guard is dropped.
    pub fn install_at(&self, level: tracing::Level) -> tracing::subscriber::DefaultGuard {
        let subscriber =
            tracing_subscriber::fmt().with_writer(self.clone()).with_ansi(false).with_max_level(level).finish();
        tracing::subscriber::set_default(subscriber)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.0.lock().unwrap()).into_owned()
    }

    /// The WARN lines that contain every one of `needles`.
    pub fn warnings(&self, needles: &[&str]) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| l.contains(" WARN ") && needles.iter().all(|n| l.contains(n)))
            .map(str::to_string)
            .collect()
    }

    /// Waits until a WARN line contains every one of `needles`; false on timeout.
    pub async fn wait_warning(&self, needles: &[&str], timeout: Duration) -> bool {
        self.wait_until(timeout, |logs| !logs.warnings(needles).is_empty()).await
    }

    /// Waits until the logs contain `needle`; false on timeout.
    pub async fn wait_for(&self, needle: &str, timeout: Duration) -> bool {
        self.wait_until(timeout, |logs| logs.text().contains(needle)).await
    }

    async fn wait_until(&self, timeout: Duration, done: impl Fn(&Logs) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let written = self.0.1.notified();
            tokio::pin!(written);
            written.as_mut().enable();
            if done(self) {
                return true;
            }
            if tokio::time::timeout_at(deadline, written).await.is_err() {
                return done(self);
            }
        }
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.0.0.lock().unwrap().write(buf);
        self.0.1.notify_waiters();
        written
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

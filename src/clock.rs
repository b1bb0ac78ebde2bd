//! Wall-clock time, injected: the system clock in production, a hand-moved clock in tests.
//!
//! The scheduler asks a [`Clock`] what time it is and to wait until a slot. Tests use [`ManualClock`]
//! and move time forward with [`ManualClock::set`], so a Monday 09:00 delivery is tested in
//! milliseconds. Rate limits and retry back-off wait on tokio's monotonic timer, not on this clock:
//! they are about the platform's real seconds.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

/// A boxed future, for the clock's object-safe `sleep_until`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The time source of the scheduler.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
    /// Completes once `now() >= at`.
    fn sleep_until(&self, at: DateTime<Utc>) -> BoxFuture<'_, ()>;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

/// Longest single sleep: the wall clock can jump (NTP, suspend), so long waits are re-checked.
const MAX_NAP: std::time::Duration = std::time::Duration::from_secs(60);

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            loop {
                let left = at - Utc::now();
                let Ok(left) = left.to_std() else { return };
                if left.is_zero() {
                    return;
                }
                tokio::time::sleep(left.min(MAX_NAP)).await;
            }
        })
    }
}

/// The system clock shifted by a fixed offset: `--now` starts it at a chosen instant, and it then
/// runs at the normal pace (previews, demos and end-to-end tests of the real binary).
#[derive(Debug, Clone, Copy)]
pub struct OffsetClock {
    offset: chrono::Duration,
}

impl OffsetClock {
    /// A clock that reads `start` now.
    pub fn starting_at(start: DateTime<Utc>) -> OffsetClock {
        OffsetClock { offset: start - Utc::now() }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> BoxFuture<'_, ()> {
        SystemClock.sleep_until(at - self.offset)
    }
}

/// A clock that moves only when told to.
pub struct ManualClock {
    now: watch::Sender<DateTime<Utc>>,
    /// Serialises `set` so time never goes backwards between two concurrent callers.
    set_lock: Mutex<()>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock { now: watch::Sender::new(start), set_lock: Mutex::new(()) }
    }

    /// Moves the clock to `at` (never backwards) and wakes every sleeper that is due.
    pub fn set(&self, at: DateTime<Utc>) {
        let _guard = self.set_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.now.send_if_modified(|now| {
            let moved = at > *now;
            if moved {
                *now = at;
            }
            moved
        });
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.set(self.now() + by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> BoxFuture<'_, ()> {
        let mut rx = self.now.subscribe();
        Box::pin(async move {
            // The sender lives as long as the clock, which outlives this borrow.
            let _ = rx.wait_for(|now| *now >= at).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::sync::Arc;

    #[tokio::test]
    async fn manual_clock_wakes_sleepers_when_moved_past_their_time() {
        let start = Utc.with_ymd_and_hms(2026, 2, 8, 23, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep_until(start + chrono::Duration::hours(1)).await })
        };
        tokio::task::yield_now().await;
        clock.advance(chrono::Duration::minutes(59));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(chrono::Duration::minutes(1));
        tokio::time::timeout(std::time::Duration::from_secs(5), sleeper).await.unwrap().unwrap();
        // Never backwards.
        clock.set(start);
        assert_eq!(clock.now(), start + chrono::Duration::hours(1));
    }

    #[tokio::test]
    async fn offset_clock_reads_the_chosen_instant() {
        let start = Utc.with_ymd_and_hms(2026, 2, 9, 0, 0, 0).unwrap();
        let clock = OffsetClock::starting_at(start);
        assert!((clock.now() - start).num_seconds().abs() < 5);
        clock.sleep_until(start - chrono::Duration::seconds(1)).await;
    }

    #[tokio::test]
    async fn system_clock_returns_at_once_for_the_past() {
        SystemClock.sleep_until(Utc::now() - chrono::Duration::seconds(5)).await;
    }
}

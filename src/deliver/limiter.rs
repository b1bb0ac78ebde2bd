//! Rate limiting for outgoing posts: at most N requests per rolling window, plus pauses a platform
//! asked for (a 429's `retry_after`, a bucket with nothing remaining).
//!
//! serenity's own ratelimiter is off whenever `api_base` is set (it would ignore the proxy), so the
//! bot paces itself: one [`Window`] for the platform's global limit and one per channel.
//!
//! A request holds its place in the window from the moment it starts until its answer arrives, and
//! then counts from the moment it *finished*. The platform counts a request when it arrives, which is
//! between those two instants, so a window kept this way can never look fuller to us than to the
//! platform: no fixed safety margin is needed, and network jitter cannot cause a 429.
//!
//! The time a request waits for its place is counted ([`Window::counting`]): the platform's
//! `rate_limit_wait` metric.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::metrics::Seconds;

/// At most `max` requests in any rolling `window`, and none while blocked.
#[derive(Debug)]
pub struct Window {
    max: usize,
    window: Duration,
    state: Mutex<WindowState>,
    /// Signalled when a request finishes, freeing a place for a waiter.
    finished: Notify,
    /// Seconds spent in [`Window::acquire`] waiting for a place.
    waited: Seconds,
}

#[derive(Debug, Default)]
struct WindowState {
    /// When each recent request finished, oldest first.
    done: VecDeque<Instant>,
    /// Requests started and not yet finished.
    in_flight: usize,
    blocked_until: Option<Instant>,
}

/// Why a request cannot start yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// A place frees after this long (or the window is blocked this long).
    For(Duration),
    /// Every place is held by a request in flight: wait for one to finish.
    InFlight,
}

/// A place in a [`Window`], held while the request is in flight; dropping it records the finish.
#[derive(Debug)]
pub struct Permit<'a> {
    window: &'a Window,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.window.finish(Instant::now());
    }
}

impl Window {
    pub fn new(max: u32, window: Duration) -> Window {
        Window {
            max: max.max(1) as usize,
            window,
            state: Mutex::new(WindowState::default()),
            finished: Notify::new(),
            waited: Seconds::default(),
        }
    }

    /// Counts the time spent waiting for a place in `waited` (which counts nowhere by default).
    pub fn counting(mut self, waited: Seconds) -> Window {
        self.waited = waited;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, WindowState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a free place and takes it until the returned permit is dropped.
    pub async fn acquire(&self) -> Permit<'_> {
        let mut waiting_since = None;
        loop {
            let notified = self.finished.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let now = Instant::now();
            let tried = self.try_start(now);
            if tried.is_err() {
                waiting_since.get_or_insert(now);
            }
            match tried {
                Ok(()) => {
                    if let Some(since) = waiting_since {
                        self.waited.inc_by(now.duration_since(since).as_secs_f64());
                    }
                    return Permit { window: self };
                }
                Err(Wait::For(wait)) => {
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = &mut notified => {}
                    }
                }
                Err(Wait::InFlight) => notified.await,
            }
        }
    }

    /// Starts a request at `now` if a place is free.
    pub fn try_start(&self, now: Instant) -> Result<(), Wait> {
        let mut state = self.lock();
        if let Some(until) = state.blocked_until {
            if until > now {
                return Err(Wait::For(until - now));
            }
            state.blocked_until = None;
        }
        while state.done.front().is_some_and(|&t| now.saturating_duration_since(t) >= self.window) {
            state.done.pop_front();
        }
        if state.done.len() + state.in_flight < self.max {
            state.in_flight += 1;
            return Ok(());
        }
        match state.done.front() {
            Some(&oldest) => {
                Err(Wait::For((oldest + self.window).saturating_duration_since(now).max(Duration::from_millis(1))))
            }
            None => Err(Wait::InFlight),
        }
    }

    /// Records that a request started with [`Window::try_start`] finished at `at`.
    pub fn finish(&self, at: Instant) {
        {
            let mut state = self.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            let position = state.done.iter().rposition(|&t| t <= at).map_or(0, |i| i + 1);
            state.done.insert(position, at);
        }
        self.finished.notify_waiters();
    }

    /// Allows nothing for `pause` from now (or longer, if already blocked longer).
    pub fn block_for(&self, pause: Duration) {
        let until = Instant::now() + pause;
        let mut state = self.lock();
        if state.blocked_until.is_none_or(|t| t < until) {
            state.blocked_until = Some(until);
        }
    }
}

/// One [`Window`] per key (per channel), created on first use.
#[derive(Debug)]
pub struct Keyed<K> {
    max: u32,
    window: Duration,
    windows: Mutex<HashMap<K, Arc<Window>>>,
    /// Shared by every window made here ([`Window::counting`]).
    waited: Seconds,
}

impl<K: Eq + Hash + Clone> Keyed<K> {
    pub fn new(max: u32, window: Duration) -> Keyed<K> {
        Keyed { max, window, windows: Mutex::new(HashMap::new()), waited: Seconds::default() }
    }

    /// Counts the waits of every window in `waited`.
    pub fn counting(mut self, waited: Seconds) -> Keyed<K> {
        self.waited = waited;
        self
    }

    pub fn get(&self, key: &K) -> Arc<Window> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let make = || Arc::new(Window::new(self.max, self.window).counting(self.waited.clone()));
        windows.entry(key.clone()).or_insert_with(make).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_place_counts_from_when_the_request_finished() {
        let w = Window::new(2, Duration::from_secs(1));
        let t0 = Instant::now();
        assert_eq!(w.try_start(t0), Ok(()));
        assert_eq!(w.try_start(t0), Ok(()));
        // Both in flight: nothing to time, wait for one to finish.
        assert_eq!(w.try_start(t0 + ms(10)), Err(Wait::InFlight));
        w.finish(t0 + ms(100));
        // The first finished at 100 ms: its place frees at 1100 ms, not 1000 ms.
        assert_eq!(w.try_start(t0 + ms(300)), Err(Wait::For(ms(800))));
        assert_eq!(w.try_start(t0 + ms(1100)), Ok(()));
        w.finish(t0 + ms(1150));
        w.finish(t0 + ms(1120));
        // Finishes out of order are kept in time order.
        assert_eq!(w.try_start(t0 + ms(1200)), Err(Wait::For(ms(920))));
    }

    #[tokio::test(start_paused = true)]
    async fn blocking_pauses_everyone() {
        let w = Window::new(10, Duration::from_secs(1));
        w.block_for(Duration::from_secs(2));
        let now = Instant::now();
        assert!(matches!(w.try_start(now), Err(Wait::For(d)) if d > ms(1900)));
        drop(w.acquire().await);
        assert!(Instant::now().duration_since(now) >= Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_wakes_when_a_request_finishes() {
        let w = Arc::new(Window::new(1, Duration::from_millis(50)));
        let first = w.acquire().await;
        let waiter = {
            let w = w.clone();
            tokio::spawn(async move {
                let start = Instant::now();
                drop(w.acquire().await);
                start.elapsed()
            })
        };
        tokio::time::sleep(ms(200)).await;
        drop(first);
        // The place frees 50 ms after the first request finished, i.e. at about 250 ms.
        let waited = waiter.await.unwrap();
        assert!(waited >= ms(250) && waited < ms(300), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn waits_are_counted_and_a_free_place_costs_nothing() {
        let waited = Seconds::default();
        let k: Keyed<&str> = Keyed::new(1, Duration::from_secs(2)).counting(waited.clone());
        drop(k.get(&"a").acquire().await);
        assert_eq!(waited.get(), 0.0);
        // The second request waits for the place the first one holds for 2 s after it finished.
        drop(k.get(&"a").acquire().await);
        assert!((waited.get() - 2.0).abs() < 0.01, "{}", waited.get());
        // A pause asked for by the platform counts too, in every window of the key's family.
        let b = k.get(&"b");
        b.block_for(Duration::from_secs(3));
        drop(b.acquire().await);
        assert!((waited.get() - 5.0).abs() < 0.01, "{}", waited.get());
    }

    #[test]
    fn keyed_windows_are_separate() {
        let k: Keyed<&str> = Keyed::new(1, Duration::from_secs(5));
        let now = Instant::now();
        assert_eq!(k.get(&"a").try_start(now), Ok(()));
        assert_eq!(k.get(&"b").try_start(now), Ok(()));
        assert!(k.get(&"a").try_start(now).is_err());
    }
}

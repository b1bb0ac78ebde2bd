//! Rate limiting for outgoing posts: at most N requests per rolling window, plus pauses a platform
//! asked for (a 429's `retry_after`, a bucket with nothing remaining).
//!
//! serenity's own ratelimiter is off whenever `api_base` is set (it would ignore the proxy), so the
//! bot paces itself: one [`Window`] for the platform's global limit and one per channel.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// At most `max` acquisitions in any rolling `window`, and none while blocked.
#[derive(Debug)]
pub struct Window {
    max: usize,
    window: Duration,
    state: Mutex<WindowState>,
}

#[derive(Debug, Default)]
struct WindowState {
    /// When each of the last (up to `max`) acquisitions happened, oldest first.
    sent: VecDeque<Instant>,
    blocked_until: Option<Instant>,
}

impl Window {
    pub fn new(max: u32, window: Duration) -> Window {
        Window { max: max.max(1) as usize, window, state: Mutex::new(WindowState::default()) }
    }

    /// Waits for a free slot and takes it.
    pub async fn acquire(&self) {
        while let Some(wait) = self.try_acquire(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }

    /// Takes a slot at `now` if one is free; otherwise says how long to wait before trying again.
    pub fn try_acquire(&self, now: Instant) -> Option<Duration> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = state.blocked_until {
            if until > now {
                return Some(until - now);
            }
            state.blocked_until = None;
        }
        while state.sent.front().is_some_and(|&t| now.duration_since(t) >= self.window) {
            state.sent.pop_front();
        }
        if state.sent.len() < self.max {
            state.sent.push_back(now);
            return None;
        }
        let oldest = *state.sent.front().expect("full window is not empty");
        Some((oldest + self.window).saturating_duration_since(now).max(Duration::from_millis(1)))
    }

    /// Allows nothing for `pause` from now (or longer, if already blocked longer).
    pub fn block_for(&self, pause: Duration) {
        let until = Instant::now() + pause;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
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
}

impl<K: Eq + Hash + Clone> Keyed<K> {
    pub fn new(max: u32, window: Duration) -> Keyed<K> {
        Keyed { max, window, windows: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, key: &K) -> Arc<Window> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        windows.entry(key.clone()).or_insert_with(|| Arc::new(Window::new(self.max, self.window))).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_window() {
        let w = Window::new(3, Duration::from_secs(1));
        let t0 = Instant::now();
        assert_eq!(w.try_acquire(t0), None);
        assert_eq!(w.try_acquire(t0 + Duration::from_millis(100)), None);
        assert_eq!(w.try_acquire(t0 + Duration::from_millis(200)), None);
        // The fourth must wait until the first leaves the window.
        assert_eq!(w.try_acquire(t0 + Duration::from_millis(300)), Some(Duration::from_millis(700)));
        assert_eq!(w.try_acquire(t0 + Duration::from_millis(1000)), None);
        assert_eq!(w.try_acquire(t0 + Duration::from_millis(1050)), Some(Duration::from_millis(50)));
    }

    #[tokio::test(start_paused = true)]
    async fn blocking_pauses_everyone() {
        let w = Window::new(10, Duration::from_secs(1));
        w.block_for(Duration::from_secs(2));
        let now = Instant::now();
        assert!(w.try_acquire(now).unwrap() > Duration::from_millis(1900));
        w.acquire().await;
        assert!(Instant::now().duration_since(now) >= Duration::from_secs(2));
    }

    #[test]
    fn keyed_windows_are_separate() {
        let k: Keyed<&str> = Keyed::new(1, Duration::from_secs(5));
        let now = Instant::now();
        assert_eq!(k.get(&"a").try_acquire(now), None);
        assert_eq!(k.get(&"b").try_acquire(now), None);
        assert!(k.get(&"a").try_acquire(now).is_some());
    }
}

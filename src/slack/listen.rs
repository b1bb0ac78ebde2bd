//! The accept loop of `serve`'s one HTTP listener (Slack's routes, `/healthz`, `/metrics`: see
//! [`crate::web`]): HTTP/1 connections served by hyper with a head timeout, at most
//! [`EndpointLimits::max_connections`] of them open, and a graceful shutdown.
//!
//! `axum::serve` has no settings at all (no timeouts, no connection cap), and its docs point to hyper
//! for that, so this module runs the loop itself with hyper's own HTTP/1 server:
//! - `header_read_timeout` (with hyper-util's tokio timer) closes a connection that has not sent a
//!   whole request head within [`EndpointLimits::head_timeout`], counted from when the connection
//!   opened or answered its last request: a half-sent header and an idle keep-alive connection are
//!   both closed by it.
//! - the body and the request as a whole are bounded by tower-http layers ([`super::server::limited`]).
//! - the cap: when a new connection would go over it, the connection that has waited longest without
//!   a request in progress is closed to make room. Refusing the newcomer instead (or not accepting it,
//!   as a plain semaphore would) lets a few hundred idle sockets lock every good client out until
//!   they time out; closing the oldest idle one costs an attacker its socket and a good client
//!   nothing, since a request being answered is never closed. A connection still sending its request
//!   body counts as idle (a stalled body is the same attack as a stalled head); a request counts as
//!   being answered once its body has arrived in full. Only when every open connection is being
//!   answered is the newcomer closed.
//!
//! Keeping the cap well below the process's open-file limit (1,024 by default under systemd) means
//! the loop never meets `EMFILE`, where it could neither accept nor close anything.

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use hyper::body::{Body as _, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tower::ServiceExt as _;
use tracing::{debug, error, info, warn};

/// The endpoint's timeouts and connection cap. [`Default`] is what `serve` uses; tests pass shorter
/// timeouts to [`super::server::serve_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointLimits {
    /// A connection must send a whole request head within this, from when it opened or answered
    /// its last request (hyper's `header_read_timeout`). Default: 10 s.
    pub head_timeout: Duration,
    /// The longest pause while a request body arrives (tower-http `RequestBodyTimeoutLayer`), so a
    /// `Content-Length` that never arrives is cut off. Default: 10 s.
    pub body_timeout: Duration,
    /// The longest a request may take from its head to its answer, body included whatever its pace
    /// (tower-http `TimeoutLayer`, answered `408`). Default: 10 s; Slack itself gives up after 3 s.
    pub request_timeout: Duration,
    /// Open connections at most. Default: 256, well below a 1,024 open-file limit, which also has
    /// to hold SQLite's files, the Discord gateway and the outgoing HTTP connections.
    pub max_connections: usize,
}

/// Default of [`EndpointLimits::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

impl Default for EndpointLimits {
    fn default() -> Self {
        EndpointLimits {
            head_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(10),
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// How often, at most, the log says that the cap is being hit.
const CAP_WARNING_EVERY: Duration = Duration::from_secs(10);
/// How long to wait after an accept error that is not about one connection (out of file handles).
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_secs(1);

/// What a connection's task and the accept loop share about it.
struct Activity {
    /// Requests being answered (hyper serves one at a time on HTTP/1; a count stays right anyway).
    requests: AtomicUsize,
    /// When the connection last had nothing to do: opened, or finished its last request.
    idle_since: Mutex<Instant>,
}

impl Activity {
    fn idle_since(&self) -> Instant {
        *self.idle_since.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Marks a connection busy while a request is answered.
struct InRequest(Arc<Activity>);

impl InRequest {
    fn enter(activity: &Arc<Activity>) -> InRequest {
        activity.requests.fetch_add(1, Ordering::SeqCst);
        InRequest(Arc::clone(activity))
    }
}

impl Drop for InRequest {
    fn drop(&mut self) {
        *self.0.idle_since.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
        self.0.requests.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A request body that marks its connection busy ([`InRequest`]) once it has been read to the end.
struct Watched {
    inner: Incoming,
    /// Taken when the end is reached, so the connection is marked once.
    activity: Option<Arc<Activity>>,
    /// Shared with the request's service future, which drops the mark when the answer is ready.
    busy: Arc<Mutex<Option<InRequest>>>,
}

impl hyper::body::Body for Watched {
    type Data = hyper::body::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = std::pin::Pin::new(&mut this.inner).poll_frame(cx);
        let ended = matches!(&polled, std::task::Poll::Ready(None)) || this.inner.is_end_stream();
        if ended && let Some(activity) = this.activity.take() {
            let mut busy = this.busy.lock().unwrap_or_else(PoisonError::into_inner);
            if busy.is_none() {
                *busy = Some(InRequest::enter(&activity));
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

struct Open {
    activity: Arc<Activity>,
    /// Sending (or dropping) it closes the connection.
    close: oneshot::Sender<()>,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    open: HashMap<u64, Open>,
    /// Connections closed or refused for the cap since the last warning.
    evicted: usize,
    refused: usize,
    last_warning: Option<Instant>,
}

impl Registry {
    /// Makes room for one more connection if the cap is reached: closes the connection idle the
    /// longest. False when every open connection is in a request.
    fn make_room(&mut self, max: usize) -> bool {
        if self.open.len() < max.max(1) {
            return true;
        }
        let idle = self
            .open
            .iter()
            .filter(|(_, open)| open.activity.requests.load(Ordering::SeqCst) == 0)
            .min_by_key(|(_, open)| open.activity.idle_since())
            .map(|(&id, _)| id);
        let made = match idle.and_then(|id| self.open.remove(&id)) {
            Some(oldest) => {
                let _ = oldest.close.send(());
                self.evicted += 1;
                true
            }
            None => {
                self.refused += 1;
                false
            }
        };
        self.warn_at_cap(max);
        made
    }

    fn warn_at_cap(&mut self, max: usize) {
        let now = Instant::now();
        if self.last_warning.is_some_and(|at| now.duration_since(at) < CAP_WARNING_EVERY) {
            return;
        }
        warn!(
            max_connections = max,
            closed_idle = self.evicted,
            refused = self.refused,
            "HTTP endpoint at its connection cap: closing the connections idle the longest"
        );
        self.last_warning = Some(now);
        self.evicted = 0;
        self.refused = 0;
    }
}

#[derive(Clone, Default)]
struct Connections(Arc<Mutex<Registry>>);

impl Connections {
    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then lets every open
/// connection finish the request it is answering (idle ones close at once) and returns.
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: EndpointLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    info!(
        addr = %listener.local_addr()?,
        max_connections = limits.max_connections,
        head_timeout = ?limits.head_timeout,
        "HTTP endpoint listening"
    );
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    // Every connection task holds a receiver; `closed()` on the sender completes when all are gone.
    let (done_tx, done_rx) = watch::channel(());
    let connections = Connections::default();
    let mut stopping = stop_rx.clone();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopping.wait_for(|stop| *stop) => break,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            // The client gave up before we got to it: nothing to do.
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                error!(error = %e, "the HTTP endpoint cannot accept connections; retrying in 1 s");
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        let (id, activity, close) = {
            let mut registry = connections.lock();
            if !registry.make_room(limits.max_connections) {
                // Every connection is in a request, each bounded by the timeouts: this one waits
                // for nobody and is closed.
                drop(stream);
                continue;
            }
            let id = registry.next_id;
            registry.next_id += 1;
            let activity = Arc::new(Activity { requests: AtomicUsize::new(0), idle_since: Mutex::new(Instant::now()) });
            let (close_tx, close_rx) = oneshot::channel();
            registry.open.insert(id, Open { activity: Arc::clone(&activity), close: close_tx });
            (id, activity, close_rx)
        };
        let task = Connection { id, stream, app: app.clone(), activity, close, connections: connections.clone() };
        tokio::spawn(task.serve(limits, stop_rx.clone(), done_rx.clone()));
    }
    drop(done_rx);
    drop(listener);
    // Idle connections close at once; the others after their answer, each bounded by the timeouts.
    done_tx.closed().await;
    Ok(())
}

struct Connection {
    id: u64,
    stream: TcpStream,
    app: Router,
    activity: Arc<Activity>,
    close: oneshot::Receiver<()>,
    connections: Connections,
}

impl Connection {
    async fn serve(self, limits: EndpointLimits, mut stop: watch::Receiver<bool>, _done: watch::Receiver<()>) {
        let Connection { id, stream, app, activity, mut close, connections } = self;
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            // The connection counts as in a request only once its body has arrived in full: one still
            // sending its body (or stalling on it) may be closed to make room like an idle one, or
            // a few hundred stalled bodies would lock good clients out until they time out.
            let busy = Arc::new(Mutex::new(None));
            let request = request.map(|body| {
                if body.is_end_stream() {
                    *busy.lock().unwrap_or_else(PoisonError::into_inner) = Some(InRequest::enter(&activity));
                }
                Body::new(Watched { inner: body, activity: Some(Arc::clone(&activity)), busy: Arc::clone(&busy) })
            });
            let app = app.clone();
            async move {
                let response = app.oneshot(request).await;
                drop(busy.lock().unwrap_or_else(PoisonError::into_inner).take());
                response
            }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(limits.head_timeout);
        let mut connection = pin!(builder.serve_connection(TokioIo::new(stream), service));
        let mut stopping = false;
        loop {
            tokio::select! {
                served = connection.as_mut() => {
                    // A timeout or a client that went away: nothing anyone can act on.
                    if let Err(e) = served {
                        debug!(error = %e, "HTTP endpoint connection ended");
                    }
                    break;
                }
                // Closed to make room (the registry no longer lists it): dropping it closes the socket.
                _ = &mut close => break,
                _ = stop.wait_for(|stop| *stop), if !stopping => {
                    stopping = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
        connections.lock().open.remove(&id);
    }
}

/// Errors that concern only the connection being accepted, after which accepting goes on at once.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset, Interrupted};
    matches!(e.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset | Interrupted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(registry: &mut Registry, requests: usize, idle_for: Duration) -> (u64, oneshot::Receiver<()>) {
        let id = registry.next_id;
        registry.next_id += 1;
        let activity = Arc::new(Activity {
            requests: AtomicUsize::new(requests),
            idle_since: Mutex::new(Instant::now() - idle_for),
        });
        let (close, closed) = oneshot::channel();
        registry.open.insert(id, Open { activity, close });
        (id, closed)
    }

    #[test]
    fn under_the_cap_nothing_is_closed() {
        let mut registry = Registry::default();
        let (_, mut closed) = open(&mut registry, 0, Duration::from_secs(5));
        assert!(registry.make_room(2));
        assert_eq!(registry.open.len(), 1);
        assert!(closed.try_recv().is_err());
    }

    #[test]
    fn at_the_cap_the_longest_idle_connection_makes_room() {
        let mut registry = Registry::default();
        let (_, mut busy_oldest) = open(&mut registry, 1, Duration::from_secs(60));
        let (oldest_idle, mut closed) = open(&mut registry, 0, Duration::from_secs(30));
        let (_, mut newer_idle) = open(&mut registry, 0, Duration::from_secs(1));
        assert!(registry.make_room(3));
        assert!(!registry.open.contains_key(&oldest_idle));
        assert_eq!(closed.try_recv(), Ok(()));
        assert!(busy_oldest.try_recv().is_err() && newer_idle.try_recv().is_err());
        assert_eq!(registry.open.len(), 2);
    }

    #[test]
    fn when_every_connection_is_in_a_request_the_newcomer_is_refused() {
        let mut registry = Registry::default();
        let (_, mut a) = open(&mut registry, 1, Duration::from_secs(60));
        let (_, mut b) = open(&mut registry, 1, Duration::from_secs(1));
        assert!(!registry.make_room(2));
        assert_eq!(registry.open.len(), 2);
        assert!(a.try_recv().is_err() && b.try_recv().is_err());
        assert_eq!(registry.refused, 0, "the warning reported it and reset the count");
    }

    #[test]
    fn a_request_marks_its_connection_busy_until_answered() {
        let activity = Arc::new(Activity {
            requests: AtomicUsize::new(0),
            idle_since: Mutex::new(Instant::now() - Duration::from_secs(60)),
        });
        let before = activity.idle_since();
        let busy = InRequest::enter(&activity);
        assert_eq!(activity.requests.load(Ordering::SeqCst), 1);
        drop(busy);
        assert_eq!(activity.requests.load(Ordering::SeqCst), 0);
        assert!(activity.idle_since() > before);
    }
}

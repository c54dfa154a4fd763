//! The HTTP/1.1 accept loop, with the connection bounds `axum::serve` lacks (docs/SIDECAR.md,
//! "Connections"):
//!
//! - **header read timeout**: from the first byte of a request head to its end;
//! - **idle timeout**: a connection with no request in flight and no byte of a new one (after
//!   accept, after a response) is closed; a response the client does not read counts as idle;
//! - **connection cap**: at most `max_connections` are open; when a new one arrives at the cap,
//!   the longest-idle connection (no request in flight) is closed to make room, and the accept
//!   loop waits for a slot if every connection is busy.
//!
//! Each is logged when hit, at most once per [`LOG_EVERY`] per kind with the number of events
//! since the last line, and counted in `/metrics`.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify, Semaphore};
use tower::ServiceExt;

use crate::config::ConnectionLimits;
use crate::metrics::Metrics;

/// A connection that answered less than this long ago may still be writing the response, so
/// it is not closed to make room.
const JUST_ANSWERED_MS: u64 = 100;

/// Shortest time between two log lines about the same kind of event.
pub const LOG_EVERY: Duration = Duration::from_secs(10);

/// A log line at most every [`LOG_EVERY`]; counts the events it did not log.
struct LogLimiter {
    epoch: Instant,
    /// Milliseconds since `epoch` of the last line, plus one (0 = never).
    last: AtomicU64,
    skipped: AtomicU64,
}

impl LogLimiter {
    fn new(epoch: Instant) -> LogLimiter {
        LogLimiter {
            epoch,
            last: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
        }
    }

    /// `Some(events since the last line, this one included)` when a line is due.
    fn due(&self) -> Option<u64> {
        let now = self.epoch.elapsed().as_millis() as u64 + 1;
        let last = self.last.load(Ordering::Relaxed);
        let every = LOG_EVERY.as_millis() as u64;
        if last != 0 && now.saturating_sub(last) < every {
            self.skipped.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        if self
            .last
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            self.skipped.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Some(self.skipped.swap(0, Ordering::Relaxed) + 1)
    }
}

/// What one connection is doing, shared by its IO wrapper, its service and its watchdog.
struct ConnState {
    in_flight: AtomicUsize,
    /// Milliseconds since the server's epoch when the connection last became idle.
    idle_since: AtomicU64,
    /// Milliseconds since the epoch, plus one, of the first byte of a pending request head
    /// (0 = none).
    head_started: AtomicU64,
    evict: AtomicBool,
    /// The server is shutting down: a half-sent head will not be completed.
    stopping: AtomicBool,
    changed: Notify,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Closed {
    HeaderTimeout,
    IdleTimeout,
    Evicted,
    Shutdown,
}

struct Shared {
    epoch: Instant,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    conns: Mutex<HashMap<u64, Arc<ConnState>>>,
    log_header: LogLimiter,
    log_idle: LogLimiter,
    log_cap: LogLimiter,
}

impl Shared {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Asks the longest-idle connection to close; false when none can be (every connection is
    /// busy, or has just answered and may still be writing the response out).
    fn evict_one(&self) -> bool {
        let now = self.now_ms();
        let conns = self.conns.lock().unwrap_or_else(|p| p.into_inner());
        let victim = conns
            .values()
            .filter(|c| {
                c.in_flight.load(Ordering::Acquire) == 0
                    && !c.evict.load(Ordering::Acquire)
                    && (c.head_started.load(Ordering::Acquire) != 0
                        || now.saturating_sub(c.idle_since.load(Ordering::Acquire))
                            >= JUST_ANSWERED_MS)
            })
            .min_by_key(|c| c.idle_since.load(Ordering::Acquire));
        match victim {
            Some(c) => {
                c.evict.store(true, Ordering::Release);
                c.changed.notify_one();
                true
            }
            None => false,
        }
    }

    fn closed(&self, why: Closed) {
        let m = &self.metrics;
        let (counter, limiter) = match why {
            Closed::HeaderTimeout => (&m.conn_header_timeouts, &self.log_header),
            Closed::IdleTimeout => (&m.conn_idle_timeouts, &self.log_idle),
            Closed::Evicted => (&m.conn_evicted, &self.log_cap),
            Closed::Shutdown => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        if let Some(events) = limiter.due() {
            match why {
                Closed::HeaderTimeout => tracing::warn!(
                    events,
                    timeout_secs = self.limits.header_read_timeout.as_secs_f64(),
                    "closed a connection that did not send a whole request head in time (header_read_timeout)"
                ),
                Closed::IdleTimeout => tracing::info!(
                    events,
                    timeout_secs = self.limits.idle_timeout.as_secs_f64(),
                    "closed an idle connection (idle_timeout)"
                ),
                Closed::Evicted => tracing::warn!(
                    events,
                    max_connections = self.limits.max_connections,
                    "connection limit reached: closed the longest-idle connection for a new one (max_connections)"
                ),
                Closed::Shutdown => {}
            }
        }
    }
}

/// Resolves with the reason when the connection has to close.
async fn watchdog(shared: &Shared, st: &ConnState) -> Closed {
    loop {
        if st.evict.load(Ordering::Acquire) {
            return Closed::Evicted;
        }
        if st.stopping.load(Ordering::Acquire)
            && st.in_flight.load(Ordering::Acquire) == 0
            && st.head_started.load(Ordering::Acquire) != 0
        {
            return Closed::Shutdown;
        }
        let deadline = if st.in_flight.load(Ordering::Acquire) > 0 {
            None
        } else {
            match st.head_started.load(Ordering::Acquire) {
                0 => Some((
                    st.idle_since.load(Ordering::Acquire)
                        + shared.limits.idle_timeout.as_millis() as u64,
                    Closed::IdleTimeout,
                )),
                t => Some((
                    t - 1 + shared.limits.header_read_timeout.as_millis() as u64,
                    Closed::HeaderTimeout,
                )),
            }
        };
        match deadline {
            None => st.changed.notified().await,
            Some((at, why)) => {
                let now = shared.now_ms();
                if now >= at {
                    return why;
                }
                let sleep = tokio::time::sleep(Duration::from_millis(at - now));
                tokio::select! {
                    _ = st.changed.notified() => {}
                    _ = sleep => {}
                }
            }
        }
    }
}

/// The socket, noting when the first byte of a request head arrives.
struct Watched {
    inner: TcpStream,
    st: Arc<ConnState>,
    shared: Arc<Shared>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let res = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res {
            if buf.filled().len() > before
                && this.st.in_flight.load(Ordering::Acquire) == 0
                && this.st.head_started.load(Ordering::Acquire) == 0
            {
                this.st
                    .head_started
                    .store(this.shared.now_ms() + 1, Ordering::Release);
                this.st.changed.notify_one();
            }
        }
        res
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Marks a request in flight from the end of its head to the end of its handler.
struct InFlight {
    st: Arc<ConnState>,
    shared: Arc<Shared>,
}

impl InFlight {
    fn start(st: Arc<ConnState>, shared: Arc<Shared>) -> InFlight {
        st.in_flight.fetch_add(1, Ordering::AcqRel);
        st.head_started.store(0, Ordering::Release);
        st.changed.notify_one();
        InFlight { st, shared }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.st
            .idle_since
            .store(self.shared.now_ms(), Ordering::Release);
        self.st.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.st.changed.notify_one();
    }
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting, lets requests in
/// flight finish, closes idle connections, and returns when every connection is closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let epoch = Instant::now();
    let shared = Arc::new(Shared {
        epoch,
        limits,
        metrics,
        conns: Mutex::new(HashMap::new()),
        log_header: LogLimiter::new(epoch),
        log_idle: LogLimiter::new(epoch),
        log_cap: LogLimiter::new(epoch),
    });
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(max));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    let mut next_id: u64 = 0;
    loop {
        let (stream, _peer) = tokio::select! {
            _ = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let permit = match slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                shared
                    .metrics
                    .conn_limit_reached
                    .fetch_add(1, Ordering::Relaxed);
                let mut evicted = shared.evict_one();
                if !evicted {
                    if let Some(events) = shared.log_cap.due() {
                        tracing::warn!(
                            events,
                            max_connections = max,
                            "connection limit reached and every connection is busy: waiting for one to finish (max_connections)"
                        );
                    }
                }
                let permit = loop {
                    tokio::select! {
                        _ = &mut shutdown => break None,
                        p = slots.clone().acquire_owned() => break p.ok(),
                        // Until a connection could be closed, look again now and then.
                        _ = tokio::time::sleep(Duration::from_millis(JUST_ANSWERED_MS)), if !evicted => {
                            evicted = shared.evict_one();
                        }
                    }
                };
                match permit {
                    Some(p) => p,
                    None => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        next_id += 1;
        let id = next_id;
        let st = Arc::new(ConnState {
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(shared.now_ms()),
            head_started: AtomicU64::new(0),
            evict: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            changed: Notify::new(),
        });
        shared
            .conns
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, st.clone());
        let shared = shared.clone();
        let app = app.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let io = TokioIo::new(Watched {
                inner: stream,
                st: st.clone(),
                shared: shared.clone(),
            });
            let svc_st = st.clone();
            let svc_shared = shared.clone();
            let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let guard = InFlight::start(svc_st.clone(), svc_shared.clone());
                let app = app.clone();
                async move {
                    let resp = app.oneshot(req.map(Body::new)).await;
                    drop(guard);
                    resp
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                // The watchdog's header timeout starts at the first byte; hyper's would start
                // as soon as the connection waits for a head.
                .header_read_timeout(None)
                .serve_connection(io, svc);
            tokio::pin!(conn);
            let mut stopping = *stop.borrow();
            if stopping {
                st.stopping.store(true, Ordering::Release);
                conn.as_mut().graceful_shutdown();
            }
            loop {
                tokio::select! {
                    r = conn.as_mut() => {
                        if let Err(e) = r {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    why = watchdog(&shared, &st) => {
                        shared.closed(why);
                        break;
                    }
                    c = stop.changed(), if !stopping => {
                        stopping = true;
                        if c.is_ok() {
                            // Idle connections close at once, requests in flight finish, and
                            // the watchdog closes a half-sent head.
                            st.stopping.store(true, Ordering::Release);
                            st.changed.notify_one();
                            conn.as_mut().graceful_shutdown();
                        }
                    }
                }
            }
            shared
                .conns
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection holds a slot until it is closed.
    let _ = slots.acquire_many(max as u32).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_are_rate_limited_and_count_what_they_skipped() {
        let l = LogLimiter::new(Instant::now());
        assert_eq!(l.due(), Some(1));
        assert_eq!(l.due(), None);
        assert_eq!(l.due(), None);
        // Pretend the last line was written long ago.
        l.last.store(1, Ordering::Relaxed);
        let l2 = LogLimiter {
            epoch: Instant::now() - LOG_EVERY - Duration::from_secs(1),
            last: AtomicU64::new(1),
            skipped: AtomicU64::new(2),
        };
        assert_eq!(l2.due(), Some(3));
        assert_eq!(l2.due(), None);
    }
}

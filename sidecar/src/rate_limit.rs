//! In-memory token buckets: one per (user, kind of mail) and one for the whole process.
//!
//! These live in one sidecar's memory, so with N sidecars behind a balancer a user can get up to
//! N times the per-user allowance. That is acceptable because this is a second line only: the
//! plugin enforces resend cooldowns in the shared database. These buckets cap the damage of a
//! misbehaving caller and protect the mail relay's reputation.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::RateLimits;

/// Which kind of mail a token is spent on; codes and notices have separate buckets so a burst
/// of notices can't stop a user from getting a login code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailKind {
    Code,
    Notice,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn full(capacity: f64, now: Instant) -> Bucket {
        Bucket {
            tokens: capacity,
            updated: now,
        }
    }

    fn refill(&mut self, capacity: f64, per_sec: f64, now: Instant) {
        let dt = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + dt * per_sec).min(capacity);
        self.updated = now;
    }

    /// Seconds until one token is available (rounded up, at least 1).
    fn wait(&self, per_sec: f64) -> u64 {
        if per_sec <= 0.0 {
            return 3600;
        }
        (((1.0 - self.tokens) / per_sec).ceil() as u64).max(1)
    }
}

/// Buckets beyond this many users trigger a sweep of the full ones, bounding memory.
const SWEEP_AT: usize = 100_000;

pub struct RateLimiter {
    limits: RateLimits,
    global: Mutex<Bucket>,
    users: Mutex<HashMap<(u64, MailKind), Bucket>>,
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> RateLimiter {
        let now = Instant::now();
        RateLimiter {
            limits,
            global: Mutex::new(Bucket::full(limits.global_burst as f64, now)),
            users: Mutex::new(HashMap::new()),
        }
    }

    fn user_rate(&self) -> f64 {
        self.limits.user_per_minute as f64 / 60.0
    }

    /// Takes one token from the user's bucket and one from the global bucket, or neither.
    /// `Err(seconds)` says when to retry.
    pub fn check(&self, user_id: u64, kind: MailKind) -> Result<(), u64> {
        self.check_at(user_id, kind, Instant::now())
    }

    pub fn check_at(&self, user_id: u64, kind: MailKind, now: Instant) -> Result<(), u64> {
        let ucap = self.limits.user_burst as f64;
        let urate = self.user_rate();
        let gcap = self.limits.global_burst as f64;
        let grate = self.limits.global_per_second as f64;
        // A poisoned lock only means another request panicked mid-update; the bucket data is
        // still plain numbers, so keep using it rather than failing every request.
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        if users.len() >= SWEEP_AT {
            users.retain(|_, b| {
                b.refill(ucap, urate, now);
                b.tokens < ucap
            });
        }
        let ub = users
            .entry((user_id, kind))
            .or_insert_with(|| Bucket::full(ucap, now));
        ub.refill(ucap, urate, now);
        if ub.tokens < 1.0 {
            return Err(ub.wait(urate));
        }
        let mut g = self.global.lock().unwrap_or_else(|p| p.into_inner());
        g.refill(gcap, grate, now);
        if g.tokens < 1.0 {
            return Err(g.wait(grate));
        }
        g.tokens -= 1.0;
        ub.tokens -= 1.0;
        Ok(())
    }

    /// Gives a token back (the mail was not sent for a reason that is not the caller's fault).
    pub fn refund(&self, user_id: u64, kind: MailKind) {
        let ucap = self.limits.user_burst as f64;
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = users.get_mut(&(user_id, kind)) {
            b.tokens = (b.tokens + 1.0).min(ucap);
        }
    }
}

/// For tests: a duration helper so callers can advance a synthetic clock.
pub fn after(start: Instant, secs: u64) -> Instant {
    start + Duration::from_secs(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(user_burst: u32, per_min: u32, gburst: u32, gps: u32) -> RateLimits {
        RateLimits {
            user_burst,
            user_per_minute: per_min,
            global_burst: gburst,
            global_per_second: gps,
        }
    }

    #[test]
    fn per_user_burst_then_refill() {
        let rl = RateLimiter::new(limits(2, 1, 100, 100));
        let t0 = Instant::now();
        assert!(rl.check_at(1, MailKind::Code, t0).is_ok());
        assert!(rl.check_at(1, MailKind::Code, t0).is_ok());
        let wait = rl.check_at(1, MailKind::Code, t0).unwrap_err();
        assert!((59..=60).contains(&wait), "{wait}");
        // Other users and other kinds are unaffected.
        assert!(rl.check_at(2, MailKind::Code, t0).is_ok());
        assert!(rl.check_at(1, MailKind::Notice, t0).is_ok());
        assert!(rl.check_at(1, MailKind::Code, after(t0, 61)).is_ok());
    }

    #[test]
    fn global_bucket_caps_everyone() {
        let rl = RateLimiter::new(limits(5, 5, 3, 1));
        let t0 = Instant::now();
        for u in 1..=3 {
            assert!(rl.check_at(u, MailKind::Code, t0).is_ok());
        }
        assert_eq!(rl.check_at(4, MailKind::Code, t0), Err(1));
        // A refused request spends no user token.
        assert!(rl.check_at(4, MailKind::Code, after(t0, 1)).is_ok());
    }

    #[test]
    fn refund_returns_a_token() {
        let rl = RateLimiter::new(limits(1, 1, 100, 100));
        let t0 = Instant::now();
        assert!(rl.check_at(7, MailKind::Code, t0).is_ok());
        assert!(rl.check_at(7, MailKind::Code, t0).is_err());
        rl.refund(7, MailKind::Code);
        assert!(rl.check_at(7, MailKind::Code, t0).is_ok());
    }
}

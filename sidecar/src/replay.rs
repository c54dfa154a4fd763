//! Request ids seen within the signature window, so a signed request is served once
//! (docs/CONTRACTS.md, "Request signing").
//!
//! An id is remembered until its timestamp leaves the window; after that the timestamp alone
//! refuses the request. The store is bounded: when it is full of ids still inside their window
//! the request is refused (503, retryable) rather than an id forgotten early. It lives in this
//! process only: ids from before a restart are unknown, which is why requests signed before
//! the process started are refused too.

use std::collections::HashMap;
use std::sync::Mutex;

/// Why a request id was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The id was accepted before (or cannot be told apart from one that may have been).
    #[error("request id already used")]
    Seen,
    /// Every slot holds an id still inside its window.
    #[error("too many requests within the signature window")]
    Full,
    /// Signed before this process started, so it may have been served by the one before.
    #[error("signed before the sidecar started")]
    BeforeStart,
}

struct Inner {
    /// id → the unix second after which it can no longer be replayed (about 30 bytes each).
    ids: HashMap<u128, i64>,
    /// The last second a sweep of expired ids ran.
    swept_at: i64,
}

pub struct ReplayGuard {
    inner: Mutex<Inner>,
    capacity: usize,
    window: i64,
    /// Unix second the process started: earlier timestamps may have been served before.
    started_at: i64,
}

impl ReplayGuard {
    pub fn new(capacity: usize, window_secs: u64, started_at: i64) -> ReplayGuard {
        ReplayGuard {
            inner: Mutex::new(Inner {
                ids: HashMap::new(),
                swept_at: i64::MIN,
            }),
            capacity: capacity.max(1),
            window: i64::try_from(window_secs).unwrap_or(i64::MAX),
            started_at,
        }
    }

    /// Records `id` (32 lowercase hex digits, already checked by the verifier) of a request
    /// signed at `timestamp`; refuses an id seen before. Call only after the signature matched,
    /// so nothing unsigned takes a slot.
    pub fn claim(&self, id: &str, timestamp: i64, now: i64) -> Result<(), ReplayError> {
        if timestamp < self.started_at {
            return Err(ReplayError::BeforeStart);
        }
        let raw = u128::from_str_radix(id, 16).map_err(|_| ReplayError::Seen)?;
        let expires = timestamp.saturating_add(self.window);
        let mut inner = match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if inner.ids.contains_key(&raw) {
            return Err(ReplayError::Seen);
        }
        // Sweep at most once a second, or when full.
        if inner.swept_at != now || inner.ids.len() >= self.capacity {
            inner.ids.retain(|_, exp| *exp >= now);
            inner.swept_at = now;
        }
        if inner.ids.len() >= self.capacity {
            return Err(ReplayError::Full);
        }
        inner.ids.insert(raw, expires);
        Ok(())
    }

    /// Ids currently remembered.
    pub fn len(&self) -> usize {
        match self.inner.lock() {
            Ok(g) => g.ids.len(),
            Err(poisoned) => poisoned.into_inner().ids.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u32) -> String {
        format!("{n:032x}")
    }

    #[test]
    fn an_id_is_accepted_once_until_its_window_ends() {
        let g = ReplayGuard::new(10, 60, 1000);
        assert_eq!(g.claim(&id(1), 1000, 1000), Ok(()));
        assert_eq!(g.claim(&id(1), 1000, 1000), Err(ReplayError::Seen));
        assert_eq!(g.claim(&id(1), 1001, 1059), Err(ReplayError::Seen));
        assert_eq!(g.claim(&id(2), 1000, 1000), Ok(()));
        // Past the window the id is forgotten (the timestamp check refuses such requests).
        assert_eq!(g.claim(&id(3), 1061, 1061), Ok(()));
        assert_eq!(g.len(), 1);
    }

    #[test]
    fn full_of_live_ids_refuses_instead_of_forgetting() {
        let g = ReplayGuard::new(2, 60, 0);
        assert_eq!(g.claim(&id(1), 100, 100), Ok(()));
        assert_eq!(g.claim(&id(2), 100, 100), Ok(()));
        assert_eq!(g.claim(&id(3), 100, 100), Err(ReplayError::Full));
        assert_eq!(g.claim(&id(1), 100, 101), Err(ReplayError::Seen));
        assert_eq!(g.claim(&id(3), 100, 161), Ok(()));
    }

    #[test]
    fn requests_signed_before_the_start_are_refused() {
        let g = ReplayGuard::new(10, 60, 1000);
        assert_eq!(g.claim(&id(1), 999, 1000), Err(ReplayError::BeforeStart));
        assert!(g.is_empty());
    }
}

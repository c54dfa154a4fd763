//! A test binary's log lines, kept in memory. The global log subscriber can be set once per
//! process, so a test that reads the logs lives in a binary of its own and sets it first.

use std::io::Write;
use std::sync::{Arc, Mutex};

use twofa_sidecar::telemetry::{get_subscriber, init_subscriber};

/// The captured lines; the subscriber writes into a clone (the clones share the buffer).
#[derive(Clone)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Sets the process's log subscriber at `level`, writing into the returned buffer. RUST_LOG is
/// removed first: it would override the level under test.
pub fn capture(level: &str) -> Captured {
    let buf = Captured(Arc::new(Mutex::new(Vec::new())));
    let sink = buf.clone();
    std::env::remove_var("RUST_LOG");
    init_subscriber(get_subscriber(level, move || sink.clone()));
    buf
}

//! Logging with `tracing`: a subscriber built from a filter string and any writer, so tests can
//! capture every line into a buffer.

use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// `filter` is an EnvFilter directive (`info`, `twofa_sidecar=debug,tower_http=info`…);
/// `RUST_LOG` wins when set.
pub fn get_subscriber<W>(filter: &str, sink: W) -> impl Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let env = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(env)
        .with_writer(sink)
        .with_target(true)
        .with_ansi(false)
        .finish()
}

pub fn init_subscriber(subscriber: impl Subscriber + Send + Sync) {
    // A second call (tests) keeps the first subscriber.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

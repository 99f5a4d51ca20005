//! Logging with `tracing`: a `RUST_LOG`-style filter and text or JSON lines on stderr.

use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    /// One JSON object per line (`LOG_FORMAT=json`), for log shippers.
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// `RUST_LOG` syntax, e.g. `info` or `hark_driver=debug,info`.
    pub filter: String,
    pub format: LogFormat,
}

/// Installs the global subscriber. A bad filter is reported and `info` used instead.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_new(&settings.filter).unwrap_or_else(|e| {
        eprintln!(
            "warning: RUST_LOG {:?} is invalid ({e}); using \"info\"",
            settings.filter
        );
        EnvFilter::new("info")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match settings.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    // Already installed (tests, or a program embedding us): keep the existing one.
    drop(installed);
}

//! Every line the station prints goes through `tracing`, in the station's
//! `log_format`: plain text for a person at a terminal, or one JSON object
//! per line for a log collector.
//!
//! [`init`] installs the process-wide subscriber `juzhu serve` uses; the
//! same [`dispatch`] builder writes into a buffer in tests, so what a test
//! reads is what an operator would.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing::Dispatch;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogFormat;

/// Where log lines go when not to stderr: a shared buffer in tests.
pub type Sink = Arc<Mutex<dyn Write + Send>>;

/// A subscriber in `format` writing to `writer`. `RUST_LOG` narrows or widens
/// what is written; the default is `info`.
pub fn dispatch<W>(format: LogFormat, writer: W) -> Dispatch
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_ansi(false);
    match format {
        // Fields at the top level of each object, so `jq .route` works.
        LogFormat::Json => Dispatch::new(builder.json().flatten_event(true).with_current_span(false).finish()),
        LogFormat::Text => Dispatch::new(builder.finish()),
    }
}

/// Installs the process-wide subscriber on stderr, and routes the `log`
/// records of Rocket and other libraries into it, so they too come out in
/// `format`. A second call (tests that start several stations in one
/// process) keeps the first.
pub fn init(format: LogFormat) {
    let _ = tracing_log::LogTracer::init();
    let _ = tracing::dispatcher::set_global_default(dispatch(format, std::io::stderr));
}

/// A [`MakeWriter`] over a shared [`Sink`].
#[derive(Clone)]
pub struct SinkWriter(pub Sink);

impl Write for SinkWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

impl<'a> MakeWriter<'a> for SinkWriter {
    type Writer = SinkWriter;

    fn make_writer(&'a self) -> SinkWriter {
        self.clone()
    }
}

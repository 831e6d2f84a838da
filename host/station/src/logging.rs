//! Every line the station prints goes through `tracing`, in the station's
//! `log_format`: plain text for a person at a terminal, or one JSON object
//! per line for a log collector.
//!
//! [`init`] installs the process-wide subscriber `juzhu serve` uses; the
//! same [`dispatch`] builder writes into a buffer in tests, so what a test
//! reads is what an operator would.
//!
//! No full citizen ID number ever reaches a log: every line, Rocket's own
//! ("No matching routes for GET /v1/holders/…") included, passes through
//! [`Masked`] on its way out, which keeps only the region and the check
//! character.

use std::borrow::Cow;
use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing::Dispatch;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogFormat;

/// Where log lines go when not to stderr: a shared buffer in tests.
pub type Sink = Arc<Mutex<dyn Write + Send>>;

/// A subscriber in `format` writing to `writer`. `RUST_LOG` narrows or widens
/// what is written; the default is the station's `info`, and only warnings
/// and errors from Rocket and hyper (their `info` is start-up chatter).
pub fn dispatch<W>(format: LogFormat, writer: W) -> Dispatch
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,rocket=warn,_=warn,hyper=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(Masked(writer)).with_ansi(false);
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

/// A [`MakeWriter`] whose writers mask citizen ID numbers. The formatter
/// writes each event with one call, so a number is never split across two.
pub struct Masked<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Masked<M> {
    type Writer = MaskedWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        MaskedWriter(self.0.make_writer())
    }
}

/// See [`Masked`].
pub struct MaskedWriter<W>(W);

impl<W: Write> Write for MaskedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_all(&mask_citizen_ids(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Replaces the birth date and sequence (characters 7-17) of every citizen
/// ID number in `text` with `*`: 17 digits and a digit or `X`, standing alone
/// (not part of a longer run of letters or digits).
pub fn mask_citizen_ids(text: &[u8]) -> Cow<'_, [u8]> {
    const LEN: usize = 18;
    let standalone = |i: usize| {
        (i == 0 || !text[i - 1].is_ascii_alphanumeric()) && text.get(i + LEN).is_none_or(|b| !b.is_ascii_alphanumeric())
    };
    let is_id = |i: usize| {
        text[i..i + 17].iter().all(u8::is_ascii_digit)
            && matches!(text[i + 17], b'0'..=b'9' | b'X' | b'x')
            && standalone(i)
    };
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i + LEN <= text.len() {
        if is_id(i) {
            let out = out.get_or_insert_with(|| text.to_vec());
            out[i + 6..i + 17].fill(b'*');
            i += LEN;
        } else {
            i += 1;
        }
    }
    out.map_or(Cow::Borrowed(text), Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_citizen_id_in_any_log_line_is_masked() {
        let line = b"No matching routes for GET /v1/holders/340102198503150012 and 11010519491231002X.";
        let masked = mask_citizen_ids(line);
        let masked = std::str::from_utf8(&masked).unwrap();
        assert_eq!(masked, "No matching routes for GET /v1/holders/340102***********2 and 110105***********X.");
    }

    #[test]
    fn longer_numbers_and_ordinary_text_are_left_alone() {
        for text in ["seq 1234567890123456789 at 2026-11-28", "id abc340102198503150012", "nothing here"] {
            assert_eq!(mask_citizen_ids(text.as_bytes()).as_ref(), text.as_bytes(), "{text}");
        }
    }

    #[test]
    fn rocket_log_records_and_station_events_come_out_masked() {
        let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
        let dispatch = dispatch(LogFormat::Json, SinkWriter(buffer.clone()));
        // Rocket logs through the `log` crate; LogTracer carries it into tracing.
        let _ = tracing_log::LogTracer::init();
        tracing::dispatcher::with_default(&dispatch, || {
            tracing_log::log::warn!(target: "rocket::server", "No matching routes for GET /v1/holders/340102198503150012.");
            tracing::info!(holder = "340102198503150012", "request");
        });
        let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(!text.contains("340102198503150012"), "a full citizen ID reached the log: {text}");
        assert_eq!(text.matches("340102***********2").count(), 2, "{text}");
    }
}

//! One structured line per request on stderr: time, method, route pattern,
//! status, duration, the caller's token name, and (for requests about a
//! person) the citizen ID number masked to its region and check character.
//! Never the body, never a token, never a full ID number.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::request::{FromRequest, Outcome};
use rocket::{Data, Request, Response};

use crate::config::LogFormat;

/// What handlers and guards add to a request's log line.
#[derive(Default)]
struct Fields {
    started: Option<Instant>,
    actor: Option<String>,
    holder: Option<String>,
}

fn fields<'r>(req: &'r Request<'_>) -> &'r Mutex<Fields> {
    req.local_cache(|| Mutex::new(Fields::default()))
}

/// Records the authenticated caller (called by the token guard).
pub fn actor(req: &Request<'_>, name: &str) {
    fields(req).lock().unwrap_or_else(|e| e.into_inner()).actor = Some(name.to_string());
}

/// A handler's handle on its request's log line.
pub struct LogLine<'r>(&'r Mutex<Fields>);

impl LogLine<'_> {
    /// Names the person the request is about; only the masked form is kept.
    pub fn holder(&self, citizen_id: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).holder = Some(juzhu_sdk::citizen_id::mask(citizen_id));
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for LogLine<'r> {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        Outcome::Success(LogLine(fields(req)))
    }
}

/// Where log lines go: stderr when serving, a buffer in tests.
pub type Sink = Arc<Mutex<dyn Write + Send>>;

/// Writes the access log in the station's format.
pub struct AccessLog {
    format: LogFormat,
    sink: Sink,
}

impl AccessLog {
    /// Logs to stderr, as `juzhu serve` does.
    pub fn stderr(format: LogFormat) -> Self {
        AccessLog { format, sink: Arc::new(Mutex::new(std::io::stderr())) }
    }

    /// Logs to `sink`.
    pub fn to(format: LogFormat, sink: Sink) -> Self {
        AccessLog { format, sink }
    }
}

#[rocket::async_trait]
impl Fairing for AccessLog {
    fn info(&self) -> Info {
        Info { name: "access log", kind: Kind::Request | Kind::Response }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        fields(req).lock().unwrap_or_else(|e| e.into_inner()).started = Some(Instant::now());
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let f = fields(req).lock().unwrap_or_else(|e| e.into_inner());
        let ms = f.started.map(|s| s.elapsed().as_secs_f64() * 1e3).unwrap_or(0.0);
        let route = req.route().map(|r| r.uri.origin.path().to_string()).unwrap_or_else(|| "unmatched".into());
        let at = jiff::Timestamp::now();
        let line = match self.format {
            LogFormat::Json => serde_json::json!({
                "at": at.to_string(),
                "method": req.method().as_str(),
                "route": route,
                "status": res.status().code,
                "ms": (ms * 1000.0).round() / 1000.0,
                "actor": f.actor,
                "holder": f.holder,
            })
            .to_string(),
            LogFormat::Text => format!(
                "{at} {} {route} {} {ms:.3}ms actor={} holder={}",
                req.method(),
                res.status().code,
                f.actor.as_deref().unwrap_or("-"),
                f.holder.as_deref().unwrap_or("-"),
            ),
        };
        drop(f);
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        // A log that cannot be written must not fail the request it describes.
        let _ = writeln!(sink, "{line}");
    }
}

//! One structured event per request, through `tracing` (target
//! `juzhu::access`): method, route pattern, status, duration, the caller's
//! token name, and (for requests about a person) the citizen ID number masked
//! to its region and check character. Never the body, never a token, never a
//! full ID number.

use std::sync::Mutex;
use std::time::Instant;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::request::{FromRequest, Outcome};
use rocket::{Data, Request, Response};

use crate::config::LogFormat;
use crate::logging::{Sink, SinkWriter};

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

/// Emits the access log: to the process's subscriber when serving, or to
/// a subscriber of its own (a buffer in tests).
pub struct AccessLog {
    dispatch: Option<tracing::Dispatch>,
}

impl AccessLog {
    /// Logs through the process-wide subscriber ([`crate::logging::init`]).
    pub fn global() -> Self {
        AccessLog { dispatch: None }
    }

    /// Logs to `sink` in `format`, as the station would.
    pub fn to(format: LogFormat, sink: Sink) -> Self {
        AccessLog { dispatch: Some(crate::logging::dispatch(format, SinkWriter(sink))) }
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
        let emit = || {
            tracing::info!(
                target: "juzhu::access",
                method = req.method().as_str(),
                route = route.as_str(),
                status = res.status().code,
                ms = (ms * 1000.0).round() / 1000.0,
                actor = f.actor.as_deref(),
                holder = f.holder.as_deref(),
                "request"
            )
        };
        match &self.dispatch {
            Some(dispatch) => tracing::dispatcher::with_default(dispatch, emit),
            None => emit(),
        }
    }
}

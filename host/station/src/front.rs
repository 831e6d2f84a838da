//! The station's HTTP/1.1 listener, in front of Rocket.
//!
//! Rocket 0.5 serves with hyper but fixes hyper's header read timeout to
//! none and has no connection cap, and it offers no hook to change either
//! (`rocket::Rocket::launch` binds and serves on its own). A client that opens
//! connections and sends nothing, or a request head a byte a minute, would
//! hold a file descriptor each for ever, until the process runs out and
//! `/health` stops answering.
//!
//! So the station accepts connections itself, with hyper and these limits:
//! - **a connection cap**, overall and per client address, so that no one
//!   client can take every descriptor; a connection over a cap gets one 503
//!   and is closed at once, before anything of it is read;
//! - **a header read timeout**, which also closes a keep-alive connection
//!   idle for that long;
//! - **a body read timeout and size cap**: a body that stops arriving gets a
//!   408, one over the limit a 413, and neither reaches a handler.
//!
//! Each complete request is then handed to Rocket's in-process dispatcher
//! ([`rocket::local::asynchronous::Client`]): the same preprocessing,
//! fairings, routing and catchers a request meets in Rocket's own server,
//! without a second socket. Responses are whole bytes: the API and the
//! console never stream.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_LENGTH, HeaderName, HeaderValue, TRANSFER_ENCODING};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use rocket::http::{Cookie, Header, Method};
use rocket::local::asynchronous::Client;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use juzhu_config::HttpConfig;

/// Descriptors kept back from the connection cap for the store, its
/// write-ahead log, module files, the card readers and the log.
pub const RESERVED_DESCRIPTORS: u64 = 64;

/// The limits the listener enforces, from `[http]` in the station file.
#[derive(Clone, Debug)]
pub struct FrontLimits {
    pub max_connections: usize,
    /// 0 = no per-address cap (behind a reverse proxy every client shares one).
    pub max_connections_per_ip: usize,
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub max_body_bytes: u64,
    /// How long in-flight requests may finish after a stop signal.
    pub shutdown_grace: Duration,
}

impl FrontLimits {
    pub fn from_config(http: &HttpConfig) -> Self {
        FrontLimits {
            max_connections: http.max_connections,
            max_connections_per_ip: http.max_connections_per_ip,
            header_read_timeout: Duration::from_secs(http.header_read_timeout_secs),
            body_read_timeout: Duration::from_secs(http.body_read_timeout_secs),
            max_body_bytes: http.max_body_bytes,
            shutdown_grace: Duration::from_secs(5),
        }
    }

    /// Fits the connection cap under the process's file limit: raises the
    /// soft limit towards the hard one if the cap needs it, and lowers the
    /// cap (with a warning saying how to raise it) where the hard limit is
    /// too low. A cap above the limit would let connections take the
    /// descriptors the store needs.
    pub fn fit_to_file_limit(mut self) -> Self {
        let wanted = self.max_connections as u64 + RESERVED_DESCRIPTORS;
        let available = match rlimit::increase_nofile_limit(wanted) {
            Ok(limit) => limit,
            Err(e) => {
                tracing::warn!("cannot read the file-descriptor limit ({e}); keeping max_connections");
                return self;
            }
        };
        if available < wanted {
            let cap = available.saturating_sub(RESERVED_DESCRIPTORS).max(1) as usize;
            tracing::warn!(
                "http.max_connections = {} needs a file limit of {wanted}, but the process may open {available}; \
                 serving at most {cap} connections (raise the limit with `ulimit -n` or LimitNOFILE= in the unit)",
                self.max_connections
            );
            self.max_connections = cap;
            if self.max_connections_per_ip > cap {
                self.max_connections_per_ip = cap;
            }
        }
        self
    }
}

/// Open connections per client address, for the per-address cap.
#[derive(Default)]
struct PerAddress(Mutex<HashMap<IpAddr, usize>>);

/// One admitted connection's hold on the caps, released when it closes.
struct Admission {
    _global: OwnedSemaphorePermit,
    per_address: Option<(Arc<PerAddress>, IpAddr)>,
}

impl Drop for Admission {
    fn drop(&mut self) {
        if let Some((counts, ip)) = &self.per_address {
            let mut counts = counts.0.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(n) = counts.get_mut(ip) {
                *n -= 1;
                if *n == 0 {
                    counts.remove(ip);
                }
            }
        }
    }
}

/// Why a connection was not admitted.
enum Refusal {
    Full,
    AddressFull,
}

struct Gate {
    global: Arc<Semaphore>,
    per_address: Arc<PerAddress>,
    per_ip_cap: usize,
}

impl Gate {
    fn admit(&self, ip: IpAddr) -> Result<Admission, Refusal> {
        let global = self.global.clone().try_acquire_owned().map_err(|_| Refusal::Full)?;
        if self.per_ip_cap == 0 {
            return Ok(Admission { _global: global, per_address: None });
        }
        let mut counts = self.per_address.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = counts.entry(ip).or_insert(0);
        if *n >= self.per_ip_cap {
            return Err(Refusal::AddressFull);
        }
        *n += 1;
        Ok(Admission { _global: global, per_address: Some((self.per_address.clone(), ip)) })
    }
}

/// Serves `client`'s Rocket on `listener` until `stop` completes, then lets
/// in-flight requests finish for up to the grace period.
pub async fn serve(
    listener: TcpListener,
    client: Client,
    limits: FrontLimits,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let client = Arc::new(client);
    let gate = Gate {
        global: Arc::new(Semaphore::new(limits.max_connections)),
        per_address: Arc::default(),
        per_ip_cap: limits.max_connections_per_ip,
    };
    let limits = Arc::new(limits);
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
    tokio::pin!(stop);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of descriptors or a reset before accept: the
                    // listener itself is fine; wait a moment and go on.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let admission = match gate.admit(remote.ip()) {
            Ok(a) => a,
            Err(refusal) => {
                refuse(stream, remote, refusal, &limits);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let client = client.clone();
        let request_limits = limits.clone();
        let service = service_fn(move |req| {
            let client = client.clone();
            let limits = request_limits.clone();
            async move { Ok::<_, Infallible>(dispatch(&client, remote, &limits, req).await) }
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A header timeout or a client that hangs up ends the connection;
            // neither is the station's failure.
            if let Err(e) = connection.await {
                tracing::debug!(%remote, "connection closed: {e}");
            }
            drop(admission);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!("stopping with requests still in flight after {:?}", limits.shutdown_grace);
        }
    }
    Ok(())
}

/// Answers a connection over a cap with one 503 and closes it, without
/// reading from it: whatever it would send is not the station's concern.
fn refuse(stream: TcpStream, remote: SocketAddr, refusal: Refusal, limits: &FrontLimits) {
    let message = match refusal {
        Refusal::Full => format!(
            "the station is serving its maximum of {} connections (http.max_connections); retry shortly",
            limits.max_connections
        ),
        Refusal::AddressFull => format!(
            "{} already has {} connections open, the most one address may (http.max_connections_per_ip); \
             reuse a connection or close one",
            remote.ip(),
            limits.max_connections_per_ip
        ),
    };
    tracing::warn!(%remote, "connection refused: {message}");
    let body = error_body("too_many_connections", &message);
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         retry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // Never waits: the kernel's send buffer takes a few hundred bytes, and a
    // client that cannot take them does not get to hold the descriptor.
    let _ = stream.try_write(response.as_bytes());
    drop(stream);
}

/// Reads the body within the limits and hands the request to Rocket.
async fn dispatch(
    client: &Client,
    remote: SocketAddr,
    limits: &FrontLimits,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let Ok(method) = parts.method.as_str().parse::<Method>() else {
        return error(
            StatusCode::NOT_IMPLEMENTED,
            "unknown_method",
            &format!("{} is not an HTTP method the station serves; see /openapi.json", parts.method),
        );
    };
    let declared = parts.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes) {
        return too_large(limits.max_body_bytes);
    }
    let body = match tokio::time::timeout(
        limits.body_read_timeout,
        Limited::new(body, limits.max_body_bytes as usize).collect(),
    )
    .await
    {
        Err(_) => {
            return error(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                &format!(
                    "the request body did not arrive within {} s (http.body_read_timeout_secs); send it whole and promptly",
                    limits.body_read_timeout.as_secs()
                ),
            );
        }
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => return too_large(limits.max_body_bytes),
        Ok(Err(e)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "unreadable_body",
                &format!("the request body could not be read: {e}"),
            );
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    let uri = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = client.req(method, uri.to_owned()).remote(remote);
    for (name, value) in &parts.headers {
        // Rocket reads only UTF-8 header values; its own server drops the rest too.
        let Ok(value) = value.to_str() else { continue };
        if name == hyper::header::COOKIE {
            for pair in value.split(';').map(str::trim) {
                if let Ok(cookie) = Cookie::parse_encoded(pair) {
                    request = request.cookie(cookie.into_owned());
                }
            }
        }
        request.add_header(Header::new(name.as_str().to_owned(), value.to_owned()));
    }
    if !body.is_empty() {
        request.set_body(body);
    }
    let response = request.dispatch().await;
    let status = StatusCode::from_u16(response.status().code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = Vec::new();
    for header in response.headers().iter() {
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(header.name().as_str().as_bytes()), HeaderValue::from_str(header.value()))
            && name != CONTENT_LENGTH
            && name != TRANSFER_ENCODING
        {
            headers.push((name, value));
        }
    }
    let bytes = response.into_bytes().await.unwrap_or_default();
    let mut out = Response::new(Full::new(Bytes::from(bytes)));
    *out.status_mut() = status;
    for (name, value) in headers {
        out.headers_mut().append(name, value);
    }
    out
}

fn too_large(limit: u64) -> Response<Full<Bytes>> {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        &format!("the request body is over the {limit}-byte limit (http.max_body_bytes)"),
    )
}

/// The API's error shape (see `http::error`), for answers given before a
/// request reaches Rocket.
fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ "error": { "code": code, "message": message } }).to_string()
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    let mut out = Response::new(Full::new(Bytes::from(error_body(code, message))));
    *out.status_mut() = status;
    out.headers_mut().insert(hyper::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    out
}

//! A `juzhu serve` process as the end-to-end tests meet it: a free loopback
//! port, raw HTTP/1.1 requests (no client library between the test and the
//! station's own listener), and a child process killed with SIGKILL when the
//! test lets go of it, as a crash would.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::time::Duration;

use serde_json::Value;

/// A free loopback port (taken and released; good enough for one test).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One HTTP/1.1 request with `Connection: close`; the status code and the body.
pub fn request(port: u16, method: &str, path: &str, token: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

/// As [`request`], the body read as JSON (a body that is not JSON comes back
/// as a JSON string).
pub fn request_json(port: u16, method: &str, path: &str, token: &str, body: &str) -> std::io::Result<(u16, Value)> {
    let (status, body) = request(port, method, path, token, body)?;
    Ok((status, serde_json::from_str(&body).unwrap_or(Value::String(body))))
}

/// A child process killed with SIGKILL (no shutdown, no flush) on drop.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

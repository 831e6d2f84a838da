//! The listener against clients that hold connections: one test per attack.
//!
//! Each runs the real `juzhu serve` on a loopback port with short timeouts
//! and talks raw TCP to it, so that a request can be left half-sent. Client
//! addresses other than 127.0.0.1 are other loopback addresses (127.0.0.0/8
//! all reach the station on Linux), which is how the tests show one client
//! cannot starve another.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use juzhu_test_support::component;

/// A station process, killed when dropped.
struct Station {
    child: Child,
    port: u16,
    token: String,
    stderr: std::path::PathBuf,
}

impl Drop for Station {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Station {
    /// Starts `juzhu serve` with `http` as the station file's `[http]`
    /// section, under `prlimit --nofile=N:N` when `file_limit` is given.
    fn start(dir: &std::path::Path, http: &str, file_limit: Option<u32>) -> Station {
        let modules = dir.join("modules");
        std::fs::create_dir_all(&modules).unwrap();
        std::fs::copy(component("hangzhou-gongshu"), modules.join("hangzhou-gongshu.wasm")).unwrap();
        let config = dir.join("station.toml");
        let text = format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n[modules]\ndir = \"{}\"\n[http]\n{http}\n",
            dir.join("data").display(),
            modules.display()
        );
        std::fs::write(&config, text).unwrap();
        let juzhu = env!("CARGO_BIN_EXE_juzhu");
        let mut command = match file_limit {
            Some(n) => {
                let mut c = Command::new("prlimit");
                c.arg(format!("--nofile={n}:{n}")).arg(juzhu);
                c
            }
            None => Command::new(juzhu),
        };
        let stderr = dir.join("stderr.log");
        let mut child = command
            .args(["serve", "--config", config.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("juzhu serve starts (prlimit is util-linux's, on every Debian)");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut token = None;
        let mut port = None;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(t) = line.split_whitespace().find(|w| w.starts_with("jz_")) {
                token = Some(t.to_string());
            }
            if let Some(address) = line.strip_prefix("listening on http://") {
                port = Some(address.parse::<SocketAddr>().unwrap().port());
                break;
            }
        }
        // Keep reading stdout so the station never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let station = Station { child, port: port.unwrap_or(0), token: token.unwrap_or_default(), stderr };
        assert!(station.port != 0, "the station did not start: {}", station.log());
        station
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// A connection from `from` (a loopback address).
    fn connect(&self, from: Ipv4Addr) -> TcpStream {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket.bind(&SocketAddr::from((from, 0)).into()).unwrap();
        socket.connect(&SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)).into()).unwrap();
        let stream: TcpStream = socket.into();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        stream
    }

    /// The audit log's first page, as the API returns it.
    fn audit(&self) -> String {
        let mut stream = self.connect(CLIENT);
        write!(
            stream,
            "GET /v1/audit HTTP/1.1\r\nHost: station\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            self.token
        )
        .unwrap();
        let (status, body) = response(&mut stream);
        assert_eq!(status, 200, "{body}");
        body
    }

    /// `GET /health` from `from`: the status and body.
    fn health(&self, from: Ipv4Addr) -> (u16, String) {
        let mut stream = self.connect(from);
        stream.write_all(b"GET /health HTTP/1.1\r\nHost: station\r\nConnection: close\r\n\r\n").unwrap();
        response(&mut stream)
    }
}

/// Reads one response to the end of the connection: status and body.
fn response(stream: &mut TcpStream) -> (u16, String) {
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// Whether the station closed `stream` (EOF or reset) within `within`.
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 512];
    let started = Instant::now();
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            // A 408 or similar before the close is fine; keep reading.
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {
                return started.elapsed() < within;
            }
            Err(_) => return true,
        }
    }
}

const CLIENT: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);
const OTHER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

#[test]
fn a_half_sent_request_head_is_cut_off_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let station = Station::start(dir.path(), "header_read_timeout_secs = 2", None);
    let mut slow = station.connect(CLIENT);
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: sta").unwrap();
    let started = Instant::now();
    assert!(closed_within(&mut slow, Duration::from_secs(15)), "a half-sent head is held for ever");
    assert!(started.elapsed() >= Duration::from_secs(1), "closed before its timeout: {:?}", started.elapsed());
    // An idle keep-alive connection is closed the same way.
    let mut idle = station.connect(CLIENT);
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: station\r\n\r\n").unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200", "the first request on the connection is answered");
    assert!(closed_within(&mut idle, Duration::from_secs(15)), "an idle keep-alive connection is held for ever");
}

#[test]
fn a_body_that_stops_arriving_gets_408_and_reaches_no_handler() {
    let dir = tempfile::tempdir().unwrap();
    let station = Station::start(dir.path(), "body_read_timeout_secs = 2", None);
    let audit_before = station.audit();
    let mut stream = station.connect(CLIENT);
    write!(
        stream,
        "POST /v1/applications HTTP/1.1\r\nHost: station\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{{\"application\": {{",
        station.token
    )
    .unwrap();
    let (status, body) = response(&mut stream);
    assert_eq!(status, 408, "{body}");
    assert!(body.contains("\"body_timeout\"") && body.contains("http.body_read_timeout_secs"), "{body}");
    // Nothing reached the store.
    assert_eq!(station.audit(), audit_before, "a timed-out body was acted on");
}

#[test]
fn one_address_cannot_take_every_connection() {
    let dir = tempfile::tempdir().unwrap();
    let station = Station::start(
        dir.path(),
        "max_connections_per_ip = 5\nheader_read_timeout_secs = 3\nmax_connections = 50",
        None,
    );
    let mut held: Vec<TcpStream> = (0..5)
        .map(|_| {
            let mut s = station.connect(CLIENT);
            s.write_all(b"GET /hea").unwrap();
            s
        })
        .collect();
    // The sixth from the same address is refused at once, with the reason.
    let mut sixth = station.connect(CLIENT);
    let (status, body) = response(&mut sixth);
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("too_many_connections") && body.contains("http.max_connections_per_ip"), "{body}");
    // Another client is served meanwhile.
    let (status, body) = station.health(OTHER);
    assert_eq!(status, 200, "another address is starved: {body}");
    // Once the header timeout frees the held ones, the first address is served again.
    for s in &mut held {
        assert!(closed_within(s, Duration::from_secs(15)), "a held connection outlived the header timeout");
    }
    let (status, body) = station.health(CLIENT);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn under_a_file_limit_of_256_health_keeps_answering_and_the_cap_is_lowered_to_fit() {
    let dir = tempfile::tempdir().unwrap();
    // max_connections defaults to 1024, more than the 256 descriptors the
    // process may open; the station must lower the cap rather than run out.
    let station = Station::start(dir.path(), "max_connections_per_ip = 0\nheader_read_timeout_secs = 3", Some(256));
    let log = station.log();
    assert!(log.contains("http.max_connections = 1024") && log.contains("serving at most 192"), "{log}");
    // Far more idle connections than descriptors, from many addresses.
    let mut held = Vec::new();
    let mut refused = 0;
    for i in 0..300u32 {
        let from = Ipv4Addr::new(127, 0, 1 + (i / 250) as u8, 1 + (i % 250) as u8);
        let mut s = station.connect(from);
        s.write_all(b"GET /").unwrap();
        held.push(s);
        if i >= 192 && i % 20 == 0 {
            let (status, body) = response(held.last_mut().unwrap());
            assert_eq!(status, 503, "connection {i} over the cap: {body}");
            refused += 1;
        }
    }
    assert!(refused > 0);
    // The station is alive and, once the idle ones time out, answers /health.
    let started = Instant::now();
    loop {
        let (status, body) = station.health(OTHER);
        if status == 200 {
            break;
        }
        assert_eq!(status, 503, "while full the station says so: {body}");
        assert!(started.elapsed() < Duration::from_secs(20), "/health never came back: {body}");
        std::thread::sleep(Duration::from_millis(300));
    }
    drop(held);
    assert!(!station.log().contains("Too many open files"), "{}", station.log());
}

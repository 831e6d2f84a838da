//! A PostgreSQL server for tests: Debian's `postgresql` binaries
//! (`/usr/lib/postgresql/<version>/bin`), run as the unprivileged `nobody`
//! (when the tests run as root, as they do here) in a temporary data
//! directory on a free loopback port, stopped when dropped.
//!
//! If PostgreSQL is not installed or cannot start, [`PgServer::start`]
//! panics with what is wrong: a test that needs it fails, never skips.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The uid and gid of `nobody` on Debian.
const NOBODY: u32 = 65534;

/// A running server; stopped (immediately) on drop.
pub struct PgServer {
    _dir: tempfile::TempDir,
    root: PathBuf,
    bin: PathBuf,
    port: u16,
}

static DATABASES: AtomicUsize = AtomicUsize::new(0);

fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dir| {
            dir.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).filter(|b| b.join("initdb").exists()).collect()
        })
        .unwrap_or_default();
    found.sort_by_key(|p| {
        p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0)
    });
    found.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL is not installed: no /usr/lib/postgresql/<version>/bin/initdb. Install Debian's `postgresql` \
             (scripts/setup.sh does: apt-get install -y postgresql)"
        )
    })
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's effective user.
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

impl PgServer {
    /// initdb and start a server; panics with the server's log if it cannot.
    pub fn start() -> PgServer {
        let bin = bin_dir();
        let dir = tempfile::Builder::new().prefix("juzhu-pg-").tempdir().expect("a temporary directory");
        let root = dir.path().to_path_buf();
        if is_root() {
            std::os::unix::fs::chown(&root, Some(NOBODY), Some(NOBODY)).expect("chown the data directory to nobody");
        }
        let server = PgServer { _dir: dir, root, bin, port: free_port() };
        server.run("initdb", &["-D", "data", "-U", "juzhu", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        server.start_again();
        server
    }

    fn command(&self, tool: &str) -> Command {
        let mut c = Command::new(self.bin.join(tool));
        c.current_dir(&self.root).env("HOME", &self.root).env_remove("PGDATA");
        if is_root() {
            c.uid(NOBODY).gid(NOBODY);
        }
        c
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out =
            self.command(tool).args(args).output().unwrap_or_else(|e| panic!("cannot run PostgreSQL's {tool}: {e}"));
        if !out.status.success() {
            panic!(
                "PostgreSQL's {tool} {args:?} failed ({}):\n{}\n{}\nserver log:\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(self.root.join("server.log")).unwrap_or_default()
            );
        }
    }

    /// Starts the server (again, after [`PgServer::stop`]) on the same port.
    pub fn start_again(&self) {
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.root.display());
        self.run("pg_ctl", &["-D", "data", "-l", "server.log", "-w", "-t", "30", "-o", &options, "start"]);
    }

    /// Stops the server at once (as a crash would); committed data survives.
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", "data", "-m", "immediate", "-w", "stop"]);
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A new, empty database; its `postgres://` URL.
    pub fn database(&self) -> String {
        let name = format!("juzhu_{}_{}", std::process::id(), DATABASES.fetch_add(1, Ordering::SeqCst));
        let mut admin = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL on port {}: {e}", self.port));
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("CREATE DATABASE");
        self.url(&name)
    }

    /// The URL of database `db` on this server.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://juzhu@127.0.0.1:{}/{db}", self.port)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = self.command("pg_ctl").args(["-D", "data", "-m", "immediate", "-w", "stop"]).output();
    }
}

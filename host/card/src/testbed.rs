//! The PC/SC test bed: Debian's `pcscd` with the vsmartcard `vpcd` virtual
//! reader, in a network namespace of its own (vpcd listens on every
//! interface), and a test card connected to it from inside that namespace.
//! Clients reach pcscd through its Unix socket, `/run/pcscd/pcscd.comm`.
//!
//! One test bed runs at a time on a machine (pcscd has one socket and one
//! pid file): [`Testbed::start`] takes an exclusive lock that serialises
//! test processes. Missing packages are an error naming the script that
//! installs them: the end-to-end tests fail, never skip.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The first reader vpcd offers (port 35963).
pub const READER: &str = "Virtual PCD 00 00";
const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
const PCSCD_SOCKET: &str = "/run/pcscd/pcscd.comm";
const PCSCD_PID: &str = "/run/pcscd/pcscd.pid";
const LOCK: &str = "/tmp/juzhu-pcsc-testbed.lock";

pub struct Testbed {
    _lock: File,
    pcscd: Child,
    card: Option<Child>,
    dir: PathBuf,
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        || Path::new("/usr/sbin").join(program).is_file()
}

fn alive(pid: &str) -> bool {
    !pid.trim().is_empty() && Path::new("/proc").join(pid.trim()).exists()
}

impl Testbed {
    /// Starts pcscd in a new network namespace, logging into `dir`.
    #[allow(unsafe_code)] // reviewed: geteuid, see SAFETY below
    pub fn start(dir: &Path) -> Result<Testbed, String> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Err("the PC/SC end-to-end tests need root: they start pcscd in a network namespace (unshare --net) and own /run/pcscd; run them as root (CI does)".into());
        }
        for program in ["pcscd", "unshare", "nsenter", "ip"] {
            if !which(program) {
                return Err(format!(
                    "`{program}` is not installed; run scripts/pcsc-setup.sh (installs pcscd, vsmartcard-vpcd, libpcsclite-dev)"
                ));
            }
        }
        if !Path::new(VPCD_DRIVER).exists() {
            return Err(format!("{VPCD_DRIVER} is missing; run scripts/pcsc-setup.sh (installs vsmartcard-vpcd)"));
        }
        let lock = File::create(LOCK).map_err(|e| format!("cannot create {LOCK}: {e}"))?;
        lock.lock().map_err(|e| format!("cannot lock {LOCK}: {e}"))?;
        if let Ok(pid) = std::fs::read_to_string(PCSCD_PID)
            && alive(&pid)
        {
            return Err(format!(
                "another pcscd (pid {}) is running; stop it (e.g. `systemctl stop pcscd.socket pcscd`) before the PC/SC tests",
                pid.trim()
            ));
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let log = File::create(dir.join("pcscd.log")).map_err(|e| e.to_string())?;
        let pcscd = Command::new("unshare")
            .args(["--net", "--", "sh", "-c", "ip link set lo up && exec pcscd --foreground --apdu --debug"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start pcscd under unshare: {e}"))?;
        let mut bed = Testbed { _lock: lock, pcscd, card: None, dir: dir.to_path_buf() };
        bed.wait_for("pcscd to list the vpcd reader", |_| {
            crate::pcsc_driver::list_readers().map(|r| r.iter().any(|r| r.name == READER)).unwrap_or(false)
        })?;
        Ok(bed)
    }

    fn wait_for(&mut self, what: &str, mut done: impl FnMut(&mut Self) -> bool) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(status)) = self.pcscd.try_wait() {
                return Err(format!("pcscd exited ({status}); see {}", self.dir.join("pcscd.log").display()));
            }
            if done(self) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("timed out waiting for {what}; see {}", self.dir.join("pcscd.log").display()))
    }

    /// Runs `program args` inside pcscd's network namespace, where vpcd is
    /// reachable on 127.0.0.1.
    pub fn command_in_namespace(&self, program: &Path, args: &[String]) -> Command {
        let mut cmd = Command::new("nsenter");
        cmd.arg(format!("--net=/proc/{}/ns/net", self.pcscd.id())).arg("--").arg(program).args(args);
        cmd
    }

    /// Inserts a test card: starts `emulator args` (a program speaking
    /// vpcd's protocol) and waits until the reader has a card.
    pub fn insert(&mut self, emulator: &Path, args: &[String]) -> Result<(), String> {
        self.remove()?;
        let n = std::fs::read_dir(&self.dir).map(|d| d.count()).unwrap_or(0);
        let log = File::create(self.dir.join(format!("card-{n}.log"))).map_err(|e| e.to_string())?;
        let child = self
            .command_in_namespace(emulator, args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", emulator.display()))?;
        self.card = Some(child);
        self.wait_for("the test card in the reader", |_| card_present())
    }

    /// Pulls the test card out (stops its emulator) and waits until the
    /// reader is empty.
    pub fn remove(&mut self) -> Result<(), String> {
        if let Some(mut child) = self.card.take() {
            let _ = child.kill();
            let _ = child.wait();
            self.wait_for("the reader to be empty", |_| !card_present())?;
        }
        Ok(())
    }

    /// Whether the test card's process still runs (it ends when pulled for good).
    pub fn card_running(&mut self) -> bool {
        self.card.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }
}

/// Whether pcscd reports a card in the reader (without connecting to it).
fn card_present() -> bool {
    let Ok(ctx) = pcsc::Context::establish(pcsc::Scope::User) else {
        return false;
    };
    let reader = std::ffi::CString::new(READER).expect("no NUL");
    let mut states = [pcsc::ReaderState::new(reader, pcsc::State::UNAWARE)];
    ctx.get_status_change(Duration::ZERO, &mut states).is_ok() && states[0].event_state().contains(pcsc::State::PRESENT)
}

impl Drop for Testbed {
    fn drop(&mut self) {
        let _ = self.remove();
        // SIGTERM, so pcscd removes its socket and pid file.
        let _ = Command::new("kill").args(["-TERM", &self.pcscd.id().to_string()]).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.pcscd.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.pcscd.kill();
        let _ = self.pcscd.wait();
        let _ = std::fs::remove_file(PCSCD_SOCKET);
        let _ = std::fs::remove_file(PCSCD_PID);
    }
}

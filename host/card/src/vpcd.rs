//! The test card behind pcscd's virtual reader (vsmartcard's vpcd).
//!
//! vpcd listens on TCP (port 35963 for its first reader); the virtual card
//! connects to it. Each message is a 2-byte big-endian length and a payload.
//! A one-byte payload is a control message (0 power off, 1 power on,
//! 2 reset, 4 "send your ATR"); anything else is a command APDU, answered
//! with a response APDU. A connected card is an inserted card; closing the
//! connection pulls it.
//!
//! The card's file system is saved to a card image file after every command
//! that changes it (through [`juzhu_durable::write_atomic`]), so a test can
//! inspect, tamper or reload it.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use crate::dump::{CardDump, DumpError};
use crate::sim::{Fault, Reply, SimCard};

pub const DEFAULT_PORT: u16 = 35963;

#[derive(Clone, Debug)]
pub struct Options {
    /// vpcd's address, e.g. `127.0.0.1:35963`.
    pub vpcd: String,
    pub uid: Vec<u8>,
    /// The card image file: loaded when it exists, saved after each change.
    pub state: Option<PathBuf>,
    pub fault: Option<Fault>,
    /// After a pull, how long until the card is put back; `None`: never.
    /// Keep it above pcscd's polling interval (400 ms), or pcscd never
    /// sees the card leave and keeps the reader's state stale.
    pub reinsert_after: Option<Duration>,
    /// A pause before each UPDATE BINARY, so a test can stop juzhu mid-write.
    pub write_delay: Duration,
}

/// Why the test card stopped before vpcd let it go. Each message names the
/// file or address and ends with the cause, which the variant keeps.
#[derive(Debug, thiserror::Error)]
pub enum VpcdError {
    #[error("cannot read {}: {cause}", path.display())]
    ReadImage { path: PathBuf, cause: io::Error },
    #[error("{}: {cause}", path.display())]
    BadImage { path: PathBuf, cause: DumpError },
    /// The card image could not be saved; the error names the file and the step.
    #[error(transparent)]
    WriteImage(io::Error),
    #[error(
        "cannot connect to vpcd at {addr}: {cause}; is pcscd with vsmartcard-vpcd running in this network namespace?"
    )]
    Connect { addr: String, cause: io::Error },
}

fn read_message(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 2];
    stream.read_exact(&mut len)?;
    quick_ack(stream);
    let mut payload = vec![0u8; u16::from_be_bytes(len) as usize];
    stream.read_exact(&mut payload)?;
    Ok(payload)
}

/// vpcd sends a message's length and payload in two writes; without quick
/// acknowledgement, Nagle's algorithm on its side and delayed ACKs on ours
/// cost 40 ms per APDU. Linux clears the flag after each receive.
#[allow(unsafe_code)] // reviewed: one setsockopt, see SAFETY below
fn quick_ack(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let one: libc::c_int = 1;
    // SAFETY: a valid socket descriptor and a c_int option value of the right size.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

fn write_message(stream: &mut TcpStream, payload: &[u8]) -> std::io::Result<()> {
    let mut msg = (payload.len() as u16).to_be_bytes().to_vec();
    msg.extend_from_slice(payload);
    stream.write_all(&msg)
}

fn save(card: &SimCard, options: &Options) -> std::io::Result<()> {
    match &options.state {
        Some(path) => juzhu_durable::write_atomic(path, &card.to_dump().encode()),
        None => Ok(()),
    }
}

/// Loads the card (from its image file, or blank) and serves vpcd until the
/// card is pulled for good. Returns an error when vpcd cannot be reached.
pub fn run(options: &Options) -> Result<(), VpcdError> {
    let mut card = match &options.state {
        Some(path) if path.exists() => {
            let bytes = std::fs::read(path).map_err(|cause| VpcdError::ReadImage { path: path.clone(), cause })?;
            let dump = CardDump::decode(&bytes).map_err(|cause| VpcdError::BadImage { path: path.clone(), cause })?;
            SimCard::from_dump(&dump)
        }
        _ => SimCard::blank(&options.uid),
    };
    card.fault = options.fault;
    save(&card, options).map_err(VpcdError::WriteImage)?;
    loop {
        let mut stream = connect(&options.vpcd)?;
        eprintln!("card {} inserted (connected to vpcd at {})", hex::encode_upper(&card.uid), options.vpcd);
        let pulled = serve(&mut stream, &mut card, options);
        eprintln!("card {} out: {pulled:?}", hex::encode_upper(&card.uid));
        drop(stream);
        match pulled {
            Ok(true) => match options.reinsert_after {
                Some(pause) => std::thread::sleep(pause),
                None => return Ok(()),
            },
            // vpcd went away (pcscd stopped): the card is done.
            Ok(false) | Err(_) => return Ok(()),
        }
    }
}

/// vpcd may still be starting: try for ten seconds.
fn connect(addr: &str) -> Result<TcpStream, VpcdError> {
    let mut attempt = 1;
    loop {
        match TcpStream::connect(addr) {
            Ok(s) => {
                s.set_nodelay(true).ok();
                return Ok(s);
            }
            Err(cause) if attempt == 100 => return Err(VpcdError::Connect { addr: addr.into(), cause }),
            Err(_) => attempt += 1,
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Serves one insertion; `Ok(true)` when the card was pulled by a fault.
fn serve(stream: &mut TcpStream, card: &mut SimCard, options: &Options) -> std::io::Result<bool> {
    loop {
        let msg = match read_message(stream) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
            Err(e) => return Err(e),
        };
        match msg.as_slice() {
            [0] | [1] | [2] => card.reset(),
            [4] => write_message(stream, &card.atr)?,
            [other] => eprintln!("juzhu-card-emulator: unknown control message {other}"),
            apdu => {
                let changes = matches!(apdu.get(1), Some(0xD6) | Some(0xE0));
                if apdu.get(1) == Some(&0xD6) && !options.write_delay.is_zero() {
                    std::thread::sleep(options.write_delay);
                }
                let reply = card.process(apdu);
                if changes {
                    save(card, options)?;
                }
                match reply {
                    Reply::Apdu(r) => write_message(stream, &r)?,
                    Reply::Pulled => return Ok(true),
                }
            }
        }
    }
}

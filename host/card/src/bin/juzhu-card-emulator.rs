//! A test card for pcscd's virtual reader: see `juzhu_card::vpcd`.
//!
//! juzhu-card-emulator [--vpcd HOST:PORT] [--uid HEX] [--state FILE]
//!     [--fault pull|6581|wrong-sw@N[!]] [--reinsert-ms N] [--write-delay-ms N]
//!
//! `--fault KIND@N` fires on write N+1 (counting UPDATE BINARY from 0 after
//! start); a trailing `!` makes it fire on every write from then on.

use std::time::Duration;

use juzhu_card::sim::Fault;
use juzhu_card::vpcd::{DEFAULT_PORT, Options, run};

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        vpcd: format!("127.0.0.1:{DEFAULT_PORT}"),
        uid: vec![0x04, 0x4A, 0x5A, 0x00, 0x00, 0x00, 0x01],
        state: None,
        fault: None,
        reinsert_after: Some(Duration::from_millis(1200)),
        write_delay: Duration::ZERO,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--vpcd" => o.vpcd = value()?,
            "--uid" => {
                o.uid = hex::decode(value()?).map_err(|e| format!("--uid must be hex, e.g. 04A1B2C3D4E580: {e}"))?
            }
            "--state" => o.state = Some(value()?.into()),
            "--fault" => o.fault = Some(value()?.parse::<Fault>().map_err(|e| format!("--fault: {e}"))?),
            "--reinsert-ms" => {
                let ms: u64 = value()?.parse().map_err(|_| "--reinsert-ms must be a whole number".to_string())?;
                o.reinsert_after = Some(Duration::from_millis(ms));
            }
            "--no-reinsert" => o.reinsert_after = None,
            "--write-delay-ms" => {
                o.write_delay = Duration::from_millis(
                    value()?.parse().map_err(|_| "--write-delay-ms must be a whole number".to_string())?,
                )
            }
            "--help" | "-h" => {
                println!(
                    "usage: juzhu-card-emulator [--vpcd HOST:PORT] [--uid HEX] [--state FILE] [--fault pull|6581|wrong-sw@N[!]] [--reinsert-ms N | --no-reinsert] [--write-delay-ms N]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown option {other}; see --help")),
        }
    }
    Ok(o)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = parse(&args).and_then(|o| run(&o).map_err(|e| e.to_string()));
    if let Err(e) = result {
        eprintln!("juzhu-card-emulator: {e}");
        std::process::exit(2);
    }
}

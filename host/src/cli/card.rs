//! `juzhu card`: readers, issue, reissue, endorse, status, recover, verify,
//! read, keygen, and a test card for pcscd's virtual reader.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use super::station;

/// What `card issue`, `card reissue` and `card endorse` write, and where.
#[derive(clap::Args)]
pub struct CardWrite {
    /// The permit number, e.g. 330105-2026-000001.
    #[arg(long)]
    permit: String,
    /// The encoder's name from the station file.
    #[arg(long)]
    encoder: String,
    /// The legal date of the card content (default: today in the jurisdiction).
    #[arg(long)]
    legal_date: Option<String>,
    /// The station file (TOML).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum CardCommand {
    /// List the PC/SC readers attached (with the card in each) and the
    /// station's configured encoders.
    Readers {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write a permit onto a blank card in an encoder, then read it back and
    /// verify it. Prints each step as the journal commits it.
    Issue(CardWrite),
    /// Replace a lost card: write a new blank card; the old card's serial is
    /// revoked when the new one verifies.
    Reissue(CardWrite),
    /// Append the permit's endorsements to its card (the card must be in the encoder).
    Endorse(CardWrite),
    /// A permit's cards and card issuances (JSON).
    Status {
        #[arg(long)]
        permit: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Resolve card issuances a crash interrupted, by reading back the card
    /// in each encoder.
    Recover {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Check a card offline: from a card image file, or the card in an
    /// encoder. Exits 1 and names every finding when the card is not valid.
    Verify {
        /// A card image file (`juzhu card read --out`).
        #[arg(long, conflicts_with = "encoder")]
        image: Option<PathBuf>,
        /// The encoder holding the card.
        #[arg(long)]
        encoder: Option<String>,
        /// A trusted authority public key (64 hex digits); repeatable. The
        /// station's keys (card.authority_key, card.trusted_keys) are trusted too.
        #[arg(long = "key")]
        keys: Vec<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Read the card in an encoder into a card image file.
    Read {
        #[arg(long)]
        encoder: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Make an issuing-authority signing key; prints its public key.
    Keygen {
        /// Where to write the key (refuses to overwrite).
        #[arg(long)]
        out: PathBuf,
    },
    /// Run a test card for pcscd's virtual reader (vsmartcard vpcd): try a
    /// station without hardware.
    Emulate {
        /// vpcd's address.
        #[arg(long, default_value = "127.0.0.1:35963")]
        vpcd: String,
        /// The chip UID, in hex.
        #[arg(long, default_value = "044A5A00000001")]
        uid: String,
        /// The card image file: loaded if it exists, saved after each write.
        #[arg(long)]
        state: Option<PathBuf>,
        /// A fault to inject: pull, 6581 or wrong-sw, at write N (`pull@40`;
        /// a trailing `!` repeats it on every later write).
        #[arg(long)]
        fault: Option<String>,
        /// A pause before each write, in milliseconds.
        #[arg(long, default_value_t = 0)]
        write_delay_ms: u64,
    },
}

fn print_issuance(i: &juzhu_station::issuance::Issuance) {
    let mut line = format!(
        "card issuance {} ({} of permit {} on encoder {}): {}",
        i.id,
        i.kind.as_str(),
        i.permit_number,
        i.encoder,
        i.state.as_str()
    );
    if i.attempt > 0 {
        line += &format!(", attempt {}", i.attempt);
    }
    if let Some(uid) = &i.chip_uid {
        line += &format!(", chip {uid}");
    }
    if let Some(serial) = &i.card_serial {
        line += &format!(", serial {serial}");
    }
    if let Some(e) = &i.error {
        line += &format!(" — {e}");
    }
    println!("{line}");
}

/// The station's trusted keys and any given on the command line.
fn trusted_keys(
    config: &juzhu_station::config::StationConfig,
    extra: &[String],
) -> anyhow::Result<Vec<ed25519_dalek::VerifyingKey>> {
    let desk = juzhu_station::issuance::Desk::from_config(&config.card, &[])?;
    let mut keys = desk.trusted().to_vec();
    for k in extra {
        keys.push(juzhu_card::security::public_key_from_hex(k).with_context(|| format!("--key {k}"))?);
    }
    if keys.is_empty() {
        anyhow::bail!(
            "no trusted authority key: give --key <64 hex digits>, or set card.authority_key / card.trusted_keys in the station file"
        );
    }
    Ok(keys)
}

pub fn run(command: CardCommand) -> anyhow::Result<ExitCode> {
    use juzhu_station::issuance::{Kind, State};
    let run_kind =
        |kind: Kind, CardWrite { permit, encoder, legal_date, config }: CardWrite| -> anyhow::Result<ExitCode> {
            let config = station(&config)?;
            let service = juzhu_station::server::service(&config, juzhu_station::server::open_store(&config)?)?;
            let _cards = juzhu_station::issuance::CardLock::acquire(&config.data_dir)?;
            for i in service.card_recover("cli")? {
                print_issuance(&i);
            }
            let started = service.card_start("cli", &permit, kind, &encoder, legal_date)?;
            print_issuance(&started);
            let end = service.card_run("cli", started.id, &print_issuance)?;
            Ok(if end.state == State::Done { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        };
    match command {
        CardCommand::Readers { config } => {
            let config = station(&config)?;
            match juzhu_card::pcsc_driver::list_readers() {
                Ok(readers) if readers.is_empty() => println!("no PC/SC reader attached"),
                Ok(readers) => {
                    for r in readers {
                        match r.card {
                            Some(c) => println!(
                                "{}: card ATR {} chip UID {}{}",
                                r.name,
                                hex::encode_upper(&c.atr),
                                hex::encode_upper(&c.chip_uid),
                                if c.has_application { " (carries a juzhu application)" } else { " (blank)" }
                            ),
                            None => println!("{}: no card", r.name),
                        }
                    }
                }
                Err(e) => println!("PC/SC: {e}"),
            }
            for e in &config.encoders {
                println!(
                    "encoder {}: driver {:?}{}",
                    e.name,
                    e.driver,
                    e.reader.as_ref().map(|r| format!(", reader {r:?}")).unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Issue(write) => run_kind(Kind::Issue, write),
        CardCommand::Reissue(write) => run_kind(Kind::Reissue, write),
        CardCommand::Endorse(write) => run_kind(Kind::Endorse, write),
        CardCommand::Status { permit, config } => {
            let config = station(&config)?;
            let service = juzhu_station::server::service(&config, juzhu_station::server::open_store(&config)?)?;
            println!("{}", serde_json::to_string_pretty(&service.card_status(&permit)?)?);
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Recover { config } => {
            let config = station(&config)?;
            let service = juzhu_station::server::service(&config, juzhu_station::server::open_store(&config)?)?;
            let _cards = juzhu_station::issuance::CardLock::acquire(&config.data_dir)?;
            let resolved = service.card_recover("cli")?;
            if resolved.is_empty() {
                println!("no unfinished card issuance");
            }
            resolved.iter().for_each(print_issuance);
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Verify { image, encoder, keys, json, config } => {
            let config = station(&config)?;
            let trusted = trusted_keys(&config, &keys)?;
            let (dump, source) = match (image, encoder) {
                (Some(path), _) => {
                    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
                    match juzhu_card::CardDump::decode(&bytes) {
                        Ok(d) => (d, path.display().to_string()),
                        Err(e) => {
                            eprintln!("INVALID {}: {e}", path.display());
                            return Ok(ExitCode::FAILURE);
                        }
                    }
                }
                (None, Some(name)) => {
                    let desk = juzhu_station::issuance::Desk::from_config(&config.card, &config.encoders)?;
                    desk.check_encoder(&name)?;
                    let e = config.encoders.iter().find(|e| e.name == name).expect("checked");
                    if e.driver != juzhu_station::config::EncoderDriver::Pcsc {
                        anyhow::bail!(
                            "encoder `{name}` uses the memory driver; its cards live inside a running station, not in a reader"
                        );
                    }
                    let mut enc = juzhu_card::pcsc_driver::PcscEncoder::new(&e.name, e.reader.as_deref());
                    (juzhu_card::Encoder::read_back(&mut enc)?, format!("the card in encoder {name}"))
                }
                (None, None) => anyhow::bail!("give --image FILE or --encoder NAME"),
            };
            let report = juzhu_card::verify(&dump, &trusted);
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if report.ok() {
                let c = report.content.as_ref().expect("a valid card has content");
                println!(
                    "VALID {source}: chip {}, serial {}, issuance {}, permit {} of {} ({}), {} endorsement(s)",
                    report.chip_uid,
                    report.card_serial.clone().unwrap_or_default(),
                    report.issuance_id.clone().unwrap_or_default(),
                    c.permit_number,
                    c.holder_name,
                    c.citizen_id,
                    c.endorsements.len()
                );
            } else {
                println!("INVALID {source} (chip {}):", report.chip_uid);
                for f in &report.findings {
                    println!("  - {f}");
                }
            }
            Ok(if report.ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        CardCommand::Read { encoder, out, config } => {
            let config = station(&config)?;
            let Some(e) = config
                .encoders
                .iter()
                .find(|e| e.name == encoder && e.driver == juzhu_station::config::EncoderDriver::Pcsc)
            else {
                anyhow::bail!("no PC/SC encoder named `{encoder}` in the station file");
            };
            let mut enc = juzhu_card::pcsc_driver::PcscEncoder::new(&e.name, e.reader.as_deref());
            let dump = juzhu_card::Encoder::read_back(&mut enc)?;
            std::fs::write(&out, dump.encode()).with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "read chip {} ({} files) into {}",
                hex::encode_upper(&dump.chip_uid),
                dump.files.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Keygen { out } => {
            if out.exists() {
                anyhow::bail!("{} exists; refusing to overwrite a key", out.display());
            }
            let key = juzhu_card::Authority::generate();
            // 0600 before the key has a name: it is never readable by others.
            juzhu_durable::write_atomic_with_mode(&out, (key.seed_hex() + "\n").as_bytes(), 0o600)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("wrote the signing key to {} (keep it secret); its public key:", out.display());
            println!("{}", hex::encode(key.public().as_bytes()));
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Emulate { vpcd, uid, state, fault, write_delay_ms } => {
            let fault = fault
                .map(|v| v.parse::<juzhu_card::sim::Fault>())
                .transpose()
                .map_err(|e| anyhow::anyhow!("--fault: {e}"))?;
            let options = juzhu_card::vpcd::Options {
                vpcd,
                uid: hex::decode(&uid).with_context(|| format!("--uid {uid} must be hex"))?,
                state,
                fault,
                reinsert_after: Some(std::time::Duration::from_millis(1200)),
                write_delay: std::time::Duration::from_millis(write_delay_ms),
            };
            juzhu_card::vpcd::run(&options).map_err(anyhow::Error::msg)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

//! A simulated contact card: an ISO 7816-4 file system (MF, DFs selected by
//! AID or FID, transparent EFs) answering SELECT, CREATE FILE, UPDATE
//! BINARY, READ BINARY and GET DATA (chip UID), with injectable faults.
//!
//! The in-memory driver holds one directly; the vpcd test card
//! (`juzhu-card-emulator`) puts one behind pcscd's virtual reader.

use std::collections::BTreeMap;

use crate::dump::CardDump;
use crate::tlv::{Tlv, decode_all};

/// A fault that fires on the `after_writes + 1`-th UPDATE BINARY, once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The card is pulled mid-write: half of the chunk is stored, then the
    /// card is gone.
    Pull,
    /// The card answers 6581 (memory failure) and stores nothing.
    MemoryFailure,
    /// The card answers 6F00, a status word no command expects.
    WrongStatus,
}

impl std::str::FromStr for FaultKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pull" => Ok(FaultKind::Pull),
            "6581" => Ok(FaultKind::MemoryFailure),
            "wrong-sw" => Ok(FaultKind::WrongStatus),
            other => Err(format!("unknown fault `{other}`; expected pull, 6581 or wrong-sw")),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    pub after_writes: usize,
    /// Fire on every write from then on, not once (a card that is broken).
    pub persistent: bool,
}

/// `KIND@N`, e.g. `pull@40`; a trailing `!` makes it persistent (`6581@10!`).
impl std::str::FromStr for Fault {
    type Err = String;
    fn from_str(v: &str) -> Result<Self, String> {
        let (spec, persistent) = v.strip_suffix('!').map_or((v, false), |s| (s, true));
        let (kind, n) = spec.split_once('@').ok_or_else(|| format!("fault `{v}`: expected KIND@N, e.g. pull@40"))?;
        let after_writes = n.parse().map_err(|_| format!("fault `{v}`: N must be a whole number"))?;
        Ok(Fault { kind: kind.parse()?, after_writes, persistent })
    }
}

/// What the card did with an APDU.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    Apdu(Vec<u8>),
    /// The card left the reader; there is no answer.
    Pulled,
}

#[derive(Clone, Debug, Default)]
struct Application {
    /// FID → content (its length is the size given at CREATE FILE).
    files: BTreeMap<u16, Vec<u8>>,
}

/// One card.
#[derive(Clone, Debug)]
pub struct SimCard {
    pub uid: Vec<u8>,
    pub atr: Vec<u8>,
    /// AID → (DF FID, application).
    apps: BTreeMap<Vec<u8>, (u16, Application)>,
    selected_app: Option<Vec<u8>>,
    selected_ef: Option<u16>,
    pub fault: Option<Fault>,
    /// UPDATE BINARY commands answered so far.
    pub writes: usize,
}

/// A contact card's ATR: direct convention, T=1, historical bytes "JUZHU".
pub const DEFAULT_ATR: [u8; 10] = [0x3B, 0x85, 0x80, 0x01, 0x4A, 0x55, 0x5A, 0x48, 0x55, 0x00];

fn sw(code: u16) -> Reply {
    Reply::Apdu(code.to_be_bytes().to_vec())
}

fn data_sw(mut data: Vec<u8>, code: u16) -> Reply {
    data.extend_from_slice(&code.to_be_bytes());
    Reply::Apdu(data)
}

impl SimCard {
    /// A blank card with `uid`.
    pub fn blank(uid: &[u8]) -> SimCard {
        let mut atr = DEFAULT_ATR.to_vec();
        // The last byte is the TCK checksum: XOR of T0..the last historical byte.
        let tck = atr[1..atr.len() - 1].iter().fold(0u8, |a, b| a ^ b);
        *atr.last_mut().unwrap() = tck;
        SimCard {
            uid: uid.to_vec(),
            atr,
            apps: BTreeMap::new(),
            selected_app: None,
            selected_ef: None,
            fault: None,
            writes: 0,
        }
    }

    /// The card's juzhu application as a dump (what a reader reads back).
    pub fn to_dump(&self) -> CardDump {
        let files = self.apps.get(crate::layout::AID.as_slice()).map(|(_, app)| app.files.clone()).unwrap_or_default();
        CardDump { chip_uid: self.uid.clone(), atr: self.atr.clone(), files }
    }

    /// A card holding what `dump` says (tests tamper a dump and load it).
    pub fn from_dump(dump: &CardDump) -> SimCard {
        let mut card = SimCard::blank(&dump.chip_uid);
        if !dump.atr.is_empty() {
            card.atr = dump.atr.clone();
        }
        if !dump.files.is_empty() {
            card.apps.insert(
                crate::layout::AID.to_vec(),
                (crate::layout::DF_FID, Application { files: dump.files.clone() }),
            );
        }
        card
    }

    /// Power-on or reset: nothing is selected.
    pub fn reset(&mut self) {
        self.selected_app = None;
        self.selected_ef = None;
    }

    fn app(&mut self) -> Option<&mut Application> {
        let aid = self.selected_app.clone()?;
        self.apps.get_mut(&aid).map(|(_, a)| a)
    }

    pub fn process(&mut self, apdu: &[u8]) -> Reply {
        if apdu.len() < 4 {
            return sw(0x6700);
        }
        let (cla, ins, p1, p2) = (apdu[0], apdu[1], apdu[2], apdu[3]);
        let body = if apdu.len() > 5 { &apdu[5..] } else { &[][..] };
        let lc = if apdu.len() > 5 { apdu[4] as usize } else { 0 };
        if body.len() < lc {
            return sw(0x6700);
        }
        let data = &body[..lc];
        match (cla, ins) {
            (0xFF, 0xCA) if p1 == 0 => data_sw(self.uid.clone(), 0x9000),
            (0x00, 0xA4) => self.select(p1, data),
            (0x00, 0xE0) => self.create(data),
            (0x00, 0xD6) => self.update(((p1 as usize & 0x7F) << 8) | p2 as usize, data),
            (0x00, 0xB0) => {
                let le = if apdu.len() == 5 { apdu[4] as usize } else { 256 };
                self.read(((p1 as usize & 0x7F) << 8) | p2 as usize, if le == 0 { 256 } else { le })
            }
            (0x00, _) => sw(0x6D00),
            _ => sw(0x6E00),
        }
    }

    fn select(&mut self, p1: u8, data: &[u8]) -> Reply {
        match p1 {
            0x04 => {
                if self.apps.contains_key(data) {
                    self.selected_app = Some(data.to_vec());
                    self.selected_ef = None;
                    sw(0x9000)
                } else {
                    sw(0x6A82)
                }
            }
            0x00..=0x02 if data.len() == 2 => {
                let fid = u16::from_be_bytes([data[0], data[1]]);
                if fid == 0x3F00 {
                    self.selected_app = None;
                    self.selected_ef = None;
                    return sw(0x9000);
                }
                if p1 != 0x02
                    && let Some((aid, _)) = self.apps.iter().find(|(_, (df, _))| *df == fid)
                {
                    self.selected_app = Some(aid.clone());
                    self.selected_ef = None;
                    return sw(0x9000);
                }
                match self.app() {
                    Some(app) if app.files.contains_key(&fid) => {
                        self.selected_ef = Some(fid);
                        sw(0x9000)
                    }
                    _ => sw(0x6A82),
                }
            }
            _ => sw(0x6A86),
        }
    }

    fn create(&mut self, data: &[u8]) -> Reply {
        let Ok(tlvs) = decode_all(data) else {
            return sw(0x6A80);
        };
        let Some(fcp) = tlvs.into_iter().find(|t| t.tag == 0x62) else {
            return sw(0x6A80);
        };
        let Ok(kids) = fcp.children() else {
            return sw(0x6A80);
        };
        let get = |t: u32| kids.iter().find(|k: &&Tlv| k.tag == t).map(|k| k.value.clone());
        let (Some(desc), Some(fid)) = (get(0x82), get(0x83)) else {
            return sw(0x6A80);
        };
        let Ok(fid) = <[u8; 2]>::try_from(fid.as_slice()) else {
            return sw(0x6A80);
        };
        let fid = u16::from_be_bytes(fid);
        match desc.first() {
            Some(0x38) => {
                let Some(aid) = get(0x84) else {
                    return sw(0x6A80);
                };
                if self.apps.contains_key(&aid) {
                    return sw(0x6A89);
                }
                self.apps.insert(aid.clone(), (fid, Application::default()));
                self.selected_app = Some(aid);
                self.selected_ef = None;
                sw(0x9000)
            }
            Some(0x01) => {
                let Some(size) = get(0x80).and_then(|s| <[u8; 2]>::try_from(s.as_slice()).ok()) else {
                    return sw(0x6A80);
                };
                let Some(app) = self.app() else {
                    return sw(0x6986);
                };
                if app.files.contains_key(&fid) {
                    return sw(0x6A89);
                }
                app.files.insert(fid, vec![0; u16::from_be_bytes(size) as usize]);
                self.selected_ef = Some(fid);
                sw(0x9000)
            }
            _ => sw(0x6A80),
        }
    }

    fn update(&mut self, offset: usize, data: &[u8]) -> Reply {
        let fault =
            self.fault.filter(|f| self.writes >= f.after_writes && (f.persistent || self.writes == f.after_writes));
        self.writes += 1;
        let Some(fid) = self.selected_ef else {
            return sw(0x6986);
        };
        let Some(file) = self.app().and_then(|a| a.files.get_mut(&fid)) else {
            return sw(0x6A82);
        };
        if offset + data.len() > file.len() {
            return sw(0x6B00);
        }
        match fault.map(|f| f.kind) {
            Some(FaultKind::MemoryFailure) => return sw(0x6581),
            Some(FaultKind::WrongStatus) => return sw(0x6F00),
            Some(FaultKind::Pull) => {
                let half = data.len() / 2;
                file[offset..offset + half].copy_from_slice(&data[..half]);
                self.reset();
                return Reply::Pulled;
            }
            None => {}
        }
        file[offset..offset + data.len()].copy_from_slice(data);
        sw(0x9000)
    }

    fn read(&mut self, offset: usize, le: usize) -> Reply {
        let Some(fid) = self.selected_ef else {
            return sw(0x6986);
        };
        let Some(file) = self.app().and_then(|a| a.files.get(&fid)) else {
            return sw(0x6A82);
        };
        if offset >= file.len() {
            return sw(0x6B00);
        }
        let end = (offset + le).min(file.len());
        let code = if end - offset < le { 0x6282 } else { 0x9000 };
        data_sw(file[offset..end].to_vec(), code)
    }
}

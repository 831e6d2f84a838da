//! Where everything lives on the card: the application's AID, its files,
//! their sizes, and the layout version the security object states.
//! `host/card/LAYOUT.md` describes the same layout for readers of the card.

/// The layout this build writes and reads. A card that states another
/// version is refused by the verifier rather than half understood.
pub const LAYOUT_VERSION: u8 = 1;

/// The application identifier: `F0` (a proprietary, unregistered RID range,
/// ISO/IEC 7816-5) followed by ASCII `JUZHU` and the layout's major number.
pub const AID: [u8; 7] = [0xF0, 0x4A, 0x55, 0x5A, 0x48, 0x55, 0x01];

/// The file identifier of the application's DF (ASCII `JZ`).
pub const DF_FID: u16 = 0x4A5A;

/// One elementary file of the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileSpec {
    pub fid: u16,
    pub name: &'static str,
    /// Bytes allocated by CREATE FILE; the content is padded with 00 to it.
    pub capacity: usize,
}

pub const IDENTITY: FileSpec = FileSpec { fid: 0x0101, name: "identity (DG1)", capacity: 1024 };
pub const ADDRESSES: FileSpec = FileSpec { fid: 0x0102, name: "addresses (DG2)", capacity: 1024 };
pub const PERMIT: FileSpec = FileSpec { fid: 0x0103, name: "permit (DG3)", capacity: 2048 };
/// One `70` record per endorsement, appended in date order.
pub const ENDORSEMENTS: FileSpec = FileSpec { fid: 0x0104, name: "endorsements (DG4)", capacity: 1024 };
/// Optional: written only when the content has a photo.
pub const PHOTO: FileSpec = FileSpec { fid: 0x0105, name: "photo (DG5)", capacity: 24576 };
/// Written last: signed hashes of the data groups, bound to the chip.
pub const SECURITY_OBJECT: FileSpec = FileSpec { fid: 0x011D, name: "security object", capacity: 1024 };

/// Every data group, in the order they are written.
pub const DATA_GROUPS: [FileSpec; 5] = [IDENTITY, ADDRESSES, PERMIT, ENDORSEMENTS, PHOTO];

/// Every file of the application, data groups first, the security object last.
pub const ALL_FILES: [FileSpec; 6] = [IDENTITY, ADDRESSES, PERMIT, ENDORSEMENTS, PHOTO, SECURITY_OBJECT];

/// The spec of the file `fid`, if the layout has one.
pub fn file(fid: u16) -> Option<FileSpec> {
    ALL_FILES.iter().copied().find(|f| f.fid == fid)
}

/// Data group templates (application class, constructed).
pub mod tag {
    pub const IDENTITY: u32 = 0x61;
    pub const ADDRESSES: u32 = 0x62;
    pub const PERMIT: u32 = 0x63;
    pub const PHOTO: u32 = 0x65;
    /// One endorsement record in DG4.
    pub const ENDORSEMENT: u32 = 0x70;
    /// An extra field of the jurisdiction inside DG3.
    pub const EXTRA_FIELD: u32 = 0xA0;
    /// The security object and its signed part.
    pub const SECURITY_OBJECT: u32 = 0x77;
    pub const SIGNED: u32 = 0x70;
    pub const HASHES: u32 = 0xA0;
    pub const HASH_ENTRY: u32 = 0x30;
    /// The signature (ISO/IEC 7816-6 "digital signature" tag).
    pub const SIGNATURE: u32 = 0x5F37;
}

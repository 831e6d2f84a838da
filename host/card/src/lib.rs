//! juzhu IC cards (IC卡式居住证): what goes on a card and how it is proved.
//!
//! - [`layout`]: the application (AID, DF) and its files;
//! - [`tlv`]: the BER-TLV codec the files are written in;
//! - [`content`]: the card's content as a struct, and its data groups;
//! - [`security`]: the issuing authority's signed security object;
//! - [`image`]: the bytes to write on one chip, built before writing;
//! - [`dump`]: a card as read back, and the card image file format;
//! - [`verify`]: offline verification with findings that say what is wrong;
//! - [`apdu`]: the commands, status words, and write/read-back procedures;
//! - [`error`]: what can go wrong talking to a card, in the journal's classes;
//! - [`encoder`]: the encoder trait and the memory driver;
//! - [`pcsc_driver`]: real readers through PC/SC;
//! - [`sim`]: the simulated card behind the memory driver and the vpcd test card;
//! - [`vpcd`]: the test card on vpcd's socket protocol;
//! - [`testbed`]: pcscd and vpcd in a network namespace, for end-to-end tests.
//!
//! This crate does not depend on the policy runtime: the host converts the
//! module's `card` answer into a [`content::CardContent`].

pub mod apdu;
pub mod content;
pub mod dump;
pub mod encoder;
pub mod error;
pub mod image;
pub mod layout;
#[cfg(feature = "pcsc")]
pub mod pcsc_driver;
pub mod security;
pub mod sim;
#[cfg(feature = "pcsc")]
pub mod testbed;
pub mod tlv;
pub mod verify;
pub mod vpcd;

pub use content::{CardContent, CardField, Sex};
pub use dump::CardDump;
pub use encoder::{Detected, Encoder, MemoryEncoder};
pub use error::EncoderError;
pub use image::CardImage;
pub use security::Authority;
pub use verify::{Finding, Report, verify};

//! A card image file (`.jzc`) or a card read back: BER-TLV from outside.
//! Decoding must return an error or a dump, never panic; a dump must encode
//! back to bytes that decode to the same dump; offline verification of any
//! dump must finish with a report.
#![no_main]

use juzhu_card::CardDump;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = juzhu_card::tlv::decode_all(data);
    if let Ok(dump) = CardDump::decode(data) {
        let again = CardDump::decode(&dump.encode()).expect("an encoded dump decodes");
        assert_eq!(again, dump, "encode/decode round trip");
        let _ = juzhu_card::verify(&dump, &[]);
    }
});

//! What can go wrong talking to a card, in the classes the issuance journal
//! decides on (retry, next card, give up). Both the APDU layer and the
//! encoders report these, so they live apart from both.

/// What went wrong, in the classes the journal acts on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncoderError {
    /// The card was removed or reset, or the reader timed out: try again
    /// with the same card and the same bytes.
    #[error("transient: {detail}")]
    Transient { detail: String },
    /// No card in the encoder.
    #[error("no card in encoder `{encoder}`; insert a card")]
    NoCard { encoder: String },
    /// The card cannot hold the data (memory failure, failed read-back):
    /// reject it and use a new blank.
    #[error("card fault: {detail}")]
    CardFault { detail: String },
    /// The card answered something the protocol does not allow.
    #[error("protocol error: {detail}")]
    Protocol { detail: String },
    /// The reader or the PC/SC service is not there.
    #[error("encoder unavailable: {detail}")]
    Unavailable { detail: String },
}

impl EncoderError {
    /// Whether the same card may be tried again.
    pub fn is_transient(&self) -> bool {
        matches!(self, EncoderError::Transient { .. } | EncoderError::NoCard { .. })
    }
}

//! Delivery channels and a compact set of them (consent, quiet-hours scope).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A delivery channel. Kept `non_exhaustive` so `whatsapp` can join later
/// without breaking matches in other crates.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Email, Channel::Sms];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Channel::Email => 1,
            Channel::Sms => 2,
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown channel {0:?}: expected email or sms")]
pub struct UnknownChannel(pub String);

impl FromStr for Channel {
    type Err = UnknownChannel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "email" => Ok(Channel::Email),
            "sms" => Ok(Channel::Sms),
            _ => Err(UnknownChannel(s.to_string())),
        }
    }
}

/// A set of channels as a bit set: the planner checks membership per send.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelSet(u8);

impl ChannelSet {
    pub const fn empty() -> Self {
        ChannelSet(0)
    }

    pub fn all() -> Self {
        Channel::ALL.iter().copied().collect()
    }

    pub fn insert(&mut self, c: Channel) {
        self.0 |= c.bit();
    }

    pub fn contains(self, c: Channel) -> bool {
        self.0 & c.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Channel> {
        Channel::ALL.into_iter().filter(move |c| self.contains(*c))
    }

    /// Parses a comma-separated list such as `email,sms` (empty means none).
    pub fn parse_list(s: &str) -> Result<Self, UnknownChannel> {
        s.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(Channel::from_str)
            .collect()
    }
}

impl FromIterator<Channel> for ChannelSet {
    fn from_iter<I: IntoIterator<Item = Channel>>(iter: I) -> Self {
        let mut set = ChannelSet::empty();
        for c in iter {
            set.insert(c);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_channel_lists() {
        let set = ChannelSet::parse_list("email, SMS").unwrap();
        assert!(set.contains(Channel::Email) && set.contains(Channel::Sms));
        assert_eq!(ChannelSet::parse_list("").unwrap(), ChannelSet::empty());
        let err = ChannelSet::parse_list("email,fax").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown channel \"fax\": expected email or sms"
        );
    }

    #[test]
    fn iterates_in_declaration_order() {
        let set: ChannelSet = [Channel::Sms, Channel::Email].into_iter().collect();
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            vec![Channel::Email, Channel::Sms]
        );
    }
}

//! Channels and who may use them: the membership decisions every service asks.
//!
//! The directory is configuration plus explicit run-time changes ([`DirectoryChange`]); it never
//! changes because of what a peer sends, so its size is the operator's. Services ask
//! [`Directory::admit`]; a service that holds live sessions also applies changes through its own
//! `apply_directory_change` so that a ban ends the sessions it affects at once.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// The longest channel id. Every service can then name every channel on its wire: `voice`
/// writes ids as a `str8` and lists many users with their channel in one frame
/// (`conformance/spec/voice.md` §7). `audio`'s header can only name ids of up to 4 characters.
pub const MAX_CHANNEL_ID_LEN: usize = 16;

/// Channel ids are 1 to [`MAX_CHANNEL_ID_LEN`] printable ASCII characters without spaces (the
/// id characters of `conformance/spec/audio.md` §2.1), so they print and compare unambiguously.
pub fn is_valid_channel_id(id: &str) -> bool {
    (1..=MAX_CHANNEL_ID_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

/// One channel as configured (`[[channels]]` in the server's file, `channels` in vectors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    pub id: String,
    /// Display name; defaults to the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `None`: open to every authenticated user. `Some`: only these user ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub banned: Vec<String>,
    /// Most users active in the channel at once; `None` uses the service's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_users: Option<u32>,
}

/// A channel's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    id: String,
    name: String,
    members: Option<BTreeSet<String>>,
    banned: BTreeSet<String>,
    max_users: Option<u32>,
}

impl Channel {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn is_open(&self) -> bool {
        self.members.is_none()
    }

    pub fn is_member(&self, user: &str) -> bool {
        self.members.as_ref().is_none_or(|m| m.contains(user))
    }

    pub fn is_banned(&self, user: &str) -> bool {
        self.banned.contains(user)
    }

    pub fn max_users(&self) -> Option<u32> {
        self.max_users
    }
}

/// Why a user may not use a channel, in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("channel not found")]
    ChannelNotFound,
    #[error("user is not a member of the channel")]
    NotAMember,
    #[error("user is banned from the channel")]
    Banned,
}

/// An operator's change to the directory. Its JSON form, `{"ban": {"channel": "main", "user":
/// "bob"}}` or `{"add_channel": {"id": "news"}}`, is shared by the admin socket and the
/// conformance vectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DirectoryChange {
    AddChannel(ChannelConfig),
    RemoveChannel {
        channel: String,
    },
    Ban {
        channel: String,
        user: String,
    },
    Unban {
        channel: String,
        user: String,
    },
    /// Adds a member; an open channel becomes members-only with this one member.
    AddMember {
        channel: String,
        user: String,
    },
    RemoveMember {
        channel: String,
        user: String,
    },
}

/// A change or configuration the directory cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    #[error(
        "channel id {0:?} must be 1 to {MAX_CHANNEL_ID_LEN} printable ASCII characters without spaces"
    )]
    InvalidChannelId(String),
    #[error("channel {0:?} is defined twice")]
    DuplicateChannel(String),
    #[error("channel {0:?} does not exist")]
    UnknownChannel(String),
}

/// Every channel, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    channels: BTreeMap<String, Channel>,
}

impl Directory {
    pub fn new(channels: impl IntoIterator<Item = ChannelConfig>) -> Result<Self, DirectoryError> {
        let mut directory = Self::default();
        for channel in channels {
            directory.add_channel(channel)?;
        }
        Ok(directory)
    }

    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.get(id)
    }

    pub fn channels(&self) -> impl Iterator<Item = &Channel> {
        self.channels.values()
    }

    pub fn len(&self) -> usize {
        self.channels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    /// The seed's order: the channel exists, the user is a member, the user is not banned.
    pub fn admit(&self, channel: &str, user: &str) -> Result<&Channel, Refusal> {
        let found = self.channels.get(channel).ok_or(Refusal::ChannelNotFound)?;
        if !found.is_member(user) {
            return Err(Refusal::NotAMember);
        }
        if found.is_banned(user) {
            return Err(Refusal::Banned);
        }
        Ok(found)
    }

    pub fn apply(&mut self, change: DirectoryChange) -> Result<(), DirectoryError> {
        match change {
            DirectoryChange::AddChannel(config) => self.add_channel(config),
            DirectoryChange::RemoveChannel { channel } => self
                .channels
                .remove(&channel)
                .map(drop)
                .ok_or(DirectoryError::UnknownChannel(channel)),
            DirectoryChange::Ban { channel, user } => {
                self.channel_mut(&channel)?.banned.insert(user);
                Ok(())
            }
            DirectoryChange::Unban { channel, user } => {
                self.channel_mut(&channel)?.banned.remove(&user);
                Ok(())
            }
            DirectoryChange::AddMember { channel, user } => {
                self.channel_mut(&channel)?
                    .members
                    .get_or_insert_default()
                    .insert(user);
                Ok(())
            }
            DirectoryChange::RemoveMember { channel, user } => {
                if let Some(members) = &mut self.channel_mut(&channel)?.members {
                    members.remove(&user);
                }
                Ok(())
            }
        }
    }

    fn channel_mut(&mut self, id: &str) -> Result<&mut Channel, DirectoryError> {
        self.channels
            .get_mut(id)
            .ok_or_else(|| DirectoryError::UnknownChannel(id.to_owned()))
    }

    fn add_channel(&mut self, config: ChannelConfig) -> Result<(), DirectoryError> {
        if !is_valid_channel_id(&config.id) {
            return Err(DirectoryError::InvalidChannelId(config.id));
        }
        if self.channels.contains_key(&config.id) {
            return Err(DirectoryError::DuplicateChannel(config.id));
        }
        let channel = Channel {
            name: config.name.unwrap_or_else(|| config.id.clone()),
            members: config.members.map(|m| m.into_iter().collect()),
            banned: config.banned.into_iter().collect(),
            max_users: config.max_users,
            id: config.id,
        };
        self.channels.insert(channel.id.clone(), channel);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(id: &str, members: Option<&[&str]>, banned: &[&str]) -> ChannelConfig {
        ChannelConfig {
            id: id.into(),
            name: None,
            members: members.map(|m| m.iter().map(|s| s.to_string()).collect()),
            banned: banned.iter().map(|s| s.to_string()).collect(),
            max_users: None,
        }
    }

    fn directory() -> Directory {
        Directory::new([
            config("open", None, &["mallory"]),
            config("team", Some(&["alice", "bob"]), &["bob"]),
        ])
        .unwrap()
    }

    #[test]
    fn open_channels_admit_everyone_not_banned() {
        assert!(directory().admit("open", "anyone").is_ok());
        assert_eq!(
            directory().admit("open", "mallory").unwrap_err(),
            Refusal::Banned
        );
    }

    #[test]
    fn unknown_channels_are_not_found() {
        assert_eq!(
            directory().admit("nope", "alice").unwrap_err(),
            Refusal::ChannelNotFound
        );
    }

    #[test]
    fn membership_is_checked_before_bans() {
        let mut d = directory();
        d.apply(DirectoryChange::Ban {
            channel: "team".into(),
            user: "eve".into(),
        })
        .unwrap();
        assert_eq!(d.admit("team", "eve").unwrap_err(), Refusal::NotAMember);
        assert_eq!(d.admit("team", "bob").unwrap_err(), Refusal::Banned);
    }

    #[test]
    fn run_time_changes_take_effect() {
        let mut d = directory();
        d.apply(DirectoryChange::Unban {
            channel: "team".into(),
            user: "bob".into(),
        })
        .unwrap();
        assert!(d.admit("team", "bob").is_ok());
        d.apply(DirectoryChange::RemoveMember {
            channel: "team".into(),
            user: "bob".into(),
        })
        .unwrap();
        assert_eq!(d.admit("team", "bob").unwrap_err(), Refusal::NotAMember);
        d.apply(DirectoryChange::RemoveChannel {
            channel: "team".into(),
        })
        .unwrap();
        assert_eq!(
            d.admit("team", "alice").unwrap_err(),
            Refusal::ChannelNotFound
        );
    }

    #[test]
    fn adding_a_member_closes_an_open_channel() {
        let mut d = directory();
        d.apply(DirectoryChange::AddMember {
            channel: "open".into(),
            user: "alice".into(),
        })
        .unwrap();
        assert!(d.admit("open", "alice").is_ok());
        assert_eq!(d.admit("open", "bob").unwrap_err(), Refusal::NotAMember);
    }

    #[test]
    fn duplicate_ids_are_configuration_errors() {
        assert_eq!(
            Directory::new([config("a", None, &[]), config("a", None, &[])]).unwrap_err(),
            DirectoryError::DuplicateChannel("a".into())
        );
    }

    #[test]
    fn channel_ids_are_one_to_sixteen_printable_characters() {
        for bad in ["", "has space", "seventeen-chars-x", "tab\t", "é"] {
            assert_eq!(
                Directory::new([config(bad, None, &[])]).unwrap_err(),
                DirectoryError::InvalidChannelId(bad.into()),
                "{bad:?}"
            );
        }
        assert!(
            Directory::new([
                config("sixteen-chars-id", None, &[]),
                config("~", None, &[])
            ])
            .is_ok()
        );
    }

    #[test]
    fn changes_read_and_write_one_json_form() {
        let ban: DirectoryChange =
            serde_json::from_str(r#"{"ban":{"channel":"team","user":"bob"}}"#).unwrap();
        assert_eq!(
            ban,
            DirectoryChange::Ban {
                channel: "team".into(),
                user: "bob".into()
            }
        );
        let add = DirectoryChange::AddChannel(config("news", Some(&["alice"]), &[]));
        let json = serde_json::to_string(&add).unwrap();
        assert_eq!(json, r#"{"add_channel":{"id":"news","members":["alice"]}}"#);
        assert_eq!(serde_json::from_str::<DirectoryChange>(&json).unwrap(), add);
    }

    #[test]
    fn changes_to_unknown_channels_fail() {
        let mut d = directory();
        assert_eq!(
            d.apply(DirectoryChange::Ban {
                channel: "x".into(),
                user: "a".into()
            }),
            Err(DirectoryError::UnknownChannel("x".into()))
        );
    }
}

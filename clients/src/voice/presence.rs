//! Who else is logged in, as the server reports it (`voice.md` §5.2–§5.4, §11.5): the login's
//! participant list, kept current by UserJoined, UserLeft, UserMuted and the voice channel
//! frames. Bounded by `max_participants`: the server admits at most 1024 connections (§9), and a
//! client does not let a faulty one grow its memory without end.

use std::collections::BTreeMap;

use hark_core::wire::voice::Participant;

#[derive(Debug)]
pub(super) struct Presence {
    max: usize,
    participants: BTreeMap<u32, Participant>,
}

impl Presence {
    pub(super) fn new(max: usize) -> Self {
        Self {
            max,
            participants: BTreeMap::new(),
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Participant> {
        self.participants.values()
    }

    /// Adds or updates a participant; a new one beyond the bound is not tracked.
    pub(super) fn remember(&mut self, participant: Participant) {
        let known = self.participants.contains_key(&participant.user_id);
        if known || self.participants.len() < self.max {
            self.participants.insert(participant.user_id, participant);
        }
    }

    /// A newly logged-in user: unmuted and in no voice channel (§5.2).
    pub(super) fn joined(&mut self, user_id: u32, username: &str) {
        self.remember(Participant {
            user_id,
            username: username.to_owned(),
            muted: false,
            channel: String::new(),
        });
    }

    pub(super) fn left(&mut self, user_id: u32) {
        self.participants.remove(&user_id);
    }

    pub(super) fn muted(&mut self, user_id: u32, muted: bool) {
        if let Some(participant) = self.participants.get_mut(&user_id) {
            participant.muted = muted;
        }
    }

    pub(super) fn joined_voice(&mut self, user_id: u32, channel: &str) {
        if let Some(participant) = self.participants.get_mut(&user_id) {
            channel.clone_into(&mut participant.channel);
        }
    }

    /// Leaving `channel`; a stale report about a channel already left changes nothing.
    pub(super) fn left_voice(&mut self, user_id: u32, channel: &str) {
        if let Some(participant) = self
            .participants
            .get_mut(&user_id)
            .filter(|p| p.channel == channel)
        {
            participant.channel.clear();
        }
    }

    pub(super) fn clear(&mut self) {
        self.participants.clear();
    }
}

//! Run-time directory changes (signal.md §6 "Capacity and the directory"): a connection whose
//! user may no longer enter its room's channel leaves the room and is told why.

use std::time::Instant;

use super::SignalService;
use super::event::SignalEvent;
use super::rooms::refusal_code;
use crate::ConnectionId;
use crate::directory::{DirectoryChange, DirectoryError};
use crate::wire::signal::events::{ServerEvent, room_id};

impl SignalService {
    /// Applies an operator's change. Every room member the new directory refuses leaves as by
    /// `leave` (the room gets `user-left`, the SFU `leave`), then receives `error` `forbidden`,
    /// or `unknown_channel` when the channel is gone. `info` is not sent again.
    pub fn apply_directory_change(
        &mut self,
        now: Instant,
        change: DirectoryChange,
    ) -> Result<(), DirectoryError> {
        self.handle_timeout(now);
        self.directory.apply(change)?;
        let removed: Vec<(ConnectionId, String, ServerEvent)> = self
            .sessions
            .iter()
            .filter_map(|(&conn, session)| {
                let user = session.user.as_ref()?;
                let channel = user.channel.as_ref()?;
                let refusal = self.directory.admit(channel, &user.id).err()?;
                let room = room_id(&self.config.server_name, channel);
                Some((conn, room, ServerEvent::Error(refusal_code(refusal))))
            })
            .collect();
        for (conn, room, error) in removed {
            self.leave_room(conn);
            self.emit(conn, &error);
            if let ServerEvent::Error(code) = error {
                self.events.push_back(SignalEvent::Removed {
                    conn,
                    room,
                    code: code.code(),
                });
            }
        }
        Ok(())
    }
}

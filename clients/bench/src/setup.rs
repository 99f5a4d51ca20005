//! Bringing a group's clients into the channel: Handshake, wait for its Ack, JoinChannel, wait for
//! its Ack — with resends, because UDP may drop either way, and a clear error when the server
//! refuses (a bench config that is too strict says so here, not as mysterious loss later).

use std::future::poll_fn;
use std::net::SocketAddr;
use std::task::Poll;
use std::time::{Duration, Instant};

use hark_core::auth::{TokenClaims, mint_token};
use hark_core::wire::audio::PacketType;

use super::BenchError;
use super::client::{BenchClient, send};
use super::group::Group;
use super::packets::{Control, Reply, classify, control, handshake, wall_secs};

/// How long a client waits for a reply before sending again.
const RETRY_AFTER: Duration = Duration::from_millis(500);
/// Sends per packet before the run gives up.
const ATTEMPTS: u32 = 8;
/// Lifetime of the minted tokens: longer than any sensible run.
const TOKEN_TTL_SECS: u64 = 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    Handshaking,
    Joining,
    Joined,
}

/// A token for `user`, signed with the server's secret.
pub fn token(secret: &[u8], user: &str) -> String {
    let now = u64::from(wall_secs());
    mint_token(
        secret,
        &TokenClaims {
            sub: Some(user.to_owned()),
            exp: Some(now + TOKEN_TTL_SECS),
            nbf: None,
            iat: Some(now),
        },
    )
}

/// Handshakes and joins every client of `group`; returns the group once all are members. A
/// polled group's sockets are read every `tick`.
pub async fn join(
    mut group: Group,
    target: SocketAddr,
    secret: &[u8],
    tick: Duration,
) -> Result<Group, BenchError> {
    let handshakes = group
        .clients
        .iter()
        .map(|c| {
            handshake(
                &c.identity,
                &token(secret, c.identity.user.as_str()),
                wall_secs(),
            )
            .map_err(|e| BenchError::new(format!("encoding a handshake: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut stages = vec![Stage::Handshaking; group.clients.len()];
    for _ in 0..ATTEMPTS {
        for ((client, stage), hs) in group.clients.iter().zip(&stages).zip(&handshakes) {
            send_for(client, stage, hs, target);
        }
        let mut timer = Box::pin(tokio::time::sleep(RETRY_AFTER));
        let mut poll_again = Box::pin(tokio::time::sleep(tick));
        let mut refused = None;
        poll_fn(|cx| {
            let mut replies = Vec::new();
            group.poll_receive(cx, |position, _, datagram| {
                replies.push((position, classify(datagram)));
            });
            for (position, reply) in replies {
                let (Some(stage), Some(client), Some(hs)) = (
                    stages.get_mut(position),
                    group.clients.get(position),
                    handshakes.get(position),
                ) else {
                    continue;
                };
                match (&*stage, reply) {
                    (Stage::Handshaking, Reply::Ack(PacketType::Handshake)) => {
                        *stage = Stage::Joining;
                        send_for(client, stage, hs, target);
                    }
                    (Stage::Joining, Reply::Ack(PacketType::JoinChannel)) => {
                        *stage = Stage::Joined;
                    }
                    (Stage::Handshaking | Stage::Joining, Reply::Error(message)) => {
                        refused = Some(format!(
                            "{target} refused user {}: {message}",
                            client.identity.user
                        ));
                    }
                    _ => {}
                }
            }
            if refused.is_some() || stages.iter().all(|s| *s == Stage::Joined) {
                return Poll::Ready(());
            }
            while !group.probes && poll_again.as_mut().poll(cx).is_ready() {
                poll_again.as_mut().reset((Instant::now() + tick).into());
                cx.waker().wake_by_ref();
            }
            timer.as_mut().poll(cx)
        })
        .await;
        if let Some(message) = refused {
            return Err(BenchError::new(message));
        }
        if stages.iter().all(|s| *s == Stage::Joined) {
            return Ok(group);
        }
    }
    let missing = stages.iter().filter(|s| **s != Stage::Joined).count();
    Err(BenchError::new(format!(
        "{missing} clients got no handshake/join Ack from {target} after {ATTEMPTS} attempts"
    )))
}

/// Sends what `stage` is waiting for. A lost datagram is resent by the next attempt.
fn send_for(client: &BenchClient, stage: &Stage, handshake: &[u8], target: SocketAddr) {
    let result = match stage {
        Stage::Handshaking => send(&*client.socket, target, handshake),
        Stage::Joining => send(
            &*client.socket,
            target,
            &control(&client.identity, Control::Join, wall_secs()),
        ),
        Stage::Joined => Ok(()),
    };
    // A failed send is a lost datagram: the next attempt sends it again.
    let _ = result;
}

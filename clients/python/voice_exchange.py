#!/usr/bin/env python3
"""Checks a live `voice` server end to end with three clients (conformance/spec/voice.md).

    python3 clients/python/voice_exchange.py --host 127.0.0.1 --tcp-port 9001 --udp-port 9002 \\
        --secret SECRET [--channel main]

alice, bob and carol log in and see each other's presence, bind their UDP addresses, and alice
and bob join the channel (carol stays out of it). Then: voice both ways, byte for byte, with no
echo to the sender and nothing to carol; mute (a muted sender is not relayed, a muted receiver
still hears); chat to the channel's members only; refusals as §10 errors; leaving; and bob's
logout, which the others see and which revokes his voice token and UDP binding.

"Nothing arrived" is shown with barriers, not sleeps: a Keepalive's echo (UDP) or a Pong (TCP)
comes after everything the server sent that client before answering it.

Prints one line per check. Exit status: 0 every check passed; 1 a check failed (the line says
which and why); 2 bad usage or the server could not be reached.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable

import hark_voice as hv

USERS = ("alice", "bob", "carol")
UNKNOWN_CHANNEL = "hark-no-such-ch"


class CheckFailed(Exception):
    """A server answered, but not as the spec says."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class Exchange:
    """The three clients and the checks, run in order; each check relies on the ones before."""

    def __init__(self, args: argparse.Namespace, deadline: hv.Deadline) -> None:
        self.args = args
        self.deadline = deadline
        self.channel: str = args.channel
        self.clients: dict[str, hv.VoiceClient] = {}
        self.logins: dict[str, hv.Login] = {}
        self.sequence = 0

    def checks(self) -> list[tuple[str, Callable[[], None]]]:
        ch = self.channel
        return [
            ("alice, bob and carol log in with distinct user ids and voice tokens", self.log_in),
            ("each login lists the users before it; they are told of the newcomer", self.presence),
            ("Ping is answered by a Pong with the same nonce", self.ping),
            ("each client binds its UDP address; the relay confirms its user id", self.voice_auth),
            ("the relay echoes a Keepalive", self.keepalive),
            (f"alice then bob join {ch!r}; members and UserJoinedVoice as announced", self.join),
            ("alice's voice reaches bob byte for byte; no echo; none to carol", self.voice_a_to_b),
            ("bob's voice reaches alice byte for byte; no echo; none to carol", self.voice_b_to_a),
            ("alice mutes: everyone sees UserMuted(alice, true)", self.mute),
            ("a muted sender's voice is not relayed", self.muted_sender),
            ("a muted user still receives voice", self.muted_receiver),
            ("alice unmutes: everyone sees it and her voice flows again", self.unmute),
            (f"chat reaches the members of {ch!r}, the sender included, not carol", self.chat),
            ("chat outside a voice channel is refused: not_in_voice", self.chat_refused),
            ("joining an unknown channel is refused: channel_not_found", self.join_refused),
            ("carol joins and leaves; everyone sees UserLeftVoice(carol)", self.join_and_leave),
            ("bob logs out: the others see UserLeftVoice, then UserLeft", self.logout),
            ("bob's UDP binding and voice token end with his login", self.revoked),
        ]

    # -- helpers ------------------------------------------------------------------------------

    @property
    def alice(self) -> hv.VoiceClient:
        return self.clients["alice"]

    @property
    def bob(self) -> hv.VoiceClient:
        return self.clients["bob"]

    @property
    def carol(self) -> hv.VoiceClient:
        return self.clients["carol"]

    def connect(self) -> None:
        for name in USERS:
            self.clients[name] = hv.VoiceClient(
                self.args.host,
                self.args.tcp_port,
                self.args.udp_port,
                timeout=self.args.step_timeout,
                deadline=self.deadline,
            )

    def close(self) -> None:
        for client in self.clients.values():
            client.close()

    def send_voice(self, sender: hv.VoiceClient) -> bytes:
        """A VoiceData with a fresh sequence and a payload of every byte value."""
        self.sequence += 1
        payload = bytes(range(256)) + self.sequence.to_bytes(4, "big")
        return sender.send_voice(0xFFFF_0000 + self.sequence, payload)

    def receives_exactly(
        self, receiver: hv.VoiceClient, sender: hv.VoiceClient, sent: bytes
    ) -> None:
        got = receiver.recv_voice(user_id=sender.user_id)
        # VoiceData is a type byte, fixed fields and every remaining byte, so equal bytes are
        # equal packets and re-encoding shows exactly what arrived.
        expect(
            hv.encode_datagram(got) == sent,
            f"{receiver.username} received {hv.encode_datagram(got).hex()}, "
            f"{sender.username} sent {sent.hex()}",
        )

    def receives_no_voice(self, client: hv.VoiceClient) -> None:
        """Nothing reached `client` before its Keepalive's echo (see the module's doc)."""
        client.keepalive()
        stray = client.take_datagrams(hv.VoiceData)
        expect(not stray, f"{client.username} received voice it should not have: {stray}")

    def relayed_voice_only_to(self, sender: hv.VoiceClient, receiver: hv.VoiceClient) -> None:
        sent = self.send_voice(sender)
        self.receives_exactly(receiver, sender, sent)
        # The sender's echo comes after anything the relay sent for its VoiceData.
        self.receives_no_voice(sender)
        self.receives_no_voice(self.carol)

    def sees(self, client: hv.VoiceClient, cls: type[hv.Frame], **fields: object) -> None:
        client.wait_type(cls, **fields)

    # -- checks -------------------------------------------------------------------------------

    def log_in(self) -> None:
        logins = {
            name: client.login(name, hv.mint_token(self.args.secret, name))
            for name, client in self.clients.items()
        }
        ids = [login.user_id for login in logins.values()]
        tokens = [login.voice_token for login in logins.values()]
        expect(0 not in ids, f"a user id is 0: {ids}")
        expect(len(set(ids)) == len(ids), f"user ids repeat: {ids}")
        expect(all(len(t) == hv.VOICE_TOKEN_LEN for t in tokens), "a voice token is not 16 bytes")
        expect(len(set(tokens)) == len(tokens), "voice tokens repeat")
        self.logins = logins

    def presence(self) -> None:
        for i, name in enumerate(USERS):
            participants = self.logins[name].participants
            listed = [p.user_id for p in participants]
            expect(listed == sorted(listed), f"{name}'s participants are not in user id order")
            by_name = {p.username: p for p in participants}
            for earlier in USERS[:i]:
                other = self.clients[earlier]
                expect(
                    by_name.get(earlier) == hv.Participant(other.user_id, earlier, False, ""),
                    f"{name}'s LoginResponse lists {by_name.get(earlier)} for {earlier} "
                    f"(user id {other.user_id}, unmuted, in no channel)",
                )
            for later in USERS[i + 1 :]:
                expect(later not in by_name, f"{name}'s LoginResponse lists {later}, who is later")
                joined = self.clients[later]
                self.sees(self.clients[name], hv.UserJoined, user_id=joined.user_id, username=later)

    def ping(self) -> None:
        self.alice.ping(nonce=0x0123_4567_89AB_CDEF)

    def voice_auth(self) -> None:
        for client in self.clients.values():
            confirmed = client.voice_auth()
            expect(
                confirmed == client.user_id,
                f"{client.username}: relay confirmed user id {confirmed}, "
                f"login said {client.user_id}",
            )

    def keepalive(self) -> None:
        self.alice.keepalive(nonce=0xFEDC_BA98_7654_3210)

    def join(self) -> None:
        members = self.alice.join_voice(self.channel)
        expect(
            not {self.bob.user_id, self.carol.user_id} & set(members),
            f"alice joined to find bob or carol already there: {members}",
        )
        members = self.bob.join_voice(self.channel)
        expect(self.alice.user_id in members, f"bob's JoinVoiceResponse lacks alice: {members}")
        expect(list(members) == sorted(members), f"members not in user id order: {members}")
        self.sees(self.alice, hv.UserJoinedVoice, user_id=self.bob.user_id, channel=self.channel)
        for joined in (self.alice, self.bob):
            self.sees(self.carol, hv.UserJoinedVoice, user_id=joined.user_id, channel=self.channel)
            seen = self.carol.presence.get(joined.user_id)
            expect(
                seen is not None and seen.channel == self.channel,
                f"carol's presence shows {joined.username} as {seen}",
            )

    def voice_a_to_b(self) -> None:
        self.relayed_voice_only_to(self.alice, self.bob)

    def voice_b_to_a(self) -> None:
        self.relayed_voice_only_to(self.bob, self.alice)

    def mute(self) -> None:
        self.alice.set_mute(True)
        for other in (self.bob, self.carol):
            self.sees(other, hv.UserMuted, user_id=self.alice.user_id, muted=True)

    def muted_sender(self) -> None:
        self.send_voice(self.alice)
        # alice's echo follows whatever the relay did with her voice; bob's echo follows that.
        self.alice.keepalive()
        self.receives_no_voice(self.bob)

    def muted_receiver(self) -> None:
        sent = self.send_voice(self.bob)
        self.receives_exactly(self.alice, self.bob, sent)

    def unmute(self) -> None:
        self.alice.set_mute(False)
        for other in (self.bob, self.carol):
            self.sees(other, hv.UserMuted, user_id=self.alice.user_id, muted=False)
        self.relayed_voice_only_to(self.alice, self.bob)

    def chat(self) -> None:
        text = "hello from alice ✓"
        echo = self.alice.chat(text)
        expect(echo.channel == self.channel, f"alice's chat echo names channel {echo.channel!r}")
        self.sees(
            self.bob, hv.ChatMessage, user_id=self.alice.user_id, channel=self.channel, text=text
        )
        # carol's Pong comes after anything the server sent her for alice's chat.
        self.carol.ping()
        stray = self.carol.take_frames(hv.ChatMessage)
        expect(not stray, f"carol, in no channel, received chat: {stray}")

    def chat_refused(self) -> None:
        self.refused("not_in_voice", lambda: self.carol.chat("nobody hears this"))

    def join_refused(self) -> None:
        self.refused("channel_not_found", lambda: self.carol.join_voice(UNKNOWN_CHANNEL))

    def refused(self, name: str, request: Callable[[], object]) -> None:
        try:
            request()
        except hv.ServerError as e:
            expect(e.name == name, f"refused with {e.name} ({e.message!r}), not {name}")
            expect(
                e.message == hv.ERROR_CODES[e.code].message,
                f"{name}'s message is {e.message!r}, §10 says {hv.ERROR_CODES[e.code].message!r}",
            )
            return
        raise CheckFailed(f"the server accepted it; expected {name}")

    def join_and_leave(self) -> None:
        members = self.carol.join_voice(self.channel)
        expected = {self.alice.user_id, self.bob.user_id}
        expect(expected <= set(members), f"carol's JoinVoiceResponse lists {members}")
        for other in (self.alice, self.bob):
            self.sees(other, hv.UserJoinedVoice, user_id=self.carol.user_id, channel=self.channel)
        left = self.carol.leave_voice()
        expect(left == self.channel, f"carol left {left!r}, not {self.channel!r}")
        for other in (self.alice, self.bob):
            self.sees(other, hv.UserLeftVoice, user_id=self.carol.user_id, channel=self.channel)

    def logout(self) -> None:
        bob = self.bob.user_id
        self.bob.logout()
        def about_bob(frame: hv.Frame) -> bool:
            return isinstance(frame, (hv.UserLeftVoice, hv.UserLeft)) and frame.user_id == bob

        for other in (self.alice, self.carol):
            events = [other.wait_frame(about_bob) for _ in range(2)]
            expect(
                events == [hv.UserLeftVoice(bob, self.channel), hv.UserLeft(bob)],
                f"{other.username} saw {events}",
            )
            expect(bob not in other.presence, f"{other.username}'s presence still has bob")

    def revoked(self) -> None:
        # The others saw UserLeft, so the server has ended bob's login before these arrive.
        self.bob.take_datagrams(hv.VoiceAuthResponse)
        self.send_voice(self.bob)
        answer = self.bob.wait_datagram(lambda d: isinstance(d, hv.VoiceAuthResponse))
        expect(
            answer == hv.VoiceAuthResponse(4, 0),
            f"bob's voice after logout was answered {answer}, not not_authenticated",
        )
        try:
            self.bob.voice_auth()
        except hv.VoiceAuthError as e:
            expect(e.name == "unknown_token", f"bob's old token was refused as {e.name}")
        else:
            raise CheckFailed("bob's old voice token was accepted after his logout")
        self.receives_no_voice(self.alice)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--tcp-port", type=int, required=True, help="the management port")
    parser.add_argument("--udp-port", type=int, required=True, help="the voice relay port")
    parser.add_argument(
        "--secret",
        default=os.environ.get("JWT_SECRET"),
        help="the server's jwt_secret (default: $JWT_SECRET)",
    )
    parser.add_argument("--channel", default="main", help="a channel open to alice, bob and carol")
    parser.add_argument("--deadline", type=float, default=20.0, help="seconds for the whole run")
    parser.add_argument("--step-timeout", type=float, default=5.0, help="seconds for one wait")
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error("--secret is required (or set JWT_SECRET)")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    start = time.monotonic()
    exchange = Exchange(args, hv.Deadline(args.deadline))
    try:
        exchange.connect()
    except OSError as e:
        print(f"error: cannot reach {args.host} tcp {args.tcp_port} / udp {args.udp_port}: {e}")
        exchange.close()
        return 2
    try:
        checks = exchange.checks()
        for description, check in checks:
            try:
                check()
            except (CheckFailed, hv.VoiceError, OSError) as e:
                print(f"FAIL {description}\n     {type(e).__name__}: {e}")
                return 1
            print(f"ok   {description}")
    finally:
        exchange.close()
    print(f"all {len(checks)} checks passed in {time.monotonic() - start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

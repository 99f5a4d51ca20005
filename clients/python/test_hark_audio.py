"""Tests for hark_audio: `python3 -m unittest discover -s clients/python`.

The codec tests follow audio.md §2-§6 one behaviour each; `CodecVectors` replays every vector in
conformance/vectors/audio/codec/*.json (vectors.md §2). The client tests drive `AudioClient`
against a scripted UDP peer on loopback.

`Live*` run against a real server when the environment names one (run_audio_live.sh does):

    HARK_AUDIO_ADDR=127.0.0.1:8080   the server's `audio` socket
    HARK_JWT_SECRET=...              its jwt_secret (tokens are minted with PyJWT)
    HARK_AUDIO_CHANNEL=main          an open channel (default `main`)

Without HARK_AUDIO_ADDR they are skipped; with it, PyJWT is required. Every live test uses user
ids of its own, so that the suite can run again, or beside the JavaScript one, on the same
server (a user's sessions and mute state outlive a test, §7.1 and §8).
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import threading
import time
import unittest
from pathlib import Path
from typing import Any

import hark_audio as ha

VECTORS = Path(__file__).resolve().parents[2] / "conformance" / "vectors" / "audio" / "codec"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"
SECRET = "a secret of at least thirty-two bytes"

EVERY_PACKET: list[ha.Packet] = [
    ha.Handshake(sequence=1, user_id="alice", channel_id="main", timestamp=7, token=TOKEN,
                 channel_id_json="main"),
    ha.Handshake(user_id="alice", channel_id="main", token=TOKEN),
    ha.Audio(sequence=0xFFFF_FFFF, user_id="bob", channel_id="a", timestamp=1, data=b"\x00\xff"),
    ha.Audio(user_id="bob", channel_id="a"),
    ha.JoinChannel(user_id="u", channel_id="c"),
    ha.LeaveChannel(user_id="u", channel_id="c"),
    ha.SetMute(user_id="u", channel_id="c", muted=True),
    ha.SetMute(user_id="u", channel_id="c", muted=False),
    ha.Heartbeat(sequence=9, user_id="12345678", channel_id="1234", timestamp=0xFFFF_FFFF),
    ha.Error(code=1, action=2, message="invalid token"),
    ha.Error(code=999, action=77, message="from the future"),
    ha.Ack(user_id="u", channel_id="c", acked_type=ha.JoinChannel.TYPE, acked_sequence=3),
]


def header(type_byte: int, sequence: int = 0, user: bytes = b"alice", channel: bytes = b"main",
           timestamp: int = 0x5F3E1234) -> bytes:
    """A 21-byte header written out by hand, as §2's table lays it."""
    return (
        bytes([type_byte])
        + sequence.to_bytes(4, "big")
        + user.ljust(8, b"\x00")
        + channel.ljust(4, b"\x00")
        + timestamp.to_bytes(4, "big")
    )


def decode_error(data: bytes, max_packet_size: int = ha.DEFAULT_MAX_PACKET_SIZE) -> str:
    try:
        ha.decode(data, max_packet_size)
    except ha.CodecError as e:
        return e.kind
    raise AssertionError(f"{data.hex()} parsed")


# ------------------------------------------------------------------------------------------
# Encoding (§2, §3, §4)
# ------------------------------------------------------------------------------------------


class HeaderLayout(unittest.TestCase):
    def test_header_is_21_bytes_type_sequence_user_channel_timestamp(self) -> None:
        packet = ha.Heartbeat(sequence=0x01020304, user_id="user123", channel_id="ch1",
                              timestamp=0x0A0B0C0D)
        self.assertEqual(
            ha.encode(packet).hex(),
            "06" "01020304" "7573657231323300" "63683100" "0a0b0c0d",
        )
        self.assertEqual(len(ha.encode(packet)), ha.HEADER_LEN)

    def test_timestamp_is_at_offset_17(self) -> None:
        data = ha.encode(ha.JoinChannel(timestamp=0xDEADBEEF))
        self.assertEqual(data[17:21], b"\xde\xad\xbe\xef")

    def test_ids_fill_their_fields_exactly(self) -> None:
        data = ha.encode(ha.Heartbeat(user_id="abcdefgh", channel_id="wxyz"))
        self.assertEqual(data[5:13], b"abcdefgh")
        self.assertEqual(data[13:17], b"wxyz")

    def test_empty_ids_are_all_nul(self) -> None:
        self.assertEqual(ha.encode(ha.Heartbeat())[5:17], bytes(12))

    def test_encoder_refuses_ids_that_do_not_fit_section_2_1(self) -> None:
        for user, channel in (("123456789", "c"), ("u", "chan1"), ("a b", "c"), ("é", "c"),
                              ("u", "\x00")):
            with self.subTest(user=user, channel=channel):
                with self.assertRaises(ValueError):
                    ha.encode(ha.Heartbeat(user_id=user, channel_id=channel))

    def test_encoder_refuses_numbers_outside_u32(self) -> None:
        for packet in (ha.Heartbeat(sequence=1 << 32), ha.Heartbeat(timestamp=-1)):
            with self.subTest(packet=packet):
                with self.assertRaises(ValueError):
                    ha.encode(packet)


class PayloadLayout(unittest.TestCase):
    def test_json_handshake_is_length_then_compact_token_and_channel(self) -> None:
        packet = ha.Handshake(user_id="alice", channel_id="main", timestamp=0x5F3E1234,
                              token="a.b.c", channel_id_json="main")
        credentials = b'{"token":"a.b.c","channel_id":"main"}'
        expected = header(1) + len(credentials).to_bytes(2, "big") + credentials
        self.assertEqual(ha.encode(packet), expected)

    def test_legacy_handshake_is_length_then_the_token_itself(self) -> None:
        packet = ha.Handshake(user_id="alice", channel_id="main", timestamp=0x5F3E1234,
                              token="a.b.c")
        self.assertEqual(ha.encode(packet), header(1) + b"\x00\x05a.b.c")
        self.assertEqual(packet.format, "legacy")

    def test_audio_is_length_then_bytes(self) -> None:
        packet = ha.Audio(sequence=2, user_id="alice", channel_id="main", timestamp=0x5F3E1234,
                          data=b"\xab\xcd\xef")
        self.assertEqual(ha.encode(packet), header(2, 2) + b"\x00\x03\xab\xcd\xef")

    def test_set_mute_is_one_byte(self) -> None:
        for muted, byte in ((True, b"\x01"), (False, b"\x00")):
            with self.subTest(muted=muted):
                packet = ha.SetMute(user_id="alice", channel_id="main", timestamp=0x5F3E1234,
                                    muted=muted)
                self.assertEqual(ha.encode(packet), header(5) + byte)

    def test_header_only_types_have_no_payload(self) -> None:
        for cls in (ha.JoinChannel, ha.LeaveChannel, ha.Heartbeat):
            with self.subTest(packet=cls.NAME):
                packet = cls(user_id="alice", channel_id="main", timestamp=0x5F3E1234)
                self.assertEqual(ha.encode(packet), header(cls.TYPE))

    def test_error_is_code_action_then_length_prefixed_message(self) -> None:
        packet = ha.Error(sequence=4, user_id="alice", channel_id="main", timestamp=0x5F3E1234,
                          code=11, action=4, message="skew")
        self.assertEqual(ha.encode(packet), header(7, 4) + b"\x00\x0b\x04\x00\x04skew")

    def test_ack_is_type_then_sequence(self) -> None:
        packet = ha.Ack(user_id="alice", channel_id="main", timestamp=0x5F3E1234, acked_type=6,
                        acked_sequence=0x01020304)
        self.assertEqual(ha.encode(packet), header(8) + b"\x06\x01\x02\x03\x04")

    def test_every_packet_type_round_trips(self) -> None:
        for packet in EVERY_PACKET:
            with self.subTest(packet=packet):
                self.assertEqual(ha.decode(ha.encode(packet)), packet)

    def test_encoder_refuses_a_token_outside_the_jwt_alphabet(self) -> None:
        for token in ("", "a b", "a+b", "tök"):
            with self.subTest(token=token):
                with self.assertRaises(ValueError):
                    ha.encode(ha.Handshake(token=token))

    def test_encoder_refuses_audio_over_65535_bytes(self) -> None:
        with self.assertRaises(ValueError):
            ha.encode(ha.Audio(data=bytes(0x10000)))

    def test_encoder_refuses_an_ack_of_an_unknown_type(self) -> None:
        with self.assertRaises(ValueError):
            ha.encode(ha.Ack(acked_type=9, acked_sequence=0))


# ------------------------------------------------------------------------------------------
# Parsing (§6)
# ------------------------------------------------------------------------------------------


class Parsing(unittest.TestCase):
    def test_longer_than_max_packet_size_is_oversize_whatever_it_holds(self) -> None:
        self.assertEqual(decode_error(b"\xff" * 1025), "oversize")
        self.assertEqual(decode_error(header(6) + b"\x00", max_packet_size=21), "oversize")

    def test_shorter_than_the_header_is_truncated(self) -> None:
        self.assertEqual(decode_error(header(6)[:20]), "truncated")

    def test_unknown_type_byte(self) -> None:
        for type_byte in (0x00, 0x09, 0xFF):
            with self.subTest(type_byte=type_byte):
                self.assertEqual(decode_error(header(type_byte)), "unknown_type")

    def test_id_characters_are_printable_ascii_without_space(self) -> None:
        for user in (b"a b", b"\x7f", b"\x80", b"\x1f"):
            with self.subTest(user=user):
                self.assertEqual(decode_error(header(6, user=user)), "non_ascii_id")

    def test_a_byte_after_the_nul_padding_is_id_not_nul_padded(self) -> None:
        self.assertEqual(decode_error(header(6, user=b"ab\x00c")), "id_not_nul_padded")
        self.assertEqual(decode_error(header(6, channel=b"\x00\xff")), "id_not_nul_padded")

    def test_user_id_is_checked_before_channel_id(self) -> None:
        self.assertEqual(decode_error(header(6, user=b"a\x00b", channel=b" ")),
                         "id_not_nul_padded")

    def test_empty_ids_are_valid(self) -> None:
        packet = ha.decode(header(6, user=b"", channel=b""))
        self.assertEqual((packet.user_id, packet.channel_id), ("", ""))

    def test_length_prefix_cut_short_is_truncated(self) -> None:
        self.assertEqual(decode_error(header(2) + b"\x00"), "truncated")

    def test_length_larger_than_what_follows_is_length_mismatch(self) -> None:
        self.assertEqual(decode_error(header(2) + b"\x00\x03ab"), "length_mismatch")

    def test_bytes_after_the_last_field_are_trailing_bytes(self) -> None:
        for data in (header(2) + b"\x00\x01ab", header(3) + b"\x00", header(5) + b"\x01\x00",
                     header(8) + b"\x06\x00\x00\x00\x01\x00"):
            with self.subTest(data=data.hex()):
                self.assertEqual(decode_error(data), "trailing_bytes")

    def test_mute_byte_other_than_0_or_1(self) -> None:
        self.assertEqual(decode_error(header(5) + b"\x02"), "invalid_mute_byte")

    def test_missing_mute_byte_is_truncated(self) -> None:
        self.assertEqual(decode_error(header(5)), "truncated")

    def test_handshake_starting_with_a_brace_is_json_and_must_parse(self) -> None:
        for credentials in (b"{", b'{"token":"a.b"}', b'{"token":1,"channel_id":"m"}',
                            b'{"token":"a","channel_id":"m","token":"b"}', b"{\xff}",
                            b'{"token":"a","channel_id":NaN}'):
            with self.subTest(credentials=credentials):
                data = header(1) + len(credentials).to_bytes(2, "big") + credentials
                self.assertEqual(decode_error(data), "malformed_handshake_json")

    def test_json_handshake_ignores_other_members_order_and_spacing(self) -> None:
        credentials = b'{ "channel_id" : "main", "v": [1, {"x": null}],\n "token": "a.b.c" }'
        packet = ha.decode(header(1) + len(credentials).to_bytes(2, "big") + credentials)
        self.assertEqual((packet.token, packet.channel_id_json), ("a.b.c", "main"))

    def test_token_outside_the_jwt_alphabet_is_invalid_token_encoding(self) -> None:
        for credentials in (b"", b"a b", b"\xff", b'{"token":"","channel_id":"m"}',
                            b'{"token":"a/b","channel_id":"m"}'):
            with self.subTest(credentials=credentials):
                data = header(1) + len(credentials).to_bytes(2, "big") + credentials
                self.assertEqual(decode_error(data), "invalid_token_encoding")

    def test_error_message_must_be_utf8(self) -> None:
        self.assertEqual(decode_error(header(7) + b"\x00\x01\x02\x00\x01\xff"),
                         "invalid_error_message")

    def test_error_fixed_fields_cut_short_are_truncated(self) -> None:
        self.assertEqual(decode_error(header(7) + b"\x00\x01"), "truncated")
        self.assertEqual(decode_error(header(7) + b"\x00\x01\x02\x00"), "truncated")

    def test_unknown_error_codes_and_actions_are_carried_through(self) -> None:
        packet = ha.decode(header(7) + b"\x0f\xa0\x09\x00\x00")
        self.assertEqual((packet.code, packet.name, packet.action, packet.action_name),
                         (4000, "unknown(4000)", 9, "unknown(9)"))

    def test_known_codes_have_their_section_5_names(self) -> None:
        packet = ha.decode(header(7) + b"\x00\x08\x03\x00\x00")
        self.assertEqual((packet.name, packet.action_name), ("not_authenticated", "reconnect"))

    def test_ack_must_name_one_of_the_eight_types(self) -> None:
        self.assertEqual(decode_error(header(8) + b"\x09\x00\x00\x00\x00"), "invalid_acked_type")
        self.assertEqual(decode_error(header(8) + b"\x00\x00\x00\x00\x00"), "invalid_acked_type")

    def test_ack_body_cut_short_is_truncated(self) -> None:
        self.assertEqual(decode_error(header(8) + b"\x06\x00"), "truncated")


class CodecVectors(unittest.TestCase):
    """vectors.md §2: decode `hex`, compare with `expect`, re-encode canonical ones."""

    MEMBERS = {"name", "description", "max_packet_size", "hex", "expect", "canonical"}

    def vectors(self) -> list[dict]:
        files = sorted(VECTORS.glob("*.json"))
        if not files:
            self.skipTest(f"no audio codec vectors in {VECTORS}")
        out = []
        for path in files:
            out.extend(json.loads(path.read_text(encoding="utf-8"))["vectors"])
        return out

    def test_every_codec_vector(self) -> None:
        for vector in self.vectors():
            with self.subTest(vector=vector["name"]):
                self.assertLessEqual(set(vector), self.MEMBERS, "unknown members")
                data = bytes.fromhex(vector["hex"])
                limit = vector.get("max_packet_size", ha.DEFAULT_MAX_PACKET_SIZE)
                expect = vector["expect"]
                if "error" in expect:
                    self.assertEqual(decode_error(data, limit), expect["error"])
                    continue
                packet = ha.decode(data, limit)
                self.assertEqual(packet_to_json(packet), expect["packet"])
                if vector.get("canonical", True):
                    self.assertEqual(ha.encode(packet).hex(), vector["hex"])


def packet_to_json(packet: ha.Packet) -> dict[str, Any]:
    """A packet as vectors.md §2.1 writes it."""
    out: dict[str, Any] = {
        "type": packet.NAME,
        "sequence": packet.sequence,
        "user_id": packet.user_id,
        "channel_id": packet.channel_id,
        "timestamp": packet.timestamp,
    }
    if isinstance(packet, ha.Handshake):
        out["format"] = packet.format
        out["token"] = packet.token
        if packet.channel_id_json is not None:
            out["channel_id_json"] = packet.channel_id_json
    elif isinstance(packet, ha.Audio):
        out["data"] = packet.data.hex()
    elif isinstance(packet, ha.SetMute):
        out["muted"] = packet.muted
    elif isinstance(packet, ha.Error):
        out.update(code=packet.code, action=packet.action, message=packet.message)
    elif isinstance(packet, ha.Ack):
        out["acked_type"] = ha.Packet.BY_TYPE[packet.acked_type].NAME
        out["acked_sequence"] = packet.acked_sequence
    return out


class Tokens(unittest.TestCase):
    def setUp(self) -> None:
        try:
            import jwt
        except ImportError:
            self.skipTest("PyJWT is not installed")
        self.jwt = jwt

    def test_token_is_hs256_with_sub_iat_and_exp(self) -> None:
        token = ha.mint_token(SECRET, "alice", ttl_secs=60, now=1_700_000_000)
        self.assertEqual(self.jwt.get_unverified_header(token)["alg"], "HS256")
        claims = self.jwt.decode(token, SECRET, algorithms=["HS256"],
                                 options={"verify_exp": False})
        self.assertEqual(claims, {"sub": "alice", "iat": 1_700_000_000, "exp": 1_700_000_060})

    def test_token_uses_only_the_jwt_alphabet(self) -> None:
        ha.encode(ha.Handshake(token=ha.mint_token(bytes(range(256)), "bob")))


# ------------------------------------------------------------------------------------------
# The client against a scripted peer
# ------------------------------------------------------------------------------------------


class ScriptedServer:
    """A UDP socket on loopback that records what the client sends and answers as told."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(2.0)
        self.peer: Any = None

    def address(self) -> tuple[str, int]:
        return self.sock.getsockname()

    def receive(self) -> ha.Packet:
        data, self.peer = self.sock.recvfrom(65536)
        return ha.decode(data)

    def send(self, *packets: ha.Packet) -> None:
        for packet in packets:
            self.sock.sendto(ha.encode(packet), self.peer)

    def close(self) -> None:
        self.sock.close()


class Client(unittest.TestCase):
    def setUp(self) -> None:
        self.server = ScriptedServer()
        self.addCleanup(self.server.close)
        self.client = ha.AudioClient(self.server.address(), TOKEN, "alice", "main", timeout=2.0,
                                     clock=lambda: 1_700_000_000.9)
        self.addCleanup(self.client.close)

    def answer_with(self, make: Any) -> threading.Thread:
        """On a thread: receives one packet and answers with `make(packet)`."""

        def run() -> None:
            self.server.send(*make(self.server.receive()))

        thread = threading.Thread(target=run)
        thread.start()
        self.addCleanup(thread.join)
        return thread

    def test_seed_methods_send_each_packet_type_with_the_client_header(self) -> None:
        self.client.send_handshake()
        self.client.send_handshake(legacy=True)
        self.client.send_join_channel()
        self.client.send_audio(b"pcm")
        self.client.send_set_mute(True)
        self.client.send_heartbeat()
        self.client.send_leave_channel()
        sent = [self.server.receive() for _ in range(7)]
        self.assertEqual([p.NAME for p in sent], [
            "handshake", "handshake", "join_channel", "audio", "set_mute", "heartbeat",
            "leave_channel",
        ])
        for packet in sent:
            self.assertEqual((packet.user_id, packet.channel_id, packet.timestamp),
                             ("alice", "main", 1_700_000_000))
        self.assertEqual((sent[0].format, sent[0].token, sent[0].channel_id_json),
                         ("json", TOKEN, "main"))
        self.assertEqual((sent[1].format, sent[1].token), ("legacy", TOKEN))
        self.assertEqual(sent[3].data, b"pcm")
        self.assertTrue(sent[4].muted)

    def test_audio_is_numbered_from_1(self) -> None:
        for payload in (b"a", b"b", b"c"):
            self.client.send_audio(payload)
        self.assertEqual([self.server.receive().sequence for _ in range(3)], [1, 2, 3])

    def test_control_packets_have_their_own_counter(self) -> None:
        self.client.send_audio(b"a")
        self.client.send_heartbeat()
        self.client.send_join_channel()
        self.assertEqual([self.server.receive().sequence for _ in range(3)], [1, 1, 2])

    def test_send_methods_return_the_datagram_sent(self) -> None:
        data = self.client.send_audio(b"xyz")
        self.assertEqual(self.server.sock.recv(65536), data)
        self.assertEqual(len(data), ha.HEADER_LEN + 2 + 3)

    def test_handshake_returns_the_ack_of_its_sequence(self) -> None:
        self.answer_with(lambda p: [
            ha.Ack(acked_type=ha.Heartbeat.TYPE, acked_sequence=p.sequence),
            ha.Ack(acked_type=ha.Handshake.TYPE, acked_sequence=p.sequence + 1),
            ha.Ack(sequence=p.sequence, acked_type=ha.Handshake.TYPE, acked_sequence=p.sequence),
        ])
        ack = self.client.handshake()
        self.assertEqual((ack.acked_type, ack.acked_sequence), (ha.Handshake.TYPE, 1))
        self.assertEqual(len(self.client.received), 2, "the other Acks are kept")

    def test_an_error_answer_raises_server_error_with_its_names(self) -> None:
        self.answer_with(lambda p: [
            ha.Error(sequence=p.sequence, code=1, action=2, message="invalid token"),
        ])
        with self.assertRaises(ha.ServerError) as caught:
            self.client.handshake()
        error = caught.exception
        self.assertEqual((error.name, error.action_name, error.message),
                         ("invalid_token", "renew_token", "invalid token"))
        self.assertEqual(error.packet.sequence, 1)

    def test_packets_that_arrive_while_waiting_are_kept_in_order(self) -> None:
        self.answer_with(lambda p: [
            ha.Audio(sequence=1, user_id="bob", data=b"1"),
            ha.SetMute(user_id="bob", muted=True),
            ha.Audio(sequence=2, user_id="bob", data=b"2"),
            ha.Ack(acked_type=ha.Heartbeat.TYPE, acked_sequence=p.sequence),
        ])
        self.client.heartbeat()
        self.assertEqual([p.NAME for p in self.client.received], ["audio", "set_mute", "audio"])
        self.assertEqual(self.client.recv_audio(sequence=2).data, b"2")
        self.assertEqual([p.NAME for p in self.client.take()], ["audio", "set_mute"])

    def test_recv_parses_the_next_datagram(self) -> None:
        self.client.send_heartbeat()
        self.server.receive()
        self.server.send(ha.Ack(acked_type=6, acked_sequence=1))
        self.assertEqual(self.client.recv(), ha.Ack(acked_type=6, acked_sequence=1))

    def test_recv_raises_codec_error_for_a_datagram_that_does_not_parse(self) -> None:
        self.client.send_heartbeat()
        self.server.receive()
        self.server.sock.sendto(b"\x08short", self.server.peer)
        with self.assertRaises(ha.CodecError) as caught:
            self.client.recv()
        self.assertEqual(caught.exception.kind, "truncated")

    def test_waiting_past_the_deadline_raises_timeout(self) -> None:
        with self.assertRaises(ha.Timeout):
            self.client.recv(timeout=0.05)

    def test_the_client_refuses_ids_that_do_not_fit_at_construction(self) -> None:
        with self.assertRaises(ValueError):
            ha.AudioClient(self.server.address(), TOKEN, "user1234567", "chan1")


# ------------------------------------------------------------------------------------------
# Against a live server
# ------------------------------------------------------------------------------------------

_USER_NUMBERS = itertools.count(1)
_RUN = format(int(time.time() * 1000) % 36**3, "x")[-3:]


def fresh_user() -> str:
    """A user id no earlier run or test used: `p` + this run's tag + a counter (≤ 8 chars)."""
    return f"p{_RUN}{next(_USER_NUMBERS):04d}"[: ha.USER_ID_LEN]


class Live(unittest.TestCase):
    """A server named by the environment (see the module docstring); every test makes its own
    users."""

    addr: tuple[str, int]
    secret: str
    channel: str

    @classmethod
    def setUpClass(cls) -> None:
        addr = os.environ.get("HARK_AUDIO_ADDR")
        if not addr:
            raise unittest.SkipTest("HARK_AUDIO_ADDR is not set: no live server")
        host, _, port = addr.rpartition(":")
        cls.addr = (host.strip("[]"), int(port))
        cls.secret = os.environ["HARK_JWT_SECRET"]
        cls.channel = os.environ.get("HARK_AUDIO_CHANNEL", "main")

    def client(self, user: str | None = None, token: str | None = None,
               channel: str | None = None, **kwargs: Any) -> ha.AudioClient:
        user = user or fresh_user()
        token = token or ha.mint_token(self.secret, user, ttl_secs=300)
        client = ha.AudioClient(self.addr, token, user, channel or self.channel, timeout=3.0,
                                **kwargs)
        self.addCleanup(client.close)
        return client

    def member(self) -> ha.AudioClient:
        """A client that has handshaken and joined the channel."""
        client = self.client()
        client.handshake()
        client.join_channel()
        return client

    def refusal(self, client: ha.AudioClient, send: Any) -> ha.Error:
        """Sends with `send()` and returns the Error that answers it."""
        send()
        packet = client.recv()
        self.assertIsInstance(packet, ha.Error, f"expected an Error, got {packet!r}")
        assert isinstance(packet, ha.Error)
        return packet

    def assert_nothing_relayed(self, sender: ha.AudioClient, *receivers: ha.AudioClient) -> None:
        """Barriers, not sleeps: the sender's heartbeat Ack shows the server has handled what it
        sent before; each receiver's Ack then comes after anything relayed to it."""
        sender.heartbeat()
        for receiver in receivers:
            receiver.heartbeat()
            self.assertEqual(receiver.take(ha.Audio), [], f"{receiver.user_id} received audio")

    # -- handshake ----------------------------------------------------------------------------

    def test_json_handshake_is_acknowledged_with_its_header(self) -> None:
        client = self.client()
        client.send_handshake()
        ack = client.recv()
        self.assertIsInstance(ack, ha.Ack)
        self.assertEqual((ack.acked_type, ack.acked_sequence), (ha.Handshake.TYPE, 1))
        self.assertEqual((ack.sequence, ack.user_id, ack.channel_id),
                         (1, client.user_id, self.channel))
        self.assertLessEqual(abs(ack.timestamp - time.time()), 30)

    def test_legacy_handshake_is_acknowledged(self) -> None:
        ack = self.client().handshake(legacy=True)
        self.assertEqual(ack.acked_type, ha.Handshake.TYPE)

    def test_token_signed_with_another_secret_is_refused_invalid_token(self) -> None:
        user = fresh_user()
        client = self.client(user, ha.mint_token(self.secret + "x", user))
        error = self.refusal(client, client.send_handshake)
        self.assertEqual((error.name, error.action_name, error.message),
                         ("invalid_token", "renew_token", "invalid token"))
        self.assertEqual((error.sequence, error.user_id, error.channel_id),
                         (1, user, self.channel))

    def test_legacy_handshake_with_a_bad_token_is_refused(self) -> None:
        user = fresh_user()
        client = self.client(user, ha.mint_token(self.secret, "someone"))
        error = self.refusal(client, lambda: client.send_handshake(legacy=True))
        self.assertEqual(error.name, "invalid_token", "sub is not the header's user id")

    def test_expired_token_is_refused_token_expired(self) -> None:
        user = fresh_user()
        client = self.client(user, ha.mint_token(self.secret, user, ttl_secs=-60))
        error = self.refusal(client, client.send_handshake)
        self.assertEqual((error.name, error.action_name), ("token_expired", "renew_token"))

    def test_unknown_channel_is_refused_channel_not_found(self) -> None:
        client = self.client(channel="zz~9")
        error = self.refusal(client, client.send_handshake)
        self.assertEqual((error.name, error.action_name, error.message),
                         ("channel_not_found", "contact_admin", "channel not found"))

    def test_json_channel_other_than_the_header_is_channel_mismatch(self) -> None:
        client = self.client()
        packet = ha.Handshake(user_id=client.user_id, channel_id=self.channel,
                              timestamp=int(time.time()), token=client.jwt_token,
                              channel_id_json="zz~9")
        error = self.refusal(client, lambda: client.send_packet(packet))
        self.assertEqual((error.name, error.action_name), ("channel_mismatch", "fix_client"))

    def test_timestamp_far_from_the_server_clock_is_clock_skew(self) -> None:
        client = self.client(clock=lambda: time.time() - 3600)
        error = self.refusal(client, client.send_handshake)
        self.assertEqual((error.name, error.action_name), ("clock_skew", "fix_client"))

    def test_audio_without_a_session_is_not_authenticated_and_no_larger(self) -> None:
        client = self.client()
        sent = client.send_audio(b"0123456789")
        error = client.recv()
        self.assertIsInstance(error, ha.Error)
        self.assertEqual(error.name, "not_authenticated")
        self.assertLessEqual(len(ha.encode(error)), len(sent), "§7.5: no amplification")
        self.assertTrue("not authenticated: send a handshake".startswith(error.message))

    def test_a_malformed_datagram_from_a_session_is_malformed_packet_with_its_ids(self) -> None:
        client = self.client()
        client.handshake()
        heartbeat = ha.Heartbeat(user_id=client.user_id, channel_id=self.channel,
                                 timestamp=int(time.time()))
        error = self.refusal(client, lambda: client.send_bytes(ha.encode(heartbeat) + b"x"))
        self.assertEqual((error.name, error.action_name, error.message),
                         ("malformed_packet", "fix_client", "malformed packet"))
        self.assertEqual((error.user_id, error.channel_id), (client.user_id, self.channel),
                         "§7.5: a packet that did not parse is answered with the session's ids")

    def test_a_datagram_over_max_packet_size_from_a_session_is_packet_too_large(self) -> None:
        client = self.client()
        client.handshake()
        error = self.refusal(client, lambda: client.send_bytes(bytes([2]) * 1025))
        self.assertEqual((error.name, error.action_name), ("packet_too_large", "fix_client"))

    def test_a_session_packet_for_another_channel_is_channel_mismatch(self) -> None:
        client = self.client()
        client.handshake()
        packet = ha.Heartbeat(sequence=77, user_id=client.user_id, channel_id="zz~9",
                              timestamp=int(time.time()))
        error = self.refusal(client, lambda: client.send_packet(packet))
        self.assertEqual((error.name, error.sequence, error.channel_id),
                         ("channel_mismatch", 77, "zz~9"))

    # -- channel membership and relaying ---------------------------------------------------------

    def test_join_is_acknowledged_and_again_when_repeated(self) -> None:
        client = self.client()
        client.handshake()
        for _ in range(2):
            ack = client.join_channel()
            self.assertEqual((ack.acked_type, ack.acked_sequence),
                             (ha.JoinChannel.TYPE, client.control_sequence))

    def test_audio_reaches_the_other_members_with_every_header_field_intact(self) -> None:
        alice, bob, carol = self.member(), self.member(), self.member()
        sent = alice.send_audio(bytes(range(160)))
        for receiver in (bob, carol):
            audio = receiver.recv_audio(user_id=alice.user_id)
            self.assertEqual(ha.encode(audio), sent, "relayed byte for byte")
            self.assertEqual(
                (audio.sequence, audio.user_id, audio.channel_id, audio.data),
                (1, alice.user_id, self.channel, bytes(range(160))),
            )
            self.assertEqual(audio.timestamp, ha.decode(sent).timestamp)
        self.assert_nothing_relayed(alice, alice)

    def test_audio_flows_both_ways_in_sequence(self) -> None:
        alice, bob = self.member(), self.member()
        for n in range(1, 4):
            alice.send_audio(b"a%d" % n)
            bob.send_audio(b"b%d" % n)
        self.assertEqual([bob.recv_audio().sequence for _ in range(3)], [1, 2, 3])
        self.assertEqual([alice.recv_audio().data for _ in range(3)], [b"b1", b"b2", b"b3"])

    def test_audio_before_join_is_not_relayed(self) -> None:
        bob = self.member()
        alice = self.client()
        alice.handshake()
        alice.send_audio(b"early")
        self.assert_nothing_relayed(alice, bob)

    def test_mute_is_relayed_unchanged_and_stops_audio_until_unmuted(self) -> None:
        alice, bob = self.member(), self.member()
        sent = alice.send_set_mute(True)
        alice.wait_ack(ha.SetMute, alice.control_sequence)
        relayed = bob.wait(lambda p: isinstance(p, ha.SetMute), what="SetMute")
        self.assertEqual(ha.encode(relayed), sent, "§7.3: the SetMute datagram, unchanged")
        self.assertEqual((relayed.user_id, relayed.muted), (alice.user_id, True))
        alice.send_audio(b"muted")
        self.assert_nothing_relayed(alice, bob)
        alice.set_mute(False)
        alice.send_audio(b"unmuted")
        self.assertEqual(bob.recv_audio(user_id=alice.user_id).data, b"unmuted")

    def test_a_replayed_audio_datagram_is_relayed_once(self) -> None:
        alice, bob = self.member(), self.member()
        sent = alice.send_audio(b"once")
        alice.send_bytes(sent)
        self.assertEqual(bob.recv_audio(user_id=alice.user_id).data, b"once")
        self.assert_nothing_relayed(alice, bob)

    def test_a_second_handshake_renews_the_session_and_keeps_membership(self) -> None:
        alice, bob = self.member(), self.member()
        self.assertEqual(alice.handshake(legacy=True).acked_type, ha.Handshake.TYPE)
        alice.send_audio(b"after renewal")
        self.assertEqual(bob.recv_audio(user_id=alice.user_id).data, b"after renewal")

    def test_a_muted_listener_still_hears(self) -> None:
        alice, bob = self.member(), self.member()
        bob.set_mute(True)
        alice.send_audio(b"hello")
        self.assertEqual(bob.recv_audio(user_id=alice.user_id).data, b"hello")

    def test_leave_is_acknowledged_and_ends_relaying_both_ways(self) -> None:
        alice, bob = self.member(), self.member()
        ack = alice.leave_channel()
        self.assertEqual(ack.acked_type, ha.LeaveChannel.TYPE)
        bob.send_audio(b"to nobody")
        self.assert_nothing_relayed(bob, alice)
        alice.send_audio(b"from outside")
        self.assert_nothing_relayed(alice, bob)

    def test_leave_when_not_joined_is_acknowledged(self) -> None:
        client = self.client()
        client.handshake()
        self.assertEqual(client.leave_channel().acked_type, ha.LeaveChannel.TYPE)

    def test_heartbeat_is_answered_with_an_ack_of_its_sequence(self) -> None:
        client = self.client()
        client.handshake()
        client.send_heartbeat()
        client.send_heartbeat()
        acks = [client.recv(), client.recv()]
        self.assertEqual([(a.NAME, a.acked_type, a.acked_sequence) for a in acks],
                         [("ack", ha.Heartbeat.TYPE, 2), ("ack", ha.Heartbeat.TYPE, 3)])


if __name__ == "__main__":
    unittest.main()

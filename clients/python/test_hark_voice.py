"""Unit tests for hark_voice: `python3 -m unittest discover clients/python`.

The codec tests follow voice.md §2-§4; `CodecVectors` replays every vector in
conformance/vectors/voice/codec/*.json (vectors.md §6.1) when they are present.
"""

from __future__ import annotations

import json
import socket
import threading
import unittest
from pathlib import Path
from typing import Callable

import hark_voice as hv

VECTORS = Path(__file__).resolve().parents[2] / "conformance" / "vectors" / "voice" / "codec"
TOKEN = bytes(range(16))

EVERY_FRAME: list[hv.Frame] = [
    hv.LoginRequest(username="alice", token="a.b.c"),
    hv.ChatSend("héllo"),
    hv.SetMute(True),
    hv.JoinVoice("main"),
    hv.LeaveVoice(),
    hv.Ping(0xFFFF_FFFF_FFFF_FFFF),
    hv.LoginResponse(
        7,
        TOKEN,
        (hv.Participant(1, "bob", False, ""), hv.Participant(2, "carol", True, "main")),
    ),
    hv.UserJoined(2, "carol"),
    hv.UserLeft(2),
    hv.ChatMessage(1, "main", "hi"),
    hv.UserMuted(1, False),
    hv.JoinVoiceResponse("main", (1, 2)),
    hv.UserJoinedVoice(3, "main"),
    hv.UserLeftVoice(3, "main"),
    hv.Error(99, "from the future"),
    hv.Pong(42),
]

EVERY_DATAGRAM: list[hv.Datagram] = [
    hv.VoiceAuthRequest(TOKEN),
    hv.VoiceAuthResponse(0, 7),
    hv.VoiceData(7, 0xFFFF_FFFF, b"\x00opus\xff"),
    hv.Keepalive(1),
]


def frame_error(data: bytes, max_frame_len: int = hv.MAX_FRAME_LEN) -> str:
    try:
        hv.decode_frame(data, max_frame_len)
    except hv.CodecError as e:
        return e.kind
    raise AssertionError(f"{data.hex()} parsed")


def datagram_error(data: bytes, max_size: int = hv.MAX_DATAGRAM_SIZE) -> str:
    try:
        hv.decode_datagram(data, max_size)
    except hv.CodecError as e:
        return e.kind
    raise AssertionError(f"{data.hex()} parsed")


class FrameEncoding(unittest.TestCase):
    def test_every_frame_type_round_trips(self) -> None:
        for frame in EVERY_FRAME:
            with self.subTest(frame=frame.NAME):
                data = hv.encode_frame(frame)
                self.assertEqual(hv.decode_frame(data), (frame, len(data)))

    def test_every_frame_type_round_trips_through_vector_json(self) -> None:
        for frame in EVERY_FRAME:
            with self.subTest(frame=frame.NAME):
                self.assertEqual(hv.frame_from_json(hv.frame_to_json(frame)), frame)

    def test_length_prefix_counts_type_and_fields(self) -> None:
        self.assertEqual(hv.encode_frame(hv.Ping(1)).hex(), "0009" "06" "0000000000000001")

    def test_login_request_carries_version_1_then_str8_then_str16(self) -> None:
        data = hv.encode_frame(hv.LoginRequest(username="al", token="t"))
        self.assertEqual(data.hex(), "0008" "01" "01" "02616c" "000174")

    def test_participant_is_id_name_muted_channel(self) -> None:
        data = hv.encode_frame(hv.LoginResponse(1, TOKEN, (hv.Participant(2, "b", True, "c"),)))
        self.assertEqual(data[-9:].hex(), "00000002" "0162" "01" "0163")

    def test_encoder_refuses_values_outside_their_field(self) -> None:
        for frame in (
            hv.UserLeft(1 << 32),
            hv.JoinVoice("x" * 256),
            hv.SetMute(1),  # type: ignore[arg-type]
            hv.LoginResponse(1, b"short", ()),
        ):
            with self.subTest(frame=frame):
                with self.assertRaises(ValueError):
                    hv.encode_frame(frame)

    def test_encoder_refuses_a_body_over_the_u16_length(self) -> None:
        with self.assertRaises(ValueError):
            hv.encode_frame(hv.ChatSend("x" * 0xFFFF))


class FrameParsing(unittest.TestCase):
    def test_fewer_than_two_bytes_is_incomplete(self) -> None:
        self.assertIsNone(hv.decode_frame(b"\x00"))

    def test_a_body_cut_short_is_incomplete(self) -> None:
        self.assertIsNone(hv.decode_frame(hv.encode_frame(hv.Ping(1))[:-1]))

    def test_length_zero_is_empty_frame(self) -> None:
        self.assertEqual(frame_error(b"\x00\x00"), "empty_frame")

    def test_length_over_the_limit_is_frame_too_large_before_the_body_arrives(self) -> None:
        self.assertEqual(frame_error(b"\x10\x01"), "frame_too_large")

    def test_the_limit_itself_is_allowed(self) -> None:
        self.assertIsNone(hv.decode_frame(b"\x10\x00"))

    def test_unknown_type_byte(self) -> None:
        self.assertEqual(frame_error(b"\x00\x01\x07"), "unknown_type")

    def test_a_field_cut_short_by_the_body_is_truncated(self) -> None:
        self.assertEqual(frame_error(b"\x00\x03\x06\x00\x00"), "truncated")

    def test_a_string_longer_than_the_body_is_truncated(self) -> None:
        self.assertEqual(frame_error(b"\x00\x03\x04\x05m"), "truncated")

    def test_invalid_utf8_in_a_string(self) -> None:
        self.assertEqual(frame_error(b"\x00\x03\x04\x01\xff"), "invalid_utf8")

    def test_bool_other_than_0_or_1(self) -> None:
        self.assertEqual(frame_error(b"\x00\x02\x03\x02"), "invalid_bool")

    def test_bytes_after_the_last_field(self) -> None:
        self.assertEqual(frame_error(b"\x00\x02\x05\x00"), "trailing_bytes")

    def test_fields_are_checked_in_order(self) -> None:
        # UserMuted: an invalid bool, then a trailing byte: the bool is reported.
        self.assertEqual(frame_error(b"\x00\x07\x85\x00\x00\x00\x01\x07\x00"), "invalid_bool")

    def test_server_only_types_parse_in_both_directions(self) -> None:
        self.assertEqual(hv.decode_frame(b"\x00\x05\x83\x00\x00\x00\x09"), (hv.UserLeft(9), 7))

    def test_unknown_error_codes_are_carried_through(self) -> None:
        error = hv.Error(4000, "x")
        self.assertEqual(hv.decode_frame(hv.encode_frame(error))[0], error)  # type: ignore[index]


class Reassembly(unittest.TestCase):
    def test_frames_split_across_reads_come_out_whole(self) -> None:
        stream = b"".join(hv.encode_frame(f) for f in EVERY_FRAME)
        reader = hv.FrameReader()
        out = []
        for byte in stream:
            reader.feed(bytes([byte]))
            frame = reader.next_frame()
            if frame is not None:
                out.append(frame)
        self.assertEqual(out, EVERY_FRAME)
        self.assertEqual(reader.buffered(), 0)

    def test_several_frames_in_one_read_come_out_in_order(self) -> None:
        reader = hv.FrameReader()
        reader.feed(hv.encode_frame(hv.Pong(1)) + hv.encode_frame(hv.Pong(2)) + b"\x00")
        self.assertEqual(reader.next_frame(), hv.Pong(1))
        self.assertEqual(reader.next_frame(), hv.Pong(2))
        self.assertIsNone(reader.next_frame())
        self.assertEqual(reader.buffered(), 1)

    def test_an_error_poisons_the_stream(self) -> None:
        reader = hv.FrameReader()
        reader.feed(b"\x00\x00" + hv.encode_frame(hv.Pong(1)))
        for _ in range(2):
            with self.assertRaises(hv.CodecError) as caught:
                reader.next_frame()
            self.assertEqual(caught.exception.kind, "empty_frame")

    def test_reader_limit_applies_to_the_length_prefix(self) -> None:
        reader = hv.FrameReader(max_frame_len=8)
        reader.feed(b"\x00\x09")
        with self.assertRaises(hv.CodecError) as caught:
            reader.next_frame()
        self.assertEqual(caught.exception.kind, "frame_too_large")


class Datagrams(unittest.TestCase):
    def test_every_datagram_type_round_trips(self) -> None:
        for packet in EVERY_DATAGRAM:
            with self.subTest(packet=packet.NAME):
                data = hv.encode_datagram(packet)
                self.assertEqual(hv.decode_datagram(data), packet)
                self.assertEqual(hv.datagram_from_json(hv.datagram_to_json(packet)), packet)

    def test_voice_data_layout_is_type_user_sequence_payload(self) -> None:
        data = hv.encode_datagram(hv.VoiceData(1, 2, b"\xab"))
        self.assertEqual(data.hex(), "03" "00000001" "00000002" "ab")

    def test_voice_data_payload_may_be_empty(self) -> None:
        self.assertEqual(hv.decode_datagram(b"\x03" + bytes(8)), hv.VoiceData(0, 0))

    def test_longer_than_the_limit_is_oversize_whatever_it_holds(self) -> None:
        self.assertEqual(datagram_error(b"\xff" * 1201), "oversize")

    def test_empty_is_truncated(self) -> None:
        self.assertEqual(datagram_error(b""), "truncated")

    def test_unknown_type(self) -> None:
        self.assertEqual(datagram_error(b"\x05"), "unknown_type")

    def test_fixed_fields_cut_short_are_truncated(self) -> None:
        self.assertEqual(datagram_error(b"\x03" + bytes(7)), "truncated")
        self.assertEqual(datagram_error(b"\x01" + bytes(15)), "truncated")

    def test_bytes_after_the_last_field_of_fixed_types(self) -> None:
        for packet in (hv.VoiceAuthRequest(TOKEN), hv.VoiceAuthResponse(4, 0), hv.Keepalive(1)):
            with self.subTest(packet=packet.NAME):
                data = hv.encode_datagram(packet) + b"\x00"
                self.assertEqual(datagram_error(data), "trailing_bytes")

    def test_unknown_statuses_are_carried_through(self) -> None:
        response = hv.decode_datagram(b"\x02\x09\x00\x00\x00\x00")
        self.assertEqual(response, hv.VoiceAuthResponse(9, 0))
        self.assertEqual(response.status_name, "unknown(9)")  # type: ignore[union-attr]


class Tokens(unittest.TestCase):
    def test_matches_what_hark_token_prints(self) -> None:
        # `JWT_SECRET=s3cret hark token --user alice --ttl 60`, run at unix time 1795405908.
        self.assertEqual(
            hv.mint_token("s3cret", "alice", ttl_secs=60, now=1795405908),
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9"
            ".eyJzdWIiOiJhbGljZSIsImV4cCI6MTc5NTQwNTk2OCwiaWF0IjoxNzk1NDA1OTA4fQ"
            ".tM1TiZulnzOR28MBwI5kUhgM3_cE4JKNyA0brpE3oms",
        )

    def test_uses_only_the_jwt_alphabet(self) -> None:
        token = hv.mint_token(b"\x00\xff", "bob")
        self.assertRegex(token, r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$")


class Errors(unittest.TestCase):
    def test_server_error_carries_the_section_10_name(self) -> None:
        error = hv.Error(14, "join a voice channel first").to_exception()
        self.assertEqual((error.name, error.fatal), ("not_in_voice", False))
        self.assertIn("not_in_voice", str(error))

    def test_fatal_codes_are_marked_fatal(self) -> None:
        self.assertTrue(hv.ServerError(7, "username already logged in").fatal)

    def test_unknown_codes_are_named_by_number(self) -> None:
        self.assertEqual(hv.ServerError(300, "?").name, "unknown(300)")

    def test_auth_refusal_carries_the_status_name(self) -> None:
        self.assertEqual(hv.VoiceAuthError(2).name, "token_in_use")


class CodecVectors(unittest.TestCase):
    """vectors.md §6.1: decode `hex`, compare with `expect`, re-encode canonical ones."""

    MEMBERS = {"name", "description", "transport", "max_len", "hex", "expect", "canonical"}

    def vectors(self) -> list[dict]:
        files = sorted(VECTORS.glob("*.json"))
        if not files:
            self.skipTest(f"no voice codec vectors in {VECTORS}")
        out = []
        for path in files:
            out.extend(json.loads(path.read_text(encoding="utf-8"))["vectors"])
        return out

    def test_vector_names_are_unique(self) -> None:
        names = [v["name"] for v in self.vectors()]
        repeated = sorted({n for n in names if names.count(n) > 1})
        self.assertEqual(repeated, [], "vector names repeat across the codec files")

    def test_every_codec_vector(self) -> None:
        for vector in self.vectors():
            with self.subTest(vector=vector["name"]):
                self.assertLessEqual(set(vector), self.MEMBERS, "unknown members")
                data = bytes.fromhex(vector["hex"])
                if vector["transport"] == "tcp":
                    self.check_frame(vector, data)
                else:
                    self.assertEqual(vector["transport"], "udp")
                    self.check_datagram(vector, data)

    def check_frame(self, vector: dict, data: bytes) -> None:
        limit = vector.get("max_len", hv.MAX_FRAME_LEN)
        expect = vector["expect"]
        if "error" in expect:
            self.assertEqual(frame_error(data, limit), expect["error"])
            reader = hv.FrameReader(limit)
            reader.feed(data)
            with self.assertRaises(hv.CodecError) as caught:
                reader.next_frame()
            self.assertEqual(caught.exception.kind, expect["error"])
        elif "incomplete" in expect:
            self.assertEqual(expect, {"incomplete": True})
            self.assertIsNone(hv.decode_frame(data, limit))
        else:
            frame, used = hv.decode_frame(data, limit)  # type: ignore[misc]
            self.assertEqual(used, len(data), "consumes exactly all of hex")
            self.assertEqual(hv.frame_to_json(frame), expect["frame"])
            if vector.get("canonical", True):
                self.assertEqual(hv.encode_frame(frame).hex(), vector["hex"])
                self.assertEqual(hv.encode_frame(hv.frame_from_json(expect["frame"])), data)

    def check_datagram(self, vector: dict, data: bytes) -> None:
        limit = vector.get("max_len", hv.MAX_DATAGRAM_SIZE)
        expect = vector["expect"]
        if "error" in expect:
            self.assertEqual(datagram_error(data, limit), expect["error"])
        else:
            packet = hv.decode_datagram(data, limit)
            self.assertEqual(hv.datagram_to_json(packet), expect["packet"])
            if vector.get("canonical", True):
                self.assertEqual(hv.encode_datagram(packet).hex(), vector["hex"])
                self.assertEqual(hv.encode_datagram(hv.datagram_from_json(expect["packet"])), data)


class FakeServer:
    """A management listener and a UDP socket on loopback that answer as a script says."""

    def __init__(self) -> None:
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.conn: socket.socket | None = None

    def client(self) -> hv.VoiceClient:
        client = hv.VoiceClient(
            "127.0.0.1", self.tcp.getsockname()[1], self.udp.getsockname()[1], timeout=2.0
        )
        self.conn, _ = self.tcp.accept()
        return client

    def read_frame(self) -> hv.Frame:
        assert self.conn is not None
        reader = hv.FrameReader()
        while (frame := reader.next_frame()) is None:
            reader.feed(self.conn.recv(4096))
        return frame

    def send(self, *frames: hv.Frame) -> None:
        assert self.conn is not None
        self.conn.sendall(b"".join(hv.encode_frame(f) for f in frames))

    def close(self) -> None:
        for sock in (self.conn, self.tcp, self.udp):
            if sock is not None:
                sock.close()


class Client(unittest.TestCase):
    def setUp(self) -> None:
        self.server = FakeServer()
        self.addCleanup(self.server.close)
        self.client = self.server.client()
        self.addCleanup(self.client.close)

    def in_background(self, run: Callable[[], None]) -> threading.Thread:
        """Runs `run` on a thread, joined by the end of the test."""
        thread = threading.Thread(target=run)
        thread.start()
        self.addCleanup(thread.join)
        return thread

    def answer(self, *frames: hv.Frame) -> threading.Thread:
        """Reads one frame from the client, then sends `frames`, on a thread."""
        received: list[hv.Frame] = []

        def run() -> None:
            received.append(self.server.read_frame())
            self.server.send(*frames)

        thread = self.in_background(run)
        thread.received = received  # type: ignore[attr-defined]
        return thread

    def test_login_returns_id_token_and_participants_and_fills_presence(self) -> None:
        bob = hv.Participant(1, "bob", True, "main")
        thread = self.answer(hv.LoginResponse(2, TOKEN, (bob,)), hv.UserJoined(3, "carol"))
        login = self.client.login("alice", "t.o.k")
        thread.join()
        received = thread.received  # type: ignore[attr-defined]
        self.assertEqual(received, [hv.LoginRequest(username="alice", token="t.o.k")])
        self.assertEqual(login, hv.Login(2, TOKEN, (bob,)))
        self.client.wait_type(hv.UserJoined, user_id=3)
        self.assertEqual(set(self.client.presence), {1, 3})

    def test_error_frame_raises_server_error_with_its_name(self) -> None:
        self.answer(hv.Error(10, "channel not found"))
        with self.assertRaises(hv.ServerError) as caught:
            self.client.join_voice("nope")
        self.assertEqual(caught.exception.name, "channel_not_found")

    def test_frames_that_arrive_while_waiting_are_kept_in_order(self) -> None:
        thread = self.answer(hv.UserLeft(5), hv.UserLeft(6), hv.Pong(9))
        self.client.ping(nonce=9)
        thread.join()
        self.assertEqual(self.client.take_frames(), [hv.UserLeft(5), hv.UserLeft(6)])

    def test_waiting_past_the_deadline_raises_timeout(self) -> None:
        with self.assertRaises(hv.Timeout):
            self.client.wait_type(hv.Pong, timeout=0.05)

    def test_end_of_stream_raises_connection_closed(self) -> None:
        assert self.server.conn is not None
        self.server.conn.close()
        with self.assertRaises(hv.ConnectionClosed):
            self.client.wait_type(hv.Pong)

    def test_voice_auth_repeats_the_request_until_answered(self) -> None:
        self.client.voice_token = TOKEN

        def relay() -> None:
            for status in (None, 0):
                data, addr = self.server.udp.recvfrom(2048)
                self.assertEqual(hv.decode_datagram(data), hv.VoiceAuthRequest(TOKEN))
                if status is not None:
                    self.server.udp.sendto(hv.encode_datagram(hv.VoiceAuthResponse(0, 4)), addr)

        self.in_background(relay)
        self.assertEqual(self.client.voice_auth(retry_every=0.05), 4)

    def test_voice_auth_refusal_raises_with_the_status_name(self) -> None:
        self.client.voice_token = TOKEN

        def relay() -> None:
            _, addr = self.server.udp.recvfrom(2048)
            self.server.udp.sendto(hv.encode_datagram(hv.VoiceAuthResponse(1, 0)), addr)

        self.in_background(relay)
        with self.assertRaises(hv.VoiceAuthError) as caught:
            self.client.voice_auth()
        self.assertEqual(caught.exception.name, "unknown_token")


if __name__ == "__main__":
    unittest.main()

// The codec against audio.md §2–§6, one behaviour each, and a replay of every vector in
// conformance/vectors/audio/codec/*.json (vectors.md §2).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import jwt from 'jsonwebtoken';

import * as ha from '../hark_audio.mjs';

const VECTORS = new URL('../../../conformance/vectors/audio/codec/', import.meta.url);
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';

/** A 21-byte header written out by hand, as §2's table lays it. */
function header(type, { sequence = 0, user = 'alice', channel = 'main', timestamp = 0x5f3e1234 } = {}) {
  const buf = Buffer.alloc(21);
  buf[0] = type;
  buf.writeUInt32BE(sequence, 1);
  Buffer.from(user, 'latin1').copy(buf, 5, 0, 8);
  Buffer.from(channel, 'latin1').copy(buf, 13, 0, 4);
  buf.writeUInt32BE(timestamp, 17);
  return buf;
}

const bytes = (...parts) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
const lengthPrefixed = (text) => bytes([text.length >> 8, text.length & 0xff], Buffer.from(text, 'latin1'));
const hdr = { userId: 'alice', channelId: 'main', timestamp: 0x5f3e1234 };

function decodeError(data, maxPacketSize = ha.DEFAULT_MAX_PACKET_SIZE) {
  try {
    ha.decode(data, maxPacketSize);
  } catch (error) {
    assert.ok(error instanceof ha.CodecError, `${error}`);
    return error.kind;
  }
  assert.fail(`${data.toString('hex')} parsed`);
}

const EVERY_PACKET = [
  { type: 'handshake', sequence: 1, userId: 'alice', channelId: 'main', timestamp: 7, format: 'json', token: TOKEN, channelIdJson: 'main' },
  { type: 'handshake', sequence: 0, userId: 'alice', channelId: 'main', timestamp: 0, format: 'legacy', token: TOKEN },
  { type: 'audio', sequence: 0xffffffff, userId: 'bob', channelId: 'a', timestamp: 1, data: Buffer.from([0, 0xff]) },
  { type: 'audio', sequence: 0, userId: 'bob', channelId: 'a', timestamp: 0, data: Buffer.alloc(0) },
  { type: 'join_channel', sequence: 0, userId: 'u', channelId: 'c', timestamp: 0 },
  { type: 'leave_channel', sequence: 0, userId: 'u', channelId: 'c', timestamp: 0 },
  { type: 'set_mute', sequence: 0, userId: 'u', channelId: 'c', timestamp: 0, muted: true },
  { type: 'set_mute', sequence: 0, userId: 'u', channelId: 'c', timestamp: 0, muted: false },
  { type: 'heartbeat', sequence: 9, userId: '12345678', channelId: '1234', timestamp: 0xffffffff },
  { type: 'error', sequence: 0, userId: '', channelId: '', timestamp: 0, code: 1, action: 2, message: 'invalid token' },
  { type: 'error', sequence: 0, userId: '', channelId: '', timestamp: 0, code: 999, action: 77, message: 'from the future' },
  { type: 'ack', sequence: 0, userId: 'u', channelId: 'c', timestamp: 0, ackedType: 'join_channel', ackedSequence: 3 },
];

describe('header layout (§2)', () => {
  test('the header is 21 bytes: type, sequence, user id, channel id, timestamp', () => {
    const data = ha.encode({ type: 'heartbeat', sequence: 0x01020304, userId: 'user123', channelId: 'ch1', timestamp: 0x0a0b0c0d });
    assert.equal(data.toString('hex'), '06' + '01020304' + '7573657231323300' + '63683100' + '0a0b0c0d');
    assert.equal(data.length, ha.HEADER_LEN);
  });

  test('the timestamp is at offset 17', () => {
    const data = ha.encode({ type: 'join_channel', timestamp: 0xdeadbeef });
    assert.equal(data.subarray(17, 21).toString('hex'), 'deadbeef');
  });

  test('ids fill their fields exactly', () => {
    const data = ha.encode({ type: 'heartbeat', userId: 'abcdefgh', channelId: 'wxyz' });
    assert.equal(data.subarray(5, 13).toString(), 'abcdefgh');
    assert.equal(data.subarray(13, 17).toString(), 'wxyz');
  });

  test('empty ids are all NUL', () => {
    assert.deepEqual(ha.encode({ type: 'heartbeat' }).subarray(5, 17), Buffer.alloc(12));
  });

  test('the encoder refuses ids that do not fit §2.1', () => {
    for (const [userId, channelId] of [['123456789', 'c'], ['u', 'chan1'], ['a b', 'c'], ['é', 'c'], ['u', '\0']]) {
      assert.throws(() => ha.encode({ type: 'heartbeat', userId, channelId }), RangeError, `${userId} ${channelId}`);
    }
  });

  test('the encoder refuses numbers outside u32', () => {
    assert.throws(() => ha.encode({ type: 'heartbeat', sequence: 2 ** 32 }), RangeError);
    assert.throws(() => ha.encode({ type: 'heartbeat', timestamp: -1 }), RangeError);
  });
});

describe('payload layout (§3, §4)', () => {
  test('a JSON handshake is a length, then compact token and channel_id', () => {
    const packet = { type: 'handshake', ...hdr, format: 'json', token: 'a.b.c', channelIdJson: 'main' };
    assert.deepEqual(ha.encode(packet), bytes(header(1), lengthPrefixed('{"token":"a.b.c","channel_id":"main"}')));
  });

  test('a legacy handshake is a length, then the token itself', () => {
    const packet = { type: 'handshake', ...hdr, format: 'legacy', token: 'a.b.c' };
    assert.deepEqual(ha.encode(packet), bytes(header(1), [0, 5], 'a.b.c'));
  });

  test('audio is a length, then the bytes', () => {
    const packet = { type: 'audio', ...hdr, sequence: 2, data: Buffer.from([0xab, 0xcd, 0xef]) };
    assert.deepEqual(ha.encode(packet), bytes(header(2, { sequence: 2 }), [0, 3, 0xab, 0xcd, 0xef]));
  });

  test('set_mute is one byte', () => {
    assert.deepEqual(ha.encode({ type: 'set_mute', ...hdr, muted: true }), bytes(header(5), [1]));
    assert.deepEqual(ha.encode({ type: 'set_mute', ...hdr, muted: false }), bytes(header(5), [0]));
  });

  test('header-only types have no payload', () => {
    for (const type of ['join_channel', 'leave_channel', 'heartbeat']) {
      assert.deepEqual(ha.encode({ type, ...hdr }), header(ha.PACKET_TYPES[type]));
    }
  });

  test('an error is code, action, then a length-prefixed message', () => {
    const packet = { type: 'error', ...hdr, sequence: 4, code: 11, action: 4, message: 'skew' };
    assert.deepEqual(ha.encode(packet), bytes(header(7, { sequence: 4 }), [0, 11, 4, 0, 4], 'skew'));
  });

  test('an ack is the acknowledged type, then its sequence', () => {
    const packet = { type: 'ack', ...hdr, ackedType: 'heartbeat', ackedSequence: 0x01020304 };
    assert.deepEqual(ha.encode(packet), bytes(header(8), [6, 1, 2, 3, 4]));
  });

  test('every packet type round-trips', () => {
    for (const packet of EVERY_PACKET) {
      assert.deepEqual(ha.decode(ha.encode(packet)), packet);
    }
  });

  test('the encoder refuses a token outside the JWT alphabet', () => {
    for (const token of ['', 'a b', 'a+b', 'tök']) {
      assert.throws(() => ha.encode({ type: 'handshake', format: 'legacy', token }), RangeError, token);
    }
  });

  test('the encoder refuses audio over 65535 bytes', () => {
    assert.throws(() => ha.encode({ type: 'audio', data: Buffer.alloc(0x10000) }), RangeError);
  });

  test('the encoder refuses an ack of an unknown type', () => {
    assert.throws(() => ha.encode({ type: 'ack', ackedType: 'nine', ackedSequence: 0 }), RangeError);
  });
});

describe('parsing (§6)', () => {
  test('longer than max_packet_size is oversize, whatever it holds', () => {
    assert.equal(decodeError(Buffer.alloc(1025, 0xff)), 'oversize');
    assert.equal(decodeError(bytes(header(6), [0]), 21), 'oversize');
  });

  test('shorter than the header is truncated', () => {
    assert.equal(decodeError(header(6).subarray(0, 20)), 'truncated');
  });

  test('an unknown type byte', () => {
    for (const type of [0x00, 0x09, 0xff]) {
      assert.equal(decodeError(header(type)), 'unknown_type');
    }
  });

  test('id characters are printable ASCII without space', () => {
    for (const user of ['a b', '\x7f', '\x80', '\x1f']) {
      assert.equal(decodeError(header(6, { user })), 'non_ascii_id', JSON.stringify(user));
    }
  });

  test('a byte after the NUL padding is id_not_nul_padded', () => {
    assert.equal(decodeError(header(6, { user: 'ab\0c' })), 'id_not_nul_padded');
    assert.equal(decodeError(header(6, { channel: '\0\xff' })), 'id_not_nul_padded');
  });

  test('the user id is checked before the channel id', () => {
    assert.equal(decodeError(header(6, { user: 'a\0b', channel: ' ' })), 'id_not_nul_padded');
  });

  test('empty ids are valid', () => {
    const packet = ha.decode(header(6, { user: '', channel: '' }));
    assert.deepEqual([packet.userId, packet.channelId], ['', '']);
  });

  test('a length prefix cut short is truncated', () => {
    assert.equal(decodeError(bytes(header(2), [0])), 'truncated');
  });

  test('a length larger than what follows is length_mismatch', () => {
    assert.equal(decodeError(bytes(header(2), [0, 3], 'ab')), 'length_mismatch');
  });

  test('bytes after the last field are trailing_bytes', () => {
    for (const data of [bytes(header(2), [0, 1], 'ab'), bytes(header(3), [0]), bytes(header(5), [1, 0]), bytes(header(8), [6, 0, 0, 0, 1, 0])]) {
      assert.equal(decodeError(data), 'trailing_bytes', data.toString('hex'));
    }
  });

  test('a mute byte other than 0 or 1', () => {
    assert.equal(decodeError(bytes(header(5), [2])), 'invalid_mute_byte');
  });

  test('a missing mute byte is truncated', () => {
    assert.equal(decodeError(header(5)), 'truncated');
  });

  test('a handshake starting with a brace is JSON and must parse', () => {
    for (const credentials of ['{', '{"token":"a.b"}', '{"token":1,"channel_id":"m"}', '{\xff}', '{"token":"a","channel_id":NaN}']) {
      assert.equal(decodeError(bytes(header(1), lengthPrefixed(credentials))), 'malformed_handshake_json', credentials);
    }
  });

  test('a JSON handshake ignores other members, their order and spacing', () => {
    const credentials = '{ "channel_id" : "main", "v": [1, {"x": null}],\n "token": "a.b.c" }';
    const packet = ha.decode(bytes(header(1), lengthPrefixed(credentials)));
    assert.deepEqual([packet.format, packet.token, packet.channelIdJson], ['json', 'a.b.c', 'main']);
  });

  test('a token outside the JWT alphabet is invalid_token_encoding', () => {
    for (const credentials of ['', 'a b', '\xff', '{"token":"","channel_id":"m"}', '{"token":"a/b","channel_id":"m"}']) {
      assert.equal(decodeError(bytes(header(1), lengthPrefixed(credentials))), 'invalid_token_encoding', credentials);
    }
  });

  test('an error message must be UTF-8', () => {
    assert.equal(decodeError(bytes(header(7), [0, 1, 2, 0, 1, 0xff])), 'invalid_error_message');
  });

  test('error fixed fields cut short are truncated', () => {
    assert.equal(decodeError(bytes(header(7), [0, 1])), 'truncated');
    assert.equal(decodeError(bytes(header(7), [0, 1, 2, 0])), 'truncated');
  });

  test('unknown error codes and actions are carried through', () => {
    const packet = ha.decode(bytes(header(7), [0x0f, 0xa0, 9, 0, 0]));
    assert.deepEqual([packet.code, ha.errorName(packet.code), packet.action, ha.actionName(packet.action)], [4000, 'unknown(4000)', 9, 'unknown(9)']);
  });

  test('known codes have their §5 names', () => {
    const packet = ha.decode(bytes(header(7), [0, 8, 3, 0, 0]));
    assert.deepEqual([ha.errorName(packet.code), ha.actionName(packet.action)], ['not_authenticated', 'reconnect']);
  });

  test('an ack must name one of the eight types', () => {
    assert.equal(decodeError(bytes(header(8), [9, 0, 0, 0, 0])), 'invalid_acked_type');
    assert.equal(decodeError(bytes(header(8), [0, 0, 0, 0, 0])), 'invalid_acked_type');
  });

  test('an ack body cut short is truncated', () => {
    assert.equal(decodeError(bytes(header(8), [6, 0])), 'truncated');
  });
});

/** A packet as vectors.md §2.1 writes it. */
function packetToJson(packet) {
  const out = { type: packet.type, sequence: packet.sequence, user_id: packet.userId, channel_id: packet.channelId, timestamp: packet.timestamp };
  switch (packet.type) {
    case 'handshake':
      Object.assign(out, { format: packet.format, token: packet.token });
      if (packet.format === 'json') {
        out.channel_id_json = packet.channelIdJson;
      }
      break;
    case 'audio':
      out.data = packet.data.toString('hex');
      break;
    case 'set_mute':
      out.muted = packet.muted;
      break;
    case 'error':
      Object.assign(out, { code: packet.code, action: packet.action, message: packet.message });
      break;
    case 'ack':
      Object.assign(out, { acked_type: packet.ackedType, acked_sequence: packet.ackedSequence });
      break;
  }
  return out;
}

describe('codec vectors (vectors.md §2)', () => {
  const files = readdirSync(VECTORS).filter((f) => f.endsWith('.json')).sort();
  const vectors = files.flatMap((f) => JSON.parse(readFileSync(new URL(f, VECTORS), 'utf8')).vectors);

  test('the vector files are there', () => {
    assert.ok(vectors.length > 0, `no vectors in ${VECTORS}`);
  });

  for (const vector of vectors) {
    test(vector.name, () => {
      const data = Buffer.from(vector.hex, 'hex');
      const limit = vector.max_packet_size ?? ha.DEFAULT_MAX_PACKET_SIZE;
      if ('error' in vector.expect) {
        assert.equal(decodeError(data, limit), vector.expect.error);
        return;
      }
      const packet = ha.decode(data, limit);
      assert.deepEqual(packetToJson(packet), vector.expect.packet);
      if (vector.canonical ?? true) {
        assert.equal(ha.encode(packet).toString('hex'), vector.hex);
      }
    });
  }
});

describe('tokens (§4) from jsonwebtoken', () => {
  test('an HS256 token with sub and exp is in the JWT alphabet the handshake requires', () => {
    const token = jwt.sign({ sub: 'alice' }, 'a secret of at least thirty-two bytes', { algorithm: 'HS256', expiresIn: 60 });
    const packet = { type: 'handshake', ...hdr, format: 'json', token, channelIdJson: 'main' };
    assert.equal(ha.decode(ha.encode(packet)).token, token);
  });
});

// A Node client for hark's `audio` protocol (conformance/spec/audio.md), on node:dgram alone.
//
// Seed 000 ships a Node `AudioClient` that cannot work: it allocates a 16-byte header and writes
// the timestamp at offset 17. This module keeps that class's shape (sendHandshake, sendAudio,
// sendJoinChannel, sendLeaveChannel, sendSetMute, sendHeartbeat) on the real 21-byte header, and
// adds what the seed left out: receiving, parsed into typed packets, and the legacy handshake
// format beside the JSON one.
//
// Two layers, usable separately:
// - the codec: `encode(packet)` and `decode(datagram)`; a packet is a plain object whose `type`
//   is its §3 name (`handshake`, `audio`, …) with the §2 header fields (`sequence`, `userId`,
//   `channelId`, `timestamp`) and its own; every parse failure is a `CodecError` whose `kind` is
//   the §6 name for it, found in §6's order;
// - `AudioClient`: one UDP socket talking to one server as one user in one channel. The `send*`
//   methods send one datagram; `handshake`, `joinChannel`, `leaveChannel`, `setMute` and
//   `heartbeat` also wait for the server's Ack, and reject with a `ServerError` when an Error
//   answers instead.
//
// Tokens are HS256 JWTs with `sub` equal to the user id and an `exp` (§4): mint them with
// `jsonwebtoken` (`jwt.sign({ sub: userId }, secret, { algorithm: 'HS256', expiresIn: 3600 })`)
// or `hark token --user USER`.
//
// Every wait takes a timeout: nothing here sleeps to let the server catch up.

import dgram from 'node:dgram';
import net from 'node:net';
import { Buffer } from 'node:buffer';

/** type 1 + sequence 4 + user id 8 + channel id 4 + timestamp 4 (§2; the seed's "16" is wrong). */
export const HEADER_LEN = 21;
export const USER_ID_LEN = 8;
export const CHANNEL_ID_LEN = 4;
/** The server's default limit on a datagram (§1, §9). */
export const DEFAULT_MAX_PACKET_SIZE = 1024;
/** A client accepts any datagram UDP can carry: the server's `max_packet_size` may be raised. */
export const MAX_RECEIVED_DATAGRAM = 0xffff;
/** A u16 length field's largest value (§3). */
export const MAX_FIELD_LEN = 0xffff;
const U32_MASK = 0xffffffff;

/** Packet type bytes by §3 name. */
export const PACKET_TYPES = Object.freeze({
  handshake: 0x01,
  audio: 0x02,
  join_channel: 0x03,
  leave_channel: 0x04,
  set_mute: 0x05,
  heartbeat: 0x06,
  error: 0x07,
  ack: 0x08,
});
const TYPE_NAMES = new Map(Object.entries(PACKET_TYPES).map(([name, byte]) => [byte, name]));

/** Error codes (§5). */
export const ERROR_NAMES = Object.freeze({
  1: 'invalid_token',
  2: 'token_expired',
  3: 'channel_not_found',
  4: 'not_a_member',
  5: 'banned',
  6: 'handshake_timeout',
  7: 'session_expired',
  8: 'not_authenticated',
  9: 'malformed_packet',
  10: 'packet_too_large',
  11: 'clock_skew',
  12: 'channel_mismatch',
  13: 'channel_full',
  14: 'too_many_sessions',
  15: 'server_closing',
});

/** Suggested actions (§5). */
export const ACTION_NAMES = Object.freeze({
  0: 'none',
  1: 'retry_later',
  2: 'renew_token',
  3: 'reconnect',
  4: 'fix_client',
  5: 'contact_admin',
});

/** The §5 name of an error code; `unknown(<code>)` for one this client does not know. */
export function errorName(code) {
  return ERROR_NAMES[code] ?? `unknown(${code})`;
}

/** The §5 name of a suggested action; `unknown(<action>)` for one this client does not know. */
export function actionName(action) {
  return ACTION_NAMES[action] ?? `unknown(${action})`;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Bytes that do not parse. `kind` is the §6 name (`truncated`, `non_ascii_id`, …). */
export class CodecError extends Error {
  constructor(kind, detail = '') {
    super(detail ? `${kind}: ${detail}` : kind);
    this.name = 'CodecError';
    this.kind = kind;
  }
}

/**
 * The server answered with an Error packet (§5). `codeName` and `actionName` are the §5 names
 * (`unknown(<n>)` for numbers this client does not know: §3 carries them through); `packet` is
 * the Error itself, header included.
 */
export class ServerError extends Error {
  constructor(packet) {
    const code = errorName(packet.code);
    const action = actionName(packet.action);
    super(`server error ${code} (code ${packet.code}, action ${action}): ${JSON.stringify(packet.message)}`);
    this.name = 'ServerError';
    this.packet = packet;
    this.code = packet.code;
    this.codeName = code;
    this.action = packet.action;
    this.actionName = action;
    this.serverMessage = packet.message;
  }
}

/** What was waited for did not arrive before the deadline. */
export class Timeout extends Error {
  constructor(message) {
    super(message);
    this.name = 'Timeout';
  }
}

// ---------------------------------------------------------------------------------------------
// The codec (§2, §3, §4, §6)
// ---------------------------------------------------------------------------------------------

function isIdByte(byte) {
  return byte >= 0x21 && byte <= 0x7e;
}

const TOKEN_CHARS = /^[A-Za-z0-9._-]+$/;

/** §4: non-empty, only `A–Z a–z 0–9 - _ .` (the JWT alphabet). */
function isToken(token) {
  return typeof token === 'string' && TOKEN_CHARS.test(token);
}

function checkU32(value, what) {
  if (!Number.isInteger(value) || value < 0 || value > U32_MASK) {
    throw new RangeError(`${what} ${value} is not a u32`);
  }
}

/** Writes an id NUL-padded to its field (§2.1). */
function writeId(buf, offset, text, width, what) {
  const ok =
    typeof text === 'string' &&
    text.length <= width &&
    [...text].every((c) => isIdByte(c.charCodeAt(0)) && c.length === 1);
  if (!ok) {
    throw new RangeError(`${what} ${JSON.stringify(text)}: at most ${width} printable ASCII characters, no space`);
  }
  buf.write(text, offset, 'latin1');
}

/** §2.1: id characters, then NULs only; checked in that order. */
function readId(field, what) {
  const nul = field.indexOf(0);
  const text = nul === -1 ? field : field.subarray(0, nul);
  if (!text.every(isIdByte)) {
    throw new CodecError('non_ascii_id', `${what} ${field.toString('hex')}`);
  }
  if (nul !== -1 && !field.subarray(nul).every((b) => b === 0)) {
    throw new CodecError('id_not_nul_padded', `${what} ${field.toString('hex')}`);
  }
  return text.toString('latin1');
}

function lengthPrefixed(value) {
  if (value.length > MAX_FIELD_LEN) {
    throw new RangeError(`${value.length} bytes do not fit a u16 length`);
  }
  const len = Buffer.alloc(2);
  len.writeUInt16BE(value.length);
  return Buffer.concat([len, value]);
}

/** A u16 length and exactly that many bytes, which must end the datagram (§3, §6). */
function takeLengthPrefixed(payload) {
  if (payload.length < 2) {
    throw new CodecError('truncated', 'the length field is cut short');
  }
  const declared = payload.readUInt16BE(0);
  const value = payload.subarray(2);
  if (declared > value.length) {
    throw new CodecError('length_mismatch', `declares ${declared}, ${value.length} follow`);
  }
  end(value.subarray(declared));
  return value.subarray(0, declared);
}

function end(rest) {
  if (rest.length > 0) {
    throw new CodecError('trailing_bytes', `${rest.length} after the last field`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * §4 JSON credentials: an object with string members `token` and `channel_id`; other members are
 * ignored. (JSON.parse keeps the last of a repeated member where the server refuses it; this
 * client only ever decodes handshakes in tests.)
 */
function parseJsonCredentials(credentials) {
  let obj;
  try {
    obj = JSON.parse(utf8.decode(credentials));
  } catch (e) {
    throw new CodecError('malformed_handshake_json', e.message);
  }
  if (typeof obj?.token !== 'string' || typeof obj?.channel_id !== 'string') {
    throw new CodecError('malformed_handshake_json', 'needs string members token and channel_id');
  }
  return obj;
}

function encodePayload(packet) {
  switch (packet.type) {
    case 'handshake': {
      if (!isToken(packet.token)) {
        throw new RangeError('token: non-empty, JWT alphabet only (A-Z a-z 0-9 - _ .)');
      }
      if (packet.format === 'legacy') {
        return lengthPrefixed(Buffer.from(packet.token, 'latin1'));
      }
      if (packet.format !== 'json' || typeof packet.channelIdJson !== 'string') {
        throw new TypeError('a handshake is format "legacy", or "json" with a channelIdJson');
      }
      // §4: `{"token":"<token>","channel_id":"<id>"}`, no spaces, as the server writes it.
      const json = `{"token":"${packet.token}","channel_id":${JSON.stringify(packet.channelIdJson)}}`;
      return lengthPrefixed(Buffer.from(json, 'utf8'));
    }
    case 'audio':
      return lengthPrefixed(Buffer.from(packet.data ?? []));
    case 'join_channel':
    case 'leave_channel':
    case 'heartbeat':
      return Buffer.alloc(0);
    case 'set_mute':
      if (typeof packet.muted !== 'boolean') {
        throw new TypeError(`muted must be a boolean, not ${packet.muted}`);
      }
      return Buffer.from([packet.muted ? 1 : 0]);
    case 'error': {
      const fixed = Buffer.alloc(3);
      fixed.writeUInt16BE(packet.code);
      fixed.writeUInt8(packet.action, 2);
      return Buffer.concat([fixed, lengthPrefixed(Buffer.from(packet.message ?? '', 'utf8'))]);
    }
    case 'ack': {
      const acked = PACKET_TYPES[packet.ackedType];
      if (acked === undefined) {
        throw new RangeError(`ackedType ${packet.ackedType} is not a packet type`);
      }
      checkU32(packet.ackedSequence, 'ackedSequence');
      const body = Buffer.alloc(5);
      body.writeUInt8(acked);
      body.writeUInt32BE(packet.ackedSequence, 1);
      return body;
    }
    default:
      throw new TypeError(`unknown packet type ${packet.type}`);
  }
}

/**
 * The datagram for `packet`. Throws RangeError or TypeError for a field that does not fit (§2.1
 * ids, u32 numbers, a payload over 65535 bytes, a token outside the JWT alphabet).
 */
export function encode(packet) {
  const typeByte = PACKET_TYPES[packet.type];
  if (typeByte === undefined) {
    throw new TypeError(`unknown packet type ${packet.type}`);
  }
  const header = Buffer.alloc(HEADER_LEN);
  const sequence = packet.sequence ?? 0;
  const timestamp = packet.timestamp ?? 0;
  checkU32(sequence, 'sequence');
  checkU32(timestamp, 'timestamp');
  header.writeUInt8(typeByte, 0);
  header.writeUInt32BE(sequence, 1);
  writeId(header, 5, packet.userId ?? '', USER_ID_LEN, 'user id');
  writeId(header, 13, packet.channelId ?? '', CHANNEL_ID_LEN, 'channel id');
  header.writeUInt32BE(timestamp, 17);
  return Buffer.concat([header, encodePayload(packet)]);
}

function decodePayload(packet, payload) {
  switch (packet.type) {
    case 'handshake': {
      const credentials = takeLengthPrefixed(payload);
      if (credentials[0] === 0x7b /* { */) {
        const obj = parseJsonCredentials(credentials);
        if (!isToken(obj.token)) {
          throw new CodecError('invalid_token_encoding', 'token outside the JWT alphabet');
        }
        return { ...packet, format: 'json', token: obj.token, channelIdJson: obj.channel_id };
      }
      const token = credentials.toString('latin1');
      if (!isToken(token)) {
        throw new CodecError('invalid_token_encoding', 'token outside the JWT alphabet');
      }
      return { ...packet, format: 'legacy', token };
    }
    case 'audio':
      return { ...packet, data: Buffer.from(takeLengthPrefixed(payload)) };
    case 'join_channel':
    case 'leave_channel':
    case 'heartbeat':
      end(payload);
      return packet;
    case 'set_mute': {
      if (payload.length < 1) {
        throw new CodecError('truncated', `needs ${HEADER_LEN + 1} bytes`);
      }
      if (payload[0] > 1) {
        throw new CodecError('invalid_mute_byte', `0x${payload[0].toString(16)}`);
      }
      end(payload.subarray(1));
      return { ...packet, muted: payload[0] === 1 };
    }
    case 'error': {
      if (payload.length < 3) {
        throw new CodecError('truncated', `needs ${HEADER_LEN + 5} bytes`);
      }
      const raw = takeLengthPrefixed(payload.subarray(3));
      let message;
      try {
        message = utf8.decode(raw);
      } catch {
        throw new CodecError('invalid_error_message', 'not UTF-8');
      }
      return { ...packet, code: payload.readUInt16BE(0), action: payload[2], message };
    }
    case 'ack': {
      if (payload.length < 5) {
        throw new CodecError('truncated', `needs ${HEADER_LEN + 5} bytes`);
      }
      const ackedType = TYPE_NAMES.get(payload[0]);
      if (ackedType === undefined) {
        throw new CodecError('invalid_acked_type', `0x${payload[0].toString(16)}`);
      }
      end(payload.subarray(5));
      return { ...packet, ackedType, ackedSequence: payload.readUInt32BE(1) };
    }
    default:
      throw new TypeError(`unknown packet type ${packet.type}`);
  }
}

/** The packet in one datagram, checked in §6's order; the first failure is a CodecError. */
export function decode(data, maxPacketSize = DEFAULT_MAX_PACKET_SIZE) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (buf.length > maxPacketSize) {
    throw new CodecError('oversize', `${buf.length} bytes, the limit is ${maxPacketSize}`);
  }
  if (buf.length < HEADER_LEN) {
    throw new CodecError('truncated', `needs ${HEADER_LEN} bytes, has ${buf.length}`);
  }
  const type = TYPE_NAMES.get(buf[0]);
  if (type === undefined) {
    throw new CodecError('unknown_type', `0x${buf[0].toString(16)}`);
  }
  const packet = {
    type,
    sequence: buf.readUInt32BE(1),
    userId: readId(buf.subarray(5, 13), 'user id'),
    channelId: readId(buf.subarray(13, 17), 'channel id'),
    timestamp: buf.readUInt32BE(17),
  };
  return decodePayload(packet, buf.subarray(HEADER_LEN));
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

/**
 * One user in one channel of an `audio` server, over one UDP socket.
 *
 * The seed's shape: `sendHandshake`, `sendAudio`, `sendJoinChannel`, `sendLeaveChannel`,
 * `sendSetMute` and `sendHeartbeat` send one datagram and resolve to its bytes once it is handed
 * to the system. `sendAudio` numbers audio 1, 2, 3… (§7.4's replay window applies to audio
 * only). Control packets carry their own counter, 1, 2, 3…, instead of the seed's constant 0:
 * the server copies it into the Ack or Error that answers (§7.5), which tells which request that
 * was.
 *
 * Receiving: `recv` resolves to the next datagram, parsed; `wait` to the first packet, already
 * kept or still to come, that a test accepts, keeping the others in `this.received` in order (an
 * Error it does not accept rejects as a ServerError). `handshake`, `joinChannel`, `leaveChannel`,
 * `setMute` and `heartbeat` send, then wait for their Ack. A heartbeat is also a barrier: what
 * the server sent this client before answering it is in `this.received` once it resolves.
 *
 * Datagrams from any address but the server's are ignored. `clock` gives the header timestamp
 * in unix seconds (§10.10: the server checks it on every packet). Call `close()` when done.
 */
export class AudioClient {
  constructor(serverAddr, jwtToken, userId, channelId, { timeout = 5000, clock = () => Date.now() / 1000 } = {}) {
    writeId(Buffer.alloc(USER_ID_LEN), 0, userId, USER_ID_LEN, 'user id');
    writeId(Buffer.alloc(CHANNEL_ID_LEN), 0, channelId, CHANNEL_ID_LEN, 'channel id');
    this.serverAddr = serverAddr;
    this.jwtToken = jwtToken;
    this.userId = userId;
    this.channelId = channelId;
    this.timeout = timeout;
    this.clock = clock;
    this.sequence = 0;
    this.controlSequence = 0;
    /** Packets that arrived while waiting for something else, in order. */
    this.received = [];
    this._inbox = [];
    this._wakers = new Set();
    this.socket = dgram.createSocket(net.isIPv6(serverAddr.address) ? 'udp6' : 'udp4');
    this.socket.on('message', (data, rinfo) => this._onMessage(data, rinfo));
    this.socket.on('error', (error) => this._deliver({ error }));
  }

  toString() {
    return `AudioClient(${this.userId} in ${this.channelId})`;
  }

  /** Closes the socket. */
  close() {
    this.socket.close();
  }

  // -- sending (the seed's methods) -----------------------------------------------------------

  /** Sends the credentials (§4): JSON `{"token","channel_id"}`, or with `legacy` the bare token. */
  sendHandshake({ legacy = false } = {}) {
    const credentials = legacy
      ? { format: 'legacy', token: this.jwtToken }
      : { format: 'json', token: this.jwtToken, channelIdJson: this.channelId };
    return this.sendPacket({ type: 'handshake', ...this._header(this._nextControl()), ...credentials });
  }

  /** Sends audio under the next sequence number (§7.3: never acknowledged). */
  sendAudio(audioData) {
    this.sequence = (this.sequence + 1) >>> 0;
    return this.sendPacket({ type: 'audio', ...this._header(this.sequence), data: Buffer.from(audioData) });
  }

  sendJoinChannel() {
    return this.sendPacket({ type: 'join_channel', ...this._header(this._nextControl()) });
  }

  sendLeaveChannel() {
    return this.sendPacket({ type: 'leave_channel', ...this._header(this._nextControl()) });
  }

  sendSetMute(muted) {
    return this.sendPacket({ type: 'set_mute', ...this._header(this._nextControl()), muted });
  }

  sendHeartbeat() {
    return this.sendPacket({ type: 'heartbeat', ...this._header(this._nextControl()) });
  }

  /** Sends any packet as it is, header included; resolves to the datagram. */
  sendPacket(packet) {
    return this.sendBytes(encode(packet));
  }

  /** Sends one raw datagram; resolves to it once the system has it. */
  sendBytes(data) {
    return new Promise((resolve, reject) => {
      this.socket.send(data, this.serverAddr.port, this.serverAddr.address, (error) =>
        error ? reject(error) : resolve(data),
      );
    });
  }

  _header(sequence) {
    return {
      sequence,
      userId: this.userId,
      channelId: this.channelId,
      timestamp: Math.floor(this.clock()) >>> 0,
    };
  }

  _nextControl() {
    this.controlSequence = (this.controlSequence + 1) >>> 0;
    return this.controlSequence;
  }

  // -- receiving ------------------------------------------------------------------------------

  _onMessage(data, rinfo) {
    const { address, port } = this.serverAddr;
    if (rinfo.port !== port || (net.isIP(address) && rinfo.address !== address)) {
      return;
    }
    try {
      this._deliver({ packet: decode(data, MAX_RECEIVED_DATAGRAM) });
    } catch (error) {
      this._deliver({ error });
    }
  }

  _deliver(item) {
    this._inbox.push(item);
    for (const wake of this._wakers) {
      wake();
    }
  }

  /** The next received item before `deadline` (ms since the epoch), else a Timeout. */
  async _read(deadline) {
    while (this._inbox.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Timeout(`${this.userId}: nothing received`);
      }
      await new Promise((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this._wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this._wakers.add(wake);
      });
    }
    const { packet, error } = this._inbox.shift();
    if (error) {
      throw error;
    }
    return packet;
  }

  /** The next datagram from the server, parsed; rejects with a CodecError if it does not parse. */
  recv({ timeout = this.timeout } = {}) {
    return this._read(Date.now() + timeout);
  }

  /** The first packet, kept or still to come, that `match` accepts (see the class). */
  async wait(match, { timeout = this.timeout, what = 'matching packet' } = {}) {
    const kept = this.received.findIndex(match);
    if (kept !== -1) {
      return this.received.splice(kept, 1)[0];
    }
    const deadline = Date.now() + timeout;
    for (;;) {
      let packet;
      try {
        packet = await this._read(deadline);
      } catch (error) {
        if (error instanceof Timeout) {
          const meanwhile = this.received.slice(-5).map((p) => JSON.stringify(p));
          throw new Timeout(
            `${this.userId}: no ${what} within ${timeout} ms` +
              (meanwhile.length ? `; kept meanwhile: ${meanwhile.join(', ')}` : ''),
          );
        }
        throw error;
      }
      if (match(packet)) {
        return packet;
      }
      if (packet.type === 'error') {
        throw new ServerError(packet);
      }
      this.received.push(packet);
    }
  }

  /** The Ack of the `ackedType` packet numbered `ackedSequence`; an Error rejects. */
  waitAck(ackedType, ackedSequence, { timeout = this.timeout } = {}) {
    return this.wait(
      (p) => p.type === 'ack' && p.ackedType === ackedType && p.ackedSequence === ackedSequence,
      { timeout, what: `Ack(${ackedType}, ${ackedSequence})` },
    );
  }

  /** Removes and returns the kept packets (only those of `type`, if given). */
  take(type) {
    const taken = this.received.filter((p) => type === undefined || p.type === type);
    this.received = this.received.filter((p) => !(type === undefined || p.type === type));
    return taken;
  }

  /** The next Audio whose fields equal `fields` (e.g. `{ userId: 'bob' }`). */
  recvAudio(fields = {}, { timeout = this.timeout } = {}) {
    const match = (p) => p.type === 'audio' && Object.entries(fields).every(([k, v]) => p[k] === v);
    return this.wait(match, { timeout, what: `audio ${JSON.stringify(fields)}` });
  }

  // -- requests that wait for their answer ----------------------------------------------------

  /** Authenticates (§7.2) and resolves to the Ack; an Error rejects with a ServerError. */
  async handshake({ legacy = false, timeout = this.timeout } = {}) {
    await this.sendHandshake({ legacy });
    return this.waitAck('handshake', this.controlSequence, { timeout });
  }

  /** Becomes an active member, who sends and receives audio (§7.3). */
  async joinChannel({ timeout = this.timeout } = {}) {
    await this.sendJoinChannel();
    return this.waitAck('join_channel', this.controlSequence, { timeout });
  }

  /** Stops being an active member; the session stays (§7.3). */
  async leaveChannel({ timeout = this.timeout } = {}) {
    await this.sendLeaveChannel();
    return this.waitAck('leave_channel', this.controlSequence, { timeout });
  }

  /** Sets this user's mute state in the channel (§7.3). */
  async setMute(muted, { timeout = this.timeout } = {}) {
    await this.sendSetMute(muted);
    return this.waitAck('set_mute', this.controlSequence, { timeout });
  }

  /**
   * Keeps the session alive (§8) and waits for the Ack; resolves to the round trip in ms. A
   * long-lived client calls it every 10 s or so (`session_timeout` is 30 s).
   */
  async heartbeat({ timeout = this.timeout } = {}) {
    const start = Date.now();
    await this.sendHeartbeat();
    await this.waitAck('heartbeat', this.controlSequence, { timeout });
    return Date.now() - start;
  }
}

// AudioClient against a live server named by the environment (run_audio_live.sh sets it):
//
//   HARK_AUDIO_ADDR=127.0.0.1:8080   the server's `audio` socket
//   HARK_JWT_SECRET=...              its jwt_secret (tokens are minted with jsonwebtoken)
//   HARK_AUDIO_CHANNEL=main          an open channel (default `main`)
//
// Skipped without HARK_AUDIO_ADDR. Every test uses user ids of its own, so that the suite can
// run again, or beside the Python one, on the same server (a user's sessions and mute state
// outlive a test, audio.md §7.1 and §8).

import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import jwt from 'jsonwebtoken';

import * as ha from '../hark_audio.mjs';

const ADDR = process.env.HARK_AUDIO_ADDR;
const SECRET = process.env.HARK_JWT_SECRET ?? '';
const CHANNEL = process.env.HARK_AUDIO_CHANNEL ?? 'main';
const UNKNOWN_CHANNEL = 'zz~9';

const server = ADDR && {
  address: ADDR.slice(0, ADDR.lastIndexOf(':')).replace(/^\[|\]$/g, ''),
  port: Number(ADDR.slice(ADDR.lastIndexOf(':') + 1)),
};

const RUN = (Date.now() % 36 ** 3).toString(36).padStart(3, '0');
let userNumber = 0;

/** A user id no earlier run or test used: `j` + this run's tag + a counter (≤ 8 chars). */
function freshUser() {
  userNumber += 1;
  return `j${RUN}${String(userNumber).padStart(4, '0')}`;
}

/** An HS256 token for `userId` (§4): `sub` and `exp`, as jsonwebtoken writes them. */
function token(userId, { secret = SECRET, expiresIn = 300 } = {}) {
  return jwt.sign({ sub: userId }, secret, { algorithm: 'HS256', expiresIn });
}

const nowSecs = () => Math.floor(Date.now() / 1000);

describe('against a live server', { skip: !ADDR && 'HARK_AUDIO_ADDR is not set: no live server' }, () => {
  let clients = [];

  afterEach(() => {
    for (const c of clients) {
      c.close();
    }
    clients = [];
  });

  function client({ userId = freshUser(), jwtToken = token(userId), channel = CHANNEL, clock } = {}) {
    const c = new ha.AudioClient(server, jwtToken, userId, channel, { timeout: 3000, ...(clock && { clock }) });
    clients.push(c);
    return c;
  }

  /** A client that has handshaken and joined the channel. */
  async function member() {
    const c = client();
    await c.handshake();
    await c.joinChannel();
    return c;
  }

  /** Sends with `send()` and resolves to the Error that answers it. */
  async function refusal(c, send) {
    await send();
    const packet = await c.recv();
    assert.equal(packet.type, 'error', `expected an Error, got ${JSON.stringify(packet)}`);
    return packet;
  }

  /**
   * Barriers, not sleeps: the sender's heartbeat Ack shows the server has handled what it sent
   * before; each receiver's Ack then comes after anything relayed to it.
   */
  async function assertNothingRelayed(sender, ...receivers) {
    await sender.heartbeat();
    for (const receiver of receivers) {
      await receiver.heartbeat();
      assert.deepEqual(receiver.take('audio'), [], `${receiver.userId} received audio`);
    }
  }

  // -- handshake ------------------------------------------------------------------------------

  test('a JSON handshake is acknowledged with its header', async () => {
    const c = client();
    await c.sendHandshake();
    const ack = await c.recv();
    assert.equal(ack.type, 'ack');
    assert.deepEqual([ack.ackedType, ack.ackedSequence], ['handshake', 1]);
    assert.deepEqual([ack.sequence, ack.userId, ack.channelId], [1, c.userId, CHANNEL]);
    assert.ok(Math.abs(ack.timestamp - nowSecs()) <= 30, `timestamp ${ack.timestamp}`);
  });

  test('a legacy handshake is acknowledged', async () => {
    const ack = await client().handshake({ legacy: true });
    assert.equal(ack.ackedType, 'handshake');
  });

  test('a token signed with another secret is refused: invalid_token', async () => {
    const userId = freshUser();
    const c = client({ userId, jwtToken: token(userId, { secret: `${SECRET}x` }) });
    const error = await refusal(c, () => c.sendHandshake());
    assert.deepEqual([ha.errorName(error.code), ha.actionName(error.action), error.message], ['invalid_token', 'renew_token', 'invalid token']);
    assert.deepEqual([error.sequence, error.userId, error.channelId], [1, userId, CHANNEL]);
  });

  test('a legacy handshake with a token for another user is refused: invalid_token', async () => {
    const c = client({ jwtToken: token('someone') });
    const error = await refusal(c, () => c.sendHandshake({ legacy: true }));
    assert.equal(ha.errorName(error.code), 'invalid_token');
  });

  test('an expired token is refused: token_expired', async () => {
    const userId = freshUser();
    const c = client({ userId, jwtToken: token(userId, { expiresIn: -60 }) });
    const error = await refusal(c, () => c.sendHandshake());
    assert.deepEqual([ha.errorName(error.code), ha.actionName(error.action)], ['token_expired', 'renew_token']);
  });

  test('an unknown channel is refused: channel_not_found', async () => {
    const c = client({ channel: UNKNOWN_CHANNEL });
    const error = await refusal(c, () => c.sendHandshake());
    assert.deepEqual([ha.errorName(error.code), ha.actionName(error.action), error.message], ['channel_not_found', 'contact_admin', 'channel not found']);
  });

  test('a JSON channel_id other than the header channel is channel_mismatch', async () => {
    const c = client();
    const packet = { type: 'handshake', userId: c.userId, channelId: CHANNEL, timestamp: nowSecs(), format: 'json', token: c.jwtToken, channelIdJson: UNKNOWN_CHANNEL };
    const error = await refusal(c, () => c.sendPacket(packet));
    assert.deepEqual([ha.errorName(error.code), ha.actionName(error.action)], ['channel_mismatch', 'fix_client']);
  });

  test('a timestamp far from the server clock is clock_skew', async () => {
    const c = client({ clock: () => Date.now() / 1000 - 3600 });
    const error = await refusal(c, () => c.sendHandshake());
    assert.deepEqual([ha.errorName(error.code), ha.actionName(error.action)], ['clock_skew', 'fix_client']);
  });

  test('audio without a session is not_authenticated, in no more bytes than were sent', async () => {
    const c = client();
    const sent = await c.sendAudio(Buffer.from('0123456789'));
    const error = await c.recv();
    assert.equal(ha.errorName(error.code), 'not_authenticated');
    assert.ok(ha.encode(error).length <= sent.length, '§7.5: no amplification');
    assert.ok('not authenticated: send a handshake'.startsWith(error.message), error.message);
  });

  test('a malformed datagram from a session is malformed_packet, with the session ids', async () => {
    const c = client();
    await c.handshake();
    const heartbeat = ha.encode({ type: 'heartbeat', userId: c.userId, channelId: CHANNEL, timestamp: nowSecs() });
    const error = await refusal(c, () => c.sendBytes(Buffer.concat([heartbeat, Buffer.from('x')])));
    assert.deepEqual([ha.errorName(error.code), ha.actionName(error.action), error.message], ['malformed_packet', 'fix_client', 'malformed packet']);
    assert.deepEqual([error.userId, error.channelId], [c.userId, CHANNEL], "§7.5: a packet that did not parse is answered with the session's ids");
  });

  test('a datagram over max_packet_size from a session is packet_too_large', async () => {
    const c = client();
    await c.handshake();
    const error = await refusal(c, () => c.sendBytes(Buffer.alloc(1025, 2)));
    assert.deepEqual([ha.errorName(error.code), ha.actionName(error.action)], ['packet_too_large', 'fix_client']);
  });

  test('a session packet for another channel is channel_mismatch', async () => {
    const c = client();
    await c.handshake();
    const packet = { type: 'heartbeat', sequence: 77, userId: c.userId, channelId: UNKNOWN_CHANNEL, timestamp: nowSecs() };
    const error = await refusal(c, () => c.sendPacket(packet));
    assert.deepEqual([ha.errorName(error.code), error.sequence, error.channelId], ['channel_mismatch', 77, UNKNOWN_CHANNEL]);
  });

  // -- channel membership and relaying --------------------------------------------------------

  test('join is acknowledged, and again when repeated', async () => {
    const c = client();
    await c.handshake();
    for (let i = 0; i < 2; i++) {
      const ack = await c.joinChannel();
      assert.deepEqual([ack.ackedType, ack.ackedSequence], ['join_channel', c.controlSequence]);
    }
  });

  test('audio reaches the other members with every header field intact', async () => {
    const [alice, bob, carol] = [await member(), await member(), await member()];
    const data = Buffer.from(Array.from({ length: 160 }, (_, i) => i));
    const sent = await alice.sendAudio(data);
    for (const receiver of [bob, carol]) {
      const audio = await receiver.recvAudio({ userId: alice.userId });
      assert.deepEqual(ha.encode(audio), sent, 'relayed byte for byte');
      assert.deepEqual([audio.sequence, audio.userId, audio.channelId, audio.data], [1, alice.userId, CHANNEL, data]);
      assert.equal(audio.timestamp, ha.decode(sent).timestamp);
    }
    await assertNothingRelayed(alice, alice);
  });

  test('audio flows both ways, in sequence', async () => {
    const [alice, bob] = [await member(), await member()];
    for (let n = 1; n <= 3; n++) {
      await alice.sendAudio(Buffer.from(`a${n}`));
      await bob.sendAudio(Buffer.from(`b${n}`));
    }
    const toBob = [];
    const toAlice = [];
    for (let n = 1; n <= 3; n++) {
      toBob.push((await bob.recvAudio()).sequence);
      toAlice.push((await alice.recvAudio()).data.toString());
    }
    assert.deepEqual(toBob, [1, 2, 3]);
    assert.deepEqual(toAlice, ['b1', 'b2', 'b3']);
  });

  test('audio before join is not relayed', async () => {
    const bob = await member();
    const alice = client();
    await alice.handshake();
    await alice.sendAudio(Buffer.from('early'));
    await assertNothingRelayed(alice, bob);
  });

  test('mute is relayed unchanged and stops audio until unmuted', async () => {
    const [alice, bob] = [await member(), await member()];
    const sent = await alice.sendSetMute(true);
    await alice.waitAck('set_mute', alice.controlSequence);
    const relayed = await bob.wait((p) => p.type === 'set_mute', { what: 'SetMute' });
    assert.deepEqual(ha.encode(relayed), sent, '§7.3: the SetMute datagram, unchanged');
    assert.deepEqual([relayed.userId, relayed.muted], [alice.userId, true]);
    await alice.sendAudio(Buffer.from('muted'));
    await assertNothingRelayed(alice, bob);
    await alice.setMute(false);
    await alice.sendAudio(Buffer.from('unmuted'));
    assert.equal((await bob.recvAudio({ userId: alice.userId })).data.toString(), 'unmuted');
  });

  test('a replayed audio datagram is relayed once', async () => {
    const [alice, bob] = [await member(), await member()];
    const sent = await alice.sendAudio(Buffer.from('once'));
    await alice.sendBytes(sent);
    assert.equal((await bob.recvAudio({ userId: alice.userId })).data.toString(), 'once');
    await assertNothingRelayed(alice, bob);
  });

  test('a second handshake renews the session and keeps membership', async () => {
    const [alice, bob] = [await member(), await member()];
    assert.equal((await alice.handshake({ legacy: true })).ackedType, 'handshake');
    await alice.sendAudio(Buffer.from('after renewal'));
    assert.equal((await bob.recvAudio({ userId: alice.userId })).data.toString(), 'after renewal');
  });

  test('a muted listener still hears', async () => {
    const [alice, bob] = [await member(), await member()];
    await bob.setMute(true);
    await alice.sendAudio(Buffer.from('hello'));
    assert.equal((await bob.recvAudio({ userId: alice.userId })).data.toString(), 'hello');
  });

  test('leave is acknowledged and ends relaying both ways', async () => {
    const [alice, bob] = [await member(), await member()];
    assert.equal((await alice.leaveChannel()).ackedType, 'leave_channel');
    await bob.sendAudio(Buffer.from('to nobody'));
    await assertNothingRelayed(bob, alice);
    await alice.sendAudio(Buffer.from('from outside'));
    await assertNothingRelayed(alice, bob);
  });

  test('leave when not joined is acknowledged', async () => {
    const c = client();
    await c.handshake();
    assert.equal((await c.leaveChannel()).ackedType, 'leave_channel');
  });

  test('a heartbeat is answered with an ack of its sequence', async () => {
    const c = client();
    await c.handshake();
    await c.sendHeartbeat();
    await c.sendHeartbeat();
    const acks = [await c.recv(), await c.recv()];
    assert.deepEqual(acks.map((a) => [a.type, a.ackedType, a.ackedSequence]), [['ack', 'heartbeat', 2], ['ack', 'heartbeat', 3]]);
  });
});

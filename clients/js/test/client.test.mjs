// AudioClient against a scripted UDP peer on loopback: what the seed's methods send, and how
// answers are waited for.

import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { Buffer } from 'node:buffer';

import * as ha from '../hark_audio.mjs';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';

/** A UDP socket on loopback that records what the client sends and answers as told. */
class ScriptedServer {
  async start() {
    this.socket = dgram.createSocket('udp4');
    this.queue = [];
    this.waiting = [];
    this.socket.on('message', (data, rinfo) => {
      this.peer = rinfo;
      const next = this.waiting.shift();
      if (next) {
        next(data);
      } else {
        this.queue.push(data);
      }
    });
    this.socket.bind(0, '127.0.0.1');
    await once(this.socket, 'listening');
    return this;
  }

  address() {
    return { address: '127.0.0.1', port: this.socket.address().port };
  }

  /** The next datagram from the client, raw. */
  receiveBytes() {
    if (this.queue.length) {
      return Promise.resolve(this.queue.shift());
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async receive() {
    return ha.decode(await this.receiveBytes());
  }

  sendBytes(data) {
    return new Promise((resolve) => this.socket.send(data, this.peer.port, this.peer.address, resolve));
  }

  async send(...packets) {
    for (const packet of packets) {
      await this.sendBytes(ha.encode(packet));
    }
  }

  close() {
    this.socket.close();
  }
}

describe('AudioClient', () => {
  let server;
  let client;

  beforeEach(async () => {
    server = await new ScriptedServer().start();
    client = new ha.AudioClient(server.address(), TOKEN, 'alice', 'main', { timeout: 2000, clock: () => 1_700_000_000.9 });
  });

  afterEach(() => {
    client.close();
    server.close();
  });

  /** Receives one packet, then answers with `make(packet)`. */
  async function answerWith(make) {
    const packet = await server.receive();
    await server.send(...make(packet));
  }

  test("the seed's methods send each packet type with the client's header", async () => {
    await client.sendHandshake();
    await client.sendHandshake({ legacy: true });
    await client.sendJoinChannel();
    await client.sendAudio(Buffer.from('pcm'));
    await client.sendSetMute(true);
    await client.sendHeartbeat();
    await client.sendLeaveChannel();
    const sent = [];
    for (let i = 0; i < 7; i++) {
      sent.push(await server.receive());
    }
    assert.deepEqual(sent.map((p) => p.type), ['handshake', 'handshake', 'join_channel', 'audio', 'set_mute', 'heartbeat', 'leave_channel']);
    for (const packet of sent) {
      assert.deepEqual([packet.userId, packet.channelId, packet.timestamp], ['alice', 'main', 1_700_000_000]);
    }
    assert.deepEqual([sent[0].format, sent[0].token, sent[0].channelIdJson], ['json', TOKEN, 'main']);
    assert.deepEqual([sent[1].format, sent[1].token], ['legacy', TOKEN]);
    assert.equal(sent[3].data.toString(), 'pcm');
    assert.equal(sent[4].muted, true);
  });

  test('audio is numbered from 1', async () => {
    for (const payload of ['a', 'b', 'c']) {
      await client.sendAudio(Buffer.from(payload));
    }
    const sequences = [];
    for (let i = 0; i < 3; i++) {
      sequences.push((await server.receive()).sequence);
    }
    assert.deepEqual(sequences, [1, 2, 3]);
  });

  test('control packets have their own counter', async () => {
    await client.sendAudio(Buffer.from('a'));
    await client.sendHeartbeat();
    await client.sendJoinChannel();
    const sequences = [];
    for (let i = 0; i < 3; i++) {
      sequences.push((await server.receive()).sequence);
    }
    assert.deepEqual(sequences, [1, 1, 2]);
  });

  test('send methods resolve to the datagram sent', async () => {
    const data = await client.sendAudio(Buffer.from('xyz'));
    assert.deepEqual(await server.receiveBytes(), data);
    assert.equal(data.length, ha.HEADER_LEN + 2 + 3);
  });

  test('handshake resolves to the ack of its sequence and keeps the others', async () => {
    const answered = answerWith((p) => [
      { type: 'ack', ackedType: 'heartbeat', ackedSequence: p.sequence },
      { type: 'ack', ackedType: 'handshake', ackedSequence: p.sequence + 1 },
      { type: 'ack', sequence: p.sequence, ackedType: 'handshake', ackedSequence: p.sequence },
    ]);
    const ack = await client.handshake();
    await answered;
    assert.deepEqual([ack.ackedType, ack.ackedSequence], ['handshake', 1]);
    assert.equal(client.received.length, 2);
  });

  test('an error answer rejects with a ServerError carrying its names', async () => {
    const answered = answerWith((p) => [{ type: 'error', sequence: p.sequence, code: 1, action: 2, message: 'invalid token' }]);
    await assert.rejects(client.handshake(), (error) => {
      assert.ok(error instanceof ha.ServerError);
      assert.deepEqual([error.codeName, error.actionName, error.serverMessage, error.packet.sequence], ['invalid_token', 'renew_token', 'invalid token', 1]);
      return true;
    });
    await answered;
  });

  test('packets that arrive while waiting are kept in order', async () => {
    const answered = answerWith((p) => [
      { type: 'audio', sequence: 1, userId: 'bob', data: Buffer.from('1') },
      { type: 'set_mute', userId: 'bob', muted: true },
      { type: 'audio', sequence: 2, userId: 'bob', data: Buffer.from('2') },
      { type: 'ack', ackedType: 'heartbeat', ackedSequence: p.sequence },
    ]);
    await client.heartbeat();
    await answered;
    assert.deepEqual(client.received.map((p) => p.type), ['audio', 'set_mute', 'audio']);
    assert.equal((await client.recvAudio({ sequence: 2 })).data.toString(), '2');
    assert.deepEqual(client.take().map((p) => p.type), ['audio', 'set_mute']);
  });

  test('recv parses the next datagram', async () => {
    await client.sendHeartbeat();
    await server.receive();
    await server.send({ type: 'ack', ackedType: 'heartbeat', ackedSequence: 1 });
    assert.deepEqual(await client.recv(), { type: 'ack', sequence: 0, userId: '', channelId: '', timestamp: 0, ackedType: 'heartbeat', ackedSequence: 1 });
  });

  test('recv rejects with a CodecError for a datagram that does not parse', async () => {
    await client.sendHeartbeat();
    await server.receive();
    await server.sendBytes(Buffer.from('\x08short'));
    await assert.rejects(client.recv(), (error) => error instanceof ha.CodecError && error.kind === 'truncated');
  });

  test('datagrams from another address are ignored', async () => {
    await client.sendHeartbeat();
    await server.receive();
    const stranger = await new ScriptedServer().start();
    try {
      stranger.peer = server.peer;
      await stranger.send({ type: 'ack', ackedType: 'heartbeat', ackedSequence: 1 });
      await assert.rejects(client.recv({ timeout: 100 }), ha.Timeout);
    } finally {
      stranger.close();
    }
  });

  test('waiting past the deadline rejects with a Timeout', async () => {
    await assert.rejects(client.recv({ timeout: 50 }), ha.Timeout);
  });

  test('the client refuses ids that do not fit at construction', () => {
    assert.throws(() => new ha.AudioClient(server.address(), TOKEN, 'user1234567', 'chan1'), RangeError);
  });
});

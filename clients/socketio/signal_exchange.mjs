// The stock socket.io-client v4 against hark's `signal` service (conformance/spec/signal.md),
// with the SFU stand-in (testkit's hark-sfu-standin) on the other side of hark's SFU link:
//
//   node signal_exchange.mjs --url http://ADDR --secret S --server-name NAME --channel ID \
//     --sfu-log FILE
//
// Two clients connect with HS256 tokens, join the same channel, see each other, update mute and
// nickname, and negotiate with the stand-in through hark: its offer, their answer and ICE, its
// ICE, then `connected` and `track-added` as `user-updated`. FILE is the stand-in's stdout (one
// JSON line per message hark sent it), read to show that what the clients sent reached the SFU.
// Prints one line per check and `N/N checks passed`; exits 1 on any failure or after 30 s.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { io } from "socket.io-client";

const GLOBAL_TIMEOUT_MS = 30_000;
const WAIT_MS = 5_000;

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    secret: { type: "string" },
    "server-name": { type: "string" },
    channel: { type: "string" },
    "sfu-log": { type: "string" },
  },
});
for (const name of ["url", "secret", "server-name", "channel", "sfu-log"]) {
  if (!args[name]) {
    console.error(`usage: node signal_exchange.mjs --url URL --secret S --server-name NAME --channel ID --sfu-log FILE (--${name} missing)`);
    process.exit(2);
  }
}
const roomID = `${args["server-name"].split(".")[0]}_${args.channel}`;

/** An HS256 JWT as every hark service takes it (`sub`, `exp`), signed with node:crypto. */
function mintToken(secret, sub, ttlSecs = 600) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub, iat: now, exp: now + ttlSecs })}`;
  const signature = createHmac("sha256", secret).update(unsigned).digest("base64url");
  return `${unsigned}.${signature}`;
}

let passed = 0;
let failed = 0;
function ok(what) {
  passed += 1;
  console.log(`ok   ${what}`);
}
function fail(what, why) {
  failed += 1;
  console.log(`FAIL ${what}: ${why}`);
}
/**
 * Runs one check: `body` returns (or resolves to) a string explaining a failure, or nothing.
 * Whether it passed.
 */
async function check(what, body) {
  try {
    const problem = await body();
    if (problem) fail(what, problem);
    else ok(what);
    return !problem;
  } catch (error) {
    fail(what, error?.message ?? String(error));
    return false;
  }
}

/** Every event a socket receives, taken out by name and predicate, in arrival order. */
class Inbox {
  constructor(socket) {
    this.events = [];
    this.waiters = new Set();
    socket.onAny((name, ...data) => {
      this.events.push({ name, data });
      for (const wake of this.waiters) wake();
    });
  }

  /** The first event `name` whose first argument passes `matches`, now or within WAIT_MS. */
  take(name, matches = () => true) {
    return new Promise((resolve, reject) => {
      const look = () => {
        const index = this.events.findIndex((e) => e.name === name && matches(e.data[0]));
        if (index < 0) return false;
        const [event] = this.events.splice(index, 1);
        this.waiters.delete(look);
        clearTimeout(timer);
        resolve(event.data[0]);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(look);
        const seen = this.events.map((e) => `${e.name} ${JSON.stringify(e.data)}`).join("; ");
        reject(new Error(`no matching ${name} within ${WAIT_MS} ms (unread: ${seen || "none"})`));
      }, WAIT_MS);
      if (!look()) this.waiters.add(look);
    });
  }
}

function connect(user, nickname, token = mintToken(args.secret, user)) {
  const socket = io(args.url, {
    transports: ["websocket"],
    auth: { token, nickname },
    reconnection: false,
    timeout: WAIT_MS,
  });
  return { socket, inbox: new Inbox(socket) };
}

function connected(socket) {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket.id));
    socket.once("connect_error", (error) => reject(error));
  });
}

/** The messages hark sent the stand-in so far, from its log. */
function sfuLog() {
  return readFileSync(args["sfu-log"], "utf8")
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
}

/** The first message in the stand-in's log that `matches`, now or within WAIT_MS. */
async function sfuReceived(matches) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = sfuLog().find(matches);
    if (found || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ANSWER_SDP =
  "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:cli1\r\n" +
  "a=ice-pwd:clientclientclientclient\r\na=setup:active\r\na=mid:0\r\na=sendrecv\r\n" +
  "a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n";
const candidateOf = (user) => ({
  candidate: `candidate:2 1 udp 2122260223 127.0.0.1 ${user === "ada" ? 40001 : 40002} typ host`,
  sdpMid: "0",
  sdpMLineIndex: 0,
  usernameFragment: "cli1",
});

/**
 * The offer/answer/ICE exchange of one client with the stand-in, through hark. Without the
 * offer the rest cannot happen: it is not waited for.
 */
async function negotiate(name, client, other) {
  const peerID = client.socket.id;
  const offered = await check(`${name} receives the SFU's offer`, async () => {
    const offer = await client.inbox.take("offer");
    if (offer?.type !== "offer" || !offer.sdp?.startsWith("v=0\r\n")) return `got ${JSON.stringify(offer)}`;
  });
  if (!offered) return;
  client.socket.emit("answer", { type: "answer", sdp: ANSWER_SDP });
  client.socket.emit("ice-candidate", candidateOf(name));
  await check(`${name} receives the SFU's ICE candidate`, async () => {
    const candidate = await client.inbox.take("ice-candidate");
    if (typeof candidate?.candidate !== "string" || !candidate.candidate.startsWith("candidate:"))
      return `got ${JSON.stringify(candidate)}`;
  });
  const voiceUp = (u) => u.id === name && u.isConnectedToVoice === true && u.streamID === `stream-${peerID}`;
  await check(`${name} sees itself connected to voice with streamID stream-<its sid>`, async () => {
    await client.inbox.take("user-updated", voiceUp);
  });
  await check(`the other client sees ${name} connected to voice with that streamID`, async () => {
    await other.inbox.take("user-updated", voiceUp);
  });
  await check(`the stand-in received ${name}'s join for room ${roomID}`, async () => {
    const join = await sfuReceived((m) => m.type === "join" && m.peerID === peerID);
    if (!join) return "no join for its peerID in the stand-in's log";
    if (join.roomID !== roomID || join.userID !== name) return `got ${JSON.stringify(join)}`;
  });
  await check(`the stand-in received ${name}'s answer`, async () => {
    const answer = await sfuReceived((m) => m.type === "answer" && m.peerID === peerID);
    if (!answer) return "no answer for its peerID in the stand-in's log";
    if (answer.description?.type !== "answer" || answer.description?.sdp !== ANSWER_SDP)
      return `got ${JSON.stringify(answer)}`;
  });
  await check(`the stand-in received ${name}'s ICE candidate`, async () => {
    const ice = await sfuReceived((m) => m.type === "ice-candidate" && m.peerID === peerID);
    if (!ice) return "no ice-candidate for its peerID in the stand-in's log";
    // The stand-in logs members in its own order: compare them one by one.
    const expected = candidateOf(name);
    if (Object.keys(expected).some((key) => ice.candidate?.[key] !== expected[key]))
      return `got ${JSON.stringify(ice)}`;
  });
}

/** GET /health until it reports the SFU link up (signal.md §9.1): hark dials at start-up. */
async function sfuLinkUp() {
  const deadline = Date.now() + WAIT_MS;
  let last;
  for (;;) {
    try {
      last = await (await fetch(new URL("/health", args.url))).json();
      if (last.sfu === "up") return undefined;
    } catch (error) {
      last = error.message;
    }
    if (Date.now() > deadline) return `health is ${JSON.stringify(last)}`;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function exchange() {
  await check("/health reports the SFU link up", sfuLinkUp);
  const ada = connect("ada", "Ada");
  const bob = connect("bob", "Bob");
  await check("ada connects with a token", async () => {
    await connected(ada.socket);
  });
  await check("bob connects with a token", async () => {
    await connected(bob.socket);
  });
  for (const [name, client] of [["ada", ada], ["bob", bob]]) {
    await check(`${name} receives info (server name, the channel)`, async () => {
      const info = await client.inbox.take("info");
      if (info?.name !== args["server-name"]) return `name ${JSON.stringify(info?.name)}`;
      if (!info.channels?.some((c) => c.id === args.channel)) return `channels ${JSON.stringify(info.channels)}`;
      if (typeof info.members !== "string") return `members ${JSON.stringify(info.members)} is not a string`;
    });
  }

  ada.socket.emit("join", { channelID: args.channel });
  await check("ada's join answers users with ada alone", async () => {
    const users = await ada.inbox.take("users");
    const ids = users.map((u) => u.id).join(",");
    if (ids !== "ada" || users[0].hasJoinedChannel !== true || users[0].nickname !== "Ada")
      return `got ${JSON.stringify(users)}`;
  });
  bob.socket.emit("join", { channelID: args.channel });
  await check("bob's join answers users with ada then bob", async () => {
    const users = await bob.inbox.take("users");
    if (users.map((u) => u.id).join(",") !== "ada,bob") return `got ${JSON.stringify(users)}`;
  });
  await check("ada sees bob in user-joined", async () => {
    const user = await ada.inbox.take("user-joined", (u) => u.id === "bob");
    if (user.nickname !== "Bob" || user.hasJoinedChannel !== true) return `got ${JSON.stringify(user)}`;
  });

  ada.socket.emit("updateMute", true);
  const adaMuted = (u) => u.id === "ada" && u.isMuted === true;
  await check("ada's updateMute reaches ada as user-updated", () => ada.inbox.take("user-updated", adaMuted).then(() => undefined));
  await check("ada's updateMute reaches bob as user-updated", () => bob.inbox.take("user-updated", adaMuted).then(() => undefined));
  bob.socket.emit("updateNickname", "  Bobby  ");
  const bobRenamed = (u) => u.id === "bob" && u.nickname === "Bobby";
  await check("bob's updateNickname (trimmed) reaches bob as user-updated", () => bob.inbox.take("user-updated", bobRenamed).then(() => undefined));
  await check("bob's updateNickname (trimmed) reaches ada as user-updated", () => ada.inbox.take("user-updated", bobRenamed).then(() => undefined));
  await check("an invalid nickname is refused in the acknowledgement", async () => {
    const reply = await bob.socket.timeout(WAIT_MS).emitWithAck("updateNickname", "   ");
    if (reply?.error !== "invalid_nickname" || reply?.message !== "Invalid nickname") return `got ${JSON.stringify(reply)}`;
  });

  await negotiate("ada", ada, bob);
  await negotiate("bob", bob, ada);

  const bobPeer = bob.socket.id;
  bob.socket.emit("leave");
  await check("ada sees bob in user-left", async () => {
    const user = await ada.inbox.take("user-left", (u) => u.id === "bob");
    if (user.hasJoinedChannel !== false || user.isConnectedToVoice !== false || "streamID" in user)
      return `got ${JSON.stringify(user)}`;
  });
  await check("the stand-in received bob's leave", async () => {
    const leave = await sfuReceived((m) => m.type === "leave" && m.peerID === bobPeer);
    if (!leave || leave.roomID !== roomID) return `got ${JSON.stringify(leave)}`;
  });

  await check("a forged token is refused with connect_error invalid_token", async () => {
    const forged = connect("eve", "Eve", mintToken(`${args.secret}-not`, "eve"));
    try {
      await connected(forged.socket);
      return "connected";
    } catch (error) {
      if (error.message !== "Invalid or expired token" || error.data?.error !== "invalid_token")
        return `got ${error.message} ${JSON.stringify(error.data)}`;
    } finally {
      forged.socket.close();
    }
  });

  ada.socket.close();
  bob.socket.close();
}

const timer = setTimeout(() => {
  fail("the exchange", `not finished within ${GLOBAL_TIMEOUT_MS / 1000} s`);
  console.log(`${passed}/${passed + failed} checks passed`);
  process.exit(1);
}, GLOBAL_TIMEOUT_MS);
try {
  await exchange();
} catch (error) {
  fail("the exchange", error?.stack ?? String(error));
}
clearTimeout(timer);
console.log(`${passed}/${passed + failed} checks passed`);
process.exit(failed === 0 ? 0 : 1);

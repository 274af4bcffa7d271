// Smoke test of media through TURN: one Chromium page, two RTCPeerConnections that may use
// relay candidates only (iceTransportPolicy "relay"), each sending the fake camera and
// microphone to the other. Passes when both connect, each decodes video and receives audio,
// and each side's selected candidate pair starts at a relay candidate.
//
//   node turn_relay_smoke.mjs --turn-url turn:127.0.0.1:3478?transport=udp [--turn-url …]
//        --username <expiry>:<user> --password <base64> [--timeout-ms 20000]
//
// Prints one JSON line (the outcome and the last statistics), exits 0 on success and 1 with a
// message on stderr otherwise.

import { parseArgs } from 'node:util';

import { launchChromium, openLocalPage, peerConnectionStats, pollUntil } from './lib/browser.mjs';

const USAGE =
  'usage: node turn_relay_smoke.mjs --turn-url URL [--turn-url URL …] --username U ' +
  '--password P [--timeout-ms N]';

function parseOptions() {
  const { values } = parseArgs({
    options: {
      'turn-url': { type: 'string', multiple: true },
      username: { type: 'string' },
      password: { type: 'string' },
      'timeout-ms': { type: 'string', default: '20000' },
    },
  });
  const timeoutMs = Number(values['timeout-ms']);
  if (!values['turn-url'] || !values.username || !values.password || !(timeoutMs > 0)) {
    throw new Error(USAGE);
  }
  return {
    iceServers: [
      { urls: values['turn-url'], username: values.username, credential: values.password },
    ],
    timeoutMs,
  };
}

// Runs in the page: connects two relay-only peer connections that both send the fake devices,
// exchanging offer, answer and trickled candidates directly. Returns { a, b }.
async function connectPeers({ iceServers }) {
  const config = { iceServers, iceTransportPolicy: 'relay' };
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  window.partaErrors = [];
  // A candidate may arrive before its peer has the remote description: hold it until then.
  const pending = new Map([[a, []], [b, []]]);
  const deliver = (pc, candidate) => {
    if (pc.remoteDescription) {
      pc.addIceCandidate(candidate).catch((e) => window.partaErrors.push(String(e)));
    } else {
      pending.get(pc).push(candidate);
    }
  };
  const setRemote = async (pc, description) => {
    await pc.setRemoteDescription(description);
    for (const candidate of pending.get(pc).splice(0)) deliver(pc, candidate);
  };
  a.onicecandidate = (e) => e.candidate && deliver(b, e.candidate);
  b.onicecandidate = (e) => e.candidate && deliver(a, e.candidate);
  // A refused credential shows here (401) long before the connection gives up.
  for (const pc of [a, b]) {
    pc.onicecandidateerror = (e) => window.partaErrors.push(`${e.url}: ${e.errorCode} ${e.errorText}`);
  }
  // Rendering the received tracks keeps Chromium decoding them.
  for (const pc of [a, b]) {
    const video = document.createElement('video');
    Object.assign(video, { autoplay: true, muted: true, playsInline: true });
    document.body.append(video);
    pc.ontrack = (e) => {
      video.srcObject = e.streams[0];
    };
  }
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: true,
    video: { width: 320, height: 240 },
  });
  for (const track of stream.getTracks()) {
    a.addTrack(track, stream);
    b.addTrack(track, stream);
  }
  await a.setLocalDescription(await a.createOffer());
  await setRemote(b, a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await setRemote(a, b.localDescription);
  return { a, b };
}

const received = (s) =>
  s.connectionState === 'connected' &&
  s.video.framesDecoded > 0 &&
  s.audio.packetsReceived > 0 &&
  s.selectedPair !== null;

// What is wrong with one side's last statistics, or null.
function problem(name, s) {
  if (s.connectionState !== 'connected') return `${name}: connectionState is ${s.connectionState}`;
  if (!(s.video.framesDecoded > 0)) return `${name}: no video frame decoded`;
  if (!(s.audio.packetsReceived > 0)) return `${name}: no audio packet received`;
  if (!s.selectedPair) return `${name}: no selected candidate pair`;
  if (s.selectedPair.localCandidateType !== 'relay') {
    return `${name}: the selected pair's local candidate is ${s.selectedPair.localCandidateType}, not relay`;
  }
  return null;
}

async function main() {
  const options = parseOptions();
  const started = Date.now();
  // A browser that hangs (at launch, in getUserMedia) must still end the test with a message.
  setTimeout(() => {
    console.error('turn_relay_smoke: FAILED: no result within the hard deadline');
    process.exit(1);
  }, options.timeoutMs + 60_000).unref();
  const browser = await launchChromium();
  const pageErrors = [];
  try {
    const page = await openLocalPage(browser, { title: 'turn relay smoke' });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    const peers = await page.evaluateHandle(connectPeers, { iceServers: options.iceServers });
    const a = await peers.getProperty('a');
    const b = await peers.getProperty('b');
    const { value: last } = await pollUntil(
      async () => ({ a: await peerConnectionStats(a), b: await peerConnectionStats(b) }),
      ({ a, b }) =>
        (received(a) && received(b)) ||
        a.connectionState === 'failed' ||
        b.connectionState === 'failed',
      { timeoutMs: options.timeoutMs },
    );
    pageErrors.push(...(await page.evaluate(() => window.partaErrors)));
    const failure = problem('a', last.a) || problem('b', last.b);
    const summary = {
      test: 'turn_relay_smoke',
      ok: failure === null,
      elapsedMs: Date.now() - started,
      a: last.a,
      b: last.b,
      ...(failure ? { failure, pageErrors } : {}),
    };
    console.log(JSON.stringify(summary));
    if (failure) {
      const errors = [...new Set(pageErrors)];
      throw new Error(
        `${failure} (after waiting up to ${options.timeoutMs} ms)` +
          (errors.length ? `; page and ICE errors: ${errors.join('; ')}` : ''),
      );
    }
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(`turn_relay_smoke: FAILED: ${error.message}`);
  process.exit(1);
});

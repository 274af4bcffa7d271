// A direct chat's call between two Chromium pages through Parta's gateway: both pages load the
// calls' demo page from the gateway, sign in as real Parta users, and call through the
// signaling service (one starts, the other joins; SDP and ICE candidates relayed by Parta).
// Checked, in one browser:
//   1. the call connects and each page decodes the other's video and receives its audio;
//   2. a second call with relay candidates only (iceTransportPolicy "relay") connects through
//      the TURN server the signaling service names, and each side's selected pair is a relay;
//   3. a page closed without leaving is gone for the other within the heartbeat window.
//
//   node calls_1to1.mjs --gateway http://127.0.0.1:PORT --chat CHAT_ID
//        --caller-token T --callee-token T [--timeout-ms 20000]
//
// Prints one JSON line (what was measured), exits 0 on success and 1 with a message otherwise.

import { parseArgs } from 'node:util';

import { launchChromium, peerConnectionStats, pollUntil } from './lib/browser.mjs';

function parseOptions() {
  const { values } = parseArgs({
    options: {
      gateway: { type: 'string' },
      chat: { type: 'string' },
      'caller-token': { type: 'string' },
      'callee-token': { type: 'string' },
      'timeout-ms': { type: 'string', default: '20000' },
    },
  });
  if (!values.gateway || !values.chat || !values['caller-token'] || !values['callee-token']) {
    throw new Error(
      'usage: node calls_1to1.mjs --gateway URL --chat ID --caller-token T --callee-token T');
  }
  return { ...values, timeoutMs: Number(values['timeout-ms']) };
}

// A page on the gateway's demo client, signed in.
async function openClient(browser, options, token, policy) {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${options.gateway}/demo/call.html`);
  const userId = await page.evaluate(([t, p]) => window.parta.signIn(t, p), [token, policy]);
  return { page, userId };
}

// Waits until `client` receives `peer`'s video and audio on a connected peer connection.
async function receiving(client, peer, timeoutMs) {
  const read = async () => {
    const handle = await client.page.evaluateHandle((id) => window.parta.peerConnection(id),
                                                    peer.userId);
    const isNull = await handle.evaluate((pc) => pc === null);
    return isNull ? null : peerConnectionStats(handle);
  };
  const { met, value } = await pollUntil(
    read,
    (s) => s !== null && s.connectionState === 'connected' && s.video.framesDecoded > 0 &&
      s.audio.packetsReceived > 0,
    { timeoutMs });
  if (!met) {
    const errors = await client.page.evaluate(() => window.parta.state.errors);
    throw new Error(`no media from ${peer.userId}: ${JSON.stringify(value)} ${errors.join('; ')}`);
  }
  return value;
}

async function call(browser, options, policy) {
  const caller = await openClient(browser, options, options['caller-token'], policy);
  const callee = await openClient(browser, options, options['callee-token'], policy);
  const started = Date.now();
  const callId = await caller.page.evaluate((chat) => window.parta.startCall(chat).then((c) => c.id),
                                            options.chat);
  await callee.page.evaluate((id) => window.parta.joinCall(id), callId);
  const [callerSees, calleeSees] = await Promise.all([
    receiving(caller, callee, options.timeoutMs),
    receiving(callee, caller, options.timeoutMs),
  ]);
  return { caller, callee, callId, connectMs: Date.now() - started, callerSees, calleeSees };
}

async function main() {
  const options = parseOptions();
  const browser = await launchChromium();
  const summary = {};
  try {
    // 1. Direct.
    const direct = await call(browser, options, 'all');
    summary.direct = {
      connectMs: direct.connectMs,
      callerFramesDecoded: direct.callerSees.video.framesDecoded,
      calleeFramesDecoded: direct.calleeSees.video.framesDecoded,
      pair: direct.callerSees.selectedPair,
    };
    await direct.caller.page.evaluate(() => window.parta.endCall());
    await direct.caller.page.close();
    await direct.callee.page.close();

    // 2. Relay candidates only: through the TURN server.
    const relayed = await call(browser, options, 'relay');
    for (const seen of [relayed.callerSees, relayed.calleeSees]) {
      if (!seen.selectedPair || seen.selectedPair.localCandidateType !== 'relay') {
        throw new Error(`not relayed: ${JSON.stringify(seen.selectedPair)}`);
      }
    }
    summary.relay = { connectMs: relayed.connectMs, pair: relayed.callerSees.selectedPair };

    // 3. The callee's page closes without leaving: the caller sees him go.
    const closed = Date.now();
    await relayed.callee.page.close();
    const { met } = await pollUntil(
      () => relayed.caller.page.evaluate((id) => window.parta.state.events.some(
        (e) => e.participantLeft && e.participantLeft.userId === id &&
          e.participantLeft.reason === 'LEAVE_REASON_TIMED_OUT'), relayed.callee.userId),
      (seen) => seen,
      { timeoutMs: options.timeoutMs });
    if (!met) throw new Error('the closed page never left the call');
    summary.vanishedAfterMs = Date.now() - closed;
    await relayed.caller.page.evaluate(() => window.parta.leave());
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(summary));
}

main().catch((error) => {
  console.error(`calls_1to1: ${error.message}`);
  process.exit(1);
});

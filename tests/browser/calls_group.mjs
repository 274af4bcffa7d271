// A lesson through the SFU between Chromium pages: the teacher starts a call in his class's
// students' chat, three pupils join from pages of their own, all on the gateway's demo client
// (media through Parta's Janus, every JSEP message relayed by the signaling service). Checked:
//   0. the last pupil knocks at the waiting room the teacher opened, and is let in;
//   1. every page decodes every other page's video; the teacher is heard, the pupils (who come in
//      muted at the SFU) are not; a pupil cannot answer or trickle for another's subscription;
//   2. the teacher lets the first pupil speak: the other pages receive his audio; the teacher
//      mutes him again: the other pages stop receiving it while his page still sends;
//   3. the teacher removes the last pupil: his page is out of the call, the others' media from
//      him stops, and his `joinCall` is refused with REMOVED_FROM_CALL;
//   4. the teacher ends the call: every page hears it.
//
//   node calls_group.mjs --gateway http://127.0.0.1:PORT --chat CHAT_ID --teacher-token T
//        --pupil-tokens T1,T2,T3 [--timeout-ms 20000]
//
// Prints one JSON line (what was measured), exits 0 on success and 1 with a message otherwise.

import { parseArgs } from 'node:util';

import { launchChromium, peerConnectionStats, pollUntil } from './lib/browser.mjs';

function parseOptions() {
  const { values } = parseArgs({
    options: {
      gateway: { type: 'string' },
      chat: { type: 'string' },
      'teacher-token': { type: 'string' },
      'pupil-tokens': { type: 'string' },
      'timeout-ms': { type: 'string', default: '20000' },
    },
  });
  if (!values.gateway || !values.chat || !values['teacher-token'] || !values['pupil-tokens']) {
    throw new Error('usage: node calls_group.mjs --gateway URL --chat ID --teacher-token T ' +
      '--pupil-tokens T1,T2,T3');
  }
  const pupilTokens = values['pupil-tokens'].split(',').filter((t) => t);
  if (pupilTokens.length < 3) throw new Error('--pupil-tokens needs three tokens');
  return { ...values, pupilTokens, timeoutMs: Number(values['timeout-ms']) };
}

// `promise`, or an error naming `what` after `timeoutMs`.
function within(promise, timeoutMs, what) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)),
                       timeoutMs);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

// A page on the gateway's demo client, signed in. A small viewport: the pages' videos need
// decoding, not painting, and painting sixteen of them would take the machine's time.
async function openClient(browser, options, token, name) {
  const page = await browser.newPage({ viewport: { width: 320, height: 240 } });
  page.on('pageerror', (error) => console.error(`${name}: page error: ${error.message}`));
  await page.goto(`${options.gateway}/demo/call.html`);
  const userId = await page.evaluate((t) => window.parta.signIn(t), token);
  return { page, userId, name };
}

// Statistics of what `client` receives from `peer` (null while it has no subscription to him).
async function receivedFrom(client, peer) {
  const handle = await client.page.evaluateHandle((id) => window.parta.peerConnection(id),
                                                  peer.userId);
  if (await handle.evaluate((pc) => pc === null || pc.connectionState === 'closed')) return null;
  return peerConnectionStats(handle);
}

// Statistics of `client`'s own publication (null when he has none).
async function published(client) {
  const handle = await client.page.evaluateHandle(() => window.parta.state.publisher);
  if (await handle.evaluate((pc) => pc === null || pc.connectionState === 'closed')) return null;
  return peerConnectionStats(handle);
}

async function errorsOf(client) {
  return client.page.evaluate(() => window.parta.state.errors);
}

// Waits until `client` decodes `peer`'s video on a connected subscription.
async function seesVideo(client, peer, timeoutMs) {
  const { met, value } = await pollUntil(
    () => receivedFrom(client, peer),
    (s) => s !== null && s.connectionState === 'connected' && s.video.framesDecoded > 0,
    { timeoutMs, intervalMs: 500 });
  if (!met) {
    const heard = await client.page.evaluate((id) => window.parta.state.events
      .filter((e) => e.participantUpdated && e.participantUpdated.userId === id)
      .map((e) => ({ sequence: e.sequence, publishing: !!e.participantUpdated.publishing })),
    peer.userId);
    throw new Error(`${client.name} gets no video from ${peer.name}: ${JSON.stringify(value)}; ` +
      `heard of him: ${JSON.stringify(heard)}; errors: ${(await errorsOf(client)).join('; ')}`);
  }
  return value;
}

// Waits until the audio `listeners` receive from `speaker` grows on every one of them.
async function hears(listeners, speaker, timeoutMs) {
  const before = await Promise.all(listeners.map((l) => receivedFrom(l, speaker)));
  const { met, value } = await pollUntil(
    () => Promise.all(listeners.map((l) => receivedFrom(l, speaker))),
    (now) => now.every((s, i) => s !== null && before[i] !== null &&
      s.audio.packetsReceived > before[i].audio.packetsReceived + 10),
    { timeoutMs });
  if (!met) {
    throw new Error(`${speaker.name} is not heard: ${JSON.stringify(value.map((s) => s && s.audio))}`);
  }
  return value.map((s) => s.audio.packetsReceived);
}

// Waits until the audio `listeners` receive from `speaker` stays the same over three samples a
// second apart while his page goes on sending audio.
async function silenced(listeners, speaker, timeoutMs) {
  const sample = async () => ({
    received: (await Promise.all(listeners.map((l) => receivedFrom(l, speaker))))
      .map((s) => (s === null ? -1 : s.audio.packetsReceived)),
    sent: ((await published(speaker)) || { sent: { audioPackets: -1 } }).sent.audioPackets,
  });
  const samples = [];
  const { met } = await pollUntil(
    async () => {
      samples.push(await sample());
      return samples.slice(-3);
    },
    (last) => last.length === 3 &&
      last.every((s) => JSON.stringify(s.received) === JSON.stringify(last[0].received)) &&
      last[2].sent > last[0].sent,
    { timeoutMs, intervalMs: 1000 });
  if (!met) throw new Error(`${speaker.name} is still heard: ${JSON.stringify(samples.slice(-3))}`);
  return samples.slice(-3);
}

const begun = Date.now();
// Progress on stderr, so a failure's log shows how far the story got and when.
function step(text) {
  console.error(`calls_group +${Date.now() - begun}ms: ${text}`);
}

async function main() {
  const options = parseOptions();
  const timeoutMs = options.timeoutMs;
  // Four pages each send a camera and decode three: at 5 frames a second the machine (even one
  // core) keeps up, as a class's laptops would not all need to either.
  const browser = await launchChromium({ args: ['--use-fake-device-for-media-stream=fps=5'] });
  const summary = {};
  try {
    const teacher = await openClient(browser, options, options['teacher-token'], 'teacher');
    const pupils = [];
    for (const [i, token] of options.pupilTokens.slice(0, 3).entries()) {
      pupils.push(await openClient(browser, options, token, `pupil${i + 1}`));
    }
    const everyone = [teacher, ...pupils];
    step('pages signed in');
    const started = Date.now();
    const callId = await within(teacher.page.evaluate(
      (chat) => window.parta.startCall(chat).then((c) => c.id), options.chat), timeoutMs,
      'the teacher\'s start');
    const cameInMuted = (call, pupil) => {
      const me = (call.participants || []).find((p) => p.userId === pupil.userId);
      if (!me || !me.mutedByHost) throw new Error(`${pupil.name} did not come in muted`);
    };
    for (const pupil of pupils.slice(0, 2)) {
      const call = await within(pupil.page.evaluate((id) => window.parta.joinCall(id), callId),
                                timeoutMs, `${pupil.name}'s join`);
      cameInMuted(call, pupil);
      step(`${pupil.name} joined`);
    }
    // The last one comes late: the teacher has opened the waiting room, and lets him in.
    const late = pupils[2];
    await teacher.page.evaluate(() => window.parta.setControls({ waitingRoom: true }));
    const knock = await within(late.page.evaluate((id) => window.parta.joinCall(id), callId),
                               timeoutMs, `${late.name}'s knock`);
    if ((knock.participants || []).some((p) => p.userId === late.userId)) {
      throw new Error(`${late.name} came in past the waiting room`);
    }
    const knocked = await pollUntil(
      () => teacher.page.evaluate((id) => window.parta.state.events.some(
        (e) => e.participantWaiting && e.participantWaiting.userId === id), late.userId),
      (seen) => seen, { timeoutMs });
    if (!knocked.met) throw new Error(`the teacher did not see ${late.name} knock`);
    await teacher.page.evaluate((id) => window.parta.admit(id, true), late.userId);
    const admitted = await pollUntil(
      () => late.page.evaluate(() => window.parta.state.call),
      (call) => call !== null, { timeoutMs });
    if (!admitted.met) throw new Error(`${late.name} was not let in`);
    cameInMuted(admitted.value, late);
    summary.waitingRoom = 'admitted';
    step(`${late.name} was let in from the waiting room`);

    // 1. Every page decodes every other's video.
    const pairs = [];
    for (const a of everyone) for (const b of everyone) if (a !== b) pairs.push([a, b]);
    await Promise.all(pairs.map(([a, b]) => seesVideo(a, b, timeoutMs)));
    summary.allVideoMs = Date.now() - started;
    step('every page sees every other');
    summary.subscriptions = pairs.length;
    // The teacher is heard; the pupils, muted at the SFU since they came in, are not.
    await hears(pupils, teacher, timeoutMs);
    const fromPupil = await receivedFrom(teacher, pupils[0]);
    if (fromPupil.audio.packetsReceived !== 0) {
      throw new Error(`a muted pupil was heard: ${JSON.stringify(fromPupil.audio)}`);
    }

    // 2. The first pupil may speak, then is muted again at the SFU.
    step('the teacher is heard, the pupils are not');
    // A subscription is its subscriber's: another pupil cannot answer or trickle for it.
    const theirs = await pupils[0].page.evaluate(
      (id) => window.parta.state.subscriptions.get(id).id, teacher.userId);
    const refused = await pupils[1].page.evaluate(async ([call, subscriptionId]) => {
      const post = async (verb, body) => {
        const response = await fetch(`/v1/calls/${call}:${verb}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${window.parta.state.token}`,
                     'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const json = await response.json();
        return `${response.status} ${json.error ? json.error.reason : ''}`;
      };
      return [
        await post('answerSubscription',
                   { subscriptionId, answer: { type: 'SDP_TYPE_ANSWER', sdp: 'v=0\r\n' } }),
        await post('trickle', { subscriptionId, candidates: [
          { candidate: 'candidate:1 1 udp 2122260223 192.0.2.2 50000 typ host', sdpMid: '0' }] }),
      ];
    }, [callId, theirs]);
    if (refused.some((r) => r !== '404 SUBSCRIPTION_NOT_FOUND')) {
      throw new Error(`another's subscription was not refused: ${refused.join(', ')}`);
    }
    const speaker = pupils[0];
    const listeners = everyone.filter((c) => c !== speaker);
    await teacher.page.evaluate((id) => window.parta.moderate(id, { muteMicrophone: false }),
                                speaker.userId);
    summary.heardPackets = await hears(listeners, speaker, timeoutMs);
    step(`${speaker.name} is heard`);
    const muted = Date.now();
    await teacher.page.evaluate((id) => window.parta.moderate(id, { muteMicrophone: true }),
                                speaker.userId);
    summary.silenced = await silenced(listeners, speaker, timeoutMs);
    summary.silencedAfterMs = Date.now() - muted;
    for (const client of everyone) {
      const errors = await errorsOf(client);
      if (errors.length) throw new Error(`${client.name} had errors: ${errors.join('; ')}`);
    }

    // 3. The last pupil is removed: out of the call, his media gone, and not let back in.
    step(`${speaker.name} is muted again`);
    const removed = pupils[2];
    const stayed = everyone.filter((c) => c !== removed);
    await teacher.page.evaluate((id) => window.parta.moderate(id, { remove: true }),
                                removed.userId);
    const out = await pollUntil(
      async () => ({
        inCall: await removed.page.evaluate(() => window.parta.state.call !== null),
        publishing: (await published(removed)) !== null,
        seenBy: (await Promise.all(stayed.map((c) => receivedFrom(c, removed))))
          .filter((s) => s !== null).length,
      }),
      (s) => !s.inCall && !s.publishing && s.seenBy === 0,
      { timeoutMs });
    if (!out.met) throw new Error(`the removed pupil is still there: ${JSON.stringify(out.value)}`);
    const refusal = await removed.page.evaluate(
      (id) => window.parta.joinCall(id).then(() => 'joined', (error) => error.reason), callId);
    if (refusal !== 'REMOVED_FROM_CALL') throw new Error(`the removed pupil's rejoin: ${refusal}`);
    summary.rejoin = refusal;
    step(`${removed.name} is out`);

    // 4. The teacher ends the lesson; every page that stayed hears it.
    await teacher.page.evaluate(() => window.parta.endCall());
    const ended = await pollUntil(
      () => Promise.all(stayed.map((c) => c.page.evaluate(
        () => window.parta.state.events.some((e) => e.callEnded)))),
      (seen) => seen.every((s) => s),
      { timeoutMs });
    if (!ended.met) throw new Error(`not every page heard the end: ${JSON.stringify(ended.value)}`);
    summary.totalMs = Date.now() - started;
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(summary));
}

main().catch((error) => {
  console.error(`calls_group: ${error.message}`);
  process.exit(1);
});

// Headless Debian Chromium for Parta's browser tests, driven by playwright-core (which never
// downloads a browser of its own), and readers of WebRTC statistics.

import { existsSync } from 'node:fs';

import { chromium } from 'playwright-core';

// Debian's wrapper script; PARTA_CHROMIUM points elsewhere for a one-off run.
export const CHROMIUM_PATH = process.env.PARTA_CHROMIUM || '/usr/bin/chromium';

// --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
// Fake devices and an auto-granted permission prompt give every page a synthetic camera (moving
// pattern) and microphone (beeps). Loopback candidates and raw host IPs instead of mDNS names
// let peers on one machine reach each other. No background networking or component updates:
// the machine has no internet, and Chromium would keep dialling Google.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-networking',
  '--disable-component-update',
];

// Starts headless Chromium with CHROMIUM_ARGS plus `args`. Close the browser when done.
export async function launchChromium({ args = [], timeoutMs = 30_000 } = {}) {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} does not exist: install Debian's chromium package`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...args],
    timeout: timeoutMs,
  });
}

const LOCAL_ORIGIN = 'http://localhost';

// A new page (in a context of its own) on http://localhost/, answered by Playwright itself
// without any server: a secure context, which getUserMedia needs and about:blank is not.
export async function openLocalPage(browser, { title = 'parta', body = '' } = {}) {
  const page = await browser.newPage();
  await page.route(`${LOCAL_ORIGIN}/**`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`,
    }),
  );
  await page.goto(`${LOCAL_ORIGIN}/`);
  return page;
}

// A summary of one RTCPeerConnection's statistics. Runs inside the page (Playwright sends its
// source), so it must use nothing from this module.
function summarizePeerConnection(pc) {
  return pc.getStats().then((report) => {
    const summary = {
      connectionState: pc.connectionState,
      iceConnectionState: pc.iceConnectionState,
      video: { framesDecoded: 0, packetsReceived: 0, bytesReceived: 0 },
      audio: { packetsReceived: 0, bytesReceived: 0 },
      sent: { videoPackets: 0, audioPackets: 0 },
      selectedPair: null,
    };
    let pairId = null;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        summary.video.framesDecoded += s.framesDecoded || 0;
        summary.video.packetsReceived += s.packetsReceived || 0;
        summary.video.bytesReceived += s.bytesReceived || 0;
      } else if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        summary.audio.packetsReceived += s.packetsReceived || 0;
        summary.audio.bytesReceived += s.bytesReceived || 0;
      } else if (s.type === 'outbound-rtp') {
        summary.sent[s.kind === 'video' ? 'videoPackets' : 'audioPackets'] += s.packetsSent || 0;
      } else if (s.type === 'transport' && s.selectedCandidatePairId) {
        pairId = s.selectedCandidatePairId;
      }
    });
    // The transport names the selected pair; without it, the nominated pair that succeeded.
    let pair = pairId ? report.get(pairId) : null;
    if (!pair) {
      report.forEach((s) => {
        if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
      });
    }
    if (pair) {
      const local = report.get(pair.localCandidateId);
      const remote = report.get(pair.remoteCandidateId);
      summary.selectedPair = {
        state: pair.state,
        localCandidateType: local ? local.candidateType : null,
        localProtocol: local ? local.protocol : null,
        localRelayProtocol: local ? local.relayProtocol || null : null,
        remoteCandidateType: remote ? remote.candidateType : null,
      };
    }
    return summary;
  });
}

// Statistics of the RTCPeerConnection behind a Playwright JSHandle (from page.evaluateHandle):
// { connectionState, iceConnectionState, video: {framesDecoded, packetsReceived, bytesReceived},
//   audio: {packetsReceived, bytesReceived}, sent: {videoPackets, audioPackets},
//   selectedPair: {state, localCandidateType, localProtocol, localRelayProtocol,
//                  remoteCandidateType} or null }.
export function peerConnectionStats(pcHandle) {
  return pcHandle.evaluate(summarizePeerConnection);
}

// Calls `read` until `done(value)` holds, at most `timeoutMs`; returns the last value and
// whether the condition was met, so a failure can report what was seen last.
export async function pollUntil(read, done, { timeoutMs = 20_000, intervalMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return { met: true, value };
    if (Date.now() >= deadline) return { met: false, value };
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

// The calls' demo client (served with call.html by the gateway at /demo/): signs in with an
// access token, starts or joins a chat's call (waiting to be let in when it has a waiting room),
// and shows every participant's video. Peer-to-peer
// calls (direct chats) relay their SDP and ICE candidates through SendSignal; SFU calls publish
// to and subscribe from the call's media server through PublishMedia and SubscribeMedia. The
// browser tests drive it through `window.parta`.
"use strict";

// One client: its token, socket, call and peer connections.
const parta = (() => {
  const state = {
    token: "", userId: "", socket: null, call: null, iceServers: [], heartbeat: null,
    waiting: null,        // the call whose waiting room we are in
    heartbeatSeconds: 5,
    local: null,          // the camera and microphone
    peers: new Map(),     // peer-to-peer: user id → {pc, pending candidates}
    publisher: null,      // SFU: our publication's peer connection
    subscriptions: new Map(),  // SFU: publisher user id → {id, pc}
    events: [],           // every call event seen, for tests
    errors: [],
  };

  function log(text) {
    const line = new Date().toISOString().slice(11, 23) + " " + text;
    const box = document.getElementById("log");
    if (box) box.textContent += line + "\n";
  }

  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: {"authorization": "Bearer " + state.token, "content-type": "application/json"},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : {};
    if (!response.ok) {
      const error = new Error(method + " " + path + " → " + response.status + " " +
                              (json.error ? json.error.reason : text));
      error.reason = json.error ? json.error.reason : "";
      throw error;
    }
    return json;
  }

  function video(id) {
    let element = document.getElementById("video-" + id);
    if (!element) {
      element = document.createElement("video");
      element.id = "video-" + id;
      element.autoplay = true;
      element.playsInline = true;
      document.getElementById("videos").appendChild(element);
    }
    return element;
  }

  function candidateJson(candidate) {
    if (!candidate) return {endOfCandidates: true};
    return {candidate: candidate.candidate, sdpMid: candidate.sdpMid || "",
            sdpMLineIndex: candidate.sdpMLineIndex || 0};
  }

  function rtcCandidate(candidate) {
    if (candidate.endOfCandidates) return null;
    return {candidate: candidate.candidate, sdpMid: candidate.sdpMid,
            sdpMLineIndex: candidate.sdpMLineIndex || 0};
  }

  function sdpType(type) { return type === "offer" ? "SDP_TYPE_OFFER" : "SDP_TYPE_ANSWER"; }
  function rtcType(type) { return type === "SDP_TYPE_OFFER" ? "offer" : "answer"; }

  function newPeerConnection(policy) {
    return new RTCPeerConnection({iceServers: state.iceServers,
                                  iceTransportPolicy: policy || state.policy || "all"});
  }

  // ---- the socket: call events and relayed signals

  function openSocket() {
    return new Promise((resolve, reject) => {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      const socket = new WebSocket(scheme + "//" + location.host + "/v1/events", ["parta.v1"]);
      socket.onopen = () => socket.send(JSON.stringify({type: "auth", token: state.token}));
      socket.onerror = () => reject(new Error("the socket failed"));
      socket.onmessage = (message) => {
        const frame = JSON.parse(message.data);
        if (frame.type === "ready") {
          state.userId = frame.userId;
          resolve(socket);
        } else if (frame.type === "event") {
          onEvent(frame.event).catch((error) => fail(error));
        }
      };
      state.socket = socket;
    });
  }

  function fail(error) {
    state.errors.push(String(error.message || error));
    log("error: " + (error.message || error));
  }

  async function onEvent(event) {
    if (event.callSignal && state.call && event.callSignal.callId === state.call.id) {
      return onSignal(event.callSignal);
    }
    if (event.callChange && state.waiting && event.callChange.callId === state.waiting.id) {
      return onWaitingChange(event.callChange);
    }
    if (!event.callChange || !state.call || event.callChange.callId !== state.call.id) return;
    const change = event.callChange;
    state.events.push(change);
    if (change.participantLeft) {
      log("left: " + change.participantLeft.userId + " " + change.participantLeft.reason);
      closePeer(change.participantLeft.userId);
      if (change.participantLeft.userId === state.userId) await hangUp(false);
    } else if (change.participantUpdated && state.call.topology === "CALL_TOPOLOGY_SFU") {
      const person = change.participantUpdated;
      if (person.publishing && person.userId !== state.userId) await subscribe(person.userId);
    } else if (change.callEnded) {
      log("the call ended");
      await hangUp(false);
    } else if (change.participantJoined) {
      log("joined: " + change.participantJoined.userId);
    }
  }

  // ---- peer to peer

  function peer(userId) {
    let entry = state.peers.get(userId);
    if (entry) return entry;
    const pc = newPeerConnection();
    entry = {pc, pending: [], remoteSet: false};
    state.peers.set(userId, entry);
    for (const track of state.local.getTracks()) pc.addTrack(track, state.local);
    pc.onicecandidate = (e) => {
      send(userId, {candidate: candidateJson(e.candidate)}).catch(fail);
    };
    pc.ontrack = (e) => { video(userId).srcObject = e.streams[0]; };
    return entry;
  }

  function send(userId, signal) {
    return api("POST", "/v1/calls/" + state.call.id + "/signals",
               Object.assign({toUserId: userId}, signal));
  }

  async function offerTo(userId) {
    const {pc} = peer(userId);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await send(userId, {description: {type: "SDP_TYPE_OFFER", sdp: offer.sdp}});
  }

  async function onSignal(signal) {
    const entry = peer(signal.fromUserId);
    if (signal.description) {
      const description = {type: rtcType(signal.description.type), sdp: signal.description.sdp};
      await entry.pc.setRemoteDescription(description);
      entry.remoteSet = true;
      for (const candidate of entry.pending.splice(0)) await entry.pc.addIceCandidate(candidate);
      if (description.type === "offer") {
        const answer = await entry.pc.createAnswer();
        await entry.pc.setLocalDescription(answer);
        await send(signal.fromUserId, {description: {type: "SDP_TYPE_ANSWER", sdp: answer.sdp}});
      }
    } else if (signal.candidate) {
      const candidate = rtcCandidate(signal.candidate);
      if (!candidate) return;
      if (entry.remoteSet) await entry.pc.addIceCandidate(candidate);
      else entry.pending.push(candidate);
    }
  }

  function closePeer(userId) {
    const entry = state.peers.get(userId) || state.subscriptions.get(userId);
    if (entry) entry.pc.close();
    state.peers.delete(userId);
    state.subscriptions.delete(userId);
    const element = document.getElementById("video-" + userId);
    if (element) element.remove();
  }

  // ---- through the SFU

  // Candidates go in small batches; the server passes them to the media server.
  function trickler(subscriptionId) {
    let queue = [], timer = null;
    const flush = () => {
      timer = null;
      const candidates = queue.splice(0, 50);
      if (!candidates.length) return;
      api("POST", "/v1/calls/" + state.call.id + ":trickle",
          {subscriptionId, candidates}).catch(fail);
      if (queue.length) timer = setTimeout(flush, 0);
    };
    return (e) => {
      queue.push(candidateJson(e.candidate));
      if (!timer) timer = setTimeout(flush, 20);
    };
  }

  async function publish() {
    const pc = newPeerConnection();
    state.publisher = pc;
    for (const track of state.local.getTracks()) pc.addTrack(track, state.local);
    pc.onicecandidate = trickler("");
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const published = await api("POST", "/v1/calls/" + state.call.id + ":publish",
                                {offer: {type: "SDP_TYPE_OFFER", sdp: offer.sdp}});
    await pc.setRemoteDescription({type: "answer", sdp: published.answer.sdp});
  }

  async function subscribe(publisherId) {
    if (state.subscriptions.has(publisherId)) return;
    const entry = {id: "", pc: newPeerConnection()};
    state.subscriptions.set(publisherId, entry);
    try {
      const subscribed = await api("POST", "/v1/calls/" + state.call.id + ":subscribe",
                                   {publisherUserId: publisherId});
      entry.id = subscribed.subscriptionId;
      entry.pc.onicecandidate = trickler(entry.id);
      entry.pc.ontrack = (e) => {
        const element = video(publisherId);
        if (!element.srcObject) element.srcObject = new MediaStream();
        element.srcObject.addTrack(e.track);
      };
      await entry.pc.setRemoteDescription({type: "offer", sdp: subscribed.offer.sdp});
      const answer = await entry.pc.createAnswer();
      await entry.pc.setLocalDescription(answer);
      await api("POST", "/v1/calls/" + state.call.id + ":answerSubscription",
                {subscriptionId: entry.id, answer: {type: "SDP_TYPE_ANSWER", sdp: answer.sdp}});
    } catch (error) {
      entry.pc.close();
      state.subscriptions.delete(publisherId);
      if (error.reason !== "PEER_NOT_PUBLISHING") throw error;
    }
  }

  // ---- the call

  // ---- the waiting room

  // Knocked: heartbeats keep the knock until a host lets us in (we are put in the call and told
  // with our own participant_joined) or declines.
  function wait(call, heartbeatSeconds) {
    state.waiting = call;
    state.heartbeatSeconds = heartbeatSeconds;
    state.heartbeat = setInterval(() => {
      api("POST", "/v1/calls/" + call.id + ":heartbeat", {}).catch(fail);
    }, heartbeatSeconds * 1000 / 2);
    log("waiting for a host to let us in");
    return call;
  }

  async function onWaitingChange(change) {
    state.events.push(change);
    const call = state.waiting;
    const mine = (id) => id === state.userId;
    if (change.participantJoined && mine(change.participantJoined.userId)) {
      clearInterval(state.heartbeat);
      state.waiting = null;
      log("let in");
      const ice = await api("GET", "/v1/calls/" + call.id + "/iceServers");
      const now = await api("GET", "/v1/calls/" + call.id);
      await enter(now, ice.iceServers, state.heartbeatSeconds);
    } else if ((change.waitEnded && mine(change.waitEnded.userId) &&
                change.waitEnded.outcome !== "WAIT_OUTCOME_ADMITTED") || change.callEnded) {
      clearInterval(state.heartbeat);
      state.waiting = null;
      log("not let in: " + (change.callEnded ? "the call ended" : change.waitEnded.outcome));
    }
  }

  async function enter(call, iceServers, heartbeatSeconds) {
    state.call = call;
    state.iceServers = iceServers || [];
    state.local = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
    video("me").srcObject = state.local;
    video("me").muted = true;
    state.heartbeat = setInterval(() => {
      api("POST", "/v1/calls/" + call.id + ":heartbeat", {}).catch(fail);
    }, (heartbeatSeconds || 5) * 1000 / 2);
    const others = (call.participants || []).filter((p) => p.userId !== state.userId);
    if (call.topology === "CALL_TOPOLOGY_PEER_TO_PEER") {
      // The newcomer offers to whoever is in already.
      for (const person of others) await offerTo(person.userId);
    } else {
      await publish();
      for (const person of others) if (person.publishing) await subscribe(person.userId);
      // Publications announced while the start or join was in flight were not heard (no call
      // yet to match them): the call as it is now names them.
      const now = await api("GET", "/v1/calls/" + call.id);
      for (const person of now.participants || []) {
        if (person.publishing && person.userId !== state.userId) await subscribe(person.userId);
      }
    }
    log("in call " + call.id + " (" + call.topology + ")");
    return call;
  }

  async function hangUp(tellServer) {
    if (!state.call) return;
    const call = state.call;
    state.call = null;
    clearInterval(state.heartbeat);
    for (const userId of [...state.peers.keys(), ...state.subscriptions.keys()]) closePeer(userId);
    if (state.publisher) state.publisher.close();
    state.publisher = null;
    if (state.local) for (const track of state.local.getTracks()) track.stop();
    if (tellServer) await api("POST", "/v1/calls/" + call.id + ":leave", {});
  }

  function durationSeconds(text) { return parseFloat(String(text || "5s")); }

  return {
    state,
    // Signs in with an access token and opens the socket; `policy`: "relay" forces TURN.
    async signIn(token, policy) {
      state.token = token;
      state.policy = policy || "all";
      await openSocket();
      return state.userId;
    },
    async startCall(chatId) {
      const started = await api("POST", "/v1/chats/" + chatId + "/calls",
                                {requestId: crypto.randomUUID()});
      return enter(started.call, started.iceServers, durationSeconds(started.heartbeatInterval));
    },
    // Joins, or knocks when the call has a waiting room (`state.waiting` until let in).
    async joinCall(callId) {
      const joined = await api("POST", "/v1/calls/" + callId + ":join", {});
      const heartbeat = durationSeconds(joined.heartbeatInterval);
      if (joined.waiting) return wait(joined.call, heartbeat);
      return enter(joined.call, joined.iceServers, heartbeat);
    },
    async liveCall(chatId) {
      return api("GET", "/v1/chats/" + chatId + "/calls:live");
    },
    leave() { return hangUp(true); },
    endCall() { return api("POST", "/v1/calls/" + state.call.id + ":end", {}); },
    moderate(userId, action) {
      return api("POST", "/v1/calls/" + state.call.id + ":moderate",
                 Object.assign({userId}, action));
    },
    // A host's controls: {locked, waitingRoom}; letting in (or not) someone waiting; muting all.
    setControls(controls) {
      return api("POST", "/v1/calls/" + state.call.id + ":setControls", controls);
    },
    admit(userId, admit) {
      return api("POST", "/v1/calls/" + state.call.id + ":admit", {userId, admit});
    },
    muteEveryone() { return api("POST", "/v1/calls/" + state.call.id + ":muteEveryone", {}); },
    // The peer connection that receives `userId`'s media (peer to peer, or a subscription).
    peerConnection(userId) {
      const entry = state.peers.get(userId) || state.subscriptions.get(userId);
      return entry ? entry.pc : null;
    },
  };
})();
window.parta = parta;

document.getElementById("start").onclick = async () => {
  try {
    if (!parta.state.socket) await parta.signIn(document.getElementById("token").value);
    await parta.startCall(document.getElementById("chat").value);
  } catch (error) { parta.state.errors.push(String(error)); alert(error.message); }
};
document.getElementById("join").onclick = async () => {
  try {
    if (!parta.state.socket) await parta.signIn(document.getElementById("token").value);
    const call = await parta.liveCall(document.getElementById("chat").value);
    await parta.joinCall(call.id);
  } catch (error) { parta.state.errors.push(String(error)); alert(error.message); }
};
document.getElementById("leave").onclick = () => parta.leave();

// The media port between a handle and its PeerConnection: the relay verbs go straight to the media's link, and
// what the PeerConnection reports reaches the plugin through the callbacks' methods, a throwing plugin contained.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Handle, type HandleOwner } from '../../../src/core/handle.js';
import type { HandleMedia, HandleMediaEvents, MediaFactory } from '../../../src/core/media-port.js';
import type { MediaLink } from '../../../src/plugin-api/plugin.js';
import { Session } from '../../../src/core/session.js';
import type { JsonObject } from '../../../src/core/validate.js';
import { Logger } from '../../../src/logging/logger.js';
import type { MediaTrackInfo, Plugin, PluginHandle } from '../../../src/plugins/plugin.js';

/** Records every verb call, in order, with its arguments. */
class RecordingLink implements MediaLink {
  readonly calls: unknown[][] = [];
  relayRtp(mid: string, packet: Buffer): void {
    this.calls.push(['relayRtp', mid, packet]);
  }
  relayRtcp(mid: string, packet: Buffer): void {
    this.calls.push(['relayRtcp', mid, packet]);
  }
  restartRtp(mid: string): void {
    this.calls.push(['restartRtp', mid]);
  }
  skipRtp(mid: string): void {
    this.calls.push(['skipRtp', mid]);
  }
  relayData(data: Buffer | string, label?: string): void {
    this.calls.push(['relayData', data, label]);
  }
  requestKeyframe(mid: string): void {
    this.calls.push(['requestKeyframe', mid]);
  }
  sendRemb(bitrate: number): void {
    this.calls.push(['sendRemb', bitrate]);
  }
}

interface Rig {
  readonly handle: Handle;
  readonly link: RecordingLink;
  readonly events: () => HandleMediaEvents;
  readonly delivered: JsonObject[];
  readonly logged: string[];
}

function rig(plugin: Partial<Plugin>): Rig {
  const link = new RecordingLink();
  let events: HandleMediaEvents | undefined;
  const media: HandleMedia = {
    link,
    answerOffer: () => Promise.reject(new Error('not here')),
    createOffer: () => Promise.reject(new Error('not here')),
    restartIce: () => Promise.reject(new Error('not here')),
    acceptAnswer: () => Promise.resolve(),
    negotiatedMedia: () => [],
    addRemoteCandidate: () => {},
    close: () => {},
    info: () => ({}),
    setOutgoingTap: () => {},
  };
  const factory: MediaFactory = {
    create(e) {
      events = e;
      return media;
    },
    checkSdp: () => undefined,
  };
  const delivered: JsonObject[] = [];
  const logged: string[] = [];
  const session = new Session(1, { transport: 'test', peer: 'test', deliver: (_id, m) => delivered.push(m) }, 0, 0);
  const owner: HandleOwner = { media: factory, opaqueIdInApi: false, now: () => 0, endHandle: () => {} };
  const full: Plugin = {
    descriptor: { package: 'janus.plugin.test', name: 'test', author: 'test', description: 'test', version: 1, versionString: '0.0.1' },
    createSession: () => {},
    handleMessage: () => ({ kind: 'ok', data: {} }),
    destroySession: () => {},
    ...plugin,
  };
  const log = Logger.create({ level: 7, sink: { write: (line: string) => logged.push(line) }, timestamps: false });
  const handle = new Handle(2, session, full, 0, log, owner);
  handle.ensureMedia();
  return { handle, link, events: () => events!, delivered, logged };
}

test('the relay verbs reach the media link unchanged, in one hop', () => {
  const { handle, link } = rig({});
  const p = Buffer.from([0x80, 0, 0, 1]);
  handle.relayRtp('v', p);
  handle.relayRtcp('v', p);
  handle.restartRtp('a');
  handle.skipRtp('a');
  handle.relayData('hello', 'chat');
  handle.relayData(p);
  handle.requestKeyframe('*');
  handle.sendRemb(300_000);
  assert.deepEqual(link.calls, [
    ['relayRtp', 'v', p],
    ['relayRtcp', 'v', p],
    ['restartRtp', 'a'],
    ['skipRtp', 'a'],
    ['relayData', 'hello', 'chat'],
    ['relayData', p, undefined],
    ['requestKeyframe', '*'],
    ['sendRemb', 300_000],
  ]);
  // Once the PeerConnection is gone the verbs go nowhere.
  handle.hangup('Close PC');
  handle.relayRtp('v', p);
  assert.equal(link.calls.length, 8);
});

test('incoming media reaches the plugin, and a throwing plugin is logged, never thrown into the media layer', () => {
  const seen: unknown[][] = [];
  const { handle, events, logged } = rig({
    incomingRtp(h: PluginHandle, track: MediaTrackInfo, packet: Buffer) {
      seen.push(['rtp', h, track.mid, packet.length]);
      if (packet.length === 13) throw new Error('plugin bug');
    },
    incomingData(h: PluginHandle, label: string, data: Buffer | string) {
      seen.push(['data', h, label, data]);
    },
  });
  const e = events();
  e.rtp({ mid: 'v', kind: 'video' }, Buffer.alloc(12));
  assert.doesNotThrow(() => e.rtp({ mid: 'v', kind: 'video' }, Buffer.alloc(13)));
  e.rtcp(undefined, Buffer.alloc(8)); // the plugin has no incomingRtcp: nothing happens
  e.data('chat', 'hi');
  assert.deepEqual(seen, [
    ['rtp', handle, 'v', 12],
    ['rtp', handle, 'v', 13],
    ['data', handle, 'chat', 'hi'],
  ]);
  assert.ok(logged.some((l) => l.includes('incoming_rtp failed') && l.includes('plugin bug')));
});

test('webrtcup is reported once, then the plugin set up', () => {
  let setups = 0;
  const { handle, events, delivered } = rig({ setupMedia: () => void setups++ });
  events().webrtcUp();
  events().webrtcUp();
  assert.equal(setups, 1);
  assert.equal(handle.webrtcUp, true);
  assert.deepEqual(
    delivered.filter((m) => m.janus === 'webrtcup').map((m) => m.sender),
    [2],
  );
});

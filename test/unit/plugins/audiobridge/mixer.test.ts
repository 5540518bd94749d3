// The mixer on hand-made participants (G.711, so what comes out can be read back exactly enough): each talker
// hears the others and not itself, the silent share one encoding relayed to all of them, mute and volume apply,
// a spatial room pans, a group sink hears its group only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RelayGroup, RelayMember, PluginHandle } from '../../../../src/plugin-api/index.js';
import { decodeG711, encodeG711 } from '../../../../src/audio/g711.js';
import { InboundAudio } from '../../../../src/plugins/audiobridge/inbound-audio.js';
import { Mixer, ParticipantMixState, type MixParticipant, type MixSink, PRIVATE_HOLD_FRAMES } from '../../../../src/plugins/audiobridge/mixer.js';
import type { EncoderSettings } from '../../../../src/plugins/audiobridge/mix-encoder.js';

const PCMU: EncoderSettings = { codec: 'pcmu', bitrate: 0, complexity: 4, fec: false, expectedLoss: 0 };

class FakeGroup implements RelayGroup {
  members: readonly RelayMember[] = [];
  packets: Buffer[] = [];
  setCalls = 0;
  setMembers(members: readonly RelayMember[]): void {
    this.members = members;
    this.setCalls++;
  }
  relay(packet: Buffer): void {
    this.packets.push(Buffer.from(packet));
  }
  close(): void {}
}

/** A participant sending a constant level (a DC "voice" survives G.711 and is easy to measure). */
class Fake implements MixParticipant {
  readonly inbound: InboundAudio;
  readonly mixState = new ParticipantMixState(160);
  readonly encoder = PCMU;
  silenced = false;
  gain = 1;
  pan = 50;
  listening = true;
  relayMember: RelayMember | undefined;
  sent: Buffer[] = [];
  private seq = 0;

  constructor(
    readonly name: string,
    public level: number,
    shared = true,
  ) {
    this.inbound = new InboundAudio('pcmu', 8000, 160, 0);
    this.relayMember = shared ? { handle: { id: name.length } as unknown as PluginHandle, mid: name } : undefined;
  }

  speak(): void {
    const pcm = new Int16Array(160).fill(this.level);
    const payload = Buffer.alloc(160);
    encodeG711('pcmu', pcm, 160, payload, 0);
    this.inbound.push(this.seq++, payload);
  }

  send(payload: Buffer): void {
    this.sent.push(Buffer.from(payload));
  }
}

/** The level a G.711 payload carries (its mean sample). */
function levelOf(payload: Buffer): number {
  const out = new Int16Array(160);
  const n = decodeG711('pcmu', payload, payload.length > 160 ? 12 : 0, 160, out);
  return out.reduce((s, v) => s + v, 0) / n;
}

function setUp(spatial = false): { mixer: Mixer; groups: FakeGroup[] } {
  const groups: FakeGroup[] = [];
  const mixer = new Mixer(8000, spatial, () => {
    const g = new FakeGroup();
    groups.push(g);
    return g;
  });
  return { mixer, groups };
}

const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= Math.max(64, Math.abs(b) * 0.08), `${what}: ${a.toFixed(0)} vs ${b}`);

test('talkers hear the others and not themselves; the silent share one encoding, relayed once', () => {
  const { mixer, groups } = setUp();
  const a = new Fake('a', 3000);
  const b = new Fake('b', 1000);
  const quiet = [new Fake('c', 0), new Fake('d', 0), new Fake('e', 0)];
  const all = [a, b, ...quiet];
  for (let i = 0; i < 3; i++) {
    for (const p of all) p.speak();
    mixer.tick(all, [], []);
  }
  near(levelOf(a.sent.at(-1)!), 1000, 'a hears b');
  near(levelOf(b.sent.at(-1)!), 3000, 'b hears a');
  assert.equal(mixer.lastEncodings, 3, 'a, b and one for the three silent');
  assert.equal(groups.length, 1);
  assert.deepEqual(
    groups[0].members.map((m) => m.mid),
    ['c', 'd', 'e'],
  );
  near(levelOf(groups[0].packets.at(-1)!), 4000, 'the silent hear both');
  assert.equal(groups[0].setCalls, 1, 'members set once while nobody changes');
  assert.ok(
    quiet.every((q) => q.sent.length === 0),
    'relayed, not sent one by one',
  );
});

test('muted and suspended voices are left out; volume scales; a plain-RTP listener gets its own copy of the shared mix', () => {
  const { mixer, groups } = setUp();
  const a = new Fake('a', 2000);
  const b = new Fake('b', 2000);
  const plain = new Fake('p', 0, false);
  b.gain = 0.5;
  a.silenced = true;
  const all = [a, b, plain];
  for (let i = 0; i < 2; i++) {
    for (const p of all) p.speak();
    mixer.tick(all, [], []);
  }
  near(levelOf(a.sent.at(-1) ?? groups[0].packets.at(-1)!), 1000, 'a hears b at half volume');
  near(levelOf(plain.sent.at(-1)!), 1000, 'plain listener hears b only');
  assert.equal(levelOf(b.sent.at(-1)!), 0, 'b hears nothing: a is muted');
});

test('a group sink hears its group only; a sink without one hears everyone', () => {
  const { mixer } = setUp();
  const a = new Fake('a', 1500);
  const b = new Fake('b', 700);
  const got: Record<string, number> = {};
  const sink = (name: string, group?: string): MixSink => ({ group, encoder: PCMU, receive: (_pcm, _n, payload) => (got[name] = levelOf(payload!)) });
  const groupOf = (p: MixParticipant): string => ((p as Fake).name === 'a' ? 'red' : 'blue');
  for (let i = 0; i < 2; i++) {
    a.speak();
    b.speak();
    mixer.tick([a, b], [], [sink('all'), sink('red', 'red'), sink('blue', 'blue')], groupOf);
  }
  near(got.all, 2200, 'full mix');
  near(got.red, 1500, 'red group');
  near(got.blue, 700, 'blue group');
});

test('a spatial room pans: far left is heard in the left channel only', () => {
  const { mixer } = setUp(true);
  const left = new Fake('l', 2000);
  const listener = new Fake('x', 0, false);
  left.pan = 0;
  const pcm: Int16Array[] = [];
  const sink: MixSink = { receive: (p) => pcm.push(Int16Array.from(p)) };
  for (let i = 0; i < 2; i++) {
    left.speak();
    listener.speak();
    mixer.tick([left, listener], [], [sink]);
  }
  const last = pcm.at(-1)!;
  assert.equal(last.length, 320, 'stereo frame');
  near(last[0], 2000, 'left channel');
  assert.equal(last[1], 0, 'right channel silent');
});

test('a talker who pauses keeps its own encoding (the full mix) for a second, then joins the shared one', () => {
  const { mixer, groups } = setUp();
  const a = new Fake('a', 3000);
  const b = new Fake('b', 1000);
  const c = new Fake('c', 0);
  const all = [a, b, c];
  for (let i = 0; i < 3; i++) {
    for (const p of all) p.speak();
    mixer.tick(all, [], []);
  }
  // a stops sending: its queue is dry, it adds nothing, but it still hears b on its own encoder.
  const sentBefore = a.sent.length;
  for (let i = 0; i < PRIVATE_HOLD_FRAMES; i++) {
    b.speak();
    c.speak();
    mixer.tick(all, [], []);
  }
  assert.equal(a.sent.length, sentBefore + PRIVATE_HOLD_FRAMES, 'one packet a frame, its own');
  near(levelOf(a.sent.at(-1)!), 1000, 'a hears b');
  assert.ok(!groups[0].members.some((m) => m.mid === 'a'), 'not in the shared stream yet');
  b.speak();
  c.speak();
  mixer.tick(all, [], []);
  assert.ok(
    groups[0].members.some((m) => m.mid === 'a'),
    'after the hold, the shared stream',
  );
});

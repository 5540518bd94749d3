// Rooms with `signed_tokens` (AudioBridge and VideoRoom, as Janus): on a server whose core signs tokens, joining
// needs a token signed for the plugin that names `room=<id>`, checked before the pin; a token for another room,
// another plugin, the core's own or an expired one is refused with "Unauthorized (wrong token)".
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signToken } from '../../../src/core/tokens.js';
import { startInProcess, type StartedServer } from '../../helpers/in-process-server.js';
import { JanusWs, type Msg } from '../../../support/janus-ws.js';

const SECRET = 'room-token-secret';
const obj = (v: unknown): Msg => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Msg) : {});
const inAMinute = (): number => Math.floor(Date.now() / 1000) + 60;

let srv: StartedServer;
before(async () => {
  srv = await startInProcess([
    ['general.token_auth', 'true'],
    ['general.token_auth_secret', SECRET],
  ]);
});
after(() => srv.stop());

/** A session and a handle of `plugin`, with a core token that allows it. */
async function handleOf(plugin: string): Promise<{ ws: JanusWs; call(body: Msg): Promise<Msg> }> {
  const token = signToken(SECRET, inAMinute(), [plugin]);
  const ws = await JanusWs.open(srv.wsUrl);
  const session = Number(obj((await ws.request({ janus: 'create', token })).data).id);
  const handle = Number(obj((await ws.request({ janus: 'attach', session_id: session, plugin, token })).data).id);
  // The plugin's answer (a synchronous reply, or the event after an ack).
  const call = async (body: Msg): Promise<Msg> => {
    const first = await ws.request({ janus: 'message', session_id: session, handle_id: handle, body, token });
    if (first.janus === 'success') return obj(obj(first.plugindata).data);
    assert.equal(first.janus, 'ack', JSON.stringify(first));
    const m = await ws.wait((e) => e.janus === 'event' && e.transaction === first.transaction, 10_000, String(body.request));
    return obj(obj(m.plugindata).data);
  };
  return { ws, call };
}

for (const { plugin, join, unauthorized } of [
  { plugin: 'janus.plugin.audiobridge', join: (room: number, extra: Msg) => ({ request: 'join', room, ...extra }), unauthorized: 489 },
  { plugin: 'janus.plugin.videoroom', join: (room: number, extra: Msg) => ({ request: 'join', ptype: 'publisher', room, ...extra }), unauthorized: 433 },
]) {
  test(`${plugin}: signed_tokens rooms take only a token signed for the plugin and the room`, { timeout: 30_000 }, async () => {
    const admin = await handleOf(plugin);
    try {
      const created = await admin.call({ request: 'create', room: 4321, signed_tokens: true, pin: 'pin' });
      assert.equal(created.room, 4321, JSON.stringify(created));
      await admin.call({ request: 'create', room: 4322 });
      const refused = [
        ['no token', undefined],
        ['another room', signToken(SECRET, inAMinute(), ['room=4322'], plugin)],
        ['another plugin', signToken(SECRET, inAMinute(), ['room=4321'], plugin === 'janus.plugin.videoroom' ? 'janus.plugin.audiobridge' : 'janus.plugin.videoroom')],
        ["the core's token", signToken(SECRET, inAMinute(), [plugin])],
        ['expired', signToken(SECRET, Math.floor(Date.now() / 1000) - 1, ['room=4321'], plugin)],
        ['forged', signToken('not-the-secret', inAMinute(), ['room=4321'], plugin)],
      ] as const;
      for (const [what, token] of refused) {
        const user = await handleOf(plugin);
        try {
          const answer = await user.call(join(4321, { pin: 'pin', ...(token !== undefined ? { token } : {}) }));
          assert.equal(answer.error_code, unauthorized, `${what}: ${JSON.stringify(answer)}`);
          assert.equal(answer.error, 'Unauthorized (wrong token)', what);
        } finally {
          user.ws.close();
        }
      }
      const user = await handleOf(plugin);
      try {
        const token = signToken(SECRET, inAMinute(), ['room=4321'], plugin);
        // The token comes first; the pin is still checked after it.
        const wrongPin = await user.call(join(4321, { token, pin: 'nope' }));
        assert.equal(wrongPin.error_code, unauthorized, JSON.stringify(wrongPin));
        assert.notEqual(wrongPin.error, 'Unauthorized (wrong token)');
        const joined = await user.call(join(4321, { token, pin: 'pin' }));
        assert.equal(joined.room, 4321, JSON.stringify(joined));
        assert.ok(joined.audiobridge === 'joined' || joined.videoroom === 'joined', JSON.stringify(joined));
      } finally {
        user.ws.close();
      }
      // A room without signed_tokens takes no token at all.
      const other = await handleOf(plugin);
      try {
        const joined = await other.call(join(4322, {}));
        assert.equal(joined.room, 4322, JSON.stringify(joined));
      } finally {
        other.ws.close();
      }
    } finally {
      admin.ws.close();
    }
  });
}

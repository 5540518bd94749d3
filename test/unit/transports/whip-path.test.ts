// WHIP/WHEP URLs, headers and what each endpoint asks of its plugin.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerToken, ifMatchAllows, mediaType, parseWhipPath, pluginId, resourcePath } from '../../../src/transports/whip/whip-path.js';
import { planFor, PlanError, pluginErrorStatus, tokenBindings } from '../../../src/transports/whip/whip-targets.js';
import { iceServerLinks, parseLinkHeader, quotedString } from '../../../src/transports/whip/ice-server-links.js';

const BASES = { whip: '/whip', whep: '/whep/' };

test('endpoints, resources, unknown paths under a base, and paths that are not ours', () => {
  assert.deepEqual(parseWhipPath('/whip/videoroom/1234?display=Al%20ice&id=7&junk=1', BASES), {
    kind: 'endpoint',
    protocol: 'whip',
    target: { plugin: 'videoroom', room: '1234' },
    query: { display: 'Al ice', id: '7' },
  });
  assert.deepEqual(parseWhipPath('/whep/videoroom/r%C3%BCm/feed/', BASES), { kind: 'endpoint', protocol: 'whep', target: { plugin: 'videoroom', room: 'rüm', feed: 'feed' }, query: {} });
  assert.deepEqual(parseWhipPath('/whep/streaming/5?pin=x', BASES), { kind: 'endpoint', protocol: 'whep', target: { plugin: 'streaming', mountpoint: '5' }, query: { pin: 'x' } });
  assert.deepEqual(parseWhipPath('/whip/resource/AbCdEfGh12345678', BASES), { kind: 'resource', protocol: 'whip', id: 'AbCdEfGh12345678' });
  for (const p of ['/whip', '/whip/videoroom', '/whep/videoroom/1', '/whip/videoroom/1/2', '/whip/resource/short', '/whip/videoroom/%zz', '/whip/videoroom/a%2Fb', '/whip/videoroom/%00']) {
    assert.equal(parseWhipPath(p, BASES)?.kind, 'unknown', p);
  }
  for (const p of ['/janus', '/whipx/videoroom/1', '/', '']) assert.equal(parseWhipPath(p, BASES), undefined, p);
  assert.equal(parseWhipPath('/whip/videoroom/1', { whip: '/', whep: '' }), undefined, 'an empty base serves nothing');
  assert.equal(resourcePath(BASES, 'whep', 'abc'), '/whep/resource/abc');
});

test('ids, media types, bearer tokens, If-Match', () => {
  assert.equal(pluginId('1234', false), 1234);
  assert.equal(pluginId('1234', true), '1234');
  for (const bad of ['0', 'abc', '99999999999999999', '-1']) assert.equal(pluginId(bad, false), undefined, bad);
  assert.equal(mediaType('Application/SDP; charset=utf-8'), 'application/sdp');
  assert.equal(mediaType(undefined), '');
  assert.equal(bearerToken('Bearer abc.def:ghi='), 'abc.def:ghi=');
  assert.equal(bearerToken('bearer   x'), 'x');
  for (const bad of [undefined, 'Basic abc', 'Bearer', 'Bearer a b']) assert.equal(bearerToken(bad), undefined, String(bad));
  assert.ok(ifMatchAllows(undefined, '"a"'));
  assert.ok(ifMatchAllows('*', '"a"'));
  assert.ok(ifMatchAllows('"b", W/"a"', '"a"'));
  assert.ok(!ifMatchAllows('"b"', '"a"'));
});

const NO_BINDING = { videoroomStringIds: false, streamingStringIds: false, bound: {} };

test('what each endpoint asks of its plugin', () => {
  assert.deepEqual(planFor('whip', { plugin: 'videoroom', room: '5' }, { display: 'A', id: '9', pin: 'p' }, NO_BINDING), {
    plugin: 'janus.plugin.videoroom',
    join: { request: 'joinandconfigure', ptype: 'publisher', room: 5, pin: 'p', display: 'A', id: 9 },
    restart: { request: 'configure' },
  });
  assert.deepEqual(planFor('whep', { plugin: 'videoroom', room: 'r', feed: 'f' }, {}, { ...NO_BINDING, videoroomStringIds: true }).join, {
    request: 'join',
    ptype: 'subscriber',
    room: 'r',
    streams: [{ feed: 'f' }],
  });
  const s = planFor('whep', { plugin: 'streaming', mountpoint: '3' }, { pin: 'x' }, NO_BINDING);
  assert.deepEqual(s.join, { request: 'watch', id: 3, pin: 'x' });
  assert.deepEqual(s.start, { request: 'start' });
  assert.deepEqual(s.restart, { request: 'watch', id: 3, restart: true, pin: 'x' });
  const status = (f: () => unknown): number | undefined => {
    try {
      f();
    } catch (err) {
      if (err instanceof PlanError) return err.status;
      throw err;
    }
    return undefined;
  };
  assert.equal(
    status(() => planFor('whip', { plugin: 'videoroom', room: 'abc' }, {}, NO_BINDING)),
    404,
  );
  assert.equal(
    status(() => planFor('whip', { plugin: 'streaming', mountpoint: 'x1' }, {}, NO_BINDING)),
    404,
  );
  // WHIP into a mountpoint: `publish`, made when missing; the bearer token stands for its secret and the admin key.
  const w = planFor('whip', { plugin: 'streaming', mountpoint: '8' }, {}, { ...NO_BINDING, bearer: 'tok' });
  assert.deepEqual(w.join, { request: 'publish', id: 8, create: true, secret: 'tok', admin_key: 'tok' });
  assert.deepEqual(w.restart, { request: 'publish', id: 8, restart: true });
  assert.equal(w.start, undefined);
  assert.deepEqual(planFor('whip', { plugin: 'streaming', mountpoint: '8' }, {}, NO_BINDING).join, { request: 'publish', id: 8, create: true });
});

test("a signed token's room=/display= entries bind the publisher: another room is 403, the display is the token's", () => {
  const bound = tokenBindings(['janus.plugin.videoroom', 'room=5', 'display=Al%20ice', 'display=%zz', 'other=1']);
  assert.deepEqual(bound, { room: '5', display: 'Al ice' });
  const plan = planFor('whip', { plugin: 'videoroom', room: '5' }, { display: 'Mallory' }, { ...NO_BINDING, bound });
  assert.equal(plan.join.display, 'Al ice');
  assert.throws(
    () => planFor('whip', { plugin: 'videoroom', room: '6' }, {}, { ...NO_BINDING, bound }),
    (e: unknown) => e instanceof PlanError && e.status === 403,
  );
  assert.deepEqual(tokenBindings(undefined), {});
});

test('plugin error codes as HTTP statuses', () => {
  assert.equal(pluginErrorStatus('janus.plugin.videoroom', 426), 404);
  assert.equal(pluginErrorStatus('janus.plugin.videoroom', 433), 403);
  assert.equal(pluginErrorStatus('janus.plugin.videoroom', 436), 409);
  assert.equal(pluginErrorStatus('janus.plugin.videoroom', 437), 400);
  assert.equal(pluginErrorStatus('janus.plugin.streaming', 455), 404);
  assert.equal(pluginErrorStatus('janus.plugin.streaming', 457), 403);
  assert.equal(pluginErrorStatus('janus.plugin.streaming', 460), 409, 'a mountpoint that has a publisher');
});

test('Link rel="ice-server" values from the STUN/TURN settings (RFC 9725 4.6), and read back', () => {
  const none = { stunServer: '', stunPort: 3478, turnServer: '', turnPort: 3478, turnType: 'udp', turnUser: '', turnPwd: '' };
  assert.deepEqual(iceServerLinks(none), []);
  const links = iceServerLinks({ ...none, stunServer: 'stun.example.net', turnServer: '2001:db8::1', turnPort: 5349, turnType: 'tls', turnUser: 'u"1', turnPwd: 'p\\w' });
  assert.deepEqual(links, [
    '<stun:stun.example.net:3478>; rel="ice-server"',
    '<turns:[2001:db8::1]:5349?transport=tcp>; rel="ice-server"; username="u\\"1"; credential="p\\\\w"; credential-type="password"',
  ]);
  const parsed = parseLinkHeader(links.join(', '));
  assert.equal(parsed.length, 2);
  assert.deepEqual(parsed[1], { uri: 'turns:[2001:db8::1]:5349?transport=tcp', params: { rel: 'ice-server', username: 'u"1', credential: 'p\\w', 'credential-type': 'password' } });
  assert.equal(iceServerLinks({ ...none, turnServer: 'turn', turnType: 'tcp' })[0], '<turn:turn:3478?transport=tcp>; rel="ice-server"');
  assert.deepEqual(iceServerLinks({ ...none, stunServer: 'bad>host' }), [], 'a host that would break the header is left out');
  assert.equal(quotedString('a\u0001b'), '"ab"');
});

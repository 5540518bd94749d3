// janus.plugin.videoroom: an SFU. Publishers send their streams to the room; subscribers get any mix of the
// publishers' streams on one PeerConnection the plugin offers. This is the plugin's shell: its lifecycle, its
// handles, and the dispatch of requests (request-table.ts) and media callbacks (media-events.ts).
import type { JsonObject, MediaTrackInfo, Plugin, PluginContext, PluginHandle, PluginMessage, PluginMetric, PluginResult } from '../plugin.js';
import { PluginRequests } from '../../plugin-api/plugin-requests.js';
import { PLUGIN_API_VERSION } from '../../plugin-api/version.js';
import { HandlerEvents } from '../handler-events.js';
import { generalSettings, isTrue } from '../plugin-settings.js';
import { gaugeOf, roomMetrics } from '../room-metrics.js';
import { E, errorData, KIT_CODES } from './errors.js';
import type { HandleState } from './handle-state.js';
import { dataIn, mediaGone, mediaUp, rtcpIn, rtpIn, slowLink } from './media-events.js';
import { loadRooms } from './permanent-rooms.js';
import { closeRecorder } from './recording.js';
import { requestTable, SYNC_REQUESTS } from './request-table.js';
import { closeRoom, leave } from './room-lifecycle.js';
import { VideoRoomState } from './videoroom-state.js';
import { RoomSpan } from './span.js';

export class VideoRoomPlugin implements Plugin {
  readonly descriptor = {
    package: 'janus.plugin.videoroom',
    name: 'JANUS VideoRoom plugin',
    author: 'Portunus',
    description: 'This is a plugin implementing a videoconferencing SFU (Selective Forwarding Unit) for Janus, that is an audio/video router.',
    version: 10,
    versionString: '0.0.10',
    apiVersion: PLUGIN_API_VERSION,
  };
  private readonly handles = new Map<number, HandleState>();
  /** Everything the requests share; made by `init`. */
  private vr: VideoRoomState | undefined;
  /** The kit's dispatch of `handleMessage`; made with `vr`. */
  private requests: PluginRequests<HandleState> | undefined;

  async init(context: PluginContext): Promise<void> {
    const config = context.config;
    const general = generalSettings(config);
    const adminKey = typeof general.admin_key === 'string' && general.admin_key !== '' ? general.admin_key : undefined;
    const options = {
      stringIds: isTrue(general.string_ids),
      adminKey,
      // With an admin key, forwarding media out of the server needs it too unless the operator says otherwise
      // (Janus leaves this off by default; a safer default here).
      lockRtpForward: general.lock_rtp_forward === undefined || isTrue(general.lock_rtp_forward),
    };
    const vr = new VideoRoomState(
      this.handles,
      options,
      context.log,
      context.network,
      context.recordingsDir,
      context.state,
      () => context.relayGroup(),
      HandlerEvents.of(context, 'videoroom'),
      context.tokens,
      context.cluster,
    );
    this.vr = vr;
    this.requests = new PluginRequests({ plugin: 'videoroom', codes: KIT_CODES, table: requestTable(vr) });
    if (!context.network.ipv6Available) vr.log.info('videoroom: IPv6 unavailable, forwarders and remote publishers use IPv4 sockets');
    loadRooms(vr, config);
    if (context.cluster) vr.span = new RoomSpan(vr, context.cluster);
  }

  /** Every recorder is closed, and so on disk, before this returns. */
  destroy(): void {
    const vr = this.vr;
    if (!vr) return;
    this.requests?.dropAll();
    for (const r of [...vr.recorders]) closeRecorder(vr, r);
    for (const room of vr.rooms.values()) closeRoom(vr, room);
    vr.rooms.clear();
    vr.cascade.closeAll();
    // Room changes not shared yet are not tried again (the node stops; its records stay as they are).
    clearTimeout(vr.roomRetry);
  }

  createSession(handle: PluginHandle): void {
    this.handles.set(handle.id, { handle, role: { kind: 'none' }, destroyed: false });
  }

  destroySession(handle: PluginHandle): void {
    const h = this.handles.get(handle.id);
    if (!h) return;
    h.destroyed = true;
    this.requests?.drop(handle.id);
    if (this.vr) leave(this.vr, h, 'detached');
    this.handles.delete(handle.id);
  }

  metrics(): PluginMetric[] {
    const rooms = this.vr?.rooms.values() ?? [];
    let participants = 0;
    let publishing = 0;
    let subscribers = 0;
    for (const room of rooms) {
      participants += room.participants.size;
      for (const p of room.participants.values()) if (p.active) publishing++;
      subscribers += room.subscribers.size;
    }
    return [
      ...roomMetrics(this.vr?.rooms.size ?? 0, participants),
      gaugeOf('publishers', 'Participants publishing media now.', publishing),
      gaugeOf('subscribers', 'Subscriber handles in rooms now.', subscribers),
    ];
  }

  querySession(handle: PluginHandle): JsonObject {
    const h = this.handles.get(handle.id);
    if (!h) return {};
    const r = h.role;
    if (r.kind === 'publisher') {
      return {
        type: 'publisher',
        room: r.room.id,
        id: r.publisher.id,
        private_id: r.publisher.privateId,
        display: r.publisher.display ?? null,
        active: r.publisher.active,
        streams: r.publisher.streams.map((s) => ({ ...s.describe(), subscribers: s.sinks.size })),
        destroyed: h.destroyed,
      };
    }
    if (r.kind === 'subscriber') return { type: 'subscriber', room: r.room.id, state: r.subscriber.state, streams: r.subscriber.streams.map((s) => s.describe()), destroyed: h.destroyed };
    return { type: 'none', destroyed: h.destroyed };
  }

  async handleAdminMessage(request: JsonObject): Promise<JsonObject> {
    const r = request.request;
    const run = typeof r === 'string' ? SYNC_REQUESTS.get(r) : undefined;
    if (!this.vr || !run) return { videoroom: 'event', error_code: E.INVALID_REQUEST, error: `Unknown request '${String(r)}'` };
    try {
      return await run(this.vr, request);
    } catch (err) {
      return errorData(err, this.vr.log);
    }
  }

  /** Room management is answered at once; joining and negotiation are queued on the handle (see request-table.ts). */
  handleMessage(handle: PluginHandle, message: PluginMessage): PluginResult | Promise<PluginResult> {
    const h = this.handles.get(handle.id);
    if (!h || !this.requests) return { kind: 'error', reason: 'No session associated with this handle' };
    return this.requests.handle(h, handle, message);
  }

  setupMedia(handle: PluginHandle): void {
    const h = this.handles.get(handle.id);
    if (h && this.vr) mediaUp(this.vr, h, handle);
  }

  incomingRtp(handle: PluginHandle, track: MediaTrackInfo, packet: Buffer): void {
    const h = this.handles.get(handle.id);
    if (h) rtpIn(h, track, packet);
  }

  incomingData(handle: PluginHandle, label: string, data: Buffer | string): void {
    const h = this.handles.get(handle.id);
    if (h) dataIn(h, label, data);
  }

  incomingRtcp(handle: PluginHandle, track: MediaTrackInfo | undefined, packet: Buffer): void {
    const h = this.handles.get(handle.id);
    if (h && this.vr) rtcpIn(this.vr, h, track, packet);
  }

  slowLink(handle: PluginHandle, uplink: boolean): void {
    const h = this.handles.get(handle.id);
    if (h) slowLink(h, handle, uplink);
  }

  hangupMedia(handle: PluginHandle): void {
    const h = this.handles.get(handle.id);
    if (h && this.vr) mediaGone(this.vr, h, handle);
  }
}

// Where a viewer's layer forwarder sends one stream's packets: that stream's m-line on the viewer's PeerConnection,
// its layer events to the viewer's client, its keyframe needs to the mountpoint.
import type { ForwardTarget, LayerEventField } from '../../forwarding/layer-forwarder.js';
import type { PluginHandle } from '../plugin.js';

export class ViewerStreamTarget implements ForwardTarget {
  constructor(
    private readonly handle: PluginHandle,
    /** The mountpoint's mid, as the layer events name it. */
    private readonly mid: string,
    /** The mid on the viewer's PeerConnection (its own when it offered). */
    private readonly outMid: string,
    private readonly askKeyframe: () => void,
  ) {}

  send(packet: Buffer): void {
    this.handle.relayRtp(this.outMid, packet);
  }

  skip(): void {
    this.handle.skipRtp(this.outMid);
  }

  layerChanged(field: LayerEventField, value: number): void {
    this.handle.pushEvent(undefined, { streaming: 'event', result: { mid: this.mid, [field]: value } });
  }

  keyframeNeeded(): void {
    this.askKeyframe();
  }
}

// One RTP packet as its source read it, shared by every forwarder fed by that source: the header is read once,
// the keyframe test and the VP8/VP9 descriptor run at most once, when a forwarder first needs them, however many
// viewers the packet goes to; so is the clock, which forwarders need for simulcast and keyframe retries (in V8 a
// clock read allocates its number). One instance per source, reloaded for each packet.
import { RtpHeaderView } from '../rtp/rtp-header.js';
import { keyframeTest, type KeyframeTest } from './keyframe.js';
import { Vp8DescriptorReader, type Vp8Descriptor } from './vp8-descriptor.js';
import { Vp9DescriptorReader, type Vp9Descriptor } from './vp9-svc.js';

const EMPTY = Buffer.alloc(0);
const UNREAD = 0;
const READ = 1;
const ABSENT = 2;

export class SourcePacket {
  /** The packet loaded last. */
  buffer: Buffer = EMPTY;
  /** Its header (meaningful when `valid`). */
  readonly header = new RtpHeaderView();
  /** The header could be read: a packet that fails this is relayed as it is, or dropped by a simulcast choice. */
  valid = false;
  /** Simulcast substream (0 = lowest), -1 for a stream that does not simulcast. */
  layer = -1;
  /** Lower-case codec name, undefined when not known. */
  private codecName: string | undefined;
  /** The name as last given (a caller may give it in upper case on every packet). */
  private codecGiven: string | undefined;
  private test: KeyframeTest | undefined;
  isVp8 = false;
  isVp9 = false;
  private timeState = UNREAD;
  private timeValue = 0;
  private keyframeState = UNREAD;
  private keyframeValue = false;
  private vp8State = UNREAD;
  private vp9State = UNREAD;
  private readonly vp8 = new Vp8DescriptorReader();
  private readonly vp9 = new Vp9DescriptorReader();

  /** `now`: the clock forwarders decide on (ms; the performance clock unless a test gives another). */
  constructor(
    codec?: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.setCodec(codec);
  }

  get codec(): string | undefined {
    return this.codecName;
  }

  /** The codec of the packets to come (EchoTest learns it per packet); a no-op when it did not change. */
  setCodec(codec: string | undefined): void {
    if (codec === this.codecGiven) return;
    this.codecGiven = codec;
    const name = codec?.toLowerCase();
    this.codecName = name;
    this.test = keyframeTest(name);
    this.isVp8 = name === 'vp8';
    this.isVp9 = name === 'vp9';
  }

  /**
   * Reads a packet's header; false when it has none that can be read (`valid` says the same). `arrival`: when
   * the packet arrived, if the caller read the clock already (then nobody reads it again for this packet).
   */
  load(packet: Buffer, layer = -1, arrival = NaN): boolean {
    this.buffer = packet;
    this.layer = layer;
    this.timeState = Number.isNaN(arrival) ? UNREAD : READ;
    this.timeValue = arrival;
    this.keyframeState = UNREAD;
    this.vp8State = UNREAD;
    this.vp9State = UNREAD;
    this.valid = this.header.read(packet);
    return this.valid;
  }

  /** When the packet arrived (ms on the clock given): read once, when a forwarder first needs it. */
  get arrival(): number {
    if (this.timeState === UNREAD) {
      this.timeState = READ;
      this.timeValue = this.now();
    }
    return this.timeValue;
  }

  /**
   * Whether the packet starts a keyframe; true for a codec without a test (a layer switch may happen anywhere),
   * false for a packet without a readable header. Tested once per packet.
   */
  get keyframe(): boolean {
    if (this.keyframeState === UNREAD) {
      this.keyframeState = READ;
      this.keyframeValue = !this.valid ? false : this.test ? this.test(this.buffer, this.header.headerLength, this.header.payloadEnd) : true;
    }
    return this.keyframeValue;
  }

  /** The VP8 payload descriptor, undefined when the stream is not VP8 or the packet has none readable. */
  vp8Descriptor(): Vp8Descriptor | undefined {
    if (this.vp8State === UNREAD) this.vp8State = this.valid && this.isVp8 && this.vp8.read(this.buffer, this.header.headerLength, this.header.payloadEnd) ? READ : ABSENT;
    return this.vp8State === READ ? this.vp8 : undefined;
  }

  /** The VP9 payload descriptor, undefined when the stream is not VP9 or the packet has none readable. */
  vp9Descriptor(): Vp9Descriptor | undefined {
    if (this.vp9State === UNREAD) this.vp9State = this.valid && this.isVp9 && this.vp9.read(this.buffer, this.header.headerLength, this.header.payloadEnd) ? READ : ABSENT;
    return this.vp9State === READ ? this.vp9 : undefined;
  }
}

// The ICE sockets of one peer: one UDP socket of the network layer per local address the ICE policy allows (with
// its server-reflexive address when a STUN server is set), and a relayed candidate when a TURN server is set.
import { errorText } from '../../logging/error-text.js';
import { isIP } from '../../net/address.js';
import { parseCandidate } from '../candidate.js';
import { selectLocalEndpoints } from '../local-addresses.js';
import { usableRemoteCandidate, type OfferPlan } from '../offer-plan.js';
import { querySrflx, serverAddress } from '../srflx.js';
import { StreamTurnLink, UdpTurnLink, type TurnServerLink } from '../turn-link.js';
import { TurnRelayTransport } from '../turn-relay.js';
import { UdpIceTransport } from '../udp-ice-transport.js';
import type { GatheredEndpoint } from './ice-gathering.js';
import type { PeerContext } from './peer-context.js';

/** How long a TCP/TLS connection to a TURN server may take. */
const TURN_CONNECT_MS = 3000;
/** Remote addresses a relay is asked to let in, at most. */
const MAX_PERMITTED = 32;

export class IceEndpoints {
  private readonly transports: UdpIceTransport[] = [];
  /** Relayed candidates' transports (nat.turn_*), and the remote addresses they must let in. */
  private readonly relays: TurnRelayTransport[] = [];
  private readonly remoteIps = new Set<string>();
  private intercept: ((data: Buffer) => boolean) | undefined;
  /** Gather IPv6 only where the host can create IPv6 sockets, whatever the configuration says. */
  readonly ipv6: boolean;

  constructor(private readonly ctx: PeerContext) {
    this.ipv6 = (ctx.options.ipv6 ?? true) && ctx.options.network.host.ipv6Available;
  }

  /**
   * Local ports in use (one UDP port per gathered address, and the ICE-TCP port beside a shared one), each once:
   * an ICE restart gathers again, and on the shared port that is the same address and port as before.
   */
  get localPorts(): readonly { address: string; port: number; protocol: 'udp' | 'tcp' }[] {
    const seen = new Map<string, { address: string; port: number; protocol: 'udp' | 'tcp' }>();
    for (const t of this.transports) {
      const protocol = t.overTcp ? 'tcp' : 'udp';
      seen.set(`${protocol} ${t.host} ${t.port}`, { address: t.host, port: t.port, protocol });
    }
    return [...seen.values()];
  }

  get count(): number {
    return this.transports.length;
  }

  /** Gives every socket, now and gathered later (ICE restart), to our receive path first. */
  interceptWith(intercept: (data: Buffer) => boolean): void {
    this.intercept = intercept;
    for (const t of this.transports) t.intercept = intercept;
    for (const r of this.relays) r.intercept = intercept;
  }

  /** Opens the sockets of one gathering; endpoints that fail are logged and left out. */
  async open(): Promise<readonly GatheredEndpoint[]> {
    const ctx = this.ctx;
    const options = ctx.options;
    const endpoints = selectLocalEndpoints(options.network.host, {
      iceEnforceList: options.iceEnforceList,
      iceIgnoreList: options.iceIgnoreList,
      ipv6: this.ipv6,
      nat1to1: options.nat1to1,
    });
    if (endpoints.length === 0) ctx.log('error', 'no local address matches the ICE interface policy');
    const out: GatheredEndpoint[] = [];
    // ICE-TCP candidates after every UDP one (lower local preference; werift ranks TCP lower anyway).
    const tcpEndpoints: GatheredEndpoint[] = [];
    for (const ep of endpoints) {
      try {
        const what = `ICE on ${ep.iface} ${ep.bind}`;
        const shared = options.sharedPorts ? await options.sharedPorts.portOn(ep.bind) : undefined;
        const member = shared?.join(what);
        const bound = member ?? (await options.network.openUdp({ what, bind: ep.bind, portRange: options.rtpPortRange }));
        if (ctx.closed) {
          void bound.close();
          break;
        }
        const transport = this.track(new UdpIceTransport(bound, (msg) => ctx.log('warn', msg)));
        const srflx = options.stunServer ? await querySrflx(transport, options.stunServer, options.network) : undefined;
        if (options.stunServer && !srflx) ctx.log('verbose', `no answer from STUN server ${options.stunServer.host}:${options.stunServer.port} for ${ep.bind}`);
        if (ctx.closed) break;
        out.push({ transport, advertise: ep.advertise, srflx, claimUfrag: member ? (ufrag, password) => member.claimUfrag(ufrag, password) : undefined });
        const tcp = shared?.tcp?.join(`${what} (TCP)`);
        if (tcp)
          tcpEndpoints.push({
            transport: this.track(new UdpIceTransport(tcp, (msg) => ctx.log('warn', msg))),
            advertise: ep.advertise,
            tcpType: 'passive',
            claimUfrag: (u, p) => tcp.claimUfrag(u, p),
          });
      } catch (err) {
        ctx.log('warn', `cannot open an ICE socket on ${ep.bind}: ${errorText(err)}`);
      }
    }
    out.push(...tcpEndpoints);
    const relay = options.turnServer && endpoints.length > 0 && !ctx.closed ? await this.openRelay(endpoints.map((e) => e.bind)) : undefined;
    if (relay) out.push(relay);
    return out;
  }

  /** Keeps a transport of this peer (closed with it, intercepted like the others). */
  private track(transport: UdpIceTransport): UdpIceTransport {
    if (this.intercept) transport.intercept = this.intercept;
    this.transports.push(transport);
    return transport;
  }

  /** Lets the addresses of the offer's own candidates in through our relays. */
  permitOfferCandidates(plan: OfferPlan): void {
    for (const m of plan.session.media) {
      for (const c of m.candidates) {
        const parsed = parseCandidate(c);
        if (parsed && usableRemoteCandidate(c)) this.permitRemote(parsed.address);
      }
    }
  }

  /** A remote address our relays must let in (ICE-lite: the remote's checks come to the relayed address). */
  permitRemote(ip: string): void {
    if (this.remoteIps.has(ip) || this.remoteIps.size >= MAX_PERMITTED) return;
    this.remoteIps.add(ip);
    for (const r of this.relays) r.permit(ip);
  }

  close(): void {
    for (const t of this.transports) void t.close();
    for (const r of this.relays) void r.close();
  }

  /** Allocates a relayed candidate on the TURN server, from the first local address of the server's family. */
  private async openRelay(binds: readonly string[]): Promise<GatheredEndpoint | undefined> {
    const ctx = this.ctx;
    const turn = ctx.options.turnServer!;
    for (const family of [4, 6] as const) {
      const bind = binds.find((b) => isIP(b) === family || (family === 4 && !isIP(b)));
      if (bind === undefined || (family === 6 && !this.ipv6)) continue;
      const address = await serverAddress(turn.host, family, ctx.options.network);
      if (!address) continue;
      let relay: TurnRelayTransport | undefined;
      try {
        const link = await this.openTurnLink(turn.transport ?? 'udp', bind, address, turn.port, family);
        relay = new TurnRelayTransport(link, { address, port: turn.port, username: turn.username, password: turn.password }, (msg) => ctx.log('warn', msg));
        this.relays.push(relay);
        if (this.intercept) relay.intercept = this.intercept;
        const problem = await relay.allocate();
        if (problem || !relay.relayed || ctx.closed) {
          if (problem) ctx.log('warn', `TURN server ${address}:${turn.port}: ${problem}`);
          return undefined;
        }
        ctx.log('verbose', `relayed candidate ${relay.relayed.address}:${relay.relayed.port} from TURN server ${address}:${turn.port}`);
        for (const ip of this.remoteIps) relay.permit(ip);
        return { transport: relay, advertise: relay.relayed.address, relay: { related: relay.mapped } };
      } catch (err) {
        ctx.log('warn', `cannot use TURN server ${turn.host}:${turn.port}: ${errorText(err)}`);
        return undefined;
      }
    }
    return undefined;
  }

  /** The link to the TURN server: a UDP socket of the network layer, or a TCP or TLS connection of it. */
  private async openTurnLink(transport: 'udp' | 'tcp' | 'tls', bind: string, address: string, port: number, family: 4 | 6): Promise<TurnServerLink> {
    const network = this.ctx.options.network;
    if (transport === 'udp') {
      const bound = await network.openUdp({ what: `TURN relay on ${bind}`, bind, portRange: this.ctx.options.rtpPortRange });
      return new UdpTurnLink(bound, { address, port });
    }
    const what = `TURN server ${address}:${port} (${transport})`;
    if (transport === 'tcp') return new StreamTurnLink(await network.connectTcp(what, address, port, TURN_CONNECT_MS), family);
    // TLS only hides the signalling from the path: the TURN credentials authenticate us, DTLS protects the media,
    // and a relay's certificate is usually self-made, so it is not checked (as Janus does not).
    return new StreamTurnLink(await network.connectTls(what, address, port, { verifyCertificate: false, timeoutMs: TURN_CONNECT_MS }), family);
  }
}

// Receivers of event handlers' deliveries on loopback: an HTTP server that takes POSTs (basic auth checked,
// gzip undone, answers 200 or what the test says) and a WebSocket server; both record what they got and can be
// taken down and brought back on the same port.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { WebSocketServer } from 'ws';

export type Delivery = unknown;

export interface HttpReceiverOptions {
  /** "user:password" the POSTs must carry as basic authentication (a POST without gets 401). */
  readonly auth?: string;
  readonly port?: number;
}

/** One POST as received: its body parsed, whether it was an array and whether it was gzipped. */
export interface Post {
  readonly body: unknown;
  readonly gzipped: boolean;
  readonly contentType: string | undefined;
}

export class HttpReceiver {
  readonly posts: Post[] = [];
  unauthorized = 0;
  /** TCP connections accepted (a handler that keeps its connection makes fewer than it POSTs). */
  connections = 0;
  /** The status to answer with (tests make it fail with 500). */
  status = 200;
  private server: Server | undefined;
  port = 0;

  private constructor(private readonly options: HttpReceiverOptions) {}

  static async start(options: HttpReceiverOptions = {}): Promise<HttpReceiver> {
    const r = new HttpReceiver(options);
    await r.up(options.port ?? 0);
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/events`;
  }

  /** Every event received, batches flattened, in order. */
  events(): Record<string, unknown>[] {
    return this.posts.flatMap((p): unknown[] => (Array.isArray(p.body) ? p.body : [p.body])) as Record<string, unknown>[];
  }

  async up(port = this.port): Promise<void> {
    const server = createServer(
      (req, res) =>
        void this.take(req).then(
          (status) => res.writeHead(status).end(),
          () => res.writeHead(400).end(),
        ),
    );
    server.on('connection', () => this.connections++);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private async take(req: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.options.auth !== undefined) {
      const expected = `Basic ${Buffer.from(this.options.auth).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        this.unauthorized++;
        return 401;
      }
    }
    if (this.status !== 200) return this.status;
    let raw = Buffer.concat(chunks);
    const gzipped = req.headers['content-encoding'] === 'gzip';
    if (gzipped) raw = gunzipSync(raw);
    this.posts.push({ body: JSON.parse(raw.toString('utf8')), gzipped, contentType: req.headers['content-type'] });
    return 200;
  }
}

/** A WebSocket server that records every text message (parsed). */
export class WsReceiver {
  readonly messages: unknown[] = [];
  readonly protocols: string[] = [];
  private wss: WebSocketServer | undefined;
  port = 0;

  static async start(port = 0): Promise<WsReceiver> {
    const r = new WsReceiver();
    await r.up(port);
    return r;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }

  events(): Record<string, unknown>[] {
    return this.messages.flatMap((m): unknown[] => (Array.isArray(m) ? m : [m])) as Record<string, unknown>[];
  }

  get clients(): number {
    return this.wss?.clients.size ?? 0;
  }

  async up(port = this.port): Promise<void> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port, handleProtocols: (p) => [...p][0] ?? false });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', () => resolve());
      wss.once('error', reject);
    });
    wss.on('connection', (ws) => {
      this.protocols.push(ws.protocol);
      ws.on('message', (data: Buffer) => this.messages.push(JSON.parse(data.toString('utf8'))));
    });
    this.wss = wss;
    this.port = (wss.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    const wss = this.wss;
    this.wss = undefined;
    if (!wss) return;
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
}

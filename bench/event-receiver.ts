// A small HTTP receiver for the sample event handler (sampleevh), run by the bench: it answers every POST with
// 200 at once and counts the events in it (a batch is a JSON array, an ungrouped event one object), the media
// statistics events among them apart.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EventCounts {
  readonly posts: number;
  readonly events: number;
  /** Of those, media statistics (type 32, subtype 3). */
  readonly mediaStats: number;
  /** Bodies that were not a JSON object or array of objects. */
  readonly malformed: number;
}

const MEDIA = 32;
const MEDIA_STATS = 3;

/** Counts the events in one POST body; a body that is not JSON events counts as malformed. */
export function countEvents(body: string): { events: number; mediaStats: number; malformed: boolean } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { events: 0, mediaStats: 0, malformed: true };
  }
  const list = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
  const isEvent = (e: unknown): e is { type: unknown; subtype?: unknown } => typeof e === 'object' && e !== null && !Array.isArray(e) && 'type' in e;
  if (list.length === 0 || !list.every(isEvent)) return { events: 0, mediaStats: 0, malformed: true };
  return { events: list.length, mediaStats: list.filter((e) => e.type === MEDIA && e.subtype === MEDIA_STATS).length, malformed: false };
}

export interface EventReceiver {
  /** Where the handler POSTs (`sampleevh.backend`). */
  readonly url: string;
  counts(): EventCounts;
  close(): Promise<void>;
}

/** Listens on `host` (an ephemeral port). */
export async function startEventReceiver(host: string): Promise<EventReceiver> {
  let posts = 0;
  let events = 0;
  let mediaStats = 0;
  let malformed = 0;
  const read = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
      req.on('error', reject);
    });
  const server = createServer((req, res) => {
    read(req).then(
      (body) => {
        posts++;
        const c = countEvents(body);
        events += c.events;
        mediaStats += c.mediaStats;
        if (c.malformed) malformed++;
        res.writeHead(200).end();
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/events`,
    counts: () => ({ posts, events, mediaStats, malformed }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

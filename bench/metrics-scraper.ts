// Scrapes a server's /metrics the way Prometheus would (a GET every period), reads every answer as the text
// exposition format, and keeps count: scrapes that answered 200 with well-formed text, the others, and the RTP
// packets the server says it sent (portunus_media_sent_packets_total), to set against what the clients counted.
import { median } from './ab-runs.js';
import { errorText } from '../src/logging/error-text.js';

/** One sample line: a name, optional labels (quoted values may hold any escaped character), a value, a timestamp. */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})? (\S+)(?: -?\d+)?$/;

export interface ScrapeReading {
  readonly samples: number;
  /** The sum of portunus_media_sent_packets_total over its labels (media kinds only, no data channels). */
  readonly sentPackets: number;
}

/** Reads one exposition; throws on a line that is neither a comment nor a sample, or a value that is no number. */
export function readScrape(text: string): ScrapeReading {
  let samples = 0;
  let sentPackets = 0;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line.slice(0, 120))}`);
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : m[3] === 'NaN' ? NaN : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') throw new Error(`not a number: ${JSON.stringify(line.slice(0, 120))}`);
    samples++;
    if (m[1] === 'portunus_media_sent_packets_total' && !(m[2] ?? '').includes('kind="data"')) sentPackets += value;
  }
  if (samples === 0) throw new Error('no samples');
  return { samples, sentPackets };
}

export interface ScrapeCounts {
  readonly scrapes: number;
  readonly failures: number;
  readonly firstFailure: string;
  /** From the last good scrape. */
  readonly samples: number;
  readonly sentPackets: number;
  /** The median time from request to the whole answer read, in ms (what a scrape holds the server's loop, roughly). */
  readonly medianMs: number;
}

export interface Scraper {
  counts(): ScrapeCounts;
  /** Stops scraping; resolves once a scrape under way has ended. */
  stop(): Promise<void>;
}

/** Scrapes `url` every `periodMs` (the next starts a period after the previous one started, or when it ends). */
export function startScraper(url: string, periodMs: number): Scraper {
  let scrapes = 0;
  let failures = 0;
  let firstFailure = '';
  let last: ScrapeReading = { samples: 0, sentPackets: 0 };
  const durations: number[] = [];
  let stopped = false;
  const fail = (why: string): void => {
    failures++;
    firstFailure ||= why;
  };
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
        const text = await r.text();
        if (r.status !== 200) fail(`status ${r.status}`);
        else {
          last = readScrape(text);
          scrapes++;
          durations.push(performance.now() - t0);
        }
      } catch (err) {
        fail(errorText(err));
      }
      const wait = periodMs - (performance.now() - t0);
      if (wait > 0 && !stopped) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    counts: () => ({ scrapes, failures, firstFailure, samples: last.samples, sentPackets: last.sentPackets, medianMs: median(durations) }),
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

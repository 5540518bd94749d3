// What every test client of the Janus API shares, whatever carries it: requests by transaction, replies and
// events collected in order, and waiting for the one that matches.
export type Msg = Record<string, unknown>;

export abstract class JanusMessages {
  readonly events: Msg[] = [];
  private seq = 0;
  private readonly waiters: Array<{ match: (m: Msg) => boolean; resolve: (m: Msg) => void }> = [];

  /** Sends one request's text. */
  protected abstract write(text: string): void;

  /** Takes in one message the server sent. */
  protected received(m: Msg): void {
    this.events.push(m);
    for (let i = 0; i < this.waiters.length; i++) {
      if (this.waiters[i].match(m)) {
        this.waiters[i].resolve(m);
        this.waiters.splice(i, 1);
        i--;
      }
    }
  }

  /** Waits for the first message (already received or future) matching `match`. */
  wait(match: (m: Msg) => boolean, timeoutMs = 10_000, what = 'message'): Promise<Msg> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events.slice(-5))}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(t);
          resolve(m);
        },
      });
    });
  }

  /** Sends a request and resolves with its reply (ack replies are skipped when `skipAck`). */
  request(body: Msg, skipAck = false): Promise<Msg> {
    const transaction = `tx${++this.seq}`;
    const reply = this.wait((m) => m.transaction === transaction && !(skipAck && m.janus === 'ack'), 10_000, `reply to ${String(body.janus)}`);
    this.write(JSON.stringify({ ...body, transaction }));
    return reply;
  }

  /** A plugin request on a new handle of `session` (with `auth`: a token, say); the plugin's data of its answer. */
  async pluginRequest(session: number, plugin: string, body: Msg, auth: Msg = {}): Promise<Msg> {
    const obj = (v: unknown): Msg => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Msg) : {});
    const handle = Number(obj((await this.request({ janus: 'attach', session_id: session, plugin, ...auth })).data).id);
    const r = await this.request({ janus: 'message', session_id: session, handle_id: handle, body, ...auth }, true);
    const m = r.janus === 'event' || r.janus === 'success' ? r : await this.wait((e) => e.janus === 'event' && e.transaction === r.transaction);
    return obj(obj(m.plugindata).data);
  }

  send(body: Msg): string {
    const transaction = `tx${++this.seq}`;
    this.write(JSON.stringify({ ...body, transaction }));
    return transaction;
  }
}

// What the transports and the Admin API know of this node's siblings on the same machine (cluster.local_nodes,
// docs/cluster.md): which one holds a session or a WHIP resource, and how a request is carried to it. Absent when
// the process is the only node on its machine.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonObject } from './validate.js';

export interface LocalSiblings {
  /** This node's index among them. */
  readonly index: number;
  /** The sibling (index) that holds session `id`, or undefined when it is this node. */
  ownerOfSession(id: number): number | undefined;
  /** The sibling that holds WHIP/WHEP resource `id`, or undefined when it is this node or nobody. */
  ownerOfResource(id: string): number | undefined;
  /** The prefix this node gives its WHIP/WHEP resource ids. */
  readonly resourcePrefix: string;
  /** Carries an HTTP request (not read yet) to a sibling and its answer back; a sibling that is down gets a Janus error. */
  relayHttp(index: number, req: IncomingMessage, res: ServerResponse): void;
  /** An Admin API request answered by one sibling (a Janus error when it cannot be reached). */
  admin(index: number, request: JsonObject): Promise<JsonObject>;
  /** The indexes of the other siblings. */
  others(): number[];
}

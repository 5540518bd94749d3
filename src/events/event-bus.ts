// The event handlers of a running server behind the core's EventNotifier: Janus's event object built once per
// event (emitter, type, subtype, timestamp in µs, session/handle ids, body), then offered to each handler whose
// mask takes its type. Started from the `events` section and each handler's own; Admin `query_eventhandler`
// reaches a handler's `tweak` here.
import type { EventContext, EventNotifier, EventTypeValue } from '../core/event-notifier.js';
import { EventType } from '../core/event-notifier.js';
import type { SettingValue } from '../config/setting.js';
import type { JsonObject } from '../core/validate.js';
import { errorText } from '../logging/error-text.js';
import type { Logger } from '../logging/logger.js';
import type { Network } from '../net/network.js';
import { handlerSettings } from './catalog.js';
import type { EventHandlerKind } from './event-backend.js';
import { EventDispatcher } from './event-dispatcher.js';
import { parseJsonStyle } from './event-json.js';
import { maskText, parseEventMask } from './event-mask.js';
import { sharedSettingsProblem } from './handler-settings.js';
import { tweakHandler } from './tweak.js';

export interface EventBusOptions {
  /** events.broadcast: without it no handler starts (Janus's events_is_enabled is false). */
  readonly broadcast: boolean;
  /** Package names of handlers not to start (events.disable). */
  readonly disabled: ReadonlySet<string>;
  readonly statsPeriod: number;
  readonly combineMediaStats: boolean;
  /** general.server_name: each event's `emitter`. */
  readonly emitter: string;
  readonly kinds: readonly EventHandlerKind[];
  /** Each kind's settings by package, as the config checked them. */
  readonly settings: Readonly<Record<string, Readonly<Record<string, SettingValue>>>>;
  readonly network: Network;
  readonly log: Logger;
  /** How long a stop gives the handlers to deliver what is queued (default STOP_GRACE_MS). */
  readonly stopGraceMs?: number;
}

/** How long a stop gives the handlers to deliver what is queued (the shutdown event among it). */
const STOP_GRACE_MS = 3000;

export class EventBus implements EventNotifier {
  private readonly dispatchers: EventDispatcher[] = [];
  /** The union of the handlers' masks: `wants` is one AND. */
  private mask = 0;
  readonly statsPeriod: number;
  readonly combineMediaStats: boolean;

  private constructor(
    private readonly options: EventBusOptions,
    private readonly log: Logger,
  ) {
    this.statsPeriod = options.broadcast ? options.statsPeriod : 0;
    this.combineMediaStats = options.combineMediaStats;
  }

  /** Starts every handler the settings enable; one that cannot start is logged and left out, as in Janus. */
  static async start(options: EventBusOptions): Promise<EventBus> {
    const log = options.log.child({ component: 'events' });
    const bus = new EventBus(options, log);
    if (!options.broadcast) {
      log.verbose('event handlers off (events.broadcast = false)');
      return bus;
    }
    for (const kind of options.kinds) {
      const given = options.settings[kind.package] ?? {};
      if (given.enabled !== true) continue;
      if (options.disabled.has(kind.package)) {
        log.info(`event handler ${kind.package} disabled by events.disable`);
        continue;
      }
      const settings: Record<string, SettingValue> = {};
      for (const [key, s] of Object.entries(handlerSettings(kind))) settings[key] = given[key] ?? s.value;
      const problem = sharedSettingsProblem(kind.section, settings) ?? kind.problem(settings);
      if (problem !== undefined) {
        log.error(`event handler ${kind.package} not started: ${problem}`);
        continue;
      }
      const handlerLog = log.child({ component: kind.package });
      const format = { grouping: settings.grouping === true, json: parseJsonStyle(String(settings.json)) ?? 'compact' };
      try {
        const backend = await kind.create({ settings, format, network: options.network, log: handlerLog });
        const mask = parseEventMask(String(settings.events)).mask;
        bus.dispatchers.push(new EventDispatcher(kind, settings, format, mask, backend, handlerLog));
        log.info(`event handler ${kind.package} sends ${maskText(mask)} events to ${backend.name}`);
      } catch (err) {
        log.error(`event handler ${kind.package} not started: ${errorText(err)}`);
      }
    }
    bus.maskChanged();
    return bus;
  }

  get enabled(): boolean {
    return this.dispatchers.length > 0;
  }

  wants(type: EventTypeValue): boolean {
    return (this.mask & type) !== 0;
  }

  notify(type: EventTypeValue, subtype: number, body: JsonObject | readonly JsonObject[], context?: EventContext): void {
    if ((this.mask & type) === 0) return;
    const event: JsonObject = { emitter: this.options.emitter, type };
    if (subtype > 0) event.subtype = subtype;
    event.timestamp = Math.round((performance.timeOrigin + performance.now()) * 1000);
    // Core and Admin-made events have no session; a plugin's or a transport's may have none either.
    if (type !== EventType.CORE && type !== EventType.EXTERNAL && context?.sessionId !== undefined) event.session_id = context.sessionId;
    if (context?.handleId !== undefined) event.handle_id = context.handleId;
    if (context?.opaqueId !== undefined) event.opaque_id = context.opaqueId;
    event.event = body;
    for (const d of this.dispatchers) d.offer(type, event);
  }

  describe(): JsonObject {
    const out: JsonObject = {};
    for (const d of this.dispatchers) {
      const k = d.kind;
      out[k.package] = { name: k.name, author: 'Portunus', description: k.description, version_string: k.versionString, version: k.version };
    }
    return out;
  }

  query(handler: string, request: unknown): JsonObject | undefined {
    const d = this.dispatchers.find((x) => x.kind.package === handler);
    if (!d) return undefined;
    const response = tweakHandler(d, request);
    this.maskChanged();
    return response;
  }

  status(): JsonObject {
    const out: JsonObject = {};
    for (const d of this.dispatchers) out[d.kind.package] = d.status();
    return out;
  }

  /** Stops every handler after giving it STOP_GRACE_MS to deliver what is queued. */
  async stop(): Promise<void> {
    const all = this.dispatchers.splice(0);
    this.mask = 0;
    await Promise.all(all.map((d) => d.stop(this.options.stopGraceMs ?? STOP_GRACE_MS).catch((err: unknown) => this.log.warn(`stopping ${d.kind.package}: ${errorText(err)}`))));
  }

  private maskChanged(): void {
    this.mask = this.dispatchers.reduce((m, d) => m | d.mask, 0);
  }
}

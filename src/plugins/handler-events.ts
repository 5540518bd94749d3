// How a plugin tells event handlers something (Janus's notify_event): only while some handler takes plugin
// events and the plugin's own `events` setting (its `general` group; true unless set otherwise, as in Janus) is
// on, and then the data is built; with a handle the event is in that handle's context, without it in none.
import type { JsonObject, PluginContext, PluginEvents, PluginHandle } from '../plugin-api/index.js';
import { generalSettings, isTrue } from './plugin-settings.js';

export class HandlerEvents {
  /** Tells nobody: a plugin before init, or one the server runs without handlers. */
  static readonly NONE = new HandlerEvents(undefined, false);

  private constructor(
    private readonly events: PluginEvents | undefined,
    private readonly on: boolean,
  ) {}

  /** The plugin's handlers as its context and `events` setting say; warns, as Janus does, when the setting mutes a running handler. */
  static of(context: PluginContext, name: string): HandlerEvents {
    const setting = generalSettings(context.config).events;
    const on = setting === undefined || isTrue(setting);
    if (!on && context.events?.enabled === true) context.log.warn(`${name}: notification of events to handlers disabled`);
    return new HandlerEvents(context.events, on);
  }

  get enabled(): boolean {
    return this.on && this.events?.enabled === true;
  }

  /** Sends what `build` makes, if anyone listens; `handle` puts it in that handle's context. */
  send(build: () => JsonObject, handle?: PluginHandle): void {
    if (this.enabled) this.events?.notify(build(), handle);
  }
}

// janode's VideoRoom wrapper (janode/plugins/videoroom) as the VideoRoom tests drive it: the parts of its handle,
// session and connection they use, and janode loaded quiet with the wrapper's module.
import Janode from 'janode';

type Msg = Record<string, unknown>;

/** A janode VideoRoom handle: each call sends one request and resolves with janode's reading of the answer. */
export interface JanodeVrHandle {
  create(o: Msg): Promise<Msg>;
  exists(o: Msg): Promise<Msg>;
  list(o?: Msg): Promise<Msg>;
  destroy(o: Msg): Promise<Msg>;
  joinPublisher(o: Msg): Promise<Msg>;
  publish(o: Msg): Promise<Msg>;
  unpublish(): Promise<Msg>;
  joinSubscriber(o: Msg): Promise<Msg>;
  start(o: Msg): Promise<Msg>;
  listParticipants(o: Msg): Promise<Msg>;
  startForward(o: Msg): Promise<Msg>;
  listForward(o: Msg): Promise<Msg>;
  stopForward(o: Msg): Promise<Msg>;
  leave(): Promise<Msg>;
  detach(): Promise<void>;
  once(event: string, listener: (data: Msg) => void): void;
  on(event: string, listener: (data: Msg) => void): void;
}

export interface JanodeSession {
  attach(plugin: unknown): Promise<JanodeVrHandle>;
  destroy(): Promise<void>;
}

export interface JanodeConnection {
  create(): Promise<JanodeSession>;
  close(): Promise<void>;
}

export interface JanodeVideoRoomModule {
  readonly id: string;
  readonly EVENT: Record<string, string>;
}

/** janode (its logger silenced) and its VideoRoom wrapper, to `attach`. */
export async function loadJanodeVideoRoom(): Promise<{ connect(config: Msg): Promise<JanodeConnection>; plugin: JanodeVideoRoomModule }> {
  const janode = Janode as unknown as { connect(c: Msg): Promise<JanodeConnection>; Logger: { setLevel(l: string): void } };
  janode.Logger.setLevel('none');
  const wrapper: string = 'janode/plugins/videoroom'; // untyped package: no declaration to resolve
  const loaded = (await import(wrapper)) as { default: JanodeVideoRoomModule };
  return { connect: (config) => janode.connect(config), plugin: loaded.default };
}

// Janus's names for its numeric event types (events.c): the label ends a per-type MQTT topic or NATS subject,
// the name is what the MQTT event handler adds to each event as `eventtype`.

const TYPES: ReadonlyMap<number, { readonly label: string; readonly name: string }> = new Map([
  [1, { label: 'sessions', name: 'Sessions' }],
  [2, { label: 'handles', name: 'Handles' }],
  [4, { label: 'external', name: 'External' }],
  [8, { label: 'jsep', name: 'Jsep' }],
  [16, { label: 'webrtc', name: 'WebRTC' }],
  [32, { label: 'media', name: 'Media' }],
  [64, { label: 'plugins', name: 'Plugins' }],
  [128, { label: 'transports', name: 'Transports' }],
  [256, { label: 'core', name: 'Core' }],
]);

/** "sessions" for 1, "handles" for 2 …; undefined for a type Janus does not have. */
export function eventTypeLabel(type: unknown): string | undefined {
  return typeof type === 'number' ? TYPES.get(type)?.label : undefined;
}

/** "Sessions" for 1, "WebRTC" for 16 …; undefined for a type Janus does not have. */
export function eventTypeName(type: unknown): string | undefined {
  return typeof type === 'number' ? TYPES.get(type)?.name : undefined;
}

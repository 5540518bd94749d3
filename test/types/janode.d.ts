// janode ships no type declarations; the tests describe the parts they use themselves.
declare module 'janode';
declare module 'janode/plugins/echotest' {
  /** The plugin descriptor `session.attach` takes: the plugin's package name and its handle class. */
  const EchoTestPlugin: { id: string; Handle: unknown };
  export default EchoTestPlugin;
}
declare module 'janode/plugins/recordplay' {
  const RecordPlayPlugin: { id: string; Handle: unknown };
  export default RecordPlayPlugin;
}
declare module 'janode/plugins/textroom' {
  const TextRoomPlugin: { id: string; Handle: unknown };
  export default TextRoomPlugin;
}
declare module 'janode/plugins/audiobridge' {
  const AudioBridgePlugin: { id: string; Handle: unknown; EVENT: Record<string, string> };
  export default AudioBridgePlugin;
}

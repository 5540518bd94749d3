// janode ships no type declarations; the tests describe the parts they use themselves.
declare module 'janode';
declare module 'janode/plugins/echotest';

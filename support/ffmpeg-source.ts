// ffmpeg as an RTP source for tests: a test picture (VP8) and a tone (Opus) sent to loopback ports, bounded in time.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

export interface FfmpegSourceOptions {
  /** VP8 test picture (320×240, 15 fps, a keyframe a second, payload type 100) to this port. */
  readonly videoPort?: number;
  readonly videoBitrate?: string;
  /** Opus tone (440 Hz, payload type 111) to this port. */
  readonly audioPort?: number;
  /** SDES key (AES_CM_128_HMAC_SHA1_80, base64) for the audio: sent as SRTP. */
  readonly audioSrtpKey?: string;
  /** How long ffmpeg sends, in seconds (the length of each generated input). */
  readonly seconds: number;
  readonly stdio?: StdioOptions;
}

/** ffmpeg's arguments for `options`: real-time (`-re`), inputs from lavfi, one RTP output per stream. */
export function ffmpegSourceArgs(options: FfmpegSourceOptions): string[] {
  const args = ['-hide_banner', '-loglevel', 'error', '-re'];
  const hasVideo = options.videoPort !== undefined;
  if (hasVideo) args.push('-f', 'lavfi', '-i', `testsrc=size=320x240:rate=15:duration=${options.seconds}`);
  if (options.audioPort !== undefined) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${options.seconds}`);
  if (hasVideo) {
    args.push('-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-b:v', options.videoBitrate ?? '300k', '-g', '15');
    args.push('-payload_type', '100', '-f', 'rtp', `rtp://127.0.0.1:${options.videoPort}?pkt_size=1200`);
  }
  if (options.audioPort !== undefined) {
    args.push('-map', `${hasVideo ? 1 : 0}:a`, '-c:a', 'libopus', '-payload_type', '111', '-f', 'rtp');
    if (options.audioSrtpKey === undefined) args.push(`rtp://127.0.0.1:${options.audioPort}`);
    else args.push('-srtp_out_suite', 'AES_CM_128_HMAC_SHA1_80', '-srtp_out_params', options.audioSrtpKey, `srtp://127.0.0.1:${options.audioPort}`);
  }
  return args;
}

/** Starts ffmpeg as a source. */
export function startFfmpegSource(options: FfmpegSourceOptions): ChildProcess {
  return spawn('ffmpeg', ffmpegSourceArgs(options), { stdio: options.stdio ?? 'ignore' });
}

/** Runs ffmpeg as a source to its end; killed after `seconds` + 8 s whatever it does. */
export function runFfmpegSource(options: FfmpegSourceOptions): Promise<void> {
  return new Promise((resolve) => {
    const f = startFfmpegSource(options);
    const guard = setTimeout(() => f.kill('SIGKILL'), (options.seconds + 8) * 1000);
    f.on('exit', () => {
      clearTimeout(guard);
      resolve();
    });
  });
}

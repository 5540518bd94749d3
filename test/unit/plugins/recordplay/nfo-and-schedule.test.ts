// Record&Play's pure parts: the .nfo format (Janus's sample file, refusals, writing back), and the playout
// schedule (paced by RTP timestamps within a run, by arrival across a new SSRC, files aligned by their first frame).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MjrFrame, MjrInfo } from '../../../../src/plugins/mjr/mjr-reader.js';
import { formatNfo, parseNfo, recordingDate } from '../../../../src/plugins/recordplay/nfo-file.js';
import { fileSchedule, recordingSchedule } from '../../../../src/plugins/recordplay/playout-schedule.js';
import { rtpPacket } from '../../../../support/rtp-packets.js';

test(".nfo: Janus's sample file reads as its recording", () => {
  const text = '[1234]\r\nname = Lorenzo says hello!\r\ndate = 2014-10-22 14:44:36\r\naudio = rec-sample-audio.mjr\r\nvideo = rec-sample-video.mjr\r\n';
  assert.deepEqual(parseNfo(text), { id: 1234, name: 'Lorenzo says hello!', date: '2014-10-22 14:44:36', audio: 'rec-sample-audio.mjr', video: 'rec-sample-video.mjr' });
  assert.equal(formatNfo({ id: 1234, name: 'Lorenzo says hello!', date: '2014-10-22 14:44:36', audio: 'rec-sample-audio.mjr', video: 'rec-sample-video.mjr' }), text);
});

test('.nfo: what is not a recording is refused with a reason', () => {
  assert.equal(parseNfo('name = x\n'), 'no [id] group');
  assert.match(parseNfo('[abc]\nname=x\ndate=d\naudio=a.mjr\n') as string, /not a numeric id/);
  assert.match(parseNfo('[0]\nname=x\ndate=d\naudio=a.mjr\n') as string, /out of range/);
  assert.match(parseNfo('[99999999999999999999]\nname=x\ndate=d\naudio=a.mjr\n') as string, /out of range/);
  assert.equal(parseNfo('[5]\nname=x\naudio=a.mjr\n'), 'no name or no date');
  assert.equal(parseNfo('[5]\nname=x\ndate=d\ndata=d.mjr\n'), 'neither audio nor video');
  assert.equal(parseNfo('x'.repeat(70_000)), 'the file is too large for a .nfo');
});

test('.nfo: a name with a line break or quotes is written so that it reads back the same', () => {
  const r = { id: 7, name: ' "quoted" ', date: 'd', audio: 'a.mjr' };
  assert.deepEqual(parseNfo(formatNfo(r)), r);
  assert.deepEqual(parseNfo(formatNfo({ id: 8, name: 'two\r\nlines', date: 'd', video: 'v.mjr' })), { id: 8, name: 'two lines', date: 'd', video: 'v.mjr' });
  assert.match(recordingDate(new Date(2026, 0, 2, 3, 4, 5)), /^2026-01-02 03:04:05$/);
});

function frame(timeMs: number, seq: number, ts: number, ssrc = 1): MjrFrame {
  return { offset: 0, timeMs, payload: rtpPacket({ sequenceNumber: seq, timestamp: ts, ssrc, payload: Buffer.alloc(10) }) };
}

test('schedule: paced by the timestamps, not by jittery arrival; a new SSRC carries on at its arrival time', () => {
  // Arrival jittered (0, 35, 38, 60 ms); timestamps 20 ms apart at 48 kHz.
  const frames = [frame(0, 1, 0), frame(35, 2, 960), frame(38, 3, 1920), frame(60, 4, 2880), frame(500, 1, 77, 2), frame(520, 2, 77 + 960, 2)];
  const due = fileSchedule(frames, 'audio', 48000).map((f) => f.dueMs);
  assert.deepEqual(due.slice(0, 4), [0, 20, 40, 60]);
  assert.equal(due[4], 60 + 440, 'the new run starts where its arrival puts it');
  assert.equal(due[5], 520);
  // A timestamp jump of minutes is not pacing: arrival time instead.
  const jump = fileSchedule([frame(0, 1, 0), frame(20, 2, 48000 * 600)], 'audio', 48000).map((f) => f.dueMs);
  assert.deepEqual(jump, [0, 20]);
  // Wrap-around of the 32-bit timestamp is a 20 ms step.
  const wrap = fileSchedule([frame(0, 1, 0xffffffff - 479), frame(20, 2, 480)], 'audio', 48000).map((f) => f.dueMs);
  assert.deepEqual(wrap, [0, 20]);
});

test('schedule: the files of one recording are aligned by their first frame and merged in time order', () => {
  const info = (kind: MjrInfo['kind'], firstFrameUs: number): MjrInfo => ({ kind, codec: kind === 'audio' ? 'opus' : 'vp8', createdUs: 0, firstFrameUs });
  const merged = recordingSchedule([
    { info: info('audio', 1_000_000), frames: [frame(0, 1, 0), frame(20, 2, 960), frame(40, 3, 1920)], clockRate: 48000 },
    { info: info('video', 1_030_000), frames: [frame(0, 1, 0), frame(33, 2, 2970)], clockRate: 90000 },
  ]);
  assert.deepEqual(
    merged.map((f) => [f.kind, Math.round(f.dueMs)]),
    [
      ['audio', 0],
      ['audio', 20],
      ['video', 30],
      ['audio', 40],
      ['video', 63],
    ],
  );
});

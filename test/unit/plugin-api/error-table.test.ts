// docs/errors.md against the code: every error code the core and each plugin can send, with its name, and no other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ErrorCode } from '../../../src/core/errors.js';
import { E as ECHOTEST } from '../../../src/plugins/echotest/echotest.js';
import { E as STREAMING } from '../../../src/plugins/streaming/streaming.js';
import { E as TEXTROOM } from '../../../src/plugins/textroom/textroom-error.js';
import { E as VIDEOROOM } from '../../../src/plugins/videoroom/errors.js';
import { E as RECORDPLAY } from '../../../src/plugins/recordplay/recordplay-error.js';
import { E as VOICEMAIL } from '../../../src/plugins/voicemail/voicemail.js';
import { E as VIDEOCALL } from '../../../src/plugins/videocall/errors.js';
import { E as AUDIOBRIDGE } from '../../../src/plugins/audiobridge/audiobridge-error.js';
import { E as NOSIP } from '../../../src/plugins/nosip/errors.js';
import { TransportQueryError as TRANSPORTS } from '../../../src/transports/transport-tweaks.js';
import { TweakError as EVENTHANDLER } from '../../../src/events/tweak.js';

const TABLES: Record<string, Readonly<Record<string, number>>> = {
  core: ErrorCode,
  echotest: ECHOTEST,
  streaming: STREAMING,
  videoroom: VIDEOROOM,
  recordplay: RECORDPLAY,
  voicemail: VOICEMAIL,
  videocall: VIDEOCALL,
  textroom: TEXTROOM,
  audiobridge: AUDIOBRIDGE,
  nosip: NOSIP,
  transports: TRANSPORTS,
  eventhandler: EVENTHANDLER,
};

/** The rows of the doc's table as "source NAME code". */
function documented(): string[] {
  const text = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
  const rows: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\| (\d+) \| (\w+) \| `(\w+)` \| (.+) \|$/.exec(line);
    if (m) {
      assert.ok(m[4].trim() !== '', `row ${line} says nothing of the code's meaning`);
      rows.push(`${m[2]} ${m[3]} ${m[1]}`);
    }
  }
  return rows;
}

function inCode(): string[] {
  return Object.entries(TABLES).flatMap(([source, table]) => Object.entries(table).map(([name, code]) => `${source} ${name} ${code}`));
}

test('docs/errors.md lists every error code of the core and the plugins, by name, and nothing else', () => {
  const doc = documented();
  assert.ok(doc.length > 0, 'no table rows found in docs/errors.md');
  assert.deepEqual([...doc].sort(), [...inCode()].sort());
  assert.equal(new Set(doc).size, doc.length, 'a row is written twice');
});

test('within a source, one code has one name', () => {
  for (const [source, table] of Object.entries(TABLES)) {
    const codes = Object.values(table);
    assert.equal(new Set(codes).size, codes.length, `${source} gives one code two names`);
  }
});

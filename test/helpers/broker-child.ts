// Runs test/fixtures/broker-send-child.ts: one broker backend in a child process, under the no-IPv6 shim when asked.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { noIpv6Env, repoRoot } from './no-ipv6.js';

export async function runBrokerChild(
  kind: 'mqtt' | 'nats' | 'rabbitmq',
  settings: Record<string, string | number | boolean>,
  tag: string,
  options: { noIpv6?: boolean } = { noIpv6: true },
): Promise<{ code: number | null; output: string }> {
  const env = options.noIpv6 ? await noIpv6Env() : process.env;
  const script = join(repoRoot, 'dist', 'test', 'fixtures', 'broker-send-child.js');
  return new Promise((resolve) => {
    execFile(process.execPath, [script, kind, JSON.stringify(settings), tag], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, output: `${stderr}\n${stdout}` });
    });
  });
}

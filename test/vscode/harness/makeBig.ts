/**
 * A ≥ 600 MB synthetic rollout in its own Codex home, for the event-loop-lag test (a repair of it
 * runs in the worker while the extension host's event loop is measured). Reused when present.
 * Run: node --import tsx test/vscode/harness/makeBig.ts <codexHome>
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sessionPath, writeSyntheticRollout } from '../../support/synthetic';

const home = path.resolve(process.argv[2] ?? '.cache/vscode-big/codex-home');
const MIN = 600 * 1024 * 1024;
const existing = fs.existsSync(path.join(home, 'sessions'))
  ? fs
      .readdirSync(path.join(home, 'sessions'), { recursive: true })
      .map(String)
      .find((f) => f.endsWith('.jsonl'))
  : undefined;
if (existing && fs.statSync(path.join(home, 'sessions', existing)).size >= MIN) {
  process.stdout.write(path.join(home, 'sessions', existing) + '\n');
} else {
  fs.rmSync(home, { recursive: true, force: true });
  const id = '01a20000-0000-7000-8000-00000000b16a';
  const when = new Date(Date.now() - 86400000);
  const file = sessionPath(home, id, when);
  // 325 turns × (~1 MB image + its UI copy) ≈ 620 MB
  const r = writeSyntheticRollout(file, {
    imageLines: 325,
    imageBytes: 750_000,
    threadId: id,
    start: when,
    cwd: '/home/dev/big',
  });
  process.stderr.write(`big rollout: ${r.path} ${(r.bytes / 1048576).toFixed(0)} MB\n`);
  process.stdout.write(r.path + '\n');
}

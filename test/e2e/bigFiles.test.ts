/**
 * Generated files for what no real run produces in a test's time: a multi-GB rollout, a single line
 * longer than V8 allows a string to be, and files the user cannot read. Measured through the built
 * CLI in a child process, so peak memory is the real process's.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../support/tools';
import { tempCodexHome, tempDir } from '../support/tempHome';
import { sessionPath, writeGiantLineRollout, writeSyntheticRollout } from '../support/synthetic';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const V8_MAX_STRING = 536_870_888;
const MB = 1024 * 1024;

/**
 * Node and the CLI (its launcher and the bundle it loads) where another user can run them: a world-readable temp
 * folder, since the checkout may sit in a private one (mktemp -d, a 0700 home). Only the Codex files
 * the test locks are out of that user's reach.
 */
function runnableByOthers(): { node: string; cli: string } {
  const dir = tempDir('csr-cli-');
  fs.chmodSync(dir, 0o755);
  const node = path.join(dir, 'node');
  try {
    fs.linkSync(process.execPath, node); // same inode: its mode (0755) applies
  } catch {
    fs.copyFileSync(process.execPath, node);
    fs.chmodSync(node, 0o755);
  }
  const cli = path.join(dir, 'cli.js');
  fs.copyFileSync(CLI, cli);
  fs.chmodSync(cli, 0o644);
  const main = path.join(dir, 'cliMain.js'); // what the launcher loads
  fs.copyFileSync(path.join(path.dirname(CLI), 'cliMain.js'), main);
  fs.chmodSync(main, 0o644);
  return { node, cli };
}

/** Run the CLI under /usr/bin/time -v (as `asUser` when given); returns output, exit code and peak RSS in MB. */
function measured(
  args: string[],
  asUser?: number,
): { status: number | null; stdout: string; stderr: string; rssMb: number } {
  let cmd = [process.execPath, CLI, ...args];
  if (asUser !== undefined) {
    const { node, cli } = runnableByOthers();
    cmd = ['setpriv', `--reuid=${asUser}`, `--regid=${asUser}`, '--clear-groups', node, cli, ...args];
  }
  const r = spawnSync('/usr/bin/time', ['-v', ...cmd], { encoding: 'utf8', maxBuffer: 64 * MB });
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, rssMb: rss ? Number(rss[1]) / 1024 : NaN };
}

/** Newline count of a file, read in pieces (its lines may be longer than a string can be). */
function countLines(file: string): number {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(8 * MB);
  let n = 0;
  for (let pos = 0, got; (got = fs.readSync(fd, buf, 0, buf.length, pos)) > 0; pos += got)
    for (let i = buf.indexOf(10); i !== -1 && i < got; i = buf.indexOf(10, i + 1)) n++;
  fs.closeSync(fd);
  return n;
}

describe('generated rollouts: sizes and shapes no real run produces', function () {
  this.timeout(600_000);

  it(`measures a single ${560} MB line (past V8's string limit) in bounded memory, and strips it`, () => {
    const home = tempCodexHome();
    const file = sessionPath(home, '0199a000-0000-7000-8000-000000000b16', new Date('2026-11-01T10:00:00'));
    writeGiantLineRollout(file, 560 * MB, '0199a000-0000-7000-8000-000000000b16');
    const r = measured(['inspect', file, '--json', '--codex-home', home]);
    assert.equal(r.status, 0, r.stderr);
    const t = JSON.parse(r.stdout);
    assert.ok(t.metrics.maxLineBytes > V8_MAX_STRING, `longest line ${t.metrics.maxLineBytes}`);
    assert.equal(t.metrics.images.total, 1);
    assert.equal(t.metrics.problemCount, 0);
    assert.ok(['critical', 'stuck'].includes(t.risk.level));
    assert.ok(t.risk.reasons.some((x: { code: string }) => x.code === 'giant-line'));
    assert.ok(r.rssMb < 256, `inspect peak RSS ${r.rssMb.toFixed(0)} MB`);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    const s = measured(['strip', file, '--codex-home', home, '--yes', '--json']);
    assert.equal(s.status, 0, s.stderr);
    const rep = JSON.parse(s.stdout);
    assert.equal(rep.jsonErrors, 0);
    assert.equal(rep.imagesReplaced, 1);
    assert.ok(rep.bytesAfter < 10_000);
    assert.ok(s.rssMb < 256, `strip peak RSS ${s.rssMb.toFixed(0)} MB`);
    console.log(
      `      560 MB line: inspect peak RSS ${r.rssMb.toFixed(0)} MB, strip peak RSS ${s.rssMb.toFixed(0)} MB`,
    );
    const lines = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 4);
    assert.equal(lines[2].type, 'compacted');
    assert.equal(lines[2].payload.replacement_history[0].content[0].type, 'input_text');
    fs.rmSync(path.join(home, 'rescue'), { recursive: true, force: true });
  });

  it('verifies an edited 700 MB line with the streaming parser (--keep-images 1) in bounded memory', () => {
    const home = tempCodexHome();
    const id = '0199a000-0000-7000-8000-000000000700';
    const file = sessionPath(home, id, new Date('2026-11-01T11:00:00'));
    writeGiantLineRollout(file, 700 * MB, id, true);
    const out = path.join(home, 'repaired.jsonl');
    const started = Date.now();
    const s = measured(['strip', file, '--keep-images', '1', '--out', out, '--codex-home', home]);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(s.status, 0, s.stderr);
    assert.match(s.stdout, /images +1 replaced by placeholders .*, 1 kept/);
    assert.match(
      s.stdout,
      /1 edited lines re-parsed by an independent parser \(1 too long for JSON.parse, by the streaming parser\)/,
    );
    assert.ok(fs.statSync(out).size > 700 * MB - 1024 * 1024);
    assert.ok(s.rssMb < 128, `strip peak RSS ${s.rssMb.toFixed(0)} MB`);
    console.log(
      `      700 MB line kept, 1 image replaced: strip + streaming verify ${seconds.toFixed(1)} s, peak RSS ${s.rssMb.toFixed(0)} MB`,
    );
    fs.rmSync(out);
    // in place too: same report, and the thread still inspects and hands off
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    const linesBefore = countLines(file);
    const t0 = Date.now();
    const p = measured(['strip', file, '--keep-images', '1', '--yes', '--json', '--codex-home', home]);
    console.log(`      in place: ${((Date.now() - t0) / 1000).toFixed(1)} s, peak RSS ${p.rssMb.toFixed(0)} MB`);
    assert.equal(p.status, 0, p.stderr);
    const rep = JSON.parse(p.stdout);
    assert.deepEqual(rep.independentlyParsed, { jsonParse: 0, streaming: 1 });
    assert.equal(rep.jsonErrors, 0);
    assert.equal(countLines(file), linesBefore);
    assert.ok(p.rssMb < 128, `in-place strip peak RSS ${p.rssMb.toFixed(0)} MB`);
    const i = measured(['inspect', id, '--json', '--codex-home', home]);
    assert.equal(i.status, 0, i.stderr);
    assert.equal(JSON.parse(i.stdout).metrics.images.total, 1);
    const h = measured(['handoff', id, '--out', path.join(home, 'h.md'), '--codex-home', home]);
    assert.equal(h.status, 0, h.stderr);
    fs.rmSync(path.join(home, 'rescue'), { recursive: true, force: true });
    fs.rmSync(file);
  });

  it('scans a 2 GB rollout in bounded memory and finds every image', () => {
    const home = tempCodexHome();
    const id = '0199a000-0000-7000-8000-000000002c2c';
    const file = sessionPath(home, id, new Date('2026-11-02T10:00:00'));
    // 750 screenshots of ~1.1 MB, each with its UI copy, 40 distinct pictures
    writeSyntheticRollout(file, { imageLines: 750, imageBytes: 1_100_000, distinctImages: 40, threadId: id });
    const size = fs.statSync(file).size;
    assert.ok(size > 2 * 1024 * MB, `${size} bytes`);
    const r = measured(['scan', '--codex-home', home, '--json', '--no-cache']);
    assert.equal(r.status, 0, r.stderr);
    const [t] = JSON.parse(r.stdout);
    assert.equal(t.sizeBytes, size);
    assert.equal(t.metrics.images.distinct, 40);
    assert.equal(t.metrics.images.total, 750 * 2);
    assert.equal(t.metrics.images.live, 750);
    assert.equal(t.risk.level, 'critical');
    assert.ok(r.rssMb < 256, `scan peak RSS ${r.rssMb.toFixed(0)} MB`);
    console.log(`      ${(size / 1024 / MB).toFixed(2)} GB rollout: scan peak RSS ${r.rssMb.toFixed(0)} MB`);
    fs.rmSync(file);
  });

  it('says plainly when a rollout cannot be read (permissions), and scans the rest', function () {
    if (process.getuid?.() !== 0) this.skip(); // needs to switch to another user to lose access
    const home = tempCodexHome();
    fs.chmodSync(home, 0o755);
    const ok = sessionPath(home, '0199a000-0000-7000-8000-00000000a0a0', new Date('2026-11-03T10:00:00'));
    writeSyntheticRollout(ok, { imageLines: 1, imageBytes: 1000, threadId: '0199a000-0000-7000-8000-00000000a0a0' });
    const locked = sessionPath(home, '0199a000-0000-7000-8000-00000000b0b0', new Date('2026-11-03T11:00:00'));
    writeSyntheticRollout(locked, {
      imageLines: 1,
      imageBytes: 1000,
      threadId: '0199a000-0000-7000-8000-00000000b0b0',
    });
    for (let d = path.dirname(ok); d.startsWith(home); d = path.dirname(d)) fs.chmodSync(d, 0o755);
    fs.chmodSync(ok, 0o644);
    fs.chmodSync(locked, 0o600);
    const r = measured(['scan', '--codex-home', home, '--json', '--no-cache'], 65534);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /no permission to read .*b0b0\.jsonl; check the file's owner and mode/);
    assert.equal(JSON.parse(r.stdout).length, 1);
    const one = measured(['inspect', locked, '--codex-home', home], 65534);
    assert.equal(one.status, 1);
    assert.match(one.stderr, /no permission to read/);
  });
});

/**
 * Threads no normal run produces, repaired through the built CLI: half-repaired image URLs, a line
 * nested 300,000 levels deep, MCP result copies with raw base64, data URLs inside tool output.
 * Each is repaired into a copy and in place; the result keeps every line, parses where the
 * original parsed, holds no broken image URL and no long base64 run, and still inspects and hands off.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../support/tools';
import { tempCodexHome, tempDir } from '../support/tempHome';
import { sessionPath } from '../support/synthetic';
import { DAMAGE_CASES, writeDamagedRollout } from '../support/damaged';
import { imageUrlProblem } from '../../src/core/rollout/imageUrl';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
/** Longest base64 run allowed in a repaired file (a few KB: no image survives). */
const MAX_RUN = 4096;

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Each line parsed with JSON.parse, or undefined where it does not parse. */
function parsedLines(file: string): unknown[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .slice(0, -1)
    .map((l) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        return undefined;
      }
    });
}

/** Every input_image URL in a value, without recursion (lines may be deep); `docs` collects JSON documents in strings. */
function inputImages(v: unknown, docs: string[] = []): unknown[] {
  const found: unknown[] = [];
  const todo = [v];
  while (todo.length) {
    const x = todo.pop();
    if (typeof x === 'string' && x.startsWith('{"')) docs.push(x);
    if (x === null || typeof x !== 'object') continue;
    if ((x as { type?: unknown }).type === 'input_image') found.push((x as { image_url?: unknown }).image_url);
    todo.push(...Object.values(x));
  }
  return found;
}

function kindOf(v: unknown): string {
  const o = v as { type?: string; payload?: { type?: string } } | undefined;
  return o ? `${o.type}/${o.payload?.type}` : 'unparsed';
}

function checkRepaired(original: string, before: unknown[], repaired: string): void {
  const after = parsedLines(repaired);
  assert.equal(after.length, before.length, 'line count');
  before.forEach((b, i) => {
    if (b === undefined) return;
    assert.notEqual(after[i], undefined, `line ${i + 1} parsed before and must parse after`);
    assert.equal(kindOf(after[i]), kindOf(b), `line ${i + 1} kept its kind and place`);
  });
  for (const [i, v] of after.entries()) {
    const docs: string[] = [];
    for (const url of inputImages(v, docs)) assert.equal(imageUrlProblem(url as string), undefined, `line ${i + 1}`);
    // JSON documents inside strings (MCP result copies, printed JSON) stay valid JSON
    for (const d of docs) assert.doesNotThrow(() => JSON.parse(d), `line ${i + 1}: ${d.slice(0, 80)}`);
  }
  const longest = Math.max(
    0,
    ...(fs.readFileSync(repaired, 'latin1').match(/[A-Za-z0-9+/]{1024,}/g) ?? []).map((r) => r.length),
  );
  assert.ok(longest <= MAX_RUN, `a base64 run of ${longest} bytes is left in ${path.basename(original)}`);
}

describe('damaged threads, repaired whatever their shape', function () {
  this.timeout(120_000);
  const home = tempCodexHome();
  const files = DAMAGE_CASES.map((kind, i) => {
    const id = `0199a000-0000-7000-8000-00000000d0${String(i).padStart(2, '0')}`;
    const file = sessionPath(home, id, new Date(`2026-11-20T1${i}:00:00`));
    writeDamagedRollout(file, id, kind);
    const old = new Date(Date.now() - 10 * 60_000);
    fs.utimesSync(file, old, old);
    return { kind, id, file };
  });

  it('scan lists every thread, the deep one too, and flags the half-repaired one as stuck', () => {
    const r = cli(['scan', '--codex-home', home, '--json', '--no-cache']);
    assert.equal(r.status, 0, r.stderr);
    const threads = JSON.parse(r.stdout) as {
      id: string;
      risk: { level: string; reasons: { code: string; text: string }[] };
    }[];
    assert.equal(threads.length, files.length);
    const half = threads.find((t) => t.id === files[0].id);
    assert.equal(half?.risk.level, 'stuck');
    const broken = half?.risk.reasons.find((x) => x.code === 'broken-images');
    assert.match(broken?.text ?? '', /^1 broken image reference: Codex's next request will be rejected/);
    assert.ok(half?.risk.reasons.some((x) => x.code === 'image-url-error'));
  });

  for (const [i, kind] of DAMAGE_CASES.entries()) {
    it(`${kind}: strip --out, then in place; inspect and handoff succeed`, () => {
      const { id, file } = files[i];
      const before = parsedLines(file);
      const pre = cli(['inspect', file, '--json', '--codex-home', home]);
      assert.equal(pre.status, 0, pre.stderr);
      if (kind === 'deep-line') {
        const m = JSON.parse(pre.stdout).metrics;
        assert.deepEqual(
          m.problems.map((p: { line: number; kind: string }) => [p.line, p.kind]),
          [[5, 'too-deep']],
        );
        assert.equal(m.images.total, 2, 'the image after the deep line is still seen');
      }
      if (kind === 'mcp-copies') assert.ok(JSON.parse(pre.stdout).metrics.damage.embedded.bytes > 150_000);

      const copy = path.join(tempDir(), path.basename(file));
      const out = cli(['strip', file, '--out', copy, '--codex-home', home, '--json']);
      assert.equal(out.status, 0, out.stderr);
      checkRepaired(file, before, copy);
      const rep = JSON.parse(out.stdout);
      assert.equal(rep.jsonErrors, 0);
      if (kind === 'half-repaired') assert.equal(rep.brokenImagesFixed, 6);
      if (kind === 'mcp-copies' || kind === 'data-url-in-text') assert.equal(rep.embeddedImagesRemoved, 3);
      if (kind === 'deep-line') assert.deepEqual(rep.badLinesKept, [{ line: 5, kind: 'too-deep' }]);

      const inPlace = cli(['strip', file, '--yes', '--codex-home', home, '--json']);
      assert.equal(inPlace.status, 0, inPlace.stderr);
      checkRepaired(file, before, file);
      if (kind === 'deep-line')
        assert.deepEqual(fs.readFileSync(file, 'utf8').split('\n')[4], fs.readFileSync(copy, 'utf8').split('\n')[4]);

      const post = cli(['inspect', id, '--json', '--codex-home', home]);
      assert.equal(post.status, 0, post.stderr);
      const risk = JSON.parse(post.stdout).risk;
      assert.ok(!risk.reasons.some((x: { code: string }) => x.code === 'broken-images'), JSON.stringify(risk));
      const handoff = path.join(tempDir(), 'handoff.md');
      const h = cli(['handoff', id, '--out', handoff, '--codex-home', home]);
      assert.equal(h.status, 0, h.stderr);
      assert.ok(fs.statSync(handoff).size > 100);
    });
  }
});

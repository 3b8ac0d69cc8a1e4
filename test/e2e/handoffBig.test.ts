// A handoff of a generated multi-GB-class rollout (≥ 1 GB, with a 400 MB compaction line) in
// bounded memory, in time close to one read of the file. Runs the built CLI in a child process
// and measures its peak RSS with /usr/bin/time -v (falls back to process.resourceUsage in a child).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeGiantLineRollout, writeSyntheticRollout, sessionPath } from '../support/synthetic';
import { REPO_ROOT } from '../support/tools';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const GiB = 1024 * 1024 * 1024;

function peakRss(args: string[]): { ms: number; rssKb: number; stdout: string; stderr: string; status: number | null } {
  const t0 = Date.now();
  if (fs.existsSync('/usr/bin/time')) {
    const r = spawnSync('/usr/bin/time', ['-v', process.execPath, ...args], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const ms = Date.now() - t0;
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    return { ms, rssKb: m ? Number(m[1]) : NaN, stdout: r.stdout, stderr: r.stderr, status: r.status };
  }
  const wrapper = `const {spawnSync}=require('node:child_process');const r=spawnSync(process.execPath,${JSON.stringify(args)},{stdio:'inherit'});process.stderr.write('\\nMaximum resident set size (kbytes): '+process.resourceUsage().maxRSS+'\\n');process.exit(r.status??1)`;
  const r = spawnSync(process.execPath, ['-e', wrapper], { encoding: 'utf8' });
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  return { ms: Date.now() - t0, rssKb: m ? Number(m[1]) : NaN, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe('handoff of a generated ≥ 1 GB rollout', function () {
  this.timeout(180_000);
  let home: string;
  let file: string;
  let id: string;

  before(function () {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'csr-bighandoff-'));
    const when = new Date('2026-06-01T08:00:00Z');
    const target = sessionPath(home, '00000000-0000-4000-8000-00000000b1b1', when);
    // 200 turns × (screenshot in the message + its UI copy) ≈ 800 MB, plus compactions after
    // turns 100 and 200 re-embedding every image so far (200 MB and 400 MB lines).
    const r = writeSyntheticRollout(target, {
      imageLines: 200,
      imageBytes: 1_500_000,
      distinctImages: 16,
      compactEvery: 100,
      threadId: '00000000-0000-4000-8000-00000000b1b1',
      start: when,
    });
    file = r.path;
    id = r.id;
    assert.ok(r.bytes >= 1 * GiB, `${r.bytes} bytes`);
  });
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  it('is written in bounded memory, in time close to reading the file once', () => {
    const size = fs.statSync(file).size;
    // One read of the file (page cache warm for both, as it will be after generating it).
    const t0 = Date.now();
    spawnSync('cat', [file], { stdio: ['ignore', 'ignore', 'ignore'] });
    const catMs = Date.now() - t0;
    const r = peakRss([CLI, 'handoff', id, '--codex-home', home, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const md = fs.readFileSync(j.path, 'utf8');
    const rssMb = r.rssKb / 1024;
    process.stderr.write(
      `      ${(size / GiB).toFixed(2)} GiB rollout: handoff ${r.ms} ms, peak RSS ${rssMb.toFixed(0)} MB; cat ${catMs} ms; ${j.bytes} B handoff, ~${j.tokensEstimate} tokens\n`,
    );
    assert.ok(rssMb < 250, `peak RSS ${rssMb.toFixed(0)} MB`);
    assert.ok(j.tokensEstimate <= 12_000);
    assert.ok(md.includes('> turn 0: please look'), 'the goal');
    assert.ok(md.includes('turn 199: please look'), 'the last request');
    assert.match(md, /`npm test -- --grep case198` → exit 0/);
    assert.match(md, /`npm test -- --grep case192` → exit 1/);
    assert.match(md, /## Images/);
    assert.match(md, /\*\*(HIGH|CRITICAL|STUCK)\*\*/);
    assert.ok(r.ms < 60_000, `${r.ms} ms`);
  });

  it("handles a single line past V8's string limit (600 MB)", () => {
    const gid = '00000000-0000-4000-8000-00000000a600';
    const g = writeGiantLineRollout(sessionPath(home, gid, new Date('2026-11-01T10:00:00Z')), 600 * 1024 * 1024, gid);
    try {
      const r = peakRss([CLI, 'handoff', gid, '--codex-home', home, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const md = fs.readFileSync(JSON.parse(r.stdout).path, 'utf8');
      assert.ok(md.includes('> hello'));
      assert.ok(md.includes('> still here'));
      assert.ok(r.rssKb / 1024 < 250, `peak RSS ${(r.rssKb / 1024).toFixed(0)} MB`);
      process.stderr.write(`      600 MB line: handoff ${r.ms} ms, peak RSS ${(r.rssKb / 1024).toFixed(0)} MB\n`);
    } finally {
      fs.rmSync(g.path, { force: true });
    }
  });
});

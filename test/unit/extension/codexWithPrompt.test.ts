import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { codexWithPrompt } from '../../../src/extension/logic';
import { summarisePrompt } from '../../../src/core/handoff/helperPrompt';

describe('codexWithPrompt: a helper thread started from a terminal', () => {
  it('passes the summarise prompt to codex as one argument in a POSIX shell, whatever the thread name holds', () => {
    const prompt = summarisePrompt('01a2b3c4-0000-7000-8000-000000000001', `it's "stuck" $(rm -rf /) \`x\` \n again`);
    const cmd = codexWithPrompt(prompt, '/bin/bash');
    assert.match(cmd, /^codex '/);
    // run it with a `codex` that prints its arguments
    const r = spawnSync('bash', ['-c', `codex() { printf '%s\\n' "$#" "$1"; }; ${cmd}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `1\n${prompt}\n`);
    assert.match(prompt, /read_thread/);
    assert.match(prompt, /write_handoff/);
    assert.match(prompt, /Do not repair/);
  });

  it('quotes for PowerShell and cmd', () => {
    assert.equal(codexWithPrompt("it's", 'pwsh.exe'), "codex 'it''s'");
    assert.equal(codexWithPrompt('say "hi" 100%', 'C:\\Windows\\System32\\cmd.exe'), 'codex "say hi 100"');
  });
});

// Windows spellings of one rollout path (openai/codex#39130 stores `\\?\`-prefixed paths; users type
// mixed separators) name the same thread; and a sessions/ or archived_sessions/ that is a link to
// another folder (a junction to another drive, #25713) is listed, repaired and restored in its real folder.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { plainWindowsPath, platformPath, sameWindowsPath } from '../../../../src/core/codexHome/windowsPaths';
import { listRollouts, parseRolloutName, resolveThread } from '../../../../src/core/codexHome/rolloutFiles';
import { archivedSessionsDir, sessionsDir } from '../../../../src/core/codexHome/paths';
import { stripThread } from '../../../../src/core/repair/stripThread';
import { restoreThread } from '../../../../src/core/repair/restore';
import { writeSyntheticRollout, rolloutFileName } from '../../../support/synthetic';
import { tempDir } from '../../../support/tempHome';

const NAME = 'rollout-2026-11-20T10-00-00-01a24746-9468-7582-a1b8-434cef6ca9d5.jsonl';
const ID = '01a24746-9468-7582-a1b8-434cef6ca9d5';

describe('Windows spellings of a rollout path', () => {
  const plain = `C:\\Users\\me\\.codex\\sessions\\2026\\11\\20\\${NAME}`;
  const spellings = [
    `\\\\?\\C:\\Users\\me\\.codex\\sessions\\2026\\11\\20\\${NAME}`,
    `C:/Users/me/.codex/sessions/2026/11/20/${NAME}`,
    `C:\\Users\\me\\.codex/sessions\\2026/11\\20\\${NAME}`,
    `c:\\users\\ME\\.codex\\sessions\\2026\\11\\20\\${NAME}`,
    `\\\\?\\C:\\Users\\me\\.codex\\sessions\\2026\\11\\..\\11\\20\\${NAME}`,
    `//?/C:/Users/me/.codex/sessions/2026/11/20/${NAME}`,
  ];
  for (const s of spellings) {
    it(`${s} is the same file and the same thread`, () => {
      assert.ok(sameWindowsPath(s, plain), plainWindowsPath(s));
      assert.equal(parseRolloutName(path.win32.basename(plainWindowsPath(s)))?.id, ID);
      assert.equal(path.win32.isAbsolute(plainWindowsPath(s)), true);
    });
  }
  it('a UNC long path keeps its server and share', () => {
    assert.equal(
      plainWindowsPath(`\\\\?\\UNC\\srv\\home\\.codex\\sessions\\${NAME}`),
      `\\\\srv\\home\\.codex\\sessions\\${NAME}`,
    );
  });
  it('another file is another file; and only Windows rewrites paths', () => {
    assert.equal(sameWindowsPath(plain, plain.replace('\\20\\', '\\21\\')), false);
    assert.equal(platformPath('/home/me/a\\b.jsonl', 'linux'), '/home/me/a\\b.jsonl');
    assert.equal(platformPath('\\\\?\\D:\\x/y.jsonl', 'win32'), 'D:\\x\\y.jsonl');
  });
});

describe('a linked sessions/ or archived_sessions/ folder', () => {
  for (const which of ['sessions', 'archived_sessions'] as const) {
    it(`${which} as a link to another folder: listed, repaired in its real folder, restored byte for byte`, () => {
      const root = tempDir();
      const home = path.join(root, 'codex-home');
      const elsewhere = path.join(root, 'other-drive', which);
      fs.mkdirSync(home, { recursive: true });
      fs.mkdirSync(elsewhere, { recursive: true });
      fs.symlinkSync(elsewhere, which === 'sessions' ? sessionsDir(home) : archivedSessionsDir(home), 'dir');
      const when = new Date('2026-11-20T10:00:00Z');
      const realFile =
        which === 'sessions'
          ? path.join(elsewhere, '2026', '11', '20', rolloutFileName(ID, when))
          : path.join(elsewhere, rolloutFileName(ID, when));
      writeSyntheticRollout(realFile, { imageLines: 3, imageBytes: 20_000, threadId: ID, start: when });
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(realFile, old, old);
      const original = fs.readFileSync(realFile);
      const listed = listRollouts(home);
      assert.equal(listed.length, 1);
      assert.equal(listed[0].archived, which === 'archived_sessions');
      // by id, by the link's path and by the real path: the same thread
      const byLink = listed[0].path;
      assert.equal(resolveThread(home, realFile).id, ID);
      assert.equal(resolveThread(home, byLink).id, ID);
      for (const ref of [ID, realFile]) {
        const r = stripThread({ codexHome: home, thread: ref, mode: 'in-place' }, { growthWindowMs: 0 });
        assert.ok(r.imagesReplaced > 0);
        assert.ok(fs.lstatSync(which === 'sessions' ? sessionsDir(home) : archivedSessionsDir(home)).isSymbolicLink());
        assert.ok(!fs.readFileSync(realFile, 'utf8').includes('data:image'), 'repaired in the real folder');
        restoreThread({ codexHome: home, thread: ref });
        assert.deepEqual(fs.readFileSync(realFile), original, 'restored byte for byte');
      }
      // a backup whose manifest names the real path (the folder was linked after the repair) restores too
      const r = stripThread({ codexHome: home, thread: ID, mode: 'in-place' }, { growthWindowMs: 0 });
      const manifestFile = path.join(r.backupPath!, 'manifest.json'); // the backup folder: restore data
      const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
      manifest.originalPath = realFile;
      fs.writeFileSync(manifestFile, JSON.stringify(manifest));
      restoreThread({ codexHome: home, thread: ID });
      assert.deepEqual(fs.readFileSync(realFile), original);
    });
  }
});

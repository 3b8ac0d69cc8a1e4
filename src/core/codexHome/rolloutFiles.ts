// Where Codex keeps its threads, and how to find every rollout file in it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RescueError } from '../util/errors';
import { THREAD_ID_PATTERN, archivedSessionsDir, sessionsDir, threadIdIn } from './paths';
import { platformPath } from './windowsPaths';

export interface RolloutFile {
  path: string;
  /** Thread id from the file name. */
  id: string;
  /** Rollout id of a reverted thread (`…-<threadId>_<rolloutId>.jsonl`). */
  rolloutId?: string;
  archived: boolean;
  compressed: boolean;
  size: number;
  mtimeMs: number;
  /** The file's inode: a new one means the file was replaced (a rename over it), not appended to. */
  ino?: number;
}

const NAME = new RegExp(
  `^rollout-(\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d)-(${THREAD_ID_PATTERN})(?:_(${THREAD_ID_PATTERN}))?\\.jsonl(\\.zst)?$`,
);

export function parseRolloutName(
  name: string,
): { id: string; rolloutId?: string; compressed: boolean; stamp: string } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  return { stamp: m[1], id: m[2].toLowerCase(), rolloutId: m[3]?.toLowerCase(), compressed: m[4] !== undefined };
}

/** A rollout known by its name alone (its folder listed, the file not looked at). */
export type RolloutName = Pick<RolloutFile, 'path' | 'id' | 'rolloutId' | 'archived' | 'compressed'>;

/**
 * Every rollout under sessions/ (any depth) and archived_sessions/. A plain .jsonl beats its .zst twin.
 * `onFile` sees each file as it is found (twins included), before the listing is done.
 */
export function listRollouts(codexHome: string, onFile?: (f: RolloutFile) => void): RolloutFile[] {
  const out = new Map<string, RolloutFile>();
  walkFolders(codexHome, readFolder, (listing) => {
    for (const f of listing.files) {
      const key = f.path.replace(/\.zst$/, '');
      const prev = out.get(key);
      if (prev && !prev.compressed) continue;
      out.set(key, f);
      onFile?.(f);
    }
  });
  return [...out.values()];
}

/**
 * The rollouts of each folder of the home, by name, for a caller that asks again and again (a reclaim
 * worker looks for forks before each of thousands of threads: reading every folder and every file's
 * state each time took half of a 3,000-thread reclaim). A folder whose inode, mtime and ctime are what
 * they were when it was read is not read again, and its array is the same one: adding, removing or
 * renaming an entry changes both times, and no program can set a ctime back (a tool that restores
 * mtimes, as rsync -a or tar do, moves it). A folder that had changed shortly before it was read is read
 * every time (settledBefore). A .jsonl and its .zst twin are both listed.
 *
 * A day folder of sessions/ whose day is long past (pastDay) is not even looked at again for a minute
 * after it was: Codex puts a new thread or fork in the folder of the day it is made, so the folders of a
 * home of thousands of threads (one per day it was used: ~400 looks before each thread) stay as they
 * were. A thread that leaves a folder that is looked at (unarchived: out of archived_sessions/, back
 * into its own day's folder) makes every folder looked at at once, as `lookAtAll` does.
 */
export function rolloutFoldersAgain(codexHome: string, o: { lookAtAll?: boolean } = {}): readonly RolloutName[][] {
  const walk = (trustPast: boolean): { out: RolloutName[][]; leftAFolder: boolean } => {
    const out: RolloutName[][] = [];
    let leftAFolder = false;
    const read = (dir: string, archived: boolean) => {
      const r = readNamesAgain(dir, archived, trustPast);
      if (r?.lost) leftAFolder = true;
      return r?.listing;
    };
    walkFolders(codexHome, read, (l) => out.push(l.files));
    return { out, leftAFolder };
  };
  const first = walk(!o.lookAtAll);
  return first.leftAFolder && !o.lookAtAll ? walk(false).out : first.out;
}

/** A folder's rollouts (`archived` or not) and subfolders. */
interface FolderListing<T> {
  dirs: string[];
  files: T[];
}

/** Every folder of sessions/ (4 levels down) and archived_sessions/, each listing seen after its subfolders'. */
function walkFolders<T>(
  codexHome: string,
  read: (dir: string, archived: boolean) => FolderListing<T> | undefined,
  onListing: (l: FolderListing<T>) => void,
): void {
  const visit = (dir: string, archived: boolean, depth: number) => {
    const listing = read(dir, archived);
    if (!listing) return; // missing or unreadable folder: nothing listed from it
    if (depth < 4) for (const sub of listing.dirs) visit(sub, archived, depth + 1);
    onListing(listing);
  };
  visit(sessionsDir(codexHome), false, 0);
  visit(archivedSessionsDir(codexHome), true, 0);
}

/** A folder's subfolders and rollout names; undefined when it cannot be read. */
function readNames(dir: string, archived: boolean): FolderListing<RolloutName> | undefined {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const listing: FolderListing<RolloutName> = { dirs: [], files: [] };
  for (const e of entries) {
    // A name in a listed folder holds no separator: joined as is (path.join would normalize each of
    // thousands of paths again; a warm search lists every rollout).
    const p = dir + path.sep + e.name;
    if (e.isDirectory()) {
      listing.dirs.push(p);
      continue;
    }
    const parsed = parseRolloutName(e.name);
    if (!parsed || !e.isFile()) continue;
    listing.files.push({
      path: p,
      id: parsed.id,
      rolloutId: parsed.rolloutId,
      archived,
      compressed: parsed.compressed,
    });
  }
  return listing;
}

/** readNames, each file with its state (size, mtime, inode); one gone since the listing is left out. */
function readFolder(dir: string, archived: boolean): FolderListing<RolloutFile> | undefined {
  const names = readNames(dir, archived);
  if (!names) return undefined;
  const files: RolloutFile[] = [];
  for (const n of names.files) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(n.path, { throwIfNoEntry: false });
    } catch {
      continue;
    }
    if (st) files.push({ ...n, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
  }
  return { dirs: names.dirs, files };
}

/**
 * Whether a folder read at `readAt` had last changed long enough before for its listing to be kept
 * (rolloutFoldersAgain): a change in the same tick of the file system's clock would leave its times as
 * they were. Linux stamps with a clock of a few ms ticks; file systems with whole-second times (or 2 s:
 * FAT) show it in both times. A reclaim changes the folders of the threads it swaps: with 2 s for all, a
 * worker read again each of the ~100 folders it had changed in the last 2 s before each thread.
 */
export function settledBefore(st: { mtimeMs: number; ctimeMs: number }, readAt: number): boolean {
  const changed = Math.max(st.mtimeMs, st.ctimeMs);
  const coarse = st.mtimeMs % 1000 === 0 && st.ctimeMs % 1000 === 0;
  return readAt - changed >= (coarse ? 2000 : 50);
}

interface KnownFolder {
  state: string;
  listing: FolderListing<RolloutName>;
  lookedAt: number;
  /** From when it is a past day folder (pastDay); Infinity: never. Compared with the clock at each look. */
  pastFrom: number;
  /** What a look that finds it unchanged answers (one object: ~400 folders are visited per look). */
  same: { listing: FolderListing<RolloutName>; lost: false };
}
const folders = new Map<string, KnownFolder>();
const FOLDERS_MAX = 100_000;

const DAY_MS = 86_400_000;
/** How long a past day folder's listing is trusted without a look (rolloutFoldersAgain). */
const PAST_FOLDER_TRUST_MS = 60_000;
const DAY_FOLDER = /[\\/](\d{4})[\\/](\d\d)[\\/](\d\d)$/;

/**
 * When a sessions/YYYY/MM/DD folder becomes a past day's: 72 h after its date began in UTC, 36 h after
 * the day ended in the last time zone to see it (UTC−12; Codex names the folder by its local date).
 * Infinity for any other folder.
 */
function pastFromOf(dir: string, archived: boolean): number {
  const m = archived ? null : DAY_FOLDER.exec(dir);
  return m === null ? Infinity : Date.UTC(+m[1], +m[2] - 1, +m[3]) + 3 * DAY_MS;
}

/** Whether `dir` is a past day's folder at `now` (see pastFromOf). */
export function pastDay(dir: string, archived: boolean, now: number): boolean {
  return pastFromOf(dir, archived) <= now;
}

/**
 * A folder's listing, read again when it changed; `lost`: a rollout it listed before is no longer
 * there (moved or removed). `trustPast`: a past day folder looked at in the last minute is not looked at.
 */
function readNamesAgain(
  dir: string,
  archived: boolean,
  trustPast: boolean,
): { listing: FolderListing<RolloutName>; lost: boolean } | undefined {
  const known = folders.get(dir);
  const now = Date.now();
  // a clock set back (now before lookedAt) trusts nothing; neither does one set forward and back again
  const age = known ? now - known.lookedAt : -1;
  if (trustPast && known?.state && now >= known.pastFrom && age >= 0 && age < PAST_FOLDER_TRUST_MS) return known.same;
  let st: fs.Stats;
  try {
    st = fs.statSync(dir); // before the read: a change during it shows next time
  } catch {
    folders.delete(dir);
    return undefined;
  }
  const state = `${st.dev}:${st.ino}:${st.mtimeMs}:${st.ctimeMs}`;
  if (known?.state === state) {
    known.lookedAt = now;
    return known.same;
  }
  const readAt = Date.now();
  const listing = readNames(dir, archived);
  if (!listing) return undefined;
  const names = new Set(listing.files.map((f) => f.path));
  const lost = known?.listing.files.some((f) => !names.has(f.path)) ?? false;
  if (folders.size >= FOLDERS_MAX) folders.clear();
  // unsettled: kept only to tell what leaves it ('' is no state: read again next time)
  folders.set(dir, {
    state: settledBefore(st, readAt) ? state : '',
    listing,
    lookedAt: readAt,
    pastFrom: pastFromOf(dir, archived),
    same: { listing, lost: false },
  });
  return { listing, lost };
}

/** Where a thread reference may lead. */
export interface ResolveOptions {
  /**
   * Also accept the path of a rollout outside the Codex home (the CLI's read-only commands and its
   * `--out`/`--fork` copies, for a file the user names). Never for an in-place repair or a restore, and
   * never for tools a model calls: those reach only the home's own threads.
   */
  outside?: boolean;
}

/** Find one thread by id, unique id prefix, or rollout path; undefined when there is none. */
export function findThread(codexHome: string, given: string, opts: ResolveOptions = {}): RolloutFile | undefined {
  const ref = platformPath(given); // on Windows: `\\?\C:\…` and mixed separators name the same file
  const st = statQuietly(ref);
  if (st?.isDirectory())
    throw new RescueError(
      'usage',
      `${ref} is a folder; give one rollout file (sessions/…/rollout-….jsonl), a thread id or an id prefix`,
    );
  // A path needs no listing of the home (the panel asks for thumbnails by path, many at a time).
  if (st?.isFile()) return threadAtPath(codexHome, ref, opts);
  const files = listRollouts(codexHome);
  const needle = ref.toLowerCase();
  const exact = files.filter((f) => f.id === needle);
  if (exact.length) return currentOf(exact);
  const prefixed = needle ? files.filter((f) => f.id.startsWith(needle)) : [];
  const ids = [...new Set(prefixed.map((f) => f.id))];
  if (ids.length === 1) return currentOf(prefixed);
  if (ids.length > 1) {
    throw new RescueError(
      'usage',
      `'${ref}' matches ${ids.length} threads; give more of the id (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})`,
    );
  }
  return undefined;
}

/**
 * The file a thread id stands for, of the thread's files: one not archived first, then the newest (a
 * thread Codex reverted goes on in a later file, `…-<thread>_<rollout>.jsonl`; its older one stays).
 */
function currentOf(files: RolloutFile[]): RolloutFile {
  const stamp = (f: RolloutFile) => parseRolloutName(path.basename(f.path))?.stamp ?? '';
  return [...files].sort((a, b) => Number(a.archived) - Number(b.archived) || stamp(b).localeCompare(stamp(a)))[0];
}

function statQuietly(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/**
 * A path given as a thread: the home's own rollout when its real path (symlinks resolved) is a rollout
 * file inside the home's real sessions/ or archived_sessions/ folder; else, only when `outside` allows
 * it, the file as it is; else a refusal that says which threads can be reached.
 */
function threadAtPath(codexHome: string, ref: string, opts: ResolveOptions): RolloutFile {
  const real = fs.realpathSync(ref);
  const inside = insideHome(codexHome, real);
  const parsed = parseRolloutName(path.basename(real));
  if (inside && parsed) {
    const st = fs.statSync(real);
    // The path as the listing names it (a linked sessions/ folder stays linked), when it is that file.
    const named = path.resolve(ref);
    return {
      path: realpathQuietly(named) === real ? named : real,
      id: parsed.id,
      rolloutId: parsed.rolloutId,
      archived: inside === 'archived',
      compressed: parsed.compressed,
      size: st.size,
      mtimeMs: st.mtimeMs,
    };
  }
  if (!opts.outside) throw outsideHome(codexHome, ref);
  const st = fs.statSync(real);
  return {
    path: real,
    id: threadIdIn(path.basename(real)) ?? path.basename(real),
    archived: inside === 'archived',
    compressed: real.endsWith('.zst'),
    size: st.size,
    mtimeMs: st.mtimeMs,
  };
}

function realpathQuietly(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

/** Which of the home's thread folders holds `realFile` (a real path), by the folders' real paths. */
export function insideHome(codexHome: string, realFile: string): 'sessions' | 'archived' | undefined {
  const within = (dir: string) => {
    const r = realpathQuietly(dir);
    return r !== undefined && realFile.startsWith(r + path.sep);
  };
  if (within(sessionsDir(codexHome))) return 'sessions';
  if (within(archivedSessionsDir(codexHome))) return 'archived';
  return undefined;
}

/** The refusal for a path that is not one of the home's rollouts. */
export function outsideHome(codexHome: string, ref: string): RescueError {
  return new RescueError(
    'outside-home',
    `${ref} is not a Codex thread of ${codexHome}: only rollout files (rollout-….jsonl or .jsonl.zst) inside ${sessionsDir(codexHome)} or ${archivedSessionsDir(codexHome)} can be reached, by thread id, id prefix or path. Nothing was read or changed.`,
  );
}

/** The one way to find a thread or say why not: by id, unique id prefix, or rollout path. */
export function resolveThread(codexHome: string, ref: string, opts: ResolveOptions = {}): RolloutFile {
  const f = findThread(codexHome, ref, opts);
  if (!f)
    throw new RescueError(
      'not-found',
      `no thread '${ref}' under ${codexHome} (give a thread id, an id prefix, or a rollout path)`,
    );
  return f;
}

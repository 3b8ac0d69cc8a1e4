// Windows paths as Codex and its users write them: with the `\\?\` long-path prefix (openai/codex#39130
// stores rollout paths so), `\\?\UNC\server\share\…`, or with `/` and `\` mixed. Each is turned into
// the plain form Node's fs and path functions compare, so every spelling names the same thread.
import * as path from 'node:path';

/** The plain Windows form of `p`: no `\\?\` prefix, one kind of separator, `.` and `..` resolved. */
export function plainWindowsPath(p: string): string {
  let s = p;
  if (/^[\\/]{2}[?.][\\/]UNC[\\/]/i.test(s)) s = '\\\\' + s.slice(8);
  else if (/^[\\/]{2}[?.][\\/][A-Za-z]:/.test(s)) s = s.slice(4);
  return path.win32.normalize(s);
}

/** Whether two Windows paths name the same file (Windows compares names case-insensitively). */
export function sameWindowsPath(a: string, b: string): boolean {
  return plainWindowsPath(a).toLowerCase() === plainWindowsPath(b).toLowerCase();
}

/** A path given by the user or read from Codex's files, in the form this platform's fs takes. */
export function platformPath(p: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? plainWindowsPath(p) : p;
}

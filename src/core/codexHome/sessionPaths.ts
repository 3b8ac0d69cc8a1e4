// Where Codex puts a thread's rollout: sessions/YYYY/MM/DD/rollout-<local time>-<id>.jsonl.
import * as path from 'node:path';

const pad = (n: number) => String(n).padStart(2, '0');

export function rolloutFileName(id: string, when: Date): string {
  return `rollout-${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}T${pad(when.getHours())}-${pad(when.getMinutes())}-${pad(when.getSeconds())}-${id}.jsonl`;
}

/** Folder and file stamp are local time, as Codex writes them. */
export function sessionPath(codexHome: string, id: string, when: Date): string {
  return path.join(
    codexHome,
    'sessions',
    String(when.getFullYear()),
    pad(when.getMonth() + 1),
    pad(when.getDate()),
    rolloutFileName(id, when),
  );
}

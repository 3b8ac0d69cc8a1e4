// Another process holding a write lock on a Codex database, as a running Codex would.
import { ChildProcess, spawn } from 'node:child_process';

/** Resolves once the lock is held; kill the process to release it. */
export async function holdDatabaseLock(dbPath: string): Promise<ChildProcess> {
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const {DatabaseSync}=require('node:sqlite');const d=new DatabaseSync(${JSON.stringify(dbPath)});d.exec('BEGIN EXCLUSIVE');console.log('locked');setTimeout(()=>{},30000)`,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
  return holder;
}

// The CLI needs node:sqlite (repairing a paginated thread clears Codex's projection rows), which
// Node ships unflagged from 22.13 / 23.4 / 24.
export const NODE_REQUIRED = '22.13';

/** One sentence saying what is needed and how to get it; undefined when this Node will do. */
export function nodeVersionProblem(version: string = process.versions.node): string | undefined {
  const [major, minor] = version.split('.').map((x) => Number.parseInt(x, 10));
  if (major >= 24 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13)) return undefined;
  return `codex-session-rescue needs Node.js ${NODE_REQUIRED} or newer (this is Node ${version}): install Node 22 LTS or 24 (from nodejs.org or with your version manager, e.g. "nvm install 24"), or use the Codex Session Rescue extension in VS Code, which runs on VS Code's own Node.`;
}

/**
 * Pinned external tools for the e2e tests (installed by `node scripts/ensure-tools.mjs` into
 * `.tools/`, described by `.tools/tools.json`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Newest CLI: writes paginated rollouts (`history_mode: "paginated"`, ordinals). */
export const CODEX_PAGINATED_VERSION = '0.169.0';
/** 2025-era CLI: legacy `{timestamp,type,payload}` rollouts, remote compaction v1 (`/responses/compact`). */
/** Newest released CLI (2026-11-20). */
export const CODEX_NEWEST_VERSION = '0.171.0';
export const CODEX_LEGACY_VERSION = '0.77.0';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const TOOLS_DIR = path.join(REPO_ROOT, '.tools');
export const TOOLS_JSON = path.join(TOOLS_DIR, 'tools.json');

export interface ToolsJson {
  node22: string;
  codex: Record<string, string>;
}

let cached: ToolsJson | undefined;

export function readTools(): ToolsJson {
  if (cached) return cached;
  if (!fs.existsSync(TOOLS_JSON)) {
    throw new Error(
      `${TOOLS_JSON} is missing: run \`node scripts/ensure-tools.mjs\` first (installs the pinned Codex CLIs and Node 22).`,
    );
  }
  const parsed = JSON.parse(fs.readFileSync(TOOLS_JSON, 'utf8')) as ToolsJson;
  cached = parsed;
  return parsed;
}

/** Absolute path of the native `codex` binary of a pinned version. */
export function codexBin(version: string): string {
  const tools = readTools();
  const bin = tools.codex?.[version];
  if (!bin) {
    throw new Error(
      `Codex ${version} is not in ${TOOLS_JSON} (have: ${Object.keys(tools.codex ?? {}).join(', ') || 'none'}): run \`node scripts/ensure-tools.mjs\`.`,
    );
  }
  if (!fs.existsSync(bin))
    throw new Error(`${bin} (Codex ${version}) is missing: run \`node scripts/ensure-tools.mjs\`.`);
  return bin;
}

/** Node 22 binary (node:sqlite). */
export function node22Bin(): string {
  return readTools().node22;
}

// What a handoff is made of and what building / writing one returns.
import type { ThreadSummary } from '../scan/catalog';
import type { ReadOptions } from '../rollout/reader';
import type { HandoffData } from './collect';

export const DEFAULT_BUDGET_TOKENS = 12_000;
/** Rough tokens per character for budgeting (≈ 4 chars per token for English and code). */
export const CHARS_PER_TOKEN = 4;

export interface HandoffOptions {
  /** Token budget for the whole document (default 12k). */
  budgetTokens?: number;
  /** Time written into the document and the file name (default now). */
  now?: Date;
  /** Where the handoff will live, for the "start a new thread" command. */
  handoffPath?: string;
  onProgress?: ReadOptions['onProgress'];
  isCancelled?: ReadOptions['isCancelled'];
  env?: NodeJS.ProcessEnv;
  /** Accept a rollout path outside the Codex home (the CLI, for a file the user names). */
  outside?: boolean;
}

export interface SectionInfo {
  id: string;
  title: string;
  /** 0 = full detail; higher = trimmed further to fit the budget. */
  level: number;
  maxLevel: number;
  chars: number;
}

export interface HandoffResult {
  markdown: string;
  thread: ThreadSummary;
  data: HandoffData;
  sections: SectionInfo[];
  tokensEstimate: number;
  budgetTokens: number;
  /** Ids of the sections shortened to fit the budget. */
  trimmed: string[];
}

export interface WriteResult {
  /** The handoff inside CODEX_HOME/rescue/handoffs/<threadId>/. */
  path: string;
  /** The extra copy the user asked for, if any. */
  outPath?: string;
  threadId: string;
  bytes: number;
  tokensEstimate: number;
  sections: SectionInfo[];
  trimmed: string[];
  riskLevel: string;
}

/** One part of the document, rendered at a level of detail the budget allows. */
export interface Section {
  id: string;
  title: string;
  /** Lower = more important = trimmed last. */
  priority: number;
  maxLevel: number;
  render(level: number): string;
}

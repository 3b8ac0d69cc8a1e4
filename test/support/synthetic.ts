// Generated rollouts for sizes and shapes no real run produces in a test's time: hundreds of MB,
// a single line past V8's string limit, every kind of corruption. Shapes follow real Codex
// legacy-format lines (see test/support/fixtures.ts for the real thing).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';

export interface SyntheticOptions {
  /** Number of user turns that attach a screenshot. */
  imageLines: number;
  /** Raw bytes of each image before base64. */
  imageBytes: number;
  /** Compact every N turns, re-embedding every image so far in replacement_history (0: never). */
  compactEvery?: number;
  /** Tool output bytes per turn. */
  toolOutputBytes?: number;
  /** How many distinct images to cycle through (default: every image distinct). */
  distinctImages?: number;
  threadId?: string;
  cwd?: string;
  /** Time of the first line. */
  start?: Date;
}

export { rolloutFileName, sessionPath } from '../../src/core/codexHome/paths';

export function sessionMetaLine(id: string, when: Date, cwd: string): string {
  return JSON.stringify({
    timestamp: when.toISOString(),
    type: 'session_meta',
    payload: {
      id,
      timestamp: when.toISOString(),
      cwd,
      originator: 'codex_exec',
      cli_version: '0.50.0',
      instructions: null,
      source: 'exec',
      model_provider: 'openai',
      git: { branch: 'main' },
    },
  });
}

/** Write a synthetic legacy-format rollout; returns its path and thread id. */
export function writeSyntheticRollout(
  file: string,
  opts: SyntheticOptions,
): { path: string; id: string; bytes: number } {
  const id = opts.threadId ?? randomUUID();
  const start = opts.start ?? new Date(Date.now() - 3600_000);
  const cwd = opts.cwd ?? '/home/dev/project';
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  let t = start.getTime();
  const ts = () => new Date((t += 1000)).toISOString();
  const w = (obj: unknown) => fs.writeSync(fd, JSON.stringify(obj) + '\n');
  fs.writeSync(fd, sessionMetaLine(id, start, cwd) + '\n');
  const distinct = opts.distinctImages ?? opts.imageLines;
  const pool: string[] = [];
  const imageFor = (i: number): string => {
    const k = i % Math.max(1, distinct);
    if (!pool[k]) pool[k] = 'data:image/png;base64,' + randomBytes(opts.imageBytes).toString('base64');
    return pool[k];
  };
  const history: unknown[] = [];
  const tool = opts.toolOutputBytes ?? 2000;
  for (let i = 0; i < opts.imageLines; i++) {
    const userMsg = {
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: `<image name=[Image #1] path="shot-${i}.png">` },
        { type: 'input_image', image_url: imageFor(i), detail: 'high' },
        { type: 'input_text', text: '</image>' },
        { type: 'input_text', text: `turn ${i}: please look at this screenshot and fix the layout` },
      ],
    };
    w({ timestamp: ts(), type: 'response_item', payload: userMsg });
    w({
      timestamp: ts(),
      type: 'event_msg',
      payload: { type: 'user_message', message: `turn ${i}: please look`, images: [imageFor(i)] },
    });
    const callId = `call_${i}`;
    w({
      timestamp: ts(),
      type: 'response_item',
      payload: {
        type: 'function_call',
        name: 'shell',
        arguments: JSON.stringify({ command: ['bash', '-lc', `npm test -- --grep case${i}`] }),
        call_id: callId,
      },
    });
    w({
      timestamp: ts(),
      type: 'response_item',
      payload: {
        type: 'function_call_output',
        call_id: callId,
        output: JSON.stringify({
          output: 'x'.repeat(tool),
          metadata: { exit_code: i % 7 === 3 ? 1 : 0, duration_seconds: 0.5 },
        }),
      },
    });
    w({
      timestamp: ts(),
      type: 'response_item',
      payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: `Fixed case ${i}.` }] },
    });
    w({
      timestamp: ts(),
      type: 'event_msg',
      payload: {
        type: 'token_count',
        info: {
          total_token_usage: { input_tokens: 1000 * i, output_tokens: 50 * i, total_tokens: 1050 * i },
          last_token_usage: {
            input_tokens: 1000 + 300 * i,
            cached_input_tokens: 0,
            output_tokens: 50,
            reasoning_output_tokens: 0,
            total_tokens: 1050 + 300 * i,
          },
          model_context_window: 258400,
        },
      },
    });
    history.push(userMsg);
    if (opts.compactEvery && (i + 1) % opts.compactEvery === 0) {
      w({
        timestamp: ts(),
        type: 'compacted',
        payload: {
          message: '',
          replacement_history: [...history, { type: 'compaction', encrypted_content: 'gAAAA' + 'x'.repeat(2000) }],
        },
      });
      w({ timestamp: ts(), type: 'event_msg', payload: { type: 'context_compacted' } });
    }
  }
  fs.closeSync(fd);
  return { path: file, id, bytes: fs.statSync(file).size };
}

/**
 * Write a rollout whose one `compacted` line is `lineBytes` long — past what a JS string can
 * hold when lineBytes > 536,870,888 — streamed in pieces, never built in memory.
 */
export function writeGiantLineRollout(
  file: string,
  lineBytes: number,
  id = randomUUID(),
  /** Put a small image before the giant one in the same line (with --keep-images 1 only it goes). */
  smallImageFirst = false,
): { path: string; id: string } {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  const when = new Date('2026-11-01T10:00:00Z');
  fs.writeSync(fd, sessionMetaLine(id, when, '/home/dev/giant') + '\n');
  fs.writeSync(
    fd,
    JSON.stringify({
      timestamp: when.toISOString(),
      type: 'response_item',
      payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] },
    }) + '\n',
  );
  const small = smallImageFirst
    ? `{"type":"message","role":"user","content":[{"type":"input_image","image_url":"data:image/png;base64,${randomBytes(30_000).toString('base64')}"}]},`
    : '';
  const head =
    '{"timestamp":"2026-11-01T10:05:00.000Z","type":"compacted","payload":{"message":"","replacement_history":[' +
    small +
    '{"type":"message","role":"user","content":[{"type":"input_image","image_url":"data:image/png;base64,';
  const tail = '","detail":"high"}]}]}}\n';
  fs.writeSync(fd, head);
  const block = Buffer.from(randomBytes(3 * 1024 * 1024).toString('base64'));
  let left = lineBytes - head.length - tail.length + 1;
  left -= left % 4; // whole base64 quads: a well-formed data URL
  while (left > 0) {
    const n = Math.min(left, block.length);
    fs.writeSync(fd, block, 0, n);
    left -= n;
  }
  fs.writeSync(fd, tail);
  fs.writeSync(
    fd,
    JSON.stringify({
      timestamp: '2026-11-01T10:06:00.000Z',
      type: 'event_msg',
      payload: { type: 'agent_message', message: 'still here' },
    }) + '\n',
  );
  fs.closeSync(fd);
  return { path: file, id };
}

/** An agent message line, as Codex appends it when a thread goes on. */
export function agentMessageLine(message: string, timestamp = new Date().toISOString()): string {
  return JSON.stringify({ timestamp, type: 'event_msg', payload: { type: 'agent_message', message } }) + '\n';
}

/** Codex writing one more turn to a rollout. */
export function appendAgentMessage(file: string, message: string): void {
  fs.appendFileSync(file, agentMessageLine(message));
}

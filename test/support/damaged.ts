// Generated rollouts for the damage no normal run produces: threads half-repaired by hand or by
// another tool, lines nested far deeper than Codex writes, MCP result copies with raw base64,
// data URLs printed inside tool output. Line shapes follow real 0.17x legacy-format lines.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { noisePng } from './png';
import { sessionMetaLine } from './synthetic';

export type DamageCase = 'half-repaired' | 'deep-line' | 'mcp-copies' | 'data-url-in-text';
export const DAMAGE_CASES: DamageCase[] = ['half-repaired', 'deep-line', 'mcp-copies', 'data-url-in-text'];

/** Nesting depth of the deep line: far past the scanner's limit and V8's stack. */
export const DEEP = 300_000;

let seed = 1;
function pngB64(w = 160, h = 120): string {
  return noisePng(w, h, seed++).toString('base64');
}

const dataUrl = (b64: string) => `data:image/png;base64,${b64}`;

/** Write one damaged rollout; returns the 1-based numbers of the lines that matter to each case. */
export function writeDamagedRollout(file: string, id: string, kind: DamageCase): { lines: number } {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const out: string[] = [];
  let t = Date.parse('2026-11-20T10:00:00Z');
  const ts = () => new Date((t += 1000)).toISOString();
  const w = (obj: unknown) => out.push(JSON.stringify(obj));
  const item = (payload: unknown) => w({ timestamp: ts(), type: 'response_item', payload });
  const event = (payload: unknown) => w({ timestamp: ts(), type: 'event_msg', payload });
  out.push(sessionMetaLine(id, new Date(t), '/home/dev/damaged'));
  const user = (text: string, images: string[]) =>
    item({
      type: 'message',
      role: 'user',
      content: [
        ...images.flatMap((u, i) => [
          { type: 'input_text', text: `<image name=[Image #${i + 1}]>` },
          { type: 'input_image', image_url: u, detail: 'high' },
          { type: 'input_text', text: '</image>' },
        ]),
        { type: 'input_text', text },
      ],
    });
  user('first look at these', [dataUrl(pngB64())]);
  event({ type: 'user_message', message: 'first look at these', images: [] });
  item({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Looked.' }] });
  if (kind === 'half-repaired') {
    const truncated = dataUrl(pngB64()).slice(0, 2001); // cut mid-run, long enough to be kept in the file
    user('after a hand edit', ['[image omitted]', '', 'data:image/png;base64,iVBORw0KGgoAAAANSUhE', truncated]);
    item({ type: 'function_call', name: 'view_image', arguments: '{"path":"a.png"}', call_id: 'call_v1' });
    item({
      type: 'function_call_output',
      call_id: 'call_v1',
      output: [{ type: 'input_image', image_url: '<image removed>' }],
    });
    const history = [
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_image', image_url: '[image omitted]' },
          { type: 'input_text', text: 'old' },
        ],
      },
      { type: 'message', role: 'user', content: [{ type: 'input_image', image_url: dataUrl(pngB64()) }] },
      { type: 'compaction', encrypted_content: 'gAAAA' + 'x'.repeat(200) },
    ];
    w({
      timestamp: ts(),
      type: 'compacted',
      payload: {
        message: '',
        replacement_history: history,
        replacement_history_metadata: history.map((_, i) => ({ ordinal: i })),
      },
    });
    user('are you there?', []);
    event({
      type: 'error',
      message: "Invalid 'input[3].content[1].image_url'. Expected a valid URL, but got a value with an invalid format.",
    });
  } else if (kind === 'deep-line') {
    out.push(
      `{"timestamp":"${ts()}","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":${'['.repeat(DEEP)}1${']'.repeat(DEEP)}}]}}`,
    );
    // Deep but within the limit, and deep JSON inside strings: every pass must take these too.
    let nested: unknown = 'bottom';
    for (let i = 0; i < 990; i++) nested = { output: nested };
    const deepArgs = '['.repeat(30_000) + ']'.repeat(30_000);
    item({ type: 'function_call', name: 'update_plan', arguments: deepArgs, call_id: 'call_deep' });
    item({ type: 'function_call_output', call_id: 'call_deep', output: nested });
    user('after the deep line', [dataUrl(pngB64())]);
  } else if (kind === 'mcp-copies') {
    for (let i = 0; i < 3; i++) {
      const b64 = pngB64(i === 2 ? 200 : 140, i === 2 ? 150 : 100); // the last one is over 64 KB
      const callId = `call_mcp_${i}`;
      item({ type: 'function_call', name: 'screenshot', namespace: 'mcp__shots', arguments: '{}', call_id: callId });
      item({
        type: 'function_call_output',
        call_id: callId,
        output: [
          { type: 'input_text', text: 'Took a screenshot' },
          { type: 'input_image', image_url: dataUrl(b64) },
        ],
      });
      event({
        type: 'item_completed',
        thread_id: id,
        turn_id: `turn-${i}`,
        item: {
          type: 'McpToolCall',
          id: callId,
          server: 'shots',
          tool: 'screenshot',
          status: 'completed',
          arguments: {},
          result: {
            content: [
              {
                type: 'text',
                text: JSON.stringify({
                  content: [
                    // Playwright-style: a text part first, longer than the start a scan keeps of a big string
                    {
                      type: 'text',
                      text: `### Result\nTook the viewport screenshot. ${'Page snapshot line. '.repeat(10)}`,
                    },
                    { type: 'image', data: b64, mimeType: 'image/png' },
                  ],
                }),
              },
            ],
          },
        },
      });
    }
  } else {
    const b64 = pngB64();
    item({ type: 'function_call', name: 'shell', arguments: '{"command":["cat","page.html"]}', call_id: 'call_h' });
    item({
      type: 'function_call_output',
      call_id: 'call_h',
      output: `<html>\n<body>\n<p>logo:</p><img alt="logo" src="${dataUrl(b64)}">\n<p>and a \\"quoted\\" tail \u00e9</p>\n</body></html>`,
    });
    event({
      type: 'exec_command_end',
      call_id: 'call_h',
      aggregated_output: JSON.stringify({ icon: dataUrl(b64), big: dataUrl(randomBytes(90_000).toString('base64')) }),
    });
  }
  // The half-repaired thread ends on its rejected request: stuck.
  if (kind !== 'half-repaired')
    item({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Done.' }] });
  fs.writeFileSync(file, out.join('\n') + '\n');
  return { lines: out.length };
}

/** How a paginated thread's record numbering is broken (openai/codex#45150, #35746). */
export type OrdinalDamage = 'final-missing' | 'reused' | 'gap' | 'mid-missing';
export const ORDINAL_DAMAGE: OrdinalDamage[] = ['final-missing', 'reused', 'gap', 'mid-missing'];

/**
 * A paginated (0.17x) thread of three turns whose ordinals are broken the way the reports show:
 * the final record without one (a writer cut off, #45150), a turn that reused earlier ordinals
 * (#35746), a jump ahead, a record without one in the middle. Returns the 1-based line of the first
 * broken record and how many records there are.
 */
export function writeOrdinalDamagedRollout(
  file: string,
  id: string,
  kind: OrdinalDamage,
): { firstBad: number; records: number } {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const records: Record<string, unknown>[] = [];
  let t = Date.parse('2026-11-20T10:00:00Z');
  const rec = (type: string, payload: unknown) =>
    records.push({ timestamp: new Date((t += 1000)).toISOString(), type, payload });
  rec('session_meta', {
    id,
    session_id: id,
    timestamp: new Date(t).toISOString(),
    cwd: '/home/dev/ordinals',
    originator: 'codex_exec',
    cli_version: '0.171.0',
    source: 'exec',
    model_provider: 'openai',
    history_mode: 'paginated',
  });
  for (let turn = 1; turn <= 3; turn++) {
    const turnId = `turn-${turn}`;
    rec('event_msg', { type: 'task_started', turn_id: turnId, model_context_window: 258400 });
    rec('response_item', {
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: `question ${turn}` }],
    });
    rec('response_item', {
      type: 'message',
      role: 'assistant',
      content: [{ type: 'output_text', text: `answer ${turn}` }],
    });
    rec('event_msg', { type: 'task_complete', turn_id: turnId, last_agent_message: `answer ${turn}` });
  }
  // Codex writes "ordinal" right after "timestamp".
  let ordinals: (number | undefined)[] = records.map((_, i) => i);
  let firstBad: number;
  if (kind === 'final-missing') {
    firstBad = records.length;
    ordinals[records.length - 1] = undefined;
  } else if (kind === 'reused') {
    // the third turn numbered from 5 again, as Codex does after a final record whose ordinal went back
    firstBad = 10;
    ordinals = ordinals.map((o, i) => (i >= 9 ? i - 4 : o));
  } else if (kind === 'gap') {
    firstBad = 7;
    ordinals = ordinals.map((o, i) => (i >= 6 ? i + 3 : o));
  } else {
    firstBad = 6;
    ordinals[5] = undefined;
  }
  const lines = records.map((r, i) => {
    const { timestamp, ...rest } = r;
    return JSON.stringify(ordinals[i] === undefined ? r : { timestamp, ordinal: ordinals[i], ...rest });
  });
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return { firstBad, records: records.length };
}

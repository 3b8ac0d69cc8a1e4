/**
 * A mock of the OpenAI Responses API, good enough for the real Codex CLI (0.3x … 0.169) to run
 * against it offline. See /work/shared/docs/testing-notes.md §1.
 *
 *  - POST …/responses           → SSE: response.created, one response.output_item.done per item,
 *                                  response.completed (id + usage).
 *    · a body whose `input` holds a `compaction_trigger` item (remote compaction v2) gets exactly
 *      one `{"type":"compaction","encrypted_content":"…"}` item and never consumes the script;
 *    · a local-compaction request (last user message asks for a "CONTEXT CHECKPOINT COMPACTION")
 *      gets a summary message and never consumes the script either;
 *    · anything else consumes the next scripted behaviour (default: a short assistant message).
 *  - POST …/responses/compact   → JSON `{"output":[…]}` (remote compaction v1, older CLIs): the
 *                                  user messages of the input — images included, like the real
 *                                  server — followed by one `compaction` item.
 *  - GET with `Upgrade: websocket` → plain 426 (no 101), so Codex falls back to POST at once.
 *  - any other request          → 404 JSON (recorded too).
 *  - a request body larger than the byte limit → HTTP 400 `context_length_exceeded` (the exact
 *    error the real API gives), for every POST endpoint; an `input_image` URL that is neither http(s)
 *    nor a well-formed base64 data URL, or a tool output before its call → HTTP 400 with the API's
 *    error shape (see requestValidation.ts).
 * Every request is recorded (method, path, headers, raw body, parsed JSON, byte length, status).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { rejectRequest } from './requestValidation';

export const CONTEXT_LENGTH_EXCEEDED_BODY = {
  error: {
    message: 'Your input exceeds the context window of this model. Please adjust your input and try again.',
    type: 'invalid_request_error',
    param: 'input',
    code: 'context_length_exceeded',
  },
};

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens_details: { reasoning_tokens: number };
}

/** What the mock answers to one (non-compaction) POST /responses. */
export type Behaviour =
  /** An assistant message (after `delayMs`, to keep Codex busy mid-turn). */
  | { type: 'message'; text: string; usage?: Partial<Usage>; delayMs?: number }
  /**
   * A `function_call` of tool `name` (`arguments`: object → JSON string, or a string as is).
   * `then`: text of the assistant message answering the follow-up request (the one carrying the
   * `function_call_output`); it is served before any other queued behaviour.
   */
  | {
      type: 'function_call';
      name: string;
      arguments: unknown;
      /** MCP tools in 0.17x: `mcp__<server>` (the CLI offers them as a `namespace` tool). */
      namespace?: string;
      then?: string;
      usage?: Partial<Usage>;
    }
  /** A `custom_tool_call` (freeform tools, e.g. `apply_patch` in newer CLIs). */
  | { type: 'custom_tool_call'; name: string; input: string; then?: string; usage?: Partial<Usage> }
  /** Any other output item as it is (e.g. a `tool_search_call`); a `call_id` is added when missing. */
  | { type: 'item'; item: Record<string, unknown> }
  /** A raw HTTP error answer. */
  | { type: 'http_error'; status: number; body: unknown }
  /** Decide from the request (e.g. pick the tool name the CLI advertises in `tools`). */
  | ((req: RecordedRequest) => Behaviour);

export type RequestKind =
  /** a model turn (consumes the script) */
  | 'responses'
  /** remote compaction v2: POST /responses with a `compaction_trigger` input item */
  | 'compaction'
  /** remote compaction v1: POST /responses/compact */
  | 'compact_v1'
  /** local compaction: a /responses turn asking for a CONTEXT CHECKPOINT COMPACTION summary */
  | 'local_compaction'
  | 'websocket'
  | 'other';

export interface RecordedRequest {
  /** 0-based order of arrival. */
  seq: number;
  method: string;
  /** Path without query string, e.g. `/v1/responses`. */
  path: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Body, decompressed if a Content-Encoding was set. */
  body: Buffer;
  /** body.length — what the byte limit is compared with. */
  bytes: number;
  /** Bytes on the wire (differs from `bytes` only for compressed bodies). */
  wireBytes: number;
  /** Parsed JSON body, or undefined when it isn't JSON. */
  json: any;
  kind: RequestKind;
  /** HTTP status the mock answered with. */
  status: number;
  /** Output items the mock sent back (SSE or JSON), if any. */
  output?: unknown[];
  /** Why the mock rejected the request the way the real API would (bad image URL, orphan tool output). */
  rejected?: string;
}

export interface MockOptions {
  /** Bodies larger than this many bytes get HTTP 400 context_length_exceeded. null: no limit. */
  byteLimit?: number | null;
  /** Initial script. */
  script?: Behaviour[];
  /** Text of the message sent when the script is empty. */
  defaultText?: string;
  /**
   * Usage reported in response.completed. Default: an estimate like the real API's — ~4 bytes
   * per token for text and ~230 tokens per image, whatever its size on the wire.
   */
  usage?: (req: RecordedRequest) => Partial<Usage>;
  /**
   * Status line for websocket upgrade attempts. Any non-101 answer makes Codex fall back to
   * POST; `426 Upgrade Required` (default) does it at once, `404 Not Found` only after 5 retries
   * (~7 s per run with 0.169).
   */
  websocketStatus?: string;
}

export interface MockResponses {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:41234/v1`. */
  url: string;
  port: number;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Change (or lift with null) the byte limit. */
  setByteLimit(n: number | null): void;
  /** Append behaviours to the script queue. */
  script(behaviours: Behaviour[]): void;
  /** Behaviours not consumed yet. */
  pending(): number;
  /** Forget recorded requests (the script stays). */
  clearRequests(): void;
  /** Only the model turns (kind `responses`). */
  turns(): RecordedRequest[];
  /** Don't keep the process alive for the server or its connections (e.g. a mock shared by a whole mocha run). */
  unref(): void;
  close(): Promise<void>;
}

/** Tool names a recorded /responses request advertises (`function` and `custom` tools alike). */
export function toolNames(req: RecordedRequest): string[] {
  const tools: any[] = Array.isArray(req.json?.tools) ? req.json.tools : [];
  return tools.map((t) => t?.name ?? t?.function?.name ?? t?.type).filter((n): n is string => typeof n === 'string');
}

/** The advertised tool definition by name, if any. */
export function toolDef(req: RecordedRequest, name: string): any {
  const tools: any[] = Array.isArray(req.json?.tools) ? req.json.tools : [];
  return tools.find((t) => (t?.name ?? t?.function?.name) === name);
}

const DATA_URL_RE = /data:image\/[a-z+.-]+;base64,[A-Za-z0-9+/=]*/g;

/** Token estimate: text at ~4 bytes/token, each image ~230 tokens (as the real API counts them). */
export function estimateTokens(body: Buffer | string): number {
  const text = typeof body === 'string' ? body : body.toString('latin1');
  let images = 0;
  let imageBytes = 0;
  for (const m of text.matchAll(DATA_URL_RE)) {
    images++;
    imageBytes += m[0].length;
  }
  return Math.ceil((text.length - imageBytes) / 4) + images * 230;
}

function fullUsage(u: Partial<Usage>): Usage {
  const input = u.input_tokens ?? 0;
  const output = u.output_tokens ?? 0;
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: u.total_tokens ?? input + output,
    input_tokens_details: u.input_tokens_details ?? { cached_tokens: 0 },
    output_tokens_details: u.output_tokens_details ?? { reasoning_tokens: 0 },
  };
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
      return body;
    case 'gzip':
      return zlib.gunzipSync(body);
    case 'deflate':
      return zlib.inflateSync(body);
    case 'br':
      return zlib.brotliDecompressSync(body);
    case 'zstd': {
      const z = (zlib as any).zstdDecompressSync as ((b: Buffer) => Buffer) | undefined;
      if (!z) throw new Error('zstd request body needs Node >= 22.15');
      return z(body);
    }
    default:
      throw new Error(`unsupported Content-Encoding ${encoding}`);
  }
}

/** Local compaction asks the model itself for a summary (prompt text of codex-rs `compact`). */
function isLocalCompaction(json: any): boolean {
  const input: any[] = Array.isArray(json?.input) ? json.input : [];
  const last = input[input.length - 1];
  if (last?.type !== 'message' || last?.role !== 'user' || !Array.isArray(last.content)) return false;
  return last.content.some((c: any) => typeof c?.text === 'string' && c.text.includes('CONTEXT CHECKPOINT COMPACTION'));
}

function hasCompactionTrigger(json: any): boolean {
  return Array.isArray(json?.input) && json.input.some((it: any) => it?.type === 'compaction_trigger');
}

export async function startMockResponses(opts: MockOptions = {}): Promise<MockResponses> {
  let byteLimit: number | null = opts.byteLimit ?? null;
  const wsStatus = opts.websocketStatus ?? '426 Upgrade Required';
  const queue: Behaviour[] = [...(opts.script ?? [])];
  const requests: RecordedRequest[] = [];
  const defaultText = opts.defaultText ?? 'Hello from the mock.';
  let seq = 0;
  let respCounter = 0;
  let itemCounter = 0;
  let summaryCounter = 0;
  const nextId = (prefix: string) => `${prefix}_mock${(++itemCounter).toString().padStart(4, '0')}`;

  const usageFor = (rec: RecordedRequest, override?: Partial<Usage>): Usage => {
    const base = opts.usage ? opts.usage(rec) : { input_tokens: estimateTokens(rec.body), output_tokens: 20 };
    const merged: Partial<Usage> = { ...base, ...override };
    // an override of input/output tokens without a total gets a recomputed total
    if (
      override &&
      override.total_tokens === undefined &&
      (override.input_tokens ?? override.output_tokens) !== undefined
    ) {
      delete merged.total_tokens;
    }
    return fullUsage(merged);
  };

  const sendJson = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const sendSse = (res: http.ServerResponse, items: unknown[], usage: Usage) => {
    const id = `resp_mock${(++respCounter).toString().padStart(4, '0')}`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const ev = (type: string, data: Record<string, unknown>) =>
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    ev('response.created', { response: { id, object: 'response', status: 'in_progress' } });
    items.forEach((item, i) => ev('response.output_item.done', { output_index: i, item }));
    ev('response.completed', { response: { id, object: 'response', status: 'completed', output: items, usage } });
    res.end();
  };

  const messageItem = (text: string) => ({
    type: 'message',
    id: nextId('msg'),
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text, annotations: [] }],
  });

  const handle = (req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    let body: Buffer;
    try {
      body = decode(raw, req.headers['content-encoding'] as string | undefined);
    } catch {
      body = raw;
    }
    let json: any;
    if (body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = undefined;
      }
    }
    const rec: RecordedRequest = {
      seq: seq++,
      method: req.method ?? 'GET',
      path,
      url,
      headers: req.headers,
      body,
      bytes: body.length,
      wireBytes: raw.length,
      json,
      kind: 'other',
      status: 0,
    };
    requests.push(rec);

    const isPost = rec.method === 'POST';
    if (isPost && path.endsWith('/responses/compact')) rec.kind = 'compact_v1';
    else if (isPost && path.endsWith('/responses')) {
      rec.kind = hasCompactionTrigger(json) ? 'compaction' : isLocalCompaction(json) ? 'local_compaction' : 'responses';
    }

    if (rec.kind === 'other') {
      rec.status = 404;
      return sendJson(res, 404, { error: { message: `mock: no route for ${rec.method} ${path}`, type: 'not_found' } });
    }
    if (byteLimit !== null && rec.bytes > byteLimit) {
      rec.status = 400;
      return sendJson(res, 400, CONTEXT_LENGTH_EXCEEDED_BODY);
    }
    const rejected = rejectRequest(json);
    if (rejected) {
      rec.status = 400;
      rec.rejected = rejected.error.message;
      return sendJson(res, 400, rejected);
    }
    if (rec.kind === 'compact_v1') {
      const userMessages = (Array.isArray(json?.input) ? json.input : []).filter(
        (it: any) => it?.type === 'message' && it?.role === 'user',
      );
      const output = [...userMessages, { type: 'compaction', encrypted_content: `ENC_COMPACT_${nextId('c')}` }];
      rec.output = output;
      rec.status = 200;
      return sendJson(res, 200, { output });
    }
    if (rec.kind === 'compaction') {
      const output = [{ type: 'compaction', id: nextId('cmp'), encrypted_content: `ENC_COMPACT_${nextId('c')}` }];
      rec.output = output;
      rec.status = 200;
      return sendSse(res, output, usageFor(rec));
    }

    if (rec.kind === 'local_compaction') {
      const output = [
        messageItem(`MOCK SUMMARY #${++summaryCounter}: the user and the assistant exchanged messages and ran tools.`),
      ];
      rec.output = output;
      rec.status = 200;
      return sendSse(res, output, usageFor(rec));
    }

    // A model turn: consume the script.
    let b: Behaviour = queue.shift() ?? { type: 'message', text: defaultText };
    while (typeof b === 'function') b = b(rec);
    let items: unknown[];
    switch (b.type) {
      case 'http_error':
        rec.status = b.status;
        return sendJson(res, b.status, b.body);
      case 'message':
        items = [messageItem(b.text)];
        break;
      case 'function_call':
        items = [
          {
            type: 'function_call',
            id: nextId('fc'),
            call_id: nextId('call'),
            name: b.name,
            ...(b.namespace ? { namespace: b.namespace } : {}),
            arguments: typeof b.arguments === 'string' ? b.arguments : JSON.stringify(b.arguments),
            status: 'completed',
          },
        ];
        if (b.then !== undefined) queue.unshift({ type: 'message', text: b.then });
        break;
      case 'item':
        items = [{ call_id: nextId('call'), ...b.item }];
        break;
      case 'custom_tool_call':
        items = [
          {
            type: 'custom_tool_call',
            id: nextId('ctc'),
            call_id: nextId('call'),
            name: b.name,
            input: b.input,
            status: 'completed',
          },
        ];
        if (b.then !== undefined) queue.unshift({ type: 'message', text: b.then });
        break;
    }
    rec.output = items;
    rec.status = 200;
    const delay = b.type === 'message' ? (b.delayMs ?? 0) : 0;
    const usage = usageFor(rec, (b as { usage?: Partial<Usage> }).usage);
    if (delay > 0) {
      setTimeout(() => sendSse(res, items, usage), delay);
      return;
    }
    return sendSse(res, items, usage);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, Buffer.concat(chunks), res);
      } catch (e) {
        if (!res.headersSent) sendJson(res, 500, { error: { message: String(e), type: 'mock_error' } });
        else res.end();
      }
    });
  });
  // Codex first tries a websocket; a plain non-101 answer makes it fall back to POST + SSE.
  server.on('upgrade', (req, socket) => {
    requests.push({
      seq: seq++,
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0],
      url: req.url ?? '/',
      headers: req.headers,
      body: Buffer.alloc(0),
      bytes: 0,
      wireBytes: 0,
      json: undefined,
      kind: 'websocket',
      status: Number.parseInt(wsStatus, 10),
    });
    socket.end(`HTTP/1.1 ${wsStatus}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
  });
  server.keepAliveTimeout = 1000;
  let unrefd = false;
  server.on('connection', (sock) => {
    if (unrefd) sock.unref();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    setByteLimit(n) {
      byteLimit = n;
    },
    script(behaviours) {
      queue.push(...behaviours);
    },
    pending: () => queue.length,
    clearRequests() {
      requests.length = 0;
    },
    turns: () => requests.filter((r) => r.kind === 'responses'),
    unref() {
      unrefd = true;
      server.unref();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

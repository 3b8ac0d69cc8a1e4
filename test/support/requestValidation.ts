// What the real Responses API rejects before any model runs, checked the same way by the mock so a
// repair that leaves something Codex cannot send fails its test: image URLs that are neither
// http(s) nor a well-formed base64 data URL, and tool outputs without an earlier call.

const HTTP_URL = /^https?:\/\/[^\s]+$/i;
const DATA_URL = /^data:image\/[a-z0-9.+-]+;base64,((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/i;
const OUTPUT_TYPES = new Set(['function_call_output', 'custom_tool_call_output', 'local_shell_call_output']);
const CALL_TYPES = new Set(['function_call', 'custom_tool_call', 'local_shell_call']);

export interface ApiError {
  error: { message: string; type: 'invalid_request_error'; param: string | null; code: string | null };
}

export function validImageUrl(url: unknown): boolean {
  if (typeof url !== 'string') return false;
  if (HTTP_URL.test(url)) return true;
  const m = DATA_URL.exec(url);
  return !!m && m[1].length > 0;
}

/** The API's 400 body for this request's `input`, or undefined when it would be accepted. */
export function rejectRequest(json: any): ApiError | undefined {
  const input: unknown[] = Array.isArray(json?.input) ? json.input : [];
  const calls = new Set<string>();
  for (const [i, item] of input.entries()) {
    const it = item as any;
    if (CALL_TYPES.has(it?.type) && typeof it.call_id === 'string') calls.add(it.call_id);
    if (OUTPUT_TYPES.has(it?.type) && !calls.has(it.call_id)) {
      return apiError(`No tool call found for function call output with call_id ${it.call_id}.`, 'input', null);
    }
    for (const field of ['content', 'output'] as const) {
      const parts = it?.[field];
      if (!Array.isArray(parts)) continue;
      for (const [j, part] of parts.entries()) {
        if (part?.type !== 'input_image' || (part.image_url === undefined && typeof part.file_id === 'string'))
          continue;
        if (!validImageUrl(part.image_url)) {
          const param = `input[${i}].${field}[${j}].image_url`;
          return apiError(
            `Invalid '${param}'. Expected a valid URL, but got a value with an invalid format.`,
            param,
            'invalid_value',
          );
        }
      }
    }
  }
  return undefined;
}

function apiError(message: string, param: string | null, code: string | null): ApiError {
  return { error: { message, type: 'invalid_request_error', param, code } };
}

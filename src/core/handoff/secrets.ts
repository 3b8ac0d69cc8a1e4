// Masks things that look like credentials before text leaves the rollout (handoffs, reports).
// Recognisable prefixes are kept so a reader knows what was there; the secret part is not.

interface Rule {
  re: RegExp;
  /** Replacement for one match; `m` is the match array. */
  mask: (m: RegExpExecArray) => string;
}

const MASK = '[masked]';

const RULES: Rule[] = [
  // PEM private keys (whole block).
  {
    re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
    mask: () => `-----BEGIN PRIVATE KEY----- ${MASK} -----END PRIVATE KEY-----`,
  },
  // OpenAI / Anthropic style keys: sk-…, sk-proj-…, sk-ant-…
  { re: /\b(sk-(?:proj-|ant-|svcacct-|admin-)?)[A-Za-z0-9_-]{16,}/g, mask: (m) => `${m[1]}${MASK}` },
  // GitHub tokens.
  { re: /\b(gh[pousr]_)[A-Za-z0-9]{20,}/g, mask: (m) => `${m[1]}${MASK}` },
  { re: /\b(github_pat_)[A-Za-z0-9_]{20,}/g, mask: (m) => `${m[1]}${MASK}` },
  // GitLab, Slack, Google, Stripe, npm, Hugging Face.
  { re: /\b(glpat-)[A-Za-z0-9_-]{16,}/g, mask: (m) => `${m[1]}${MASK}` },
  { re: /\b(xox[abprs]-)[A-Za-z0-9-]{10,}/g, mask: (m) => `${m[1]}${MASK}` },
  { re: /\b(AIza)[0-9A-Za-z_-]{35}\b/g, mask: (m) => `${m[1]}${MASK}` },
  { re: /\b([rs]k_live_)[0-9A-Za-z]{16,}/g, mask: (m) => `${m[1]}${MASK}` },
  { re: /\b(npm_)[A-Za-z0-9]{30,}/g, mask: (m) => `${m[1]}${MASK}` },
  { re: /\b(hf_)[A-Za-z0-9]{30,}/g, mask: (m) => `${m[1]}${MASK}` },
  // AWS access key ids.
  { re: /\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA))[0-9A-Z]{16}\b/g, mask: (m) => `${m[1]}${MASK}` },
  // JWTs.
  { re: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, mask: () => `eyJ${MASK}` },
  // Authorization headers.
  { re: /\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9._~+/=-]{12,}/g, mask: (m) => `${m[1]}${m[2]}${MASK}` },
  // Credentials in URLs: scheme://user:password@host
  { re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]{3,}@/gi, mask: (m) => `${m[1]}${MASK}@` },
  // key = value assignments (env files, JSON, YAML, CLI flags).
  {
    re: /\b((?:[A-Za-z0-9]+[_-])*(?:api[_-]?key|apikey|secret(?:[_-]?key)?|access[_-]?token|refresh[_-]?token|auth[_-]?token|token|password|passwd|pwd|private[_-]?key|client[_-]?secret|access[_-]?key(?:[_-]?id)?)["']?\s*[=:]\s*["']?)([^\s"'`,;)}\]]{8,})/gi,
    mask: (m) =>
      m[2].includes(MASK) || /^\$\{?[A-Za-z_]+\}?$/.test(m[2]) || !looksSecret(m[2]) ? m[0] : `${m[1]}${MASK}`,
  },
];

/** A value after `password=` etc. that is more than a word: has a digit, or is long. */
function looksSecret(v: string): boolean {
  // Code, not a value: process.env.X, os.environ, config.apiKey …
  if (/^[A-Za-z_$][\w$]*(\.[\w$]+)+(\(|\[|$)/.test(v)) return false;
  return /[0-9]/.test(v) || v.length >= 16;
}

/** Replace credential-looking substrings of `text` by a masked form. */
export function maskSecrets(text: string): string {
  let out = text;
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    out = out.replace(rule.re, (...args: unknown[]) => {
      // args: match, groups…, offset, input
      const groups = args.slice(0, -2) as string[];
      const m = Object.assign([...groups], { index: 0, input: '' }) as unknown as RegExpExecArray;
      return rule.mask(m);
    });
  }
  return out;
}

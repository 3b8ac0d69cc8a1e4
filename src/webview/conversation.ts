// The conversation view's page script: a thread as people read it — what the person asked and what
// the assistant answered as turns, commands and their output folded, patches as the files they touch,
// images as thumbnails, shortened tool output with a "Show more". Under a strict CSP (nonce, nothing
// remote); every transcript string goes in as text (./dom). Messages: src/protocol/conversation.ts.
import type { ConversationPage, FromConversation, ToConversation, TranscriptEntry } from '../protocol/conversation';
import { el, when } from './dom';

interface Api {
  postMessage(m: FromConversation): void;
}
declare function acquireVsCodeApi(): Api;
const api = acquireVsCodeApi();
const post = (m: FromConversation): void => api.postMessage(m);

const app = document.getElementById('app') as HTMLElement;
const list = el('div', { class: 'entries' });
const footer = el('div', { class: 'footer' });
const thumbs = new Map<string, HTMLElement>();

/** The entry's text without read_thread's label ("USER: ", "TOOL CALL x (id): " …). */
function body(e: TranscriptEntry): string {
  return e.text.replace(/^(USER|ASSISTANT|[A-Z]+|TOOL CALL [^:]*|TOOL OUTPUT[^:]*|IMAGE GENERATED|WEB SEARCH): /, '');
}

const FILE_LINE = /^\*\*\* (Add|Update|Delete) File: (.+)$/gm;

function patchFiles(text: string): string[] {
  return [...text.matchAll(FILE_LINE)].map((m) => `${m[1] === 'Add' ? 'A' : m[1] === 'Delete' ? 'D' : 'M'}  ${m[2]}`);
}

function entryView(e: TranscriptEntry): HTMLElement {
  const where = el('span', { class: 'muted', text: ` · line ${e.line}${e.at ? ` · ${when(e.at)}` : ''}` });
  const text = body(e);
  const tool = e.kind === 'tool-call' || e.kind === 'tool-output' || e.kind === 'web-search';
  let content: HTMLElement;
  if (tool) {
    // One folded line: what ran (or how it ended), unfolded to the whole text.
    const files = e.kind === 'tool-call' ? patchFiles(text) : [];
    const s = toolSummary(e, text, files);
    content = el(
      'details',
      { class: 'tool' },
      el('summary', null, el('span', { class: 'tool-name', text: s.name }), ' ', el('code', { text: s.detail }), where),
      files.length ? el('ul', { class: 'files' }, ...files.map((f) => el('li', { text: f }))) : null,
      el('pre', { text }),
    );
  } else content = el('div', { class: 'text', text });
  const meta = tool ? null : el('div', { class: 'meta' }, el('span', { class: 'who', text: LABEL[e.kind] }), where);
  const imgs = e.images.map((img, k) => {
    const key = `${e.line}:${k}`;
    const box = el('figure', { class: 'thumb', title: img.label }, el('figcaption', { text: img.label }));
    if (img.start !== undefined && img.end !== undefined) {
      thumbs.set(key, box);
      post({ type: 'thumb', key, start: img.start, end: img.end });
    } else if (img.archived) {
      thumbs.set(key, box);
      post({ type: 'archived-thumb', key, file: img.archived });
    }
    return box;
  });
  const more = e.shortened
    ? el('button', { class: 'link', text: 'Show more', onclick: () => post({ type: 'expand', cursor: e.cursor }) })
    : null;
  return el(
    'article',
    { class: `entry ${e.kind}`, id: `line-${e.line}`, 'data-cursor': e.cursor },
    meta,
    content,
    imgs.length ? el('div', { class: 'thumbs' }, ...imgs) : null,
    more,
  );
}

/** A tool entry's folded line: the shell command as typed, a patch's files, an output's exit code. */
function toolSummary(e: TranscriptEntry, text: string, files: string[]): { name: string; detail: string } {
  if (e.kind === 'web-search') return { name: 'Web search', detail: firstLine(text) };
  if (e.kind === 'tool-output') {
    const code = /(?:Process exited with code|Exit code:?|"exit_code":)\s*(-?\d+)/.exec(text)?.[1];
    const lines = text.split('\n').length;
    return {
      name: 'Output',
      detail: `${code !== undefined ? `exit ${code} · ` : ''}${lines} line${lines > 1 ? 's' : ''}`,
    };
  }
  const name = /^TOOL CALL ([^\s(:]+)/.exec(e.text)?.[1] ?? 'Tool call';
  if (files.length) return { name: 'Patch', detail: files.map((f) => f.slice(3)).join(', ') };
  try {
    const args = JSON.parse(text) as { cmd?: unknown; command?: unknown };
    const cmd = args.cmd ?? args.command;
    if (typeof cmd === 'string') return { name, detail: `$ ${firstLine(cmd)}` };
    if (Array.isArray(cmd)) return { name, detail: `$ ${firstLine(cmd.map(String).join(' '))}` };
  } catch {
    // not JSON (custom tool input, or shortened): its first line
  }
  return { name, detail: firstLine(text) };
}

const LABEL: Record<TranscriptEntry['kind'], string> = {
  user: 'You',
  assistant: 'Assistant',
  'tool-call': 'Tool call',
  'tool-output': 'Output',
  compaction: 'Compaction',
  error: 'Error',
  aborted: 'Turn aborted',
  image: 'Generated image',
  'web-search': 'Web search',
};

function firstLine(s: string): string {
  const l = s.split('\n', 1)[0];
  return l.length > 140 ? `${l.slice(0, 140)}…` : l;
}

function addPage(page: ConversationPage): void {
  list.append(...page.entries.map(entryView));
  footer.replaceChildren(
    page.nextCursor
      ? el('button', {
          text: 'Load more',
          onclick: (ev: Event) => {
            (ev.target as HTMLButtonElement).disabled = true;
            post({ type: 'next', cursor: page.nextCursor as string });
          },
        })
      : el('p', { class: 'muted', text: 'End of the thread.' }),
  );
}

function onMessage(m: ToConversation): void {
  switch (m.type) {
    case 'thread': {
      thumbs.clear();
      list.replaceChildren();
      const top = m.page.fromStart
        ? el('span')
        : el('button', { class: 'link', text: '↑ From the beginning', onclick: () => post({ type: 'from-start' }) });
      app.replaceChildren(el('h1', { text: m.name }), el('p', { class: 'muted', text: m.threadId }), top, list, footer);
      addPage(m.page);
      const focus = m.focusLine !== undefined ? document.getElementById(`line-${m.focusLine}`) : null;
      if (focus) {
        focus.classList.add('hit');
        focus.scrollIntoView({ block: 'start' });
      } else window.scrollTo(0, 0);
      return;
    }
    case 'more-pages':
      addPage(m.page);
      return;
    case 'entry': {
      const old = document.getElementById(`line-${m.entry.line}`);
      const fresh = entryView({ ...m.entry, shortened: false });
      if (old) {
        fresh.className = old.className;
        old.replaceWith(fresh);
        const d = fresh.querySelector('details');
        if (d) d.open = true;
      }
      return;
    }
    case 'thumb': {
      const box = thumbs.get(m.key);
      if (!box) return;
      if (m.dataUrl) box.prepend(el('img', { src: m.dataUrl, alt: box.title }));
      else box.classList.add('missing');
      return;
    }
    case 'error':
      app.append(el('p', { class: 'error', text: m.message }));
      return;
  }
}

window.addEventListener('message', (ev: MessageEvent<ToConversation>) => {
  if (ev.data && typeof ev.data === 'object') onMessage(ev.data);
});
post({ type: 'ready' });

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
  const meta = el(
    'div',
    { class: 'meta' },
    el('span', { class: 'who', text: LABEL[e.kind] }),
    el('span', { class: 'muted', text: ` · line ${e.line}${e.at ? ` · ${when(e.at)}` : ''}` }),
  );
  const text = body(e);
  let content: HTMLElement;
  if (e.kind === 'tool-call' || e.kind === 'tool-output' || e.kind === 'web-search') {
    const files = e.kind === 'tool-call' ? patchFiles(text) : [];
    const head = files.length
      ? `patch: ${files.length} file${files.length > 1 ? 's' : ''}`
      : (/^TOOL CALL ([^\s(:]+)/.exec(e.text)?.[1] ?? LABEL[e.kind]);
    const first = firstLine(text);
    content = el(
      'details',
      { class: 'tool' },
      el('summary', null, el('span', { class: 'tool-name', text: head }), ' ', el('code', { text: first })),
      files.length ? el('ul', { class: 'files' }, ...files.map((f) => el('li', { text: f }))) : null,
      el('pre', { text }),
    );
  } else content = el('div', { class: 'text', text });
  const imgs = e.images.map((img, k) => {
    const key = `${e.line}:${k}`;
    const box = el('figure', { class: 'thumb', title: img.label }, el('figcaption', { text: img.label }));
    if (img.start !== undefined && img.end !== undefined) {
      thumbs.set(key, box);
      post({ type: 'thumb', key, start: img.start, end: img.end });
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

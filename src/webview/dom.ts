// Building the page: every string goes in as a text node or an attribute value (transcript text is
// untrusted), never as markup. Event handlers are functions, attached with addEventListener.

type Child = Node | string | number | undefined | null | false;
type Attrs = Record<string, string | number | boolean | undefined | null | ((ev: Event) => void)>;

function setAttrs(e: Element, attrs: Attrs | undefined): void {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') e.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'class') e.setAttribute('class', String(v));
    else if (k === 'text') e.textContent = String(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
}

/** `el('p', { class: 'muted', text: name })`: an element with attributes and children, all as text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  setAttrs(e, attrs ?? undefined);
  for (const c of children)
    if (c !== undefined && c !== null && c !== false) e.append(typeof c === 'object' ? c : String(c));
  return e;
}

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  text?: string,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  setAttrs(e, attrs);
  if (text !== undefined) e.textContent = text;
  return e;
}

export function when(s: string | undefined): string {
  if (!s) return '—';
  const d = new Date(s);
  return isNaN(d.getTime()) ? s : d.toLocaleString();
}

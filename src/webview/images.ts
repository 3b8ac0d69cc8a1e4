// The thread's images: a grid of lazily loaded thumbnails (only those scrolled into view are asked
// for, one at a time; the extension reads each from its byte range in the rollout).
import type { ImageRef } from '../protocol/panel';
import { formatBytes } from '../core/util/display';
import { el } from './dom';
import { post } from './vscodeApi';

interface Thumb extends ImageRef {
  dataUrl?: string;
  reason?: string;
  requested?: boolean;
}

let images: Thumb[] = [];
let total = 0;
const queue: number[] = [];
let loading = false;
let observer: IntersectionObserver | undefined;

export function setImages(list: ImageRef[], all: number): void {
  images = list.map((i) => ({ ...i }));
  total = all;
}

function picture(im: Thumb): HTMLElement {
  // Only data URLs of images the extension produced: anything else shows as unavailable.
  if (im.dataUrl && im.dataUrl.startsWith('data:image/'))
    return el('img', { src: im.dataUrl, alt: `Image ${im.index + 1} (line ${im.line})` });
  return el('span', { class: 'muted', text: im.reason || 'unavailable' });
}

export function imagesSection(fileHasImages: boolean): HTMLElement {
  const sec = el('section', { 'aria-labelledby': 'h-img' }, el('h2', { id: 'h-img', text: 'Images in the thread' }));
  if (!images.length) {
    sec.append(el('p', { class: 'muted', text: fileHasImages ? 'Listing images…' : 'No embedded images.' }));
    return sec;
  }
  if (total > images.length)
    sec.append(el('p', { class: 'muted', text: `Showing the first ${images.length} of ${total}.` }));
  const grid = el('div', { class: 'images' });
  for (const im of images) {
    const frame = el('div', { class: 'frame', id: `frame-${im.index}`, 'data-index': im.index });
    frame.append(
      im.dataUrl || im.reason
        ? picture(im)
        : el('button', {
            class: 'secondary',
            text: 'Show',
            'aria-label': `Show image ${im.index + 1}`,
            onclick: () => load(im.index),
          }),
    );
    const size = im.width ? ` ${im.width}×${im.height}` : '';
    grid.append(
      el(
        'div',
        { class: 'thumb' },
        frame,
        el('div', { text: `#${im.index + 1} · line ${im.line}` }),
        el('div', { class: 'muted', text: `${im.mediaType}${size} · ${formatBytes(im.storedBytes)}` }),
        el('div', { class: 'muted', text: im.where }),
      ),
    );
  }
  sec.append(grid);
  return sec;
}

function load(index: number): void {
  const im = images.find((i) => i.index === index);
  if (!im || im.dataUrl || im.requested) return;
  im.requested = true;
  queue.push(index);
  pump();
}

function pump(): void {
  if (loading) return;
  const next = queue.shift();
  if (next === undefined) return;
  loading = true;
  post({ type: 'loadImage', index: next });
}

/** A thumbnail arrived (or the reason it can't be shown): put it in its frame, ask for the next. */
export function imageLoaded(index: number, dataUrl: string | undefined, reason: string | undefined): void {
  loading = false;
  const im = images.find((i) => i.index === index);
  if (im) {
    im.dataUrl = dataUrl;
    im.reason = reason;
    document.getElementById(`frame-${index}`)?.replaceChildren(picture(im));
  }
  pump();
}

/** Load the thumbnails that scroll into view. */
export function observeThumbs(): void {
  observer?.disconnect();
  observer = new IntersectionObserver(
    (entries) => {
      for (const e of entries) if (e.isIntersecting) load(Number((e.target as HTMLElement).dataset.index));
    },
    { rootMargin: '100px' },
  );
  document.querySelectorAll('.frame').forEach((f) => observer?.observe(f));
}

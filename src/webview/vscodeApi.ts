// The webview's side of the channel: typed postMessage and persisted state.
import type { FromWebview, PanelState } from '../protocol/panel';

interface VsCodeApi {
  postMessage(m: FromWebview): void;
  getState(): PanelState | undefined;
  setState(s: PanelState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function post(m: FromWebview): void {
  api.postMessage(m);
}

export function saveState(s: PanelState): void {
  api.setState(s);
}

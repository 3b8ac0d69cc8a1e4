// The page every webview of ours starts from: a strict CSP (nothing remote; scripts only with this
// page's nonce; images from the extension or data: URLs made by the worker), page.css and the page's own
// stylesheet, one script.
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';

export function webviewHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page: { title: string; css: string; script: string },
): string {
  const nonce = crypto.randomBytes(16).toString('base64');
  const res = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const text = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${res('media', 'page.css')}">
<link rel="stylesheet" href="${res('media', page.css)}">
<title>${text(page.title)}</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="muted">Loading…</p></main>
<script nonce="${nonce}" src="${res('dist', page.script)}"></script>
</body>
</html>`;
}

/** Webview options for a panel of ours: scripts on, resources only from media/ and dist/. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist')],
    enableFindWidget: true,
  };
}

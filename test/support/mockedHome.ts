// A CODEX_HOME pointed at a fresh mock Responses server: the start of most tests with the real CLI.
import { type CodexHomeOptions, makeCodexHome } from './codexRun';
import { type MockResponses, startMockResponses } from './mockResponses';

export async function mockedCodexHome(
  o: Partial<Omit<CodexHomeOptions, 'mockUrl'>> = {},
): Promise<{ mock: MockResponses; home: string }> {
  const mock = await startMockResponses({ defaultText: 'Hello from the mock.' });
  mock.unref();
  const home = makeCodexHome({ mode: 'local', ...o, mockUrl: mock.url });
  return { mock, home };
}

// Where the NodeMCU examples connect. The seed document's examples use a public echo server;
// ours use the URL given as the first argument or in WSX_EXAMPLE_URL, and otherwise start
// wsc's embedded echo server (src/cli/serve.ts) on 127.0.0.1 and stop it when the example ends.

import { startEchoServer } from '../../src/cli/serve.js';

export interface ExampleServer {
  /** A ws:// URL of an echo server. */
  url: string;
  /** Stops the embedded server (nothing to do for a server given from outside). */
  stop(): Promise<void>;
}

export async function exampleServer(): Promise<ExampleServer> {
  const given = process.argv[2] ?? process.env.WSX_EXAMPLE_URL;
  if (given !== undefined && given !== '') return { url: given, stop: async () => {} };
  const server = await startEchoServer();
  return { url: server.url, stop: () => server.close() };
}

/** Lua's print: the arguments converted to text and separated by tabs. */
export function print(...values: unknown[]): void {
  console.log(values.map((value) => String(value)).join('\t'));
}

// Shared scaffolding of the LuatOS-Air examples (not an example itself): where the server is,
// and the two LuaTask calls the seed document's snippets use, `sys.taskInit` and `sys.wait`.
//
// The server: the first command-line argument, else the WSX_URL environment variable, else an
// echo server started in this process (src/cli/serve.ts), so every example runs on its own:
//   npx tsx examples/luatos-air/recv.ts
//   npx tsx examples/luatos-air/recv.ts ws://127.0.0.1:8080/
//   WSX_URL=ws://127.0.0.1:8080/ npx tsx examples/luatos-air/recv.ts

export interface ExampleServer {
  url: string;
  /** Stops the embedded server; does nothing for a server given from outside. */
  close(): Promise<void>;
}

export async function exampleServer(): Promise<ExampleServer> {
  const given = process.argv[2] ?? process.env.WSX_URL;
  if (given !== undefined && given !== '') return { url: given, close: async () => {} };
  // Loaded only when needed: the server side (npm ws) is not part of the example.
  const { startEchoServer } = await import('../../src/cli/serve.js');
  return startEchoServer();
}

/** The two LuaTask calls the snippets need, on Node's event loop. */
export const sys = {
  /** `sys.taskInit(fn, ...)`: runs `fn` as its own task; the promise settles when it ends. */
  taskInit<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): Promise<void> {
    return Promise.resolve().then(async () => {
      await fn(...args);
    });
  },
  /** `sys.wait(ms)`: pauses the calling task for `ms` milliseconds. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  },
};

/** Lua's `print`. */
export const print = (...values: unknown[]): void => {
  console.log(
    ...values.map((value) => (value instanceof Uint8Array ? `<${value.length} bytes>` : value)),
  );
};

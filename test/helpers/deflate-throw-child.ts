// Child process for test/client/deflate-connection.test.ts: connects with the modern API to
// the URL in argv[2] (a server that sends one compressed message, and a second one once the
// client wrote something), throws from the first 'message' listener call, and prints JSON:
// the messages received and the uncaught errors. A thrown listener error is uncaught by
// design, so this runs in a process of its own.

import { connect } from '../../src/api/websocket-client.js';

const url = process.argv[2]!;
const uncaught: string[] = [];
process.on('uncaughtException', (error) => uncaught.push(error.message));
const messages: string[] = [];
const ws = await connect(url, { pingIntervalMs: 0 });
await new Promise<void>((resolve) => {
  // A bound for the failure case only: the second message resolves it when all goes well.
  const bound = setTimeout(resolve, 5000);
  ws.on('message', (message) => {
    messages.push(String(message.data));
    if (messages.length === 1) {
      void ws.send('next');
      throw new Error('listener failed');
    }
    clearTimeout(bound);
    resolve();
  });
});
ws.terminate();
process.stdout.write(JSON.stringify({ messages, uncaught }));

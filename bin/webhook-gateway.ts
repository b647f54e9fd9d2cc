#!/usr/bin/env -S npx tsx
import { main } from '../cli/main';

// The supported Node.js range is this package's `engines`, not the AWS SDK's future one.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const controller = new AbortController();
let signals = 0;
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.on(name, () => {
    // A second Ctrl-C does not wait for a clean shutdown.
    if (++signals > 1) process.exit(130);
    controller.abort();
  });
}

const code = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
  help(text) {
    process.stdout.write(`${text}\n`);
    return 0;
  },
});
// Exit once the output is flushed, without waiting for idle sockets or workflows still running.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));

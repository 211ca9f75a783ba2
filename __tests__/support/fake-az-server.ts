/**
 * The in-memory Azure ML (fake-azure-ml.ts) behind an `az` executable, for the tests that run
 * the bundle in a process: the executable is a short bash script that sends its arguments to
 * this server over TCP (bash's /dev/tcp) and prints the answer, so each call costs a bash, not
 * a Node.js start, and the Azure model stays in the test's own process.
 *
 * A `kill` fault holds its call: the script prints "fake az: holding <command>@<n>" and waits.
 * The run is then cancelled; the rollout stops the script (SIGINT to its process group), the
 * connection closes, and only then does the fake Azure carry the operation on, as Azure does
 * with a long-running operation whose command was stopped.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FakeAzureMl, parseArgs, type FakeOptions, type FakeState } from './fake-azure-ml';

/**
 * Protocol: the script sends the argument count and the arguments, each NUL-terminated; the
 * server answers with four NUL-terminated fields: stderr to print at once, then the exit
 * status, stdout and stderr. A held call sends only the first field.
 */
const SCRIPT = (port: number): string => `#!/bin/bash
exec 3<>/dev/tcp/127.0.0.1/${port} || exit 2
printf '%s\\0' "$#" "$@" >&3
IFS= read -r -d '' early <&3 && printf '%s' "$early" >&2
IFS= read -r -d '' code <&3 || exit 2
IFS= read -r -d '' out <&3
IFS= read -r -d '' err <&3
printf '%s' "$out"
printf '%s' "$err" >&2
exit "$code"
`;

export interface FakeAzServer {
  /** The folder to put first on PATH: it holds `az`. */
  readonly bin: string;
  /** Azure as the calls left it (read it after the job). */
  state: FakeState;
  options: FakeOptions;
  close(): Promise<void>;
}

export async function startFakeAz(): Promise<FakeAzServer> {
  const bin = mkdtempSync(join(tmpdir(), 'fake-az-'));
  const fake: Pick<FakeAzServer, 'state' | 'options'> = { state: {} as FakeState, options: {} };
  const server: Server = createServer((socket) => serve(socket, fake));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  writeFileSync(join(bin, 'az'), SCRIPT(port));
  chmodSync(join(bin, 'az'), 0o755);
  return Object.assign(fake, {
    bin,
    close: () =>
      new Promise<void>((resolve) => {
        rmSync(bin, { recursive: true, force: true });
        server.close(() => resolve());
      }),
  });
}

function serve(socket: Socket, fake: Pick<FakeAzServer, 'state' | 'options'>): void {
  let buffer = '';
  let done = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    const fields = buffer.split('\0');
    const count = Number(fields[0]);
    if (done || fields.length < count + 2) return;
    done = true;
    answer(socket, fake, fields.slice(1, count + 1));
  });
  socket.on('error', () => undefined);
}

function answer(
  socket: Socket,
  fake: Pick<FakeAzServer, 'state' | 'options'>,
  args: string[],
): void {
  const { command } = parseArgs(args);
  const count = (fake.state.counts[command] ?? 0) + 1;
  const kill = fake.options.faults?.find(
    (f) => f.kind === 'kill' && f.command === command && (f.at ?? count) === count,
  );
  if (kill) {
    socket.write(`fake az: holding ${command}@${count}\n\0`);
    // Azure goes on once the command is stopped: the fake runs the call as killed then.
    socket.on('close', () => new FakeAzureMl(fake.state, fake.options).runSync(args));
    return;
  }
  const result = new FakeAzureMl(fake.state, fake.options).runSync(args);
  const fields = result.ok
    ? ['0', result.stdout, '']
    : [String(result.exitCode ?? 1), '', result.stderr];
  socket.end(`\0${fields.join('\0')}\0`);
}

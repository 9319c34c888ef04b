/**
 * `tern flows export … | head -1`: the reader goes away and the next write fails with EPIPE, an
 * unhandled stream error with a stack trace. A closed stdout or stderr ends the command quietly
 * instead, as Unix tools do (nothing is left to say, and nobody to say it to).
 *
 * Not a server's, though (`keepRunningOnClosedPipe`): its stdout is its log, and the reader of a
 * log going away (a log shipper that died, journald restarted under an old systemd) must not end
 * the service. Exiting there also hung: pino's final flush at exit retries a broken pipe forever,
 * so the process neither served nor exited. A server goes on without its log lines (pino stops
 * writing to a closed pipe by itself).
 */
let isServer = false;

export function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      if (!isServer) process.exit(0);
    });
  }
}

/** For `serve` and `worker`: a closed stdout or stderr is not a reason to stop. */
export function keepRunningOnClosedPipe(): void {
  isServer = true;
}

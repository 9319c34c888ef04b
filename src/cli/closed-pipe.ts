/**
 * `tern flows export … | head -1`: the reader goes away and the next write fails with EPIPE, an
 * unhandled stream error with a stack trace. A closed stdout or stderr ends the command quietly
 * instead, as Unix tools do (nothing is left to say, and nobody to say it to).
 */
export function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(0);
      throw error;
    });
  }
}

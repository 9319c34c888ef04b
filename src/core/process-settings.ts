/**
 * How a Tern process is started: `npm start`, the Docker image and every process the tests,
 * the sandbox and the bench spawn use these (test/dockerfile.test.ts keeps package.json and the
 * Dockerfile in step). docs/deployment.md ("Memory") says what each is for:
 * - a 2 MB young generation: ~20 MB less RSS at no measurable throughput cost;
 * - the old generation capped at 512 MB: V8 collects old garbage sooner (peak RSS under the
 *   pipeline load 238 → 137 MB; uncapped, V8 sizes it from the machine's memory);
 * - two V8 background threads instead of four: each keeps a malloc arena glibc does not give back.
 */
export const NODE_FLAGS = [
  "--max-semi-space-size=2",
  "--max-old-space-size=512",
  "--v8-pool-size=2",
] as const;

/**
 * glibc's malloc gives memory at the top of its heap back to the system past a trim threshold
 * that starts at 128 KiB but, by default, follows the largest block freed (twice the dynamic
 * mmap threshold, which rises to up to 32 MB): after a burst the process kept megabytes it no
 * longer used. Setting the threshold turns that adjustment off (mallopt(3)) and keeps it at
 * 128 KiB: 10,000 waiting conversations added 6.8 MB of RSS instead of 10.3; idle 79 instead of
 * 81 MB. https://www.gnu.org/software/libc/manual/html_node/Memory-Allocation-Tunables.html
 * Ignored by other C libraries (musl); a GLIBC_TUNABLES already set is left as it is.
 */
export const MALLOC_TUNABLES = "glibc.malloc.trim_threshold=131072";

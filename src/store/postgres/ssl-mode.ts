/**
 * DATABASE_URL as handed to node-postgres, with `sslmode=prefer|require|verify-ca` written as the
 * `verify-full` pg already treats them as (docs/deployment.md says so). Unpinned, pg printed a
 * multi-line SECURITY WARNING on every start about its next major version, where these modes take
 * libpq's weaker meaning; pinned, an upgrade of pg cannot quietly drop the certificate check.
 * `uselibpqcompat=true` asks for libpq's meaning explicitly: left as written.
 */
export function pinnedSslMode(url: string): string {
  if (/[?&]uselibpqcompat=true(?:&|#|$)/i.test(url)) return url;
  return url.replace(/([?&]sslmode=)(?:prefer|require|verify-ca)(?=&|#|$)/, "$1verify-full");
}

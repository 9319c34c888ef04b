/** Query parameters that carry a secret: node-postgres takes `password` and `sslpassword` there too. */
const SECRET_PARAM = /pass|secret|token/i;

/**
 * A connection URL as it may be shown: its passwords replaced (`user:***@`, and a `?password=`
 * that pg-connection-string reads as well), so it can go to a terminal or log.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    for (const name of [...parsed.searchParams.keys()])
      if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, "***");
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Runs `fn` with the base URL of a loopback server that answers every request 200 with an HTML
 * page, as a proxy in front of a provider's API answers its login page instead of the API's JSON.
 */
export async function withProxyPage<T>(fn: (baseUrl: string) => Promise<T>): Promise<T> {
  const proxy = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<html>proxy login</html>");
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  try {
    return await fn(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
  } finally {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  }
}

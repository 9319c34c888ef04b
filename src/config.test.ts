import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";

const problem = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
};

describe("the configuration from the environment", () => {
  it("takes whole numbers in decimal digits only, with their limits", () => {
    expect(loadConfig({ TERN_PORT: "8080" }).TERN_PORT).toBe(8080);
    for (const value of ["0x10", "1e3", "12.5", "-1", "80 80", "abc"])
      expect(problem({ TERN_PORT: value }), value).toContain("TERN_PORT: a whole number in decimal digits");
    expect(problem({ TERN_PORT: "70000" })).toContain("TERN_PORT: at most 65535");
    expect(problem({ TERN_WORKER_CONCURRENCY: "1e3" })).toContain("TERN_WORKER_CONCURRENCY: a whole number");
    expect(problem({ TERN_DB_POOL_SIZE: "1" })).toContain("TERN_DB_POOL_SIZE: at least 2");
  });

  it("counts a variable set to nothing or to spaces as unset: the default applies", () => {
    const config = loadConfig({
      TERN_PORT: "",
      TERN_BURST_WINDOW_MS: "  ",
      TERN_SEND_RECONCILE_MS: "",
      TERN_DATA_DIR: "  ",
      TERN_ADMIN_TOKEN: " ".repeat(16),
      TERN_PUBLIC_URL: "",
    });
    expect(config).toMatchObject({
      TERN_PORT: 3000,
      TERN_BURST_WINDOW_MS: 2_000,
      TERN_SEND_RECONCILE_MS: 30_000,
      TERN_DATA_DIR: "./.tern",
    });
    expect(config.TERN_ADMIN_TOKEN).toBeUndefined();
    expect(config.TERN_PUBLIC_URL).toBeUndefined();
    // A blank password is no password: the user alone is refused.
    expect(problem({ TERN_ADMIN_USER: "admin", TERN_ADMIN_PASSWORD: " ".repeat(12) })).toContain("set both");
  });

  it("refuses a DATABASE_URL whose user or password has a % that is not percent-encoding, never quoting it", () => {
    // pg took "%ZZ" as three literal characters; libpq (psql) refuses the URL.
    const password = problem({ DATABASE_URL: "postgres://tern:S3cr%ZZ@db.example:5432/tern" });
    expect(password).toContain(
      "DATABASE_URL: the password has a % that is not followed by two hexadecimal digits",
    );
    expect(password).toContain("as %25");
    expect(password).not.toContain("S3cr");
    expect(problem({ DATABASE_URL: "postgres://te%r:pw@db.example/tern" })).toContain(
      "DATABASE_URL: the user name has a %",
    );
    expect(problem({ DATABASE_URL: "postgres://tern:trailing%@db.example/tern" })).toContain(
      "the password has a %",
    );
    // Well-formed encodings, and a % elsewhere in the URL, are the server's to judge.
    for (const url of [
      "postgres://tern:%53%33cr%2F@db.example/tern",
      "postgres://tern@db.example/tern?application_name=50%25",
    ])
      expect(loadConfig({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
  });

  it("refuses a data directory beginning with ~, which no shell expanded", () => {
    for (const value of ["~", "~/.tern", "~/tern data", "~tern/data"])
      expect(problem({ TERN_DATA_DIR: value }), value).toContain(
        "TERN_DATA_DIR: begins with ~, which only a shell expands",
      );
    expect(loadConfig({ TERN_DATA_DIR: "/srv/~tern" }).TERN_DATA_DIR).toBe("/srv/~tern");
  });

  it("refuses a public URL that is not an http(s) origin a provider can be given", () => {
    expect(loadConfig({ TERN_PUBLIC_URL: "https://tern.example.com/tern" }).TERN_PUBLIC_URL).toBe(
      "https://tern.example.com/tern",
    );
    expect(problem({ TERN_PUBLIC_URL: "javascript:alert(document.cookie)" })).toContain(
      "http:// or https://",
    );
    expect(problem({ TERN_PUBLIC_URL: "ftp://example.com" })).toContain("http:// or https://");
    expect(problem({ TERN_PUBLIC_URL: "https://user:pass@example.com" })).toContain("user name or password");
    expect(problem({ TERN_PUBLIC_URL: "https://example.com/?x=1" })).toContain("query string or fragment");
    expect(problem({ TERN_PUBLIC_URL: "https://example.com/#top" })).toContain("query string or fragment");
  });

  it("refuses spaces where they are a mistake: around a path or host, inside a token", () => {
    expect(problem({ TERN_DATA_DIR: " /var/lib/tern" })).toContain(
      "TERN_DATA_DIR: must not begin or end with spaces",
    );
    expect(problem({ TERN_HOST: "0.0.0.0 " })).toContain("TERN_HOST: must not begin or end with spaces");
    expect(problem({ TERN_ADMIN_TOKEN: "tern abcdefghijklmnop" })).toContain("must not contain spaces");
  });
});

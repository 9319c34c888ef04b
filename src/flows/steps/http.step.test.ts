import { describe, expect, it } from "vitest";
import { validateFlow } from "../validate.js";
import { mapResponse, readBody } from "./http-response.js";

const errorsOf = (step: Record<string, unknown>) =>
  validateFlow({
    schema: "tern.flow/v1",
    name: "t",
    trigger: { type: "message", channels: ["whatsapp"] },
    steps: [{ id: "call", type: "http", ...step }],
  }).errors;

describe("http step url", () => {
  it("refuses a literal url no request could use", () => {
    expect(errorsOf({ url: "not a url" })).toEqual([
      {
        path: "$.steps[0].url",
        stepId: "call",
        message: expect.stringMatching(/^step "call": "not a url" is not a URL/),
      },
    ]);
    expect(errorsOf({ url: "api.example.com/orders" })[0]?.message).toContain(
      "is not an absolute URL, e.g. https://api.example.com/orders (a relative URL needs a connection",
    );
    expect(errorsOf({ url: "ftp://files.example.com/x" })[0]?.message).toContain("is not an http(s) URL");
  });

  it("with a connection, refuses a protocol-relative url or one whose .. leave the baseUrl", () => {
    for (const url of ["//evil.example/x", "/\\evil.example/x"])
      expect(errorsOf({ url, connection: "shop" })[0]?.message).toContain(
        "starts with //, which names another host, not a path under the connection's baseUrl",
      );
    for (const url of ["/../admin", "orders/../../x", "/a/%2e%2e/%2E%2E/x", "../x"])
      expect(errorsOf({ url, connection: "shop" })[0]?.message).toContain(
        'leaves the connection\'s baseUrl (its ".." segments climb above it)',
      );
    expect(errorsOf({ url: "/orders/../items/1", connection: "shop" })).toEqual([]);
    expect(errorsOf({ url: "/", connection: "shop" })).toEqual([]);
  });

  it("accepts an absolute http(s) url, a relative one with a connection, and templates", () => {
    expect(errorsOf({ url: "https://api.example.com/orders?x=1" })).toEqual([]);
    expect(errorsOf({ url: "http://127.0.0.1:8080/" })).toEqual([]);
    expect(errorsOf({ url: "/orders/42", connection: "shop" })).toEqual([]);
    expect(errorsOf({ url: "{{ vars.callback }}" })).toEqual([]);
    expect(errorsOf({ url: "https://api.example.com/orders/{{ vars.id | url_encode }}" })).toEqual([]);
  });
});

describe("readBody", () => {
  it("keeps JSON nested deeper than a flow file may be as its text (the run's state could not hold it)", () => {
    const answer = (body: string) => ({
      url: "https://api.example.com/x",
      status: 200,
      headers: { "content-type": "application/json" },
      body,
    });
    expect(readBody(answer('{"a":[1,{"b":2}]}'))).toEqual({ a: [1, { b: 2 }] });
    const deep = `{"d":${"[".repeat(3_000)}${"]".repeat(3_000)}}`;
    expect(readBody(answer(deep))).toBe(deep);
  });
});

describe("mapResponse", () => {
  it("reads a header by its name in any case (the answer's names are lower case)", () => {
    const output = { status: 200, headers: { "x-request-id": "r-1", etag: '"v2"' }, body: { ETag: "b" } };
    expect(
      mapResponse(
        { id: "headers.X-Request-Id", tag: "headers.ETag", inBody: "body.ETag", gone: "body.etag" },
        output,
      ),
    ).toEqual({ id: "r-1", tag: '"v2"', inBody: "b", gone: null });
  });
});

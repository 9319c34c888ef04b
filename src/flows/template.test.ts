import { describe, expect, it } from "vitest";
import { checkTemplate, RENDER_NOW, renderTemplate, renderValue, type TemplateScope } from "./template.js";
import { createRenderBudget, TEMPLATE_LIMITS } from "./template-limits.js";

const scope: TemplateScope = {
  vars: { name: "Ada <3 & co" },
  contact: { id: "c", channel: "whatsapp", address: "1", phone: null, name: null },
  message: null,
  steps: { lead: { id: "00Q1" } },
  conversation: { transcript: "Customer: hi" },
  run: { id: "run_9" },
};

describe("templates", () => {
  it("writes dates in UTC whatever the server's zone, and in a zone the filter names, daylight saving included", () => {
    const zone = process.env.TZ;
    process.env.TZ = "Asia/Tokyo"; // Node reads a change of TZ at once
    try {
      const at = { ...scope, vars: { at: "2026-03-08T06:30:00Z", later: "2026-03-08T07:30:00Z" } };
      expect(renderTemplate('{{ vars.at | date: "%Y-%m-%d %H:%M %z" }}', at)).toBe("2026-03-08 06:30 +0000");
      // New York's spring change: 01:30 EST, then 03:30 EDT an hour later.
      const ny =
        '{{ vars.at | date: "%H:%M %:z", "America/New_York" }} {{ vars.later | date: "%H:%M %:z", "America/New_York" }}';
      expect(renderTemplate(ny, at)).toBe("01:30 -05:00 03:30 -04:00");
      expect(renderTemplate("{{ vars.at | date_to_xmlschema }}", at)).toBe("2026-03-08T06:30:00+00:00");
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("reads a date-time written without a zone as UTC on every host, and a time in milliseconds as one", () => {
    const zone = process.env.TZ;
    const values = {
      naive: "2026-01-05T09:00:00",
      spaced: "2026-01-05 09:00",
      us: "01/05/2026 09:00",
      dateOnly: "2026-01-05",
      offset: "2026-01-05T09:00:00+02:00",
      named: "Mon, 05 Jan 2026 09:00:00 GMT",
      ms: Date.UTC(2026, 0, 5, 9, 0),
      msText: String(Date.UTC(2026, 0, 5, 9, 0)),
      seconds: Date.UTC(2026, 0, 5, 9, 0) / 1000,
    };
    const template = Object.keys(values)
      .map((key) => `{{ vars.${key} | date: "%Y-%m-%d %H:%M %z" }}`)
      .join("|");
    const expected = [
      "2026-01-05 09:00 +0000",
      "2026-01-05 09:00 +0000",
      "2026-01-05 09:00 +0000",
      "2026-01-05 00:00 +0000",
      "2026-01-05 07:00 +0000",
      "2026-01-05 09:00 +0000",
      "2026-01-05 09:00 +0000",
      "2026-01-05 09:00 +0000",
      "2026-01-05 09:00 +0000",
    ].join("|");
    try {
      for (const tz of ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]) {
        process.env.TZ = tz;
        expect(renderTemplate(template, { ...scope, vars: values }), tz).toBe(expected);
        // In a zone the filter names, the same instant.
        expect(
          renderTemplate('{{ vars.naive | date: "%H:%M", "Asia/Kolkata" }}', { ...scope, vars: values }),
        ).toBe("14:30");
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("refuses a date filter's time zone that does not exist before any run, not at every run", () => {
    expect(checkTemplate('{{ "now" | date: "%H:%M", "Europe/Berlinn" }}')).toMatch(
      /unknown time zone "Europe\/Berlinn" in a date filter/,
    );
    expect(checkTemplate("{{ 'now' | date: '%H:%M', 'Europe/Berlin' }}")).toBeNull();
    expect(checkTemplate('{{ "now" | date: "%H:%M", vars.zone }}')).toBeNull();
  });

  it('reads "now" and "today" on the run\'s clock (a flow test\'s simulated one), not the system\'s', () => {
    const monday = { ...scope, [RENDER_NOW]: Date.UTC(2026, 0, 5, 9, 15) };
    expect(renderTemplate('{{ "now" | date: "%A %H:%M" }}, {{ "today" | date: "%Y-%m-%d" }}', monday)).toBe(
      "Monday 09:15, 2026-01-05",
    );
    expect(renderTemplate('{{ "now" | date: "%H:%M", "Asia/Kolkata" }}', monday)).toBe("14:45");
  });

  it("renders plain text without HTML escaping", () => {
    expect(renderTemplate("Hi {{ vars.name }} ({{ steps.lead.id }}, {{ run.id }})", scope)).toBe(
      "Hi Ada <3 & co (00Q1, run_9)",
    );
  });

  it("writes an object whole as its JSON, not [object Object]; a list, a number and json as before", () => {
    const withData = { ...scope, vars: { order: { id: "A-1", items: 2 }, tags: ["a", "b"], n: 3 } };
    expect(renderTemplate("Order: {{ vars.order }}", withData)).toBe('Order: {"id":"A-1","items":2}');
    expect(renderTemplate("{{ vars.order.id }} {{ vars.tags }} {{ vars.n }}", withData)).toBe("A-1 a,b 3");
    expect(renderTemplate("{{ vars.order | json }}", withData)).toBe('{"id":"A-1","items":2}');
    expect(renderTemplate("{{ vars.tags | join: ', ' }}", withData)).toBe("a, b");
  });

  it("renders missing values as empty text", () => {
    expect(renderTemplate("[{{ vars.nope }}{{ contact.phone }}]", scope)).toBe("[]");
  });

  it("refuses unknown filters and file includes", () => {
    expect(checkTemplate("{{ vars.name | shout }}")).toMatch(/undefined filter: shout/);
    expect(checkTemplate("{% include 'secrets.txt' %}")).toMatch(/not supported/);
    expect(checkTemplate("{% render '/etc/passwd' %}")).toMatch(/not supported/);
    expect(() => renderTemplate("{% include 'x' %}", scope)).toThrow(
      expect.objectContaining({ code: "TEMPLATE_ERROR" }),
    );
  });

  it("escapes a value as one URL path segment with path_segment: a space is %20, not the + of url_encode", () => {
    const order = { ...scope, vars: { id: "A/7 ü+(x)?#" } };
    expect(renderTemplate("orders/{{ vars.id | path_segment }}", order)).toBe(
      "orders/A%2F7%20%C3%BC%2B%28x%29%3F%23",
    );
    expect(decodeURIComponent("A%2F7%20%C3%BC%2B%28x%29%3F%23")).toBe("A/7 ü+(x)?#");
    expect(renderTemplate("[{{ vars.none | path_segment }}]", order)).toBe("[]");
    expect(checkTemplate("{{ vars.id | path_segment }}")).toBeNull();
  });

  it("leaves text without Liquid markup untouched", () => {
    expect(renderTemplate("50% off {not a tag}", scope)).toBe("50% off {not a tag}");
  });
});

describe("template limits", () => {
  // Well above the 20 ms render budget (a loaded CI machine overshoots it by one node), far
  // below what these templates took without limits (seconds, or hundreds of megabytes). Counted
  // in this process's CPU time, not wall time: in a full suite the other test processes share
  // the two cores, and a render that stopped in time was once descheduled past 500 ms of wall time.
  const FAST_MS = 250;
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };

  const expectFastTemplateError = (source: string, reason: RegExp, value: unknown = source) => {
    const started = cpuMs();
    let caught: unknown;
    try {
      renderValue(value, scope);
    } catch (error) {
      caught = error;
    }
    const elapsedMs = cpuMs() - started;
    expect(caught).toMatchObject({ code: "TEMPLATE_ERROR", message: expect.stringMatching(reason) });
    expect(elapsedMs).toBeLessThan(FAST_MS);
  };

  it("stops nested huge loops that print", () => {
    expectFastTemplateError(
      "{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}x{% endfor %}{% endfor %}{% endfor %}",
      /longer than (20 ms|65536 characters)/,
    );
  });

  it("stops nested huge loops that print nothing", () => {
    expectFastTemplateError(
      "{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}",
      /took longer than 20 ms/,
    );
  });

  it("stops a string doubled with append", () => {
    expectFastTemplateError(
      "{% assign s = 'xxxxxxxxxx' %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}",
      /builds more than 131072/,
    );
  });

  it("charges slice the text it returns, not the length asked for", () => {
    const at = { ...scope, vars: { list: [1, 2, 3], big: "x".repeat(70_000) } };
    expect(renderTemplate("{{ 'abc' | slice: 0, 99999999 }}", at)).toBe("abc");
    expect(renderTemplate("{{ 'abcdef' | slice: -2, 99999999 }}", at)).toBe("ef");
    expect(renderTemplate("{{ 'añb👍c' | slice: 2, 99999999 }}", at)).toBe("b👍c");
    expect(renderTemplate("{{ 12345 | slice: 1, 99999999 }}", at)).toBe("2345");
    expect(renderTemplate("{{ vars.list | slice: 1, 99999999 | join: '-' }}", at)).toBe("2-3");
    expect(renderTemplate("{{ 'abc' | slice: 1 }}{{ 'abc' | slice: 9, 2 }}", at)).toBe("b");
    // The real output still counts: two slices of 70,000 characters are over the budget.
    expect(() =>
      renderTemplate(
        "{% assign a = vars.big | slice: 0, 70000 %}{% assign b = vars.big | slice: 0, 99999999 %}",
        at,
      ),
    ).toThrow(/builds more than 131072/);
  });

  it("stops a number blown up with times before it becomes a range", () => {
    expectFastTemplateError(
      "{% assign n = 2 %}{% for i in (1..8) %}{% assign n = n | times: n %}{% endfor %}{% for i in (1..n) %}{% endfor %}",
      /builds more than 131072/,
    );
  });

  it("stops a captured string doubled until a search would flatten hundreds of megabytes", () => {
    expectFastTemplateError(
      "{% assign s = 'xxxxxxxxxx' %}{% for i in (1..24) %}{% capture s %}{{s}}{{s}}{% endcapture %}{% endfor %}" +
        "{% for i in (1..100) %}{% if s contains 'y' %}y{% endif %}{% endfor %}",
      /capture is longer than 65536|builds more than 131072/,
    );
  });

  it("stops a big array sorted and de-duplicated over and over", () => {
    expectFastTemplateError(
      "{% for i in (1..1000) %}{% assign a = (1..100000) | sort | uniq %}{% endfor %}",
      /builds more than 131072|took longer than 20 ms/,
    );
  });

  it("refuses deep recursion in an expression with a clear error", () => {
    const source = `{{ ${"(".repeat(3000)}1${")".repeat(3000)} }}`;
    expect(checkTemplate(source)).toMatch(/call stack|range/i);
    expectFastTemplateError(source, /call stack|range/i);
  });

  it("stops deeply nested loops", () => {
    const depth = 60;
    expectFastTemplateError(
      `${"{% for a in (1..2) %}".repeat(depth)}x${"{% endfor %}".repeat(depth)}`,
      /longer than (20 ms|65536 characters)/,
    );
  });

  it("refuses output longer than 64 KiB", () => {
    expectFastTemplateError(
      `{% for i in (1..100) %}${"0123456789".repeat(100)}{% endfor %}`,
      /output is longer than 65536 characters/,
    );
  });

  it("refuses a template source longer than the limit, at validation and at render", () => {
    const source = `{{ vars.name }}${"x".repeat(TEMPLATE_LIMITS.sourceChars)}`;
    expect(checkTemplate(source)).toMatch(/limited to 16384 characters/);
    expectFastTemplateError(source, /limited to 16384 characters/);
  });

  it("bounds all the fields of one step together, not each on its own", () => {
    const spin = "{% for a in (1..1000) %}{% for b in (1..1000) %}{% endfor %}{% endfor %}";
    const fields = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`F${i}`, `${spin}{{ vars.name }}`]),
    );
    expectFastTemplateError(spin, /took longer than 20 ms/, fields);
  });

  it("does not fail an ordinary template because a GC pause or a busy machine stretched its wall time", () => {
    // Each reading of this clock is a second later than the one before.
    let t = 0;
    const pausing = () => (t += 1_000);
    const text = "Thanks {{ vars.name }}! {% for i in (1..3) %}{{ i }}{% endfor %} {{ steps.lead.id }}";
    expect(renderTemplate(text, scope, createRenderBudget(pausing))).toBe("Thanks Ada <3 & co! 123 00Q1");
    expect(() =>
      renderTemplate("{% for i in (1..5000) %}{% endfor %}", scope, createRenderBudget(pausing)),
    ).toThrow(expect.objectContaining({ code: "TEMPLATE_ERROR", message: expect.stringMatching(/20 ms/) }));
  });

  it("still renders ordinary templates, loops and long text under the limits", () => {
    const long = { ...scope, conversation: { transcript: "Customer: hello\n".repeat(3_000) } };
    expect(renderTemplate("{{ conversation.transcript }}", long)).toHaveLength(48_000);
    expect(
      renderTemplate(
        "{% capture who %}{{ vars.name | upcase }}{% endcapture %}{% for i in (1..3) %}{{ i }}{% endfor %} {{ who }} {{ 'a,b' | split: ',' | join: '+' }}",
        scope,
      ),
    ).toBe("123 ADA <3 & CO a+b");
    expect(renderValue({ a: "{{ run.id }}", b: ["{{ steps.lead.id }}"] }, scope)).toEqual({
      a: "run_9",
      b: ["00Q1"],
    });
  });
});

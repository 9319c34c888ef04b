import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { builtCli } from "../../src/core/paths.js";
import { tempDir, testInProcess, writeFlow } from "../helpers/flow-test-run.js";

/**
 * `tern flows test`: the shipped templates pass through the built CLI, a broken expectation fails
 * with a diff naming expected and actual value and the event, and the runner's other promises
 * (test files beside a flow, outcome diffs, unreadable input) through its exported function.
 */
const root = path.resolve(import.meta.dirname, "../..");
const cli = builtCli();
const templates = readdirSync(path.join(root, "templates"))
  .filter((name) => name.endsWith(".json"))
  .map((name) => `templates/${name}`);
function tern(args: string[], cwd = root): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

describe("tern flows test (the built CLI)", () => {
  it("passes every shipped template's tests, one line per case", async () => {
    const { code, stdout } = await tern(["flows", "test", ...templates]);
    expect(stdout).not.toContain("✗");
    expect(code, stdout).toBe(0);
    const caseCount = templates
      .map((file) => (JSON.parse(readFileSync(path.join(root, file), "utf8")) as { tests?: unknown[] }).tests)
      .reduce((sum, tests) => sum + (tests?.length ?? 0), 0);
    // Every template carries a happy path and at least one branch.
    for (const file of templates) {
      const { tests } = JSON.parse(readFileSync(path.join(root, file), "utf8")) as { tests?: unknown[] };
      expect(tests?.length ?? 0, file).toBeGreaterThanOrEqual(2);
      expect(stdout).toContain(`${file}\n`);
    }
    expect(stdout.match(/^ {2}✓ .+ \(\d+ ms\)$/gm)).toHaveLength(caseCount);
    expect(stdout).toMatch(new RegExp(`${templates.length} flows, ${caseCount} cases: ${caseCount} passed`));
  });

  it("fails a deliberately broken expectation with a diff naming the event, expected and actual, exit 1", async () => {
    const dir = tempDir();
    const source = readFileSync(path.join(root, "templates/whatsapp-lead.json"), "utf8");
    const right = '"expect": "Thanks Ada Lovelace! Which company are you with?"';
    expect(source).toContain(right);
    writeFileSync(
      path.join(dir, "whatsapp-lead.json"),
      source.replace(right, '"expect": "Thanks Ada! Which company?"'),
    );
    const { code, stdout } = await tern(["flows", "test", "whatsapp-lead.json"], dir);
    expect(code, stdout).toBe(1);
    expect(stdout).toContain("✗ happy path: a Lead is created and its id sent back");
    expect(stdout).toContain('at script[3] {"expect":"Thanks Ada! Which company?"}');
    expect(stdout).toContain("run: waiting at ask_company");
    expect(stdout).toContain('expected: "Thanks Ada! Which company?"');
    expect(stdout).toContain('actual:   "Thanks Ada Lovelace! Which company are you with?"');
    // The other cases of the file still run and pass.
    expect(stdout).toMatch(/✓ no answer within 24 hours/);
    expect(stdout).toMatch(/1 flow, 3 cases: 2 passed, 1 failed/);
  });
});

describe("tern flows test (the runner)", () => {
  it("runs the cases of <name>.test.json beside the flow: a tap, a regex, a record, deadlines, a paused org", async () => {
    const dir = tempDir();
    writeFlow(dir);
    const tests = {
      $schema: "https://example.invalid/flow-tests.json",
      tests: [
        {
          name: "a tap on Track opens a Case",
          contact: { address: "777", name: "Ada" },
          script: [
            { say: "order 42" },
            { expect: { text: "Hi there! Track or cancel?", choices: ["track", "cancel"] } },
            { say: { choice: "track" } },
            { expect: { matches: "^Case \\d{8} opened to track\\.$" } },
          ],
          expect: {
            status: "completed",
            vars: { action: "track" },
            records: {
              Case: [{ Subject: "track by Ada", Origin: "Telegram", CaseNumber: { $exists: true } }],
            },
          },
        },
        {
          name: "silence for an hour: the deadline fires at its time",
          vars: { first: "Grace" },
          script: [
            { say: "ORDER" },
            { expect: { contains: "Hi Grace!" } },
            { wait: "PT59M" },
            { wait: "PT2M" },
          ],
          expect: {
            status: "completed",
            messages: [{ contains: "Track" }, "Write 'order' again when you're ready."],
          },
        },
        {
          name: "a script that begins without a message starts the run as an API call would",
          channel: "telegram",
          vars: { first: "Lin" },
          script: [{ expect: { contains: "Hi Lin!" } }],
          expect: { status: "waiting" },
        },
        {
          name: "the org's API allowance runs out: the run waits out the pause, then creates the Case",
          contact: { name: "Ada" },
          script: [
            { say: "order" },
            {
              salesforce: {
                failNext: {
                  on: "create",
                  status: 403,
                  errorCode: "REQUEST_LIMIT_EXCEEDED",
                  message: "TotalRequests Limit exceeded.",
                },
              },
            },
            { say: "cancel" },
            { expect: { contains: "Track" } },
            { wait: "PT4M" },
            { wait: "PT2M" },
            { expect: { matches: "^Case \\d{8} opened to cancel\\.$" } },
          ],
          expect: { status: "completed", records: { Case: [{ Subject: "cancel by Ada" }] } },
        },
      ],
    };
    writeFileSync(path.join(dir, "order.test.json"), JSON.stringify(tests));
    // Naming the test file tests its flow, once.
    const { code, out } = await testInProcess(["order.json", "order.test.json"], dir);
    expect(out, out).toContain("✓ a tap on Track opens a Case");
    expect(out).toContain("✓ silence for an hour: the deadline fires at its time");
    expect(out).toContain("✓ a script that begins without a message starts the run as an API call would");
    expect(out).toContain(
      "✓ the org's API allowance runs out: the run waits out the pause, then creates the Case",
    );
    expect(out).toMatch(/1 flow, 4 cases: 4 passed/);
    expect(code).toBe(0);
  });

  it("ends a run that waits longer than the server's longest wait (TERN_MAX_WAIT, 30 days), as Tern would", async () => {
    const dir = tempDir();
    const waiting = {
      schema: "tern.flow/v1",
      name: "Quote",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: [{ id: "ask_product", type: "ask", text: "Which product?", save: "product" }],
    };
    writeFileSync(path.join(dir, "quote.json"), JSON.stringify(waiting));
    const tests = {
      tests: [
        {
          name: "a month of silence",
          script: [{ say: "quote" }, { wait: "P31D" }],
          expect: { status: "ended" },
        },
        {
          name: "a day of silence",
          script: [{ say: "quote" }, { wait: "P1D" }],
          expect: { status: "waiting" },
        },
      ],
    };
    writeFileSync(path.join(dir, "quote.test.json"), JSON.stringify(tests));
    const { code, out } = await testInProcess(["quote.json"], dir);
    expect(out, out).toContain("✓ a month of silence");
    expect(out).toContain("✓ a day of silence");
    expect(code).toBe(0);
  });

  it("starts a flow whose trigger takes only a conversation's first message (on: first): a case is a new conversation", async () => {
    const dir = tempDir();
    const welcome = {
      schema: "tern.flow/v1",
      name: "Welcome",
      trigger: { type: "message", channels: ["whatsapp"], on: "first" },
      steps: [{ id: "welcome", type: "send", text: "Welcome!" }],
      tests: [{ name: "a first message is welcomed", script: [{ say: "hi" }, { expect: "Welcome!" }] }],
    };
    writeFileSync(path.join(dir, "welcome.json"), JSON.stringify(welcome));
    const { code, out } = await testInProcess(["welcome.json"], dir);
    expect(out, out).toContain("✓ a first message is welcomed");
    expect(code).toBe(0);
  });

  it("a case's `now` is the time templates read: a greeting by the hour in the customer's zone, across a wait", async () => {
    const dir = tempDir();
    const hour = '{{ "now" | date: "%H", "Europe/Berlin" | plus: 0 }}';
    const greet = {
      schema: "tern.flow/v1",
      name: "Greet",
      trigger: { type: "message", channels: ["whatsapp"] },
      steps: [
        { id: "set", type: "set", vars: { hour }, next: "hello" },
        { id: "hello", type: "send", text: '{{ "now" | date: "%A %H:%M", "Europe/Berlin" }}', next: "pause" },
        { id: "pause", type: "wait", duration: "PT12H", next: "later" },
        { id: "later", type: "send", text: '{{ "now" | date: "%A %H:%M", "Europe/Berlin" }}' },
      ],
      tests: [
        {
          name: "Monday morning in Berlin, then the evening",
          now: "2026-01-05T07:30:00Z",
          script: [{ say: "hi" }, { expect: "Monday 08:30" }, { wait: "PT12H" }, { expect: "Monday 20:30" }],
          expect: { status: "completed", vars: { hour: "8" } },
        },
      ],
    };
    writeFileSync(path.join(dir, "greet.json"), JSON.stringify(greet));
    const { code, out } = await testInProcess(["greet.json"], dir);
    expect(out, out).toContain("✓ Monday morning in Berlin, then the evening");
    expect(code).toBe(0);
  });

  it("stops at a tap on a button the flow never sent, naming the ids it offered", async () => {
    const dir = tempDir();
    writeFlow(dir, {
      tests: [
        { name: "a tap by number", script: [{ say: "order" }, { say: { choice: "2" } }] },
        { name: "a tap before any button", script: [{ say: { choice: "track" } }] },
      ],
    });
    const { code, out } = await testInProcess(["order.json"], dir);
    expect(code).toBe(1);
    expect(out).toMatch(
      /✗ a tap by number[^\n]*\n {6}at script\[1\] \{"say":\{"choice":"2"\}\}\n {6}run: waiting at pick/,
    );
    expect(out).toContain("expected: the id of a button the flow sent, the newest: track, cancel");
    expect(out).toContain('actual:   no message offered "2"');
    expect(out).toMatch(/✗ a tap before any button[^\n]*\n {6}at script\[0\]/);
    expect(out).toContain("expected: a button the flow sent (send a typed answer as text)");
  });

  it("the default contact's address is written as the channel writes it: digits on WhatsApp, E.164 on SMS", async () => {
    const dir = tempDir();
    const who = {
      schema: "tern.flow/v1",
      name: "Who",
      trigger: { type: "message", channels: ["whatsapp", "twilio", "rcs"] },
      steps: [{ id: "who", type: "send", text: "{{ contact.address }} {{ contact.phone }}" }],
      tests: [
        { name: "whatsapp", script: [{ say: "hi" }, { expect: "16315551181 +16315551181" }] },
        {
          name: "twilio",
          channel: "twilio",
          script: [{ say: "hi" }, { expect: "+16315551181 +16315551181" }],
        },
        { name: "rcs", channel: "rcs", script: [{ say: "hi" }, { expect: "+16315551181 +16315551181" }] },
      ],
    };
    writeFileSync(path.join(dir, "who.json"), JSON.stringify(who));
    const { code, out } = await testInProcess(["who.json"], dir);
    expect(out, out).not.toContain("✗");
    expect(code).toBe(0);
  });

  it("names each outcome that differs: status, a variable, a record field, the messages", async () => {
    const dir = tempDir();
    writeFlow(dir, {
      tests: [
        {
          name: "wrong on purpose",
          channel: "telegram",
          contact: { name: "Ada" },
          script: [{ say: "order" }, { say: "cancel" }],
          expect: {
            status: "waiting",
            vars: { action: "track" },
            records: { Case: [{ Subject: "track by Ada" }] },
            messages: [{ contains: "Track" }],
          },
        },
      ],
    });
    const { code, out } = await testInProcess(["order.json"], dir);
    expect(code).toBe(1);
    expect(out).toContain("✗ wrong on purpose");
    expect(out).toContain("at the end: expect.status, expect.vars, expect.records, expect.messages");
    expect(out).toMatch(/status\n {10}expected: "waiting"\n {10}actual: {3}"completed"/);
    expect(out).toMatch(/vars\.action\n {10}expected: "track"\n {10}actual: {3}"cancel"/);
    expect(out).toMatch(
      /records\.Case\[0\]\.Subject\n {10}expected: "track by Ada"\n {10}actual: {3}"cancel by Ada"/,
    );
    expect(out).toMatch(
      /messages\[1\]\n {10}expected: no more messages\n {10}actual: {3}"Case \d{8} opened to cancel\."/,
    );
  });

  it("stops at the event where the conversation diverges: a message the trigger ignores, a reply to a finished run", async () => {
    const dir = tempDir();
    writeFlow(dir, {
      tests: [
        { name: "no keyword", script: [{ say: "hello" }] },
        { name: "wrong channel", channel: "whatsapp", script: [{ say: "order" }] },
        {
          name: "too many replies",
          script: [
            { say: "order" },
            { say: "track" },
            { say: "and one more thing" },
            { expect: "never checked" },
          ],
        },
      ],
    });
    const { code, out } = await testInProcess(["order.json"], dir);
    expect(code).toBe(1);
    expect(out).toMatch(/✗ no keyword[^\n]*\n {6}at script\[0\] \{"say":"hello"\}/);
    expect(out).toContain('does not start on "hello"');
    // No run started: it says so rather than "running".
    expect(out).toMatch(/✗ no keyword[^\n]*\n[^\n]*\n {6}run: not started/);
    expect(out).toContain("the trigger starts on telegram only, and this case plays whatsapp");
    expect(out).toMatch(
      /✗ too many replies[^\n]*\n {6}at script\[2\] \{"say":"and one more thing"\}\n {6}run: completed/,
    );
    expect(out).toContain("expected: a run waiting for the customer's reply");
  });

  it("exits 2 on input it cannot read, naming the file and the problem", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "broken.json"), "{ not json");
    writeFlow(dir, { steps: [{ id: "a", type: "send" }] }, "invalid.json");
    writeFlow(dir, {}, "cases.json");
    writeFileSync(
      path.join(dir, "cases.test.json"),
      JSON.stringify({ tests: [{ name: "x", script: [{ shout: 1 }] }] }),
    );
    const { code, out } = await testInProcess(
      ["broken.json", "invalid.json", "missing.json", "cases.json"],
      dir,
    );
    expect(code).toBe(2);
    expect(out).toMatch(/broken\.json: cannot be tested\n {2}not valid JSON/);
    expect(out).toMatch(/invalid\.json: cannot be tested\n {2}\$\.steps\[0\]\.text/);
    expect(out).toMatch(/missing\.json: cannot be tested\n {2}no such file/);
    expect(out).toMatch(/cases\.json: cannot be tested\n {2}cases\.test\.json: \$\.tests\[0\]\.script\[0\]/);
  });

  it("exits 2 on a $matches that is no regular expression, naming where, instead of failing the case as it runs", async () => {
    const dir = tempDir();
    writeFlow(dir, {}, "patterns.json");
    writeFileSync(
      path.join(dir, "patterns.test.json"),
      JSON.stringify({
        tests: [
          {
            name: "bad pattern",
            script: [{ say: "order" }],
            expect: {
              vars: { action: { $matches: "(" } },
              records: { Case: [{ Subject: { $matches: "[" } }] },
            },
          },
        ],
      }),
    );
    const { code, out } = await testInProcess(["patterns.json"], dir);
    expect(code, out).toBe(2);
    expect(out).toContain('$.tests[0].expect.vars.action["$matches"]: not a valid regular expression');
    expect(out).toContain(
      '$.tests[0].expect.records.Case[0].Subject["$matches"]: not a valid regular expression',
    );
  });

  it("refuses a file that is not UTF-8 (exit 2, saying where) and reads past a byte order mark", async () => {
    const dir = tempDir();
    writeFlow(
      dir,
      { name: "Caf\u00e9", tests: [{ name: "starts", script: [{ say: "order" }] }] },
      "latin1.json",
    );
    const text = readFileSync(path.join(dir, "latin1.json"), "utf8");
    writeFileSync(path.join(dir, "latin1.json"), Buffer.from(text, "latin1"));
    writeFileSync(path.join(dir, "bom.json"), `\uFEFF${text}`);
    const { code, out } = await testInProcess(["latin1.json", "bom.json"], dir);
    expect(out).toMatch(/latin1\.json: cannot be tested\n {2}not UTF-8 text: byte 0xE9 at line 3 column 15/);
    expect(out).toContain("bom.json\n  ✓ starts");
    expect(code).toBe(2);
  });

  it("with no files tests templates/ and flows/ under the current directory (exit 2 when there are none); a directory stands for its flows", async () => {
    const dir = tempDir();
    expect((await testInProcess([], dir)).code).toBe(2);
    mkdirSync(path.join(dir, "flows"));
    writeFlow(path.join(dir, "flows"), {
      tests: [{ name: "starts", script: [{ say: "order" }, { expect: { contains: "Track" } }] }],
    });
    const { code, out } = await testInProcess([], dir);
    expect(out).toContain(`${path.join("flows", "order.json")}\n  ✓ starts`);
    expect(code).toBe(0);
    // A directory stands for the flow files in it.
    expect((await testInProcess(["flows"], dir)).out).toContain("✓ starts");
  });
});

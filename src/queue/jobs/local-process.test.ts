import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { isDeadHere, runnerProcessName } from "./local-process.js";

describe("a job runner of this machine whose process is gone", () => {
  it("is recognised from its registered name once its process exited, and only then", async () => {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    await once(child, "spawn");
    const mine = runnerProcessName("tern worker");
    const childName = mine.replace(` pid ${process.pid} `, ` pid ${child.pid} `);
    expect(childName).not.toBe(mine);
    expect(isDeadHere(childName)).toBe(false);
    child.kill("SIGKILL");
    await once(child, "exit");
    expect(isDeadHere(childName)).toBe(true);
    // Another machine, boot or PID namespace: only its heartbeat can tell.
    expect(isDeadHere(childName.replace(/ in \S+$/, " in elsewhere/boot/1"))).toBe(false);
    expect(isDeadHere(`tern worker @other-host pid ${child.pid}`)).toBe(false);
    // Our own PID under another runner's name: a predecessor (a container restarted as PID 1).
    expect(isDeadHere(mine)).toBe(true);
  });
});

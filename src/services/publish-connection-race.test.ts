import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestStore, type TestStore } from "../../test/helpers/test-store.js";
import { createConnectionAdmin } from "./connection-admin.js";
import { createFlowService } from "./flow-service.js";
import { createIntegrations } from "./integrations.js";

/**
 * A publish checks that the connections its flow names exist, then asks the org about the
 * mapping (seconds against a slow org). A DELETE of the connection in that gap found no published
 * flow using it and went through; the publish then answered 200 with a flow naming a connection
 * that was gone, whose runs failed at the step. Now the publish checks its connections again
 * under their lock, in the transaction that publishes: one of the two is refused, never both taken.
 */
let store: TestStore;
const clock = { now: () => Date.now() };
const log = { info() {}, warn() {} };

beforeEach(async () => {
  store = await openTestStore();
});
afterEach(async () => {
  await store.close();
});

const flowNaming = (connection: string) => ({
  schema: "tern.flow/v1",
  name: "creates a Lead",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [
    {
      id: "create",
      type: "salesforce.create",
      connection,
      object: "Lead",
      fields: { LastName: "Lovelace", Company: "Analytical Engines" },
    },
  ],
});

describe("publish racing a DELETE of the connection it names", () => {
  const setUp = async () => {
    let orgAsked: () => void = () => {};
    const askedOrg = new Promise<void>((resolve) => {
      orgAsked = resolve;
    });
    let answerOrg: () => void = () => {};
    const orgAnswers = new Promise<void>((resolve) => {
      answerOrg = resolve;
    });
    // The org's describe: held until the test lets it answer, then unreachable (a warning only).
    const fact = async (): Promise<unknown> => {
      orgAsked();
      await orgAnswers;
      throw new Error("connect ECONNREFUSED");
    };
    const flows = createFlowService(store, clock, { design: { fact } });
    const connections = createConnectionAdmin({
      store,
      integrations: createIntegrations(store, { fetch: (i, o) => fetch(i, o), clock, log }),
      clock,
    });
    const crm = await connections.create({
      type: "salesforce",
      name: "crm",
      config: { loginUrl: "http://127.0.0.1:9", clientId: "id", clientSecret: "s", refreshToken: "r" },
    });
    const { id } = await flows.create(flowNaming("crm"));
    return { flows, connections, crm, id, askedOrg, answerOrg };
  };

  it("deleted while the publish waits on the org: the publish is refused, nothing is published", async () => {
    const { flows, connections, crm, id, askedOrg, answerOrg } = await setUp();
    const publishing = flows.publish(id).then(
      (value) => ({ value }),
      (error: { code?: string; message?: string }) => ({ error }),
    );
    await askedOrg;
    // No published flow names it yet: the DELETE is taken.
    await connections.remove(crm.id);
    answerOrg();
    const outcome = await publishing;
    expect(outcome).toMatchObject({ error: { code: "FLOW_INVALID" } });
    expect((outcome as { error: { message: string } }).error.message).toContain(
      'no connection named "crm" exists',
    );
    expect((await flows.get(id)).publishedVersion).toBeNull();
  });

  it("a DELETE after the publish committed is refused: the flow now uses it", async () => {
    const { flows, connections, crm, id, askedOrg, answerOrg } = await setUp();
    const publishing = flows.publish(id);
    await askedOrg;
    answerOrg();
    expect((await publishing).publishedVersion).toBe(1);
    await expect(connections.remove(crm.id)).rejects.toMatchObject({ code: "CONFLICT" });
  });
});

import { startSandboxedTern } from "./sandboxed-tern.js";
import { createCustomer } from "./stack.js";

/**
 * `tern demo`: Tern on a throwaway data directory, wired to the sandbox through the admin API,
 * and a customer conversation played as signed WhatsApp webhooks. Prints what happened; exits
 * non-zero if the Lead was not created and confirmed.
 */
export async function runDemo(print: (line: string) => void): Promise<number> {
  const { tern, sandbox, setup, close } = await startSandboxedTern();
  try {
    print(`Tern ${tern.url} — Salesforce emulator ${sandbox.sf.url} — WhatsApp simulator ${sandbox.wa.url}`);
    print(`Flow "WhatsApp lead capture" published (${setup.flowId}); channel webhook ${setup.webhookUrl}\n`);

    const customer = createCustomer(sandbox, setup.webhookUrl, "16315551181", "Ada Lovelace");
    const script = ["Hi, I'd like a quote", "Ada Lovelace", "Analytical Engines Ltd"];
    let expected = 0;
    for (const text of script) {
      print(`  customer: ${text}`);
      await customer.say(text);
      expected += 1;
      const replies = await customer.waitForReplies(expected, 10_000);
      print(`  tern:     ${replies[expected - 1]?.text ?? "(nothing)"}`);
    }

    const leads = sandbox.sf.records("Lead");
    const lead = leads[0];
    if (leads.length !== 1 || !lead) {
      print(`\nExpected one Lead, found ${leads.length}.`);
      return 1;
    }
    print("\nLead created in the Salesforce emulator:");
    for (const field of ["Id", "LastName", "Company", "Phone", "LeadSource", "Status"]) {
      print(`  ${field.padEnd(11)} ${String(lead[field])}`);
    }
    print(`  Description ${String(lead.Description).split("\n").join("\n              ")}`);
    const confirmed = customer.received().some((m) => m.text.includes(lead.Id));
    print(
      confirmed
        ? `\nThe customer received the Lead id ${lead.Id}.`
        : "\nThe confirmation did not carry the Lead id.",
    );
    return confirmed ? 0 : 1;
  } catch (error) {
    print(`Demo failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await close();
  }
}

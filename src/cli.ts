#!/usr/bin/env node
import { Command } from "commander";
import { endQuietlyOnClosedPipe } from "./cli/closed-pipe.js";
import { registerFlowCommands } from "./cli/flows.js";
import { registerKeyCommands } from "./cli/keys.js";
import { registerSalesforceCommands } from "./cli/salesforce.js";
import { registerServeCommands } from "./cli/serve.js";
import { packageVersion } from "./core/paths.js";

/** `tern` command line. Admin commands talk to a running server through the admin API only. */
endQuietlyOnClosedPipe();
const program = new Command()
  .name("tern")
  .version(packageVersion(), "-V, --version", "print the version of Tern")
  // `tern --version` is the program's; `tern flows publish x --version 2` is the command's own.
  .enablePositionalOptions()
  .description("Tern: conversations on messaging channels become Salesforce Leads and Cases")
  .showHelpAfterError();

registerServeCommands(program);
registerFlowCommands(program);
registerKeyCommands(program);
registerSalesforceCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

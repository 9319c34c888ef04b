import { describeDbContract } from "../../../test/helpers/db-contract.js";
import { createTestDatabase } from "../../../test/helpers/postgres.js";
import { openPostgres } from "./open.js";

describeDbContract("PostgreSQL", async () => {
  const database = await createTestDatabase();
  const db = await openPostgres({ url: database.url, poolSize: 4 });
  return {
    db,
    reopen: () => openPostgres({ url: database.url, poolSize: 2 }),
    async dispose() {
      await db.close();
      await database.drop();
    },
  };
});

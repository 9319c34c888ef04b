import { build } from "esbuild";
const r = await build({ entryPoints: { tern: "dist/src/cli.js" }, outdir: "/tmp/metaout", bundle: true, splitting: true, format: "esm", platform: "node", target: "node20", external: ["better-sqlite3","pg-native","typescript","@fastify/swagger","@fastify/swagger-ui","graphile-worker","pg"], minifyWhitespace: true, minifySyntax: true, legalComments: "none", metafile: true, write: false, logLevel: "error" });
for (const [name, o] of Object.entries(r.metafile.outputs)) {
  const ins = Object.entries(o.inputs);
  if (!ins.some(([k]) => k.includes(process.argv[2]))) continue;
  console.log("==", name, o.bytes);
  console.log(ins.sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput).slice(0,30).map(([k,v])=>`  ${v.bytesInOutput} ${k}`).join("\n"));
}

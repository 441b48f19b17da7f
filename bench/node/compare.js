// fraiseql against PostGraphile 5 answering the same questions from the same data.
//
// Both sides run in this Node process (Node 22, which PostGraphile 5 needs), one request at a time, and
// produce the response as JSON text:
//   - fraiseql: one round trip, `SELECT fraiseql.execute($1, $2)::text` (a prepared statement);
//   - PostGraphile 5.1.5: its schema built from the blog's tables (the Amber preset, default options),
//     executed in-process by Grafast (`grafast()`: parse, validate, plan and run, with its caches),
//     then `JSON.stringify`. Grafast compiles each query into SQL too.
// PostGraphile names things after the tables (`tbPostByRowId`, `tbUserByFkUser`, …; the `id` column is
// `rowId`, since `id` is its Node ID); its responses are renamed to fraiseql's names and compared for
// equality before timing. PostGraphile 5 orders only by indexed columns by default, so comments are
// ordered by their primary key: the bench data creates them in created_at order, which is v_post's
// order (the equality check would say otherwise). No HTTP layer on either side.
//
// Usage: node compare.js SOCKET_DIR PORT DB [SECONDS] [ROUNDS]
const { postgraphile } = require("postgraphile");
const { PostGraphileAmberPreset } = require("postgraphile/presets/amber");
const { makePgService } = require("postgraphile/adaptors/pg");
const { grafast } = require("postgraphile/grafast");
const { Client } = require("pg");

const [host, port, database] = process.argv.slice(2, 5);
const SECONDS = Number(process.argv[5] || 3);
const ROUNDS = Number(process.argv[6] || 3);

const randomId = () => ({ id: "00000000-0000-0000-0000-" + (1 + Math.floor(Math.random() * 10000)).toString(16).padStart(12, "0") });
const randomPage = () => ({ o: Math.floor(Math.random() * 100) * 100 });

// PostGraphile's shape → fraiseql's names.
const user = (u) => (u ? { name: u.name } : null);
const post = (p, withCommentAuthors) =>
  p && {
    id: p.rowId,
    title: p.title,
    author: user(p.tbUserByFkUser),
    comments: p.tbCommentsByFkPost.nodes.map((c) => (withCommentAuthors ? { body: c.body, author: user(c.tbUserByFkUser) } : { body: c.body })),
  };
const byId =
  "query ($id: UUID!) { tbPostByRowId(rowId: $id) { rowId title tbUserByFkUser { name } tbCommentsByFkPost(orderBy: PK_COMMENT_ASC) { nodes { body tbUserByFkUser { name } } } } }";

const SHAPES = [
  {
    label: "post_by_id (fraiseql from v_post)",
    fraiseql: "query ($id: ID!) { post(id: $id) { id title author { name } comments { body author { name } } } }",
    postgraphile: byId,
    variables: randomId,
    rename: (d) => ({ post: post(d.tbPostByRowId, true) }),
  },
  {
    label: "tv_post_by_id (fraiseql from tv_post)",
    fraiseql: "query ($id: ID!) { postProjected(id: $id) { id title author { name } comments { body author { name } } } }",
    postgraphile: byId,
    variables: randomId,
    rename: (d) => ({ postProjected: post(d.tbPostByRowId, true) }),
  },
  {
    label: "tv_posts_100_nested (fraiseql from tv_post)",
    fraiseql: "query ($o: Int) { postsProjected(limit: 100, offset: $o) { id title author { name } comments { body } } }",
    postgraphile:
      "query ($o: Int) { allTbPosts(first: 100, offset: $o, orderBy: ROW_ID_ASC) { nodes { rowId title tbUserByFkUser { name } tbCommentsByFkPost(orderBy: PK_COMMENT_ASC) { nodes { body } } } } }",
    variables: randomPage,
    rename: (d) => ({ postsProjected: d.allTbPosts.nodes.map((p) => post(p, false)) }),
  },
];

const sameJson = (a, b) => {
  const norm = (v) => (Array.isArray(v) ? v.map(norm) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, norm(v[k])])) : v);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
};

(async () => {
  // Each side its own connection: fraiseql a client, PostGraphile a pool of one.
  const client = new Client({ host, port: Number(port), user: "postgres", database });
  await client.connect();
  const connectionString = `postgres://postgres@/${database}?host=${encodeURIComponent(host)}&port=${port}`;
  const pgl = postgraphile({
    extends: [PostGraphileAmberPreset],
    pgServices: [makePgService({ connectionString, schemas: ["public"], poolConfig: { max: 1 } })],
    grafast: { explain: false },
  });
  const { schema, resolvedPreset } = await pgl.getSchemaResult();
  const viaFraiseql = async (shape, vars) =>
    (await client.query({ name: "fraiseql", text: "SELECT fraiseql.execute($1, $2)::text AS r", values: [shape.fraiseql, JSON.stringify(vars)] })).rows[0].r;
  const viaPostgraphile = async (shape, vars) => {
    const result = await grafast({ schema, source: shape.postgraphile, variableValues: vars, resolvedPreset, requestContext: {} });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return JSON.stringify({ data: result.data });
  };
  const rate = async (fn, shape) => {
    let done = 0;
    const start = process.hrtime.bigint();
    const limit = BigInt(Math.round(SECONDS * 1e9));
    while (process.hrtime.bigint() - start < limit) {
      await fn(shape, shape.variables());
      done++;
    }
    return done / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const shape of SHAPES) {
    for (let i = 0; i < 3; i++) {
      const vars = shape.variables();
      const a = JSON.parse(await viaFraiseql(shape, vars)).data;
      const b = shape.rename(JSON.parse(await viaPostgraphile(shape, vars)).data);
      if (!sameJson(a, b)) {
        console.error(`compare: ${shape.label}: fraiseql and PostGraphile differ for ${JSON.stringify(vars)}`);
        console.error(JSON.stringify(a).slice(0, 400));
        console.error(JSON.stringify(b).slice(0, 400));
        process.exit(1);
      }
    }
    const f = [], p = [];
    for (let r = 0; r < ROUNDS; r++) {
      f.push(await rate(viaFraiseql, shape));
      p.push(await rate(viaPostgraphile, shape));
    }
    const fm = median(f), pm = median(p);
    console.log(`${shape.label}: fraiseql ${fm.toFixed(0)} req/s; PostGraphile 5 ${pm.toFixed(0)} req/s (fraiseql ${(fm / pm).toFixed(1)}x)`);
  }
  await client.end();
  await pgl.release();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});

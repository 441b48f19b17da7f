// fraiseql against PostGraphile 4 answering the same questions from the same data.
//
// Both sides run in this Node process, one request at a time, and produce the response as JSON text:
//   - fraiseql: one round trip, `SELECT fraiseql.execute($1, $2)::text` (a prepared statement);
//   - PostGraphile: its schema built from the blog's tables (default options, no mutations), executed
//     in-process with graphql-js (`withPostGraphileContext`), then `JSON.stringify`. PostGraphile
//     compiles each query into one SQL statement too.
// PostGraphile names things after the tables (`tbPostById`, `tbUserByFkUser`, …); its responses are
// renamed to fraiseql's names and compared for equality before timing. No HTTP layer on either side.
//
// Usage: node compare.js SOCKET_DIR PORT DB [SECONDS] [ROUNDS]
const { createPostGraphileSchema, withPostGraphileContext } = require("postgraphile");
const { graphql } = require("graphql");
const { Client, Pool } = require("pg");

const [host, port, database] = process.argv.slice(2, 5);
const SECONDS = Number(process.argv[5] || 3);
const ROUNDS = Number(process.argv[6] || 3);

const randomId = () => ({ id: "00000000-0000-0000-0000-" + (1 + Math.floor(Math.random() * 10000)).toString(16).padStart(12, "0") });
const randomPage = () => ({ o: Math.floor(Math.random() * 100) * 100 });

// PostGraphile's shape → fraiseql's names.
const user = (u) => (u ? { name: u.name } : null);
const post = (p, withCommentAuthors) =>
  p && {
    id: p.id,
    title: p.title,
    author: user(p.tbUserByFkUser),
    comments: p.tbCommentsByFkPost.nodes.map((c) => (withCommentAuthors ? { body: c.body, author: user(c.tbUserByFkUser) } : { body: c.body })),
  };

const SHAPES = [
  {
    label: "post_by_id (fraiseql from v_post)",
    fraiseql: "query ($id: ID!) { post(id: $id) { id title author { name } comments { body author { name } } } }",
    postgraphile: "query ($id: UUID!) { tbPostById(id: $id) { id title tbUserByFkUser { name } tbCommentsByFkPost(orderBy: [CREATED_AT_ASC, PK_COMMENT_ASC]) { nodes { body tbUserByFkUser { name } } } } }",
    variables: randomId,
    rename: (d) => ({ post: post(d.tbPostById, true) }),
  },
  {
    label: "tv_post_by_id (fraiseql from tv_post)",
    fraiseql: "query ($id: ID!) { postProjected(id: $id) { id title author { name } comments { body author { name } } } }",
    postgraphile: "query ($id: UUID!) { tbPostById(id: $id) { id title tbUserByFkUser { name } tbCommentsByFkPost(orderBy: [CREATED_AT_ASC, PK_COMMENT_ASC]) { nodes { body tbUserByFkUser { name } } } } }",
    variables: randomId,
    rename: (d) => ({ postProjected: post(d.tbPostById, true) }),
  },
  {
    label: "tv_posts_100_nested (fraiseql from tv_post)",
    fraiseql: "query ($o: Int) { postsProjected(limit: 100, offset: $o) { id title author { name } comments { body } } }",
    postgraphile: "query ($o: Int) { allTbPosts(first: 100, offset: $o, orderBy: ID_ASC) { nodes { id title tbUserByFkUser { name } tbCommentsByFkPost(orderBy: [CREATED_AT_ASC, PK_COMMENT_ASC]) { nodes { body } } } } }",
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
  const pool = new Pool({ host, port: Number(port), user: "postgres", database, max: 1 });
  const schema = await createPostGraphileSchema(pool, "public", { disableDefaultMutations: true, ignoreRBAC: true });
  const viaFraiseql = async (shape, vars) =>
    (await client.query({ name: "fraiseql", text: "SELECT fraiseql.execute($1, $2)::text AS r", values: [shape.fraiseql, JSON.stringify(vars)] })).rows[0].r;
  const viaPostgraphile = async (shape, vars) => {
    const result = await withPostGraphileContext({ pgPool: pool }, (context) => graphql(schema, shape.postgraphile, null, context, vars));
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
        process.exit(1);
      }
    }
    const f = [], p = [];
    for (let r = 0; r < ROUNDS; r++) {
      f.push(await rate(viaFraiseql, shape));
      p.push(await rate(viaPostgraphile, shape));
    }
    const fm = median(f), pm = median(p);
    console.log(`${shape.label}: fraiseql ${fm.toFixed(0)} req/s; PostGraphile ${pm.toFixed(0)} req/s (fraiseql ${(fm / pm).toFixed(1)}x)`);
  }
  await client.end();
  await pool.end();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});

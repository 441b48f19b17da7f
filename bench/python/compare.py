"""fraiseql against a Python GraphQL server (Strawberry) answering the same query from the same data.

Every side answers one GraphQL request per iteration for a random post, from this process, through
psycopg, producing the response as JSON text — no HTTP layer anywhere:
  - fraiseql: one round trip, `SELECT fraiseql.execute($1, $2)::text`;
  - Strawberry, "relational": what a careful Python developer writes — the post and its author in one
    joined query, its comments with their authors in a second one (no N+1), objects built per row;
  - Strawberry, "document": the most favourable Python implementation possible — the resolver reads
    the post's whole prebuilt document (from the same v_post / tv_post fraiseql reads) in one round
    trip and resolves every nested field from it.
Strawberry runs with its parser and validation caches; every query is prepared. Responses are checked
to be equal first. Prints, per shape, requests/s of each side and fraiseql's speed-up over each.

Usage: compare.py DSN [SECONDS] [ROUNDS]
Importing it connects to nothing, so its schemas can be printed as the migration guide's first step:
  strawberry export-schema compare:relational_schema --app-dir bench/python
"""
import json
import random
import statistics
import sys
import time
from typing import List, Optional

import psycopg
import strawberry
from psycopg.types.json import Jsonb
from strawberry.extensions import ParserCache, ValidationCache

SECONDS, ROUNDS = 3.0, 3
_conn: Optional[psycopg.Connection] = None


def db() -> psycopg.Connection:
    """The connection main() opened; resolvers run only after it did."""
    if _conn is None:
        raise RuntimeError("compare.py: no database connection (run it as a script: compare.py DSN)")
    return _conn


@strawberry.type
class User:
    name: str


@strawberry.type
class Comment:
    body: str
    author: Optional[User]


@strawberry.type
class Post:
    id: strawberry.ID
    title: str
    author: User
    comments: List[Comment]


def user(doc: Optional[dict]) -> Optional[User]:
    return User(name=doc["name"]) if doc else None


def post(doc: dict) -> Post:
    return Post(
        id=doc["id"],
        title=doc["title"],
        author=user(doc["author"]),
        comments=[Comment(body=c["body"], author=user(c.get("author"))) for c in doc["comments"]],
    )


def read(source: str, id: str) -> Optional[Post]:
    row = db().execute(f"SELECT data FROM {source} WHERE id = %s", (id,), prepare=True).fetchone()
    return post(row[0]) if row else None


@strawberry.type
class DocumentQuery:
    @strawberry.field
    def post(self, id: strawberry.ID) -> Optional[Post]:
        return read("v_post", id)

    @strawberry.field
    def post_projected(self, id: strawberry.ID) -> Optional[Post]:
        return read("tv_post", id)

    @strawberry.field
    def posts_projected(self, limit: int, offset: int) -> List[Post]:
        rows = db().execute(
            "SELECT data FROM tv_post ORDER BY id LIMIT %s OFFSET %s", (limit, offset), prepare=True
        ).fetchall()
        return [post(r[0]) for r in rows]


@strawberry.type
class RelationalPost:
    pk: strawberry.Private[int]
    id: strawberry.ID
    title: str
    author: User

    @strawberry.field
    def comments(self) -> List[Comment]:
        rows = db().execute(
            "SELECT c.body, u.name FROM tb_comment c JOIN tb_user u ON u.pk_user = c.fk_user"
            " WHERE c.fk_post = %s ORDER BY c.created_at, c.pk_comment",
            (self.pk,),
            prepare=True,
        ).fetchall()
        return [Comment(body=body, author=User(name=name)) for body, name in rows]


def comments_by_post(pks: List[int]) -> dict:
    """The comments of several posts in one query (what a DataLoader batches), by post."""
    rows = db().execute(
        "SELECT c.fk_post, c.body, u.name FROM tb_comment c JOIN tb_user u ON u.pk_user = c.fk_user"
        " WHERE c.fk_post = ANY(%s) ORDER BY c.fk_post, c.created_at, c.pk_comment",
        (pks,),
        prepare=True,
    ).fetchall()
    out: dict = {pk: [] for pk in pks}
    for pk, body, name in rows:
        out[pk].append(Comment(body=body, author=User(name=name)))
    return out


@strawberry.type
class RelationalListPost:
    id: strawberry.ID
    title: str
    author: User
    comments: List[Comment]


@strawberry.type
class RelationalQuery:
    @strawberry.field
    def posts_projected(self, limit: int, offset: int) -> List[RelationalListPost]:
        rows = db().execute(
            "SELECT p.pk_post, p.id::text, p.title, u.name FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user"
            " ORDER BY p.id LIMIT %s OFFSET %s",
            (limit, offset),
            prepare=True,
        ).fetchall()
        comments = comments_by_post([r[0] for r in rows])
        return [RelationalListPost(id=r[1], title=r[2], author=User(name=r[3]), comments=comments[r[0]]) for r in rows]

    @strawberry.field
    def post(self, id: strawberry.ID) -> Optional[RelationalPost]:
        row = db().execute(
            "SELECT p.pk_post, p.id::text, p.title, u.name FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user"
            " WHERE p.id = %s",
            (id,),
            prepare=True,
        ).fetchone()
        if row is None:
            return None
        return RelationalPost(pk=row[0], id=row[1], title=row[2], author=User(name=row[3]))


caches = [ParserCache, ValidationCache]
document_schema = strawberry.Schema(query=DocumentQuery, extensions=caches)
relational_schema = strawberry.Schema(query=RelationalQuery, extensions=caches)

BY_ID = "query ($id: ID!) {{ {}(id: $id) {{ id title author {{ name }} comments {{ body author {{ name }} }} }} }}"
LIST = "query ($o: Int!) { postsProjected(limit: 100, offset: $o) { id title author { name } comments { body } } }"


def random_id() -> dict:
    return {"id": "00000000-0000-0000-0000-%012x" % random.randint(1, 10000)}


def random_page() -> dict:
    return {"o": random.randint(0, 99) * 100}


SHAPES = [
    # label, query, random variables, the Strawberry schemas answering the same query
    ("post_by_id (v_post)", BY_ID.format("post"), random_id, [("relational", relational_schema), ("document", document_schema)]),
    ("tv_post_by_id (tv_post)", BY_ID.format("postProjected"), random_id, [("document", document_schema)]),
    ("tv_posts_100_nested (100 posts with author and comments)", LIST, random_page,
     [("relational", relational_schema), ("document", document_schema)]),
]


def via_fraiseql(query: str, variables: dict) -> str:
    return db().execute(
        "SELECT fraiseql.execute(%s, %s)::text", (query, Jsonb(variables)), prepare=True
    ).fetchone()[0]


def via(schema):
    def answer(query: str, variables: dict) -> str:
        result = schema.execute_sync(query, variable_values=variables)
        if result.errors:
            raise RuntimeError(result.errors)
        return json.dumps({"data": result.data})

    return answer


def rate(fn, query: str, variables) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        fn(query, variables())
        done += 1
    return done / (time.perf_counter() - start)


def main() -> None:
    global _conn, SECONDS, ROUNDS
    _conn = psycopg.connect(sys.argv[1], autocommit=True)
    SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    for label, query, variables, others in SHAPES:
        sides = [("fraiseql", via_fraiseql)] + [(name, via(schema)) for name, schema in others]
        for _ in range(3):
            v = variables()
            expected = json.loads(via_fraiseql(query, v))
            for name, fn in sides[1:]:
                if json.loads(fn(query, v)) != expected:
                    sys.exit(f"compare: {label}: fraiseql and Strawberry ({name}) return different JSON for {v}")
        rates = {name: [] for name, _ in sides}
        for _ in range(ROUNDS):  # alternating, so drift hits every side
            for name, fn in sides:
                rates[name].append(rate(fn, query, variables))
        median = {name: statistics.median(r) for name, r in rates.items()}
        f = median["fraiseql"]
        others_text = "; ".join(f"Strawberry {name} {median[name]:.0f} req/s (fraiseql {f / median[name]:.1f}x)" for name, _ in sides[1:])
        print(f"{label}: fraiseql {f:.0f} req/s; {others_text}")


if __name__ == "__main__":
    main()

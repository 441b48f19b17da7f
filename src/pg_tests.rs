// `#[pg_test]`s: only what needs a backend — SPI, catalog checks, the schema cache, quoting.
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::json;

fn setup_blog() {
    Spi::run(
        "CREATE TABLE tb_user (pk_user int PRIMARY KEY, id uuid UNIQUE NOT NULL, name text NOT NULL);
         INSERT INTO tb_user VALUES (1, '11111111-1111-1111-1111-111111111111', 'Ada'),
                                    (2, '22222222-2222-2222-2222-222222222222', 'Linus');
         CREATE VIEW v_user AS SELECT id, jsonb_build_object('id', id, 'name', name, 'created_at', '2024-01-01') AS data FROM tb_user;",
    )
    .unwrap();
    Spi::run(
        "SELECT fraiseql.load_schema($$ type User @view(name: \"v_user\") { id: ID! name: String! createdAt: String }
                                      type Query { users: [User!]! user(id: ID!): User } $$)",
    )
    .unwrap();
}

fn execute(query: &str, variables: serde_json::Value) -> serde_json::Value {
    Spi::get_one_with_args::<pgrx::Json>("SELECT fraiseql.execute($1, $2)", &[query.into(), JsonB(variables).into()])
        .unwrap()
        .unwrap()
        .0
}

#[pg_test]
fn executes_list_and_by_id() {
    setup_blog();
    let r = execute("{ users(limit: 1) { name } }", json!(null));
    assert_eq!(r, json!({"data": {"users": [{"name": "Ada"}]}}));
    let r = execute(
        "query Q($id: ID!) { u: user(id: $id) { id name createdAt __typename } }",
        json!({"id": "22222222-2222-2222-2222-222222222222"}),
    );
    assert_eq!(
        r,
        json!({"data": {"u": {"id": "22222222-2222-2222-2222-222222222222", "name": "Linus", "createdAt": "2024-01-01", "__typename": "User"}}})
    );
}

#[pg_test]
fn malformed_uuid_is_a_field_error_not_an_sql_error() {
    setup_blog();
    let r = execute("{ user(id: \"nope\") { name } }", json!(null));
    assert_eq!(r["data"]["user"], serde_json::Value::Null);
    assert_eq!(r["errors"][0]["path"], json!(["user"]));
}

#[pg_test]
#[should_panic(expected = "fraiseql schema rejected: line 1")]
fn missing_view_is_rejected() {
    Spi::run("SELECT fraiseql.load_schema($$type User @view(name: \"v_nope\") { id: ID } type Query { users: [User] }$$)").unwrap();
}

#[pg_test]
fn reloading_replaces_the_cached_schema() {
    setup_blog();
    assert_eq!(execute("{ users { name } }", json!(null))["data"]["users"][1]["name"], "Linus");
    Spi::run("SELECT fraiseql.load_schema($$ type Person @view(name: \"v_user\") { name: String } type Query { people: [Person] } $$)").unwrap();
    let r = execute("{ users { name } }", json!(null));
    assert!(r.get("data").is_none(), "old field must be gone: {r}");
    assert_eq!(execute("{ people { name } }", json!(null))["data"]["people"][0]["name"], "Ada");
    let versions = Spi::get_one::<i64>("SELECT count(*) FROM fraiseql.schema_version").unwrap();
    assert_eq!(versions, Some(2));
}

#[pg_test]
fn quote_ident_matches_postgres() {
    for ident in ["v_user", "User", "we\"ird", "select", "with space", "ünï"] {
        let ours = Spi::get_one_with_args::<String>("SELECT fraiseql._quote_ident($1)", &[ident.into()]).unwrap().unwrap();
        let theirs = Spi::get_one_with_args::<String>("SELECT quote_ident($1)", &[ident.into()]).unwrap().unwrap();
        // Postgres leaves safe lower-case names bare; where it quotes, the text must be identical.
        if theirs.starts_with('"') {
            assert_eq!(ours, theirs);
        }
        let reparsed = Spi::get_one_with_args::<String>("SELECT (parse_ident($1))[1]", &[ours.as_str().into()]).unwrap();
        assert_eq!(reparsed.as_deref(), Some(ident), "{ours} must name {ident}");
    }
}

/// The jsonb built from Rust values has exactly the bytes jsonb_in makes of the same JSON's text.
#[pg_test]
fn jsonb_built_directly_equals_jsonb_in() {
    let values = [
        json!({"b": [1, -2, 3.5, 1e300, 18446744073709551615u64, -9223372036854775808i64, 0.1],
               "a": {"nested": {"deep": [true, false, null, [], {}]}, "": ""},
               "s": "quote \" backslash \\ newline \n tab \t nul-free ünïcode 😀 \u{1}"}),
        json!([]),
        json!({}),
        json!([[], [[1]], {"k": []}]),
        json!("a top-level string"),
        json!(42),
        json!(-0.5),
        json!(true),
        json!(null),
    ];
    for value in values {
        let built = crate::execute::jsonb::datum_from_json(&value);
        let parsed = JsonB(value.clone()).into_datum().unwrap();
        // SAFETY: both are freshly built, untoasted jsonb varlenas.
        let (a, b) = unsafe {
            (
                pgrx::varlena::varlena_to_byte_slice(built.cast_mut_ptr()),
                pgrx::varlena::varlena_to_byte_slice(parsed.cast_mut_ptr()),
            )
        };
        assert_eq!(a, b, "bytes differ for {value}");
        // SAFETY: a valid jsonb datum.
        let back = unsafe { JsonB::from_datum(built, false) }.unwrap().0;
        assert_eq!(back, value);
    }
}

/// Without fraiseql in shared_preload_libraries (the test cluster), each backend counts its own requests.
#[pg_test]
fn statistics_are_per_backend_without_preload() {
    setup_blog();
    Spi::run("SELECT fraiseql.stat_reset()").unwrap();
    execute("query One { users(limit: 1) { name } }", json!(null));
    execute("query One { users(limit: 1) { nope } }", json!(null));
    let row = Spi::get_three::<i64, i64, String>(
        "SELECT calls, errors, scope FROM fraiseql.stat_operations WHERE operation = 'One'",
    )
    .unwrap();
    assert_eq!(row, (Some(2), Some(1), Some("backend".to_string())));
    let metrics = Spi::get_one::<String>("SELECT fraiseql.metrics()").unwrap().unwrap();
    assert!(metrics.contains("fraiseql_stats_cluster_wide 0\n"), "{metrics}");
}

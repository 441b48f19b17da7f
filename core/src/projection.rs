//! Projection maintenance planned without a database: which keys of a `tv_` table a change to one of
//! its view's base tables affects (the foreign-key paths from the changed table to the view's root
//! table), and the statements that lock, re-project, refresh and verify a projection's rows.
//!
//! Every name handed in here is already quoted (and schema-qualified where it names a relation).
//! The changed rows of a base table are read from a relation called `changed`, which the caller
//! defines over the trigger's transition tables.

/// The base tables a view reads and the foreign keys between them.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Quoted, qualified table names; a table is its index here.
    pub tables: Vec<String>,
    pub keys: Vec<ForeignKey>,
}

/// `from(from_cols) REFERENCES to(to_cols)`, both tables among [`Graph::tables`].
#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub from: usize,
    pub from_cols: Vec<String>,
    pub to: usize,
    pub to_cols: Vec<String>,
}

/// One hop of a path: a foreign key, followed from the referencing table to the referenced one
/// (`forward`) or back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub key: usize,
    pub forward: bool,
}

/// Longer paths are not followed: a view that joins further needs an explicit mapping.
pub const MAX_HOPS: usize = 4;

impl Graph {
    /// Every simple path (no table twice) of at most [`MAX_HOPS`] foreign keys from `from` to `root`;
    /// one empty path when `from` is the root. A change reaches the view through any of them, so a
    /// key affected through any of them is re-projected.
    pub fn paths(&self, from: usize, root: usize) -> Vec<Vec<Step>> {
        let mut out = Vec::new();
        let mut visited = vec![false; self.tables.len()];
        let mut path = Vec::new();
        self.walk(from, root, &mut visited, &mut path, &mut out);
        out
    }

    fn walk(
        &self,
        at: usize,
        root: usize,
        visited: &mut [bool],
        path: &mut Vec<Step>,
        out: &mut Vec<Vec<Step>>,
    ) {
        if at == root {
            out.push(path.clone());
            return;
        }
        if path.len() == MAX_HOPS {
            return;
        }
        visited[at] = true;
        for (i, k) in self.keys.iter().enumerate() {
            for (forward, here, next) in [(true, k.from, k.to), (false, k.to, k.from)] {
                if here == at && !visited[next] {
                    path.push(Step { key: i, forward });
                    self.walk(next, root, visited, path, out);
                    path.pop();
                }
            }
        }
        visited[at] = false;
    }

    /// A path as a reader sees it: `tb_comment.fk_post → tb_post`, `tb_user ← tb_post.fk_user`,
    /// `tb_user ← tb_comment.fk_user, tb_comment.fk_post → tb_post`.
    pub fn describe(&self, from: usize, path: &[Step]) -> String {
        let mut text = short(&self.tables[from]).to_string();
        let mut after_back = false;
        for step in path {
            let k = &self.keys[step.key];
            if step.forward {
                // After `← tb_comment.fk_user`, the next key is named with its table again.
                let holder = if after_back {
                    format!(", {}", short(&self.tables[k.from]))
                } else {
                    String::new()
                };
                text.push_str(&format!(
                    "{holder}.{} → {}",
                    k.from_cols.join(","),
                    short(&self.tables[k.to])
                ));
            } else {
                text.push_str(&format!(
                    " ← {}.{}",
                    short(&self.tables[k.from]),
                    k.from_cols.join(",")
                ));
            }
            after_back = !step.forward;
        }
        if path.is_empty() {
            text.push_str(" (the root)");
        }
        text
    }

    /// The query that lists, as text, the root keys (`root_key`, a quoted column of the root table)
    /// that the rows in `changed` (rows of table `from`) affect through `paths`.
    pub fn keys_sql(&self, from: usize, paths: &[Vec<Step>], root_key: &str) -> String {
        let branches: Vec<String> = paths
            .iter()
            .map(|path| {
                let mut sql = String::from("FROM changed t0");
                let mut at = from;
                for (n, step) in path.iter().enumerate() {
                    let k = &self.keys[step.key];
                    let (next, here_cols, next_cols) = if step.forward {
                        (k.to, &k.from_cols, &k.to_cols)
                    } else {
                        (k.from, &k.to_cols, &k.from_cols)
                    };
                    debug_assert_eq!(at, if step.forward { k.from } else { k.to });
                    let on: Vec<String> = here_cols
                        .iter()
                        .zip(next_cols)
                        .map(|(h, x)| format!("t{}.{x} = t{n}.{h}", n + 1))
                        .collect();
                    sql.push_str(&format!(
                        " JOIN {} t{} ON {}",
                        self.tables[next],
                        n + 1,
                        on.join(" AND ")
                    ));
                    at = next;
                }
                format!("SELECT t{}.{root_key} AS k {sql}", path.len())
            })
            .collect();
        distinct_keys(&branches.join(" UNION ALL "))
    }
}

/// The distinct, non-null keys a one-column query returns, as text.
pub fn distinct_keys(query: &str) -> String {
    format!("SELECT DISTINCT k::text FROM ({query}) AS keys(k) WHERE k IS NOT NULL")
}

/// The last part of a qualified name, for messages.
fn short(qualified: &str) -> &str {
    qualified.rsplit('.').next().unwrap_or(qualified)
}

/// A projection table and the view it copies: `table(key, columns…, data)` holds
/// `SELECT key, columns…, data FROM view`.
#[derive(Debug, Clone)]
pub struct Projection {
    /// Quoted, qualified names.
    pub table: String,
    pub view: String,
    /// The quoted key column (`id`) and its SQL type (`uuid`).
    pub key: String,
    pub key_type: String,
    /// Quoted copied columns, without the key and `data`.
    pub columns: Vec<String>,
}

impl Projection {
    fn keys_param(&self) -> String {
        format!("$1::pg_catalog.text[]::{}[]", self.key_type)
    }

    fn copied(&self, alias: &str) -> String {
        let mut cols: Vec<String> = self.columns.iter().map(|c| format!("{alias}{c}")).collect();
        cols.push(format!("{alias}data"));
        cols.join(", ")
    }

    /// Locks the existing rows of the keys in `$1` (text[]), in key order: two transactions that
    /// re-project the same rows wait for each other instead of writing from stale snapshots, and
    /// cannot deadlock on them.
    pub fn lock_sql(&self) -> String {
        format!(
            "SELECT 1 FROM {t} WHERE {k} = ANY ({p}) ORDER BY {k} FOR UPDATE",
            t = self.table,
            k = self.key,
            p = self.keys_param()
        )
    }

    /// Removes the rows (of keys `$1`, or all with `all`) that the view no longer has.
    pub fn delete_sql(&self, all: bool) -> String {
        let only = if all {
            String::new()
        } else {
            format!("t.{} = ANY ({}) AND ", self.key, self.keys_param())
        };
        format!(
            "DELETE FROM {t} t WHERE {only}NOT EXISTS (SELECT FROM {v} v WHERE v.{k} = t.{k})",
            t = self.table,
            v = self.view,
            k = self.key
        )
    }

    /// Writes the view's rows (of keys `$1`, or all with `all`) into the table; rows that did not
    /// change are not rewritten.
    pub fn upsert_sql(&self, all: bool) -> String {
        let filter = if all {
            String::new()
        } else {
            format!(" WHERE v.{} = ANY ({})", self.key, self.keys_param())
        };
        let sets: Vec<String> = self
            .columns
            .iter()
            .chain(std::iter::once(&"data".to_string()))
            .map(|c| format!("{c} = EXCLUDED.{c}"))
            .collect();
        format!(
            "INSERT INTO {t} AS t ({k}, {cols}) SELECT v.{k}, {vcols} FROM {v} v{filter} \
             ON CONFLICT ({k}) DO UPDATE SET {sets} WHERE ({tcols}) IS DISTINCT FROM ({ecols})",
            t = self.table,
            v = self.view,
            k = self.key,
            cols = self.copied(""),
            vcols = self.copied("v."),
            sets = sets.join(", "),
            tcols = self.copied("t."),
            ecols = self.copied("EXCLUDED."),
        )
    }

    /// Every key whose row differs between the view and the table: `missing` (in the view only),
    /// `extra` (in the table only) or `different`, ordered by key.
    pub fn verify_sql(&self) -> String {
        format!(
            "SELECT coalesce(v.{k}, t.{k})::pg_catalog.text AS id, \
             CASE WHEN t.{k} IS NULL THEN 'missing' WHEN v.{k} IS NULL THEN 'extra' ELSE 'different' END AS problem \
             FROM (SELECT {k}, {cols} FROM {v}) v FULL JOIN {t} t ON t.{k} = v.{k} \
             WHERE t.{k} IS NULL OR v.{k} IS NULL OR ({tcols}) IS DISTINCT FROM ({vcols}) \
             ORDER BY 1",
            t = self.table,
            v = self.view,
            k = self.key,
            cols = self.copied(""),
            tcols = self.copied("t."),
            vcols = self.copied("v."),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo blog: tb_post(fk_user → tb_user), tb_comment(fk_post → tb_post, fk_user → tb_user).
    fn blog() -> Graph {
        let fk = |from, fc: &str, to, tc: &str| ForeignKey {
            from,
            from_cols: vec![fc.into()],
            to,
            to_cols: vec![tc.into()],
        };
        Graph {
            tables: vec![
                "public.tb_user".into(),
                "public.tb_post".into(),
                "public.tb_comment".into(),
            ],
            keys: vec![
                fk(1, "fk_user", 0, "pk_user"),
                fk(2, "fk_post", 1, "pk_post"),
                fk(2, "fk_user", 0, "pk_user"),
            ],
        }
    }

    #[test]
    fn the_root_is_its_own_path() {
        let g = blog();
        assert_eq!(g.paths(1, 1), vec![Vec::<Step>::new()]);
        assert_eq!(
            g.keys_sql(1, &g.paths(1, 1), "id"),
            "SELECT DISTINCT k::text FROM (SELECT t0.id AS k FROM changed t0) AS keys(k) WHERE k IS NOT NULL"
        );
    }

    #[test]
    fn a_child_reaches_the_root_through_its_foreign_key_and_through_its_other_parent() {
        let g = blog();
        let paths = g.paths(2, 1);
        let described: Vec<String> = paths.iter().map(|p| g.describe(2, p)).collect();
        assert_eq!(
            described,
            vec![
                "tb_comment.fk_post → tb_post",
                "tb_comment.fk_user → tb_user ← tb_post.fk_user",
            ]
        );
        let sql = g.keys_sql(2, &paths[..1], "id");
        assert!(
            sql.contains("FROM changed t0 JOIN public.tb_post t1 ON t1.pk_post = t0.fk_post"),
            "{sql}"
        );
    }

    #[test]
    fn an_embedded_parent_reaches_the_root_both_ways() {
        let g = blog();
        let described: Vec<String> = g.paths(0, 1).iter().map(|p| g.describe(0, p)).collect();
        assert_eq!(
            described,
            vec![
                "tb_user ← tb_post.fk_user",
                "tb_user ← tb_comment.fk_user, tb_comment.fk_post → tb_post",
            ]
        );
        let sql = g.keys_sql(0, &g.paths(0, 1), "id");
        assert!(sql.contains("SELECT t1.id AS k FROM changed t0 JOIN public.tb_post t1 ON t1.fk_user = t0.pk_user UNION ALL SELECT t2.id AS k FROM changed t0 JOIN public.tb_comment t1 ON t1.fk_user = t0.pk_user JOIN public.tb_post t2 ON t2.pk_post = t1.fk_post"), "{sql}");
    }

    #[test]
    fn unconnected_tables_and_long_paths_have_no_path() {
        let mut g = blog();
        g.tables.push("public.tb_tag".into());
        assert!(g.paths(3, 1).is_empty());
        // A chain of MAX_HOPS + 1 keys is too long to infer.
        let mut chain = Graph::default();
        for i in 0..=MAX_HOPS + 1 {
            chain.tables.push(format!("s.t{i}"));
        }
        for i in 0..=MAX_HOPS {
            chain.keys.push(ForeignKey {
                from: i + 1,
                from_cols: vec!["up".into()],
                to: i,
                to_cols: vec!["pk".into()],
            });
        }
        assert_eq!(chain.paths(MAX_HOPS, 0).len(), 1);
        assert!(chain.paths(MAX_HOPS + 1, 0).is_empty());
    }

    #[test]
    fn composite_keys_join_on_every_column() {
        let g = Graph {
            tables: vec!["s.a".into(), "s.b".into()],
            keys: vec![ForeignKey {
                from: 1,
                from_cols: vec!["x".into(), "y".into()],
                to: 0,
                to_cols: vec!["px".into(), "py".into()],
            }],
        };
        let sql = g.keys_sql(1, &g.paths(1, 0), "id");
        assert!(sql.contains("ON t1.px = t0.x AND t1.py = t0.y"), "{sql}");
    }

    fn post() -> Projection {
        Projection {
            table: "public.tv_post".into(),
            view: "public.v_post".into(),
            key: "id".into(),
            key_type: "uuid".into(),
            columns: vec!["created_at".into()],
        }
    }

    #[test]
    fn statements_name_every_copied_column() {
        let p = post();
        assert_eq!(
            p.lock_sql(),
            "SELECT 1 FROM public.tv_post WHERE id = ANY ($1::pg_catalog.text[]::uuid[]) ORDER BY id FOR UPDATE"
        );
        assert_eq!(
            p.upsert_sql(false),
            "INSERT INTO public.tv_post AS t (id, created_at, data) SELECT v.id, v.created_at, v.data FROM public.v_post v \
             WHERE v.id = ANY ($1::pg_catalog.text[]::uuid[]) ON CONFLICT (id) DO UPDATE SET created_at = EXCLUDED.created_at, \
             data = EXCLUDED.data WHERE (t.created_at, t.data) IS DISTINCT FROM (EXCLUDED.created_at, EXCLUDED.data)"
        );
        assert!(!p.upsert_sql(true).contains("$1"));
        assert_eq!(
            p.delete_sql(false),
            "DELETE FROM public.tv_post t WHERE t.id = ANY ($1::pg_catalog.text[]::uuid[]) AND NOT EXISTS (SELECT FROM public.v_post v WHERE v.id = t.id)"
        );
        assert!(p.verify_sql().contains("(t.created_at, t.data) IS DISTINCT FROM (v.created_at, v.data)"));
    }
}

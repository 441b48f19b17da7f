//! Projection maintenance planned without a database: which keys of a `tv_` table a change to one of
//! its view's base tables affects (the join paths, through the view's own equality joins, from an
//! occurrence of the changed table to the occurrence the view's `id` comes from), and the
//! statements that lock, re-project, refresh and verify a projection's rows.
//!
//! Relation names handed in here are already quoted and schema-qualified; column names are plain
//! and quoted here. The changed rows of a base table are read from a relation called `changed`,
//! which the caller defines over the trigger's transition tables.
use crate::names::quote_ident;

/// The occurrences of base tables in a view (a table joined twice occurs twice) and the equality
/// joins between them.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Quoted, qualified table names, one per occurrence; an occurrence is its index here.
    pub tables: Vec<String>,
    pub keys: Vec<Link>,
}

/// `from.from_cols = to.to_cols` (column by column), both occurrences among [`Graph::tables`].
#[derive(Debug, Clone)]
pub struct Link {
    pub from: usize,
    pub from_cols: Vec<String>,
    pub to: usize,
    pub to_cols: Vec<String>,
}

/// One hop of a path: a link, followed from its `from` side (`forward`) or from its `to` side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub key: usize,
    pub forward: bool,
}

/// Longer paths are not followed: a view that joins further needs an explicit mapping.
pub const MAX_HOPS: usize = 6;

impl Graph {
    /// Every simple path (no occurrence twice) of at most [`MAX_HOPS`] links from `from` to `root`;
    /// one empty path when `from` is the root. A changed row reaches a document through any of them.
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

    /// The link of a step as (next occurrence, columns here, columns there).
    fn hop(&self, step: &Step) -> (usize, &[String], &[String]) {
        let k = &self.keys[step.key];
        if step.forward {
            (k.to, &k.from_cols, &k.to_cols)
        } else {
            (k.from, &k.to_cols, &k.from_cols)
        }
    }

    /// The occurrences a path joins and the columns it looks them up by: without an index on those
    /// columns, every change to the changed table scans the joined one.
    pub fn lookups(&self, path: &[Step]) -> Vec<(usize, Vec<String>)> {
        path.iter()
            .map(|step| {
                let (next, _, there) = self.hop(step);
                (next, there.to_vec())
            })
            .collect()
    }

    /// A path as a reader sees it: `tb_comment.fk_post = tb_post.pk_post`, or
    /// `tb_user.pk_user = tb_comment.fk_user, tb_comment.fk_post = tb_post.pk_post`.
    pub fn describe(&self, from: usize, path: &[Step]) -> String {
        if path.is_empty() {
            return format!("{} (the root)", short(&self.tables[from]));
        }
        let mut at = from;
        let hops: Vec<String> = path
            .iter()
            .map(|step| {
                let (next, here, there) = self.hop(step);
                let cols = |t: usize, c: &[String]| {
                    let name = short(&self.tables[t]);
                    match c {
                        [one] => format!("{name}.{one}"),
                        many => format!("{name}.({})", many.join(", ")),
                    }
                };
                let text = format!("{} = {}", cols(at, here), cols(next, there));
                at = next;
                text
            })
            .collect();
        hops.join(", ")
    }

    /// The query that lists, as text, the root keys (column `root_key` of the root occurrence) that
    /// the rows in `changed` affect, through each `(occurrence of the changed table, path)`.
    pub fn keys_sql(&self, paths: &[(usize, Vec<Step>)], root_key: &str) -> String {
        let branches: Vec<String> = paths
            .iter()
            .map(|(_, path)| {
                let mut sql = String::from("FROM changed t0");
                for (n, step) in path.iter().enumerate() {
                    let (next, here, there) = self.hop(step);
                    let on: Vec<String> = here
                        .iter()
                        .zip(there)
                        .map(|(h, x)| {
                            format!("t{}.{} = t{n}.{}", n + 1, quote_ident(x), quote_ident(h))
                        })
                        .collect();
                    sql.push_str(&format!(
                        " JOIN {} t{} ON {}",
                        self.tables[next],
                        n + 1,
                        on.join(" AND ")
                    ));
                }
                format!(
                    "SELECT t{}.{} AS k {sql}",
                    path.len(),
                    quote_ident(root_key)
                )
            })
            .collect();
        // The same join written twice (two occurrences joined the same way) is run once.
        let mut unique: Vec<String> = Vec::new();
        for b in branches {
            if !unique.contains(&b) {
                unique.push(b);
            }
        }
        distinct_keys(&unique.join(" UNION ALL "))
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

/// Which rows a re-projection statement touches: every row, the one key in `$1` (text), or the keys
/// in `$1` (text[]). One key gets its own statement because its generic plan knows that it reads one
/// row: `= ANY ($1)` is estimated at ten, and for ten rows Postgres hashes whole joined tables (the
/// demo's v_post: all of tb_user) where one row needs an index lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    All,
    One,
    Many,
}

impl Projection {
    /// The condition `column` meets for the keys in `$1`; `None` for all rows.
    fn keys_cond(&self, column: &str, keys: Keys) -> Option<String> {
        let t = &self.key_type;
        match keys {
            Keys::All => None,
            Keys::One => Some(format!("{column} = $1::pg_catalog.text::{t}")),
            Keys::Many => Some(format!("{column} = ANY ($1::pg_catalog.text[]::{t}[])")),
        }
    }

    fn copied(&self, alias: &str) -> String {
        let mut cols: Vec<String> = self.columns.iter().map(|c| format!("{alias}{c}")).collect();
        cols.push(format!("{alias}data"));
        cols.join(", ")
    }

    /// Locks the existing rows of the keys in `$1`, in key order: two transactions that re-project
    /// the same rows wait for each other instead of writing from stale snapshots, and cannot
    /// deadlock on them.
    pub fn lock_sql(&self, keys: Keys) -> String {
        let cond = self
            .keys_cond(&self.key, keys)
            .unwrap_or_else(|| "true".into());
        format!(
            "SELECT 1 FROM {t} WHERE {cond} ORDER BY {k} FOR UPDATE",
            t = self.table,
            k = self.key,
        )
    }

    /// Removes the rows (of `keys`) that the view no longer has.
    fn delete_sql(&self, keys: Keys) -> String {
        let only = self
            .keys_cond(&format!("t.{}", self.key), keys)
            .map(|c| format!("{c} AND "))
            .unwrap_or_default();
        format!(
            "DELETE FROM {t} t WHERE {only}NOT EXISTS (SELECT FROM {v} v WHERE v.{k} = t.{k})",
            t = self.table,
            v = self.view,
            k = self.key
        )
    }

    /// Writes the view's rows (of `keys`) into the table; rows that did not change are not
    /// rewritten.
    fn upsert_sql(&self, keys: Keys) -> String {
        let filter = self
            .keys_cond(&format!("v.{}", self.key), keys)
            .map(|c| format!(" WHERE {c}"))
            .unwrap_or_default();
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

    /// One statement that removes (`delete_sql`) and writes (`upsert_sql`) the rows of `keys`
    /// from one snapshot; it returns how many rows it removed or wrote.
    pub fn reproject_sql(&self, keys: Keys) -> String {
        format!(
            "WITH gone AS ({} RETURNING 1), written AS ({} RETURNING 1) \
             SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM written)",
            self.delete_sql(keys),
            self.upsert_sql(keys)
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

    /// The demo's v_post: its root tb_post p, its author u, comments c and their authors cu, and
    /// v_user's tb_user read for each author (vu1, vu2), joined by id.
    fn blog() -> Graph {
        let link = |from, fc: &str, to, tc: &str| Link {
            from,
            from_cols: vec![fc.into()],
            to,
            to_cols: vec![tc.into()],
        };
        Graph {
            tables: vec![
                "public.tb_post".into(),    // 0 p
                "public.tb_user".into(),    // 1 u
                "public.tb_comment".into(), // 2 c
                "public.tb_user".into(),    // 3 cu
                "public.tb_user".into(),    // 4 vu1
                "public.tb_user".into(),    // 5 vu2
            ],
            keys: vec![
                link(1, "pk_user", 0, "fk_user"),
                link(2, "fk_post", 0, "pk_post"),
                link(3, "pk_user", 2, "fk_user"),
                link(4, "id", 1, "id"),
                link(5, "id", 3, "id"),
            ],
        }
    }

    #[test]
    fn the_root_is_its_own_path() {
        let g = blog();
        assert_eq!(g.paths(0, 0), vec![Vec::<Step>::new()]);
        assert_eq!(
            g.keys_sql(&[(0, vec![])], "id"),
            "SELECT DISTINCT k::text FROM (SELECT t0.\"id\" AS k FROM changed t0) AS keys(k) WHERE k IS NOT NULL"
        );
        assert_eq!(g.describe(0, &[]), "tb_post (the root)");
    }

    #[test]
    fn a_child_reaches_the_root_through_its_join_only() {
        let g = blog();
        let paths = g.paths(2, 0);
        assert_eq!(
            paths.len(),
            1,
            "a comment affects its own post, not the posts of its author"
        );
        assert_eq!(
            g.describe(2, &paths[0]),
            "tb_comment.fk_post = tb_post.pk_post"
        );
        assert_eq!(g.lookups(&paths[0]), vec![(0, vec!["pk_post".to_string()])]);
        let sql = g.keys_sql(&[(2, paths[0].clone())], "id");
        assert!(
            sql.contains(
                "FROM changed t0 JOIN public.tb_post t1 ON t1.\"pk_post\" = t0.\"fk_post\""
            ),
            "{sql}"
        );
    }

    #[test]
    fn every_occurrence_of_an_embedded_parent_reaches_the_root() {
        let g = blog();
        let described: Vec<String> = [1, 3, 4, 5]
            .iter()
            .flat_map(|o| g.paths(*o, 0).into_iter().map(|p| g.describe(*o, &p)))
            .collect();
        assert_eq!(
            described,
            vec![
                "tb_user.pk_user = tb_post.fk_user",
                "tb_user.pk_user = tb_comment.fk_user, tb_comment.fk_post = tb_post.pk_post",
                "tb_user.id = tb_user.id, tb_user.pk_user = tb_post.fk_user",
                "tb_user.id = tb_user.id, tb_user.pk_user = tb_comment.fk_user, tb_comment.fk_post = tb_post.pk_post",
            ]
        );
    }

    #[test]
    fn the_same_join_twice_runs_once() {
        let g = Graph {
            tables: vec!["s.a".into(), "s.b".into(), "s.b".into()],
            keys: vec![
                Link {
                    from: 1,
                    from_cols: vec!["a".into()],
                    to: 0,
                    to_cols: vec!["pk".into()],
                },
                Link {
                    from: 2,
                    from_cols: vec!["a".into()],
                    to: 0,
                    to_cols: vec!["pk".into()],
                },
            ],
        };
        let sql = g.keys_sql(
            &[(1, g.paths(1, 0)[0].clone()), (2, g.paths(2, 0)[0].clone())],
            "id",
        );
        assert!(!sql.contains("UNION ALL"), "{sql}");
    }

    #[test]
    fn unconnected_occurrences_and_long_paths_have_no_path() {
        let mut g = blog();
        g.tables.push("public.tb_tag".into());
        assert!(g.paths(6, 0).is_empty());
        // A chain of MAX_HOPS + 1 joins is too long to infer.
        let mut chain = Graph::default();
        for i in 0..=MAX_HOPS + 1 {
            chain.tables.push(format!("s.t{i}"));
        }
        for i in 0..=MAX_HOPS {
            chain.keys.push(Link {
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
    fn composite_joins_join_on_every_column() {
        let g = Graph {
            tables: vec!["s.a".into(), "s.b".into()],
            keys: vec![Link {
                from: 1,
                from_cols: vec!["x".into(), "y".into()],
                to: 0,
                to_cols: vec!["px".into(), "py".into()],
            }],
        };
        let paths: Vec<(usize, Vec<Step>)> = g.paths(1, 0).into_iter().map(|p| (1, p)).collect();
        let sql = g.keys_sql(&paths, "id");
        assert!(
            sql.contains("ON t1.\"px\" = t0.\"x\" AND t1.\"py\" = t0.\"y\""),
            "{sql}"
        );
        assert_eq!(g.describe(1, &paths[0].1), "b.(x, y) = a.(px, py)");
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
            p.lock_sql(Keys::Many),
            "SELECT 1 FROM public.tv_post WHERE id = ANY ($1::pg_catalog.text[]::uuid[]) ORDER BY id FOR UPDATE"
        );
        assert_eq!(
            p.upsert_sql(Keys::Many),
            "INSERT INTO public.tv_post AS t (id, created_at, data) SELECT v.id, v.created_at, v.data FROM public.v_post v \
             WHERE v.id = ANY ($1::pg_catalog.text[]::uuid[]) ON CONFLICT (id) DO UPDATE SET created_at = EXCLUDED.created_at, \
             data = EXCLUDED.data WHERE (t.created_at, t.data) IS DISTINCT FROM (EXCLUDED.created_at, EXCLUDED.data)"
        );
        assert!(!p.upsert_sql(Keys::All).contains("$1"));
        assert_eq!(
            p.delete_sql(Keys::Many),
            "DELETE FROM public.tv_post t WHERE t.id = ANY ($1::pg_catalog.text[]::uuid[]) AND NOT EXISTS (SELECT FROM public.v_post v WHERE v.id = t.id)"
        );
        assert!(p
            .reproject_sql(Keys::Many)
            .starts_with("WITH gone AS (DELETE FROM public.tv_post t WHERE t.id = ANY"));
        assert!(p
            .verify_sql()
            .contains("(t.created_at, t.data) IS DISTINCT FROM (v.created_at, v.data)"));
    }

    /// One key is compared with `=` everywhere (its generic plan reads one row), never `= ANY`.
    #[test]
    fn one_key_statements_compare_one_value() {
        let p = post();
        assert_eq!(
            p.lock_sql(Keys::One),
            "SELECT 1 FROM public.tv_post WHERE id = $1::pg_catalog.text::uuid ORDER BY id FOR UPDATE"
        );
        let write = p.reproject_sql(Keys::One);
        assert!(write.contains("WHERE t.id = $1::pg_catalog.text::uuid AND NOT EXISTS"));
        assert!(write
            .contains("FROM public.v_post v WHERE v.id = $1::pg_catalog.text::uuid ON CONFLICT"));
        assert!(!write.contains("ANY"));
        assert!(!p.reproject_sql(Keys::All).contains("$1"));
    }
}

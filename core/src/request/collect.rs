//! Field collection (spec §6.3.2): fragments inlined, `@skip`/`@include` applied with the variable
//! values, fields with one response key merged. The result is what the planner compiles.
use graphql_parser::query::{Definition, Selection, TypeCondition};

use crate::request::document::{Directive, Document, SelectionSet, Value};
use crate::request::variables::{literal_to_json, Variables};
use crate::response::Location;
use crate::schema::Schema;

/// One field to resolve, after collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Selected {
    /// The response key: the alias, or the field name.
    pub key: String,
    pub name: String,
    pub arguments: Vec<(String, Value)>,
    pub children: Vec<Selected>,
    /// For a field of union type: the collected fields for each member type.
    pub by_type: Vec<(String, Vec<Selected>)>,
    pub location: Location,
}

fn included(directives: &[Directive], vars: &Variables) -> bool {
    directives.iter().all(|d| {
        let cond = d
            .arguments
            .iter()
            .find(|(n, _)| n == "if")
            .map(|(_, v)| literal_to_json(v, vars));
        let cond = cond.and_then(|c| c.as_bool()).unwrap_or(false);
        match d.name.as_str() {
            "skip" => !cond,
            "include" => cond,
            _ => true,
        }
    })
}

/// Collects the fields of `set` for an object of type `type_name`. Assumes a validated document.
/// The second value is true when an `@skip`/`@include` condition came from a variable (the
/// collected fields then depend on the variable values).
pub fn collect(
    schema: &Schema,
    doc: &Document,
    type_name: &str,
    set: &SelectionSet,
    vars: &Variables,
) -> (Vec<Selected>, bool) {
    let mut out = Vec::new();
    Collector { schema, doc, vars }.collect_into(type_name, set, &mut out);
    (out, uses_variable_directives(doc))
}

fn uses_variable_directives(doc: &Document) -> bool {
    fn in_set(set: &SelectionSet) -> bool {
        set.items.iter().any(|sel| {
            let (dirs, sub) = match sel {
                Selection::Field(f) => (&f.directives, Some(&f.selection_set)),
                Selection::FragmentSpread(s) => (&s.directives, None),
                Selection::InlineFragment(i) => (&i.directives, Some(&i.selection_set)),
            };
            dirs.iter().any(|d| {
                d.arguments
                    .iter()
                    .any(|(_, v)| matches!(v, Value::Variable(_)))
            }) || sub.is_some_and(in_set)
        })
    }
    doc.definitions.iter().any(|d| match d {
        Definition::Fragment(f) => in_set(&f.selection_set),
        Definition::Operation(_) => crate::request::document::operations(doc)
            .iter()
            .any(|o| in_set(o.selection_set)),
    })
}

struct Collector<'a> {
    schema: &'a Schema,
    doc: &'a Document,
    vars: &'a Variables,
}

impl Collector<'_> {
    fn collect_into(&self, type_name: &str, set: &SelectionSet, out: &mut Vec<Selected>) {
        for sel in &set.items {
            match sel {
                Selection::Field(f) => {
                    if !included(&f.directives, self.vars) {
                        continue;
                    }
                    let key = f.alias.clone().unwrap_or_else(|| f.name.clone());
                    let idx = match out.iter().position(|s| s.key == key) {
                        Some(i) => i,
                        None => {
                            out.push(Selected {
                                key,
                                name: f.name.clone(),
                                arguments: f.arguments.clone(),
                                children: vec![],
                                by_type: vec![],
                                location: f.position.into(),
                            });
                            out.len() - 1
                        }
                    };
                    if !f.selection_set.items.is_empty() {
                        // Same response key means same field (validated): sub-selections merge.
                        let child_type = self
                            .schema
                            .types
                            .get(type_name)
                            .and_then(|t| t.field(&f.name))
                            .map(|d| d.ty.named().to_string())
                            .unwrap_or_default();
                        if let Some(u) = self.schema.unions.get(&child_type) {
                            for member in &u.members {
                                let pos =
                                    match out[idx].by_type.iter().position(|(m, _)| m == member) {
                                        Some(p) => p,
                                        None => {
                                            out[idx].by_type.push((member.clone(), vec![]));
                                            out[idx].by_type.len() - 1
                                        }
                                    };
                                let mut children = std::mem::take(&mut out[idx].by_type[pos].1);
                                self.collect_into(member, &f.selection_set, &mut children);
                                out[idx].by_type[pos].1 = children;
                            }
                        } else {
                            let mut children = std::mem::take(&mut out[idx].children);
                            self.collect_into(&child_type, &f.selection_set, &mut children);
                            out[idx].children = children;
                        }
                    }
                }
                Selection::FragmentSpread(s) => {
                    if !included(&s.directives, self.vars) {
                        continue;
                    }
                    let frag = self.doc.definitions.iter().find_map(|d| match d {
                        Definition::Fragment(f) if f.name == s.fragment_name => Some(f),
                        _ => None,
                    });
                    if let Some(frag) = frag {
                        let TypeCondition::On(on) = &frag.type_condition;
                        if self.schema.type_applies(on, type_name) {
                            self.collect_into(type_name, &frag.selection_set, out);
                        }
                    }
                }
                Selection::InlineFragment(i) => {
                    if !included(&i.directives, self.vars) {
                        continue;
                    }
                    let applies = match &i.type_condition {
                        Some(TypeCondition::On(on)) => self.schema.type_applies(on, type_name),
                        None => true,
                    };
                    if applies {
                        self.collect_into(type_name, &i.selection_set, out);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::document::{parse, select_operation};
    use serde_json::json;

    fn schema() -> Schema {
        Schema::parse(
            r#"type Author @view(name: "v_author") { id: ID! name: String! }
               type Book @view(name: "v_book") { id: ID! title: String! author: Author }
               type Query { books: [Book!]! }"#,
        )
        .unwrap()
    }

    /// The collected tree as `key(children…)` text, and whether directives made it dynamic.
    fn collected(query: &str, vars: serde_json::Value) -> (String, bool) {
        let s = schema();
        let doc = parse(query).unwrap();
        let op = select_operation(&doc, None).unwrap();
        let vars: Variables = serde_json::from_value(vars).unwrap();
        let (root, dynamic) = collect(&s, &doc, "Query", op.selection_set, &vars);
        fn show(sel: &[Selected]) -> String {
            sel.iter()
                .map(|s| {
                    let head = if s.key == s.name {
                        s.key.clone()
                    } else {
                        format!("{}:{}", s.key, s.name)
                    };
                    if s.children.is_empty() {
                        head
                    } else {
                        format!("{head}({})", show(&s.children))
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
        (show(&root), dynamic)
    }

    #[test]
    fn fragments_are_inlined_and_keys_merged_in_first_occurrence_order() {
        let (tree, dynamic) = collected(
            "{ books { title ...F ... on Book { id author { id } } } } fragment F on Book { author { name } title }",
            json!({}),
        );
        assert_eq!(tree, "books(title author(name id) id)");
        assert!(!dynamic);
    }

    #[test]
    fn aliases_are_their_own_keys() {
        let (tree, _) = collected("{ a: books { t: title } b: books { title } }", json!({}));
        assert_eq!(tree, "a:books(t:title) b:books(title)");
    }

    #[test]
    fn skip_and_include_apply_literals_and_variables() {
        let q = "query ($on: Boolean!) { books { id title @skip(if: true) author @include(if: $on) { name } } }";
        let (tree, dynamic) = collected(q, json!({"on": false}));
        assert_eq!(tree, "books(id)");
        assert!(
            dynamic,
            "a variable condition makes the collection depend on the variables"
        );
        let (tree, _) = collected(q, json!({"on": true}));
        assert_eq!(tree, "books(id author(name))");
    }

    #[test]
    fn a_skipped_fragment_spread_contributes_nothing() {
        let (tree, _) = collected(
            "{ books { id ...F @skip(if: true) } } fragment F on Book { title }",
            json!({}),
        );
        assert_eq!(tree, "books(id)");
    }
}

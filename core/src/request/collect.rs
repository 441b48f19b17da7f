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

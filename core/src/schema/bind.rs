//! Binding a parsed schema to the database: each `@view` to its relation (which must have `data
//! jsonb`), each `@relation` to its join column, each `@function` to its SQL function — facts the
//! extension reads from the catalog into a [`Catalog`].
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Function, Relation, Schema, SchemaError, Source};
use crate::names::did_you_mean;

/// Database facts `load_schema` gathered: each `@view` name as written → its relation, if found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub relations: BTreeMap<String, Option<Relation>>,
    /// Relations with a `data jsonb` column the user may have meant (for suggestions only).
    #[serde(default)]
    pub candidates: Vec<String>,
    /// Each `@function` name as written → the function taking one jsonb argument, if found.
    #[serde(default)]
    pub functions: BTreeMap<String, Option<Function>>,
}

impl Catalog {
    /// A catalog where each named view has `id uuid` and `data jsonb` (for tests).
    #[cfg(test)]
    pub(crate) fn of_views(views: &[&str]) -> Catalog {
        let mut cat = Catalog::default();
        for v in views {
            let columns = BTreeMap::from([
                ("id".to_string(), "uuid".to_string()),
                ("data".to_string(), "jsonb".to_string()),
            ]);
            cat.relations.insert(
                v.to_string(),
                Some(Relation {
                    schema: "public".into(),
                    name: v.to_string(),
                    columns,
                }),
            );
        }
        cat
    }
}

impl Schema {
    /// Attaches the catalog's relations; a missing view or one without `data jsonb` is an error.
    pub fn bind(&mut self, catalog: &Catalog) -> Result<(), Vec<SchemaError>> {
        let mut errors = Vec::new();
        for t in self.types.values_mut() {
            if let Some(source) = &mut t.source {
                bind_source(
                    source,
                    &format!("Type \"{}\"", t.name),
                    t.line,
                    catalog,
                    &mut errors,
                );
            }
            for f in &mut t.fields {
                let owner = format!("Field \"{}.{}\"", t.name, f.name);
                if let Some(source) = &mut f.source {
                    bind_source(source, &owner, f.line, catalog, &mut errors);
                }
                if let Some(rd) = &mut f.relation {
                    bind_source(&mut rd.source, &owner, f.line, catalog, &mut errors);
                    if let Some(rel) = &rd.source.relation {
                        if rel.column_type(&rd.remote).is_none() {
                            let hint =
                                did_you_mean(&rd.remote, rel.columns.keys().map(String::as_str));
                            errors.push(SchemaError { line: f.line, column: 0, message: format!("{owner}: @relation joins on column \"{}\", which \"{}\" does not have.{hint}", rd.remote, rd.source.view) });
                        }
                    }
                }
            }
        }
        if let Some(m) = self.mutation_type.clone() {
            for f in &self.types[&m].fields {
                let Some(name) = &f.function else { continue };
                match catalog.functions.get(name).cloned().flatten() {
                    None => errors.push(SchemaError { line: f.line, column: 0, message: format!("Mutation field \"{}\": function {name}(jsonb) does not exist, or returns neither fraiseql.mutation_response nor jsonb.", f.name) }),
                    Some(found) => {
                        self.bound_functions.insert(name.clone(), found);
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn bind_source(
    source: &mut Source,
    owner: &str,
    line: usize,
    catalog: &Catalog,
    errors: &mut Vec<SchemaError>,
) {
    let at = |message: String| SchemaError {
        line,
        column: 0,
        message,
    };
    match catalog.relations.get(&source.view).cloned().flatten() {
        None => {
            let hint = did_you_mean(&source.view, catalog.candidates.iter().map(String::as_str));
            errors.push(at(format!("{owner} is bound to \"{}\", which is not a table or view the current role can see.{hint}", source.view)));
        }
        Some(rel) => match rel.column_type("data") {
            Some("jsonb") => source.relation = Some(rel),
            Some(other) => errors.push(at(format!("{owner}: column \"data\" of \"{}\" has type {other}; fraiseql needs data jsonb.", source.view))),
            None => errors.push(at(format!("{owner}: \"{}\" has no \"data\" column; a fraiseql view exposes the object as data jsonb.", source.view))),
        },
    }
}

//! Checks across the types of a parsed schema: interfaces and their implementations, references
//! to unknown or misplaced types, mutation fields and their result types; and which names Postgres
//! can parse.
use super::{Kind, Schema, SchemaError};
use crate::names::did_you_mean;

/// Whether `name` is a relation or function name Postgres can parse: `name` or `schema.name`, each
/// part an unquoted identifier (a letter or `_`, then letters, digits, `_`, `$`) or double-quoted.
pub fn is_sql_name(name: &str) -> bool {
    let mut parts = 0;
    let mut rest = name;
    loop {
        let after = if let Some(quoted) = rest.strip_prefix('"') {
            // A quoted part ends at a quote not followed by another (`""` is an escaped quote).
            let mut end = None;
            let bytes = quoted.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    end = Some(i);
                    break;
                }
                i += 1;
            }
            match end {
                Some(0) | None => return false,
                Some(e) => &quoted[e + 1..],
            }
        } else {
            let len = rest
                .char_indices()
                .find(|&(i, c)| {
                    !(c == '_' || c.is_alphabetic() || (i > 0 && (c.is_ascii_digit() || c == '$')))
                })
                .map_or(rest.len(), |(i, _)| i);
            if len == 0 {
                return false;
            }
            &rest[len..]
        };
        parts += 1;
        match after.strip_prefix('.') {
            Some(next) if parts < 2 => rest = next,
            Some(_) => return false,
            None => return after.is_empty(),
        }
    }
}

impl Schema {
    fn all_type_names(&self) -> impl Iterator<Item = &str> {
        self.types
            .keys()
            .chain(self.enums.keys())
            .chain(self.scalars.iter())
            .chain(self.inputs.keys())
            .chain(self.unions.keys())
            .map(String::as_str)
    }

    /// Fills each interface's members from the types that implement it, and checks that each
    /// implementation declares every interface field with the same type.
    pub(super) fn link_interfaces(&mut self, errors: &mut Vec<SchemaError>) {
        let implementations: Vec<(String, String, usize)> = self
            .types
            .values()
            .flat_map(|t| {
                t.interfaces
                    .iter()
                    .map(move |i| (t.name.clone(), i.clone(), t.line))
            })
            .collect();
        for (object, interface, line) in implementations {
            let Some(u) = self
                .unions
                .get_mut(&interface)
                .filter(|u| u.fields.is_some())
            else {
                errors.push(SchemaError {
                    line,
                    column: 0,
                    message: format!(
                        "Type \"{object}\" implements \"{interface}\", which is not an interface."
                    ),
                });
                continue;
            };
            u.members.push(object.clone());
            for f in u.fields.as_ref().expect("filtered above") {
                match self.types[&object].field(&f.name) {
                    None => errors.push(SchemaError { line, column: 0, message: format!("Type \"{object}\" implements \"{interface}\" but has no field \"{}\".", f.name) }),
                    Some(own) if own.ty != f.ty => errors.push(SchemaError { line: own.line, column: 0, message: format!("Field \"{object}.{}\" has type {} but interface \"{interface}\" declares {}.", f.name, own.ty, f.ty) }),
                    Some(_) => {}
                }
            }
        }
    }

    pub(super) fn check_references(&self, errors: &mut Vec<SchemaError>) {
        if !self.types.contains_key(&self.query_type) {
            errors.push(SchemaError { line: 0, column: 0, message: format!("The schema has no \"{}\" type: declare `type {} {{ … }}` with at least one field.", self.query_type, self.query_type) });
        }
        for t in self.types.values() {
            for f in &t.fields {
                if f.source.is_some() && t.name != self.query_type {
                    errors.push(SchemaError { line: f.line, column: 0, message: format!("Field \"{}.{}\": @view on a field is only allowed on fields of \"{}\".", t.name, f.name, self.query_type) });
                }
                let named = f.ty.named();
                if let Some(Kind::Union(u)) = self.kind(named) {
                    let is_mutation = Some(&t.name) == self.mutation_type.as_ref();
                    if !is_mutation && u.discriminator.is_none() {
                        errors.push(SchemaError { line: f.line, column: 0, message: format!("Field \"{}.{}\" returns the abstract type \"{}\", which needs @discriminator(key: \"…\") to tell its members apart in the documents.", t.name, f.name, u.name) });
                    }
                }
                if self.kind(named).is_none() {
                    let hint = did_you_mean(named, self.all_type_names());
                    errors.push(SchemaError {
                        line: f.line,
                        column: 0,
                        message: format!(
                            "Field \"{}.{}\" has unknown type \"{named}\".{hint}",
                            t.name, f.name
                        ),
                    });
                }
                if f.function.is_some() && Some(&t.name) != self.mutation_type.as_ref() {
                    errors.push(SchemaError { line: f.line, column: 0, message: format!("Field \"{}.{}\": @function is only allowed on fields of the Mutation type.", t.name, f.name) });
                }
                if t.name != self.query_type
                    && Some(&t.name) != self.mutation_type.as_ref()
                    && !f.args.is_empty()
                {
                    errors.push(SchemaError { line: f.line, column: 0, message: format!("Field \"{}.{}\" declares arguments; only Query fields take arguments, and those fraiseql generates (where, orderBy, limit, offset, id).", t.name, f.name) });
                }
                for a in &f.args {
                    match self.kind(a.ty.named()) {
                        Some(Kind::Object(_) | Kind::Union(_)) => errors.push(SchemaError { line: f.line, column: 0, message: format!("Argument \"{}\" of \"{}.{}\" must be an input type, not the output type \"{}\".", a.name, t.name, f.name, a.ty.named()) }),
                        None => errors.push(SchemaError { line: f.line, column: 0, message: format!("Argument \"{}\" of \"{}.{}\" has unknown type \"{}\".{}", a.name, t.name, f.name, a.ty.named(), did_you_mean(a.ty.named(), self.all_type_names())) }),
                        _ => {}
                    }
                }
            }
        }
        for i in self.inputs.values() {
            for f in &i.fields {
                match self.kind(f.ty.named()) {
                    Some(Kind::Scalar(_) | Kind::Enum(_) | Kind::Input(_)) => {}
                    Some(_) => errors.push(SchemaError { line: 0, column: 0, message: format!("Input field \"{}.{}\" must have an input type; \"{}\" is an output type.", i.name, f.name, f.ty.named()) }),
                    None => errors.push(SchemaError { line: 0, column: 0, message: format!("Input field \"{}.{}\" has unknown type \"{}\".{}", i.name, f.name, f.ty.named(), did_you_mean(f.ty.named(), self.all_type_names())) }),
                }
            }
        }
        for u in self.unions.values() {
            for m in &u.members {
                if !self.types.contains_key(m) {
                    errors.push(SchemaError {
                        line: u.line,
                        column: 0,
                        message: format!(
                            "Union \"{}\" member \"{m}\" is not an object type.{}",
                            u.name,
                            did_you_mean(m, self.types.keys().map(String::as_str))
                        ),
                    });
                }
            }
        }
    }

    /// Mutation fields: each calls an `@function`; a union result has a success and an error member;
    /// object fields of result types read the returned `entity` unless `@field(key:)` says otherwise.
    pub(super) fn check_mutations(&mut self, errors: &mut Vec<SchemaError>) {
        let Some(mutation) = self.mutation().cloned() else {
            return;
        };
        let mut result_types = Vec::new();
        for f in &mutation.fields {
            if f.function.is_none() {
                errors.push(SchemaError { line: f.line, column: 0, message: format!("Mutation field \"{}\" needs @function(name: \"fn_…\"): the SQL function it calls with its input as jsonb.", f.name) });
            }
            match self.kind(f.ty.named()) {
                Some(Kind::Union(u)) => match self.result_members(&u.name) {
                    Some((s, e)) => result_types.extend([s.to_string(), e.to_string()]),
                    None => errors.push(SchemaError { line: f.line, column: 0, message: format!("Mutation field \"{}\" returns union \"{}\", which needs exactly two members: a success type and an error type whose name ends in \"Error\".", f.name, u.name) }),
                },
                Some(Kind::Object(o)) => result_types.push(o.name.clone()),
                Some(Kind::Scalar("JSON")) => {}
                _ => errors.push(SchemaError { line: f.line, column: 0, message: format!("Mutation field \"{}\" must return an object type, a Success|Error union or JSON, not \"{}\".", f.name, f.ty) }),
            }
        }
        for name in result_types {
            let kinds: Vec<bool> = self.types[&name]
                .fields
                .iter()
                .map(|f| matches!(self.kind(f.ty.named()), Some(Kind::Object(_))))
                .collect();
            let t = self.types.get_mut(&name).expect("result types exist");
            for (f, is_object) in t.fields.iter_mut().zip(kinds) {
                if is_object && f.key == crate::names::snake_case(&f.name) {
                    f.key = "entity".to_string();
                }
            }
        }
    }
}

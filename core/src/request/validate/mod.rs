//! Static validation of a document against the schema (spec §5): fields, arguments, fragments,
//! directives and variables. Needs no variable values; see `variables` for those. One module per rule
//! family; this one holds the document-level rules (operation and fragment names, unused fragments).
use std::collections::{BTreeMap, BTreeSet, HashMap};

use graphql_parser::query::{Definition, FragmentDefinition, Selection, TypeCondition};

use crate::names::did_you_mean;
use crate::request::document::{
    operations, Directive, Document, OpKind, Operation, SelectionSet, Value, VariableDefinition,
};
use crate::response::{code, GqlError, Location};
use crate::schema::{Kind, ObjectType, Schema, TypeRef, UnionType};

/// The composite type a selection set is validated against.
#[derive(Clone, Copy)]
enum Parent<'a> {
    Object(&'a ObjectType),
    Union(&'a UnionType),
}

impl<'a> Parent<'a> {
    fn name(&self) -> &'a str {
        match self {
            Parent::Object(o) => &o.name,
            Parent::Union(u) => &u.name,
        }
    }

    fn of(schema: &'a Schema, name: &str) -> Option<Parent<'a>> {
        match schema.kind(name) {
            Some(Kind::Object(o)) => Some(Parent::Object(o)),
            Some(Kind::Union(u)) => Some(Parent::Union(u)),
            _ => None,
        }
    }

    /// The object types an object of this type can be.
    fn possible(&self) -> Vec<&'a str> {
        match self {
            Parent::Object(o) => vec![o.name.as_str()],
            Parent::Union(u) => u.members.iter().map(String::as_str).collect(),
        }
    }
}

type Fragment = FragmentDefinition<'static, String>;

struct Ctx<'a> {
    schema: &'a Schema,
    fragments: HashMap<&'a str, &'a Fragment>,
    errors: Vec<GqlError>,
    /// A fragment spreads itself (reported): field merging would follow the cycle forever.
    fragment_cycle: bool,
}

fn verr(message: impl Into<String>, loc: impl Into<Location>) -> GqlError {
    GqlError::new(code::VALIDATION, message).at(loc)
}

/// Validates every operation and fragment of the document; an empty result means valid.
pub fn validate(schema: &Schema, doc: &Document) -> Vec<GqlError> {
    let mut ctx = Ctx {
        schema,
        fragments: HashMap::new(),
        errors: Vec::new(),
        fragment_cycle: false,
    };
    let ops = operations(doc);
    let mut op_names: BTreeMap<&str, Location> = BTreeMap::new();
    for op in &ops {
        if let Some(name) = op.name {
            if op_names.insert(name, op.location).is_some() {
                ctx.errors.push(verr(
                    format!("There can be only one operation named \"{name}\"."),
                    op.location,
                ));
            }
        }
        if op.name.is_none() && ops.len() > 1 {
            ctx.errors.push(verr(
                "This anonymous operation must be the only defined operation.",
                op.location,
            ));
        }
    }
    for def in &doc.definitions {
        if let Definition::Fragment(f) = def {
            if ctx.fragments.insert(f.name.as_str(), f).is_some() {
                ctx.errors.push(verr(
                    format!("There can be only one fragment named \"{}\".", f.name),
                    f.position,
                ));
            }
        }
    }
    let mut used_fragments = BTreeSet::new();
    for op in &ops {
        validate_operation(&mut ctx, op, &mut used_fragments);
    }
    for def in &doc.definitions {
        if let Definition::Fragment(f) = def {
            if !used_fragments.contains(f.name.as_str()) {
                ctx.errors.push(verr(
                    format!("Fragment \"{}\" is never used.", f.name),
                    f.position,
                ));
            }
            let TypeCondition::On(on) = &f.type_condition;
            if ctx.schema.kind(on).is_none() {
                ctx.errors.push(verr(
                    format!(
                        "Unknown type \"{on}\".{}",
                        did_you_mean(on, ctx.schema.types.keys().map(String::as_str))
                    ),
                    f.position,
                ));
            } else if !matches!(ctx.schema.kind(on), Some(Kind::Object(_) | Kind::Union(_))) {
                ctx.errors.push(verr(
                    format!(
                        "Fragment \"{}\" cannot condition on non composite type \"{on}\".",
                        f.name
                    ),
                    f.position,
                ));
            }
        }
    }
    dedup(ctx.errors)
}

/// Most errors one validation reports (as graphql-js's `maxErrors`): a document of thousands of
/// bad fields gets a readable answer, not thousands of errors.
pub const MAX_ERRORS: usize = 100;

/// The errors once each (in a linear pass: a wide bad document repeats one error thousands of times),
/// at most [`MAX_ERRORS`] of them and then one that says the rest were left out.
fn dedup(errors: Vec<GqlError>) -> Vec<GqlError> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<GqlError> = Vec::new();
    for e in errors {
        if !seen.insert(format!(
            "{}\u{0}{:?}\u{0}{:?}\u{0}{}",
            e.message, e.locations, e.path, e.code
        )) {
            continue;
        }
        if out.len() == MAX_ERRORS {
            out.push(GqlError::new(code::VALIDATION, format!(
                "Too many validation errors: the first {MAX_ERRORS} are shown; fix them and send the document again."
            )));
            break;
        }
        out.push(e);
    }
    out
}

mod directives;
mod merging;
mod operations;
mod selections;
mod values;

use directives::check_directives;
use merging::{check_merging, MERGE_BUDGET};
use operations::{validate_operation, OpScope};
use selections::validate_selection_set;
use values::check_value;
pub use values::literal_fits;

#[cfg(test)]
mod tests {
    use crate::schema::Schema;

    fn schema() -> Schema {
        Schema::parse(
            r#"type User @view(name: "v_user") { id: ID! name: String! email: String posts: [Post!]! }
               type Post @view(name: "v_post") { id: ID! title: String! author: User }
               union Item @discriminator(key: "kind") = User | Post
               type Query { users: [User!]! feed: [Item!]! @view(name: "v_feed") }"#,
        )
        .unwrap()
    }

    fn errors(q: &str) -> Vec<String> {
        let doc = crate::request::document::parse(q).unwrap();
        super::validate(&schema(), &doc)
            .into_iter()
            .map(|e| e.message)
            .collect()
    }

    #[test]
    fn every_argument_problem_of_a_field_is_reported() {
        let e = errors(r#"{ user: users(limt: 1, limit: 2, limit: 3, ofset: 0) { id } }"#);
        assert!(
            e.iter()
                .any(|m| m.starts_with(r#"Unknown argument "limt""#)),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|m| m.starts_with(r#"Unknown argument "ofset""#)),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|m| m == r#"There can be only one argument named "limit"."#),
            "{e:?}"
        );
    }

    #[test]
    fn field_merging_through_fragments() {
        assert!(
            errors("{ users { name ... on User { name } ...F } } fragment F on User { name }")
                .is_empty()
        );
        let e = errors("{ users { x: name ...F } } fragment F on User { x: email }");
        assert!(
            e[0].contains("\"name\" and \"email\" are different fields"),
            "{e:?}"
        );
        let e =
            errors("{ users { posts(limit: 1) { id } ... on User { posts(limit: 2) { id } } } }");
        assert!(e[0].contains("differing arguments"), "{e:?}");
        // nested selections merge too
        let e = errors("{ users { posts { t: title } ... on User { posts { t: id } } } }");
        assert!(
            e[0].contains("\"title\" and \"id\" are different fields"),
            "{e:?}"
        );
    }

    #[test]
    fn field_merging_across_union_members() {
        // different object types may reuse a key for different fields of the same shape…
        assert!(errors("{ feed { ... on User { v: name } ... on Post { v: title } } }").is_empty());
        // …but not with conflicting types
        let e = errors("{ feed { ... on User { v: name } ... on Post { v: id } } }");
        assert!(
            e[0].contains("conflicting types \"String!\" and \"ID!\""),
            "{e:?}"
        );
    }

    #[test]
    fn a_fragment_cycle_through_fields_is_an_error_not_a_stack_overflow() {
        // field merging once followed this cycle until the stack overflowed (a backend crash)
        let e = errors("{ users { ...F } } fragment F on User { posts { author { ...F } } }");
        assert_eq!(e, ["Cannot spread fragment \"F\" within itself via \"F\"."]);
        let e = errors("{ users { ...F } } fragment F on Post { title } fragment F on User { posts { author { ...F } } }");
        assert!(e.iter().any(|m| m.contains("within itself")), "{e:?}");
    }

    #[test]
    fn thousands_of_bad_fields_give_one_hundred_errors_and_a_last_word() {
        let fields: String = (0..3000).map(|i| format!(" a{i}: nope")).collect();
        let e = errors(&format!("{{ users {{{fields} }} }}"));
        use super::MAX_ERRORS;
        assert_eq!(e.len(), MAX_ERRORS + 1);
        assert!(
            e[0].starts_with("Cannot query field \"nope\""),
            "{:?}",
            e[0]
        );
        assert!(
            e[MAX_ERRORS].starts_with("Too many validation errors"),
            "{:?}",
            e[MAX_ERRORS]
        );
    }

    #[test]
    fn a_fragment_bomb_is_refused_not_expanded() {
        let mut q = String::from("{ users { ...F0 } }");
        for i in 0..30 {
            q.push_str(&format!(
                " fragment F{i} on User {{ ...F{} ...F{} }}",
                i + 1,
                i + 1
            ));
        }
        q.push_str(" fragment F30 on User { name }");
        let e = errors(&q);
        assert!(e.iter().any(|m| m.contains("too complex")), "{e:?}");
    }
}

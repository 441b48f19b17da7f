//! Static validation of a document against the schema (spec §5): fields, arguments, fragments,
//! directives and variables. Needs no variable values; see `variables` for those.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use graphql_parser::query::{Definition, FragmentDefinition, Selection, TypeCondition};

use crate::document::{
    operations, Directive, Document, OpKind, Operation, SelectionSet, Value, VariableDefinition,
};
use crate::error::{code, GqlError, Location};
use crate::names::did_you_mean;
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
        if !seen.insert(format!("{}\u{0}{:?}\u{0}{:?}\u{0}{}", e.message, e.locations, e.path, e.code)) {
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

/// Per-operation state: the variables declared and those used.
struct OpScope<'a> {
    op_name: Option<&'a str>,
    defs: BTreeMap<&'a str, &'a VariableDefinition>,
    used: BTreeSet<String>,
    fragment_stack: Vec<String>,
    /// Fragments whose selection this operation already validated: each is validated once, however
    /// often it is spread (else nested spreads would be validated exponentially many times).
    validated_fragments: BTreeSet<String>,
}

fn validate_operation<'a>(
    ctx: &mut Ctx<'a>,
    op: &Operation<'a>,
    used_fragments: &mut BTreeSet<&'a str>,
) {
    let root = match op.kind {
        OpKind::Query => ctx.schema.query(),
        OpKind::Mutation => match ctx.schema.mutation() {
            Some(m) => m,
            None => {
                ctx.errors.push(verr(
                    "Schema is not configured to execute mutation operation.",
                    op.location,
                ));
                return;
            }
        },
        OpKind::Subscription => {
            ctx.errors.push(GqlError::new(code::NOT_SUPPORTED, "Subscriptions are not supported by fraiseql; use a query, or LISTEN/NOTIFY beside it.").at(op.location));
            return;
        }
    };
    let mut scope = OpScope {
        op_name: op.name,
        defs: BTreeMap::new(),
        used: BTreeSet::new(),
        fragment_stack: vec![],
        validated_fragments: BTreeSet::new(),
    };
    for v in op.variables {
        if scope.defs.insert(v.name.as_str(), v).is_some() {
            ctx.errors.push(verr(
                format!("There can be only one variable named \"${}\".", v.name),
                v.position,
            ));
        }
        let ty = TypeRef::from_query_ast(&v.var_type);
        match ctx.schema.kind(ty.named()) {
            None => ctx.errors.push(verr(
                format!(
                    "Unknown type \"{}\".{}",
                    ty.named(),
                    did_you_mean(
                        ty.named(),
                        ctx.schema
                            .scalars
                            .iter()
                            .map(String::as_str)
                            .chain(ctx.schema.enums.keys().map(String::as_str))
                    )
                ),
                v.position,
            )),
            Some(Kind::Object(_) | Kind::Union(_)) => ctx.errors.push(verr(
                format!(
                    "Variable \"${}\" cannot be non-input type \"{ty}\".",
                    v.name
                ),
                v.position,
            )),
            Some(_) => {
                if let Some(default) = &v.default_value {
                    if let Err(msg) = literal_fits(ctx.schema, default, &ty) {
                        ctx.errors.push(verr(
                            format!(
                                "Variable \"${}\" has an invalid default value: {msg}",
                                v.name
                            ),
                            v.position,
                        ));
                    }
                }
            }
        }
    }
    check_directives(ctx, op.directives, "QUERY", op.location, &mut scope);
    validate_selection_set(
        ctx,
        Parent::Object(root),
        op.selection_set,
        &mut scope,
        used_fragments,
    );
    if !ctx.fragment_cycle {
        let mut budget = MERGE_BUDGET;
        check_merging(ctx, &root.name, &[op.selection_set], &mut budget, 0);
    }
    for (name, def) in &scope.defs {
        if !scope.used.contains(*name) {
            let msg = match scope.op_name {
                Some(op) => format!("Variable \"${name}\" is never used in operation \"{op}\"."),
                None => format!("Variable \"${name}\" is never used."),
            };
            ctx.errors.push(verr(msg, def.position));
        }
    }
}

fn validate_selection_set<'a>(
    ctx: &mut Ctx<'a>,
    parent: Parent<'a>,
    set: &'a SelectionSet,
    scope: &mut OpScope<'a>,
    used_fragments: &mut BTreeSet<&'a str>,
) {
    for sel in &set.items {
        match sel {
            Selection::Field(f) => {
                let loc: Location = f.position.into();
                check_directives(ctx, &f.directives, "FIELD", loc, scope);
                if f.name == "__typename" {
                    if !f.arguments.is_empty() {
                        ctx.errors
                            .push(verr("Field \"__typename\" takes no arguments.", loc));
                    }
                    if !f.selection_set.items.is_empty() {
                        ctx.errors.push(verr("Field \"__typename\" must not have a selection since type \"String!\" has no subfields.", loc));
                    }
                    continue;
                }
                let (owner, fields): (&str, &[crate::schema::FieldDef]) = match parent {
                    Parent::Object(o) => (o.name.as_str(), o.fields.as_slice()),
                    Parent::Union(u) => match &u.fields {
                        Some(fields) => (u.name.as_str(), fields.as_slice()),
                        None => {
                            let members = u
                                .members
                                .iter()
                                .map(|m| format!("\"{m}\""))
                                .collect::<Vec<_>>()
                                .join(" or ");
                            ctx.errors.push(verr(format!("Cannot query field \"{}\" on type \"{}\". Did you mean to use an inline fragment on {members}?", f.name, u.name), loc));
                            continue;
                        }
                    },
                };
                let Some(def) = fields.iter().find(|d| d.name == f.name) else {
                    let hint = did_you_mean(&f.name, fields.iter().map(|d| d.name.as_str()));
                    ctx.errors.push(verr(
                        format!(
                            "Cannot query field \"{}\" on type \"{owner}\".{hint}",
                            f.name
                        ),
                        loc,
                    ));
                    continue;
                };
                let mut given = BTreeSet::new();
                for (arg_name, value) in &f.arguments {
                    if !given.insert(arg_name.as_str()) {
                        ctx.errors.push(verr(
                            format!("There can be only one argument named \"{arg_name}\"."),
                            loc,
                        ));
                    }
                    let Some(arg) = def.arg(arg_name) else {
                        let hint = did_you_mean(arg_name, def.args.iter().map(|a| a.name.as_str()));
                        ctx.errors.push(verr(
                            format!(
                                "Unknown argument \"{arg_name}\" on field \"{owner}.{}\".{hint}",
                                f.name
                            ),
                            loc,
                        ));
                        continue;
                    };
                    check_value(
                        ctx,
                        value,
                        &arg.ty,
                        false,
                        loc,
                        scope,
                        &format!("Argument \"{arg_name}\""),
                    );
                }
                for arg in &def.args {
                    if arg.ty.is_non_null() && !given.contains(arg.name.as_str()) {
                        ctx.errors.push(verr(format!("Field \"{}\" argument \"{}\" of type \"{}\" is required, but it was not provided.", f.name, arg.name, arg.ty), loc));
                    }
                }
                match Parent::of(ctx.schema, def.ty.named()) {
                    Some(child) => {
                        if f.selection_set.items.is_empty() {
                            ctx.errors.push(verr(format!("Field \"{}\" of type \"{}\" must have a selection of subfields. Did you mean \"{} {{ ... }}\"?", f.name, def.ty, f.name), loc));
                        } else {
                            validate_selection_set(
                                ctx,
                                child,
                                &f.selection_set,
                                scope,
                                used_fragments,
                            );
                        }
                    }
                    _ => {
                        if !f.selection_set.items.is_empty() {
                            ctx.errors.push(verr(format!("Field \"{}\" must not have a selection since type \"{}\" has no subfields.", f.name, def.ty), loc));
                        }
                    }
                }
            }
            Selection::FragmentSpread(s) => {
                let loc: Location = s.position.into();
                check_directives(ctx, &s.directives, "FRAGMENT_SPREAD", loc, scope);
                let Some(frag) = ctx.fragments.get(s.fragment_name.as_str()).copied() else {
                    ctx.errors.push(verr(
                        format!("Unknown fragment \"{}\".", s.fragment_name),
                        loc,
                    ));
                    continue;
                };
                used_fragments.insert(frag.name.as_str());
                if scope.fragment_stack.iter().any(|n| n == &frag.name) {
                    ctx.fragment_cycle = true;
                    let via = scope.fragment_stack.join("\", \"");
                    ctx.errors.push(verr(
                        format!(
                            "Cannot spread fragment \"{}\" within itself via \"{via}\".",
                            frag.name
                        ),
                        loc,
                    ));
                    continue;
                }
                let TypeCondition::On(on) = &frag.type_condition;
                if let Some(target) =
                    spread_target(ctx, parent, on, loc, &format!("Fragment \"{}\"", frag.name))
                {
                    if !scope.validated_fragments.insert(frag.name.clone()) {
                        continue;
                    }
                    scope.fragment_stack.push(frag.name.clone());
                    validate_selection_set(ctx, target, &frag.selection_set, scope, used_fragments);
                    scope.fragment_stack.pop();
                }
            }
            Selection::InlineFragment(i) => {
                let loc: Location = i.position.into();
                check_directives(ctx, &i.directives, "INLINE_FRAGMENT", loc, scope);
                let target = match &i.type_condition {
                    Some(TypeCondition::On(on)) => spread_target(ctx, parent, on, loc, "Fragment"),
                    None => Some(parent),
                };
                if let Some(target) = target {
                    validate_selection_set(ctx, target, &i.selection_set, scope, used_fragments);
                }
            }
        }
    }
}

/// The type a fragment's selection is validated against, when the fragment can apply to `parent`
/// (spec §5.5.2.3: the possible types of both must intersect).
fn spread_target<'a>(
    ctx: &mut Ctx<'a>,
    parent: Parent<'a>,
    on: &str,
    loc: Location,
    what: &str,
) -> Option<Parent<'a>> {
    let Some(target) = Parent::of(ctx.schema, on) else {
        if ctx.schema.kind(on).is_some() {
            ctx.errors.push(verr(
                format!("{what} cannot condition on non composite type \"{on}\"."),
                loc,
            ));
        } else {
            let names = ctx
                .schema
                .types
                .keys()
                .chain(ctx.schema.unions.keys())
                .map(String::as_str);
            ctx.errors.push(verr(
                format!("Unknown type \"{on}\".{}", did_you_mean(on, names)),
                loc,
            ));
        }
        return None;
    };
    let possible = parent.possible();
    if target.possible().iter().any(|t| possible.contains(t)) {
        Some(target)
    } else {
        ctx.errors.push(verr(format!("{what} cannot be spread here as objects of type \"{}\" can never be of type \"{on}\".", parent.name()), loc));
        None
    }
}

/// Only `@skip(if:)` and `@include(if:)` exist in executable documents here.
fn check_directives<'a>(
    ctx: &mut Ctx<'a>,
    directives: &'a [Directive],
    location: &str,
    _at: Location,
    scope: &mut OpScope<'a>,
) {
    let mut seen = BTreeSet::new();
    for d in directives {
        if !seen.insert(d.name.as_str()) {
            ctx.errors.push(verr(
                format!(
                    "The directive \"@{}\" can only be used once at this location.",
                    d.name
                ),
                d.position,
            ));
        }
        match d.name.as_str() {
            "skip" | "include" => {
                if location == "QUERY" {
                    ctx.errors.push(verr(
                        format!("Directive \"@{}\" may not be used on {location}.", d.name),
                        d.position,
                    ));
                }
                let bool_ty = TypeRef::NonNull(Box::new(TypeRef::Named("Boolean".into())));
                let mut has_if = false;
                for (name, value) in &d.arguments {
                    if name == "if" {
                        has_if = true;
                        check_value(
                            ctx,
                            value,
                            &bool_ty,
                            false,
                            d.position.into(),
                            scope,
                            "Argument \"if\"",
                        );
                    } else {
                        ctx.errors.push(verr(
                            format!("Unknown argument \"{name}\" on directive \"@{}\".", d.name),
                            d.position,
                        ));
                    }
                }
                if !has_if {
                    ctx.errors.push(verr(format!("Directive \"@{}\" argument \"if\" of type \"Boolean!\" is required, but it was not provided.", d.name), d.position));
                }
            }
            other => {
                let hint = did_you_mean(other, ["skip", "include"]);
                ctx.errors.push(verr(
                    format!("Unknown directive \"@{other}\".{hint}"),
                    d.position,
                ));
            }
        }
    }
}

/// Checks an argument value: literals must fit the type, variables must be defined with a compatible type.
fn check_value<'a>(
    ctx: &mut Ctx<'a>,
    value: &Value,
    ty: &TypeRef,
    has_default: bool,
    loc: Location,
    scope: &mut OpScope<'a>,
    what: &str,
) {
    match value {
        Value::Variable(name) => {
            scope.used.insert(name.clone());
            let Some(def) = scope.defs.get(name.as_str()) else {
                let msg = match scope.op_name {
                    Some(op) => {
                        format!("Variable \"${name}\" is not defined by operation \"{op}\".")
                    }
                    None => format!("Variable \"${name}\" is not defined."),
                };
                ctx.errors.push(verr(msg, loc));
                return;
            };
            let var_ty = TypeRef::from_query_ast(&def.var_type);
            let var_has_default = def
                .default_value
                .as_ref()
                .is_some_and(|d| !matches!(d, Value::Null));
            if !usage_allowed(&var_ty, ty, var_has_default || has_default) {
                ctx.errors.push(verr(format!("Variable \"${name}\" of type \"{var_ty}\" used in position expecting type \"{ty}\"."), loc));
            }
        }
        Value::List(items) if ty.is_list() => {
            let TypeRef::List(inner) = ty.nullable() else {
                unreachable!("is_list checked")
            };
            for item in items {
                check_value(ctx, item, inner, false, loc, scope, what);
            }
        }
        Value::Object(fields)
            if matches!(ctx.schema.kind(ty.named()), Some(Kind::Input(_))) && !ty.is_list() =>
        {
            let Some(Kind::Input(input)) = ctx.schema.kind(ty.named()) else {
                unreachable!("matched above")
            };
            for (name, v) in fields {
                match input.field(name) {
                    Some(f) => {
                        let inner = if what.contains(" at ") {
                            format!("{what}.{name}")
                        } else {
                            format!("{what} at {name}")
                        };
                        check_value(ctx, v, &f.ty, false, loc, scope, &inner)
                    }
                    None => {
                        let hint = did_you_mean(name, input.fields.iter().map(|f| f.name.as_str()));
                        ctx.errors.push(verr(
                            format!(
                                "Field \"{name}\" is not defined by type \"{}\".{hint}",
                                input.name
                            ),
                            loc,
                        ));
                    }
                }
            }
            for f in &input.fields {
                if f.ty.is_non_null() && !fields.contains_key(&f.name) {
                    ctx.errors.push(verr(
                        format!(
                            "Field \"{}.{}\" of required type \"{}\" was not provided.",
                            input.name, f.name, f.ty
                        ),
                        loc,
                    ));
                }
            }
        }
        single if ty.is_list() && !matches!(single, Value::Null) => {
            // Input coercion: one value where a list is expected is a list of one.
            let TypeRef::List(inner) = ty.nullable() else {
                unreachable!("is_list checked")
            };
            check_value(ctx, single, inner, false, loc, scope, what);
        }
        literal => {
            if let Err(msg) = literal_fits(ctx.schema, literal, ty) {
                ctx.errors
                    .push(verr(format!("{what} has an invalid value: {msg}"), loc));
            }
        }
    }
}

/// Spec §5.8.5 (All Variable Usages Are Allowed), including the default-value allowance.
fn usage_allowed(var: &TypeRef, location: &TypeRef, has_default: bool) -> bool {
    match (location, var) {
        (TypeRef::NonNull(loc_inner), TypeRef::NonNull(var_inner)) => {
            types_compatible(var_inner, loc_inner)
        }
        (TypeRef::NonNull(loc_inner), v) => has_default && types_compatible(v, loc_inner),
        (loc, v) => types_compatible(v, loc),
    }
}

fn types_compatible(var: &TypeRef, location: &TypeRef) -> bool {
    match (location, var) {
        (TypeRef::NonNull(l), TypeRef::NonNull(v)) => types_compatible(v, l),
        (TypeRef::NonNull(_), _) => false,
        (l, TypeRef::NonNull(v)) => types_compatible(v, l),
        (TypeRef::List(l), TypeRef::List(v)) => types_compatible(v, l),
        (TypeRef::List(_), _) | (_, TypeRef::List(_)) => false,
        (TypeRef::Named(l), TypeRef::Named(v)) => l == v,
    }
}

/// Whether a literal (no variables inside) can be coerced to `ty` (spec §3.5 input coercion).
pub fn literal_fits(schema: &Schema, value: &Value, ty: &TypeRef) -> Result<(), String> {
    match (ty, value) {
        (TypeRef::NonNull(_), Value::Null) => {
            Err(format!("Expected value of type \"{ty}\", found null."))
        }
        (TypeRef::NonNull(inner), v) => literal_fits(schema, v, inner),
        (_, Value::Null) => Ok(()),
        (_, Value::Variable(_)) => Ok(()),
        (TypeRef::List(inner), Value::List(items)) => items
            .iter()
            .try_for_each(|i| literal_fits(schema, i, inner)),
        (TypeRef::List(inner), v) => literal_fits(schema, v, inner),
        (TypeRef::Named(name), v) => {
            let ok = match (schema.kind(name), v) {
                (Some(Kind::Scalar("Int")), Value::Int(n)) => {
                    n.as_i64().is_some_and(|n| i32::try_from(n).is_ok())
                }
                (Some(Kind::Scalar("Float")), Value::Int(_) | Value::Float(_)) => true,
                (Some(Kind::Scalar("ID")), Value::Int(_) | Value::String(_)) => true,
                (Some(Kind::Scalar("Boolean")), Value::Boolean(_)) => true,
                (Some(Kind::Scalar("String")), Value::String(_)) => true,
                (
                    Some(Kind::Scalar(custom @ ("UUID" | "DateTime" | "Date"))),
                    Value::String(text),
                ) => {
                    crate::scalars::check(custom, text)?;
                    true
                }
                (Some(Kind::Scalar("JSON")), _) => true,
                (Some(Kind::Scalar(custom)), Value::String(_)) => {
                    !BUILTIN_NON_STRING.contains(&custom)
                }
                (Some(Kind::Enum(e)), Value::Enum(v)) => e.values.iter().any(|x| x == v),
                (Some(Kind::Input(input)), Value::Object(fields)) => {
                    for (k, v) in fields {
                        let Some(f) = input.field(k) else {
                            let hint =
                                did_you_mean(k, input.fields.iter().map(|f| f.name.as_str()));
                            return Err(format!(
                                "Field \"{k}\" is not defined by type \"{}\".{hint}",
                                input.name
                            ));
                        };
                        literal_fits(schema, v, &f.ty)?;
                    }
                    if let Some(f) = input
                        .fields
                        .iter()
                        .find(|f| f.ty.is_non_null() && !fields.contains_key(&f.name))
                    {
                        return Err(format!(
                            "Field \"{}.{}\" of required type \"{}\" was not provided.",
                            input.name, f.name, f.ty
                        ));
                    }
                    true
                }
                _ => false,
            };
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "Expected value of type \"{ty}\", found {}.",
                    display_value(v)
                ))
            }
        }
    }
}

const BUILTIN_NON_STRING: [&str; 4] = ["Int", "Float", "Boolean", "ID"];

fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        other => other.to_string(),
    }
}

impl TypeRef {
    pub fn from_query_ast(t: &graphql_parser::query::Type<'static, String>) -> TypeRef {
        use graphql_parser::query::Type;
        match t {
            Type::NamedType(n) => TypeRef::Named(n.clone()),
            Type::ListType(i) => TypeRef::List(Box::new(TypeRef::from_query_ast(i))),
            Type::NonNullType(i) => TypeRef::NonNull(Box::new(TypeRef::from_query_ast(i))),
        }
    }
}

/// How many field occurrences the merging check may visit (fragments multiply them): beyond it the
/// document is refused rather than checked for minutes.
const MERGE_BUDGET: usize = 20_000;
const MERGE_DEPTH: usize = 256;

/// One occurrence of a response key: the type it is selected on, the field, its arguments.
struct Occurrence<'a> {
    parent: String,
    name: &'a str,
    args: &'a [(String, Value)],
    loc: Location,
    set: &'a SelectionSet,
}

/// The occurrences of every response key in `set`, through inline fragments and fragment spreads.
fn gather<'a>(
    ctx: &Ctx<'a>,
    parent: &str,
    set: &'a SelectionSet,
    out: &mut BTreeMap<String, Vec<Occurrence<'a>>>,
    visiting: &mut Vec<&'a str>,
    budget: &mut usize,
) {
    for item in &set.items {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        match item {
            Selection::Field(f) => {
                let key = f.alias.clone().unwrap_or_else(|| f.name.clone());
                out.entry(key).or_default().push(Occurrence {
                    parent: parent.to_string(),
                    name: &f.name,
                    args: &f.arguments,
                    loc: f.position.into(),
                    set: &f.selection_set,
                });
            }
            Selection::InlineFragment(i) => {
                let on = match &i.type_condition {
                    Some(TypeCondition::On(on)) => on.as_str(),
                    None => parent,
                };
                gather(ctx, on, &i.selection_set, out, visiting, budget);
            }
            Selection::FragmentSpread(sp) => {
                if visiting.contains(&sp.fragment_name.as_str()) {
                    continue;
                }
                if let Some(frag) = ctx.fragments.get(sp.fragment_name.as_str()).copied() {
                    let TypeCondition::On(on) = &frag.type_condition;
                    visiting.push(frag.name.as_str());
                    gather(ctx, on, &frag.selection_set, out, visiting, budget);
                    visiting.pop();
                }
            }
        }
    }
}

/// Spec §5.3.2 (Field Selection Merging): occurrences of one response key must be the same field
/// with the same arguments (unless they sit on different object types), must return types of the
/// same shape, and their sub-selections must merge in turn.
fn check_merging<'a>(
    ctx: &mut Ctx<'a>,
    parent: &str,
    sets: &[&'a SelectionSet],
    budget: &mut usize,
    depth: usize,
) {
    // The parser bounds a document's nesting well below this; deeper means a cycle slipped through.
    if depth > MERGE_DEPTH {
        ctx.errors.push(GqlError::new(code::VALIDATION, "The document is too complex to validate (fields merge deeper than the document nests)."));
        return;
    }
    let mut fields: BTreeMap<String, Vec<Occurrence<'a>>> = BTreeMap::new();
    for set in sets {
        gather(ctx, parent, set, &mut fields, &mut Vec::new(), budget);
    }
    if *budget == 0 {
        ctx.errors.push(GqlError::new(code::VALIDATION, "The document is too complex to validate (too many field occurrences through fragments)."));
        return;
    }
    let schema = ctx.schema;
    let field_type = |o: &Occurrence<'_>| -> Option<TypeRef> {
        if o.name == "__typename" {
            return Some(TypeRef::NonNull(Box::new(TypeRef::Named("String".into()))));
        }
        schema
            .fields_of(&o.parent)?
            .iter()
            .find(|f| f.name == o.name)
            .map(|f| f.ty.clone())
    };
    for (key, occurrences) in &fields {
        let first = &occurrences[0];
        for other in &occurrences[1..] {
            let objects = |n: &str| matches!(schema.kind(n), Some(Kind::Object(_)));
            let exclusive =
                first.parent != other.parent && objects(&first.parent) && objects(&other.parent);
            let message = if !exclusive && first.name != other.name {
                Some(format!("Fields \"{key}\" conflict because \"{}\" and \"{}\" are different fields. Use different aliases on the fields to fetch both if this was intentional.", first.name, other.name))
            } else if !exclusive && first.args != other.args {
                Some(format!("Fields \"{key}\" conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional."))
            } else {
                match (field_type(first), field_type(other)) {
                    (Some(a), Some(b)) if a != b => Some(format!("Fields \"{key}\" conflict because they return conflicting types \"{a}\" and \"{b}\". Use different aliases on the fields to fetch both if this was intentional.")),
                    _ => None,
                }
            };
            if let Some(m) = message {
                ctx.errors.push(verr(m, other.loc));
                break;
            }
        }
        if let Some(child) = field_type(first) {
            let subs: Vec<&'a SelectionSet> = occurrences
                .iter()
                .map(|o| o.set)
                .filter(|s| !s.items.is_empty())
                .collect();
            if !subs.is_empty()
                && matches!(
                    schema.kind(child.named()),
                    Some(Kind::Object(_) | Kind::Union(_))
                )
            {
                check_merging(ctx, child.named(), &subs, budget, depth + 1);
            }
        }
    }
}

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
        let doc = crate::document::parse(q).unwrap();
        super::validate(&schema(), &doc)
            .into_iter()
            .map(|e| e.message)
            .collect()
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
        assert!(e[0].starts_with("Cannot query field \"nope\""), "{:?}", e[0]);
        assert!(e[MAX_ERRORS].starts_with("Too many validation errors"), "{:?}", e[MAX_ERRORS]);
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

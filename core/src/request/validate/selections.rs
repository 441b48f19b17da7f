//! Selection sets (spec §5.3, §5.5): fields that exist on their parent, leaf and composite
//! selections, arguments, inline fragments and spreads that can apply where they are used.
#[allow(unused_imports)]
use super::*;

pub(super) fn validate_selection_set<'a>(
    ctx: &mut Ctx<'a>,
    parent: Parent<'a>,
    set: &'a SelectionSet,
    scope: &mut OpScope<'a>,
    used_fragments: &mut BTreeSet<&'a str>,
) {
    for sel in &set.items {
        match sel {
            Selection::Field(f) => validate_field(ctx, parent, f, scope, used_fragments),
            Selection::FragmentSpread(s) => validate_spread(ctx, parent, s, scope, used_fragments),
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

/// A field: defined on its parent (or `__typename`), its arguments, and a selection exactly when
/// its type is composite.
fn validate_field<'a>(
    ctx: &mut Ctx<'a>,
    parent: Parent<'a>,
    f: &'a graphql_parser::query::Field<'static, String>,
    scope: &mut OpScope<'a>,
    used_fragments: &mut BTreeSet<&'a str>,
) {
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
        return;
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
                return;
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
        return;
    };
    validate_arguments(ctx, f, owner, def, scope);
    match Parent::of(ctx.schema, def.ty.named()) {
        Some(child) => {
            if f.selection_set.items.is_empty() {
                ctx.errors.push(verr(format!("Field \"{}\" of type \"{}\" must have a selection of subfields. Did you mean \"{} {{ ... }}\"?", f.name, def.ty, f.name), loc));
            } else {
                validate_selection_set(ctx, child, &f.selection_set, scope, used_fragments);
            }
        }
        _ => {
            if !f.selection_set.items.is_empty() {
                ctx.errors.push(verr(format!("Field \"{}\" must not have a selection since type \"{}\" has no subfields.", f.name, def.ty), loc));
            }
        }
    }
}

/// A field's arguments: each defined on the field, given once, of a fitting value; every required one given.
fn validate_arguments<'a>(
    ctx: &mut Ctx<'a>,
    f: &'a graphql_parser::query::Field<'static, String>,
    owner: &str,
    def: &crate::schema::FieldDef,
    scope: &mut OpScope<'a>,
) {
    let loc: Location = f.position.into();
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
}

/// A fragment spread: the fragment exists, is not spread within itself, and can apply here; its
/// selection is validated once per operation.
fn validate_spread<'a>(
    ctx: &mut Ctx<'a>,
    parent: Parent<'a>,
    s: &'a graphql_parser::query::FragmentSpread<'static, String>,
    scope: &mut OpScope<'a>,
    used_fragments: &mut BTreeSet<&'a str>,
) {
    let loc: Location = s.position.into();
    check_directives(ctx, &s.directives, "FRAGMENT_SPREAD", loc, scope);
    let Some(frag) = ctx.fragments.get(s.fragment_name.as_str()).copied() else {
        ctx.errors.push(verr(
            format!("Unknown fragment \"{}\".", s.fragment_name),
            loc,
        ));
        return;
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
        return;
    }
    let TypeCondition::On(on) = &frag.type_condition;
    if let Some(target) =
        spread_target(ctx, parent, on, loc, &format!("Fragment \"{}\"", frag.name))
    {
        if !scope.validated_fragments.insert(frag.name.clone()) {
            return;
        }
        scope.fragment_stack.push(frag.name.clone());
        validate_selection_set(ctx, target, &frag.selection_set, scope, used_fragments);
        scope.fragment_stack.pop();
    }
}

/// The type a fragment's selection is validated against, when the fragment can apply to `parent`
/// (spec §5.5.2.3: the possible types of both must intersect).
pub(super) fn spread_target<'a>(
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

//! Values (spec §5.6, §5.8.5): literals that fit their input type, variables used where their
//! declared type is allowed.
#[allow(unused_imports)]
use super::*;

/// Checks an argument value: literals must fit the type, variables must be defined with a compatible type.
/// Long by design: one arm per kind of value (variable, null, list, input object, enum, scalar).
pub(super) fn check_value<'a>(
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

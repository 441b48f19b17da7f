//! Generated schema parts: the arguments of root and list fields (`where`, `orderBy`, `limit`,
//! `offset`, `id`), the filter and ordering input types behind them, and Relay connection types.
use super::operator::{Operand, Operator};
use crate::schema::{
    ArgDef, EnumType, FieldDef, InputField, InputRole, InputType, Kind, ObjectRole, ObjectType,
    RootKind, Schema, SchemaError, TypeRef,
};

pub const ORDER_DIRECTION: &str = "OrderDirection";
pub const PAGE_INFO: &str = "PageInfo";
/// `OrderDirection` values, as (GraphQL name, SQL).
pub const DIRECTIONS: [(&str, &str); 6] = [
    ("ASC", "ASC NULLS LAST"),
    ("DESC", "DESC NULLS FIRST"),
    ("ASC_NULLS_FIRST", "ASC NULLS FIRST"),
    ("ASC_NULLS_LAST", "ASC NULLS LAST"),
    ("DESC_NULLS_FIRST", "DESC NULLS FIRST"),
    ("DESC_NULLS_LAST", "DESC NULLS LAST"),
];

pub(super) fn named(n: &str) -> TypeRef {
    TypeRef::Named(n.to_string())
}
pub(super) fn non_null(t: TypeRef) -> TypeRef {
    TypeRef::NonNull(Box::new(t))
}
pub(super) fn list_of(t: TypeRef) -> TypeRef {
    TypeRef::List(Box::new(t))
}
pub(super) fn arg(name: &str, ty: TypeRef, description: &str) -> ArgDef {
    ArgDef {
        name: name.into(),
        ty,
        description: Some(description.into()),
        default: None,
    }
}

pub fn where_name(object: &str) -> String {
    format!("{object}Where")
}
pub fn order_name(object: &str) -> String {
    format!("{object}OrderBy")
}

pub(super) fn scalar_filter(schema: &Schema, scalar: &str, list: bool) -> InputType {
    let name = if list {
        format!("{scalar}ListFilter")
    } else {
        format!("{scalar}Filter")
    };
    let fields = Operator::of(Operand::of(schema, scalar, list))
        .iter()
        .map(|op| InputField {
            name: op.name().to_string(),
            ty: op.operand_type(scalar, list),
            description: None,
        })
        .collect();
    let what = if list {
        format!("lists of {scalar}")
    } else {
        scalar.to_string()
    };
    InputType {
        name,
        description: Some(format!(
            "Operators on {what}; several operators combine with AND."
        )),
        fields,
        role: InputRole::ScalarFilter {
            scalar: scalar.to_string(),
            list,
        },
    }
}

fn is_leaf(schema: &Schema, name: &str) -> bool {
    matches!(schema.kind(name), Some(Kind::Scalar(_) | Kind::Enum(_)))
}

/// Adds the generated input types, enums and connection types, and gives fields their arguments.
pub fn generate(schema: &mut Schema, errors: &mut Vec<SchemaError>) {
    let objects: Vec<ObjectType> = schema
        .types
        .values()
        .filter(|t| t.name != schema.query_type && Some(&t.name) != schema.mutation_type.as_ref())
        .cloned()
        .collect();
    let mut inputs: Vec<InputType> = Vec::new();
    let mut scalar_filters: Vec<(String, bool)> = Vec::new();
    for t in &objects {
        inputs.extend(object_inputs(schema, t, &mut scalar_filters));
    }
    for (scalar, list) in &scalar_filters {
        inputs.push(scalar_filter(schema, scalar, *list));
    }
    schema.enums.insert(
        ORDER_DIRECTION.into(),
        EnumType {
            name: ORDER_DIRECTION.into(),
            description: Some("Sort direction; ASC puts nulls last, DESC puts them first.".into()),
            values: DIRECTIONS.iter().map(|(n, _)| n.to_string()).collect(),
            value_meta: Default::default(),
            stored: Default::default(),
        },
    );
    for i in inputs {
        if schema.types.contains_key(&i.name)
            || schema.enums.contains_key(&i.name)
            || schema.scalars.contains(&i.name)
        {
            errors.push(SchemaError {
                line: 0,
                column: 0,
                message: format!(
                    "Type \"{}\" clashes with a type fraiseql generates; rename it.",
                    i.name
                ),
            });
        }
        schema.inputs.insert(i.name.clone(), i);
    }
    // Orderings with nothing to order by would be empty input types, which GraphQL forbids.
    let empty: Vec<String> = schema
        .inputs
        .values()
        .filter(|i| i.fields.is_empty())
        .map(|i| i.name.clone())
        .collect();
    for name in &empty {
        schema.inputs.remove(name);
    }
    for i in schema.inputs.values_mut() {
        i.fields
            .retain(|f| !empty.contains(&f.ty.named().to_string()));
    }
    nested_list_args(schema);
    root_fields(schema, errors);
    if errors.is_empty() {
        super::aggregate::generate(schema, errors);
    }
}

/// `where`, `orderBy`, `limit`, `offset` for a list of `object`.
fn list_args(schema: &Schema, object: &str) -> Vec<ArgDef> {
    let mut args = vec![arg(
        "where",
        named(&where_name(object)),
        "Only the objects matching this filter.",
    )];
    if schema.inputs.contains_key(&order_name(object)) {
        args.push(arg(
            "orderBy",
            list_of(non_null(named(&order_name(object)))),
            "Sort keys, most significant first; the id breaks ties.",
        ));
    }
    args.push(arg("limit", named("Int"), "Maximum number of objects (default and maximum: settings fraiseql.default_limit, fraiseql.max_limit)."));
    args.push(arg("offset", named("Int"), "Number of objects to skip."));
    args
}

fn connection_args(schema: &Schema, object: &str) -> Vec<ArgDef> {
    let mut args = vec![
        arg(
            "first",
            named("Int"),
            "Return the first n objects after `after`.",
        ),
        arg(
            "after",
            named("String"),
            "A cursor: start after this object.",
        ),
        arg(
            "last",
            named("Int"),
            "Return the last n objects before `before`.",
        ),
        arg(
            "before",
            named("String"),
            "A cursor: end before this object.",
        ),
    ];
    args.extend(
        list_args(schema, object)
            .into_iter()
            .filter(|a| a.name == "where" || a.name == "orderBy"),
    );
    args
}

fn nested_list_args(schema: &mut Schema) {
    let names: Vec<String> = schema
        .types
        .keys()
        .filter(|n| **n != schema.query_type && Some(*n) != schema.mutation_type.as_ref())
        .cloned()
        .collect();
    for name in names {
        let fields = schema.types[&name].fields.clone();
        let fields = fields
            .into_iter()
            .map(|mut f| {
                if f.ty.is_list() && matches!(schema.kind(f.ty.named()), Some(Kind::Object(_))) {
                    f.args = list_args(schema, f.ty.named());
                }
                f
            })
            .collect();
        schema.types.get_mut(&name).expect("listed above").fields = fields;
    }
}

pub(super) fn object(
    name: String,
    description: &str,
    fields: Vec<FieldDef>,
    role: ObjectRole,
) -> ObjectType {
    ObjectType {
        name,
        description: Some(description.into()),
        source: None,
        fields,
        line: 0,
        role,
        interfaces: vec![],
    }
}

pub(super) fn field(name: &str, ty: TypeRef, description: &str) -> FieldDef {
    FieldDef::synthetic(name, ty, Some(description), vec![])
}

/// The `<Type>Where` and `<Type>OrderBy` inputs of one object type; the scalar filters they use are
/// added to `scalar_filters` (each generated once).
/// Long by design: the two inputs are written out field by field, as introspection shows them.
fn object_inputs(
    schema: &Schema,
    t: &ObjectType,
    scalar_filters: &mut Vec<(String, bool)>,
) -> [InputType; 2] {
    let mut wfields = Vec::new();
    let mut ofields = Vec::new();
    for f in &t.fields {
        let inner = f.ty.named();
        if matches!(schema.kind(inner), Some(Kind::Union(_))) {
            continue;
        }
        if is_leaf(schema, inner) {
            let list = f.ty.is_list();
            if !scalar_filters.contains(&(inner.to_string(), list)) {
                scalar_filters.push((inner.to_string(), list));
            }
            let filter = if list {
                format!("{inner}ListFilter")
            } else {
                format!("{inner}Filter")
            };
            wfields.push(InputField {
                name: f.name.clone(),
                ty: named(&filter),
                description: None,
            });
            if !list {
                ofields.push(InputField {
                    name: f.name.clone(),
                    ty: named(ORDER_DIRECTION),
                    description: None,
                });
            }
        } else {
            wfields.push(InputField {
                name: f.name.clone(),
                ty: named(&where_name(inner)),
                description: Some(
                    "Matches when the related object (any element, for a list) matches.".into(),
                ),
            });
            if !f.ty.is_list() && f.relation.is_none() {
                ofields.push(InputField {
                    name: f.name.clone(),
                    ty: named(&order_name(inner)),
                    description: None,
                });
            }
        }
    }
    let w = where_name(&t.name);
    wfields.push(InputField {
        name: "AND".into(),
        ty: list_of(non_null(named(&w))),
        description: Some("All of these match.".into()),
    });
    wfields.push(InputField {
        name: "OR".into(),
        ty: list_of(non_null(named(&w))),
        description: Some("At least one of these matches.".into()),
    });
    wfields.push(InputField {
        name: "NOT".into(),
        ty: named(&w),
        description: Some("This does not match.".into()),
    });
    let filter = InputType {
        name: w,
        description: Some(format!(
            "A filter on {}: unknown fields and operators are errors.",
            t.name
        )),
        fields: wfields,
        role: InputRole::Where {
            object: t.name.clone(),
        },
    };
    let order = InputType {
        name: order_name(&t.name),
        description: Some(format!(
            "One ordering key of {}: set exactly one field per list entry.",
            t.name
        )),
        fields: ofields,
        role: InputRole::OrderBy {
            object: t.name.clone(),
        },
    };
    [filter, order]
}

/// Gives each root field its kind and the generated arguments, and adds `<field>Connection` fields.
/// The generated arguments of a root field, described as the SDL declared them; a declared argument
/// fraiseql does not generate, or of another type, is an error.
fn declared_args(
    f: &FieldDef,
    generated: Vec<ArgDef>,
    errors: &mut Vec<SchemaError>,
) -> Vec<ArgDef> {
    for declared in &f.args {
        match generated.iter().find(|g| g.name == declared.name) {
            None => errors.push(SchemaError { line: f.line, column: 0, message: format!("Query field \"{}\" declares argument \"{}\", which fraiseql does not generate; its arguments are: {}.", f.name, declared.name, generated.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ")) }),
            Some(g) if g.ty.named() != declared.ty.named() => errors.push(SchemaError { line: f.line, column: 0, message: format!("Argument \"{}\" of query field \"{}\" must have type {}.", declared.name, f.name, g.ty) }),
            Some(_) => {}
        }
    }
    let mut args = generated;
    for a in &mut args {
        if let Some(d) = f.args.iter().find(|d| d.name == a.name) {
            a.description = d.description.clone();
        }
    }
    args
}

/// `<field>Connection`: the Relay connection generated beside a list root field.
fn connection_field(schema: &Schema, f: &FieldDef, node: &str) -> FieldDef {
    let mut c = field(
        &format!("{}Connection", f.name),
        non_null(named(&format!("{node}Connection"))),
        "A Relay connection over the same objects, with keyset cursors.",
    );
    c.args = connection_args(schema, node);
    c.root = Some(RootKind::Connection);
    c.source = f.source.clone();
    c.line = f.line;
    c
}

fn root_fields(schema: &mut Schema, errors: &mut Vec<SchemaError>) {
    let Some(query) = schema.types.get(&schema.query_type) else {
        return;
    };
    if query.source.is_some() {
        errors.push(SchemaError {
            line: query.line,
            column: 0,
            message: format!(
                "The root type \"{}\" cannot be bound to a view.",
                query.name
            ),
        });
    }
    let mut fields = query.fields.clone();
    let mut connections = Vec::new();
    for f in &mut fields {
        let target = schema.types.get(f.ty.named());
        if let Some(u) = schema.unions.get(f.ty.named()) {
            // A union read from a view of mixed documents: a list, told apart by its discriminator.
            if f.source.is_none() || !f.ty.is_list() {
                errors.push(SchemaError { line: f.line, column: 0, message: format!("Query field \"{}\" returns union \"{}\": give it a list type and its own @view(name: …) holding the members' documents.", f.name, u.name) });
                continue;
            }
            f.args = list_args(schema, "")
                .into_iter()
                .filter(|a| a.name == "limit" || a.name == "offset")
                .collect();
            f.root = Some(RootKind::List);
            continue;
        }
        if f.source.is_some() && target.is_none_or(|t| t.source.is_none()) {
            errors.push(SchemaError { line: f.line, column: 0, message: format!("Query field \"{}\" has its own @view, but its type \"{}\" has none; bind the type with @view too (the field's view must expose the same document).", f.name, f.ty.named()) });
            continue;
        }
        if target.is_none_or(|t| t.source.is_none()) {
            errors.push(SchemaError { line: f.line, column: 0, message: format!("Query field \"{}\" must return a type bound to a view with @view(name: …); \"{}\" is not.", f.name, f.ty.named()) });
            continue;
        }
        let node = f.ty.named().to_string();
        let (kind, generated) = match f.ty.nullable() {
            TypeRef::List(inner) if !inner.is_list() => (RootKind::List, list_args(schema, &node)),
            TypeRef::Named(_) => (
                RootKind::ById,
                vec![arg("id", non_null(named("ID")), "The id of the object.")],
            ),
            _ => {
                errors.push(SchemaError {
                    line: f.line,
                    column: 0,
                    message: format!(
                        "Query field \"{}\" has type {}; use a view type or a list of it.",
                        f.name, f.ty
                    ),
                });
                continue;
            }
        };
        f.args = declared_args(f, generated, errors);
        f.root = Some(kind);
        if kind == RootKind::List {
            let c = connection_field(schema, f, &node);
            connections.push((c, node));
        }
    }
    for (c, node) in connections {
        if fields.iter().any(|f| f.name == c.name) {
            continue; // the user's own field wins; no connection is generated for it
        }
        add_connection_types(schema, &node);
        fields.push(c);
    }
    schema
        .types
        .get_mut(&schema.query_type)
        .expect("checked above")
        .fields = fields;
}

fn add_connection_types(schema: &mut Schema, node: &str) {
    let conn = format!("{node}Connection");
    let edge = format!("{node}Edge");
    if schema.types.contains_key(&conn) {
        return;
    }
    schema.types.insert(
        conn.clone(),
        object(
            conn,
            "A page of objects with cursors.",
            vec![
                field(
                    "edges",
                    non_null(list_of(non_null(named(&edge)))),
                    "The objects of this page, each with its cursor.",
                ),
                field(
                    "pageInfo",
                    non_null(named(PAGE_INFO)),
                    "Where this page stands.",
                ),
                field(
                    "totalCount",
                    non_null(named("Int")),
                    "The number of objects matching the filter (counted only when selected).",
                ),
            ],
            ObjectRole::Connection {
                node: node.to_string(),
            },
        ),
    );
    schema.types.insert(
        edge.clone(),
        object(
            edge,
            "An object and its cursor.",
            vec![
                field(
                    "cursor",
                    non_null(named("String")),
                    "Opaque; pass to after/before.",
                ),
                field("node", non_null(named(node)), "The object."),
            ],
            ObjectRole::Edge {
                node: node.to_string(),
            },
        ),
    );
    schema
        .types
        .entry(PAGE_INFO.to_string())
        .or_insert_with(|| {
            object(
                PAGE_INFO.to_string(),
                "Relay page information.",
                vec![
                    field(
                        "hasNextPage",
                        non_null(named("Boolean")),
                        "More objects follow this page.",
                    ),
                    field(
                        "hasPreviousPage",
                        non_null(named("Boolean")),
                        "Objects precede this page.",
                    ),
                    field(
                        "startCursor",
                        named("String"),
                        "The cursor of the first edge.",
                    ),
                    field("endCursor", named("String"), "The cursor of the last edge."),
                ],
                ObjectRole::PageInfo,
            )
        });
}

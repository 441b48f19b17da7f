//! The introspection meta types (spec §4.2: `__Schema`, `__Type`, …), added to every schema so that
//! documents selecting them validate like any other field; the hidden `__schema`/`__type` entry points.
//! Answering them at request time is the planner's job (`plan/introspection.rs`).
use super::{ArgDef, EnumType, FieldDef, ObjectRole, ObjectType, Schema, TypeRef};

const META_SDL: &str = r#"
type __Schema { description: String types: [__Type!]! queryType: __Type! mutationType: __Type subscriptionType: __Type directives: [__Directive!]! }
type __Type { kind: __TypeKind! name: String description: String specifiedByURL: String
  fields(includeDeprecated: Boolean = false): [__Field!] interfaces: [__Type!] possibleTypes: [__Type!]
  enumValues(includeDeprecated: Boolean = false): [__EnumValue!] inputFields(includeDeprecated: Boolean = false): [__InputValue!]
  ofType: __Type isOneOf: Boolean }
type __Field { name: String! description: String args(includeDeprecated: Boolean = false): [__InputValue!]! type: __Type! isDeprecated: Boolean! deprecationReason: String }
type __InputValue { name: String! description: String type: __Type! defaultValue: String isDeprecated: Boolean! deprecationReason: String }
type __EnumValue { name: String! description: String isDeprecated: Boolean! deprecationReason: String }
type __Directive { name: String! description: String locations: [__DirectiveLocation!]! args(includeDeprecated: Boolean = false): [__InputValue!]! isRepeatable: Boolean! }
"#;

const TYPE_KINDS: [&str; 8] = [
    "SCALAR",
    "OBJECT",
    "INTERFACE",
    "UNION",
    "ENUM",
    "INPUT_OBJECT",
    "LIST",
    "NON_NULL",
];
const LOCATIONS: [&str; 19] = [
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
    "SCHEMA",
    "SCALAR",
    "OBJECT",
    "FIELD_DEFINITION",
    "ARGUMENT_DEFINITION",
    "INTERFACE",
    "UNION",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
];

fn named(n: &str) -> TypeRef {
    TypeRef::Named(n.to_string())
}

/// Adds the meta types and the hidden `__schema`/`__type` fields of the query type.
pub fn add_meta_types(schema: &mut Schema) {
    let doc = graphql_parser::schema::parse_schema::<String>(META_SDL)
        .expect("the meta-type SDL is valid");
    for def in &doc.definitions {
        if let graphql_parser::schema::Definition::TypeDefinition(
            graphql_parser::schema::TypeDefinition::Object(o),
        ) = def
        {
            let fields = o
                .fields
                .iter()
                .map(|f| {
                    let args = f.arguments.iter().map(ArgDef::from_ast).collect();
                    FieldDef::synthetic(&f.name, TypeRef::from_ast(&f.field_type), None, args)
                })
                .collect();
            schema.types.insert(
                o.name.clone(),
                ObjectType {
                    name: o.name.clone(),
                    description: None,
                    source: None,
                    fields,
                    line: 0,
                    role: ObjectRole::Meta,
                    interfaces: vec![],
                },
            );
        }
    }
    for (name, values) in [
        ("__TypeKind", &TYPE_KINDS[..]),
        ("__DirectiveLocation", &LOCATIONS[..]),
    ] {
        schema.enums.insert(
            name.into(),
            EnumType {
                name: name.into(),
                description: None,
                values: values.iter().map(|v| v.to_string()).collect(),
                value_meta: Default::default(),
                stored: Default::default(),
            },
        );
    }
    let query = schema
        .types
        .get_mut(&schema.query_type)
        .expect("a parsed schema has its query type");
    let meta_field =
        |name: &str, ty: TypeRef, args: Vec<ArgDef>| FieldDef::synthetic(name, ty, None, args);
    query.fields.push(meta_field(
        "__schema",
        TypeRef::NonNull(Box::new(named("__Schema"))),
        vec![],
    ));
    query.fields.push(meta_field(
        "__type",
        named("__Type"),
        vec![ArgDef {
            name: "name".into(),
            ty: TypeRef::NonNull(Box::new(named("String"))),
            description: None,
            default: None,
        }],
    ));
}

/// Whether a field of the query type is one of the hidden introspection entry points.
pub fn is_entry_point(name: &str) -> bool {
    name == "__schema" || name == "__type"
}

/// Custom scalars' specifications (`specifiedByURL`).
pub fn specified_by(scalar: &str) -> Option<&'static str> {
    match scalar {
        "UUID" => Some("https://www.rfc-editor.org/rfc/rfc4122"),
        "DateTime" => Some("https://www.rfc-editor.org/rfc/rfc3339"),
        "Date" => Some("https://www.rfc-editor.org/rfc/rfc3339#section-5.6"),
        "JSON" => Some("https://www.rfc-editor.org/rfc/rfc8259"),
        _ => None,
    }
}

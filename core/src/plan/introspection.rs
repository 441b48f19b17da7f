//! Introspection at request time (spec §4): `__schema` and `__type(name:)` answered from the schema
//! model. The result is computed in Rust and handed to the one SQL statement as a parameter.
use serde_json::{json, Map, Value as Json};

use crate::request::collect::Selected;
use crate::request::variables::{literal_to_json, Variables};
use crate::schema::meta::specified_by;
use crate::schema::{EnumType, FieldDef, InputField, Kind, Schema, TypeRef};

fn named(n: &str) -> TypeRef {
    TypeRef::Named(n.to_string())
}

struct Resolver<'s> {
    schema: &'s Schema,
    vars: &'s Variables,
}

/// Answers a root `__schema` or `__type(name:)` selection.
pub fn resolve_root(schema: &Schema, sel: &Selected, vars: &Variables) -> Json {
    let r = Resolver { schema, vars };
    if sel.name == "__schema" {
        r.schema_object(&sel.children)
    } else {
        let name = sel
            .arguments
            .iter()
            .find(|(n, _)| n == "name")
            .map(|(_, v)| literal_to_json(v, vars));
        match name.as_ref().and_then(Json::as_str) {
            Some(n) if r.exists(n) => r.type_object(&named(n), &sel.children),
            _ => Json::Null,
        }
    }
}

fn obj(sel: &[Selected], typename: &str, mut value: impl FnMut(&Selected) -> Json) -> Json {
    let mut m = Map::new();
    for s in sel {
        let v = if s.name == "__typename" {
            json!(typename)
        } else {
            value(s)
        };
        m.insert(s.key.clone(), v);
    }
    Json::Object(m)
}

impl Resolver<'_> {
    fn exists(&self, name: &str) -> bool {
        self.schema.kind(name).is_some()
    }

    fn include_deprecated(&self, sel: &Selected) -> bool {
        sel.arguments
            .iter()
            .find(|(n, _)| n == "includeDeprecated")
            .map(|(_, v)| literal_to_json(v, self.vars))
            .and_then(|j| j.as_bool())
            .unwrap_or(false)
    }

    /// Every named type, user and generated and meta, sorted by name (as graphql-js lists them).
    fn type_names(&self) -> Vec<&str> {
        let s = self.schema;
        let mut names: Vec<&str> = s
            .types
            .keys()
            .chain(s.enums.keys())
            .chain(s.inputs.keys())
            .chain(s.unions.keys())
            .chain(s.scalars.iter())
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    fn schema_object(&self, sel: &[Selected]) -> Json {
        obj(sel, "__Schema", |s| match s.name.as_str() {
            "types" => Json::Array(
                self.type_names()
                    .into_iter()
                    .map(|n| self.type_object(&named(n), &s.children))
                    .collect(),
            ),
            "queryType" => self.type_object(&named(&self.schema.query_type), &s.children),
            "mutationType" => self
                .schema
                .mutation_type
                .as_ref()
                .map_or(Json::Null, |m| self.type_object(&named(m), &s.children)),
            "directives" => Json::Array(self.directives(&s.children)),
            _ => Json::Null,
        })
    }

    /// `enumValues(includeDeprecated:)` of an enum type.
    fn enum_values(&self, e: &EnumType, s: &Selected) -> Json {
        let all = self.include_deprecated(s);
        let values = e
            .values
            .iter()
            .filter(|v| all || e.value_meta.get(*v).is_none_or(|m| m.1.is_none()));
        Json::Array(
            values
                .map(|v| {
                    let (description, deprecation) =
                        e.value_meta.get(v).cloned().unwrap_or_default();
                    obj(&s.children, "__EnumValue", |f| match f.name.as_str() {
                        "name" => json!(v),
                        "description" => json!(description),
                        "isDeprecated" => json!(deprecation.is_some()),
                        "deprecationReason" => json!(deprecation),
                        _ => Json::Null,
                    })
                })
                .collect(),
        )
    }

    fn type_object(&self, t: &TypeRef, sel: &[Selected]) -> Json {
        let (kind, name): (&str, Option<&str>) = match t {
            TypeRef::NonNull(_) => ("NON_NULL", None),
            TypeRef::List(_) => ("LIST", None),
            TypeRef::Named(n) => (
                match self.schema.kind(n) {
                    Some(Kind::Object(_)) => "OBJECT",
                    Some(Kind::Enum(_)) => "ENUM",
                    Some(Kind::Input(_)) => "INPUT_OBJECT",
                    Some(Kind::Union(u)) if u.fields.is_some() => "INTERFACE",
                    Some(Kind::Union(_)) => "UNION",
                    _ => "SCALAR",
                },
                Some(n.as_str()),
            ),
        };
        let kind_of = self.schema.kind(name.unwrap_or(""));
        obj(sel, "__Type", |s| match s.name.as_str() {
            "kind" => json!(kind),
            "name" => json!(name),
            "description" => match kind_of {
                Some(Kind::Object(o)) => json!(o.description),
                Some(Kind::Enum(e)) => json!(e.description),
                Some(Kind::Input(i)) => json!(i.description),
                Some(Kind::Union(u)) => json!(u.description),
                _ => Json::Null,
            },
            "specifiedByURL" => json!(name.and_then(specified_by)),
            "fields" => match name.and_then(|n| self.schema.fields_of(n)) {
                Some(fields) if kind == "OBJECT" || kind == "INTERFACE" => {
                    let all = self.include_deprecated(s);
                    let fields = fields
                        .iter()
                        .filter(|f| !f.name.starts_with("__") && (all || f.deprecation.is_none()));
                    Json::Array(fields.map(|f| self.field_object(f, &s.children)).collect())
                }
                _ => Json::Null,
            },
            "interfaces" => match kind_of {
                Some(Kind::Object(o)) => Json::Array(
                    o.interfaces
                        .iter()
                        .map(|i| self.type_object(&named(i), &s.children))
                        .collect(),
                ),
                Some(Kind::Union(u)) if u.fields.is_some() => json!([]),
                _ => Json::Null,
            },
            "possibleTypes" => match kind_of {
                Some(Kind::Union(u)) => Json::Array(
                    u.members
                        .iter()
                        .map(|m| self.type_object(&named(m), &s.children))
                        .collect(),
                ),
                _ => Json::Null,
            },
            "enumValues" => match kind_of {
                Some(Kind::Enum(e)) => self.enum_values(e, s),
                _ => Json::Null,
            },
            "inputFields" => match kind_of {
                Some(Kind::Input(i)) => Json::Array(
                    i.fields
                        .iter()
                        .map(|f| self.input_field(f, &s.children))
                        .collect(),
                ),
                _ => Json::Null,
            },
            "ofType" => match t {
                TypeRef::NonNull(inner) | TypeRef::List(inner) => {
                    self.type_object(inner, &s.children)
                }
                TypeRef::Named(_) => Json::Null,
            },
            "isOneOf" => {
                if kind == "INPUT_OBJECT" {
                    json!(false)
                } else {
                    Json::Null
                }
            }
            _ => Json::Null,
        })
    }

    fn field_object(&self, f: &FieldDef, sel: &[Selected]) -> Json {
        obj(sel, "__Field", |s| match s.name.as_str() {
            "name" => json!(f.name),
            "description" => json!(f.description),
            "args" => Json::Array(
                f.args
                    .iter()
                    .map(|a| {
                        self.input_value(
                            &a.name,
                            a.description.as_deref(),
                            &a.ty,
                            a.default.as_deref(),
                            &s.children,
                        )
                    })
                    .collect(),
            ),
            "type" => self.type_object(&f.ty, &s.children),
            "isDeprecated" => json!(f.deprecation.is_some()),
            "deprecationReason" => json!(f.deprecation),
            _ => Json::Null,
        })
    }

    fn input_field(&self, f: &InputField, sel: &[Selected]) -> Json {
        self.input_value(&f.name, f.description.as_deref(), &f.ty, None, sel)
    }

    fn input_value(
        &self,
        name: &str,
        description: Option<&str>,
        ty: &TypeRef,
        default: Option<&str>,
        sel: &[Selected],
    ) -> Json {
        obj(sel, "__InputValue", |s| match s.name.as_str() {
            "name" => json!(name),
            "description" => json!(description),
            "type" => self.type_object(ty, &s.children),
            "defaultValue" => json!(default),
            "isDeprecated" => json!(false),
            _ => Json::Null,
        })
    }

    /// The executable directives and those that describe the schema; fraiseql's own SDL directives
    /// (@view, @field, @relation, @function) bind the schema to the database and are not part of it.
    fn directives(&self, sel: &[Selected]) -> Vec<Json> {
        let boolean = TypeRef::NonNull(Box::new(named("Boolean")));
        let string = named("String");
        let url = TypeRef::NonNull(Box::new(named("String")));
        // (name, description, locations, arguments as (name, type, default))
        type Spec<'t> = (
            &'static str,
            &'static str,
            Vec<&'static str>,
            Vec<(&'static str, &'t TypeRef, Option<&'static str>)>,
        );
        let list: [Spec<'_>; 4] = [
            ("include", "Directs the executor to include this field or fragment only when the `if` argument is true.", vec!["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"], vec![("if", &boolean, None)]),
            ("skip", "Directs the executor to skip this field or fragment when the `if` argument is true.", vec!["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"], vec![("if", &boolean, None)]),
            ("deprecated", "Marks an element of a GraphQL schema as no longer supported.", vec!["FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INPUT_FIELD_DEFINITION", "ENUM_VALUE"], vec![("reason", &string, Some("\"No longer supported\""))]),
            ("specifiedBy", "Exposes a URL that specifies the behavior of this scalar.", vec!["SCALAR"], vec![("url", &url, None)]),
        ];
        list.iter()
            .map(|(name, description, locations, args)| {
                obj(sel, "__Directive", |s| match s.name.as_str() {
                    "name" => json!(name),
                    "description" => json!(description),
                    "locations" => json!(locations),
                    "args" => Json::Array(
                        args.iter()
                            .map(|(n, t, d)| self.input_value(n, None, t, *d, &s.children))
                            .collect(),
                    ),
                    "isRepeatable" => json!(false),
                    _ => Json::Null,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::{PageSizes, ParamValue};
    use crate::schema::Catalog;

    fn schema() -> crate::Schema {
        let mut s = crate::Schema::parse(r#""People." type User @view(name: "v_user") { id: ID! name: String @deprecated(reason: "use fullName") tags: [String!]! }
            enum Role { ADMIN USER } type Query { users: [User!]! }"#).unwrap();
        let cat = Catalog::of_views(&["v_user"]);
        s.bind(&cat).unwrap();
        s
    }

    fn run(q: &str) -> serde_json::Value {
        let c = crate::compile(&schema(), q, None, None, &PageSizes::default())
            .unwrap_or_else(|e| panic!("{e:?}"));
        match &c.values[0] {
            ParamValue::Text(t) => serde_json::from_str(t).unwrap(),
            ParamValue::Null => serde_json::Value::Null,
            other => panic!("introspection travels as one text parameter, not {other:?}"),
        }
    }

    #[test]
    fn type_fields_wrappers_and_deprecation() {
        let t = run(
            r#"{ __type(name: "User") { kind name description fields { name isDeprecated type { kind ofType { kind ofType { kind ofType { name } } } } } } }"#,
        );
        assert_eq!(t["kind"], "OBJECT");
        assert_eq!(t["description"], "People.");
        let names: Vec<&str> = t["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["id", "tags"],
            "deprecated fields are hidden unless includeDeprecated"
        );
        assert_eq!(t["fields"][1]["type"]["kind"], "NON_NULL");
        assert_eq!(t["fields"][1]["type"]["ofType"]["kind"], "LIST");
        assert_eq!(
            t["fields"][1]["type"]["ofType"]["ofType"]["kind"],
            "NON_NULL"
        );
        assert_eq!(
            t["fields"][1]["type"]["ofType"]["ofType"]["ofType"]["name"],
            "String"
        );
        let all = run(
            r#"{ __type(name: "User") { fields(includeDeprecated: true) { name deprecationReason } } }"#,
        );
        assert_eq!(all["fields"][1]["deprecationReason"], "use fullName");
        assert_eq!(
            run(r#"{ __type(name: "Nope") { name } }"#),
            serde_json::Value::Null
        );
    }

    #[test]
    fn schema_lists_types_and_directives_but_not_entry_points() {
        let s = run("{ __schema { queryType { name fields { name } } types { name kind } directives { name } } }");
        assert_eq!(s["queryType"]["name"], "Query");
        let fields: Vec<&str> = s["queryType"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert!(!fields.iter().any(|f| f.starts_with("__")), "{fields:?}");
        let types: Vec<&str> = s["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        for expected in [
            "User",
            "Role",
            "UserWhere",
            "StringFilter",
            "__Type",
            "__TypeKind",
            "String",
            "UUID",
        ] {
            assert!(
                types.contains(&expected),
                "{expected} missing from {types:?}"
            );
        }
        assert_eq!(s["directives"].as_array().unwrap().len(), 4);
    }
}

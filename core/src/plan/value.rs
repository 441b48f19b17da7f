//! `Val`: an argument value seen by the planner, either from the document or from a variable's JSON.
//! Looking inside a variable (its object fields, list items, nullness) makes the plan `dynamic`.
use serde_json::Value as Json;

use super::{ParamSource, Planner};
use crate::request::document::Value;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Val<'a> {
    Ast(&'a Value),
    Json(&'a Json),
}

impl<'a> Val<'a> {
    /// Follows a variable to its JSON value (marking the plan dynamic); other values as they are.
    fn resolve<'p>(self, p: &mut Planner<'p>) -> Val<'a>
    where
        'p: 'a,
    {
        match self {
            Val::Ast(Value::Variable(name)) => {
                p.dynamic = true;
                match p.vars.get(name.as_str()) {
                    Some(j) => Val::Json(j),
                    None => Val::Json(&Json::Null),
                }
            }
            other => other,
        }
    }

    pub(crate) fn is_null<'p>(self, p: &mut Planner<'p>) -> bool
    where
        'p: 'a,
    {
        matches!(
            self.resolve(p),
            Val::Ast(Value::Null) | Val::Json(Json::Null)
        )
    }

    /// The fields of an input object, in document order.
    pub(crate) fn entries<'p>(self, p: &mut Planner<'p>) -> Vec<(String, Val<'a>)>
    where
        'p: 'a,
    {
        match self.resolve(p) {
            Val::Ast(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), Val::Ast(v))).collect(),
            Val::Json(Json::Object(m)) => {
                m.iter().map(|(k, v)| (k.clone(), Val::Json(v))).collect()
            }
            _ => vec![],
        }
    }

    /// The one field of an input object that must set exactly one (an `orderBy` or `by` entry);
    /// otherwise how many it sets.
    pub(crate) fn single_entry<'p>(self, p: &mut Planner<'p>) -> Result<(String, Val<'a>), usize>
    where
        'p: 'a,
    {
        let mut fields = self.entries(p);
        match fields.len() {
            1 => Ok(fields.remove(0)),
            n => Err(n),
        }
    }

    /// The items of a list; a single value stands for a list of one (input coercion).
    pub(crate) fn items<'p>(self, p: &mut Planner<'p>) -> Vec<Val<'a>>
    where
        'p: 'a,
    {
        match self.resolve(p) {
            Val::Ast(Value::List(items)) => items.iter().map(Val::Ast).collect(),
            Val::Json(Json::Array(items)) => items.iter().map(Val::Json).collect(),
            Val::Ast(Value::Null) | Val::Json(Json::Null) => vec![],
            single => vec![single],
        }
    }

    /// An enum value or string, read at plan time (e.g. a sort direction).
    pub(crate) fn name<'p>(self, p: &mut Planner<'p>) -> Option<String>
    where
        'p: 'a,
    {
        match self.resolve(p) {
            Val::Ast(Value::Enum(s) | Value::String(s)) => Some(s.clone()),
            Val::Json(Json::String(s)) => Some(s.clone()),
            _ => None,
        }
    }

    /// A Boolean read at plan time (e.g. a group key's `true`).
    pub(crate) fn boolean<'p>(self, p: &mut Planner<'p>) -> Option<bool>
    where
        'p: 'a,
    {
        match self.resolve(p) {
            Val::Ast(Value::Boolean(b)) => Some(*b),
            Val::Json(Json::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// The value as a parameter source, resolved only at execution.
    pub(crate) fn source(self) -> ParamSource {
        match self {
            Val::Ast(v) => ParamSource::Ast(v.clone()),
            Val::Json(j) => ParamSource::Json(j.clone()),
        }
    }
}

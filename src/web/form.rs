//! Forms: the fields a browser sent, turned into the JSON object the API would have received,
//! so that the model's request bodies (and their messages) judge them; and the messages of a
//! refused body, by field, for showing beside each.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use crate::kit::page::User;
use crate::model::{Control, Declared, Fields, Invalid, RequestBody};

/// The fields of a form, as sent (`application/x-www-form-urlencoded`).
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Self {
        Self(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// A field's value, or the empty text.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// The body of a declared resource's inputs, as the API would receive it: each field's
    /// own type reads its inputs (a number input's text is a number when it reads as one).
    pub fn body<F: Fields, B: RequestBody>(&self) -> Result<B, Invalid> {
        B::from_object(F::object_from_cells(|name| self.get(name)))
    }

    /// The version the form was opened at (its `etag` field).
    pub fn version(&self) -> Option<i64> {
        self.get("etag").and_then(|text| text.parse().ok())
    }

    /// A positive id in a field.
    pub fn id(&self, name: &str) -> Option<i64> {
        self.get(name)
            .and_then(|text| crate::kit::parse_id(name, text).ok())
    }

    /// Every value of a repeated field (checkboxes of one name), in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The same form without those of the fields `names` left blank: for a field whose
    /// default a blank input stands for.
    pub fn without_blank(&self, names: &[&str]) -> Self {
        Self(
            self.0
                .iter()
                .filter(|(field, value)| {
                    !(names.contains(&field.as_str()) && value.trim().is_empty())
                })
                .cloned()
                .collect(),
        )
    }

    /// The same form with only the fields `names`: for a form whose button says which of its
    /// inputs count.
    pub fn only(&self, names: &[&str]) -> Self {
        Self(
            self.0
                .iter()
                .filter(|(field, _)| names.contains(&field.as_str()))
                .cloned()
                .collect(),
        )
    }
}

/// The messages of a refused body: by field, and those of no field.
#[derive(Debug, Default)]
pub struct FieldErrors {
    by_field: Vec<(String, String)>,
    pub general: Vec<String>,
}

impl FieldErrors {
    /// The message for `field`, if the body broke one of its rules.
    pub fn get(&self, field: &str) -> Option<String> {
        self.by_field
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, message)| message.clone())
    }

    pub fn count(&self) -> usize {
        self.by_field.len() + self.general.len()
    }
}

impl From<Invalid> for FieldErrors {
    fn from(invalid: Invalid) -> Self {
        let mut errors = FieldErrors::default();
        for problem in invalid.0 {
            match problem.field {
                Some(field) => match errors.by_field.iter_mut().find(|(name, _)| *name == field) {
                    Some((_, message)) => {
                        message.push_str("; ");
                        message.push_str(&problem.message);
                    }
                    None => errors.by_field.push((field, problem.message)),
                },
                None => errors.general.push(problem.message),
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ActorChanges, ActorFields, MovieFields, NewActor, NewMovie};

    #[test]
    fn each_field_reads_its_own_inputs() {
        let form = Form::parse(b"name=1984&age=+42+&gender=x&skills=Singing%3B+Fencing&extra=1");
        let actor: NewActor = form.body::<ActorFields, _>().unwrap();
        assert_eq!(actor.name.as_str(), "1984");
        assert_eq!(actor.age.years(), 42);
        assert_eq!(actor.skills.tags(), ["Singing", "Fencing"]);
        let movie = Form::parse(b"title=1917&release_date=2019-12-25");
        assert!(movie.body::<MovieFields, NewMovie>().is_ok());
    }

    #[test]
    fn an_empty_optional_input_clears_its_field() {
        let form = Form::parse(b"name=Ada&age=36&gender=f&height_cm=&notes=++&agent_agency=");
        let changes: ActorChanges = form.body::<ActorFields, _>().unwrap();
        assert_eq!(changes.height_cm, Some(None));
        assert_eq!(changes.notes, Some(None));
        assert_eq!(changes.agent, Some(None));
    }

    #[test]
    fn the_models_messages_are_kept_by_field() {
        let form = Form::parse(b"name=+++&age=abc&gender=x");
        let invalid = form.body::<ActorFields, NewActor>().unwrap_err();
        let errors = FieldErrors::from(invalid);
        assert_eq!(errors.get("name").as_deref(), Some("must not be empty"));
        assert!(errors.get("age").unwrap().contains("integer"));
        assert_eq!(errors.get("gender"), None);
        assert_eq!(errors.count(), 2);
    }
}

/// One input of a form page.
pub struct Input {
    /// Its name in the form: the field's, or `field_part` for a part of one.
    pub name: String,
    /// The field it belongs to, whose messages it shows if it is the field's first.
    field: &'static str,
    first: bool,
    pub label: String,
    pub required: bool,
    /// The `type` attribute, or `textarea`.
    pub kind: &'static str,
    pub hint: Option<&'static str>,
    pub value: String,
    pub error: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
}

impl Input {
    /// The inputs of a declared resource, empty, in declared order.
    pub fn all<F: Fields>() -> Vec<Input> {
        F::DECLARED.iter().flat_map(Self::of).collect()
    }

    /// The inputs of one field: one per part.
    fn of(field: &Declared) -> Vec<Input> {
        let (kind, min, max, hint) = match field.control {
            Control::Text => ("text", None, None, None),
            Control::Number(min, max) => {
                ("number", Some(min.to_string()), Some(max.to_string()), None)
            }
            Control::Date(min, max) => ("date", Some(min.to_owned()), Some(max.to_owned()), None),
            Control::TextArea => ("textarea", None, None, None),
            Control::Tags => (
                "text",
                None,
                None,
                Some("Separate them with semicolons (;)."),
            ),
        };
        let parts: Vec<Option<&str>> = if field.parts.is_empty() {
            vec![None]
        } else {
            field.parts.iter().copied().map(Some).collect()
        };
        parts
            .into_iter()
            .zip(field.cells())
            .enumerate()
            .map(|(index, (part, name))| Input {
                name,
                field: field.name,
                first: index == 0,
                label: match part {
                    Some(part) => format!("{}: {part}", field.label),
                    None => field.label.to_owned(),
                },
                required: field.required,
                kind,
                hint,
                value: String::new(),
                error: None,
                min: min.clone(),
                max: max.clone(),
            })
            .collect()
    }

    pub fn holding(self, value: String) -> Self {
        Self { value, ..self }
    }

    /// Each input with the message for its field.
    pub fn with_errors(inputs: Vec<Input>, errors: &FieldErrors) -> Vec<Input> {
        inputs
            .into_iter()
            .map(|input| Input {
                error: input.first.then(|| errors.get(input.field)).flatten(),
                ..input
            })
            .collect()
    }
}

/// A new or edited resource's form.
#[derive(askama::Template)]
#[template(path = "form.html")]
pub struct FormPage {
    pub layout: crate::kit::page::Layout,
    pub heading: String,
    pub action: String,
    pub inputs: Vec<Input>,
    /// The version the form was opened at, for `If-Match`.
    pub etag: Option<i64>,
    pub general: Vec<String>,
    pub problems: usize,
    /// Why a well-formed form was not saved (a conflict), in words.
    pub refusal: Option<String>,
    pub cancel: String,
}

/// What a form page is for.
pub struct FormSpec<'a> {
    /// Who the form is for.
    pub user: &'a User,
    /// `"actors"` or `"movies"`.
    pub section: &'static str,
    pub heading: String,
    /// Where it is sent: the list for a new resource, the resource for a change.
    pub action: String,
    /// The version a change was opened at; `None` for a new resource.
    pub etag: Option<i64>,
}

impl FormPage {
    /// The form with `inputs`; with `errors`, a 422 showing each beside its field.
    pub fn render(spec: FormSpec<'_>, inputs: Vec<Input>, errors: Option<FieldErrors>) -> Response {
        let status = match errors {
            Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
            None => StatusCode::OK,
        };
        let errors = errors.unwrap_or_default();
        let cancel = match spec.etag {
            Some(_) => spec.action.clone(),
            None => format!("/app/{}", spec.section),
        };
        crate::kit::page::render(
            status,
            &FormPage {
                layout: crate::kit::page::Layout::for_user(
                    spec.heading.clone(),
                    spec.user,
                    spec.section,
                ),
                heading: spec.heading,
                action: spec.action,
                inputs: Input::with_errors(inputs, &errors),
                etag: spec.etag,
                problems: errors.count(),
                general: errors.general,
                refusal: None,
                cancel,
            },
        )
    }
}

/// One field of a conflict: the current value beside the person's.
pub struct ConflictRow {
    pub label: String,
    pub current: String,
    pub yours: String,
}

impl ConflictRow {
    pub fn new(label: String, current: &str, yours: &str) -> Self {
        Self {
            label,
            current: current.to_owned(),
            yours: yours.to_owned(),
        }
    }
}

/// The page for a save refused because the resource changed since its form was opened.
#[derive(askama::Template)]
#[template(path = "conflict.html")]
pub struct ConflictPage {
    pub layout: crate::kit::page::Layout,
    pub what: &'static str,
    pub name: String,
    pub rows: Vec<ConflictRow>,
    pub action: String,
    /// The person's values, to send again.
    pub hidden: Vec<(String, String)>,
    /// The current version, which sending again is conditional on.
    pub etag: i64,
    pub cancel: String,
}

/// Asks before deleting.
#[derive(askama::Template)]
#[template(path = "confirm_delete.html")]
pub struct ConfirmDelete {
    pub layout: crate::kit::page::Layout,
    pub what: &'static str,
    pub name: String,
    pub consequence: String,
    pub action: String,
    pub etag: i64,
    pub cancel: String,
    /// Said when the resource changed since the page was opened.
    pub changed: bool,
}

/// An option of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    /// The options `(value, label)`, with `chosen` selected.
    pub fn list<V: ToString + PartialEq>(
        options: Vec<(V, String)>,
        chosen: Option<&V>,
    ) -> Vec<Choice> {
        options
            .into_iter()
            .map(|(value, label)| Choice {
                selected: chosen == Some(&value),
                value: value.to_string(),
                label,
            })
            .collect()
    }
}

impl Form {
    /// The casting body of a form (its `character` field), as the API would receive it.
    pub fn casting(&self) -> Result<crate::model::Casting, FieldErrors> {
        let mut object = Map::new();
        if let Some(character) = self.get("character") {
            object.insert("character".into(), Value::from(character));
        }
        crate::model::Casting::from_object(object).map_err(FieldErrors::from)
    }
}

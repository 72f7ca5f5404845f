//! The catalogue's resources, each declared once ([`resource`]) from field types that hold one
//! rule each ([`fields`]); the request bodies read a JSON object, report every broken rule at
//! once, and describe exactly what they accept. The API, the web app and the CLI all write
//! through these types; the migrations' `CHECK`s repeat the limits for the database's sake, and
//! a test holds them to the constants here.

pub mod actor;
pub mod body;
pub mod candidate;
pub mod casting;
pub mod fields;
pub mod movie;
pub mod photo;
pub mod presentation;
pub mod resource;
pub mod role;
pub mod session;

pub use actor::{ActorChanges, ActorFields, NewActor};
pub use body::{Invalid, ObjectReader, Problem, RequestBody};
pub use candidate::{Bulk, CandidateChanges, CandidateFields, CandidateWrite, Status};
pub use casting::Casting;
pub use fields::*;
pub use movie::{MovieChanges, MovieFields, NewMovie};
pub use photo::MakePrimary;
pub use presentation::{Feedback, NewPresentation, PRESENTED_MAX};
pub use resource::{Declared, Fields, Flag};
pub use role::{NewRole, RoleChanges, RoleFields};
pub use session::{Autofill, Booking, NewSession, SessionChanges, SessionFields, StateChange};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use serde_json::Value;

    fn read<T: RequestBody>(body: Value) -> Result<T, String> {
        match body {
            Value::Object(object) => T::from_object(object).map_err(|e| e.to_string()),
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn a_body_reports_every_broken_rule_at_once() {
        let error =
            read::<NewActor>(json!({"name": " ", "age": 151, "id": 3, "nick": 1})).unwrap_err();
        assert!(
            error.starts_with(
                "id: is assigned by the server and cannot be written; \
                 nick: unknown field (expected name, age, gender, playing_age_min"
            ),
            "{error}"
        );
        assert!(
            error.ends_with(
                "name: must not be empty; age: must be between 0 and 150; gender: is required"
            ),
            "{error}"
        );
    }

    #[test]
    fn the_seeds_movie_field_is_another_name_for_the_title() {
        let movie = read::<NewMovie>(json!({"movie": "Avatar", "release_date": 20091218})).unwrap();
        assert_eq!(movie.title.as_str(), "Avatar");
        assert!(
            read::<NewMovie>(json!({"movie": "A", "title": "B", "release_date": 20091218}))
                .is_err()
        );
    }

    #[test]
    fn changes_must_name_a_field_and_only_optional_ones_may_be_null() {
        assert!(read::<ActorChanges>(json!({})).is_err());
        assert!(read::<ActorChanges>(json!({"age": null})).is_err());
        let changes = read::<ActorChanges>(json!({"age": 47, "height_cm": null})).unwrap();
        assert_eq!(changes.age, Age::new(47));
        assert_eq!(changes.height_cm, Some(None));
        assert_eq!(changes.name, None);
        let cleared = read::<ActorChanges>(json!({"skills": null, "languages": []})).unwrap();
        assert_eq!(cleared.skills, Some(Skills::default()));
        assert_eq!(cleared.languages, Some(Languages::default()));
    }

    #[test]
    fn a_profile_is_optional_and_its_playing_ages_in_order() {
        let actor = read::<NewActor>(json!({"name": "Ada", "age": 36, "gender": "f"})).unwrap();
        assert_eq!(actor.agent, None);
        assert!(actor.skills.tags().is_empty());
        let crossed = json!({"name": "Ada", "age": 36, "gender": "f",
            "playing_age_min": 40, "playing_age_max": 30});
        let error = read::<NewActor>(crossed).unwrap_err();
        assert!(
            error.starts_with("playing_age_min: must not be above"),
            "{error}"
        );
    }
}

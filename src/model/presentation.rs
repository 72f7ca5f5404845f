//! A presentation: a link that shows some of a role's candidates to people who do not sign in
//! (the producers), and takes their answers.

use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::schema::Schema;

use super::candidate::{ids_schema, parse_ids};
use super::fields::{Answer, Comment, ExpiresInDays, Field, Id, PresentationTitle};
use super::resource::request_body;

/// The most candidates one presentation shows.
pub const PRESENTED_MAX: usize = 100;

/// The candidates a presentation shows: 1 to [`PRESENTED_MAX`] distinct actor ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PresentedIds(Vec<i64>);

impl PresentedIds {
    pub fn ids(&self) -> &[i64] {
        &self.0
    }
}

impl Field for PresentedIds {
    fn parse(value: &Value) -> Result<Self, String> {
        parse_ids(value, PRESENTED_MAX).map(Self)
    }

    fn schema() -> Schema {
        ids_schema(PRESENTED_MAX)
    }
}

request_body! {
    /// A presentation of 1 to 100 of a role's candidates, whose link expires in 1 to 30 days
    /// (7 unless given).
    pub struct NewPresentation as "NewPresentation" {
        actor_ids: PresentedIds => required,
        title: Option<PresentationTitle> => optional,
        expires_in_days: ExpiresInDays => optional,
    }
}

request_body! {
    /// A viewer's answer about one presented candidate, with an optional comment.
    pub struct Feedback as "Feedback" {
        actor_id: Id => required,
        answer: Answer => required,
        comment: Option<Comment> => optional,
    }
}

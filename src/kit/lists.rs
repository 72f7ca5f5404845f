//! The list queries the API and the web app share: `GET /actors`, `GET /movies` and a
//! resource's history read the same parameters by the same rules, whichever presenter asks.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Refusal;
use super::query::{
    CursorText, Limit, PageRequest, Paging, Param, ParamValue, SearchText, Sort, any_of, tag_filter,
};
use crate::model::{Age, Height, Rank, Status, Whole};
use crate::storage::actors::{ActorFilter, ActorSort};
use crate::storage::candidates::{CandidateFilter, CandidateSort};
use crate::storage::history::{self, Change, Newest};
use crate::storage::movies::{MovieFilter, MovieSort};
use crate::storage::{Database, Kind};

/// The filters by tag, each repeatable.
pub const TAG_FILTERS: [&str; 3] = ["skill", "language", "union"];

/// The query of `GET /actors`. Unknown parameters are refused, and so are repeated ones but
/// the tag filters.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActorListQuery {
    #[param(schema_with = Limit::schema)]
    limit: Option<Param<Limit>>,
    #[param(schema_with = CursorText::schema)]
    cursor: Option<Param<CursorText>>,
    #[param(schema_with = Sort::<ActorSort>::schema)]
    sort: Option<Param<Sort<ActorSort>>>,
    /// A case-insensitive substring of the name.
    #[param(schema_with = SearchText::schema)]
    q: Option<Param<SearchText>>,
    /// The gender, case-insensitively.
    #[param(schema_with = SearchText::schema)]
    gender: Option<Param<SearchText>>,
    /// The youngest age listed (inclusive).
    #[param(schema_with = Age::schema)]
    min_age: Option<Param<Age>>,
    /// The oldest age listed (inclusive).
    #[param(schema_with = Age::schema)]
    max_age: Option<Param<Age>>,
    /// A skill the actor has, a whole tag compared regardless of case; repeatable, every one
    /// given must match.
    #[serde(default)]
    #[param(style = Form, explode, schema_with = tag_filter)]
    skill: Vec<Param<SearchText>>,
    /// A language the actor speaks, as `skill`.
    #[serde(default)]
    #[param(style = Form, explode, schema_with = tag_filter)]
    language: Vec<Param<SearchText>>,
    /// A union the actor belongs to, as `skill`.
    #[serde(default)]
    #[param(style = Form, explode, schema_with = tag_filter)]
    union: Vec<Param<SearchText>>,
    /// An age the actor can play: their playing range holds it (a range known at one end only
    /// is open at the other).
    #[param(schema_with = Age::schema)]
    playing_age: Option<Param<Age>>,
    /// The shortest height listed, in centimetres (inclusive).
    #[param(schema_with = Height::schema)]
    min_height: Option<Param<Height>>,
    /// The tallest height listed, in centimetres (inclusive).
    #[param(schema_with = Height::schema)]
    max_height: Option<Param<Height>>,
}

impl ActorListQuery {
    /// The filter in force; a range whose ends cross (`min_age` above `max_age`) simply matches
    /// nothing.
    pub fn filter(&self) -> ActorFilter {
        ActorFilter {
            name_contains: self.q.as_ref().and_then(|q| q.0.key()),
            gender: self.gender.as_ref().and_then(|gender| gender.0.key()),
            min_age: self.min_age.as_ref().map(|age| age.0),
            max_age: self.max_age.as_ref().map(|age| age.0),
            tags: [
                ("skills", &self.skill),
                ("languages", &self.language),
                ("unions", &self.union),
            ]
            .into_iter()
            .flat_map(|(field, tags)| {
                tags.iter()
                    .filter_map(move |tag| tag.0.key().map(|key| (field, key)))
            })
            .collect(),
            playing_age: self.playing_age.as_ref().map(|age| age.0),
            min_height: self.min_height.as_ref().map(|height| height.0),
            max_height: self.max_height.as_ref().map(|height| height.0),
        }
    }

    pub fn paging(&self) -> Paging<'_, ActorSort> {
        Paging {
            limit: self.limit.as_ref(),
            cursor: self.cursor.as_ref(),
            sort: self.sort.as_ref().map(|sort| sort.0),
        }
    }
}

/// The query of `GET /movies`. Unknown and repeated parameters are refused.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MovieListQuery {
    #[param(schema_with = Limit::schema)]
    limit: Option<Param<Limit>>,
    #[param(schema_with = CursorText::schema)]
    cursor: Option<Param<CursorText>>,
    #[param(schema_with = Sort::<MovieSort>::schema)]
    sort: Option<Param<Sort<MovieSort>>>,
    /// A case-insensitive substring of the title.
    #[param(schema_with = SearchText::schema)]
    q: Option<Param<SearchText>>,
    /// The earliest release date listed (inclusive).
    #[param(schema_with = NaiveDate::schema)]
    released_after: Option<Param<NaiveDate>>,
    /// The latest release date listed (inclusive).
    #[param(schema_with = NaiveDate::schema)]
    released_before: Option<Param<NaiveDate>>,
}

impl MovieListQuery {
    /// The filter in force; a range whose ends cross simply matches nothing.
    pub fn filter(&self) -> MovieFilter {
        MovieFilter {
            title_contains: self.q.as_ref().and_then(|q| q.0.key()),
            released_after: self.released_after.as_ref().map(|date| date.0),
            released_before: self.released_before.as_ref().map(|date| date.0),
        }
    }

    pub fn paging(&self) -> Paging<'_, MovieSort> {
        Paging {
            limit: self.limit.as_ref(),
            cursor: self.cursor.as_ref(),
            sort: self.sort.as_ref().map(|sort| sort.0),
        }
    }
}

/// The query of `GET /roles/{id}/candidates`. Unknown parameters are refused, and so are
/// repeated ones but `status` and `rank`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CandidateListQuery {
    #[param(schema_with = Limit::schema)]
    limit: Option<Param<Limit>>,
    #[param(schema_with = CursorText::schema)]
    cursor: Option<Param<CursorText>>,
    /// `added` (the default: the order they were added in), `rank` (1 first) or `name`; a
    /// leading `-` reverses it. Ungraded candidates come last either way.
    #[param(schema_with = Sort::<CandidateSort>::schema)]
    sort: Option<Param<Sort<CandidateSort>>>,
    /// A case-insensitive substring of the actor's name.
    #[param(schema_with = SearchText::schema)]
    q: Option<Param<SearchText>>,
    /// A status; repeatable, any of those given matches.
    #[serde(default)]
    #[param(style = Form, explode, schema_with = any_of::<Status>)]
    status: Vec<Param<Status>>,
    /// A grade; repeatable, any of those given matches.
    #[serde(default)]
    #[param(style = Form, explode, schema_with = any_of::<Rank>)]
    rank: Vec<Param<Rank>>,
}

impl CandidateListQuery {
    pub fn filter(&self) -> CandidateFilter {
        let mut statuses: Vec<Status> = self.status.iter().map(|status| status.0).collect();
        statuses.sort();
        statuses.dedup();
        let mut ranks: Vec<i32> = self.rank.iter().map(|rank| rank.0.get()).collect();
        ranks.sort();
        ranks.dedup();
        CandidateFilter {
            statuses,
            ranks,
            name_contains: self.q.as_ref().and_then(|q| q.0.key()),
        }
    }

    pub fn paging(&self) -> Paging<'_, CandidateSort> {
        Paging {
            limit: self.limit.as_ref(),
            cursor: self.cursor.as_ref(),
            sort: self.sort.as_ref().map(|sort| sort.0),
        }
    }
}

/// The query of a history. Unknown and repeated parameters are refused.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    #[param(schema_with = Limit::schema)]
    pub limit: Option<Param<Limit>>,
    #[param(schema_with = CursorText::schema)]
    pub cursor: Option<Param<CursorText>>,
}

/// A page of a resource's history, newest first.
#[derive(Serialize, ToSchema)]
pub struct HistoryPage {
    success: bool,
    pub history: Vec<Change>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A page of the history of the resource `kind` `id`, for the API and the web app alike: its
/// cursors are bound to that resource.
pub async fn read_page(
    db: &Database,
    kind: Kind,
    id: i64,
    limit: Option<&Param<Limit>>,
    cursor: Option<&Param<CursorText>>,
) -> Result<HistoryPage, Refusal> {
    let newest = Sort {
        key: Newest,
        descending: true,
    };
    let paging = Paging {
        limit,
        cursor,
        sort: Some(newest),
    };
    let request = PageRequest::new(paging, &(kind.name(), id))?;
    let page = history::list(db, kind, id, &request.keyset).await?;
    Ok(HistoryPage {
        success: true,
        next_cursor: request.next_cursor(page.next),
        history: page.items,
    })
}

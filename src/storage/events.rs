//! Live updates: each entry of a role's or a session's history, as it is committed, to every
//! stream open on it, on any instance. The history is the event log: an event's id is its
//! entry's, so a client that lost its stream resumes from the last id it saw.
//!
//! One dispatcher per server reads the entries of the streamed resources that are new since it
//! last looked, and hands them to the streams through a broadcast channel per resource. What
//! wakes it: on PostgreSQL, a notification (`LISTEN`) that a trigger sends with every commit
//! that records such entries, naming the resources, from whichever instance wrote them; on
//! SQLite, which one process writes, that process's own writes ([`Events::written`]).
//! Entries of one resource commit in id order, since every write of a role or a session locks
//! its movie first, so reading "after the last id seen" misses none.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError, broadcast, mpsc, watch};

use super::history::{CHANGE_COLUMNS, Change, ChangeRow};
use super::{Database, Kind, StorageError, StorageResult, on_pool};

/// How many streams a server keeps open unless told otherwise (`MAX_EVENT_STREAMS`).
pub const EVENT_STREAMS_DEFAULT: usize = 10_000;
/// The most events a resumed stream replays; further behind, it is told to reload.
pub const REPLAY_MAX: i64 = 1_000;
/// How old the last event a stream saw may be for it to resume; older, it is told to reload.
pub const REPLAY_AGE: Duration = Duration::from_secs(24 * 60 * 60);
/// How many events a slow stream may be behind before it misses some (and is told to reload):
/// room for a bulk move of the most candidates one request moves.
const STREAM_BUFFER: usize = crate::model::candidate::BULK_MAX + 24;
/// The channel of PostgreSQL's notifications (the trigger `changes_announced` sends them).
const CHANNEL: &str = "movie_manager_changes";
/// How long the listener waits before it connects again after PostgreSQL could not be reached.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// A resource whose history streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Topic {
    pub kind: Kind,
    pub id: i64,
}

impl Topic {
    pub fn role(id: i64) -> Self {
        Self {
            kind: Kind::Role,
            id,
        }
    }

    pub fn session(id: i64) -> Self {
        Self {
            kind: Kind::Session,
            id,
        }
    }

    /// `role:12`, as the trigger names it.
    fn parse(text: &str) -> Option<Self> {
        let (kind, id) = text.split_once(':')?;
        let kind = match kind {
            "role" => Kind::Role,
            "session" => Kind::Session,
            _ => return None,
        };
        Some(Self {
            kind,
            id: id.parse().ok()?,
        })
    }
}

/// Why a stream cannot pick up where its client left off: the client should reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reset {
    /// The `Last-Event-ID` is not an event of this stream.
    Unknown,
    /// It is older than [`REPLAY_AGE`], or more than [`REPLAY_MAX`] events behind.
    TooOld,
    /// The stream fell behind the live events and some were dropped.
    Missed,
}

impl Reset {
    pub fn reason(self) -> &'static str {
        match self {
            Self::Unknown => "the last event id is not one of this stream's",
            Self::TooOld => "the last event id is too far behind to resume from",
            Self::Missed => "the stream fell behind and missed events",
        }
    }
}

/// An open stream: what to tell first, then what it missed, then live events.
pub struct Subscription {
    pub reset: Option<Reset>,
    pub replay: Vec<Change>,
    pub live: broadcast::Receiver<Arc<Change>>,
    /// Ends (changes to `true`) when the server shuts down.
    pub closing: watch::Receiver<bool>,
    /// One of the server's stream places, given back when the stream ends.
    pub permit: OwnedSemaphorePermit,
}

/// Why a stream was not opened.
#[derive(Debug, thiserror::Error)]
pub enum RefusedStream {
    #[error("the server has {0} event streams open, its limit")]
    Full(usize),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What wakes the dispatcher.
enum Wake {
    /// These resources recorded entries.
    Topics(Vec<Topic>),
    /// Some resources may have: look at every streamed one.
    All,
}

/// A streamed resource: its channel, and the last entry handed to it.
struct Channel {
    sender: broadcast::Sender<Arc<Change>>,
    last: i64,
}

/// The live updates of one server; cheap to clone.
#[derive(Clone)]
pub struct Events {
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    channels: Mutex<HashMap<Topic, Channel>>,
    streams: Arc<Semaphore>,
    max_streams: usize,
    wake: mpsc::UnboundedSender<Wake>,
    closing: watch::Sender<bool>,
    /// The listener's own connection, on PostgreSQL: closed at shutdown.
    listening: Mutex<Option<sqlx::PgPool>>,
}

impl Events {
    /// Starts the dispatcher (and, on PostgreSQL, the listener) for at most `max_streams`
    /// streams at once.
    pub async fn start(db: Database, max_streams: usize) -> anyhow::Result<Self> {
        let (wake, woken) = mpsc::unbounded_channel();
        let (closing, _) = watch::channel(false);
        let events = Self {
            inner: Arc::new(Inner {
                db: db.clone(),
                channels: Mutex::new(HashMap::new()),
                streams: Arc::new(Semaphore::new(max_streams)),
                max_streams,
                wake,
                closing,
                listening: Mutex::new(None),
            }),
        };
        if let Database::Postgres(pool) = &db {
            // A connection of its own, apart from the pool that requests share: `LISTEN` holds
            // it for as long as the server runs (a pool of one would otherwise have none left).
            let own = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_lazy_with((*pool.connect_options()).clone());
            let mut listener = sqlx::postgres::PgListener::connect_with(&own).await?;
            listener.listen(CHANNEL).await?;
            tokio::spawn(listen(listener, Arc::downgrade(&events.inner)));
            *events
                .inner
                .listening
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(own);
        }
        tokio::spawn(dispatch(woken, Arc::downgrade(&events.inner)));
        Ok(events)
    }

    /// Tells the dispatcher that this process committed writes. On SQLite that is how it
    /// learns of them; PostgreSQL tells every instance itself.
    pub fn written(&self) {
        if matches!(self.inner.db, Database::Sqlite(_)) {
            let _ = self.inner.wake.send(Wake::All);
        }
    }

    /// Ends every open stream and stops listening: the server is shutting down.
    pub fn close(&self) {
        self.inner.closing.send_replace(true);
        let listening = self
            .inner
            .listening
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(own) = listening {
            tokio::spawn(async move { own.close().await });
        }
    }

    /// Opens a stream of a resource's history: the resource must exist; `last_event_id` is
    /// what the client saw last, if it says so (unparsed: a malformed one is answered with a
    /// reset, not refused).
    pub async fn subscribe(
        &self,
        topic: Topic,
        last_event_id: Option<&str>,
    ) -> Result<Subscription, RefusedStream> {
        let permit = match Arc::clone(&self.inner.streams).try_acquire_owned() {
            Ok(permit) => permit,
            Err(TryAcquireError::NoPermits | TryAcquireError::Closed) => {
                return Err(RefusedStream::Full(self.inner.max_streams));
            }
        };
        let db = &self.inner.db;
        if !exists(db, topic).await? {
            return Err(StorageError::NotFound(topic.kind.name(), topic.id).into());
        }
        let newest = newest(db, topic).await?;
        let (live, seen) = {
            let mut channels = self
                .inner
                .channels
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let channel = channels.entry(topic).or_insert_with(|| Channel {
                sender: broadcast::channel(STREAM_BUFFER).0,
                last: newest,
            });
            (channel.sender.subscribe(), channel.last)
        };
        let (reset, replay) = match last_event_id {
            None => (None, Vec::new()),
            Some(text) => match resume_point(db, topic, text).await? {
                Err(reset) => (Some(reset), Vec::new()),
                Ok(after) => {
                    let missed = entries(db, topic, after, Some(seen), REPLAY_MAX + 1).await?;
                    if missed.len() as i64 > REPLAY_MAX {
                        (Some(Reset::TooOld), Vec::new())
                    } else {
                        (None, missed)
                    }
                }
            },
        };
        Ok(Subscription {
            reset,
            replay,
            live,
            closing: self.inner.closing.subscribe(),
            permit,
        })
    }
}

async fn exists(db: &Database, topic: Topic) -> StorageResult<bool> {
    Ok(on_pool!(db, pool => {
        sqlx::query(topic.kind.exists_query())
            .bind(topic.id)
            .fetch_optional(&mut *super::acquire(pool).await?)
            .await?
            .is_some()
    }))
}

/// The id of the newest entry of a resource's history, or 0.
async fn newest(db: &Database, topic: Topic) -> StorageResult<i64> {
    let newest: Option<i64> = on_pool!(db, pool => {
        sqlx::query_scalar(
            "SELECT max(id) FROM changes WHERE resource = $1 AND resource_id = $2",
        )
        .bind(topic.kind.name())
        .bind(topic.id)
        .fetch_one(&mut *super::acquire(pool).await?)
        .await?
    });
    Ok(newest.unwrap_or(0))
}

/// The entry a stream resumes after, or why it cannot.
async fn resume_point(
    db: &Database,
    topic: Topic,
    last_event_id: &str,
) -> StorageResult<Result<i64, Reset>> {
    let Some(id) = last_event_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
    else {
        return Ok(Err(Reset::Unknown));
    };
    let at: Option<chrono::DateTime<chrono::Utc>> = on_pool!(db, pool => {
        sqlx::query_scalar(
            "SELECT at FROM changes WHERE id = $1 AND resource = $2 AND resource_id = $3",
        )
        .bind(id)
        .bind(topic.kind.name())
        .bind(topic.id)
        .fetch_optional(&mut *super::acquire(pool).await?)
        .await?
    });
    let oldest = super::now() - REPLAY_AGE;
    Ok(match at {
        None => Err(Reset::Unknown),
        Some(at) if at < oldest => Err(Reset::TooOld),
        Some(_) => Ok(id),
    })
}

/// A resource's entries after `after` (up to `up_to`), oldest first, at most `limit`.
async fn entries(
    db: &Database,
    topic: Topic,
    after: i64,
    up_to: Option<i64>,
    limit: i64,
) -> StorageResult<Vec<Change>> {
    let query = format!(
        "SELECT {CHANGE_COLUMNS} FROM changes WHERE resource = $1 AND resource_id = $2 \
         AND id > $3 AND id <= $4 ORDER BY id LIMIT $5"
    );
    let rows: Vec<ChangeRow> = on_pool!(db, pool => {
        sqlx::query_as(&query)
            .bind(topic.kind.name())
            .bind(topic.id)
            .bind(after)
            .bind(up_to.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&mut *super::acquire(pool).await?)
            .await?
    });
    rows.into_iter().map(ChangeRow::into_change).collect()
}

/// Hands the new entries of the resources each wake names to their streams, until the server
/// is gone. A resource without streams is forgotten.
async fn dispatch(mut woken: mpsc::UnboundedReceiver<Wake>, inner: std::sync::Weak<Inner>) {
    while let Some(first) = woken.recv().await {
        let mut all = false;
        let mut named = HashSet::new();
        let mut take = |wake: Wake| match wake {
            Wake::All => all = true,
            Wake::Topics(topics) => named.extend(topics),
        };
        take(first);
        while let Ok(more) = woken.try_recv() {
            take(more);
        }
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let due: Vec<(Topic, i64)> = {
            let mut channels = inner.channels.lock().unwrap_or_else(|e| e.into_inner());
            channels.retain(|_, channel| channel.sender.receiver_count() > 0);
            channels
                .iter()
                .filter(|(topic, _)| all || named.contains(*topic))
                .map(|(topic, channel)| (*topic, channel.last))
                .collect()
        };
        for (topic, mut last) in due {
            // A bulk write may have recorded more entries than one read takes.
            loop {
                let new = match entries(&inner.db, topic, last, None, REPLAY_MAX).await {
                    Ok(new) => new,
                    Err(error) => {
                        tracing::warn!(%error, "live updates could not read the history");
                        break;
                    }
                };
                let complete = (new.len() as i64) < REPLAY_MAX;
                let mut channels = inner.channels.lock().unwrap_or_else(|e| e.into_inner());
                let Some(channel) = channels.get_mut(&topic) else {
                    break;
                };
                for change in new {
                    if change.id > channel.last {
                        channel.last = change.id;
                        let _ = channel.sender.send(Arc::new(change));
                    }
                }
                last = channel.last;
                if complete {
                    break;
                }
            }
        }
    }
}

/// Turns PostgreSQL's notifications into wakes. A lost connection may have lost some, so once
/// it is back every streamed resource is looked at.
async fn listen(mut listener: sqlx::postgres::PgListener, inner: std::sync::Weak<Inner>) {
    loop {
        let received = listener.try_recv().await;
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let wake = match received {
            Ok(Some(notification)) => match notification.payload() {
                "*" => Wake::All,
                payload => Wake::Topics(payload.split(' ').filter_map(Topic::parse).collect()),
            },
            Ok(None) => Wake::All,
            Err(sqlx::Error::PoolClosed) => return,
            Err(error) => {
                tracing::warn!(%error, "live updates lost PostgreSQL's notifications; reconnecting");
                tokio::time::sleep(RECONNECT_PAUSE).await;
                Wake::All
            }
        };
        if inner.wake.send(wake).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_names_roles_and_sessions() {
        assert_eq!(Topic::parse("role:12"), Some(Topic::role(12)));
        assert_eq!(Topic::parse("session:3"), Some(Topic::session(3)));
        assert_eq!(Topic::parse("actor:3"), None);
        assert_eq!(Topic::parse("role:x"), None);
    }
}

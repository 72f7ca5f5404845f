//! A small SQL builder: the text with `$N` placeholders, and the values to bind to them, kept
//! together so that dynamic queries (filters, keyset conditions, `IN` lists) stay injection-free.

use chrono::{DateTime, NaiveDate, Utc};

use super::Dialect;

/// A value bound to a placeholder; also the sort key a page cursor carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    Text(String),
    /// Text, or `NULL`.
    OptionalText(Option<String>),
    /// A whole number, or `NULL`.
    OptionalInt(Option<i64>),
    Date(NaiveDate),
    /// A date, or `NULL`.
    OptionalDate(Option<NaiveDate>),
    Time(DateTime<Utc>),
    /// An instant, or `NULL`.
    OptionalTime(Option<DateTime<Utc>>),
    Bool(bool),
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<i32> for Value {
    fn from(value: i32) -> Self {
        Self::Int(value.into())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<Option<String>> for Value {
    fn from(value: Option<String>) -> Self {
        Self::OptionalText(value)
    }
}

impl From<Option<DateTime<Utc>>> for Value {
    fn from(value: Option<DateTime<Utc>>) -> Self {
        Self::OptionalTime(value)
    }
}

impl From<NaiveDate> for Value {
    fn from(value: NaiveDate) -> Self {
        Self::Date(value)
    }
}

impl From<DateTime<Utc>> for Value {
    fn from(value: DateTime<Utc>) -> Self {
        Self::Time(value)
    }
}

#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Value>,
    has_where: bool,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            args: Vec::new(),
            has_where: false,
        }
    }

    /// Starts the next condition: ` WHERE ` the first time, ` AND ` after that.
    pub fn and(&mut self) -> &mut Self {
        self.text
            .push_str(if self.has_where { " AND " } else { " WHERE " });
        self.has_where = true;
        self
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind(&mut self, value: Value) -> &mut Self {
        self.args.push(value);
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `(ids...)` for an `IN` condition; never empty, so the SQL stays valid.
    pub fn bind_list(&mut self, ids: &[i64]) -> &mut Self {
        self.text.push('(');
        if ids.is_empty() {
            self.text.push_str("NULL");
        }
        for (index, id) in ids.iter().enumerate() {
            if index > 0 {
                self.text.push_str(", ");
            }
            self.bind(Value::Int(*id));
        }
        self.text.push(')');
        self
    }
}

/// How a sortable column's values are written in a cursor, and read back from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Int,
    Text,
    Date,
}

/// A column a list can be sorted by.
pub trait SortKey: Copy + Eq + std::fmt::Debug + Send + Sync + 'static {
    /// Every sortable column, the default (`id`) first.
    const ALL: &'static [Self];
    /// Its column (of the listed table or query).
    fn column(self) -> &'static str;
    /// Its name in `sort=`: its column's, unless the column is not what a client should see.
    fn name(self) -> &'static str {
        self.column()
    }
    fn key_type(self) -> KeyType;
}

/// One page of a list in keyset order: rows after the cursor's `(sort value, id)`, ties broken by
/// id in the same direction, so every page is an index range scan however deep it is.
#[derive(Debug, Clone)]
pub struct Keyset<K> {
    pub sort: K,
    pub descending: bool,
    pub after: Option<(Value, i64)>,
    pub limit: u32,
}

impl<K: SortKey> Keyset<K> {
    /// Appends the cursor condition (if any), the order and the limit to a query of one table;
    /// one extra row is fetched to learn whether another page follows.
    pub fn finish(&self, sql: &mut Sql) {
        let column = self.sort.column();
        let compare = if self.descending { "<" } else { ">" };
        if let Some((value, id)) = &self.after {
            sql.and();
            if column == "id" {
                sql.push("id ")
                    .push(compare)
                    .push(" ")
                    .bind(Value::Int(*id));
            } else {
                sql.push("(")
                    .push(column)
                    .push(", id) ")
                    .push(compare)
                    .push(" (");
                sql.bind(value.clone())
                    .push(", ")
                    .bind(Value::Int(*id))
                    .push(")");
            }
        }
        sql.push(" ORDER BY ").push(&self.order_by(""));
        // Written into the text, not bound: with a bound limit PostgreSQL can never trust a
        // cached plan and plans every call anew, which cost as much as running the query.
        // The limit is a checked page size (1 to 100), so the statements stay few.
        sql.push(&format!(" LIMIT {}", u64::from(self.limit) + 1));
    }

    /// The `ORDER BY` terms, with columns qualified by `table` (e.g. `"a."`).
    pub fn order_by(&self, table: &str) -> String {
        let column = self.sort.column();
        let direction = if self.descending { "DESC" } else { "ASC" };
        if column == "id" {
            format!("{table}id {direction}")
        } else {
            format!("{table}{column} {direction}, {table}id {direction}")
        }
    }
}

/// How a list reads a page with what each row shows of the other side (an actor's movies, a
/// movie's cast), in one statement: the page's rows, each joined with its castings, one result
/// row per casting (a row without any comes once, with `NULL`s). Measured against the two
/// statements it replaced and against casts aggregated as JSON in SQL (BENCHMARKS.md), this is
/// the cheapest for the database, and one round trip.
pub struct Listing {
    /// The listed table, also the alias of its rows in the statement.
    pub table: &'static str,
    /// Its columns, as the page's rows are read.
    pub columns: Vec<&'static str>,
    /// The column of `castings c` that names a listed row.
    pub link: &'static str,
    /// The other side of the castings, joined to `c`.
    pub other: &'static str,
    /// The columns each casting brings: an expression and its name in the result.
    pub joined: &'static [(&'static str, &'static str)],
    /// The order of a row's castings, by names of `joined`.
    pub joined_order: &'static [&'static str],
}

impl Listing {
    /// The statement of one page. `conditions` adds the filters (with [`Sql::and`]). With
    /// `walk_ids`, the page's ids are chosen first from the ids alone (for a substring filter,
    /// an index of ids and folded text, walked without reading the rows it passes), then those
    /// rows are read.
    pub fn page<K: SortKey>(
        &self,
        dialect: &Dialect,
        keyset: &Keyset<K>,
        walk_ids: bool,
        conditions: impl FnOnce(&mut Sql),
    ) -> Sql {
        let table = self.table;
        let own = self
            .columns
            .iter()
            .map(|column| format!("{table}.{column}"));
        let joined: Vec<String> = if dialect.sqlite {
            self.aliased()
        } else {
            self.joined
                .iter()
                .map(|(_, name)| format!("j.{name}"))
                .collect()
        };
        let columns: Vec<String> = own.chain(joined).collect();
        let mut sql = Sql::new(&format!("SELECT {} FROM (SELECT ", columns.join(", ")));
        if walk_ids {
            sql.push("id");
        } else {
            sql.push(&self.columns.join(", "));
        }
        sql.push(" FROM ").push(table);
        conditions(&mut sql);
        keyset.finish(&mut sql);
        if walk_ids {
            sql.push(&format!(") page JOIN {table} ON {table}.id = page.id "));
        } else {
            sql.push(&format!(") {table} "));
        }
        sql.push(&self.joins(dialect)).push(" ORDER BY ");
        sql.push(&keyset.order_by(&format!("{table}.")));
        // The joined columns by their names in the result, which both databases accept here.
        for name in self.joined_order {
            sql.push(", ").push(name);
        }
        sql
    }

    /// PostgreSQL reads each row's castings by a lateral subquery, which can only be run per
    /// row, through the index of the link: joined plainly, it hashed the whole castings table
    /// for pages of more than a few dozen rows (12 ms instead of 1 for 100 rows of 100,000).
    /// SQLite has no lateral joins, and always joins by nested loops over the index anyway.
    fn joins(&self, dialect: &Dialect) -> String {
        let (table, link, other) = (self.table, self.link, self.other);
        if dialect.sqlite {
            format!("LEFT JOIN castings c ON {link} = {table}.id LEFT JOIN {other}")
        } else {
            format!(
                "LEFT JOIN LATERAL (SELECT {} FROM castings c JOIN {other} WHERE {link} = {table}.id) j ON true",
                self.aliased().join(", ")
            )
        }
    }

    /// The joined columns as `expression AS name`.
    fn aliased(&self) -> Vec<String> {
        self.joined
            .iter()
            .map(|(expression, name)| format!("{expression} AS {name}"))
            .collect()
    }
}

/// Gathers the rows of a [`Listing`] statement, one per casting, into one item per listed row:
/// `key` tells the listed row of a result row, `split` takes it apart into its item and the
/// casting it brings (if any), `add` adds a casting to an item. A row's parts are moved, never
/// copied; those of a row whose item is made already are dropped.
pub fn gather<R, T, J>(
    rows: Vec<R>,
    key: impl Fn(&R) -> i64,
    split: impl Fn(R) -> (T, Option<J>),
    add: impl Fn(&mut T, J),
) -> Vec<T> {
    let mut items: Vec<(i64, T)> = Vec::new();
    for row in rows {
        let id = key(&row);
        let (item, joined) = split(row);
        match items.last_mut() {
            Some((last, known)) if *last == id => joined.into_iter().for_each(|j| add(known, j)),
            _ => {
                let mut item = item;
                joined.into_iter().for_each(|j| add(&mut item, j));
                items.push((id, item));
            }
        }
    }
    items.into_iter().map(|(_, item)| item).collect()
}

/// The rows of one page, and the key of the last one when more rows follow.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<(Value, i64)>,
}

impl<T> Page<T> {
    /// Trims the extra row fetched by [`Keyset::finish`] and remembers where the next page starts.
    pub fn from_rows<K>(
        mut rows: Vec<T>,
        keyset: &Keyset<K>,
        key_of: impl Fn(&T) -> (Value, i64),
    ) -> Self {
        let limit = keyset.limit as usize;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(key_of)
        } else {
            None
        };
        Self { items: rows, next }
    }
}

/// Binds a [`Sql`]'s arguments to a query of either backend.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                $crate::storage::Value::Int(value) => query.bind(value),
                $crate::storage::Value::Text(value) => query.bind(value),
                $crate::storage::Value::OptionalText(value) => query.bind(value),
                $crate::storage::Value::OptionalInt(value) => query.bind(value),
                $crate::storage::Value::OptionalDate(value) => query.bind(value),
                $crate::storage::Value::Date(value) => query.bind(value),
                $crate::storage::Value::Time(value) => query.bind(value),
                $crate::storage::Value::OptionalTime(value) => query.bind(value),
                $crate::storage::Value::Bool(value) => query.bind(value),
            };
        }
        query
    }};
}
pub(crate) use bind_args;

/// Escapes `%`, `_` and `\` so user text matches literally inside `LIKE ... ESCAPE '\'`.
pub fn like_contains(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

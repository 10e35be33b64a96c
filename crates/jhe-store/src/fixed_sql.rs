//! A boolean SQL fragment whose text is fixed at compile time, with integer bind parameters.
//!
//! Diesel never caches a prepared statement that contains a raw [`diesel::dsl::sql`] literal, since it cannot know
//! whether that text was built at run time. The consent filters are such fragments, so every search was parsed and
//! planned afresh; on PostgreSQL, planning the recursive reach query cost more than running it. A [`FixedSql`]
//! holds only `&'static str` text and bound `i64` values, so the statement text depends on the code path alone: it
//! is safe to cache, and the connection's statement cache reuses the prepared statement (keyed by its SQL).

use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping, is_aggregate};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Bool, HasSqlType};

#[derive(Debug, Clone, Copy)]
enum Segment {
    Text(&'static str),
    Bind(i64),
}

/// Fixed SQL text with `BIGINT` parameters, as one boolean expression.
#[derive(Debug, Clone)]
pub struct FixedSql(Vec<Segment>);

impl FixedSql {
    /// A fragment that starts with `text`.
    pub fn new(text: &'static str) -> Self {
        FixedSql(vec![Segment::Text(text)])
    }

    /// Appends a bound value.
    #[must_use]
    pub fn bind(mut self, value: i64) -> Self {
        self.0.push(Segment::Bind(value));
        self
    }

    /// Appends more fixed text.
    #[must_use]
    pub fn sql(mut self, text: &'static str) -> Self {
        self.0.push(Segment::Text(text));
        self
    }
}

impl Expression for FixedSql {
    type SqlType = Bool;
}

impl<DB> QueryFragment<DB> for FixedSql
where
    DB: Backend + HasSqlType<BigInt>,
    i64: ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        // Unlike `sql()`, this never calls `out.unsafe_to_cache_prepared()`: the text cannot vary at run time.
        for segment in &self.0 {
            match segment {
                Segment::Text(text) => out.push_sql(text),
                Segment::Bind(value) => out.push_bind_param::<BigInt, i64>(value)?,
            }
        }
        Ok(())
    }
}

impl QueryId for FixedSql {
    type QueryId = ();
    // The text differs by code path, so the type alone does not identify the statement: it is cached by its SQL.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS> AppearsOnTable<QS> for FixedSql {}

impl<QS> SelectableExpression<QS> for FixedSql {}

impl ValidGrouping<()> for FixedSql {
    type IsAggregate = is_aggregate::Never;
}

/// `1 = 1`, which makes the statement it is part of never cached, so the database plans it with the actual values
/// each time. For lookups whose best plan depends on those values (a long `= ANY($1)` list against a unique
/// index): a cached, generic plan chosen while a table was small can scan a whole index range per call later.
#[derive(Debug, Clone, Copy)]
pub struct PlanEachTime;

impl Expression for PlanEachTime {
    type SqlType = Bool;
}

impl<DB: Backend> QueryFragment<DB> for PlanEachTime {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        out.push_sql("1 = 1");
        Ok(())
    }
}

impl QueryId for PlanEachTime {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS> AppearsOnTable<QS> for PlanEachTime {}

impl<QS> SelectableExpression<QS> for PlanEachTime {}

impl ValidGrouping<()> for PlanEachTime {
    type IsAggregate = is_aggregate::Never;
}

#[cfg(test)]
mod tests {
    use diesel::debug_query;
    use diesel::sqlite::Sqlite;

    use super::*;

    #[test]
    fn renders_its_text_with_placeholders_and_is_safe_to_cache() {
        let fragment = FixedSql::new("a = ")
            .bind(7)
            .sql(" AND b IN (SELECT x FROM t WHERE y = ")
            .bind(9)
            .sql(")");
        let rendered = debug_query::<Sqlite, _>(&fragment).to_string();
        assert_eq!(
            rendered,
            "a = ? AND b IN (SELECT x FROM t WHERE y = ?) -- binds: [7, 9]"
        );
        let literal = diesel::dsl::sql::<Bool>("a = 1");
        assert!(
            QueryFragment::<Sqlite>::is_safe_to_cache_prepared(&fragment, &Sqlite).unwrap(),
            "fixed text may be cached"
        );
        assert!(
            !QueryFragment::<Sqlite>::is_safe_to_cache_prepared(&literal, &Sqlite).unwrap(),
            "a raw literal may not: the reason this type exists"
        );
        assert!(!QueryFragment::<Sqlite>::is_safe_to_cache_prepared(&PlanEachTime, &Sqlite).unwrap());
        assert_eq!(
            debug_query::<Sqlite, _>(&PlanEachTime).to_string(),
            "1 = 1 -- binds: []"
        );
    }
}

//! What every refusal must be: the contract's error JSON, a message that names the field at
//! fault, and nothing of the server's internals.

use serde_json::json;

use super::Reply;

/// Words that would show the server's internals (SQL, the driver, a panic) in an error message.
const INTERNAL_WORDS: &[&str] = &[
    "sqlx",
    "sqlite",
    "postgres",
    "constraint",
    "violates",
    "syntax error",
    "panicked",
    "select ",
    "insert into",
    "delete from",
    "update actors",
    "update movies",
    "returning",
    "where id",
];

/// Checks that an error message shows nothing of the server's internals.
#[track_caller]
pub fn assert_no_internals(reply: &Reply, case: &str) {
    let message = reply.message().to_lowercase();
    for word in INTERNAL_WORDS {
        assert!(
            !message.contains(word),
            "{case}: the error message shows internals ({word:?}): {}",
            reply.body
        );
    }
}

/// Checks a refusal: the status, the contract's error JSON (`success: false`, `error`, `code`,
/// a message) served as `application/json`, a message that names `field` (unless it is empty)
/// and shows no internals. `case` says which request it was, for the failure message.
#[track_caller]
pub fn assert_refused(reply: &Reply, status: u16, code: &str, field: &str, case: &str) {
    assert_eq!(
        reply.status, status,
        "{case}: expected {status} {code}, got {}; body: {}",
        reply.status, reply.body
    );
    assert_eq!(
        reply.body["success"],
        json!(false),
        "{case}: body: {}",
        reply.body
    );
    assert_eq!(
        reply.body["error"],
        json!(status),
        "{case}: body: {}",
        reply.body
    );
    assert_eq!(
        reply.body["code"],
        json!(code),
        "{case}: body: {}",
        reply.body
    );
    assert!(
        !reply.message().is_empty(),
        "{case}: the error has no message: {}",
        reply.body
    );
    assert!(
        reply
            .header("content-type")
            .is_some_and(|value| value.starts_with("application/json")),
        "{case}: the error is not served as JSON: {:?}",
        reply.header("content-type")
    );
    if !field.is_empty() {
        assert!(
            reply.message().contains(field),
            "{case}: the message does not name {field:?}: {}",
            reply.message()
        );
    }
    assert_no_internals(reply, case);
}

/// Checks that a 401 asks for a bearer token in `WWW-Authenticate`.
#[track_caller]
pub fn assert_bearer_challenge(reply: &Reply, case: &str) {
    let challenge = reply.header("www-authenticate").unwrap_or("");
    assert!(
        challenge.starts_with("Bearer"),
        "{case}: WWW-Authenticate is {challenge:?}"
    );
}

//! movie-manager: a casting agency's system of record for actors, movies and who is cast in what.

/// Access tokens: JWKS key store, token verification, permissions, and the local identity provider.
pub mod auth;
/// The command line: `serve`, `migrate`, `token`, `seed`.
pub mod cli;
/// Settings from flags and environment variables.
pub mod config;
/// The HTTP API: routes by resource, extractors, validation, docs and middleware.
pub mod http;
/// What the presenters share beneath them: page pieces, list queries, CSV exports.
pub mod kit;
/// Prometheus metrics, on their own listener.
pub mod metrics;
/// The catalogue's fields and request bodies: each rule of the resources, written once.
pub mod model;
/// Performers' photos: what an upload may be, its renditions, and the folder or bucket they live in.
pub mod photos;
/// The built-in OpenID provider of local mode.
pub mod provider;
/// Building and running the server.
pub mod startup;
/// SQLite and PostgreSQL: pools, migrations and queries.
pub mod storage;
/// Logging setup.
pub mod telemetry;
/// The staff's web app: pages, sign-in with OpenID Connect, sessions.
pub mod web;

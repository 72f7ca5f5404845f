//! Black-box tests of movie-manager: each starts the real server on a free port, over SQLite and
//! over PostgreSQL, and talks to it over HTTP. One test binary, so it compiles once.

mod helpers;

mod actors;
mod auth;
mod board;
mod booking;
mod candidates;
mod castings;
mod concurrency;
mod csv;
mod deploy;
mod errors;
mod events;
mod history;
mod hostile;
mod import;
mod live_pages;
mod movies;
mod moving;
mod operations;
mod pages;
mod paging;
mod photo_pages;
mod photos;
mod presentations;
mod production;
mod profile;
mod representation;
mod roles;
mod rules;
mod schemathesis;
mod session_pages;
mod sessions;
mod sign_in;
mod tls;
mod web;

//! `sqlx::migrate!` embeds `migrations/` at compile time; this makes a new or changed migration
//! rebuild the crate, as sqlx's documentation asks, instead of being left out of the binary.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

//! The administrators' side of Quietline: the web console mounted on the admin listener, and
//! what it shares with `quietline-admin` (the starter set of cards).

pub mod console;
pub mod starter;

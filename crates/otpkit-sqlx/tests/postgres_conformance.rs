//! otpkit's store conformance suite on PostgreSQL (`OTPKIT_TEST_POSTGRES_URL`): every case
//! gets two `PgStore`s (two pools) on one new database, dropped afterwards.
//!
//! The concurrency cases repeat `OTPKIT_CONFORMANCE_REPETITIONS` times (default 200).
#![cfg(feature = "postgres")]
// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

mod postgres_conformance {
    otpkit::store_conformance_tests!(crate::common::fresh_pair(crate::common::Server::Postgres));
}

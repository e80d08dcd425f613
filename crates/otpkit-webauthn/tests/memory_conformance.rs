//! The passkey store conformance cases on `MemoryStore` (one store, two handles).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use otpkit::MemoryStore;
use otpkit::store::DeviceStore;

async fn two_handles() -> (Arc<dyn DeviceStore>, Arc<dyn DeviceStore>, ()) {
    let s = MemoryStore::new();
    (Arc::new(s.clone()), Arc::new(s), ())
}

passkey_conformance_tests!(two_handles());

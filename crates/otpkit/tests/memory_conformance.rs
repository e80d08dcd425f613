//! The store conformance suite on `MemoryStore` (two clones share one "database").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use otpkit::MemoryStore;

otpkit::store_conformance_tests!(async {
    let s = MemoryStore::new();
    (
        Arc::new(s.clone()) as Arc<dyn otpkit::DeviceStore>,
        Arc::new(s) as Arc<dyn otpkit::DeviceStore>,
    )
});

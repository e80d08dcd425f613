//! The trust store conformance suite on `MemoryTrustStore` (two clones share one "database").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use otpkit::trust::{MemoryTrustStore, TrustStore};

otpkit::trust_store_conformance_tests!(async {
    let s = MemoryTrustStore::new();
    Some((
        Arc::new(s.clone()) as Arc<dyn TrustStore>,
        Arc::new(s) as Arc<dyn TrustStore>,
    ))
});

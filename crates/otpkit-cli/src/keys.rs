//! `otpkit keys …`: new ring entries, key status and rotation.

use std::collections::BTreeMap;

use otpkit::KeyRing;

use crate::context::Ctx;
use crate::failure::{Failure, Res};

/// `keys generate --id ID`: prints a new ring entry (a secret); needs no database.
pub(crate) fn generate(id: &str) -> Res {
    let entry = KeyRing::generate_entry(id).map_err(|e| Failure::input(e.to_string()))?;
    println!("{entry}");
    Ok(())
}

/// `keys rotate`: re-seals every key not under the active key; exit 3 if some failed.
pub(crate) async fn rotate(ctx: &Ctx) -> Res {
    let r = ctx.engine.rotate_keys().await?;
    println!(
        "resealed {}, current {}, failed {}",
        r.resealed, r.current, r.failed
    );
    if r.failed > 0 {
        return Err(Failure::internal(format!(
            "{} device(s) could not be re-sealed (see the log)",
            r.failed
        )));
    }
    Ok(())
}

/// `keys status`: per key id, the sealed keys and hashed codes that use it; exit 3 when a
/// key they use is missing from the ring.
pub(crate) async fn status(ctx: &Ctx) -> Res {
    let usage = ctx.engine.key_status().await?;
    let ring = ctx.engine.keys();
    let mut rows: BTreeMap<String, (u64, u64, bool)> =
        ring.ids().map(|id| (id.to_owned(), (0, 0, true))).collect();
    for (id, u) in usage {
        let e = rows.entry(id.clone()).or_insert((0, 0, ring.contains(&id)));
        e.0 = u.sealed;
        e.1 = u.hashed;
    }
    println!("{:<34} {:>8} {:>8}  STATUS", "KEY ID", "SEALED", "HASHED");
    let mut missing = Vec::new();
    for (id, (sealed, hashed, in_ring)) in &rows {
        let status = match (in_ring, id == ring.active_id()) {
            (false, _) => {
                missing.push(id.clone());
                "MISSING FROM RING"
            }
            (true, true) => "active",
            (true, false) => "in ring",
        };
        println!("{id:<34} {sealed:>8} {hashed:>8}  {status}");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Failure::internal(format!(
            "rows use key id(s) absent from the ring: {}",
            missing.join(", ")
        )))
    }
}

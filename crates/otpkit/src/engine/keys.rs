//! Key rotation and key status (docs/behaviour.md §5.7, §8 `keys`).

use std::collections::BTreeMap;

use crate::error::Error;
use crate::events::{Event, EventKind};
use crate::kind::KindError;
use crate::record::DeviceRecord;
use crate::store::{DeviceQuery, DeviceStoreExt, Write};

use super::attempt::CtxExtra;
use super::{Engine, KeyUsage, RotateReport};

impl Engine {
    pub(super) async fn each_page(
        &self,
        mut f: impl FnMut(Vec<DeviceRecord>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut after = None;
        loop {
            let page = self
                .inner
                .store
                .list(&DeviceQuery {
                    after_id: after,
                    limit: Some(500),
                    ..DeviceQuery::default()
                })
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            f(page)?;
        }
        Ok(())
    }

    /// `keys status`: per key id, the sealed keys and keyed hashes that use it.
    pub async fn key_status(&self) -> Result<BTreeMap<String, KeyUsage>, Error> {
        let mut map: BTreeMap<String, KeyUsage> = BTreeMap::new();
        let reg = self.inner.registry.clone();
        self.each_page(|page| {
            for r in page {
                let Some(kind) = reg.get(&r.model_label) else {
                    continue;
                };
                let ids = kind.0.load(&r.state)?.key_ids();
                for k in ids.sealed {
                    map.entry(k).or_default().sealed += 1;
                }
                for k in ids.hashed {
                    map.entry(k).or_default().hashed += 1;
                }
            }
            Ok(())
        })
        .await?;
        Ok(map)
    }

    /// `keys rotate`: re-seals every sealed key not under the active key, each as its own
    /// atomic transition (so an interrupted run resumes where it stopped; a second run is a
    /// no-op). Emits `keys_rotated` once.
    pub async fn rotate_keys(&self) -> Result<RotateReport, Error> {
        let mut ids = Vec::new();
        self.each_page(|page| {
            ids.extend(page.into_iter().map(|r| r.id));
            Ok(())
        })
        .await?;
        let mut report = RotateReport::default();
        for id in ids {
            let inner = self.inner.clone();
            let now = self.now();
            let done = self
                .inner
                .store
                .transition(id, move |rec| {
                    let Some(kind) = inner.kind_of(rec).cloned() else {
                        return (Write::None, Ok(0));
                    };
                    let res = (|| -> Result<(usize, String), KindError> {
                        let mut dev = kind.0.load(&rec.state)?;
                        let pid = rec.persistent_id();
                        let n = {
                            let ctx = inner.ctx(now, rec, &pid, CtxExtra::default());
                            dev.reseal(&ctx)?
                        };
                        Ok((n, dev.save()?))
                    })();
                    match res {
                        Ok((0, _)) => (Write::None, Ok(0)),
                        Ok((n, s)) => {
                            rec.state = s;
                            (Write::Update, Ok(n))
                        }
                        Err(e) => (Write::None, Err(e)),
                    }
                })
                .await?;
            let Some(done) = done else {
                continue;
            };
            match done.value {
                Ok(0) => {
                    // Nothing to re-seal: count the keys already under the active one.
                    let r = &done.record;
                    let sealed = self
                        .inner
                        .kind_of(r)
                        .and_then(|k| k.0.load(&r.state).ok())
                        .map_or(0, |d| d.key_ids().sealed.len());
                    report.current += sealed as u64;
                }
                Ok(n) => report.resealed += n as u64,
                Err(e) => {
                    tracing::warn!(target: "otpkit", device = id, error = %e, "re-sealing failed");
                    report.failed += 1;
                }
            }
        }
        let mut e = Event::new(EventKind::KeysRotated, None, None, self.now());
        e.detail = Some(format!(
            "resealed={} current={} failed={}",
            report.resealed, report.current, report.failed
        ));
        self.inner.emit(e);
        Ok(report)
    }
}

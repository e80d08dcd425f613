//! Administration (docs/behaviour.md §2.4–§2.6, §3, §8): the committing policy operations (throttle
//! reset, unlock, cooldown, timestamps, tokens), rename, confirm, remove and prune.

use crate::error::Error;
use crate::events::{Event, EventKind};
use crate::policy::{Throttle, throttle_reset};
use crate::record::{DeviceRecord, ThrottleState, validate_name};
use crate::secret::SecretString;
use crate::store::{DeviceStoreExt, Write};
use crate::user::UserId;

use super::attempt::CtxExtra;
use super::{Device, Engine};

impl Engine {
    /// Runs `f` on device `pid` in one transition and returns the device as committed.
    pub(super) async fn update_record(
        &self,
        pid: &str,
        mut f: impl FnMut(&mut DeviceRecord) -> Write + Send + 'static,
    ) -> Result<Device, Error> {
        let (d, ()) = self.update_record_with(pid, move |r| (f(r), ())).await?;
        Ok(d)
    }

    /// [`Engine::update_record`] for an `f` that also returns a value: the device as
    /// committed and the value of the run that committed.
    pub(super) async fn update_record_with<T: Send + 'static>(
        &self,
        pid: &str,
        mut f: impl FnMut(&mut DeviceRecord) -> (Write, T) + Send + 'static,
    ) -> Result<(Device, T), Error> {
        let Some((p, kind)) = self.resolve(pid) else {
            return Err(Error::NotFound);
        };
        let label = kind.model_label();
        let id = self.locate(&p).await?.ok_or(Error::NotFound)?;
        let done = self
            .inner
            .store
            .transition(id, move |rec| {
                if rec.model_label != label {
                    return (Write::None, None);
                }
                let (w, v) = f(rec);
                (w, Some(v))
            })
            .await?;
        let Some(done) = done else {
            return Err(Error::NotFound);
        };
        let value = done.value.ok_or(Error::NotFound)?;
        Ok((
            Device {
                record: done.record,
                kind,
            },
            value,
        ))
    }

    /// `throttle_reset(commit = true)`: clears the delay and `LOCKED_OUT`. Emits
    /// `throttle_reset`.
    pub async fn throttle_reset(&self, pid: &str) -> Result<Device, Error> {
        self.reset_with_event(pid, EventKind::ThrottleReset).await
    }

    /// `throttle_reset` of every device of `user` at once (all rows locked), which also
    /// clears the account throttle (`OTPKIT_ACCOUNT_THROTTLING`). Emits `throttle_reset` for
    /// each device that had a failure count or timestamp; returns those devices.
    pub async fn throttle_reset_user(&self, user: &UserId) -> Result<Vec<Device>, Error> {
        let done = self
            .inner
            .store
            .transition_user(user, |recs, writes| {
                for (r, w) in recs.iter_mut().zip(writes.iter_mut()) {
                    if r.throttle != ThrottleState::default() {
                        throttle_reset(&mut r.throttle);
                        *w = Write::Update;
                    }
                }
            })
            .await?;
        let now = self.now();
        let mut devices = Vec::new();
        for rec in done.written(Write::Update).cloned() {
            self.inner.emit(Event::new(
                EventKind::ThrottleReset,
                Some(user),
                Some(&rec.persistent_id()),
                now,
            ));
            devices.extend(self.inner.device(rec));
        }
        Ok(devices)
    }

    /// The owner's self-service unlock (§7.7): `throttle_reset` emitting `device_unlocked`.
    /// The caller checks that the session was verified by a different device.
    pub async fn unlock(&self, pid: &str) -> Result<Device, Error> {
        self.reset_with_event(pid, EventKind::DeviceUnlocked).await
    }

    pub(super) async fn reset_with_event(
        &self,
        pid: &str,
        kind: EventKind,
    ) -> Result<Device, Error> {
        let d = self
            .update_record(pid, |r| {
                throttle_reset(&mut r.throttle);
                Write::Update
            })
            .await?;
        self.inner.emit(Event::new(
            kind,
            Some(d.user()),
            Some(&d.persistent_id()),
            self.now(),
        ));
        Ok(d)
    }

    /// `throttle_increment(commit = true)`: count + 1 and timestamp = now, atomically. Emits
    /// `device_locked` (and notifies) when this increment reaches the lock-out threshold.
    pub async fn throttle_increment(&self, pid: &str) -> Result<Device, Error> {
        let now = self.now();
        let max = self.inner.settings.throttle.max_delay;
        let lockout = self.inner.settings.throttle.lockout_threshold;
        let (d, locked) = self
            .update_record_with(pid, move |r| {
                let throttle = Throttle {
                    factor: 1,
                    max_delay_secs: max,
                    lockout_threshold: lockout,
                };
                (Write::Update, throttle.increment(&mut r.throttle, now))
            })
            .await?;
        if locked {
            let mut e = Event::new(
                EventKind::DeviceLocked,
                Some(d.user()),
                Some(&d.persistent_id()),
                now,
            );
            e.failure_count = Some(d.throttle().failure_count);
            self.inner.emit(e);
        }
        Ok(d)
    }

    /// `cooldown_set(commit = true)`.
    pub async fn cooldown_set(&self, pid: &str) -> Result<Device, Error> {
        let now = self.now();
        self.update_record(pid, move |r| {
            crate::policy::cooldown_set(r, now);
            Write::Update
        })
        .await
    }

    /// `cooldown_reset(commit = true)`.
    pub async fn cooldown_reset(&self, pid: &str) -> Result<Device, Error> {
        self.update_record(pid, |r| {
            crate::policy::cooldown_reset(r);
            Write::Update
        })
        .await
    }

    /// `set_last_used_timestamp(commit = true)`.
    pub async fn set_last_used_timestamp(&self, pid: &str) -> Result<Device, Error> {
        let now = self.now();
        self.update_record(pid, move |r| {
            crate::policy::set_last_used_timestamp(r, now);
            Write::Update
        })
        .await
    }

    /// `generate_token(length, valid_secs, commit = true)` for a side-channel device: stores
    /// the new token's hash and returns the plaintext once.
    pub async fn generate_token(
        &self,
        pid: &str,
        length: u8,
        valid_secs: u32,
    ) -> Result<SecretString, Error> {
        let Some((p, kind)) = self.resolve(pid) else {
            return Err(Error::NotFound);
        };
        let now = self.now();
        let inner = self.inner.clone();
        let id = self.locate(&p).await?.ok_or(Error::NotFound)?;
        let done = self
            .inner
            .store
            .transition(id, move |rec| {
                if rec.model_label != kind.model_label() {
                    return (Write::None, Err(Error::NotFound));
                }
                let res = (|| -> Result<SecretString, Error> {
                    let mut dev = kind.0.load(&rec.state)?;
                    let pid = rec.persistent_id();
                    let token = {
                        let ctx = inner.ctx(now, rec, &pid, CtxExtra::default());
                        let side = dev
                            .side_channel()
                            .ok_or(Error::WrongKind(kind.verbose_name()))?;
                        side.generate_token(&ctx, length, valid_secs)?
                    };
                    rec.state = dev.save()?;
                    Ok(token)
                })();
                let w = if res.is_ok() {
                    Write::Update
                } else {
                    Write::None
                };
                (w, res)
            })
            .await?;
        done.ok_or(Error::NotFound)?.value
    }

    /// Renames a device.
    pub async fn rename(&self, pid: &str, name: &str) -> Result<Device, Error> {
        validate_name(name)?;
        let name = name.to_owned();
        self.update_record(pid, move |r| {
            r.name = name.clone();
            Write::Update
        })
        .await
    }

    /// Marks a device confirmed (administrator override of §7.6). Emits
    /// `device_confirmed` when it was not.
    pub async fn confirm(&self, pid: &str) -> Result<Device, Error> {
        let (d, was_confirmed) = self
            .update_record_with(pid, |r| {
                if r.confirmed {
                    (Write::None, true)
                } else {
                    r.confirmed = true;
                    (Write::Update, false)
                }
            })
            .await?;
        if !was_confirmed {
            self.inner.emit(Event::new(
                EventKind::DeviceConfirmed,
                Some(d.user()),
                Some(&d.persistent_id()),
                self.now(),
            ));
        }
        Ok(d)
    }

    /// Removes a device. Emits `device_removed`.
    pub async fn remove(&self, pid: &str) -> Result<Device, Error> {
        let d = self.update_record(pid, |_| Write::Delete).await?;
        self.inner.emit(Event::new(
            EventKind::DeviceRemoved,
            Some(d.user()),
            Some(&d.persistent_id()),
            self.now(),
        ));
        Ok(d)
    }

    /// `delete_devices_for_user(user)`: removes every device of `user` (the application calls
    /// it when it deletes the user), in one transition over all of the user's rows, and
    /// emits `device_removed` once per device removed (REQ-16).
    pub async fn delete_devices_for_user(&self, user: &UserId) -> Result<u64, Error> {
        let done = self
            .inner
            .store
            .transition_user(user, |_, writes| {
                writes.iter_mut().for_each(|w| *w = Write::Delete);
            })
            .await?;
        let now = self.now();
        let mut removed = 0u64;
        for rec in done.written(Write::Delete) {
            self.inner.emit(Event::new(
                EventKind::DeviceRemoved,
                Some(user),
                Some(&rec.persistent_id()),
                now,
            ));
            removed += 1;
        }
        Ok(removed)
    }

    /// `otpkit device prune`: deletes unconfirmed devices older than `OTPKIT_ENROLMENT_TTL`
    /// ([`Engine::purge_abandoned_enrolments`] with that age).
    pub async fn prune_unconfirmed(&self) -> Result<u64, Error> {
        let ttl = u64::from(self.inner.settings.enrolment.ttl);
        self.purge_abandoned_enrolments(std::time::Duration::from_secs(ttl))
            .await
    }
}

//! The Lua scripts that make each write one atomic step on the Redis server.
//!
//! Every script takes `KEYS[1]` = the expiry index and `ARGV[1]` = the key prefix,
//! `ARGV[2]` = now (milliseconds, the application's clock), `ARGV[3]` = the tombstone grace
//! (milliseconds); what follows is the script's own. A session is a hash at
//! `{prefix}session:{id}`:
//!
//! | field | value |
//! |---|---|
//! | `d` | the encoded record ([`otpkit_sessions::codec::encode`]); absent in a tombstone |
//! | `u` | the owner, if any; absent in a tombstone |
//! | `c`, `s` | created, last seen (milliseconds) |
//! | `e` | the expiry, or the tombstone's end (milliseconds) |
//! | `t` | `1` in a tombstone |
//!
//! The user index `{prefix}user:{user}` and the expiry index `{prefix}expiry` are sorted
//! sets of ids scored by `e`.

use std::sync::LazyLock;

use redis::Script;

/// What every script shares: number formatting, the user index key, writing a record and
/// turning a session into a tombstone.
const PRELUDE: &str = r#"
local now = tonumber(ARGV[2])
local grace = tonumber(ARGV[3])
local function fmt(n) return string.format('%d', n) end
local function ukey(u) return ARGV[1] .. 'user:' .. u end
local function skey(id) return ARGV[1] .. 'session:' .. id end
-- Writes the record (data, owner or '', expiry) at k, keeping its created time.
local function write(k, id, data, user, e)
  local old = redis.call('HGET', k, 'u')
  if old and old ~= user then redis.call('ZREM', ukey(old), id) end
  redis.call('HSETNX', k, 'c', fmt(now))
  redis.call('HSET', k, 'd', data, 's', fmt(now), 'e', fmt(e))
  if user == '' then
    redis.call('HDEL', k, 'u')
  else
    redis.call('HSET', k, 'u', user)
    redis.call('ZADD', ukey(user), fmt(e), id)
  end
  if e > now then
    redis.call('PEXPIRE', k, fmt(e - now))
    redis.call('ZADD', KEYS[1], fmt(e), id)
  else
    -- Already expired: gone at once, as Redis itself would do.
    if user ~= '' then redis.call('ZREM', ukey(user), id) end
    redis.call('DEL', k)
    redis.call('ZREM', KEYS[1], id)
  end
end
-- Turns k into a tombstone until the later of its expiry and now, plus the grace.
local function tombstone(k, id)
  local e = tonumber(redis.call('HGET', k, 'e') or now) or now
  if e < now then e = now end
  local ends = e + grace
  local u = redis.call('HGET', k, 'u')
  if u then redis.call('ZREM', ukey(u), id) end
  redis.call('DEL', k)
  redis.call('HSET', k, 't', '1', 'e', fmt(ends))
  redis.call('PEXPIRE', k, fmt(math.max(ends - now, 1)))
  redis.call('ZADD', KEYS[1], fmt(ends), id)
end
-- Whether k is a live session of user (a tombstone has no owner).
local function owned(k, user)
  local v = redis.call('HMGET', k, 'u', 'e')
  return v[1] == user and v[2] and tonumber(v[2]) > now
end
"#;

/// The scripts, each hashed once.
pub(crate) struct Scripts {
    /// `KEYS[2]` = session key; `ARGV[4..7]` = id, data, owner or `''`, expiry. 1 if
    /// written, 0 if the key exists (a session or a tombstone).
    pub(crate) create: Script,
    /// As `create`; 1 if written, 0 if the key is a tombstone.
    pub(crate) save: Script,
    /// `KEYS[2]` = session key; `ARGV[4]` = id. Leaves a tombstone.
    pub(crate) delete: Script,
    /// `KEYS[2]` = session key; `ARGV[4..5]` = id, user. 1 if it was a live session of user
    /// and is now a tombstone, else 0.
    pub(crate) end: Script,
    /// `KEYS[2]` = user index; `ARGV[4..5]` = user, the id to keep or `''`. How many it
    /// ended; drops index entries that are no longer the user's.
    pub(crate) end_all: Script,
    /// `KEYS[2]` = user index; `ARGV[4]` = user. `[id, created, last seen, expiry, data]*`
    /// of the live sessions; drops index entries that are no longer the user's.
    pub(crate) list: Script,
    /// `ARGV[4]` = batch size. Deletes up to a batch of sessions and tombstones whose
    /// expiry has passed (and their user index entries); says how many ids it looked at.
    pub(crate) delete_expired: Script,
}

const CREATE: &str = r#"
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
write(KEYS[2], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7]))
return 1
"#;

const SAVE: &str = r#"
if redis.call('HEXISTS', KEYS[2], 't') == 1 then return 0 end
write(KEYS[2], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7]))
return 1
"#;

const DELETE: &str = r#"
tombstone(KEYS[2], ARGV[4])
return 1
"#;

const END: &str = r#"
if not owned(KEYS[2], ARGV[5]) then return 0 end
tombstone(KEYS[2], ARGV[4])
return 1
"#;

const END_ALL: &str = r#"
local n = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if id ~= ARGV[5] then
    local k = skey(id)
    if owned(k, ARGV[4]) then
      tombstone(k, id)
      n = n + 1
    elseif redis.call('HGET', k, 'u') ~= ARGV[4] then
      redis.call('ZREM', KEYS[2], id)
    end
  end
end
return n
"#;

const LIST: &str = r#"
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local v = redis.call('HMGET', skey(id), 'u', 'c', 's', 'e', 'd')
  if v[1] ~= ARGV[4] then
    redis.call('ZREM', KEYS[2], id)
  elseif v[4] and v[5] and tonumber(v[4]) > now then
    table.insert(out, id)
    table.insert(out, v[2] or v[4])
    table.insert(out, v[3] or v[4])
    table.insert(out, v[4])
    table.insert(out, v[5])
  end
end
return out
"#;

const DELETE_EXPIRED: &str = r#"
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(ids) do
  local k = skey(id)
  local v = redis.call('HMGET', k, 'u', 'e')
  if v[2] and tonumber(v[2]) > now then
    redis.call('ZADD', KEYS[1], v[2], id)
  else
    if v[1] then redis.call('ZREM', ukey(v[1]), id) end
    redis.call('DEL', k)
    redis.call('ZREM', KEYS[1], id)
  end
end
return #ids
"#;

fn script(body: &str) -> Script {
    Script::new(&format!("{PRELUDE}{body}"))
}

/// The scripts, built (and hashed) at first use.
pub(crate) static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    create: script(CREATE),
    save: script(SAVE),
    delete: script(DELETE),
    end: script(END),
    end_all: script(END_ALL),
    list: script(LIST),
    delete_expired: script(DELETE_EXPIRED),
});

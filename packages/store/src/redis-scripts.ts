/**
 * The Lua scripts of the Redis backend. Each runs atomically in Redis, which is what makes a write
 * (version check, data, index, revision, event, checkpoint) all-or-nothing with respect to every
 * other client, without WATCH/MULTI round trips.
 *
 * A stored value is `<version>\n<creationTime>\n<modificationTime>\n<body JSON>`: the script reads
 * and writes only the first three lines, so Lua never re-encodes a spec (cjson would turn `[]`
 * into `{}`).
 */
import { createHash } from 'node:crypto';

/** A script with its SHA1, run with EVALSHA and loaded with EVAL on NOSCRIPT. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
  readonly keys: number;
}

function script(keys: number, source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex'), keys };
}

/**
 * KEYS: revision counter, data hash, index sorted set, event stream, checkpoints hash.
 * ARGV: op (create|update|delete), field, expected version ('' = any), given creationTime ('' =
 * none), now, body (unused for delete), history limit, checkpoint name ('' = none), checkpoint value.
 * Returns `{'ok', revision, creationTime}` (the client knows the rest of the stored value and
 * builds it itself, so the reply stays small), `{'exists'}`, `{'notfound'}` or `{'conflict', version}`.
 *
 * The event is appended right after the revision is taken: if anything later failed, a watcher
 * would see a gap and fail with HistoryGone (relist) rather than miss a change.
 */
export const writeScript = script(
  5,
  `
local op, field, expected, given_creation, now, body, limit, cp_name, cp_value =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local old = redis.call('HGET', KEYS[2], field)
if op == 'create' then
  if old then return {'exists'} end
elseif not old then
  return {'notfound'}
end
local old_creation
if old then
  local v_end = string.find(old, '\\n', 1, true)
  local c_end = string.find(old, '\\n', v_end + 1, true)
  local old_version = string.sub(old, 1, v_end - 1)
  old_creation = string.sub(old, v_end + 1, c_end - 1)
  if expected ~= '' and expected ~= old_version then return {'conflict', old_version} end
end
local revision = redis.call('INCR', KEYS[1])
local value = old
local creation = ''
if op ~= 'delete' then
  creation = now
  if given_creation ~= '' then creation = given_creation elseif old_creation then creation = old_creation end
  value = revision .. '\\n' .. creation .. '\\n' .. now .. '\\n' .. body
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', limit, revision .. '-0', 'o', op, 'v', value)
if op == 'delete' then
  redis.call('HDEL', KEYS[2], field)
  redis.call('ZREM', KEYS[3], field)
else
  redis.call('HSET', KEYS[2], field, value)
  if op == 'create' then redis.call('ZADD', KEYS[3], 0, field) end
end
if cp_name ~= '' then redis.call('HSET', KEYS[5], cp_name, cp_value) end
return {'ok', revision, creation}
`,
);

/**
 * KEYS: index sorted set, data hash. ARGV: filter ('1' = one mesh), mesh, offset, size.
 * Returns `{total, value...}`: count and page read in one atomic step, so they agree.
 */
export const listScript = script(
  2,
  `
local filter, mesh, offset, size = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local total, fields
if filter == '1' then
  local min, max = '[' .. mesh .. '\\0', '(' .. mesh .. '\\1'
  total = redis.call('ZLEXCOUNT', KEYS[1], min, max)
  fields = redis.call('ZRANGE', KEYS[1], min, max, 'BYLEX', 'LIMIT', offset, size)
else
  total = redis.call('ZCARD', KEYS[1])
  fields = redis.call('ZRANGE', KEYS[1], offset, offset + size - 1)
end
if #fields == 0 then return {total} end
local values = redis.call('HMGET', KEYS[2], unpack(fields))
table.insert(values, 1, total)
return values
`,
);

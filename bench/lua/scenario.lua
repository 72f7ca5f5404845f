-- wrk script for every benchmark scenario. Arguments (after `--`): the mode, then its operands.
--   get PATH [HEADER...]  the same GET on every request (a list page, a deep cursor, a search);
--                         each HEADER is "Name: value" (e.g. "Accept-Encoding: gzip")
--   movie MAX             GET /movies/{id}, id uniform in 1..MAX (BENCH_MOVIE_PREFIX in the
--                         environment replaces "/movies/")
--   conditional FILE      GET /movies/{id} with If-None-Match: the id and its ETag drawn from
--                         FILE (lines "ID ETAG"); 304 counts as a success
--   post                  POST /actors with a new actor
--   patch MAX             PATCH /actors/{id}, id uniform in 1..MAX, a new age
--   mixed MAX_ACTOR MAX_MOVIE PATH...
--                         90 % reads (the PATHs and GET /movies/{id}, in turn), 10 % writes
--                         (POST and PATCH, in turn)
--   reads MAX_MOVIE PATH...
--                         the PATHs and GET /movies/{id} in turn (the warm-up)
-- The bearer token comes from the environment (BENCH_TOKEN). Every response that is not 2xx
-- (or 304 in `conditional`) counts as an error, as do wrk's own connect/read/write/timeout
-- errors. done() prints one line of JSON: requests/s, p50/p99/max latency in microseconds, bytes
-- received, the 304 and Content-Encoding counts, and the error counts.

local mode
local operands = {}
local token = "Bearer " .. (os.getenv("BENCH_TOKEN") or "")
local auth = { ["Authorization"] = token }
local json_auth = { ["Authorization"] = token, ["Content-Type"] = "application/json" }
local movie_prefix = os.getenv("BENCH_MOVIE_PREFIX") or "/movies/"
local fixed
local tagged = {}
local counter = 0
non_2xx = 0
not_modified = 0
encoded = 0

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    mode = args[1]
    for i = 2, #args do
        operands[i - 1] = args[i]
    end
    -- A different sequence of ids per thread, the same on every run.
    math.randomseed(1234 + #threads)
    if mode == "get" then
        local headers = { ["Authorization"] = token }
        for i = 2, #operands do
            local name, value = operands[i]:match("^([^:]+):%s*(.*)$")
            headers[name] = value
        end
        fixed = wrk.format("GET", operands[1], headers)
    elseif mode == "conditional" then
        for line in io.lines(operands[1]) do
            local id, tag = line:match("^(%d+) (.+)$")
            if id then
                table.insert(tagged, wrk.format("GET", movie_prefix .. id,
                    { ["Authorization"] = token, ["If-None-Match"] = tag }))
            end
        end
        assert(#tagged > 0, "no ETags in " .. operands[1])
    end
end

local function get_movie(max)
    return wrk.format("GET", movie_prefix .. math.random(1, max), auth)
end

local function post_actor()
    counter = counter + 1
    local body = string.format(
        '{"name":"Bench Actor %d","age":%d,"gender":"female"}', counter, math.random(0, 150))
    return wrk.format("POST", "/actors", json_auth, body)
end

local function patch_actor(max)
    local body = string.format('{"age":%d}', math.random(0, 150))
    return wrk.format("PATCH", "/actors/" .. math.random(1, max), json_auth, body)
end

-- The PATHs from operand `first` on and GET /movies/{id} (id up to operand `first - 1`), in turn.
local function next_read(first)
    local reads = #operands - first + 2
    local pick = counter % reads
    if pick == 0 then
        return get_movie(tonumber(operands[first - 1]))
    end
    return wrk.format("GET", operands[first - 1 + pick], auth)
end

function request()
    if mode == "get" then
        return fixed
    elseif mode == "movie" then
        return get_movie(tonumber(operands[1]))
    elseif mode == "conditional" then
        return tagged[math.random(1, #tagged)]
    elseif mode == "post" then
        return post_actor()
    elseif mode == "patch" then
        return patch_actor(tonumber(operands[1]))
    elseif mode == "mixed" then
        counter = counter + 1
        local slot = counter % 20
        if slot == 0 then
            return post_actor()
        elseif slot == 10 then
            return patch_actor(tonumber(operands[1]))
        end
        return next_read(3)
    elseif mode == "reads" then
        counter = counter + 1
        return next_read(2)
    end
    error("unknown mode " .. tostring(mode))
end

function response(status, headers, body)
    if status == 304 and mode == "conditional" then
        not_modified = not_modified + 1
    elseif status < 200 or status > 299 then
        non_2xx = non_2xx + 1
    end
    if headers["Content-Encoding"] or headers["content-encoding"] then
        encoded = encoded + 1
    end
end

function done(summary, latency, requests)
    local bad, unchanged, compressed = 0, 0, 0
    for _, thread in ipairs(threads) do
        bad = bad + (thread:get("non_2xx") or 0)
        unchanged = unchanged + (thread:get("not_modified") or 0)
        compressed = compressed + (thread:get("encoded") or 0)
    end
    local errors = summary.errors
    local seconds = summary.duration / 1e6
    io.write(string.format(
        '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_us":%d,"p99_us":%d,"max_us":%d,'
            .. '"bytes":%d,"not_modified":%d,"encoded":%d,'
            .. '"non_2xx":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,'
            .. '"timeouts":%d,"errors":%d}\n',
        summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50), latency:percentile(99), latency.max,
        summary.bytes, unchanged, compressed,
        bad, errors.connect, errors.read, errors.write, errors.timeout,
        bad + errors.connect + errors.read + errors.write + errors.timeout))
end

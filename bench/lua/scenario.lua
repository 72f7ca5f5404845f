-- wrk script for every benchmark scenario. Arguments (after `--`): the mode, then its operands.
--   get PATH             the same GET on every request (a list page, a deep cursor, a search)
--   movie MAX            GET /movies/{id}, id uniform in 1..MAX (BENCH_MOVIE_PREFIX in the
--                        environment replaces "/movies/")
--   post                 POST /actors with a new actor
--   patch MAX            PATCH /actors/{id}, id uniform in 1..MAX, a new age
--   mixed MAX_ACTOR MAX_MOVIE PATH...
--                        90 % reads (the PATHs and GET /movies/{id}, in turn), 10 % writes
--                        (POST and PATCH, in turn)
-- The bearer token comes from the environment (BENCH_TOKEN). Every response that is not 2xx
-- counts as an error, as do wrk's own connect/read/write/timeout errors. done() prints one line
-- of JSON: requests/s, p50/p99/max latency in microseconds, and the error counts.

local mode
local operands = {}
local auth = { ["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "") }
local json_auth = {
    ["Authorization"] = auth["Authorization"],
    ["Content-Type"] = "application/json",
}
local movie_prefix = os.getenv("BENCH_MOVIE_PREFIX") or "/movies/"
local fixed
local counter = 0
non_2xx = 0

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
        fixed = wrk.format("GET", operands[1], auth)
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

function request()
    if mode == "get" then
        return fixed
    elseif mode == "movie" then
        return get_movie(tonumber(operands[1]))
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
        local reads = #operands - 1
        local pick = counter % reads
        if pick == 0 then
            return get_movie(tonumber(operands[2]))
        end
        return wrk.format("GET", operands[2 + pick], auth)
    end
    error("unknown mode " .. tostring(mode))
end

function response(status, headers, body)
    if status < 200 or status > 299 then
        non_2xx = non_2xx + 1
    end
end

function done(summary, latency, requests)
    local bad = 0
    for _, thread in ipairs(threads) do
        bad = bad + (thread:get("non_2xx") or 0)
    end
    local errors = summary.errors
    local seconds = summary.duration / 1e6
    io.write(string.format(
        '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_us":%d,"p99_us":%d,"max_us":%d,'
            .. '"non_2xx":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,'
            .. '"timeouts":%d,"errors":%d}\n',
        summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50), latency:percentile(99), latency.max,
        bad, errors.connect, errors.read, errors.write, errors.timeout,
        bad + errors.connect + errors.read + errors.write + errors.timeout))
end

-- wrk script for bench/bench.py. BENCH_REQS names one or more request files
-- (separated by ':'), each "METHOD PATH" on the first line and then one
-- "Name: value" header per line. One file: a static request (wrk's fast
-- path). Several: they are sent in rotation (the memory soak).
local function load(path)
    local f = assert(io.open(path, "r"))
    local first = f:read("*l")
    local method, reqpath = first:match("^(%S+) (%S+)$")
    local headers = {}
    for line in f:lines() do
        local name, value = line:match("^([^:]+): (.*)$")
        if name then
            headers[name] = value
        end
    end
    f:close()
    return method, reqpath, headers
end

local files = {}
for p in string.gmatch(os.getenv("BENCH_REQS") or "", "[^:]+") do
    files[#files + 1] = p
end

if #files == 1 then
    wrk.method, wrk.path, wrk.headers = load(files[1])
else
    -- Formatted in init(): wrk.format() takes the Host header from
    -- wrk.headers, which wrk fills in only then.
    local reqs = {}
    local n = 0
    init = function(args)
        for i, p in ipairs(files) do
            local method, reqpath, headers = load(p)
            reqs[i] = wrk.format(method, reqpath, headers)
        end
    end
    request = function()
        n = n % #reqs + 1
        return reqs[n]
    end
end

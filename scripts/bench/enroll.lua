-- wrk script: POST /v1/enrollments with a unique email per request.
-- EVENT_ID comes from the environment (scripts/bench/enroll-wrk.sh sets it).
local event = os.getenv("EVENT_ID")
local threads = {}
local counter = 0
-- `id` is set per thread by setup() (a global in that thread's Lua state).


function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"email":"load-%d-%d@example.com","firstName":"Load","lastName":"Test","eventId":"%s"}',
    id, counter, event)
  return wrk.format("POST", "/v1/enrollments",
    { ["Content-Type"] = "application/json" }, body)
end

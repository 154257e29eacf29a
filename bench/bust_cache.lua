-- wrk script: every request asks for a different daily series (/api/v1/trends with its own
-- custom range) of SPAN_YEARS years (default 100: the most expensive response a client can ask
-- for without a token, ~4.8 MB). Used by bench/abuse.sh to show that the response cache stays
-- within its byte budget.
local counter = 0
local span = tonumber(os.getenv("SPAN_YEARS") or "100") - 1
request = function()
  counter = counter + 1
  local day = counter % 28 + 1
  local month = math.floor(counter / 28) % 12 + 1
  local year = 1925 + math.floor(counter / 336) % 75
  local path = string.format("/api/v1/trends?from=%04d-%02d-%02d&to=%04d-12-31", year, month, day,
                             year + span)
  return wrk.format("GET", path)
end

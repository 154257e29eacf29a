-- Each request asks for a different period (60..120 days), so no two concurrent requests can
-- share a rendering: every response is computed from the run table.
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/metrics?period=" .. (60 + counter % 61))
end

-- Argo CD health of an agentarmy.dev AgentArmy, from the status the operator writes (it never writes spec).
local hs = {}
if obj == nil or obj.metadata == nil then
  hs.status = "Missing"
  hs.message = "AgentArmy not found"
  return hs
end
local status = obj.status
local generation = obj.metadata.generation or 0
if status == nil or status.observedGeneration == nil or status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end
local found = {}
if status.conditions ~= nil then
  for _, c in ipairs(status.conditions) do
    found[c.type] = c
  end
end
local function describe(c)
  local reason = c.reason or c.type
  if c.message ~= nil and c.message ~= "" then
    return reason .. ": " .. c.message
  end
  return reason
end
if found.Degraded ~= nil and found.Degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(found.Degraded)
elseif found.UpgradeBlocked ~= nil and found.UpgradeBlocked.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(found.UpgradeBlocked)
elseif found.Progressing ~= nil and found.Progressing.status == "True" then
  -- ReleasePaused: every agent still rolling out waits for a person (promote, resume or abort).
  if found.Progressing.reason == "ReleasePaused" then
    hs.status = "Suspended"
  else
    hs.status = "Progressing"
  end
  hs.message = describe(found.Progressing)
elseif found.Ready ~= nil and found.Ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(found.Ready)
elseif status.phase == "Degraded" then
  hs.status = "Degraded"
  hs.message = "Phase Degraded"
else
  hs.status = "Progressing"
  hs.message = "Waiting for the agents to become Ready (phase " .. tostring(status.phase or "Pending") .. ")"
end
return hs

-- Argo CD health of an agentarmy.dev CanaryRelease, from status.phase (Idle, Progressing, Paused,
-- Promoted, RolledBack, Failed). A release paused for a human (a pause step without duration, a manual
-- pause, inconclusive analysis) is Suspended; one paused after a failure it may not roll back is Degraded.
local hs = {}
if obj == nil or obj.metadata == nil then
  hs.status = "Missing"
  hs.message = "CanaryRelease not found"
  return hs
end
local status = obj.status
local generation = obj.metadata.generation or 0
if status == nil or status.observedGeneration == nil or status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end
local phase = status.phase or "Idle"
local weight = status.canaryWeight or 0
local function with(text)
  if status.message ~= nil and status.message ~= "" then
    return text .. ": " .. status.message
  end
  return text
end
local target = tostring(status.toVersion or "the canary")
if phase == "Idle" then
  hs.status = "Healthy"
  hs.message = with("No release in progress")
elseif phase == "Promoted" then
  hs.status = "Healthy"
  hs.message = with("Promoted " .. target)
elseif phase == "Progressing" then
  local step = (status.currentStepIndex or 0) + 1
  hs.status = "Progressing"
  hs.message = with("Step " .. step .. ", " .. weight .. "% to " .. target)
elseif phase == "Paused" then
  local reason = status.pauseReason or "Manual"
  if reason == "Failure" then
    hs.status = "Degraded"
  else
    hs.status = "Suspended"
  end
  hs.message = with("Paused (" .. reason .. ") at " .. weight .. "% to " .. target)
elseif phase == "RolledBack" then
  hs.status = "Degraded"
  hs.message = with("Rolled back " .. target .. " to " .. tostring(status.fromVersion or "stable"))
elseif phase == "Failed" then
  hs.status = "Degraded"
  hs.message = with("Failed")
else
  hs.status = "Progressing"
  hs.message = with("Phase " .. phase)
end
return hs

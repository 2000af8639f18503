-- Argo CD health of an agentarmy.dev AgentVersion: Ready when its Secret (and prompt ConfigMap) exist.
local hs = {}
if obj == nil or obj.metadata == nil then
  hs.status = "Missing"
  hs.message = "AgentVersion not found"
  return hs
end
local status = obj.status
local generation = obj.metadata.generation or 0
if status == nil or status.observedGeneration == nil or status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end
local ready = nil
if status.conditions ~= nil then
  for _, c in ipairs(status.conditions) do
    if c.type == "Ready" then
      ready = c
    end
  end
end
if ready == nil or ready.status == "Unknown" then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to check the references"
elseif ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or ready.reason
else
  hs.status = "Degraded"
  hs.message = (ready.reason or "NotReady") .. ": " .. (ready.message or "")
end
return hs

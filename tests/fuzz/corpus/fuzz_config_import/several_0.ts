export const developParameter: AppParameter = {
  envName: "Development",
  // modelId: "anthropic.claude-3-sonnet-20240229-v1:0",
  modelId: "anthropic.claude-3-haiku-20240307-v1:0",
  cwLogsLogGroups: ["dev"],
  cwLogsInsightQuery: "fields @message | limit 100",
  xrayTrace: true,
  detectorId: "ccc7636809ab9ef126976785ad0df79e"
};

export const stageParameter: AppParameter = {
  envName: "Stage",
  modelId: "anthropic.claude-3-sonnet-20240229-v1:0",
  cwLogsLogGroups: ["stage"],
  cwLogsInsightQuery: "fields @message | limit 100",
  xrayTrace: true,
}

export const prodParameter: AppParameter = {
  envName: "Production",
  modelId: "anthropic.claude-3-sonnet-20240229-v1:0",
  cwLogsLogGroups: ["prod"],
  cwLogsInsightQuery: "fields @message | limit 100",
  xrayTrace: true,
}

export const devParameter = stageParameter;
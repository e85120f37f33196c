export const devParameter: AppParameter = {
  env: { account: "123456789012", region: "us-east-1" },
  language: "ja",
  envName: "Development",
  qualityModelId: "anthropic.claude-3-sonnet-20240229-v1:0",
  fastModelId: "anthropic.claude-3-haiku-20240307-v1:0",
  slackAppTokenKey: "SlackAppToken",
  slackSigningSecretKey: "SlackSigningSecret",
  architectureDescription: `
  あなたが担当するワークロード`,
  cwLogsLogGroups: ["a"],
  cwLogsInsightQuery: "fields @message | limit 100",
  xrayTrace: true,
  slashCommands: { insight: false, findingsReport: false, },
  detectorId: "ccc7636809ab9ef126976785ad0df79e",
  knowledgeBase: false,
};

export const devParameter = {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  language: 'en', modelId: getModel(), cwLogsLogGroups: [stack.logGroupName],
  envName: 'Prod', knowledgeBase: false, mystery: 1,
};

/* Secrets Manager GetSecretValue: how fa2 reads its Slack tokens when configured to. */
#ifndef FA2_AWS_SECRETSMANAGER_H
#define FA2_AWS_SECRETSMANAGER_H

#include "aws/client.h"

/* Appends the secret's value to out: SecretString as is, or SecretBinary decoded.
 * version_stage may be NULL (AWSCURRENT). The value is registered for log redaction.
 * err may be NULL. */
fa2_err fa2_aws_secret_get(fa2_aws_client *c, const char *secret_id, const char *version_stage,
                           fa2_buf *out, fa2_aws_error *err);

/* For a secret whose SecretString is a JSON object (as the sample keeps
 * {"SlackBotToken": ..., "SlackSigningSecret": ...}): appends the string member key.
 * FA2_ERR_NOT_FOUND when the secret is not a JSON object or lacks the key. */
fa2_err fa2_aws_secret_get_key(fa2_aws_client *c, const char *secret_id, const char *key,
                               fa2_buf *out, fa2_aws_error *err);

#endif

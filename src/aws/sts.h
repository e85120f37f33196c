/* STS operations the credential chain needs (query protocol). */
#ifndef FA2_AWS_STS_H
#define FA2_AWS_STS_H

#include "aws/creds.h"

/* AssumeRole with source credentials. external_id may be NULL; duration_s 0 = default. */
fa2_err fa2_aws_sts_assume_role(const fa2_aws_chain *ch, const fa2_aws_creds *source,
                                const char *role_arn, const char *session_name,
                                const char *external_id, int duration_s, fa2_aws_creds *out);
/* AssumeRoleWithWebIdentity (unsigned) with the token read from token_file. */
fa2_err fa2_aws_sts_assume_role_web_identity(const fa2_aws_chain *ch, const char *role_arn,
                                             const char *session_name, const char *token_file,
                                             fa2_aws_creds *out);

#endif
